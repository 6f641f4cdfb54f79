/*
 * github_auth.c - how forgebot authenticates to GitHub.
 *
 * A token (Actions' GITHUB_TOKEN, a personal or OAuth token) goes as a
 * Bearer header.  A GitHub App signs a JWT with its key (crypto.c) and
 * exchanges it for an installation token, cached in `f->app_token` until
 * five minutes before it expires and dropped after a 401.  The JWT works
 * only on app endpoints and must not go through forge_call (which would
 * authorize with the token being fetched), so those two calls go straight
 * to http_send.  Neither the JWT nor the token appears in a message or log.
 */
#include "forge_priv.h"
#include "github_priv.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/crypto.h"

#define GH_APP_ANSWER_MAX ((size_t)1 << 20)
#define GH_TOKEN_LIFETIME 3600    /* when expires_at is missing: GitHub's one hour */
#define GH_TOKEN_RENEW_EARLY 300
#define GH_TOKEN_MIN_LIFE 60

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
		rc = forge_oom(err);
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
	crypto_secret_free(auth);
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
		return forge_oom(err);
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
		rc = forge_oom(err);
		goto out;
	}
	if ((rc = app_call(f, "POST", path, buf_cstr(&jwt), &ans, err)) < 0)
		goto out;
	if (forge_jstr(ans, "token") == NULL) {
		rc = fb_error_set(err, FB_EINTERNAL,
				  "GitHub App authentication: POST %s: the answer has no token", path);
		goto out;
	}
	if ((rc = forge_dup_field(&token, ans, "token")) < 0) {
		rc = forge_oom(err);
		goto out;
	}
	crypto_secret_free(f->app_token);
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

int github_app_token(struct forge *f, const char **out, struct fb_error *err)
{
	int rc;

	*out = NULL;
	if ((f->app_token == NULL || time(NULL) >= f->app_token_renew_at) &&
	    (rc = app_token_renew(f, err)) < 0)
		return rc;
	*out = f->app_token;
	return 0;
}

/* One "Authorization: Bearer" line: the configured token, or the App's
 * installation token (renewed when due).  No header without credentials,
 * and none for an App in dry-run mode, where nothing is sent. */
int github_auth_headers(struct forge *f, char **hdr, struct fb_error *err)
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
		if ((rc = github_app_token(f, &token, err)) < 0)
			return rc;
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
		return forge_oom(err);
	return 1;
}

/* After a 401: drop the App token so that the next call fetches another. */
void github_auth_expired(struct forge *f)
{
	crypto_secret_free(f->app_token);
	f->app_token = NULL;
	f->app_token_renew_at = 0;
}

int github_app_login(struct forge *f, char **out, struct fb_error *err)
{
	struct buf jwt;
	json_t *ans = NULL;
	const char *slug;
	int rc;

	*out = NULL;
	buf_init(&jwt, 16384);
	rc = crypto_github_app_jwt(&jwt, f->auth.app_id, f->auth.app_key_pem, time(NULL), err);
	if (rc == 0)
		rc = app_call(f, "GET", "/app", buf_cstr(&jwt), &ans, err);
	if (rc == 0 && !(slug = forge_jstr(ans, "slug")))
		rc = fb_error_set(err, FB_EINTERNAL, "GitHub GET /app: the answer has no slug");
	else if (rc == 0 && !(*out = forge_strf("%s[bot]", slug)))
		rc = forge_oom(err);
	json_decref(ans);
	crypto_secret_free(buf_detach(&jwt));
	return rc;
}
