/*
 * sqlite.c - the SQLite backend of store.h; with sqlite_reviews.c (reviews
 * and findings, sharing sqlite_priv.h) the only files that see sqlite3 types.
 *
 * One `struct sq` is one connection (opened SQLITE_OPEN_NOMUTEX: it
 * belongs to one thread at a time) in WAL mode with synchronous=FULL, so a
 * committed delivery survives a power cut before the webhook is answered,
 * and foreign_keys=ON.  Every statement is prepared once per connection
 * (the table `sql` below, ?N parameters) and kept; values only ever reach
 * SQL as bound parameters.  Writes run in BEGIN IMMEDIATE transactions:
 * the write lock is taken up front, so two connections never both read
 * "job 7 is queued" and both claim it, and a busy database is waited for
 * (on_busy, STORE_BUSY_MS in all) rather than failed at once.  SQLite's
 * result codes become FB_E* codes in sq_fail(): busy or locked beyond the
 * timeout is FB_ERETRY, a constraint FB_ECONFLICT, the audit log's
 * RAISE(ABORT) trigger FB_EFORBIDDEN.
 */
#include "sqlite_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The statements of this file; sqlite_reviews.c has the others. */
static const char *const sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_PING] = "SELECT 1",
	[ST_HAS_VERSION] = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'",
	[ST_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_version",
	[ST_VERSION_ADD] = "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
	[ST_DELIVERY] = "INSERT INTO deliveries (source, delivery_id, event, action, repo, body, "
			"received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
			"ON CONFLICT (source, delivery_id) DO NOTHING RETURNING id",
	[ST_SUPERSEDE] = "UPDATE jobs SET state = 'superseded', updated_at = ?3 "
			 "WHERE key = ?1 AND type = ?2 AND state IN ('queued', 'waiting')",
	[ST_JOB_ADD] = "INSERT INTO jobs (delivery_id, type, key, head_sha, params, state, run_at, "
		       "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7) RETURNING id",
	[ST_PICK] = "SELECT id FROM jobs WHERE ((state = 'queued' AND run_at <= ?1) OR "
		    "(state = 'running' AND lease_until < ?1)) "
		    "AND type IN (SELECT value FROM json_each(?2)) ORDER BY run_at, id LIMIT 1",
	[ST_EXPIRE] = "UPDATE job_attempts SET finished_at = ?2, outcome = 'expired' "
		      "WHERE job_id = ?1 AND finished_at IS NULL",
	[ST_CLAIM] = "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?2, "
		     "worker = ?3, updated_at = ?4 WHERE id = ?1",
	[ST_ATTEMPT] = "INSERT INTO job_attempts (job_id, attempt, worker, started_at) "
		       "SELECT id, attempts, worker, ?2 FROM jobs WHERE id = ?1",
	[ST_JOB_GET] = "SELECT " STORE_JOB_COLS ", d.body FROM jobs j "
		       "LEFT JOIN deliveries d ON d.id = j.delivery_id WHERE j.id = ?1",
	[ST_HEARTBEAT] = "UPDATE jobs SET lease_until = ?3, updated_at = ?4 "
			 "WHERE id = ?1 AND worker = ?2 AND state = 'running'",
	[ST_STATE] = "SELECT state, worker FROM jobs WHERE id = ?1",
	[ST_FINISH] = "UPDATE jobs SET state = ?3, run_at = COALESCE(?4, run_at), lease_until = NULL, "
		      "last_error = COALESCE(?5, last_error), updated_at = ?6 "
		      "WHERE id = ?1 AND worker = ?2 AND state = 'running'",
	[ST_ATTEMPT_END] = "UPDATE job_attempts SET finished_at = ?2, outcome = ?3, error = ?4 "
			   "WHERE job_id = ?1 AND finished_at IS NULL",
	[ST_LIST] = "SELECT " STORE_JOB_COLS ", NULL FROM jobs j "
		    "WHERE (?1 IS NULL OR j.state IN (SELECT value FROM json_each(?1))) "
		    "AND (?2 IS NULL OR j.type = ?2) AND (?3 = 0 OR j.id < ?3) "
		    "ORDER BY j.id DESC LIMIT ?4",
	[ST_RETRY] = "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?2, lease_until = NULL, "
		     "updated_at = ?2 WHERE id = ?1 AND state NOT IN ('queued', 'running')",
	[ST_COUNTS] = "SELECT state, COUNT(*) FROM jobs GROUP BY state",
	[ST_COMMENT_PUT] = "INSERT INTO comments (" STORE_COMMENT_COLS ") "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
			   "ON CONFLICT (forge, repo, number, fingerprint) DO UPDATE SET "
			   "comment_id = excluded.comment_id, discussion_id = excluded.discussion_id, "
			   "outdated = excluded.outdated",
	[ST_COMMENT_LIST] = "SELECT " STORE_COMMENT_COLS " FROM comments WHERE forge = ?1 AND "
			    "repo = ?2 AND number = ?3 ORDER BY comment_id, fingerprint",
	[ST_AUDIT_ADD] = "INSERT INTO audit (at, job_id, actor, action, target, detail) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_AUDIT_LIST] = "SELECT " STORE_AUDIT_COLS " FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
};

