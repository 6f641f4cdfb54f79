/*
 * review.c - the review action; see review.h.
 *
 * The work is split in stages that each leave the result consistent:
 * configuration, rules, the change (diff), the inputs, the scan, the line
 * filter and the baseline comparison.
 */
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../analyzers/engine/fingerprint.h"
#include "../core/buf.h"
#include "../core/walk.h"
#include "../git/git.h"

#define PATH_MAX_LEN 4096

/* Inputs with the storage behind them. */
struct inputs {
	struct scan_input *v;
	char **owned;     /* strings and file contents to free */
	size_t n, cap, nowned, capowned;
};

static void inputs_release(struct inputs *in)
{
	size_t i;

	for (i = 0; i < in->nowned; i++)
		free(in->owned[i]);
	free(in->owned);
	free(in->v);
	memset(in, 0, sizeof(*in));
}

static char *inputs_own(struct inputs *in, char *s)
{
	if (s == NULL)
		return NULL;
	if (in->nowned == in->capowned) {
		size_t cap = in->capowned ? in->capowned * 2 : 64;
		char **p = realloc(in->owned, cap * sizeof(*p));
		if (p == NULL) {
			free(s);
			return NULL;
		}
		in->owned = p;
		in->capowned = cap;
	}
	in->owned[in->nowned++] = s;
	return s;
}

static int inputs_add(struct inputs *in, const char *path, const char *disk, const char *text,
		      size_t len)
{
	if (in->n == in->cap) {
		size_t cap = in->cap ? in->cap * 2 : 256;
		struct scan_input *p = realloc(in->v, cap * sizeof(*p));
		if (p == NULL)
			return FB_ENOMEM;
		in->v = p;
		in->cap = cap;
	}
	in->v[in->n++] = (struct scan_input){ path, disk, text, len };
	return 0;
}

void review_result_init(struct review_result *r)
{
	memset(r, 0, sizeof(*r));
	ruleset_init(&r->rules);
	repo_config_init(&r->config);
}

