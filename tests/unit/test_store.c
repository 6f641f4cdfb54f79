/*
 * test_store.c - the storage conformance suite (bot/store).
 *
 * Every check runs against SQLite (a fresh file in a temporary directory)
 * and, when FORGEBOT_TEST_PG_URL is set (tests/integration/store_pg.test.sh
 * sets it to a throwaway server), against PostgreSQL too, on a fresh
 * `public` schema.  A failure names the backend it happened on.  Raw SQL
 * (to prove the audit log refuses UPDATE and DELETE, or to plant a newer
 * schema version) goes through store_exec_raw() from store_priv.h.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../bot/store/store.h"
#include "../../bot/store/store_priv.h"
#include "test.h"

struct env {
	const char *backend; /* "sqlite" or "postgres" */
	char url[1024];
};

/* A check gets a migrated store of its own (NULL for a BOTH_FRESH check). */
typedef void (*store_check)(struct test_ctx *t, const struct env *e, struct store *s);

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool is_pg(const struct env *e)
{
	return strcmp(e->backend, "postgres") == 0;
}

/* Open and migrate; NULL (and a failed test) on error. */
static struct store *open_db(struct test_ctx *t, const struct env *e)
{
	struct fb_error err = { 0 };
	struct store *s = NULL;

	if (store_open(&s, e->url, &err) < 0) {
		TEST_FAIL(t, "open: %.300s", err.msg);
		return NULL;
	}
	if (store_migrate(s, &err) < 0) {
		TEST_FAIL(t, "migrate: %.300s", err.msg);
		store_close(s);
		return NULL;
	}
	return s;
}

static void run_on(struct test_ctx *t, const struct env *e, store_check fn, bool fresh)
{
	int before = t->failed;
	char why[sizeof(t->why)];
	struct store *s = NULL;

	if (fresh || (s = open_db(t, e)) != NULL)
		fn(t, e, s);
	store_close(s);
	if (before == 0 && t->failed) {
		snprintf(why, sizeof(why), "[%s] %.480s", e->backend, t->why);
		memcpy(t->why, why, sizeof(why));
	}
}

/* Remove a database file of `dir` with its WAL and shared-memory files, then `dir`. */
static void remove_db(const char *dir, const char *name)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char path[256];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void run_sqlite(struct test_ctx *t, store_check fn, bool fresh)
{
	char dir[] = "/tmp/fb-store-XXXXXX";
	struct env e = { .backend = "sqlite" };

	if (mkdtemp(dir) == NULL) {
		TEST_FAIL(t, "mkdtemp failed");
		return;
	}
	snprintf(e.url, sizeof(e.url), "%s/store.db", dir);
	run_on(t, &e, fn, fresh);
	remove_db(dir, "store.db");
}

