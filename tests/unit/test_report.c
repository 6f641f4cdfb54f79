/*
 * test_report.c - every report format on one hand-built set of findings.
 *
 * The JSON formats are parsed back with jansson and checked field by
 * field; text and github output are compared exactly.  Set the
 * environment variable FB_SARIF_OUT to a file name to also write the SARIF
 * log there (tests/integration/sarif_validate.sh checks it).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyzers/report/report.h"
#include "../../analyzers/report/report_priv.h"
#include "test.h"

struct fixture {
	struct rule rules[4];
	struct rule *rule_ptrs[4];
	struct ruleset rs;
	struct findings fs;
	struct report_skip skipped[1];
	struct report_meta meta;
};

static void add(struct fixture *fx, const struct rule *r, const char *path, uint32_t sl,
		uint32_t sc, uint32_t el, uint32_t ec, const char *msg, const char *line,
		const char *fix, const char *fp)
{
	struct finding *f = findings_push(&fx->fs);

	f->rule = r;
	f->severity = r->severity;
	f->path = strdup(path);
	f->start_line = sl;
	f->start_col = sc;
	f->end_line = el;
	f->end_col = ec;
	f->message = strdup(msg);
	f->line_text = line ? strdup(line) : NULL;
	f->fix = fix ? strdup(fix) : NULL;
	snprintf(f->fingerprint, sizeof(f->fingerprint), "%s", fp);
}

static void setup(struct fixture *fx)
{
	static const char *const ids[] = { "c.banned-strcpy", "py.print", "c.hint-rule", "c.off" };
	static const enum severity sev[] = { SEV_ERROR, SEV_WARNING, SEV_HINT, SEV_OFF };
	size_t i;

	memset(fx, 0, sizeof(*fx));
	for (i = 0; i < 4; i++) {
		fx->rules[i].id = (char *)ids[i];
		fx->rules[i].severity = sev[i];
		fx->rules[i].message = (char *)"rule message";
		fx->rule_ptrs[i] = &fx->rules[i];
	}
	fx->rules[0].note = (char *)"Use a bounded copy.";
	fx->rules[0].url = (char *)"https://example.invalid/rules/c.banned-strcpy";
	fx->rs.v = fx->rule_ptrs;
	fx->rs.n = fx->rs.cap = 4;
	findings_init(&fx->fs);
	add(fx, &fx->rules[0], "src/a.c", 3, 5, 3, 17, "strcpy is banned", "    strcpy(d, s);",
	    "snprintf(d, sizeof d, \"%s\", s)", "0123456789abcdef");
	add(fx, &fx->rules[0], "src/a.c", 7, 1, 7, 13, "strcpy is banned", "strcpy(d, s);", NULL,
	    "0123456789abcdef");
	add(fx, &fx->rules[1], "src/a.c", 10, 1, 12, 2, "print: 100% \"done\",\nnext", "print(x,",
	    NULL, "fedcba9876543210");
	add(fx, &fx->rules[2], "dir/\xc3\xbc \xc3\xa9.py", 1, 4, 1, 6, "hint \x1b[31m",
	    "\xc3\xa9\tab", NULL, "00000000ffffffff");
	fx->skipped[0] = (struct report_skip){ "big.bin", "too large" };
	fx->meta = (struct report_meta){ .tool_version = "1.2.3",
					 .tool_uri = "https://example.invalid/forgebot",
					 .rules = &fx->rs, .skipped = fx->skipped, .nskipped = 1,
					 .files_scanned = 12 };
}

static json_t *render_json(struct test_ctx *t, struct fixture *fx, enum report_format fmt)
{
	struct buf out;
	struct fb_error err = { 0 };
	json_error_t jerr;
	json_t *root = NULL;

	buf_init(&out, 0);
	if (report_write(&out, fmt, &fx->fs, &fx->meta, &err) < 0)
		TEST_FAIL(t, "report_write: %.200s", err.msg);
	else if ((root = json_loadb(out.ptr, out.len, 0, &jerr)) == NULL)
		TEST_FAIL(t, "output is not JSON: %.200s", jerr.text);
	if (fmt == REPORT_SARIF && getenv("FB_SARIF_OUT")) {
		FILE *fp = fopen(getenv("FB_SARIF_OUT"), "w");

		if (fp) {
			fwrite(out.ptr, 1, out.len, fp);
			fclose(fp);
		}
	}
	buf_release(&out);
	return root;
}

static const char *str_at(json_t *root, const char *path)
{
	json_t *v = json_object_get(root, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long int_at(json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

/* Exact comparison that reports where long texts start to differ. */
static void check_text(struct test_ctx *t, const char *got, const char *want)
{
	size_t i = 0;

	while (got[i] && got[i] == want[i])
		i++;
	if (got[i] != want[i])
		TEST_FAIL(t, "output differs at byte %zu: got \"%.80s\", want \"%.80s\"", i, got + i,
			  want + i);
}

