/*
 * buf.h - an owned, growable byte buffer with a maximum size.
 *
 * Every buffer is given a limit at init; an append that would pass it fails
 * with FB_ELIMIT and leaves the buffer as it was, so nothing read from a file
 * or the network grows without bound.  The content is always NUL-terminated
 * (the terminator is not counted in `len`), so `ptr` can be passed to C
 * string functions when the content has no embedded NUL.
 *
 * Lifecycle: buf_init() before use; buf_release() frees the memory and leaves
 * the buffer empty and reusable; buf_reset() empties it but keeps capacity;
 * buf_detach() hands the memory to the caller (free() it).
 * A buf belongs to one thread at a time.
 */
#ifndef FB_CORE_BUF_H
#define FB_CORE_BUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>

#include "slice.h"

struct buf {
	char *ptr;  /* NULL until the first append */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* maximum len allowed */
};

#define BUF_MAX_DEFAULT ((size_t)64 << 20)

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);

/* Make room for `extra` more bytes. FB_ELIMIT past max, FB_ENOMEM. */
int buf_grow(struct buf *b, size_t extra);

int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_append_slice(struct buf *b, struct slice s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Append everything `f` has left to read.  0, FB_ELIMIT past b->max (what
 * fit is kept), FB_EIO on a read error, FB_ENOMEM. */
int buf_read_stream(struct buf *b, FILE *f);

/* Give up ownership: returns the NUL-terminated content (never NULL unless
 * out of memory) and leaves the buffer empty. */
char *buf_detach(struct buf *b);

static inline struct slice buf_slice(const struct buf *b)
{
	return (struct slice){ b->ptr ? b->ptr : "", b->len };
}

static inline const char *buf_cstr(const struct buf *b)
{
	return b->ptr ? b->ptr : "";
}

#endif
