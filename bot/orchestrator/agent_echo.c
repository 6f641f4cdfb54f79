/*
 * agent_echo.c - a stand-in agent for the server's reliability tests.
 *
 * Built only into the test build (-DFORGEBOT_TEST) and chosen only when
 * FORGEBOT_TEST_ECHO_AGENT=1: it takes the place of the review agent, waits
 * FORGEBOT_TEST_ECHO_MS (default 20 ms, with a heartbeat), and records one
 * audit entry "test.echo" naming the job, so a test can count how often
 * each job ran while the server is being killed and restarted.
 */
#include "agent.h"

#ifdef FORGEBOT_TEST

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int echo_run(const struct job *job, struct agent_ctx *ctx, struct fb_error *err)
{
	const char *ms_s = getenv("FORGEBOT_TEST_ECHO_MS");
	long ms = ms_s ? strtol(ms_s, NULL, 10) : 20;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	struct audit_rec a = { job->id, ctx->worker, "test.echo", job->key, NULL };
	int rc;

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	if ((rc = ctx->heartbeat(ctx, err)) < 0)
		return rc;
	return store_audit_append(ctx->store, &a, err);
}

const struct agent agent_test_echo = { "review", echo_run };

#endif
