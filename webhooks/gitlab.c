/*
 * gitlab.c - a GitLab webhook body as a struct event.
 *
 * GitLab's body names its own kind (`object_kind`), so dispatch is on the
 * body; the X-Gitlab-Event header is only a cross-check: a header naming
 * one consumed kind on a body of another ("Merge Request Hook" carrying a
 * note) is refused.  Headers this file does not know ("System Hook",
 * "Service Hook", newer ones) are not checked, and body kinds it does not
 * know ("work_item", "deployment") are ignored.
 *
 * Mapping: merge_request -> PULL_REQUEST (update with oldrev = new commits,
 * SYNCHRONIZED; without, EDITED; approvals and the like, OTHER); note on an
 * MR or issue -> COMMENT (system notes and notes on commits or snippets
 * ignored); issue -> ISSUE (an update that adds a label is LABELED);
 * pipeline and build (Job Hook) -> CI, COMPLETED once in a final status;
 * push -> PUSH.  Required fields are enforced only for actions forgebot
 * acts on; an OTHER action is read leniently and then ignored.
 */
#include "webhooks_priv.h"

#include <limits.h>
#include <string.h>

struct gl_header {
	const char *header;
	const char *object_kind;
};

/* X-Gitlab-Event values and the object_kind each announces. */
static const struct gl_header headers[] = {
	{ "Merge Request Hook", "merge_request" },
	{ "Note Hook", "note" },
	{ "Confidential Note Hook", "note" },
	{ "Issue Hook", "issue" },
	{ "Confidential Issue Hook", "issue" },
	{ "Pipeline Hook", "pipeline" },
	{ "Job Hook", "build" },
	{ "Build Hook", "build" },
	{ "Push Hook", "push" },
	{ "Tag Push Hook", "tag_push" },
};

#define NHEADERS (sizeof headers / sizeof headers[0])

static const char *header_kind(const char *header)
{
	for (size_t i = 0; header && i < NHEADERS; i++)
		if (strcmp(headers[i].header, header) == 0)
			return headers[i].object_kind;
	return NULL;
}

static bool known_kind(const char *kind)
{
	for (size_t i = 0; i < NHEADERS; i++)
		if (strcmp(headers[i].object_kind, kind) == 0)
			return true;
	return false;
}

/* A string field, required or not. */
static int str_field(char **dst, const json_t *root, const char *path, bool need,
		     const struct event *ev, struct fb_error *err)
{
	return need ? webhooks_need_str(dst, root, path, ev, err)
		    : webhooks_copy(dst, root, path, err);
}

/* A number (MR or issue iid), required or not. */
static int num_field(long *dst, const json_t *root, const char *path, bool need,
		     const struct event *ev, struct fb_error *err)
{
	long long v;

	if (need)
		return webhooks_need_number(dst, root, path, ev, err);
	v = webhooks_json_int(root, path);
	*dst = v > 0 && v <= LONG_MAX ? (long)v : 0;
	return 0;
}

static bool is(const char *s, const char *want)
{
	return s && strcmp(s, want) == 0;
}

static enum event_action mr_action(const char *a, const json_t *root)
{
	const char *oldrev = webhooks_json_str(root, "object_attributes.oldrev");

	if (is(a, "open"))
		return EVENT_ACT_OPENED;
	if (is(a, "reopen"))
		return EVENT_ACT_REOPENED;
	if (is(a, "close"))
		return EVENT_ACT_CLOSED;
	if (is(a, "merge"))
		return EVENT_ACT_MERGED;
	if (is(a, "update"))
		return oldrev && oldrev[0] ? EVENT_ACT_SYNCHRONIZED : EVENT_ACT_EDITED;
	return EVENT_ACT_OTHER; /* approved, unapproved, approval, unapproval... */
}

static int fill_mr(struct event *ev, const json_t *root, struct fb_error *err)
{
	bool act, head;
	int rc;

	ev->kind = EVENT_PULL_REQUEST;
	ev->is_pr = true;
	ev->action = mr_action(ev->action_raw, root);
	/* Reviewing needs the number and the head; a merge, close or edit
	 * makes no job, so a payload without them still normalizes (go-gitlab's
	 * group_merge_request.json has mangled keys and no iid at all). */
	head = ev->action == EVENT_ACT_OPENED || ev->action == EVENT_ACT_REOPENED ||
	       ev->action == EVENT_ACT_SYNCHRONIZED;
	act = head;
	if ((rc = num_field(&ev->number, root, "object_attributes.iid", act, ev, err)) ||
	    (rc = str_field(&ev->head_sha, root, "object_attributes.last_commit.id", head, ev, err)) ||
	    (rc = str_field(&ev->head_ref, root, "object_attributes.source_branch", head, ev, err)) ||
	    (rc = str_field(&ev->base_ref, root, "object_attributes.target_branch", head, ev, err)) ||
	    (rc = webhooks_copy(&ev->title, root, "object_attributes.title", err)))
		return rc;
	ev->draft = webhooks_json_bool(root, "object_attributes.draft") ||
		    webhooks_json_bool(root, "object_attributes.work_in_progress");
	return 0;
}

