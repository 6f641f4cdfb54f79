/*
 * webhooks_priv.h - what the files of webhooks/ share, not part of the API.
 *
 * verify.c authenticates a delivery; github.c, gitlab.c and alertmanager.c
 * each turn one parsed body into a struct event; webhooks.c drives them and
 * holds the JSON helpers they all use.  The helpers read leniently: a
 * missing member, or one of the wrong type, reads as absent (NULL, 0,
 * false).  The webhooks_need_* helpers are for the fields an event forgebot
 * consumes cannot do without: absent, they fail with FB_EINVAL and a message
 * naming the event and the field.
 *
 * jansson's types stay inside this folder: callers of webhooks.h see only
 * struct event.
 */
#ifndef FB_WEBHOOKS_PRIV_H
#define FB_WEBHOOKS_PRIV_H

#include <jansson.h>
#include <stdbool.h>

#include "webhooks.h"

/* The member at a dotted path ("pull_request.head.sha"; a numeric step
 * indexes an array: "pull_requests.0.number"), or NULL when a step is
 * missing or of the wrong type.  Borrowed: do not decref. */
const json_t *webhooks_json_at(const json_t *root, const char *path);

/* The string at path (borrowed), or NULL when absent or not a string. */
const char *webhooks_json_str(const json_t *root, const char *path);

/* The integer at path, or 0 when absent or not an integer. */
long long webhooks_json_int(const json_t *root, const char *path);

/* True only when the member at path is JSON true. */
bool webhooks_json_bool(const json_t *root, const char *path);

/* *dst = a copy of s (NULL stays NULL); *dst must be NULL or owned and is
 * freed first.  0 or FB_ENOMEM. */
int webhooks_set(char **dst, const char *s, struct fb_error *err);

/* Copy the optional string at path into *dst (NULL when absent).
 * 0 or FB_ENOMEM. */
int webhooks_copy(char **dst, const json_t *root, const char *path, struct fb_error *err);

/* Copy the required string at path; FB_EINVAL naming `ev`'s event and the
 * field when it is absent or not a string.  0, FB_EINVAL or FB_ENOMEM. */
int webhooks_need_str(char **dst, const json_t *root, const char *path, const struct event *ev,
		      struct fb_error *err);

/* The required positive integer at path (an id, a number); FB_EINVAL
 * naming the event and the field otherwise. */
int webhooks_need_id(long long *dst, const json_t *root, const char *path, const struct event *ev,
		     struct fb_error *err);

/* Same, for a PR / MR / issue number. */
int webhooks_need_number(long *dst, const json_t *root, const char *path, const struct event *ev,
			 struct fb_error *err);

/* FB_EINVAL with "<source> <name> '<action>': <what>" for `ev`. */
int webhooks_invalid(const struct event *ev, struct fb_error *err, const char *what);

/* Copy at most n-1 bytes of s into dst, printable ASCII only (others become
 * '?'), for quoting sender-supplied names in messages. */
void webhooks_printable(char *dst, size_t n, const char *s);

/* The request header `name`, or NULL when absent or when there is no
 * lookup function. */
static inline const char *webhooks_header(webhooks_header_fn header, void *payload,
					  const char *name)
{
	return header ? header(name, payload) : NULL;
}

/* Normalizers: `ev` is initialized with its source set; `root` is the
 * parsed body, a JSON object.  0, FB_EINVAL (message names the field) or
 * FB_ENOMEM.  On failure `ev` may hold partial data; the caller releases. */
int webhooks_github_normalize(struct event *ev, const char *event_name, const json_t *root,
			      struct fb_error *err);
int webhooks_gitlab_normalize(struct event *ev, const char *event_name, const json_t *root,
			      struct fb_error *err);
/* Also sets ev->delivery_id (the dedupe key depends only on the body). */
int webhooks_alertmanager_normalize(struct event *ev, const json_t *root, struct fb_error *err);

/*
 * Authenticate the raw bytes of a delivery from `source` (verify.c).
 * 0 when a configured secret matches; FB_EAUTH with a message that names
 * the header or the FORGEBOT_* variable to set, and never contains a
 * secret or a signature; FB_ENOMEM.
 */
int webhooks_verify(enum event_source source, webhooks_header_fn header, void *header_payload,
		    const char *body, size_t len, const struct webhooks_secrets *secrets,
		    struct fb_error *err);

#endif
