/*
 * webhooks.c - one delivery in, one verdict out; and the JSON helpers the
 * normalizers share.
 *
 * webhooks_accept() runs the steps in webhooks.h in order, each on what the
 * previous one vouched for: authenticate the raw bytes (verify.c), check the
 * content type, decode the body (a copy of the JSON, or GitHub's form
 * encoding `payload=<percent-encoded JSON>` with '+' for space, decoded only
 * after the signature over the form bytes was checked), parse it with
 * jansson, normalize it (github.c, gitlab.c, alertmanager.c), then compute
 * the dedupe key from the headers.  The first step that fails decides the
 * verdict and the one-line message; nothing after it runs.
 *
 * Verdicts: PING for GitHub's ping; IGNORE for events forgebot does not use
 * (EVENT_IGNORED, or a consumed kind with EVENT_ACT_OTHER, such as an
 * approved merge request or a running pipeline); STORE for the rest.
 */
#include "webhooks_priv.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../bot/core/buf.h"
#include "../bot/core/crypto.h"

#define JSON_PATH_STEP_MAX 64
#define DELIVERY_ID_MAX 128 /* longest delivery / hook id header we keep */

/* ---- JSON helpers (webhooks_priv.h) ---- */

static const json_t *json_step(const json_t *node, const char *step, size_t n)
{
	if (json_is_object(node))
		return json_object_getn(node, step, n);
	if (json_is_array(node) && n > 0 && n < 10 && strspn(step, "0123456789") >= n) {
		char num[10];
		memcpy(num, step, n);
		num[n] = '\0';
		return json_array_get(node, strtoul(num, NULL, 10));
	}
	return NULL;
}

const json_t *webhooks_json_at(const json_t *root, const char *path)
{
	const json_t *node = root;

	while (node && *path) {
		size_t n = strcspn(path, ".");
		if (n == 0 || n > JSON_PATH_STEP_MAX)
			return NULL;
		node = json_step(node, path, n);
		path += n;
		if (*path == '.')
			path++;
	}
	return json_is_null(node) ? NULL : node;
}

const char *webhooks_json_str(const json_t *root, const char *path)
{
	return json_string_value(webhooks_json_at(root, path));
}

