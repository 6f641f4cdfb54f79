/*
 * postgres_reviews.c - reviews and their findings in the PostgreSQL
 * backend.
 *
 * A review is two statements in one transaction: the review's row
 * (RETURNING its id), then every finding at once from the JSON array
 * reviews.c built, through jsonb_array_elements WITH ORDINALITY (the
 * position becomes the finding's `seq`).  Reading the latest is two
 * queries outside a transaction: a review's findings never change once
 * its transaction committed, so the second read cannot disagree with the
 * first.
 */
#include "postgres_priv.h"

const char *const pg_review_sql[PS_COUNT] = {
	[PS_REVIEW_ADD] = "INSERT INTO reviews (job_id, forge, repo, number, head_sha, base_sha, "
			  "summary, created_at, nfindings, nerror, nwarning, ninfo, nhint) "
			  "VALUES (NULLIF($1::bigint, 0), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
			  "$12, $13) RETURNING id",
	[PS_FINDINGS_ADD] = "INSERT INTO findings (review_id, seq, rule_id, severity, path, "
			    "start_line, end_line, message, fingerprint) "
			    "SELECT $1::bigint, e.n - 1, e.v ->> 'rule_id', e.v ->> 'severity', "
			    "e.v ->> 'path', (e.v ->> 'start_line')::bigint, "
			    "(e.v ->> 'end_line')::bigint, e.v ->> 'message', e.v ->> 'fingerprint' "
			    "FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(v, n)",
	[PS_REVIEW_LATEST] = "SELECT " STORE_REVIEW_COLS " FROM reviews WHERE forge = $1 AND "
			     "repo = $2 AND number = $3 ORDER BY created_at DESC, id DESC LIMIT 1",
	[PS_FINDING_LIST] = "SELECT " STORE_FINDING_COLS " FROM findings "
			    "WHERE review_id = $1::bigint ORDER BY seq",
};

int pg_review_put(struct store *s, const struct review_rec *r, const char *findings_json,
		  int64_t *out_id, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	PGresult *res = NULL;
	int64_t id = 0;
	int rc;

	if ((rc = pg_tx_begin(p, err)) < 0)
		return rc;
	rc = pg_query(p, PS_REVIEW_ADD, &res, "store a review", err, "ittitttiiiiii", r->job_id,
		      r->forge, r->repo, (int64_t)r->number, r->head_sha, r->base_sha, r->summary,
		      r->created_at, r->nfindings, r->nerror, r->nwarning, r->ninfo, r->nhint);
	if (rc == 0)
		rc = store_parse_i64(PQgetvalue(res, 0, 0), &id, "reviews.id", err);
	PQclear(res);
	if (rc == 0)
		rc = pg_query(p, PS_FINDINGS_ADD, NULL, "store a review's findings", err, "it", id,
			      findings_json);
	if ((rc = pg_tx_end(p, rc, err)) == 0)
		*out_id = id;
	return rc;
}

int pg_review_latest(struct store *s, const char *forge, const char *repo, long number,
		     struct store_vec *review, struct store_vec *findings, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int rc;

	rc = pg_rows(p, PS_REVIEW_LATEST, STORE_ROW_REVIEW, STORE_REVIEW_NCOLS, review,
		     "read the latest review", err, "tti", forge, repo, (int64_t)number);
	if (rc == 0 && review->n == 1)
		rc = pg_rows(p, PS_FINDING_LIST, STORE_ROW_FINDING, STORE_FINDING_NCOLS, findings,
			     "read a review's findings", err, "i",
			     ((const struct review_rec *)review->items)->id);
	return rc;
}
