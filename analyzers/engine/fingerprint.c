/*
 * fingerprint.c - FNV-1a based finding identities; see fingerprint.h.
 */
#include "fingerprint.h"

#include <ctype.h>
#include <string.h>
#include <stdio.h>

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

void fingerprint_assign(struct finding *fs, const uint64_t *bases, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		uint64_t occurrence = 0, h = bases[i];

		for (j = 0; j < i; j++)
			occurrence += bases[j] == bases[i];
		h ^= occurrence;
		h *= FNV_PRIME;
		snprintf(fs[i].fingerprint, sizeof(fs[i].fingerprint), "%016llx",
			 (unsigned long long)h);
	}
}
