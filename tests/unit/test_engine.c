/*
 * test_engine.c - the engine around the matchers: rule loading and its
 * errors, query predicates, message templates, prefilters, skips,
 * suppressions and fingerprints.
 */
#include <stdlib.h>
#include <string.h>

#include "../../analyzers/engine/engine.h"
#include "../../analyzers/engine/literals.h"
#include "../../analyzers/engine/rule.h"
#include "../../analyzers/engine/ruletest.h"
#include "../../analyzers/engine/template.h"
#include "test.h"

/* Load `yaml` as one rule file and scan `code` as `path`. */
static int scan_with(struct ruleset *rs, struct scan_result *res, const char *yaml,
		     const char *path, const char *code, struct fb_error *err)
{
	struct engine_rule er[8];
	struct engine_opts opts = { .jobs = 1 };
	struct engine *e = NULL;
	struct scan_input in = { path, NULL, code, strlen(code) };
	size_t i;
	int rc;

	ruleset_init(rs);
	memset(res, 0, sizeof(*res));
	if ((rc = ruleset_load_text(rs, "t.yml", yaml, strlen(yaml), "test", err)) < 0)
		return rc;
	for (i = 0; i < rs->n && i < 8; i++)
		er[i] = (struct engine_rule){ rs->v[i], rs->v[i]->severity };
	if ((rc = engine_new(&e, er, i, &opts, err)) < 0)
		return rc;
	rc = engine_scan(e, &in, 1, res, err);
	engine_free(e);
	return rc;
}

static const char *query_rule =
	"id: c.system-call\nlanguage: c\nseverity: error\n"
	"message: call to $fn with $arg\n"
	"query: |\n"
	"  (call_expression function: (identifier) @fn\n"
	"    arguments: (argument_list . (_) @arg)\n"
	"    (#any-of? @fn \"system\" \"popen\")) @match\n";

static void query_predicates(struct test_ctx *t)
{
	struct ruleset rs;
	struct scan_result res;
	struct fb_error err = { 0 };
	const char *code = "void f(char *c) {\n  system(c);\n  popen(c, \"r\");\n  puts(c);\n}\n";

	CHECK_INT(t, scan_with(&rs, &res, query_rule, "a.c", code, &err), 0);
	CHECK_INT(t, res.findings.n, 2);
	if (res.findings.n == 2) {
		CHECK_STR(t, res.findings.v[0].message, "call to system with c");
		CHECK_INT(t, res.findings.v[0].start_line, 2);
		CHECK_INT(t, res.findings.v[0].start_col, 3);
		CHECK_INT(t, res.findings.v[0].end_col, 12);
		CHECK_STR(t, res.findings.v[0].line_text, "  system(c);");
		CHECK_INT(t, res.findings.v[1].start_line, 3);
	}
	scan_result_release(&res);
	ruleset_release(&rs);
}

static void query_match_and_eq(struct test_ctx *t)
{
	const char *yaml =
		"id: py.self-compare\nlanguage: python\nseverity: warning\nmessage: $a compared to itself\n"
		"query: |\n  ((comparison_operator (identifier) @a (identifier) @b) @match\n"
		"   (#eq? @a @b) (#not-match? @a \"^_\"))\n";
	struct ruleset rs;
	struct scan_result res;
	struct fb_error err = { 0 };

	CHECK_INT(t, scan_with(&rs, &res, yaml, "x.py", "a == a\nb == c\n_x == _x\n", &err), 0);
	CHECK_INT(t, res.findings.n, 1);
	if (res.findings.n == 1)
		CHECK_STR(t, res.findings.v[0].message, "a compared to itself");
	scan_result_release(&res);
	ruleset_release(&rs);
}

static void query_errors(struct test_ctx *t)
{
	struct ruleset rs;
	struct fb_error err = { 0 };
	const char *bad_node = "id: x\nlanguage: c\nquery: |\n  (call_expresion) @m\n";
	const char *bad_pred = "id: x\nlanguage: c\nquery: '((identifier) @a (#frob? @a \"x\"))'\n";

	ruleset_init(&rs);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", bad_node, strlen(bad_node), "t", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "r.yml:4:") != NULL);
	CHECK(t, strstr(err.msg, "unknown node type") != NULL);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", bad_pred, strlen(bad_pred), "t", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "#frob?") != NULL);
	CHECK_INT(t, rs.n, 0);
	ruleset_release(&rs);
}

