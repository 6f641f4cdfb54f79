/*
 * git.h - the libgit2 boundary: open a repository, resolve revisions, find
 * merge bases, produce unified diffs and read files at a commit.
 *
 * No libgit2 type or error code leaves bot/git/: revisions go in as
 * strings, commits come out as 40-hex shas, diffs as git-format text
 * (parsed by analyzers/diff), and libgit2 errors (git_error_last()) become
 * FB_E* codes with one-line messages.
 *
 * libgit2 is initialised lazily, on the first fb_repo_open() that finds a
 * repository; fb_git_global_init() is kept for symmetry and does nothing,
 * and so does fb_git_global_shutdown(): libgit2 is released at exit.  A struct fb_repo
 * wraps one git_repository and belongs to one thread at a time; open one
 * per thread to work in parallel.
 */
#ifndef FB_GIT_GIT_H
#define FB_GIT_GIT_H

#include <stdbool.h>

#include "../core/buf.h"
#include "../core/err.h"

#define FB_SHA_HEX 40

struct fb_repo;

/* Initialise libgit2 (git_libgit2_init).  FB_EINTERNAL if it fails. */
int fb_git_global_init(struct fb_error *err);
void fb_git_global_shutdown(void);

/* Open the repository containing `dir`, searching upwards from it.
 * FB_ENOTFOUND "'dir' is not inside a git repository"; FB_EINVAL when
 * libgit2 refuses it (for example a repository owned by another user). */
int fb_repo_open(struct fb_repo **out, const char *dir, struct fb_error *err);
void fb_repo_free(struct fb_repo *r);

/* The working directory with a trailing slash; NULL for a bare repository.
 * Borrowed from `r`. */
const char *fb_repo_workdir(const struct fb_repo *r);

/* Is `relpath` (relative to the working directory, forward slashes; a
 * directory may end in '/') ignored by the repository's .gitignore files,
 * .git/info/exclude or core.excludesFile?  *out is set either way. */
int fb_repo_path_ignored(bool *out, struct fb_repo *r, const char *relpath, struct fb_error *err);

/* Resolve `rev` (a sha or prefix, branch, tag, HEAD~2, origin/main, any
 * revspec naming one object) to the 40-hex sha of the commit it peels to.
 * FB_ENOTFOUND "revision 'x' not found in <dir>"; FB_EINVAL for an
 * ambiguous or malformed spec or one that is not a commit. */
int fb_repo_resolve(char out[FB_SHA_HEX + 1], struct fb_repo *r, const char *rev,
		    struct fb_error *err);

/* The best common ancestor of two commits (given as 40-hex shas).
 * FB_ENOTFOUND when they share no history; FB_EINVAL for a malformed sha. */
int fb_repo_merge_base(char out[FB_SHA_HEX + 1], struct fb_repo *r, const char *a_sha,
		       const char *b_sha, struct fb_error *err);

/* Append to `out` the git-format unified diff (a/ b/ prefixes, 3 lines of
 * context, renames detected at git's default 50% similarity, "Binary
 * files ... differ" for binary files) from commit `base_sha` to commit
 * `head_sha`, or, when head_sha is NULL, to the working tree including
 * staged and unstaged changes (untracked files are not included).
 * FB_ELIMIT when the text would pass out->max (out keeps what fit);
 * FB_ENOTFOUND for an unknown commit; FB_EINVAL for a bare repository
 * with head_sha NULL. */
int fb_repo_diff(struct buf *out, struct fb_repo *r, const char *base_sha, const char *head_sha,
		 struct fb_error *err);

/* Append to `out` the content of `path` (repository-relative, forward
 * slashes) at commit `sha`.  A symbolic link reads as its target.
 * FB_ENOTFOUND if there is no such file (or it is a directory or a
 * submodule) at that commit; FB_ELIMIT if it does not fit in out->max
 * (out is left unchanged). */
int fb_repo_read_file(struct buf *out, struct fb_repo *r, const char *sha, const char *path,
		      struct fb_error *err);

#endif
