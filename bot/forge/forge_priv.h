/*
 * forge_priv.h - what forge.c shares with the two implementations.
 *
 * forge.c owns the struct, the dispatch through `struct forge_ops`, and
 * the one request path every operation uses: `forge_call` builds the URL
 * from the API base, adds the forge's auth and media headers, sends it
 * through the HTTP client (retries and rate limits live there), decodes a
 * JSON answer and turns a non-2xx status into an FB_E* code with a message
 * naming the forge, method, endpoint, status and the forge's own message.
 * `forge_paginate` follows Link rel="next" (GitHub) or X-Next-Page
 * (GitLab) and hands each array element to a callback.
 *
 * github.c and gitlab.c each define one `struct forge_ops` table.
 */
#ifndef FB_FORGE_PRIV_H
#define FB_FORGE_PRIV_H

#include <jansson.h>
#include <time.h>

#include "forge.h"
#include "http.h"

struct forge_ops {
	/* Add the auth header lines for a request to `hdr` (an array of at
	 * most 4 strings; each is a malloc'd "Name: value" line the caller
	 * frees); returns how many, or a negative code. */
	int (*auth_headers)(struct forge *f, char **hdr, struct fb_error *err);
	/* Drop cached credentials after a 401 (GitHub App tokens); may be NULL. */
	void (*auth_expired)(struct forge *f);

	int (*whoami)(struct forge *f, char **out, struct fb_error *err);
	int (*pr_get)(struct forge *f, long number, struct forge_pr *out, struct fb_error *err);
	int (*pr_diff)(struct forge *f, long number, struct buf *out, struct fb_error *err);
	int (*pr_files)(struct forge *f, long number, forge_file_cb cb, void *payload,
			struct fb_error *err);
	int (*comments_list)(struct forge *f, long number, forge_comment_cb cb, void *payload,
			     struct fb_error *err);
	int (*note_create)(struct forge *f, long number, const char *body, long long *out_id,
			   struct fb_error *err);
	int (*note_update)(struct forge *f, long number, long long id, const char *body,
			   struct fb_error *err);
	int (*comment_update)(struct forge *f, long number, const struct forge_comment *c,
			      const char *body, struct fb_error *err);
	int (*comment_delete)(struct forge *f, long number, const struct forge_comment *c,
			      struct fb_error *err);
	int (*comment_reply)(struct forge *f, long number, const struct forge_comment *c,
			     const char *body, struct fb_error *err);
	int (*discussion_resolve)(struct forge *f, long number, const char *discussion_id,
				  bool resolved, struct fb_error *err);
	int (*review_post)(struct forge *f, long number, const struct forge_review *rv,
			   bool *placed, struct fb_error *err);
	int (*status_set)(struct forge *f, const struct forge_status *st, struct fb_error *err);
	int (*check_publish)(struct forge *f, const struct forge_check *ck, struct fb_error *err);
	int (*sarif_upload)(struct forge *f, const char *commit_sha, const char *ref,
			    const char *sarif, size_t len, char **out_id, struct fb_error *err);
	int (*labels_add)(struct forge *f, long number, const char *const *labels, size_t n,
			  struct fb_error *err);
	int (*label_remove)(struct forge *f, long number, const char *label,
			    struct fb_error *err);
	int (*branch_create)(struct forge *f, const char *name, const char *sha,
			     struct fb_error *err);
	int (*pr_create)(struct forge *f, const struct forge_pr_new *req,
			 struct forge_pr_created *out, struct fb_error *err);
	int (*job_log)(struct forge *f, long long job_id, size_t max, struct buf *out,
		       struct fb_error *err);
	int (*job_rerun)(struct forge *f, long long job_id, struct fb_error *err);
};

extern const struct forge_ops forge_github_ops;
extern const struct forge_ops forge_gitlab_ops;

struct forge {
	const struct forge_ops *ops;
	enum forge_kind kind;
	char *api_url;    /* no trailing slash */
	char *repo;       /* as configured */
	char *repo_path;  /* "/repos/owner/name" or "/projects/group%2Fproject" */
	struct forge_auth auth;  /* strings are owned copies */
	char *auth_token_copy, *app_id_copy, *app_key_copy;
	/* GitHub App: the cached installation token and when to renew it. */
	char *app_token;
	time_t app_token_renew_at;
	struct http_client *http;
	const struct log *lg;
	unsigned long calls;
	long rate_remaining;  /* last X-RateLimit-Remaining / RateLimit-Remaining, -1: unknown */
};

