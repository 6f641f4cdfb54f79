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

#endif
