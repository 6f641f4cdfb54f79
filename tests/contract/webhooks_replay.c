/*
 * webhooks_replay.c - replay real webhook bodies through webhooks_accept(),
 * signed or with the token as the sender would, and check each verdict.
 *
 *   webhooks-replay octokit INDEX_JSON
 *       every example of every event in @octokit/webhooks-examples'
 *       index.json, sent twice: as application/json and as GitHub's form
 *       encoding (payload=...), each with X-Hub-Signature-256 computed
 *       here.  Pairs forgebot consumes must normalize to their kind (the
 *       table below, written from the brief, not from github.c); all
 *       others to EVENT_IGNORED; none may be refused.
 *   webhooks-replay gitlab X_GITLAB_EVENT FILE [WANT]
 *       one body with X-Gitlab-Token.  WANT is the expected kind
 *       ("pull_request", "ignored"...) or kind/action ("pull_request/
 *       synchronized"), "-" for any kind, or "refused:TEXT" for a body
 *       that must be answered 400 with TEXT in the message.
 *
 * One line per body: "ok NAME detail" or "error NAME: why"; the exit status
 * is the number of errors (capped at 100).  Used by
 * tests/integration/webhooks_fixtures.test.sh.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../bot/core/buf.h"
#include "../../bot/core/crypto.h"
#include "../../webhooks/webhooks.h"

#define SECRET "replay-secret"
#define TOKEN "replay-token"

static int errors;

struct headers {
	const char *name[8];
	const char *value[8];
	size_t n;
};

static const char *lookup(const char *name, void *payload)
{
	const struct headers *h = payload;

	for (size_t i = 0; i < h->n; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

static void add(struct headers *h, const char *name, const char *value)
{
	if (h->n < 8) {
		h->name[h->n] = name;
		h->value[h->n++] = value;
	}
}

/* The (event, action) pairs forgebot consumes, and their kind. */
static const struct {
	const char *event, *action; /* action NULL: any */
	enum event_kind kind;
} consumed[] = {
	{ "ping", NULL, EVENT_PING },
	{ "pull_request", "opened", EVENT_PULL_REQUEST },
	{ "pull_request", "synchronize", EVENT_PULL_REQUEST },
	{ "pull_request", "reopened", EVENT_PULL_REQUEST },
	{ "pull_request", "ready_for_review", EVENT_PULL_REQUEST },
	{ "pull_request", "converted_to_draft", EVENT_PULL_REQUEST },
	{ "pull_request", "closed", EVENT_PULL_REQUEST },
	{ "pull_request", "edited", EVENT_PULL_REQUEST },
	{ "pull_request", "labeled", EVENT_PULL_REQUEST },
	{ "issue_comment", "created", EVENT_COMMENT },
	{ "issues", "opened", EVENT_ISSUE },
	{ "issues", "labeled", EVENT_ISSUE },
	{ "issues", "unlabeled", EVENT_ISSUE },
	{ "workflow_run", "completed", EVENT_CI },
	{ "workflow_job", "completed", EVENT_CI },
	{ "check_run", "completed", EVENT_CI },
	{ "check_suite", "completed", EVENT_CI },
	{ "push", NULL, EVENT_PUSH },
};

static enum event_kind expected_kind(const char *event, const char *action)
{
	for (size_t i = 0; i < sizeof consumed / sizeof consumed[0]; i++)
		if (strcmp(consumed[i].event, event) == 0 &&
		    (!consumed[i].action || (action && strcmp(consumed[i].action, action) == 0)))
			return consumed[i].kind;
	return EVENT_IGNORED;
}

static enum webhooks_verdict expected_verdict(enum event_kind k)
{
	return k == EVENT_PING ? WEBHOOKS_PING : k == EVENT_IGNORED ? WEBHOOKS_IGNORE
								    : WEBHOOKS_STORE;
}

static void sign(char out[72], const char *body, size_t len)
{
	unsigned char mac[32];

	crypto_hmac_sha256(mac, SECRET, strlen(SECRET), body, len);
	strcpy(out, "sha256=");
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
}

