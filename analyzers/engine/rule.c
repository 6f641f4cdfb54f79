/*
 * rule.c - loading rule files into a ruleset.
 *
 * Each YAML document is checked key by key (unknown keys are errors with a
 * suggestion), its matcher compiled by sg.c or query.c, and only when every
 * document of a file is valid are its rules added: a bad file adds nothing.
 */
#include "rule.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../bot/core/buf.h"
#include "../../bot/core/glob.h"
#include "../../bot/core/suggest.h"
#include "../../bot/core/yaml.h"
#include "query.h"
#include "sg.h"

#define RULE_FILE_MAX ((size_t)4 << 20)

static const char *const known_keys[] = {
	"id", "language", "severity", "message", "note", "url", "fix", "files", "ignores",
	"metadata", "rule", "constraints", "utils", "query", NULL,
};
/* ast-grep keys outside forgebot's subset: named so the error is precise. */
static const char *const unsupported_keys[] = {
	"transform", "rewriters", "labels", NULL,
};

static const char *const severity_names[] = { "hint", "info", "warning", "error", "off" };

const char *severity_str(enum severity s)
{
	return (unsigned)s <= SEV_OFF ? severity_names[s] : "unknown";
}

int severity_parse(const char *s, enum severity *out)
{
	int i;

	for (i = 0; i <= SEV_OFF; i++)
		if (strcmp(s, severity_names[i]) == 0)
			return (*out = (enum severity)i), 0;
	return FB_EINVAL;
}

void ruleset_init(struct ruleset *rs)
{
	rs->v = NULL;
	rs->n = 0;
	rs->cap = 0;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->message);
	free(r->note);
	free(r->url);
	free(r->fix);
	free_strv(r->files);
	free_strv(r->ignores);
	free(r->source);
	free(r->pack);
	sg_rule_free(r->sg);
	query_rule_free(r->query);
	free(r);
}

void ruleset_release(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		rule_free(rs->v[i]);
	free(rs->v);
	ruleset_init(rs);
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i]->id, id) == 0)
			return rs->v[i];
	return NULL;
}

bool rule_applies_to(const struct rule *r, const char *path)
{
	size_t i;
	bool ok = r->files == NULL;

	for (i = 0; r->files && r->files[i] && !ok; i++)
		ok = glob_match(r->files[i], path);
	for (i = 0; ok && r->ignores && r->ignores[i]; i++)
		if (glob_match(r->ignores[i], path))
			ok = false;
	return ok;
}

static int bad(struct fb_error *err, const char *file, const struct ynode *n, const char *what)
{
	return fb_error_set(err, FB_EINVAL, "%s:%d:%d: %s", file, n->line, n->col, what);
}

