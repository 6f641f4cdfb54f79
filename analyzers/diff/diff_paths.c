/*
 * diff_paths.c - the file names in a diff's headers: `diff --git a/x b/y`,
 * `--- a/x` / `+++ b/y`, `rename from x`, with git's C-style quoting of
 * unusual names undone and the a/ b/ prefixes removed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_priv.h"

/* Unquote a C-style quoted path as git writes it ("a/\303\244 b\t.c").
 * `s` starts at the opening quote; *used is set to the bytes consumed.
 * Returns the malloc'd path, or NULL with *bad set (or on ENOMEM). */
static char *unquote(struct slice s, size_t *used, bool *bad)
{
	static const char esc_in[] = "abfnrtv\\\"";
	static const char esc_out[] = "\a\b\f\n\r\t\v\\\"";
	char *r = malloc(s.len + 1);
	size_t i = 1, n = 0;

	*bad = false;
	if (r == NULL)
		return NULL;
	while (i < s.len && s.ptr[i] != '"') {
		char c = s.ptr[i++];
		const char *e;

		if (c == '\0')
			goto bad;
		if (c != '\\') {
			r[n++] = c;
			continue;
		}
		if (i >= s.len)
			goto bad;
		c = s.ptr[i++];
		if (c >= '0' && c <= '3') {
			unsigned v = (unsigned)(c - '0');
			int k;

			for (k = 0; k < 2; k++, i++) {
				if (i >= s.len || s.ptr[i] < '0' || s.ptr[i] > '7')
					goto bad;
				v = v * 8 + (unsigned)(s.ptr[i] - '0');
			}
			if (v == 0)
				goto bad;
			r[n++] = (char)v;
		} else if (c != '\0' && (e = strchr(esc_in, c)) != NULL) {
			r[n++] = esc_out[e - esc_in];
		} else {
			goto bad;
		}
	}
	if (i >= s.len || n == 0)
		goto bad;
	r[n] = '\0';
	*used = i + 1;
	return r;
bad:
	free(r);
	*bad = true;
	return NULL;
}

/* Remove a leading "a/" or "b/" (prefix is 'a' or 'b'). */
static void strip_prefix(char *path, char prefix)
{
	if (path[0] == prefix && path[1] == '/' && path[2] != '\0')
		memmove(path, path + 2, strlen(path + 2) + 1);
}

/* Parse the path of a ---/+++ line (after the marker and space).  Unquoted
 * paths end at a tab (diff -u puts a timestamp there; git a tab after
 * names with spaces).  /dev/null gives *out = NULL, *is_null = true. */
int diffp_parse_file_path(struct parser *p, struct slice s, char prefix, char **out,
			   bool *is_null)
{
	char *path;
	size_t used = 0;
	bool bad;

	*out = NULL;
	*is_null = false;
	s = diffp_chomp_cr(s);
	if (s.len && s.ptr[0] == '"') {
		path = unquote(s, &used, &bad);
		if (path == NULL)
			return bad ? diffp_fail(p, "malformed quoted path") : diffp_nomem(p);
		if (used < s.len && s.ptr[used] != '\t') {
			free(path);
			return diffp_fail(p, "junk after quoted path");
		}
	} else {
		const char *tab = memchr(s.ptr, '\t', s.len);

		if (tab)
			s.len = (size_t)(tab - s.ptr);
		if (s.len == 0)
			return diffp_fail(p, "missing path");
		if (memchr(s.ptr, '\0', s.len))
			return diffp_fail(p, "NUL byte in path");
		path = diffp_dup_slice(s);
		if (path == NULL)
			return diffp_nomem(p);
	}
	if (strcmp(path, "/dev/null") == 0) {
		free(path);
		*is_null = true;
		return 0;
	}
	strip_prefix(path, prefix);
	*out = path;
	return 0;
}

