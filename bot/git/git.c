/*
 * git.c - repositories, revisions, merge bases and file reads over libgit2;
 * see git.h.  Diff text is produced in git_diff.c.
 *
 * Every libgit2 call's return code is checked and translated by git_fail(),
 * which takes libgit2's own last-error message for the detail.  Objects are
 * freed at one `out:` label per function.
 */
#include "git_priv.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libgit2 is initialised on first use, not at start: its init loads the
 * system's CA certificates (about 15 ms), which a review outside any
 * repository never needs.  This is the process-wide library state the
 * house rules allow; pthread_once makes it safe from any thread. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static atomic_int init_rc = 1; /* 1: not yet; 0: done; <0: libgit2's error */

static void shutdown_libgit2(void)
{
	git_libgit2_shutdown();
}

static void init_libgit2(void)
{
	int rc = git_libgit2_init();

	atomic_store(&init_rc, rc < 0 ? rc : 0);
	/* Released once, at exit, whoever initialised it. */
	if (rc >= 0)
		atexit(shutdown_libgit2);
}

static int ensure_init(struct fb_error *err)
{
	int rc;

	pthread_once(&init_once, init_libgit2);
	rc = atomic_load(&init_rc);
	return rc < 0 ? git_fail(err, rc, "initialising libgit2") : 0;
}

int git_lib_init(struct fb_error *err)
{
	return ensure_init(err);
}

int fb_git_global_init(struct fb_error *err)
{
	(void)err;
	return 0;
}

void fb_git_global_shutdown(void)
{
	/* libgit2 is released at exit (see init_libgit2). */
}

static bool exists(const char *dir, const char *name, bool want_dir)
{
	struct buf p;
	struct stat st;
	bool ok;

	buf_init(&p, 8192);
	ok = buf_printf(&p, "%s/%s", dir, name) == 0 && stat(buf_cstr(&p), &st) == 0 &&
	     (!want_dir || S_ISDIR(st.st_mode));
	buf_release(&p);
	return ok;
}

/* A cheap look for a repository at or above `dir` (a .git entry, or a bare
 * repository's HEAD and objects/), so that paths outside any repository
 * never wake libgit2.  A false positive only costs libgit2's own search. */
static bool maybe_in_repository(const char *dir)
{
	char *p = realpath(dir, NULL), *slash;
	bool found = false;

	if (p == NULL)
		return true; /* let libgit2 report what is wrong */
	for (;;) {
		if (exists(p, ".git", false) || (exists(p, "HEAD", false) && exists(p, "objects", true))) {
			found = true;
			break;
		}
		slash = strrchr(p, '/');
		if (slash == NULL || slash == p) {
			found = exists("/", ".git", false);
			break;
		}
		*slash = '\0';
	}
	free(p);
	return found;
}

static int map_code(int gitrc)
{
	switch (gitrc) {
	case GIT_ENOTFOUND:
		return FB_ENOTFOUND;
	case GIT_EAMBIGUOUS:
	case GIT_EINVALIDSPEC:
	case GIT_EINVALID:
	case GIT_EOWNER:
	case GIT_EBAREREPO:
		return FB_EINVAL;
	default:
		return FB_EINTERNAL;
	}
}

int git_fail(struct fb_error *err, int gitrc, const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	char what[FB_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ge && ge->message && ge->message[0])
		return fb_error_set(err, map_code(gitrc), "%s: %s", what, ge->message);
	return fb_error_set(err, map_code(gitrc), "%s: libgit2 error %d", what, gitrc);
}

