/*
 * sg_pattern.c - compile an ast-grep pattern snippet into a flat node array.
 *
 * As ast-grep does: `$` metavariable sigils are first replaced by the
 * language's expando character (lang->expando) so the snippet parses; the
 * snippet is parsed with the rule's grammar; the pattern root is found by
 * descending from the tree root while a node has a single child (or a
 * second child that is MISSING or has an empty kind name), or, for
 * {context, selector}, as the first node in pre-order whose kind is the
 * selector.  Each node then becomes a metavariable (its whole text is
 * `$A`, `$$A`, `$$$A`, `$$$`, `$_`...), a terminal (no children: kind +
 * text), or an internal node (kind + children, MISSING children dropped).
 */
#include "sg_internal.h"

#include <stdlib.h>
#include <string.h>

/* convert() recurses once per tree level; a rule file is untrusted input and
 * `((((...))))` nests as deep as it is long, so bound the depth well inside
 * a thread's stack.  Real patterns are a few dozen levels deep. */
#define SG_PATTERN_DEPTH_MAX 1000

struct pbuild {
	struct sg_pattern *p;
	const char *src;       /* the pre-processed snippet */
	const char *expando;   /* "$" when the language has none */
	size_t elen;
	const char *limit;     /* which limit FB_ELIMIT means, for the message */
};

static int pool_add(struct sg_pattern *p, const char *s, size_t len, uint32_t *off)
{
	if (p->pool_len + len > p->pool_cap) {
		size_t cap = p->pool_cap ? p->pool_cap * 2 : 64;
		char *np;
		while (cap < p->pool_len + len)
			cap *= 2;
		np = realloc(p->pool, cap);
		if (np == NULL)
			return FB_ENOMEM;
		p->pool = np;
		p->pool_cap = cap;
	}
	if (len)
		memcpy(p->pool + p->pool_len, s, len);
	*off = (uint32_t)p->pool_len;
	p->pool_len += len;
	return 0;
}

/* Reserve `n` consecutive node slots; returns the first index or -1. */
static long nodes_reserve(struct sg_pattern *p, uint32_t n)
{
	uint32_t first = p->nnodes;

	if (p->nnodes + n > p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;
		struct sg_pnode *nn;
		while (cap < p->nnodes + n)
			cap *= 2;
		nn = realloc(p->nodes, cap * sizeof(*nn));
		if (nn == NULL)
			return -1;
		p->nodes = nn;
		p->cap = cap;
	}
	memset(p->nodes + first, 0, n * sizeof(*p->nodes));
	p->nnodes += n;
	return first;
}

static bool mv_first_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool mv_chars(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!mv_first_char(s[i]) && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	return true;
}

/* ast-grep's extract_meta_var with the expando sigil.  On a match fills
 * node->mv / named / name range (relative to `s`) and returns true. */
static bool extract_mv(const struct pbuild *b, const char *s, size_t len, struct sg_pnode *pn,
		       size_t *name_off)
{
	const char *e = b->expando;
	size_t el = b->elen;

	if (len >= 3 * el && memcmp(s, e, el) == 0 && memcmp(s + el, e, el) == 0 &&
	    memcmp(s + 2 * el, e, el) == 0) {
		const char *t = s + 3 * el;
		size_t tl = len - 3 * el;
		if (!mv_chars(t, tl))
			return false;
		pn->mv = (tl == 0 || t[0] == '_') ? MV_MULTI : MV_MULTICAPTURE;
		pn->named = false;
		*name_off = 3 * el;
		return true;
	}
	if (len < el || memcmp(s, e, el) != 0)
		return false;
	*name_off = el;
	pn->named = true;
	if (len >= 2 * el && memcmp(s + el, e, el) == 0) {
		*name_off = 2 * el;
		pn->named = false;
	}
	if (len == *name_off || !mv_first_char(s[*name_off]) ||
	    !mv_chars(s + *name_off, len - *name_off))
		return false;
	pn->mv = s[*name_off] == '_' ? MV_DROPPED : MV_CAPTURE;
	return true;
}