/* body as GitHub's form encoding: payload=<percent-encoded>, ' ' as '+'. */
static int form_encode(struct buf *b, const char *body)
{
	int rc = buf_puts(b, "payload=");

	for (const unsigned char *p = (const unsigned char *)body; rc == 0 && *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p))
			rc = buf_putc(b, (char)*p);
		else if (*p == ' ')
			rc = buf_putc(b, '+');
		else
			rc = buf_printf(b, "%%%02X", *p);
	}
	return rc;
}

/* Send one GitHub body; NULL when the answer is what `want` says, else why. */
static const char *send_github(char *why, size_t n, const char *event, const char *body,
			       size_t len, bool form, enum event_kind want, const char *repo)
{
	static const char *const secrets_gh[] = { SECRET };
	const struct webhooks_secrets secrets = { secrets_gh, 1, NULL, 0, NULL, 0 };
	struct headers h = { .n = 0 };
	struct webhooks_result r;
	char sig[72];

	sign(sig, body, len);
	add(&h, "Content-Type", form ? "application/x-www-form-urlencoded" : "application/json");
	add(&h, "X-GitHub-Event", event);
	add(&h, "X-GitHub-Delivery", "0b989ba4-242f-11e5-81e1-c7b6966d2516");
	add(&h, "X-GitHub-Hook-ID", "42");
	add(&h, "X-Hub-Signature-256", sig);
	if (webhooks_accept(&r, EVENT_SRC_GITHUB, lookup, &h, body, len, &secrets) != 0)
		snprintf(why, n, "out of memory");
	else if (r.verdict != expected_verdict(want))
		snprintf(why, n, "%s: verdict %d, want %d: %s", form ? "form" : "json", r.verdict,
			 expected_verdict(want), r.message);
	else if (r.event.kind != want)
		snprintf(why, n, "%s: kind %s, want %s", form ? "form" : "json",
			 event_kind_str(r.event.kind), event_kind_str(want));
	else if (!r.event.delivery_id ||
		 strcmp(r.event.delivery_id, "42:0b989ba4-242f-11e5-81e1-c7b6966d2516") != 0)
		snprintf(why, n, "delivery id %s", r.event.delivery_id ? r.event.delivery_id : "NULL");
	else if (repo && (!r.event.repo || strcmp(r.event.repo, repo) != 0))
		snprintf(why, n, "repo %s, want %s", r.event.repo ? r.event.repo : "NULL", repo);
	else
		why = NULL;
	webhooks_result_release(&r);
	return why;
}

static void replay_example(const char *event, size_t i, const json_t *ex)
{
	const char *action = json_string_value(json_object_get(ex, "action"));
	const char *repo = json_string_value(json_object_get(json_object_get(ex, "repository"),
							     "full_name"));
	enum event_kind want = expected_kind(event, action);
	char name[160], why[600];
	const char *bad = NULL;
	char *body = json_dumps(ex, JSON_COMPACT);
	struct buf form;

	snprintf(name, sizeof name, "octokit/%s.%s#%zu", event, action ? action : "-", i);
	buf_init(&form, BUF_MAX_DEFAULT);
	if (!body || form_encode(&form, body) != 0) {
		bad = "out of memory";
	} else {
		bad = send_github(why, sizeof why, event, body, strlen(body), false, want, repo);
		if (!bad)
			bad = send_github(why, sizeof why, event, form.ptr, form.len, true, want, repo);
	}
	if (bad) {
		printf("error %s: %s\n", name, bad);
		errors++;
	} else {
		printf("ok %s kind=%s\n", name, event_kind_str(want));
	}
	buf_release(&form);
	free(body);
}

