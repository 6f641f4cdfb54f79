/*
 * test_sg.c - the ast-grep-compatible matcher (analyzers/engine/sg.h).
 *
 * Each test compiles a rule from YAML, parses a snippet with the pinned
 * grammar, tries the rule on every node in pre-order (as `ast-grep scan`
 * does) and compares the matched texts, joined by " | ", with what
 * ast-grep 0.51.1 reports for the same rule and code (checked by hand with
 * `ast-grep scan -r rule.yml --json`).  Bindings are checked by name.
 */
#include <stdlib.h>
#include <string.h>

#include "../../analyzers/engine/sg.h"
#include "../../bot/core/buf.h"
#include "test.h"

struct run {
	struct ydoc *doc;
	struct sg_rule *rule;
	struct fb_error err;
	int rc;
	struct buf out;  /* matched texts, " | "-separated */
	struct buf vars; /* bindings of the first match: "A=x B=y " */
	int n;
};

static const char C_SRC[] =
	"int main(int argc, char **argv) {\n"
	"  strcpy(buf, argv[1]);\n"
	"  foo(strcpy(x, y));\n"
	"  /* c */ bar(1, 2, 3);\n"
	"  bar(/* a */ 1, 2);\n"
	"  baz(a, b, c, d);\n"
	"  baz(b, b);\n"
	"  if (x) { y = 1; z = 2; return 3; }\n"
	"  p = realloc(p, 10);\n"
	"  q = realloc(p, 10);\n"
	"  return 0;\n"
	"}\n";

static void put_vars(struct run *r, const struct env *env, const char *src)
{
	size_t i;

	for (i = 0; i < env->n; i++)
		buf_printf(&r->vars, "%s%s=%.*s ", env->b[i].multi ? "$$$" : "", env->b[i].name,
			   (int)(env->b[i].end - env->b[i].start), src + env->b[i].start);
}

static void scan(struct run *r, const struct lang *lang, const char *src)
{
	TSParser *p = ts_parser_new();
	TSTree *tree;
	TSTreeCursor c;
	struct env env;
	const bool *kinds = NULL;
	bool limited = sg_rule_kinds(r->rule, &kinds);

	env_init(&env);
	ts_parser_set_language(p, lang->grammar());
	tree = ts_parser_parse_string(p, NULL, src, (uint32_t)strlen(src));
	c = ts_tree_cursor_new(ts_tree_root_node(tree));
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&c);
		TSSymbol s = ts_node_symbol(n);
		bool try = !limited || (s < ts_language_symbol_count(lang->grammar()) && kinds[s]);
		if (try && sg_rule_match(r->rule, n, src, &env)) {
			uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
			buf_printf(&r->out, "%s%.*s", r->n ? " | " : "", (int)(b - a), src + a);
			if (r->n++ == 0)
				put_vars(r, &env, src);
		}
		if (ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c))
				goto out;
	}
out:
	ts_tree_cursor_delete(&c);
	env_release(&env);
	ts_tree_delete(tree);
	ts_parser_delete(p);
}

/* Compile `yaml` (a rule file with rule/constraints/utils) and, if that
 * works and `src` is given, scan it.  Call run_done() after. */
static void run(struct run *r, const char *lang_name, const char *yaml, const char *src)
{
	const struct lang *lang = lang_by_name(lang_name);
	const struct ynode *root;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out, 1 << 20);
	buf_init(&r->vars, 1 << 16);
	r->rc = ydoc_parse(&r->doc, "t.yml", yaml, strlen(yaml), &r->err);
	if (r->rc < 0)
		return;
	root = ydoc_root(r->doc, 0);
	r->rc = sg_rule_compile(&r->rule, lang, ynode_get(root, "rule"),
				ynode_get(root, "constraints"), ynode_get(root, "utils"), "t.yml",
				&r->err);
	if (r->rc == 0 && src)
		scan(r, lang, src);
}

static void run_done(struct run *r)
{
	sg_rule_free(r->rule);
	ydoc_free(r->doc);
	buf_release(&r->out);
	buf_release(&r->vars);
}

