/*
 * postgres.c - the PostgreSQL backend of store.h; with postgres_reviews.c
 * (reviews and findings, sharing postgres_priv.h) the only files that see
 * libpq types.
 *
 * One `struct pg` is one PGconn (one thread at a time).  Every statement
 * with values is a named prepared statement (the table `sql` below, $N
 * parameters), prepared on first use in the session and executed with
 * PQexecPrepared; only fixed commands (BEGIN, LISTEN, the migration
 * scripts) go through PQexec.  Operations of more than one statement run
 * in a transaction.
 *
 * The queue: store_job_claim picks with SELECT ... FOR UPDATE SKIP LOCKED
 * LIMIT 1 and updates in the same transaction, so replicas never claim one
 * job twice and never wait on each other's picks.  Queuing a job sends
 * NOTIFY forgebot_jobs (delivered at commit); store_wait_for_jobs LISTENs
 * once per session and polls the socket.  Jobs with one supersede key are
 * queued under a transaction advisory lock on the key, so two deliveries
 * for one pull request cannot both leave a job queued.
 *
 * Connection loss: the failing call returns FB_ERETRY; the next call
 * PQreset()s (which re-runs the connect with its connect_timeout) and
 * starts a new session: statements are prepared again and LISTEN issued
 * again.  Server errors become FB_E* codes by SQLSTATE class in pg_code().
 */
#include "postgres_priv.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_MAX_PARAMS 16
#define PG_LOCK_KEY "1718579815" /* "forg": our advisory locks */
#define PG_CONNECT_TIMEOUT "5"   /* seconds, unless the URL says otherwise */

/* The statements of this file; postgres_reviews.c has the others. */
static const char *const sql[PS_COUNT] = {
	[PS_PING] = "SELECT 1",
	[PS_HAS_VERSION] = "SELECT to_regclass('schema_version') IS NOT NULL",
	[PS_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_version",
	[PS_VERSION_ADD] = "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)",
	[PS_DELIVERY] = "INSERT INTO deliveries (source, delivery_id, event, action, repo, body, "
			"received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
			"ON CONFLICT (source, delivery_id) DO NOTHING RETURNING id",
	[PS_KEY_LOCK] = "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ", hashtext($1::text))",
	[PS_SUPERSEDE] = "UPDATE jobs SET state = 'superseded', updated_at = $3::bigint "
			 "WHERE key = $1::text AND type = $2::text AND state IN ('queued', 'waiting')",
	[PS_JOB_ADD] = "INSERT INTO jobs (delivery_id, type, key, head_sha, params, state, run_at, "
		       "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) "
		       "RETURNING id",
	[PS_NOTIFY] = "SELECT pg_notify('" STORE_CHANNEL "', '')",
	[PS_PICK] = "SELECT id FROM jobs WHERE ((state = 'queued' AND run_at <= $1::bigint) OR "
		    "(state = 'running' AND lease_until < $1::bigint)) "
		    "AND type IN (SELECT jsonb_array_elements_text($2::jsonb)) "
		    "ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
	[PS_EXPIRE] = "UPDATE job_attempts SET finished_at = $2::bigint, outcome = 'expired' "
		      "WHERE job_id = $1::bigint AND finished_at IS NULL",
	[PS_CLAIM] = "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
		     "lease_until = $2::bigint, worker = $3::text, updated_at = $4::bigint "
		     "WHERE id = $1::bigint",
	[PS_ATTEMPT] = "INSERT INTO job_attempts (job_id, attempt, worker, started_at) "
		       "SELECT id, attempts, worker, $2::bigint FROM jobs WHERE id = $1::bigint",
	[PS_JOB_GET] = "SELECT " STORE_JOB_COLS ", d.body FROM jobs j "
		       "LEFT JOIN deliveries d ON d.id = j.delivery_id WHERE j.id = $1::bigint",
	[PS_HEARTBEAT] = "UPDATE jobs SET lease_until = $3::bigint, updated_at = $4::bigint "
			 "WHERE id = $1::bigint AND worker = $2::text AND state = 'running'",
	[PS_STATE] = "SELECT state, worker FROM jobs WHERE id = $1::bigint",
	[PS_FINISH] = "UPDATE jobs SET state = $3::text, run_at = COALESCE($4::bigint, run_at), "
		      "lease_until = NULL, last_error = COALESCE($5::text, last_error), "
		      "updated_at = $6::bigint "
		      "WHERE id = $1::bigint AND worker = $2::text AND state = 'running'",
	[PS_ATTEMPT_END] = "UPDATE job_attempts SET finished_at = $2::bigint, outcome = $3::text, "
			   "error = $4::text WHERE job_id = $1::bigint AND finished_at IS NULL",
	[PS_LIST] = "SELECT " STORE_JOB_COLS ", NULL FROM jobs j "
		    "WHERE ($1::jsonb IS NULL OR j.state IN "
		    "(SELECT jsonb_array_elements_text($1::jsonb))) "
		    "AND ($2::text IS NULL OR j.type = $2::text) "
		    "AND ($3::bigint = 0 OR j.id < $3::bigint) ORDER BY j.id DESC LIMIT $4::bigint",
	[PS_RETRY] = "WITH r AS (UPDATE jobs SET state = 'queued', attempts = 0, "
		     "run_at = $2::bigint, lease_until = NULL, updated_at = $2::bigint "
		     "WHERE id = $1::bigint AND state NOT IN ('queued', 'running') RETURNING id) "
		     "SELECT id, pg_notify('" STORE_CHANNEL "', '') FROM r",
	[PS_COUNTS] = "SELECT state, COUNT(*) FROM jobs GROUP BY state",
	[PS_COMMENT_PUT] = "INSERT INTO comments (" STORE_COMMENT_COLS ") "
			   "VALUES ($1, $2, $3, $4, $5, $6, $7::bigint <> 0) "
			   "ON CONFLICT (forge, repo, number, fingerprint) DO UPDATE SET "
			   "comment_id = excluded.comment_id, discussion_id = excluded.discussion_id, "
			   "outdated = excluded.outdated",
	[PS_COMMENT_LIST] = "SELECT " STORE_COMMENT_COLS " FROM comments WHERE forge = $1 AND "
			    "repo = $2 AND number = $3 ORDER BY comment_id, fingerprint",
	[PS_AUDIT_ADD] = "INSERT INTO audit (at, job_id, actor, action, target, detail) "
			 "VALUES ($1, $2, $3, $4, $5, $6)",
	[PS_AUDIT_LIST] = "SELECT " STORE_AUDIT_COLS " FROM audit WHERE id > $1::bigint "
			  "ORDER BY id LIMIT $2::bigint",
};

