/*
 * test_core.c - bot/core: bounded buffers, the YAML boundary, globs and
 * the repository configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../bot/core/buf.h"
#include "../../bot/core/config.h"
#include "../../bot/core/glob.h"
#include "../../bot/core/suggest.h"
#include "../../bot/core/yaml.h"
#include "test.h"

static void buf_limits(struct test_ctx *t)
{
	struct buf b;

	buf_init(&b, 8);
	CHECK_INT(t, buf_puts(&b, "12345678"), 0);
	CHECK_INT(t, buf_putc(&b, '9'), FB_ELIMIT);
	CHECK_STR(t, buf_cstr(&b), "12345678");
	buf_reset(&b);
	CHECK_INT(t, buf_printf(&b, "%d-%s", 42, "x"), 0);
	CHECK_STR(t, buf_cstr(&b), "42-x");
	buf_release(&b);
	CHECK_STR(t, buf_cstr(&b), "");
}

static void buf_growth(struct test_ctx *t)
{
	struct buf b;
	char *s;
	int i;

	buf_init(&b, 0);
	for (i = 0; i < 10000; i++)
		CHECK_INT(t, buf_putc(&b, (char)('a' + i % 26)), 0);
	CHECK_INT(t, b.len, 10000);
	s = buf_detach(&b);
	CHECK_INT(t, strlen(s), 10000);
	CHECK_INT(t, b.len, 0);
	free(s);
}

static void buf_stream(struct test_ctx *t)
{
	FILE *f = tmpfile();
	struct buf b;
	int i;

	if (f == NULL) {
		TEST_FAIL(t, "tmpfile failed");
		return;
	}
	for (i = 0; i < 10000; i++)
		fputs("0123456789", f);
	rewind(f);
	buf_init(&b, 200000);
	CHECK_INT(t, buf_read_stream(&b, f), 0);
	CHECK_INT(t, b.len, 100000);
	buf_release(&b);
	rewind(f);
	buf_init(&b, 1000);
	CHECK_INT(t, buf_read_stream(&b, f), FB_ELIMIT);
	buf_release(&b);
	fclose(f);
}

static void yaml_positions(struct test_ctx *t)
{
	const char *text = "id: x\nrule:\n  kind: call\n  has:\n    - a\n    - 'b'\n";
	struct fb_error err = { 0 };
	struct ydoc *d = NULL;
	const struct ynode *root, *rule, *has;

	CHECK_INT(t, ydoc_parse(&d, "t.yml", text, strlen(text), &err), 0);
	if (d == NULL)
		return;
	root = ydoc_root(d, 0);
	rule = ynode_get(root, "rule");
	CHECK(t, rule && rule->type == YNODE_MAP);
	has = ynode_get(rule, "has");
	CHECK(t, has && has->type == YNODE_SEQ && has->n == 2);
	if (has && has->n == 2) {
		CHECK_INT(t, has->items[1]->line, 6);
		CHECK_INT(t, has->items[1]->col, 7);
		CHECK(t, has->items[1]->quoted);
		CHECK(t, !has->items[0]->quoted);
	}
	CHECK_STR(t, ynode_get(ynode_get(root, "rule"), "kind")->str, "call");
	ydoc_free(d);
}

static void yaml_multi_and_errors(struct test_ctx *t)
{
	const char *two = "id: a\n---\nid: b\n";
	const char *broken = "id: a\nrule: [unclosed\n";
	struct fb_error err = { 0 };
	struct ydoc *d = NULL;

	CHECK_INT(t, ydoc_parse(&d, "m.yml", two, strlen(two), &err), 0);
	CHECK_INT(t, d ? ydoc_count(d) : 0, 2);
	ydoc_free(d);
	d = NULL;
	CHECK_INT(t, ydoc_parse(&d, "bad.yml", broken, strlen(broken), &err), FB_EINVAL);
	CHECK(t, d == NULL);
	CHECK(t, strncmp(err.msg, "bad.yml:", 8) == 0);
}

static void yaml_alias_bomb(struct test_ctx *t)
{
	/* Each level doubles: 2^30 nodes if expanded without a bound. */
	struct fb_error err = { 0 };
	struct ydoc *d = NULL;
	char text[4096];
	int i, n = snprintf(text, sizeof(text), "a0: &a0 [x, x]\n");

	for (i = 1; i < 30; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "a%d: &a%d [*a%d, *a%d]\n", i, i,
			      i - 1, i - 1);
	CHECK_INT(t, ydoc_parse(&d, "bomb.yml", text, (size_t)n, &err), FB_ELIMIT);
	ydoc_free(d);
}

