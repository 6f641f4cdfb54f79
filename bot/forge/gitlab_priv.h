/*
 * gitlab_priv.h - what gitlab.c and gitlab_text.c share.
 */
#ifndef FB_FORGE_GITLAB_PRIV_H
#define FB_FORGE_GITLAB_PRIV_H

#include "forge_priv.h"

/* A copy of `text` (malloc'd; NULL when out of memory) in which no line
 * outside a code fence GitLab honours starts a quick action. */
char *gitlab_defuse(const char *text);

/* Append one entry of an MR's "changes" as git-format diff text. */
int gitlab_diff_change(struct buf *b, const json_t *ch);

/* gitlab_repo.c: new branches and merge requests (for code generation). */
int gitlab_branch_create(struct forge *f, const char *name, const char *sha,
			 struct fb_error *err);
int gitlab_pr_create(struct forge *f, const struct forge_pr_new *req,
		     struct forge_pr_created *out, struct fb_error *err);

#endif
