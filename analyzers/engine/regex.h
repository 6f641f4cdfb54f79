/*
 * regex.h - the PCRE2 boundary: compile once, match many times.
 *
 * Rule regexes follow Rust's `regex` syntax (what ast-grep and tree-sitter
 * use); the common subset is what PCRE2 accepts with UTF mode on.  Matching
 * is unanchored unless the pattern anchors itself.  A compiled regex is
 * immutable and shared by threads; each match call uses its own match data.
 */
#ifndef FB_ENGINE_REGEX_H
#define FB_ENGINE_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "../../bot/core/err.h"

struct fb_regex;

/* FB_EINVAL with "invalid regex '<pat>': <reason> at offset N". */
int fb_regex_compile(struct fb_regex **out, const char *pattern, struct fb_error *err);
void fb_regex_free(struct fb_regex *re);
/* Does the regex match anywhere in text[0..len)? */
bool fb_regex_search(const struct fb_regex *re, const char *text, size_t len);
const char *fb_regex_pattern(const struct fb_regex *re);

#endif