static void glob_cases(struct test_ctx *t)
{
	CHECK(t, glob_match("*.c", "src/a.c"));
	CHECK(t, !glob_match("src/*.c", "src/sub/a.c"));
	CHECK(t, glob_match("src/**", "src/sub/a.c"));
	CHECK(t, glob_match("src/**/*.c", "src/a.c"));
	CHECK(t, glob_match("src/**/*.c", "src/x/y/a.c"));
	CHECK(t, glob_match("**/testdata/**", "a/testdata/b/c.go"));
	CHECK(t, !glob_match("**/testdata/**", "a/testdata2/c.go"));
	CHECK(t, glob_match(".github/workflows/*.yml", ".github/workflows/ci.yml"));
	CHECK(t, glob_match("[ab]?.py", "dir/bx.py"));
	CHECK(t, !glob_match("[!ab]?.py", "ax.py"));
	CHECK(t, glob_match("./src/*.c", "src/a.c"));
}

static void suggest_cases(struct test_ctx *t)
{
	static const char *const words[] = { "severity", "message", "language", NULL };

	CHECK_STR(t, suggest_closest("severty", words), "severity");
	CHECK_STR(t, suggest_closest("langauge", words), "language");
	CHECK(t, suggest_closest("zzzzzz", words) == NULL);
}

static char *write_temp(const char *content)
{
	char *path = strdup("/tmp/forgebot-test-XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static void config_full(struct test_ctx *t)
{
	char *p = write_temp("rules:\n  disable: [c.banned-strcpy, builtin:python]\n"
			     "  enable: [python.eval]\n  severity: {go.defer-in-loop: error}\n"
			     "  dirs: [lint/rules]\npaths:\n  exclude: [\"vendor/**\"]\n"
			     "review:\n  fail_on: warning\n  filter_mode: diff_context\n"
			     "  max_file_size: 1000\n");
	struct repo_config c;
	struct fb_error err = { 0 };

	repo_config_init(&c);
	CHECK_INT(t, repo_config_load(&c, p, &err), 0);
	CHECK_STR(t, c.disable ? c.disable[1] : NULL, "builtin:python");
	CHECK_STR(t, c.enable ? c.enable[0] : NULL, "python.eval");
	CHECK_INT(t, c.noverrides, 1);
	CHECK_STR(t, c.noverrides ? c.overrides[0].severity : NULL, "error");
	CHECK_STR(t, c.fail_on, "warning");
	CHECK_INT(t, c.max_file_size, 1000);
	CHECK(t, !repo_config_path_wanted(&c, "vendor/x/y.c"));
	CHECK(t, repo_config_path_wanted(&c, "src/y.c"));
	repo_config_release(&c);
	unlink(p);
	free(p);
}

static void config_errors(struct test_ctx *t)
{
	char *p = write_temp("review:\n  fail_onn: warning\n");
	struct repo_config c;
	struct fb_error err = { 0 };

	repo_config_init(&c);
	CHECK_INT(t, repo_config_load(&c, p, &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "line 2 column 3") != NULL);
	CHECK(t, strstr(err.msg, "did you mean 'fail_on'") != NULL);
	unlink(p);
	free(p);
	p = write_temp("rules:\n  severity: {x: fatal}\n");
	CHECK_INT(t, repo_config_load(&c, p, &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "unknown severity 'fatal'") != NULL);
	unlink(p);
	free(p);
	CHECK_INT(t, repo_config_load(&c, "/nonexistent/.forgebot.yml", &err), FB_ENOTFOUND);
	repo_config_release(&c);
}

const struct test_case buf_tests[] = {
	{ "limits", buf_limits },
	{ "growth", buf_growth },
	{ "stream", buf_stream },
	{ NULL, NULL },
};

const struct test_case yaml_tests[] = {
	{ "positions", yaml_positions },
	{ "multi_and_errors", yaml_multi_and_errors },
	{ "alias_bomb", yaml_alias_bomb },
	{ NULL, NULL },
};

const struct test_case glob_tests[] = {
	{ "cases", glob_cases },
	{ "suggest", suggest_cases },
	{ NULL, NULL },
};

const struct test_case config_tests[] = {
	{ "full", config_full },
	{ "errors", config_errors },
	{ NULL, NULL },
};
