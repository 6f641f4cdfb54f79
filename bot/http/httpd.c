/*
 * httpd.c - the libmicrohttpd boundary; see httpd.h.
 *
 * libmicrohttpd calls the access handler several times per request: once
 * with the headers (we allocate the request state, and refuse a declared
 * body over the limit at once), then once per piece of body (appended to a
 * bounded buffer; a body that outgrows it is drained and answered 413),
 * then once more with no data, when the route's handler runs and the
 * answer is queued.  The state is freed in the completion callback, which
 * also reports the request to `observe` for metrics.
 *
 * Threads: an internal thread pool (`threads`) with epoll; handlers run on
 * those threads and must be thread-safe.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTPD_MAX_BODY_DEFAULT ((size_t)25 << 20)

struct httpd {
	struct MHD_Daemon *d;
	struct httpd_opts o;
	uint16_t port;
	bool quiesced;
};

/* Per-request state, from the first call of the access handler to the
 * completion callback. */
struct request {
	struct buf body;
	bool too_large;
	const struct httpd_route *route;
	int status;
	struct timespec start;
};

const char *httpd_header(const struct httpd_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

static int json_escape(struct buf *b, const char *s)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			rc = buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			rc = buf_printf(b, "\\u%04x", c);
		else
			rc = buf_putc(b, (char)c);
	}
	return rc;
}

void httpd_resp_error(struct httpd_resp *r, int status, const char *msg)
{
	r->status = status;
	r->content_type = "application/json";
	buf_reset(&r->body);
	buf_puts(&r->body, "{\"error\":\"");
	json_escape(&r->body, msg);
	buf_puts(&r->body, "\"}\n");
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static enum MHD_Result queue(struct MHD_Connection *c, struct request *st,
			     const struct httpd_resp *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ok;
	int status = r->status ? r->status : 200;

	resp = MHD_create_response_from_buffer(r->body.len, r->body.ptr ? r->body.ptr : (void *)"",
					       MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->content_type ? r->content_type : "application/json");
	for (size_t i = 0; i < r->nheaders; i++) {
		const char *line = r->headers[i], *colon = strchr(line, ':');
		char name[128];

		if (!colon || (size_t)(colon - line) >= sizeof name)
			continue;
		memcpy(name, line, (size_t)(colon - line));
		name[colon - line] = '\0';
		MHD_add_response_header(resp, name, colon + 1 + strspn(colon + 1, " "));
	}
	ok = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	if (st)
		st->status = status;
	return ok;
}

static enum MHD_Result queue_error(struct MHD_Connection *c, struct request *st, int status,
				   const char *msg)
{
	struct httpd_resp r = { 0 };
	enum MHD_Result ok;

	buf_init(&r.body, 4096);
	httpd_resp_error(&r, status, msg);
	ok = queue(c, st, &r);
	buf_release(&r.body);
	return ok;
}

static enum MHD_Result queue_405(struct MHD_Connection *c, struct request *st,
				 const char *allow)
{
	struct httpd_resp r = { 0 };
	char line[160];
	enum MHD_Result ok;

	buf_init(&r.body, 4096);
	httpd_resp_error(&r, 405, "method not allowed");
	snprintf(line, sizeof line, "Allow: %s", allow);
	r.headers[0] = line;
	r.nheaders = 1;
	ok = queue(c, st, &r);
	buf_release(&r.body);
	return ok;
}

/* The route for (method, path): exact path; 405 when only the method differs. */
static const struct httpd_route *find_route(const struct httpd *h, const char *method,
					    const char *path, bool *path_known, char *allow,
					    size_t allow_len)
{
	size_t used = 0;

	*path_known = false;
	allow[0] = '\0';
	for (size_t i = 0; i < h->o.nroutes; i++) {
		const struct httpd_route *r = &h->o.routes[i];
		if (strcmp(r->path, path) != 0)
			continue;
		*path_known = true;
		if (strcmp(r->method, method) == 0)
			return r;
		if (used < allow_len)
			used += (size_t)snprintf(allow + used, allow_len - used, "%s%s",
						 used ? ", " : "", r->method);
	}
	return NULL;
}

static void run_handler(struct httpd *h, struct MHD_Connection *c, struct request *st,
			const char *url, const char *method, struct httpd_resp *r)
{
	struct httpd_req rq = { 0 };
	const char *q = strchr(url, '?');
	char path[1024];
	const union MHD_ConnectionInfo *ci;
	char remote[INET6_ADDRSTRLEN] = "-";

	snprintf(path, sizeof path, "%.*s", (int)(q ? (size_t)(q - url) : strlen(url)), url);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, remote,
				  sizeof remote);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, remote,
				  sizeof remote);
	}
	rq.method = method;
	rq.path = path;
	rq.query = q ? q + 1 : "";
	rq.body = buf_cstr(&st->body); /* buf keeps a NUL after the data */
	rq.body_len = st->body.len;
	rq.remote = remote;
	rq.conn = c;
	st->route->handler(&rq, r, h->o.ctx);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct request *st = *con_cls;
	struct httpd_resp r = { 0 };
	enum MHD_Result ok;

	(void)version;
	if (!st) {
		const char *cl, *q = strchr(url, '?');
		char allow[128], path[1024];
		bool known;

		if (!(st = calloc(1, sizeof *st)))
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &st->start);
		buf_init(&st->body, h->o.max_body);
		*con_cls = st;
		snprintf(path, sizeof path, "%.*s", (int)(q ? (size_t)(q - url) : strlen(url)), url);
		st->route = find_route(h, method, path, &known, allow, sizeof allow);
		if (!st->route)
			return known ? queue_405(c, st, allow) : queue_error(c, st, 404, "no such endpoint");
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > h->o.max_body)
			return queue_error(c, st, 413, "request body too large");
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!st->too_large && buf_append(&st->body, upload_data, *upload_data_size) != 0)
			st->too_large = true; /* keep draining, answer 413 at the end */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st->too_large)
		return queue_error(c, st, 413, "request body too large");
	buf_init(&r.body, (size_t)64 << 20);
	run_handler(h, c, st, url, method, &r);
	ok = queue(c, st, &r);
	buf_release(&r.body);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	struct request *st = *con_cls;

	(void)c;
	(void)toe;
	if (!st)
		return;
	if (h->o.observe)
		h->o.observe(st->route ? st->route->path : "other",
			     st->route ? st->route->method : "-", st->status,
			     seconds_since(&st->start), h->o.ctx);
	buf_release(&st->body);
	free(st);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct httpd *h = cls;
	char msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (h->o.lg)
		log_write(h->o.lg, LOG_WARN, "http server", "detail", msg, NULL);
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080", "8080". */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len,
			bool *v6, struct fb_error *err)
{
	char host[128] = "";
	const char *colon = strrchr(s, ':');
	const char *ps = colon ? colon + 1 : s;
	char *end;
	long port = strtol(ps, &end, 10);

	memset(ss, 0, sizeof *ss);
	if (*ps == '\0' || *end || port < 0 || port > 65535)
		return fb_error_set(err, FB_EINVAL, "listen address '%s': expected HOST:PORT", s);
	if (colon && (size_t)(colon - s) < sizeof host)
		snprintf(host, sizeof host, "%.*s", (int)(colon - s), s);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		host[strlen(host) - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
			return fb_error_set(err, FB_EINVAL, "listen address '%s': bad IPv6 host", s);
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof *a6;
		*v6 = true;
		return 0;
	}
	{
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (host[0] == '\0' || strcmp(host, "0.0.0.0") == 0)
			a4->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (strcmp(host, "localhost") == 0)
			a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return fb_error_set(err, FB_EINVAL, "listen address '%s': '%s' is not an IP "
					    "address", s, host);
		*len = sizeof *a4;
		*v6 = false;
	}
	return 0;
}

