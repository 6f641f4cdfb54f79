/*
 * route.c - the routing table; see route.h.
 *
 * Each row names an event kind, the actions it fires on, an optional
 * predicate (a command in a comment, the trigger label, a failed run) and
 * the job type; the first rows that match contribute jobs.  Parameters go
 * to the job as JSON: where (source, repository, project, installation,
 * instance), what (number, head, base) and, for commands, the text after
 * the command.
 */
#include "route.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACT(a) (1u << (a))

typedef bool (*route_pred)(const struct event *ev, const struct route_config *cfg);

struct route_rule {
	enum event_kind kind;
	unsigned actions;        /* bit set of event_action; 0 = any */
	route_pred pred;         /* NULL = always */
	const char *type;
	const char *key_suffix;  /* appended to the subject key, "" for none */
	const char *command;     /* the slash command, for params.instructions */
};

static bool starts_command(const char *body, const char *cmd)
{
	size_t n = strlen(cmd);

	if (!body)
		return false;
	body += strspn(body, " \t\r\n");
	return strncmp(body, cmd, n) == 0 &&
	       (body[n] == '\0' || body[n] == ' ' || body[n] == '\t' || body[n] == '\r' ||
		body[n] == '\n');
}

static bool review_pr(const struct event *ev, const struct route_config *cfg)
{
	return !ev->draft || cfg->review_drafts || ev->action == EVENT_ACT_READY;
}

static bool review_command(const struct event *ev, const struct route_config *cfg)
{
	(void)cfg;
	return ev->is_pr && starts_command(ev->comment_body, "/forgebot review");
}

static bool generate_command(const struct event *ev, const struct route_config *cfg)
{
	(void)cfg;
	return starts_command(ev->comment_body, "/forgebot generate");
}

static bool trigger_label(const struct event *ev, const struct route_config *cfg)
{
	const char *want = cfg->trigger_label ? cfg->trigger_label : "forgebot:generate";

	return ev->label && strcmp(ev->label, want) == 0;
}

/*
 * A CI run failed: GitHub workflow_run; a check run of another CI app
 * (Actions' own check runs are covered by workflow_run, forgebot's own are
 * not CI); a GitLab pipeline or job — a job's key is its pipeline's, so a
 * pipeline and its jobs make one diagnosis (the later supersedes).
 */
static bool failed_run(const struct event *ev, const struct route_config *cfg)
{
	if (!ev->ci_failed || !ev->name)
		return false;
	if (ev->source == EVENT_SRC_GITLAB || strcmp(ev->name, "workflow_run") == 0)
		return true;
	if (strcmp(ev->name, "check_run") == 0 && ev->ci_app &&
	    strcmp(ev->ci_app, "github-actions") != 0 &&
	    !(ev->title && strcmp(ev->title, "forgebot") == 0)) {
		size_t n = strlen(ev->ci_app);
		/* forgebot's own App: "<slug>[bot]" is its login. */
		return !(cfg->bot_login && strncmp(cfg->bot_login, ev->ci_app, n) == 0 &&
			 strcmp(cfg->bot_login + n, "[bot]") == 0);
	}
	return false;
}

static const struct route_rule rules[] = {
	{ EVENT_PULL_REQUEST,
	  ACT(EVENT_ACT_OPENED) | ACT(EVENT_ACT_SYNCHRONIZED) | ACT(EVENT_ACT_REOPENED) |
		  ACT(EVENT_ACT_READY),
	  review_pr, "review", "", NULL },
	{ EVENT_COMMENT, ACT(EVENT_ACT_CREATED), review_command, "review", "", NULL },
	{ EVENT_COMMENT, ACT(EVENT_ACT_CREATED), generate_command, "codegen", ":codegen",
	  "/forgebot generate" },
	{ EVENT_ISSUE, ACT(EVENT_ACT_LABELED), trigger_label, "codegen", ":codegen", NULL },
	{ EVENT_CI, ACT(EVENT_ACT_COMPLETED), failed_run, "ci_diagnosis", "", NULL },
	{ EVENT_ALERT, 0, NULL, "alert", "", NULL },
};

