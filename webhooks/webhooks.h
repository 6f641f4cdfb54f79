/*
 * webhooks.h - authenticate and normalize one incoming delivery.
 *
 * The HTTP layer hands over the request (its headers through a lookup
 * callback, the raw body) and the configured secrets; webhooks_accept()
 * answers with what to do:
 *
 *   1. authenticate the raw bytes, before parsing anything:
 *      - GitHub: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret,
 *        body), compared in constant time against every configured secret
 *        (several during a rotation); no secret configured = refuse (401),
 *        since an unauthenticated intake would let anyone enqueue work;
 *      - GitLab: X-Gitlab-Token equal (constant time) to a configured token;
 *      - Alertmanager: "Authorization: Bearer <token>" or Basic auth whose
 *        password is the token (what its http_config sends);
 *   2. decode the body: JSON, or GitHub's form encoding (payload=...);
 *   3. normalize into a struct event (event.h);
 *   4. compute the dedupe key: GitHub hook id + X-GitHub-Delivery;
 *      GitLab Idempotency-Key, else X-Gitlab-Event-UUID, else SHA-256 of
 *      the body; Alertmanager SHA-256 of groupKey, status and the alerts'
 *      fingerprints, statuses and times (a re-sent group is the same).
 *
 * Thread-safe: no state beyond the arguments.
 */
#ifndef FB_WEBHOOKS_H
#define FB_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "../bot/core/err.h"
#include "event.h"

/* Look a request header up by name (case-insensitive); NULL if absent. */
typedef const char *(*webhooks_header_fn)(const char *name, void *payload);

struct webhooks_secrets {
	const char *const *github;    /* webhook secrets; any may match */
	size_t ngithub;
	const char *const *gitlab;    /* X-Gitlab-Token values */
	size_t ngitlab;
	const char *const *alertmanager; /* bearer tokens / basic-auth passwords */
	size_t nalertmanager;
};

/* What the HTTP layer should answer, and whether to store. */
enum webhooks_verdict {
	WEBHOOKS_STORE,       /* authenticated and normalized: store, then 202 */
	WEBHOOKS_IGNORE,      /* authenticated, an event forgebot does not use: 200, not stored */
	WEBHOOKS_PING,        /* GitHub ping: 200 */
	WEBHOOKS_UNAUTHORIZED,/* 401: missing or wrong signature/token */
	WEBHOOKS_BAD_REQUEST, /* 400: not JSON, missing required fields, bad encoding */
	WEBHOOKS_UNSUPPORTED, /* 415: a content type other than JSON / form */
};

struct webhooks_result {
	enum webhooks_verdict verdict;
	struct event event;      /* filled for STORE, IGNORE and PING */
	char *body_json;         /* the JSON text (decoded from a form body), for storing */
	size_t body_json_len;
	char message[256];       /* why, for 4xx answers and logs; never contains a secret */
};

void webhooks_result_init(struct webhooks_result *r);
void webhooks_result_release(struct webhooks_result *r);

/*
 * Accept one delivery from `source` (known from the URL path).  Always
 * fills `out->verdict` and `out->message`; returns 0, or FB_ENOMEM.
 */
int webhooks_accept(struct webhooks_result *out, enum event_source source,
		    webhooks_header_fn header, void *header_payload, const char *body, size_t len,
		    const struct webhooks_secrets *secrets);

/* Normalize a JSON body already authenticated (tests, replays). `event_name`
 * is X-GitHub-Event / X-Gitlab-Event (NULL for Alertmanager).  FB_EINVAL
 * with a message for a malformed body of a consumed event. */
int webhooks_normalize(struct event *out, enum event_source source, const char *event_name,
		       const char *json, size_t len, struct fb_error *err);

#endif