/* A fresh schema on the server FORGEBOT_TEST_PG_URL names, if any. */
static void run_pg(struct test_ctx *t, store_check fn, bool fresh)
{
	const char *url = getenv("FORGEBOT_TEST_PG_URL");
	struct env e = { .backend = "postgres" };
	struct fb_error err = { 0 };
	struct store *s = NULL;

	if (url == NULL || url[0] == '\0')
		return;
	snprintf(e.url, sizeof(e.url), "%s", url);
	if (store_open(&s, url, &err) < 0 ||
	    store_exec_raw(s, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public", &err) < 0) {
		TEST_FAIL(t, "[postgres] fresh schema: %.300s", err.msg);
		store_close(s);
		return;
	}
	store_close(s);
	run_on(t, &e, fn, fresh);
}

#define CHECK_ON_BOTH(name, fresh)                    \
	static void t_##name(struct test_ctx *t)      \
	{                                             \
		run_sqlite(t, check_##name, fresh);   \
		run_pg(t, check_##name, fresh);       \
	}
#define BOTH(name) CHECK_ON_BOTH(name, false)
#define BOTH_FRESH(name) CHECK_ON_BOTH(name, true) /* the check opens its own stores */

/* Store delivery `id` with one job; returns the job's id (0 on failure). */
static int64_t put_job(struct test_ctx *t, struct store *s, const char *id, const char *type,
		       const char *key, bool waiting)
{
	struct delivery d = { "github", id, "pull_request", "opened", "acme/app", "{}", 2 };
	struct job_spec j = { type, key, "abc123", "{\"n\":1}", waiting };
	struct fb_error err = { 0 };
	int64_t job = 0;
	bool dup = true;

	if (store_delivery_put(s, &d, &j, 1, &dup, &job, &err) < 0)
		TEST_FAIL(t, "put %s: %.300s", id, err.msg);
	else if (dup)
		TEST_FAIL(t, "put %s: unexpected duplicate", id);
	return job;
}

/* Claim one job of `type`; returns its id, 0 when none. */
static int64_t claim(struct test_ctx *t, struct store *s, const char *type, const char *worker,
		     int64_t lease_ms, int *attempts)
{
	const char *types[] = { type };
	struct fb_error err = { 0 };
	struct job j;
	bool got = false;
	int64_t id = 0;

	if (store_job_claim(s, types, 1, worker, lease_ms, &j, &got, &err) < 0)
		TEST_FAIL(t, "claim: %.300s", err.msg);
	if (got) {
		id = j.id;
		if (attempts)
			*attempts = j.attempts;
	}
	job_release(&j);
	return id;
}

static enum job_state state_of(struct test_ctx *t, struct store *s, int64_t id)
{
	struct fb_error err = { 0 };
	enum job_state st = JOB_WAITING;
	struct job j;

	if (store_job_get(s, id, &j, &err) < 0)
		TEST_FAIL(t, "get %lld: %.300s", (long long)id, err.msg);
	else
		st = j.state;
	job_release(&j);
	return st;
}

/* ---- schema ---- */

static void *migrate_thread(void *arg)
{
	const struct env *e = arg;
	struct fb_error err = { 0 };
	struct store *s = NULL;
	long rc;

	rc = store_open(&s, e->url, &err);
	if (rc == 0)
		rc = store_migrate(s, &err);
	store_close(s);
	return (void *)rc;
}

/* Two processes starting together both succeed; migrating again is a no-op. */
static void check_migrate(struct test_ctx *t, const struct env *e, struct store *unused)
{
	struct fb_error err = { 0 };
	pthread_t th[2];
	struct store *s;
	void *rc[2];
	int v = -1, i;

	CHECK_INT(t, store_open(&s, e->url, &err), 0); /* an empty database is version 0 */
	CHECK_INT(t, s ? store_schema_version(s, &v, &err) : -1, 0);
	CHECK_INT(t, v, 0);
	store_close(s);
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, migrate_thread, (void *)e);
	for (i = 0; i < 2; i++) {
		pthread_join(th[i], &rc[i]);
		CHECK_INT(t, (long)rc[i], 0);
	}
	if ((s = open_db(t, e)) == NULL)
		return;
	CHECK_STR(t, store_backend(s), e->backend);
	CHECK_INT(t, store_schema_version(s, &v, &err), 0);
	CHECK_INT(t, v, store_schema_latest());
	CHECK_INT(t, store_migrate(s, &err), 0);
	CHECK_INT(t, store_migrate(s, &err), 0);
	CHECK_INT(t, store_schema_version(s, &v, &err), 0);
	CHECK_INT(t, v, store_schema_latest());
	CHECK_INT(t, store_ping(s, &err), 0);
	store_close(s);
}
BOTH_FRESH(migrate)

static void check_newer_schema(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct fb_error err = { 0 };
	char want[200];
	int v = 0;

	CHECK_INT(t, store_exec_raw(s, "INSERT INTO schema_version (version, applied_at) "
				       "VALUES (99, 0)", &err), 0);
	CHECK_INT(t, store_migrate(s, &err), FB_ECONFLICT);
	snprintf(want, sizeof(want),
		 "database schema version 99 is newer than this forgebot (%d); upgrade forgebot",
		 store_schema_latest());
	CHECK_STR(t, err.msg, want);
	CHECK_INT(t, store_schema_version(s, &v, &err), 0);
	CHECK_INT(t, v, 99);
	/* The refused migration left the connection usable. */
	CHECK_INT(t, store_ping(s, &err), 0);
}
BOTH(newer_schema)

/* ---- deliveries ---- */

static void check_dedupe(struct test_ctx *t, const struct env *e, struct store *s)
{
	/* The body is given by length: what follows it is not stored. */
	struct delivery d = { "github", "d-1", "push", NULL, "acme/app", "{\"a\":1}XYZ", 7 };
	struct job_spec jobs[2] = { { "review", NULL, NULL, NULL, false },
				    { "codegen", NULL, NULL, "{}", false } };
	struct fb_error err = { 0 };
	int64_t ids[2] = { 0, 0 }, counts[JOB_WAITING + 1];
	bool dup = true;
	struct job j;

	CHECK_INT(t, store_delivery_put(s, &d, jobs, 2, &dup, ids, &err), 0);
	CHECK(t, !dup);
	CHECK(t, ids[0] > 0 && ids[1] > ids[0]);
	ids[0] = ids[1] = -1;
	CHECK_INT(t, store_delivery_put(s, &d, jobs, 2, &dup, ids, &err), 0);
	CHECK(t, dup);
	CHECK_INT(t, ids[0], -1);
	CHECK_INT(t, store_job_counts(s, counts, &err), 0);
	CHECK_INT(t, counts[JOB_QUEUED], 2);
	/* The same id from another source is another delivery. */
	d.source = "gitlab";
	CHECK_INT(t, store_delivery_put(s, &d, jobs, 1, &dup, ids, &err), 0);
	CHECK(t, !dup);
	CHECK_INT(t, store_job_get(s, ids[0], &j, &err), 0);
	CHECK_STR(t, j.delivery_body, "{\"a\":1}");
	CHECK_STR(t, j.type, "review");
	CHECK_STR(t, j.params, "{}");
	CHECK(t, j.key == NULL && j.head_sha == NULL && j.last_error == NULL);
	CHECK_INT(t, j.state, JOB_QUEUED);
	CHECK_INT(t, j.attempts, 0);
	CHECK(t, j.delivery_rowid > 0 && j.created_at > 0 && j.run_at == j.created_at);
	job_release(&j);
	CHECK_INT(t, store_job_get(s, 99999, &j, &err), FB_ENOTFOUND);
	job_release(&j);
}
BOTH(dedupe)

static void check_supersede(struct test_ctx *t, const struct env *e, struct store *s)
{
	const char *key = "github:acme/app#7";
	int64_t a, b, other, running, c, w1, w2;

	a = put_job(t, s, "s-1", "review", key, false);
	other = put_job(t, s, "s-2", "codegen", key, false);
	b = put_job(t, s, "s-3", "review", key, false);
	CHECK_INT(t, state_of(t, s, a), JOB_SUPERSEDED);
	CHECK_INT(t, state_of(t, s, b), JOB_QUEUED);
	CHECK_INT(t, state_of(t, s, other), JOB_QUEUED); /* another type */
	/* A running job is not superseded. */
	running = claim(t, s, "review", "w", 60000, NULL);
	CHECK_INT(t, running, b);
	c = put_job(t, s, "s-4", "review", key, false);
	CHECK_INT(t, state_of(t, s, b), JOB_RUNNING);
	CHECK_INT(t, state_of(t, s, c), JOB_QUEUED);
	/* Jobs without a key never supersede. */
	put_job(t, s, "s-5", "review", NULL, false);
	CHECK_INT(t, state_of(t, s, c), JOB_QUEUED);
	/* A waiting job (no agent yet) is as stale as a queued one. */
	w1 = put_job(t, s, "s-6", "alert", "am:x", true);
	w2 = put_job(t, s, "s-7", "alert", "am:x", true);
	CHECK_INT(t, state_of(t, s, w1), JOB_SUPERSEDED);
	CHECK_INT(t, state_of(t, s, w2), JOB_WAITING);
}
BOTH(supersede)

/* ---- claiming ---- */

static void check_claim_order(struct test_ctx *t, const struct env *e, struct store *s)
{
	const char *types[] = { "review", "alert" };
	struct fb_error err = { 0 };
	int64_t a, b, c, start;
	bool got = false;
	struct job j;

	a = put_job(t, s, "c-1", "review", NULL, false);
	b = put_job(t, s, "c-2", "codegen", NULL, false);
	c = put_job(t, s, "c-3", "review", NULL, false);
	put_job(t, s, "c-4", "review", NULL, true); /* waiting: never claimed */
	CHECK_INT(t, claim(t, s, "nosuch", "w1", 1000, NULL), 0);
	CHECK_INT(t, claim(t, s, "codegen", "w1", 1000, NULL), b);
	start = store_now_ms();
	CHECK_INT(t, store_job_claim(s, types, 2, "w1", 30000, &j, &got, &err), 0);
	CHECK(t, got);
	CHECK_INT(t, j.id, a);
	CHECK_INT(t, j.state, JOB_RUNNING);
	CHECK_INT(t, j.attempts, 1);
	CHECK_STR(t, j.worker, "w1");
	CHECK_STR(t, j.key, NULL);
	CHECK_STR(t, j.head_sha, "abc123");
	CHECK_STR(t, j.params, "{\"n\":1}");
	CHECK_STR(t, j.delivery_body, "{}");
	CHECK(t, j.lease_until >= start + 30000 && j.lease_until <= store_now_ms() + 30000);
	job_release(&j);
	CHECK_INT(t, store_job_claim(s, types, 2, "w1", 30000, &j, &got, &err), 0);
	CHECK(t, got && j.id == c);
	job_release(&j);
	CHECK_INT(t, store_job_claim(s, types, 2, "w1", 30000, &j, &got, &err), 0);
	CHECK(t, !got);
	job_release(&j);
	CHECK_INT(t, store_job_claim(s, types, 0, "w1", 30000, &j, &got, &err), FB_EINVAL);
}
BOTH(claim_order)

#define RACE_THREADS 4
#define RACE_JOBS 240

struct racer {
	const struct env *e;
	char worker[16];
	int64_t ids[RACE_JOBS];
	size_t n;
	int rc;
	char msg[FB_ERROR_MSG_MAX];
};

static void *race_thread(void *arg)
{
	const char *types[] = { "review" };
	struct racer *r = arg;
	struct fb_error err = { 0 };
	struct store *s = NULL;
	bool got = true;
	struct job j;

	if ((r->rc = store_open(&s, r->e->url, &err)) < 0)
		goto out;
	while (got && r->n < RACE_JOBS) {
		if ((r->rc = store_job_claim(s, types, 1, r->worker, 60000, &j, &got, &err)) < 0)
			break;
		if (got) {
			r->ids[r->n++] = j.id;
			r->rc = store_job_finish(s, j.id, r->worker, JOB_OUT_DONE, 0, NULL, &err);
		}
		job_release(&j);
		if (r->rc < 0)
			break;
	}
out:
	if (r->rc < 0)
		snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
	store_close(s);
	return NULL;
}

/* Workers on their own connections never get the same job. */
static void check_concurrent_claims(struct test_ctx *t, const struct env *e, struct store *s)
{
	static struct racer racers[RACE_THREADS];
	struct job_spec jobs[10];
	struct fb_error err = { 0 };
	int64_t counts[JOB_WAITING + 1];
	pthread_t th[RACE_THREADS];
	unsigned char *seen = NULL;
	char id[32];
	size_t i, k, total = 0;
	bool dup;

	for (i = 0; i < 10; i++)
		jobs[i] = (struct job_spec){ "review", NULL, NULL, "{}", false };
	for (i = 0; i < RACE_JOBS / 10; i++) {
		struct delivery d = { "github", id, "push", NULL, NULL, "{}", 2 };
		snprintf(id, sizeof(id), "race-%zu", i);
		CHECK_INT(t, store_delivery_put(s, &d, jobs, 10, &dup, NULL, &err), 0);
	}
	memset(racers, 0, sizeof(racers));
	for (i = 0; i < RACE_THREADS; i++) {
		racers[i].e = e;
		snprintf(racers[i].worker, sizeof(racers[i].worker), "racer-%zu", i);
		pthread_create(&th[i], NULL, race_thread, &racers[i]);
	}
	for (i = 0; i < RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	seen = calloc(RACE_JOBS * 2 + 2, 1);
	for (i = 0; seen && i < RACE_THREADS; i++) {
		if (racers[i].rc < 0)
			TEST_FAIL(t, "%s: %.300s", racers[i].worker, racers[i].msg);
		for (k = 0; k < racers[i].n; k++, total++) {
			int64_t jid = racers[i].ids[k];
			if (jid <= 0 || jid > RACE_JOBS * 2 || seen[jid]++)
				TEST_FAIL(t, "job %lld claimed twice (or unknown)", (long long)jid);
		}
	}
	CHECK_INT(t, total, RACE_JOBS);
	CHECK_INT(t, store_job_counts(s, counts, &err), 0);
	CHECK_INT(t, counts[JOB_DONE], RACE_JOBS);
	CHECK_INT(t, counts[JOB_RUNNING] + counts[JOB_QUEUED], 0);
	free(seen);
}
BOTH(concurrent_claims)

/* A worker that died: its lease expires and another worker takes over. */
static void check_lease_expiry(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct fb_error err = { 0 };
	int64_t id;
	int attempts = 0;
	struct job j;

	id = put_job(t, s, "l-1", "review", NULL, false);
	CHECK_INT(t, claim(t, s, "review", "old", 250, NULL), id);
	CHECK_INT(t, claim(t, s, "review", "new", 60000, NULL), 0); /* lease still held */
	CHECK_INT(t, store_job_heartbeat(s, id, "old", 250, &err), 0);
	sleep_ms(300);
	CHECK_INT(t, claim(t, s, "review", "new", 60000, &attempts), id);
	CHECK_INT(t, attempts, 2);
	CHECK_INT(t, store_job_heartbeat(s, id, "old", 1000, &err), FB_ECONFLICT);
	CHECK_INT(t, store_job_finish(s, id, "old", JOB_OUT_DONE, 0, NULL, &err), FB_ECONFLICT);
	CHECK(t, strstr(err.msg, "new") != NULL);
	CHECK_INT(t, store_job_heartbeat(s, id, "new", 60000, &err), 0);
	CHECK_INT(t, store_job_finish(s, id, "new", JOB_OUT_DONE, 0, NULL, &err), 0);
	CHECK_INT(t, store_job_finish(s, id, "new", JOB_OUT_DONE, 0, NULL, &err), FB_ECONFLICT);
	CHECK_INT(t, store_job_get(s, id, &j, &err), 0);
	CHECK_INT(t, j.state, JOB_DONE);
	CHECK_STR(t, j.worker, "new");
	CHECK_INT(t, j.lease_until, 0);
	job_release(&j);
	CHECK_INT(t, store_job_heartbeat(s, 4242, "new", 1000, &err), FB_ENOTFOUND);
	CHECK_INT(t, store_job_finish(s, 4242, "new", JOB_OUT_DONE, 0, NULL, &err), FB_ENOTFOUND);
}
BOTH(lease_expiry)

static void check_retry_later(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct fb_error err = { 0 };
	int64_t id, at;
	int attempts = 0;
	struct job j;

	id = put_job(t, s, "r-1", "review", NULL, false);
	CHECK_INT(t, claim(t, s, "review", "w", 60000, NULL), id);
	at = store_now_ms() + 400;
	CHECK_INT(t, store_job_finish(s, id, "w", JOB_OUT_RETRY, at, "forge answered 502", &err), 0);
	CHECK_INT(t, store_job_get(s, id, &j, &err), 0);
	CHECK_INT(t, j.state, JOB_QUEUED);
	CHECK_INT(t, j.attempts, 1);
	CHECK_INT(t, j.run_at, at);
	CHECK_STR(t, j.last_error, "forge answered 502");
	job_release(&j);
	CHECK_INT(t, claim(t, s, "review", "w", 60000, NULL), 0);
	sleep_ms((int)(at - store_now_ms()) + 20);
	CHECK_INT(t, claim(t, s, "review", "w", 60000, &attempts), id);
	CHECK_INT(t, attempts, 2);
}
BOTH(retry_later)

static void check_dead_letter(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct fb_error err = { 0 };
	int64_t id, counts[JOB_WAITING + 1];
	int attempts = 0;
	struct job j;

	id = put_job(t, s, "x-1", "review", NULL, false);
	CHECK_INT(t, claim(t, s, "review", "w", 60000, NULL), id);
	CHECK_INT(t, store_job_finish(s, id, "w", JOB_OUT_DEAD, 0, "gave up", &err), 0);
	CHECK_INT(t, store_job_get(s, id, &j, &err), 0);
	CHECK_INT(t, j.state, JOB_DEAD);
	CHECK_STR(t, j.last_error, "gave up");
	job_release(&j);
	CHECK_INT(t, claim(t, s, "review", "w", 60000, NULL), 0);
	CHECK_INT(t, store_job_counts(s, counts, &err), 0);
	CHECK_INT(t, counts[JOB_DEAD], 1);
	/* Retried by an operator: queued now, attempts reset. */
	CHECK_INT(t, store_job_retry(s, id, &err), 0);
	CHECK_INT(t, store_job_get(s, id, &j, &err), 0);
	CHECK_INT(t, j.state, JOB_QUEUED);
	CHECK_INT(t, j.attempts, 0);
	CHECK_STR(t, j.last_error, "gave up"); /* history is kept */
	job_release(&j);
	CHECK_INT(t, claim(t, s, "review", "w", 60000, &attempts), id);
	CHECK_INT(t, attempts, 1);
}
BOTH(dead_letter)

static void check_job_retry(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct fb_error err = { 0 };
	int64_t queued, waiting, running;

	queued = put_job(t, s, "y-1", "review", NULL, false);
	waiting = put_job(t, s, "y-2", "alert", NULL, true);
	CHECK_INT(t, store_job_retry(s, queued, &err), FB_ECONFLICT);
	running = claim(t, s, "review", "w", 60000, NULL);
	CHECK_INT(t, running, queued);
	CHECK_INT(t, store_job_retry(s, running, &err), FB_ECONFLICT);
	CHECK_INT(t, store_job_retry(s, 777777, &err), FB_ENOTFOUND);
	/* An agent arrived: a waiting job is put in the queue. */
	CHECK_INT(t, store_job_retry(s, waiting, &err), 0);
	CHECK_INT(t, claim(t, s, "alert", "w", 60000, NULL), waiting);
}
BOTH(job_retry)

/* ---- lists and counts ---- */

struct collected {
	int64_t ids[64];
	size_t n, stop_after;
};

static int collect_job(const struct job *j, void *payload)
{
	struct collected *c = payload;

	if (c->n < 64)
		c->ids[c->n] = j->id;
	c->n++;
	return c->stop_after && c->n >= c->stop_after;
}

/* List with `f` into *c (emptied first); the call's return code. */
static int list(struct store *s, const struct job_filter *f, struct collected *c)
{
	struct fb_error err = { 0 };
	size_t stop = c->stop_after;

	memset(c, 0, sizeof(*c));
	c->stop_after = stop;
	return store_job_list(s, f, collect_job, c, &err);
}

static void check_list(struct test_ctx *t, const struct env *e, struct store *s)
{
	enum job_state done_only[] = { JOB_DONE }, some[] = { JOB_QUEUED, JOB_DONE };
	struct fb_error err = { 0 };
	struct job_filter f = { .limit = 10 };
	struct collected c = { .stop_after = 0 };
	int64_t ids[25];
	char name[32];
	size_t i;

	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "p-%zu", i);
		ids[i] = put_job(t, s, name, i % 2 ? "codegen" : "review", NULL, false);
	}
	for (i = 0; i < 3; i++) { /* the three oldest codegen jobs are done */
		int64_t id = claim(t, s, "codegen", "w", 60000, NULL);
		CHECK_INT(t, store_job_finish(s, id, "w", JOB_OUT_DONE, 0, NULL, &err), 0);
	}
	/* Pages of 10, newest first. */
	CHECK_INT(t, list(s, &f, &c), 0);
	CHECK(t, c.n == 10 && c.ids[0] == ids[24] && c.ids[9] == ids[15]);
	f.before_id = c.ids[9];
	CHECK_INT(t, list(s, &f, &c), 0);
	CHECK(t, c.n == 10 && c.ids[0] == ids[14]);
	f.before_id = c.ids[9];
	CHECK_INT(t, list(s, &f, &c), 0);
	CHECK(t, c.n == 5 && c.ids[4] == ids[0]);
	/* Filters. */
	memset(&f, 0, sizeof(f));
	f.type = "codegen";
	CHECK_INT(t, list(s, &f, &c), 0);
	CHECK_INT(t, c.n, 12);
	f.states = done_only;
	f.nstates = 1;
	CHECK_INT(t, list(s, &f, &c), 0);
	CHECK(t, c.n == 3 && c.ids[2] == ids[1]);
	f.type = NULL;
	f.states = some;
	f.nstates = 2;
	CHECK_INT(t, list(s, &f, &c), 0);
	CHECK_INT(t, c.n, 25);
	/* The callback stops the walk. */
	c.stop_after = 3;
	CHECK_INT(t, list(s, NULL, &c), 0);
	CHECK_INT(t, c.n, 3);
}
BOTH(list)

static void check_counts(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct fb_error err = { 0 };
	int64_t counts[JOB_WAITING + 1], id;
	int i;

	CHECK_INT(t, store_job_counts(s, counts, &err), 0);
	for (i = 0; i <= JOB_WAITING; i++)
		CHECK_INT(t, counts[i], 0);
	put_job(t, s, "n-1", "review", "k", false); /* superseded by n-2 */
	put_job(t, s, "n-2", "review", "k", false);
	put_job(t, s, "n-3", "alert", NULL, true);
	for (i = 0; i < 3; i++)
		put_job(t, s, i == 0 ? "n-4" : i == 1 ? "n-5" : "n-6", "codegen", NULL, false);
	id = claim(t, s, "codegen", "w", 60000, NULL);
	CHECK_INT(t, store_job_finish(s, id, "w", JOB_OUT_DONE, 0, NULL, &err), 0);
	id = claim(t, s, "codegen", "w", 60000, NULL);
	CHECK_INT(t, store_job_finish(s, id, "w", JOB_OUT_DEAD, 0, "x", &err), 0);
	claim(t, s, "codegen", "w", 60000, NULL);
	CHECK_INT(t, store_job_counts(s, counts, &err), 0);
	CHECK_INT(t, counts[JOB_QUEUED], 1);
	CHECK_INT(t, counts[JOB_RUNNING], 1);
	CHECK_INT(t, counts[JOB_DONE], 1);
	CHECK_INT(t, counts[JOB_FAILED], 0);
	CHECK_INT(t, counts[JOB_DEAD], 1);
	CHECK_INT(t, counts[JOB_SUPERSEDED], 1);
	CHECK_INT(t, counts[JOB_WAITING], 1);
}
BOTH(counts)

/* ---- comments ---- */

struct comment_seen {
	int n;
	char text[256];
};

static int collect_comment(const struct comment_rec *c, void *payload)
{
	struct comment_seen *cs = payload;
	size_t len = strlen(cs->text);

	snprintf(cs->text + len, sizeof(cs->text) - len, "%s%s/%s#%ld:%s=%lld,%s,%d", cs->n ? ";" : "",
		 c->forge, c->repo, c->number, c->fingerprint, (long long)c->comment_id,
		 c->discussion_id ? c->discussion_id : "-", c->outdated);
	cs->n++;
	return 0;
}

static void check_comments(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct comment_rec a = { "github", "acme/app", 7, "fp1", 100, NULL, false };
	struct comment_rec b = { "github", "acme/app", 7, "fp2", 101, "disc-1", false };
	struct comment_rec other = { "github", "acme/app", 8, "fp1", 300, NULL, false };
	struct comment_rec gl = { "gitlab", "acme/app", 7, "fp1", 400, NULL, false };
	struct fb_error err = { 0 };
	struct comment_seen cs = { 0 };

	CHECK_INT(t, store_comment_put(s, &a, &err), 0);
	CHECK_INT(t, store_comment_put(s, &b, &err), 0);
	CHECK_INT(t, store_comment_put(s, &other, &err), 0);
	CHECK_INT(t, store_comment_put(s, &gl, &err), 0);
	CHECK_INT(t, store_comment_list(s, "github", "acme/app", 7, collect_comment, &cs, &err), 0);
	CHECK_STR(t, cs.text, "github/acme/app#7:fp1=100,-,0;github/acme/app#7:fp2=101,disc-1,0");
	/* Posted again (a new comment id) and marked outdated: updated in place. */
	a.comment_id = 200;
	a.outdated = true;
	a.discussion_id = "disc-2";
	CHECK_INT(t, store_comment_put(s, &a, &err), 0);
	memset(&cs, 0, sizeof(cs));
	CHECK_INT(t, store_comment_list(s, "github", "acme/app", 7, collect_comment, &cs, &err), 0);
	CHECK_STR(t, cs.text, "github/acme/app#7:fp2=101,disc-1,0;github/acme/app#7:fp1=200,disc-2,1");
	memset(&cs, 0, sizeof(cs));
	CHECK_INT(t, store_comment_list(s, "github", "acme/app", 9, collect_comment, &cs, &err), 0);
	CHECK_INT(t, cs.n, 0);
}
BOTH(comments)

/* ---- reviews and their findings ---- */

#define HEAD1 "1111111111111111111111111111111111111111"
#define HEAD2 "2222222222222222222222222222222222222222"
#define BASE1 "0000000000000000000000000000000000000000"

struct finding_seen {
	int n, stop_after; /* stop_after: return it from the n-th call (0: never) */
	char text[512];
};

static int collect_finding(const struct finding_rec *f, void *payload)
{
	struct finding_seen *fs = payload;
	size_t len = strlen(fs->text);

	snprintf(fs->text + len, sizeof(fs->text) - len, "%s%s %s %s:%ld-%ld %s %s",
		 fs->n ? ";" : "", f->rule_id, f->severity, f->path, f->start_line, f->end_line,
		 f->message, f->fingerprint);
	fs->n++;
	return fs->n == 1 ? fs->stop_after : 0;
}

/* The latest review of github:acme/app#number: its id (0 when none), the
 * record in *out (released by the caller), the findings in fs. */
static int64_t latest(struct test_ctx *t, struct store *s, const char *forge, long number,
		      struct review_rec *out, struct finding_seen *fs)
{
	struct fb_error err = { 0 };
	bool found = true;
	int rc;

	memset(fs->text, 0, sizeof(fs->text));
	fs->n = 0;
	rc = store_review_latest(s, forge, "acme/app", number, out, collect_finding, fs, &found,
				 &err);
	if (rc < 0)
		TEST_FAIL(t, "latest %s#%ld: %.300s", forge, number, err.msg);
	if (!found && out->id != 0)
		TEST_FAIL(t, "latest %s#%ld: not found, yet id %lld", forge, number,
			  (long long)out->id);
	return found ? out->id : 0;
}

static void check_reviews(struct test_ctx *t, const struct env *e, struct store *s)
{
	const struct finding_rec first[] = {
		{ "c.strcpy", "error", "src/app.c", 11, 11, "strcpy can overflow", "0123456789abcdef" },
		{ "py.eval", "warning", "src/calc.py", 2, 3, "eval of input", "fedcba9876543210" },
		{ "c.system", "error", "src/app.c", 16, 16, "system() runs a shell", "00000000000000aa" },
	};
	const struct finding_rec second[] = {
		{ "py.eval", "hint", "src/calc.py", 2, 2, "évalué ✓", "fedcba9876543210" },
	};
	struct review_rec r = { 0 }, got;
	struct finding_seen fs = { 0 };
	struct fb_error err = { 0 };
	int64_t id1 = 0, id2 = 0, id3 = 0, id4 = 0;

	r.job_id = 5;
	r.forge = "github";
	r.repo = "acme/app";
	r.number = 7;
	r.head_sha = HEAD1;
	r.base_sha = BASE1;
	r.summary = "3 findings";
	r.nerror = 99; /* ignored: derived from the findings */
	CHECK_INT(t, store_review_put(s, &r, first, 3, &id1, &err), 0);
	CHECK(t, id1 > 0);
	CHECK_INT(t, latest(t, s, "github", 7, &got, &fs), id1);
	CHECK_INT(t, got.job_id, 5);
	CHECK_STR(t, got.forge, "github");
	CHECK_STR(t, got.repo, "acme/app");
	CHECK_INT(t, got.number, 7);
	CHECK_STR(t, got.head_sha, HEAD1);
	CHECK_STR(t, got.base_sha, BASE1);
	CHECK_STR(t, got.summary, "3 findings");
	CHECK(t, got.created_at > 0 && got.created_at <= store_now_ms());
	CHECK_INT(t, got.nfindings, 3);
	CHECK_INT(t, got.nerror, 2);
	CHECK_INT(t, got.nwarning, 1);
	CHECK_INT(t, got.ninfo + got.nhint, 0);
	/* In the order they were given. */
	CHECK_STR(t, fs.text, "c.strcpy error src/app.c:11-11 strcpy can overflow 0123456789abcdef;"
			      "py.eval warning src/calc.py:2-3 eval of input fedcba9876543210;"
			      "c.system error src/app.c:16-16 system() runs a shell 00000000000000aa");
	review_rec_release(&got);

	/* A newer review of #7, then reviews of #8 and of GitLab's #7. */
	r = (struct review_rec){ .forge = "github", .repo = "acme/app", .number = 7,
				 .head_sha = HEAD2 };
	CHECK_INT(t, store_review_put(s, &r, second, 1, &id2, &err), 0);
	r.number = 8;
	CHECK_INT(t, store_review_put(s, &r, first, 3, &id3, &err), 0);
	r.number = 7;
	r.forge = "gitlab";
	CHECK_INT(t, store_review_put(s, &r, NULL, 0, &id4, &err), 0);
	CHECK(t, id1 < id2 && id2 < id3 && id3 < id4);

	CHECK_INT(t, latest(t, s, "github", 7, &got, &fs), id2);
	CHECK_INT(t, got.job_id, 0);
	CHECK_STR(t, got.head_sha, HEAD2);
	CHECK(t, got.base_sha == NULL && got.summary == NULL);
	CHECK_INT(t, got.nfindings, 1);
	CHECK_INT(t, got.nhint, 1);
	CHECK_INT(t, got.nerror + got.nwarning + got.ninfo, 0);
	CHECK_STR(t, fs.text, "py.eval hint src/calc.py:2-2 évalué ✓ fedcba9876543210");
	review_rec_release(&got);
	CHECK_INT(t, latest(t, s, "github", 8, &got, &fs), id3);
	CHECK_INT(t, fs.n, 3);
	review_rec_release(&got);
	CHECK_INT(t, latest(t, s, "gitlab", 7, &got, &fs), id4);
	CHECK_INT(t, got.nfindings, 0);
	CHECK_INT(t, fs.n, 0);
	review_rec_release(&got);
	/* None yet: not an error, nothing delivered. */
	CHECK_INT(t, latest(t, s, "github", 9, &got, &fs), 0);
	CHECK(t, got.forge == NULL && got.strings == NULL);
	CHECK_INT(t, fs.n, 0);
	review_rec_release(&got);

	/* A callback stops the walk; a negative return is passed on. */
	fs.stop_after = 1;
	CHECK_INT(t, latest(t, s, "github", 8, &got, &fs), id3);
	CHECK_INT(t, fs.n, 1);
	review_rec_release(&got);
	{
		bool found = false;
		fs = (struct finding_seen){ .stop_after = FB_EIO };
		CHECK_INT(t, store_review_latest(s, "github", "acme/app", 8, &got, collect_finding,
						 &fs, &found, &err), FB_EIO);
		review_rec_release(&got);
	}
}
BOTH(reviews)

/* What store_review_put refuses, and that a review is stored whole or not
 * at all. */
static void check_review_refused(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct finding_rec f[2] = {
		{ "c.strcpy", "error", "src/app.c", 11, 11, "strcpy can overflow", "0123456789abcdef" },
		{ "boom", "warning", "src/app.c", 12, 12, "fails inside the transaction", "ab" },
	};
	struct review_rec r = { .forge = "github", .repo = "acme/app", .number = 7,
				.head_sha = HEAD1 };
	struct finding_seen fs = { 0 };
	struct fb_error err = { 0 };
	struct review_rec got;
	int64_t id = 0, id1 = 0;

	CHECK_INT(t, store_review_put(s, &r, f, 1, &id1, &err), 0);
	f[1].severity = "fatal";
	CHECK_INT(t, store_review_put(s, &r, f, 2, &id, &err), FB_EINVAL);
	CHECK_STR(t, err.msg, "store: finding 1: severity 'fatal' is not error, warning, info or hint");
	f[1].severity = "warning";
	f[1].fingerprint = NULL;
	CHECK_INT(t, store_review_put(s, &r, f, 2, &id, &err), FB_EINVAL);
	f[1].fingerprint = "ab";
	f[1].message = "bad \xff byte";
	CHECK_INT(t, store_review_put(s, &r, f, 2, &id, &err), FB_EINVAL);
	f[1].message = "fails inside the transaction";
	r.head_sha = NULL;
	CHECK_INT(t, store_review_put(s, &r, f, 2, &id, &err), FB_EINVAL);
	r.head_sha = HEAD1;
	CHECK_INT(t, id, 0);
	CHECK_INT(t, store_review_latest(s, NULL, "acme/app", 7, &got, NULL, NULL, &(bool){ 0 },
					 &err), FB_EINVAL);
	review_rec_release(&got);

	/* The second finding fails in the database: the review's row goes too. */
	CHECK_INT(t, store_exec_raw(s, is_pg(e)
				? "ALTER TABLE findings ADD CONSTRAINT no_boom CHECK (rule_id <> 'boom')"
				: "CREATE TRIGGER no_boom BEFORE INSERT ON findings WHEN "
				  "NEW.rule_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
				&err), 0);
	CHECK(t, store_review_put(s, &r, f, 2, &id, &err) < 0);
	CHECK_INT(t, id, 0);
	CHECK_INT(t, latest(t, s, "github", 7, &got, &fs), id1);
	CHECK_INT(t, fs.n, 1);
	review_rec_release(&got);
	/* And the connection is usable afterwards. */
	CHECK_INT(t, store_review_put(s, &r, f, 1, &id, &err), 0);
	CHECK(t, id > id1);
}
BOTH(review_refused)

/* ---- audit ---- */

static int collect_audit(int64_t id, int64_t at, const struct audit_rec *a, void *payload)
{
	struct comment_seen *cs = payload;
	size_t len = strlen(cs->text);

	snprintf(cs->text + len, sizeof(cs->text) - len, "%s%lld:%s %s %s %s%s", cs->n ? ";" : "",
		 (long long)a->job_id, a->actor, a->action, a->target, a->detail ? a->detail : "-",
		 at > 0 && id > 0 ? "" : " (bad id/at)");
	cs->n++;
	return 0;
}

static void check_audit(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct audit_rec r1 = { 5, "worker-1", "review.post", "github:acme/app#7", "{\"n\":3}" };
	struct audit_rec r2 = { 0, "cli", "job.retry", "job:5", NULL };
	struct audit_rec r3 = { 5, "worker-1", "comment.update", "github:acme/app#7", "x" };
	const char *all = "5:worker-1 review.post github:acme/app#7 {\"n\":3};0:cli job.retry job:5 -;"
			  "5:worker-1 comment.update github:acme/app#7 x";
	struct fb_error err = { 0 };
	struct comment_seen cs = { 0 };

	CHECK_INT(t, store_audit_append(s, &r1, &err), 0);
	CHECK_INT(t, store_audit_append(s, &r2, &err), 0);
	CHECK_INT(t, store_audit_append(s, &r3, &err), 0);
	CHECK_INT(t, store_audit_list(s, 0, 0, collect_audit, &cs, &err), 0);
	CHECK_STR(t, cs.text, all);
	memset(&cs, 0, sizeof(cs));
	CHECK_INT(t, store_audit_list(s, 1, 1, collect_audit, &cs, &err), 0);
	CHECK_STR(t, cs.text, "0:cli job.retry job:5 -");
	/* Append-only, even for someone holding a database connection. */
	CHECK(t, store_exec_raw(s, "UPDATE audit SET actor = 'mallory'", &err) < 0);
	CHECK(t, strstr(err.msg, "append-only") != NULL);
	CHECK(t, store_exec_raw(s, "DELETE FROM audit WHERE id = 1", &err) < 0);
	CHECK(t, strstr(err.msg, "append-only") != NULL);
	if (is_pg(e))
		CHECK(t, store_exec_raw(s, "TRUNCATE audit", &err) < 0);
	memset(&cs, 0, sizeof(cs));
	CHECK_INT(t, store_audit_list(s, 0, 0, collect_audit, &cs, &err), 0);
	CHECK_STR(t, cs.text, all);
	r1.actor = NULL;
	CHECK_INT(t, store_audit_append(s, &r1, &err), FB_EINVAL);
}
BOTH(audit)

/* ---- wake-ups and connections ---- */

static void check_wait(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct store *other = open_db(t, e);
	struct fb_error err = { 0 };
	int64_t start, took;

	if (other == NULL)
		return;
	CHECK_INT(t, store_wait_for_jobs(s, 0, &err), 0); /* subscribes on PostgreSQL */
	put_job(t, other, "w-1", "review", NULL, false);
	start = store_now_ms();
	CHECK_INT(t, store_wait_for_jobs(s, 5000, &err), 0);
	took = store_now_ms() - start;
	if (is_pg(e))
		CHECK(t, took < 1000); /* woken by NOTIFY */
	else
		CHECK(t, took >= 900 && took < 2000); /* SQLite sleeps, at most 1 s */
	start = store_now_ms();
	CHECK_INT(t, store_wait_for_jobs(s, 200, &err), 0);
	took = store_now_ms() - start;
	CHECK(t, took >= 150 && took < 1500);
	store_close(other);
}
BOTH(wait)

/* PostgreSQL: a lost connection is FB_ERETRY once, then the store
 * reconnects (and listens again).  SQLite has no connection to lose. */
static void check_reconnect(struct test_ctx *t, const struct env *e, struct store *s)
{
	struct store *killer = open_db(t, e);
	struct fb_error err = { 0 };
	int64_t start;

	if (killer == NULL)
		return;
	if (is_pg(e)) {
		CHECK_INT(t, store_wait_for_jobs(s, 0, &err), 0);
		CHECK_INT(t, store_exec_raw(killer,
					    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
					    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
					    "AND application_name = 'forgebot'", &err), 0);
		CHECK_INT(t, store_ping(s, &err), FB_ERETRY);
	}
	CHECK_INT(t, store_ping(s, &err), 0);
	CHECK_INT(t, store_wait_for_jobs(s, 0, &err), 0);
	put_job(t, killer, "k-1", "review", NULL, false);
	start = store_now_ms();
	CHECK_INT(t, store_wait_for_jobs(s, is_pg(e) ? 3000 : 10, &err), 0);
	CHECK(t, store_now_ms() - start < 1000);
	CHECK(t, claim(t, s, "review", "w", 60000, NULL) > 0);
	store_close(killer);
}
BOTH(reconnect)

/* Not per backend: URL dispatch, an unreachable server, state names. */
static void open_urls(struct test_ctx *t)
{
	char dir[] = "/tmp/fb-store-XXXXXX", url[128];
	struct fb_error err = { 0 };
	struct store *s = NULL;
	enum job_state st;
	int64_t start;
	int i;

	start = store_now_ms();
	CHECK_INT(t, store_open(&s, "postgresql://postgres@127.0.0.1:1/forgebot?connect_timeout=2",
				&err), FB_ERETRY);
	CHECK(t, s == NULL);
	CHECK(t, store_now_ms() - start < 3000);
	CHECK(t, strchr(err.msg, '\n') == NULL);
	CHECK_INT(t, store_open(&s, "postgres://localhost/x?no_such_option=1", &err), FB_EINVAL);
	CHECK_INT(t, store_open(&s, "mysql://root:secret@db/x", &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "secret") == NULL);
	CHECK_INT(t, store_open(&s, "sqlite:", &err), FB_EINVAL);
	if (mkdtemp(dir)) {
		snprintf(url, sizeof(url), "sqlite:%s/x.db", dir);
		CHECK_INT(t, store_open(&s, url, &err), 0);
		CHECK_STR(t, s ? store_backend(s) : NULL, "sqlite");
		CHECK_INT(t, s ? store_migrate(s, &err) : -1, 0);
		store_close(s);
		CHECK_INT(t, access(url + strlen("sqlite:"), F_OK), 0);
		remove_db(dir, "x.db");
	}
	for (i = 0; i <= JOB_WAITING; i++) {
		CHECK_INT(t, job_state_parse(job_state_str((enum job_state)i), &st), 0);
		CHECK_INT(t, st, i);
	}
	CHECK_INT(t, job_state_parse("bogus", &st), FB_EINVAL);
	CHECK_STR(t, job_state_str(JOB_SUPERSEDED), "superseded");
}

const struct test_case store_tests[] = {
	{ "migrate", t_migrate },
	{ "newer_schema", t_newer_schema },
	{ "dedupe", t_dedupe },
	{ "supersede", t_supersede },
	{ "claim_order", t_claim_order },
	{ "concurrent_claims", t_concurrent_claims },
	{ "lease_expiry", t_lease_expiry },
	{ "retry_later", t_retry_later },
	{ "dead_letter", t_dead_letter },
	{ "job_retry", t_job_retry },
	{ "list", t_list },
	{ "counts", t_counts },
	{ "comments", t_comments },
	{ "reviews", t_reviews },
	{ "review_refused", t_review_refused },
	{ "audit", t_audit },
	{ "wait", t_wait },
	{ "reconnect", t_reconnect },
	{ "open_urls", open_urls },
	{ NULL, NULL },
};
