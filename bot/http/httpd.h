/*
 * httpd.h - the libmicrohttpd boundary: an HTTP server with a routing
 * table and limits.
 *
 * The server reads each request whole (bounded by `max_body`: a body over
 * it is answered 413 without being stored), then calls the route's handler
 * on one of libmicrohttpd's pool threads.  Handlers see a `struct
 * httpd_req` (method, path, query, a header lookup, the body) and fill a
 * `struct httpd_resp`.  Unknown paths get 404, a known path with the wrong
 * method 405 (with Allow); error bodies are JSON {"error": "..."}.
 *
 * Limits: connections (`max_connections`), header memory per connection
 * (`max_header_bytes`; beyond it libmicrohttpd answers 431), idle time per
 * connection (`timeout_s`), request body (`max_body`).
 *
 * httpd_quiesce() stops accepting new connections (shutdown step one);
 * httpd_free() waits for in-flight handlers and stops.
 */
#ifndef FB_HTTP_HTTPD_H
#define FB_HTTP_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/log.h"

struct httpd;

struct httpd_req {
	const char *method;
	const char *path;            /* without the query */
	const char *query;           /* after '?', or "" */
	const char *body;            /* NUL-terminated; len bytes */
	size_t body_len;
	const char *remote;          /* client address, for logs */
	void *conn;                  /* private: the libmicrohttpd connection */
};

/* A request header, case-insensitive; NULL when absent.  Valid during the
 * handler call. */
const char *httpd_header(const struct httpd_req *rq, const char *name);

struct httpd_resp {
	int status;                  /* 0: 200 */
	const char *content_type;    /* NULL: application/json */
	struct buf body;
	const char *headers[8];      /* extra "Name: value" lines (static or owned by the caller
				      * until the handler returns) */
	size_t nheaders;
};

/* Set an error answer: status and {"error": msg}. */
void httpd_resp_error(struct httpd_resp *r, int status, const char *msg);

typedef void (*httpd_handler)(const struct httpd_req *rq, struct httpd_resp *out, void *ctx);

struct httpd_route {
	const char *method;
	const char *path;            /* exact match */
	httpd_handler handler;
};

/* Called after every request with its route (or NULL), status and
 * duration, for metrics.  Must be thread-safe. */
typedef void (*httpd_observe_fn)(const char *path, const char *method, int status,
				 double seconds, void *ctx);

struct httpd_opts {
	const char *listen;          /* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4) */
	const struct httpd_route *routes;
	size_t nroutes;
	void *ctx;                   /* handed to every handler */
	httpd_observe_fn observe;    /* may be NULL */
	size_t max_body;             /* 0: 25 MiB (GitHub's largest payload) */
	size_t max_header_bytes;     /* 0: 64 KiB per connection */
	unsigned max_connections;    /* 0: 512 */
	unsigned timeout_s;          /* idle connection timeout; 0: 30 */
	unsigned threads;            /* 0: 4 */
	const struct log *lg;
};

/* Start listening.  FB_EINVAL for a bad address, FB_EIO when it cannot
 * bind (the message names the address and the reason). */
int httpd_start(struct httpd **out, const struct httpd_opts *opts, struct fb_error *err);
/* The port actually bound (useful with port 0). */
uint16_t httpd_port(const struct httpd *h);
/* Stop accepting new connections; requests in progress finish. */
void httpd_quiesce(struct httpd *h);
void httpd_free(struct httpd *h);

#endif
