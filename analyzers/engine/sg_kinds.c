/*
 * sg_kinds.c - the prefilters of a compiled rule: which node kinds it can
 * match (ast-grep's potential_kinds) and which literal strings a file must
 * contain for it to match.
 *
 * Kinds: a pattern can match its root's kind (a metavariable root: any kind,
 * unless a context selected it; an ERROR root: any); `kind` its kind;
 * `all` the intersection of the children that are limited; `any` the union
 * (any kind if one child is unlimited); `matches` its util's kinds; regex,
 * not and the relational operators any kind.  The ALL/ANY nodes keep their
 * set to reject a node before trying their children, as ast-grep does.
 *
 * Literals: a pattern contributes its longest identifier-like terminal, a
 * plain regex itself; `any` needs all its children to have some (union);
 * `all` takes its most selective child; relational operators their
 * sub-rule's (the related node lies in the same file); not and kind none.
 */
#include "sg.h"
#include "sg_internal.h"

#include <stdlib.h>
#include <string.h>

void sg_kinds_release(struct sg_kinds *k)
{
	free(k->bits);
	k->bits = NULL;
	k->any = true;
	k->error = false;
}

static int kinds_one(struct sg_kinds *k, uint32_t nsym, TSSymbol s)
{
	k->any = false;
	k->bits = calloc(nsym, sizeof(bool));
	if (k->bits == NULL)
		return FB_ENOMEM;
	if (s == SG_SYM_ERROR)
		k->error = true;
	else if (s < nsym)
		k->bits[s] = true;
	return 0;
}

static int kinds_of(const struct sg_rule *r, const struct sg_node *n, struct sg_kinds *out);

static int kinds_pattern(const struct sg_rule *r, const struct sg_pattern *p,
			 struct sg_kinds *out)
{
	const struct sg_pnode *root = &p->nodes[0];

	if (root->type == PN_MV)
		return p->has_root_kind ? kinds_one(out, r->nsym, p->root_kind) : 0;
	if (root->type == PN_INTERNAL && root->sym == SG_SYM_ERROR)
		return 0;
	return kinds_one(out, r->nsym, root->sym);
}

/* all: intersect the limited children; any: union, unlimited if one is. */
static int kinds_combine(const struct sg_rule *r, const struct sg_node *n, struct sg_kinds *out)
{
	bool is_all = n->op == SG_ALL;
	size_t i;
	uint32_t s;

	if (!is_all && (out->bits = calloc(r->nsym, sizeof(bool))) == NULL)
		return FB_ENOMEM;
	out->any = is_all;
	for (i = 0; i < n->nkids; i++) {
		struct sg_kinds k = { true, false, NULL };
		if (kinds_of(r, n->kids[i], &k) < 0)
			return FB_ENOMEM;
		if (k.any) {
			if (!is_all) {
				sg_kinds_release(out);
				return 0;
			}
			continue;
		}
		if (is_all && out->any) {
			*out = k;
			continue;
		}
		for (s = 0; s < r->nsym; s++)
			out->bits[s] = is_all ? out->bits[s] && k.bits[s] : out->bits[s] || k.bits[s];
		out->error = is_all ? out->error && k.error : out->error || k.error;
		sg_kinds_release(&k);
	}
	return 0;
}

static int kinds_of(const struct sg_rule *r, const struct sg_node *n, struct sg_kinds *out)
{
	out->any = true;
	out->error = false;
	out->bits = NULL;
	switch (n->op) {
	case SG_PATTERN:
		return kinds_pattern(r, n->pat, out);
	case SG_KIND:
		out->any = false;
		out->error = n->kind_error;
		out->bits = malloc(r->nsym * sizeof(bool));
		if (out->bits == NULL)
			return FB_ENOMEM;
		memcpy(out->bits, n->kind_bits, r->nsym * sizeof(bool));
		return 0;
	case SG_ALL:
	case SG_ANY:
		return kinds_combine(r, n, out);
	case SG_MATCHES:
		return kinds_of(r, r->utils[n->util].node, out);
	default:
		return 0;
	}
}