static int convert(struct pbuild *b, TSNode node, uint32_t idx, int depth);

static int convert_children(struct pbuild *b, TSNode node, uint32_t idx, int depth)
{
	uint32_t i, n = ts_node_child_count(node), kept = 0;
	long first;

	for (i = 0; i < n; i++)
		if (!ts_node_is_missing(ts_node_child(node, i)))
			kept++;
	first = nodes_reserve(b->p, kept);
	if (first < 0)
		return FB_ENOMEM;
	b->p->nodes[idx].first = (uint32_t)first;
	b->p->nodes[idx].n = kept;
	kept = 0;
	for (i = 0; i < n; i++) {
		TSNode c = ts_node_child(node, i);
		int rc;
		if (ts_node_is_missing(c))
			continue;
		rc = convert(b, c, (uint32_t)first + kept++, depth + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Fill nodes[idx] (already reserved) from `node`, `depth` levels below the
 * pattern root.  FB_ELIMIT (with b->limit set) if a limit is exceeded. */
static int convert(struct pbuild *b, TSNode node, uint32_t idx, int depth)
{
	uint32_t start = ts_node_start_byte(node), end = ts_node_end_byte(node);
	const char *text = b->src + start;
	struct sg_pnode pn = { 0 };
	size_t name_off;
	int rc;

	if (depth > SG_PATTERN_DEPTH_MAX) {
		b->limit = "pattern nested too deeply";
		return FB_ELIMIT;
	}
	pn.sym = ts_node_symbol(node);
	if (extract_mv(b, text, end - start, &pn, &name_off)) {
		pn.type = PN_MV;
		pn.len = (uint32_t)(end - start - name_off);
		if (pn.len >= ENV_NAME_MAX) {
			b->limit = "metavariable name too long";
			return FB_ELIMIT;
		}
		rc = pool_add(b->p, text + name_off, pn.len, &pn.str);
		b->p->nodes[idx] = pn;
		return rc;
	}
	pn.named = ts_node_is_named(node);
	if (ts_node_child_count(node) == 0) {
		pn.type = PN_TERM;
		pn.len = end - start;
		rc = pool_add(b->p, text, pn.len, &pn.str);
		b->p->nodes[idx] = pn;
		return rc;
	}
	pn.type = PN_INTERNAL;
	b->p->nodes[idx] = pn;
	return convert_children(b, node, idx, depth);
}

static bool is_single_node(TSNode n)
{
	uint32_t c = ts_node_child_count(n);
	TSNode second;

	if (c == 1)
		return true;
	if (c != 2)
		return false;
	second = ts_node_child(n, 1);
	return ts_node_is_missing(second) || ts_node_type(second)[0] == '\0';
}

/* Replace `$` sigils by the expando as ast-grep's pre_process_pattern does:
 * a run of `$` followed by A-Z or `_`, or a run of exactly three. */
static char *pre_process(const char *src, const char *expando)
{
	size_t n = strlen(src), el = strlen(expando), i, j = 0, dollars = 0;
	char *out = malloc(n * el + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i <= n; i++) {
		char c = src[i];
		bool repl;
		size_t k;
		if (c == '$' && i < n) {
			dollars++;
			continue;
		}
		repl = (i < n && mv_first_char(c)) || dollars == 3;
		for (k = 0; k < dollars; k++) {
			memcpy(out + j, repl ? expando : "$", repl ? el : 1);
			j += repl ? el : 1;
		}
		dollars = 0;
		if (i < n)
			out[j++] = c;
	}
	out[j] = '\0';
	return out;
}

/* First node in pre-order (root included) whose kind is in `bits`. */
static bool find_kind(TSNode root, const bool *bits, bool want_error, TSNode *out)
{
	TSTreeCursor cur = ts_tree_cursor_new(root);
	bool found = false;

	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&cur);
		TSSymbol s = ts_node_symbol(n);
		if (want_error ? s == SG_SYM_ERROR : (s != SG_SYM_ERROR && bits[s])) {
			*out = n;
			found = true;
			break;
		}
		if (ts_tree_cursor_goto_first_child(&cur))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&cur))
			if (!ts_tree_cursor_goto_parent(&cur))
				goto out;
	}
