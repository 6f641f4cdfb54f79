/*
 * ci_env.h - what a CI job's environment says about the change to review.
 *
 * A pure function of the environment (and, on GitHub, the event file it
 * names), so tests can feed it any environment: GitHub Actions is
 * GITHUB_ACTIONS=true with GITHUB_EVENT_PATH, GITHUB_REPOSITORY...; GitLab
 * CI is GITLAB_CI=true with CI_PROJECT_ID, CI_API_V4_URL, CI_MERGE_REQUEST_*.
 * No secret is copied into messages.
 */
#ifndef FB_CMD_CI_ENV_H
#define FB_CMD_CI_ENV_H

#include <stdbool.h>

#include "../core/err.h"
#include "../forge/forge.h"

/* Look up an environment variable; NULL when unset. */
typedef const char *(*ci_getenv_fn)(const char *name, void *payload);

struct ci_env {
	enum forge_kind forge;
	char *api_url;
	char *repo;           /* GitHub owner/name; GitLab project id */
	long number;          /* pull/merge request; 0 on a push pipeline */
	char *head_sha;       /* the commit to review */
	char *base_sha;       /* where the change starts (PR base / MR diff base / push before) */
	char *checkout_sha;   /* what the job checked out (GitHub: the merge commit) */
	char *sarif_ref;      /* GitHub code scanning ref */
	char *sarif_sha;
	char *details_url;    /* this job's page */
	char *token;          /* owned secret; NULL when none */
	char *token_source;   /* the variable it came from, for messages */
	enum forge_auth_kind auth;
	char *app_id;         /* GitHub App (FORGEBOT_GITHUB_APP_ID), or NULL */
	char *app_key;        /* its PEM private key (owned secret) */
	bool fork;            /* a pull request from another repository */
	bool job_token_only;  /* GitLab CI_JOB_TOKEN: cannot post notes */
};

/*
 * Fill `out` from the environment.  `want` forces a forge (else detected);
 * `token_env` names the token variable (NULL: the defaults in docs/ci.md).
 * FB_ENOTFOUND when neither CI is detected; FB_EINVAL for an unreadable or
 * malformed event file or missing variables (the message names them).
 */
int ci_env_detect(struct ci_env *out, const char *want, const char *token_env, ci_getenv_fn get,
		  void *payload, struct fb_error *err);
void ci_env_release(struct ci_env *e);

#endif