/* Translate SQLite's last error on this connection into ours. */
static int sq_fail(struct sq *q, const char *what, struct fb_error *err)
{
	int ext = sqlite3_extended_errcode(q->db), code;

	switch (ext & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return fb_error_set(err, FB_ERETRY, "sqlite '%s': %s: %s (busy beyond %d ms)",
				    q->path, what, sqlite3_errmsg(q->db), STORE_BUSY_MS);
	case SQLITE_CONSTRAINT:
		code = ext == SQLITE_CONSTRAINT_TRIGGER ? FB_EFORBIDDEN : FB_ECONFLICT;
		break;
	case SQLITE_NOMEM: code = FB_ENOMEM; break;
	case SQLITE_TOOBIG: code = FB_ELIMIT; break;
	case SQLITE_IOERR: case SQLITE_FULL: case SQLITE_CANTOPEN: case SQLITE_READONLY:
	case SQLITE_CORRUPT: case SQLITE_NOTADB: case SQLITE_PERM:
		code = FB_EIO;
		break;
	default: code = FB_EINTERNAL; break;
	}
	return fb_error_set(err, code, "sqlite '%s': %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

/* The statement `id`, prepared on first use and kept for the connection's
 * life; bind parameters 1.. by `fmt`: 't' a string (NULL binds NULL), 'b' a
 * string and its size_t length, 'i' an int64_t. */
static int vprep(struct sq *q, enum st id, sqlite3_stmt **out, struct fb_error *err,
		 const char *fmt, va_list ap)
{
	const char *text = sql[id] ? sql[id] : sq_review_sql[id], *s;
	sqlite3_stmt *st = q->st[id];
	int rc = SQLITE_OK, i;

	*out = NULL;
	if (st == NULL &&
	    sqlite3_prepare_v3(q->db, text, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return sq_fail(q, "prepare", err);
	q->st[id] = st;
	if ((size_t)sqlite3_bind_parameter_count(st) != strlen(fmt))
		return fb_error_set(err, FB_EINTERNAL, "sqlite: statement %d takes %d parameters, "
				    "not %zu", (int)id, sqlite3_bind_parameter_count(st), strlen(fmt));
	for (i = 1; rc == SQLITE_OK && fmt[i - 1]; i++) {
		switch (fmt[i - 1]) {
		case 't':
			s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
			break;
		case 'b':
			s = va_arg(ap, const char *);
			rc = sqlite3_bind_text64(st, i, s, va_arg(ap, size_t), SQLITE_STATIC, SQLITE_UTF8);
			break;
		default:
			rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		}
	}
	if (rc != SQLITE_OK) {
		rc = sq_fail(q, "bind", err);
		sqlite3_clear_bindings(st);
		return rc;
	}
	*out = st;
	return 0;
}

int sq_prep(struct sq *q, enum st id, sqlite3_stmt **out, struct fb_error *err,
	    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprep(q, id, out, err, fmt, ap);
	va_end(ap);
	return rc;
}

/* Reset a statement for its next use (NULL: nothing to do). */
void sq_done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* 1 when a row is ready, 0 at the end, or a negative code. */
int sq_step(struct sq *q, sqlite3_stmt *st, const char *what, struct fb_error *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return sq_fail(q, what, err);
}

/* Run a statement to its end, ignoring rows; *changes (may be NULL) gets
 * the number of rows it changed. */
int sq_run(struct sq *q, enum st id, const char *what, int *changes, struct fb_error *err,
	   const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprep(q, id, &st, err, fmt, ap);
	va_end(ap);
	if (rc == 0)
		while ((rc = sq_step(q, st, what, err)) > 0)
			;
	if (rc == 0 && changes)
		*changes = sqlite3_changes(q->db);
	sq_done(st);
	return rc;
}

static void row_cols(sqlite3_stmt *st, int n, const char **col)
{
	int i;

	for (i = 0; i < n; i++)
		col[i] = (const char *)sqlite3_column_text(st, i);
}

/* Run a query and collect its rows of `kind`. */
int sq_rows(struct sq *q, enum st id, enum store_row_kind kind, int ncols, struct store_vec *out,
	    const char *what, struct fb_error *err, const char *fmt, ...)
{
	const char *col[STORE_MAX_NCOLS];
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vprep(q, id, &st, err, fmt, ap);
	va_end(ap);
	while (rc == 0 && (rc = sq_step(q, st, what, err)) > 0) {
		row_cols(st, ncols, col);
		rc = store_vec_add_row(out, kind, col, err);
	}
	sq_done(st);
	return rc;
}

/* ---- transactions ---- */

static void tx_rollback(struct sq *q)
{
	if (!sqlite3_get_autocommit(q->db))
		sq_run(q, ST_ROLLBACK, "rollback", NULL, NULL, "");
}

int sq_tx_begin(struct sq *q, struct fb_error *err)
{
	return sq_run(q, ST_BEGIN, "begin a write transaction", NULL, err, "");
}

/* Commit when rc is 0, else roll back; returns the final code. */
int sq_tx_end(struct sq *q, int rc, struct fb_error *err)
{
	if (rc == 0)
		rc = sq_run(q, ST_COMMIT, "commit", NULL, err, "");
	if (rc < 0)
		tx_rollback(q);
	return rc;
}

/* ---- connection and schema ---- */

static void sq_close(struct store *s)
{
	struct sq *q = sq_of(s);
	size_t i;

	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	free(q->path);
	free(q);
}

static int sq_ping(struct store *s, struct fb_error *err)
{
	return sq_run(sq_of(s), ST_PING, "ping", NULL, err, "");
}

static int sq_exec(struct store *s, const char *script, struct fb_error *err)
{
	struct sq *q = sq_of(s);

	if (sqlite3_exec(q->db, script, NULL, NULL, NULL) != SQLITE_OK)
		return sq_fail(q, "exec", err);
	return 0;
}

static int sq_schema_lock(struct store *s, struct fb_error *err)
{
	return sq_tx_begin(sq_of(s), err);
}

static int sq_commit(struct store *s, struct fb_error *err)
{
	return sq_tx_end(sq_of(s), 0, err);
}

static void sq_rollback(struct store *s)
{
	tx_rollback(sq_of(s));
}

static int sq_version_get(struct store *s, int *out, struct fb_error *err)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int rc;

	*out = 0;
	if ((rc = sq_prep(q, ST_HAS_VERSION, &st, err, "")) < 0 ||
	    (rc = sq_step(q, st, "read the schema version", err)) <= 0)
		goto out;
	sq_done(st);
	if ((rc = sq_prep(q, ST_VERSION, &st, err, "")) < 0 ||
	    (rc = sq_step(q, st, "read the schema version", err)) <= 0)
		goto out;
	*out = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sq_done(st);
	return rc;
}

static int sq_version_add(struct store *s, int version, struct fb_error *err)
{
	return sq_run(sq_of(s), ST_VERSION_ADD, "record the schema version", NULL, err, "ii",
		      (int64_t)version, store_now_ms());
}

/* ---- deliveries and jobs ---- */

/* Insert the delivery; *id stays 0 when (source, delivery_id) exists. */
static int delivery_insert(struct sq *q, const struct delivery *d, int64_t now, int64_t *id,
			   struct fb_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*id = 0;
	rc = sq_prep(q, ST_DELIVERY, &st, err, "tttttbi", d->source, d->delivery_id, d->event,
		     d->action, d->repo, d->body, d->body_len, now);
	if (rc == 0 && (rc = sq_step(q, st, "store a delivery", err)) > 0) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sq_done(st);
	return rc;
}

static int job_insert(struct sq *q, int64_t delivery, const struct job_spec *j, int64_t now,
		      int64_t *id, struct fb_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (j->key)
		rc = sq_run(q, ST_SUPERSEDE, "supersede older jobs", NULL, err, "tti", j->key,
			    j->type, now);
	if (rc == 0)
		rc = sq_prep(q, ST_JOB_ADD, &st, err, "ittttti", delivery, j->type, j->key,
			     j->head_sha, j->params ? j->params : "{}",
			     job_state_str(j->waiting ? JOB_WAITING : JOB_QUEUED), now);
	if (rc == 0 && (rc = sq_step(q, st, "queue a job", err)) > 0) {
		if (id)
			*id = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sq_done(st);
	return rc;
}

static int sq_delivery_put(struct store *s, const struct delivery *d, const struct job_spec *jobs,
			   size_t njobs, bool *duplicate, int64_t *out_ids, struct fb_error *err)
{
	struct sq *q = sq_of(s);
	int64_t now = store_now_ms(), delivery = 0;
	size_t i;
	int rc;

	if ((rc = sq_tx_begin(q, err)) < 0)
		return rc;
	rc = delivery_insert(q, d, now, &delivery, err);
	if (rc == 0 && delivery == 0)
		*duplicate = true;
	for (i = 0; rc == 0 && !*duplicate && i < njobs; i++)
		rc = job_insert(q, delivery, &jobs[i], now, out_ids ? &out_ids[i] : NULL, err);
	return sq_tx_end(q, rc, err);
}

/* Read job `id` with its delivery's body into `out` (job_init'ed). */
static int job_read(struct sq *q, int64_t id, struct job *out, struct fb_error *err)
{
	const char *col[STORE_JOB_NCOLS];
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sq_prep(q, ST_JOB_GET, &st, err, "i", id)) < 0 ||
	    (rc = sq_step(q, st, "read a job", err)) < 0)
		goto out;
	if (rc == 0) {
		rc = fb_error_set(err, FB_ENOTFOUND, "store: job %lld not found", (long long)id);
		goto out;
	}
	row_cols(st, STORE_JOB_NCOLS, col);
	rc = store_job_from_cols(out, col, err);
out:
	sq_done(st);
	return rc;
}

static int sq_job_claim(struct store *s, const char *types_json, const char *worker,
			int64_t lease_ms, struct job *out, bool *got, struct fb_error *err)
{
	struct sq *q = sq_of(s);
	int64_t now = store_now_ms(), id = 0;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sq_tx_begin(q, err)) < 0)
		return rc;
	rc = sq_prep(q, ST_PICK, &st, err, "it", now, types_json);
	if (rc == 0 && (rc = sq_step(q, st, "find a runnable job", err)) > 0) {
		id = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sq_done(st);
	if (rc == 0 && id) {
		/* An expired lease: its worker died; close that attempt. */
		rc = sq_run(q, ST_EXPIRE, "close an expired attempt", NULL, err, "ii", id, now);
		if (rc == 0)
			rc = sq_run(q, ST_CLAIM, "claim a job", NULL, err, "iiti", id,
				    now + lease_ms, worker, now);
		if (rc == 0)
			rc = sq_run(q, ST_ATTEMPT, "record an attempt", NULL, err, "ii", id, now);
		if (rc == 0)
			rc = job_read(q, id, out, err);
	}
	if ((rc = sq_tx_end(q, rc, err)) < 0)
		job_release(out);
	else
		*got = id != 0;
	return rc;
}

/* The lease on job `id` is not `worker`'s: say why (unknown job or held
 * elsewhere).  Inside the caller's transaction. */
static int lease_lost(struct sq *q, int64_t id, const char *worker, struct fb_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = sq_prep(q, ST_STATE, &st, err, "i", id)) < 0 ||
	    (rc = sq_step(q, st, "read a job's state", err)) < 0)
		goto out;
	if (rc == 0)
		rc = fb_error_set(err, FB_ENOTFOUND, "store: job %lld not found", (long long)id);
	else
		rc = fb_error_set(err, FB_ECONFLICT,
				  "store: job %lld: worker '%s' no longer holds the lease "
				  "(state %s, worker '%s')",
				  (long long)id, worker, (const char *)sqlite3_column_text(st, 0),
				  sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1)
							     : "");
