/*
 * err.h - error codes and the per-call error struct.
 *
 * Fallible functions return 0 on success or one of the negative FB_E* codes
 * below, and fill a caller-provided `struct fb_error` with a one-line message
 * saying what failed and about what.  Callers branch on the code, print the
 * message.  A specific code is never overwritten by a generic one.
 */
#ifndef FB_CORE_ERR_H
#define FB_CORE_ERR_H

#include <stddef.h>

enum fb_code {
	FB_OK = 0,
	FB_ENOMEM = -1,    /* allocation failed */
	FB_EINVAL = -2,    /* invalid input: bad argument, rule, config, diff */
	FB_ENOTFOUND = -3, /* a file, revision, rule or language does not exist */
	FB_EIO = -4,       /* reading or writing a file failed */
	FB_ELIMIT = -5,    /* a size, time or count limit was reached */
	FB_EAUTH = -6,     /* credentials missing or refused */
	FB_ERETRY = -7,    /* transient: try again later */
	FB_ECONFLICT = -8, /* state changed underneath us */
	FB_EINTERNAL = -9, /* a library failed in a way we did not expect */
	FB_EFORBIDDEN = -10, /* authenticated, but not allowed (a read-only token) */
};

#define FB_ERROR_MSG_MAX 512

struct fb_error {
	int code;
	char msg[FB_ERROR_MSG_MAX];
};

/* Set `err` (may be NULL) to `code` and a printf-formatted message; returns
 * `code` so callers can write `return fb_error_set(err, FB_EINVAL, ...)`. */
int fb_error_set(struct fb_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the existing message with more context ("rule 'x': <old>"). */
void fb_error_prefix(struct fb_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void fb_error_clear(struct fb_error *err);

/* A short name for a code: "invalid input", "not found"... */
const char *fb_code_str(int code);

#endif
