/*
 * server_config.h - the server's configuration, validated once at start.
 *
 * Read from FORGEBOT_* environment variables (docs/configuration.md lists
 * every one with its default) into an immutable struct that is passed down
 * as `const struct server_config *`.  Secrets are owned copies, wiped when
 * released, and never logged.
 */
#ifndef FB_CORE_SERVER_CONFIG_H
#define FB_CORE_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SERVER_MAX_SECRETS 8

struct server_config {
	char *listen;                 /* FORGEBOT_LISTEN / --listen, default 127.0.0.1:8080 */
	char *database_url;           /* FORGEBOT_DATABASE_URL, default ./forgebot.db */

	/* Webhook intake (comma-separated lists allow rotation). */
	char *github_webhook_secrets[SERVER_MAX_SECRETS];
	size_t ngithub_webhook_secrets;
	char *gitlab_webhook_tokens[SERVER_MAX_SECRETS];
	size_t ngitlab_webhook_tokens;
	char *alertmanager_tokens[SERVER_MAX_SECRETS];
	size_t nalertmanager_tokens;

	/* Acting on forges. */
	char *github_api_url;         /* FORGEBOT_GITHUB_API_URL, default https://api.github.com */
	char *github_token;           /* FORGEBOT_GITHUB_TOKEN (a PAT), or NULL */
	char *github_app_id;          /* FORGEBOT_GITHUB_APP_ID, or NULL */
	char *github_app_key;         /* FORGEBOT_GITHUB_APP_PRIVATE_KEY(_FILE) contents */
	char *gitlab_url;             /* FORGEBOT_GITLAB_URL, default https://gitlab.com */
	char *gitlab_token;           /* FORGEBOT_GITLAB_TOKEN, or NULL */
	char *bot_login;              /* FORGEBOT_BOT_LOGIN: events it causes are ignored */

	/* Workers. */
	unsigned workers;             /* FORGEBOT_WORKERS, default 2 */
	int max_attempts;             /* FORGEBOT_JOB_MAX_ATTEMPTS, default 5 */
	int64_t lease_ms;             /* FORGEBOT_JOB_LEASE_SECONDS, default 600 */
	bool review_drafts;           /* FORGEBOT_REVIEW_DRAFTS=true */
	char *trigger_label;          /* FORGEBOT_TRIGGER_LABEL, default forgebot:generate */

	/* Repository cache for the review agent. */
	char *cache_dir;              /* FORGEBOT_CACHE_DIR, default ./forgebot-cache */
	uint64_t cache_max_bytes;     /* FORGEBOT_CACHE_MAX_MB, default 2048 */
	int max_comments;             /* FORGEBOT_MAX_COMMENTS, default 25 */
};

/* Look up an environment variable; NULL when unset. */
typedef const char *(*server_getenv_fn)(const char *name, void *payload);

/* Fill `out` from the environment.  FB_EINVAL with a message naming the
 * variable for a bad value.  Release with server_config_release. */
int server_config_load(struct server_config *out, server_getenv_fn get, void *payload,
		       struct fb_error *err);
void server_config_release(struct server_config *c);

#endif