/* Give every ALL/ANY node in the tree its prefilter set. */
static int fill_kinds(const struct sg_rule *r, struct sg_node *n)
{
	size_t i;

	if (n == NULL)
		return 0;
	for (i = 0; i < n->nkids; i++)
		if (fill_kinds(r, n->kids[i]) < 0)
			return FB_ENOMEM;
	if (fill_kinds(r, n->stop_rule) < 0)
		return FB_ENOMEM;
	if (n->op == SG_ALL || n->op == SG_ANY) {
		sg_kinds_release(&n->kinds);
		return kinds_of(r, n, &n->kinds);
	}
	return 0;
}

int sg_compute_kinds(struct sg_rule *r, struct fb_error *err, const char *file)
{
	size_t i;

	for (i = 0; i < r->nutils; i++)
		if (fill_kinds(r, r->utils[i].node) < 0)
			goto nomem;
	for (i = 0; i < r->ncons; i++)
		if (fill_kinds(r, r->cons[i].node) < 0)
			goto nomem;
	if (fill_kinds(r, r->root) < 0 || kinds_of(r, r->root, &r->kinds) < 0)
		goto nomem;
	return 0;
nomem:
	return fb_error_set(err, FB_ENOMEM, "%s: out of memory computing rule kinds", file);
}

bool sg_rule_kinds(const struct sg_rule *r, const bool **out)
{
	if (r->kinds.any || r->kinds.error)
		return false;
	*out = r->kinds.bits;
	return true;
}

/* --- literals --- */

struct lits {
	char **v;
	size_t n;
	bool none; /* no usable prefilter */
};

static void lits_release(struct lits *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int lits_add(struct lits *l, const char *s, size_t len)
{
	char **v;
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && memcmp(l->v[i], s, len) == 0)
			return 0;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL)
		return FB_ENOMEM;
	l->v = v;
	if ((v[l->n] = strndup(s, len)) == NULL)
		return FB_ENOMEM;
	l->n++;
	return 0;
}

static size_t lits_min_len(const struct lits *l)
{
	size_t i, m = (size_t)-1;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) < m)
			m = strlen(l->v[i]);
	return m;
}

/* Is `a` a more selective prefilter than `b`? */
static bool lits_better(const struct lits *a, const struct lits *b)
{
	if (a->none)
		return false;
	if (b->none)
		return true;
	if (a->n != b->n)
		return a->n < b->n;
	return lits_min_len(a) > lits_min_len(b);
}

static int lits_of(const struct sg_rule *r, const struct sg_node *n, unsigned char *busy,
		   struct lits *out);

static int lits_combine(const struct sg_rule *r, const struct sg_node *n, unsigned char *busy,
			struct lits *out)
{
	size_t i, j;

	out->none = n->op == SG_ALL || n->nkids == 0;
	for (i = 0; i < n->nkids; i++) {
		struct lits k = { NULL, 0, true };
		if (lits_of(r, n->kids[i], busy, &k) < 0)
			return FB_ENOMEM;
		if (n->op == SG_ALL) {
			if (lits_better(&k, out)) {
				lits_release(out);
				*out = k;
				continue;
			}
		} else if (k.none) {
			lits_release(out);
			out->none = true;
			return 0;
		} else {
			for (j = 0; j < k.n; j++)
				if (lits_add(out, k.v[j], strlen(k.v[j])) < 0) {
					lits_release(&k);
					return FB_ENOMEM;
				}
		}
		lits_release(&k);
	}
	return 0;
}

/* `busy[i]` is set while util i is being walked: a util may refer to itself
 * through a relational rule, and that reference contributes no literal. */
