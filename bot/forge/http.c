/*
 * http.c - the libcurl boundary; see http.h for the retry policy.
 *
 * One easy handle per client, reset between requests so no option leaks
 * from one request into the next.  Response headers are parsed as they
 * arrive for the few fields forge clients need (pagination, rate limits,
 * Retry-After, Content-Type); the body goes into a bounded buffer.
 * Redirects are never followed with our headers: a request that expects
 * one (a job log served from storage) is re-issued to the new location by
 * hand, with no headers at all, so no token reaches another host.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "../core/crypto.h"

#define HTTP_MAX_REDIRECTS 3

struct http_client {
	CURL *curl;
	struct http_client_opts o;
	unsigned rnd_state;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_cleanup_at_exit(void)
{
	curl_global_cleanup();
}

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (curl_init_rc == CURLE_OK)
		atexit(curl_cleanup_at_exit);
}

int http_client_new(struct http_client **out, const struct http_client_opts *opts,
		    struct fb_error *err)
{
	struct http_client *c;

	*out = NULL;
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return fb_error_set(err, FB_EINTERNAL, "libcurl: %s",
				    curl_easy_strerror(curl_init_rc));
	c = calloc(1, sizeof *c);
	if (!c)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	c->o = *opts;
	if (c->o.timeout_ms <= 0)
		c->o.timeout_ms = 30000;
	if (c->o.connect_timeout_ms <= 0)
		c->o.connect_timeout_ms = 10000;
	if (c->o.max_attempts <= 0)
		c->o.max_attempts = 4;
	if (c->o.base_backoff_ms <= 0)
		c->o.base_backoff_ms = 500;
	if (c->o.max_wait_ms <= 0)
		c->o.max_wait_ms = 60000;
	if (c->o.max_body == 0)
		c->o.max_body = (size_t)32 << 20;
	if (!c->o.dry_out)
		c->o.dry_out = stdout;
	if (crypto_random(&c->rnd_state, sizeof c->rnd_state) != 0)
		c->rnd_state = (unsigned)time(NULL);
	if (!c->o.dry_run) {
		c->curl = curl_easy_init();
		if (!c->curl) {
			free(c);
			return fb_error_set(err, FB_ENOMEM, "libcurl: cannot create a handle");
		}
	}
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c);
}

bool http_client_dry_run(const struct http_client *c)
{
	return c->o.dry_run;
}

void http_response_init(struct http_response *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, BUF_MAX_DEFAULT);
	r->rate_remaining = -1;
	r->retry_after = -1;
}

void http_response_release(struct http_response *r)
{
	buf_release(&r->body);
	free(r->content_type);
	free(r->link_next);
	r->content_type = r->link_next = NULL;
}

static void response_reset(struct http_response *r, size_t max_body)
{
	buf_release(&r->body);
	free(r->content_type);
	free(r->link_next);
	http_response_init(r);
	buf_init(&r->body, max_body);
}

long http_backoff_ms(long base_ms, long max_ms, int attempt, unsigned rnd)
{
	long w = base_ms;

	for (int i = 1; i < attempt && w < max_ms; i++)
		w *= 2;
	if (w > max_ms)
		w = max_ms;
	/* Jitter in [w/2, w]: retries from many clients spread out. */
	return w / 2 + (long)(rnd % (unsigned long)(w / 2 + 1));
}

char *http_link_next(const char *link)
{
	/* Link: <url1>; rel="next", <url2>; rel="last" */
	const char *p = link;

	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt, *end, *rel;

		if (!lt || !(gt = strchr(lt, '>')))
			return NULL;
		end = strchr(gt, ',');
		if (!end)
			end = gt + strlen(gt);
		rel = strstr(gt, "rel=");
		if (rel && rel < end) {
			rel += 4;
			if (*rel == '"')
				rel++;
			if (strncmp(rel, "next", 4) == 0 && (rel[4] == '"' || rel[4] == ';' ||
							    rel[4] == ',' || rel[4] == ' ' || !rel[4]))
				return strndup(lt + 1, (size_t)(gt - lt - 1));
		}
		p = *end ? end + 1 : end;
	}
	return NULL;
}

/* Header value after "Name:", trimmed, or NULL if the line is another header. */
static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && isspace((unsigned char)line[len - 1]))
		len--;
	return strndup(line, len);
}

