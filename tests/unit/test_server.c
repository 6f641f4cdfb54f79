/*
 * test_server.c - the server's pure parts: routing (event -> jobs), the
 * metrics registry and its exposition text, configuration from the
 * environment, and the retry schedule.
 */
#include <stdlib.h>

#include "../../bot/core/metrics.h"
#include "../../bot/core/server_config.h"
#include "../../bot/orchestrator/route.h"
#include "../../bot/orchestrator/worker.h"
#include "test.h"

static void pr_event(struct event *ev, enum event_action act, bool draft)
{
	event_init(ev);
	ev->source = EVENT_SRC_GITHUB;
	ev->kind = EVENT_PULL_REQUEST;
	ev->action = act;
	ev->name = strdup("pull_request");
	ev->repo = strdup("acme/app");
	ev->number = 7;
	ev->draft = draft;
	ev->head_sha = strdup("1111111111111111111111111111111111111111");
	ev->sender = strdup("alice");
}

static void route_pull_requests(struct test_ctx *t)
{
	static const struct { enum event_action act; bool draft, drafts_ok; size_t jobs; } cases[] = {
		{ EVENT_ACT_OPENED, false, false, 1 },
		{ EVENT_ACT_SYNCHRONIZED, false, false, 1 },
		{ EVENT_ACT_REOPENED, false, false, 1 },
		{ EVENT_ACT_READY, true, false, 1 },      /* ready_for_review: always */
		{ EVENT_ACT_OPENED, true, false, 0 },     /* drafts skipped by default */
		{ EVENT_ACT_OPENED, true, true, 1 },      /* ... unless configured */
		{ EVENT_ACT_CLOSED, false, false, 0 },
		{ EVENT_ACT_EDITED, false, false, 0 },    /* metadata only: no re-review */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct event ev;
		struct route_result r;
		struct route_config cfg = { cases[i].drafts_ok, NULL, "forgebot[bot]" };

		pr_event(&ev, cases[i].act, cases[i].draft);
		CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
		if (r.n != cases[i].jobs)
			TEST_FAIL(t, "case %zu: %zu jobs, want %zu", i, r.n, cases[i].jobs);
		if (r.n) {
			CHECK_STR(t, r.jobs[0].type, "review");
			CHECK_STR(t, r.jobs[0].key, "github:acme/app#7");
			CHECK(t, strstr(r.jobs[0].params, "\"head_sha\":\"1111") != NULL);
		}
		route_result_release(&r);
		event_release(&ev);
	}
}

static void route_comments_and_loops(struct test_ctx *t)
{
	struct route_config cfg = { false, "forgebot:generate", "forgebot[bot]" };
	struct route_result r;
	struct event ev;

	pr_event(&ev, EVENT_ACT_CREATED, false);
	ev.kind = EVENT_COMMENT;
	ev.is_pr = true;
	ev.comment_body = strdup("  /forgebot review\nplease");
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 1);
	if (r.n)
		CHECK_STR(t, r.jobs[0].type, "review");
	route_result_release(&r);
	free(ev.comment_body);
	ev.comment_body = strdup("/forgebot generate add a --verbose flag");
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 1);
	if (r.n) {
		CHECK_STR(t, r.jobs[0].type, "codegen");
		CHECK(t, strstr(r.jobs[0].params, "\"instructions\":\"add a --verbose flag\""));
	}
	route_result_release(&r);
	free(ev.comment_body);
	ev.comment_body = strdup("/forgebot reviewer wanted"); /* not the command */
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 0);
	route_result_release(&r);
	/* The bot's own account never triggers anything. */
	free(ev.comment_body);
	ev.comment_body = strdup("/forgebot review");
	free(ev.sender);
	ev.sender = strdup("forgebot[bot]");
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 0);
	route_result_release(&r);
	event_release(&ev);
}

static void route_issues_ci_alerts(struct test_ctx *t)
{
	struct route_config cfg = { false, NULL, NULL };
	struct route_result r;
	struct event ev;

	event_init(&ev);
	ev.source = EVENT_SRC_GITLAB;
	ev.kind = EVENT_ISSUE;
	ev.action = EVENT_ACT_LABELED;
	ev.repo = strdup("group/app");
	ev.number = 3;
	ev.label = strdup("forgebot:generate");
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 1);
	if (r.n)
		CHECK_STR(t, r.jobs[0].key, "gitlab:group/app#3:codegen");
	route_result_release(&r);
	event_release(&ev);

	event_init(&ev);
	ev.kind = EVENT_CI;
	ev.action = EVENT_ACT_COMPLETED;
	ev.name = strdup("workflow_run");
	ev.repo = strdup("acme/app");
	ev.run_id = 99;
	ev.ci_failed = true;
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 1);
	if (r.n)
		CHECK_STR(t, r.jobs[0].key, "github:acme/app:run:99");
	route_result_release(&r);
	free(ev.name);
	ev.name = strdup("workflow_job"); /* job-level: the run covers it */
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 0);
	route_result_release(&r);
	/* A check run of another CI app is diagnosed; Actions' and forgebot's are not. */
	free(ev.name);
	ev.name = strdup("check_run");
	ev.ci_app = strdup("circleci-checks");
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 1);
	route_result_release(&r);
	free(ev.ci_app);
	ev.ci_app = strdup("github-actions");
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 0);
	route_result_release(&r);
	free(ev.ci_app);
	ev.ci_app = strdup("forgebot");
	cfg.bot_login = "forgebot[bot]";
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 0);
	route_result_release(&r);
	cfg.bot_login = NULL;
	event_release(&ev);

	/* GitLab: a failed job is keyed by its pipeline, like the pipeline. */
	event_init(&ev);
	ev.source = EVENT_SRC_GITLAB;
	ev.kind = EVENT_CI;
	ev.action = EVENT_ACT_COMPLETED;
	ev.name = strdup("Job Hook");
	ev.repo = strdup("group/app");
	ev.run_id = 12;
	ev.job_id = 99;
	ev.ci_failed = true;
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 1);
	if (r.n)
		CHECK_STR(t, r.jobs[0].key, "gitlab:group/app:run:12");
	route_result_release(&r);
	event_release(&ev);

	event_init(&ev);
	ev.source = EVENT_SRC_ALERTMANAGER;
	ev.kind = EVENT_ALERT;
	ev.group_key = strdup("{}:{alertname=\"HighErrorRate\"}");
	CHECK_INT(t, route_event(&r, &ev, &cfg), 0);
	CHECK_INT(t, r.n, 1);
	if (r.n)
		CHECK_STR(t, r.jobs[0].type, "alert");
	route_result_release(&r);
	event_release(&ev);
}

