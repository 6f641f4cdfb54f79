/*
 * report.h - findings out, in the formats people and CI systems read.
 *
 *   text         compiler-style lines with the source line and a caret
 *   json         forgebot's own stable JSON (documented below)
 *   sarif        SARIF 2.1.0 for GitHub code scanning and other viewers
 *   codequality  GitLab Code Quality report (a JSON array)
 *   rdjson       reviewdog's Diagnostic Format (one DiagnosticResult)
 *   github       GitHub Actions workflow commands (::error file=...::msg)
 *
 * Every JSON format is built with jansson and dumped once; strings that are
 * not valid UTF-8 (paths, source lines) have the bad bytes replaced by
 * U+FFFD rather than failing the report.  Findings are written in the
 * order given: sort them first with findings_sort().
 *
 * The json format (one finding per line, so it also greps and streams well):
 *   {"version": "<tool version>",
 *    "findings": [{"rule", "severity", "path", "start": {"line", "col"},
 *                  "end": {"line", "col"}, "message", "note", "url", "fix",
 *                  "fingerprint"}],          note/url/fix are null if unset
 *    "skipped": [{"path", "reason"}],
 *    "summary": {"findings", "errors", "warnings", "infos", "hints",
 *                "files_scanned", "files_skipped"}}
 * Lines and columns are 1-based; columns count bytes; "end" is exclusive.
 *
 * Everything here is reentrant: no state outside the arguments.
 */
#ifndef FB_REPORT_REPORT_H
#define FB_REPORT_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../bot/core/buf.h"
#include "../../bot/core/err.h"
#include "../engine/finding.h"

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_SARIF,
	REPORT_CODEQUALITY,
	REPORT_RDJSON,
	REPORT_GITHUB,
};

/* "text", "json", "sarif", "codequality", "rdjson", "github"; FB_EINVAL
 * otherwise. */
int report_format_parse(const char *s, enum report_format *out);
const char *report_format_str(enum report_format f);

/* A file that was not analysed, and why ("binary", "too large (3 MB)",
 * "invalid UTF-8"). */
struct report_skip {
	const char *path;
	const char *reason;
};

struct report_meta {
	const char *tool_version;    /* required */
	const char *tool_uri;        /* SARIF informationUri, rdjson source.url; may be NULL */
	const struct ruleset *rules; /* the rules that ran (SARIF lists them all); may be NULL */
	const struct report_skip *skipped;
	size_t nskipped;
	size_t files_scanned;
	bool color;                  /* ANSI colours in the text format */
	/* Optional: formats that can stream (json, text, github) hand the
	 * report over in pieces of about REPORT_FLUSH_AT bytes as they go, so a
	 * report of a million findings never sits in memory whole.  Returns 0,
	 * or a negative code that aborts the report.  After report_write()
	 * returns, whatever is left in `out` is the caller's to write. */
	int (*flush)(const char *data, size_t len, void *payload);
	void *flush_payload;
};

#define REPORT_FLUSH_AT ((size_t)256 << 10)

/* Append the report of `fs` in format `fmt` to `out`.  Every finding needs
 * its rule, path and message; line_text, fix and fingerprint are optional.
 * FB_ELIMIT if the report does not fit in out->max, FB_ENOMEM, FB_EINVAL
 * for an unknown format.  On failure `out` may hold part of the report. */
int report_write(struct buf *out, enum report_format fmt, const struct findings *fs,
		 const struct report_meta *meta, struct fb_error *err);

#endif
