/*
 * report.c - the format table behind report_write(), and what the writers
 * share: severity names, UTF-8 checks and UTF-16 columns, safe JSON
 * strings, the JSON dump into a bounded buf, occurrence numbers for unique
 * fingerprints, and the one-line summary.
 */
#include "report_priv.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int (*write)(struct buf *, const struct findings *, const struct report_meta *,
		     struct fb_error *);
} formats[] = {
	[REPORT_TEXT] = { "text", report_text },
	[REPORT_JSON] = { "json", report_json },
	[REPORT_SARIF] = { "sarif", report_sarif },
	[REPORT_CODEQUALITY] = { "codequality", report_codequality },
	[REPORT_RDJSON] = { "rdjson", report_rdjson },
	[REPORT_GITHUB] = { "github", report_github },
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

int report_format_parse(const char *s, enum report_format *out)
{
	size_t i;

	for (i = 0; i < NFORMATS; i++) {
		if (strcmp(s, formats[i].name) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	}
	return FB_EINVAL;
}

const char *report_format_str(enum report_format f)
{
	return (size_t)f < NFORMATS ? formats[f].name : "?";
}

int report_write(struct buf *out, enum report_format fmt, const struct findings *fs,
		 const struct report_meta *meta, struct fb_error *err)
{
	if ((size_t)fmt >= NFORMATS)
		return fb_error_set(err, FB_EINVAL, "unknown report format %d", (int)fmt);
	return formats[fmt].write(out, fs, meta, err);
}

const char *report_sev_name(enum severity s)
{
	switch (s) {
	case SEV_ERROR: return "error";
	case SEV_WARNING: return "warning";
	case SEV_INFO: return "info";
	default: return "hint";
	}
}

int report_buf_fail(struct fb_error *err, int rc)
{
	if (rc == FB_ELIMIT)
		return fb_error_set(err, rc, "report: the output is over its size limit");
	return fb_error_set(err, rc, "report: %s", fb_code_str(rc));
}

int report_nomem(struct fb_error *err)
{
	return fb_error_set(err, FB_ENOMEM, "report: out of memory");
}

size_t report_utf8_seq(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t cp, min;
	size_t len, i;

	if (n == 0 || s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F, min = 0x80;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

json_t *report_jstr(const char *s)
{
	json_t *j;
	char *fixed;
	size_t n, i, k = 0;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	n = strlen(s);
	if (n > (SIZE_MAX - 1) / 3)
		return NULL;
	fixed = malloc(n * 3 + 1);
	if (fixed == NULL)
		return NULL;
	for (i = 0; i < n;) {
		size_t l = report_utf8_seq(s + i, n - i);

		if (l == 0) {
			memcpy(fixed + k, "\xEF\xBF\xBD", 3);
			k += 3;
			i++;
		} else {
			memcpy(fixed + k, s + i, l);
			k += l;
			i += l;
		}
	}
	j = json_stringn(fixed, k);
	free(fixed);
	return j;
}

int report_put_jstr(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n, i = 0, run = 0;
	int rc;

	if (s == NULL)
		return buf_puts(out, "null");
	n = strlen(s);
	if ((rc = buf_putc(out, '"')) < 0)
		return rc;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		size_t l;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		/* Flush the plain run, then write this character escaped. */
		if ((rc = buf_append(out, s + i - run, run)) < 0)
			return rc;
		run = 0;
		if (c >= 0x80) {
			l = report_utf8_seq(s + i, n - i);
			rc = l ? buf_append(out, s + i, l) : buf_puts(out, "\xEF\xBF\xBD");
			i += l ? l : 1;
		} else {
			if (c == '"' || c == '\\') {
				esc[0] = '\\';
				esc[1] = (char)c;
				esc[2] = '\0';
			} else if (c == '\n' || c == '\t' || c == '\r') {
				esc[0] = '\\';
				esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
				esc[2] = '\0';
			} else {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				esc[6] = '\0';
			}
			rc = buf_puts(out, esc);
			i++;
		}
		if (rc < 0)
			return rc;
	}
	if ((rc = buf_append(out, s + i - run, run)) < 0)
		return rc;
	return buf_putc(out, '"');
}

uint32_t report_utf16_col(const char *line, uint32_t col)
{
	size_t n, i = 0, limit;
	uint32_t units = 0;

	if (line == NULL || col == 0)
		return col;
	n = strlen(line);
	limit = col - 1;
	if (limit > n)
		return col;
	while (i < limit) {
		size_t l = report_utf8_seq(line + i, n - i);

		units += l == 4 ? 2 : 1;
		i += l ? l : 1;
	}
	return units + 1;
}

struct dump_ctx {
	struct buf *out;
	int rc;
};

static int dump_cb(const char *data, size_t size, void *payload)
{
	struct dump_ctx *ctx = payload;

	ctx->rc = buf_append(ctx->out, data, size);
	return ctx->rc < 0 ? -1 : 0;
}

int report_dump(struct buf *out, const json_t *root, struct fb_error *err)
{
	struct dump_ctx ctx = { out, 0 };
	int rc;

	if (json_dump_callback(root, dump_cb, &ctx, JSON_INDENT(2)) < 0)
		return report_buf_fail(err, ctx.rc < 0 ? ctx.rc : FB_ENOMEM);
	rc = buf_putc(out, '\n');
	return rc < 0 ? report_buf_fail(err, rc) : 0;
}

int report_maybe_flush(struct buf *out, const struct report_meta *meta, struct fb_error *err)
{
	int rc;

	if (meta->flush == NULL || out->len < REPORT_FLUSH_AT)
		return 0;
	rc = meta->flush(buf_cstr(out), out->len, meta->flush_payload);
	if (rc < 0)
		return fb_error_set(err, rc, "writing the report failed");
	buf_reset(out);
	return 0;
}

int report_dump_compact(struct buf *out, json_t *v, struct fb_error *err)
{
	struct dump_ctx ctx = { out, 0 };
	int rc = 0;

	if (v == NULL)
		return report_nomem(err);
	if (json_dump_callback(v, dump_cb, &ctx, JSON_COMPACT | JSON_ENCODE_ANY) < 0)
		rc = report_buf_fail(err, ctx.rc < 0 ? ctx.rc : FB_ENOMEM);
	json_decref(v);
	return rc;
}

struct occ_key {
	const struct finding *f;
	size_t i;
};

static int cmp_occ(const void *a, const void *b)
{
	const struct occ_key *x = a, *y = b;
	int c = strcmp(x->f->rule->id, y->f->rule->id);

	if (c == 0)
		c = strcmp(x->f->path, y->f->path);
	if (c == 0)
		c = strcmp(x->f->fingerprint, y->f->fingerprint);
	if (c == 0)
		c = x->i < y->i ? -1 : x->i > y->i;
	return c;
}

int report_occurrences(uint32_t **out, const struct findings *fs, struct fb_error *err)
{
	struct occ_key *keys = NULL;
	uint32_t *occ = NULL;
	size_t i;

	*out = NULL;
	occ = calloc(fs->n ? fs->n : 1, sizeof(*occ));
	keys = calloc(fs->n ? fs->n : 1, sizeof(*keys));
	if (occ == NULL || keys == NULL) {
		free(occ);
		free(keys);
		return report_nomem(err);
	}
	for (i = 0; i < fs->n; i++)
		keys[i] = (struct occ_key){ &fs->v[i], i };
	qsort(keys, fs->n, sizeof(*keys), cmp_occ);
	for (i = 0; i < fs->n; i++) {
		bool same = i > 0 && cmp_occ(&(struct occ_key){ keys[i - 1].f, 0 },
					     &(struct occ_key){ keys[i].f, 0 }) == 0;

		occ[keys[i].i] = same ? occ[keys[i - 1].i] + 1 : 1;
	}
	free(keys);
	*out = occ;
	return 0;
}

static int plural(struct buf *out, const char *sep, size_t n, const char *word, const char *words)
{
	return buf_printf(out, "%s%zu %s", sep, n, n == 1 ? word : words);
}

int report_summary(struct buf *out, const struct findings *fs, const struct report_meta *meta)
{
	static const enum severity order[] = { SEV_ERROR, SEV_WARNING, SEV_INFO, SEV_HINT };
	static const char *const one[] = { "error", "warning", "info", "hint" };
	static const char *const many[] = { "errors", "warnings", "infos", "hints" };
	size_t count[4] = { 0 }, i, k;
	const char *sep = " (";
	int rc;

	for (i = 0; i < fs->n; i++)
		for (k = 0; k < 4; k++)
			count[k] += fs->v[i].severity == order[k];
	rc = plural(out, "", fs->n, "finding", "findings");
	for (k = 0; k < 4 && rc == 0; k++) {
		if (count[k] == 0)
			continue;
		rc = plural(out, sep, count[k], one[k], many[k]);
		sep = ", ";
	}
	if (rc == 0 && fs->n > 0)
		rc = buf_putc(out, ')');
	if (rc == 0)
		rc = plural(out, " in ", meta->files_scanned, "file", "files");
	if (rc == 0 && meta->nskipped > 0)
		rc = plural(out, "; ", meta->nskipped, "file skipped", "files skipped");
	return rc;
}
