/*
 * sg_compile.c - turn the `rule:`, `utils:` and `constraints:` YAML of a
 * rule file into the operator tree of sg_internal.h.
 *
 * Follows ast-grep's deserializer: a rule object may combine several keys,
 * which are and-ed in a fixed order (atomic, then composite, then
 * relational); an object with none is an error; unknown keys are errors;
 * `field` is only allowed on inside/has; `matches` must name a util of this
 * file, and utils may not depend on themselves through all/any/not/matches;
 * every constraint must name a metavariable the rule (or a util, or a
 * constraint) defines; and the rule must be limited to a set of node kinds
 * (ast-grep refuses rules that could match any kind).  Every error is
 * FB_EINVAL with `file:line:col: what is wrong`.
 */
#include "sg.h"
#include "literals.h"
#include "sg_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cc {
	const struct lang *lang;
	const TSLanguage *ts;
	uint32_t nsym;
	const char *file;
	struct fb_error *err;
	struct sg_rule *r;
};

/* Matching and the prefilters (sg_kinds.c) follow `matches` into its util
 * each time, so utils that each match the next one twice cost 2^n; a rule
 * larger than this with its utils expanded is refused instead. */
#define SG_EXPANDED_MAX 10000

static const char *const RULE_KEYS[] = {
	"pattern", "kind", "regex", "all", "any", "not", "matches",
	"inside", "has", "precedes", "follows", NULL
};

/* Every message takes at most two string arguments. */
static int bad_lc(struct cc *c, int line, int col, const char *fmt, const char *a,
		  const char *b)
{
	char msg[400];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
#pragma GCC diagnostic pop
	return fb_error_set(c->err, FB_EINVAL, "%s:%d:%d: %s", c->file, line, col, msg);
}

static int bad(struct cc *c, const struct ynode *at, const char *fmt, const char *a,
	       const char *b)
{
	return bad_lc(c, at ? at->line : 0, at ? at->col : 0, fmt, a, b);
}

static int oom(struct cc *c)
{
	return fb_error_set(c->err, FB_ENOMEM, "%s: out of memory compiling rule", c->file);
}

static struct sg_node *node_new(enum sg_op op, const struct ynode *at)
{
	struct sg_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->op = op;
	n->line = at ? at->line : 0;
	n->col = at ? at->col : 0;
	n->kinds.any = true;
	return n;
}

void sg_node_free(struct sg_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	sg_pattern_free(n->pat);
	free(n->kind_bits);
	if (n->re)
		pcre2_code_free(n->re);
	literals_free(n->literals, n->nliterals);
	for (i = 0; i < n->nkids; i++)
		sg_node_free(n->kids[i]);
	free(n->kids);
	sg_node_free(n->stop_rule);
	sg_kinds_release(&n->kinds);
	free(n);
}

static int add_kid(struct sg_node *parent, struct sg_node *kid)
{
	struct sg_node **k = realloc(parent->kids, (parent->nkids + 1) * sizeof(*k));

	if (k == NULL)
		return FB_ENOMEM;
	parent->kids = k;
	k[parent->nkids++] = kid;
	return 0;
}

static int need_scalar(struct cc *c, const struct ynode *v, const char *key)
{
	if (!ynode_is_scalar(v))
		return bad(c, v, "'%s' must be a string, not %s", key, ynode_type_str(v));
	return 0;
}

static int compile_map(struct cc *c, const struct ynode *map, bool relational,
		       struct sg_node **out);

