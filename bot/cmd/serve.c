/*
 * serve.c - `forgebot serve`: the webhook server and the workers.
 *
 * Start: configuration from the environment (validated once), the database
 * opened and migrated (a schema newer than this binary stops the start),
 * then the roles: `web` listens (webhooks, probes, metrics), `worker` runs
 * the agents' jobs; `all` (the default) does both in one process.
 *
 * Signals are taken by the main thread alone (sigwait): SIGTERM/SIGINT
 * drain — /readyz turns 503, the listener stops accepting, running jobs get
 * until the deadline, the rest stay queued — and exit 0.
 */
#include "serve.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../orchestrator/worker.h"
#include "cmd.h"

#define DRAIN_DEADLINE_MS 30000

void cmd_serve_usage(FILE *out)
{
	fprintf(out,
"usage: forgebot serve [--listen ADDR] [--role web|worker|all] [--agents LIST] [--workers N]\n"
"\n"
"Run the webhook server and the workers that act on its jobs.\n"
"\n"
"endpoints:\n"
"  POST /webhooks/github, /webhooks/gitlab, /webhooks/alertmanager\n"
"  GET  /healthz (alive), /readyz (database reachable, schema current, not draining),\n"
"       /metrics (Prometheus)\n"
"\n"
"options:\n"
"  --listen ADDR    address to listen on (default 127.0.0.1:8080, or FORGEBOT_LISTEN)\n"
"  --role ROLE      web (intake only), worker (jobs only) or all (default)\n"
"  --agents LIST    the agents this process runs, comma-separated (default: review);\n"
"                   codegen and monitor are not built into this version: their jobs\n"
"                   are stored with the status 'waiting'\n"
"  --workers N      worker threads (default 2, or FORGEBOT_WORKERS)\n"
"\n"
"The database is FORGEBOT_DATABASE_URL: a SQLite file (default ./forgebot.db) or a\n"
"postgres:// URL for several replicas. Webhook secrets: FORGEBOT_GITHUB_WEBHOOK_SECRET\n"
"(comma-separated during a rotation), FORGEBOT_GITLAB_WEBHOOK_TOKEN,\n"
"FORGEBOT_ALERTMANAGER_TOKEN. Every variable is in docs/configuration.md.\n"
"\n"
"SIGTERM or SIGINT: stop accepting, finish running jobs (30 s at most), exit 0.\n"
"SIGHUP: reload the webhook secrets (FORGEBOT_*_WEBHOOK_SECRET/_TOKEN, or their _FILE\n"
"variants, re-read) for a rotation without a restart.\n");
}

struct serve_args {
	const char *listen;
	bool web, worker;
	const struct agent *agents[4];
	size_t nagents;
	long workers;
};

static int parse_agents(struct serve_args *a, char *list)
{
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (strcmp(tok, "review") == 0) {
			a->agents[a->nagents++] = &agent_review;
		} else if (strcmp(tok, "codegen") == 0 || strcmp(tok, "monitor") == 0) {
			fprintf(stderr, "forgebot serve: the %s agent is not built into this version; "
				"its jobs wait in the queue with the status 'waiting'\n", tok);
			return EXIT_USAGE;
		} else {
			return cmd_usage_error("serve", "unknown agent '%s' (use review, codegen or "
					       "monitor)", tok);
		}
		if (a->nagents == 4)
			break;
	}
	return 0;
}

static int parse_args(struct serve_args *a, int argc, char **argv)
{
	enum { O_LISTEN = 256, O_ROLE, O_AGENTS, O_WORKERS };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "role", required_argument, NULL, O_ROLE },
		{ "agents", required_argument, NULL, O_AGENTS },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc;

	a->web = a->worker = true;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN: a->listen = optarg; break;
		case O_ROLE:
			if (strcmp(optarg, "web") == 0)
				a->worker = false;
			else if (strcmp(optarg, "worker") == 0)
				a->web = false;
			else if (strcmp(optarg, "all") != 0)
				return cmd_usage_error("serve", "unknown role '%s' (use web, worker or "
						       "all)", optarg);
			break;
		case O_AGENTS:
			if ((rc = parse_agents(a, optarg)) != 0)
				return rc;
			break;
		case O_WORKERS:
			if (cmd_parse_long(optarg, 1, 256, &a->workers) < 0)
				return cmd_usage_error("serve", "--workers wants 1 to 256, not '%s'",
						       optarg);
			break;
		default:
			return cmd_usage_error("serve", "unknown or incomplete option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cmd_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	if (a->nagents == 0)
		a->agents[a->nagents++] = &agent_review;
#ifdef FORGEBOT_TEST
	if (getenv("FORGEBOT_TEST_ECHO_AGENT"))
		for (size_t i = 0; i < a->nagents; i++)
			if (a->agents[i] == &agent_review)
				a->agents[i] = &agent_test_echo;
#endif
	return 0;
}

