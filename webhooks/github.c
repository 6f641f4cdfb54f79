/*
 * github.c - a GitHub webhook body (X-GitHub-Event + JSON) as a struct event.
 *
 * One table row per event forgebot consumes: its kind, the actions that
 * matter (NULL: the event has none) and a fill function that reads that
 * event's fields.  An event or action not in the table normalizes to
 * EVENT_IGNORED, still with the fields every event shares (repository,
 * installation, sender), which logs use.  Fill functions require only what
 * forgebot cannot act without (the PR number and head, a comment's id and
 * body, a run's id and head commit...) and read the rest leniently.
 *
 * Mapping: pull_request -> PULL_REQUEST; issue_comment created -> COMMENT
 * (is_pr when issue.pull_request is present); issues opened / labeled /
 * unlabeled -> ISSUE; workflow_run, workflow_job, check_run, check_suite
 * completed -> CI; push -> PUSH; ping -> PING.
 */
#include "webhooks_priv.h"

#include <limits.h>
#include <string.h>

struct gh_action {
	const char *name;
	enum event_action action;
};

struct gh_event {
	const char *name;
	enum event_kind kind;
	const struct gh_action *actions; /* NULL-terminated; NULL: no action */
	int (*fill)(struct event *ev, const json_t *root, struct fb_error *err);
};

static const struct gh_action pr_actions[] = {
	{ "opened", EVENT_ACT_OPENED },
	{ "synchronize", EVENT_ACT_SYNCHRONIZED },
	{ "reopened", EVENT_ACT_REOPENED },
	{ "ready_for_review", EVENT_ACT_READY },
	{ "converted_to_draft", EVENT_ACT_TO_DRAFT },
	{ "closed", EVENT_ACT_CLOSED }, /* MERGED when pull_request.merged */
	{ "edited", EVENT_ACT_EDITED },
	{ "labeled", EVENT_ACT_LABELED },
	{ NULL, EVENT_ACT_NONE },
};

static const struct gh_action comment_actions[] = {
	{ "created", EVENT_ACT_CREATED },
	{ NULL, EVENT_ACT_NONE },
};

static const struct gh_action issue_actions[] = {
	{ "opened", EVENT_ACT_OPENED },
	{ "labeled", EVENT_ACT_LABELED },
	{ "unlabeled", EVENT_ACT_UNLABELED },
	{ NULL, EVENT_ACT_NONE },
};

static const struct gh_action completed[] = {
	{ "completed", EVENT_ACT_COMPLETED },
	{ NULL, EVENT_ACT_NONE },
};

static bool failed_conclusion(const char *c)
{
	return c && (strcmp(c, "failure") == 0 || strcmp(c, "timed_out") == 0);
}

/* The first linked pull request of a CI event, when there is one. */
static int first_pr(struct event *ev, const json_t *prs, struct fb_error *err)
{
	long long n = webhooks_json_int(prs, "0.number");
	int rc;

	if (n <= 0 || n > LONG_MAX)
		return 0;
	ev->number = (long)n;
	if ((rc = webhooks_copy(&ev->base_ref, prs, "0.base.ref", err)) != 0)
		return rc;
	return webhooks_copy(&ev->base_sha, prs, "0.base.sha", err);
}

static int fill_pr(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if (webhooks_json_int(root, "number") > 0)
		rc = webhooks_need_number(&ev->number, root, "number", ev, err);
	else
		rc = webhooks_need_number(&ev->number, root, "pull_request.number", ev, err);
	if (rc || (rc = webhooks_need_str(&ev->head_sha, root, "pull_request.head.sha", ev, err)) ||
	    (rc = webhooks_need_str(&ev->head_ref, root, "pull_request.head.ref", ev, err)) ||
	    (rc = webhooks_need_str(&ev->base_ref, root, "pull_request.base.ref", ev, err)) ||
	    (rc = webhooks_copy(&ev->base_sha, root, "pull_request.base.sha", err)) ||
	    (rc = webhooks_copy(&ev->title, root, "pull_request.title", err)))
		return rc;
	ev->draft = webhooks_json_bool(root, "pull_request.draft");
	ev->is_pr = true;
	if (ev->action == EVENT_ACT_CLOSED && webhooks_json_bool(root, "pull_request.merged"))
		ev->action = EVENT_ACT_MERGED;
	if (ev->action == EVENT_ACT_LABELED)
		return webhooks_need_str(&ev->label, root, "label.name", ev, err);
	return 0;
}

