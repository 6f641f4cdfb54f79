/*
 * event.h - one normalized event from any webhook sender.
 *
 * webhooks/ turns a delivery (headers + raw body) from GitHub, GitLab or
 * Prometheus Alertmanager into a `struct event`: first it authenticates the
 * raw bytes (verify.c), then it parses the JSON and keeps only what routing
 * and the agents need to decide (github.c, gitlab.c, alertmanager.c).  The
 * raw body is stored with the delivery; agents re-read details from it.
 *
 * Events forgebot does not consume normalize to EVENT_IGNORED without error:
 * they are acknowledged (2xx) and dropped.  A malformed body for an event
 * forgebot does consume is FB_EINVAL with a message naming the field.
 *
 * All strings are owned by the event (event_release frees them) and are
 * NULL when the payload lacks them.
 */
#ifndef FB_WEBHOOKS_EVENT_H
#define FB_WEBHOOKS_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "../bot/core/err.h"

enum event_source { EVENT_SRC_GITHUB, EVENT_SRC_GITLAB, EVENT_SRC_ALERTMANAGER };

enum event_kind {
	EVENT_IGNORED,       /* acknowledged, nothing to do */
	EVENT_PING,          /* GitHub ping: answered, nothing stored */
	EVENT_PULL_REQUEST,  /* GitHub pull_request, GitLab merge_request */
	EVENT_COMMENT,       /* GitHub issue_comment, GitLab note (on an issue or MR) */
	EVENT_ISSUE,         /* GitHub issues, GitLab issue */
	EVENT_CI,            /* workflow_run/_job, check_run/_suite, GitLab pipeline/build */
	EVENT_ALERT,         /* an Alertmanager notification */
	EVENT_PUSH,          /* GitHub/GitLab push */
};

enum event_action {
	EVENT_ACT_NONE,
	EVENT_ACT_OPENED,        /* PR/MR/issue opened */
	EVENT_ACT_SYNCHRONIZED,  /* new commits pushed to a PR/MR (GitLab: update with oldrev) */
	EVENT_ACT_REOPENED,
	EVENT_ACT_READY,         /* ready_for_review (a draft became ready) */
	EVENT_ACT_TO_DRAFT,      /* converted_to_draft */
	EVENT_ACT_CLOSED,        /* closed without merging */
	EVENT_ACT_MERGED,
	EVENT_ACT_EDITED,        /* metadata only (title, description, GitLab update without oldrev) */
	EVENT_ACT_LABELED,
	EVENT_ACT_UNLABELED,
	EVENT_ACT_CREATED,       /* a comment created */
	EVENT_ACT_COMPLETED,     /* a CI run/job/pipeline finished */
	EVENT_ACT_OTHER,         /* an action forgebot does not act on */
};

struct event {
	enum event_source source;
	enum event_kind kind;
	enum event_action action;
	char *name;              /* the sender's event name: "pull_request", "Merge Request Hook" */
	char *action_raw;        /* the sender's action string, or NULL */
	char *delivery_id;       /* dedupe key (see webhooks.h) */

	/* Where: GitHub "owner/name"; GitLab "group/project" with its id. */
	char *repo;
	long long project_id;    /* GitLab */
	long long installation_id; /* GitHub App installation, 0 when absent */
	char *instance_url;      /* GitLab X-Gitlab-Instance / GitHub GHES base, or NULL */

	/* Who caused it. */
	char *sender;            /* login / username */
	bool sender_is_bot;      /* GitHub sender.type == "Bot" */

	/* The pull/merge request or issue. */
	long number;             /* PR number / MR iid / issue number or iid; 0 when none */
	bool is_pr;              /* a comment or issue event about a PR/MR */
	bool draft;
	char *head_sha, *base_sha;
	char *head_ref, *base_ref;
	char *title;
	char *label;             /* labeled/unlabeled: the label's name */

	/* Comments. */
	long long comment_id;
	char *comment_body;
	char *author_association; /* GitHub: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR... */

	/* CI. */
	long long run_id;        /* workflow run / check suite / GitLab pipeline */
	long long job_id;        /* workflow job / check run / GitLab build */
	char *conclusion;        /* success, failure, ... (GitLab status: failed, success...) */
	bool ci_failed;          /* the conclusion is a failure of the code, not a cancel/skip */
	char *ci_app;            /* GitHub check runs/suites: the app that ran it ("github-actions") */

	/* Alertmanager. */
	char *group_key;
	char *alert_status;      /* "firing" or "resolved" (the group's) */
	size_t alerts;           /* alerts in this notification */
	size_t alerts_firing;
};

void event_init(struct event *ev);
void event_release(struct event *ev);

const char *event_source_str(enum event_source s);  /* "github", "gitlab", "alertmanager" */
const char *event_kind_str(enum event_kind k);      /* "pull_request", "comment", ... */
const char *event_action_str(enum event_action a);  /* "opened", "synchronized", ... */

#endif
