/*
 * store_priv.h - what store.c, reviews.c, migrations.c and the two backends
 * share.
 *
 * A backend (sqlite.c, postgres.c; their review operations in
 * sqlite_reviews.c, postgres_reviews.c) embeds `struct store` as the first
 * member of its own struct and points `ops` at its table.  store.c (and
 * reviews.c) check the arguments of every public call, turn lists of
 * strings and a review's findings into JSON arrays (the one way a
 * variable-length list reaches a parameterized statement: `json_each(?)` in
 * SQLite, `jsonb_array_elements[_text]($n)` in PostgreSQL) and dispatch.
 * migrations.c drives the schema through the low-level operations (schema
 * lock, exec, version).  Only `exec` runs SQL text, and only fixed scripts:
 * every value goes through a parameter.
 *
 * Rows come back as arrays of column strings (NULL for SQL NULL), which
 * store_vec_add_row() and store_job_from_cols() turn into our structs, so both
 * backends read a job the same way.  List operations collect their rows
 * first and store.c calls the caller's callback after the transaction, so
 * a callback may use the same store.
 */
#ifndef FB_STORE_PRIV_H
#define FB_STORE_PRIV_H

#include "store.h"

#define STORE_LIST_MAX 1000     /* largest page store_job_list/store_audit_list return */
#define STORE_LIST_DEFAULT 100
#define STORE_BUSY_MS 5000      /* SQLite busy timeout */
#define STORE_CHANNEL "forgebot_jobs"

enum store_kind { STORE_SQLITE, STORE_POSTGRES };

/* The columns every job query selects, in this order (jobs aliased j,
 * deliveries d); STORE_JOB_NCOLS with the delivery body last. */
#define STORE_JOB_COLS                                                                   \
	"j.id, j.delivery_id, j.type, j.key, j.head_sha, j.params, j.state, j.attempts, " \
	"j.run_at, j.lease_until, j.worker, j.last_error, j.created_at, j.updated_at"
#define STORE_JOB_NCOLS 15
#define STORE_COMMENT_COLS "forge, repo, number, fingerprint, comment_id, discussion_id, outdated"
#define STORE_COMMENT_NCOLS 7
#define STORE_AUDIT_COLS "id, at, job_id, actor, action, target, detail"
#define STORE_AUDIT_NCOLS 7
#define STORE_REVIEW_COLS                                                             \
	"id, job_id, forge, repo, number, head_sha, base_sha, summary, created_at, " \
	"nfindings, nerror, nwarning, ninfo, nhint"
#define STORE_REVIEW_NCOLS 14
#define STORE_FINDING_COLS "rule_id, severity, path, start_line, end_line, message, fingerprint"
#define STORE_FINDING_NCOLS 7
#define STORE_MAX_NCOLS STORE_JOB_NCOLS /* the widest row above */
_Static_assert(STORE_REVIEW_NCOLS <= STORE_MAX_NCOLS, "a review row is wider than a job row");

/* A growable array of `size`-byte items (rows of a list). */
struct store_vec {
	void *items;
	size_t n, cap, size;
};

struct store_comment_row {
	char *forge, *repo, *fingerprint, *discussion_id;
	long number;
	int64_t comment_id;
	bool outdated;
};

struct store_audit_row {
	int64_t id, at, job_id;
	char *actor, *action, *target, *detail;
};

struct store_finding_row {
	char *rule_id, *severity, *path, *message, *fingerprint;
	long start_line, end_line;
};

struct store_job_query {
	const char *states_json; /* JSON array of state names; NULL: any */
	const char *type;        /* NULL: any */
	int64_t limit;
	int64_t before_id;       /* 0: from the newest */
};

struct store_ops {
	enum store_kind kind;
	const char *name;
	void (*close)(struct store *s);
	int (*ping)(struct store *s, struct fb_error *err);

	/* Migrations: begin a transaction holding the schema lock; run a
	 * fixed script; read (0 when there is no schema_version table) and
	 * record the version; end the transaction. */
	int (*schema_lock)(struct store *s, struct fb_error *err);
	int (*exec)(struct store *s, const char *sql, struct fb_error *err);
	int (*version_get)(struct store *s, int *out, struct fb_error *err);
	int (*version_add)(struct store *s, int version, struct fb_error *err);
	int (*commit)(struct store *s, struct fb_error *err);
	void (*rollback)(struct store *s);

