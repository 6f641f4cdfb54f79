/*
 * query.c - compiling `query:` rules and evaluating their predicates.
 *
 * At compile time each pattern's predicate steps (from
 * ts_query_predicates_for_pattern) are turned into a small array of checks
 * with regexes compiled once.  At match time a match is accepted when every
 * check of its pattern holds.
 */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "../../bot/core/buf.h"
#include "literals.h"
#include "regex.h"

#define QUERY_MATCH_LIMIT 4096

enum pred_op { P_EQ, P_NOT_EQ, P_MATCH, P_NOT_MATCH, P_ANY_OF, P_NOT_ANY_OF };

struct pred {
	enum pred_op op;
	uint32_t capture;        /* first argument: a capture */
	bool other_is_capture;   /* #eq? @a @b */
	uint32_t other_capture;
	const char *str;         /* #eq? @a "s" (borrowed from the query) */
	uint32_t str_len;
	const char **strs;       /* #any-of? values */
	uint32_t *strs_len;
	size_t nstrs;
	struct fb_regex *re;
};

struct pattern_preds {
	struct pred *v;
	size_t n;
};

struct query_rule {
	TSQuery *query;
	struct pattern_preds *patterns; /* one per query pattern */
	uint32_t npatterns;
	uint32_t match_capture;         /* UINT32_MAX: widest capture */
	char **literals;
	size_t nliterals;
};

static const char *const error_names[] = {
	"none", "syntax error", "unknown node type", "unknown field", "unknown capture",
	"impossible structure", "language mismatch",
};

static void pattern_preds_release(struct pattern_preds *pp)
{
	size_t i;

	for (i = 0; i < pp->n; i++) {
		fb_regex_free(pp->v[i].re);
		free(pp->v[i].strs);
		free(pp->v[i].strs_len);
	}
	free(pp->v);
}

void query_rule_free(struct query_rule *q)
{
	uint32_t i;

	if (q == NULL)
		return;
	for (i = 0; q->patterns && i < q->npatterns; i++)
		pattern_preds_release(&q->patterns[i]);
	free(q->patterns);
	for (i = 0; i < q->nliterals; i++)
		free(q->literals[i]);
	free(q->literals);
	if (q->query)
		ts_query_delete(q->query);
	free(q);
}

/* Position of byte `off` of the query text within the rule file. */
static void query_position(const struct ynode *node, uint32_t off, int *line, int *col)
{
	const char *s = node->str;
	int l = 0, c = 0;
	uint32_t i;

	for (i = 0; i < off && s[i]; i++) {
		if (s[i] == '\n') {
			l++;
			c = 0;
		} else {
			c++;
		}
	}
	/* A block scalar (`query: |`) starts on the line after its indicator. */
	if (strchr(s, '\n') != NULL && node->quoted) {
		*line = node->line + 1 + l;
		*col = c + 1;
	} else {
		*line = node->line + l;
		*col = (l == 0 ? node->col : 1) + c;
	}
}

static int parse_op(const char *name, enum pred_op *op)
{
	static const struct { const char *name; enum pred_op op; } ops[] = {
		{ "eq?", P_EQ }, { "not-eq?", P_NOT_EQ }, { "match?", P_MATCH },
		{ "not-match?", P_NOT_MATCH }, { "any-of?", P_ANY_OF }, { "not-any-of?", P_NOT_ANY_OF },
		{ "vim-match?", P_MATCH }, { "lua-match?", P_MATCH },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0)
			return (*op = ops[i].op), 0;
	return FB_EINVAL;
}

/* Build one predicate from steps[0..n) (the operator name first, no Done). */
static int build_pred(struct pred *p, const TSQuery *tq, const TSQueryPredicateStep *st, uint32_t n,
		      struct fb_error *err)
{
	uint32_t len, i;
	const char *name = ts_query_string_value_for_id(tq, st[0].value_id, &len);

	memset(p, 0, sizeof(*p));
	if (parse_op(name, &p->op) < 0)
		return fb_error_set(err, FB_EINVAL,
				    "unsupported predicate '#%s' (supported: #eq?, #not-eq?, #match?, "
				    "#not-match?, #any-of?, #not-any-of?)", name);
	if (n < 3 || st[1].type != TSQueryPredicateStepTypeCapture)
		return fb_error_set(err, FB_EINVAL,
				    "predicate '#%s' needs a capture and at least one value", name);
	p->capture = st[1].value_id;
	if (p->op == P_ANY_OF || p->op == P_NOT_ANY_OF) {
		p->nstrs = n - 2;
		p->strs = calloc(p->nstrs, sizeof(*p->strs));
		p->strs_len = calloc(p->nstrs, sizeof(*p->strs_len));
		if (p->strs == NULL || p->strs_len == NULL)
			return fb_error_set(err, FB_ENOMEM, "out of memory");
		for (i = 2; i < n; i++) {
			if (st[i].type != TSQueryPredicateStepTypeString)
				return fb_error_set(err, FB_EINVAL, "'#%s' takes string values", name);
			p->strs[i - 2] = ts_query_string_value_for_id(tq, st[i].value_id,
								       &p->strs_len[i - 2]);
		}
		return 0;
	}
	if (n != 3)
		return fb_error_set(err, FB_EINVAL, "predicate '#%s' takes exactly two arguments", name);
	if (st[2].type == TSQueryPredicateStepTypeCapture) {
		if (p->op == P_MATCH || p->op == P_NOT_MATCH)
			return fb_error_set(err, FB_EINVAL, "'#%s' needs a regex string, not a capture",
					    name);
		p->other_is_capture = true;
		p->other_capture = st[2].value_id;
		return 0;
	}
	p->str = ts_query_string_value_for_id(tq, st[2].value_id, &p->str_len);
	if (p->op == P_MATCH || p->op == P_NOT_MATCH)
		return fb_regex_compile(&p->re, p->str, err);
	return 0;
}

