/*
 * yaml.c - libyaml's document loader translated into struct ynode trees.
 *
 * libyaml gives each document as a node table with marks (0-based line and
 * column); we copy it into our own nodes so that no libyaml type leaks out,
 * expanding aliases under a global node budget.
 */
#include "yaml.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct ydoc {
	char *name;
	struct ynode **roots;
	size_t nroots;
	struct ynode **all; /* every node, for freeing */
	size_t nall, capall;
};

static struct ynode *node_new(struct ydoc *d)
{
	struct ynode *n;

	if (d->nall >= YNODE_MAX)
		return NULL;
	if (d->nall == d->capall) {
		size_t cap = d->capall ? d->capall * 2 : 64;
		struct ynode **p = realloc(d->all, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		d->all = p;
		d->capall = cap;
	}
	n = calloc(1, sizeof(*n));
	if (n)
		d->all[d->nall++] = n;
	return n;
}

/* Copy libyaml node `id` of `src`; depth guards runaway nesting. */
static struct ynode *convert(struct ydoc *d, yaml_document_t *src, int id, int depth,
			     struct fb_error *err)
{
	yaml_node_t *yn = yaml_document_get_node(src, id);
	struct ynode *n;
	size_t i;

	if (yn == NULL || depth > 256) {
		fb_error_set(err, FB_ELIMIT, "%s: YAML nested too deeply", d->name);
		return NULL;
	}
	n = node_new(d);
	if (n == NULL) {
		fb_error_set(err, FB_ELIMIT, "%s: YAML document too large (over %d nodes)",
			     d->name, YNODE_MAX);
		return NULL;
	}
	n->line = (int)yn->start_mark.line + 1;
	n->col = (int)yn->start_mark.column + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->type = YNODE_SCALAR;
		n->len = yn->data.scalar.length;
		n->str = malloc(n->len + 1);
		if (n->str == NULL)
			goto nomem;
		memcpy(n->str, yn->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		n->quoted = yn->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_SEQUENCE_NODE: {
		size_t cnt = (size_t)(yn->data.sequence.items.top - yn->data.sequence.items.start);
		n->type = YNODE_SEQ;
		n->items = calloc(cnt ? cnt : 1, sizeof(*n->items));
		if (n->items == NULL)
			goto nomem;
		for (i = 0; i < cnt; i++) {
			n->items[i] = convert(d, src, yn->data.sequence.items.start[i], depth + 1, err);
			if (n->items[i] == NULL)
				return NULL;
			n->n++;
		}
		return n;
	}
	case YAML_MAPPING_NODE: {
		size_t cnt = (size_t)(yn->data.mapping.pairs.top - yn->data.mapping.pairs.start);
		n->type = YNODE_MAP;
		n->items = calloc(cnt ? cnt : 1, sizeof(*n->items));
		n->keys = calloc(cnt ? cnt : 1, sizeof(*n->keys));
		if (n->items == NULL || n->keys == NULL)
			goto nomem;
		for (i = 0; i < cnt; i++) {
			yaml_node_pair_t *p = &yn->data.mapping.pairs.start[i];
			struct ynode *k = convert(d, src, p->key, depth + 1, err);
			if (k == NULL)
				return NULL;
			if (k->type != YNODE_SCALAR) {
				fb_error_set(err, FB_EINVAL, "%s:%d:%d: mapping keys must be plain strings",
					     d->name, k->line, k->col);
				return NULL;
			}
			n->keys[i] = k;
			n->items[i] = convert(d, src, p->value, depth + 1, err);
			if (n->items[i] == NULL)
				return NULL;
			n->n++;
		}
		return n;
	}
	default:
		fb_error_set(err, FB_EINVAL, "%s:%d:%d: unsupported YAML node", d->name, n->line, n->col);
		return NULL;
	}
nomem:
	fb_error_set(err, FB_ENOMEM, "%s: out of memory", d->name);
	return NULL;
}

static int add_root(struct ydoc *d, struct ynode *root)
{
	struct ynode **p = realloc(d->roots, (d->nroots + 1) * sizeof(*p));

	if (p == NULL)
		return FB_ENOMEM;
	d->roots = p;
	d->roots[d->nroots++] = root;
	return 0;
}

int ydoc_parse(struct ydoc **out, const char *name, const char *text, size_t len,
	       struct fb_error *err)
{
	yaml_parser_t parser;
	struct ydoc *d = NULL;
	int rc = FB_ENOMEM;

	*out = NULL;
	if (!yaml_parser_initialize(&parser))
		return fb_error_set(err, FB_ENOMEM, "%s: cannot initialize the YAML parser", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->name = strdup(name)) == NULL) {
		fb_error_set(err, FB_ENOMEM, "%s: out of memory", name);
		goto out;
	}
	for (;;) {
		yaml_document_t doc;
		yaml_node_t *root;
		struct ynode *r = NULL;

		if (!yaml_parser_load(&parser, &doc)) {
			rc = fb_error_set(err, FB_EINVAL, "%s:%zu:%zu: invalid YAML: %s%s%s", name,
					  parser.problem_mark.line + 1, parser.problem_mark.column + 1,
					  parser.problem ? parser.problem : "syntax error",
					  parser.context ? " " : "", parser.context ? parser.context : "");
			goto out;
		}
		root = yaml_document_get_root_node(&doc);
		if (root == NULL) {
			/* libyaml signals the end of the stream with a rootless document. */
			yaml_document_delete(&doc);
			break;
		}
		r = convert(d, &doc, 1, 0, err);
		yaml_document_delete(&doc);
		if (r == NULL) {
			rc = err ? err->code : FB_EINVAL;
			goto out;
		}
		if (add_root(d, r) < 0)
			goto out;
	}
	*out = d;
	d = NULL;
	rc = 0;
out:
	yaml_parser_delete(&parser);
	ydoc_free(d);
	return rc;
}

void ydoc_free(struct ydoc *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nall; i++) {
		free(d->all[i]->str);
		free(d->all[i]->items);
		free(d->all[i]->keys);
		free(d->all[i]);
	}
	free(d->all);
	free(d->roots);
	free(d->name);
	free(d);
}

size_t ydoc_count(const struct ydoc *d)
{
	return d->nroots;
}

const struct ynode *ydoc_root(const struct ydoc *d, size_t i)
{
	return i < d->nroots ? d->roots[i] : NULL;
}

const char *ydoc_name(const struct ydoc *d)
{
	return d->name;
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}

bool ynode_is_scalar(const struct ynode *n)
{
	return n != NULL && n->type == YNODE_SCALAR;
}

int ynode_bool(const struct ynode *n, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", NULL };
	static const char *const no[] = { "false", "no", "off", NULL };
	int i;

	if (!ynode_is_scalar(n))
		return FB_EINVAL;
	for (i = 0; yes[i]; i++)
		if (strcasecmp(n->str, yes[i]) == 0)
			return (*out = true), 0;
	for (i = 0; no[i]; i++)
		if (strcasecmp(n->str, no[i]) == 0)
			return (*out = false), 0;
	return FB_EINVAL;
}

int ynode_long(const struct ynode *n, long *out)
{
	char *end;
	long v;

	if (!ynode_is_scalar(n) || n->len == 0)
		return FB_EINVAL;
	errno = 0;
	v = strtol(n->str, &end, 10);
	if (errno != 0 || *end != '\0')
		return FB_EINVAL;
	*out = v;
	return 0;
}

const char *ynode_type_str(const struct ynode *n)
{
	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case YNODE_SCALAR: return "a string";
	case YNODE_SEQ: return "a list";
	default: return "a mapping";
	}
}