/* Check that `yaml` on `src` matches exactly `want` (texts joined by " | "). */
#define EXPECT(t, lang, yaml, src, want)                                      \
	do {                                                                  \
		struct run r_;                                                \
		run(&r_, lang, yaml, src);                                    \
		if (r_.rc < 0)                                                \
			TEST_FAIL(t, "compile failed: %.300s", r_.err.msg);       \
		else                                                          \
			CHECK_STR(t, buf_cstr(&r_.out), want);                \
		run_done(&r_);                                                \
	} while (0)

#define EXPECT_VARS(t, lang, yaml, src, want, binds)                           \
	do {                                                                  \
		struct run r_;                                                \
		run(&r_, lang, yaml, src);                                    \
		if (r_.rc < 0) {                                              \
			TEST_FAIL(t, "compile failed: %.300s", r_.err.msg);       \
		} else {                                                      \
			CHECK_STR(t, buf_cstr(&r_.out), want);                \
			CHECK_STR(t, buf_cstr(&r_.vars), binds);              \
		}                                                             \
		run_done(&r_);                                                \
	} while (0)

/* Compile must fail with FB_EINVAL and a message starting with `prefix`
 * and containing `part`. */
#define EXPECT_ERR(t, yaml, prefix, part)                                          \
	do {                                                                       \
		struct run r_;                                                     \
		run(&r_, "c", yaml, NULL);                                         \
		CHECK_INT(t, r_.rc, FB_EINVAL);                                    \
		if (strncmp(r_.err.msg, prefix, strlen(prefix)) != 0 ||            \
		    strstr(r_.err.msg, part) == NULL)                              \
			TEST_FAIL(t, "error \"%.300s\" lacks \"%s\"/\"%s\"", r_.err.msg, \
				  prefix, part);                                   \
		run_done(&r_);                                                     \
	} while (0)

static void pattern_call(struct test_ctx *t)
{
	EXPECT_VARS(t, "c", "rule:\n  pattern: strcpy($A, $B)\n", C_SRC,
		    "strcpy(buf, argv[1]) | strcpy(x, y)", "A=buf B=argv[1] ");
	/* a named terminal compares text, so 1 is not 2 */
	EXPECT(t, "c", "rule:\n  pattern: bar(1, 2)\n", C_SRC, "bar(/* a */ 1, 2)");
}

static void metavar_equality(struct test_ctx *t)
{
	EXPECT_VARS(t, "c", "rule:\n  pattern: $P = realloc($P, $N)\n", C_SRC,
		    "p = realloc(p, 10)", "P=p N=10 ");
	EXPECT(t, "c", "rule:\n  pattern: baz($A, $A)\n", C_SRC, "baz(b, b)");
	/* $_ does not capture, so it need not be equal */
	EXPECT(t, "c", "rule:\n  pattern: baz($_, $_)\n", C_SRC, "baz(b, b)");
}

static void multi_in_arguments(struct test_ctx *t)
{
	EXPECT_VARS(t, "c", "rule:\n  pattern: baz($A, $$$REST)\n", C_SRC,
		    "baz(a, b, c, d) | baz(b, b)", "A=a $$$REST=b, c, d ");
	EXPECT_VARS(t, "c", "rule:\n  pattern: bar($$$ARGS);\n", C_SRC,
		    "bar(1, 2, 3); | bar(/* a */ 1, 2);", "$$$ARGS=1, 2, 3 ");
	/* ast-grep's $$$ stops at the first candidate the next goal matches and
	 * never backtracks: $B takes `a`, then `)` cannot match `b`. */
	EXPECT(t, "c", "rule:\n  pattern: baz($$$A, $B)\n", C_SRC, "");
	/* `foo($$$, c)`: leading ellipsis up to the anchor */
	EXPECT_VARS(t, "javascript", "rule:\n  pattern: foo($$$A, c)\n",
		    "foo(a, b, c);\nfoo(b, c);\nfoo(c);\n", "foo(a, b, c) | foo(b, c) | foo(c)",
		    "$$$A=a, b ");
}

