/*
 * route.h - which jobs an event makes: a pure, table-driven function.
 *
 *   pull/merge request opened, synchronized, reopened, ready  -> review
 *       (drafts only with `review_drafts`; ready_for_review always)
 *   "/forgebot review" comment on a pull/merge request        -> review
 *   issue labelled with the trigger label, or
 *   "/forgebot generate ..." comment                          -> codegen
 *   a failed workflow run (GitHub) or pipeline (GitLab)       -> ci_diagnosis
 *   an Alertmanager notification                              -> alert
 *
 * Everything else makes no job.  Events the bot's own account caused
 * (sender == `bot_login`, or a comment carrying forgebot's markers) make
 * none either, so the bot never answers itself.  Job keys name the thing a
 * job is about ("github:acme/app#7"), so that a newer review of a pull
 * request supersedes a queued one (store.h).
 */
#ifndef FB_ORCHESTRATOR_ROUTE_H
#define FB_ORCHESTRATOR_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../webhooks/event.h"
#include "../core/err.h"

struct route_config {
	bool review_drafts;          /* review draft pull requests too */
	const char *trigger_label;   /* NULL: "forgebot:generate" */
	const char *bot_login;       /* the bot's own account; NULL: unknown */
};

#define ROUTE_MAX_JOBS 4

struct route_job {
	const char *type;            /* "review", "codegen", "ci_diagnosis", "alert" */
	char key[320];
	char *params;                /* malloc'd JSON object text */
	const char *head_sha;        /* borrowed from the event, may be NULL */
};

struct route_result {
	struct route_job jobs[ROUTE_MAX_JOBS];
	size_t n;
	const char *why_none;        /* when n == 0: a short reason, for logs */
};

void route_result_release(struct route_result *r);

/* Route one event.  0, or FB_ENOMEM. */
int route_event(struct route_result *out, const struct event *ev, const struct route_config *cfg);

#endif
