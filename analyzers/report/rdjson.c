/*
 * rdjson.c - reviewdog's Diagnostic Format: one DiagnosticResult object
 * (`reviewdog -f=rdjson`).  Field names are the protobuf names from
 * proto/rdf/reviewdog.proto; lines and columns are 1-based, columns count
 * UTF-8 bytes and `end` is exclusive, so our positions go in unchanged.
 * Severities: error->ERROR, warning->WARNING, info and hint->INFO.
 * A fix becomes a suggestion replacing the finding's range.
 */
#include "report_priv.h"

static const char *rd_severity(enum severity s)
{
	return s == SEV_ERROR ? "ERROR" : s == SEV_WARNING ? "WARNING" : "INFO";
}

static json_t *range(const struct finding *f)
{
	return json_pack("{s:{s:I, s:I}, s:{s:I, s:I}}",
			 "start", "line", (json_int_t)f->start_line, "column", (json_int_t)f->start_col,
			 "end", "line", (json_int_t)f->end_line, "column", (json_int_t)f->end_col);
}

static json_t *diagnostic(const struct finding *f)
{
	json_t *sugg = NULL;

	if (f->fix)
		sugg = json_pack("[{s:o, s:o}]", "range", range(f), "text", report_jstr(f->fix));
	return json_pack("{s:o, s:{s:o, s:o}, s:s, s:{s:o, s:o*}, s:o*}",
			 "message", report_jstr(f->message ? f->message : f->rule->id),
			 "location", "path", report_jstr(f->path), "range", range(f),
			 "severity", rd_severity(f->severity),
			 "code", "value", report_jstr(f->rule->id),
			 "url", f->rule->url ? report_jstr(f->rule->url) : NULL,
			 "suggestions", sugg);
}

int report_rdjson(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		  struct fb_error *err)
{
	json_t *list = json_array(), *root = NULL;
	size_t i;
	int rc;

	for (i = 0; list && i < fs->n; i++) {
		if (json_array_append_new(list, diagnostic(&fs->v[i])) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	if (list)
		root = json_pack("{s:{s:s, s:o*}, s:o}", "source", "name", "forgebot",
				 "url", meta->tool_uri ? report_jstr(meta->tool_uri) : NULL,
				 "diagnostics", list);
	rc = root ? report_dump(out, root, err) : report_nomem(err);
	json_decref(root);
	return rc;
}
