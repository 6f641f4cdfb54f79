/*
 * rules.c - `forgebot rules list|show|test`, for people writing rules.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../analyzers/engine/literals.h"
#include "../../analyzers/engine/ruletest.h"
#include "../../analyzers/engine/rule.h"
#include "cmd.h"

#define MAX_RULE_DIRS 64

void cmd_rules_usage(FILE *out)
{
	fprintf(out,
"usage: forgebot rules list [--language LANG] [--rules DIR]... [--no-builtin-rules]\n"
"       forgebot rules show RULE-ID [--rules DIR]...\n"
"       forgebot rules test [--rules DIR]... [--no-builtin-rules] [--strict] [RULE-ID...]\n"
"\n"
"list   every loaded rule: id, language, severity, pack\n"
"show   one rule in full: message, note, fix, files, where it is defined\n"
"test   run each rule's test cases (tests/*.yml beside the rules, in ast-grep's\n"
"       format: id, valid, invalid): every invalid case must produce a finding and\n"
"       no valid case may; --strict also fails rules that have no test cases\n"
"\n"
"options:\n"
"  --rules DIR          add the rules in DIR (a directory or a rule file); repeatable\n"
"  --no-builtin-rules   do not load the built-in rule packs\n"
"  --language LANG      only rules of this language (list)\n"
"\n"
"exit codes: 0 ok, 1 a test failed, 2 usage or rule error\n");
}

struct rules_args {
	const char *dirs[MAX_RULE_DIRS];
	size_t ndirs;
	bool no_builtin, strict;
	const char *language;
	char **rest;
	int nrest;
};

static int parse(struct rules_args *a, int argc, char **argv)
{
	enum { O_RULES = 256, O_NOBUILTIN, O_LANG, O_STRICT };
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, O_RULES },
		{ "no-builtin-rules", no_argument, NULL, O_NOBUILTIN },
		{ "language", required_argument, NULL, O_LANG },
		{ "strict", no_argument, NULL, O_STRICT },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_RULES:
			if (a->ndirs == MAX_RULE_DIRS) {
				fprintf(stderr, "forgebot rules: too many --rules\n");
				return EXIT_USAGE;
			}
			a->dirs[a->ndirs++] = optarg;
			break;
		case O_NOBUILTIN: a->no_builtin = true; break;
		case O_STRICT: a->strict = true; break;
		case O_LANG: a->language = optarg; break;
		default:
			fprintf(stderr, "forgebot rules: unknown or incomplete option '%s'\n"
				"Run 'forgebot rules --help' for usage.\n", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	a->rest = argv + optind;
	a->nrest = argc - optind;
	return 0;
}

static int load(struct ruleset *rs, struct ruletests *tests, const struct rules_args *a,
		struct fb_error *err)
{
	size_t i;
	int rc;

	if (!a->no_builtin) {
		if ((rc = ruleset_load_builtin(rs, err)) < 0)
			return rc;
		if (tests && (rc = ruletests_load_builtin(tests, err)) < 0)
			return rc;
	}
	for (i = 0; i < a->ndirs; i++) {
		struct stat st;
		if (stat(a->dirs[i], &st) != 0)
			return fb_error_set(err, FB_ENOTFOUND, "rule path '%s' does not exist", a->dirs[i]);
		rc = S_ISDIR(st.st_mode) ? ruleset_load_dir(rs, a->dirs[i], a->dirs[i], err)
					 : ruleset_load_file(rs, a->dirs[i], a->dirs[i], err);
		if (rc == 0 && tests && S_ISDIR(st.st_mode))
			rc = ruletests_load_dir(tests, a->dirs[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int rules_list(const struct ruleset *rs, const struct rules_args *a)
{
	const struct lang *l = NULL;
	size_t i, shown = 0;

	if (a->language && (l = lang_by_name(a->language)) == NULL) {
		fprintf(stderr, "forgebot rules: unknown language '%s' (known: %s)\n", a->language,
			lang_names());
		return EXIT_USAGE;
	}
	for (i = 0; i < rs->n; i++) {
		const struct rule *r = rs->v[i];
		if (l && r->lang != l)
			continue;
		printf("%-44s %-10s %-8s %s\n", r->id, r->lang->name, severity_str(r->severity),
		       r->pack);
		shown++;
	}
	fprintf(stderr, "%zu rules\n", shown);
	return EXIT_OK;
}

static void print_field(const char *name, const char *value)
{
	if (value && *value)
		printf("%-9s %s\n", name, value);
}

static int rules_show(const struct ruleset *rs, const struct rules_args *a)
{
	const struct rule *r;
	size_t i;

	if (a->nrest != 1) {
		fprintf(stderr, "forgebot rules show: name one rule id\n");
		return EXIT_USAGE;
	}
	if ((r = ruleset_find(rs, a->rest[0])) == NULL) {
		fprintf(stderr, "forgebot rules show: no rule '%s' (see 'forgebot rules list')\n",
			a->rest[0]);
		return EXIT_USAGE;
	}
	print_field("id:", r->id);
	print_field("language:", r->lang->name);
	print_field("severity:", severity_str(r->severity));
	print_field("matcher:", r->sg ? "ast-grep rule" : "tree-sitter query");
	print_field("message:", r->message);
	print_field("note:", r->note);
	print_field("url:", r->url);
	print_field("fix:", r->fix);
	for (i = 0; r->files && r->files[i]; i++)
		print_field("files:", r->files[i]);
	for (i = 0; r->ignores && r->ignores[i]; i++)
		print_field("ignores:", r->ignores[i]);
	printf("%-9s ", "prefilter:");
	if (r->nliterals == 0)
		printf("none (every %s file is parsed for this rule)\n", r->lang->name);
	for (i = 0; i < r->nliterals; i++) {
		const char *lit = r->literals[i];
		bool nocase = lit[0] == LITERAL_NOCASE;

		printf("%s%s%s", i ? ", " : "", nocase ? lit + 1 : lit, nocase ? " (any case)" : "");
	}
	if (r->nliterals)
		printf("\n");
	printf("%-9s %s:%d\n", "source:", r->source, r->line);
	print_field("pack:", r->pack);
	return EXIT_OK;
}

static bool selected(const struct rules_args *a, const char *id)
{
	int i;

	if (a->nrest == 0)
		return true;
	for (i = 0; i < a->nrest; i++)
		if (strcmp(a->rest[i], id) == 0)
			return true;
	return false;
}

/* Run one rule's cases; prints a FAIL line per failing case. Returns failures. */
static int run_cases(const struct rule *r, const struct ruletest *t, struct fb_error *err)
{
	int failures = 0;
	size_t i;

	for (i = 0; i < t->nvalid + t->ninvalid; i++) {
		bool valid = i < t->nvalid;
		const char *code = valid ? t->valid[i] : t->invalid[i - t->nvalid];
		struct findings fs;
		int rc;

		findings_init(&fs);
		rc = ruletest_run_snippet(&fs, r, code, strlen(code), err);
		if (rc < 0) {
			printf("FAIL %s: %s\n", r->id, err->msg);
			failures++;
		} else if (valid && fs.n > 0) {
			printf("FAIL %s: valid case %zu was flagged at line %u: %s\n  | %s\n", r->id,
			       i + 1, fs.v[0].start_line, fs.v[0].message, code);
			failures++;
		} else if (!valid && fs.n == 0) {
			printf("FAIL %s: invalid case %zu was not flagged\n  | %s\n", r->id,
			       i - t->nvalid + 1, code);
			failures++;
		}
		findings_release(&fs);
	}
	return failures;
}