long long webhooks_json_int(const json_t *root, const char *path)
{
	const json_t *v = webhooks_json_at(root, path);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

bool webhooks_json_bool(const json_t *root, const char *path)
{
	return json_is_true(webhooks_json_at(root, path));
}

int webhooks_set(char **dst, const char *s, struct fb_error *err)
{
	free(*dst);
	*dst = NULL;
	if (s && !(*dst = strdup(s)))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	return 0;
}

int webhooks_copy(char **dst, const json_t *root, const char *path, struct fb_error *err)
{
	return webhooks_set(dst, webhooks_json_str(root, path), err);
}

void webhooks_printable(char *dst, size_t n, const char *s)
{
	size_t i;

	if (n == 0)
		return;
	for (i = 0; s && s[i] && i + 1 < n; i++)
		dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[i] = '\0';
}

int webhooks_invalid(const struct event *ev, struct fb_error *err, const char *what)
{
	char name[48], action[48];

	webhooks_printable(name, sizeof name, ev->name ? ev->name : "event");
	webhooks_printable(action, sizeof action, ev->action_raw);
	if (ev->action_raw)
		return fb_error_set(err, FB_EINVAL, "%s %s '%s': %s", event_source_str(ev->source),
				    name, action, what);
	return fb_error_set(err, FB_EINVAL, "%s %s: %s", event_source_str(ev->source), name, what);
}

static int missing(const struct event *ev, const char *path, const char *kind,
		   struct fb_error *err)
{
	char what[160];

	snprintf(what, sizeof what, "missing or invalid field '%s' (%s)", path, kind);
	return webhooks_invalid(ev, err, what);
}

int webhooks_need_str(char **dst, const json_t *root, const char *path, const struct event *ev,
		      struct fb_error *err)
{
	const char *s = webhooks_json_str(root, path);

	if (!s)
		return missing(ev, path, "a string", err);
	return webhooks_set(dst, s, err);
}

int webhooks_need_id(long long *dst, const json_t *root, const char *path, const struct event *ev,
		     struct fb_error *err)
{
	long long v = webhooks_json_int(root, path);

	if (v <= 0)
		return missing(ev, path, "a positive integer", err);
	*dst = v;
	return 0;
}

int webhooks_need_number(long *dst, const json_t *root, const char *path, const struct event *ev,
			 struct fb_error *err)
{
	long long v = webhooks_json_int(root, path);

	if (v <= 0 || v > LONG_MAX)
		return missing(ev, path, "a positive integer", err);
	*dst = (long)v;
	return 0;
}

/* ---- normalize ---- */

int webhooks_normalize(struct event *out, enum event_source source, const char *event_name,
		       const char *json, size_t len, struct fb_error *err)
{
	json_error_t je;
	json_t *root = NULL;
	char why[sizeof je.text];
	int rc = FB_EINVAL;

	event_init(out);
	out->source = source;
	root = json_loadb(json ? json : "", json ? len : 0, 0, &je);
	if (!root) {
		/* jansson quotes the text near the error: keep it printable. */
		webhooks_printable(why, sizeof why, je.text);
		fb_error_set(err, FB_EINVAL, "%s: body is not JSON: %s (line %d, column %d)",
			     event_source_str(source), why, je.line, je.column);
		goto out;
	}
	if (!json_is_object(root)) {
		fb_error_set(err, FB_EINVAL, "%s: body is not a JSON object",
			     event_source_str(source));
		goto out;
	}
	switch (source) {
	case EVENT_SRC_GITHUB:
		rc = webhooks_github_normalize(out, event_name, root, err);
		break;
	case EVENT_SRC_GITLAB:
		rc = webhooks_gitlab_normalize(out, event_name, root, err);
		break;
	case EVENT_SRC_ALERTMANAGER:
		rc = webhooks_alertmanager_normalize(out, root, err);
		break;
	default:
		rc = fb_error_set(err, FB_EINVAL, "unknown webhook source %d", (int)source);
		break;
	}
out:
	json_decref(root);
	if (rc != 0)
		event_release(out);
	return rc;
}

/* ---- accept ---- */

void webhooks_result_init(struct webhooks_result *r)
{
	memset(r, 0, sizeof *r);
	r->verdict = WEBHOOKS_BAD_REQUEST;
	event_init(&r->event);
}

void webhooks_result_release(struct webhooks_result *r)
{
	if (r == NULL)
		return;
	event_release(&r->event);
	free(r->body_json);
	webhooks_result_init(r);
}

enum body_type { BODY_JSON, BODY_FORM, BODY_OTHER };

/* The media type of Content-Type (parameters such as charset ignored). */
static enum body_type content_type(const char *ct)
{
	size_t n;

	if (!ct)
		return BODY_OTHER;
	ct += strspn(ct, " \t");
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n == strlen("application/json") && strncasecmp(ct, "application/json", n) == 0)
		return BODY_JSON;
	if (n == strlen("application/x-www-form-urlencoded") &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", n) == 0)
		return BODY_FORM;
	return BODY_OTHER;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode one form value ('+' is a space) into b. */
static int form_decode(struct buf *b, const char *s, size_t n, struct fb_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = hi >= 0 ? hexval(s[i + 2]) : -1;
			if (lo < 0)
				return fb_error_set(err, FB_EINVAL, "github: form body: bad percent "
						    "escape at byte %zu", i);
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (buf_putc(b, c) != 0)
			return fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	return 0;
}

/* The decoded `payload` field of a form body, into b. */
static int form_payload(struct buf *b, const char *body, size_t len, struct fb_error *err)
{
	size_t i = 0;

	while (i < len) {
		const char *field = body + i, *amp = memchr(field, '&', len - i);
		size_t flen = amp ? (size_t)(amp - field) : len - i;
		if (flen > 8 && memcmp(field, "payload=", 8) == 0)
			return form_decode(b, field + 8, flen - 8, err);
		i += flen + 1;
	}
	return fb_error_set(err, FB_EINVAL, "github: form body has no payload= field");
}

/* Fill out->body_json from the raw body according to its content type. */
static int decode_body(struct webhooks_result *out, enum body_type type, const char *body,
		       size_t len, struct fb_error *err)
{
	struct buf b;
	int rc;

	buf_init(&b, len + 1);
	if (type == BODY_FORM)
		rc = form_payload(&b, body, len, err);
	else if ((rc = buf_append(&b, body, len)) != 0)
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
	if (rc == 0) {
		out->body_json_len = b.len;
		if (!(out->body_json = buf_detach(&b)))
			rc = fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	buf_release(&b);
	return rc;
}

/* A delivery or hook id header: printable, no spaces, bounded. */
static bool id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (i >= DELIVERY_ID_MAX || s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return i > 0;
}

static int set_key(struct event *ev, const char *a, const char *b, struct fb_error *err)
{
	size_t n = strlen(a) + (b ? strlen(b) + 1 : 0) + 1;

	free(ev->delivery_id);
	if (!(ev->delivery_id = malloc(n)))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	snprintf(ev->delivery_id, n, b ? "%s:%s" : "%s", a, b ? b : "");
	return 0;
}

/* The dedupe key from the headers (Alertmanager's came with the body). */
static int dedupe_key(struct event *ev, webhooks_header_fn header, void *hp, const char *body,
		      size_t len, struct fb_error *err)
{
	char digest[65];
	const char *id = NULL, *hook = NULL, *name = NULL;

	if (ev->source == EVENT_SRC_ALERTMANAGER)
		return 0;
	if (ev->source == EVENT_SRC_GITHUB) {
		name = "X-GitHub-Delivery";
		id = webhooks_header(header, hp, name);
		hook = webhooks_header(header, hp, "X-GitHub-Hook-ID");
		if (hook && !id_ok(hook))
			return fb_error_set(err, FB_EINVAL, "X-GitHub-Hook-ID is not a printable id "
					    "of at most %d characters", DELIVERY_ID_MAX);
	} else {
		name = "Idempotency-Key";
		if (!(id = webhooks_header(header, hp, name))) {
			name = "X-Gitlab-Event-UUID";
			id = webhooks_header(header, hp, name);
		}
	}
	if (id && !id_ok(id))
		return fb_error_set(err, FB_EINVAL, "%s is not a printable id of at most %d "
				    "characters", name, DELIVERY_ID_MAX);
	if (id)
		return hook ? set_key(ev, hook, id, err) : set_key(ev, id, NULL, err);
	crypto_sha256_hex(digest, body, len);
	return set_key(ev, digest, NULL, err);
}

/* GitLab's X-Gitlab-Instance, or GHES's X-GitHub-Enterprise-Host, when it
 * looks like a base URL / host name. */
static int instance_url(struct event *ev, webhooks_header_fn header, void *hp,
			struct fb_error *err)
{
	const char *v;
	char url[300];

	if (ev->source == EVENT_SRC_GITLAB) {
		v = webhooks_header(header, hp, "X-Gitlab-Instance");
		if (!v || !id_ok(v) || (strncmp(v, "https://", 8) != 0 &&
					strncmp(v, "http://", 7) != 0))
			return 0;
		return webhooks_set(&ev->instance_url, v, err);
	}
	if (ev->source == EVENT_SRC_GITHUB) {
		v = webhooks_header(header, hp, "X-GitHub-Enterprise-Host");
		if (!v || !id_ok(v) || strspn(v, "abcdefghijklmnopqrstuvwxyz"
					      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:") != strlen(v))
			return 0;
		snprintf(url, sizeof url, "https://%s", v);
		return webhooks_set(&ev->instance_url, url, err);
	}
	return 0;
}

static void verdict(struct webhooks_result *out)
{
	const struct event *ev = &out->event;
	char name[48], action[48];

	webhooks_printable(name, sizeof name, ev->name ? ev->name : "event");
	webhooks_printable(action, sizeof action, ev->action_raw);
	if (ev->kind == EVENT_PING) {
		out->verdict = WEBHOOKS_PING;
		snprintf(out->message, sizeof out->message, "%s ping", event_source_str(ev->source));
	} else if (ev->kind == EVENT_IGNORED || ev->action == EVENT_ACT_OTHER) {
		out->verdict = WEBHOOKS_IGNORE;
		snprintf(out->message, sizeof out->message, "ignored: %s %s%s%s%s is not used",
			 event_source_str(ev->source), name, ev->action_raw ? " '" : "", action,
			 ev->action_raw ? "'" : "");
	} else {
		out->verdict = WEBHOOKS_STORE;
		snprintf(out->message, sizeof out->message, "%s %s %s", event_source_str(ev->source),
			 event_kind_str(ev->kind), event_action_str(ev->action));
	}
}

/* Set a refusal: the event and the decoded body are dropped. */
static int fail(struct webhooks_result *out, enum webhooks_verdict v, const struct fb_error *err)
{
	event_release(&out->event);
	free(out->body_json);
	out->body_json = NULL;
	out->body_json_len = 0;
	out->verdict = v;
	snprintf(out->message, sizeof out->message, "%.*s", (int)sizeof out->message - 1,
		 err->msg);
	return err->code == FB_ENOMEM ? FB_ENOMEM : 0;
}

int webhooks_accept(struct webhooks_result *out, enum event_source source,
		    webhooks_header_fn header, void *header_payload, const char *body, size_t len,
		    const struct webhooks_secrets *secrets)
{
	struct fb_error err = { 0 };
	enum body_type type;
	const char *event_name = NULL, *ct;
	int rc;

	webhooks_result_init(out);
	if (!body) {
		body = "";
		len = 0;
	}
	if ((rc = webhooks_verify(source, header, header_payload, body, len, secrets, &err)) != 0)
		return fail(out, rc == FB_ENOMEM ? WEBHOOKS_BAD_REQUEST : WEBHOOKS_UNAUTHORIZED,
			    &err);
	ct = webhooks_header(header, header_payload, "Content-Type");
	type = content_type(ct);
	if (type == BODY_OTHER || (type == BODY_FORM && source != EVENT_SRC_GITHUB)) {
		fb_error_set(&err, FB_EINVAL, "%s Content-Type: expected application/json%s",
			     ct ? "unsupported" : "missing",
			     source == EVENT_SRC_GITHUB ? " or application/x-www-form-urlencoded" : "");
		return fail(out, WEBHOOKS_UNSUPPORTED, &err);
	}
	if (decode_body(out, type, body, len, &err) != 0)
		return fail(out, WEBHOOKS_BAD_REQUEST, &err);
	if (source == EVENT_SRC_GITHUB)
		event_name = webhooks_header(header, header_payload, "X-GitHub-Event");
	else if (source == EVENT_SRC_GITLAB)
		event_name = webhooks_header(header, header_payload, "X-Gitlab-Event");
	if (webhooks_normalize(&out->event, source, event_name, out->body_json, out->body_json_len,
			       &err) != 0 ||
	    dedupe_key(&out->event, header, header_payload, body, len, &err) != 0 ||
	    instance_url(&out->event, header, header_payload, &err) != 0)
		return fail(out, WEBHOOKS_BAD_REQUEST, &err);
	verdict(out);
	return 0;
}