static int compile_predicates(struct query_rule *q, struct fb_error *err)
{
	uint32_t pi, nsteps, i, start;
	int rc;

	q->npatterns = ts_query_pattern_count(q->query);
	q->patterns = calloc(q->npatterns ? q->npatterns : 1, sizeof(*q->patterns));
	if (q->patterns == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (pi = 0; pi < q->npatterns; pi++) {
		const TSQueryPredicateStep *st = ts_query_predicates_for_pattern(q->query, pi, &nsteps);
		struct pattern_preds *pp = &q->patterns[pi];
		size_t count = 0;

		for (i = 0; i < nsteps; i++)
			count += st[i].type == TSQueryPredicateStepTypeDone;
		if (count == 0)
			continue;
		pp->v = calloc(count, sizeof(*pp->v));
		if (pp->v == NULL)
			return fb_error_set(err, FB_ENOMEM, "out of memory");
		for (i = 0, start = 0; i < nsteps; i++) {
			if (st[i].type != TSQueryPredicateStepTypeDone)
				continue;
			rc = build_pred(&pp->v[pp->n], q->query, st + start, i - start, err);
			pp->n++;
			if (rc < 0)
				return rc;
			start = i + 1;
		}
	}
	return 0;
}

static int add_literal(struct query_rule *q, const char *s, uint32_t len)
{
	char **p;

	if (len == 0)
		return 1; /* an empty literal filters nothing */
	p = realloc(q->literals, (q->nliterals + 1) * sizeof(*p));
	if (p == NULL)
		return FB_ENOMEM;
	q->literals = p;
	if ((p[q->nliterals] = strndup(s, len)) == NULL)
		return FB_ENOMEM;
	q->nliterals++;
	return 0;
}

/* The literals a pattern's match must contain: from its first #eq?,
 * #any-of? or #match? on a capture that is always present (a predicate on
 * an optional capture holds vacuously).  Returns 1 if the pattern has none. */
static int pattern_literals(struct query_rule *q, uint32_t pi, const struct pattern_preds *pp)
{
	size_t i, j;
	int rc;

	for (i = 0; i < pp->n; i++) {
		const struct pred *p = &pp->v[i];
		TSQuantifier qf = ts_query_capture_quantifier_for_id(q->query, pi, p->capture);

		if (qf != TSQuantifierOne && qf != TSQuantifierOneOrMore)
			continue;
		if (p->op == P_EQ && !p->other_is_capture)
			return add_literal(q, p->str, p->str_len);
		if (p->op == P_ANY_OF) {
			for (j = 0; j < p->nstrs; j++)
				if ((rc = add_literal(q, p->strs[j], p->strs_len[j])) != 0)
					return rc;
			return 0;
		}
		if (p->op == P_MATCH) {
			char **v = NULL;
			size_t n = 0;

			if (regex_literals(&v, &n, fb_regex_pattern(p->re)) < 0)
				return FB_ENOMEM;
			for (j = 0, rc = 0; j < n && rc == 0; j++)
				rc = add_literal(q, v[j], (uint32_t)strlen(v[j]));
			literals_free(v, n);
			if (n)
				return rc;
		}
	}
	return 1;
}

static void compute_literals(struct query_rule *q)
{
	uint32_t pi;
	size_t i;

	for (pi = 0; pi < q->npatterns; pi++) {
		if (pattern_literals(q, pi, &q->patterns[pi]) != 0) {
			/* One pattern can match without a literal: no prefilter. */
			for (i = 0; i < q->nliterals; i++)
				free(q->literals[i]);
			q->nliterals = 0;
			return;
		}
	}
}

int query_rule_compile(struct query_rule **out, const struct lang *lang, const struct ynode *node,
		       const char *file, struct fb_error *err)
{
	struct query_rule *q = NULL;
	uint32_t erroff = 0, i, n, len;
	TSQueryError etype = TSQueryErrorNone;
	int rc = FB_EINVAL, line, col;

	*out = NULL;
	if (!ynode_is_scalar(node) || node->len == 0)
		return fb_error_set(err, FB_EINVAL, "%s:%d:%d: 'query' must be a non-empty string",
				    file, node->line, node->col);
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	q->query = ts_query_new(lang->grammar(), node->str, (uint32_t)node->len, &erroff, &etype);
	if (q->query == NULL) {
		char near[24];
		size_t k;

		query_position(node, erroff, &line, &col);
		for (k = 0; k < sizeof(near) - 1 && node->str[erroff + k] &&
			    node->str[erroff + k] != '\n'; k++)
			near[k] = node->str[erroff + k];
		near[k] = '\0';
		fb_error_set(err, FB_EINVAL, "%s:%d:%d: query error: %s at '%s'", file, line, col,
			     (unsigned)etype < sizeof(error_names) / sizeof(error_names[0])
				     ? error_names[etype] : "error", near);
		goto out;
	}
	if ((rc = compile_predicates(q, err)) < 0) {
		fb_error_prefix(err, "%s:%d:%d: ", file, node->line, node->col);
		goto out;
	}
	q->match_capture = UINT32_MAX;
	n = ts_query_capture_count(q->query);
	for (i = 0; i < n; i++)
		if (strcmp(ts_query_capture_name_for_id(q->query, i, &len), "match") == 0)
			q->match_capture = i;
	compute_literals(q);
	*out = q;
	q = NULL;
	rc = 0;
out:
	query_rule_free(q);
	return rc;
}

static bool text_eq(const char *src, TSNode n, const char *s, uint32_t len)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);

	return b - a == len && memcmp(src + a, s, len) == 0;
}

