/*
 * gitlab.c - the GitLab REST v4 implementation of forge.h.
 *
 * Every operation is one or a few calls through forge_call (forge.c), which
 * puts the API base before `f->repo_path` ("/projects/<id or encoded
 * path>"), adds the header from auth_headers() below, retries, and turns a
 * non-2xx answer into an FB_E* code with a message; forge_paginate follows
 * X-Next-Page.  Paths and attributes follow python-gitlab 3.12's managers;
 * see also shared/reference/forge-apis.md.
 *
 * Where GitLab does not fit the interface's GitHub-shaped model:
 *   - there is no raw diff of a merge request: pr_diff assembles `git
 *     diff` text from the /changes list;
 *   - review comments cannot be batched: one discussion each, positioned
 *     with the diff refs of the MR's newest version;
 *   - there are no check runs and no SARIF upload: a check becomes a commit
 *     status, and findings reach GitLab as the Code Quality artifact.
 *
 * Quick actions: GitLab runs a line of a note or description that starts
 * with "/" (/merge, /approve, /close...) with the author's rights, here the
 * bot's.  Every body we send passes through gitlab_defuse(), which puts an
 * invisible U+200B before such slashes, outside fenced code (see there).
 *
 * Strings we send pass through forge_json_str(), which replaces bytes that are not
 * UTF-8 with U+FFFD (jansson refuses such strings), so a NULL from a JSON
 * builder here means out of memory.  json_object_set_new() steals the value
 * even when it fails, so the builders below never leak on their error paths.
 */
#include "forge_priv.h"
#include "gitlab_priv.h"

#include <stdlib.h>
#include <string.h>

#define GL_STATUS_DESC_MAX 140                  /* bytes of a status description */
#define GL_JOB_LOG_FETCH_MAX ((size_t)128 << 20) /* largest trace we download to cut */
#define GL_LABELS_MAX ((size_t)64 << 10)        /* the joined "a,b,c" label list */

/* Zero-initialized: JSON in and out. */
static const struct forge_call_opts json_call;

/* ---- strings and JSON ---- */

/* A new JSON string: the first line of s, sanitized like forge_json_str(), then cut
 * to at most `max` bytes without splitting a character.  NULL: no memory. */
static json_t *jline(const char *s, size_t max)
{
	json_t *j = forge_json_strn(s, s ? strcspn(s, "\r\n") : 0);
	const char *v = json_string_value(j);
	size_t n = json_string_length(j);
	json_t *cut;

	if (j == NULL || n <= max)
		return j;
	/* v[n] is the first byte dropped: back up while it continues a
	 * sequence (v is valid UTF-8 now, so at most 3 bytes). */
	for (n = max; n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80; n--)
		;
	cut = json_stringn(v, n);
	json_decref(j);
	return cut;
}

/* {"body": defused body}; NULL when out of memory. */
static json_t *body_json(const char *body)
{
	char *safe = gitlab_defuse(body);
	json_t *o = safe ? json_object() : NULL;

	if (o && json_object_set_new(o, "body", forge_json_str(safe)) < 0) {
		json_decref(o);
		o = NULL;
	}
	free(safe);
	return o;
}

/* ---- calls ---- */

/* "<repo>/merge_requests/<iid>/discussions/<id><tail>", the id escaped;
 * NULL when out of memory. */
static char *discussion_path(const struct forge *f, long number, const char *id, const char *tail)
{
	char *esc = forge_escape(id);
	char *path = esc ? forge_strf("%s/merge_requests/%ld/discussions/%s%s", f->repo_path,
				      number, esc, tail) : NULL;

	free(esc);
	return path;
}

/* ---- authentication ---- */

