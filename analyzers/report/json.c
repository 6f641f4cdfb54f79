/*
 * json.c - forgebot's own JSON report; the schema is in report.h.
 *
 * Built with json_pack: "o" steals the reference of a value made by
 * report_jstr(), also when packing fails, so nothing leaks on error.
 */
#include "report_priv.h"

static json_t *pos(uint32_t line, uint32_t col)
{
	return json_pack("{s:I, s:I}", "line", (json_int_t)line, "col", (json_int_t)col);
}

static json_t *finding_json(const struct finding *f)
{
	return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "rule", report_jstr(f->rule->id),
			 "severity", report_sev_name(f->severity),
			 "path", report_jstr(f->path),
			 "start", pos(f->start_line, f->start_col),
			 "end", pos(f->end_line, f->end_col),
			 "message", report_jstr(f->message ? f->message : ""),
			 "note", report_jstr(f->rule->note),
			 "url", report_jstr(f->rule->url),
			 "fix", report_jstr(f->fix),
			 "fingerprint", report_jstr(f->fingerprint));
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

int report_json(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		struct fb_error *err)
{
	json_t *root = NULL, *list = NULL, *skipped = NULL;
	size_t i;
	int rc = FB_ENOMEM;

	list = json_array();
	skipped = json_array();
	if (list == NULL || skipped == NULL)
		goto out;
	for (i = 0; i < fs->n; i++)
		if (json_array_append_new(list, finding_json(&fs->v[i])) < 0)
			goto out;
	for (i = 0; i < meta->nskipped; i++)
		if (json_array_append_new(skipped, json_pack("{s:o, s:o}",
				"path", report_jstr(meta->skipped[i].path),
				"reason", report_jstr(meta->skipped[i].reason))) < 0)
			goto out;
	root = json_pack("{s:o, s:o, s:o, s:o}", "version", report_jstr(meta->tool_version),
			 "findings", list, "skipped", skipped, "summary", summary_json(fs, meta));
	list = skipped = NULL; /* stolen by json_pack, even on failure */
	if (root == NULL)
		goto out;
	rc = report_dump(out, root, err);
out:
	if (rc == FB_ENOMEM)
		report_nomem(err);
	json_decref(list);
	json_decref(skipped);
	json_decref(root);
	return rc;
}
