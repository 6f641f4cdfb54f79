/*
 * forge.h - one interface to GitHub and GitLab.
 *
 * A `struct forge` is a client for one repository (GitHub "owner/name",
 * GitLab project id or path) on one forge: it holds the API base URL,
 * the credentials and an HTTP client (see http.h).  It belongs to one thread
 * at a time.  Every operation below has a GitHub REST and a GitLab REST v4
 * implementation (github.c, gitlab.c); where the forges differ the contract
 * says what each does.
 *
 * Pull requests and merge requests are both "pr" here, named by their
 * number (GitHub) or iid (GitLab).  Comments are "notes" (conversation
 * comments) or "inline" (review comments on a line of the diff).
 *
 * Errors: FB_EAUTH (401: no valid credentials), FB_EFORBIDDEN (a 403 that
 * is a permission refusal, e.g. a fork's read-only token), FB_ENOTFOUND
 * (404), FB_EINVAL (400/422: the forge rejected what we sent), FB_ELIMIT
 * (too large: a 406 diff, a 413 upload), FB_ECONFLICT (409, or "already
 * exists"), FB_ERETRY (rate-limited or unreachable after the retries).  The
 * message names the forge, method, endpoint, status and the forge's own
 * message — never a token.
 *
 * Strings in result structs are owned by the struct and freed by its
 * _release; strings passed to callbacks are borrowed for the call.
 */
#ifndef FB_FORGE_H
#define FB_FORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../core/buf.h"
#include "../core/err.h"
#include "../core/log.h"

enum forge_kind { FORGE_GITHUB, FORGE_GITLAB };

enum forge_auth_kind {
	FORGE_AUTH_NONE,
	FORGE_AUTH_TOKEN,      /* GitHub: Bearer (Actions token, PAT); GitLab: PRIVATE-TOKEN */
	FORGE_AUTH_JOB_TOKEN,  /* GitLab CI_JOB_TOKEN (JOB-TOKEN header; few endpoints) */
	FORGE_AUTH_OAUTH,      /* GitLab OAuth: Authorization: Bearer */
	FORGE_AUTH_GITHUB_APP, /* a JWT from the app key, exchanged for an installation token */
};

struct forge_auth {
	enum forge_auth_kind kind;
	const char *token;           /* TOKEN, JOB_TOKEN, OAUTH */
	const char *app_id;          /* GITHUB_APP: client ID or numeric app id (JWT iss) */
	const char *app_key_pem;     /* GITHUB_APP: the PEM private key text */
	long long installation_id;   /* GITHUB_APP: 0 = look it up for the repository */
};

struct forge_opts {
	enum forge_kind kind;
	const char *api_url;   /* NULL: https://api.github.com or https://gitlab.com/api/v4 */
	const char *repo;      /* GitHub "owner/name"; GitLab numeric id or "group/project" */
	struct forge_auth auth;
	long timeout_ms;       /* per request; 0: 30 s */
	int max_attempts;      /* 0: 4 */
	long max_wait_ms;      /* longest rate-limit wait; 0: 60 s */
	bool dry_run;          /* print requests, send none */
	FILE *dry_out;         /* NULL: stdout */
	const struct log *lg;  /* may be NULL */
};

struct forge;

/* Create a client.  Copies what it needs from `opts` (the key and token
 * strings too).  FB_EINVAL for a bad repo name, URL or key. */
int forge_new(struct forge **out, const struct forge_opts *opts, struct fb_error *err);
void forge_free(struct forge *f);

enum forge_kind forge_kind(const struct forge *f);
const char *forge_name(const struct forge *f);  /* "GitHub" or "GitLab" */
bool forge_dry_run(const struct forge *f);
/* How many API calls were made (or printed, in dry-run mode). */
unsigned long forge_calls(const struct forge *f);
/* The rate-limit budget the forge last reported, or -1 if it never did. */
long forge_rate_remaining(const struct forge *f);

/* ---- pull / merge requests ---- */

struct forge_pr {
	long number;
	char *title;
	char *head_sha;
	char *base_sha;       /* GitHub base.sha; GitLab: latest version's base_commit_sha */
	char *start_sha;      /* GitLab: latest version's start_commit_sha; GitHub: = base_sha */
	char *head_ref, *base_ref;
	char *head_repo;      /* GitHub head.repo.full_name; GitLab source project id */
	char *web_url;
	char *author;
	bool draft;
	bool fork;            /* head lives in another repository */
	bool open;
};

void forge_pr_release(struct forge_pr *pr);

/* Metadata and diff refs (GitLab reads the MR and its versions). */
int forge_pr_get(struct forge *f, long number, struct forge_pr *out, struct fb_error *err);

