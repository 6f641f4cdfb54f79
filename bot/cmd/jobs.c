/*
 * jobs.c - `forgebot jobs list|show|retry`: see and act on the queue.
 *
 * Reads FORGEBOT_DATABASE_URL (default ./forgebot.db), the same database
 * `forgebot serve` writes.  Text for people, `--format json` (one object
 * per job, one per line) for scripts.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../store/store.h"
#include "cmd.h"

void cmd_jobs_usage(FILE *out)
{
	fprintf(out,
"usage: forgebot jobs list [--state STATE]... [--type TYPE] [--limit N] [--format text|json]\n"
"       forgebot jobs show ID [--format text|json]\n"
"       forgebot jobs retry ID\n"
"\n"
"See and act on the server's job queue (FORGEBOT_DATABASE_URL, default ./forgebot.db).\n"
"\n"
"states: queued, running, done, failed, dead, superseded, waiting (its agent is not\n"
"built into this version). `retry` puts a dead, failed, superseded or waiting job back\n"
"in the queue with its attempts reset.\n");
}

static json_t *job_json(const struct job *j)
{
	json_t *o = json_object(), *params = j->params ? json_loads(j->params, 0, NULL) : NULL;

	json_object_set_new(o, "id", json_integer(j->id));
	json_object_set_new(o, "type", json_string(j->type));
	json_object_set_new(o, "state", json_string(job_state_str(j->state)));
	json_object_set_new(o, "key", j->key ? json_string(j->key) : json_null());
	json_object_set_new(o, "head_sha", j->head_sha ? json_string(j->head_sha) : json_null());
	json_object_set_new(o, "attempts", json_integer(j->attempts));
	json_object_set_new(o, "run_at_ms", json_integer(j->run_at));
	json_object_set_new(o, "worker", j->worker[0] ? json_string(j->worker) : json_null());
	json_object_set_new(o, "last_error", j->last_error ? json_string(j->last_error)
							   : json_null());
	json_object_set_new(o, "created_at_ms", json_integer(j->created_at));
	json_object_set_new(o, "updated_at_ms", json_integer(j->updated_at));
	json_object_set_new(o, "params", params ? params : json_null());
	return o;
}

static void iso_time(char *out, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct printer {
	bool json;
	size_t n;
};

static int print_job(const struct job *j, void *payload)
{
	struct printer *p = payload;
	char created[32];

	p->n++;
	if (p->json) {
		json_t *o = job_json(j);
		char *s = json_dumps(o, JSON_COMPACT);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
		return 0;
	}
	iso_time(created, sizeof created, j->created_at);
	printf("%-6lld %-12s %-10s %-3d %s  %s%s%s\n", (long long)j->id, j->type,
	       job_state_str(j->state), j->attempts, created, j->key ? j->key : "-",
	       j->last_error ? "  error: " : "", j->last_error ? j->last_error : "");
	return 0;
}

static int list(struct store *st, int argc, char **argv, struct fb_error *err)
{
	enum { O_STATE = 256, O_TYPE, O_LIMIT, O_FORMAT };
	static const struct option opts[] = {
		{ "state", required_argument, NULL, O_STATE },
		{ "type", required_argument, NULL, O_TYPE },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "format", required_argument, NULL, O_FORMAT },
		{ NULL, 0, NULL, 0 },
	};
	enum job_state states[8];
	struct job_filter f = { 0 };
	struct printer p = { 0 };
	long limit;
	int c, rc;

	f.states = states;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == O_STATE && f.nstates < 8 && job_state_parse(optarg, &states[f.nstates]) == 0)
			f.nstates++;
		else if (c == O_TYPE)
			f.type = optarg;
		else if (c == O_LIMIT && cmd_parse_long(optarg, 1, 100000, &limit) == 0)
			f.limit = (size_t)limit;
		else if (c == O_FORMAT && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0))
			p.json = strcmp(optarg, "json") == 0;
		else
			return fb_error_set(err, FB_EINVAL, "bad option or value '%s' (see forgebot "
					    "jobs --help)", argv[optind - 1]);
	}
	if (!p.json)
		printf("%-6s %-12s %-10s %-3s %-20s  %s\n", "ID", "TYPE", "STATE", "TRY", "CREATED",
		       "SUBJECT");
	rc = store_job_list(st, &f, print_job, &p, err);
	if (rc == 0 && !p.json && p.n == 0)
		printf("(no jobs)\n");
	return rc;
}

static int parse_id(const char *s, int64_t *out, struct fb_error *err)
{
	long v;

	if (!s || cmd_parse_long(s, 1, 0x7fffffffL, &v) < 0)
		return fb_error_set(err, FB_EINVAL, "expected a job id, not '%s'", s ? s : "nothing");
	*out = v;
	return 0;
}

static int show(struct store *st, int argc, char **argv, struct fb_error *err)
{
	struct printer p = { 0 };
	struct job j;
	int64_t id = 0;
	int rc;

	if (argc < 2 || (rc = parse_id(argv[1], &id, err)) < 0)
		return argc < 2 ? fb_error_set(err, FB_EINVAL, "jobs show needs a job id") : rc;
	p.json = argc > 3 && strcmp(argv[2], "--format") == 0 && strcmp(argv[3], "json") == 0;
	job_init(&j);
	rc = store_job_get(st, id, &j, err);
	if (rc == 0 && p.json) {
		print_job(&j, &p);
	} else if (rc == 0) {
		json_t *o = job_json(&j);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	}
	job_release(&j);
	return rc;
}

int cmd_jobs(int argc, char **argv, struct cmd_ctx *ctx)
{
	const char *url = getenv("FORGEBOT_DATABASE_URL");
	struct store *st = NULL;
	struct fb_error err = { 0 };
	int64_t id = 0;
	int rc;

	(void)ctx;
	if (argc < 2)
		return cmd_usage_error("jobs", "%s", "expected list, show or retry");
	opterr = 0;
	optind = 2;
	if ((rc = store_open(&st, url, &err)) < 0 || (rc = store_migrate(st, &err)) < 0)
		goto out;
	if (strcmp(argv[1], "list") == 0) {
		rc = list(st, argc, argv, &err);
	} else if (strcmp(argv[1], "show") == 0) {
		rc = show(st, argc - 1, argv + 1, &err);
	} else if (strcmp(argv[1], "retry") == 0) {
		if (argc < 3)
			rc = fb_error_set(&err, FB_EINVAL, "jobs retry needs a job id");
		else if ((rc = parse_id(argv[2], &id, &err)) == 0 &&
			 (rc = store_job_retry(st, id, &err)) == 0)
			printf("job %lld queued again\n", (long long)id);
	} else {
		store_close(st);
		return cmd_usage_error("jobs", "unknown subcommand '%s' (use list, show or retry)",
				       argv[1]);
	}
out:
	store_close(st);
	return rc < 0 ? cmd_fail("jobs", rc, err.msg) : EXIT_OK;
}
