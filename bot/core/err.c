/*
 * err.c - error struct helpers.  Messages are truncated, never overflowed.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int fb_error_set(struct fb_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void fb_error_prefix(struct fb_error *err, const char *fmt, ...)
{
	char old[FB_ERROR_MSG_MAX];
	va_list ap;
	int n;

	if (err == NULL)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg)) {
		size_t room = sizeof(err->msg) - (size_t)n - 1;
		size_t len = strnlen(old, sizeof(old) - 1);
		if (len > room)
			len = room;
		memcpy(err->msg + n, old, len);
		err->msg[(size_t)n + len] = '\0';
	}
}

void fb_error_clear(struct fb_error *err)
{
	if (err == NULL)
		return;
	err->code = FB_OK;
	err->msg[0] = '\0';
}

const char *fb_code_str(int code)
{
	switch (code) {
	case FB_OK: return "ok";
	case FB_ENOMEM: return "out of memory";
	case FB_EINVAL: return "invalid input";
	case FB_ENOTFOUND: return "not found";
	case FB_EIO: return "i/o error";
	case FB_ELIMIT: return "limit reached";
	case FB_EAUTH: return "authentication failed";
	case FB_ERETRY: return "temporary failure";
	case FB_ECONFLICT: return "conflict";
	case FB_EFORBIDDEN: return "permission refused";
	default: return "internal error";
	}
}