/* The merge request a note is on: number and what a reply needs. */
static int note_on_mr(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	ev->is_pr = true;
	if ((rc = webhooks_need_number(&ev->number, root, "merge_request.iid", ev, err)) ||
	    (rc = webhooks_copy(&ev->head_sha, root, "merge_request.last_commit.id", err)) ||
	    (rc = webhooks_copy(&ev->head_ref, root, "merge_request.source_branch", err)) ||
	    (rc = webhooks_copy(&ev->base_ref, root, "merge_request.target_branch", err)) ||
	    (rc = webhooks_copy(&ev->title, root, "merge_request.title", err)))
		return rc;
	ev->draft = webhooks_json_bool(root, "merge_request.draft") ||
		    webhooks_json_bool(root, "merge_request.work_in_progress");
	return 0;
}

static int fill_note(struct event *ev, const json_t *root, struct fb_error *err)
{
	const char *type = webhooks_json_str(root, "object_attributes.noteable_type");
	int rc;

	/* GitLab's own notes ("added 1 commit"), and edits of a note (newer
	 * GitLab sends action "update"): slash commands run once. */
	if (webhooks_json_bool(root, "object_attributes.system") ||
	    (ev->action_raw && !is(ev->action_raw, "create")))
		return 0;
	if (!is(type, "MergeRequest") && !is(type, "Issue"))
		return 0; /* Commit, Snippet: nothing to do */
	ev->kind = EVENT_COMMENT;
	ev->action = EVENT_ACT_CREATED;
	if (is(type, "MergeRequest"))
		rc = note_on_mr(ev, root, err);
	else if ((rc = webhooks_need_number(&ev->number, root, "issue.iid", ev, err)) == 0)
		rc = webhooks_copy(&ev->title, root, "issue.title", err);
	if (rc || (rc = webhooks_need_id(&ev->comment_id, root, "object_attributes.id", ev, err)))
		return rc;
	return webhooks_need_str(&ev->comment_body, root, "object_attributes.note", ev, err);
}

/* The title of the first label in `a` whose title is not in `b`. */
static const char *label_not_in(const json_t *a, const json_t *b)
{
	size_t i, j;

	for (i = 0; json_is_array(a) && i < json_array_size(a); i++) {
		const char *t = webhooks_json_str(json_array_get(a, i), "title");
		bool found = false;
		for (j = 0; t && json_is_array(b) && j < json_array_size(b); j++)
			found |= is(webhooks_json_str(json_array_get(b, j), "title"), t);
		if (t && !found)
			return t;
	}
	return NULL;
}

static int fill_issue(struct event *ev, const json_t *root, struct fb_error *err)
{
	const json_t *prev = webhooks_json_at(root, "changes.labels.previous");
	const json_t *cur = webhooks_json_at(root, "changes.labels.current");
	const char *a = ev->action_raw, *added, *removed;
	int rc;

	ev->kind = EVENT_ISSUE;
	if (is(a, "open")) {
		ev->action = EVENT_ACT_OPENED;
	} else if (is(a, "reopen")) {
		ev->action = EVENT_ACT_REOPENED;
	} else if (is(a, "close")) {
		ev->action = EVENT_ACT_CLOSED;
	} else if (is(a, "update")) {
		added = label_not_in(cur, prev);
		removed = added ? NULL : label_not_in(prev, cur);
		ev->action = added ? EVENT_ACT_LABELED
				   : removed ? EVENT_ACT_UNLABELED : EVENT_ACT_EDITED;
		if ((rc = webhooks_set(&ev->label, added ? added : removed, err)))
			return rc;
	} else {
		ev->action = EVENT_ACT_OTHER;
	}
	if ((rc = num_field(&ev->number, root, "object_attributes.iid",
			    ev->action != EVENT_ACT_OTHER, ev, err)))
		return rc;
	return webhooks_copy(&ev->title, root, "object_attributes.title", err);
}

/* GitLab's final pipeline and job statuses. */
static bool final_status(const char *s)
{
	return is(s, "success") || is(s, "failed") || is(s, "canceled") || is(s, "skipped");
}

static int fill_pipeline(struct event *ev, const json_t *root, struct fb_error *err)
{
	bool act;
	int rc;

	ev->kind = EVENT_CI;
	if ((rc = webhooks_copy(&ev->conclusion, root, "object_attributes.status", err)))
		return rc;
	ev->action = final_status(ev->conclusion) ? EVENT_ACT_COMPLETED : EVENT_ACT_OTHER;
	act = ev->action == EVENT_ACT_COMPLETED;
	ev->ci_failed = is(ev->conclusion, "failed");
	ev->run_id = webhooks_json_int(root, "object_attributes.id");
	if ((act && (rc = webhooks_need_id(&ev->run_id, root, "object_attributes.id", ev, err))) ||
	    (rc = str_field(&ev->head_sha, root, "object_attributes.sha", act, ev, err)) ||
	    (rc = webhooks_copy(&ev->head_ref, root, "object_attributes.ref", err)) ||
	    (rc = webhooks_copy(&ev->base_ref, root, "merge_request.target_branch", err)))
		return rc;
	return num_field(&ev->number, root, "merge_request.iid", false, ev, err);
}