static void test_formats(struct test_ctx *t)
{
	enum report_format f;

	CHECK_INT(t, report_format_parse("sarif", &f), 0);
	CHECK_INT(t, f, REPORT_SARIF);
	CHECK_INT(t, report_format_parse("codequality", &f), 0);
	CHECK_INT(t, f, REPORT_CODEQUALITY);
	CHECK_INT(t, report_format_parse("github", &f), 0);
	CHECK_INT(t, f, REPORT_GITHUB);
	CHECK_INT(t, report_format_parse("SARIF", &f), FB_EINVAL);
	CHECK_STR(t, report_format_str(REPORT_RDJSON), "rdjson");
}

static const char text_want[] =
	"src/a.c:3:5: error[c.banned-strcpy]: strcpy is banned\n"
	"    3 |     strcpy(d, s);\n"
	"      |     ^~~~~~~~~~~~\n"
	"  = note: Use a bounded copy.\n"
	"  = help: fix: snprintf(d, sizeof d, \"%s\", s)\n"
	"\n"
	"src/a.c:7:1: error[c.banned-strcpy]: strcpy is banned\n"
	"    7 | strcpy(d, s);\n"
	"      | ^~~~~~~~~~~~\n"
	"  = note: Use a bounded copy.\n"
	"\n"
	"src/a.c:10:1: warning[py.print]: print: 100% \"done\", next\n"
	"   10 | print(x,\n"
	"      | ^~~~~~~~\n"
	"\n"
	"dir/\xc3\xbc \xc3\xa9.py:1:4: hint[c.hint-rule]: hint ?[31m\n"
	"    1 | \xc3\xa9\tab\n"
	"      |  \t^~\n"
	"\n"
	"4 findings (2 errors, 1 warning, 1 hint) in 12 files; 1 file skipped\n"
	"big.bin: skipped: too large\n";

static void test_text(struct test_ctx *t)
{
	struct fixture fx;
	struct buf out;
	struct fb_error err = { 0 };

	setup(&fx);
	buf_init(&out, 0);
	CHECK_INT(t, report_write(&out, REPORT_TEXT, &fx.fs, &fx.meta, &err), 0);
	check_text(t, buf_cstr(&out), text_want);
	/* colour: escape codes appear, and only when asked */
	buf_reset(&out);
	fx.meta.color = true;
	CHECK_INT(t, report_write(&out, REPORT_TEXT, &fx.fs, &fx.meta, &err), 0);
	CHECK(t, strstr(buf_cstr(&out), "\033[1;31merror[c.banned-strcpy]\033[0m") != NULL);
	/* no findings, nothing skipped */
	buf_reset(&out);
	fx.meta.color = false;
	fx.meta.nskipped = 0;
	fx.meta.files_scanned = 1;
	fx.fs.n = 0;
	CHECK_INT(t, report_write(&out, REPORT_TEXT, &fx.fs, &fx.meta, &err), 0);
	CHECK_STR(t, buf_cstr(&out), "0 findings in 1 file\n");
	fx.fs.n = 4;
	/* bounded output */
	buf_release(&out);
	buf_init(&out, 32);
	CHECK_INT(t, report_write(&out, REPORT_TEXT, &fx.fs, &fx.meta, &err), FB_ELIMIT);
	buf_release(&out);
	findings_release(&fx.fs);
}

