/*
 * sqlite_reviews.c - reviews and their findings in the SQLite backend.
 *
 * A review is two statements in one BEGIN IMMEDIATE transaction: the
 * review's row (RETURNING its id), then every finding at once from the
 * JSON array reviews.c built, through json_each (whose `key` is the
 * array index, kept as the finding's `seq`).  Reading the latest is two
 * queries outside a transaction: a review's findings never change once
 * its transaction committed, so the second read cannot disagree with the
 * first.
 */
#include "sqlite_priv.h"

const char *const sq_review_sql[ST_COUNT] = {
	[ST_REVIEW_ADD] = "INSERT INTO reviews (job_id, forge, repo, number, head_sha, base_sha, "
			  "summary, created_at, nfindings, nerror, nwarning, ninfo, nhint) "
			  "VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
			  "RETURNING id",
	[ST_FINDINGS_ADD] = "INSERT INTO findings (review_id, seq, rule_id, severity, path, "
			    "start_line, end_line, message, fingerprint) "
			    "SELECT ?1, key, json_extract(value, '$.rule_id'), "
			    "json_extract(value, '$.severity'), json_extract(value, '$.path'), "
			    "json_extract(value, '$.start_line'), json_extract(value, '$.end_line'), "
			    "json_extract(value, '$.message'), json_extract(value, '$.fingerprint') "
			    "FROM json_each(?2) ORDER BY key",
	[ST_REVIEW_LATEST] = "SELECT " STORE_REVIEW_COLS " FROM reviews WHERE forge = ?1 AND "
			     "repo = ?2 AND number = ?3 ORDER BY created_at DESC, id DESC LIMIT 1",
	[ST_FINDING_LIST] = "SELECT " STORE_FINDING_COLS " FROM findings WHERE review_id = ?1 "
			    "ORDER BY seq",
};

int sq_review_put(struct store *s, const struct review_rec *r, const char *findings_json,
		  int64_t *out_id, struct fb_error *err)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = sq_tx_begin(q, err)) < 0)
		return rc;
	rc = sq_prep(q, ST_REVIEW_ADD, &st, err, "ittitttiiiiii", r->job_id, r->forge, r->repo,
		     (int64_t)r->number, r->head_sha, r->base_sha, r->summary, r->created_at,
		     r->nfindings, r->nerror, r->nwarning, r->ninfo, r->nhint);
	if (rc == 0 && (rc = sq_step(q, st, "store a review", err)) > 0) {
		id = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sq_done(st);
	if (rc == 0)
		rc = sq_run(q, ST_FINDINGS_ADD, "store a review's findings", NULL, err, "it", id,
			    findings_json);
	if ((rc = sq_tx_end(q, rc, err)) == 0)
		*out_id = id;
	return rc;
}

int sq_review_latest(struct store *s, const char *forge, const char *repo, long number,
		     struct store_vec *review, struct store_vec *findings, struct fb_error *err)
{
	struct sq *q = sq_of(s);
	int rc;

	rc = sq_rows(q, ST_REVIEW_LATEST, STORE_ROW_REVIEW, STORE_REVIEW_NCOLS, review,
		     "read the latest review", err, "tti", forge, repo, (int64_t)number);
	if (rc == 0 && review->n == 1)
		rc = sq_rows(q, ST_FINDING_LIST, STORE_ROW_FINDING, STORE_FINDING_NCOLS, findings,
			     "read a review's findings", err, "i",
			     ((const struct review_rec *)review->items)->id);
	return rc;
}
