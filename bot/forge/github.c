/*
 * github.c - the GitHub REST implementation of forge.h.
 *
 * Every operation is one or a few calls through forge_call (forge.c), which
 * adds the media and auth headers, retries, and turns a non-2xx answer into
 * an FB_E* code with a message; forge_paginate follows Link rel="next".
 * What is GitHub-specific lives here: the endpoints and JSON shapes (see
 * shared/reference/forge-apis.md), batching review comments 30 to a review
 * with a one-at-a-time fallback when GitHub rejects a batch, check-run
 * annotations 50 to a request, and the GitHub App flow.
 *
 * Authentication, the GitHub App flow included, is in github_auth.c.
 *
 * Request bodies are built with jansson.  Strings we send pass through
 * forge_json_str(), which replaces bytes that are not UTF-8 (a Latin-1 source line in
 * a comment, say) with U+FFFD, since jansson refuses such strings; so a NULL
 * from a JSON builder here means out of memory.
 */
#include "forge_priv.h"
#include "github_priv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/crypto.h"

#define GH_REVIEW_BATCH 30              /* comments per review (reviewdog's figure) */
#define GH_ANNOTATIONS_PER_CALL 50      /* GitHub's limit per check-run request */
#define GH_MAX_FILES 3000               /* GitHub lists at most 3,000 files of a PR */
#define GH_STATUS_DESC_MAX 140          /* bytes; GitHub allows 140 characters */
#define GH_CHECK_TEXT_MAX 65535         /* bytes; GitHub allows 65,535 characters */
#define GH_SARIF_GZ_MAX ((size_t)10 << 20)    /* GitHub's limit on the gzipped SARIF */
#define GH_JOB_LOG_FETCH_MAX ((size_t)128 << 20) /* largest log we download to cut */

/* Zero-initialized: JSON in and out. */
static const struct forge_call_opts json_call;

/* ---- strings and JSON ---- */

/* ---- calls ---- */

