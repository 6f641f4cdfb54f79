/*
 * store.h - the one storage interface, two backends.
 *
 * SQLite (the embedded default: a file path, WAL mode) and PostgreSQL
 * (a postgres:// or postgresql:// URL, through libpq) implement the same
 * operations and pass one conformance suite.  The server keeps here:
 * deliveries (dedupe), jobs and their attempts (the durable queue), reviews
 * with their findings (the MCP tools read the latest back), posted comments
 * (so dedupe survives restarts and replicas) and an append-only audit log of
 * every action taken on a forge.
 *
 * Threads: a `struct store` is one connection and belongs to one thread at
 * a time; each worker opens its own.  Every operation is one transaction.
 *
 * Schema: versioned migrations (migrations.c) applied by store_migrate();
 * a database whose schema is newer than this binary knows is refused with
 * FB_ECONFLICT.
 *
 * Errors: FB_ERETRY when the database is unreachable or busy beyond the
 * timeout (the server then reports not-ready and answers 503), FB_EINVAL
 * for a bad URL, FB_ENOTFOUND for an unknown id, FB_ECONFLICT as above or
 * for a lease that is no longer ours.
 */
#ifndef FB_STORE_H
#define FB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

struct store;

/* Open `url`: a file path (or "sqlite:PATH") for SQLite, or a
 * postgres:// URL.  NULL or "" means "./forgebot.db". */
int store_open(struct store **out, const char *url, struct fb_error *err);
void store_close(struct store *s);
const char *store_backend(const struct store *s); /* "sqlite" or "postgres" */

/* Apply pending migrations (idempotent; safe when several replicas start
 * together).  FB_ECONFLICT when the schema is newer than this binary. */
int store_migrate(struct store *s, struct fb_error *err);
/* The schema version in the database, and the newest this binary knows. */
int store_schema_version(struct store *s, int *out, struct fb_error *err);
int store_schema_latest(void);
/* Cheap liveness check (readiness probe). */
int store_ping(struct store *s, struct fb_error *err);

/* ---- deliveries and jobs ---- */

enum job_state {
	JOB_QUEUED,     /* ready to run at `run_at` */
	JOB_RUNNING,    /* claimed under a lease */
	JOB_DONE,
	JOB_FAILED,     /* will be retried at `run_at` (back in QUEUED with attempts > 0) */
	JOB_DEAD,       /* gave up after the maximum attempts */
	JOB_SUPERSEDED, /* a newer push replaced it before it ran */
	JOB_WAITING,    /* its agent is not built into this server yet */
};

const char *job_state_str(enum job_state s);
int job_state_parse(const char *s, enum job_state *out);

struct delivery {
	const char *source;     /* "github", "gitlab", "alertmanager" */
	const char *delivery_id;/* the dedupe key */
	const char *event;      /* event name */
	const char *action;     /* may be NULL */
	const char *repo;       /* may be NULL */
	const char *body;       /* the JSON body */
	size_t body_len;
};

struct job_spec {
	const char *type;       /* "review", "codegen", "ci_diagnosis", "alert" */
	const char *key;        /* supersede key, e.g. "github:acme/app#7"; NULL: none */
	const char *head_sha;   /* may be NULL */
	const char *params;     /* JSON object text: what the agent needs */
	bool waiting;           /* no agent for this type: store as JOB_WAITING */
};

/*
 * Store a delivery and the jobs routing made of it, atomically.  If the
 * (source, delivery_id) pair is already stored, nothing is written and
 * *duplicate is set.  A new job with a `key` supersedes queued (not
 * running) jobs with the same key and type: they become JOB_SUPERSEDED.
 * `out_ids` (may be NULL) receives the new job ids.
 */
int store_delivery_put(struct store *s, const struct delivery *d, const struct job_spec *jobs,
		       size_t njobs, bool *duplicate, int64_t *out_ids, struct fb_error *err);

struct job {
	int64_t id;
	int64_t delivery_rowid;
	char type[32];
	char *key;              /* owned, may be NULL */
	char *head_sha;         /* owned, may be NULL */
	char *params;           /* owned JSON text */
	char *delivery_body;    /* owned: the delivery's JSON body (claim and get only) */
	enum job_state state;
	int attempts;           /* attempts started so far */
	int64_t run_at;         /* epoch ms: not before */
	int64_t lease_until;    /* epoch ms, while RUNNING */
	char worker[64];        /* who holds the lease */
	char *last_error;       /* owned, may be NULL */
	int64_t created_at, updated_at;
};

void job_init(struct job *j);
void job_release(struct job *j);

/*
 * Claim the oldest runnable job of one of `types` (state QUEUED, run_at
 * <= now; or RUNNING whose lease has expired — its worker died) for
 * `worker`, with a lease of `lease_ms`; attempts is incremented.  *got
 * tells whether one was claimed.  Several workers and replicas never claim
 * the same job (SQLite: a write transaction; PostgreSQL: FOR UPDATE SKIP
 * LOCKED).
 */
int store_job_claim(struct store *s, const char *const *types, size_t ntypes,
		    const char *worker, int64_t lease_ms, struct job *out, bool *got,
		    struct fb_error *err);

/* Extend a lease still held by `worker`; FB_ECONFLICT if it was lost. */
int store_job_heartbeat(struct store *s, int64_t id, const char *worker, int64_t lease_ms,
			struct fb_error *err);

enum job_outcome { JOB_OUT_DONE, JOB_OUT_RETRY, JOB_OUT_DEAD };

/* Finish an attempt held by `worker`: DONE; RETRY (back to QUEUED at
 * `retry_at` ms); DEAD.  `error` (may be NULL) is kept as last_error.
 * FB_ECONFLICT if the lease was lost (another worker owns the job now). */
