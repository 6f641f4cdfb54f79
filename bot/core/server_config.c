/*
 * server_config.c - read and validate the server's configuration; see
 * server_config.h.  Every value is checked here, once, so the rest of the
 * server never meets a bad one; each error names the variable.
 */
#include "server_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"

static char *dup_or(const char *v, const char *dflt)
{
	const char *s = v && *v ? v : dflt;

	return s ? strdup(s) : NULL;
}

static int number(const char *name, const char *v, long lo, long hi, long dflt, long *out,
		  struct fb_error *err)
{
	char *end;
	long n;

	if (!v || !*v) {
		*out = dflt;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return fb_error_set(err, FB_EINVAL, "%s='%s': expected a number from %ld to %ld",
				    name, v, lo, hi);
	*out = n;
	return 0;
}

/* Split a comma-separated secret list; empty items are skipped. */
static int secrets(const char *name, const char *v, char **out, size_t *n, struct fb_error *err)
{
	const char *p = v;

	*n = 0;
	while (p && *p) {
		size_t len = strcspn(p, ",");
		const char *s = p;

		p += len + (p[len] == ',');
		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (!len)
			continue;
		if (*n == SERVER_MAX_SECRETS)
			return fb_error_set(err, FB_EINVAL, "%s: at most %d values", name,
					    SERVER_MAX_SECRETS);
		if (!(out[(*n)++] = strndup(s, len)))
			return fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	return 0;
}

/*
 * A secret list from NAME, or from the file NAME_FILE (what Kubernetes
 * mounts from a Secret; re-read on SIGHUP).  The file's lines or commas
 * separate values.
 */
static int secret_var(const char *name, server_getenv_fn get, void *p, char **out, size_t *n,
		      struct fb_error *err)
{
	char fname[96];
	const char *file;
	struct buf b;
	FILE *fp;
	int rc;

	snprintf(fname, sizeof fname, "%s_FILE", name);
	file = get(fname, p);
	if (!file || !*file)
		return secrets(name, get(name, p), out, n, err);
	if (!(fp = fopen(file, "rb")))
		return fb_error_set(err, FB_EINVAL, "%s '%s': %s", fname, file, strerror(errno));
	buf_init(&b, (size_t)64 << 10);
	rc = buf_read_stream(&b, fp);
	fclose(fp);
	for (size_t i = 0; rc == 0 && i < b.len; i++)
		if (b.ptr[i] == '\n' || b.ptr[i] == '\r')
			b.ptr[i] = ',';
	rc = rc < 0 ? fb_error_set(err, FB_EINVAL, "%s '%s' cannot be read", fname, file)
		    : secrets(name, buf_cstr(&b), out, n, err);
	if (b.ptr)
		memset(b.ptr, 0, b.len);
	buf_release(&b);
	return rc;
}

static int app_key(struct server_config *c, server_getenv_fn get, void *p, struct fb_error *err)
{
	const char *key = get("FORGEBOT_GITHUB_APP_PRIVATE_KEY", p);
	const char *file = get("FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE", p);
	struct buf b;
	FILE *fp;
	int rc;

	if (key && *key)
		return (c->github_app_key = strdup(key)) ? 0 : FB_ENOMEM;
	if (!file || !*file)
		return c->github_app_id ? fb_error_set(err, FB_EINVAL, "FORGEBOT_GITHUB_APP_ID is set "
						       "but FORGEBOT_GITHUB_APP_PRIVATE_KEY(_FILE) "
						       "is not") : 0;
	if (!(fp = fopen(file, "rb")))
		return fb_error_set(err, FB_EINVAL, "FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE '%s': %s",
				    file, strerror(errno));
	buf_init(&b, (size_t)64 << 10);
	rc = buf_read_stream(&b, fp);
	fclose(fp);
	if (rc < 0) {
		buf_release(&b);
		return fb_error_set(err, FB_EINVAL, "FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE '%s' cannot "
				    "be read", file);
	}
	c->github_app_key = buf_detach(&b);
	return 0;
}

static int load_numbers(struct server_config *c, server_getenv_fn get, void *p,
			struct fb_error *err)
{
	long workers, attempts, lease, cache_mb, comments;
	int rc;

	if ((rc = number("FORGEBOT_WORKERS", get("FORGEBOT_WORKERS", p), 0, 256, 2, &workers,
			 err)) < 0 ||
	    (rc = number("FORGEBOT_JOB_MAX_ATTEMPTS", get("FORGEBOT_JOB_MAX_ATTEMPTS", p), 1, 100,
			 5, &attempts, err)) < 0 ||
	    (rc = number("FORGEBOT_JOB_LEASE_SECONDS", get("FORGEBOT_JOB_LEASE_SECONDS", p), 5,
			 86400, 600, &lease, err)) < 0 ||
	    (rc = number("FORGEBOT_CACHE_MAX_MB", get("FORGEBOT_CACHE_MAX_MB", p), 16, 1 << 20,
			 2048, &cache_mb, err)) < 0 ||
	    (rc = number("FORGEBOT_MAX_COMMENTS", get("FORGEBOT_MAX_COMMENTS", p), 1, 1000, 25,
			 &comments, err)) < 0)
		return rc;
	c->workers = (unsigned)workers;
	c->max_attempts = (int)attempts;
	c->lease_ms = (int64_t)lease * 1000;
	c->cache_max_bytes = (uint64_t)cache_mb << 20;
	c->max_comments = (int)comments;
	return 0;
}

int server_config_load(struct server_config *c, server_getenv_fn get, void *p,
		       struct fb_error *err)
{
	const char *drafts = get("FORGEBOT_REVIEW_DRAFTS", p);
	int rc;

	memset(c, 0, sizeof *c);
	c->listen = dup_or(get("FORGEBOT_LISTEN", p), "127.0.0.1:8080");
	c->database_url = dup_or(get("FORGEBOT_DATABASE_URL", p), "./forgebot.db");
	c->github_api_url = dup_or(get("FORGEBOT_GITHUB_API_URL", p), "https://api.github.com");
	c->github_token = dup_or(get("FORGEBOT_GITHUB_TOKEN", p), NULL);
	c->github_app_id = dup_or(get("FORGEBOT_GITHUB_APP_ID", p), NULL);
	c->gitlab_url = dup_or(get("FORGEBOT_GITLAB_URL", p), "https://gitlab.com");
	c->gitlab_token = dup_or(get("FORGEBOT_GITLAB_TOKEN", p), NULL);
	c->bot_login = dup_or(get("FORGEBOT_BOT_LOGIN", p), NULL);
	c->trigger_label = dup_or(get("FORGEBOT_TRIGGER_LABEL", p), "forgebot:generate");
	c->cache_dir = dup_or(get("FORGEBOT_CACHE_DIR", p), "./forgebot-cache");
	if (!c->listen || !c->database_url || !c->github_api_url || !c->gitlab_url ||
	    !c->trigger_label || !c->cache_dir)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	if (drafts && *drafts && strcmp(drafts, "true") != 0 && strcmp(drafts, "false") != 0)
		return fb_error_set(err, FB_EINVAL, "FORGEBOT_REVIEW_DRAFTS='%s': use true or false",
				    drafts);
	c->review_drafts = drafts && strcmp(drafts, "true") == 0;
	if ((rc = secret_var("FORGEBOT_GITHUB_WEBHOOK_SECRET", get, p, c->github_webhook_secrets,
			     &c->ngithub_webhook_secrets, err)) < 0 ||
	    (rc = secret_var("FORGEBOT_GITLAB_WEBHOOK_TOKEN", get, p, c->gitlab_webhook_tokens,
			     &c->ngitlab_webhook_tokens, err)) < 0 ||
	    (rc = secret_var("FORGEBOT_ALERTMANAGER_TOKEN", get, p, c->alertmanager_tokens,
			     &c->nalertmanager_tokens, err)) < 0 ||
	    (rc = app_key(c, get, p, err)) < 0 || (rc = load_numbers(c, get, p, err)) < 0)
		return rc;
	return 0;
}

void server_config_release(struct server_config *c)
{
	for (size_t i = 0; i < c->ngithub_webhook_secrets; i++)
		crypto_secret_free(c->github_webhook_secrets[i]);
	for (size_t i = 0; i < c->ngitlab_webhook_tokens; i++)
		crypto_secret_free(c->gitlab_webhook_tokens[i]);
	for (size_t i = 0; i < c->nalertmanager_tokens; i++)
		crypto_secret_free(c->alertmanager_tokens[i]);
	crypto_secret_free(c->github_token);
	crypto_secret_free(c->github_app_key);
	crypto_secret_free(c->gitlab_token);
	free(c->listen);
	free(c->database_url);
	free(c->github_api_url);
	free(c->github_app_id);
	free(c->gitlab_url);
	free(c->bot_login);
	free(c->trigger_label);
	free(c->cache_dir);
	memset(c, 0, sizeof *c);
}
