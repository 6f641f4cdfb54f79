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
 * GitHub App: a JWT signed with the app key (crypto.c) is exchanged for an
 * installation token, cached in `f->app_token` until five minutes before it
 * expires.  The JWT works only on app endpoints and must not go through
 * forge_call (which would authorize with the token being fetched), so those
 * two calls go straight to http_send.  Neither the JWT nor the token ever
 * appears in a message or a log line.
 *
 * Request bodies are built with jansson.  Strings we send pass through
 * jstr(), which replaces bytes that are not UTF-8 (a Latin-1 source line in
 * a comment, say) with U+FFFD, since jansson refuses such strings; so a NULL
 * from a JSON builder here means out of memory.
 */
#include "forge_priv.h"

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
#define GH_APP_ANSWER_MAX ((size_t)1 << 20)
#define GH_TOKEN_LIFETIME 3600          /* when expires_at is missing: GitHub's one hour */
#define GH_TOKEN_RENEW_EARLY 300
#define GH_TOKEN_MIN_LIFE 60

/* Zero-initialized: JSON in and out. */
static const struct forge_call_opts json_call;

static int oom(struct fb_error *err)
{
	return fb_error_set(err, FB_ENOMEM, "out of memory");
}

static const char *emsg(const struct fb_error *err)
{
	return err ? err->msg : "";
}

/* Free a string that held a credential, wiping it first. */
static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* ---- strings and JSON ---- */

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), or 0 when
 * it is not one (stray byte, overlong form, surrogate, past U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/* How many bytes of s to keep so that it is at most `max` bytes and does
 * not end inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	/* s[max] is the first byte dropped: back up while it continues a
	 * sequence (at most 3 bytes in valid UTF-8). */
	for (int k = 0; k < 3 && max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80; k++)
		max--;
	return max;
}

/* A new JSON string of s[0..len) (NULL s: ""), bytes that are not UTF-8
 * replaced by U+FFFD.  NULL only when out of memory. */
static json_t *jstrn(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	json_t *j = NULL;
	struct buf b;
	size_t i = 0, k;

	if (s == NULL)
		return json_string("");
	while (i < len && (k = utf8_seq(u + i, len - i)) > 0)
		i += k;
	if (i == len)
		return json_stringn(s, len);
	buf_init(&b, len * 3 + 1);
	for (i = 0; i < len; i += k ? k : 1) {
		k = utf8_seq(u + i, len - i);
		if (buf_append(&b, k ? s + i : "\xEF\xBF\xBD", k ? k : 3) < 0)
			goto out;
	}
	j = json_stringn(buf_cstr(&b), b.len);
out:
	buf_release(&b);
	return j;
}

static json_t *jstr(const char *s)
{
	return jstrn(s, s ? strlen(s) : 0);
}

/* Copy obj[key] (a string) into *dst; absent or not a string: NULL. */
static int dup_field(char **dst, const json_t *obj, const char *key)
{
	const char *s = forge_jstr(obj, key);

	*dst = NULL;
	if (s == NULL)
		return 0;
	return (*dst = strdup(s)) ? 0 : FB_ENOMEM;
}

/* Whether GitHub's answer (its JSON message or the message forge_call
 * made of it) mentions `what`; GitHub puts 422 details in errors[]. */
static bool answer_mentions(const struct forge_reply *r, const struct fb_error *err,
			    const char *what)
{
	return strcasestr(buf_cstr(&r->http.body), what) != NULL ||
	       (err && strcasestr(err->msg, what) != NULL);
}

/* ---- calls ---- */

/*
 * One call whose answer matters only for its numeric "id" (`out_id`, may
 * be NULL; 0 in dry-run mode).  Takes ownership of `path` and of `body`
 * (steals the reference); `path` NULL, or `body` NULL when `with_body`,
 * means building them ran out of memory.
 */
