/*
 * worker.h - a fixed pool of worker threads running queued jobs.
 *
 * Each worker owns a database connection and loops: claim a job of a type
 * this process runs (under a lease, store.h), run its agent (agent.h),
 * record the outcome — done, retried later with exponential backoff and
 * jitter, or dead after `max_attempts` — and, when nothing is runnable,
 * wait for a wake-up (PostgreSQL LISTEN/NOTIFY; SQLite polls each second).
 *
 * A worker that dies mid-job (the process is killed) simply stops renewing
 * its lease; when the lease expires any worker of any replica claims the
 * job again.  worker_pool_stop() stops claiming, lets running jobs finish
 * until a deadline, and leaves the rest queued.
 */
#ifndef FB_ORCHESTRATOR_WORKER_H
#define FB_ORCHESTRATOR_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "../core/log.h"
#include "../core/metrics.h"
#include "../core/server_config.h"
#include "agent.h"

struct worker_pool;

struct worker_pool_opts {
	const struct server_config *cfg;
	const struct agent *const *agents;  /* the job types this process runs */
	size_t nagents;
	unsigned workers;                   /* 0: cfg->workers */
	const struct log *lg;
	struct metrics *metrics;            /* may be NULL */
	int fam_job_seconds;                /* histogram family (type, outcome), or -1 */
	int fam_forge_calls, fam_forge_rate; /* see agent.h, or -1 */
	const char *replica;                /* "host:pid", for lease owners */
};

int worker_pool_start(struct worker_pool **out, const struct worker_pool_opts *opts,
		      struct fb_error *err);

/* Stop claiming; wait up to deadline_ms for running jobs.  Returns how many
 * were still running (their leases lapse; another worker takes them). */
unsigned worker_pool_stop(struct worker_pool *p, int deadline_ms);

/* The retry delay after `attempt` failed attempts (1-based), in ms, with
 * jitter from `rnd`: 30 s doubling, capped at one hour, in [half, whole]. */
long long worker_retry_delay_ms(int attempt, unsigned rnd);

#endif
