/*
 * forge_json.c - helpers github.c and gitlab.c share: JSON strings that
 * are always valid UTF-8, UTF-8-safe truncation, one-call request helpers
 * that own their path and body, and keeping the tail of a long log.
 */
#include "forge_priv.h"

#include <stdlib.h>
#include <string.h>

#define FORGE_LOG_LINE_LOOK 1024 /* how far a cut log looks for a line start */

int forge_oom(struct fb_error *err)
{
	return fb_error_set(err, FB_ENOMEM, "out of memory");
}

const char *forge_emsg(const struct fb_error *err)
{
	return err ? err->msg : "";
}

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0 when
 * it is not one (stray byte, overlong form, surrogate, past U+10FFFF). */
size_t forge_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* How many bytes of s to keep so that it is at most `max` bytes and does
 * not end inside a UTF-8 sequence. */
size_t forge_utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	/* s[max] is the first byte dropped: back up while it continues a
	 * sequence (at most 3 bytes in valid UTF-8). */
	for (int k = 0; k < 3 && max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80; k++)
		max--;
	return max;
}

/* A new JSON string of s[0..len) (NULL s: ""), bytes that are not UTF-8
 * replaced by U+FFFD.  NULL only when out of memory. */
json_t *forge_json_strn(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	json_t *j = NULL;
	struct buf b;
	size_t i = 0, k;

	if (s == NULL)
		return json_string("");
	while (i < len && (k = forge_utf8_seq(u + i, len - i)) > 0)
		i += k;
	if (i == len)
		return json_stringn(s, len);
	buf_init(&b, len * 3 + 1);
	for (i = 0; i < len; i += k ? k : 1) {
		k = forge_utf8_seq(u + i, len - i);
		if (buf_append(&b, k ? s + i : "\xEF\xBF\xBD", k ? k : 3) < 0)
			goto out;
	}
	j = json_stringn(buf_cstr(&b), b.len);
out:
	buf_release(&b);
	return j;
}

json_t *forge_json_str(const char *s)
{
	return forge_json_strn(s, s ? strlen(s) : 0);
}

/* Copy obj[key] (a string) into *dst; absent or not a string: NULL. */
int forge_dup_field(char **dst, const json_t *obj, const char *key)
{
	const char *s = forge_jstr(obj, key);

	*dst = NULL;
	if (s == NULL)
		return 0;
	return (*dst = strdup(s)) ? 0 : FB_ENOMEM;
}

/*
 * One call whose answer matters only for its numeric "id" (`out_id`, may
 * be NULL; 0 in dry-run mode).  Takes ownership of `path` and of `body`
 * (steals the reference); `path` NULL, or `body` NULL when `with_body`,
 * means building them ran out of memory.
 */
int forge_send(struct forge *f, const char *method, char *path, json_t *body,
		     bool with_body, long long *out_id, struct fb_error *err)
{
	struct forge_reply r;
	int rc;

	forge_reply_init(&r);
	if (out_id)
		*out_id = 0;
	if (path == NULL || (with_body && body == NULL)) {
		rc = forge_oom(err);
		goto out;
	}
	if ((rc = forge_call(f, method, path, body, NULL, &r, err)) < 0)
		goto out;
	if (out_id)
		*out_id = forge_jint(r.json, "id");
out:
	forge_reply_release(&r);
	json_decref(body);
	free(path);
	return rc;
}

int forge_send_json(struct forge *f, const char *method, char *path, json_t *body,
		     long long *out_id, struct fb_error *err)
{
	return forge_send(f, method, path, body, true, out_id, err);
}

int forge_send_bare(struct forge *f, const char *method, char *path, struct fb_error *err)
{
	return forge_send(f, method, path, NULL, false, NULL, err);
}

/* Append s[0..len) to out, or when longer than max its tail under a
 * "[... N bytes cut ...]" line, starting on a whole line when one begins
 * within 1 KiB; the whole stays within max bytes. */
int forge_tail_append(struct buf *out, const char *s, size_t len, size_t max)
{
	char note[64];
	size_t start;
	const char *nl;
	int n, rc;

	if (len <= max)
		return buf_append(out, s, len);
	/* The note with the largest possible count bounds the real note. */
	n = snprintf(note, sizeof note, "[... %zu bytes cut ...]\n", len);
	if (n < 0 || (size_t)n >= max)
		return buf_append(out, s + len - max, max); /* no room for a note */
	start = len - (max - (size_t)n);
	if (s[start - 1] != '\n') {
		size_t look = len - start < FORGE_LOG_LINE_LOOK ? len - start : FORGE_LOG_LINE_LOOK;
		nl = memchr(s + start, '\n', look);
		if (nl && (size_t)(nl + 1 - s) < len)
			start = (size_t)(nl + 1 - s);
	}
	snprintf(note, sizeof note, "[... %zu bytes cut ...]\n", start);
	if ((rc = buf_puts(out, note)) < 0)
		return rc;
	return buf_append(out, s + start, len - start);
}

int forge_get_tail(struct forge *f, char *path, const struct forge_call_opts *o, size_t max,
		   struct buf *out, struct fb_error *err)
{
	struct forge_reply r;
	int rc;

	forge_reply_init(&r);
	if (!path) {
		rc = forge_oom(err);
		goto out;
	}
	if ((rc = forge_call(f, "GET", path, NULL, o, &r, err)) < 0)
		goto out;
	if ((rc = forge_tail_append(out, buf_cstr(&r.http.body), r.http.body.len, max)) < 0)
		rc = rc == FB_ELIMIT ? fb_error_set(err, rc, "%s GET %s: the log does not fit in "
						    "%zu bytes", forge_name(f), path, out->max)
				     : forge_oom(err);
out:
	forge_reply_release(&r);
	free(path);
	return rc;
}
