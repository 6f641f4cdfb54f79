/*
 * literals.h - what text a regex needs: the prefilter's view of a regex.
 *
 * For the literal prefilter (a file none of whose required strings occurs is
 * not parsed), a regex contributes a set of strings of which every match must
 * contain at least one: `^(strcpy|strcat)$` gives {strcpy, strcat};
 * `password|secret` gives {password, secret}; `^verify=False` gives
 * {verify=False}; `^(pickle|dill)\.loads$` gives {pickle, dill}.  A regex
 * starting with (?i) gives lower-case literals marked LITERAL_NOCASE (their
 * first byte), to be searched for in any case.  When some alternative has
 * no fixed run or group set of two or more characters, or other inline
 * flags change case or spacing, there is no such set.
 * Erring towards "no set" is always safe: it only costs a parse.
 */
#ifndef FB_ENGINE_LITERALS_H
#define FB_ENGINE_LITERALS_H

#include <stddef.h>

#define LITERAL_NOCASE '\x01'

/* On success *out is a malloc'd array of *n malloc'd strings (n = 0 and
 * *out NULL when the regex gives no usable set).  0 or FB_ENOMEM. */
int regex_literals(char ***out, size_t *n, const char *re);
void literals_free(char **v, size_t n);

#endif
