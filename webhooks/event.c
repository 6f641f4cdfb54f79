/*
 * event.c - the lifecycle of a normalized event and the names of its enums.
 *
 * An event owns every string it points to; event_release() frees them and
 * leaves the event as event_init() made it, so it can be filled again.  The
 * enum names are the short, stable words used in logs, metrics labels and
 * the store ("pull_request", "synchronized"); an out-of-range value is
 * "unknown" rather than a crash.
 */
#include "event.h"

#include <stdlib.h>
#include <string.h>

void event_init(struct event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->source = EVENT_SRC_GITHUB;
	ev->kind = EVENT_IGNORED;
	ev->action = EVENT_ACT_NONE;
}

void event_release(struct event *ev)
{
	if (ev == NULL)
		return;
	free(ev->name);
	free(ev->action_raw);
	free(ev->delivery_id);
	free(ev->repo);
	free(ev->instance_url);
	free(ev->sender);
	free(ev->head_sha);
	free(ev->base_sha);
	free(ev->head_ref);
	free(ev->base_ref);
	free(ev->title);
	free(ev->label);
	free(ev->comment_body);
	free(ev->author_association);
	free(ev->conclusion);
	free(ev->ci_app);
	free(ev->group_key);
	free(ev->alert_status);
	event_init(ev);
}

const char *event_source_str(enum event_source s)
{
	switch (s) {
	case EVENT_SRC_GITHUB: return "github";
	case EVENT_SRC_GITLAB: return "gitlab";
	case EVENT_SRC_ALERTMANAGER: return "alertmanager";
	}
	return "unknown";
}

const char *event_kind_str(enum event_kind k)
{
	switch (k) {
	case EVENT_IGNORED: return "ignored";
	case EVENT_PING: return "ping";
	case EVENT_PULL_REQUEST: return "pull_request";
	case EVENT_COMMENT: return "comment";
	case EVENT_ISSUE: return "issue";
	case EVENT_CI: return "ci";
	case EVENT_ALERT: return "alert";
	case EVENT_PUSH: return "push";
	}
	return "unknown";
}

const char *event_action_str(enum event_action a)
{
	switch (a) {
	case EVENT_ACT_NONE: return "none";
	case EVENT_ACT_OPENED: return "opened";
	case EVENT_ACT_SYNCHRONIZED: return "synchronized";
	case EVENT_ACT_REOPENED: return "reopened";
	case EVENT_ACT_READY: return "ready";
	case EVENT_ACT_TO_DRAFT: return "to_draft";
	case EVENT_ACT_CLOSED: return "closed";
	case EVENT_ACT_MERGED: return "merged";
	case EVENT_ACT_EDITED: return "edited";
	case EVENT_ACT_LABELED: return "labeled";
	case EVENT_ACT_UNLABELED: return "unlabeled";
	case EVENT_ACT_CREATED: return "created";
	case EVENT_ACT_COMPLETED: return "completed";
	case EVENT_ACT_OTHER: return "other";
	}
	return "unknown";
}
