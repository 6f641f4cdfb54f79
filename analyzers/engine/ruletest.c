/*
 * ruletest.c - loading test cases and running a rule on a snippet.
 */
#include "ruletest.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../bot/core/buf.h"
#include "../../bot/core/yaml.h"
#include "builtin.h"
#include "engine.h"

static void strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void ruletests_release(struct ruletests *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].source);
		strv_free(t->v[i].valid, t->v[i].nvalid);
		strv_free(t->v[i].invalid, t->v[i].ninvalid);
	}
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

static int get_cases(char ***out, size_t *n, const struct ynode *doc, const char *key,
		     const char *name, struct fb_error *err)
{
	const struct ynode *s = ynode_get(doc, key);
	size_t i;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return 0;
	if (s->type != YNODE_SEQ)
		return fb_error_set(err, FB_EINVAL, "%s:%d:%d: '%s' must be a list of code snippets",
				    name, s->line, s->col, key);
	*out = calloc(s->n ? s->n : 1, sizeof(**out));
	if (*out == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (i = 0; i < s->n; i++) {
		if (!ynode_is_scalar(s->items[i]))
			return fb_error_set(err, FB_EINVAL, "%s:%d:%d: each case must be a string",
					    name, s->items[i]->line, s->items[i]->col);
		if (((*out)[i] = strdup(s->items[i]->str)) == NULL)
			return fb_error_set(err, FB_ENOMEM, "out of memory");
		(*n)++;
	}
	return 0;
}

static int load_doc(struct ruletest *t, const struct ynode *doc, const char *name,
		    struct fb_error *err)
{
	const struct ynode *id = ynode_get(doc, "id");
	size_t i;
	int rc;

	if (doc->type != YNODE_MAP || !ynode_is_scalar(id))
		return fb_error_set(err, FB_EINVAL, "%s:%d:%d: a test needs an 'id' naming its rule",
				    name, doc->line, doc->col);
	for (i = 0; i < doc->n; i++) {
		const char *k = doc->keys[i]->str;
		if (strcmp(k, "id") && strcmp(k, "valid") && strcmp(k, "invalid"))
			return fb_error_set(err, FB_EINVAL,
					    "%s:%d:%d: unknown key '%s' in a test (id, valid, invalid)",
					    name, doc->keys[i]->line, doc->keys[i]->col, k);
	}
	t->line = doc->line;
	if ((t->id = strdup(id->str)) == NULL || (t->source = strdup(name)) == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	if ((rc = get_cases(&t->valid, &t->nvalid, doc, "valid", name, err)) < 0)
		return rc;
	return get_cases(&t->invalid, &t->ninvalid, doc, "invalid", name, err);
}

int ruletests_load_text(struct ruletests *t, const char *name, const char *text, size_t len,
			struct fb_error *err)
{
	struct ydoc *doc = NULL;
	size_t i;
	int rc;

	if ((rc = ydoc_parse(&doc, name, text, len, err)) < 0)
		return rc;
	for (i = 0; i < ydoc_count(doc) && rc == 0; i++) {
		struct ruletest *p;
		if (ydoc_root(doc, i) == NULL)
			continue;
		p = realloc(t->v, (t->n + 1) * sizeof(*p));
		if (p == NULL) {
			rc = fb_error_set(err, FB_ENOMEM, "out of memory");
			break;
		}
		t->v = p;
		memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
		t->n++;
		rc = load_doc(&t->v[t->n - 1], ydoc_root(doc, i), name, err);
	}
	ydoc_free(doc);
	return rc;
}

static int load_file(struct ruletests *t, const char *path, struct fb_error *err)
{
	struct buf b;
	FILE *f = fopen(path, "rb");
	int rc;

	if (f == NULL)
		return fb_error_set(err, FB_EIO, "cannot read '%s': %s", path, strerror(errno));
	buf_init(&b, (size_t)4 << 20);
	rc = buf_read_stream(&b, f);
	fclose(f);
	if (rc < 0)
		rc = fb_error_set(err, rc, rc == FB_ELIMIT ? "test file '%s' is too large"
							  : "cannot read test file '%s'", path);
	else
		rc = ruletests_load_text(t, path, buf_cstr(&b), b.len, err);
	buf_release(&b);
	return rc;
}

static int load_tree(struct ruletests *t, const char *dir, int in_tests, int depth,
		     struct fb_error *err)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > 32 || (d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct buf p;
		struct stat st;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		buf_init(&p, 4096);
		buf_printf(&p, "%s/%s", dir, e->d_name);
		if (stat(buf_cstr(&p), &st) == 0 && S_ISDIR(st.st_mode))
			rc = load_tree(t, buf_cstr(&p), in_tests || strcmp(e->d_name, "tests") == 0,
				       depth + 1, err);
		else if (in_tests && len > 4 && strcmp(e->d_name + len - 4, ".yml") == 0)
			rc = load_file(t, buf_cstr(&p), err);
		buf_release(&p);
	}
	closedir(d);
	return rc;
}

int ruletests_load_dir(struct ruletests *t, const char *dir, struct fb_error *err)
{
	return load_tree(t, dir, 0, 0, err);
}

int ruletests_load_builtin(struct ruletests *t, struct fb_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < builtin_rule_file_count; i++) {
		const struct builtin_rule_file *f = &builtin_rule_files[i];
		char name[256];

		if (!builtin_is_test(f->path))
			continue;
		snprintf(name, sizeof(name), "builtin:%s", f->path);
		if ((rc = ruletests_load_text(t, name, f->text, f->len, err)) < 0)
			return rc;
	}
	return 0;
}

int ruletest_run_snippet(struct findings *out, const struct rule *r, const char *code, size_t len,
			 struct fb_error *err)
{
	struct rule alone = *r;
	struct engine_rule er = { &alone, r->severity == SEV_OFF ? SEV_WARNING : r->severity };
	struct engine_opts opts = { .jobs = 1 };
	struct engine *e = NULL;
	struct scan_result res;
	struct scan_input in;
	char path[64];
	size_t i;
	int rc;

	alone.files = NULL;
	alone.ignores = NULL;
	snprintf(path, sizeof(path), "snippet%s", r->lang->extensions[0] ? r->lang->extensions[0] : "");
	in = (struct scan_input){ path, NULL, code, len };
	if ((rc = engine_new(&e, &er, 1, &opts, err)) < 0)
		return rc;
	rc = engine_scan(e, &in, 1, &res, err);
	if (rc == 0) {
		/* Point the findings at the caller's rule, not our local copy. */
		for (i = 0; i < res.findings.n; i++)
			res.findings.v[i].rule = r;
		rc = findings_take(out, &res.findings);
	}
	scan_result_release(&res);
	engine_free(e);
	return rc;
}