int fb_repo_open(struct fb_repo **out, const char *dir, struct fb_error *err)
{
	struct fb_repo *r = NULL;
	const char *wd;
	int rc;

	*out = NULL;
	if (!maybe_in_repository(dir))
		return fb_error_set(err, FB_ENOTFOUND, "'%s' is not inside a git repository", dir);
	if ((rc = ensure_init(err)) < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	r->lock_fd = -1;
	rc = git_repository_open_ext(&r->repo, dir, 0, NULL);
	if (rc == GIT_ENOTFOUND) {
		rc = fb_error_set(err, FB_ENOTFOUND, "'%s' is not inside a git repository", dir);
		goto out;
	}
	if (rc < 0) {
		rc = git_fail(err, rc, "opening the git repository at '%s'", dir);
		goto out;
	}
	wd = git_repository_workdir(r->repo);
	if (wd && (r->workdir = strdup(wd)) == NULL) {
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
		goto out;
	}
	r->name = strdup(wd ? wd : git_repository_path(r->repo));
	if (r->name == NULL) {
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
		goto out;
	}
	*out = r;
	r = NULL;
	rc = 0;
out:
	fb_repo_free(r);
	return rc;
}

void fb_repo_free(struct fb_repo *r)
{
	if (r == NULL)
		return;
	git_repository_free(r->repo);
	if (r->lock_fd >= 0)
		close(r->lock_fd); /* releases the cache's shared lock */
	free(r->workdir);
	free(r->name);
	free(r);
}

const char *fb_repo_workdir(const struct fb_repo *r)
{
	return r->workdir;
}

bool fb_repo_is_bare(const struct fb_repo *r)
{
	return r->workdir == NULL;
}

const char *fb_repo_gitdir(const struct fb_repo *r)
{
	return git_repository_path(r->repo);
}

int fb_repo_path_ignored(bool *out, struct fb_repo *r, const char *relpath, struct fb_error *err)
{
	int ignored = 0;
	int rc = git_ignore_path_is_ignored(&ignored, r->repo, relpath);

	*out = false;
	if (rc < 0)
		return git_fail(err, rc, "checking whether '%s' is ignored", relpath);
	*out = ignored != 0;
	return 0;
}

int fb_repo_resolve(char out[FB_SHA_HEX + 1], struct fb_repo *r, const char *rev,
		    struct fb_error *err)
{
	git_object *obj = NULL, *commit = NULL;
	int rc;

	out[0] = '\0';
	rc = git_revparse_single(&obj, r->repo, rev);
	if (rc == GIT_ENOTFOUND) {
		rc = fb_error_set(err, FB_ENOTFOUND, "revision '%s' not found in %s", rev, r->name);
		goto out;
	}
	if (rc < 0) {
		rc = git_fail(err, rc, "revision '%s' in %s", rev, r->name);
		goto out;
	}
	rc = git_object_peel(&commit, obj, GIT_OBJECT_COMMIT);
	if (rc < 0) {
		rc = fb_error_set(err, FB_EINVAL, "revision '%s' in %s does not name a commit", rev,
				  r->name);
		goto out;
	}
	git_oid_tostr(out, FB_SHA_HEX + 1, git_object_id(commit));
	rc = 0;
out:
	git_object_free(commit);
	git_object_free(obj);
	return rc;
}

static int parse_sha(git_oid *out, const char *sha, struct fb_error *err)
{
	size_t i;

	for (i = 0; sha[i]; i++)
		if (!strchr("0123456789abcdefABCDEF", sha[i]))
			break;
	if (i != FB_SHA_HEX || sha[i] != '\0' || git_oid_fromstr(out, sha) < 0)
		return fb_error_set(err, FB_EINVAL, "'%s' is not a 40-hex commit sha", sha);
	return 0;
}

int git_commit_by_sha(git_commit **out, struct fb_repo *r, const char *sha, struct fb_error *err)
{
	git_oid oid;
	int rc = parse_sha(&oid, sha, err);

	*out = NULL;
	if (rc < 0)
		return rc;
	rc = git_commit_lookup(out, r->repo, &oid);
	if (rc == GIT_ENOTFOUND)
		return fb_error_set(err, FB_ENOTFOUND, "commit %s not found in %s", sha, r->name);
	if (rc < 0)
		return git_fail(err, rc, "commit %s in %s", sha, r->name);
	return 0;
}

int fb_repo_merge_base(char out[FB_SHA_HEX + 1], struct fb_repo *r, const char *a_sha,
		       const char *b_sha, struct fb_error *err)
{
	git_oid a, b, base;
	int rc;

	out[0] = '\0';
	if ((rc = parse_sha(&a, a_sha, err)) < 0 || (rc = parse_sha(&b, b_sha, err)) < 0)
		return rc;
	rc = git_merge_base(&base, r->repo, &a, &b);
	if (rc == GIT_ENOTFOUND)
		return fb_error_set(err, FB_ENOTFOUND, "commits %.12s and %.12s share no history in %s",
				    a_sha, b_sha, r->name);
	if (rc < 0)
		return git_fail(err, rc, "merge base of %.12s and %.12s in %s", a_sha, b_sha, r->name);
	git_oid_tostr(out, FB_SHA_HEX + 1, &base);
	return 0;
}

int fb_repo_read_file(struct buf *out, struct fb_repo *r, const char *sha, const char *path,
		      struct fb_error *err)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	git_object_size_t size;
	int rc;

	if ((rc = git_commit_by_sha(&commit, r, sha, err)) < 0)
		goto out;
	if ((rc = git_commit_tree(&tree, commit)) < 0) {
		rc = git_fail(err, rc, "tree of commit %.12s", sha);
		goto out;
	}
	rc = git_tree_entry_bypath(&entry, tree, path);
	if (rc == GIT_ENOTFOUND || (rc == 0 && git_tree_entry_type(entry) != GIT_OBJECT_BLOB)) {
		rc = fb_error_set(err, FB_ENOTFOUND, "no file '%s' at commit %.12s", path, sha);
		goto out;
	}
	if (rc < 0) {
		rc = git_fail(err, rc, "looking up '%s' at commit %.12s", path, sha);
		goto out;
	}
	if ((rc = git_blob_lookup(&blob, r->repo, git_tree_entry_id(entry))) < 0) {
		rc = git_fail(err, rc, "reading '%s' at commit %.12s", path, sha);
		goto out;
	}
	size = git_blob_rawsize(blob);
	if (size > out->max || out->len > out->max - (size_t)size) {
		rc = fb_error_set(err, FB_ELIMIT, "'%s' at commit %.12s is %llu bytes, over the %zu-byte limit",
				  path, sha, (unsigned long long)size, out->max);
		goto out;
	}
	rc = buf_append(out, git_blob_rawcontent(blob), (size_t)size);
	if (rc < 0)
		rc = fb_error_set(err, rc, "reading '%s' at commit %.12s: %s", path, sha, fb_code_str(rc));
out:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	return rc;
}

