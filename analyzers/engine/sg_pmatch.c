/*
 * sg_pmatch.c - match a compiled pattern against a tree-sitter node with
 * ast-grep's default "smart" strictness.
 *
 * The rules, as ast-grep applies them:
 *  - a terminal goal matches a candidate of the same kind (a goal of kind
 *    ERROR matches any kind); a named terminal must also have the same text;
 *  - on a mismatch, a candidate that is unnamed or an extra (comment) is
 *    skipped, anything else fails; goals are never skipped;
 *  - a metavariable goal skips extras; $A needs a named node, $$A any node;
 *    a repeated name must bind a node that matches the first exactly;
 *  - `$$$` takes candidates until the next goal (after skipping unnamed
 *    terminal goals) matches the next candidate — greedy-first, with no
 *    backtracking; the skipped unnamed goals' count is dropped from the end
 *    of what `$$$NAME` captures;
 *  - once every goal is matched, trailing candidates are ignored.
 * The root goal, when a metavariable, binds the candidate even if it is an
 * extra.  Nothing here allocates except env growth.
 */
#include "sg_internal.h"

#include <string.h>

/* Up to this many children we index with ts_node_child() (O(i) each, no
 * allocation); beyond it a TSTreeCursor walks them in O(1) per step. */
#define KIT_SMALL 12

struct kit {
	TSNode parent;
	TSNode node;  /* current candidate, valid when `has` */
	uint32_t i, n;
	bool has;
	bool cursor;
	TSTreeCursor cur;
};

static void kit_init(struct kit *k, TSNode parent)
{
	k->parent = parent;
	k->n = ts_node_child_count(parent);
	k->i = 0;
	k->has = k->n > 0;
	k->cursor = k->n > KIT_SMALL;
	if (!k->has)
		return;
	if (k->cursor) {
		k->cur = ts_tree_cursor_new(parent);
		ts_tree_cursor_goto_first_child(&k->cur);
		k->node = ts_tree_cursor_current_node(&k->cur);
	} else {
		k->node = ts_node_child(parent, 0);
	}
}

static void kit_next(struct kit *k)
{
	if (++k->i >= k->n) {
		k->has = false;
		return;
	}
	if (k->cursor) {
		ts_tree_cursor_goto_next_sibling(&k->cur);
		k->node = ts_tree_cursor_current_node(&k->cur);
	} else {
		k->node = ts_node_child(k->parent, k->i);
	}
}

static void kit_release(struct kit *k)
{
	if (k->cursor && k->n > 0)
		ts_tree_cursor_delete(&k->cur);
}

enum mres { M_MATCH, M_SKIP, M_NO };
enum flow { F_FAIL, F_OK, F_CONTINUE, F_FALL };

struct pm {
	struct sg_mctx *m;
	const struct sg_pattern *p;
};

static bool match_children(struct pm *pm, const struct sg_pnode *g, TSNode cand);

static bool match_mv(struct pm *pm, const struct sg_pnode *g, TSNode cand)
{
	const char *name = pm->p->pool + g->str;

	switch (g->mv) {
	case MV_CAPTURE:
		if (g->named && !ts_node_is_named(cand))
			return false;
		return sg_bind_single(pm->m, name, g->len, cand);
	case MV_DROPPED:
		return !g->named || ts_node_is_named(cand);
	case MV_MULTICAPTURE:
		return sg_bind_multi(pm->m, name, g->len, cand, cand, 1, ts_node_start_byte(cand));
	default:
		return true;
	}
}

static bool text_eq(struct pm *pm, const struct sg_pnode *g, TSNode cand)
{
	uint32_t s = ts_node_start_byte(cand), e = ts_node_end_byte(cand);

	return e - s == g->len && memcmp(pm->m->src + s, pm->p->pool + g->str, g->len) == 0;
}

static enum mres match_one(struct pm *pm, const struct sg_pnode *g, TSNode cand)
{
	TSSymbol cs;

	if (g->type == PN_MV) {
		if (ts_node_is_extra(cand))
			return M_SKIP;
		return match_mv(pm, g, cand) ? M_MATCH : M_NO;
	}
	cs = ts_node_symbol(cand);
	if (g->type == PN_INTERNAL) {
		if (g->sym != cs && g->sym != SG_SYM_ERROR)
			return M_NO;
		return match_children(pm, g, cand) ? M_MATCH : M_NO;
	}
	if ((g->sym == cs || g->sym == SG_SYM_ERROR) && (!g->named || text_eq(pm, g, cand)))
		return M_MATCH;
	if (ts_node_is_extra(cand) || !ts_node_is_named(cand))
		return M_SKIP;
	return M_NO;
}

static bool is_ellipsis(const struct sg_pnode *g)
{
	return g->type == PN_MV && (g->mv == MV_MULTI || g->mv == MV_MULTICAPTURE);
}

/* The candidates an ellipsis has taken: consecutive siblings, of which the
 * last few are remembered so the ones dropped at the end are cheap. */
#define ELL_HIST 8

struct ell {
	TSNode first;
	TSNode hist[ELL_HIST];
	uint32_t count;
	uint32_t at; /* byte position, for an empty capture */
};