/* ---- the connection pool the HTTP threads borrow from ---- */

struct store *serve_store_get(struct serve *sv, struct fb_error *err)
{
	struct store *st = NULL;

	pthread_mutex_lock(&sv->pool_lock);
	if (sv->npool)
		st = sv->pool[--sv->npool];
	pthread_mutex_unlock(&sv->pool_lock);
	if (!st && store_open(&st, sv->cfg->database_url, err) < 0)
		return NULL;
	return st;
}

void serve_store_put(struct serve *sv, struct store *st, int rc)
{
	if (!st)
		return;
	if (rc == FB_ERETRY || rc == FB_EINTERNAL) {
		store_close(st); /* a broken connection is not reused */
		return;
	}
	pthread_mutex_lock(&sv->pool_lock);
	if (sv->npool < SERVE_POOL_MAX) {
		sv->pool[sv->npool++] = st;
		st = NULL;
	}
	pthread_mutex_unlock(&sv->pool_lock);
	store_close(st);
}

void serve_set_unavailable(struct serve *sv, const char *why)
{
	if (!atomic_exchange(&sv->unavailable, true))
		log_write(sv->lg, LOG_ERROR, "database unavailable; answering 503", "error", why,
			  NULL);
}

bool serve_draining(const struct serve *sv)
{
	return atomic_load(&sv->draining);
}

/* ---- probes and metrics ---- */

static void on_healthz(const struct httpd_req *rq, struct httpd_resp *out, void *ctx)
{
	(void)rq;
	(void)ctx;
	buf_puts(&out->body, "{\"status\":\"alive\"}\n");
}

/* Ready: not draining, the database answers, its schema is ours. */
static void on_readyz(const struct httpd_req *rq, struct httpd_resp *out, void *ctx)
{
	struct serve *sv = ctx;
	struct fb_error err = { 0 };
	struct store *st;
	const char *backend;
	int version = 0, rc;

	(void)rq;
	if (serve_draining(sv)) {
		httpd_resp_error(out, 503, "draining: shutting down");
		return;
	}
	st = serve_store_get(sv, &err);
	rc = st ? store_ping(st, &err) : FB_ERETRY;
	if (rc == 0)
		rc = store_schema_version(st, &version, &err);
	backend = st ? store_backend(st) : "-";
	serve_store_put(sv, st, rc);
	if (rc < 0) {
		serve_set_unavailable(sv, err.msg);
		httpd_resp_error(out, 503, "database unavailable");
		return;
	}
	if (version != store_schema_latest()) {
		httpd_resp_error(out, 503, "database schema is not the one this forgebot runs");
		return;
	}
	if (atomic_exchange(&sv->unavailable, false))
		log_write(sv->lg, LOG_INFO, "database available again", NULL);
	buf_printf(&out->body, "{\"status\":\"ready\",\"database\":\"%s\",\"schema\":%d}\n",
		   backend, version);
}

static void on_metrics(const struct httpd_req *rq, struct httpd_resp *out, void *ctx)
{
	static const enum job_state states[] = { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_DEAD,
						 JOB_SUPERSEDED, JOB_WAITING };
	struct serve *sv = ctx;
	struct fb_error err = { 0 };
	int64_t counts[JOB_WAITING + 1] = { 0 };
	struct store *st = serve_store_get(sv, &err);
	int rc = st ? store_job_counts(st, counts, &err) : FB_ERETRY;

	(void)rq;
	serve_store_put(sv, st, rc);
	for (size_t i = 0; rc == 0 && i < sizeof states / sizeof states[0]; i++)
		metrics_set(sv->metrics, sv->fam_jobs, (double)counts[states[i]], "state",
			    job_state_str(states[i]), NULL);
	metrics_set(sv->metrics, sv->fam_up, rc == 0 ? 1 : 0, NULL);
	out->content_type = "text/plain; version=0.0.4";
	metrics_render(sv->metrics, &out->body);
}