out:
	sq_done(st);
	return rc;
}

static int sq_job_heartbeat(struct store *s, int64_t id, const char *worker, int64_t lease_ms,
			    struct fb_error *err)
{
	struct sq *q = sq_of(s);
	int64_t now = store_now_ms();
	int rc, changes = 0;

	if ((rc = sq_tx_begin(q, err)) < 0)
		return rc;
	rc = sq_run(q, ST_HEARTBEAT, "extend a lease", &changes, err, "itii", id, worker,
		    now + lease_ms, now);
	if (rc == 0 && changes == 0)
		rc = lease_lost(q, id, worker, err);
	return sq_tx_end(q, rc, err);
}

static int sq_job_finish(struct store *s, int64_t id, const char *worker, enum job_state to,
			 const char *outcome, int64_t run_at, const char *error,
			 struct fb_error *err)
{
	struct sq *q = sq_of(s);
	int64_t now = store_now_ms();
	const char *state = job_state_str(to);
	int rc, changes = 0;

	if ((rc = sq_tx_begin(q, err)) < 0)
		return rc;
	/* run_at < 0 keeps the old one: NULL for COALESCE. */
	if (run_at < 0)
		rc = sq_run(q, ST_FINISH, "finish a job", &changes, err, "itttti", id, worker,
			    state, (const char *)NULL, error, now);
	else
		rc = sq_run(q, ST_FINISH, "finish a job", &changes, err, "ittiti", id, worker,
			    state, run_at, error, now);
	if (rc == 0 && changes == 0)
		rc = lease_lost(q, id, worker, err);
	if (rc == 0)
		rc = sq_run(q, ST_ATTEMPT_END, "close an attempt", NULL, err, "iitt", id, now,
			    outcome, error);
	return sq_tx_end(q, rc, err);
}