static void multi_in_statements(struct test_ctx *t)
{
	EXPECT_VARS(t, "c", "rule:\n  pattern: 'if ($C) { $$$BODY }'\n", C_SRC,
		    "if (x) { y = 1; z = 2; return 3; }", "C=x $$$BODY=y = 1; z = 2; return 3; ");
	EXPECT_VARS(t, "python", "rule:\n  pattern: |\n    def $F($$$P):\n        $$$B\n",
		    "def f(a, b):\n    x = 1\n    return x\n", "def f(a, b):\n    x = 1\n    return x",
		    "F=f $$$P=a, b $$$B=x = 1\n    return x ");
}

static void smart_skips_comments(struct test_ctx *t)
{
	EXPECT_VARS(t, "c", "rule:\n  pattern: bar($A, $B)\n", C_SRC, "bar(/* a */ 1, 2)",
		    "A=1 B=2 ");
	/* a root metavariable binds even an extra (comment) node */
	EXPECT(t, "c", "rule:\n  pattern: $C\n  kind: comment\n", C_SRC, "/* c */ | /* a */");
	/* trailing comma in the candidate is an unnamed node: skipped */
	EXPECT(t, "javascript", "rule:\n  pattern: foo($A, $B)\n", "foo(x, y,);\n", "foo(x, y,)");
}

static void context_selector(struct test_ctx *t)
{
	EXPECT_VARS(t, "c",
		    "rule:\n  pattern:\n    context: 'int k = $V;'\n    selector: init_declarator\n",
		    "void g(void) { int k = 0; int j = 1; k++; }\n", "k = 0", "V=0 ");
	EXPECT_VARS(t, "javascript",
		    "rule:\n  pattern:\n    context: 'class A { $M() { $$$ } }'\n"
		    "    selector: method_definition\n",
		    "class K { m() { x(); } get n() { return 2 } }\n", "m() { x(); }", "M=m ");
}

static void kind_and_regex(struct test_ctx *t)
{
	EXPECT(t, "c", "rule:\n  kind: call_expression\n  regex: '^ba[rz]'\n", C_SRC,
	       "bar(1, 2, 3) | bar(/* a */ 1, 2) | baz(a, b, c, d) | baz(b, b)");
	/* unanchored, Unicode-aware like Rust's regex */
	EXPECT(t, "c", "rule:\n  kind: string_literal\n  regex: '\\w+\\s\\w+'\n",
	       "char *s = \"h\xc3\xa9llo w\xc3\xb6rld\";\nchar *u = \"x\";\n",
	       "\"h\xc3\xa9llo w\xc3\xb6rld\"");
	EXPECT(t, "c", "rule:\n  kind: ERROR\n", "int main( { x = ; }\n", "int main( { x = ; } | =");
}

static void inside_stop_and_field(struct test_ctx *t)
{
	const char *src = "void f(void) { if (a) { g(y); } }\n";

	/* default stopBy neighbor: only the parent */
	EXPECT(t, "c", "rule:\n  pattern: y\n  inside:\n    kind: compound_statement\n", src, "");
	EXPECT(t, "c",
	       "rule:\n  pattern: y\n  inside:\n    kind: compound_statement\n    stopBy: end\n",
	       src, "y");
	/* a stop rule ends the walk after the first node it matches */
	EXPECT(t, "c",
	       "rule:\n  pattern: y\n  inside:\n    kind: function_definition\n"
	       "    stopBy:\n      kind: if_statement\n",
	       src, "");
	EXPECT(t, "c",
	       "rule:\n  pattern: y\n  inside:\n    kind: if_statement\n"
	       "    stopBy:\n      kind: if_statement\n",
	       src, "y");
	/* field: the step into the parent must go through that field */
	EXPECT(t, "c",
	       "rule:\n  kind: identifier\n  inside:\n    kind: call_expression\n"
	       "    field: function\n",
	       src, "g");
	EXPECT(t, "c",
	       "rule:\n  kind: identifier\n  inside:\n    kind: call_expression\n"
	       "    field: arguments\n    stopBy: end\n",
	       src, "y");
}

