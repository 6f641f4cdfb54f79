/*
 * env.h - metavariable bindings of one match: NAME -> byte range in the source.
 *
 * Both matchers fill one: an ast-grep-style rule binds `$NAME` (a single node)
 * and `$$$NAME` (a sequence, bound to the range from its first node's start to
 * its last node's end; an empty sequence binds an empty range), and a
 * tree-sitter query binds each capture `@name`.  Messages and fixes are then
 * rendered from it (template.h).  Names are stored without `$` or `@`.
 * An env belongs to one thread; reuse it across matches with env_clear().
 */
#ifndef FB_ENGINE_ENV_H
#define FB_ENGINE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#define ENV_NAME_MAX 64

struct env_binding {
	char name[ENV_NAME_MAX];
	uint32_t start, end; /* byte range in the source */
	TSNode node;         /* the bound node; null node for a sequence */
	bool multi;          /* bound by $$$NAME */
};

struct env {
	struct env_binding *b;
	size_t n, cap;
};

void env_init(struct env *e);
void env_release(struct env *e);
void env_clear(struct env *e);
/* Bind `name` (len bytes) to a node or range; replaces an existing binding. 0 or FB_ENOMEM. */
int env_bind(struct env *e, const char *name, size_t len, TSNode node, uint32_t start,
	     uint32_t end, bool multi);
/* NULL if unbound. */
const struct env_binding *env_get(const struct env *e, const char *name, size_t len);
/* Roll back to an earlier size (for backtracking matchers). */
static inline void env_truncate(struct env *e, size_t n)
{
	if (n < e->n)
		e->n = n;
}

#endif
