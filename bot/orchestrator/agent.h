/*
 * agent.h - what a worker runs: one entry per job type.
 *
 * A worker claims a job of a type whose agent this process runs
 * (`--agents`), calls the agent's `run`, and turns its return code into
 * the job's fate:
 *
 *   0              done
 *   FB_ERETRY      transient (forge rate limit, network, database busy):
 *                  retried with exponential backoff and jitter
 *   FB_EINVAL,     permanent (a malformed job, a repository that no longer
 *   FB_ENOTFOUND,  exists, credentials the forge refuses): dead at once,
 *   FB_EAUTH,      with the message kept as last_error
 *   FB_EFORBIDDEN
 *   anything else  retried like FB_ERETRY until the attempts run out
 *
 * `run` must be thread-safe across workers: everything mutable lives in
 * the context, which belongs to one worker.
 */
#ifndef FB_ORCHESTRATOR_AGENT_H
#define FB_ORCHESTRATOR_AGENT_H

#include <stdbool.h>

#include "../core/err.h"
#include "../core/log.h"
#include "../core/metrics.h"
#include "../store/store.h"

struct server_config;

/* One worker's view while it runs a job. */
struct agent_ctx {
	struct store *store;                 /* the worker's own connection */
	const struct server_config *cfg;     /* immutable */
	const struct log *lg;
	struct metrics *metrics;             /* thread-safe; may be NULL */
	int fam_forge_calls;                 /* counter {forge}: API calls made, or -1 */
	int fam_forge_rate;                  /* gauge {forge}: rate-limit budget left, or -1 */
	const char *worker;                  /* "host:pid:worker-3" */
	/* Extend the job's lease now (long steps call it); 0 or FB_ECONFLICT
	 * when the lease was lost: stop and return FB_ECONFLICT. */
	int (*heartbeat)(struct agent_ctx *ctx, struct fb_error *err);
	void *worker_state;                  /* private to the worker */
};

struct agent {
	const char *type;                    /* the job type it handles */
	int (*run)(const struct job *job, struct agent_ctx *ctx, struct fb_error *err);
};

/* The agents built into this binary. */
extern const struct agent agent_review;
#ifdef FORGEBOT_TEST
/* Test build only: stands in for review when FORGEBOT_TEST_ECHO_AGENT=1. */
extern const struct agent agent_test_echo;
#endif

#endif
