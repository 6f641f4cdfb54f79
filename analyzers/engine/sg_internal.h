/*
 * sg_internal.h - the compiled form of an ast-grep rule, shared by the
 * sg_*.c files and nobody else.
 *
 * A rule compiles to a tree of `struct sg_node` (one per operator: pattern,
 * kind, regex, inside, has, follows, precedes, all, any, not, matches).  A
 * rule object with several keys becomes an ALL node whose children come in
 * ast-grep's order: pattern, kind, regex, all, any, not, matches, inside,
 * has, precedes, follows.  Patterns compile to a flat pre-order array of
 * `struct sg_pnode` whose children are contiguous, with kind symbols
 * resolved.  Everything here is immutable after sg_rule_compile().
 *
 * Matching is transactional: a matcher that fails leaves the env as it found
 * it.  To make that a plain env_truncate(), bindings are only ever appended
 * while matching (a repeated name appends a newer entry, looked up from the
 * end); sg_rule_match() folds duplicates before returning.
 */
#ifndef FB_ENGINE_SG_INTERNAL_H
#define FB_ENGINE_SG_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "../../bot/core/err.h"
#include "../../bot/core/yaml.h"
#include "../languages/lang.h"
#include "env.h"

/* tree-sitter's builtin ERROR symbol ((TSSymbol)-1). */
#define SG_SYM_ERROR ((TSSymbol)65535)

enum sg_pn_type { PN_TERM, PN_INTERNAL, PN_MV };
enum sg_mv_type { MV_CAPTURE, MV_DROPPED, MV_MULTI, MV_MULTICAPTURE };

struct sg_pnode {
	uint8_t type;    /* enum sg_pn_type */
	uint8_t mv;      /* enum sg_mv_type, for PN_MV */
	bool named;      /* terminal: is_named; metavariable: $A (true) vs $$A */
	TSSymbol sym;    /* terminal / internal kind */
	uint32_t first;  /* PN_INTERNAL: children are nodes[first .. first+n) */
	uint32_t n;
	uint32_t str;    /* terminal text or metavariable name, in pool */
	uint32_t len;
};

struct sg_pattern {
	struct sg_pnode *nodes; /* nodes[0] is the root */
	uint32_t nnodes, cap;
	char *pool;             /* texts and names, not NUL-terminated */
	size_t pool_len, pool_cap;
	bool has_root_kind;     /* contextual pattern: the selected node's kind */
	TSSymbol root_kind;
};

enum sg_op {
	SG_PATTERN, SG_KIND, SG_REGEX, SG_INSIDE, SG_HAS, SG_FOLLOWS, SG_PRECEDES,
	SG_ALL, SG_ANY, SG_NOT, SG_MATCHES
};

enum sg_stop { SG_STOP_NEIGHBOR, SG_STOP_END, SG_STOP_RULE };

/* A set of node kinds: `any` = every kind possible (ast-grep's None). */
struct sg_kinds {
	bool any;
	bool error;  /* contains ERROR */
	bool *bits;  /* nsym entries, NULL when any */
};

struct sg_node {
	enum sg_op op;
	int line, col;
	struct sg_pattern *pat;     /* SG_PATTERN */
	bool *kind_bits;            /* SG_KIND: nsym entries */
	bool kind_error;            /* SG_KIND: kind is ERROR */
	const char *keyword;        /* SG_KIND: a word every node of the kind contains, or NULL */
	pcre2_code *re;             /* SG_REGEX */
	char **literals;            /* SG_REGEX: strings one of which every match contains */
	size_t nliterals;
	struct sg_node **kids;      /* ALL/ANY children; NOT and relational: kids[0] */
	size_t nkids;
	enum sg_stop stop;          /* relational */
	struct sg_node *stop_rule;  /* SG_STOP_RULE */
	TSFieldId field;            /* inside/has; 0 = none */
	size_t util;                /* SG_MATCHES: index in rule->utils */
	struct sg_kinds kinds;      /* ALL/ANY prefilter, computed after compile */
};

struct sg_named {
	char *name;
	struct sg_node *node;
	int line, col;
};

struct sg_rule {
	const struct lang *lang;
	const TSLanguage *ts;
	uint32_t nsym;
	struct sg_node *root;
	struct sg_named *utils;
	size_t nutils;
	struct sg_named *cons;      /* constraints: metavariable -> rule */
	size_t ncons;
	struct sg_kinds kinds;      /* of root */
	char **lits;                /* prefilter literals */
	size_t nlits;
};

/* --- sg_pattern.c: compile a pattern snippet --- */
/* `selector` may be NULL.  Errors are FB_EINVAL with `file:line:col: ...`. */
int sg_pattern_compile(struct sg_pattern **out, const struct lang *lang, const char *src,
		       const char *selector, const char *file, int line, int col,
		       struct fb_error *err);
void sg_pattern_free(struct sg_pattern *p);
/* Visit every captured metavariable name (for constraint checks). */
void sg_pattern_vars(const struct sg_pattern *p,
		     void (*fn)(const char *name, size_t len, void *payload), void *payload);
/* Does every match of the pattern bind the single metavariable `name`? */
bool sg_pattern_binds(const struct sg_pattern *p, const char *name);
/* The longest identifier-like terminal text, or NULL (borrowed from the
 * pattern; *len set). */
const char *sg_pattern_literal(const struct sg_pattern *p, size_t *len);

/* Find the kind symbols named `name` (named kinds only).  0 on success,
 * FB_EINVAL when the language has no such kind.  `bits` has nsym entries. */
int sg_kind_lookup(const TSLanguage *ts, const char *name, bool *bits, bool *is_error);

/* --- sg_match.c / sg_pmatch.c: matching --- */
struct sg_mctx {
	const struct sg_rule *r;
	const char *src;
	struct env *env;
	bool oom;
};

bool sg_node_match(struct sg_mctx *m, const struct sg_node *n, TSNode node);
bool sg_pattern_match(struct sg_mctx *m, const struct sg_pattern *p, TSNode node);

/* Env helpers: the newest binding of `name` of the given arity, or NULL. */
const struct env_binding *sg_env_find(const struct env *e, const char *name, size_t len,
				      bool multi);
/* Bind a single metavariable, checking a previous binding of the same name
 * (ast-grep's does_node_match_exactly).  False on mismatch or OOM. */
bool sg_bind_single(struct sg_mctx *m, const char *name, size_t len, TSNode node);
/* Bind a sequence of `count` consecutive siblings `first` .. `last`
 * (count may be 0: then `at` is the byte position of the empty range). */
bool sg_bind_multi(struct sg_mctx *m, const char *name, size_t len, TSNode first, TSNode last,
		   uint32_t count, uint32_t at);

/* --- sg_compile.c helpers shared with sg_kinds.c --- */
void sg_node_free(struct sg_node *n);
int sg_compute_kinds(struct sg_rule *r, struct fb_error *err, const char *file);
int sg_compute_literals(struct sg_rule *r);
void sg_kinds_release(struct sg_kinds *k);

#endif