static int compile_pattern(struct cc *c, const struct ynode *v, struct sg_node **out)
{
	const char *src, *selector = NULL;
	const struct ynode *ctx, *sel, *strict;
	struct sg_node *n;
	size_t i;
	int rc;

	if (v->type == YNODE_MAP) {
		for (i = 0; i < v->n; i++) {
			const char *k = v->keys[i]->str;
			if (strcmp(k, "context") && strcmp(k, "selector") && strcmp(k, "strictness"))
				return bad(c, v->keys[i],
					   "unknown key '%s' in pattern (expected context, selector)",
					   k, NULL);
		}
		ctx = ynode_get(v, "context");
		sel = ynode_get(v, "selector");
		strict = ynode_get(v, "strictness");
		if (ctx == NULL)
			return bad(c, v, "pattern object needs a 'context'", NULL, NULL);
		if ((rc = need_scalar(c, ctx, "context")) < 0 ||
		    (sel && (rc = need_scalar(c, sel, "selector")) < 0) ||
		    (strict && (rc = need_scalar(c, strict, "strictness")) < 0))
			return rc;
		if (strict && strcmp(strict->str, "smart") != 0)
			return bad(c, strict, "strictness '%s' is not supported (only smart)",
				   strict->str, NULL);
		src = ctx->str;
		selector = sel ? sel->str : NULL;
		v = ctx;
	} else {
		if ((rc = need_scalar(c, v, "pattern")) < 0)
			return rc;
		src = v->str;
	}
	n = node_new(SG_PATTERN, v);
	if (n == NULL)
		return oom(c);
	rc = sg_pattern_compile(&n->pat, c->lang, src, selector, c->file, v->line, v->col, c->err);
	if (rc < 0) {
		sg_node_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

static int compile_kind(struct cc *c, const struct ynode *v, struct sg_node **out)
{
	struct sg_node *n;
	int rc;

	if ((rc = need_scalar(c, v, "kind")) < 0)
		return rc;
	if (strpbrk(v->str, " >+~,.:()") != NULL)
		return bad(c, v, "kind selectors ('%s') are not supported; use a kind name", v->str,
			   NULL);
	n = node_new(SG_KIND, v);
	if (n == NULL || (n->kind_bits = calloc(c->nsym, sizeof(bool))) == NULL) {
		sg_node_free(n);
		return oom(c);
	}
	if (sg_kind_lookup(c->ts, v->str, n->kind_bits, &n->kind_error) < 0) {
		sg_node_free(n);
		return bad(c, v, "unknown node kind '%s' in %s", v->str, c->lang->name);
	}
	/* Borrowed from the grammar's constant table, for the prefilter. */
	n->keyword = lang_kind_keyword(c->lang, v->str);
	*out = n;
	return 0;
}

static int compile_regex(struct cc *c, const struct ynode *v, struct sg_node **out)
{
	struct sg_node *n;
	PCRE2_UCHAR msg[200];
	PCRE2_SIZE off;
	int rc, code;

	if ((rc = need_scalar(c, v, "regex")) < 0)
		return rc;
	n = node_new(SG_REGEX, v);
	if (n == NULL)
		return oom(c);
	n->re = pcre2_compile((PCRE2_SPTR)v->str, v->len,
			      PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (n->re == NULL) {
		char where[64];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(where, sizeof(where), "%zu", (size_t)off);
		sg_node_free(n);
		rc = bad(c, v, "bad regex: %s at offset %s", (const char *)msg, where);
		return rc;
	}
	pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE); /* best effort: falls back to the interpreter */
	if (regex_literals(&n->literals, &n->nliterals, v->str) < 0) {
		sg_node_free(n);
		return oom(c);
	}
	*out = n;
	return 0;
}

static int compile_list(struct cc *c, enum sg_op op, const struct ynode *v, const char *key,
			struct sg_node **out)
{
	struct sg_node *n, *kid;
	size_t i;
	int rc;

	if (v->type != YNODE_SEQ)
		return bad(c, v, "'%s' must be a list of rules, not %s", key, ynode_type_str(v));
	n = node_new(op, v);
	if (n == NULL)
		return oom(c);
	for (i = 0; i < v->n; i++) {
		if ((rc = compile_map(c, v->items[i], false, &kid)) < 0)
			goto fail;
		if (add_kid(n, kid) < 0) {
			sg_node_free(kid);
			rc = oom(c);
			goto fail;
		}
	}
	*out = n;
	return 0;
fail:
	sg_node_free(n);
	return rc;
}

static int compile_matches(struct cc *c, const struct ynode *v, struct sg_node **out)
{
	struct sg_node *n;
	size_t i;
	int rc;

	if ((rc = need_scalar(c, v, "matches")) < 0)
		return rc;
	for (i = 0; i < c->r->nutils; i++)
		if (strcmp(c->r->utils[i].name, v->str) == 0)
			break;
	if (i == c->r->nutils)
		return bad(c, v, "matches: no util rule named '%s' in this file", v->str, NULL);
	n = node_new(SG_MATCHES, v);
	if (n == NULL)
		return oom(c);
	n->util = i;
	*out = n;
	return 0;
}

static int compile_stop(struct cc *c, const struct ynode *v, struct sg_node *rel)
{
	if (v == NULL)
		return 0;
	if (ynode_is_scalar(v)) {
		if (strcmp(v->str, "neighbor") == 0)
			rel->stop = SG_STOP_NEIGHBOR;
		else if (strcmp(v->str, "end") == 0)
			rel->stop = SG_STOP_END;
		else
			return bad(c, v, "stopBy must be 'neighbor', 'end' or a rule, not '%s'",
				   v->str, NULL);
		return 0;
	}
	rel->stop = SG_STOP_RULE;
	return compile_map(c, v, false, &rel->stop_rule);
}

static int compile_relation(struct cc *c, enum sg_op op, const struct ynode *v, const char *key,
			    struct sg_node **out)
{
	const struct ynode *field;
	struct sg_node *n, *inner = NULL;
	int rc;

	if (v->type != YNODE_MAP)
		return bad(c, v, "'%s' must be a rule object, not %s", key, ynode_type_str(v));
	field = ynode_get(v, "field");
	if (field && op != SG_INSIDE && op != SG_HAS)
		return bad(c, field, "'field' is only supported in has/inside, not in %s", key, NULL);
	if (field && (rc = need_scalar(c, field, "field")) < 0)
		return rc;
	n = node_new(op, v);
	if (n == NULL)
		return oom(c);
	if (field) {
		n->field = ts_language_field_id_for_name(c->ts, field->str, (uint32_t)field->len);
		if (n->field == 0) {
			rc = bad(c, field, "unknown field '%s' in %s", field->str, c->lang->name);
			goto fail;
		}
	}
	if ((rc = compile_stop(c, ynode_get(v, "stopBy"), n)) < 0)
		goto fail;
	if ((rc = compile_map(c, v, true, &inner)) < 0)
		goto fail;
	if (add_kid(n, inner) < 0) {
		sg_node_free(inner);
		rc = oom(c);
		goto fail;
	}
	*out = n;
	return 0;
fail:
	sg_node_free(n);
	return rc;
}

static int compile_key(struct cc *c, size_t which, const struct ynode *v, struct sg_node **out)
{
	static const enum sg_op rel_ops[] = { SG_INSIDE, SG_HAS, SG_PRECEDES, SG_FOLLOWS };
	const char *key = RULE_KEYS[which];

	switch (which) {
	case 0:
		return compile_pattern(c, v, out);
	case 1:
		return compile_kind(c, v, out);
	case 2:
		return compile_regex(c, v, out);
	case 3:
		return compile_list(c, SG_ALL, v, key, out);
	case 4:
		return compile_list(c, SG_ANY, v, key, out);
	case 5: {
		struct sg_node *n = node_new(SG_NOT, v), *inner = NULL;
		int rc;
		if (n == NULL)
			return oom(c);
		if ((rc = compile_map(c, v, false, &inner)) < 0 || (rc = add_kid(n, inner)) < 0) {
			sg_node_free(inner);
			sg_node_free(n);
			return rc == FB_ENOMEM ? oom(c) : rc;
		}
		*out = n;
		return 0;
	}
	case 6:
		return compile_matches(c, v, out);
	default:
		return compile_relation(c, rel_ops[which - 7], v, key, out);
	}
}

static int check_keys(struct cc *c, const struct ynode *map, bool relational)
{
	size_t i, j;

	for (i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->str;
		bool ok = relational && (!strcmp(k, "stopBy") || !strcmp(k, "field"));
		for (j = 0; RULE_KEYS[j] && !ok; j++)
			ok = strcmp(k, RULE_KEYS[j]) == 0;
		if (ok)
			continue;
		if (!strcmp(k, "nthChild") || !strcmp(k, "range"))
			return bad(c, map->keys[i], "rule key '%s' is not supported by forgebot", k,
				   NULL);
		return bad(c, map->keys[i],
			   "unknown key '%s' in rule (expected pattern, kind, regex, inside, has, "
			   "precedes, follows, all, any, not, matches%s)",
			   k, relational ? ", stopBy, field" : "");
	}
	return 0;
}

static int compile_map(struct cc *c, const struct ynode *map, bool relational,
		       struct sg_node **out)
{
	struct sg_node *all = NULL, *part;
	size_t i;
	int rc;

	if (map == NULL || map->type != YNODE_MAP)
		return bad(c, map, "a rule must be a mapping, not %s", ynode_type_str(map), NULL);
	if ((rc = check_keys(c, map, relational)) < 0)
		return rc;
	if ((all = node_new(SG_ALL, map)) == NULL)
		return oom(c);
	for (i = 0; RULE_KEYS[i]; i++) {
		const struct ynode *v = ynode_get(map, RULE_KEYS[i]);
		if (v == NULL)
			continue;
		if ((rc = compile_key(c, i, v, &part)) < 0)
			goto fail;
		if (add_kid(all, part) < 0) {
			sg_node_free(part);
			rc = oom(c);
			goto fail;
		}
	}
	if (all->nkids == 0) {
		rc = bad(c, map, "a rule needs at least one of pattern, kind, regex, inside, has, "
				 "precedes, follows, all, any, not, matches",
			 NULL, NULL);
		goto fail;
	}
	if (all->nkids == 1) {
		*out = all->kids[0];
		all->nkids = 0;
		sg_node_free(all);
		return 0;
	}
	*out = all;
	return 0;
fail:
	sg_node_free(all);
	return rc;
}

/* --- utils, constraints, variables --- */

/* Cycle check through all/any/not/matches, as ast-grep's topological sort. */
static int util_visit(struct cc *c, const struct sg_node *n, unsigned char *state)
{
	size_t i;
	int rc;

	if (n->op == SG_MATCHES) {
		if (state[n->util] == 1)
			return bad_lc(c, n->line, n->col,
				      "util rule '%s' depends on itself through matches",
				      c->r->utils[n->util].name, NULL);
		if (state[n->util] == 0) {
			state[n->util] = 1;
			if ((rc = util_visit(c, c->r->utils[n->util].node, state)) < 0)
				return rc;
			state[n->util] = 2;
		}
		return 0;
	}
	if (n->op != SG_ALL && n->op != SG_ANY && n->op != SG_NOT)
		return 0;
	for (i = 0; i < n->nkids; i++)
		if ((rc = util_visit(c, n->kids[i], state)) < 0)
			return rc;
	return 0;
}

struct varset {
	const char **v;
	size_t *len;
	size_t n, cap;
	bool oom;
};

static void var_add(const char *name, size_t len, void *payload)
{
	struct varset *vs = payload;

	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 16;
		const char **v = realloc(vs->v, cap * sizeof(*v));
		size_t *l = v ? realloc(vs->len, cap * sizeof(*l)) : NULL;
		if (v)
			vs->v = v;
		if (l == NULL) {
			vs->oom = true;
			return;
		}
		vs->len = l;
		vs->cap = cap;
	}
	vs->v[vs->n] = name;
	vs->len[vs->n++] = len;
}

static void node_vars(const struct sg_node *n, struct varset *vs)
{
	size_t i;

	if (n == NULL)
		return;
	if (n->op == SG_PATTERN)
		sg_pattern_vars(n->pat, var_add, vs);
	for (i = 0; i < n->nkids; i++)
		node_vars(n->kids[i], vs);
	node_vars(n->stop_rule, vs);
}

static bool var_defined(const struct varset *vs, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < vs->n; i++)
		if (vs->len[i] == len && memcmp(vs->v[i], name, len) == 0)
			return true;
	return false;
}