static void observe_http(const char *path, const char *method, int status, double seconds,
			 void *ctx)
{
	struct serve *sv = ctx;
	char code[8];

	snprintf(code, sizeof code, "%d", status);
	metrics_observe(sv->metrics, sv->fam_http_seconds, seconds, "path", path, "method", method,
			"code", code, NULL);
}

static int metrics_setup(struct serve *sv)
{
	static const double http_b[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
					  0.25, 0.5, 1, 2.5 };
	static const double job_b[] = { 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600 };
	struct metrics *m = sv->metrics;

	sv->fam_deliveries = metrics_family(m, "forgebot_webhook_deliveries_total",
					    "Webhook deliveries by forge, event and outcome.",
					    METRIC_COUNTER, NULL, 0);
	sv->fam_jobs = metrics_family(m, "forgebot_jobs", "Jobs in the queue by state.",
				      METRIC_GAUGE, NULL, 0);
	sv->fam_job_seconds = metrics_family(m, "forgebot_job_duration_seconds",
					     "Job run time by type and outcome.", METRIC_HISTOGRAM,
					     job_b, sizeof job_b / sizeof job_b[0]);
	sv->fam_http_seconds = metrics_family(m, "forgebot_http_request_duration_seconds",
					      "HTTP request durations by path, method and code.",
					      METRIC_HISTOGRAM, http_b,
					      sizeof http_b / sizeof http_b[0]);
	sv->fam_forge_calls = metrics_family(m, "forgebot_forge_api_calls_total",
					     "Forge API calls the agents made, by forge.",
					     METRIC_COUNTER, NULL, 0);
	sv->fam_forge_rate = metrics_family(m, "forgebot_forge_rate_limit_remaining",
					    "The rate-limit budget the forge last reported.",
					    METRIC_GAUGE, NULL, 0);
	sv->fam_up = metrics_family(m, "forgebot_database_up",
				    "1 when the database answered the last scrape.", METRIC_GAUGE,
				    NULL, 0);
	return sv->fam_deliveries < 0 || sv->fam_jobs < 0 || sv->fam_job_seconds < 0 ||
	       sv->fam_http_seconds < 0 || sv->fam_up < 0 ? FB_ENOMEM : 0;
}

/* ---- start, run, drain ---- */

static const char *real_getenv(const char *name, void *payload)
{
	(void)payload;
	return getenv(name);
}

/* Open the database once at start: migrate, refuse a newer schema. */
static int check_database(const struct server_config *cfg, const struct log *lg,
			  bool *serialize, struct fb_error *err)
{
	struct store *st = NULL;
	int rc = store_open(&st, cfg->database_url, err);

	if (rc == 0)
		rc = store_migrate(st, err);
	if (rc == 0)
		log_write(lg, LOG_INFO, "database ready", "backend", store_backend(st), NULL);
	if (rc == 0 && serialize)
		*serialize = strcmp(store_backend(st), "sqlite") == 0;
	store_close(st);
	return rc;
}

/* Say, once at start, which intakes will refuse everything. */
static void warn_missing_secrets(const struct server_config *c, const struct log *lg)
{
	if (!c->ngithub_webhook_secrets)
		log_write(lg, LOG_WARN, "no GitHub webhook secret: /webhooks/github answers 401 to "
			  "everything; set FORGEBOT_GITHUB_WEBHOOK_SECRET", NULL);
	if (!c->ngitlab_webhook_tokens)
		log_write(lg, LOG_WARN, "no GitLab webhook token: /webhooks/gitlab answers 401 to "
			  "everything; set FORGEBOT_GITLAB_WEBHOOK_TOKEN", NULL);
	if (!c->nalertmanager_tokens)
		log_write(lg, LOG_WARN, "no Alertmanager token: /webhooks/alertmanager answers 401 to "
			  "everything; set FORGEBOT_ALERTMANAGER_TOKEN", NULL);
}