static int sq_job_get(struct store *s, int64_t id, struct job *out, struct fb_error *err)
{
	int rc = job_read(sq_of(s), id, out, err);

	if (rc < 0)
		job_release(out);
	return rc;
}

static int sq_job_list(struct store *s, const struct store_job_query *qy, struct store_vec *out,
		       struct fb_error *err)
{
	return sq_rows(sq_of(s), ST_LIST, STORE_ROW_JOB, STORE_JOB_NCOLS, out, "list jobs", err,
		       "ttii", qy->states_json, qy->type, qy->before_id, qy->limit);
}

static int sq_job_retry(struct store *s, int64_t id, struct fb_error *err)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	int rc, changes = 0;

	if ((rc = sq_tx_begin(q, err)) < 0)
		return rc;
	rc = sq_run(q, ST_RETRY, "requeue a job", &changes, err, "ii", id, store_now_ms());
	if (rc == 0 && changes == 0) {
		if ((rc = sq_prep(q, ST_STATE, &st, err, "i", id)) == 0 &&
		    (rc = sq_step(q, st, "read a job's state", err)) == 0)
			rc = fb_error_set(err, FB_ENOTFOUND, "store: job %lld not found", (long long)id);
		else if (rc > 0)
			rc = fb_error_set(err, FB_ECONFLICT, "store: job %lld is %s: only a finished "
					  "job can be retried", (long long)id,
					  (const char *)sqlite3_column_text(st, 0));
		sq_done(st);
	}
	return sq_tx_end(q, rc, err);
}

