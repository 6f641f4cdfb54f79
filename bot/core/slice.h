/*
 * slice.h - a non-owning (pointer, length) view of bytes, for parsing
 * without copies.  A slice never outlives the buffer it points into.
 */
#ifndef FB_CORE_SLICE_H
#define FB_CORE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct slice {
	const char *ptr;
	size_t len;
};

#define SLICE_LIT(s) ((struct slice){ (s), sizeof(s) - 1 })

static inline struct slice slice_from(const char *s, size_t len)
{
	return (struct slice){ s, len };
}

static inline struct slice slice_cstr(const char *s)
{
	return (struct slice){ s, s ? strlen(s) : 0 };
}

static inline bool slice_eq(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool slice_eq_cstr(struct slice a, const char *s)
{
	return slice_eq(a, slice_cstr(s));
}

static inline bool slice_starts_with(struct slice a, const char *prefix)
{
	size_t n = strlen(prefix);
	return a.len >= n && memcmp(a.ptr, prefix, n) == 0;
}

#endif