static int octokit(const char *path)
{
	json_error_t je;
	json_t *index = json_load_file(path, 0, &je), *e;
	size_t i, j, n = 0;

	if (!json_is_array(index)) {
		printf("error octokit: %s: %s\n", path, index ? "not an array" : je.text);
		json_decref(index);
		return 1;
	}
	json_array_foreach(index, i, e) {
		const char *event = json_string_value(json_object_get(e, "name"));
		const json_t *examples = json_object_get(e, "examples"), *ex;
		if (!event || !json_is_array(examples)) {
			printf("error octokit/#%zu: no name or examples\n", i);
			errors++;
			continue;
		}
		json_array_foreach(examples, j, ex) {
			replay_example(event, j, ex);
			n++;
		}
	}
	printf("# %zu examples of %zu events\n", n, json_array_size(index));
	json_decref(index);
	return 0;
}

/* NULL when the answer r matches want (see the file comment), else why. */
static const char *gitlab_check(char *why, size_t n, const struct webhooks_result *r,
				const char *want)
{
	const char *refused = want && strncmp(want, "refused:", 8) == 0 ? want + 8 : NULL;
	char got[64];

	snprintf(got, sizeof got, "%s/%s", event_kind_str(r->event.kind),
		 event_action_str(r->event.action));
	if (refused && (r->verdict != WEBHOOKS_BAD_REQUEST || !strstr(r->message, refused)))
		snprintf(why, n, "verdict %d, want 400 naming %s: %s", r->verdict, refused,
			 r->message);
	else if (!refused && r->verdict > WEBHOOKS_PING)
		snprintf(why, n, "verdict %d: %s", r->verdict, r->message);
	else if (!refused && want && strcmp(want, "-") != 0 && strcmp(got, want) != 0 &&
		 strcmp(event_kind_str(r->event.kind), want) != 0)
		snprintf(why, n, "got %s, want %s", got, want);
	else
		return NULL;
	return why;
}

static void gitlab(const char *header, const char *path, const char *want)
{
	static const char *const tokens[] = { TOKEN };
	const struct webhooks_secrets secrets = { NULL, 0, tokens, 1, NULL, 0 };
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path, *bad;
	struct headers h = { .n = 0 };
	struct webhooks_result r;
	struct buf body;
	char why[600];
	FILE *f = fopen(path, "rb");

	webhooks_result_init(&r);
	buf_init(&body, BUF_MAX_DEFAULT);
	add(&h, "Content-Type", "application/json");
	add(&h, "X-Gitlab-Event", header);
	add(&h, "X-Gitlab-Token", TOKEN);
	add(&h, "X-Gitlab-Event-UUID", "b3f9c1b2-1f0e-4d1a-9c4e-2f7a1d3e5c6b");
	add(&h, "X-Gitlab-Instance", "https://gitlab.example.com");
	if (!f || buf_read_stream(&body, f) != 0)
		bad = "cannot read the file";
	else if (webhooks_accept(&r, EVENT_SRC_GITLAB, lookup, &h, body.ptr, body.len, &secrets))
		bad = "out of memory";
	else
		bad = gitlab_check(why, sizeof why, &r, want);
	if (bad) {
		printf("error gitlab/%s (%s): %s\n", name, header, bad);
		errors++;
	} else if (r.verdict == WEBHOOKS_BAD_REQUEST) {
		printf("ok gitlab/%s (%s) refused: %s\n", name, header, r.message);
	} else {
		printf("ok gitlab/%s (%s) %s/%s\n", name, header, event_kind_str(r.event.kind),
		       event_action_str(r.event.action));
	}
	webhooks_result_release(&r);
	if (f)
		fclose(f);
	buf_release(&body);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "octokit") == 0) {
		errors += octokit(argv[2]);
	} else if ((argc == 4 || argc == 5) && strcmp(argv[1], "gitlab") == 0) {
		gitlab(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	} else {
		fprintf(stderr, "usage: webhooks-replay octokit INDEX_JSON\n"
				"       webhooks-replay gitlab X_GITLAB_EVENT FILE [WANT]\n");
		return 2;
	}
	fflush(stdout);
	return errors > 100 ? 100 : errors;
}