static int fill_build(struct event *ev, const json_t *root, struct fb_error *err)
{
	bool act;
	int rc;

	ev->kind = EVENT_CI;
	if ((rc = webhooks_copy(&ev->conclusion, root, "build_status", err)))
		return rc;
	ev->action = final_status(ev->conclusion) ? EVENT_ACT_COMPLETED : EVENT_ACT_OTHER;
	act = ev->action == EVENT_ACT_COMPLETED;
	ev->ci_failed = is(ev->conclusion, "failed");
	ev->job_id = webhooks_json_int(root, "build_id");
	ev->run_id = webhooks_json_int(root, "pipeline_id");
	if ((act && (rc = webhooks_need_id(&ev->job_id, root, "build_id", ev, err))) ||
	    (act && (rc = webhooks_need_id(&ev->run_id, root, "pipeline_id", ev, err))) ||
	    (rc = str_field(&ev->head_sha, root, "sha", act, ev, err)) ||
	    (rc = webhooks_copy(&ev->head_ref, root, "ref", err)))
		return rc;
	return webhooks_copy(&ev->title, root, "build_name", err);
}

static int fill_push(struct event *ev, const json_t *root, struct fb_error *err)
{
	int rc;

	ev->kind = EVENT_PUSH;
	if ((rc = webhooks_need_str(&ev->head_sha, root, "after", ev, err)) ||
	    (rc = webhooks_need_str(&ev->head_ref, root, "ref", ev, err)))
		return rc;
	return webhooks_copy(&ev->base_sha, root, "before", err);
}

struct gl_kind {
	const char *object_kind;
	int (*fill)(struct event *ev, const json_t *root, struct fb_error *err);
};

static const struct gl_kind kinds[] = {
	{ "merge_request", fill_mr },
	{ "note", fill_note },
	{ "issue", fill_issue },
	{ "pipeline", fill_pipeline },
	{ "build", fill_build },
	{ "push", fill_push },
};

/* Where and who; the project is required of the events forgebot uses. */
static int common(struct event *ev, const json_t *root, struct fb_error *err)
{
	const char *user = webhooks_json_str(root, "user.username");
	int rc;

	if ((rc = webhooks_copy(&ev->repo, root, "project.path_with_namespace", err)) ||
	    (rc = webhooks_set(&ev->sender, user ? user : webhooks_json_str(root, "user_username"),
			       err)))
		return rc;
	ev->project_id = webhooks_json_int(root, "project.id");
	if (ev->project_id <= 0)
		ev->project_id = webhooks_json_int(root, "project_id");
	return 0;
}

int webhooks_gitlab_normalize(struct event *ev, const char *event_name, const json_t *root,
			      struct fb_error *err)
{
	const char *kind = webhooks_json_str(root, "object_kind");
	const char *hkind = header_kind(event_name);
	char what[160], h[48], k[48];
	int rc;

	if ((rc = webhooks_set(&ev->name, event_name ? event_name : kind, err)) ||
	    (rc = common(ev, root, err)))
		return rc;
	if (!kind)
		return hkind && strcmp(hkind, "tag_push") != 0
			       ? webhooks_invalid(ev, err, "missing or invalid field 'object_kind'")
			       : 0;
	if (hkind && known_kind(kind) && strcmp(hkind, kind) != 0) {
		webhooks_printable(h, sizeof h, event_name);
		webhooks_printable(k, sizeof k, kind);
		snprintf(what, sizeof what, "X-Gitlab-Event '%s' does not match object_kind '%s'", h,
			 k);
		return webhooks_invalid(ev, err, what);
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (strcmp(kinds[i].object_kind, kind) != 0)
			continue;
		if ((rc = webhooks_copy(&ev->action_raw, root, "object_attributes.action", err)) ||
		    (rc = kinds[i].fill(ev, root, err)))
			return rc;
		/* Acting on an event needs its project; a merge, close or edit
		 * makes no job and may go without. */
		if (ev->kind != EVENT_IGNORED && ev->action != EVENT_ACT_OTHER &&
		    ev->action != EVENT_ACT_MERGED && ev->action != EVENT_ACT_CLOSED &&
		    ev->action != EVENT_ACT_EDITED && ev->project_id <= 0)
			return webhooks_invalid(ev, err, "missing or invalid field 'project.id' (or "
						"'project_id')");
		return 0;
	}
	return 0; /* tag_push, deployment, release, wiki_page...: ignored */
}