struct list_walk {
	const char *prefix;   /* dir + "/" (or "" for the root) */
	fb_repo_file_cb cb;
	void *payload;
	int cb_rc;
	struct buf path;
};

static int list_walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct list_walk *w = payload;
	git_filemode_t mode = git_tree_entry_filemode(entry);

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE &&
	     mode != GIT_FILEMODE_LINK))
		return 0;
	buf_reset(&w->path);
	if (buf_printf(&w->path, "%s%s%s", w->prefix, root, git_tree_entry_name(entry)) < 0) {
		w->cb_rc = FB_ELIMIT;
		return GIT_EUSER;
	}
	if ((w->cb_rc = w->cb(buf_cstr(&w->path), w->payload)) != 0)
		return GIT_EUSER;
	return 0;
}

int fb_repo_list_files(struct fb_repo *r, const char *sha, const char *dir, fb_repo_file_cb cb,
		       void *payload, struct fb_error *err)
{
	struct list_walk w = { "", cb, payload, 0, { 0 } };
	git_commit *commit = NULL;
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *entry = NULL;
	char *prefix = NULL;
	int rc;

	buf_init(&w.path, 8192);
	if ((rc = git_commit_by_sha(&commit, r, sha, err)) < 0)
		goto out;
	if ((rc = git_commit_tree(&root, commit)) < 0) {
		rc = git_fail(err, rc, "tree of commit %.12s", sha);
		goto out;
	}
	if (dir && dir[0]) {
		rc = git_tree_entry_bypath(&entry, root, dir);
		if (rc == GIT_ENOTFOUND || (rc == 0 && git_tree_entry_type(entry) != GIT_OBJECT_TREE)) {
			rc = fb_error_set(err, FB_ENOTFOUND, "no directory '%s' at commit %.12s", dir, sha);
			goto out;
		}
		if (rc == 0)
			rc = git_tree_lookup(&sub, r->repo, git_tree_entry_id(entry));
		if (rc < 0) {
			rc = git_fail(err, rc, "looking up '%s' at commit %.12s", dir, sha);
			goto out;
		}
		if ((prefix = malloc(strlen(dir) + 2)) == NULL) {
			rc = fb_error_set(err, FB_ENOMEM, "out of memory");
			goto out;
		}
		snprintf(prefix, strlen(dir) + 2, "%s/", dir);
		w.prefix = prefix;
	}
	rc = git_tree_walk(sub ? sub : root, GIT_TREEWALK_PRE, list_walk_cb, &w);
	if (rc == GIT_EUSER || w.cb_rc != 0)
		rc = w.cb_rc == FB_ELIMIT ? fb_error_set(err, FB_ELIMIT, "a path under '%s' is too long",
							 dir ? dir : "") : w.cb_rc;
	else if (rc < 0)
		rc = git_fail(err, rc, "listing '%s' at commit %.12s", dir ? dir : "", sha);
out:
	free(prefix);
	buf_release(&w.path);
	git_tree_entry_free(entry);
	git_tree_free(sub);
	git_tree_free(root);
	git_commit_free(commit);
	return rc;
}
