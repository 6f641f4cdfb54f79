/*
 * glob.h - path globs for rule `files`/`ignores` and configuration paths.
 *
 * `*` matches any run of characters except `/`, `?` one character except
 * `/`, `[abc]`/`[a-z]`/`[!x]` a character class, and a double star any run
 * including `/` (so "src/" + double star matches everything under src/, and
 * double star + "/x.c" matches x.c in any directory).  A glob without `/`
 * matches the base name, like .gitignore.
 * Paths are repository-relative with forward slashes.
 */
#ifndef FB_CORE_GLOB_H
#define FB_CORE_GLOB_H

#include <stdbool.h>

bool glob_match(const char *glob, const char *path);

#endif