static long parse_long(const char *s, long dflt)
{
	char *end;
	long v;

	if (!s || !*s)
		return dflt;
	errno = 0;
	v = strtol(s, &end, 10);
	return (errno || *end) ? dflt : v;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
	struct http_response *r = userdata;
	size_t len = size * nitems;
	char *v;

	/* A new status line (after a 1xx or a redirect) starts a new set. */
	if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
		free(r->link_next);
		r->link_next = NULL;
		r->next_page = 0;
		r->rate_remaining = -1;
		r->rate_reset = 0;
		r->retry_after = -1;
		return len;
	}
	if ((v = header_value(data, len, "link"))) {
		free(r->link_next);
		r->link_next = http_link_next(v);
	} else if ((v = header_value(data, len, "x-next-page"))) {
		r->next_page = parse_long(v, 0);
	} else if ((v = header_value(data, len, "x-ratelimit-remaining")) ||
		   (v = header_value(data, len, "ratelimit-remaining"))) {
		r->rate_remaining = parse_long(v, -1);
	} else if ((v = header_value(data, len, "x-ratelimit-reset")) ||
		   (v = header_value(data, len, "ratelimit-reset"))) {
		r->rate_reset = parse_long(v, 0);
	} else if ((v = header_value(data, len, "retry-after"))) {
		/* Seconds; an HTTP-date is treated as "a minute". */
		r->retry_after = parse_long(v, 60);
	} else if ((v = header_value(data, len, "content-type"))) {
		free(r->content_type);
		r->content_type = v;
		v = NULL;
	}
	free(v);
	return len;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct http_response *r = userdata;

	if (buf_append(&r->body, data, size * nmemb) != 0)
		return 0; /* over the limit: curl stops with CURLE_WRITE_ERROR */
	return size * nmemb;
}

static bool method_idempotent(const struct http_request *rq)
{
	return rq->idempotent || strcmp(rq->method, "GET") == 0 ||
	       strcmp(rq->method, "HEAD") == 0 || strcmp(rq->method, "PUT") == 0 ||
	       strcmp(rq->method, "DELETE") == 0;
}

/* The URL without query and fragment, for logs and messages. */
static void url_for_log(char *out, size_t n, const char *url)
{
	size_t len = strcspn(url, "?#");

	snprintf(out, n, "%.*s", (int)len, url);
}

static CURLcode perform(struct http_client *c, const struct http_request *rq, const char *url,
			bool with_headers, struct http_response *out)
{
	struct curl_slist *hl = NULL, *tmp;
	CURLcode cc = CURLE_OUT_OF_MEMORY;
	CURL *h = c->curl;

	curl_easy_reset(h);
	c->errbuf[0] = '\0';
	for (size_t i = 0; with_headers && i < rq->nheaders; i++) {
		if (!(tmp = curl_slist_append(hl, rq->headers[i])))
			goto out;
		hl = tmp;
	}
	/* libcurl adds "Expect: 100-continue" to big POSTs; forges don't need it. */
	if (!(tmp = curl_slist_append(hl, "Expect:")))
		goto out;
	hl = tmp;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->o.user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	if (strcmp(rq->method, "GET") != 0 || rq->body) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
		if (rq->body || strcmp(rq->method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)(rq->body ? rq->body_len : 0));
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		}
	}
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
out:
	curl_slist_free_all(hl);
	return cc;
}

static void dry_print(struct http_client *c, const struct http_request *rq)
{
	fprintf(c->o.dry_out, "%s %s\n", rq->method, rq->url);
	if (rq->body) {
		fwrite(rq->body, 1, rq->body_len, c->o.dry_out);
		fputc('\n', c->o.dry_out);
	}
	fflush(c->o.dry_out);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

long http_rate_limit_wait_ms(const struct http_response *r, long long now)
{
	bool secondary;

	if (r->status != 429 && r->status != 403)
		return -1;
	if (r->retry_after >= 0)
		return r->retry_after * 1000;
	if (r->rate_remaining == 0 && r->rate_reset > 0) {
		long long d = r->rate_reset - now;
		return d > 0 ? (long)(d * 1000 + 500) : 1000;
	}
	if (r->status == 429)
		return 0; /* limited, but not told for how long: back off */
	/* GitHub's secondary limits may come as a bare 403 with a message;
	 * its guidance is to wait at least a minute.  Any other 403 is a
	 * refusal, not a limit. */
	secondary = r->body.len && strcasestr(buf_cstr(&r->body), "secondary rate limit");
	return secondary ? 60000 : -1;
}

enum verdict { DONE, RETRY, FAIL };

/* Decide what to do with one attempt's outcome. */
static enum verdict judge(const struct http_request *rq, CURLcode cc, const struct http_response *r)
{
	if (cc == CURLE_OK) {
		if (http_rate_limit_wait_ms(r, (long long)time(NULL)) >= 0)
			return RETRY;
		if ((r->status == 502 || r->status == 503 || r->status == 504) &&
		    method_idempotent(rq))
			return RETRY;
		return DONE;
	}
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return RETRY; /* nothing reached the server */
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return method_idempotent(rq) ? RETRY : FAIL;
	default:
		return FAIL;
	}
}