static void has_stop_and_field(struct test_ctx *t)
{
	EXPECT(t, "c",
	       "rule:\n  kind: call_expression\n  has:\n    field: function\n    regex: ^ba\n",
	       C_SRC, "bar(1, 2, 3) | bar(/* a */ 1, 2) | baz(a, b, c, d) | baz(b, b)");
	/* neighbor: direct children only; end: any descendant */
	EXPECT(t, "c", "rule:\n  kind: expression_statement\n  has:\n    kind: comment\n", C_SRC,
	       "");
	EXPECT(t, "c",
	       "rule:\n  kind: expression_statement\n  has:\n    kind: comment\n    stopBy: end\n",
	       C_SRC, "bar(/* a */ 1, 2);");
	/* stop rule: does not descend into the if statement */
	EXPECT(t, "c",
	       "rule:\n  kind: function_definition\n  has:\n    pattern: $X = 1\n"
	       "    stopBy:\n      kind: if_statement\n",
	       C_SRC, "");
	EXPECT(t, "c",
	       "rule:\n  kind: function_definition\n  has:\n    pattern: $X = 1\n    stopBy: end\n",
	       "void g(void) { if (a) { y = 1; } }\n", "void g(void) { if (a) { y = 1; } }");
}

static void follows_precedes(struct test_ctx *t)
{
	const char *src = "void f(void) { a(); b(); c(); return; }\n";

	EXPECT(t, "c", "rule:\n  kind: expression_statement\n  follows:\n    pattern: a();\n", src,
	       "b();");
	EXPECT(t, "c",
	       "rule:\n  kind: expression_statement\n  follows:\n    pattern: a();\n"
	       "    stopBy: end\n",
	       src, "b(); | c();");
	EXPECT(t, "c",
	       "rule:\n  kind: expression_statement\n  precedes:\n    kind: return_statement\n",
	       src, "c();");
	EXPECT(t, "c",
	       "rule:\n  kind: expression_statement\n  precedes:\n    kind: return_statement\n"
	       "    stopBy:\n      pattern: c();\n",
	       src, "c();"); /* b(): the walk stops at c(), the stop node itself fails */
}

static void composite_bindings(struct test_ctx *t)
{
	/* any keeps the bindings of the branch that matched */
	EXPECT_VARS(t, "c",
		    "rule:\n  any:\n    - pattern: bar($A, $B)\n    - pattern: baz($A, $A)\n",
		    C_SRC, "bar(/* a */ 1, 2) | baz(b, b)", "A=1 B=2 ");
	/* not never binds, even when reached through a relational rule */
	EXPECT_VARS(t, "c",
		    "rule:\n  pattern: baz($A, $$$)\n  not:\n    pattern: baz($B, $B)\n", C_SRC,
		    "baz(a, b, c, d)", "A=a ");
	/* all: later rules see earlier bindings */
	EXPECT(t, "c",
	       "rule:\n  all:\n    - pattern: $L = realloc($R, $N)\n"
	       "    - not:\n        pattern: $R = realloc($R, $N)\n",
	       C_SRC, "q = realloc(p, 10)");
}

static void utils_and_matches(struct test_ctx *t)
{
	EXPECT(t, "c",
	       "rule:\n  matches: callish\nutils:\n  callish:\n    any:\n"
	       "      - pattern: foo($$$)\n      - kind: return_statement\n",
	       C_SRC, "return 3; | return 0;");
	/* a util may refer to itself through a relational rule */
	EXPECT(t, "c",
	       "rule:\n  matches: nested\nutils:\n  nested:\n    kind: call_expression\n"
	       "    has:\n      kind: argument_list\n      has:\n        any:\n"
	       "          - kind: call_expression\n          - matches: nested\n",
	       C_SRC, "foo(strcpy(x, y))");
	/* ... also when the self-reference comes first (the literal prefilter
	 * used to recurse through it forever) */
	EXPECT(t, "c",
	       "rule:\n  matches: nested\nutils:\n  nested:\n    kind: call_expression\n"
	       "    has:\n      kind: argument_list\n      has:\n        any:\n"
	       "          - matches: nested\n          - kind: call_expression\n",
	       C_SRC, "foo(strcpy(x, y))");
}

static void constraints(struct test_ctx *t)
{
	EXPECT_VARS(t, "c",
		    "rule:\n  pattern: $F($A, $B)\nconstraints:\n  F:\n    regex: ^(strcpy|bar)$\n"
		    "  B:\n    kind: number_literal\n",
		    C_SRC, "bar(/* a */ 1, 2)", "F=bar A=1 B=2 ");
}