static void rule_key_errors(struct test_ctx *t)
{
	struct ruleset rs;
	struct fb_error err = { 0 };
	const char *typo = "id: x\nlanguage: c\nseverty: error\nquery: '(identifier) @m'\n";
	const char *lang = "id: x\nlanguage: cobol\nquery: '(identifier) @m'\n";
	const char *sev = "id: x\nlanguage: c\nseverity: fatal\nquery: '(identifier) @m'\n";
	const char *none = "id: x\nlanguage: c\n";
	const char *dup = "id: x\nlanguage: c\nquery: '(identifier) @m'\n---\n"
			  "id: x\nlanguage: c\nquery: '(identifier) @m'\n";
	const char *unsup = "id: x\nlanguage: c\ntransform: {}\nquery: '(identifier) @m'\n";

	ruleset_init(&rs);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", typo, strlen(typo), "t", &err), FB_EINVAL);
	CHECK_STR(t, err.msg, "r.yml:3:1: unknown key 'severty' (did you mean 'severity'?)");
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", lang, strlen(lang), "t", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "r.yml:2:11: unknown language 'cobol'") != NULL);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", sev, strlen(sev), "t", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "unknown severity 'fatal'") != NULL);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", none, strlen(none), "t", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "needs a matcher") != NULL);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", dup, strlen(dup), "t", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "duplicate rule id 'x'") != NULL);
	CHECK_INT(t, rs.n, 0);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", unsup, strlen(unsup), "t", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "outside forgebot's rule subset") != NULL);
	ruleset_release(&rs);
}

static void template_render_cases(struct test_ctx *t)
{
	const char *src = "strcpy(dst, src)";
	struct env env;
	struct buf b;
	TSNode none = { 0 };

	env_init(&env);
	env_bind(&env, "DST", 3, none, 7, 10, false);
	env_bind(&env, "ARGS", 4, none, 7, 15, true);
	buf_init(&b, 0);
	template_render(&b, "copy into $DST; args $$$ARGS; $UNBOUND stays; $5 too", &env, src);
	CHECK_STR(t, buf_cstr(&b), "copy into dst; args dst, src; $UNBOUND stays; $5 too");
	buf_release(&b);
	env_release(&env);
}

static void engine_prefilter_and_skips(struct test_ctx *t)
{
	struct ruleset rs;
	struct scan_result res;
	struct fb_error err = { 0 };
	const char bin[] = "int main() { system(x); }\0";

	/* No literal "system"/"popen" in the file: not even parsed. */
	CHECK_INT(t, scan_with(&rs, &res, query_rule, "a.c", "int main(void) { return 0; }\n", &err), 0);
	CHECK_INT(t, res.files_scanned, 1);
	CHECK_INT(t, res.files_parsed, 0);
	scan_result_release(&res);
	ruleset_release(&rs);
	/* Invalid UTF-8 is reported, not dropped silently. */
	CHECK_INT(t, scan_with(&rs, &res, query_rule, "b.c", "int x = 1; /* \xff\xfe */ system(x);\n",
			       &err), 0);
	CHECK_INT(t, res.nskipped, 1);
	if (res.nskipped)
		CHECK(t, strstr(res.skipped[0].reason, "invalid UTF-8 at byte 14") != NULL);
	scan_result_release(&res);
	ruleset_release(&rs);
	(void)bin;
}

static void engine_syntax_errors_still_analyzed(struct test_ctx *t)
{
	struct ruleset rs;
	struct scan_result res;
	struct fb_error err = { 0 };

	CHECK_INT(t, scan_with(&rs, &res, query_rule, "a.c",
			       "void f( { int = ;\nvoid g(char *c) { system(c); }\n", &err), 0);
	CHECK_INT(t, res.findings.n, 1);
	scan_result_release(&res);
	ruleset_release(&rs);
}