	int (*delivery_put)(struct store *s, const struct delivery *d, const struct job_spec *jobs,
			    size_t njobs, bool *duplicate, int64_t *out_ids, struct fb_error *err);
	int (*job_claim)(struct store *s, const char *types_json, const char *worker,
			 int64_t lease_ms, struct job *out, bool *got, struct fb_error *err);
	int (*job_heartbeat)(struct store *s, int64_t id, const char *worker, int64_t lease_ms,
			     struct fb_error *err);
	/* `to` is the new state, `outcome` the attempt's ("done", "retry",
	 * "dead"); run_at < 0 keeps the job's run_at. */
	int (*job_finish)(struct store *s, int64_t id, const char *worker, enum job_state to,
			  const char *outcome, int64_t run_at, const char *error,
			  struct fb_error *err);
	int (*job_get)(struct store *s, int64_t id, struct job *out, struct fb_error *err);
	int (*job_list)(struct store *s, const struct store_job_query *q,
			struct store_vec *out /* of struct job */, struct fb_error *err);
	int (*job_retry)(struct store *s, int64_t id, struct fb_error *err);
	int (*job_counts)(struct store *s, int64_t counts[JOB_WAITING + 1], struct fb_error *err);

	int (*comment_put)(struct store *s, const struct comment_rec *c, struct fb_error *err);
	int (*comment_list)(struct store *s, const char *forge, const char *repo, long number,
			    struct store_vec *out /* of struct store_comment_row */,
			    struct fb_error *err);
	int (*audit_append)(struct store *s, const struct audit_rec *a, struct fb_error *err);
	int (*audit_list)(struct store *s, int64_t after_id, int64_t limit,
			  struct store_vec *out /* of struct store_audit_row */,
			  struct fb_error *err);
	/* One transaction: insert the review (its counts already derived) and
	 * the findings from `findings_json`, an array of objects with the
	 * fields of struct finding_rec, whose index becomes `seq`. */
	int (*review_put)(struct store *s, const struct review_rec *r, const char *findings_json,
			  int64_t *out_id, struct fb_error *err);
	/* The newest review's row (none or one, into `review`, of struct
	 * review_rec) and then its findings' rows. */
	int (*review_latest)(struct store *s, const char *forge, const char *repo, long number,
			     struct store_vec *review /* of struct review_rec */,
			     struct store_vec *findings /* of struct store_finding_row */,
			     struct fb_error *err);
	int (*wait_for_jobs)(struct store *s, int timeout_ms, struct fb_error *err);
};

struct store {
	const struct store_ops *ops;
};

/* The backends' constructors (sqlite.c, postgres.c).  `path` is a file
 * path; `url` a postgres:// or postgresql:// URL. */
int store_sqlite_open(struct store **out, const char *path, struct fb_error *err);
int store_postgres_open(struct store **out, const char *url, struct fb_error *err);

/* Run a fixed SQL script outside any transaction.  Migrations use the
 * backend's exec inside theirs; tests use this to reach past the API
 * (to prove the audit triggers refuse UPDATE and DELETE, say). */
int store_exec_raw(struct store *s, const char *sql, struct fb_error *err);

/* ---- helpers for the backends (store.c) ---- */

int store_oom(struct fb_error *err);
/* A strict decimal int64; FB_EINTERNAL with `what` in the message. */
int store_parse_i64(const char *s, int64_t *out, const char *what, struct fb_error *err);

void store_vec_init(struct store_vec *v, size_t size);
/* A new zeroed item at the end, or NULL when out of memory. */
void *store_vec_push(struct store_vec *v);
void store_vec_release(struct store_vec *v); /* frees the array, not what items own */

enum store_row_kind {
	STORE_ROW_JOB, STORE_ROW_COMMENT, STORE_ROW_AUDIT, STORE_ROW_REVIEW, STORE_ROW_FINDING
};

/* Append one row of `kind` (its columns as strings, NULL for SQL NULL) to
 * `out`, a vector of struct job, store_comment_row, store_audit_row,
 * review_rec or store_finding_row.  On failure the item stays in `out`,
 * partly filled, for the caller to free. */
int store_vec_add_row(struct store_vec *out, enum store_row_kind kind, const char *const *col,
		      struct fb_error *err);

/* libpq's and SQLite's messages may span lines: ours are one line. */
void store_one_line(char *dst, size_t n, const char *src);

/* Fill `out` (job_init'ed) from one row of STORE_JOB_COLS plus the body.
 * On failure `out` may hold some owned strings: job_release() it. */
int store_job_from_cols(struct job *out, const char *const col[STORE_JOB_NCOLS],
			struct fb_error *err);

#endif
