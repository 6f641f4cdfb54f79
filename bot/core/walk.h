/*
 * walk.h - listing the files under a path, the way code tools do:
 * recursively, in sorted order, skipping hidden entries (names starting
 * with '.') and not following symbolic links to directories.
 */
#ifndef FB_CORE_WALK_H
#define FB_CORE_WALK_H

#include "err.h"

/* Called for each regular file (or symlink to one); `path` is `root`
 * joined with the relative path.  Return non-zero to stop the walk; that
 * value is returned by walk_files(). */
typedef int (*walk_cb)(const char *path, void *payload);

/* Walk `root`, a directory or a single file (a file is reported even if
 * hidden).  FB_ENOTFOUND if root does not exist. */
int walk_files(const char *root, walk_cb cb, void *payload, struct fb_error *err);

#endif
