/*
 * sarif.c - SARIF 2.1.0, shaped to pass `Sarif.Multitool validate
 * --rule-kind Ghas` (GitHub code scanning); see formats.md.
 *
 * tool.driver.rules holds every rule that ran (meta->rules, minus rules
 * turned off) and every rule that has a result, each with the short and
 * full descriptions and help text GitHub wants; results point at them by
 * ruleIndex.  Regions are 1-based with an exclusive endColumn counted in
 * UTF-16 code units (SARIF's default columnKind): our byte columns are
 * converted with the finding's line_text for the first line.  A finding
 * with a fix gets a `fixes` entry replacing its region.  Skipped files are
 * toolExecutionNotifications of a successful invocation.  URIs are the
 * repository-relative paths, percent-encoded.
 */
#include "report_priv.h"

#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

struct rule_ix {
	const struct rule *r;
	size_t index;
};

struct sarif_ctx {
	const struct findings *fs;
	const struct report_meta *meta;
	struct rule_ix *ix;   /* sorted by rule pointer, for ruleIndex */
	const struct rule **rules;
	size_t nrules;
	uint32_t *occ;
};

static const char *level(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "note";
}

/* Percent-encode everything but RFC 3986 unreserved characters and '/'.
 * A relative path stays relative (to the repository root, as GitHub wants);
 * an absolute path becomes a file:// URI, which SARIF requires for it. */
static json_t *uri_json(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), i, k = 0;
	char *enc = malloc(n * 3 + 8);
	json_t *j;

	if (enc == NULL)
		return NULL;
	if (path[0] == '/') {
		memcpy(enc, "file://", 7);
		k = 7;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~/", c) != NULL) {
			enc[k++] = (char)c;
		} else {
			enc[k++] = '%';
			enc[k++] = hex[c >> 4];
			enc[k++] = hex[c & 15];
		}
	}
	j = json_stringn(enc, k);
	free(enc);
	return j;
}

static json_t *artifact(const char *path)
{
	return json_pack("{s:o}", "uri", uri_json(path));
}

static int cmp_ix(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct rule_ix *)a)->r;
	uintptr_t y = (uintptr_t)((const struct rule_ix *)b)->r;

	return x < y ? -1 : x > y;
}

static const struct rule_ix *find_ix(const struct sarif_ctx *c, const struct rule *r)
{
	struct rule_ix key = { r, 0 };

	return bsearch(&key, c->ix, c->nrules, sizeof(key), cmp_ix);
}

static void add_rule(struct sarif_ctx *c, const struct rule *r)
{
	c->rules[c->nrules] = r;
	c->ix[c->nrules] = (struct rule_ix){ r, c->nrules };
	c->nrules++;
	qsort(c->ix, c->nrules, sizeof(*c->ix), cmp_ix);
}

/* The driver's rule list: the rules that ran, then any other rule that
 * has a result.  (Re-sorting after each addition is fine: the second loop
 * adds only rules missing from meta->rules, normally none.) */
static int collect_rules(struct sarif_ctx *c, struct fb_error *err)
{
	const struct ruleset *rs = c->meta->rules;
	size_t max = c->fs->n + (rs ? rs->n : 0), i;

	c->rules = calloc(max ? max : 1, sizeof(*c->rules));
	c->ix = calloc(max ? max : 1, sizeof(*c->ix));
	if (c->rules == NULL || c->ix == NULL)
		return report_nomem(err);
	for (i = 0; rs && i < rs->n; i++) {
		if (rs->v[i]->severity == SEV_OFF)
			continue;
		c->rules[c->nrules] = rs->v[i];
		c->ix[c->nrules] = (struct rule_ix){ rs->v[i], c->nrules };
		c->nrules++;
	}
	qsort(c->ix, c->nrules, sizeof(*c->ix), cmp_ix);
	for (i = 0; i < c->fs->n; i++)
		if (find_ix(c, c->fs->v[i].rule) == NULL)
			add_rule(c, c->fs->v[i].rule);
	return 0;
}

static json_t *text(const char *s)
{
	return json_pack("{s:o}", "text", report_jstr(s));
}

static json_t *rule_json(const struct rule *r)
{
	const char *msg = r->message && r->message[0] ? r->message : r->id;
	const char *full = r->note && r->note[0] ? r->note : msg;
	enum severity sev = r->severity == SEV_OFF ? SEV_WARNING : r->severity;

	return json_pack("{s:o, s:o, s:o, s:o, s:o*, s:{s:s}}", "id", report_jstr(r->id),
			 "shortDescription", text(msg), "fullDescription", text(full),
			 "help", text(full), "helpUri", r->url ? report_jstr(r->url) : NULL,
			 "defaultConfiguration", "level", level(sev));
}

