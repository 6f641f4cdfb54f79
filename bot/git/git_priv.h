/*
 * git_priv.h - what the files of bot/git/ share and nobody else sees: the
 * repository struct and the translation of libgit2 errors into ours.
 */
#ifndef FB_GIT_PRIV_H
#define FB_GIT_PRIV_H

#include <git2.h>

#include "git.h"

struct fb_repo {
	git_repository *repo;
	char *workdir; /* with trailing slash, NULL when bare */
	char *name;    /* the workdir or the git dir, for messages */
	int lock_fd;   /* cache.c: the shared lock held while it is open, or -1 */
};

/* Initialise libgit2 once per process (see git.c); FB_EINTERNAL if it fails. */
int git_lib_init(struct fb_error *err);

/* Set `err` from a libgit2 return code and git_error_last(), prefixed by a
 * printf-formatted description of what failed; returns the FB_E* code:
 * GIT_ENOTFOUND -> FB_ENOTFOUND, GIT_EAMBIGUOUS, GIT_EINVALIDSPEC,
 * GIT_EINVALID, GIT_EOWNER and GIT_EBAREREPO -> FB_EINVAL, anything else
 * FB_EINTERNAL. */
int git_fail(struct fb_error *err, int gitrc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Look up the commit named by a 40-hex sha (FB_EINVAL if malformed,
 * FB_ENOTFOUND if absent).  Free with git_commit_free(). */
int git_commit_by_sha(git_commit **out, struct fb_repo *r, const char *sha,
		      struct fb_error *err);

#endif
