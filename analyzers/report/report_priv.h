/*
 * report_priv.h - the writers behind report_write() and the helpers they
 * share (report.c).  Not for use outside analyzers/report/.
 */
#ifndef FB_REPORT_PRIV_H
#define FB_REPORT_PRIV_H

#include <jansson.h>
#include <stdint.h>

#include "report.h"

/* One writer per format, each in its own file. */
int report_text(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		struct fb_error *err);
int report_json(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		struct fb_error *err);
int report_sarif(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		 struct fb_error *err);
int report_codequality(struct buf *out, const struct findings *fs,
		       const struct report_meta *meta, struct fb_error *err);
int report_rdjson(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		  struct fb_error *err);
int report_github(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		  struct fb_error *err);

/* "error", "warning", "info", "hint" (our names, for text and json). */
const char *report_sev_name(enum severity s);

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one
 * (NUL, a stray continuation byte, an overlong form, a surrogate). */
size_t report_utf8_seq(const char *s, size_t n);

/* A JSON string for `s`, invalid UTF-8 replaced by U+FFFD; json null for
 * NULL.  A new reference, or NULL when out of memory. */
json_t *report_jstr(const char *s);

/* The UTF-16 code unit column (1-based) of 1-based byte column `col` in
 * `line`; `col` itself when line is NULL or shorter. */
uint32_t report_utf16_col(const char *line, uint32_t col);

/* Dump `root` (2-space indent, trailing newline) into `out`. */
int report_dump(struct buf *out, const json_t *root, struct fb_error *err);

/* For each finding, its 1-based occurrence among findings with the same
 * rule, path and fingerprint, in report order: malloc'd array of fs->n. */
int report_occurrences(uint32_t **out, const struct findings *fs, struct fb_error *err);

/* "3 findings (1 error, 2 warnings) in 12 files; 1 file skipped" */
/* Append `s` as a JSON string (null for NULL), invalid UTF-8 replaced by
 * U+FFFD like report_jstr().  For the streaming formats' hot loop, where
 * building a jansson value per string costs more than the scan. */
int report_put_jstr(struct buf *out, const char *s);
/* Hand `out` to meta->flush once it holds REPORT_FLUSH_AT bytes or more. */
int report_maybe_flush(struct buf *out, const struct report_meta *meta, struct fb_error *err);
/* Append `v` (stolen) dumped compactly, without a newline. */
int report_dump_compact(struct buf *out, json_t *v, struct fb_error *err);
int report_summary(struct buf *out, const struct findings *fs, const struct report_meta *meta);

/* Translate a buf error into `err`. */
int report_buf_fail(struct fb_error *err, int rc);
int report_nomem(struct fb_error *err);

#endif