static int send_call(struct forge *f, const char *method, char *path, json_t *body,
		     bool with_body, long long *out_id, struct fb_error *err)
{
	struct forge_reply r;
	int rc;

	forge_reply_init(&r);
	if (out_id)
		*out_id = 0;
	if (path == NULL || (with_body && body == NULL)) {
		rc = oom(err);
		goto out;
	}
	if ((rc = forge_call(f, method, path, body, &json_call, &r, err)) < 0)
		goto out;
	if (out_id)
		*out_id = forge_jint(r.json, "id");
out:
	forge_reply_release(&r);
	json_decref(body);
	free(path);
	return rc;
}

static int send_json(struct forge *f, const char *method, char *path, json_t *body,
		     long long *out_id, struct fb_error *err)
{
	return send_call(f, method, path, body, true, out_id, err);
}

static int send_bare(struct forge *f, const char *method, char *path, struct fb_error *err)
{
	return send_call(f, method, path, NULL, false, NULL, err);
}

/* {"body": body}; NULL when out of memory. */
static json_t *body_json(const char *body)
{
	json_t *o = json_object();

	if (o && json_object_set_new(o, "body", jstr(body)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- authentication ---- */

/* An error for a non-2xx answer to a JWT-authorized call, coded as
 * forge.c codes them, with a hint at the usual cause. */
static int app_status_error(struct fb_error *err, const char *method, const char *path,
			    const struct http_response *resp, const json_t *answer)
{
	const char *msg = forge_jstr(answer, "message"), *hint = "";
	long status = resp->status;
	int code = FB_EINTERNAL;

	if (status == 401) {
		code = FB_EAUTH;
		hint = " (check the app id and private key, and this host's clock)";
	} else if (status == 403) {
		code = resp->retry_after >= 0 || resp->rate_remaining == 0 ? FB_ERETRY : FB_EFORBIDDEN;
	} else if (status == 404) {
		code = FB_ENOTFOUND;
		hint = " (is the app installed on the repository?)";
	} else if (status == 400 || status == 422) {
		code = FB_EINVAL;
	} else if (status == 429 || status >= 500) {
		code = FB_ERETRY;
	}
	return fb_error_set(err, code, "GitHub App authentication: %s %s: %ld%s%.200s%s", method,
			    path, status, msg ? ": " : "", msg ? msg : "", hint);
}

/*
 * A call authorized by the app's JWT, for the two app endpoints: `path`
 * below the API base.  A POST sends "{}".  On success *out is the decoded
 * answer (the caller's reference).
 */
static int app_call(struct forge *f, const char *method, const char *path, const char *jwt,
		    json_t **out, struct fb_error *err)
{
	bool post = strcmp(method, "POST") == 0;
	char *url = forge_strf("%s%s", f->api_url, path);
	char *auth = forge_strf("Authorization: Bearer %s", jwt);
	const char *hdr[] = { "Accept: application/vnd.github+json",
			      "X-GitHub-Api-Version: 2022-11-28", "Content-Type: application/json",
			      auth };
	/* Idempotent: a lookup, or a new token that replaces nothing. */
	struct http_request rq = { .method = method, .url = url, .headers = hdr,
				   .nheaders = sizeof hdr / sizeof hdr[0],
				   .body = post ? "{}" : NULL, .body_len = post ? 2 : 0,
				   .idempotent = true, .max_body = GH_APP_ANSWER_MAX };
	struct http_response resp;
	json_t *ans = NULL;
	int rc;

	*out = NULL;
	http_response_init(&resp);
	if (url == NULL || auth == NULL) {
		rc = oom(err);
		goto out;
	}
	if ((rc = http_send(f->http, &rq, &resp, err)) < 0)
		goto out;
	ans = json_loadb(buf_cstr(&resp.body), resp.body.len, 0, NULL);
	if (resp.status < 200 || resp.status > 299) {
		rc = app_status_error(err, method, path, &resp, ans);
		goto out;
	}
	if (!json_is_object(ans)) {
		rc = fb_error_set(err, FB_EINTERNAL,
				  "GitHub App authentication: %s %s: the answer is not a JSON object",
				  method, path);
		goto out;
	}
	*out = ans;
	ans = NULL;
out:
	json_decref(ans);
	secret_free(auth);
	free(url);
	http_response_release(&resp);
	return rc;
}

/* GET {repo}/installation: the app's installation on this repository,
 * remembered in f->auth.installation_id. */
static int app_installation_find(struct forge *f, const char *jwt, struct fb_error *err)
{
	json_t *ans = NULL;
	char *path = forge_strf("%s/installation", f->repo_path);
	int rc;

	if (path == NULL)
		return oom(err);
	if ((rc = app_call(f, "GET", path, jwt, &ans, err)) < 0)
		goto out;
	f->auth.installation_id = forge_jint(ans, "id");
	if (f->auth.installation_id <= 0)
		rc = fb_error_set(err, FB_EINTERNAL,
				  "GitHub App authentication: GET %s: the answer has no installation id",
				  path);
out:
	json_decref(ans);
	free(path);
	return rc;
}

/* When to renew a token that expires at `expires_at` (ISO 8601 UTC, as
 * GitHub writes it: "2026-11-25T10:00:00Z"): five minutes before, but no
 * sooner than a minute from now.  Unreadable: assume GitHub's one hour. */
static time_t token_renew_at(const char *expires_at, time_t now)
{
	struct tm tm = { 0 };
	time_t expires = now + GH_TOKEN_LIFETIME;
	time_t renew;

	if (expires_at && strptime(expires_at, "%Y-%m-%dT%H:%M:%S", &tm) != NULL) {
		time_t t = timegm(&tm);
		if (t != (time_t)-1)
			expires = t;
	}
	renew = expires - GH_TOKEN_RENEW_EARLY;
	return renew < now + GH_TOKEN_MIN_LIFE ? now + GH_TOKEN_MIN_LIFE : renew;
}

/* A fresh installation token in f->app_token (the JWT, and the
 * installation lookup when no id was configured, first). */
static int app_token_renew(struct forge *f, struct fb_error *err)
{
	time_t now = time(NULL);
	struct buf jwt;
	json_t *ans = NULL;
	char *path = NULL, *token = NULL;
	int rc;

	buf_init(&jwt, 16384);
	if ((rc = crypto_github_app_jwt(&jwt, f->auth.app_id, f->auth.app_key_pem, now, err)) < 0)
		goto out;
	if (f->auth.installation_id == 0 &&
	    (rc = app_installation_find(f, buf_cstr(&jwt), err)) < 0)
		goto out;
	if (!(path = forge_strf("/app/installations/%lld/access_tokens", f->auth.installation_id))) {
		rc = oom(err);
		goto out;
	}
	if ((rc = app_call(f, "POST", path, buf_cstr(&jwt), &ans, err)) < 0)
		goto out;
	if (forge_jstr(ans, "token") == NULL) {
		rc = fb_error_set(err, FB_EINTERNAL,
				  "GitHub App authentication: POST %s: the answer has no token", path);
		goto out;
	}
	if ((rc = dup_field(&token, ans, "token")) < 0) {
		rc = oom(err);
		goto out;
	}
	secret_free(f->app_token);
	f->app_token = token;
	f->app_token_renew_at = token_renew_at(forge_jstr(ans, "expires_at"), now);
out:
	json_decref(ans);
	free(path);
	if (jwt.ptr)
		explicit_bzero(jwt.ptr, jwt.len);
	buf_release(&jwt);
	return rc;
}

/* One "Authorization: Bearer" line: the configured token, or the App's
 * installation token (renewed when due).  No header without credentials,
 * and none for an App in dry-run mode, where nothing is sent. */
static int auth_headers(struct forge *f, char **hdr, struct fb_error *err)
{
	const char *token = NULL;
	int rc;

	switch (f->auth.kind) {
	case FORGE_AUTH_TOKEN:
	case FORGE_AUTH_OAUTH:
		token = f->auth.token;
		break;
	case FORGE_AUTH_GITHUB_APP:
		if (forge_dry_run(f))
			return 0;
		if ((f->app_token == NULL || time(NULL) >= f->app_token_renew_at) &&
		    (rc = app_token_renew(f, err)) < 0)
			return rc;
		token = f->app_token;
		break;
	case FORGE_AUTH_JOB_TOKEN:
		return fb_error_set(err, FB_EINVAL, "GitHub has no job tokens (that is GitLab's "
				    "CI_JOB_TOKEN): use a token or a GitHub App");
	case FORGE_AUTH_NONE:
		break;
	}
	if (token == NULL || token[0] == '\0')
		return 0;
	if (!(hdr[0] = forge_strf("Authorization: Bearer %s", token)))
		return oom(err);
	return 1;
}

/* After a 401: drop the App token so that the next call fetches another. */
static void auth_expired(struct forge *f)
{
	secret_free(f->app_token);
	f->app_token = NULL;
	f->app_token_renew_at = 0;
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
	if (dup_field(&out->title, pr, "title") < 0 || dup_field(&out->head_sha, head, "sha") < 0 ||
	    dup_field(&out->base_sha, base, "sha") < 0 ||
	    dup_field(&out->start_sha, base, "sha") < 0 ||
	    dup_field(&out->head_ref, head, "ref") < 0 ||
	    dup_field(&out->base_ref, base, "ref") < 0 ||
	    dup_field(&out->head_repo, json_object_get(head, "repo"), "full_name") < 0 ||
	    dup_field(&out->web_url, pr, "html_url") < 0 ||
	    dup_field(&out->author, json_object_get(pr, "user"), "login") < 0)
		return oom(err);
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
		rc = oom(err);
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
		rc = oom(err);
		goto out;
	}
	/* A 406 (diff too large) comes back as FB_ELIMIT with forge_call's message. */
	if ((rc = forge_call(f, "GET", path, NULL, &o, &r, err)) < 0)
		goto out;
	if ((rc = buf_append(out, buf_cstr(&r.http.body), r.http.body.len)) < 0)
		rc = rc == FB_ELIMIT ? fb_error_set(err, rc, "GitHub pull request %ld: the diff is "
						    "larger than %zu bytes", number, out->max)
				     : oom(err);
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
		return oom(err);
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
	return send_json(f, "POST", forge_strf("%s/issues/%ld/comments", f->repo_path, number),
			 body_json(body), out_id, err);
}

static int note_update(struct forge *f, long number, long long id, const char *body,
		       struct fb_error *err)
{
	return send_json(f, "PATCH", forge_strf("%s/issues/comments/%lld", f->repo_path, id),
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
	return send_json(f, "PATCH", comment_path(f, c), body_json(body), NULL, err);
}

static int comment_delete(struct forge *f, long number, const struct forge_comment *c,
			  struct fb_error *err)
{
	return send_bare(f, "DELETE", comment_path(f, c), err);
}

/* Review comments: in_reply_to the thread's first comment (GitHub does
 * not take replies to replies).  Conversation comments have no threads:
 * a new comment. */
static int comment_reply(struct forge *f, long number, const struct forge_comment *c,
			 const char *body, struct fb_error *err)
{
	long long root = c->in_reply_to ? c->in_reply_to : c->id;
	json_t *req;

	if (c->kind != FORGE_INLINE)
		return note_create(f, number, body, NULL, err);
	req = body_json(body);
	if (req && json_object_set_new(req, "in_reply_to", json_integer(root)) < 0) {
		json_decref(req);
		req = NULL;
	}
	return send_json(f, "POST", forge_strf("%s/pulls/%ld/comments", f->repo_path, number), req,
			 NULL, err);
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

	if (o == NULL || json_object_set_new(o, "path", jstr(c->path)) < 0 ||
	    json_object_set_new(o, "line", json_integer(c->line)) < 0 ||
	    json_object_set_new(o, "side", json_string("RIGHT")) < 0 ||
	    (range && (json_object_set_new(o, "start_line", json_integer(c->start_line)) < 0 ||
		       json_object_set_new(o, "start_side", json_string("RIGHT")) < 0)) ||
	    (commit_sha && json_object_set_new(o, "commit_id", jstr(commit_sha)) < 0) ||
	    json_object_set_new(o, "body", jstr(c->body)) < 0) {
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
		    json_object_set_new(o, "commit_id", jstr(rv->commit_sha)) == 0) &&
	     json_object_set_new(o, "event", json_string("COMMENT")) == 0 &&
	     json_object_set_new(o, "body", jstrn(body.ptr, body.len)) == 0;
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

		rc = send_json(f, "POST", forge_strf("%s/pulls/%ld/comments", f->repo_path, number),
			       inline_json(c, rv->commit_sha), NULL, err);
		if (rc == 0) {
			placed[i] = true;
			continue;
		}
		if (rc != FB_EINVAL)
			return rc;
		snprintf(line, sizeof line, "%ld", c->line);
		log_write(f->lg, LOG_INFO, "GitHub could not place a review comment", "path",
			  c->path ? c->path : "", "line", line, "reason", emsg(err), NULL);
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

		rc = send_json(f, "POST", forge_strf("%s/pulls/%ld/reviews", f->repo_path, number),
			       review_json(rv, first, n, k, m), NULL, err);
		if (rc == FB_EINVAL) {
			/* 422: usually a line outside the diff, which fails the whole review. */
			log_write(f->lg, LOG_INFO, "GitHub rejected a review; posting its comments "
				  "one at a time", "reason", emsg(err), NULL);
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

static const char *state_str(enum forge_state s)
{
	switch (s) {
	case FORGE_STATE_PENDING: return "pending";
	case FORGE_STATE_SUCCESS: return "success";
	case FORGE_STATE_FAILURE: return "failure";
	case FORGE_STATE_ERROR: return "error";
	}
	return "error";
}

static int status_set(struct forge *f, const struct forge_status *st, struct fb_error *err)
{
	json_t *o;

	if (st->sha == NULL)
		return fb_error_set(err, FB_EINVAL, "GitHub commit status: no commit sha");
	o = json_object();
	if (o == NULL || json_object_set_new(o, "state", json_string(state_str(st->state))) < 0 ||
	    (st->context && json_object_set_new(o, "context", jstr(st->context)) < 0) ||
	    (st->description &&
	     json_object_set_new(o, "description",
				 jstrn(st->description,
				       utf8_cut(st->description, GH_STATUS_DESC_MAX))) < 0) ||
	    (st->target_url && json_object_set_new(o, "target_url", jstr(st->target_url)) < 0)) {
		json_decref(o);
		o = NULL;
	}
	return send_json(f, "POST", forge_strf("%s/statuses/%s", f->repo_path, st->sha), o, NULL,
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

	if (o == NULL || json_object_set_new(o, "path", jstr(a->path)) < 0 ||
	    json_object_set_new(o, "start_line", json_integer(start)) < 0 ||
	    json_object_set_new(o, "end_line", json_integer(end)) < 0 ||
	    json_object_set_new(o, "annotation_level", json_string(level_str(a->level))) < 0 ||
	    json_object_set_new(o, "message", jstr(a->message)) < 0 ||
	    (a->title && json_object_set_new(o, "title", jstr(a->title)) < 0)) {
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
	ok = ok && json_object_set_new(o, "title", jstr(title)) == 0 &&
	     json_object_set_new(o, "summary",
				 jstrn(summary, utf8_cut(summary, GH_CHECK_TEXT_MAX))) == 0;
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

	if (o == NULL || json_object_set_new(o, "name", jstr(ck->name)) < 0 ||
	    json_object_set_new(o, "head_sha", jstr(ck->head_sha)) < 0 ||
	    json_object_set_new(o, "status", json_string(pending ? "in_progress" : "completed")) < 0 ||
	    (!pending && json_object_set_new(o, "conclusion", json_string(conclusion)) < 0) ||
	    (ck->details_url && json_object_set_new(o, "details_url", jstr(ck->details_url)) < 0) ||
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
	rc = send_json(f, "POST", forge_strf("%s/check-runs", f->repo_path),
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
		rc = send_json(f, "PATCH", forge_strf("%s/check-runs/%lld", f->repo_path, id), o,
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
				     : oom(err);
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
	if (o == NULL || path == NULL || json_object_set_new(o, "commit_sha", jstr(commit_sha)) < 0 ||
	    json_object_set_new(o, "ref", jstr(ref)) < 0 ||
	    json_object_set_new(o, "sarif", json_stringn(buf_cstr(&b64), b64.len)) < 0 ||
	    json_object_set_new(o, "tool_name", json_string("forgebot")) < 0) {
		rc = oom(err);
		goto out;
	}
	buf_release(&b64); /* the JSON has its own copy */
	if ((rc = forge_call(f, "POST", path, o, &json_call, &r, err)) < 0)
		goto out;
	if (out_id && (rc = dup_field(out_id, r.json, "id")) < 0)
		rc = oom(err);
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
		ok = json_array_append_new(list, jstr(labels[i])) == 0;
	if (ok) {
		ok = json_object_set_new(o, "labels", list) == 0; /* steals list */
		list = NULL;
	}
	json_decref(list);
	if (!ok) {
		json_decref(o);
		o = NULL;
	}
	return send_json(f, "POST", forge_strf("%s/issues/%ld/labels", f->repo_path, number), o,
			 NULL, err);
}

static int label_remove(struct forge *f, long number, const char *label, struct fb_error *err)
{
	char *name = forge_escape(label);
	int rc;

	if (name == NULL)
		return oom(err);
	rc = send_bare(f, "DELETE",
		       forge_strf("%s/issues/%ld/labels/%s", f->repo_path, number, name), err);
	free(name);
	if (rc == FB_ENOTFOUND) {
		fb_error_clear(err);
		rc = 0; /* it was not there: the state asked for */
	}
	return rc;
}

static int branch_create(struct forge *f, const char *name, const char *sha,
			 struct fb_error *err)
{
	struct forge_reply r;
	char *ref = forge_strf("refs/heads/%s", name);
	char *path = forge_strf("%s/git/refs", f->repo_path);
	json_t *o = json_object();
	int rc;

	forge_reply_init(&r);
	if (ref == NULL || path == NULL || o == NULL ||
	    json_object_set_new(o, "ref", jstr(ref)) < 0 ||
	    json_object_set_new(o, "sha", jstr(sha)) < 0) {
		rc = oom(err);
		goto out;
	}
	rc = forge_call(f, "POST", path, o, &json_call, &r, err);
	if (rc == FB_EINVAL && answer_mentions(&r, err, "already exists"))
		rc = fb_error_set(err, FB_ECONFLICT, "GitHub: branch '%s' already exists", name);
out:
	forge_reply_release(&r);
	json_decref(o);
	free(path);
	free(ref);
	return rc;
}

static json_t *pr_new_json(const struct forge_pr_new *req, bool draft)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, "head", jstr(req->head)) < 0 ||
	    json_object_set_new(o, "base", jstr(req->base)) < 0 ||
	    json_object_set_new(o, "title", jstr(req->title)) < 0 ||
	    (req->body && json_object_set_new(o, "body", jstr(req->body)) < 0) ||
	    json_object_set_new(o, "draft", json_boolean(draft)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* POST /pulls; `r` is released first, so it can be reused. */
static int pr_post(struct forge *f, const struct forge_pr_new *req, bool draft,
		   struct forge_reply *r, struct fb_error *err)
{
	json_t *o = pr_new_json(req, draft);
	char *path = forge_strf("%s/pulls", f->repo_path);
	int rc;

	forge_reply_release(r);
	forge_reply_init(r);
	if (o == NULL || path == NULL)
		rc = oom(err);
	else
		rc = forge_call(f, "POST", path, o, &json_call, r, err);
	json_decref(o);
	free(path);
	return rc;
}

/* A draft the repository cannot have (private on a free plan) is retried
 * once as a ready pull request, and out->draft says so. */
static int pr_create(struct forge *f, const struct forge_pr_new *req,
		     struct forge_pr_created *out, struct fb_error *err)
{
	struct forge_reply r;
	int rc;

	memset(out, 0, sizeof *out);
	out->draft = req->draft;
	forge_reply_init(&r);
	rc = pr_post(f, req, req->draft, &r, err);
	if (rc == FB_EINVAL && req->draft && answer_mentions(&r, err, "draft")) {
		log_write(f->lg, LOG_WARN, "GitHub refused a draft pull request; opening it ready "
			  "for review", "head", req->head ? req->head : "", "reason", emsg(err), NULL);
		out->draft = false;
		rc = pr_post(f, req, false, &r, err);
	}
	if (rc < 0)
		goto out;
	out->number = (long)forge_jint(r.json, "number");
	if (dup_field(&out->web_url, r.json, "html_url") < 0)
		rc = oom(err);
out:
	if (rc < 0)
		forge_pr_created_release(out);
	forge_reply_release(&r);
	return rc;
}

/* ---- CI jobs ---- */

/* Append s[0..len) to out, or when longer than max its tail under a
 * "[... N bytes cut ...]" line, starting on a whole line when one begins
 * within 1 KiB; the whole stays within max bytes. */
static int tail_append(struct buf *out, const char *s, size_t len, size_t max)
{
	char note[64];
	size_t start;
	const char *nl;
	int n, rc;

	if (len <= max)
		return buf_append(out, s, len);
	/* The note with the largest possible count bounds the real note. */
	n = snprintf(note, sizeof note, "[... %zu bytes cut ...]\n", len);
	if (n < 0 || (size_t)n >= max)
		return buf_append(out, s + len - max, max); /* no room for a note */
	start = len - (max - (size_t)n);
	if (s[start - 1] != '\n') {
		size_t look = len - start < 1024 ? len - start : 1024;
		nl = memchr(s + start, '\n', look);
		if (nl && (size_t)(nl + 1 - s) < len)
			start = (size_t)(nl + 1 - s);
	}
	snprintf(note, sizeof note, "[... %zu bytes cut ...]\n", start);
	if ((rc = buf_puts(out, note)) < 0)
		return rc;
	return buf_append(out, s + start, len - start);
}

/* The log endpoint redirects to storage that must not see our token. */
static int job_log(struct forge *f, long long job_id, size_t max, struct buf *out,
		   struct fb_error *err)
{
	const struct forge_call_opts o = { .raw = true, .no_auth_on_redirect = true,
					   .max_body = GH_JOB_LOG_FETCH_MAX > max ?
							       GH_JOB_LOG_FETCH_MAX : max };
	struct forge_reply r;
	char *path = NULL;
	int rc;

	forge_reply_init(&r);
	if (!(path = forge_strf("%s/actions/jobs/%lld/logs", f->repo_path, job_id))) {
		rc = oom(err);
		goto out;
	}
	if ((rc = forge_call(f, "GET", path, NULL, &o, &r, err)) < 0)
		goto out;
	if ((rc = tail_append(out, buf_cstr(&r.http.body), r.http.body.len, max)) < 0)
		rc = rc == FB_ELIMIT ? fb_error_set(err, rc, "GitHub job %lld: the log does not fit "
						    "in %zu bytes", job_id, out->max)
				     : oom(err);
out:
	forge_reply_release(&r);
	free(path);
	return rc;
}

static int job_rerun(struct forge *f, long long job_id, struct fb_error *err)
{
	return send_bare(f, "POST",
			 forge_strf("%s/actions/jobs/%lld/rerun", f->repo_path, job_id), err);
}

const struct forge_ops forge_github_ops = {
	.auth_headers = auth_headers,
	.auth_expired = auth_expired,
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
	.branch_create = branch_create,
	.pr_create = pr_create,
	.job_log = job_log,
	.job_rerun = job_rerun,
};