/* The whole diff as unified text.  FB_ELIMIT when the forge refuses a
 * diff that large (GitHub 406): use forge_pr_files instead. */
int forge_pr_diff(struct forge *f, long number, struct buf *out, struct fb_error *err);

enum forge_file_status {
	FORGE_FILE_ADDED, FORGE_FILE_MODIFIED, FORGE_FILE_REMOVED,
	FORGE_FILE_RENAMED, FORGE_FILE_COPIED, FORGE_FILE_OTHER,
};

struct forge_file {
	const char *path;
	const char *old_path;   /* renames; else = path */
	enum forge_file_status status;
	const char *patch;      /* the hunks, or NULL when the forge omits them */
};

/* Called once per changed file, all pages followed (GitHub: at most 3,000
 * files).  A non-zero return stops the walk and is returned. */
typedef int (*forge_file_cb)(const struct forge_file *file, void *payload);
int forge_pr_files(struct forge *f, long number, forge_file_cb cb, void *payload,
		   struct fb_error *err);

/* ---- comments ---- */

enum forge_comment_kind { FORGE_NOTE, FORGE_INLINE };

struct forge_comment {
	enum forge_comment_kind kind;
	long long id;
	const char *body;
	const char *author;        /* login / username */
	bool author_bot;           /* GitHub: the author is an App or Actions (type "Bot") */
	const char *discussion_id; /* GitLab; NULL on GitHub */
	long long in_reply_to;     /* GitHub inline replies; 0 otherwise */
	int thread_notes;          /* GitLab: notes in this discussion; GitHub: 1 */
	bool first_in_thread;      /* GitLab: the discussion's first note */
	bool resolved;             /* GitLab resolvable discussions */
	const char *path;          /* inline: the file, else NULL */
	long line;                 /* inline: new-file line, 0 when unknown */
};

/* Every comment on the pull request, all pages: GitHub conversation
 * comments then review comments; GitLab every note of every discussion
 * (system notes skipped).  A non-zero return from cb stops the walk. */
typedef int (*forge_comment_cb)(const struct forge_comment *c, void *payload);
int forge_comments_list(struct forge *f, long number, forge_comment_cb cb, void *payload,
			struct fb_error *err);

/* The login the credentials act as (malloc'd into *out).  GitHub: /user
 * for personal and OAuth tokens, "<slug>[bot]" for an App; an integration
 * token (Actions' GITHUB_TOKEN) cannot ask: FB_ENOTFOUND, and callers
 * trust comments by Bot accounts instead.  GitLab: /user.  In dry-run
 * mode: FB_ENOTFOUND. */
int forge_whoami(struct forge *f, char **out, struct fb_error *err);

/* A conversation comment.  `out_id` (may be NULL) gets its id (0 in
 * dry-run mode). */
int forge_note_create(struct forge *f, long number, const char *body, long long *out_id,
		      struct fb_error *err);
int forge_note_update(struct forge *f, long number, long long id, const char *body,
		      struct fb_error *err);
/* Edit or delete any comment listed by forge_comments_list. */
int forge_comment_update(struct forge *f, long number, const struct forge_comment *c,
			 const char *body, struct fb_error *err);
int forge_comment_delete(struct forge *f, long number, const struct forge_comment *c,
			 struct fb_error *err);
/* Reply in the comment's thread (GitHub in_reply_to; GitLab discussion note). */
int forge_comment_reply(struct forge *f, long number, const struct forge_comment *c,
			const char *body, struct fb_error *err);
/* GitLab: resolve or unresolve a discussion.  GitHub's REST API cannot
 * resolve review threads: FB_EINVAL there (callers edit the comment). */
int forge_discussion_resolve(struct forge *f, long number, const char *discussion_id,
			     bool resolved, struct fb_error *err);

/* ---- reviews ---- */

struct forge_inline {
	const char *path;
	const char *old_path;  /* GitLab positions; NULL: = path */
	long line;             /* new-file line */
	long old_line;         /* GitLab: the old line for an unchanged (context) line, else 0 */
	long start_line;       /* first line of a multi-line comment, 0: single line */
	const char *body;
};

struct forge_review {
	const char *commit_sha;  /* the head analysed */
	const char *base_sha;    /* GitLab position base_sha */
	const char *start_sha;   /* GitLab position start_sha */
	const char *body;        /* GitHub review body (required by the API) */
	const struct forge_inline *comments;
	size_t ncomments;
	size_t batch;            /* GitHub comments per review; 0: 30 */
};

/*
 * Post inline comments in as few calls as the forge allows: GitHub one
 * review per `batch` comments (a batch the forge rejects is retried one
 * comment at a time); GitLab one discussion per comment.  `placed[i]` is
 * set for each comment the forge accepted; a comment it cannot place on the
 * diff is left false and is not an error.  Other failures stop and return
 * their code; comments already placed stay marked.
 */