/* One header line; the token never goes into a message. */
static int auth_headers(struct forge *f, char **hdr, struct fb_error *err)
{
	const char *fmt = NULL, *token = f->auth.token;

	switch (f->auth.kind) {
	case FORGE_AUTH_NONE:
		return 0;
	case FORGE_AUTH_TOKEN:
		fmt = "PRIVATE-TOKEN: %s";
		break;
	case FORGE_AUTH_JOB_TOKEN:
		fmt = "JOB-TOKEN: %s";
		break;
	case FORGE_AUTH_OAUTH:
		fmt = "Authorization: Bearer %s";
		break;
	case FORGE_AUTH_GITHUB_APP:
		return fb_error_set(err, FB_EINVAL,
				    "GitHub App credentials cannot be used with GitLab");
	}
	if (fmt == NULL || token == NULL || token[0] == '\0')
		return 0;
	if (strpbrk(token, "\r\n"))
		return fb_error_set(err, FB_EAUTH, "the GitLab token contains a line break");
	if (!(hdr[0] = forge_strf(fmt, token)))
		return forge_oom(err);
	return 1;
}

/* ---- merge requests ---- */

static int mr_fill(struct forge_pr *out, const json_t *mr, struct fb_error *err)
{
	long long src = forge_jint(mr, "source_project_id"), dst = forge_jint(mr, "project_id");
	const char *state = forge_jstr(mr, "state");

	if (dst == 0)
		dst = forge_jint(mr, "target_project_id");
	if (forge_dup_field(&out->title, mr, "title") < 0 || forge_dup_field(&out->head_sha, mr, "sha") < 0 ||
	    forge_dup_field(&out->head_ref, mr, "source_branch") < 0 ||
	    forge_dup_field(&out->base_ref, mr, "target_branch") < 0 ||
	    forge_dup_field(&out->web_url, mr, "web_url") < 0 ||
	    forge_dup_field(&out->author, json_object_get(mr, "author"), "username") < 0 ||
	    (src > 0 && !(out->head_repo = forge_strf("%lld", src))))
		return forge_oom(err);
	if (forge_jint(mr, "iid") > 0)
		out->number = (long)forge_jint(mr, "iid");
	out->draft = forge_jbool(mr, "draft") || forge_jbool(mr, "work_in_progress");
	out->open = state && strcmp(state, "opened") == 0;
	out->fork = src > 0 && dst > 0 && src != dst;
	return 0;
}

