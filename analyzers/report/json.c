/*
 * json.c - forgebot's own JSON report; the schema is in report.h.
 *
 * Findings, the bulk of a big report, are written directly with
 * report_put_jstr(); the small parts are built with json_pack, where "o"
 * steals the reference of a value made by report_jstr(), also when packing
 * fails, so nothing leaks on error.
 */
#include "report_priv.h"

/* One finding as a compact JSON object; the same as jansson would write,
 * without a value tree per finding (this loop dominates large reports). */
static int put_finding(struct buf *out, const struct finding *f)
{
	static const char *const keys[] = { "{\"rule\":", ",\"severity\":", ",\"path\":" };
	const char *vals[] = { f->rule->id, report_sev_name(f->severity), f->path };
	int rc = 0;
	size_t i;

	for (i = 0; i < 3 && rc == 0; i++) {
		rc = buf_puts(out, keys[i]);
		if (rc == 0)
			rc = report_put_jstr(out, vals[i]);
	}
	if (rc == 0)
		rc = buf_printf(out, ",\"start\":{\"line\":%u,\"col\":%u},\"end\":{\"line\":%u,\"col\":%u}"
				",\"message\":",
				(unsigned)f->start_line, (unsigned)f->start_col, (unsigned)f->end_line,
				(unsigned)f->end_col);
	if (rc == 0)
		rc = report_put_jstr(out, f->message ? f->message : "");
	if (rc == 0 && (rc = buf_puts(out, ",\"note\":")) == 0)
		rc = report_put_jstr(out, f->rule->note);
	if (rc == 0 && (rc = buf_puts(out, ",\"url\":")) == 0)
		rc = report_put_jstr(out, f->rule->url);
	if (rc == 0 && (rc = buf_puts(out, ",\"fix\":")) == 0)
		rc = report_put_jstr(out, f->fix);
	if (rc == 0 && (rc = buf_puts(out, ",\"fingerprint\":")) == 0)
		rc = report_put_jstr(out, f->fingerprint);
	if (rc == 0)
		rc = buf_putc(out, '}');
	return rc;
}

static json_t *summary_json(const struct findings *fs, const struct report_meta *meta)
{
	json_int_t count[4] = { 0 };
	size_t i;

	for (i = 0; i < fs->n; i++)
		if ((unsigned)fs->v[i].severity < 4)
			count[fs->v[i].severity]++;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "findings", (json_int_t)fs->n,
			 "errors", count[SEV_ERROR], "warnings", count[SEV_WARNING],
			 "infos", count[SEV_INFO], "hints", count[SEV_HINT],
			 "files_scanned", (json_int_t)meta->files_scanned,
			 "files_skipped", (json_int_t)meta->nskipped);
}

/* The document is written piece by piece: the envelope by hand, every
 * value by jansson, one finding per line, flushed as it grows. */
int report_json(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		struct fb_error *err)
{
	size_t i;
	int rc;

	if ((rc = buf_puts(out, "{\n  \"version\": ")) < 0)
		return report_buf_fail(err, rc);
	if ((rc = report_dump_compact(out, report_jstr(meta->tool_version), err)) < 0)
		return rc;
	if ((rc = buf_puts(out, ",\n  \"findings\": [")) < 0)
		return report_buf_fail(err, rc);
	for (i = 0; i < fs->n; i++) {
		if ((rc = buf_puts(out, i ? ",\n    " : "\n    ")) < 0)
			return report_buf_fail(err, rc);
		if ((rc = put_finding(out, &fs->v[i])) < 0)
			return report_buf_fail(err, rc);
		if ((rc = report_maybe_flush(out, meta, err)) < 0)
			return rc;
	}
	if ((rc = buf_puts(out, fs->n ? "\n  ],\n  \"skipped\": [" : "],\n  \"skipped\": [")) < 0)
		return report_buf_fail(err, rc);
	for (i = 0; i < meta->nskipped; i++) {
		if ((rc = buf_puts(out, i ? ",\n    " : "\n    ")) < 0)
			return report_buf_fail(err, rc);
		rc = report_dump_compact(out, json_pack("{s:o, s:o}",
				"path", report_jstr(meta->skipped[i].path),
				"reason", report_jstr(meta->skipped[i].reason)), err);
		if (rc < 0)
			return rc;
	}
	if ((rc = buf_puts(out, meta->nskipped ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ")) < 0)
		return report_buf_fail(err, rc);
	if ((rc = report_dump_compact(out, summary_json(fs, meta), err)) < 0)
		return rc;
	if ((rc = buf_puts(out, "\n}\n")) < 0)
		return report_buf_fail(err, rc);
	return 0;
}
