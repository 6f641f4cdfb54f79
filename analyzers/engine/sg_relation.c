/*
 * sg_relation.c - the relational operators inside, has, follows, precedes.
 *
 * As in ast-grep, the candidates are visited nearest first and the first one
 * the sub-rule matches wins (its bindings are kept):
 *   inside   ancestors, parent first, up to the root;
 *   has      children, or (stopBy: end) all descendants in pre-order;
 *   follows  previous siblings, nearest first;
 *   precedes next siblings, nearest first;
 * counting every node, named or not.  stopBy: neighbor looks at the first
 * candidate only; end at all of them; a rule stops after the first
 * candidate that matches the stop rule (that one is still tried), and for
 * `has` does not descend into such a node.  The stop rule is matched
 * without the current bindings (ast-grep uses a fresh env).  `field`
 * (inside/has) requires the step into the parent to go through that field.
 *
 * tree-sitter 0.20's ts_node_parent() walks down from the root, so the
 * ancestor chain is built in one descent from the root with a cursor.
 */
#include "sg_internal.h"

#include <stdlib.h>
#include <string.h>

#define ANC_MAX 256
#define SIB_STACK 64

bool sg_relation_match(struct sg_mctx *m, const struct sg_node *n, TSNode node);

/* Does `n` match the stop rule, evaluated with a fresh env? */
static bool stop_hit(struct sg_mctx *m, const struct sg_node *rel, TSNode n)
{
	struct env fresh;
	struct sg_mctx fm = { m->r, m->src, &fresh, false };
	bool hit;

	if (rel->stop != SG_STOP_RULE)
		return false;
	env_init(&fresh);
	hit = sg_node_match(&fm, rel->stop_rule, n);
	if (fm.oom)
		m->oom = true;
	env_release(&fresh);
	return hit;
}

/* Ancestors of `node`, parent first, into buf; -1 if they do not fit or the
 * descent cannot place the node (zero-width nodes): use ts_node_parent. */
static long ancestors(TSNode node, TSNode *buf)
{
	TSNode root = ts_tree_root_node(node.tree), t;
	uint32_t start = ts_node_start_byte(node), end = ts_node_end_byte(node);
	TSTreeCursor cur;
	long n = 0, i;

	if (ts_node_eq(root, node))
		return 0;
	if (start == end)
		return -1;
	cur = ts_tree_cursor_new(root);
	buf[n++] = root;
	for (;;) {
		TSNode c;
		if (ts_tree_cursor_goto_first_child_for_byte(&cur, start) < 0)
			break;
		c = ts_tree_cursor_current_node(&cur);
		if (ts_node_eq(c, node)) {
			ts_tree_cursor_delete(&cur);
			for (i = 0; i < n / 2; i++) {
				t = buf[i];
				buf[i] = buf[n - 1 - i];
				buf[n - 1 - i] = t;
			}
			return n;
		}
		if (ts_node_start_byte(c) > start || ts_node_end_byte(c) < end || n == ANC_MAX)
			break;
		buf[n++] = c;
	}
	ts_tree_cursor_delete(&cur);
	return -1;
}

struct anc {
	TSNode buf[ANC_MAX];
	long n, i;     /* n < 0: walk with ts_node_parent */
	TSNode cur;
};

static void anc_init(struct anc *a, TSNode node)
{
	a->n = ancestors(node, a->buf);
	a->i = 0;
	a->cur = node;
}

static bool anc_next(struct anc *a, TSNode *out)
{
	if (a->n >= 0) {
		if (a->i >= a->n)
			return false;
		*out = a->buf[a->i++];
		return true;
	}
	a->cur = ts_node_parent(a->cur);
	*out = a->cur;
	return !ts_node_is_null(a->cur);
}

/* Try the sub-rule on one candidate of inside; `prev` is the node the walk
 * came from (for `field`). */
static bool inside_try(struct sg_mctx *m, const struct sg_node *rel, TSNode cand, TSNode prev)
{
	if (rel->field) {
		TSNode f = ts_node_child_by_field_id(cand, rel->field);
		if (ts_node_is_null(f) || !ts_node_eq(f, prev))
			return false;
	}
	return sg_node_match(m, rel->kids[0], cand);
}

static bool match_inside(struct sg_mctx *m, const struct sg_node *rel, TSNode node)
{
	struct anc a;
	TSNode cand, prev = node;
	bool found = false;

	if (rel->stop == SG_STOP_NEIGHBOR) {
		cand = ts_node_parent(node);
		return !ts_node_is_null(cand) && inside_try(m, rel, cand, node);
	}
	anc_init(&a, node);
	while (!found && anc_next(&a, &cand)) {
		bool stop = stop_hit(m, rel, cand);
		found = inside_try(m, rel, cand, prev);
		prev = cand;
		if (stop)
			break;
	}
	return found;
}

/* Pre-order over the subtree of `top`, `top` itself included or not. */
static bool has_dfs(struct sg_mctx *m, const struct sg_node *inner, TSNode top, bool self)
{
	TSTreeCursor cur;
	bool found = false;

	if (self && sg_node_match(m, inner, top))
		return true;
	cur = ts_tree_cursor_new(top);
	if (!ts_tree_cursor_goto_first_child(&cur))
		goto out;
	for (;;) {
		if (sg_node_match(m, inner, ts_tree_cursor_current_node(&cur))) {
			found = true;
			break;
		}
		if (ts_tree_cursor_goto_first_child(&cur))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&cur))
			if (!ts_tree_cursor_goto_parent(&cur) ||
			    ts_node_eq(ts_tree_cursor_current_node(&cur), top))
				goto out;
	}
