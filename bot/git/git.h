/*
 * git.h - the libgit2 boundary: open a repository, resolve revisions, find
 * merge bases, produce unified diffs and read files at a commit; keep a
 * cache of bare repositories fetched from forges (cache.c).
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
#include <stddef.h>
#include <stdint.h>

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

/* ---- bare repositories, listing trees, the repository cache ---- */

/* Is `r` a bare repository (no working directory)? */
bool fb_repo_is_bare(const struct fb_repo *r);

/* The repository's git directory (the repository itself when bare), with
 * a trailing slash.  Borrowed from `r`. */
const char *fb_repo_gitdir(const struct fb_repo *r);

/* Called once per file by fb_repo_list_files with its repository-relative
 * path (borrowed for the call); a non-zero return stops the walk. */
typedef int (*fb_repo_file_cb)(const char *path, void *payload);

/* Call `cb` for every regular file and symbolic link under `dir`
 * (repository-relative, forward slashes, no trailing slash) at commit
 * `sha`, depth first in tree order.  Submodules are skipped.  Returns 0,
 * cb's non-zero return, FB_ENOTFOUND when `dir` is not a directory at that
 * commit, or FB_EINVAL for a malformed sha. */
int fb_repo_list_files(struct fb_repo *r, const char *sha, const char *dir, fb_repo_file_cb cb,
		       void *payload, struct fb_error *err);

/*
 * The bare-repository cache (cache.c): one bare repository per `key`
 * under `cache_dir`, named <key sanitized>-<hash>.git, with a lock file
 * beside it (<same>.lock) whose mtime is the last-used stamp.
 *
 * fb_cache_fetch creates `cache_dir` (0700) and the repository when
 * absent, takes an exclusive flock on the lock file (serialising fetches
 * of one repository across threads and processes; after two minutes of
 * waiting: FB_ERETRY), fetches `refspecs` ("+src:dst", usually into
 * refs/forgebot/...) from `url` without tags -- incrementally: objects
 * already present are not transferred again -- stamps the last use and
 * hands back the open repository in *out, which keeps a shared lock on it
 * until fb_repo_free() so that no eviction removes it while it is read.
 * Then, when `max_bytes` is not 0 and the cache is larger, it evicts the
 * least recently used repositories until it fits, never this one and
 * never one another fetch or reader has locked (best effort: eviction
 * failures are not reported).
 *
 * A refspec whose source the remote does not have fetches nothing and is
 * not an error: resolve what you need afterwards.  url.*.insteadOf is not
 * applied.  *out belongs to the calling thread, like any struct fb_repo.
 *
 * Credentials: when the server asks, `user` and `password` (both or
 * neither may be NULL) are offered at most three times.  No message
 * contains the password, and the URL is shown without its user-info.
 *
 * Errors: FB_EAUTH (credentials refused, or needed and none given),
 * FB_ENOTFOUND (no repository at `url`), FB_ERETRY (network failure,
 * server error, or the lock stayed busy), FB_EINVAL (a bad argument or
 * refspec), FB_EIO (the cache directory), FB_EINTERNAL (libgit2).
 */
int fb_cache_fetch(struct fb_repo **out, const char *cache_dir, const char *key, const char *url,
		   const char *const *refspecs, size_t nrefspecs, const char *user,
		   const char *password, uint64_t max_bytes, struct fb_error *err);

/* The bytes `path` and everything under it occupy on disk (like `du -s
 * -B1`: allocated blocks, symbolic links not followed), in *out.
 * FB_ENOTFOUND when `path` does not exist, FB_EIO on a read error. */
int fb_cache_size(uint64_t *out, const char *path, struct fb_error *err);

/* The directory name fb_cache_fetch uses for `key` ("<sanitized>-<8 hex>.git")
 * written into out (at most n bytes); FB_ELIMIT if it does not fit. */
int fb_cache_name(char *out, size_t n, const char *key);

#endif