int httpd_start(struct httpd **out, const struct httpd_opts *opts, struct fb_error *err)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	bool v6 = false;
	struct httpd *h;
	const union MHD_DaemonInfo *di;
	int rc;

	*out = NULL;
	if ((rc = parse_listen(opts->listen ? opts->listen : "127.0.0.1:8080", &ss, &sl, &v6,
			       err)) < 0)
		return rc;
	if (!(h = calloc(1, sizeof *h)))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	h->o = *opts;
	if (!h->o.max_body)
		h->o.max_body = HTTPD_MAX_BODY_DEFAULT;
	if (!h->o.max_header_bytes)
		h->o.max_header_bytes = (size_t)64 << 10;
	if (!h->o.max_connections)
		h->o.max_connections = 512;
	if (!h->o.timeout_s)
		h->o.timeout_s = 30;
	if (!h->o.threads)
		h->o.threads = 4;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
				(v6 ? MHD_USE_IPv6 : 0) | MHD_USE_ERROR_LOG,
				0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)h->o.threads,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->o.max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->o.timeout_s,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, h->o.max_header_bytes,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_END);
	if (!h->d) {
		free(h);
		return fb_error_set(err, FB_EIO, "cannot listen on %s (address in use, or not a "
				    "local address?)", opts->listen ? opts->listen : "127.0.0.1:8080");
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : 0;
	(void)sl;
	*out = h;
	return 0;
}

uint16_t httpd_port(const struct httpd *h)
{
	return h->port;
}

void httpd_quiesce(struct httpd *h)
{
	MHD_socket s;

	if (!h || h->quiesced)
		return;
	s = MHD_quiesce_daemon(h->d);
	if (s != MHD_INVALID_SOCKET)
		close(s);
	h->quiesced = true;
}

void httpd_free(struct httpd *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
