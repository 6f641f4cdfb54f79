/*
 * env.c - metavariable bindings; a small array searched linearly (matches
 * bind a handful of names).
 */
#include "env.h"

#include <stdlib.h>
#include <string.h>

#include "../../bot/core/err.h"

void env_init(struct env *e)
{
	e->b = NULL;
	e->n = 0;
	e->cap = 0;
}

void env_release(struct env *e)
{
	free(e->b);
	env_init(e);
}

void env_clear(struct env *e)
{
	e->n = 0;
}

const struct env_binding *env_get(const struct env *e, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->b[i].name, name, len) == 0 && e->b[i].name[len] == '\0')
			return &e->b[i];
	return NULL;
}

int env_bind(struct env *e, const char *name, size_t len, TSNode node, uint32_t start,
	     uint32_t end, bool multi)
{
	struct env_binding *b = (struct env_binding *)env_get(e, name, len);

	if (len >= ENV_NAME_MAX)
		len = ENV_NAME_MAX - 1;
	if (b == NULL) {
		if (e->n == e->cap) {
			size_t cap = e->cap ? e->cap * 2 : 8;
			struct env_binding *p = realloc(e->b, cap * sizeof(*p));
			if (p == NULL)
				return FB_ENOMEM;
			e->b = p;
			e->cap = cap;
		}
		b = &e->b[e->n++];
		memcpy(b->name, name, len);
		b->name[len] = '\0';
	}
	b->node = node;
	b->start = start;
	b->end = end;
	b->multi = multi;
	return 0;
}