static int fill_comment(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if ((rc = webhooks_need_number(&ev->number, root, "issue.number", ev, err)) ||
	    (rc = webhooks_need_id(&ev->comment_id, root, "comment.id", ev, err)) ||
	    (rc = webhooks_need_str(&ev->comment_body, root, "comment.body", ev, err)) ||
	    (rc = webhooks_copy(&ev->author_association, root, "comment.author_association", err)) ||
	    (rc = webhooks_copy(&ev->title, root, "issue.title", err)))
		return rc;
	ev->is_pr = webhooks_json_at(root, "issue.pull_request") != NULL;
	return 0;
}

static int fill_issue(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if ((rc = webhooks_need_number(&ev->number, root, "issue.number", ev, err)) ||
	    (rc = webhooks_copy(&ev->title, root, "issue.title", err)))
		return rc;
	ev->is_pr = webhooks_json_at(root, "issue.pull_request") != NULL;
	if (ev->action == EVENT_ACT_LABELED || ev->action == EVENT_ACT_UNLABELED)
		return webhooks_need_str(&ev->label, root, "label.name", ev, err);
	return 0;
}

static int fill_workflow_run(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if ((rc = webhooks_need_id(&ev->run_id, root, "workflow_run.id", ev, err)) ||
	    (rc = webhooks_need_str(&ev->head_sha, root, "workflow_run.head_sha", ev, err)) ||
	    (rc = webhooks_copy(&ev->head_ref, root, "workflow_run.head_branch", err)) ||
	    (rc = webhooks_copy(&ev->conclusion, root, "workflow_run.conclusion", err)) ||
	    (rc = webhooks_copy(&ev->title, root, "workflow_run.name", err)))
		return rc;
	ev->ci_failed = failed_conclusion(ev->conclusion);
	return first_pr(ev, webhooks_json_at(root, "workflow_run.pull_requests"), err);
}

static int fill_workflow_job(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if ((rc = webhooks_need_id(&ev->job_id, root, "workflow_job.id", ev, err)) ||
	    (rc = webhooks_need_id(&ev->run_id, root, "workflow_job.run_id", ev, err)) ||
	    (rc = webhooks_need_str(&ev->head_sha, root, "workflow_job.head_sha", ev, err)) ||
	    (rc = webhooks_copy(&ev->head_ref, root, "workflow_job.head_branch", err)) ||
	    (rc = webhooks_copy(&ev->conclusion, root, "workflow_job.conclusion", err)) ||
	    (rc = webhooks_copy(&ev->title, root, "workflow_job.name", err)))
		return rc;
	ev->ci_failed = failed_conclusion(ev->conclusion);
	return 0;
}

static int fill_check_run(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if ((rc = webhooks_need_id(&ev->job_id, root, "check_run.id", ev, err)) ||
	    (rc = webhooks_need_str(&ev->head_sha, root, "check_run.head_sha", ev, err)) ||
	    (rc = webhooks_copy(&ev->head_ref, root, "check_run.check_suite.head_branch", err)) ||
	    (rc = webhooks_copy(&ev->conclusion, root, "check_run.conclusion", err)) ||
	    (rc = webhooks_copy(&ev->title, root, "check_run.name", err)) ||
	    (rc = webhooks_copy(&ev->ci_app, root, "check_run.app.slug", err)))
		return rc;
	ev->run_id = webhooks_json_int(root, "check_run.check_suite.id");
	ev->ci_failed = failed_conclusion(ev->conclusion);
	return first_pr(ev, webhooks_json_at(root, "check_run.pull_requests"), err);
}