int forge_review_post(struct forge *f, long number, const struct forge_review *rv, bool *placed,
		      struct fb_error *err);

/* ---- statuses, checks, code scanning ---- */

enum forge_state { FORGE_STATE_PENDING, FORGE_STATE_SUCCESS, FORGE_STATE_FAILURE,
		   FORGE_STATE_ERROR };

struct forge_status {
	const char *sha;
	enum forge_state state;
	const char *context;      /* GitHub context / GitLab name */
	const char *description;  /* one line; truncated to 140 characters */
	const char *target_url;   /* may be NULL */
	const char *ref;          /* GitLab: the branch, may be NULL */
};

int forge_status_set(struct forge *f, const struct forge_status *st, struct fb_error *err);

enum forge_level { FORGE_LEVEL_NOTICE, FORGE_LEVEL_WARNING, FORGE_LEVEL_FAILURE };

struct forge_annotation {
	const char *path;
	long start_line, end_line;
	enum forge_level level;
	const char *title;
	const char *message;
};

struct forge_check {
	const char *name;
	const char *head_sha;
	enum forge_state state;   /* SUCCESS, FAILURE, or ERROR (neutral) */
	const char *title;
	const char *summary;      /* markdown, truncated to 65,535 characters */
	const struct forge_annotation *annotations;
	size_t nannotations;
	const char *details_url;
};

/* GitHub: a completed check run; its annotations are sent 50 per request
 * (one create, then updates that append).  Needs a token with checks
 * write (Actions' GITHUB_TOKEN with `checks: write`, or an App).  GitLab
 * has no check runs: a commit status named `name` with the title. */
int forge_check_publish(struct forge *f, const struct forge_check *ck, struct fb_error *err);

/* GitHub code scanning: gzip + base64 the SARIF and upload it for
 * `commit_sha` and `ref` (refs/pull/N/head or refs/heads/B).  `out_id`
 * (may be NULL) gets the upload id (malloc'd).  GitLab: FB_EINVAL (GitLab
 * reads the Code Quality report artifact instead). */
int forge_sarif_upload(struct forge *f, const char *commit_sha, const char *ref,
		       const char *sarif, size_t len, char **out_id, struct fb_error *err);

/* ---- issues, branches, new pull requests ---- */

/* Labels of an issue (GitHub: issue or pull request number; GitLab: an
 * issue iid — merge requests have their own iids). */
int forge_labels_add(struct forge *f, long number, const char *const *labels, size_t n,
		     struct fb_error *err);
/* Removing a label that is not there is not an error. */
int forge_label_remove(struct forge *f, long number, const char *label, struct fb_error *err);

/* A new branch `name` (without refs/heads/) at `sha`.  FB_ECONFLICT if it
 * exists. */
int forge_branch_create(struct forge *f, const char *name, const char *sha,
			struct fb_error *err);

struct forge_pr_new {
	const char *head;    /* branch (GitHub fork heads: owner:branch) */
	const char *base;
	const char *title;
	const char *body;
	bool draft;
};

struct forge_pr_created {
	long number;
	char *web_url;
	bool draft;          /* false when the forge refused a draft and we opened a ready one */
};

void forge_pr_created_release(struct forge_pr_created *c);
int forge_pr_create(struct forge *f, const struct forge_pr_new *req, struct forge_pr_created *out,
		    struct fb_error *err);

/* ---- CI jobs ---- */

/* A job's log as plain text, at most `max` bytes (the tail is kept when
 * it is longer).  GitHub follows the redirect to the log storage without
 * sending the token there. */
int forge_job_log(struct forge *f, long long job_id, size_t max, struct buf *out,
		  struct fb_error *err);
int forge_job_rerun(struct forge *f, long long job_id, struct fb_error *err);

/* ---- git over HTTPS ---- */

/*
 * The user name and password that fetch the repository at `url` over
 * HTTP(S) with the client's own credentials: GitHub "x-access-token" with
 * the token (an App's installation token, fetched or renewed as for any
 * call); GitLab "oauth2" with the token ("gitlab-ci-token" with a job
 * token).  Both are borrowed from `f` and valid until the next call on it;
 * both NULL when the client has no credentials.  Credentials only go to
 * the forge's own host: `url` must name the API's host, or the host the
 * API's "api." host serves (github.com for api.github.com); else
 * FB_EINVAL.  Other errors as for any call (an App's token exchange).
 */
int forge_git_credentials(struct forge *f, const char *url, const char **user,
			  const char **password, struct fb_error *err);

/* ---- helpers shared by callers ---- */

/* "error", "success"... */
const char *forge_state_str(enum forge_state s);

#endif