static bool class_is(const char *state, const char *cls)
{
	return strncmp(state, cls, strlen(cls)) == 0;
}

/* Our code for a failure with SQLSTATE `state` (may be NULL). */
static int pg_code(struct pg *p, const char *state)
{
	if (PQstatus(p->conn) != CONNECTION_OK)
		return FB_ERETRY;
	if (state == NULL)
		return FB_EINTERNAL;
	if (class_is(state, "08") || class_is(state, "40") || class_is(state, "53") ||
	    class_is(state, "57") || class_is(state, "55P03"))
		return FB_ERETRY; /* connection, serialization, resources, shutdown, lock */
	if (class_is(state, "23"))
		return FB_ECONFLICT;
	if (class_is(state, "22"))
		return FB_EINVAL;
	if (class_is(state, "28"))
		return FB_EAUTH;
	if (class_is(state, "42501"))
		return FB_EFORBIDDEN;
	return FB_EINTERNAL;
}

/* Translate a failed result (NULL: the connection's last error). */
static int pg_fail(struct pg *p, const PGresult *res, const char *what, struct fb_error *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char line[320];

	store_one_line(line, sizeof(line), msg ? msg : PQerrorMessage(p->conn));
	return fb_error_set(err, pg_code(p, state), "postgres: %s: %s%s%s%s", what,
			    line[0] ? line : "connection lost", state ? " (SQLSTATE " : "",
			    state ? state : "", state ? ")" : "");
}

/* Before an operation: reconnect a broken session (outside a transaction
 * only: a transaction does not survive a reconnect) and clear a
 * transaction an earlier failure left open. */
int pg_ready(struct pg *p, struct fb_error *err)
{
	if (PQstatus(p->conn) != CONNECTION_OK) {
		if (p->in_tx)
			return pg_fail(p, NULL, "connection lost in a transaction", err);
		PQreset(p->conn);
		memset(p->prepared, 0, sizeof(p->prepared));
		p->listening = false;
		if (PQstatus(p->conn) != CONNECTION_OK)
			return pg_fail(p, NULL, "reconnect", err);
	}
	if (!p->in_tx && PQtransactionStatus(p->conn) != PQTRANS_IDLE)
		PQclear(PQexec(p->conn, "ROLLBACK"));
	return 0;
}

