/*
 * config.c - reading `.forgebot.yml` into struct repo_config.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "glob.h"
#include "suggest.h"
#include "yaml.h"

#define CONFIG_FILE_MAX ((size_t)1 << 20)

static void strv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void repo_config_init(struct repo_config *c)
{
	memset(c, 0, sizeof(*c));
	c->builtin = true;
}

void repo_config_release(struct repo_config *c)
{
	size_t i;

	strv_free(c->disable);
	strv_free(c->enable);
	strv_free(c->rule_dirs);
	strv_free(c->include);
	strv_free(c->exclude);
	for (i = 0; i < c->noverrides; i++) {
		free(c->overrides[i].rule);
		free(c->overrides[i].severity);
	}
	free(c->overrides);
	free(c->fail_on);
	free(c->filter_mode);
	free(c->source);
	repo_config_init(c);
}

static int bad(struct fb_error *err, const char *file, const struct ynode *n, const char *fmt,
	       const char *a)
{
	char what[256];

	snprintf(what, sizeof(what), fmt, a);
	return fb_error_set(err, FB_EINVAL, "config '%s' line %d column %d: %s", file, n->line,
			    n->col, what);
}

static int check_keys(const struct ynode *map, const char *const *known, const char *section,
		      const char *file, struct fb_error *err)
{
	size_t i, j;
	char what[256];

	if (map->type != YNODE_MAP)
		return bad(err, file, map, "'%s' must be a mapping", section);
	for (i = 0; i < map->n; i++) {
		bool ok = false;
		const char *hint;

		for (j = 0; known[j] && !ok; j++)
			ok = strcmp(known[j], map->keys[i]->str) == 0;
		if (ok)
			continue;
		hint = suggest_closest(map->keys[i]->str, known);
		snprintf(what, sizeof(what), "unknown key '%s'%s%s%s", map->keys[i]->str,
			 hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		return bad(err, file, map->keys[i], "%s", what);
	}
	return 0;
}

static int get_list(char ***out, const struct ynode *map, const char *key, const char *file,
		    struct fb_error *err)
{
	const struct ynode *n = ynode_get(map, key);
	size_t i;

	if (n == NULL)
		return 0;
	if (n->type != YNODE_SEQ)
		return bad(err, file, n, "'%s' must be a list of strings", key);
	*out = calloc(n->n + 1, sizeof(**out));
	if (*out == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (i = 0; i < n->n; i++) {
		if (!ynode_is_scalar(n->items[i]))
			return bad(err, file, n->items[i], "each entry of '%s' must be a string", key);
		if (((*out)[i] = strdup(n->items[i]->str)) == NULL)
			return fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	return 0;
}

static int get_str(char **out, const struct ynode *map, const char *key,
		   const char *const *allowed, const char *file, struct fb_error *err)
{
	const struct ynode *n = ynode_get(map, key);
	size_t i;
	bool ok = allowed == NULL;

	if (n == NULL)
		return 0;
	if (!ynode_is_scalar(n))
		return bad(err, file, n, "'%s' must be a string", key);
	for (i = 0; allowed && allowed[i] && !ok; i++)
		ok = strcmp(allowed[i], n->str) == 0;
	if (!ok)
		return bad(err, file, n, "invalid value '%s'", n->str);
	if ((*out = strdup(n->str)) == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	return 0;
}

static const char *const severities[] = { "error", "warning", "info", "hint", "off", NULL };

static int load_rules(struct repo_config *c, const struct ynode *r, const char *file,
		      struct fb_error *err)
{
	static const char *const keys[] = { "disable", "enable", "severity", "dirs", "builtin", NULL };
	const struct ynode *sev, *b;
	size_t i;
	int rc;

	if ((rc = check_keys(r, keys, "rules", file, err)) < 0 ||
	    (rc = get_list(&c->disable, r, "disable", file, err)) < 0 ||
	    (rc = get_list(&c->enable, r, "enable", file, err)) < 0 ||
	    (rc = get_list(&c->rule_dirs, r, "dirs", file, err)) < 0)
		return rc;
	if ((b = ynode_get(r, "builtin")) != NULL && ynode_bool(b, &c->builtin) < 0)
		return bad(err, file, b, "'%s' must be true or false", "builtin");
	if ((sev = ynode_get(r, "severity")) == NULL)
		return 0;
	if (sev->type != YNODE_MAP)
		return bad(err, file, sev, "'%s' must map rule ids to severities", "severity");
	c->overrides = calloc(sev->n ? sev->n : 1, sizeof(*c->overrides));
	if (c->overrides == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (i = 0; i < sev->n; i++) {
		struct config_override *o = &c->overrides[c->noverrides];
		bool ok = false;
		size_t j;

		if (!ynode_is_scalar(sev->items[i]))
			return bad(err, file, sev->items[i], "severity of '%s' must be a string",
				    sev->keys[i]->str);
		for (j = 0; severities[j] && !ok; j++)
			ok = strcmp(severities[j], sev->items[i]->str) == 0;
		if (!ok)
			return bad(err, file, sev->items[i],
				   "unknown severity '%s' (use error, warning, info, hint or off)",
				   sev->items[i]->str);
		o->rule = strdup(sev->keys[i]->str);
		o->severity = strdup(sev->items[i]->str);
		c->noverrides++;
		if (o->rule == NULL || o->severity == NULL)
			return fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	return 0;
}

static int load_review(struct repo_config *c, const struct ynode *r, const char *file,
		       struct fb_error *err)
{
	static const char *const keys[] = { "fail_on", "filter_mode", "max_file_size", NULL };
	static const char *const fail[] = { "error", "warning", "info", "hint", "never", NULL };
	static const char *const modes[] = { "added", "diff_context", "file", "nofilter", NULL };
	const struct ynode *m;
	long v;
	int rc;

	if ((rc = check_keys(r, keys, "review", file, err)) < 0 ||
	    (rc = get_str(&c->fail_on, r, "fail_on", fail, file, err)) < 0 ||
	    (rc = get_str(&c->filter_mode, r, "filter_mode", modes, file, err)) < 0)
		return rc;
	if ((m = ynode_get(r, "max_file_size")) != NULL) {
		if (ynode_long(m, &v) < 0 || v <= 0)
			return bad(err, file, m, "'%s' must be a positive number of bytes",
				   "max_file_size");
		c->max_file_size = (size_t)v;
	}
	return 0;
}

static int load_root(struct repo_config *c, const struct ynode *root, const char *file,
		     struct fb_error *err)
{
	static const char *const keys[] = { "rules", "paths", "review", NULL };
	static const char *const path_keys[] = { "include", "exclude", NULL };
	const struct ynode *n;
	int rc;

	if ((rc = check_keys(root, keys, "top level", file, err)) < 0)
		return rc;
	if ((n = ynode_get(root, "rules")) != NULL && (rc = load_rules(c, n, file, err)) < 0)
		return rc;
	if ((n = ynode_get(root, "paths")) != NULL &&
	    ((rc = check_keys(n, path_keys, "paths", file, err)) < 0 ||
	     (rc = get_list(&c->include, n, "include", file, err)) < 0 ||
	     (rc = get_list(&c->exclude, n, "exclude", file, err)) < 0))
		return rc;
	if ((n = ynode_get(root, "review")) != NULL && (rc = load_review(c, n, file, err)) < 0)
		return rc;
	return 0;
}

int repo_config_load_text(struct repo_config *c, const char *name, const char *text, size_t len,
			  struct fb_error *err)
{
	struct ydoc *doc = NULL;
	int rc;

	if (len > CONFIG_FILE_MAX)
		return fb_error_set(err, FB_ELIMIT, "config '%s' is too large", name);
	if ((rc = ydoc_parse(&doc, name, text, len, err)) < 0)
		goto out;
	if (ydoc_count(doc) > 1) {
		rc = fb_error_set(err, FB_EINVAL, "config '%s': expected one YAML document", name);
		goto out;
	}
	if (ydoc_count(doc) == 1 && ydoc_root(doc, 0) != NULL &&
	    (rc = load_root(c, ydoc_root(doc, 0), name, err)) < 0)
		goto out;
	if ((c->source = strdup(name)) == NULL)
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
out:
	if (rc < 0)
		repo_config_release(c);
	ydoc_free(doc);
	return rc;
}

int repo_config_load(struct repo_config *c, const char *path, struct fb_error *err)
{
	struct buf b;
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (f == NULL)
		return fb_error_set(err, errno == ENOENT ? FB_ENOTFOUND : FB_EIO,
				    "cannot read config '%s': %s", path, strerror(errno));
	buf_init(&b, CONFIG_FILE_MAX);
	rc = buf_read_stream(&b, f);
	fclose(f);
	if (rc < 0)
		fb_error_set(err, rc, rc == FB_ELIMIT ? "config '%s' is too large" : "cannot read config '%s'",
			     path);
	else
		rc = repo_config_load_text(c, path, buf_cstr(&b), b.len, err);
	if (rc < 0)
		repo_config_release(c);
	buf_release(&b);
	return rc;
}

bool repo_config_path_wanted(const struct repo_config *c, const char *path)
{
	size_t i;
	bool ok = c->include == NULL;

	for (i = 0; c->include && c->include[i] && !ok; i++)
		ok = glob_match(c->include[i], path);
	for (i = 0; ok && c->exclude && c->exclude[i]; i++)
		if (glob_match(c->exclude[i], path))
			ok = false;
	return ok;
}