static void metrics_text(struct test_ctx *t)
{
	static const double b[] = { 0.1, 1 };
	struct metrics *m = metrics_new();
	int c = metrics_family(m, "x_total", "Things.", METRIC_COUNTER, NULL, 0);
	int h = metrics_family(m, "y_seconds", "Time.", METRIC_HISTOGRAM, b, 2);
	struct buf out;

	metrics_add(m, c, 1, "forge", "github", "event", "push \"x\"", NULL);
	metrics_add(m, c, 2, "forge", "github", "event", "push \"x\"", NULL);
	metrics_observe(m, h, 0.05, NULL);
	metrics_observe(m, h, 0.5, NULL);
	metrics_observe(m, h, 5, NULL);
	for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		char v[16];
		snprintf(v, sizeof v, "%d", i);
		metrics_add(m, c, 1, "n", v, NULL);
	}
	buf_init(&out, 1 << 20);
	CHECK_INT(t, metrics_render(m, &out), 0);
	CHECK(t, strstr(buf_cstr(&out), "# TYPE x_total counter\n") != NULL);
	CHECK(t, strstr(buf_cstr(&out), "x_total{forge=\"github\",event=\"push \\\"x\\\"\"} 3\n"));
	CHECK(t, strstr(buf_cstr(&out), "y_seconds_bucket{le=\"0.1\"} 1\n"));
	CHECK(t, strstr(buf_cstr(&out), "y_seconds_bucket{le=\"1\"} 2\n"));
	CHECK(t, strstr(buf_cstr(&out), "y_seconds_bucket{le=\"+Inf\"} 3\n"));
	CHECK(t, strstr(buf_cstr(&out), "y_seconds_count 3\n"));
	/* Cardinality is bounded: the excess lands in other="true". */
	CHECK(t, strstr(buf_cstr(&out), "x_total{other=\"true\"} ") != NULL);
	buf_release(&out);
	metrics_free(m);
}

struct env_kv {
	const char *const *kv;
};

static const char *env_get(const char *name, void *payload)
{
	const struct env_kv *e = payload;

	for (size_t i = 0; e->kv[i]; i += 2)
		if (strcmp(e->kv[i], name) == 0)
			return e->kv[i + 1];
	return NULL;
}

static void config_from_env(struct test_ctx *t)
{
	const char *kv[] = { "FORGEBOT_GITHUB_WEBHOOK_SECRET", "new-secret, old-secret,",
			     "FORGEBOT_WORKERS", "3", NULL };
	const char *bad[] = { "FORGEBOT_WORKERS", "many", NULL };
	struct env_kv e = { kv }, b = { bad };
	struct server_config c;
	struct fb_error err = { 0 };

	CHECK_INT(t, server_config_load(&c, env_get, &e, &err), 0);
	CHECK_STR(t, c.listen, "127.0.0.1:8080");
	CHECK_STR(t, c.database_url, "./forgebot.db");
	CHECK_INT(t, c.ngithub_webhook_secrets, 2);
	CHECK_STR(t, c.github_webhook_secrets[1], "old-secret");
	CHECK_INT(t, c.workers, 3);
	CHECK_INT(t, c.lease_ms, 600000);
	server_config_release(&c);
	CHECK_INT(t, server_config_load(&c, env_get, &b, &err), FB_EINVAL);
	CHECK(t, strstr(err.msg, "FORGEBOT_WORKERS") != NULL);
	server_config_release(&c);
}

static void retry_schedule(struct test_ctx *t)
{
	CHECK_INT(t, worker_retry_delay_ms(1, 0), 15000);
	CHECK_INT(t, worker_retry_delay_ms(2, 0), 30000);
	CHECK(t, worker_retry_delay_ms(30, 0xffffffffu) <= 3600000);
	CHECK(t, worker_retry_delay_ms(30, 0) >= 1800000);
}

const struct test_case server_tests[] = {
	{ "route_pull_requests", route_pull_requests },
	{ "route_comments_and_loops", route_comments_and_loops },
	{ "route_issues_ci_alerts", route_issues_ci_alerts },
	{ "metrics_text", metrics_text },
	{ "config_from_env", config_from_env },
	{ "retry_schedule", retry_schedule },
	{ NULL, NULL },
};