int store_job_finish(struct store *s, int64_t id, const char *worker, enum job_outcome outcome,
		     int64_t retry_at, const char *error, struct fb_error *err);

int store_job_get(struct store *s, int64_t id, struct job *out, struct fb_error *err);

struct job_filter {
	const enum job_state *states; /* NULL: any */
	size_t nstates;
	const char *type;             /* NULL: any */
	size_t limit;                 /* 0: 100 */
	int64_t before_id;            /* 0: newest first from the top; else ids < before_id */
};

/* Newest first.  cb gets a borrowed job; a non-zero return stops. */
typedef int (*store_job_cb)(const struct job *j, void *payload);
int store_job_list(struct store *s, const struct job_filter *f, store_job_cb cb, void *payload,
		   struct fb_error *err);

/* Put a DEAD (or FAILED, SUPERSEDED, WAITING) job back in the queue now,
 * attempts reset.  FB_ENOTFOUND / FB_ECONFLICT (it is queued or running). */
int store_job_retry(struct store *s, int64_t id, struct fb_error *err);

/* Jobs per state, for /metrics: counts[state] for every enum job_state. */
int store_job_counts(struct store *s, int64_t counts[JOB_WAITING + 1], struct fb_error *err);

/* ---- posted comments (dedupe across restarts and replicas) ---- */

struct comment_rec {
	const char *forge;       /* "github" / "gitlab" */
	const char *repo;
	long number;
	const char *fingerprint;
	int64_t comment_id;        /* 0: unknown (the forge did not say) */
	const char *discussion_id; /* may be NULL */
	bool outdated;
};

/* Insert or update by (forge, repo, number, fingerprint). */
int store_comment_put(struct store *s, const struct comment_rec *c, struct fb_error *err);
typedef int (*store_comment_cb)(const struct comment_rec *c, void *payload);
int store_comment_list(struct store *s, const char *forge, const char *repo, long number,
		       store_comment_cb cb, void *payload, struct fb_error *err);

/* ---- reviews and their findings ---- */

/*
 * One review of a pull/merge request at one head.  For store_review_put
 * the strings are borrowed and `id`, `created_at`, `strings` and the counts
 * are ignored: the store stamps the time and derives the counts from the
 * findings it stores.  Filled by store_review_latest, every field is set
 * and the strings point into `strings`, which the record owns:
 * review_rec_release() frees it.
 */
struct review_rec {
	int64_t id;
	int64_t job_id;          /* 0: none (a review made outside the queue) */
	const char *forge;       /* "github" / "gitlab" */
	const char *repo;
	long number;
	const char *head_sha;
	const char *base_sha;    /* may be NULL */
	const char *summary;     /* one line for people, may be NULL */
	int64_t created_at;      /* epoch ms */
	int64_t nfindings;
	int64_t nerror, nwarning, ninfo, nhint; /* findings by severity */
	char *strings;           /* owned (latest only): what the strings point into */
};

void review_rec_init(struct review_rec *r);
void review_rec_release(struct review_rec *r);

struct finding_rec {
	const char *rule_id;
	const char *severity;    /* "error", "warning", "info" or "hint" */
	const char *path;        /* repository-relative */
	long start_line, end_line;
	const char *message;
	const char *fingerprint; /* stable across runs (engine/fingerprint.h) */
};

/*
 * Store review `r` (forge, repo and head_sha required) with its `n`
 * findings, in their order, in one transaction: all of it or nothing.
 * `out_id` (may be NULL) receives the review's id.  FB_EINVAL when a
 * required field is missing, a finding's text is not UTF-8, its severity
 * is not one of the four or a line is negative.
 */
int store_review_put(struct store *s, const struct review_rec *r,
		     const struct finding_rec *findings, size_t n, int64_t *out_id,
		     struct fb_error *err);

/*
 * The newest review of pull/merge request `number` of (forge, repo) — by
 * created_at, then id — into `out`, and its findings, in their order, to
 * `cb` (may be NULL) once the read is over, borrowed; a non-zero return
 * from cb stops and a negative one is passed on.  No review is not an
 * error: *found is false and `out` is empty.  `out` is always initialized:
 * review_rec_release() it, whatever the result.
 */
typedef int (*store_finding_cb)(const struct finding_rec *f, void *payload);
int store_review_latest(struct store *s, const char *forge, const char *repo, long number,
			struct review_rec *out, store_finding_cb cb, void *payload, bool *found,
			struct fb_error *err);

/* ---- audit log: append-only ---- */

struct audit_rec {
	int64_t job_id;          /* 0: none */
	const char *actor;       /* "worker-1", "cli" */
	const char *action;      /* "review.post", "comment.update", ... */
	const char *target;      /* "github:acme/app#7" */
	const char *detail;      /* JSON or text, may be NULL */
};

int store_audit_append(struct store *s, const struct audit_rec *a, struct fb_error *err);
typedef int (*store_audit_cb)(int64_t id, int64_t at_ms, const struct audit_rec *a,
			      void *payload);
/* Oldest first, ids > after_id, at most limit (0: 100). */
int store_audit_list(struct store *s, int64_t after_id, size_t limit, store_audit_cb cb,
		     void *payload, struct fb_error *err);

/* ---- PostgreSQL wake-ups (SQLite: polling) ---- */

/* Wait up to `timeout_ms` for a "new job" notification (PostgreSQL
 * LISTEN/NOTIFY on channel forgebot_jobs); returns 0 either way, or an
 * error if the connection broke.  SQLite just sleeps. */
int store_wait_for_jobs(struct store *s, int timeout_ms, struct fb_error *err);

/* Milliseconds since the epoch (the clock every timestamp above uses). */
int64_t store_now_ms(void);

#endif
