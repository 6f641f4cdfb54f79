/*
 * sg_match.c - evaluate a compiled rule at a node: atomic and composite
 * operators, metavariable bindings, constraints, and sg_rule_match().
 *
 * Every operator is transactional, as in ast-grep (whose env is
 * copy-on-write): on failure the env is truncated back to where it was.
 * `all` keeps the bindings of every child, `any` those of the first child
 * that matches, `not` never keeps any.  Bindings are appended (see
 * sg_internal.h) and folded once the whole rule has matched.
 */
#include "sg_internal.h"

#include <stdlib.h>
#include <string.h>

const struct env_binding *sg_env_find(const struct env *e, const char *name, size_t len,
				      bool multi)
{
	size_t i = e->n;

	while (i-- > 0) {
		const struct env_binding *b = &e->b[i];
		if (b->multi == multi && strncmp(b->name, name, len) == 0 && b->name[len] == '\0')
			return b;
	}
	return NULL;
}

static bool env_append(struct sg_mctx *m, const char *name, size_t len, TSNode node,
		       uint32_t start, uint32_t end, bool multi)
{
	struct env *e = m->env;
	struct env_binding *b;

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		struct env_binding *p = realloc(e->b, cap * sizeof(*p));
		if (p == NULL) {
			m->oom = true;
			return false;
		}
		e->b = p;
		e->cap = cap;
	}
	b = &e->b[e->n++];
	if (len >= ENV_NAME_MAX)
		len = ENV_NAME_MAX - 1;
	memcpy(b->name, name, len);
	b->name[len] = '\0';
	b->node = node;
	b->start = start;
	b->end = end;
	b->multi = multi;
	return true;
}

/* ast-grep's does_node_match_exactly: same node; or, when either has no
 * named child, the same text; or the same kind and children, recursively. */
static bool same_node(const char *src, TSNode a, TSNode b)
{
	uint32_t i, n;

	if (ts_node_eq(a, b))
		return true;
	if (ts_node_named_child_count(a) == 0 || ts_node_named_child_count(b) == 0) {
		uint32_t as = ts_node_start_byte(a), al = ts_node_end_byte(a) - as;
		uint32_t bs = ts_node_start_byte(b), bl = ts_node_end_byte(b) - bs;
		return al == bl && memcmp(src + as, src + bs, al) == 0;
	}
	n = ts_node_child_count(a);
	if (ts_node_symbol(a) != ts_node_symbol(b) || n != ts_node_child_count(b))
		return false;
	for (i = 0; i < n; i++)
		if (!same_node(src, ts_node_child(a, i), ts_node_child(b, i)))
			return false;
	return true;
}

bool sg_bind_single(struct sg_mctx *m, const char *name, size_t len, TSNode node)
{
	const struct env_binding *old = sg_env_find(m->env, name, len, false);

	if (old && !same_node(m->src, old->node, node))
		return false;
	return env_append(m, name, len, node, ts_node_start_byte(node), ts_node_end_byte(node),
			  false);
}

/* A run of consecutive siblings: `left` nodes, or up to byte `end`. */
struct seq {
	TSNode n;
	uint32_t left, end;
	bool by_count, done;
};

static bool seq_named(struct seq *s, TSNode *out)
{
	while (!s->done) {
		TSNode cur = s->n;
		bool last = s->by_count ? --s->left == 0 : ts_node_end_byte(cur) >= s->end;
		if (!last) {
			s->n = ts_node_next_sibling(cur);
			last = ts_node_is_null(s->n);
		}
		s->done = last;
		if (ts_node_is_named(cur)) {
			*out = cur;
			return true;
		}
	}
	return false;
}

/* Compare the named nodes of an earlier sequence binding with a new one
 * (ast-grep compares multi captures by their named nodes only). */
static bool same_seq(const char *src, const struct env_binding *old, TSNode first, uint32_t count)
{
	struct seq a = { old->node, 0, old->end, false,
			 ts_node_is_null(old->node) || old->start == old->end };
	struct seq b = { first, count, 0, true, count == 0 };
	TSNode x, y;

	for (;;) {
		bool ha = seq_named(&a, &x), hb = seq_named(&b, &y);
		if (!ha || !hb)
			return ha == hb;
		if (!same_node(src, x, y))
			return false;
	}
}