/* [start, end) in SARIF columns. */
static json_t *region(const struct finding *f)
{
	uint32_t sc = report_utf16_col(f->line_text, f->start_col);
	uint32_t ec = f->end_line == f->start_line ? report_utf16_col(f->line_text, f->end_col)
						     : f->end_col;

	return json_pack("{s:I, s:I, s:I, s:I}", "startLine", (json_int_t)f->start_line,
			 "startColumn", (json_int_t)(sc ? sc : 1), "endLine",
			 (json_int_t)f->end_line, "endColumn", (json_int_t)(ec ? ec : 1));
}

static json_t *fixes(const struct finding *f)
{
	char desc[256];

	if (f->fix == NULL)
		return NULL;
	snprintf(desc, sizeof(desc), "Apply the fix suggested by %s", f->rule->id);
	return json_pack("[{s:o, s:[{s:o, s:[{s:o, s:{s:o}}]}]}]",
			 "description", text(desc),
			 "artifactChanges", "artifactLocation", artifact(f->path),
			 "replacements", "deletedRegion", region(f),
			 "insertedContent", "text", report_jstr(f->fix));
}

static json_t *result_json(const struct sarif_ctx *c, size_t i)
{
	const struct finding *f = &c->fs->v[i];
	const struct rule_ix *ix = find_ix(c, f->rule);
	char fp[64];

	snprintf(fp, sizeof(fp), "%s:%u", f->fingerprint, (unsigned)c->occ[i]);
	return json_pack("{s:o, s:I, s:s, s:o, s:[{s:{s:o, s:o}}], s:{s:o}, s:o*}",
			 "ruleId", report_jstr(f->rule->id), "ruleIndex", (json_int_t)ix->index,
			 "level", level(f->severity),
			 "message", text(f->message && f->message[0] ? f->message : f->rule->id),
			 "locations", "physicalLocation", "artifactLocation", artifact(f->path),
			 "region", region(f),
			 "partialFingerprints", "primaryLocationLineHash", report_jstr(fp),
			 "fixes", fixes(f));
}

static json_t *invocation(const struct report_meta *meta)
{
	json_t *notes = json_array(), *inv;
	size_t i;

	for (i = 0; notes && i < meta->nskipped; i++) {
		const struct report_skip *s = &meta->skipped[i];
		char msg[FB_ERROR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s: skipped: %s", s->path, s->reason);
		if (json_array_append_new(notes, json_pack("{s:s, s:o, s:[{s:{s:o}}]}",
				"level", "warning", "message", text(msg),
				"locations", "physicalLocation", "artifactLocation",
				artifact(s->path))) < 0) {
			json_decref(notes);
			return NULL;
		}
	}
	inv = json_pack("{s:b, s:o}", "executionSuccessful", 1, "toolExecutionNotifications",
			notes);
	return inv;
}

static json_t *build(struct sarif_ctx *c)
{
	json_t *rules = json_array(), *results = json_array();
	size_t i;

	for (i = 0; rules && i < c->nrules; i++)
		if (json_array_append_new(rules, rule_json(c->rules[i])) < 0)
			goto fail;
	for (i = 0; results && i < c->fs->n; i++)
		if (json_array_append_new(results, result_json(c, i)) < 0)
			goto fail;
	return json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:o, s:o*, s:o}}, s:[o], s:s, s:o}]}",
			 "version", "2.1.0", "$schema", SARIF_SCHEMA, "runs",
			 "tool", "driver", "name", "forgebot",
			 "version", report_jstr(c->meta->tool_version),
			 "informationUri", c->meta->tool_uri ? report_jstr(c->meta->tool_uri) : NULL,
			 "rules", rules,
			 "invocations", invocation(c->meta),
			 "columnKind", "utf16CodeUnits",
			 "results", results);
fail:
	json_decref(rules);
	json_decref(results);
	return NULL;
}

int report_sarif(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		 struct fb_error *err)
{
	struct sarif_ctx c = { fs, meta, NULL, NULL, 0, NULL };
	json_t *root = NULL;
	int rc;

	if ((rc = collect_rules(&c, err)) < 0 || (rc = report_occurrences(&c.occ, fs, err)) < 0)
		goto out;
	root = build(&c);
	rc = root ? report_dump(out, root, err) : report_nomem(err);
out:
	json_decref(root);
	free(c.rules);
	free(c.ix);
	free(c.occ);
	return rc;
}