static const struct httpd_route routes[] = {
	{ "POST", "/webhooks/github", serve_on_github },
	{ "POST", "/webhooks/gitlab", serve_on_gitlab },
	{ "POST", "/webhooks/alertmanager", serve_on_alertmanager },
	{ "GET", "/healthz", on_healthz },
	{ "GET", "/readyz", on_readyz },
	{ "GET", "/metrics", on_metrics },
};

static void secrets_from(struct serve *sv, const struct server_config *cfg)
{
	sv->secrets.github = (const char *const *)cfg->github_webhook_secrets;
	sv->secrets.ngithub = cfg->ngithub_webhook_secrets;
	sv->secrets.gitlab = (const char *const *)cfg->gitlab_webhook_tokens;
	sv->secrets.ngitlab = cfg->ngitlab_webhook_tokens;
	sv->secrets.alertmanager = (const char *const *)cfg->alertmanager_tokens;
	sv->secrets.nalertmanager = cfg->nalertmanager_tokens;
}

/* SIGHUP: read the configuration again and swap in the webhook secrets
 * (rotating a secret means: add the new one, reload, update the forges,
 * drop the old one, reload).  Other settings need a restart; a bad new
 * configuration leaves the running one in place. */
static void reload(struct serve *sv, struct server_config *cfg)
{
	struct server_config fresh;
	struct fb_error err = { 0 };
	char n[64];

	if (server_config_load(&fresh, real_getenv, NULL, &err) < 0) {
		log_write(sv->lg, LOG_ERROR, "SIGHUP: configuration not reloaded", "error", err.msg,
			  NULL);
		server_config_release(&fresh);
		return;
	}
	pthread_rwlock_wrlock(&sv->secrets_lock);
	for (size_t i = 0; i < SERVER_MAX_SECRETS; i++) {
		char *t;
		t = cfg->github_webhook_secrets[i];
		cfg->github_webhook_secrets[i] = fresh.github_webhook_secrets[i];
		fresh.github_webhook_secrets[i] = t;
		t = cfg->gitlab_webhook_tokens[i];
		cfg->gitlab_webhook_tokens[i] = fresh.gitlab_webhook_tokens[i];
		fresh.gitlab_webhook_tokens[i] = t;
		t = cfg->alertmanager_tokens[i];
		cfg->alertmanager_tokens[i] = fresh.alertmanager_tokens[i];
		fresh.alertmanager_tokens[i] = t;
	}
	{
		size_t g = cfg->ngithub_webhook_secrets, l = cfg->ngitlab_webhook_tokens,
		       a = cfg->nalertmanager_tokens;
		cfg->ngithub_webhook_secrets = fresh.ngithub_webhook_secrets;
		cfg->ngitlab_webhook_tokens = fresh.ngitlab_webhook_tokens;
		cfg->nalertmanager_tokens = fresh.nalertmanager_tokens;
		fresh.ngithub_webhook_secrets = g;
		fresh.ngitlab_webhook_tokens = l;
		fresh.nalertmanager_tokens = a;
	}
	secrets_from(sv, cfg);
	pthread_rwlock_unlock(&sv->secrets_lock);
	server_config_release(&fresh); /* wipes the old secrets */
	snprintf(n, sizeof n, "%zu/%zu/%zu", cfg->ngithub_webhook_secrets,
		 cfg->ngitlab_webhook_tokens, cfg->nalertmanager_tokens);
	log_write(sv->lg, LOG_WARN, "SIGHUP: webhook secrets reloaded", "github/gitlab/alertmanager",
		  n, NULL);
}

/* Wait for SIGTERM/SIGINT (blocked in every thread; taken here only),
 * reloading on SIGHUP meanwhile. */
static void wait_for_stop(struct serve *sv, struct server_config *cfg)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		sigwait(&set, &sig);
		if (sig != SIGHUP)
			break;
		reload(sv, cfg);
	}
	log_write(sv->lg, LOG_INFO, "stopping: draining", "signal", sig == SIGTERM ? "TERM" : "INT",
		  NULL);
}

static int start_web(struct httpd **h, struct serve *sv, const struct server_config *cfg,
		     struct fb_error *err)
{
	struct httpd_opts ho = { 0 };
	char port[8];
	int rc;

