/*
 * parse.c - `forgebot parse`: parse files with the compiled-in grammars.
 *
 * For rule authors it prints a file's syntax tree (--tree), which is what
 * queries and `kind:` match against; over many files it reports how much
 * parsed and how fast, the floor every rule run stands on (make bench uses
 * it as the parse-only baseline).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../analyzers/engine/engine.h"
#include "../core/walk.h"
#include "cmd.h"

void cmd_parse_usage(FILE *out)
{
	fprintf(out,
"usage: forgebot parse [--jobs N] [--language LANG] PATH...\n"
"       forgebot parse --tree FILE\n"
"\n"
"Parse every file of a known language under the PATHs and report files, lines,\n"
"syntax errors and throughput; with --tree, print FILE's syntax tree as an\n"
"S-expression (the node kinds and fields rules match). --language limits the\n"
"statistics to one language's files.\n"
"Languages: %s\n", lang_names());
}

struct collect {
	char **paths;
	size_t n, cap;
	const struct lang *only; /* --language, or NULL */
};

static int on_file(const char *path, void *payload)
{
	struct collect *c = payload;
	const struct lang *l = lang_for_path(path);

	if (l == NULL || (c->only && l != c->only))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		char **p = realloc(c->paths, cap * sizeof(*p));
		if (p == NULL)
			return FB_ENOMEM;
		c->paths = p;
		c->cap = cap;
	}
	if ((c->paths[c->n] = strdup(path)) == NULL)
		return FB_ENOMEM;
	c->n++;
	return 0;
}

static int print_tree(const char *path)
{
	const struct lang *l = lang_for_path(path);
	TSParser *p;
	TSTree *tree;
	char *text = NULL, *sexp;
	size_t len = 0, cap = 0, n;
	FILE *f;

	if (l == NULL) {
		fprintf(stderr, "forgebot parse: no known language for '%s' (known: %s)\n", path,
			lang_names());
		return EXIT_USAGE;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "forgebot parse: cannot read '%s': %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	do {
		if (len + 65536 > cap) {
			char *t = realloc(text, cap = len + 65536 + 1);
			if (t == NULL)
				break;
			text = t;
		}
		n = fread(text + len, 1, 65536, f);
		len += n;
	} while (n > 0 && len < ((size_t)64 << 20));
	fclose(f);
	if (text == NULL)
		return EXIT_INTERNAL;
	p = ts_parser_new();
	ts_parser_set_language(p, l->grammar());
	tree = ts_parser_parse_string(p, NULL, text, (uint32_t)len);
	sexp = ts_node_string(ts_tree_root_node(tree));
	printf("%s\n", sexp);
	free(sexp);
	ts_tree_delete(tree);
	ts_parser_delete(p);
	free(text);
	return EXIT_OK;
}

int cmd_parse(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "tree", required_argument, NULL, 't' },
		{ "language", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct engine_opts eo = { .parse_only = true };
	struct collect c = { 0 };
	struct scan_input *in = NULL;
	struct scan_result res = { 0 };
	struct fb_error err = { 0 };
	struct engine *e = NULL;
	struct timespec t0, t1;
	double secs;
	size_t i;
	int ch, rc = 0, code = EXIT_OK;

	(void)ctx;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
		if (ch == 't')
			return print_tree(optarg);
		if (ch == 'l') {
			if ((c.only = lang_by_name(optarg)) == NULL) {
				fprintf(stderr, "forgebot parse: unknown language '%s' (known: %s)\n",
					optarg, lang_names());
				return EXIT_USAGE;
			}
			continue;
		}
		if (ch == 'j' && (eo.jobs = atoi(optarg)) > 0 && eo.jobs <= 256)
			continue;
		fprintf(stderr, "forgebot parse: bad option '%s'; see 'forgebot parse --help'\n",
			argv[optind - 1]);
		return EXIT_USAGE;
	}
	if (optind == argc) {
		cmd_parse_usage(stderr);
		return EXIT_USAGE;
	}
	for (; optind < argc && rc == 0; optind++)
		rc = walk_files(argv[optind], on_file, NULL, &c, &err);
	if (rc == 0 && (in = calloc(c.n ? c.n : 1, sizeof(*in))) == NULL)
		rc = fb_error_set(&err, FB_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < c.n; i++)
		in[i] = (struct scan_input){ c.paths[i], NULL, NULL, 0 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rc == 0 && (rc = engine_new(&e, NULL, 0, &eo, &err)) == 0)
		rc = engine_scan(e, in, c.n, &res, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0) {
		code = cmd_fail("parse", rc, err.msg);
	} else {
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("parsed %zu files, %zu lines, %.1f MiB in %.3f s (%.0f lines/s); "
		       "%zu with syntax errors, %zu skipped\n",
		       res.files_parsed, res.lines_scanned, (double)res.bytes_scanned / (1 << 20), secs,
		       secs > 0 ? (double)res.lines_scanned / secs : 0.0, res.files_with_syntax_errors,
		       res.nskipped);
		for (i = 0; i < res.nskipped; i++)
			printf("skipped %s: %s\n", res.skipped[i].path, res.skipped[i].reason);
	}
	scan_result_release(&res);
	engine_free(e);
	for (i = 0; i < c.n; i++)
		free(c.paths[i]);
	free(c.paths);
	free(in);
	return code;
}