static int compile_named(struct cc *c, const struct ynode *map, const char *what,
			 struct sg_named **out, size_t *nout)
{
	size_t i;

	if (map == NULL)
		return 0;
	if (map->type != YNODE_MAP)
		return bad(c, map, "'%s' must be a mapping, not %s", what, ynode_type_str(map));
	*out = calloc(map->n ? map->n : 1, sizeof(**out));
	if (*out == NULL)
		return oom(c);
	*nout = map->n;
	for (i = 0; i < map->n; i++) {
		(*out)[i].name = strdup(map->keys[i]->str);
		(*out)[i].line = map->keys[i]->line;
		(*out)[i].col = map->keys[i]->col;
		if ((*out)[i].name == NULL)
			return oom(c);
	}
	for (i = 0; i < map->n; i++) {
		int rc = compile_map(c, map->items[i], false, &(*out)[i].node);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int check_utils(struct cc *c)
{
	unsigned char *state = calloc(c->r->nutils + 1, 1);
	size_t i;
	int rc = 0;

	if (state == NULL)
		return oom(c);
	for (i = 0; i < c->r->nutils && rc == 0; i++) {
		if (state[i] != 0)
			continue;
		state[i] = 1;
		rc = util_visit(c, c->r->utils[i].node, state);
		state[i] = 2;
	}
	free(state);
	return rc;
}

/* Nodes under `n` with every `matches` replaced by its util, saturating just
 * above SG_EXPANDED_MAX.  `memo[i]` caches util i's size (0: not yet,
 * SIZE_MAX: being computed).  A util may refer to itself only through a
 * relational rule (check_utils), which descends the tree once per expansion,
 * so such a reference counts as one node. */
static size_t expanded_size(const struct sg_rule *r, const struct sg_node *n, size_t *memo)
{
	size_t i, total = 1;

	if (n == NULL)
		return 0;
	if (n->op == SG_MATCHES) {
		if (memo[n->util] == SIZE_MAX)
			return 1;
		if (memo[n->util] == 0) {
			memo[n->util] = SIZE_MAX;
			memo[n->util] = expanded_size(r, r->utils[n->util].node, memo);
		}
		return memo[n->util];
	}
	for (i = 0; i < n->nkids && total <= SG_EXPANDED_MAX; i++)
		total += expanded_size(r, n->kids[i], memo);
	if (total <= SG_EXPANDED_MAX)
		total += expanded_size(r, n->stop_rule, memo);
	return total <= SG_EXPANDED_MAX ? total : SG_EXPANDED_MAX + 1;
}

static int check_expanded_size(struct cc *c, const struct ynode *rule)
{
	size_t *memo = calloc(c->r->nutils + 1, sizeof(*memo));
	size_t i, total;

	if (memo == NULL)
		return oom(c);
	/* Every util counts, used or not: sg_compute_kinds walks them all. */
	total = expanded_size(c->r, c->r->root, memo);
	for (i = 0; i < c->r->ncons && total <= SG_EXPANDED_MAX; i++)
		total += expanded_size(c->r, c->r->cons[i].node, memo);
	for (i = 0; i < c->r->nutils && total <= SG_EXPANDED_MAX; i++)
		total += expanded_size(c->r, c->r->utils[i].node, memo);
	free(memo);
	if (total <= SG_EXPANDED_MAX)
		return 0;
	return fb_error_set(c->err, FB_EINVAL,
			    "%s:%d:%d: rule is too large with its utils expanded through "
			    "'matches' (over %d nodes)", c->file, rule->line, rule->col,
			    SG_EXPANDED_MAX);
}

static int check_constraint_vars(struct cc *c)
{
	struct varset vs = { 0 };
	size_t i;
	int rc = 0;

	node_vars(c->r->root, &vs);
	for (i = 0; i < c->r->nutils; i++)
		node_vars(c->r->utils[i].node, &vs);
	for (i = 0; i < c->r->ncons; i++)
		node_vars(c->r->cons[i].node, &vs);
	if (vs.oom)
		rc = oom(c);
	for (i = 0; i < c->r->ncons && rc == 0; i++)
		if (!var_defined(&vs, c->r->cons[i].name))
			rc = bad_lc(c, c->r->cons[i].line, c->r->cons[i].col,
				    "constraints: metavariable '%s' is not defined in the rule%s",
				    c->r->cons[i].name, "");
	free(vs.v);
	free(vs.len);
	return rc;
}

int sg_rule_compile(struct sg_rule **out, const struct lang *lang, const struct ynode *rule,
		    const struct ynode *constraints, const struct ynode *utils, const char *file,
		    struct fb_error *err)
{
	struct cc c = { lang, lang->grammar(), 0, file ? file : "<rule>", err, NULL };
	int rc;

	c.nsym = ts_language_symbol_count(c.ts);
	c.r = calloc(1, sizeof(*c.r));
	if (c.r == NULL)
		return oom(&c);
	c.r->lang = lang;
	c.r->ts = c.ts;
	c.r->nsym = c.nsym;
	c.r->kinds.any = true;
	if ((rc = compile_named(&c, utils, "utils", &c.r->utils, &c.r->nutils)) < 0 ||
	    (rc = check_utils(&c)) < 0)
		goto out;
	if (rule == NULL) {
		rc = fb_error_set(err, FB_EINVAL, "%s: missing 'rule'", c.file);
		goto out;
	}
	if ((rc = compile_map(&c, rule, false, &c.r->root)) < 0 ||
	    (rc = compile_named(&c, constraints, "constraints", &c.r->cons, &c.r->ncons)) < 0 ||
	    (rc = check_constraint_vars(&c)) < 0 || (rc = check_expanded_size(&c, rule)) < 0 ||
	    (rc = sg_compute_kinds(c.r, err, c.file)) < 0)
		goto out;
	if (c.r->kinds.any) {
		rc = bad(&c, rule,
			 "the rule must be limited to a set of node kinds (as ast-grep requires): "
			 "add a 'kind' or a pattern%s%s",
			 NULL, NULL);
		goto out;
	}
	if ((rc = sg_compute_literals(c.r)) < 0) {
		rc = oom(&c);
		goto out;
	}
	*out = c.r;
	c.r = NULL;
out:
	sg_rule_free(c.r);
	return rc;
}

static void named_free(struct sg_named *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].name);
		sg_node_free(v[i].node);
	}
	free(v);
}

void sg_rule_free(struct sg_rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	sg_node_free(r->root);
	named_free(r->utils, r->nutils);
	named_free(r->cons, r->ncons);
	sg_kinds_release(&r->kinds);
	for (i = 0; i < r->nlits; i++)
		free(r->lits[i]);
	free(r->lits);
	free(r);
}
