/*
 * forge.c - the forge object, dispatch, and the one request path.
 *
 * Every operation in forge.h is a one-line dispatch through the forge's
 * `struct forge_ops` (github.c or gitlab.c).  What both forges share lives
 * here: building URLs and headers, turning HTTP statuses into our error
 * codes with a message that names the endpoint and quotes the forge (never
 * the token), and pagination.
 */
#include "forge_priv.h"
#include "github_priv.h"

#include "../core/crypto.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define FORGE_USER_AGENT "forgebot/" FORGEBOT_VERSION
#define FORGE_MAX_PAGES 1000

static const char *default_api(enum forge_kind k)
{
	return k == FORGE_GITHUB ? "https://api.github.com" : "https://gitlab.com/api/v4";
}

char *forge_strdup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *forge_strf(const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return NULL;
	return strdup(tmp);
}

char *forge_escape(const char *s)
{
	struct buf b;

	buf_init(&b, 4096);
	if (http_escape(&b, s) != 0 || buf_putc(&b, '\0') != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

const char *forge_jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long forge_jint(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

bool forge_jbool(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

char *forge_jdup(const json_t *obj, const char *key)
{
	return forge_strdup0(forge_jstr(obj, key));
}

/* A GitHub repository is "owner/name"; GitLab takes a numeric id or a
 * namespace path, which goes URL-encoded into one path segment. */
static int build_repo_path(struct forge *f, struct fb_error *err)
{
	const char *r = f->repo;

	if (f->kind == FORGE_GITHUB) {
		const char *slash = strchr(r, '/');
		if (!slash || slash == r || !slash[1] || strchr(slash + 1, '/') ||
		    strpbrk(r, " ?#%\\"))
			return fb_error_set(err, FB_EINVAL,
					    "GitHub repository '%s' is not of the form owner/name", r);
		f->repo_path = forge_strf("/repos/%s", r);
	} else {
		char *esc;
		if (!*r || r[0] == '/' || r[strlen(r) - 1] == '/')
			return fb_error_set(err, FB_EINVAL,
					    "GitLab project '%s' is neither an id nor group/project", r);
		esc = forge_escape(r);
		f->repo_path = esc ? forge_strf("/projects/%s", esc) : NULL;
		free(esc);
	}
	return f->repo_path ? 0 : fb_error_set(err, FB_ENOMEM, "out of memory");
}

static int copy_auth(struct forge *f, const struct forge_auth *a, struct fb_error *err)
{
	f->auth = *a;
	f->auth.token = f->auth_token_copy = forge_strdup0(a->token);
	f->auth.app_id = f->app_id_copy = forge_strdup0(a->app_id);
	f->auth.app_key_pem = f->app_key_copy = forge_strdup0(a->app_key_pem);
	if ((a->token && !f->auth_token_copy) || (a->app_id && !f->app_id_copy) ||
	    (a->app_key_pem && !f->app_key_copy))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	if (a->kind == FORGE_AUTH_GITHUB_APP && (!a->app_id || !a->app_key_pem))
		return fb_error_set(err, FB_EINVAL, "GitHub App auth needs the app id and its private key");
	if ((a->kind == FORGE_AUTH_TOKEN || a->kind == FORGE_AUTH_JOB_TOKEN ||
	     a->kind == FORGE_AUTH_OAUTH) && (!a->token || !*a->token))
		return fb_error_set(err, FB_EAUTH, "the %s token is empty",
				    f->kind == FORGE_GITHUB ? "GitHub" : "GitLab");
	return 0;
}

int forge_new(struct forge **out, const struct forge_opts *opts, struct fb_error *err)
{
	struct http_client_opts ho = { 0 };
	struct forge *f;
	const char *api = opts->api_url && *opts->api_url ? opts->api_url : default_api(opts->kind);
	size_t alen = strlen(api);
	int rc;

	*out = NULL;
	if (strncmp(api, "https://", 8) != 0 && strncmp(api, "http://", 7) != 0)
		return fb_error_set(err, FB_EINVAL, "API URL '%s' must start with https://", api);
	if (!opts->repo || !*opts->repo)
		return fb_error_set(err, FB_EINVAL, "no repository given");
	f = calloc(1, sizeof *f);
	if (!f)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	f->kind = opts->kind;
	f->ops = opts->kind == FORGE_GITHUB ? &forge_github_ops : &forge_gitlab_ops;
	f->lg = opts->lg;
	f->rate_remaining = -1;
	while (alen && api[alen - 1] == '/')
		alen--;
	f->api_url = strndup(api, alen);
	f->repo = strdup(opts->repo);
	rc = (!f->api_url || !f->repo) ? fb_error_set(err, FB_ENOMEM, "out of memory") : 0;
	if (rc == 0)
		rc = build_repo_path(f, err);
	if (rc == 0)
		rc = copy_auth(f, &opts->auth, err);
	if (rc == 0) {
		ho.user_agent = FORGE_USER_AGENT;
		ho.timeout_ms = opts->timeout_ms;
		ho.max_attempts = opts->max_attempts;
		ho.max_wait_ms = opts->max_wait_ms;
		ho.dry_run = opts->dry_run;
		ho.dry_out = opts->dry_out;
		ho.lg = opts->lg;
		rc = http_client_new(&f->http, &ho, err);
	}
	if (rc != 0) {
		forge_free(f);
		return rc;
	}
	*out = f;
	return 0;
}

void forge_free(struct forge *f)
{
	if (!f)
		return;
	http_client_free(f->http);
	free(f->api_url);
	free(f->repo);
	free(f->repo_path);
	crypto_secret_free(f->auth_token_copy);
	free(f->app_id_copy);
	crypto_secret_free(f->app_key_copy);
	crypto_secret_free(f->app_token);
	free(f);
}

enum forge_kind forge_kind(const struct forge *f) { return f->kind; }
const char *forge_name(const struct forge *f) { return f->kind == FORGE_GITHUB ? "GitHub" : "GitLab"; }
bool forge_dry_run(const struct forge *f) { return http_client_dry_run(f->http); }
unsigned long forge_calls(const struct forge *f) { return f->calls; }
long forge_rate_remaining(const struct forge *f) { return f->rate_remaining; }

const char *forge_state_str(enum forge_state s)
{
	switch (s) {
	case FORGE_STATE_PENDING: return "pending";
	case FORGE_STATE_SUCCESS: return "success";
	case FORGE_STATE_FAILURE: return "failure";
	case FORGE_STATE_ERROR: return "error";
	}
	return "error";
}

void forge_reply_init(struct forge_reply *r)
{
	memset(r, 0, sizeof *r);
	http_response_init(&r->http);
}

void forge_reply_release(struct forge_reply *r)
{
	json_decref(r->json);
	r->json = NULL;
	http_response_release(&r->http);
}

/* The forge's own words from an error body: GitHub {"message", "errors":
 * [...]}, GitLab {"message": string|object} or {"error": "..."}. */
static void forge_message(char *out, size_t n, const struct forge_reply *r)
{
	const json_t *j = r->json;
	json_t *msg = json_object_get(j, "message"), *errors = json_object_get(j, "errors");
	size_t used = 0;

	out[0] = '\0';
	if (json_is_string(msg)) {
		used = (size_t)snprintf(out, n, "%s", json_string_value(msg));
	} else if (msg || json_object_get(j, "error")) {
		char *d = json_dumps(msg ? msg : json_object_get(j, "error"),
				     JSON_COMPACT | JSON_ENCODE_ANY);
		const char *s = json_is_string(json_object_get(j, "error"))
				? json_string_value(json_object_get(j, "error")) : d;
		used = (size_t)snprintf(out, n, "%s", s ? s : "");
		free(d);
	} else if (r->http.body.len && r->http.body.len < 300 && !j) {
		used = (size_t)snprintf(out, n, "%.*s", (int)r->http.body.len, r->http.body.ptr);
	}
	if (used >= n)
		return;
	for (size_t i = 0; json_is_array(errors) && i < json_array_size(errors) && i < 3; i++) {
		json_t *e = json_array_get(errors, i);
		const char *s = json_is_string(e) ? json_string_value(e) : forge_jstr(e, "message");
		if (!s)
			s = forge_jstr(e, "code");
		if (s && used < n)
			used += (size_t)snprintf(out + used, n - used, "%s%s", used ? "; " : "", s);
	}
	/* One line: a multi-line forge message would break our log format. */
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static int status_code(long status, const struct http_response *h)
{
	switch (status) {
	case 401: return FB_EAUTH;
	case 403: return http_rate_limit_wait_ms(h, (long long)time(NULL)) >= 0 ? FB_ERETRY
									       : FB_EFORBIDDEN;
	case 404: return FB_ENOTFOUND;
	case 406: case 413: return FB_ELIMIT;
	case 409: return FB_ECONFLICT;
	case 400: case 422: return FB_EINVAL;
	case 429: case 500: case 502: case 503: case 504: return FB_ERETRY;
	default: return status >= 500 ? FB_ERETRY : FB_EINTERNAL;
	}
}

static const char *status_hint(long status, enum forge_kind k)
{
	switch (status) {
	case 401: return " (check the token: it is missing, expired or revoked)";
	case 403: return k == FORGE_GITHUB ? " (the token lacks a permission this call needs)"
					   : " (the token's role or scope does not allow this)";
	case 429: return " (rate limited; gave up after retrying)";
	default: return "";
	}
}

static int fail_status(struct forge *f, const char *method, const char *path,
		       struct forge_reply *r, struct fb_error *err)
{
	char msg[300], where[400];
	size_t plen = strcspn(path, "?");

	if (strncmp(path, f->api_url, strlen(f->api_url)) == 0) {
		path += strlen(f->api_url);
		plen = strcspn(path, "?");
	}
	snprintf(where, sizeof where, "%.*s", (int)plen, path);
	forge_message(msg, sizeof msg, r);
	return fb_error_set(err, status_code(r->status, &r->http), "%s %s %s: %ld%s%s%s",
			    forge_name(f), method, where, r->status, msg[0] ? ": " : "", msg,
			    status_hint(r->status, f->kind));
}

/* Headers for one call: auth lines, Accept, the API version, Content-Type. */
static int call_headers(struct forge *f, const struct forge_call_opts *o, bool has_body,
			char **hdr, size_t *n, struct fb_error *err)
{
	int k = f->ops->auth_headers(f, hdr, err);

	if (k < 0)
		return k;
	*n = (size_t)k;
	if (f->kind == FORGE_GITHUB) {
		hdr[(*n)++] = forge_strf("Accept: %s", o->accept ? o->accept
								: "application/vnd.github+json");
		hdr[(*n)++] = strdup("X-GitHub-Api-Version: 2022-11-28");
	} else {
		hdr[(*n)++] = forge_strf("Accept: %s", o->accept ? o->accept : "application/json");
	}
	if (has_body)
		hdr[(*n)++] = forge_strf("Content-Type: %s",
					 o->content_type ? o->content_type : "application/json");
	for (size_t i = 0; i < *n; i++)
		if (!hdr[i])
			return fb_error_set(err, FB_ENOMEM, "out of memory");
	return 0;
}

static void free_headers(char **hdr, size_t n)
{
	/* Auth lines hold secrets: wiped before they are freed. */
	for (size_t i = 0; i < n; i++)
		crypto_secret_free(hdr[i]);
}

static int call_once(struct forge *f, const char *method, const char *url, const char *body,
		     size_t body_len, const struct forge_call_opts *o, struct forge_reply *out,
		     struct fb_error *err)
{
	char *hdr[8] = { 0 };
	size_t n = 0;
	struct http_request rq = { 0 };
	int rc = call_headers(f, o, body != NULL, hdr, &n, err);

	if (rc == 0) {
		rq.method = method;
		rq.url = url;
		rq.headers = (const char *const *)hdr;
		rq.nheaders = n;
		rq.body = body;
		rq.body_len = body_len;
		rq.idempotent = o->idempotent;
		rq.no_auth_on_redirect = o->no_auth_on_redirect;
		rq.max_body = o->max_body;
		f->calls++;
		rc = http_send(f->http, &rq, &out->http, err);
		out->status = out->http.status;
		if (out->http.rate_remaining >= 0)
			f->rate_remaining = out->http.rate_remaining;
	}
	free_headers(hdr, sizeof hdr / sizeof hdr[0]);
	return rc;
}

static int decode_json(struct forge_reply *out)
{
	json_error_t je;

	if (out->http.body.len == 0)
		return 0;
	out->json = json_loadb(out->http.body.ptr, out->http.body.len, JSON_DECODE_ANY, &je);
	return 0; /* a non-JSON answer leaves json NULL; callers needing it check */
}

int forge_call(struct forge *f, const char *method, const char *path, json_t *json,
	       const struct forge_call_opts *opts, struct forge_reply *out, struct fb_error *err)
{
	static const struct forge_call_opts none = { 0 };
	const struct forge_call_opts *o = opts ? opts : &none;
	char *url = NULL, *body = NULL;
	const char *send = o->body;
	size_t send_len = o->body_len;
	int rc;

	json_decref(out->json);
	out->json = NULL;
	url = strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0
		      ? strdup(path) : forge_strf("%s%s", f->api_url, path);
	if (json) {
		body = json_dumps(json, JSON_COMPACT);
		send = body;
		send_len = body ? strlen(body) : 0;
	}
	if (!url || (json && !body)) {
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
		goto out;
	}
	rc = call_once(f, method, url, send, send_len, o, out, err);
	if (rc == 0 && out->status == 401 && f->ops->auth_expired &&
	    f->auth.kind == FORGE_AUTH_GITHUB_APP) {
		/* An installation token can be revoked early: renew once. */
		f->ops->auth_expired(f);
		rc = call_once(f, method, url, send, send_len, o, out, err);
	}
	if (rc != 0 || out->status == 0)
		goto out;
	if (!o->raw)
		decode_json(out);
	if (out->status < 200 || out->status > 299)
		rc = fail_status(f, method, path, out, err);
out:
	free(url);
	free(body);
	return rc;
}

/* Set or replace page=N in a path's query. */
static char *with_page(const char *path, long page)
{
	const char *q = strchr(path, '?');

	return forge_strf("%s%sper_page=100&page=%ld", path, q ? "&" : "?", page);
}

int forge_paginate(struct forge *f, const char *path, size_t max_items, forge_item_cb cb,
		   void *payload, struct fb_error *err)
{
	struct forge_reply r;
	char *next = with_page(path, 1);
	size_t seen = 0;
	int rc = 0;

	forge_reply_init(&r);
	for (int page = 1; next && page <= FORGE_MAX_PAGES; page++) {
		rc = forge_call(f, "GET", next, NULL, NULL, &r, err);
		free(next);
		next = NULL;
		if (rc != 0 || r.status == 0)
			break;
		if (!json_is_array(r.json)) {
			rc = fb_error_set(err, FB_EINTERNAL, "%s GET %s: the answer is not a JSON list",
					  forge_name(f), path);
			break;
		}
		for (size_t i = 0; i < json_array_size(r.json) && rc == 0; i++) {
			if (max_items && seen >= max_items)
				goto out;
			seen++;
			rc = cb(f, json_array_get(r.json, i), payload);
		}
		if (rc != 0 || json_array_size(r.json) == 0)
			break;
		if (r.http.link_next)
			next = strdup(r.http.link_next);
		else if (r.http.next_page > page)
			next = with_page(path, r.http.next_page);
	}
out:
	free(next);
	forge_reply_release(&r);
	return rc;
}

/* ---- dispatch ---- */

int forge_pr_get(struct forge *f, long n, struct forge_pr *out, struct fb_error *err)
{
	memset(out, 0, sizeof *out);
	return f->ops->pr_get(f, n, out, err);
}

void forge_pr_release(struct forge_pr *pr)
{
	free(pr->title);
	free(pr->head_sha);
	free(pr->base_sha);
	free(pr->start_sha);
	free(pr->head_ref);
	free(pr->base_ref);
	free(pr->head_repo);
	free(pr->web_url);
	free(pr->author);
	memset(pr, 0, sizeof *pr);
}

int forge_whoami(struct forge *f, char **out, struct fb_error *err)
{
	*out = NULL;
	if (forge_dry_run(f))
		return FB_ENOTFOUND;
	return f->ops->whoami(f, out, err);
}

int forge_pr_diff(struct forge *f, long n, struct buf *out, struct fb_error *err)
{
	return f->ops->pr_diff(f, n, out, err);
}

int forge_pr_files(struct forge *f, long n, forge_file_cb cb, void *p, struct fb_error *err)
{
	return f->ops->pr_files(f, n, cb, p, err);
}

int forge_comments_list(struct forge *f, long n, forge_comment_cb cb, void *p,
			struct fb_error *err)
{
	return f->ops->comments_list(f, n, cb, p, err);
}

int forge_note_create(struct forge *f, long n, const char *body, long long *out_id,
		      struct fb_error *err)
{
	if (out_id)
		*out_id = 0;
	return f->ops->note_create(f, n, body, out_id, err);
}

int forge_note_update(struct forge *f, long n, long long id, const char *body,
		      struct fb_error *err)
{
	return f->ops->note_update(f, n, id, body, err);
}

int forge_comment_update(struct forge *f, long n, const struct forge_comment *c,
			 const char *body, struct fb_error *err)
{
	return f->ops->comment_update(f, n, c, body, err);
}

int forge_comment_delete(struct forge *f, long n, const struct forge_comment *c,
			 struct fb_error *err)
{
	return f->ops->comment_delete(f, n, c, err);
}

int forge_comment_reply(struct forge *f, long n, const struct forge_comment *c, const char *body,
			struct fb_error *err)
{
	return f->ops->comment_reply(f, n, c, body, err);
}

int forge_discussion_resolve(struct forge *f, long n, const char *id, bool resolved,
			     struct fb_error *err)
{
	return f->ops->discussion_resolve(f, n, id, resolved, err);
}

int forge_review_post(struct forge *f, long n, const struct forge_review *rv, bool *placed,
		      struct fb_error *err)
{
	for (size_t i = 0; i < rv->ncomments; i++)
		placed[i] = false;
	return f->ops->review_post(f, n, rv, placed, err);
}

int forge_status_set(struct forge *f, const struct forge_status *st, struct fb_error *err)
{
	return f->ops->status_set(f, st, err);
}

int forge_check_publish(struct forge *f, const struct forge_check *ck, struct fb_error *err)
{
	return f->ops->check_publish(f, ck, err);
}

int forge_sarif_upload(struct forge *f, const char *sha, const char *ref, const char *sarif,
		       size_t len, char **out_id, struct fb_error *err)
{
	if (out_id)
		*out_id = NULL;
	return f->ops->sarif_upload(f, sha, ref, sarif, len, out_id, err);
}

int forge_labels_add(struct forge *f, long n, const char *const *labels, size_t nl,
		     struct fb_error *err)
{
	return f->ops->labels_add(f, n, labels, nl, err);
}

int forge_label_remove(struct forge *f, long n, const char *label, struct fb_error *err)
{
	return f->ops->label_remove(f, n, label, err);
}

int forge_branch_create(struct forge *f, const char *name, const char *sha, struct fb_error *err)
{
	return f->ops->branch_create(f, name, sha, err);
}

void forge_pr_created_release(struct forge_pr_created *c)
{
	free(c->web_url);
	memset(c, 0, sizeof *c);
}

int forge_pr_create(struct forge *f, const struct forge_pr_new *req, struct forge_pr_created *out,
		    struct fb_error *err)
{
	memset(out, 0, sizeof *out);
	return f->ops->pr_create(f, req, out, err);
}

int forge_job_log(struct forge *f, long long id, size_t max, struct buf *out,
		  struct fb_error *err)
{
	return f->ops->job_log(f, id, max, out, err);
}

int forge_job_rerun(struct forge *f, long long id, struct fb_error *err)
{
	return f->ops->job_rerun(f, id, err);
}

/* The host of `url`, lower-cased, into out (n bytes); false if none. */
static bool url_host(char *out, size_t n, const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool ok = false;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && strlen(host) < n) {
		for (size_t i = 0; host[i]; i++)
			out[i] = (char)(host[i] >= 'A' && host[i] <= 'Z' ? host[i] + 32 : host[i]);
		out[strlen(host)] = '\0';
		ok = true;
	}
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* Does `url` live on the forge's own host (see forge_git_credentials)?
 * `git` receives the URL's host for messages. */
static bool forge_owns_url(const struct forge *f, const char *url, char git[256])
{
	char api[256];

	snprintf(git, 256, "?");
	if (!url_host(git, 256, url) || !url_host(api, sizeof api, f->api_url))
		return false;
	return strcmp(api, git) == 0 || (strncmp(api, "api.", 4) == 0 && strcmp(api + 4, git) == 0);
}

int forge_git_credentials(struct forge *f, const char *url, const char **user,
			  const char **password, struct fb_error *err)
{
	char host[256];
	int rc;

	*user = *password = NULL;
	if (f->auth.kind == FORGE_AUTH_NONE)
		return 0;
	if (!forge_owns_url(f, url, host))
		return fb_error_set(err, FB_EINVAL, "refusing to send %s credentials to '%s': not the "
				    "forge's host (the API is at %s)", forge_name(f), host, f->api_url);
	if (f->kind == FORGE_GITHUB && f->auth.kind == FORGE_AUTH_GITHUB_APP) {
		if ((rc = github_app_token(f, password, err)) < 0)
			return rc;
	} else {
		*password = f->auth.token;
	}
	if (*password == NULL || **password == '\0') {
		*password = NULL;
		return 0;
	}
	if (f->kind == FORGE_GITHUB)
		*user = "x-access-token";
	else
		*user = f->auth.kind == FORGE_AUTH_JOB_TOKEN ? "gitlab-ci-token" : "oauth2";
	return 0;
}
