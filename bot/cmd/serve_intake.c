/*
 * serve_intake.c - the webhook endpoints of `forgebot serve`.
 *
 * POST /webhooks/{github,gitlab,alertmanager}: authenticate and normalize
 * (webhooks/), route (bot/orchestrator/route.c), and store the delivery
 * with its jobs in one transaction (bot/store/).  The 2xx answer is sent
 * only after that transaction committed; when the database cannot take
 * it, the answer is 503 (the sender retries or the operator redelivers),
 * never a 2xx for something not stored.  No agent work happens here.
 */
#include "serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../webhooks/webhooks.h"
#include "../orchestrator/route.h"

static const char *header_cb(const char *name, void *payload)
{
	return httpd_header(payload, name);
}

static void count(struct serve *sv, const char *forge, const char *event, const char *outcome)
{
	metrics_add(sv->metrics, sv->fam_deliveries, 1, "forge", forge, "event",
		    event ? event : "-", "outcome", outcome, NULL);
}

static bool agent_built(const char *type)
{
	return strcmp(type, agent_review.type) == 0;
}

/* Store the delivery and its jobs; fill the answer. */
static void store_delivery(struct serve *sv, const struct webhooks_result *wr,
			   const struct route_result *rr, struct httpd_resp *out)
{
	struct job_spec specs[ROUTE_MAX_JOBS];
	struct delivery d = { 0 };
	struct fb_error err = { 0 };
	const char *src = event_source_str(wr->event.source);
	struct store *st = serve_store_get(sv, &err);
	bool dup = false;
	int rc;

	for (size_t i = 0; i < rr->n; i++) {
		specs[i] = (struct job_spec){ rr->jobs[i].type, rr->jobs[i].key, rr->jobs[i].head_sha,
					      rr->jobs[i].params, !agent_built(rr->jobs[i].type) };
	}
	d.source = src;
	d.delivery_id = wr->event.delivery_id;
	d.event = wr->event.name ? wr->event.name : event_kind_str(wr->event.kind);
	d.action = wr->event.action_raw;
	d.repo = wr->event.repo;
	d.body = wr->body_json;
	d.body_len = wr->body_json_len;
	if (st && sv->serialize_writes)
		pthread_mutex_lock(&sv->write_lock);
	rc = st ? store_delivery_put(st, &d, specs, rr->n, &dup, NULL, &err) : FB_ERETRY;
	if (st && sv->serialize_writes)
		pthread_mutex_unlock(&sv->write_lock);
	serve_store_put(sv, st, rc);
	if (rc < 0) {
		/* Not stored: never acknowledge.  The sender retries (or the
		 * operator redelivers); 503 when the database is unreachable. */
		bool down = rc == FB_ERETRY || rc == FB_ECONFLICT;
		if (down)
			serve_set_unavailable(sv, err.msg);
		else
			log_write(sv->lg, LOG_ERROR, "storing a delivery failed", "source", src,
				  "delivery", wr->event.delivery_id, "error", err.msg, NULL);
		count(sv, src, wr->event.name, down ? "unavailable" : "error");
		httpd_resp_error(out, down ? 503 : 500, down ? "storage unavailable; the delivery "
				 "was not accepted" : "the delivery could not be stored");
		return;
	}
	count(sv, src, wr->event.name, dup ? "duplicate" : "stored");
	out->status = dup ? 200 : 202;
	buf_printf(&out->body, "{\"status\":\"%s\",\"jobs\":%zu}\n", dup ? "duplicate" : "accepted",
		   dup ? (size_t)0 : rr->n);
}

static void intake(const struct httpd_req *rq, struct httpd_resp *out, struct serve *sv,
		   enum event_source source)
{
	struct webhooks_result wr;
	struct route_result rr = { 0 };
	struct route_config rc = { sv->cfg->review_drafts, sv->cfg->trigger_label,
				   sv->cfg->bot_login };
	const char *src = event_source_str(source);
	int rc_accept;

	if (serve_draining(sv)) {
		httpd_resp_error(out, 503, "shutting down");
		return;
	}
	webhooks_result_init(&wr);
	pthread_rwlock_rdlock(&sv->secrets_lock);
	rc_accept = webhooks_accept(&wr, source, header_cb, (void *)rq, rq->body, rq->body_len,
				    &sv->secrets);
	pthread_rwlock_unlock(&sv->secrets_lock);
	if (rc_accept < 0) {
		httpd_resp_error(out, 500, "out of memory");
		goto out;
	}
	switch (wr.verdict) {
	case WEBHOOKS_UNAUTHORIZED:
		count(sv, src, NULL, "unauthorized");
		httpd_resp_error(out, 401, wr.message);
		break;
	case WEBHOOKS_BAD_REQUEST:
		count(sv, src, wr.event.name, "bad_request");
		httpd_resp_error(out, 400, wr.message);
		break;
	case WEBHOOKS_UNSUPPORTED:
		count(sv, src, NULL, "unsupported_media_type");
		httpd_resp_error(out, 415, wr.message);
		break;
	case WEBHOOKS_PING:
	case WEBHOOKS_IGNORE:
		count(sv, src, wr.event.name, wr.verdict == WEBHOOKS_PING ? "ping" : "ignored");
		buf_printf(&out->body, "{\"status\":\"%s\"}\n",
			   wr.verdict == WEBHOOKS_PING ? "pong" : "ignored");
		break;
	case WEBHOOKS_STORE:
		if (route_event(&rr, &wr.event, &rc) < 0) {
			httpd_resp_error(out, 500, "out of memory");
			break;
		}
		store_delivery(sv, &wr, &rr, out);
		break;
	}
out:
	route_result_release(&rr);
	webhooks_result_release(&wr);
}

void serve_on_github(const struct httpd_req *rq, struct httpd_resp *out, void *ctx)
{
	intake(rq, out, ctx, EVENT_SRC_GITHUB);
}

void serve_on_gitlab(const struct httpd_req *rq, struct httpd_resp *out, void *ctx)
{
	intake(rq, out, ctx, EVENT_SRC_GITLAB);
}

void serve_on_alertmanager(const struct httpd_req *rq, struct httpd_resp *out, void *ctx)
{
	intake(rq, out, ctx, EVENT_SRC_ALERTMANAGER);
}
