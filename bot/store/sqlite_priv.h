/*
 * sqlite_priv.h - what the SQLite backend's two files share: sqlite.c
 * (the connection, statements, transactions, the queue, comments and the
 * audit log) and sqlite_reviews.c (reviews and their findings).
 *
 * Statements are numbered by one enum; each file keeps the SQL of its own
 * statements in a table indexed by it (sqlite.c's `sql`, sq_review_sql),
 * and sq_prep() prepares a statement once per connection from whichever
 * table has it.  Only these two files see sqlite3 types.
 */
#ifndef FB_STORE_SQLITE_PRIV_H
#define FB_STORE_SQLITE_PRIV_H

#include <sqlite3.h>

#include "store_priv.h"

enum st {
	ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_PING, ST_HAS_VERSION, ST_VERSION, ST_VERSION_ADD,
	ST_DELIVERY, ST_SUPERSEDE, ST_JOB_ADD, ST_PICK, ST_EXPIRE, ST_CLAIM, ST_ATTEMPT,
	ST_JOB_GET, ST_HEARTBEAT, ST_STATE, ST_FINISH, ST_ATTEMPT_END, ST_LIST, ST_RETRY,
	ST_COUNTS, ST_COMMENT_PUT, ST_COMMENT_LIST, ST_AUDIT_ADD, ST_AUDIT_LIST,
	/* sqlite_reviews.c */
	ST_REVIEW_ADD, ST_FINDINGS_ADD, ST_REVIEW_LATEST, ST_FINDING_LIST,
	ST_COUNT
};

/* One connection (one thread at a time) and its prepared statements. */
struct sq {
	struct store base;
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[ST_COUNT];
};

static inline struct sq *sq_of(struct store *s)
{
	return (struct sq *)s;
}

/* sqlite_reviews.c's statements (NULL for sqlite.c's). */
extern const char *const sq_review_sql[ST_COUNT];

/* Statement `id` with parameters 1.. bound by `fmt`: 't' a string (NULL
 * binds NULL), 'b' a string and its size_t length, 'i' an int64_t.  The
 * strings must outlive the statement's use; sq_done() it after. */
int sq_prep(struct sq *q, enum st id, sqlite3_stmt **out, struct fb_error *err,
	    const char *fmt, ...);
/* 1 when a row is ready, 0 at the end, or a negative code. */
int sq_step(struct sq *q, sqlite3_stmt *st, const char *what, struct fb_error *err);
/* Reset a statement for its next use (NULL: nothing to do). */
void sq_done(sqlite3_stmt *st);
/* Run statement `id` to its end, ignoring rows; *changes (may be NULL)
 * gets the number of rows it changed. */
int sq_run(struct sq *q, enum st id, const char *what, int *changes, struct fb_error *err,
	   const char *fmt, ...);
/* Run a query and append its rows of `kind` (ncols columns) to `out`. */
int sq_rows(struct sq *q, enum st id, enum store_row_kind kind, int ncols, struct store_vec *out,
	    const char *what, struct fb_error *err, const char *fmt, ...);
/* BEGIN IMMEDIATE; and commit when rc is 0, else roll back, returning the
 * final code. */
int sq_tx_begin(struct sq *q, struct fb_error *err);
int sq_tx_end(struct sq *q, int rc, struct fb_error *err);

/* The review operations of the store_ops table (sqlite_reviews.c). */
int sq_review_put(struct store *s, const struct review_rec *r, const char *findings_json,
		  int64_t *out_id, struct fb_error *err);
int sq_review_latest(struct store *s, const char *forge, const char *repo, long number,
		     struct store_vec *review, struct store_vec *findings, struct fb_error *err);

#endif
