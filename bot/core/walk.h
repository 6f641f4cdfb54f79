/*
 * walk.h - listing the files under a path, the way code tools do:
 * recursively, in sorted order, not following symbolic links to
 * directories, and skipping hidden entries (names starting with '.') except
 * the CI configuration a review cares about: the `.github` and `.gitlab`
 * directories and `.gitlab-ci.yml`.
 */
#ifndef FB_CORE_WALK_H
#define FB_CORE_WALK_H

#include <stdbool.h>

#include "err.h"

/* Called for each regular file (or symlink to one); `path` is `root`
 * joined with the relative path.  Return non-zero to stop the walk; that
 * value is returned by walk_files(). */
typedef int (*walk_cb)(const char *path, void *payload);

/* Called for each directory below the root before entering it; return true
 * to skip it (and everything under it). */
typedef bool (*walk_skip_cb)(const char *path, void *payload);

/* Walk `root`, a directory or a single file (a file is reported even if
 * hidden).  `skip` may be NULL.  FB_ENOTFOUND if root does not exist. */
int walk_files(const char *root, walk_cb cb, walk_skip_cb skip, void *payload,
	       struct fb_error *err);

/* Is this base name one the walk passes over (hidden, and not CI config)? */
bool walk_name_hidden(const char *name);

#endif