static void engine_suppression(struct test_ctx *t)
{
	struct ruleset rs;
	struct scan_result res;
	struct fb_error err = { 0 };
	const char *code = "void f(char *c) {\n"
			   "  system(c); // forgebot-ignore: c.system-call trusted input\n"
			   "  // forgebot-ignore: other.rule,c.system-call reviewed\n"
			   "  system(c);\n"
			   "  system(c); // forgebot-ignore: other.rule\n}\n";

	CHECK_INT(t, scan_with(&rs, &res, query_rule, "a.c", code, &err), 0);
	CHECK_INT(t, res.findings.n, 1);
	if (res.findings.n == 1)
		CHECK_INT(t, res.findings.v[0].start_line, 5);
	scan_result_release(&res);
	ruleset_release(&rs);
}

static void engine_fingerprints_stable(struct test_ctx *t)
{
	struct ruleset rs;
	struct scan_result a, b;
	struct fb_error err = { 0 };
	const char *v1 = "void f(char *c) {\n  system(c);\n  system(c);\n}\n";
	const char *v2 = "// moved down\n\nvoid f(char *c) {\n        system( c );\n  system(c);\n}\n";

	CHECK_INT(t, scan_with(&rs, &a, query_rule, "a.c", v1, &err), 0);
	ruleset_release(&rs);
	CHECK_INT(t, scan_with(&rs, &b, query_rule, "a.c", v2, &err), 0);
	CHECK_INT(t, a.findings.n, 2);
	CHECK_INT(t, b.findings.n, 2);
	if (a.findings.n == 2 && b.findings.n == 2) {
		CHECK_STR(t, a.findings.v[0].fingerprint, b.findings.v[0].fingerprint);
		CHECK_STR(t, a.findings.v[1].fingerprint, b.findings.v[1].fingerprint);
		CHECK(t, strcmp(a.findings.v[0].fingerprint, a.findings.v[1].fingerprint) != 0);
	}
	scan_result_release(&a);
	scan_result_release(&b);
	ruleset_release(&rs);
}

static void ruletest_cases(struct test_ctx *t)
{
	const char *tests = "id: c.system-call\nvalid:\n  - 'void f() { puts(\"x\"); }'\n"
			    "invalid:\n  - 'void f(char *c) { system(c); }'\n";
	struct ruletests rt = { 0 };
	struct ruleset rs;
	struct findings fs;
	struct fb_error err = { 0 };

	ruleset_init(&rs);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", query_rule, strlen(query_rule), "t", &err), 0);
	CHECK_INT(t, ruletests_load_text(&rt, "t.yml", tests, strlen(tests), &err), 0);
	CHECK_INT(t, rt.n, 1);
	if (rt.n == 1 && rs.n == 1) {
		findings_init(&fs);
		ruletest_run_snippet(&fs, rs.v[0], rt.v[0].valid[0], strlen(rt.v[0].valid[0]), &err);
		CHECK_INT(t, fs.n, 0);
		ruletest_run_snippet(&fs, rs.v[0], rt.v[0].invalid[0], strlen(rt.v[0].invalid[0]), &err);
		CHECK_INT(t, fs.n, 1);
		findings_release(&fs);
	}
	ruletests_release(&rt);
	ruleset_release(&rs);
}

/* Render a regex's literal set as "a|b|c" ("" for none). */
static void lits_str(char *out, size_t cap, const char *re)
{
	char **v = NULL;
	size_t n = 0, i, k = 0;

	out[0] = '\0';
	if (regex_literals(&v, &n, re) < 0)
		return;
	for (i = 0; i < n; i++)
		k += (size_t)snprintf(out + k, cap > k ? cap - k : 0, "%s%s", i ? "|" : "", v[i]);
	literals_free(v, n);
}

static void regex_literal_sets(struct test_ctx *t)
{
	static const struct { const char *re, *want; } cases[] = {
		{ "^(strcpy|strcat)$", "strcpy|strcat" },
		{ "password|secret", "password|secret" },
		{ "^verify=False", "verify=False" },
		{ "^os\\.(system|popen)$", "system|popen" },  /* the group beats "os." */
		{ "(?i)password|secret", "\x01password|\x01secret" }, /* searched in any case */
		{ "^(pickle|dill)\\.(load|loads)$", "pickle|dill" },  /* a group it needs */
		{ "^([a-z]+)?(Password|Secret)$|^(password|secret)$", "Password|Secret|password|secret" },
		{ "^(?mi)token$", "" },
		{ "a+bc", "abc" },
		{ "ab?cd", "cd" },
		{ "a{0,2}bcd", "bcd" },
		{ "[a-z]+token", "token" },
		{ "(?:foo|bar)baz", "baz" },
		{ "\\bexec\\b", "exec" },
		{ "x", "" },                        /* too short to be worth it */
		{ "^(?:a|bc)$", "" },               /* one branch has no run */
		{ "foo|.*", "" },
		{ "^\\$\\{\\{\\s*github\\.event", "github.event" },
	};
	char got[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lits_str(got, sizeof(got), cases[i].re);
		CHECK_STR(t, got, cases[i].want);
	}
}

