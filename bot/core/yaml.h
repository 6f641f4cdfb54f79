/*
 * yaml.h - the libyaml boundary: YAML text in, a small read-only tree out.
 *
 * Every node remembers the 1-based line and column where it starts, so that
 * configuration and rule errors can say `file:line:column: what is wrong`.
 * Aliases are expanded; the total number of nodes is bounded (YNODE_MAX) so
 * an alias bomb fails cleanly instead of exhausting memory.
 *
 * A document is owned by one ydoc; nodes are borrowed from it and live until
 * ydoc_free().  Immutable after parsing, so safe to share between threads.
 */
#ifndef FB_CORE_YAML_H
#define FB_CORE_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define YNODE_MAX 200000

enum ynode_type { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_type type;
	int line, col;        /* 1-based position of the node's first character */
	/* YNODE_SCALAR */
	char *str;            /* NUL-terminated value */
	size_t len;
	bool quoted;          /* written with quotes or as a block scalar */
	/* YNODE_SEQ: items[n]; YNODE_MAP: keys[n] (scalars) and items[n] values */
	struct ynode **items;
	struct ynode **keys;
	size_t n;
};

struct ydoc;

/* Parse every document in `text` (documents separated by `---`).
 * `name` is used in error messages ("rules/x.yml:3:7: ..."). */
int ydoc_parse(struct ydoc **out, const char *name, const char *text, size_t len,
	       struct fb_error *err);
void ydoc_free(struct ydoc *doc);

size_t ydoc_count(const struct ydoc *doc);
/* The root node of document i; NULL for an empty document. */
const struct ynode *ydoc_root(const struct ydoc *doc, size_t i);
const char *ydoc_name(const struct ydoc *doc);

/* Map lookup by key; NULL if `map` is not a map or has no such key. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
bool ynode_is_scalar(const struct ynode *n);
/* Interpret a scalar: booleans (true/false/yes/no/on/off) and integers. */
int ynode_bool(const struct ynode *n, bool *out);
int ynode_long(const struct ynode *n, long *out);
/* A human word for the node's type: "a string", "a list", "a mapping". */
const char *ynode_type_str(const struct ynode *n);

#endif
