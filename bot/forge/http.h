/*
 * http.h - the libcurl boundary: one HTTPS request with limits, retries
 * and rate-limit awareness.
 *
 * A `struct http_client` owns one CURL easy handle (so connections are
 * reused) and belongs to one thread at a time.  `http_send` performs a
 * request and, when the outcome is transient, retries it with bounded
 * exponential backoff and jitter:
 *
 *   - 429, and 403 carrying rate-limit signals (Retry-After,
 *     X-RateLimit-Remaining: 0, or GitHub's "secondary rate limit"
 *     message), are retried for every method: the server refused the
 *     request without acting on it.  The wait honours Retry-After, then the
 *     reset time (see http_rate_limit_wait_ms); a wait longer than
 *     `max_wait_ms` is not made: the answer is returned at once.
 *   - 502, 503, 504, a reset connection and a timeout are retried only for
 *     idempotent requests (GET, PUT, DELETE, or a caller's `idempotent`),
 *     since a POST may have been applied before the answer was lost.
 *   - A failed connect is retried for every method.
 *
 * Every request has a total timeout.  Response bodies are bounded by
 * `max_body`.  Request headers are never logged (they carry tokens); the
 * log names the method, the URL without its query, the status and the
 * attempt.
 *
 * In dry-run mode nothing is sent: each request is printed ("METHOD URL"
 * and the body) on `dry_out`, and the response has status 0.
 */
#ifndef FB_FORGE_HTTP_H
#define FB_FORGE_HTTP_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/log.h"

struct http_client;

struct http_client_opts {
	const char *user_agent;  /* required */
	long timeout_ms;         /* whole request; 0: 30 s */
	long connect_timeout_ms; /* 0: 10 s */
	int max_attempts;        /* including the first; 0: 4 */
	long base_backoff_ms;    /* first retry wait before jitter; 0: 500 ms */
	long max_wait_ms;        /* longest single wait, even if the server asks more; 0: 60 s */
	size_t max_body;         /* response body limit; 0: 32 MiB */
	bool dry_run;
	FILE *dry_out;           /* dry-run listing; NULL: stdout */
	const struct log *lg;    /* may be NULL */
};

struct http_request {
	const char *method;            /* "GET", "POST", ... */
	const char *url;               /* absolute */
	const char *const *headers;    /* "Name: value" lines; may hold secrets */
	size_t nheaders;
	const char *body;              /* NULL: no body */
	size_t body_len;
	bool idempotent;               /* a POST that is safe to repeat */
	bool no_auth_on_redirect;      /* follow redirects, dropping our headers (log downloads) */
	size_t max_body;               /* 0: the client's limit */
};

struct http_response {
	long status;           /* 0 in dry-run mode */
	struct buf body;
	char *content_type;    /* owned, or NULL */
	char *link_next;       /* Link: <...>; rel="next", owned, or NULL */
	long next_page;        /* X-Next-Page (GitLab), 0 when absent or empty */
	long rate_remaining;   /* -1 when not sent */
	long long rate_reset;  /* epoch seconds, 0 when not sent */
	long retry_after;      /* seconds, -1 when not sent */
	int attempts;          /* how many tries it took */
};

int http_client_new(struct http_client **out, const struct http_client_opts *opts,
		    struct fb_error *err);
void http_client_free(struct http_client *c);
bool http_client_dry_run(const struct http_client *c);

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

/*
 * Send `rq`.  Returns 0 whenever an HTTP answer arrived, whatever its
 * status (the caller judges 4xx/5xx, which need the body); the answer is
 * the last attempt's.  Errors: FB_ERETRY when the server could not be
 * reached or kept failing transiently until attempts ran out (message names
 * the method, URL and the cause), FB_ELIMIT for a body over the limit,
 * FB_ENOMEM.  `out` must be initialized; it is reset first.
 */
int http_send(struct http_client *c, const struct http_request *rq, struct http_response *out,
	      struct fb_error *err);

/* URL-encode `s` for a path segment or query value into `out`. */
int http_escape(struct buf *out, const char *s);

/* The wait before retry number `attempt` (1-based): base * 2^(attempt-1),
 * with full jitter in [half, whole], capped by `max_ms`.  `rnd` is a
 * uniform random number.  Exposed for the unit tests. */
long http_backoff_ms(long base_ms, long max_ms, int attempt, unsigned rnd);

/* If `r` says the client is rate-limited, how long to wait before trying
 * again in ms (Retry-After, else the reset time when nothing remains, else
 * 0 for a bare 429 and 60 s for GitHub's "secondary rate limit" 403);
 * -1 when it is not a rate limit (a 403 is then a permission refusal). */
long http_rate_limit_wait_ms(const struct http_response *r, long long now);

/* Parse a Link header value; return the rel="next" URL (malloc'd) or NULL. */
char *http_link_next(const char *link);

#endif