static int sq_job_counts(struct store *s, int64_t counts[JOB_WAITING + 1], struct fb_error *err)
{
	struct sq *q = sq_of(s);
	sqlite3_stmt *st = NULL;
	enum job_state state;
	int rc;

	rc = sq_prep(q, ST_COUNTS, &st, err, "");
	while (rc == 0 && (rc = sq_step(q, st, "count jobs", err)) > 0) {
		if (job_state_parse((const char *)sqlite3_column_text(st, 0), &state) == 0)
			counts[state] = sqlite3_column_int64(st, 1);
		rc = 0;
	}
	sq_done(st);
	return rc;
}

/* ---- comments and audit ---- */

static int sq_comment_put(struct store *s, const struct comment_rec *c, struct fb_error *err)
{
	return sq_run(sq_of(s), ST_COMMENT_PUT, "record a comment", NULL, err, "ttititi", c->forge,
		      c->repo, (int64_t)c->number, c->fingerprint, c->comment_id, c->discussion_id,
		      (int64_t)c->outdated);
}

static int sq_comment_list(struct store *s, const char *forge, const char *repo, long number,
			   struct store_vec *out, struct fb_error *err)
{
	return sq_rows(sq_of(s), ST_COMMENT_LIST, STORE_ROW_COMMENT, STORE_COMMENT_NCOLS, out,
		       "list comments", err, "tti", forge, repo, (int64_t)number);
}