static int rules_test(const struct ruleset *rs, const struct ruletests *tests,
		      const struct rules_args *a)
{
	size_t i, j, passed = 0, failed = 0;
	struct fb_error err = { 0 };

	for (j = 0; j < tests->n; j++) {
		if (ruleset_find(rs, tests->v[j].id) == NULL && selected(a, tests->v[j].id)) {
			printf("FAIL %s: test file %s names no loaded rule\n", tests->v[j].id,
			       tests->v[j].source);
			failed++;
		}
	}
	for (i = 0; i < rs->n; i++) {
		const struct rule *r = rs->v[i];
		size_t ncases = 0, nfail = 0;

		if (!selected(a, r->id))
			continue;
		for (j = 0; j < tests->n; j++) {
			if (strcmp(tests->v[j].id, r->id) != 0)
				continue;
			ncases += tests->v[j].nvalid + tests->v[j].ninvalid;
			nfail += (size_t)run_cases(r, &tests->v[j], &err);
		}
		if (ncases == 0) {
			printf("%s %s: no test cases\n", a->strict ? "FAIL" : "SKIP", r->id);
			failed += a->strict;
			continue;
		}
		if (nfail == 0)
			printf("PASS %s (%zu cases)\n", r->id, ncases);
		if (nfail)
			failed++;
		else
			passed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? EXIT_FINDINGS : EXIT_OK;
}

int cmd_rules(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct rules_args a = { 0 };
	struct ruleset rs;
	struct ruletests tests = { 0 };
	struct fb_error err = { 0 };
	const char *sub;
	int rc;

	(void)ctx;
	if (argc < 2) {
		cmd_rules_usage(stderr);
		return EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "test")) {
		fprintf(stderr, "forgebot rules: unknown subcommand '%s' (use list, show or test)\n", sub);
		return EXIT_USAGE;
	}
	if ((rc = parse(&a, argc - 1, argv + 1)) != 0)
		return rc;
	ruleset_init(&rs);
	rc = load(&rs, strcmp(sub, "test") == 0 ? &tests : NULL, &a, &err);
	if (rc < 0)
		rc = cmd_fail("rules", rc, err.msg);
	else if (strcmp(sub, "list") == 0)
		rc = rules_list(&rs, &a);
	else if (strcmp(sub, "show") == 0)
		rc = rules_show(&rs, &a);
	else
		rc = rules_test(&rs, &tests, &a);
	ruletests_release(&tests);
	ruleset_release(&rs);
	return rc;
}