static const char github_want[] =
	"::error file=src/a.c,line=3,col=5,endLine=3,endColumn=17,title=c.banned-strcpy::"
	"strcpy is banned%0Anote: Use a bounded copy.%0Afix: snprintf(d, sizeof d, \"%25s\", s)\n"
	"::error file=src/a.c,line=7,col=1,endLine=7,endColumn=13,title=c.banned-strcpy::"
	"strcpy is banned%0Anote: Use a bounded copy.\n"
	"::warning file=src/a.c,line=10,endLine=12,title=py.print::print: 100%25 \"done\",%0Anext\n"
	"::notice file=dir/\xc3\xbc \xc3\xa9.py,line=1,col=4,endLine=1,endColumn=6,"
	"title=c.hint-rule::hint ?[31m\n"
	"::notice file=big.bin,title=forgebot%3A file skipped::too large\n"
	"::notice title=forgebot::4 findings (2 errors, 1 warning, 1 hint) in 12 files; "
	"1 file skipped\n";

static void test_github(struct test_ctx *t)
{
	struct fixture fx;
	struct buf out;
	struct fb_error err = { 0 };

	setup(&fx);
	buf_init(&out, 0);
	CHECK_INT(t, report_write(&out, REPORT_GITHUB, &fx.fs, &fx.meta, &err), 0);
	check_text(t, buf_cstr(&out), github_want);
	/* property escaping */
	free(fx.fs.v[0].path);
	fx.fs.v[0].path = strdup("a,b:c%.c");
	fx.fs.n = 1;
	fx.meta.nskipped = 0;
	buf_reset(&out);
	CHECK_INT(t, report_write(&out, REPORT_GITHUB, &fx.fs, &fx.meta, &err), 0);
	CHECK(t, strncmp(buf_cstr(&out), "::error file=a%2Cb%3Ac%25.c,line=3,", 35) == 0);
	fx.fs.n = 4;
	buf_release(&out);
	findings_release(&fx.fs);
}

static void test_json(struct test_ctx *t)
{
	struct fixture fx;
	json_t *root, *f0, *sum;

	setup(&fx);
	root = render_json(t, &fx, REPORT_JSON);
	if (root == NULL)
		goto out;
	CHECK_STR(t, str_at(root, "version"), "1.2.3");
	CHECK_INT(t, json_array_size(json_object_get(root, "findings")), 4);
	f0 = json_array_get(json_object_get(root, "findings"), 0);
	CHECK_STR(t, str_at(f0, "rule"), "c.banned-strcpy");
	CHECK_STR(t, str_at(f0, "severity"), "error");
	CHECK_STR(t, str_at(f0, "path"), "src/a.c");
	CHECK_INT(t, int_at(json_object_get(f0, "start"), "line"), 3);
	CHECK_INT(t, int_at(json_object_get(f0, "start"), "col"), 5);
	CHECK_INT(t, int_at(json_object_get(f0, "end"), "col"), 17);
	CHECK_STR(t, str_at(f0, "note"), "Use a bounded copy.");
	CHECK_STR(t, str_at(f0, "fix"), "snprintf(d, sizeof d, \"%s\", s)");
	CHECK_STR(t, str_at(f0, "fingerprint"), "0123456789abcdef");
	CHECK(t, json_is_null(json_object_get(json_array_get(json_object_get(root, "findings"), 2),
					      "url")));
	CHECK_STR(t, str_at(json_array_get(json_object_get(root, "skipped"), 0), "reason"),
		  "too large");
	sum = json_object_get(root, "summary");
	CHECK_INT(t, int_at(sum, "findings"), 4);
	CHECK_INT(t, int_at(sum, "errors"), 2);
	CHECK_INT(t, int_at(sum, "warnings"), 1);
	CHECK_INT(t, int_at(sum, "hints"), 1);
	CHECK_INT(t, int_at(sum, "files_scanned"), 12);
	CHECK_INT(t, int_at(sum, "files_skipped"), 1);
out:
	json_decref(root);
	findings_release(&fx.fs);
}