/* {"body": body}; NULL when out of memory. */
static json_t *body_json(const char *body)
{
	json_t *o = json_object();

	if (o && json_object_set_new(o, "body", forge_json_str(body)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- pull requests ---- */

static int pr_fill(struct forge_pr *out, const json_t *pr, const char *what,
		   struct fb_error *err)
{
	const json_t *head = json_object_get(pr, "head"), *base = json_object_get(pr, "base");
	const char *head_repo = forge_jstr(json_object_get(head, "repo"), "full_name");
	const char *base_repo = forge_jstr(json_object_get(base, "repo"), "full_name");
	const char *state = forge_jstr(pr, "state");

	if (forge_jstr(head, "sha") == NULL || forge_jstr(base, "sha") == NULL)
		return fb_error_set(err, FB_EINTERNAL, "GitHub GET %s: the answer has no head/base sha",
				    what);
	if (forge_dup_field(&out->title, pr, "title") < 0 || forge_dup_field(&out->head_sha, head, "sha") < 0 ||
	    forge_dup_field(&out->base_sha, base, "sha") < 0 ||
	    forge_dup_field(&out->start_sha, base, "sha") < 0 ||
	    forge_dup_field(&out->head_ref, head, "ref") < 0 ||
	    forge_dup_field(&out->base_ref, base, "ref") < 0 ||
	    forge_dup_field(&out->head_repo, json_object_get(head, "repo"), "full_name") < 0 ||
	    forge_dup_field(&out->web_url, pr, "html_url") < 0 ||
	    forge_dup_field(&out->author, json_object_get(pr, "user"), "login") < 0)
		return forge_oom(err);
	if (forge_jint(pr, "number") > 0)
		out->number = (long)forge_jint(pr, "number");
	out->draft = forge_jbool(pr, "draft");
	out->open = state && strcmp(state, "open") == 0;
	/* A deleted head repository (null) counts as a fork: trust it less. */
	out->fork = head_repo == NULL || base_repo == NULL || strcmp(head_repo, base_repo) != 0;
	return 0;
}

/* In dry-run mode nothing is read: only out->number is set. */
static int pr_get(struct forge *f, long number, struct forge_pr *out, struct fb_error *err)
{
	struct forge_reply r;
	char *path = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	out->number = number;
	forge_reply_init(&r);
	if (!(path = forge_strf("%s/pulls/%ld", f->repo_path, number))) {
		rc = forge_oom(err);
		goto out;
	}
	if ((rc = forge_call(f, "GET", path, NULL, &json_call, &r, err)) < 0)
		goto out;
	if (r.json)
		rc = pr_fill(out, r.json, path, err);
out:
	if (rc < 0)
		forge_pr_release(out);
	forge_reply_release(&r);
	free(path);
	return rc;
}

/* The diff is appended to `out` within its limit (FB_ELIMIT past it). */
static int pr_diff(struct forge *f, long number, struct buf *out, struct fb_error *err)
{
	const struct forge_call_opts o = { .accept = "application/vnd.github.v3.diff", .raw = true };
	struct forge_reply r;
	char *path = NULL;
	int rc;

	forge_reply_init(&r);
	if (!(path = forge_strf("%s/pulls/%ld", f->repo_path, number))) {
		rc = forge_oom(err);
		goto out;
	}
	/* A 406 (diff too large) comes back as FB_ELIMIT with forge_call's message. */
	if ((rc = forge_call(f, "GET", path, NULL, &o, &r, err)) < 0)
		goto out;
	if ((rc = buf_append(out, buf_cstr(&r.http.body), r.http.body.len)) < 0)
		rc = rc == FB_ELIMIT ? fb_error_set(err, rc, "GitHub pull request %ld: the diff is "
						    "larger than %zu bytes", number, out->max)
				     : forge_oom(err);
out:
	forge_reply_release(&r);
	free(path);
	return rc;
}

/* A walk over pages: the caller's callback and what it last returned. */
struct walk {
	forge_file_cb file_cb;
	forge_comment_cb comment_cb;
	enum forge_comment_kind kind;
	void *payload;
	int rc;
};

/* Follow every page of `path` (owned), then return the callback's stop
 * code if it gave one, else forge_paginate's. */
static int walk_pages(struct forge *f, char *path, size_t max, forge_item_cb cb, struct walk *w,
		      struct fb_error *err)
{
	int rc;

	if (path == NULL)
		return forge_oom(err);
	rc = forge_paginate(f, path, max, cb, w, err);
	free(path);
	return w->rc != 0 ? w->rc : rc;
}

static enum forge_file_status file_status(const char *s)
{
	static const struct {
		const char *name;
		enum forge_file_status status;
	} map[] = {
		{ "added", FORGE_FILE_ADDED },     { "modified", FORGE_FILE_MODIFIED },
		{ "removed", FORGE_FILE_REMOVED }, { "renamed", FORGE_FILE_RENAMED },
		{ "copied", FORGE_FILE_COPIED },
		/* "changed": mode or content changed in place, like modified. */
		{ "changed", FORGE_FILE_MODIFIED },
	};

	for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(s, map[i].name) == 0)
			return map[i].status;
	return FORGE_FILE_OTHER;
}

static int file_item(struct forge *f, json_t *item, void *payload)
{
	struct walk *w = payload;
	struct forge_file file = { 0 };

	file.path = forge_jstr(item, "filename");
	if (file.path == NULL)
		return 0; /* nothing a caller could use */
	file.old_path = forge_jstr(item, "previous_filename");
	if (file.old_path == NULL)
		file.old_path = file.path;
	file.status = file_status(forge_jstr(item, "status"));
	file.patch = forge_jstr(item, "patch");
	return w->rc = w->file_cb(&file, w->payload);
}

static int pr_files(struct forge *f, long number, forge_file_cb cb, void *payload,
		    struct fb_error *err)
{
	struct walk w = { .file_cb = cb, .payload = payload };

	return walk_pages(f, forge_strf("%s/pulls/%ld/files", f->repo_path, number), GH_MAX_FILES,
			  file_item, &w, err);
}

/* ---- comments ---- */

static int comment_item(struct forge *f, json_t *item, void *payload)
{
	struct walk *w = payload;
	struct forge_comment c = { 0 };

	c.kind = w->kind;
	c.id = forge_jint(item, "id");
	c.body = forge_jstr(item, "body");
	c.author = forge_jstr(json_object_get(item, "user"), "login");
	c.author_bot = forge_jstr(json_object_get(item, "user"), "type") &&
		       strcmp(forge_jstr(json_object_get(item, "user"), "type"), "Bot") == 0;
	c.thread_notes = 1;
	if (c.kind == FORGE_INLINE) {
		c.in_reply_to = forge_jint(item, "in_reply_to_id");
		c.path = forge_jstr(item, "path");
		/* line is null once the comment is outdated. */
		c.line = (long)forge_jint(item, "line");
		if (c.line == 0)
			c.line = (long)forge_jint(item, "original_line");
	}
	c.first_in_thread = c.in_reply_to == 0;
	if (c.body == NULL)
		c.body = "";
	if (c.author == NULL)
		c.author = ""; /* a deleted account */
	return w->rc = w->comment_cb(&c, w->payload);
}

/* Personal and OAuth tokens can read /user; Apps name themselves
 * "<slug>[bot]" (github_auth.c asks /app); integration tokens cannot ask. */
static int whoami(struct forge *f, char **out, struct fb_error *err)
{
	struct forge_reply r;
	int rc;

	if (f->auth.kind == FORGE_AUTH_GITHUB_APP)
		return github_app_login(f, out, err);
	forge_reply_init(&r);
	rc = forge_call(f, "GET", "/user", NULL, NULL, &r, err);
	if (rc == 0 && forge_jstr(r.json, "login"))
		rc = (*out = strdup(forge_jstr(r.json, "login"))) ? 0 : forge_oom(err);
	else if (rc == 0 || rc == FB_EFORBIDDEN)
		rc = fb_error_set(err, FB_ENOTFOUND, "this GitHub token cannot name its user");
	forge_reply_release(&r);
	return rc;
}

static int comments_list(struct forge *f, long number, forge_comment_cb cb, void *payload,
			 struct fb_error *err)
{
	struct walk w = { .comment_cb = cb, .payload = payload, .kind = FORGE_NOTE };
	int rc;

	rc = walk_pages(f, forge_strf("%s/issues/%ld/comments", f->repo_path, number), 0,
			comment_item, &w, err);
	if (rc != 0)
		return rc;
	w.kind = FORGE_INLINE;
	return walk_pages(f, forge_strf("%s/pulls/%ld/comments", f->repo_path, number), 0,
			  comment_item, &w, err);
}

static int note_create(struct forge *f, long number, const char *body, long long *out_id,
		       struct fb_error *err)
{
	return forge_send_json(f, "POST", forge_strf("%s/issues/%ld/comments", f->repo_path, number),
			 body_json(body), out_id, err);
}

static int note_update(struct forge *f, long number, long long id, const char *body,
		       struct fb_error *err)
{
	return forge_send_json(f, "PATCH", forge_strf("%s/issues/comments/%lld", f->repo_path, id),
			 body_json(body), NULL, err);
}

/* The comment's own URL: conversation and review comments live apart. */
static char *comment_path(const struct forge *f, const struct forge_comment *c)
{
	return forge_strf("%s/%s/comments/%lld", f->repo_path,
			  c->kind == FORGE_INLINE ? "pulls" : "issues", c->id);
}

static int comment_update(struct forge *f, long number, const struct forge_comment *c,
			  const char *body, struct fb_error *err)
{
	return forge_send_json(f, "PATCH", comment_path(f, c), body_json(body), NULL, err);
}

static int comment_delete(struct forge *f, long number, const struct forge_comment *c,
			  struct fb_error *err)
{
	return forge_send_bare(f, "DELETE", comment_path(f, c), err);
}

/* Review comments: in_reply_to the thread's first comment (GitHub does
 * not take replies to replies).  Conversation comments have no threads:
 * a new comment. */
static int comment_reply(struct forge *f, long number, const struct forge_comment *c,
			 const char *body, struct fb_error *err)
{
	/* GitHub threads are flat: a reply to a reply goes to the thread's root.
	 * The dedicated replies endpoint needs only the body. */
	long long root = c->in_reply_to ? c->in_reply_to : c->id;

	if (c->kind != FORGE_INLINE)
		return note_create(f, number, body, NULL, err);
	return forge_send_json(f, "POST", forge_strf("%s/pulls/%ld/comments/%lld/replies", f->repo_path,
					       number, root), body_json(body), NULL, err);
}

static int discussion_resolve(struct forge *f, long number, const char *discussion_id,
			      bool resolved, struct fb_error *err)
{
	return fb_error_set(err, FB_EINVAL, "GitHub's REST API cannot resolve review threads "
			    "(pull request %ld): edit the comment instead", number);
}

/* ---- reviews ---- */

/* One review comment; with `commit_sha` a stand-alone one (POST
 * /pulls/N/comments), else an element of a review's "comments". */
static json_t *inline_json(const struct forge_inline *c, const char *commit_sha)
{
	json_t *o = json_object();
	bool range = c->start_line > 0 && c->start_line < c->line;

	if (o == NULL || json_object_set_new(o, "path", forge_json_str(c->path)) < 0 ||
	    json_object_set_new(o, "line", json_integer(c->line)) < 0 ||
	    json_object_set_new(o, "side", json_string("RIGHT")) < 0 ||
	    (range && (json_object_set_new(o, "start_line", json_integer(c->start_line)) < 0 ||
		       json_object_set_new(o, "start_side", json_string("RIGHT")) < 0)) ||
	    (commit_sha && json_object_set_new(o, "commit_id", forge_json_str(commit_sha)) < 0) ||
	    json_object_set_new(o, "body", forge_json_str(c->body)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The review for comments [first, first+n), batch k (0-based) of m. */
static json_t *review_json(const struct forge_review *rv, size_t first, size_t n, size_t k,
			   size_t m)
{
	json_t *o = json_object(), *list = json_array();
	const char *text = rv->body && rv->body[0] ? rv->body : "forgebot review";
	struct buf body;
	bool ok = o && list;

	buf_init(&body, BUF_MAX_DEFAULT);
	ok = ok && buf_puts(&body, text) == 0 &&
	     (k == 0 || buf_printf(&body, " (part %zu of %zu)", k + 1, m) == 0);
	for (size_t i = first; ok && i < first + n; i++)
		ok = json_array_append_new(list, inline_json(&rv->comments[i], NULL)) == 0;
	ok = ok && (rv->commit_sha == NULL ||
		    json_object_set_new(o, "commit_id", forge_json_str(rv->commit_sha)) == 0) &&
	     json_object_set_new(o, "event", json_string("COMMENT")) == 0 &&
	     json_object_set_new(o, "body", forge_json_strn(body.ptr, body.len)) == 0;
	if (ok) {
		ok = json_object_set_new(o, "comments", list) == 0; /* steals list */
		list = NULL;
	}
	buf_release(&body);
	json_decref(list);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* After GitHub rejected a batch: each of its comments alone.  Those it
 * cannot place stay unmarked; any other failure stops. */
static int post_singly(struct forge *f, long number, const struct forge_review *rv, size_t first,
		       size_t n, bool *placed, struct fb_error *err)
{
	for (size_t i = first; i < first + n; i++) {
		const struct forge_inline *c = &rv->comments[i];
		char line[24];
		int rc;

		rc = forge_send_json(f, "POST", forge_strf("%s/pulls/%ld/comments", f->repo_path, number),
			       inline_json(c, rv->commit_sha), NULL, err);
		if (rc == 0) {
			placed[i] = true;
			continue;
		}
		if (rc != FB_EINVAL)
			return rc;
		snprintf(line, sizeof line, "%ld", c->line);
		log_write(f->lg, LOG_INFO, "GitHub could not place a review comment", "path",
			  c->path ? c->path : "", "line", line, "reason", forge_emsg(err), NULL);
	}
	return 0;
}

static int review_post(struct forge *f, long number, const struct forge_review *rv, bool *placed,
		       struct fb_error *err)
{
	size_t per = rv->batch ? rv->batch : GH_REVIEW_BATCH;
	size_t m = (rv->ncomments + per - 1) / per;
	int rc;

	for (size_t i = 0; i < rv->ncomments; i++)
		placed[i] = false;
	for (size_t k = 0; k < m; k++) {
		size_t first = k * per, n = rv->ncomments - first < per ? rv->ncomments - first : per;

		rc = forge_send_json(f, "POST", forge_strf("%s/pulls/%ld/reviews", f->repo_path, number),
			       review_json(rv, first, n, k, m), NULL, err);
		if (rc == FB_EINVAL) {
			/* 422: usually a line outside the diff, which fails the whole review. */
			log_write(f->lg, LOG_INFO, "GitHub rejected a review; posting its comments "
				  "one at a time", "reason", forge_emsg(err), NULL);
			rc = post_singly(f, number, rv, first, n, placed, err);
		} else if (rc == 0) {
			for (size_t i = first; i < first + n; i++)
				placed[i] = true;
		}
		if (rc < 0)
			return rc;
	}
	fb_error_clear(err);
	return 0;
}

/* ---- statuses, checks, code scanning ---- */

static int status_set(struct forge *f, const struct forge_status *st, struct fb_error *err)
{
	json_t *o;

	if (st->sha == NULL)
		return fb_error_set(err, FB_EINVAL, "GitHub commit status: no commit sha");
	o = json_object();
	if (o == NULL || json_object_set_new(o, "state", json_string(forge_state_str(st->state))) < 0 ||
	    (st->context && json_object_set_new(o, "context", forge_json_str(st->context)) < 0) ||
	    (st->description &&
	     json_object_set_new(o, "description",
				 forge_json_strn(st->description,
				       forge_utf8_cut(st->description, GH_STATUS_DESC_MAX))) < 0) ||
	    (st->target_url && json_object_set_new(o, "target_url", forge_json_str(st->target_url)) < 0)) {
		json_decref(o);
		o = NULL;
	}
	return forge_send_json(f, "POST", forge_strf("%s/statuses/%s", f->repo_path, st->sha), o, NULL,
			 err);
}

static const char *level_str(enum forge_level l)
{
	switch (l) {
	case FORGE_LEVEL_NOTICE: return "notice";
	case FORGE_LEVEL_WARNING: return "warning";
	case FORGE_LEVEL_FAILURE: return "failure";
	}
	return "notice";
}

static json_t *annotation_json(const struct forge_annotation *a)
{
	json_t *o = json_object();
	/* GitHub wants lines from 1; a file-level finding goes on line 1. */
	long start = a->start_line > 0 ? a->start_line : 1;
	long end = a->end_line >= start ? a->end_line : start;

	if (o == NULL || json_object_set_new(o, "path", forge_json_str(a->path)) < 0 ||
	    json_object_set_new(o, "start_line", json_integer(start)) < 0 ||
	    json_object_set_new(o, "end_line", json_integer(end)) < 0 ||
	    json_object_set_new(o, "annotation_level", json_string(level_str(a->level))) < 0 ||
	    json_object_set_new(o, "message", forge_json_str(a->message)) < 0 ||
	    (a->title && json_object_set_new(o, "title", forge_json_str(a->title)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"title","summary","annotations":[n from `first`]} */
static json_t *check_output_json(const struct forge_check *ck, size_t first, size_t n)
{
	json_t *o = json_object(), *list = json_array();
	const char *title = ck->title ? ck->title : ck->name;
	const char *summary = ck->summary ? ck->summary : "";
	bool ok = o && list;

	for (size_t i = first; ok && i < first + n; i++)
		ok = json_array_append_new(list, annotation_json(&ck->annotations[i])) == 0;
	ok = ok && json_object_set_new(o, "title", forge_json_str(title)) == 0 &&
	     json_object_set_new(o, "summary",
				 forge_json_strn(summary, forge_utf8_cut(summary, GH_CHECK_TEXT_MAX))) == 0;
	if (ok) {
		ok = json_object_set_new(o, "annotations", list) == 0; /* steals list */
		list = NULL;
	}
	json_decref(list);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The create request, with the first n annotations. */
static json_t *check_create_json(const struct forge_check *ck, size_t n)
{
	json_t *o = json_object();
	bool pending = ck->state == FORGE_STATE_PENDING;
	const char *conclusion = ck->state == FORGE_STATE_SUCCESS ? "success"
				 : ck->state == FORGE_STATE_FAILURE ? "failure" : "neutral";

	if (o == NULL || json_object_set_new(o, "name", forge_json_str(ck->name)) < 0 ||
	    json_object_set_new(o, "head_sha", forge_json_str(ck->head_sha)) < 0 ||
	    json_object_set_new(o, "status", json_string(pending ? "in_progress" : "completed")) < 0 ||
	    (!pending && json_object_set_new(o, "conclusion", json_string(conclusion)) < 0) ||
	    (ck->details_url && json_object_set_new(o, "details_url", forge_json_str(ck->details_url)) < 0) ||
	    json_object_set_new(o, "output", check_output_json(ck, 0, n)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Create the run with the first 50 annotations, then PATCH the rest in 50s
 * (GitHub appends them).  In dry-run mode the PATCHes name run 0. */
static int check_publish(struct forge *f, const struct forge_check *ck, struct fb_error *err)
{
	size_t per = GH_ANNOTATIONS_PER_CALL, sent;
	long long id = 0;
	int rc;

	if (ck->name == NULL || ck->head_sha == NULL)
		return fb_error_set(err, FB_EINVAL, "GitHub check run: a name and a head sha are needed");
	sent = ck->nannotations < per ? ck->nannotations : per;
	rc = forge_send_json(f, "POST", forge_strf("%s/check-runs", f->repo_path),
		       check_create_json(ck, sent), &id, err);
	if (rc < 0)
		return rc;
	if (id == 0 && sent < ck->nannotations && !forge_dry_run(f))
		return fb_error_set(err, FB_EINTERNAL, "GitHub check run '%s': the answer has no id",
				    ck->name);
	while (sent < ck->nannotations) {
		size_t n = ck->nannotations - sent < per ? ck->nannotations - sent : per;
		json_t *o = json_object();

		if (o && json_object_set_new(o, "output", check_output_json(ck, sent, n)) < 0) {
			json_decref(o);
			o = NULL;
		}
		rc = forge_send_json(f, "PATCH", forge_strf("%s/check-runs/%lld", f->repo_path, id), o,
			       NULL, err);
		if (rc < 0)
			return rc;
		sent += n;
	}
	return 0;
}

/* gzip then base64 (GitHub's "sarif" field), into b64. */
static int sarif_encode(struct buf *b64, const char *sarif, size_t len, struct fb_error *err)
{
	struct buf gz;
	int rc;

	buf_init(&gz, GH_SARIF_GZ_MAX);
	rc = crypto_gzip(&gz, sarif, len, err);
	if (rc == FB_ELIMIT)
		rc = fb_error_set(err, rc, "SARIF upload: over %zu MiB gzipped (GitHub's limit)",
				  GH_SARIF_GZ_MAX >> 20);
	if (rc == 0 && (rc = crypto_base64(b64, gz.ptr, gz.len)) < 0)
		rc = rc == FB_ELIMIT ? fb_error_set(err, rc, "SARIF upload: base64 over the limit")
				     : forge_oom(err);
	buf_release(&gz);
	return rc;
}

static int sarif_upload(struct forge *f, const char *commit_sha, const char *ref,
			const char *sarif, size_t len, char **out_id, struct fb_error *err)
{
	struct forge_reply r;
	struct buf b64;
	json_t *o = NULL;
	char *path = NULL;
	int rc;

	if (out_id)
		*out_id = NULL;
	forge_reply_init(&r);
	buf_init(&b64, GH_SARIF_GZ_MAX / 3 * 4 + 8);
	if ((rc = sarif_encode(&b64, sarif, len, err)) < 0)
		goto out;
	o = json_object();
	path = forge_strf("%s/code-scanning/sarifs", f->repo_path);
	if (o == NULL || path == NULL || json_object_set_new(o, "commit_sha", forge_json_str(commit_sha)) < 0 ||
	    json_object_set_new(o, "ref", forge_json_str(ref)) < 0 ||
	    json_object_set_new(o, "sarif", json_stringn(buf_cstr(&b64), b64.len)) < 0 ||
	    json_object_set_new(o, "tool_name", json_string("forgebot")) < 0) {
		rc = forge_oom(err);
		goto out;
	}
	buf_release(&b64); /* the JSON has its own copy */
	if ((rc = forge_call(f, "POST", path, o, &json_call, &r, err)) < 0)
		goto out;
	if (out_id && (rc = forge_dup_field(out_id, r.json, "id")) < 0)
		rc = forge_oom(err);
out:
	json_decref(o);
	free(path);
	buf_release(&b64);
	forge_reply_release(&r);
	return rc;
}

/* ---- issues, branches, new pull requests ---- */

static int labels_add(struct forge *f, long number, const char *const *labels, size_t n,
		      struct fb_error *err)
{
	json_t *o, *list;
	bool ok;

	if (n == 0)
		return 0;
	o = json_object();
	list = json_array();
	ok = o && list;
	for (size_t i = 0; ok && i < n; i++)
		ok = json_array_append_new(list, forge_json_str(labels[i])) == 0;
	if (ok) {
		ok = json_object_set_new(o, "labels", list) == 0; /* steals list */
		list = NULL;
	}
	json_decref(list);
	if (!ok) {
		json_decref(o);
		o = NULL;
	}
	return forge_send_json(f, "POST", forge_strf("%s/issues/%ld/labels", f->repo_path, number), o,
			 NULL, err);
}

static int label_remove(struct forge *f, long number, const char *label, struct fb_error *err)
{
	char *name = forge_escape(label);
	int rc;

	if (name == NULL)
		return forge_oom(err);
	rc = forge_send_bare(f, "DELETE",
		       forge_strf("%s/issues/%ld/labels/%s", f->repo_path, number, name), err);
	free(name);
	if (rc == FB_ENOTFOUND) {
		fb_error_clear(err);
		rc = 0; /* it was not there: the state asked for */
	}
	return rc;
}

/* ---- CI jobs ---- */

/* The log endpoint redirects to storage that must not see our token. */
static int job_log(struct forge *f, long long job_id, size_t max, struct buf *out,
		   struct fb_error *err)
{
	const struct forge_call_opts o = { .raw = true, .no_auth_on_redirect = true,
					   .max_body = GH_JOB_LOG_FETCH_MAX > max ?
							       GH_JOB_LOG_FETCH_MAX : max };

	return forge_get_tail(f, forge_strf("%s/actions/jobs/%lld/logs", f->repo_path, job_id), &o,
			      max, out, err);
}

static int job_rerun(struct forge *f, long long job_id, struct fb_error *err)
{
	return forge_send_bare(f, "POST",
			 forge_strf("%s/actions/jobs/%lld/rerun", f->repo_path, job_id), err);
}

const struct forge_ops forge_github_ops = {
	.auth_headers = github_auth_headers,
	.auth_expired = github_auth_expired,
	.whoami = whoami,
	.pr_get = pr_get,
	.pr_diff = pr_diff,
	.pr_files = pr_files,
	.comments_list = comments_list,
	.note_create = note_create,
	.note_update = note_update,
	.comment_update = comment_update,
	.comment_delete = comment_delete,
	.comment_reply = comment_reply,
	.discussion_resolve = discussion_resolve,
	.review_post = review_post,
	.status_set = status_set,
	.check_publish = check_publish,
	.sarif_upload = sarif_upload,
	.labels_add = labels_add,
	.label_remove = label_remove,
	.branch_create = github_branch_create,
	.pr_create = github_pr_create,
	.job_log = job_log,
	.job_rerun = job_rerun,
};