static int send_once_with_retries(struct http_client *c, const struct http_request *rq,
				  const char *url, bool with_headers, struct http_response *out,
				  struct fb_error *err)
{
	size_t max_body = rq->max_body ? rq->max_body : c->o.max_body;
	char where[512];
	CURLcode cc = CURLE_OK;

	url_for_log(where, sizeof where, url);
	for (int attempt = 1;; attempt++) {
		enum verdict v;
		long wait, asked;

		response_reset(out, max_body);
		out->attempts = attempt;
		cc = perform(c, rq, url, with_headers, out);
		if (cc == CURLE_WRITE_ERROR && out->body.len + CURL_MAX_WRITE_SIZE > max_body)
			return fb_error_set(err, FB_ELIMIT, "%s %s: response larger than %zu bytes",
					    rq->method, where, max_body);
		v = judge(rq, cc, out);
		if (c->o.lg)
			log_write(c->o.lg, LOG_DEBUG, "http", "method", rq->method, "url", where,
				  "status", cc == CURLE_OK ? "answered" : curl_easy_strerror(cc), NULL);
		if (v == DONE)
			return 0;
		if (v == FAIL || attempt >= c->o.max_attempts)
			break;
		wait = http_backoff_ms(c->o.base_backoff_ms, c->o.max_wait_ms, attempt,
				       (unsigned)rand_r(&c->rnd_state));
		asked = cc == CURLE_OK ? http_rate_limit_wait_ms(out, (long long)time(NULL)) : -1;
		if (asked > c->o.max_wait_ms)
			break; /* the server asks more than we may wait: give up now */
		if (asked > wait)
			wait = asked;
		if (c->o.lg) {
			char ms[32], st[32];
			snprintf(ms, sizeof ms, "%ld", wait);
			snprintf(st, sizeof st, "%ld", out->status);
			log_write(c->o.lg, LOG_WARN, "retrying a forge request", "method", rq->method,
				  "url", where, "status", cc == CURLE_OK ? st : curl_easy_strerror(cc),
				  "wait_ms", ms, NULL);
		}
		sleep_ms(wait);
	}
	if (cc == CURLE_OK)
		return 0; /* an answer (429, 5xx): the caller turns it into a message */
	return fb_error_set(err, FB_ERETRY, "%s %s: %s%s%s", rq->method, where,
			    curl_easy_strerror(cc), c->errbuf[0] ? ": " : "", c->errbuf);
}

int http_send(struct http_client *c, const struct http_request *rq, struct http_response *out,
	      struct fb_error *err)
{
	char *next = NULL;
	int rc;

	if (c->o.dry_run) {
		response_reset(out, 1);
		dry_print(c, rq);
		return 0;
	}
	rc = send_once_with_retries(c, rq, rq->url, true, out, err);
	for (int hops = 0; rc == 0 && rq->no_auth_on_redirect && hops < HTTP_MAX_REDIRECTS &&
			   out->status >= 301 && out->status <= 308; hops++) {
		char *loc = NULL;
		struct http_request plain = *rq;

		/* Storage URLs are pre-signed: they get none of our headers. */
		curl_easy_getinfo(c->curl, CURLINFO_REDIRECT_URL, &loc);
		if (!loc)
			break;
		free(next);
		if (!(next = strdup(loc)))
			return fb_error_set(err, FB_ENOMEM, "out of memory");
		plain.method = "GET";
		plain.body = NULL;
		plain.nheaders = 0;
		rc = send_once_with_retries(c, &plain, next, false, out, err);
	}
	free(next);
	return rc;
}

int http_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int rc;

		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			rc = buf_putc(out, (char)ch);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };
			rc = buf_append(out, e, 3);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}