void review_result_release(struct review_result *r)
{
	scan_result_release(&r->scan);
	diff_release(&r->diff);
	ruleset_release(&r->rules);
	repo_config_release(&r->config);
	review_result_init(r);
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static char *join(const char *dir, const char *rel)
{
	struct buf b;

	buf_init(&b, PATH_MAX_LEN);
	if (strcmp(dir, ".") == 0 || rel[0] == '/')
		buf_puts(&b, rel);
	else
		buf_printf(&b, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rel);
	return buf_detach(&b);
}

/* Where per-repository settings come from: the working tree (repo NULL)
 * or the head commit of `repo`. */
struct settings_src {
	struct fb_repo *repo;
	char sha[FB_SHA_HEX + 1];
};

/* Settings are read at the head when asked, or when the repository is
 * bare; without a head (or outside a repository) from the disk, as ever.
 * Failures here are left for the review proper to report. */
static void settings_open(struct settings_src *s, const struct review_request *req,
			  const char *repo_dir)
{
	struct fb_error ignore = { 0 };

	memset(s, 0, sizeof *s);
	if (req->head == NULL || req->config_path != NULL ||
	    fb_repo_open(&s->repo, repo_dir, &ignore) < 0)
		return;
	if ((!req->config_at_head && !fb_repo_is_bare(s->repo)) ||
	    fb_repo_resolve(s->sha, s->repo, req->head, &ignore) < 0) {
		fb_repo_free(s->repo);
		s->repo = NULL;
	}
}

/* Read `path` at the settings commit into `b` and name it "<sha12>:path". */
static int read_at_head(struct buf *b, char name[PATH_MAX_LEN], const struct settings_src *s,
			const char *path, struct fb_error *err)
{
	snprintf(name, PATH_MAX_LEN, "%.12s:%s", s->sha, path);
	return fb_repo_read_file(b, s->repo, s->sha, path, err);
}

static int load_config_at_head(struct review_result *out, const struct settings_src *s,
			       struct fb_error *err)
{
	char name[PATH_MAX_LEN];
	struct buf b;
	int rc;

	buf_init(&b, (size_t)1 << 20);
	rc = read_at_head(&b, name, s, ".forgebot.yml", err);
	if (rc == FB_ENOTFOUND) {
		fb_error_clear(err);
		rc = 0;
	} else if (rc == 0) {
		rc = repo_config_load_text(&out->config, name, buf_cstr(&b), b.len, err);
	}
	buf_release(&b);
	return rc;
}

static int load_config(struct review_result *out, const struct review_request *req,
		       const char *repo, const struct settings_src *s, struct fb_error *err)
{
	char *path;
	int rc;

	if (s->repo)
		return load_config_at_head(out, s, err);
	path = req->config_path ? strdup(req->config_path) : join(repo, ".forgebot.yml");
	if (path == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	rc = repo_config_load(&out->config, path, err);
	if (rc == FB_ENOTFOUND && req->config_path == NULL) {
		repo_config_init(&out->config);
		fb_error_clear(err);
		rc = 0;
	}
	free(path);
	return rc;
}

static int load_rule_path(struct ruleset *rs, const char *path, struct fb_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return fb_error_set(err, FB_ENOTFOUND, "rule path '%s' does not exist", path);
	if (S_ISDIR(st.st_mode))
		return ruleset_load_dir(rs, path, path, err);
	return ruleset_load_file(rs, path, path, err);
}

struct tree_rules {
	struct ruleset *rules;
	const struct settings_src *src;
	const char *dir;         /* the pack: the directory as configured */
	struct fb_error *err;
};

static int load_tree_file(const struct tree_rules *t, const char *path)
{
	char name[PATH_MAX_LEN];
	struct buf b;
	int rc;

	buf_init(&b, (size_t)1 << 24);
	rc = read_at_head(&b, name, t->src, path, t->err);
	if (rc == 0)
		rc = ruleset_load_text(t->rules, name, buf_cstr(&b), b.len, t->dir, t->err);
	buf_release(&b);
	return rc;
}

/* As ruleset_load_dir picks: *.yml and *.yaml, no dot files, no tests/. */
static int load_tree_rule(const char *path, void *payload)
{
	const struct tree_rules *t = payload;
	const char *rel = path + (t->dir[0] ? strlen(t->dir) + 1 : 0);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(path);

	if (rel[0] == '.' || strstr(rel, "/.") || strncmp(rel, "tests/", 6) == 0 ||
	    strstr(rel, "/tests/") || strcmp(base, "sgconfig.yml") == 0 ||
	    !((n > 4 && strcmp(path + n - 4, ".yml") == 0) ||
	      (n > 5 && strcmp(path + n - 5, ".yaml") == 0)))
		return 0;
	return load_tree_file(t, path);
}

/* A configured rule directory (or file) as it is at the settings commit;
 * "./x/" names "x" there. */
static int load_rule_tree(struct ruleset *rs, const struct settings_src *s, const char *conf,
			  struct fb_error *err)
{
	const char *p = strncmp(conf, "./", 2) == 0 ? conf + 2 : strcmp(conf, ".") ? conf : "";
	size_t n = strlen(p);
	char dir[PATH_MAX_LEN];
	struct tree_rules t = { rs, s, dir, err };
	int rc;

	while (n > 0 && p[n - 1] == '/')
		n--;
	snprintf(dir, sizeof dir, "%.*s", (int)n, p);
	rc = fb_repo_list_files(s->repo, s->sha, dir, load_tree_rule, &t, err);

	if (rc == FB_ENOTFOUND && (rc = load_tree_file(&t, dir)) == FB_ENOTFOUND)
		rc = fb_error_set(err, rc, "rule path '%s' does not exist at commit %.12s", dir, s->sha);
	return rc;
}

static int load_rules(struct review_result *out, const struct review_request *req,
		      const char *repo, const struct settings_src *s, struct fb_error *err)
{
	size_t i;
	int rc;

	if (!req->no_builtin && out->config.builtin &&
	    (rc = ruleset_load_builtin(&out->rules, err)) < 0)
		return rc;
	for (i = 0; out->config.rule_dirs && out->config.rule_dirs[i]; i++) {
		char *p;
		if (s->repo) {
			if ((rc = load_rule_tree(&out->rules, s, out->config.rule_dirs[i], err)) < 0)
				return rc;
			continue;
		}
		p = join(repo, out->config.rule_dirs[i]);
		rc = p ? load_rule_path(&out->rules, p, err) : FB_ENOMEM;
		free(p);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < req->nrule_dirs; i++)
		if ((rc = load_rule_path(&out->rules, req->rule_dirs[i], err)) < 0)
			return rc;
	return 0;
}

struct walk_ctx {
	struct inputs *in;
	const struct engine *engine;
	const struct repo_config *cfg;
	size_t strip;          /* bytes of repository prefix to hide in reported paths */
	struct fb_repo *repo;  /* for .gitignore; NULL outside a repository */
	const char *root;      /* the walk's root as given */
	char *root_rel;        /* the root relative to the work tree; NULL: outside it */
};

/* `path` (under w->root) relative to the work tree, or NULL. */
static char *workdir_path(const struct walk_ctx *w, const char *path)
{
	/* The walk lists "." without a "./" prefix. */
	const char *rest = strcmp(w->root, ".") == 0 ? path : path + strlen(w->root);
	struct buf b;

	if (w->root_rel == NULL)
		return NULL;
	while (*rest == '/')
		rest++;
	buf_init(&b, PATH_MAX_LEN);
	buf_printf(&b, "%s%s%s", w->root_rel, *w->root_rel && *rest ? "/" : "", rest);
	return buf_detach(&b);
}

static bool git_ignored(const struct walk_ctx *w, const char *path, bool dir)
{
	char *rel = workdir_path(w, path);
	bool ignored = false;

	if (rel && *rel) {
		if (dir) {
			struct buf d;
			buf_init(&d, PATH_MAX_LEN);
			if (buf_printf(&d, "%s/", rel) == 0)
				fb_repo_path_ignored(&ignored, w->repo, buf_cstr(&d), NULL);
			buf_release(&d);
		} else {
			fb_repo_path_ignored(&ignored, w->repo, rel, NULL);
		}
	}
	free(rel);
	return ignored;
}

static bool skip_dir(const char *path, void *payload)
{
	return git_ignored(payload, path, true);
}

static int on_file(const char *path, void *payload)
{
	struct walk_ctx *w = payload;
	const char *shown = path + (strlen(path) >= w->strip ? w->strip : 0);
	char *disk, *rel;

	if (strncmp(shown, "./", 2) == 0)
		shown += 2;
	if (!engine_wants(w->engine, shown) || !repo_config_path_wanted(w->cfg, shown) ||
	    git_ignored(w, path, false))
		return 0;
	disk = inputs_own(w->in, strdup(path));
	rel = inputs_own(w->in, strdup(shown));
	if (disk == NULL || rel == NULL)
		return FB_ENOMEM;
	return inputs_add(w->in, rel, disk, NULL, 0);
}

/* Where `root` sits in the repository's work tree: "" for the top, "src"
 * for a subdirectory, NULL when it is outside (or there is no repository). */
static char *root_in_workdir(struct fb_repo *repo, const char *root)
{
	const char *wd = repo ? fb_repo_workdir(repo) : NULL;
	char *real, *wdreal, *rel = NULL;
	size_t n;

	if (wd == NULL || (real = realpath(root, NULL)) == NULL)
		return NULL;
	if ((wdreal = realpath(wd, NULL)) != NULL) {
		n = strlen(wdreal);
		if (strncmp(real, wdreal, n) == 0 && (real[n] == '\0' || real[n] == '/'))
			rel = strdup(real + n + (real[n] == '/'));
		free(wdreal);
	}
	free(real);
	return rel;
}

/* Walk one root, honouring the .gitignore of the repository it is in (if any). */
static int walk_root(struct walk_ctx *w, const char *root, struct fb_error *err)
{
	struct fb_error ignore = { 0 };
	struct stat st;
	char *dir = strdup(root), *slash;
	int rc;

	if (dir == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	if (stat(root, &st) == 0 && !S_ISDIR(st.st_mode)) {
		slash = strrchr(dir, '/');
		if (slash) {
			*slash = '\0';
		} else {
			free(dir);
			dir = strdup(".");
		}
	}
	/* Not being in a repository is fine: then nothing is ignored. */
	if (dir == NULL || fb_repo_open(&w->repo, dir, &ignore) < 0)
		w->repo = NULL;
	free(dir);
	w->root = root;
	w->root_rel = root_in_workdir(w->repo, root);
	rc = walk_files(root, on_file, w->root_rel ? skip_dir : NULL, w, err);
	free(w->root_rel);
	w->root_rel = NULL;
	fb_repo_free(w->repo);
	w->repo = NULL;
	return rc;
}

/* Every file under the paths (or the repository), minus what .gitignore,
 * .forgebot.yml's paths and the rules' languages leave out. */
static int collect_whole(struct inputs *in, const struct engine *e, const struct review_request *req,
			 const struct repo_config *cfg, const char *repo, struct fb_error *err)
{
	struct walk_ctx w = { in, e, cfg, 0, NULL, NULL, NULL };
	size_t i;
	int rc = 0;

	if (req->npaths == 0) {
		/* The repository itself: show paths relative to it. */
		w.strip = strcmp(repo, ".") == 0 ? 0 : strlen(repo) + (repo[strlen(repo) - 1] != '/');
		rc = walk_root(&w, repo, err);
	}
	for (i = 0; i < req->npaths && rc == 0; i++) {
		rc = walk_root(&w, req->paths[i], err);
		if (rc == FB_ENOTFOUND)
			rc = fb_error_set(err, rc, "path '%s' does not exist", req->paths[i]);
	}
	return rc;
}

/* The PATH arguments of a diff-aware review as repository-relative paths:
 * they are given relative to the current directory, which may be a
 * subdirectory of the work tree.  A path that does not exist (a file the
 * change deletes) is taken as written. */
static char **requested_paths(const struct review_request *req, struct fb_repo *repo)
{
	char **v = calloc(req->npaths + 1, sizeof(*v));
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < req->npaths; i++) {
		const char *p = req->paths[i];
		char *rel = repo ? root_in_workdir(repo, p) : NULL;

		if (rel == NULL)
			rel = strdup(strncmp(p, "./", 2) == 0 ? p + 2 : p);
		if (rel == NULL) {
			free_strv(v);
			return NULL;
		}
		v[i] = rel;
	}
	return v;
}

static bool in_requested_paths(char *const *want, size_t nwant, const char *path)
{
	size_t i, n;

	if (nwant == 0)
		return true;
	for (i = 0; i < nwant; i++) {
		const char *p = want[i];
		if (strcmp(p, ".") == 0 || p[0] == '\0')
			return true;
		n = strlen(p);
		while (n && p[n - 1] == '/')
			n--;
		if (strncmp(path, p, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static int collect_diff_files(struct inputs *in, const struct engine *e, const struct diff *d,
			      char *const *want, size_t nwant, struct review_result *out,
			      struct fb_repo *repo, const char *repo_dir, struct fb_error *err);

/* The files of the change, at the head revision or in the working tree. */
static int collect_diff(struct inputs *in, const struct engine *e, const struct diff *d,
			const struct review_request *req, struct review_result *out,
			struct fb_repo *repo, const char *repo_dir, struct fb_error *err)
{
	char **want = requested_paths(req, repo);
	int rc = collect_diff_files(in, e, d, want, req->npaths, out, repo, repo_dir, err);

	free_strv(want);
	return rc;
}

static int collect_diff_files(struct inputs *in, const struct engine *e, const struct diff *d,
			      char *const *want, size_t nwant, struct review_result *out,
			      struct fb_repo *repo, const char *repo_dir, struct fb_error *err)
{
	/* Working-tree files are read from the top of the work tree, whatever
	 * subdirectory forgebot runs in. */
	const char *root = repo && fb_repo_workdir(repo) ? fb_repo_workdir(repo) : repo_dir;
	size_t i;
	int rc;

	for (i = 0; i < d->n; i++) {
		const struct diff_file *f = &d->files[i];
		struct buf content;
		char *disk, *text;
		size_t len;

		if (f->status == DIFF_DELETED || f->binary)
			continue;
		out->files_in_diff++;
		if (!engine_wants(e, f->new_path) || !repo_config_path_wanted(&out->config, f->new_path) ||
		    !in_requested_paths(want, nwant, f->new_path))
			continue;
		if (out->head_sha[0] == '\0' || repo == NULL) {
			if ((disk = inputs_own(in, join(root, f->new_path))) == NULL)
				return fb_error_set(err, FB_ENOMEM, "out of memory");
			if ((rc = inputs_add(in, f->new_path, disk, NULL, 0)) < 0)
				return fb_error_set(err, rc, "out of memory");
			continue;
		}
		buf_init(&content, (size_t)1 << 30);
		rc = fb_repo_read_file(&content, repo, out->head_sha, f->new_path, err);
		if (rc < 0) {
			buf_release(&content);
			return rc;
		}
		len = content.len;
		text = inputs_own(in, buf_detach(&content));
		if (text == NULL || inputs_add(in, f->new_path, NULL, text, len) < 0)
			return fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	return 0;
}

/* Resolve base and head, and produce the change as diff text. */
static int diff_from_repo(struct buf *text, struct fb_repo *repo, const struct review_request *req,
			  struct review_result *out, struct fb_error *err)
{
	char base[41], head[41];
	int rc;

	if ((rc = fb_repo_resolve(head, repo, req->head ? req->head : "HEAD", err)) < 0)
		return rc;
	if ((rc = fb_repo_resolve(base, repo, req->base, err)) < 0)
		return rc;
	/* Review what the head adds since it forked from the base, as a
	 * pull request does. */
	if ((rc = fb_repo_merge_base(out->base_sha, repo, base, head, err)) < 0)
		return rc;
	if (req->head)
		memcpy(out->head_sha, head, sizeof(head));
	return fb_repo_diff(text, repo, out->base_sha, req->head ? head : NULL, err);
}

struct filter_ctx {
	const struct diff *diff;
	enum filter_mode mode;
	char (*base_fps)[17]; /* --new-only: sorted fingerprints at the base */
	size_t nbase;
	size_t dropped_filter, dropped_existing;
};

static int cmp_fp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* The sorted fingerprints of a scan, for bsearch. */
static int collect_fingerprints(struct filter_ctx *c, const struct scan_result *base)
{
	size_t i;

	c->nbase = base->findings.n;
	if (c->nbase == 0)
		return 0;
	c->base_fps = malloc(c->nbase * sizeof(*c->base_fps));
	if (c->base_fps == NULL)
		return FB_ENOMEM;
	for (i = 0; i < c->nbase; i++)
		memcpy(c->base_fps[i], base->findings.v[i].fingerprint, 17);
	qsort(c->base_fps, c->nbase, sizeof(*c->base_fps), cmp_fp);
	return 0;
}

static int keep_finding(const struct finding *f, void *payload)
{
	struct filter_ctx *c = payload;

	if (c->diff && !diff_keeps(c->diff, c->mode, f->path, f->start_line, f->end_line)) {
		c->dropped_filter++;
		return 0;
	}
	if (c->nbase && bsearch(f->fingerprint, c->base_fps, c->nbase, sizeof(*c->base_fps),
				cmp_fp) != NULL) {
		c->dropped_existing++;
		return 0;
	}
	return 1;
}

/* The base versions of the changed files, scanned under their new names so
 * that fingerprints compare across renames. */
static int scan_base(struct scan_result *out, struct engine *e, struct fb_repo *repo,
		     const struct diff *d, const char *base_sha, struct fb_error *err)
{
	struct inputs in = { 0 };
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < d->n && rc == 0; i++) {
		const struct diff_file *f = &d->files[i];
		struct buf content;
		size_t len;
		char *text;

		if (f->status == DIFF_ADDED || f->status == DIFF_DELETED || f->binary ||
		    !engine_wants(e, f->new_path))
			continue;
		buf_init(&content, (size_t)1 << 30);
		rc = fb_repo_read_file(&content, repo, base_sha, f->old_path, err);
		if (rc == FB_ENOTFOUND) {
			rc = 0;
			buf_release(&content);
			continue;
		}
		len = content.len;
		text = inputs_own(&in, buf_detach(&content));
		if (rc == 0 && (text == NULL || inputs_add(&in, f->new_path, NULL, text, len) < 0))
			rc = fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = engine_scan(e, in.v, in.n, out, err);
	inputs_release(&in);
	return rc;
}

static int resolve_filter(struct review_result *out, const struct review_request *req,
			  struct fb_error *err)
{
	out->filter = FILTER_ADDED;
	if (req->filter_set) {
		out->filter = req->filter;
	} else if (out->config.filter_mode &&
		   filter_mode_parse(out->config.filter_mode, &out->filter) < 0) {
		return fb_error_set(err, FB_EINVAL, "config: invalid filter_mode '%s'",
				    out->config.filter_mode);
	}
	return 0;
}

/* Stage 3-5 for a diff-aware review. */
static int review_change(struct review_result *out, const struct review_request *req,
			 struct engine *e, const char *repo_dir, struct fb_error *err)
{
	struct fb_repo *repo = NULL;
	struct diff d = { 0 };
	struct buf text;
	struct inputs in = { 0 };
	struct scan_result base = { 0 };
	struct filter_ctx fc = { 0 };
	int rc;

	buf_init(&text, (size_t)1 << 30);
	if (req->base || req->head || req->new_only) {
		if ((rc = fb_repo_open(&repo, repo_dir, err)) < 0)
			goto out;
	}
	if (req->diff_text) {
		rc = diff_parse(&d, req->diff_text, req->diff_len, err);
		if (rc == 0 && req->head)
			rc = fb_repo_resolve(out->head_sha, repo, req->head, err);
	} else {
		rc = diff_from_repo(&text, repo, req, out, err);
		if (rc == 0)
			rc = diff_parse(&d, buf_cstr(&text), text.len, err);
	}
	if (rc < 0)
		goto out;
	if ((rc = collect_diff(&in, e, &d, req, out, repo, repo_dir, err)) < 0)
		goto out;
	if ((rc = engine_scan(e, in.v, in.n, &out->scan, err)) < 0)
		goto out;
	if (req->new_only) {
		if (out->base_sha[0] == '\0') {
			rc = fb_error_set(err, FB_EINVAL, "--new-only needs --base REV to compare with");
			goto out;
		}
		if ((rc = scan_base(&base, e, repo, &d, out->base_sha, err)) < 0 ||
		    (rc = collect_fingerprints(&fc, &base)) < 0)
			goto out;
	}
	fc.diff = &d;
	fc.mode = out->filter;
	findings_filter(&out->scan.findings, keep_finding, &fc);
	out->dropped_by_filter = fc.dropped_filter;
	out->dropped_existing = fc.dropped_existing;
	out->diff = d; /* the result owns the change now */
	memset(&d, 0, sizeof d);
out:
	free(fc.base_fps);
	scan_result_release(&base);
	inputs_release(&in);
	diff_release(&d);
	buf_release(&text);
	fb_repo_free(repo);
	return rc;
}

int review_run(struct review_result *out, const struct review_request *req, const struct log *lg,
	       struct fb_error *err)
{
	const char *repo_dir = req->repo_dir ? req->repo_dir : ".";
	struct engine_opts opts = { 0 };
	struct engine_rule *selected = NULL;
	struct engine *e = NULL;
	struct inputs in = { 0 };
	struct settings_src src;
	size_t nselected = 0;
	int rc;

	review_result_init(out);
	settings_open(&src, req, repo_dir);
	if ((rc = load_config(out, req, repo_dir, &src, err)) < 0 ||
	    (rc = load_rules(out, req, repo_dir, &src, err)) < 0 ||
	    (rc = review_select_rules(&selected, &nselected, &out->rules, &out->config, err)) < 0 ||
	    (rc = resolve_filter(out, req, err)) < 0)
		goto out;
	opts.jobs = req->jobs;
	opts.max_file_size = req->max_file_size ? req->max_file_size : out->config.max_file_size;
	opts.parse_timeout_us = 30 * 1000 * 1000;
	opts.no_line_text = req->no_line_text;
	if ((rc = engine_new(&e, selected, nselected, &opts, err)) < 0)
		goto out;
	log_write(lg, LOG_DEBUG, "review started", "rules_loaded", nselected ? "yes" : "none", NULL);
	out->diff_aware = req->base != NULL || req->diff_text != NULL;
	if (out->diff_aware) {
		rc = review_change(out, req, e, repo_dir, err);
	} else {
		if (req->new_only) {
			rc = fb_error_set(err, FB_EINVAL, "--new-only needs --base REV to compare with");
			goto out;
		}
		rc = collect_whole(&in, e, req, &out->config, repo_dir, err);
		if (rc == 0)
			rc = engine_scan(e, in.v, in.n, &out->scan, err);
	}
out:
	fb_repo_free(src.repo);
	inputs_release(&in);
	engine_free(e);
	free(selected);
	return rc;
}