static int get_string(char **out, const struct ynode *doc, const char *key, bool required,
		      const char *file, struct fb_error *err)
{
	const struct ynode *n = ynode_get(doc, key);
	char what[128];

	*out = NULL;
	if (n == NULL) {
		if (!required)
			return 0;
		snprintf(what, sizeof(what), "rule is missing required key '%s'", key);
		return bad(err, file, doc, what);
	}
	if (!ynode_is_scalar(n)) {
		snprintf(what, sizeof(what), "'%s' must be a string, not %s", key, ynode_type_str(n));
		return bad(err, file, n, what);
	}
	if ((*out = strdup(n->str)) == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	return 0;
}

/* A string or a list of strings, as a NULL-terminated vector. */
static int get_globs(char ***out, const struct ynode *doc, const char *key, const char *file,
		     struct fb_error *err)
{
	const struct ynode *n = ynode_get(doc, key);
	size_t i, cnt;
	char **v;

	*out = NULL;
	if (n == NULL)
		return 0;
	if (n->type == YNODE_MAP)
		return bad(err, file, n, "'files'/'ignores' must be a glob or a list of globs");
	cnt = n->type == YNODE_SCALAR ? 1 : n->n;
	v = calloc(cnt + 1, sizeof(*v));
	if (v == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (i = 0; i < cnt; i++) {
		const struct ynode *g = n->type == YNODE_SCALAR ? n : n->items[i];
		if (!ynode_is_scalar(g)) {
			free_strv(v);
			return bad(err, file, g, "each glob must be a string");
		}
		if ((v[i] = strdup(g->str)) == NULL) {
			free_strv(v);
			return fb_error_set(err, FB_ENOMEM, "out of memory");
		}
	}
	*out = v;
	return 0;
}

static int check_keys(const struct ynode *doc, const char *file, struct fb_error *err)
{
	char what[256];
	size_t i, j;

	for (i = 0; i < doc->n; i++) {
		const char *k = doc->keys[i]->str;
		const char *hint;
		bool known = false;

		for (j = 0; known_keys[j] && !known; j++)
			known = strcmp(known_keys[j], k) == 0;
		if (known)
			continue;
		for (j = 0; unsupported_keys[j]; j++) {
			if (strcmp(unsupported_keys[j], k) == 0) {
				snprintf(what, sizeof(what),
					 "'%s' is an ast-grep feature outside forgebot's rule subset "
					 "(see docs/rules.md)", k);
				return bad(err, file, doc->keys[i], what);
			}
		}
		hint = suggest_closest(k, known_keys);
		snprintf(what, sizeof(what), "unknown key '%s'%s%s%s", k,
			 hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
		return bad(err, file, doc->keys[i], what);
	}
	return 0;
}

static int load_matcher(struct rule *r, const struct ynode *doc, const char *file,
			struct fb_error *err)
{
	const struct ynode *rn = ynode_get(doc, "rule"), *qn = ynode_get(doc, "query");
	const char *const *lits = NULL;
	int rc;

	if ((rn == NULL) == (qn == NULL))
		return bad(err, file, doc, rn ? "a rule has either 'rule' or 'query', not both"
					     : "rule needs a matcher: a 'rule' or a 'query' key");
	if (qn) {
		if (ynode_get(doc, "constraints") || ynode_get(doc, "utils"))
			return bad(err, file, qn, "'constraints' and 'utils' go with 'rule', not 'query'");
		if ((rc = query_rule_compile(&r->query, r->lang, qn, file, err)) < 0)
			return rc;
		r->nliterals = query_rule_literals(r->query, &lits);
	} else {
		rc = sg_rule_compile(&r->sg, r->lang, rn, ynode_get(doc, "constraints"),
				     ynode_get(doc, "utils"), file, err);
		if (rc < 0)
			return rc;
		r->nliterals = sg_rule_literals(r->sg, &lits);
	}
	r->literals = lits;
	return 0;
}

static void rtrim(char *s)
{
	size_t n = s ? strlen(s) : 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int load_doc(struct rule **out, const struct ynode *doc, const char *file, const char *pack,
		    struct fb_error *err)
{
	struct rule *r = NULL;
	char *lang = NULL, *sev = NULL;
	char what[256];
	int rc;

	*out = NULL;
	if (doc->type != YNODE_MAP)
		return bad(err, file, doc, "a rule must be a mapping of keys");
	if ((rc = check_keys(doc, file, err)) < 0)
		return rc;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	r->line = doc->line;
	if ((rc = get_string(&r->id, doc, "id", true, file, err)) < 0 ||
	    (rc = get_string(&lang, doc, "language", true, file, err)) < 0 ||
	    (rc = get_string(&sev, doc, "severity", false, file, err)) < 0 ||
	    (rc = get_string(&r->message, doc, "message", false, file, err)) < 0 ||
	    (rc = get_string(&r->note, doc, "note", false, file, err)) < 0 ||
	    (rc = get_string(&r->url, doc, "url", false, file, err)) < 0 ||
	    (rc = get_string(&r->fix, doc, "fix", false, file, err)) < 0 ||
	    (rc = get_globs(&r->files, doc, "files", file, err)) < 0 ||
	    (rc = get_globs(&r->ignores, doc, "ignores", file, err)) < 0)
		goto out;
	if ((r->lang = lang_by_name(lang)) == NULL) {
		snprintf(what, sizeof(what), "unknown language '%s' (known: %s)", lang, lang_names());
		rc = bad(err, file, ynode_get(doc, "language"), what);
		goto out;
	}
	r->severity = SEV_HINT;
	if (sev && severity_parse(sev, &r->severity) < 0) {
		snprintf(what, sizeof(what),
			 "unknown severity '%s' (use error, warning, info, hint or off)", sev);
		rc = bad(err, file, ynode_get(doc, "severity"), what);
		goto out;
	}
	/* Folded YAML blocks (`note: >`) end with a newline nobody wants shown. */
	rtrim(r->message);
	rtrim(r->note);
	rtrim(r->url);
	if (r->message == NULL && (r->message = strdup(r->id)) == NULL) {
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = load_matcher(r, doc, file, err)) < 0)
		goto out;
	if ((r->source = strdup(file)) == NULL || (r->pack = strdup(pack)) == NULL) {
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
		goto out;
	}
	*out = r;
	r = NULL;
out:
	free(lang);
	free(sev);
	rule_free(r);
	return rc;
}

static int ruleset_push(struct ruleset *rs, struct rule *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct rule **p = realloc(rs->v, cap * sizeof(*p));
		if (p == NULL)
			return FB_ENOMEM;
		rs->v = p;
		rs->cap = cap;
	}
	rs->v[rs->n++] = r;
	return 0;
}

int ruleset_load_text(struct ruleset *rs, const char *name, const char *text, size_t len,
		      const char *pack, struct fb_error *err)
{
	struct ydoc *doc = NULL;
	size_t i, added = 0, start = rs->n;
	int rc;

	if ((rc = ydoc_parse(&doc, name, text, len, err)) < 0)
		return rc;
	for (i = 0; i < ydoc_count(doc); i++) {
		const struct ynode *root = ydoc_root(doc, i);
		struct rule *r = NULL;

		if (root == NULL)
			continue;
		if ((rc = load_doc(&r, root, name, pack, err)) < 0)
			goto out;
		if (ruleset_find(rs, r->id) != NULL) {
			const struct rule *prev = ruleset_find(rs, r->id);
			rc = fb_error_set(err, FB_EINVAL, "%s:%d:%d: duplicate rule id '%s' (also in %s:%d)",
					  name, r->line, 1, r->id, prev->source, prev->line);
			rule_free(r);
			goto out;
		}
		if ((rc = ruleset_push(rs, r)) < 0) {
			rule_free(r);
			fb_error_set(err, rc, "out of memory");
			goto out;
		}
		added++;
	}
	rc = 0;
out:
	if (rc < 0) {
		/* All or nothing per file. */
		while (rs->n > start)
			rule_free(rs->v[--rs->n]);
	}
	ydoc_free(doc);
	return rc;
}

int ruleset_load_file(struct ruleset *rs, const char *path, const char *pack, struct fb_error *err)
{
	struct buf b;
	FILE *f;
	int rc;

	buf_init(&b, RULE_FILE_MAX);
	f = fopen(path, "rb");
	if (f == NULL)
		return fb_error_set(err, errno == ENOENT ? FB_ENOTFOUND : FB_EIO,
				    "cannot read rule file '%s': %s", path, strerror(errno));
	rc = buf_read_stream(&b, f);
	fclose(f);
	if (rc == FB_ELIMIT)
		fb_error_set(err, rc, "rule file '%s' is larger than %zu bytes", path, RULE_FILE_MAX);
	else if (rc < 0)
		fb_error_set(err, rc, "cannot read rule file '%s'", path);
	else
		rc = ruleset_load_text(rs, path, buf_cstr(&b), b.len, pack, err);
	buf_release(&b);
	return rc;
}

static int is_rule_file(const char *name)
{
	size_t n = strlen(name);

	if (strcmp(name, "sgconfig.yml") == 0)
		return 0;
	return (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	       (n > 5 && strcmp(name + n - 5, ".yaml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ruleset_load_dir(struct ruleset *rs, const char *dir, const char *pack, struct fb_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (d == NULL)
		return fb_error_set(err, errno == ENOENT ? FB_ENOTFOUND : FB_EIO,
				    "cannot open rule directory '%s': %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		char **p;
		if (e->d_name[0] == '.' || strcmp(e->d_name, "tests") == 0)
			continue;
		if ((p = realloc(names, (n + 1) * sizeof(*p))) == NULL ||
		    (p[n] = strdup(e->d_name)) == NULL) {
			names = p ? p : names;
			rc = fb_error_set(err, FB_ENOMEM, "out of memory");
			goto out;
		}
		names = p;
		n++;
	}
	/* Sorted, so load order (and duplicate-id errors) are deterministic. */
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && rc == 0; i++) {
		struct buf path;
		struct stat st;

		buf_init(&path, 4096);
		if (buf_printf(&path, "%s/%s", dir, names[i]) < 0) {
			rc = fb_error_set(err, FB_ELIMIT, "path too long under '%s'", dir);
		} else if (stat(buf_cstr(&path), &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = ruleset_load_dir(rs, buf_cstr(&path), pack, err);
		} else if (is_rule_file(names[i])) {
			rc = ruleset_load_file(rs, buf_cstr(&path), pack, err);
		}
		buf_release(&path);
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}