static void ell_push(struct ell *e, TSNode n)
{
	if (e->count == 0)
		e->first = n;
	e->hist[e->count % ELL_HIST] = n;
	e->count++;
}

static TSNode ell_nth(const struct ell *e, uint32_t i)
{
	TSNode n = e->first;

	if (e->count - i <= ELL_HIST)
		return e->hist[i % ELL_HIST];
	while (i-- > 0)
		n = ts_node_next_sibling(n);
	return n;
}

/* Bind what `$$$` took, minus the last `skipped` candidates (as many as the
 * unnamed goals stepped over after it). */
static bool bind_ellipsis(struct pm *pm, const struct sg_pnode *g, const struct ell *e,
			  uint32_t skipped)
{
	uint32_t count = e->count > skipped ? e->count - skipped : 0;
	TSNode none = { 0 };

	if (g->mv != MV_MULTICAPTURE)
		return true;
	return sg_bind_multi(pm->m, pm->p->pool + g->str, g->len, count ? e->first : none,
			     count ? ell_nth(e, count - 1) : none, count, e->at);
}

struct gcur {
	const struct sg_pnode *g, *end;
};

static uint32_t kit_pos(const struct kit *k)
{
	return k->has ? ts_node_start_byte(k->node) : ts_node_end_byte(k->parent);
}

/* Take every remaining candidate into the ellipsis. */
static enum flow ellipsis_rest(struct pm *pm, const struct sg_pnode *g, struct kit *k,
			       struct ell *e, uint32_t skipped)
{
	for (; k->has; kit_next(k))
		ell_push(e, k->node);
	return bind_ellipsis(pm, g, e, skipped) ? F_OK : F_FAIL;
}

static enum flow may_match_ellipsis(struct pm *pm, struct gcur *gc, struct kit *k)
{
	const struct sg_pnode *g = gc->g;
	struct ell e;
	uint32_t skipped = 0;

	if (gc->g == gc->end)
		return F_OK;
	if (!is_ellipsis(g))
		return F_FALL;
	e.count = 0;
	e.at = kit_pos(k);
	gc->g++;
	if (gc->g == gc->end)
		return ellipsis_rest(pm, g, k, &e, 0);
	while (gc->g->type == PN_TERM && !gc->g->named) {
		gc->g++;
		skipped++;
		if (gc->g == gc->end)
			return ellipsis_rest(pm, g, k, &e, skipped);
	}
	if (is_ellipsis(gc->g)) {
		ell_push(&e, k->node);
		kit_next(k);
		if (!k->has)
			return F_FAIL;
		return bind_ellipsis(pm, g, &e, skipped) ? F_CONTINUE : F_FAIL;
	}
	for (;;) {
		size_t save = pm->m->env->n;
		enum mres r = match_one(pm, gc->g, k->node);
		env_truncate(pm->m->env, save);
		if (r == M_MATCH)
			return bind_ellipsis(pm, g, &e, skipped) ? F_FALL : F_FAIL;
		ell_push(&e, k->node);
		kit_next(k);
		if (!k->has)
			return F_FAIL;
	}
}

static enum flow match_single(struct pm *pm, struct gcur *gc, struct kit *k)
{
	for (;;) {
		if (!k->has) {
			/* candidates ran out: only ellipses may remain */
			while (gc->g != gc->end && is_ellipsis(gc->g))
				gc->g++;
			return gc->g == gc->end ? F_FALL : F_FAIL;
		}
		switch (match_one(pm, gc->g, k->node)) {
		case M_MATCH:
			return F_FALL;
		case M_SKIP:
			kit_next(k);
			break;
		default:
			return F_FAIL;
		}
	}
}

static enum flow children_step(struct pm *pm, struct gcur *gc, struct kit *k)
{
	enum flow f = may_match_ellipsis(pm, gc, k);

	if (f != F_FALL)
		return f;
	f = match_single(pm, gc, k);
	if (f != F_FALL)
		return f;
	if (gc->g != gc->end) {
		gc->g++;
		kit_next(k);
	}
	if (gc->g == gc->end)
		return F_OK; /* smart strictness ignores trailing candidates */
	return k->has ? F_CONTINUE : F_FAIL;
}

static bool match_children(struct pm *pm, const struct sg_pnode *g, TSNode cand)
{
	struct gcur gc = { pm->p->nodes + g->first, pm->p->nodes + g->first + g->n };
	struct kit k;
	enum flow f;

	kit_init(&k, cand);
	if (!k.has)
		return false;
	do
		f = children_step(pm, &gc, &k);
	while (f == F_CONTINUE);
	kit_release(&k);
	return f == F_OK;
}

bool sg_pattern_match(struct sg_mctx *m, const struct sg_pattern *p, TSNode node)
{
	struct pm pm = { m, p };
	const struct sg_pnode *root = &p->nodes[0];
	size_t save = m->env->n;
	bool ok;

	if (p->has_root_kind && ts_node_symbol(node) != p->root_kind)
		return false;
	if (root->type == PN_MV)
		ok = match_mv(&pm, root, node);
	else
		ok = match_one(&pm, root, node) == M_MATCH;
	if (!ok)
		env_truncate(m->env, save);
	return ok;
}