/* Replace *dst with a copy of s when s is set. */
static int replace(char **dst, const char *s)
{
	char *c;

	if (s == NULL)
		return 0;
	if (!(c = strdup(s)))
		return FB_ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* The diff refs: the newest version's (/versions lists newest first), else
 * the MR's diff_refs.  Neither exists while GitLab is still computing the
 * diff of a new MR: FB_ERETRY. */
static int refs_fill(struct forge_pr *out, const json_t *versions, const json_t *mr,
		     struct fb_error *err)
{
	const json_t *v = json_array_get(versions, 0), *d = json_object_get(mr, "diff_refs");
	const char *base, *start, *head;

	if (json_is_object(v)) {
		base = forge_jstr(v, "base_commit_sha");
		start = forge_jstr(v, "start_commit_sha");
		head = forge_jstr(v, "head_commit_sha");
	} else {
		base = forge_jstr(d, "base_sha");
		start = forge_jstr(d, "start_sha");
		head = forge_jstr(d, "head_sha");
	}
	if (replace(&out->base_sha, base) < 0 || replace(&out->head_sha, head) < 0 ||
	    replace(&out->start_sha, start ? start : base) < 0)
		return forge_oom(err);
	if (out->base_sha == NULL || out->head_sha == NULL)
		return fb_error_set(err, FB_ERETRY, "GitLab has not computed the diff of merge "
				    "request !%ld yet (no diff refs)", out->number);
	return 0;
}

/* GET the MR, then its versions.  In dry-run mode both are printed and
 * only out->number is set. */
static int pr_get(struct forge *f, long number, struct forge_pr *out, struct fb_error *err)
{
	struct forge_reply mr, vs;
	char *path = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	out->number = number;
	forge_reply_init(&mr);
	forge_reply_init(&vs);
	if (!(path = forge_strf("%s/merge_requests/%ld", f->repo_path, number))) {
		rc = forge_oom(err);
		goto out;
	}
	if ((rc = forge_call(f, "GET", path, NULL, &json_call, &mr, err)) < 0)
		goto out;
	free(path);
	if (!(path = forge_strf("%s/merge_requests/%ld/versions", f->repo_path, number))) {
		rc = forge_oom(err);
		goto out;
	}
	if ((rc = forge_call(f, "GET", path, NULL, &json_call, &vs, err)) < 0 || mr.status == 0)
		goto out;
	if (!json_is_object(mr.json)) {
		rc = fb_error_set(err, FB_EINTERNAL, "GitLab GET merge request !%ld: the answer is "
				  "not a JSON object", number);
		goto out;
	}
	if ((rc = mr_fill(out, mr.json, err)) == 0)
		rc = refs_fill(out, vs.json, mr.json, err);
out:
	if (rc < 0)
		forge_pr_release(out);
	forge_reply_release(&mr);
	forge_reply_release(&vs);
	free(path);
	return rc;
}

/* GET .../changes.  *out is the answer's "changes" list, borrowed from
 * `r`; NULL in dry-run mode. */
static int changes_get(struct forge *f, long number, struct forge_reply *r, const json_t **out,
		       struct fb_error *err)
{
	char *path = forge_strf("%s/merge_requests/%ld/changes", f->repo_path, number);
	int rc;

	*out = NULL;
	if (path == NULL)
		return forge_oom(err);
	rc = forge_call(f, "GET", path, NULL, &json_call, r, err);
	free(path);
	if (rc < 0 || r->status == 0)
		return rc;
	*out = json_object_get(r->json, "changes");
	if (!json_is_array(*out)) {
		*out = NULL;
		return fb_error_set(err, FB_EINTERNAL, "GitLab GET merge request !%ld changes: the "
				    "answer has no \"changes\" list", number);
	}
	return 0;
}

/* The diff is appended to `out` within its limit; on failure `out` is left
 * as it was.  FB_ELIMIT when GitLab cut the list of changes ("overflow"). */
static int pr_diff(struct forge *f, long number, struct buf *out, struct fb_error *err)
{
	struct forge_reply r;
	const json_t *changes = NULL, *ch;
	size_t start = out->len, i;
	int rc;

	forge_reply_init(&r);
	if ((rc = changes_get(f, number, &r, &changes, err)) < 0 || changes == NULL)
		goto out;
	if (forge_jbool(r.json, "overflow")) {
		rc = fb_error_set(err, FB_ELIMIT, "GitLab truncated the diff of merge request !%ld",
				  number);
		goto out;
	}
	json_array_foreach(changes, i, ch) {
		if ((rc = gitlab_diff_change(out, ch)) < 0)
			break;
	}
	if (rc == FB_ELIMIT)
		fb_error_set(err, rc, "GitLab merge request !%ld: the diff is larger than %zu bytes",
			     number, out->max);
	else if (rc < 0)
		forge_oom(err);
out:
	if (rc < 0 && out->ptr) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	forge_reply_release(&r);
	return rc;
}

static enum forge_file_status change_status(const json_t *ch)
{
	if (forge_jbool(ch, "new_file"))
		return FORGE_FILE_ADDED;
	if (forge_jbool(ch, "deleted_file"))
		return FORGE_FILE_REMOVED;
	if (forge_jbool(ch, "renamed_file"))
		return FORGE_FILE_RENAMED;
	return FORGE_FILE_MODIFIED;
}

/* Every change of /changes.  When GitLab cut the list ("overflow") the
 * files it gave are still delivered, with a warning in the log. */
static int pr_files(struct forge *f, long number, forge_file_cb cb, void *payload,
		    struct fb_error *err)
{
	struct forge_reply r;
	const json_t *changes = NULL, *ch;
	size_t i;
	int rc;

	forge_reply_init(&r);
	if ((rc = changes_get(f, number, &r, &changes, err)) < 0 || changes == NULL)
		goto out;
	if (forge_jbool(r.json, "overflow"))
		log_write(f->lg, LOG_WARN, "GitLab truncated the changes of a merge request; "
			  "some files are missing", "forge", "GitLab", NULL);
	json_array_foreach(changes, i, ch) {
		struct forge_file file = { 0 };

		file.path = forge_jstr(ch, "new_path");
		file.old_path = forge_jstr(ch, "old_path");
		if (file.path == NULL)
			file.path = file.old_path;
		if (file.path == NULL)
			continue; /* nothing a caller could use */
		if (file.old_path == NULL)
			file.old_path = file.path;
		file.status = change_status(ch);
		file.patch = forge_jstr(ch, "diff");
		/* An empty diff of a collapsed or too large file is not "no hunks". */
		if (file.patch && !file.patch[0] &&
		    (forge_jbool(ch, "too_large") || forge_jbool(ch, "collapsed")))
			file.patch = NULL;
		if ((rc = cb(&file, payload)) != 0)
			break;
	}
out:
	forge_reply_release(&r);
	return rc;
}

/* ---- comments ---- */

struct walk {
	forge_comment_cb cb;
	void *payload;
	int rc; /* what cb last returned */
};

static void note_comment(struct forge_comment *c, const json_t *note)
{
	const char *type = forge_jstr(note, "type");

	c->id = forge_jint(note, "id");
	c->body = forge_jstr(note, "body");
	c->author = forge_jstr(json_object_get(note, "author"), "username");
	c->author_bot = forge_jbool(json_object_get(note, "author"), "bot");
	c->resolved = forge_jbool(note, "resolved");
	c->kind = type && strcmp(type, "DiffNote") == 0 ? FORGE_INLINE : FORGE_NOTE;
	if (c->kind == FORGE_INLINE) {
		const json_t *pos = json_object_get(note, "position");

		c->path = forge_jstr(pos, "new_path");
		/* null on a removed line: 0, "unknown". */
		c->line = (long)forge_jint(pos, "new_line");
	}
	if (c->body == NULL)
		c->body = "";
	if (c->author == NULL)
		c->author = ""; /* a deleted account */
}

static int whoami(struct forge *f, char **out, struct fb_error *err)
{
	struct forge_reply r;
	int rc;

	forge_reply_init(&r);
	rc = forge_call(f, "GET", "/user", NULL, NULL, &r, err);
	if (rc == 0 && forge_jstr(r.json, "username"))
		rc = (*out = strdup(forge_jstr(r.json, "username"))) ? 0 : forge_oom(err);
	else if (rc == 0)
		rc = fb_error_set(err, FB_ENOTFOUND, "GitLab GET /user: no username in the answer");
	forge_reply_release(&r);
	return rc;
}

/* One discussion: each of its notes that a person (or bot) wrote. */
static int discussion_item(struct forge *f, json_t *item, void *payload)
{
	struct walk *w = payload;
	const json_t *notes = json_object_get(item, "notes"), *note;
	const char *id = forge_jstr(item, "id");
	bool first = true;
	int count = 0;
	size_t i;

	(void)f;
	json_array_foreach(notes, i, note)
		count += !forge_jbool(note, "system");
	json_array_foreach(notes, i, note) {
		struct forge_comment c = { 0 };

		if (forge_jbool(note, "system"))
			continue; /* "added 2 commits", "changed the description" */
		note_comment(&c, note);
		c.discussion_id = id;
		c.thread_notes = count;
		c.first_in_thread = first;
		first = false;
		if ((w->rc = w->cb(&c, w->payload)) != 0)
			return w->rc;
	}
	return 0;
}

static int comments_list(struct forge *f, long number, forge_comment_cb cb, void *payload,
			 struct fb_error *err)
{
	struct walk w = { .cb = cb, .payload = payload };
	char *path = forge_strf("%s/merge_requests/%ld/discussions", f->repo_path, number);
	int rc;

	if (path == NULL)
		return forge_oom(err);
	rc = forge_paginate(f, path, 0, discussion_item, &w, err);
	free(path);
	return w.rc != 0 ? w.rc : rc;
}

static int note_create(struct forge *f, long number, const char *body, long long *out_id,
		       struct fb_error *err)
{
	return forge_send_json(f, "POST", forge_strf("%s/merge_requests/%ld/notes", f->repo_path, number),
			 body_json(body), out_id, err);
}

static int note_update(struct forge *f, long number, long long id, const char *body,
		       struct fb_error *err)
{
	return forge_send_json(f, "PUT",
			 forge_strf("%s/merge_requests/%ld/notes/%lld", f->repo_path, number, id),
			 body_json(body), NULL, err);
}

/* The notes API edits diff notes too. */
static int comment_update(struct forge *f, long number, const struct forge_comment *c,
			  const char *body, struct fb_error *err)
{
	return note_update(f, number, c->id, body, err);
}

static int comment_delete(struct forge *f, long number, const struct forge_comment *c,
			  struct fb_error *err)
{
	return forge_send_bare(f, "DELETE",
			 forge_strf("%s/merge_requests/%ld/notes/%lld", f->repo_path, number, c->id),
			 err);
}

static int comment_reply(struct forge *f, long number, const struct forge_comment *c,
			 const char *body, struct fb_error *err)
{
	if (c->discussion_id == NULL || c->discussion_id[0] == '\0')
		return fb_error_set(err, FB_EINVAL, "GitLab note %lld on merge request !%ld has no "
				    "discussion to reply in", c->id, number);
	return forge_send_json(f, "POST", discussion_path(f, number, c->discussion_id, "/notes"),
			 body_json(body), NULL, err);
}

static int discussion_resolve(struct forge *f, long number, const char *discussion_id,
			      bool resolved, struct fb_error *err)
{
	json_t *o;

	if (discussion_id == NULL || discussion_id[0] == '\0')
		return fb_error_set(err, FB_EINVAL, "GitLab merge request !%ld: no discussion id "
				    "to resolve", number);
	o = json_object();
	if (o && json_object_set_new(o, "resolved", json_boolean(resolved)) < 0) {
		json_decref(o);
		o = NULL;
	}
	return forge_send_json(f, "PUT", discussion_path(f, number, discussion_id, ""), o, NULL, err);
}

/* ---- reviews ---- */

/*
 * The position of one inline comment: new_line alone for an added line,
 * both lines for a context line, old_line alone for a removed one.  A
 * multi-line comment (start_line > 0) stays on its last line: GitLab's
 * `line_range` is thinly documented and wants line codes, while the
 * suggestion block's "-N+M" offsets already carry the range.
 */
static json_t *position_json(const struct forge_review *rv, const struct forge_inline *c)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "position_type", json_string("text")) < 0 ||
	    json_object_set_new(o, "base_sha", forge_json_str(rv->base_sha)) < 0 ||
	    json_object_set_new(o, "start_sha",
				forge_json_str(rv->start_sha ? rv->start_sha : rv->base_sha)) < 0 ||
	    json_object_set_new(o, "head_sha", forge_json_str(rv->commit_sha)) < 0 ||
	    json_object_set_new(o, "old_path", forge_json_str(c->old_path ? c->old_path : c->path)) < 0 ||
	    json_object_set_new(o, "new_path", forge_json_str(c->path)) < 0 ||
	    (c->line > 0 && json_object_set_new(o, "new_line", json_integer(c->line)) < 0) ||
	    (c->old_line > 0 && json_object_set_new(o, "old_line", json_integer(c->old_line)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"body", "position"} for a new discussion; NULL when out of memory. */
static json_t *discussion_json(const struct forge_review *rv, const struct forge_inline *c)
{
	json_t *o = body_json(c->body);

	/* set_new steals the position, even when it fails. */
	if (o && json_object_set_new(o, "position", position_json(rv, c)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * One discussion per comment.  A 400 (FB_EINVAL) is GitLab refusing the
 * position (a line outside the diff, stale shas): that comment stays
 * unplaced and the rest go on.  In dry-run mode every comment is "placed".
 */
static int review_post(struct forge *f, long number, const struct forge_review *rv, bool *placed,
		       struct fb_error *err)
{
	for (size_t i = 0; i < rv->ncomments; i++)
		placed[i] = false;
	if (rv->ncomments > 0 && (rv->commit_sha == NULL || rv->base_sha == NULL))
		return fb_error_set(err, FB_EINVAL, "GitLab merge request !%ld: inline comments "
				    "need the diff refs (base and head sha)", number);
	for (size_t i = 0; i < rv->ncomments; i++) {
		const struct forge_inline *c = &rv->comments[i];
		char line[24];
		int rc;

		if (c->path == NULL || (c->line <= 0 && c->old_line <= 0))
			continue; /* no place on the diff to ask for: unplaced */
		rc = forge_send_json(f, "POST",
			       forge_strf("%s/merge_requests/%ld/discussions", f->repo_path, number),
			       discussion_json(rv, c), NULL, err);
		if (rc == 0) {
			placed[i] = true;
			continue;
		}
		if (rc != FB_EINVAL)
			return rc;
		snprintf(line, sizeof line, "%ld", c->line > 0 ? c->line : c->old_line);
		log_write(f->lg, LOG_INFO, "GitLab could not place an inline comment", "path",
			  c->path, "line", line, "reason", forge_emsg(err), NULL);
	}
	fb_error_clear(err);
	return 0;
}

/* ---- statuses and checks ---- */

/* GitLab's states are pending|running|success|failed|canceled.  ERROR
 * (the check itself broke, GitHub's "error") becomes "failed": "canceled"
 * would tell readers that someone stopped the run on purpose, and a broken
 * check should block a merge and draw a look just as a failing one does. */
static const char *state_str(enum forge_state s)
{
	switch (s) {
	case FORGE_STATE_PENDING: return "pending";
	case FORGE_STATE_SUCCESS: return "success";
	case FORGE_STATE_FAILURE: return "failed";
	case FORGE_STATE_ERROR: return "failed";
	}
	return "failed";
}

/* POST /statuses/:sha; the description is its first line, at most 140
 * bytes, cut on a character boundary. */
static int status_set(struct forge *f, const struct forge_status *st, struct fb_error *err)
{
	char *sha, *path;
	json_t *o;

	if (st->sha == NULL || st->sha[0] == '\0')
		return fb_error_set(err, FB_EINVAL, "GitLab commit status: no commit sha");
	sha = forge_escape(st->sha);
	path = sha ? forge_strf("%s/statuses/%s", f->repo_path, sha) : NULL;
	free(sha);
	o = json_object();
	if (o == NULL || json_object_set_new(o, "state", json_string(state_str(st->state))) < 0 ||
	    (st->context && json_object_set_new(o, "name", forge_json_str(st->context)) < 0) ||
	    (st->description && json_object_set_new(o, "description",
						    jline(st->description, GL_STATUS_DESC_MAX)) < 0) ||
	    (st->target_url && json_object_set_new(o, "target_url", forge_json_str(st->target_url)) < 0) ||
	    (st->ref && json_object_set_new(o, "ref", forge_json_str(st->ref)) < 0)) {
		json_decref(o);
		o = NULL;
	}
	return forge_send_json(f, "POST", path, o, NULL, err); /* takes path and o */
}

/* GitLab has no check runs: a commit status named after the check, with
 * the title as its description.  The annotations are not sent; on GitLab
 * they travel in the Code Quality report artifact (--code-quality). */
static int check_publish(struct forge *f, const struct forge_check *ck, struct fb_error *err)
{
	struct forge_status st = {
		.sha = ck->head_sha,
		.state = ck->state,
		.context = ck->name,
		.description = ck->title,
		.target_url = ck->details_url,
	};

	return status_set(f, &st, err);
}

static int sarif_upload(struct forge *f, const char *commit_sha, const char *ref,
			const char *sarif, size_t len, char **out_id, struct fb_error *err)
{
	(void)f;
	(void)commit_sha;
	(void)ref;
	(void)sarif;
	(void)len;
	if (out_id)
		*out_id = NULL;
	return fb_error_set(err, FB_EINVAL, "SARIF upload is GitHub code scanning; on GitLab "
			    "publish the Code Quality report (--code-quality) as an artifact");
}

/* ---- labels, branches, new merge requests ---- */

/* PUT /issues/:iid {key: "a,b"}.  GitLab splits the list on commas, so a
 * label holding one cannot be sent. */
static int labels_put(struct forge *f, long number, const char *key, const char *const *labels,
		      size_t n, struct fb_error *err)
{
	struct buf list;
	json_t *o = NULL;
	int rc = 0;

	if (n == 0)
		return 0;
	buf_init(&list, GL_LABELS_MAX);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (labels[i] == NULL || labels[i][0] == '\0' || strchr(labels[i], ',')) {
			rc = fb_error_set(err, FB_EINVAL, "GitLab label '%s': empty or contains a "
					  "comma", labels[i] ? labels[i] : "");
			goto out;
		}
		rc = buf_printf(&list, "%s%s", i ? "," : "", labels[i]);
	}
	if (rc < 0) {
		rc = rc == FB_ELIMIT ? fb_error_set(err, rc, "GitLab issue #%ld: too many labels",
						    number) : forge_oom(err);
		goto out;
	}
	o = json_object();
	if (o && json_object_set_new(o, key, forge_json_strn(list.ptr, list.len)) < 0) {
		json_decref(o);
		o = NULL;
	}
	rc = forge_send_json(f, "PUT", forge_strf("%s/issues/%ld", f->repo_path, number), o, NULL, err);
out:
	buf_release(&list);
	return rc;
}

static int labels_add(struct forge *f, long number, const char *const *labels, size_t n,
		      struct fb_error *err)
{
	return labels_put(f, number, "add_labels", labels, n, err);
}

/* GitLab ignores a label that is not there. */
static int label_remove(struct forge *f, long number, const char *label, struct fb_error *err)
{
	return labels_put(f, number, "remove_labels", &label, 1, err);
}

/* ---- CI jobs ---- */

/* The trace is plain text, ANSI colours and section markers included. */
static int job_log(struct forge *f, long long job_id, size_t max, struct buf *out,
		   struct fb_error *err)
{
	const struct forge_call_opts o = {
		.accept = "text/plain, */*",
		.raw = true,
		.max_body = GL_JOB_LOG_FETCH_MAX > max ? GL_JOB_LOG_FETCH_MAX : max,
	};

	return forge_get_tail(f, forge_strf("%s/jobs/%lld/trace", f->repo_path, job_id), &o, max,
			      out, err);
}

static int job_rerun(struct forge *f, long long job_id, struct fb_error *err)
{
	return forge_send_bare(f, "POST", forge_strf("%s/jobs/%lld/retry", f->repo_path, job_id), err);
}

const struct forge_ops forge_gitlab_ops = {
	.auth_headers = auth_headers,
	.auth_expired = NULL, /* tokens are not renewed */
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
	.branch_create = gitlab_branch_create,
	.pr_create = gitlab_pr_create,
	.job_log = job_log,
	.job_rerun = job_rerun,
};
