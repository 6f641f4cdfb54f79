/*
 * fuzz_webhooks.c - libFuzzer target for the webhook intake (webhooks/).
 *
 * The first input byte chooses what the rest feeds: its high bits the
 * entry point, its low bits an event or header name.
 *
 *   0  webhooks_normalize, GitHub, X-GitHub-Event from gh_events
 *   1  webhooks_normalize, GitLab, X-Gitlab-Event from gl_events
 *   2  webhooks_normalize, Alertmanager
 *   3  webhooks_accept, GitHub JSON, signed here with the fixed secret
 *   4  webhooks_accept, GitHub form body (payload=...), signed here
 *   5  webhooks_accept, GitLab with the fixed token
 *   6  webhooks_accept, Alertmanager with a Bearer token
 *   7  webhooks_accept, Alertmanager with Basic credentials
 *
 * Signing the input lets the fuzzer get past authentication to the
 * decoders and normalizers.  Beyond the sanitizers it checks the
 * contracts: a failure has a message, a refusal holds no event, no message
 * quotes the secret or the signature (unless the body itself holds it),
 * and a normalized event's enums are in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../bot/core/crypto.h"
#include "../../webhooks/webhooks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-secret-0123456789"

static const char *const gh_events[] = {
	"pull_request", "issue_comment", "issues", "workflow_run", "workflow_job", "check_run",
	"check_suite", "push", "ping", "star", "installation", "",
};

static const char *const gl_events[] = {
	NULL, "Merge Request Hook", "Note Hook", "Confidential Note Hook", "Issue Hook",
	"Pipeline Hook", "Job Hook", "Push Hook", "Tag Push Hook", "System Hook", "Service Hook",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct req {
	const char *event;
	const char *content_type;
	char sig[72];
	const char *auth;
};

static const char *lookup(const char *name, void *payload)
{
	const struct req *r = payload;

	if (strcasecmp(name, "Content-Type") == 0)
		return r->content_type;
	if (strcasecmp(name, "X-GitHub-Event") == 0 || strcasecmp(name, "X-Gitlab-Event") == 0)
		return r->event;
	if (strcasecmp(name, "X-Hub-Signature-256") == 0)
		return r->sig;
	if (strcasecmp(name, "X-Gitlab-Token") == 0)
		return SECRET;
	if (strcasecmp(name, "Authorization") == 0)
		return r->auth;
	if (strcasecmp(name, "X-GitHub-Delivery") == 0)
		return "d5a8f0e2-0000-11e5-8000-000000000000";
	return NULL;
}

static void sign(char out[72], const void *body, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[32];

	crypto_hmac_sha256(mac, SECRET, strlen(SECRET), body, len);
	memcpy(out, "sha256=", 7);
	for (size_t i = 0; i < 32; i++) {
		out[7 + 2 * i] = digits[mac[i] >> 4];
		out[8 + 2 * i] = digits[mac[i] & 15];
	}
	out[71] = '\0';
}

static void check_event(const struct event *ev)
{
	if ((unsigned)ev->kind > EVENT_PUSH || (unsigned)ev->action > EVENT_ACT_OTHER ||
	    ev->alerts_firing > ev->alerts)
		abort();
}

static void normalize(enum event_source src, const char *event, const char *s, size_t n)
{
	struct fb_error err = { 0 };
	struct event ev;

	if (webhooks_normalize(&ev, src, event, s, n, &err) == 0)
		check_event(&ev);
	else if (err.msg[0] == '\0' || ev.name || ev.repo)
		abort();
	event_release(&ev);
}

static void deliver(enum event_source src, struct req *q, const char *s, size_t n)
{
	static const char *const secret[] = { SECRET };
	const struct webhooks_secrets secrets = { secret, 1, secret, 1, secret, 1 };
	struct webhooks_result r;

	if (webhooks_accept(&r, src, lookup, q, s, n, &secrets) != 0)
		abort(); /* no allocation fails here */
	/* Messages may quote short names from the body, so only a secret the
	 * body does not contain itself must never show. */
	if ((strstr(r.message, SECRET) && !memmem(s, n, SECRET, strlen(SECRET))) ||
	    (q->sig[0] && strstr(r.message, q->sig + 7) && !memmem(s, n, q->sig + 7, 64)))
		abort();
	if (r.verdict <= WEBHOOKS_PING)
		check_event(&r.event);
	else if (r.event.name || r.body_json || r.message[0] == '\0')
		abort();
	webhooks_result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct req q = { NULL, "application/json", "", "Bearer " SECRET };
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	unsigned mode, sub;

	if (size == 0)
		return 0;
	mode = (data[0] >> 4) & 7;
	sub = data[0] & 15;
	switch (mode) {
	case 0: normalize(EVENT_SRC_GITHUB, gh_events[sub % N(gh_events)], s, n); break;
	case 1: normalize(EVENT_SRC_GITLAB, gl_events[sub % N(gl_events)], s, n); break;
	case 2: normalize(EVENT_SRC_ALERTMANAGER, NULL, s, n); break;
	case 3:
	case 4:
		q.event = gh_events[sub % N(gh_events)];
		if (mode == 4)
			q.content_type = "application/x-www-form-urlencoded";
		sign(q.sig, s, n);
		deliver(EVENT_SRC_GITHUB, &q, s, n);
		break;
	case 5:
		q.event = gl_events[sub % N(gl_events)];
		deliver(EVENT_SRC_GITLAB, &q, s, n);
		break;
	case 6: deliver(EVENT_SRC_ALERTMANAGER, &q, s, n); break;
	default:
		/* base64("prometheus:fuzz-secret-0123456789") */
		q.auth = "Basic cHJvbWV0aGV1czpmdXp6LXNlY3JldC0wMTIzNDU2Nzg5";
		deliver(EVENT_SRC_ALERTMANAGER, &q, s, n);
		break;
	}
	return 0;
}