/* A fixed command without values (BEGIN, LISTEN, a migration script). */
static int pg_cmd(struct pg *p, const char *command, const char *what, struct fb_error *err)
{
	PGresult *res = PQexec(p->conn, command);
	ExecStatusType st = PQresultStatus(res);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = pg_fail(p, res, what, err);
	PQclear(res);
	return rc;
}

/* Run prepared statement `id` with parameters by `fmt` ('t' a string or
 * NULL, 'b' a string and its size_t length, 'i' an int64_t); *out (may be
 * NULL) gets the result, which the caller PQclear()s. */
static int vpq(struct pg *p, enum ps id, PGresult **out, const char *what, struct fb_error *err,
	       const char *fmt, va_list ap)
{
	const char *v[PG_MAX_PARAMS];
	int len[PG_MAX_PARAMS] = { 0 }, bin[PG_MAX_PARAMS] = { 0 }, n, rc = 0;
	char num[PG_MAX_PARAMS][24], name[16];
	PGresult *res;
	size_t blen;

	if (out)
		*out = NULL;
	if (strlen(fmt) > PG_MAX_PARAMS)
		return fb_error_set(err, FB_EINTERNAL, "postgres: %s: too many parameters", what);
	for (n = 0; fmt[n]; n++) {
		if (fmt[n] == 'i') {
			snprintf(num[n], sizeof(num[n]), "%lld", (long long)va_arg(ap, int64_t));
			v[n] = num[n];
			continue;
		}
		v[n] = va_arg(ap, const char *);
		if (fmt[n] == 'b') {
			/* Binary format: the bytes as they are, no NUL needed. */
			if ((blen = va_arg(ap, size_t)) > INT_MAX)
				return fb_error_set(err, FB_ELIMIT, "postgres: %s: value too large", what);
			len[n] = (int)blen;
			bin[n] = 1;
		}
	}
	snprintf(name, sizeof(name), "fb_%d", (int)id);
	if (!p->prepared[id]) {
		res = PQprepare(p->conn, name, sql[id] ? sql[id] : pg_review_sql[id], 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = pg_fail(p, res, what, err);
		PQclear(res);
		if (rc < 0)
			return rc;
		p->prepared[id] = true;
	}
	res = PQexecPrepared(p->conn, name, n, v, len, bin, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = pg_fail(p, res, what, err);
		PQclear(res);
		return rc;
	}
	if (out)
		*out = res;
	else
		PQclear(res);
	return 0;
}

int pg_query(struct pg *p, enum ps id, PGresult **out, const char *what, struct fb_error *err,
	     const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vpq(p, id, out, what, err, fmt, ap);
	va_end(ap);
	return rc;
}

static void row_cols(const PGresult *res, int row, int n, const char **col)
{
	int i;

	for (i = 0; i < n; i++)
		col[i] = PQgetisnull(res, row, i) ? NULL : PQgetvalue(res, row, i);
}

/* Run a query (outside a transaction) and collect its rows of `kind`. */
int pg_rows(struct pg *p, enum ps id, enum store_row_kind kind, int ncols, struct store_vec *out,
	    const char *what, struct fb_error *err, const char *fmt, ...)
{
	const char *col[STORE_MAX_NCOLS];
	PGresult *res = NULL;
	va_list ap;
	int rc, i;

	if ((rc = pg_ready(p, err)) < 0)
		return rc;
	va_start(ap, fmt);
	rc = vpq(p, id, &res, what, err, fmt, ap);
	va_end(ap);
	for (i = 0; rc == 0 && i < PQntuples(res); i++) {
		row_cols(res, i, ncols, col);
		rc = store_vec_add_row(out, kind, col, err);
	}
	PQclear(res);
	return rc;
}

/* Rows an UPDATE changed. */
static long changed(const PGresult *res)
{
	return strtol(PQcmdTuples((PGresult *)res), NULL, 10);
}

/* ---- transactions ---- */

int pg_tx_begin(struct pg *p, struct fb_error *err)
{
	int rc;

	if ((rc = pg_ready(p, err)) < 0 || (rc = pg_cmd(p, "BEGIN", "begin", err)) < 0)
		return rc;
	p->in_tx = true;
	return 0;
}

/* Commit when rc is 0, else roll back; returns the final code. */
int pg_tx_end(struct pg *p, int rc, struct fb_error *err)
{
	if (rc == 0)
		rc = pg_cmd(p, "COMMIT", "commit", err);
	if (rc < 0 && PQstatus(p->conn) == CONNECTION_OK)
		PQclear(PQexec(p->conn, "ROLLBACK"));
	p->in_tx = false;
	return rc;
}

/* ---- connection and schema ---- */

static void pg_close(struct store *s)
{
	struct pg *p = pg_of(s);

	PQfinish(p->conn);
	free(p);
}

static int pg_ping(struct store *s, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int rc;

	if ((rc = pg_ready(p, err)) < 0)
		return rc;
	return pg_query(p, PS_PING, NULL, "ping", err, "");
}

static int pg_exec(struct store *s, const char *script, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int rc;

	if ((rc = pg_ready(p, err)) < 0)
		return rc;
	return pg_cmd(p, script, "exec", err);
}

/* Replicas starting together queue here; the lock ends with the
 * transaction. */
static int pg_schema_lock(struct store *s, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int rc;

	if ((rc = pg_tx_begin(p, err)) < 0)
		return rc;
	rc = pg_cmd(p, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")", "take the schema lock", err);
	if (rc < 0)
		pg_tx_end(p, rc, NULL);
	return rc;
}

static int pg_commit(struct store *s, struct fb_error *err)
{
	return pg_tx_end(pg_of(s), 0, err);
}

static void pg_rollback(struct store *s)
{
	pg_tx_end(pg_of(s), FB_EINTERNAL, NULL);
}

static int pg_version_get(struct store *s, int *out, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	PGresult *res = NULL;
	int64_t v = 0;
	int rc;

	*out = 0;
	if ((rc = pg_ready(p, err)) < 0 ||
	    (rc = pg_query(p, PS_HAS_VERSION, &res, "read the schema version", err, "")) < 0)
		goto out;
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		goto out;
	PQclear(res);
	if ((rc = pg_query(p, PS_VERSION, &res, "read the schema version", err, "")) < 0 ||
	    (rc = store_parse_i64(PQgetvalue(res, 0, 0), &v, "schema_version.version", err)) < 0)
		goto out;
	*out = (int)v;
out:
	PQclear(res);
	return rc;
}

static int pg_version_add(struct store *s, int version, struct fb_error *err)
{
	return pg_query(pg_of(s), PS_VERSION_ADD, NULL, "record the schema version", err, "ii",
			(int64_t)version, store_now_ms());
}

/* ---- deliveries and jobs ---- */

static int job_insert(struct pg *p, const char *delivery, const struct job_spec *j, int64_t now,
		      int64_t *id, struct fb_error *err)
{
	PGresult *res = NULL;
	int rc = 0;

	if (j->key) {
		rc = pg_query(p, PS_KEY_LOCK, NULL, "lock a supersede key", err, "t", j->key);
		if (rc == 0)
			rc = pg_query(p, PS_SUPERSEDE, NULL, "supersede older jobs", err, "tti",
				      j->key, j->type, now);
	}
	if (rc == 0)
		rc = pg_query(p, PS_JOB_ADD, &res, "queue a job", err, "tttttti", delivery, j->type,
			      j->key, j->head_sha, j->params ? j->params : "{}",
			      job_state_str(j->waiting ? JOB_WAITING : JOB_QUEUED), now);
	if (rc == 0 && id)
		rc = store_parse_i64(PQgetvalue(res, 0, 0), id, "jobs.id", err);
	PQclear(res);
	return rc;
}

static int pg_delivery_put(struct store *s, const struct delivery *d, const struct job_spec *jobs,
			   size_t njobs, bool *duplicate, int64_t *out_ids, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int64_t now = store_now_ms();
	PGresult *res = NULL;
	bool queued = false;
	size_t i;
	int rc;

	if ((rc = pg_tx_begin(p, err)) < 0)
		return rc;
	rc = pg_query(p, PS_DELIVERY, &res, "store a delivery", err, "tttttbi", d->source,
		      d->delivery_id, d->event, d->action, d->repo, d->body, d->body_len, now);
	if (rc == 0 && PQntuples(res) == 0)
		*duplicate = true;
	for (i = 0; rc == 0 && !*duplicate && i < njobs; i++) {
		rc = job_insert(p, PQgetvalue(res, 0, 0), &jobs[i], now, out_ids ? &out_ids[i] : NULL,
				err);
		queued = queued || !jobs[i].waiting;
	}
	/* Delivered to listeners when (and only if) this commits. */
	if (rc == 0 && queued)
		rc = pg_query(p, PS_NOTIFY, NULL, "notify workers", err, "");
	PQclear(res);
	return pg_tx_end(p, rc, err);
}

/* Read job `id` with its delivery's body into `out` (job_init'ed). */
static int job_read(struct pg *p, int64_t id, struct job *out, struct fb_error *err)
{
	const char *col[STORE_JOB_NCOLS];
	PGresult *res = NULL;
	int rc;

	if ((rc = pg_query(p, PS_JOB_GET, &res, "read a job", err, "i", id)) < 0)
		goto out;
	if (PQntuples(res) == 0) {
		rc = fb_error_set(err, FB_ENOTFOUND, "store: job %lld not found", (long long)id);
		goto out;
	}
	row_cols(res, 0, STORE_JOB_NCOLS, col);
	rc = store_job_from_cols(out, col, err);
out:
	PQclear(res);
	return rc;
}

static int pg_job_claim(struct store *s, const char *types_json, const char *worker,
			int64_t lease_ms, struct job *out, bool *got, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int64_t now = store_now_ms(), id = 0;
	PGresult *res = NULL;
	int rc;

	if ((rc = pg_tx_begin(p, err)) < 0)
		return rc;
	rc = pg_query(p, PS_PICK, &res, "find a runnable job", err, "it", now, types_json);
	if (rc == 0 && PQntuples(res) == 1)
		rc = store_parse_i64(PQgetvalue(res, 0, 0), &id, "jobs.id", err);
	PQclear(res);
	if (rc == 0 && id) {
		/* An expired lease: its worker died; close that attempt. */
		rc = pg_query(p, PS_EXPIRE, NULL, "close an expired attempt", err, "ii", id, now);
		if (rc == 0)
			rc = pg_query(p, PS_CLAIM, NULL, "claim a job", err, "iiti", id,
				      now + lease_ms, worker, now);
		if (rc == 0)
			rc = pg_query(p, PS_ATTEMPT, NULL, "record an attempt", err, "ii", id, now);
		if (rc == 0)
			rc = job_read(p, id, out, err);
	}
	if ((rc = pg_tx_end(p, rc, err)) < 0)
		job_release(out);
	else
		*got = id != 0;
	return rc;
}

/* The lease on job `id` is not `worker`'s: say why (unknown job or held
 * elsewhere).  Inside the caller's transaction. */
static int lease_lost(struct pg *p, int64_t id, const char *worker, struct fb_error *err)
{
	PGresult *res = NULL;
	int rc;

	if ((rc = pg_query(p, PS_STATE, &res, "read a job's state", err, "i", id)) < 0)
		return rc;
	if (PQntuples(res) == 0)
		rc = fb_error_set(err, FB_ENOTFOUND, "store: job %lld not found", (long long)id);
	else
		rc = fb_error_set(err, FB_ECONFLICT,
				  "store: job %lld: worker '%s' no longer holds the lease "
				  "(state %s, worker '%s')",
				  (long long)id, worker, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return rc;
}

static int pg_job_heartbeat(struct store *s, int64_t id, const char *worker, int64_t lease_ms,
			    struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int64_t now = store_now_ms();
	PGresult *res = NULL;
	int rc;

	if ((rc = pg_tx_begin(p, err)) < 0)
		return rc;
	rc = pg_query(p, PS_HEARTBEAT, &res, "extend a lease", err, "itii", id, worker,
		      now + lease_ms, now);
	if (rc == 0 && changed(res) == 0)
		rc = lease_lost(p, id, worker, err);
	PQclear(res);
	return pg_tx_end(p, rc, err);
}

static int pg_job_finish(struct store *s, int64_t id, const char *worker, enum job_state to,
			 const char *outcome, int64_t run_at, const char *error,
			 struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int64_t now = store_now_ms();
	const char *state = job_state_str(to);
	PGresult *res = NULL;
	int rc;

	if ((rc = pg_tx_begin(p, err)) < 0)
		return rc;
	/* run_at < 0 keeps the old one: NULL for COALESCE. */
	if (run_at < 0)
		rc = pg_query(p, PS_FINISH, &res, "finish a job", err, "itttti", id, worker, state,
			      (const char *)NULL, error, now);
	else
		rc = pg_query(p, PS_FINISH, &res, "finish a job", err, "ittiti", id, worker, state,
			      run_at, error, now);
	if (rc == 0 && changed(res) == 0)
		rc = lease_lost(p, id, worker, err);
	if (rc == 0)
		rc = pg_query(p, PS_ATTEMPT_END, NULL, "close an attempt", err, "iitt", id, now,
			      outcome, error);
	PQclear(res);
	return pg_tx_end(p, rc, err);
}

static int pg_job_get(struct store *s, int64_t id, struct job *out, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int rc;

	if ((rc = pg_ready(p, err)) == 0)
		rc = job_read(p, id, out, err);
	if (rc < 0)
		job_release(out);
	return rc;
}

static int pg_job_list(struct store *s, const struct store_job_query *q, struct store_vec *out,
		       struct fb_error *err)
{
	return pg_rows(pg_of(s), PS_LIST, STORE_ROW_JOB, STORE_JOB_NCOLS, out, "list jobs", err,
		       "ttii", q->states_json, q->type, q->before_id, q->limit);
}

static int pg_job_retry(struct store *s, int64_t id, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	PGresult *res = NULL;
	int rc;

	if ((rc = pg_tx_begin(p, err)) < 0)
		return rc;
	rc = pg_query(p, PS_RETRY, &res, "requeue a job", err, "ii", id, store_now_ms());
	if (rc == 0 && PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		if ((rc = pg_query(p, PS_STATE, &res, "read a job's state", err, "i", id)) == 0)
			rc = PQntuples(res) == 0
				     ? fb_error_set(err, FB_ENOTFOUND, "store: job %lld not found",
						    (long long)id)
				     : fb_error_set(err, FB_ECONFLICT,
						    "store: job %lld is %s: only a finished job can "
						    "be retried",
						    (long long)id, PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	return pg_tx_end(p, rc, err);
}

static int pg_job_counts(struct store *s, int64_t counts[JOB_WAITING + 1], struct fb_error *err)
{
	struct pg *p = pg_of(s);
	PGresult *res = NULL;
	enum job_state state;
	int rc, i;

	if ((rc = pg_ready(p, err)) < 0 ||
	    (rc = pg_query(p, PS_COUNTS, &res, "count jobs", err, "")) < 0)
		return rc;
	for (i = 0; rc == 0 && i < PQntuples(res); i++)
		if (job_state_parse(PQgetvalue(res, i, 0), &state) == 0)
			rc = store_parse_i64(PQgetvalue(res, i, 1), &counts[state], "count", err);
	PQclear(res);
	return rc;
}

/* ---- comments and audit ---- */

static int pg_comment_put(struct store *s, const struct comment_rec *c, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int rc;

	if ((rc = pg_ready(p, err)) < 0)
		return rc;
	return pg_query(p, PS_COMMENT_PUT, NULL, "record a comment", err, "ttititi", c->forge,
			c->repo, (int64_t)c->number, c->fingerprint, c->comment_id,
			c->discussion_id, (int64_t)c->outdated);
}

static int pg_comment_list(struct store *s, const char *forge, const char *repo, long number,
			   struct store_vec *out, struct fb_error *err)
{
	return pg_rows(pg_of(s), PS_COMMENT_LIST, STORE_ROW_COMMENT, STORE_COMMENT_NCOLS, out,
		       "list comments", err, "tti", forge, repo, (int64_t)number);
}

static int pg_audit_append(struct store *s, const struct audit_rec *a, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	int rc;

	if ((rc = pg_ready(p, err)) < 0)
		return rc;
	if (a->job_id > 0)
		return pg_query(p, PS_AUDIT_ADD, NULL, "append to the audit log", err, "iitttt",
				store_now_ms(), a->job_id, a->actor, a->action, a->target,
				a->detail);
	return pg_query(p, PS_AUDIT_ADD, NULL, "append to the audit log", err, "ittttt",
			store_now_ms(), (const char *)NULL, a->actor, a->action, a->target,
			a->detail);
}

static int pg_audit_list(struct store *s, int64_t after_id, int64_t limit, struct store_vec *out,
			 struct fb_error *err)
{
	return pg_rows(pg_of(s), PS_AUDIT_LIST, STORE_ROW_AUDIT, STORE_AUDIT_NCOLS, out,
		       "read the audit log", err, "ii", after_id, limit);
}

/* ---- wake-ups ---- */

/* Read what the server sent; *got when a notification was among it. */
static int drain(struct pg *p, bool *got, struct fb_error *err)
{
	PGnotify *n;

	if (!PQconsumeInput(p->conn))
		return pg_fail(p, NULL, "wait for jobs", err);
	while ((n = PQnotifies(p->conn)) != NULL) {
		*got = true;
		PQfreemem(n);
	}
	return 0;
}

static int pg_wait_for_jobs(struct store *s, int timeout_ms, struct fb_error *err)
{
	struct pg *p = pg_of(s);
	struct pollfd pfd;
	bool got = false;
	int rc;

	if ((rc = pg_ready(p, err)) < 0)
		return rc;
	if (!p->listening) {
		if ((rc = pg_cmd(p, "LISTEN " STORE_CHANNEL, "listen", err)) < 0)
			return rc;
		p->listening = true;
	}
	/* A notification may have come with the answer to an earlier query. */
	if ((rc = drain(p, &got, err)) < 0 || got)
		return rc;
	pfd.fd = PQsocket(p->conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0 && errno != EINTR)
		return fb_error_set(err, FB_EINTERNAL, "postgres: wait for jobs: poll: %s",
				    strerror(errno));
	if (rc > 0)
		return drain(p, &got, err);
	return 0;
}

static const struct store_ops postgres_ops = {
	.kind = STORE_POSTGRES,
	.name = "postgres",
	.close = pg_close,
	.ping = pg_ping,
	.schema_lock = pg_schema_lock,
	.exec = pg_exec,
	.version_get = pg_version_get,
	.version_add = pg_version_add,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.delivery_put = pg_delivery_put,
	.job_claim = pg_job_claim,
	.job_heartbeat = pg_job_heartbeat,
	.job_finish = pg_job_finish,
	.job_get = pg_job_get,
	.job_list = pg_job_list,
	.job_retry = pg_job_retry,
	.job_counts = pg_job_counts,
	.comment_put = pg_comment_put,
	.comment_list = pg_comment_list,
	.audit_append = pg_audit_append,
	.audit_list = pg_audit_list,
	.review_put = pg_review_put,
	.review_latest = pg_review_latest,
	.wait_for_jobs = pg_wait_for_jobs,
};

static void quiet(void *arg, const char *message)
{
	/* NOTICEs ("relation already exists, skipping") are not errors. */
}

/* A failed connection: unreachable (retry later) or refused credentials. */
static int connect_fail(PGconn *conn, struct fb_error *err)
{
	const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
	char line[320];
	int code = FB_ERETRY;

	store_one_line(line, sizeof(line), msg);
	if (conn && (PQconnectionNeedsPassword(conn) || strstr(msg, "authentication failed")))
		code = FB_EAUTH;
	return fb_error_set(err, code, "postgres: cannot connect: %s", line);
}

int store_postgres_open(struct store **out, const char *url, struct fb_error *err)
{
	/* Defaults first: the URL's own settings, expanded from dbname, win. */
	const char *const keys[] = { "connect_timeout", "application_name", "client_encoding",
				     "dbname", NULL };
	const char *const vals[] = { PG_CONNECT_TIMEOUT, "forgebot", "UTF8", url, NULL };
	PQconninfoOption *opts;
	char *perr = NULL, line[320];
	struct pg *p = NULL;
	int rc;

	*out = NULL;
	if ((opts = PQconninfoParse(url, &perr)) == NULL) {
		store_one_line(line, sizeof(line), perr ? perr : "out of memory");
		PQfreemem(perr);
		return fb_error_set(err, FB_EINVAL, "postgres URL: %s", line);
	}
	PQconninfoFree(opts);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return store_oom(err);
	p->base.ops = &postgres_ops;
	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL || PQstatus(p->conn) != CONNECTION_OK) {
		rc = connect_fail(p->conn, err);
		PQfinish(p->conn);
		free(p);
		return rc;
	}
	PQsetNoticeProcessor(p->conn, quiet, NULL);
	*out = &p->base;
	return 0;
}