static void expando_languages(struct test_ctx *t)
{
	EXPECT_VARS(t, "python", "rule:\n  pattern: self.$A = $B\n",
		    "class A:\n    def m(self):\n        self.x = 1\n", "self.x = 1", "A=x B=1 ");
	EXPECT_VARS(t, "go", "rule:\n  pattern: 'if err != nil { $$$ }'\n",
		    "package main\nfunc f() error {\n\tif err != nil { return err }\n\treturn nil\n}\n",
		    "if err != nil { return err }", "");
	EXPECT_VARS(t, "rust", "rule:\n  pattern: $A.unwrap()\n",
		    "fn main() { let y = foo.bar().unwrap(); }\n", "foo.bar().unwrap()",
		    "A=foo.bar() ");
}

/* Rule files are untrusted: deep patterns and utils that expand
 * exponentially through `matches` are refused, not recursed into. */
static void limits(struct test_ctx *t)
{
	struct buf y;
	int i;

	buf_init(&y, 1 << 20);
	buf_puts(&y, "rule:\n  pattern: '");
	for (i = 0; i < 3000; i++)
		buf_putc(&y, '(');
	buf_puts(&y, "$X");
	for (i = 0; i < 3000; i++)
		buf_putc(&y, ')');
	buf_puts(&y, ";'\n");
	EXPECT_ERR(t, buf_cstr(&y), "t.yml:2:12: ", "pattern nested too deeply");
	buf_reset(&y);
	buf_puts(&y, "rule:\n  matches: u0\nutils:\n");
	for (i = 0; i < 20; i++)
		buf_printf(&y, "  u%d:\n    any: [{matches: u%d}, {matches: u%d}]\n", i, i + 1,
			   i + 1);
	buf_puts(&y, "  u20:\n    kind: identifier\n");
	EXPECT_ERR(t, buf_cstr(&y), "t.yml:2:3: ", "rule is too large");
	buf_release(&y);
}

static void compile_errors(struct test_ctx *t)
{
	EXPECT_ERR(t, "rule:\n  pattern: f($A)\n  bogus: 1\n", "t.yml:3:3: ",
		   "unknown key 'bogus'");
	EXPECT_ERR(t, "rule:\n  pattern: 'a b c d'\n", "t.yml:2:12: ",
		   "more than one AST node");
	EXPECT_ERR(t, "rule:\n  pattern: ''\n", "t.yml:2:12: ", "no AST root");
	EXPECT_ERR(t, "rule:\n  pattern: $$$A\n", "t.yml:2:12: ", "lone multi metavariable");
	EXPECT_ERR(t, "rule:\n  kind: nosuchkind\n", "t.yml:2:9: ", "unknown node kind 'nosuchkind'");
	EXPECT_ERR(t, "rule:\n  kind: ERR\n", "t.yml:2:9: ", "unknown node kind");
	EXPECT_ERR(t, "rule:\n  kind: call_expression\n  regex: '(abc'\n", "t.yml:3:10: ",
		   "bad regex");
	EXPECT_ERR(t, "rule:\n  kind: identifier\n  matches: nope\n", "t.yml:3:12: ",
		   "no util rule named 'nope'");
	EXPECT_ERR(t, "rule:\n  kind: identifier\n  not: {}\n", "t.yml:3:8: ", "at least one of");
	EXPECT_ERR(t,
		   "rule:\n  kind: identifier\n  follows:\n    kind: identifier\n    field: body\n",
		   "t.yml:5:12: ", "only supported in has/inside");
	EXPECT_ERR(t, "rule:\n  kind: identifier\n  has:\n    kind: identifier\n    field: nope\n",
		   "t.yml:5:12: ", "unknown field 'nope'");
	EXPECT_ERR(t, "rule:\n  kind: identifier\n  has:\n    kind: identifier\n    stopBy: never\n",
		   "t.yml:5:13: ", "stopBy must be");
	EXPECT_ERR(t, "rule:\n  pattern: $F($A)\nconstraints:\n  G:\n    kind: identifier\n",
		   "t.yml:4:3: ", "'G' is not defined");
	EXPECT_ERR(t, "rule:\n  regex: foo\n", "t.yml:2:3: ", "set of node kinds");
	EXPECT_ERR(t, "rule:\n  pattern: $A\n", "t.yml:2:3: ", "set of node kinds");
	EXPECT_ERR(t,
		   "rule:\n  matches: a\nutils:\n  a:\n    any:\n      - matches: b\n  b:\n"
		   "    not:\n      matches: a\n",
		   "t.yml:", "depends on itself");
	EXPECT_ERR(t, "rule:\n  kind: 'call_expression > identifier'\n", "t.yml:2:9: ",
		   "selectors");
	EXPECT_ERR(t, "rule:\n  kind: identifier\n  nthChild: 1\n", "t.yml:3:3: ", "not supported");
}