out:
	ts_tree_cursor_delete(&cur);
	return found;
}

/* The pattern source for a one-line message: newlines shown as \n, cut. */
static const char *show(const char *src, char *out, size_t cap)
{
	size_t i = 0;

	for (; *src && i + 4 < cap; src++) {
		if (*src == '\n') {
			out[i++] = '\\';
			out[i++] = 'n';
		} else {
			out[i++] = *src;
		}
	}
	if (*src)
		out[i++] = '.', out[i++] = '.', out[i++] = '.';
	out[i] = '\0';
	return out;
}

static int select_root(TSNode *out, const struct lang *lang, TSNode root, const char *selector,
		       struct sg_pattern *p, const char *where, const char *src,
		       struct fb_error *err)
{
	const TSLanguage *ts = lang->grammar();
	bool *bits = NULL, is_err = false;
	int rc = FB_ENOMEM;
	char shown[100];

	src = show(src, shown, sizeof(shown));
	if (selector == NULL) {
		if (ts_node_child_count(root) == 0)
			return fb_error_set(err, FB_EINVAL, "%s: pattern '%s' has no AST root",
					    where, src);
		if (!is_single_node(root))
			return fb_error_set(err, FB_EINVAL,
					    "%s: pattern '%s' parses as more than one AST node",
					    where, src);
		while (is_single_node(root))
			root = ts_node_child(root, 0);
		*out = root;
		return 0;
	}
	bits = calloc(ts_language_symbol_count(ts), sizeof(bool));
	if (bits == NULL)
		goto out;
	rc = sg_kind_lookup(ts, selector, bits, &is_err);
	if (rc < 0) {
		rc = fb_error_set(err, FB_EINVAL, "%s: selector kind '%s' is not a %s node kind",
				  where, selector, lang->name);
		goto out;
	}
	if (!find_kind(root, bits, is_err, out)) {
		rc = fb_error_set(err, FB_EINVAL,
				  "%s: selector '%s' matches no node in the context '%s'", where,
				  selector, src);
		goto out;
	}
	p->has_root_kind = true;
	p->root_kind = ts_node_symbol(*out);
	rc = 0;
out:
	free(bits);
	return rc;
}

int sg_pattern_compile(struct sg_pattern **out, const struct lang *lang, const char *src,
		       const char *selector, const char *file, int line, int col,
		       struct fb_error *err)
{
	struct sg_pattern *p = NULL;
	struct pbuild b = { 0 };
	TSParser *parser = NULL;
	TSTree *tree = NULL;
	char *pre = NULL, where[300], shown[100];
	TSNode root;
	int rc = FB_ENOMEM;

	snprintf(where, sizeof(where), "%s:%d:%d", file, line, col);
	b.expando = lang->expando ? lang->expando : "$";
	b.elen = strlen(b.expando);
	pre = lang->expando ? pre_process(src, lang->expando) : strdup(src);
	p = calloc(1, sizeof(*p));
	parser = ts_parser_new();
	if (pre == NULL || p == NULL || parser == NULL)
		goto out;
	if (!ts_parser_set_language(parser, lang->grammar())) {
		rc = fb_error_set(err, FB_EINTERNAL, "%s: grammar for %s is incompatible", where,
				  lang->name);
		goto out;
	}
	tree = ts_parser_parse_string(parser, NULL, pre, (uint32_t)strlen(pre));
	if (tree == NULL)
		goto out;
	rc = select_root(&root, lang, ts_tree_root_node(tree), selector, p, where, src, err);
	if (rc < 0)
		goto out;
	b.p = p;
	b.src = pre;
	rc = nodes_reserve(p, 1) < 0 ? FB_ENOMEM : convert(&b, root, 0, 0);
	if (rc == FB_ELIMIT) {
		rc = fb_error_set(err, FB_EINVAL, "%s: %s in '%s'", where, b.limit,
				  show(src, shown, sizeof(shown)));
		goto out;
	}
	if (rc < 0)
		goto out;
	if (p->nodes[0].type == PN_MV &&
	    (p->nodes[0].mv == MV_MULTI || p->nodes[0].mv == MV_MULTICAPTURE)) {
		rc = fb_error_set(err, FB_EINVAL,
				  "%s: a pattern cannot be a lone multi metavariable ('%s'); use "
				  "$VAR or put $$$VAR in a larger pattern",
				  where, show(src, shown, sizeof(shown)));
		goto out;
	}
	*out = p;
	p = NULL;
	rc = 0;
out:
	if (rc == FB_ENOMEM)
		fb_error_set(err, rc, "%s: out of memory compiling pattern", where);
	sg_pattern_free(p);
	if (tree)
		ts_tree_delete(tree);
	if (parser)
		ts_parser_delete(parser);
	free(pre);
	return rc;
}

