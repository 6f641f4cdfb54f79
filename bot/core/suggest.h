/*
 * suggest.h - "did you mean ...?" for misspelt keys, commands and names.
 */
#ifndef FB_CORE_SUGGEST_H
#define FB_CORE_SUGGEST_H

/* The candidate (NULL-terminated list) closest to `word` by edit distance,
 * if it is close enough to be a likely typo; NULL otherwise. */
const char *suggest_closest(const char *word, const char *const *candidates);

#endif
