/*
 * template.c - $NAME substitution for messages and fixes.
 */
#include "template.h"

#include <ctype.h>
#include <string.h>

static size_t name_len(const char *p)
{
	size_t n = 0;

	if (!(isalpha((unsigned char)p[0]) || p[0] == '_'))
		return 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

int template_render(struct buf *out, const char *tmpl, const struct env *env, const char *src)
{
	const char *p = tmpl;
	int rc;

	while (*p) {
		const char *dollar = strchr(p, '$');
		const char *name;
		const struct env_binding *b;
		size_t len;

		if (dollar == NULL)
			return buf_puts(out, p);
		if ((rc = buf_append(out, p, (size_t)(dollar - p))) < 0)
			return rc;
		name = dollar;
		while (*name == '$' && name - dollar < 3)
			name++;
		len = name_len(name);
		b = len ? env_get(env, name, len) : NULL;
		if (b == NULL) {
			/* Not a bound name: copy the dollars and carry on. */
			if ((rc = buf_append(out, dollar, (size_t)(name - dollar) + len)) < 0)
				return rc;
		} else if ((rc = buf_append(out, src + b->start, b->end - b->start)) < 0) {
			return rc;
		}
		p = name + len;
	}
	return 0;
}
