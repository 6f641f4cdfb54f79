/*
 * postgres_priv.h - what the PostgreSQL backend's two files share:
 * postgres.c (the session, statements, transactions, the queue, comments,
 * the audit log, wake-ups) and postgres_reviews.c (reviews and their
 * findings).
 *
 * Statements are numbered by one enum; each file keeps the SQL of its own
 * statements in a table indexed by it (postgres.c's `sql`, pg_review_sql),
 * and pg_query() prepares a statement once per session from whichever
 * table has it.  Only these two files see libpq types.
 */
#ifndef FB_STORE_POSTGRES_PRIV_H
#define FB_STORE_POSTGRES_PRIV_H

#include <libpq-fe.h>

#include "store_priv.h"

enum ps {
	PS_PING, PS_HAS_VERSION, PS_VERSION, PS_VERSION_ADD, PS_DELIVERY, PS_KEY_LOCK,
	PS_SUPERSEDE, PS_JOB_ADD, PS_NOTIFY, PS_PICK, PS_EXPIRE, PS_CLAIM, PS_ATTEMPT, PS_JOB_GET,
	PS_HEARTBEAT, PS_STATE, PS_FINISH, PS_ATTEMPT_END, PS_LIST, PS_RETRY, PS_COUNTS,
	PS_COMMENT_PUT, PS_COMMENT_LIST, PS_AUDIT_ADD, PS_AUDIT_LIST,
	/* postgres_reviews.c */
	PS_REVIEW_ADD, PS_FINDINGS_ADD, PS_REVIEW_LATEST, PS_FINDING_LIST,
	PS_COUNT
};

/* One PGconn (one thread at a time) and what this session prepared. */
struct pg {
	struct store base;
	PGconn *conn;
	bool in_tx;     /* between our BEGIN and COMMIT/ROLLBACK */
	bool listening; /* LISTEN issued in this session */
	bool prepared[PS_COUNT];
};

static inline struct pg *pg_of(struct store *s)
{
	return (struct pg *)s;
}

/* postgres_reviews.c's statements (NULL for postgres.c's). */
extern const char *const pg_review_sql[PS_COUNT];

/* Before an operation outside a transaction: reconnect a broken session
 * and clear a transaction an earlier failure left open. */
int pg_ready(struct pg *p, struct fb_error *err);
/* Run prepared statement `id` with parameters by `fmt` ('t' a string or
 * NULL, 'b' a string and its size_t length, 'i' an int64_t); *out (may be
 * NULL) gets the result, which the caller PQclear()s. */
int pg_query(struct pg *p, enum ps id, PGresult **out, const char *what, struct fb_error *err,
	     const char *fmt, ...);
/* Run a query outside a transaction and append its rows of `kind` (ncols
 * columns) to `out`. */
int pg_rows(struct pg *p, enum ps id, enum store_row_kind kind, int ncols, struct store_vec *out,
	    const char *what, struct fb_error *err, const char *fmt, ...);
/* BEGIN (after pg_ready); and commit when rc is 0, else roll back,
 * returning the final code. */
int pg_tx_begin(struct pg *p, struct fb_error *err);
int pg_tx_end(struct pg *p, int rc, struct fb_error *err);

/* The review operations of the store_ops table (postgres_reviews.c). */
int pg_review_put(struct store *s, const struct review_rec *r, const char *findings_json,
		  int64_t *out_id, struct fb_error *err);
int pg_review_latest(struct store *s, const char *forge, const char *repo, long number,
		     struct store_vec *review, struct store_vec *findings, struct fb_error *err);

#endif