static void constraint_prefilter(struct test_ctx *t)
{
	const char *yaml = "id: x\nlanguage: python\nrule:\n  pattern: $F($X)\n"
			   "constraints:\n  F: {regex: '^(eval|exec)$'}\n";
	const char *maybe = "id: y\nlanguage: python\nrule:\n  any:\n    - pattern: $F($X)\n"
			    "    - kind: lambda\nconstraints:\n  F: {regex: '^(eval|exec)$'}\n";
	struct ruleset rs;
	struct fb_error err = { 0 };

	ruleset_init(&rs);
	CHECK_INT(t, ruleset_load_text(&rs, "r.yml", yaml, strlen(yaml), "t", &err), 0);
	CHECK_INT(t, ruleset_load_text(&rs, "s.yml", maybe, strlen(maybe), "t", &err), 0);
	if (rs.n == 2) {
		/* F is always bound: its constraint's literals filter files. */
		CHECK_INT(t, rs.v[0]->nliterals, 2);
		/* F may be unbound (the lambda branch): no prefilter. */
		CHECK_INT(t, rs.v[1]->nliterals, 0);
	}
	ruleset_release(&rs);
}

const struct test_case template_tests[] = {
	{ "render", template_render_cases },
	{ NULL, NULL },
};

const struct test_case query_tests[] = {
	{ "predicates", query_predicates },
	{ "match_and_eq", query_match_and_eq },
	{ "errors", query_errors },
	{ NULL, NULL },
};

const struct test_case rule_tests[] = {
	{ "key_errors", rule_key_errors },
	{ "ruletest", ruletest_cases },
	{ NULL, NULL },
};

static void kind_keywords(struct test_ctx *t)
{
	const char *go = "id: g\nlanguage: go\nrule:\n  kind: defer_statement\n"
			 "  inside: {kind: for_statement, stopBy: end}\n";
	/* C's case_statement also covers `default:`: it has no keyword. */
	const char *c = "id: c\nlanguage: c\nrule:\n  kind: case_statement\n";
	struct ruleset rs;
	struct fb_error err = { 0 };

	CHECK_STR(t, lang_kind_keyword(lang_by_name("go"), "defer_statement"), "defer");
	CHECK_STR(t, lang_kind_keyword(lang_by_name("python"), "except_clause"), "except");
	CHECK(t, lang_kind_keyword(lang_by_name("c"), "case_statement") == NULL);
	CHECK(t, lang_kind_keyword(lang_by_name("python"), "call") == NULL);
	ruleset_init(&rs);
	CHECK_INT(t, ruleset_load_text(&rs, "g.yml", go, strlen(go), "t", &err), 0);
	CHECK_INT(t, ruleset_load_text(&rs, "c.yml", c, strlen(c), "t", &err), 0);
	if (rs.n == 2) {
		CHECK_INT(t, rs.v[0]->nliterals, 1);
		CHECK_STR(t, rs.v[0]->nliterals ? rs.v[0]->literals[0] : NULL, "defer");
		CHECK_INT(t, rs.v[1]->nliterals, 0);
	}
	ruleset_release(&rs);
}

const struct test_case literals_tests[] = {
	{ "kind_keywords", kind_keywords },
	{ "regex_sets", regex_literal_sets },
	{ "constraint_prefilter", constraint_prefilter },
	{ NULL, NULL },
};

const struct test_case engine_tests[] = {
	{ "prefilter_and_skips", engine_prefilter_and_skips },
	{ "syntax_errors_still_analyzed", engine_syntax_errors_still_analyzed },
	{ "suppression", engine_suppression },
	{ "fingerprints_stable", engine_fingerprints_stable },
	{ NULL, NULL },
};