void sg_pattern_free(struct sg_pattern *p)
{
	if (p == NULL)
		return;
	free(p->nodes);
	free(p->pool);
	free(p);
}

void sg_pattern_vars(const struct sg_pattern *p,
		     void (*fn)(const char *name, size_t len, void *payload), void *payload)
{
	uint32_t i;

	for (i = 0; i < p->nnodes; i++) {
		const struct sg_pnode *n = &p->nodes[i];
		if (n->type == PN_MV && (n->mv == MV_CAPTURE || n->mv == MV_MULTICAPTURE))
			fn(p->pool + n->str, n->len, payload);
	}
}

bool sg_pattern_binds(const struct sg_pattern *p, const char *name)
{
	size_t len = strlen(name);
	uint32_t i;

	for (i = 0; i < p->nnodes; i++) {
		const struct sg_pnode *n = &p->nodes[i];
		if (n->type == PN_MV && n->mv == MV_CAPTURE && n->len == len &&
		    memcmp(p->pool + n->str, name, len) == 0)
			return true;
	}
	return false;
}

static bool ident_like(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c >= 0x80))
			return false;
	}
	return true;
}

const char *sg_pattern_literal(const struct sg_pattern *p, size_t *len)
{
	const struct sg_pnode *best = NULL;
	uint32_t i;

	/* Every terminal of a pattern must be matched by a token of the same
	 * kind (named ones also by text), so each one's text is in the file. */
	for (i = 0; i < p->nnodes; i++) {
		const struct sg_pnode *n = &p->nodes[i];
		if (n->type != PN_TERM || n->sym == SG_SYM_ERROR ||
		    !ident_like(p->pool + n->str, n->len))
			continue;
		if (best == NULL || n->len > best->len ||
		    (n->len == best->len && n->named && !best->named))
			best = n;
	}
	if (best == NULL)
		return NULL;
	*len = best->len;
	return p->pool + best->str;
}

int sg_kind_lookup(const TSLanguage *ts, const char *name, bool *bits, bool *is_error)
{
	uint32_t i, count = ts_language_symbol_count(ts);
	size_t len = strlen(name);
	TSSymbol canon;
	bool any = false;

	*is_error = false;
	if (strcmp(name, "ERROR") == 0) {
		*is_error = true;
		return 0;
	}
	/* tree-sitter 0.20 answers ERROR for any prefix of "ERROR". */
	if (len < 5 && strncmp(name, "ERROR", len) == 0)
		return FB_EINVAL;
	canon = ts_language_symbol_for_name(ts, name, (uint32_t)len, true);
	if (canon == 0 || canon == SG_SYM_ERROR)
		return FB_EINVAL;
	if (canon < count) {
		bits[canon] = true;
		any = true;
	}
	/* Aliases can give one name several symbols; nodes report the public one,
	 * but mark every visible named symbol of that name to be safe. */
	for (i = 1; i < count; i++) {
		if (ts_language_symbol_type(ts, (TSSymbol)i) != TSSymbolTypeRegular)
			continue;
		if (strcmp(ts_language_symbol_name(ts, (TSSymbol)i), name) == 0) {
			bits[i] = true;
			any = true;
		}
	}
	return any ? 0 : FB_EINVAL;
}
