/*
 * fuzz_yaml.c - libFuzzer target for the YAML boundary alone.
 *
 * Parses arbitrary bytes with ydoc_parse() and walks every document, checking
 * what yaml.h promises: 1-based positions, NUL-terminated scalars of the
 * stated length, scalar mapping keys, and lookups that find each key.
 * Cheaper per input than fuzz_rules, so it reaches deeper into libyaml's
 * corner cases (aliases, anchors, multi-document streams).
 * Built and run by tests/fuzz/run.sh.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bot/core/yaml.h"

static void walk(const struct ynode *n, int depth)
{
	bool b;
	long l;
	size_t i;

	if (n == NULL || n->line < 1 || n->col < 1 || depth > 1000)
		abort();
	switch (n->type) {
	case YNODE_SCALAR:
		if (n->str == NULL || n->str[n->len] != '\0' || !ynode_is_scalar(n))
			abort();
		(void)ynode_bool(n, &b);
		(void)ynode_long(n, &l);
		return;
	case YNODE_SEQ:
		for (i = 0; i < n->n; i++)
			walk(n->items[i], depth + 1);
		return;
	case YNODE_MAP:
		for (i = 0; i < n->n; i++) {
			if (!ynode_is_scalar(n->keys[i]))
				abort();
			/* Embedded NULs make a key unreachable by name; skip those. */
			if (strlen(n->keys[i]->str) == n->keys[i]->len &&
			    ynode_get(n, n->keys[i]->str) == NULL)
				abort();
			walk(n->items[i], depth + 1);
		}
		return;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ydoc *doc = NULL;
	struct fb_error err = { 0 };
	size_t i;

	if (ydoc_parse(&doc, "fuzz.yml", (const char *)data, size, &err) < 0) {
		if (doc != NULL || err.code == 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	for (i = 0; i < ydoc_count(doc); i++)
		if (ydoc_root(doc, i) != NULL)
			walk(ydoc_root(doc, i), 0);
	if (ydoc_root(doc, ydoc_count(doc)) != NULL || strcmp(ydoc_name(doc), "fuzz.yml") != 0)
		abort();
	ydoc_free(doc);
	return 0;
}