bool sg_bind_multi(struct sg_mctx *m, const char *name, size_t len, TSNode first, TSNode last,
		   uint32_t count, uint32_t at)
{
	const struct env_binding *old = sg_env_find(m->env, name, len, true);
	TSNode none = { 0 };

	if (old && !same_seq(m->src, old, first, count))
		return false;
	if (count == 0)
		return env_append(m, name, len, none, at, at, true);
	return env_append(m, name, len, first, ts_node_start_byte(first), ts_node_end_byte(last),
			  true);
}

static bool match_regex(struct sg_mctx *m, const struct sg_node *n, TSNode node)
{
	uint32_t s = ts_node_start_byte(node), e = ts_node_end_byte(node);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (md == NULL) {
		m->oom = true;
		return false;
	}
	rc = pcre2_match(n->re, (PCRE2_SPTR)(m->src + s), e - s, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static bool kinds_allow(const struct sg_kinds *k, TSSymbol s)
{
	if (k->any)
		return true;
	if (s == SG_SYM_ERROR)
		return k->error;
	return k->bits[s];
}

static bool match_all(struct sg_mctx *m, const struct sg_node *n, TSNode node)
{
	size_t i, save = m->env->n;

	if (!kinds_allow(&n->kinds, ts_node_symbol(node)))
		return false;
	for (i = 0; i < n->nkids; i++) {
		if (!sg_node_match(m, n->kids[i], node)) {
			env_truncate(m->env, save);
			return false;
		}
	}
	return true;
}

static bool match_any(struct sg_mctx *m, const struct sg_node *n, TSNode node)
{
	size_t i, save = m->env->n;

	if (!kinds_allow(&n->kinds, ts_node_symbol(node)))
		return false;
	for (i = 0; i < n->nkids; i++) {
		if (sg_node_match(m, n->kids[i], node))
			return true;
		env_truncate(m->env, save);
	}
	return false;
}

bool sg_relation_match(struct sg_mctx *m, const struct sg_node *n, TSNode node);

bool sg_node_match(struct sg_mctx *m, const struct sg_node *n, TSNode node)
{
	size_t save;
	bool ok;

	switch (n->op) {
	case SG_PATTERN:
		return sg_pattern_match(m, n->pat, node);
	case SG_KIND: {
		TSSymbol s = ts_node_symbol(node);
		return s == SG_SYM_ERROR ? n->kind_error : n->kind_bits[s];
	}
	case SG_REGEX:
		return match_regex(m, n, node);
	case SG_ALL:
		return match_all(m, n, node);
	case SG_ANY:
		return match_any(m, n, node);
	case SG_NOT:
		save = m->env->n;
		ok = sg_node_match(m, n->kids[0], node);
		env_truncate(m->env, save);
		return !ok;
	case SG_MATCHES:
		return sg_node_match(m, m->r->utils[n->util].node, node);
	default:
		return sg_relation_match(m, n, node);
	}
}

/* Keep only the newest binding of each name (and arity); a sequence
 * binding's node is reset to the null node, as env.h documents. */
static void env_fold(struct env *e)
{
	size_t i, j, k = 0;

	for (i = 0; i < e->n; i++) {
		bool newer = false;
		for (j = i + 1; j < e->n && !newer; j++)
			newer = e->b[j].multi == e->b[i].multi &&
				strcmp(e->b[j].name, e->b[i].name) == 0;
		if (newer)
			continue;
		e->b[k] = e->b[i];
		if (e->b[k].multi)
			e->b[k].node = (TSNode){ 0 };
		k++;
	}
	e->n = k;
}

static bool check_constraints(struct sg_mctx *m)
{
	size_t i;

	for (i = 0; i < m->r->ncons; i++) {
		const struct sg_named *c = &m->r->cons[i];
		const struct env_binding *b = sg_env_find(m->env, c->name, strlen(c->name), false);
		if (b && !sg_node_match(m, c->node, b->node))
			return false;
	}
	return true;
}

bool sg_rule_match(const struct sg_rule *r, TSNode node, const char *src, struct env *env)
{
	struct sg_mctx m = { r, src, env, false };

	env_clear(env);
	if (!kinds_allow(&r->kinds, ts_node_symbol(node)))
		return false;
	if (!sg_node_match(&m, r->root, node) || !check_constraints(&m) || m.oom) {
		env_clear(env);
		return false;
	}
	env_fold(env);
	return true;
}