static void test_sarif(struct test_ctx *t)
{
	struct fixture fx;
	json_t *root, *run, *rules, *res, *loc, *inv;

	setup(&fx);
	root = render_json(t, &fx, REPORT_SARIF);
	if (root == NULL)
		goto out;
	CHECK_STR(t, str_at(root, "version"), "2.1.0");
	run = json_array_get(json_object_get(root, "runs"), 0);
	CHECK_STR(t, str_at(json_object_get(json_object_get(run, "tool"), "driver"), "name"),
		  "forgebot");
	rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	CHECK_INT(t, json_array_size(rules), 3); /* the rule that is off is not listed */
	CHECK_STR(t, str_at(json_array_get(rules, 2), "id"), "c.hint-rule");
	CHECK_STR(t, str_at(json_object_get(json_array_get(rules, 0), "fullDescription"), "text"),
		  "Use a bounded copy.");
	CHECK_STR(t, str_at(json_object_get(json_array_get(rules, 1), "help"), "text"),
		  "rule message");
	res = json_object_get(run, "results");
	CHECK_INT(t, json_array_size(res), 4);
	CHECK_STR(t, str_at(json_array_get(res, 0), "level"), "error");
	CHECK_STR(t, str_at(json_array_get(res, 3), "level"), "note");
	CHECK_INT(t, int_at(json_array_get(res, 2), "ruleIndex"), 1);
	CHECK_STR(t, str_at(json_object_get(json_array_get(res, 0), "partialFingerprints"),
			    "primaryLocationLineHash"), "0123456789abcdef:1");
	CHECK_STR(t, str_at(json_object_get(json_array_get(res, 1), "partialFingerprints"),
			    "primaryLocationLineHash"), "0123456789abcdef:2");
	loc = json_object_get(json_object_get(json_array_get(json_object_get(json_array_get(res, 3),
			"locations"), 0), "physicalLocation"), "region");
	CHECK_INT(t, int_at(loc, "startColumn"), 3); /* byte 4 after "é\t" is UTF-16 column 3 */
	CHECK_INT(t, int_at(loc, "endColumn"), 5);
	loc = json_object_get(json_object_get(json_array_get(json_object_get(json_array_get(res, 3),
			"locations"), 0), "physicalLocation"), "artifactLocation");
	CHECK_STR(t, str_at(loc, "uri"), "dir/%C3%BC%20%C3%A9.py");
	CHECK(t, json_object_get(json_array_get(res, 0), "fixes") != NULL);
	CHECK(t, json_object_get(json_array_get(res, 1), "fixes") == NULL);
	inv = json_array_get(json_object_get(run, "invocations"), 0);
	CHECK(t, json_is_true(json_object_get(inv, "executionSuccessful")));
	CHECK_INT(t, json_array_size(json_object_get(inv, "toolExecutionNotifications")), 1);
out:
	json_decref(root);
	findings_release(&fx.fs);
}

static void test_codequality(struct test_ctx *t)
{
	struct fixture fx;
	json_t *root, *i0;
	size_t i, j;

	setup(&fx);
	root = render_json(t, &fx, REPORT_CODEQUALITY);
	if (root == NULL)
		goto out;
	CHECK(t, json_is_array(root));
	CHECK_INT(t, json_array_size(root), 4);
	i0 = json_array_get(root, 0);
	CHECK_STR(t, str_at(i0, "check_name"), "c.banned-strcpy");
	CHECK_STR(t, str_at(i0, "severity"), "critical");
	CHECK_STR(t, str_at(json_array_get(root, 2), "severity"), "major");
	CHECK_STR(t, str_at(json_array_get(root, 3), "severity"), "info");
	CHECK_STR(t, str_at(json_object_get(i0, "location"), "path"), "src/a.c");
	CHECK_INT(t, int_at(json_object_get(json_object_get(i0, "location"), "lines"), "begin"), 3);
	CHECK_INT(t, int_at(json_object_get(json_object_get(json_array_get(root, 2), "location"),
					    "lines"), "end"), 12);
	/* 32 hex digits, unique even for the two findings sharing a fingerprint */
	for (i = 0; i < 4; i++) {
		const char *a = str_at(json_array_get(root, i), "fingerprint");

		CHECK(t, a && strlen(a) == 32 && strspn(a, "0123456789abcdef") == 32);
		for (j = 0; a && j < i; j++)
			CHECK(t, strcmp(a, str_at(json_array_get(root, j), "fingerprint")) != 0);
	}
out:
	json_decref(root);
	findings_release(&fx.fs);
}

