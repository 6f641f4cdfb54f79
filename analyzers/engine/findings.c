/*
 * findings.c - the growable finding list.
 */
#include "finding.h"

#include <stdlib.h>
#include <string.h>

#include "../../bot/core/err.h"

void findings_init(struct findings *fs)
{
	fs->v = NULL;
	fs->n = 0;
	fs->cap = 0;
}

void finding_release(struct finding *f)
{
	free(f->path);
	free(f->message);
	free(f->fix);
	free(f->line_text);
	memset(f, 0, sizeof(*f));
}

void findings_release(struct findings *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		finding_release(&fs->v[i]);
	free(fs->v);
	findings_init(fs);
}

static int reserve(struct findings *fs, size_t extra)
{
	size_t cap;
	struct finding *p;

	if (fs->n + extra <= fs->cap)
		return 0;
	cap = fs->cap ? fs->cap : 16;
	while (cap < fs->n + extra)
		cap *= 2;
	p = realloc(fs->v, cap * sizeof(*p));
	if (p == NULL)
		return FB_ENOMEM;
	fs->v = p;
	fs->cap = cap;
	return 0;
}

struct finding *findings_push(struct findings *fs)
{
	struct finding *f;

	if (reserve(fs, 1) < 0)
		return NULL;
	f = &fs->v[fs->n++];
	memset(f, 0, sizeof(*f));
	return f;
}

int findings_take(struct findings *dst, struct findings *src)
{
	if (src->n == 0)
		return 0;
	if (reserve(dst, src->n) < 0)
		return FB_ENOMEM;
	memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	/* The strings moved with the findings; free the emptied array now, so
	 * merging per-thread lists never holds every finding twice. */
	free(src->v);
	findings_init(src);
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->start_line != y->start_line)
		return x->start_line < y->start_line ? -1 : 1;
	if (x->start_col != y->start_col)
		return x->start_col < y->start_col ? -1 : 1;
	c = strcmp(x->rule->id, y->rule->id);
	if (c)
		return c;
	if (x->end_byte != y->end_byte)
		return x->end_byte < y->end_byte ? -1 : 1;
	return 0;
}

void findings_sort(struct findings *fs)
{
	if (fs->n > 1)
		qsort(fs->v, fs->n, sizeof(*fs->v), cmp_finding);
}

void findings_filter(struct findings *fs, int (*keep)(const struct finding *f, void *payload),
		     void *payload)
{
	size_t i, j = 0;

	for (i = 0; i < fs->n; i++) {
		if (keep(&fs->v[i], payload))
			fs->v[j++] = fs->v[i];
		else
			finding_release(&fs->v[i]);
	}
	fs->n = j;
}
