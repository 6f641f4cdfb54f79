/*
 * alertmanager.c - a Prometheus Alertmanager notification (webhook payload
 * version 4) as a struct event of kind EVENT_ALERT.
 *
 * Alertmanager re-sends a group every group_interval / repeat_interval and
 * sends no delivery id, so the dedupe key is computed from the body: the
 * SHA-256 of the group key, the group's status and, for each alert, its
 * fingerprint (its labels when an older release omits it), status, startsAt
 * and endsAt.  Each alert is first reduced to its own digest and the
 * digests are sorted, so the order alerts are listed in does not matter; a
 * re-sent, unchanged group gets the same key, and any alert firing again or
 * resolving gets a new one.  Fields are joined with NUL bytes, which JSON
 * strings here cannot contain (jansson refuses \u0000), so no two
 * different notifications join to the same bytes.
 */
#include "webhooks_priv.h"

#include <stdlib.h>
#include <string.h>

#include "../bot/core/buf.h"
#include "../bot/core/crypto.h"

#define AM_VERSION "4"

static int oom(struct fb_error *err)
{
	return fb_error_set(err, FB_ENOMEM, "out of memory");
}

static int put_field(struct buf *b, const char *s)
{
	int rc = buf_puts(b, s ? s : "");

	return rc ? rc : buf_putc(b, '\0');
}

/* The digest of one alert's identity and state into out.  0 or FB_ENOMEM. */
static int alert_digest(char out[65], const json_t *alert)
{
	const char *fp = webhooks_json_str(alert, "fingerprint");
	const char *fields[] = { "status", "startsAt", "endsAt" };
	const json_t *labels;
	char *dump = NULL;
	struct buf b;
	int rc = FB_ENOMEM;

	buf_init(&b, BUF_MAX_DEFAULT);
	if (!fp) {
		/* Labels in a canonical form; a non-object alert as it is. */
		labels = json_is_object(alert) ? webhooks_json_at(alert, "labels") : alert;
		if (labels && !(dump = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS |
							  JSON_ENCODE_ANY)))
			goto out;
	}
	rc = put_field(&b, fp ? fp : dump);
	for (size_t i = 0; rc == 0 && i < sizeof fields / sizeof fields[0]; i++)
		rc = put_field(&b, webhooks_json_str(alert, fields[i]));
	if (rc == 0)
		crypto_sha256_hex(out, b.ptr, b.len);
out:
	free(dump);
	buf_release(&b);
	return rc;
}

static int cmp_digest(const void *a, const void *b)
{
	return memcmp(a, b, 65);
}

static int dedupe_key(struct event *ev, const json_t *alerts, struct fb_error *err)
{
	size_t i, n = json_array_size(alerts);
	char (*digests)[65] = NULL, key[65];
	struct buf b;
	int rc = FB_ENOMEM;

	buf_init(&b, BUF_MAX_DEFAULT);
	if (n && !(digests = calloc(n, sizeof *digests)))
		goto out;
	for (i = 0; i < n; i++)
		if (alert_digest(digests[i], json_array_get(alerts, i)) != 0)
			goto out;
	if (n)
		qsort(digests, n, sizeof *digests, cmp_digest);
	if (put_field(&b, ev->group_key) || put_field(&b, ev->alert_status))
		goto out;
	for (i = 0; i < n; i++)
		if (put_field(&b, digests[i]))
			goto out;
	crypto_sha256_hex(key, b.ptr, b.len);
	rc = webhooks_set(&ev->delivery_id, key, err);
out:
	if (rc == FB_ENOMEM)
		oom(err);
	free(digests);
	buf_release(&b);
	return rc;
}

int webhooks_alertmanager_normalize(struct event *ev, const json_t *root, struct fb_error *err)
{
	const json_t *version = webhooks_json_at(root, "version");
	const json_t *alerts = webhooks_json_at(root, "alerts");
	char v[32];
	int rc;

	if (version && !(json_is_string(version) && strcmp(json_string_value(version),
							   AM_VERSION) == 0)) {
		webhooks_printable(v, sizeof v, json_string_value(version));
		return fb_error_set(err, FB_EINVAL, "alertmanager: payload version '%s' is not "
				    "supported (expected \"" AM_VERSION "\")",
				    json_is_string(version) ? v : "(not a string)");
	}
	if (!json_is_array(alerts))
		return fb_error_set(err, FB_EINVAL, "alertmanager: missing or invalid field 'alerts' "
				    "(an array)");
	ev->kind = EVENT_ALERT;
	if (!ev->name && !(ev->name = strdup("alert")))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	ev->alerts = json_array_size(alerts);
	for (size_t i = 0; i < ev->alerts; i++) {
		const char *status = webhooks_json_str(json_array_get(alerts, i), "status");
		if (status && strcmp(status, "firing") == 0)
			ev->alerts_firing++;
	}
	if ((rc = webhooks_copy(&ev->group_key, root, "groupKey", err)) ||
	    (rc = webhooks_copy(&ev->alert_status, root, "status", err)))
		return rc;
	return dedupe_key(ev, alerts, err);
}
