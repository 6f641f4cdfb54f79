/*
 * reviews.c - the storage interface's front for reviews and their
 * findings (store.h): checks a review before it is stored, derives its
 * counts by severity from its findings, and turns the findings into the
 * one JSON array parameter both backends insert from (sqlite_reviews.c,
 * postgres_reviews.c), so a review of any size is two statements in one
 * transaction.  Reading the latest review back, the backends collect the
 * rows and the caller's callback gets them here, after the read.
 */
#include "store_priv.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The severities a finding may have, in the order of review_rec's counts;
 * -1 for anything else. */
static int severity_index(const char *s)
{
	static const char *const names[] = { "error", "warning", "info", "hint" };

	for (int k = 0; s && k < 4; k++)
		if (strcmp(s, names[k]) == 0)
			return k;
	return -1;
}

void review_rec_init(struct review_rec *r)
{
	memset(r, 0, sizeof *r);
}

void review_rec_release(struct review_rec *r)
{
	if (r == NULL)
		return;
	free(r->strings);
	review_rec_init(r);
}

/* One finding as the object review_put reads; FB_EINVAL names what is
 * wrong with finding `i`. */
static int finding_json(json_t **out, const struct finding_rec *f, size_t i,
			struct fb_error *err)
{
	json_error_t je;

	if (!f->rule_id || !f->path || !f->message || !f->fingerprint)
		return fb_error_set(err, FB_EINVAL, "store: finding %zu needs a rule, path, message "
				    "and fingerprint", i);
	if (f->start_line < 0 || f->end_line < 0)
		return fb_error_set(err, FB_EINVAL, "store: finding %zu (%.200s): negative line", i,
				    f->path);
	*out = json_pack_ex(&je, 0, "{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "rule_id", f->rule_id,
			    "severity", f->severity, "path", f->path,
			    "start_line", (json_int_t)f->start_line, "end_line",
			    (json_int_t)f->end_line, "message", f->message,
			    "fingerprint", f->fingerprint);
	if (*out == NULL && json_error_code(&je) == json_error_out_of_memory)
		return store_oom(err);
	if (*out == NULL)
		return fb_error_set(err, FB_EINVAL, "store: finding %zu (rule %.80s): %s", i,
				    f->rule_id, je.text);
	return 0;
}

/* The findings as a JSON array (*out malloc'd: free() it), and their
 * counts by severity into `r`. */
static int findings_json(char **out, struct review_rec *r, const struct finding_rec *fs,
			 size_t n, struct fb_error *err)
{
	int64_t *count[] = { &r->nerror, &r->nwarning, &r->ninfo, &r->nhint };
	json_t *a = json_array(), *o = NULL;
	int rc = 0, k;

	*out = NULL;
	for (size_t i = 0; a && rc == 0 && i < n; i++) {
		if ((k = severity_index(fs[i].severity)) < 0) {
			rc = fb_error_set(err, FB_EINVAL, "store: finding %zu: severity '%.20s' is "
					  "not error, warning, info or hint", i,
					  fs[i].severity ? fs[i].severity : "");
			break;
		}
		(*count[k])++;
		if ((rc = finding_json(&o, &fs[i], i, err)) == 0 && json_array_append_new(a, o) < 0)
			rc = store_oom(err);
	}
	r->nfindings = (int64_t)n;
	if (rc == 0 && (a == NULL || (*out = json_dumps(a, JSON_COMPACT)) == NULL))
		rc = store_oom(err);
	json_decref(a);
	return rc;
}

int store_review_put(struct store *s, const struct review_rec *r,
		     const struct finding_rec *findings, size_t n, int64_t *out_id,
		     struct fb_error *err)
{
	struct review_rec rec;
	char *json = NULL;
	int64_t id = 0;
	int rc;

	if (out_id)
		*out_id = 0;
	if (!r || !r->forge || !r->repo || !r->head_sha || (n && !findings))
		return fb_error_set(err, FB_EINVAL,
				    "store: a review needs a forge, repository and head commit");
	rec = *r;
	rec.nerror = rec.nwarning = rec.ninfo = rec.nhint = 0;
	rec.strings = NULL;
	rec.created_at = store_now_ms();
	if ((rc = findings_json(&json, &rec, findings, n, err)) == 0)
		rc = s->ops->review_put(s, &rec, json, &id, err);
	free(json);
	if (rc == 0 && out_id)
		*out_id = id;
	return rc;
}

int store_review_latest(struct store *s, const char *forge, const char *repo, long number,
			struct review_rec *out, store_finding_cb cb, void *payload, bool *found,
			struct fb_error *err)
{
	struct store_vec review, rows;
	struct store_finding_row *r;
	int rc, stop = 0;
	size_t i;

	review_rec_init(out);
	*found = false;
	if (!forge || !repo)
		return fb_error_set(err, FB_EINVAL, "store: reading a review needs a forge and "
				    "repository");
	store_vec_init(&review, sizeof(struct review_rec));
	store_vec_init(&rows, sizeof(*r));
	rc = s->ops->review_latest(s, forge, repo, number, &review, &rows, err);
	if (rc == 0 && review.n == 1) {
		*out = *(struct review_rec *)review.items; /* the record takes its strings */
		*found = true;
	} else if (review.n == 1) {
		review_rec_release(review.items);
	}
	for (i = 0, r = rows.items; i < rows.n; i++, r++) {
		struct finding_rec f = {
			.rule_id = r->rule_id, .severity = r->severity, .path = r->path,
			.start_line = r->start_line, .end_line = r->end_line, .message = r->message,
			.fingerprint = r->fingerprint,
		};
		if (rc == 0 && stop == 0 && cb)
			stop = cb(&f, payload);
		free(r->rule_id);
		free(r->severity);
		free(r->path);
		free(r->message);
		free(r->fingerprint);
	}
	store_vec_release(&review);
	store_vec_release(&rows);
	return rc < 0 ? rc : stop < 0 ? stop : 0;
}
