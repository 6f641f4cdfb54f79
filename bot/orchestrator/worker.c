/*
 * worker.c - the worker pool; see worker.h.
 *
 * Stopping: `stopping` is set, workers finish the job in hand and leave
 * their loop; worker_pool_stop() joins each with the remaining time of the
 * deadline (pthread_timedjoin_np).  A worker still busy at the deadline is
 * left to the process exit; its job's lease lapses and the job is claimed
 * again elsewhere, which is why agents must be safe to re-run.
 */
#include "worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/crypto.h"

#define WORKER_MAX 256
#define RETRY_BASE_MS 30000LL
#define RETRY_MAX_MS 3600000LL
#define WAIT_MS 1000

struct worker {
	struct worker_pool *pool;
	pthread_t thread;
	bool started;
	atomic_bool done;
	char name[96];
	unsigned rnd;
	const struct job *job;   /* in hand, for heartbeats */
};

struct worker_pool {
	struct worker_pool_opts o;
	const char *types[16];
	size_t ntypes;
	atomic_bool stopping;
	struct worker w[WORKER_MAX];
	unsigned n;
};

long long worker_retry_delay_ms(int attempt, unsigned rnd)
{
	long long d = RETRY_BASE_MS;

	for (int i = 1; i < attempt && d < RETRY_MAX_MS; i++)
		d *= 2;
	if (d > RETRY_MAX_MS)
		d = RETRY_MAX_MS;
	return d / 2 + (long long)(rnd % (unsigned long long)(d / 2 + 1));
}

static const struct agent *agent_for(const struct worker_pool *p, const char *type)
{
	for (size_t i = 0; i < p->o.nagents; i++)
		if (strcmp(p->o.agents[i]->type, type) == 0)
			return p->o.agents[i];
	return NULL;
}

static int heartbeat(struct agent_ctx *ctx, struct fb_error *err)
{
	struct worker *w = ctx->worker_state;

	if (!w->job)
		return 0;
	return store_job_heartbeat(ctx->store, w->job->id, w->name, w->pool->o.cfg->lease_ms, err);
}

static bool permanent(int rc)
{
	return rc == FB_EINVAL || rc == FB_ENOTFOUND || rc == FB_EAUTH || rc == FB_EFORBIDDEN;
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Run one claimed job and record what became of it. */
static void run_one(struct worker *w, struct store *st, struct job *j)
{
	struct worker_pool *p = w->pool;
	struct agent_ctx ctx = { st, p->o.cfg, p->o.lg, p->o.metrics, p->o.fam_forge_calls,
				 p->o.fam_forge_rate, w->name, heartbeat, w };
	const struct agent *a = agent_for(p, j->type);
	struct fb_error err = { 0 }, ferr = { 0 };
	enum job_outcome out = JOB_OUT_DONE;
	struct timespec t0;
	long long retry_at = 0;
	char id[24];
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(id, sizeof id, "%lld", (long long)j->id);
	w->job = j;
	rc = a ? a->run(j, &ctx, &err) : fb_error_set(&err, FB_EINVAL, "no agent for '%s'", j->type);
	w->job = NULL;
	if (rc == FB_ECONFLICT) {
		log_write(p->o.lg, LOG_WARN, "job lease lost; another worker has it", "job", id,
			  NULL);
		return;
	}
	if (rc < 0) {
		out = permanent(rc) || j->attempts >= p->o.cfg->max_attempts ? JOB_OUT_DEAD
									: JOB_OUT_RETRY;
		retry_at = store_now_ms() + worker_retry_delay_ms(j->attempts, rand_r(&w->rnd));
		log_write(p->o.lg, out == JOB_OUT_DEAD ? LOG_ERROR : LOG_WARN,
			  out == JOB_OUT_DEAD ? "job failed for good" : "job failed; will retry",
			  "job", id, "type", j->type, "error", err.msg, NULL);
	} else {
		log_write(p->o.lg, LOG_INFO, "job done", "job", id, "type", j->type, NULL);
	}
	if (store_job_finish(st, j->id, w->name, out, retry_at, rc < 0 ? err.msg : NULL, &ferr) < 0)
		log_write(p->o.lg, LOG_WARN, "could not record the job's outcome", "job", id,
			  "error", ferr.msg, NULL);
	if (p->o.metrics && p->o.fam_job_seconds >= 0)
		metrics_observe(p->o.metrics, p->o.fam_job_seconds, elapsed_s(&t0), "type", j->type,
				"outcome", out == JOB_OUT_DONE ? "done" : out == JOB_OUT_RETRY
				? "retry" : "dead", NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct worker_pool *p = w->pool;
	struct store *st = NULL;
	struct fb_error err = { 0 };

	while (!atomic_load(&p->stopping)) {
		struct job j;
		bool got = false;

		if (!st && store_open(&st, p->o.cfg->database_url, &err) < 0) {
			log_write(p->o.lg, LOG_WARN, "worker cannot reach the database", "worker",
				  w->name, "error", err.msg, NULL);
			st = NULL;
			sleep_ms(WAIT_MS);
			continue;
		}
		job_init(&j);
		if (store_job_claim(st, p->types, p->ntypes, w->name, p->o.cfg->lease_ms, &j, &got,
				    &err) < 0) {
			log_write(p->o.lg, LOG_WARN, "claiming a job failed", "worker", w->name,
				  "error", err.msg, NULL);
			store_close(st); /* reconnect next round */
			st = NULL;
		} else if (got) {
			run_one(w, st, &j);
		} else if (store_wait_for_jobs(st, WAIT_MS, &err) < 0) {
			store_close(st);
			st = NULL;
		}
		job_release(&j);
	}
	store_close(st);
	atomic_store(&w->done, true);
	return NULL;
}

int worker_pool_start(struct worker_pool **out, const struct worker_pool_opts *opts,
		      struct fb_error *err)
{
	struct worker_pool *p;
	unsigned n = opts->workers ? opts->workers : opts->cfg->workers;

	*out = NULL;
	if (n > WORKER_MAX || opts->nagents > 16)
		return fb_error_set(err, FB_EINVAL, "at most %d workers and 16 agents", WORKER_MAX);
	if (!(p = calloc(1, sizeof *p)))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	p->o = *opts;
	for (size_t i = 0; i < opts->nagents; i++)
		p->types[p->ntypes++] = opts->agents[i]->type;
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &p->w[i];

		w->pool = p;
		snprintf(w->name, sizeof w->name, "%s:w%u", opts->replica ? opts->replica : "forgebot",
			 i + 1);
		if (crypto_random(&w->rnd, sizeof w->rnd) < 0)
			w->rnd = i + 1;
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			worker_pool_stop(p, 0);
			return fb_error_set(err, FB_EINTERNAL, "cannot start worker thread %u", i + 1);
		}
		w->started = true;
		p->n++;
	}
	*out = p;
	return 0;
}

unsigned worker_pool_stop(struct worker_pool *p, int deadline_ms)
{
	struct timespec until;
	unsigned busy = 0;

	if (!p)
		return 0;
	atomic_store(&p->stopping, true);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += deadline_ms / 1000;
	until.tv_nsec += (long)(deadline_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	for (unsigned i = 0; i < p->n; i++) {
		if (!p->w[i].started)
			continue;
		if (pthread_timedjoin_np(p->w[i].thread, NULL, &until) != 0) {
			/* Still running its job: leave it; the lease will lapse. */
			pthread_detach(p->w[i].thread);
			busy++;
		}
	}
	if (busy == 0)
		free(p);
	/* With busy workers the pool stays allocated: they still read it until
	 * the process exits. */
	return busy;
}