static int lits_of(const struct sg_rule *r, const struct sg_node *n, unsigned char *busy,
		   struct lits *out)
{
	const char *s;
	size_t len, i;
	int rc;

	out->none = true;
	switch (n->op) {
	case SG_PATTERN:
		s = sg_pattern_literal(n->pat, &len);
		out->none = s == NULL;
		return s ? lits_add(out, s, len) : 0;
	case SG_KIND:
		out->none = n->keyword == NULL;
		return n->keyword ? lits_add(out, n->keyword, strlen(n->keyword)) : 0;
	case SG_REGEX:
		out->none = n->nliterals == 0;
		for (i = 0; i < n->nliterals; i++)
			if (lits_add(out, n->literals[i], strlen(n->literals[i])) < 0)
				return FB_ENOMEM;
		return 0;
	case SG_ALL:
	case SG_ANY:
		return lits_combine(r, n, busy, out);
	case SG_MATCHES:
		if (busy[n->util])
			return 0;
		busy[n->util] = 1;
		rc = lits_of(r, r->utils[n->util].node, busy, out);
		busy[n->util] = 0;
		return rc;
	case SG_INSIDE:
	case SG_HAS:
	case SG_FOLLOWS:
	case SG_PRECEDES:
		return lits_of(r, n->kids[0], busy, out);
	default:
		return 0;
	}
}

/* Does every match of `n` bind the single metavariable `name`?  Only then
 * may a constraint on it feed the prefilter: ast-grep skips constraints on
 * unbound names. */
static bool always_binds(const struct sg_rule *r, const struct sg_node *n, const char *name,
			 unsigned char *busy)
{
	size_t i;
	bool all;

	switch (n->op) {
	case SG_PATTERN:
		return sg_pattern_binds(n->pat, name);
	case SG_ALL:
		for (i = 0; i < n->nkids; i++)
			if (always_binds(r, n->kids[i], name, busy))
				return true;
		return false;
	case SG_ANY:
		all = n->nkids > 0;
		for (i = 0; i < n->nkids && all; i++)
			all = always_binds(r, n->kids[i], name, busy);
		return all;
	case SG_INSIDE:
	case SG_HAS:
	case SG_FOLLOWS:
	case SG_PRECEDES:
		return always_binds(r, n->kids[0], name, busy);
	case SG_MATCHES:
		if (busy[n->util])
			return false;
		busy[n->util] = 1;
		all = always_binds(r, r->utils[n->util].node, name, busy);
		busy[n->util] = 0;
		return all;
	default:
		return false;
	}
}

/* The root's literals, or a constraint's when that is more selective. */
static int rule_lits(const struct sg_rule *r, unsigned char *busy, struct lits *out)
{
	size_t i;

	if (lits_of(r, r->root, busy, out) < 0)
		return FB_ENOMEM;
	for (i = 0; i < r->ncons; i++) {
		struct lits k = { NULL, 0, true };

		if (!always_binds(r, r->root, r->cons[i].name, busy))
			continue;
		if (lits_of(r, r->cons[i].node, busy, &k) < 0)
			return FB_ENOMEM;
		if (lits_better(&k, out)) {
			lits_release(out);
			*out = k;
		} else {
			lits_release(&k);
		}
	}
	return 0;
}

int sg_compute_literals(struct sg_rule *r)
{
	struct lits l = { NULL, 0, true };
	unsigned char *busy = calloc(r->nutils + 1, 1);
	int rc;

	if (busy == NULL)
		return FB_ENOMEM;
	rc = rule_lits(r, busy, &l);
	free(busy);
	if (rc < 0) {
		lits_release(&l);
		return FB_ENOMEM;
	}
	if (l.none)
		lits_release(&l);
	r->lits = l.v;
	r->nlits = l.n;
	return 0;
}

size_t sg_rule_literals(const struct sg_rule *r, const char *const **out)
{
	*out = (const char *const *)r->lits;
	return r->nlits;
}
