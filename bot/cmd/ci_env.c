/*
 * ci_env.c - read the CI job's environment; see ci_env.h.
 *
 * GitHub Actions puts the pull request in the event payload: its number,
 * head and base shas and both repositories (a fork when they differ).  The
 * job checks out the merge commit (GITHUB_SHA); forgebot reviews the head
 * commit, whose lines are the ones review comments address.  GitLab puts
 * the same facts in CI_MERGE_REQUEST_* variables.
 */
#include "ci_env.h"

#include "../core/crypto.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_MAX_BYTES ((size_t)25 << 20)

static char *dup0(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static bool is_sha(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n != 40 || strspn(s, "0123456789abcdef") != n)
		return false;
	return strspn(s, "0") != n; /* forges send 40 zeros for "no commit" */
}

static int pick_token(struct ci_env *e, const char *const *names, const char *token_env,
		      ci_getenv_fn get, void *payload)
{
	if (token_env) {
		e->token = dup0(get(token_env, payload));
		e->token_source = strdup(token_env);
		return 0;
	}
	for (size_t i = 0; names[i]; i++) {
		const char *v = get(names[i], payload);
		if (v && *v) {
			e->token = strdup(v);
			e->token_source = strdup(names[i]);
			break;
		}
	}
	return 0;
}

static int github_event(struct ci_env *e, const char *path, struct fb_error *err)
{
	json_error_t je;
	json_t *ev, *pr;
	const char *head_repo, *base_repo;
	int rc = 0;

	ev = json_load_file(path, JSON_DECODE_ANY, &je);
	if (!ev)
		return fb_error_set(err, FB_EINVAL, "GITHUB_EVENT_PATH '%s' line %d: %s", path,
				    je.line, je.text);
	pr = json_object_get(ev, "pull_request");
	if (json_is_object(pr)) {
		e->number = (long)json_integer_value(json_object_get(pr, "number"));
		e->head_sha = dup0(json_string_value(json_object_get(json_object_get(pr, "head"), "sha")));
		e->base_sha = dup0(json_string_value(json_object_get(json_object_get(pr, "base"), "sha")));
		head_repo = json_string_value(json_object_get(
			json_object_get(json_object_get(pr, "head"), "repo"), "full_name"));
		base_repo = json_string_value(json_object_get(
			json_object_get(json_object_get(pr, "base"), "repo"), "full_name"));
		e->fork = !head_repo || !base_repo || strcmp(head_repo, base_repo) != 0;
		if (e->number <= 0 || !is_sha(e->head_sha) || !is_sha(e->base_sha))
			rc = fb_error_set(err, FB_EINVAL, "GITHUB_EVENT_PATH '%s': pull_request lacks "
					  "number, head.sha or base.sha", path);
	} else {
		/* A push: review what it added since "before". */
		const char *before = json_string_value(json_object_get(ev, "before"));
		e->base_sha = is_sha(before) ? strdup(before) : NULL;
	}
	json_decref(ev);
	return rc;
}

/* A GitHub App identity: comments come from the app's bot account.
 * Returns 1 when configured, 0 when not, or an error. */
static int github_app(struct ci_env *e, ci_getenv_fn get, void *p, struct fb_error *err)
{
	const char *id = get("FORGEBOT_GITHUB_APP_ID", p);
	const char *key = get("FORGEBOT_GITHUB_APP_PRIVATE_KEY", p);
	const char *file = get("FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE", p);
	if (!id || !*id)
		return 0;
	if (key && *key) {
		e->app_key = strdup(key);
	} else if (file && *file) {
		FILE *fp = fopen(file, "rb");
		struct buf b;
		if (!fp)
			return fb_error_set(err, FB_EINVAL, "FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE '%s' "
					    "cannot be read", file);
		buf_init(&b, 64 << 10);
		if (buf_read_stream(&b, fp) < 0) {
			fclose(fp);
			buf_release(&b);
			return fb_error_set(err, FB_EINVAL, "FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE '%s' "
					    "is not a key file", file);
		}
		fclose(fp);
		e->app_key = buf_detach(&b);
	} else {
		return fb_error_set(err, FB_EINVAL, "FORGEBOT_GITHUB_APP_ID is set but neither "
				    "FORGEBOT_GITHUB_APP_PRIVATE_KEY nor ..._FILE is");
	}
	e->app_id = strdup(id);
	e->auth = FORGE_AUTH_GITHUB_APP;
	e->token_source = strdup("FORGEBOT_GITHUB_APP_ID");
	return 1;
}

static int detect_github(struct ci_env *e, const char *token_env, ci_getenv_fn get, void *p,
			 struct fb_error *err)
{
	static const char *const tokens[] = { "FORGEBOT_GITHUB_TOKEN", "GITHUB_TOKEN", NULL };
	const char *event = get("GITHUB_EVENT_PATH", p), *sha = get("GITHUB_SHA", p);
	const char *server = get("GITHUB_SERVER_URL", p), *run = get("GITHUB_RUN_ID", p);
	const char *ref = get("GITHUB_REF", p);
	int rc;