static void kinds_prefilter(struct test_ctx *t)
{
	const TSLanguage *ts = lang_by_name("c")->grammar();
	TSSymbol call = ts_language_symbol_for_name(ts, "call_expression", 15, true);
	TSSymbol id = ts_language_symbol_for_name(ts, "identifier", 10, true);
	uint32_t i, count = ts_language_symbol_count(ts), on;
	const bool *k = NULL;
	struct run r;

	/* in C, `f($A)` alone parses as a macro type; two arguments make a call */
	run(&r, "c", "rule:\n  any:\n    - pattern: f($A, $B)\n    - kind: identifier\n", NULL);
	CHECK_INT(t, r.rc, 0);
	if (r.rc == 0 && sg_rule_kinds(r.rule, &k)) {
		for (i = 0, on = 0; i < count; i++)
			on += k[i];
		CHECK(t, k[call] && k[id]);
		CHECK_INT(t, on, 2);
	} else {
		TEST_FAIL(t, "any of two kinds should be limited");
	}
	run_done(&r);
	/* all intersects: call_expression ∩ identifier is empty */
	run(&r, "c", "rule:\n  all:\n    - pattern: f($A, $B)\n    - kind: identifier\n", NULL);
	CHECK(t, r.rc == 0 && sg_rule_kinds(r.rule, &k) && !k[call] && !k[id]);
	run_done(&r);
}

static void literals_prefilter(struct test_ctx *t)
{
	const char *const *lits;
	struct run r;

	run(&r, "c", "rule:\n  pattern: strcpy($A, $B)\n", NULL);
	CHECK(t, r.rc == 0 && sg_rule_literals(r.rule, &lits) == 1 && !strcmp(lits[0], "strcpy"));
	run_done(&r);
	run(&r, "c", "rule:\n  any:\n    - pattern: gets($A)\n    - pattern: sprintf($$$)\n", NULL);
	CHECK(t, r.rc == 0 && sg_rule_literals(r.rule, &lits) == 2);
	run_done(&r);
	/* one branch with no literal spoils the union */
	run(&r, "c", "rule:\n  any:\n    - pattern: gets($A)\n    - kind: identifier\n", NULL);
	CHECK(t, r.rc == 0 && sg_rule_literals(r.rule, &lits) == 0);
	run_done(&r);
	run(&r, "c",
	    "rule:\n  kind: call_expression\n  regex: ^memcpy\n  not:\n    pattern: memcpy($A, $A, $N)\n",
	    NULL);
	CHECK(t, r.rc == 0 && sg_rule_literals(r.rule, &lits) == 1 && !strcmp(lits[0], "memcpy"));
	run_done(&r);
}

const struct test_case sg_tests[] = {
	{ "pattern_call", pattern_call },
	{ "metavar_equality", metavar_equality },
	{ "multi_in_arguments", multi_in_arguments },
	{ "multi_in_statements", multi_in_statements },
	{ "smart_skips_comments", smart_skips_comments },
	{ "context_selector", context_selector },
	{ "kind_and_regex", kind_and_regex },
	{ "inside_stop_and_field", inside_stop_and_field },
	{ "has_stop_and_field", has_stop_and_field },
	{ "follows_precedes", follows_precedes },
	{ "composite_bindings", composite_bindings },
	{ "utils_and_matches", utils_and_matches },
	{ "constraints", constraints },
	{ "expando_languages", expando_languages },
	{ "compile_errors", compile_errors },
	{ "limits", limits },
	{ "kinds_prefilter", kinds_prefilter },
	{ "literals_prefilter", literals_prefilter },
	{ NULL, NULL },
};