static void test_rdjson(struct test_ctx *t)
{
	struct fixture fx;
	json_t *root, *d0, *range, *sugg;

	setup(&fx);
	root = render_json(t, &fx, REPORT_RDJSON);
	if (root == NULL)
		goto out;
	CHECK_STR(t, str_at(json_object_get(root, "source"), "name"), "forgebot");
	CHECK_INT(t, json_array_size(json_object_get(root, "diagnostics")), 4);
	d0 = json_array_get(json_object_get(root, "diagnostics"), 0);
	CHECK_STR(t, str_at(d0, "severity"), "ERROR");
	CHECK_STR(t, str_at(json_object_get(d0, "code"), "value"), "c.banned-strcpy");
	CHECK_STR(t, str_at(json_object_get(d0, "code"), "url"),
		  "https://example.invalid/rules/c.banned-strcpy");
	range = json_object_get(json_object_get(d0, "location"), "range");
	CHECK_INT(t, int_at(json_object_get(range, "start"), "column"), 5);
	CHECK_INT(t, int_at(json_object_get(range, "end"), "column"), 17);
	sugg = json_array_get(json_object_get(d0, "suggestions"), 0);
	CHECK_STR(t, str_at(sugg, "text"), "snprintf(d, sizeof d, \"%s\", s)");
	CHECK_INT(t, int_at(json_object_get(json_object_get(sugg, "range"), "start"), "line"), 3);
	CHECK_STR(t, str_at(json_array_get(json_object_get(root, "diagnostics"), 3), "severity"),
		  "INFO");
	/* columns stay bytes in rdjson */
	range = json_object_get(json_object_get(json_array_get(json_object_get(root, "diagnostics"),
				3), "location"), "range");
	CHECK_INT(t, int_at(json_object_get(range, "start"), "column"), 4);
out:
	json_decref(root);
	findings_release(&fx.fs);
}

/* Invalid UTF-8 in a path becomes U+FFFD instead of failing the report. */
static void test_invalid_utf8(struct test_ctx *t)
{
	struct fixture fx;
	json_t *root;

	setup(&fx);
	free(fx.fs.v[0].path);
	fx.fs.v[0].path = strdup("bad\xff\xc3.c");
	root = render_json(t, &fx, REPORT_JSON);
	if (root)
		CHECK_STR(t, str_at(json_array_get(json_object_get(root, "findings"), 0), "path"),
			  "bad\xef\xbf\xbd\xef\xbf\xbd.c");
	json_decref(root);
	findings_release(&fx.fs);
}

/* The fast JSON string writer must agree with jansson on every string. */
static void test_put_jstr(struct test_ctx *t)
{
	static const char *const cases[] = {
		"plain", "", "quote \" and backslash \\", "tab\tnew\nline\rcr",
		"ctl \x01\x1f\x7f", "utf8 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"bad \xff\xfe end", "trunc \xe2\x82", "slash / ok",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;
		json_t *parsed, *want = report_jstr(cases[i]);
		json_error_t jerr;

		buf_init(&b, 0);
		CHECK_INT(t, report_put_jstr(&b, cases[i]), 0);
		parsed = json_loadb(b.ptr, b.len, JSON_DECODE_ANY, &jerr);
		CHECK(t, parsed != NULL);
		if (parsed && want)
			CHECK_STR(t, json_string_value(parsed), json_string_value(want));
		json_decref(parsed);
		json_decref(want);
		buf_release(&b);
	}
}

const struct test_case report_tests[] = {
	{ "put_jstr", test_put_jstr },
	{ "formats", test_formats },
	{ "text", test_text },
	{ "github", test_github },
	{ "json", test_json },
	{ "sarif", test_sarif },
	{ "codequality", test_codequality },
	{ "rdjson", test_rdjson },
	{ "invalid_utf8", test_invalid_utf8 },
	{ NULL, NULL },
};