	e->forge = FORGE_GITHUB;
	e->repo = dup0(get("GITHUB_REPOSITORY", p));
	e->api_url = dup0(get("GITHUB_API_URL", p));
	if (!e->repo || !is_sha(sha))
		return fb_error_set(err, FB_EINVAL, "GitHub Actions: GITHUB_REPOSITORY and GITHUB_SHA "
				    "must be set (run forgebot ci inside a workflow job)");
	e->checkout_sha = strdup(sha);
	if (event && *event && (rc = github_event(e, event, err)) < 0)
		return rc;
	if (!e->head_sha)
		e->head_sha = strdup(sha);
	e->sarif_sha = strdup(sha);
	e->sarif_ref = dup0(ref);
	if (!e->sarif_ref && e->number) {
		char r[64];
		snprintf(r, sizeof r, "refs/pull/%ld/head", e->number);
		e->sarif_ref = strdup(r);
		free(e->sarif_sha);
		e->sarif_sha = strdup(e->head_sha);
	}
	if (server && run && e->repo) {
		size_t n = strlen(server) + strlen(e->repo) + strlen(run) + 32;
		if ((e->details_url = malloc(n)))
			snprintf(e->details_url, n, "%s/%s/actions/runs/%s", server, e->repo, run);
	}
	e->auth = FORGE_AUTH_TOKEN;
	if ((rc = github_app(e, get, p, err)) != 0)
		return rc < 0 ? rc : 0;
	return pick_token(e, tokens, token_env, get, p);
}

static int detect_gitlab(struct ci_env *e, const char *token_env, ci_getenv_fn get, void *p,
			 struct fb_error *err)
{
	static const char *const tokens[] = { "FORGEBOT_GITLAB_TOKEN", "GITLAB_TOKEN", NULL };
	const char *iid = get("CI_MERGE_REQUEST_IID", p), *sha = get("CI_COMMIT_SHA", p);
	const char *src = get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", p);
	const char *src_proj = get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", p);
	const char *before = get("CI_COMMIT_BEFORE_SHA", p);

	e->forge = FORGE_GITLAB;
	/* A merge request from a fork runs in the fork's project; the MR and
	 * its notes live in the target project. */
	e->repo = dup0(get("CI_MERGE_REQUEST_PROJECT_ID", p));
	if (!e->repo)
		e->repo = dup0(get("CI_PROJECT_ID", p));
	e->api_url = dup0(get("CI_API_V4_URL", p));
	if (!e->repo || !is_sha(sha))
		return fb_error_set(err, FB_EINVAL, "GitLab CI: CI_PROJECT_ID and CI_COMMIT_SHA must "
				    "be set (run forgebot ci inside a pipeline job)");
	e->checkout_sha = strdup(sha);
	if (iid && *iid) {
		char *end;
		e->number = strtol(iid, &end, 10);
		if (*end || e->number <= 0)
			return fb_error_set(err, FB_EINVAL, "CI_MERGE_REQUEST_IID '%s' is not a number",
					    iid);
		/* Merged-results pipelines check out a merge commit; the MR's
		 * own head is the source branch sha. */
		e->head_sha = strdup(is_sha(src) ? src : sha);
		e->base_sha = dup0(get("CI_MERGE_REQUEST_DIFF_BASE_SHA", p));
		if (!is_sha(e->base_sha))
			return fb_error_set(err, FB_EINVAL, "GitLab CI: CI_MERGE_REQUEST_DIFF_BASE_SHA is "
					    "missing; use a merge request pipeline (rules: "
					    "$CI_PIPELINE_SOURCE == \"merge_request_event\")");
		e->fork = src_proj && *src_proj && strcmp(src_proj, e->repo) != 0;
	} else {
		e->head_sha = strdup(sha);
		e->base_sha = is_sha(before) ? strdup(before) : NULL;
	}
	e->details_url = dup0(get("CI_JOB_URL", p));
	e->auth = FORGE_AUTH_TOKEN;
	pick_token(e, tokens, token_env, get, p);
	if (!e->token && !token_env) {
		const char *oauth = get("FORGEBOT_GITLAB_OAUTH_TOKEN", p);
		if (oauth && *oauth) {
			e->token = strdup(oauth);
			e->token_source = strdup("FORGEBOT_GITLAB_OAUTH_TOKEN");
			e->auth = FORGE_AUTH_OAUTH;
		}
	}
	if (!e->token && !token_env) {
		const char *jt = get("CI_JOB_TOKEN", p);
		if (jt && *jt) {
			e->token = strdup(jt);
			e->token_source = strdup("CI_JOB_TOKEN");
			e->auth = FORGE_AUTH_JOB_TOKEN;
			e->job_token_only = true;
		}
	}
	return 0;
}

int ci_env_detect(struct ci_env *out, const char *want, const char *token_env, ci_getenv_fn get,
		  void *payload, struct fb_error *err)
{
	const char *gh = get("GITHUB_ACTIONS", payload), *gl = get("GITLAB_CI", payload);
	bool github;

	memset(out, 0, sizeof *out);
	if (want && strcmp(want, "github") != 0 && strcmp(want, "gitlab") != 0)
		return fb_error_set(err, FB_EINVAL, "unknown forge '%s' (use github or gitlab)", want);
	if (want)
		github = strcmp(want, "github") == 0;
	else if (gh && strcmp(gh, "true") == 0)
		github = true;
	else if (gl && strcmp(gl, "true") == 0)
		github = false;
	else
		return fb_error_set(err, FB_ENOTFOUND, "not running in GitHub Actions or GitLab CI "
				    "(GITHUB_ACTIONS and GITLAB_CI are unset); use forgebot review "
				    "locally, or --forge with the CI variables set");
	return github ? detect_github(out, token_env, get, payload, err)
		      : detect_gitlab(out, token_env, get, payload, err);
}

void ci_env_release(struct ci_env *e)
{
	crypto_secret_free(e->token);
	crypto_secret_free(e->app_key);
	free(e->app_id);
	free(e->token_source);
	free(e->api_url);
	free(e->repo);
	free(e->head_sha);
	free(e->base_sha);
	free(e->checkout_sha);
	free(e->sarif_ref);
	free(e->sarif_sha);
	free(e->details_url);
	memset(e, 0, sizeof *e);
}