void route_result_release(struct route_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->jobs[i].params);
	memset(r, 0, sizeof *r);
}

static bool caused_by_bot(const struct event *ev, const struct route_config *cfg)
{
	if (cfg->bot_login && ev->sender && strcmp(cfg->bot_login, ev->sender) == 0)
		return true;
	/* Our own comments carry markers; never act on them, whoever posted. */
	return ev->kind == EVENT_COMMENT && ev->comment_body &&
	       strstr(ev->comment_body, "<!-- forgebot");
}

/* What the job is about: the run, the alert group, or the PR/issue. */
static void subject_key(char *out, size_t n, const struct event *ev, const char *suffix)
{
	const char *src = event_source_str(ev->source);

	if (ev->kind == EVENT_ALERT)
		snprintf(out, n, "%s:%s", src, ev->group_key ? ev->group_key : "-");
	else if (ev->kind == EVENT_CI)
		snprintf(out, n, "%s:%s:run:%lld", src, ev->repo ? ev->repo : "-", ev->run_id);
	else
		snprintf(out, n, "%s:%s#%ld%s", src, ev->repo ? ev->repo : "-", ev->number, suffix);
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v)); /* steals the new string */
}

static void set_int(json_t *o, const char *k, long long v)
{
	if (v)
		json_object_set_new(o, k, json_integer(v));
}

static char *job_params(const struct event *ev, const struct route_rule *r)
{
	json_t *o = json_object();
	char *text;

	if (!o)
		return NULL;
	set_str(o, "source", event_source_str(ev->source));
	set_str(o, "event", ev->name);
	set_str(o, "action", event_action_str(ev->action));
	set_str(o, "repo", ev->repo);
	set_int(o, "project_id", ev->project_id);
	set_int(o, "installation_id", ev->installation_id);
	set_str(o, "instance_url", ev->instance_url);
	set_int(o, "number", ev->number);
	set_str(o, "head_sha", ev->head_sha);
	set_str(o, "base_sha", ev->base_sha);
	set_str(o, "head_ref", ev->head_ref);
	set_str(o, "base_ref", ev->base_ref);
	set_str(o, "sender", ev->sender);
	set_int(o, "run_id", ev->run_id);
	set_str(o, "group_key", ev->group_key);
	if (r->command && ev->comment_body) {
		const char *rest = ev->comment_body + strspn(ev->comment_body, " \t\r\n");
		rest += strlen(r->command);
		set_str(o, "instructions", rest + strspn(rest, " \t"));
	}
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return text;
}

static bool rule_matches(const struct route_rule *r, const struct event *ev,
			 const struct route_config *cfg)
{
	if (r->kind != ev->kind)
		return false;
	if (r->actions && !(r->actions & ACT(ev->action)))
		return false;
	return !r->pred || r->pred(ev, cfg);
}

int route_event(struct route_result *out, const struct event *ev, const struct route_config *cfg)
{
	memset(out, 0, sizeof *out);
	if (caused_by_bot(ev, cfg)) {
		out->why_none = "caused by forgebot itself";
		return 0;
	}
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		const struct route_rule *r = &rules[i];
		struct route_job *j;

		if (!rule_matches(r, ev, cfg) || out->n == ROUTE_MAX_JOBS)
			continue;
		j = &out->jobs[out->n];
		j->type = r->type;
		subject_key(j->key, sizeof j->key, ev, r->key_suffix);
		j->head_sha = ev->head_sha;
		if (!(j->params = job_params(ev, r))) {
			route_result_release(out);
			return FB_ENOMEM;
		}
		out->n++;
	}
	if (out->n == 0)
		out->why_none = "no rule for this event";
	return 0;
}