out:
	ts_tree_cursor_delete(&cur);
	return found;
}

/* Children of `node` in order; with a stop rule, recurse into the ones
 * that do not stop (ast-grep's Has with StopBy::Rule). */
static bool has_children(struct sg_mctx *m, const struct sg_node *rel, TSNode node)
{
	uint32_t i, n = ts_node_child_count(node);
	TSTreeCursor cur;
	bool found = false;

	if (n == 0)
		return false;
	cur = ts_tree_cursor_new(node);
	ts_tree_cursor_goto_first_child(&cur);
	for (i = 0; i < n && !found; i++) {
		TSNode c = ts_tree_cursor_current_node(&cur);
		found = sg_node_match(m, rel->kids[0], c) ||
			(rel->stop == SG_STOP_RULE && !stop_hit(m, rel, c) &&
			 has_children(m, rel, c));
		ts_tree_cursor_goto_next_sibling(&cur);
	}
	ts_tree_cursor_delete(&cur);
	return found;
}

static bool match_has(struct sg_mctx *m, const struct sg_node *rel, TSNode node)
{
	TSNode f;

	if (rel->field == 0) {
		if (rel->stop == SG_STOP_END)
			return has_dfs(m, rel->kids[0], node, false);
		return has_children(m, rel, node);
	}
	f = ts_node_child_by_field_id(node, rel->field);
	if (ts_node_is_null(f))
		return false;
	switch (rel->stop) {
	case SG_STOP_NEIGHBOR:
		return sg_node_match(m, rel->kids[0], f);
	case SG_STOP_END:
		return has_dfs(m, rel->kids[0], f, true);
	default:
		/* ast-grep: the field node, then (unless it stops) its children */
		if (sg_node_match(m, rel->kids[0], f))
			return true;
		if (stop_hit(m, rel, f) || ts_node_child_count(f) == 0)
			return false;
		{
			struct sg_node flat = *rel;
			flat.stop = SG_STOP_NEIGHBOR;
			return has_children(m, &flat, f);
		}
	}
}

/* Visit one sibling candidate; returns 1 found, -1 stop, 0 go on. */
static int sib_try(struct sg_mctx *m, const struct sg_node *rel, TSNode c)
{
	bool stop = stop_hit(m, rel, c);

	if (sg_node_match(m, rel->kids[0], c))
		return 1;
	return stop ? -1 : 0;
}

static bool match_precedes(struct sg_mctx *m, const struct sg_node *rel, TSNode node)
{
	TSNode parent, c;
	TSTreeCursor cur;
	bool seen = false;
	int r = 0;

	if (rel->stop == SG_STOP_NEIGHBOR) {
		c = ts_node_next_sibling(node);
		return !ts_node_is_null(c) && sg_node_match(m, rel->kids[0], c);
	}
	parent = ts_node_parent(node);
	if (ts_node_is_null(parent))
		return false;
	cur = ts_tree_cursor_new(parent);
	if (ts_tree_cursor_goto_first_child(&cur)) {
		do {
			c = ts_tree_cursor_current_node(&cur);
			if (seen)
				r = sib_try(m, rel, c);
			else
				seen = ts_node_eq(c, node);
		} while (r == 0 && ts_tree_cursor_goto_next_sibling(&cur));
	}
	ts_tree_cursor_delete(&cur);
	return r == 1;
}

/* The siblings before `node`, in order, into *out (buf or heap). */
static long prev_siblings(TSNode parent, TSNode node, TSNode *buf, TSNode **out)
{
	TSTreeCursor cur = ts_tree_cursor_new(parent);
	TSNode *v = buf;
	long n = 0, cap = SIB_STACK;

	*out = buf;
	if (ts_tree_cursor_goto_first_child(&cur)) {
		do {
			TSNode c = ts_tree_cursor_current_node(&cur);
			if (ts_node_eq(c, node))
				break;
			if (n == cap) {
				TSNode *nv = malloc((size_t)cap * 2 * sizeof(*nv));
				if (nv == NULL) {
					n = -1;
					break;
				}
				memcpy(nv, v, (size_t)n * sizeof(*nv));
				if (v != buf)
					free(v);
				v = nv;
				cap *= 2;
			}
			v[n++] = c;
		} while (ts_tree_cursor_goto_next_sibling(&cur));
	}
	ts_tree_cursor_delete(&cur);
	*out = v;
	return n;
}

static bool match_follows(struct sg_mctx *m, const struct sg_node *rel, TSNode node)
{
	TSNode parent, c, buf[SIB_STACK], *v;
	long n;
	int r = 0;

	if (rel->stop == SG_STOP_NEIGHBOR) {
		c = ts_node_prev_sibling(node);
		return !ts_node_is_null(c) && sg_node_match(m, rel->kids[0], c);
	}
	parent = ts_node_parent(node);
	if (ts_node_is_null(parent))
		return false;
	n = prev_siblings(parent, node, buf, &v);
	if (n < 0)
		m->oom = true;
	while (r == 0 && n-- > 0)
		r = sib_try(m, rel, v[n]);
	if (v != buf)
		free(v);
	return r == 1;
}

bool sg_relation_match(struct sg_mctx *m, const struct sg_node *n, TSNode node)
{
	switch (n->op) {
	case SG_INSIDE:
		return match_inside(m, n, node);
	case SG_HAS:
		return match_has(m, n, node);
	case SG_FOLLOWS:
		return match_follows(m, n, node);
	case SG_PRECEDES:
		return match_precedes(m, n, node);
	default:
		return false;
	}
}