/* Options for one call; zero-initialized means: JSON in and out. */
struct forge_call_opts {
	const char *accept;         /* NULL: the forge's JSON media type */
	bool raw;                   /* don't decode: leave the body in reply->http.body */
	bool idempotent;            /* a POST that is safe to repeat */
	bool no_auth_on_redirect;   /* follow a redirect without our headers */
	size_t max_body;            /* 0: the client's limit */
	const char *content_type;   /* with a string body; NULL: application/json */
	const char *body;           /* a non-JSON body (instead of the json argument) */
	size_t body_len;
};

struct forge_reply {
	long status;                /* 0 in dry-run mode */
	json_t *json;               /* decoded answer (owned), NULL when empty, raw or dry */
	struct http_response http;  /* raw answer: headers we read, body */
};

void forge_reply_init(struct forge_reply *r);
void forge_reply_release(struct forge_reply *r);

/*
 * Make one API call.  `path` is relative to the API base ("/repos/...",
 * query included) or an absolute URL (a Link rel="next").  `json` (borrowed,
 * may be NULL) is sent as the body.  Returns 0 for a 2xx answer (and in
 * dry-run mode, with status 0 and no json), else the code for the status
 * with the message set; `out` holds the answer either way and must be
 * released.  A 401 with GitHub App credentials renews the token once.
 */
int forge_call(struct forge *f, const char *method, const char *path, json_t *json,
	       const struct forge_call_opts *opts, struct forge_reply *out,
	       struct fb_error *err);

/* Called for each element of each page; a non-zero return stops. */
typedef int (*forge_item_cb)(struct forge *f, json_t *item, void *payload);

/*
 * GET `path` (which must not carry page/per_page) page by page with
 * per_page=100, calling cb for every element of the JSON array answers, at
 * most `max_items` elements in all (0: no limit).  In dry-run mode it
 * prints one GET and calls nothing.
 */
int forge_paginate(struct forge *f, const char *path, size_t max_items, forge_item_cb cb,
		   void *payload, struct fb_error *err);

/* printf into a malloc'd string (NULL on overflow past 8 KiB or OOM). */
char *forge_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* URL-escape one path segment; malloc'd or NULL. */
char *forge_escape(const char *s);

/* jansson getters that tolerate missing keys and wrong types. */
const char *forge_jstr(const json_t *obj, const char *key);  /* NULL if absent */
long long forge_jint(const json_t *obj, const char *key);    /* 0 if absent */
bool forge_jbool(const json_t *obj, const char *key);
char *forge_jdup(const json_t *obj, const char *key);         /* malloc'd copy or NULL */

/* ---- forge_json.c: shared by github.c and gitlab.c ---- */

int forge_oom(struct fb_error *err);               /* FB_ENOMEM, "out of memory" */
const char *forge_emsg(const struct fb_error *err); /* err's message, "" for NULL */
/* Length of the valid UTF-8 sequence at s (n > 0 bytes left), 0 if none. */
size_t forge_utf8_seq(const unsigned char *s, size_t n);
/* Bytes of s to keep: at most max, not ending inside a UTF-8 sequence. */
size_t forge_utf8_cut(const char *s, size_t max);
/* A new JSON string (NULL s: ""), invalid UTF-8 replaced by U+FFFD; NULL
 * only when out of memory. */
json_t *forge_json_strn(const char *s, size_t len);
json_t *forge_json_str(const char *s);
/* Copy obj[key] (a string) into *dst (NULL when absent); FB_ENOMEM. */
int forge_dup_field(char **dst, const json_t *obj, const char *key);
/* One call whose answer matters only for its "id" (out_id may be NULL).
 * Owns `path` (malloc'd; NULL = out of memory) and steals `body`. */
int forge_send(struct forge *f, const char *method, char *path, json_t *body, bool with_body,
	       long long *out_id, struct fb_error *err);
int forge_send_json(struct forge *f, const char *method, char *path, json_t *body,
		    long long *out_id, struct fb_error *err);
int forge_send_bare(struct forge *f, const char *method, char *path, struct fb_error *err);
/* Append s[0..len) to out, or when longer than max its tail (from a line
 * start when one is near) after a "[... N bytes cut ...]" line. */
int forge_tail_append(struct buf *out, const char *s, size_t len, size_t max);
/* GET `path` (owned; NULL = out of memory) raw with `o`, and append at
 * most `max` bytes of the answer's tail to out (forge_tail_append). */
int forge_get_tail(struct forge *f, char *path, const struct forge_call_opts *o, size_t max,
		   struct buf *out, struct fb_error *err);

/* A result string: a malloc'd copy of s, or NULL for NULL. */
char *forge_strdup0(const char *s);

#endif