static int fill_check_suite(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if ((rc = webhooks_need_id(&ev->run_id, root, "check_suite.id", ev, err)) ||
	    (rc = webhooks_need_str(&ev->head_sha, root, "check_suite.head_sha", ev, err)) ||
	    (rc = webhooks_copy(&ev->head_ref, root, "check_suite.head_branch", err)) ||
	    (rc = webhooks_copy(&ev->conclusion, root, "check_suite.conclusion", err)))
		return rc;
	ev->ci_failed = failed_conclusion(ev->conclusion);
	return first_pr(ev, webhooks_json_at(root, "check_suite.pull_requests"), err);
}

static int fill_push(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	if ((rc = webhooks_need_str(&ev->head_sha, root, "after", ev, err)) ||
	    (rc = webhooks_need_str(&ev->head_ref, root, "ref", ev, err)))
		return rc;
	return webhooks_copy(&ev->base_sha, root, "before", err);
}

static const struct gh_event events[] = {
	{ "ping", EVENT_PING, NULL, NULL },
	{ "pull_request", EVENT_PULL_REQUEST, pr_actions, fill_pr },
	{ "issue_comment", EVENT_COMMENT, comment_actions, fill_comment },
	{ "issues", EVENT_ISSUE, issue_actions, fill_issue },
	{ "workflow_run", EVENT_CI, completed, fill_workflow_run },
	{ "workflow_job", EVENT_CI, completed, fill_workflow_job },
	{ "check_run", EVENT_CI, completed, fill_check_run },
	{ "check_suite", EVENT_CI, completed, fill_check_suite },
	{ "push", EVENT_PUSH, NULL, fill_push },
};

/* The row for `name` and, through *action, the action's meaning; NULL when
 * forgebot does not consume this event or this action of it. */
static const struct gh_event *find(const char *name, const char *action_raw,
				   enum event_action *action)
{
	const struct gh_action *a;

	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
		if (strcmp(events[i].name, name) != 0)
			continue;
		*action = EVENT_ACT_NONE;
		if (!events[i].actions)
			return &events[i];
		for (a = events[i].actions; a->name && action_raw; a++) {
			if (strcmp(a->name, action_raw) == 0) {
				*action = a->action;
				return &events[i];
			}
		}
		return NULL;
	}
	return NULL;
}

/* What every event carries: where, who, which installation. */
static int common(struct event *ev, const json_t *root, struct fb_error *err)
{
	const char *type;
	int rc;

	if ((rc = webhooks_copy(&ev->action_raw, root, "action", err)) ||
	    (rc = webhooks_copy(&ev->repo, root, "repository.full_name", err)) ||
	    (rc = webhooks_copy(&ev->sender, root, "sender.login", err)))
		return rc;
	ev->installation_id = webhooks_json_int(root, "installation.id");
	type = webhooks_json_str(root, "sender.type");
	ev->sender_is_bot = type && strcmp(type, "Bot") == 0;
	return 0;
}

int webhooks_github_normalize(struct event *ev, const char *event_name, const json_t *root,
			      struct fb_error *err)
{
	const struct gh_event *e;
	enum event_action action = EVENT_ACT_NONE;
	int rc;

	if (!event_name || !event_name[0])
		return fb_error_set(err, FB_EINVAL, "github: missing X-GitHub-Event header");
	if ((rc = webhooks_set(&ev->name, event_name, err)) || (rc = common(ev, root, err)))
		return rc;
	e = find(event_name, ev->action_raw, &action);
	if (!e)
		return 0; /* EVENT_IGNORED */
	ev->kind = e->kind;
	ev->action = action;
	if (!e->fill)
		return 0;
	if ((rc = webhooks_need_str(&ev->repo, root, "repository.full_name", ev, err)))
		return rc;
	return e->fill(ev, root, err);
}