static int sq_audit_append(struct store *s, const struct audit_rec *a, struct fb_error *err)
{
	struct sq *q = sq_of(s);

	if (a->job_id > 0)
		return sq_run(q, ST_AUDIT_ADD, "append to the audit log", NULL, err, "iitttt",
			      store_now_ms(), a->job_id, a->actor, a->action, a->target, a->detail);
	return sq_run(q, ST_AUDIT_ADD, "append to the audit log", NULL, err, "ittttt",
		      store_now_ms(), (const char *)NULL, a->actor, a->action, a->target, a->detail);
}

static int sq_audit_list(struct store *s, int64_t after_id, int64_t limit, struct store_vec *out,
			 struct fb_error *err)
{
	return sq_rows(sq_of(s), ST_AUDIT_LIST, STORE_ROW_AUDIT, STORE_AUDIT_NCOLS, out,
		       "read the audit log", err, "ii", after_id, limit);
}

/* No notifications in SQLite: a worker polls, at least once a second. */
static int sq_wait_for_jobs(struct store *s, int timeout_ms, struct fb_error *err)
{
	struct timespec ts;

	if (timeout_ms > 1000)
		timeout_ms = 1000;
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	return 0;
}

static const struct store_ops sqlite_ops = {
	.kind = STORE_SQLITE,
	.name = "sqlite",
	.close = sq_close,
	.ping = sq_ping,
	.schema_lock = sq_schema_lock,
	.exec = sq_exec,
	.version_get = sq_version_get,
	.version_add = sq_version_add,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.delivery_put = sq_delivery_put,
	.job_claim = sq_job_claim,
	.job_heartbeat = sq_job_heartbeat,
	.job_finish = sq_job_finish,
	.job_get = sq_job_get,
	.job_list = sq_job_list,
	.job_retry = sq_job_retry,
	.job_counts = sq_job_counts,
	.comment_put = sq_comment_put,
	.comment_list = sq_comment_list,
	.audit_append = sq_audit_append,
	.audit_list = sq_audit_list,
	.review_put = sq_review_put,
	.review_latest = sq_review_latest,
	.wait_for_jobs = sq_wait_for_jobs,
};

/*
 * Waiting for the write lock.  SQLite's own busy_timeout sleeps 1, 2, 5 ...
 * up to 100 ms between tries, so with several threads writing, most of
 * them sleep long after the lock is free (the intake benchmark saw
 * threads asleep half the time).  Writes are short here: retry after
 * 50 µs, doubling to 2 ms, for STORE_BUSY_MS in all.
 */
static int on_busy(void *payload, int tries)
{
	static const long step_us[] = { 50, 100, 200, 400, 800, 1600, 2000 };
	long us = step_us[tries < 7 ? tries : 6];
	struct timespec ts = { 0, us * 1000L };
	long long spent_us = 0;

	(void)payload;
	for (int i = 0; i < tries && i < 7; i++)
		spent_us += step_us[i];
	if (tries >= 7)
		spent_us += (long long)(tries - 6) * 2000;
	if (spent_us >= (long long)STORE_BUSY_MS * 1000)
		return 0; /* give up: SQLITE_BUSY, reported as FB_ERETRY */
	nanosleep(&ts, NULL);
	return 1;
}

int store_sqlite_open(struct store **out, const char *path, struct fb_error *err)
{
	static const char setup[] =
		"PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
	struct sq *q = calloc(1, sizeof(*q));
	int rc = FB_ENOMEM;

	*out = NULL;
	if (q == NULL || (q->path = strdup(path)) == NULL) {
		store_oom(err);
		goto out;
	}
	q->base.ops = &sqlite_ops;
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				  SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = fb_error_set(err, FB_EIO, "sqlite '%s': cannot open: %s", path,
				  q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto out;
	}
	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_handler(q->db, on_busy, NULL);
	if ((rc = sq_exec(&q->base, setup, err)) < 0)
		goto out;
	*out = &q->base;
	q = NULL;
	rc = 0;
out:
	if (q) {
		sqlite3_close(q->db);
		free(q->path);
		free(q);
	}
	return rc;
}