/* Does node `n` (capture p->capture) satisfy predicate p in match m? */
static bool pred_holds_for(const struct pred *p, const TSQueryMatch *m, TSNode n, const char *src)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
	bool r = false;
	uint16_t i;
	size_t j;

	switch (p->op) {
	case P_EQ:
	case P_NOT_EQ:
		if (p->other_is_capture) {
			r = true;
			for (i = 0; i < m->capture_count; i++) {
				TSNode o = m->captures[i].node;
				if (m->captures[i].index == p->other_capture &&
				    !text_eq(src, n, src + ts_node_start_byte(o),
					     ts_node_end_byte(o) - ts_node_start_byte(o)))
					r = false;
			}
		} else {
			r = text_eq(src, n, p->str, p->str_len);
		}
		return p->op == P_EQ ? r : !r;
	case P_MATCH:
	case P_NOT_MATCH:
		r = fb_regex_search(p->re, src + a, b - a);
		return p->op == P_MATCH ? r : !r;
	case P_ANY_OF:
	case P_NOT_ANY_OF:
		for (j = 0; j < p->nstrs && !r; j++)
			r = text_eq(src, n, p->strs[j], p->strs_len[j]);
		return p->op == P_ANY_OF ? r : !r;
	}
	return false;
}

static bool match_accepted(const struct query_rule *q, const TSQueryMatch *m, const char *src)
{
	const struct pattern_preds *pp = &q->patterns[m->pattern_index];
	size_t i;
	uint16_t c;

	for (i = 0; i < pp->n; i++)
		for (c = 0; c < m->capture_count; c++)
			if (m->captures[c].index == pp->v[i].capture &&
			    !pred_holds_for(&pp->v[i], m, m->captures[c].node, src))
				return false;
	return true;
}

static int bind_captures(const struct query_rule *q, const TSQueryMatch *m, struct env *env,
			 TSNode *reported)
{
	uint32_t widest = 0, len;
	uint16_t c;
	int rc;

	env_clear(env);
	*reported = m->captures[0].node;
	for (c = 0; c < m->capture_count; c++) {
		TSNode n = m->captures[c].node;
		uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
		const char *name = ts_query_capture_name_for_id(q->query, m->captures[c].index, &len);

		if ((rc = env_bind(env, name, len, n, a, b, false)) < 0)
			return rc;
		if (q->match_capture == m->captures[c].index) {
			*reported = n;
			widest = UINT32_MAX;
		} else if (q->match_capture == UINT32_MAX && b - a > widest) {
			*reported = n;
			widest = b - a;
		}
	}
	return 0;
}

int query_rule_scan(const struct query_rule *q, TSQueryCursor *cursor, TSNode root,
		    const char *src, size_t len, struct env *env, query_match_cb cb, void *payload)
{
	TSQueryMatch m;
	TSNode reported;
	int rc = 0;

	(void)len;
	ts_query_cursor_set_match_limit(cursor, QUERY_MATCH_LIMIT);
	ts_query_cursor_exec(cursor, q->query, root);
	while (ts_query_cursor_next_match(cursor, &m)) {
		if (m.capture_count == 0 || !match_accepted(q, &m, src))
			continue;
		if ((rc = bind_captures(q, &m, env, &reported)) < 0)
			return rc;
		if ((rc = cb(reported, env, payload)) != 0)
			return rc;
	}
	if (ts_query_cursor_did_exceed_match_limit(cursor))
		return FB_ELIMIT;
	return 0;
}

size_t query_rule_literals(const struct query_rule *q, const char *const **out)
{
	*out = (const char *const *)q->literals;
	return q->nliterals;
}
