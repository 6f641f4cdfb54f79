/*
 * fingerprint.c - FNV-1a based finding identities; see fingerprint.h.
 */
#include "fingerprint.h"

#include "../../bot/core/err.h"

#include <ctype.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

uint64_t fingerprint_base(const char *rule_id, const char *path, const char *text, size_t len)
{
	uint64_t h = FNV_OFFSET;
	size_t i;

	h = fnv(h, rule_id, strlen(rule_id) + 1);
	h = fnv(h, path, strlen(path) + 1);
	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			h = fnv(h, text + i, 1);
	return h;
}

struct occ {
	uint64_t base;
	size_t index;
};

static int cmp_occ(const void *a, const void *b)
{
	const struct occ *x = a, *y = b;

	if (x->base != y->base)
		return x->base < y->base ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void assign_one(struct finding *f, uint64_t base, uint64_t occurrence)
{
	uint64_t h = base ^ occurrence;

	h *= FNV_PRIME;
	snprintf(f->fingerprint, sizeof(f->fingerprint), "%016llx", (unsigned long long)h);
}

int fingerprint_assign(struct finding *fs, const uint64_t *bases, size_t n)
{
	struct occ *o = malloc((n ? n : 1) * sizeof(*o));
	uint64_t occurrence = 0;
	size_t i;

	if (o == NULL)
		return FB_ENOMEM;
	/* The occurrence number of a finding is its rank, in position order,
	 * among the findings with the same base: sort by (base, position). */
	for (i = 0; i < n; i++)
		o[i] = (struct occ){ bases[i], i };
	if (n > 1)
		qsort(o, n, sizeof(*o), cmp_occ);
	for (i = 0; i < n; i++) {
		occurrence = i > 0 && o[i - 1].base == o[i].base ? occurrence + 1 : 0;
		assign_one(&fs[o[i].index], o[i].base, occurrence);
	}
	free(o);
	return 0;
}