	ho.listen = cfg->listen;
	ho.routes = routes;
	ho.nroutes = sizeof routes / sizeof routes[0];
	ho.ctx = sv;
	ho.observe = observe_http;
	ho.lg = sv->lg;
	if ((rc = httpd_start(h, &ho, err)) < 0)
		return rc;
	snprintf(port, sizeof port, "%u", httpd_port(*h));
	log_write(sv->lg, LOG_INFO, "listening", "address", cfg->listen, "port", port, NULL);
	{
		/* The URLs to give the forges: the listen host, unless it is a
		 * wildcard, which only the operator can name. */
		const char *colon = strrchr(cfg->listen, ':');
		int hl = colon ? (int)(colon - cfg->listen) : 0;
		bool wild = hl == 0 || strncmp(cfg->listen, "0.0.0.0", (size_t)hl) == 0 ||
			    strncmp(cfg->listen, "[::]", (size_t)hl) == 0;
		char base[160];

		snprintf(base, sizeof base, "http://%.*s:%s", wild ? 11 : hl,
			 wild ? "<this-host>" : cfg->listen, port);
		fprintf(stderr, "forgebot serve: listening on %s (port %s). Webhook URLs:\n"
			"  GitHub:       %s/webhooks/github\n  GitLab:       %s/webhooks/gitlab\n"
			"  Alertmanager: %s/webhooks/alertmanager\n"
			"Probes: %s/healthz, %s/readyz; metrics: %s/metrics\n",
			cfg->listen, port, base, base, base, base, base, base);
	}
	return 0;
}

int cmd_serve(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct serve_args a = { 0 };
	struct server_config cfg;
	struct serve sv = { 0 };
	struct httpd *h = NULL;
	struct worker_pool *wp = NULL;
	struct fb_error err = { 0 };
	sigset_t set;
	char replica[96];
	int rc;

	if ((rc = parse_args(&a, argc, argv)) != 0)
		return rc;
	if ((rc = server_config_load(&cfg, real_getenv, NULL, &err)) < 0)
		goto out;
	if (a.listen) {
		free(cfg.listen);
		cfg.listen = strdup(a.listen);
	}
	if (a.workers)
		cfg.workers = (unsigned)a.workers;
	/* Every thread inherits these blocked; the main thread takes them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = check_database(&cfg, &ctx->log, &sv.serialize_writes, &err)) < 0)
		goto out;
	sv.cfg = &cfg;
	sv.lg = &ctx->log;
	pthread_mutex_init(&sv.pool_lock, NULL);
	pthread_mutex_init(&sv.write_lock, NULL);
	pthread_rwlock_init(&sv.secrets_lock, NULL);
	if (!(sv.metrics = metrics_new()) || metrics_setup(&sv) < 0) {
		rc = fb_error_set(&err, FB_ENOMEM, "out of memory");
		goto out;
	}
	secrets_from(&sv, &cfg);
	if (a.web) {
		warn_missing_secrets(&cfg, &ctx->log);
		if ((rc = start_web(&h, &sv, &cfg, &err)) < 0)
			goto out;
	}
	if (a.worker) {
		struct worker_pool_opts wo = { &cfg, a.agents, a.nagents, 0, &ctx->log, sv.metrics,
					       sv.fam_job_seconds, sv.fam_forge_calls,
					       sv.fam_forge_rate, replica };
		char host[64] = "host";
		gethostname(host, sizeof host - 1);
		snprintf(replica, sizeof replica, "%s:%ld", host, (long)getpid());
		if ((rc = worker_pool_start(&wp, &wo, &err)) < 0)
			goto out;
	}
	wait_for_stop(&sv, &cfg);
	atomic_store(&sv.draining, true);
	httpd_quiesce(h);
	if (worker_pool_stop(wp, DRAIN_DEADLINE_MS) > 0)
		log_write(&ctx->log, LOG_WARN, "jobs still running at the deadline stay queued", NULL);
	wp = NULL;
out:
	httpd_free(h);
	worker_pool_stop(wp, DRAIN_DEADLINE_MS);
	for (size_t i = 0; i < sv.npool; i++)
		store_close(sv.pool[i]);
	metrics_free(sv.metrics);
	if (sv.cfg) {
		pthread_mutex_destroy(&sv.pool_lock);
		pthread_mutex_destroy(&sv.write_lock);
		pthread_rwlock_destroy(&sv.secrets_lock);
	}
	server_config_release(&cfg);
	if (rc < 0)
		return cmd_fail("serve", rc, err.msg);
	return EXIT_OK;
}