/* A whole-line path (rename from/to, copy from/to): quoted or verbatim. */
int diffp_parse_line_path(struct parser *p, struct slice s, char **out)
{
	size_t used;
	bool bad;

	if (*out)
		return diffp_fail(p, "repeated header line");
	s = diffp_chomp_cr(s);
	if (s.len && s.ptr[0] == '"') {
		*out = unquote(s, &used, &bad);
		if (*out == NULL)
			return bad ? diffp_fail(p, "malformed quoted path") : diffp_nomem(p);
		if (used != s.len) {
			diffp_set_str(out, NULL);
			return diffp_fail(p, "junk after quoted path");
		}
		return 0;
	}
	if (s.len == 0 || memchr(s.ptr, '\0', s.len))
		return diffp_fail(p, "missing or invalid path");
	*out = diffp_dup_slice(s);
	return *out ? 0 : diffp_nomem(p);
}

/* `diff --git a/x b/y`: a hint only, since unquoted names with spaces are
 * ambiguous; ---/+++ and rename lines take precedence.  Splits where both
 * halves name the same file, or at a unique " b/", or at a quoted name. */
int diffp_parse_git_names(struct parser *p, struct slice s)
{
	size_t used, i;
	bool bad;

	s = diffp_chomp_cr(s);
	if (memchr(s.ptr, '\0', s.len))
		return diffp_fail(p, "NUL byte in path");
	if (s.len && s.ptr[0] == '"') {
		p->hdr_old = unquote(s, &used, &bad);
		if (p->hdr_old == NULL)
			return bad ? diffp_fail(p, "malformed quoted path") : diffp_nomem(p);
		if (used + 1 >= s.len || s.ptr[used] != ' ')
			return diffp_fail(p, "malformed 'diff --git' line");
		return diffp_parse_line_path(p, diffp_after(s, used + 1), &p->hdr_new);
	}
	for (i = 0; i + 1 < s.len; i++) {
		if (s.ptr[i] == ' ' && s.ptr[i + 1] == '"' && s.ptr[s.len - 1] == '"') {
			char *b = unquote(diffp_after(s, i + 1), &used, &bad);

			if (b && i + 1 + used == s.len) {
				p->hdr_new = b;
				p->hdr_old = diffp_dup_slice(slice_from(s.ptr, i));
				goto strip;
			}
			free(b);
		}
	}
	if (s.len % 2 == 1 && s.ptr[s.len / 2] == ' ') {
		size_t h = s.len / 2;
		struct slice a = slice_from(s.ptr, h), b = diffp_after(s, h + 1);

		if (slice_starts_with(a, "a/") && slice_starts_with(b, "b/"))
			a = diffp_after(a, 2), b = diffp_after(b, 2);
		if (slice_eq(a, b)) {
			p->hdr_old = diffp_dup_slice(slice_from(s.ptr, h));
			p->hdr_new = diffp_dup_slice(diffp_after(s, h + 1));
			goto strip;
		}
	}
	{
		const char *m = NULL;

		for (i = 0; i + 3 <= s.len; i++) {
			if (memcmp(s.ptr + i, " b/", 3) == 0) {
				if (m)
					return 0; /* ambiguous: wait for the other headers */
				m = s.ptr + i;
			}
		}
		if (m == NULL)
			return 0;
		p->hdr_old = diffp_dup_slice(slice_from(s.ptr, (size_t)(m - s.ptr)));
		p->hdr_new = diffp_dup_slice(diffp_after(s, (size_t)(m - s.ptr) + 1));
	}
strip:
	if (p->hdr_old == NULL || p->hdr_new == NULL)
		return diffp_nomem(p);
	if (p->hdr_old[0] == '\0' || p->hdr_new[0] == '\0')
		return diffp_fail(p, "missing path in 'diff --git' line");
	strip_prefix(p->hdr_old, 'a');
	strip_prefix(p->hdr_new, 'b');
	return 0;
}

/* --- files --- */
