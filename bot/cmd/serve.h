/*
 * serve.h - what the files of `forgebot serve` share: the server context.
 *
 * serve.c owns it (configuration, metrics, the pool of database
 * connections the HTTP threads borrow, readiness); serve_intake.c holds the
 * webhook handlers.  The context is the libmicrohttpd `cls`: no globals.
 */
#ifndef FB_CMD_SERVE_H
#define FB_CMD_SERVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "../../webhooks/webhooks.h"
#include "../core/log.h"
#include "../core/metrics.h"
#include "../core/server_config.h"
#include "../http/httpd.h"
#include "../orchestrator/agent.h"
#include "../store/store.h"

#define SERVE_POOL_MAX 64

struct serve {
	const struct server_config *cfg;
	const struct log *lg;
	struct metrics *metrics;
	int fam_deliveries, fam_jobs, fam_job_seconds, fam_http_seconds, fam_up;
	int fam_forge_calls, fam_forge_rate;
	struct webhooks_secrets secrets;     /* read under secrets_lock: SIGHUP swaps them */
	pthread_rwlock_t secrets_lock;

	/* SQLite takes one writer at a time: the HTTP threads queue on this
	 * mutex for their write instead of polling SQLite's lock. */
	bool serialize_writes;
	pthread_mutex_t write_lock;

	pthread_mutex_t pool_lock;
	struct store *pool[SERVE_POOL_MAX];  /* idle connections */
	size_t npool;

	atomic_bool draining;                /* SIGTERM received */
	atomic_bool unavailable;             /* the last write failed; cleared by a good ping */
};

/* Borrow a database connection (opening one when none is idle); NULL with
 * err set when the database cannot be reached. */
struct store *serve_store_get(struct serve *sv, struct fb_error *err);
/* Give it back; `rc` is the outcome of what it was used for: a connection
 * that failed is closed instead of pooled. */
void serve_store_put(struct serve *sv, struct store *st, int rc);

void serve_set_unavailable(struct serve *sv, const char *why);
bool serve_draining(const struct serve *sv);

void serve_on_github(const struct httpd_req *rq, struct httpd_resp *out, void *ctx);
void serve_on_gitlab(const struct httpd_req *rq, struct httpd_resp *out, void *ctx);
void serve_on_alertmanager(const struct httpd_req *rq, struct httpd_resp *out, void *ctx);

#endif
