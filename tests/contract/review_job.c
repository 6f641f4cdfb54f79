/*
 * review_job.c - run the review agent (bot/agents/review_job.c) once on a
 * job made from files, the way a worker would, without a server around it.
 *
 *   review-job PARAMS_JSON DELIVERY_JSON [STORE]
 *
 * PARAMS_JSON is the job's params (as orchestrator/route.c writes them),
 * DELIVERY_JSON the webhook body.  The server configuration is filled by
 * hand from the environment:
 *
 *   FORGEBOT_GITHUB_API_URL, FORGEBOT_GITHUB_TOKEN, FORGEBOT_GITHUB_APP_ID,
 *   FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE, FORGEBOT_GITLAB_URL,
 *   FORGEBOT_GITLAB_TOKEN, FORGEBOT_CACHE_DIR, REVIEW_JOB_CACHE_MAX_BYTES,
 *   FORGEBOT_MAX_COMMENTS
 *
 * With STORE (an SQLite file) the agent gets a store and the audit entries
 * it appended are printed; without, it runs with none.  The heartbeat
 * always answers 0 and is counted.  Output, on stdout:
 *
 *   outcome: done | retry: MSG | permanent: MSG | lease-lost: MSG
 *   heartbeats: N
 *   audit: ACTION TARGET DETAIL          (one per entry, with STORE)
 *
 * Exit status: 0 done, 1 retry, 2 permanent, 3 usage or setup error.
 * Used by tests/integration/review_job.test.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bot/core/buf.h"
#include "../../bot/core/server_config.h"
#include "../../bot/orchestrator/agent.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b;

	if (!f)
		return NULL;
	buf_init(&b, (size_t)16 << 20);
	if (buf_read_stream(&b, f) < 0) {
		fclose(f);
		buf_release(&b);
		return NULL;
	}
	fclose(f);
	return buf_detach(&b);
}

static char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strdup(v) : NULL;
}

static void config_from_env(struct server_config *c)
{
	const char *key = getenv("FORGEBOT_GITHUB_APP_PRIVATE_KEY_FILE");
	const char *max = getenv("REVIEW_JOB_CACHE_MAX_BYTES");
	const char *mc = getenv("FORGEBOT_MAX_COMMENTS");

	memset(c, 0, sizeof *c);
	c->github_api_url = env("FORGEBOT_GITHUB_API_URL");
	c->github_token = env("FORGEBOT_GITHUB_TOKEN");
	c->github_app_id = env("FORGEBOT_GITHUB_APP_ID");
	c->github_app_key = key && *key ? slurp(key) : NULL;
	c->gitlab_url = env("FORGEBOT_GITLAB_URL");
	c->gitlab_token = env("FORGEBOT_GITLAB_TOKEN");
	c->cache_dir = env("FORGEBOT_CACHE_DIR");
	c->cache_max_bytes = max ? strtoull(max, NULL, 10) : 0;
	c->max_comments = mc ? atoi(mc) : 25;
	c->bot_login = env("FORGEBOT_BOT_LOGIN");
}

static void config_free(struct server_config *c)
{
	free(c->github_api_url);
	free(c->github_token);
	free(c->github_app_id);
	free(c->github_app_key);
	free(c->gitlab_url);
	free(c->gitlab_token);
	free(c->cache_dir);
	free(c->bot_login);
}

static int beats;

static int heartbeat(struct agent_ctx *ctx, struct fb_error *err)
{
	(void)ctx;
	(void)err;
	beats++;
	return 0;
}

static int print_audit(int64_t id, int64_t at_ms, const struct audit_rec *a, void *payload)
{
	(void)id;
	(void)at_ms;
	(void)payload;
	printf("audit: %s %s %s\n", a->action, a->target, a->detail ? a->detail : "");
	return 0;
}

static int open_store(struct store **out, const char *path)
{
	struct fb_error err = { 0 };

	if (store_open(out, path, &err) < 0 || store_migrate(*out, &err) < 0) {
		fprintf(stderr, "review-job: store '%s': %s\n", path, err.msg);
		return -1;
	}
	return 0;
}

static const char *kind(int rc)
{
	switch (rc) {
	case 0: return "done";
	case FB_ERETRY: return "retry";
	case FB_ECONFLICT: return "lease-lost";
	case FB_EINVAL: case FB_ENOTFOUND: case FB_EAUTH: case FB_EFORBIDDEN: return "permanent";
	default: return "retry"; /* agent.h: retried until the attempts run out */
	}
}

int main(int argc, char **argv)
{
	struct server_config cfg;
	struct store *st = NULL;
	struct log lg;
	struct job job;
	struct fb_error err = { 0 };
	struct agent_ctx ctx = { 0 };
	int rc, status = 3;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: review-job PARAMS_JSON DELIVERY_JSON [STORE]\n");
		return 3;
	}
	job_init(&job);
	config_from_env(&cfg);
	log_init(&lg, LOG_INFO, LOG_FORMAT_TEXT);
	job.id = 1;
	snprintf(job.type, sizeof job.type, "review");
	if (!(job.params = slurp(argv[1])) || !(job.delivery_body = slurp(argv[2]))) {
		fprintf(stderr, "review-job: cannot read '%s' or '%s'\n", argv[1], argv[2]);
		goto out;
	}
	if (argc == 4 && open_store(&st, argv[3]) < 0)
		goto out;
	ctx = (struct agent_ctx){ st, &cfg, &lg, NULL, -1, -1, "review-job", heartbeat, NULL };
	rc = agent_review.run(&job, &ctx, &err);
	if (rc == 0)
		printf("outcome: done\n");
	else
		printf("outcome: %s: %s\n", kind(rc), err.msg);
	printf("heartbeats: %d\n", beats);
	if (st && store_audit_list(st, 0, 100, print_audit, NULL, &err) < 0)
		fprintf(stderr, "review-job: audit list: %s\n", err.msg);
	status = rc == 0 ? 0 : strcmp(kind(rc), "permanent") == 0 ? 2 : 1;
out:
	fflush(stdout);
	store_close(st);
	job_release(&job);
	config_free(&cfg);
	return status;
}
