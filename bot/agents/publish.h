/*
 * publish.h - post a review's findings to a pull/merge request.
 *
 * One action, for `forgebot ci` now and the webhook worker next:
 *
 *   1. read the comments already on the pull request and find forgebot's
 *      own by their hidden markers (the summary, and one per finding, keyed
 *      by fingerprint);
 *   2. turn each new finding on a line the forge can comment on into an
 *      inline comment (a suggestion block when the rule has a fix), at most
 *      `max_comments` per run, batched by forge_review_post;
 *   3. mark comments whose finding is gone: resolve the discussion
 *      (GitLab) or edit the comment to say it is outdated (GitHub); nothing
 *      is ever deleted, so replies are never lost;
 *   4. create or edit in place the one summary comment: counts by severity,
 *      the top findings, what could not go inline and why, skipped files,
 *      the engine version;
 *   5. set a check run (GitHub) or commit status that fails when a finding
 *      is at or above the fail level.
 *
 * A finding the forge cannot place on the diff goes to the summary; it
 * never fails the run.  A caller that keeps a record (the server's audit
 * log) passes `on_action`, told of each write the forge accepted.  Markers:
 *   <!-- forgebot:v1 fp=<16 hex> rule=<id> -->      on each inline comment
 *   <!-- forgebot:v1 fp=... rule=... state=outdated -->  once marked outdated
 *   <!-- forgebot:summary -->                        on the summary
 */
#ifndef FB_AGENTS_PUBLISH_H
#define FB_AGENTS_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "../forge/forge.h"
#include "review.h"

#define PUBLISH_SUMMARY_MARKER "<!-- forgebot:summary -->"
#define PUBLISH_MAX_COMMENTS_DEFAULT 25

enum publish_status {
	PUBLISH_STATUS_NONE,
	PUBLISH_STATUS_COMMIT,  /* a commit status */
	PUBLISH_STATUS_CHECK,   /* GitHub: a check run (falls back to a status without permission) */
};

/* What publish did on the forge: one on_action call per accepted write. */
enum publish_action_kind {
	PUBLISH_REVIEW_POSTED,       /* the new inline comments: `n` placed (GitHub: a review
				      * per 30; GitLab: a discussion each) */
	PUBLISH_COMMENT_POSTED,      /* then one per placed comment: fingerprint, path, line */
	PUBLISH_COMMENT_OUTDATED,    /* GitHub: an earlier comment edited to say it is outdated */
	PUBLISH_DISCUSSION_RESOLVED, /* GitLab: an earlier comment's discussion resolved */
	PUBLISH_SUMMARY_CREATED,
	PUBLISH_SUMMARY_UPDATED,
	PUBLISH_CHECK_RUN,           /* GitHub: the check run */
	PUBLISH_COMMIT_STATUS,       /* GitLab, or GitHub when the check run was refused */
};

struct publish_action {
	enum publish_action_kind kind;
	size_t n;                  /* REVIEW_POSTED: comments placed */
	const char *fingerprint;   /* COMMENT_POSTED, COMMENT_OUTDATED, DISCUSSION_RESOLVED */
	const char *path;          /* COMMENT_POSTED */
	long line;                 /* COMMENT_POSTED: the new-file line it is anchored on */
	long long comment_id;      /* the comment's id, 0 when the forge does not say: always
				    * for COMMENT_POSTED (forge_review_post returns no ids) */
	const char *discussion_id; /* DISCUSSION_RESOLVED */
	bool failed;               /* CHECK_RUN, COMMIT_STATUS: the state set is a failure */
};

/* "review_posted", "comment_posted", ... (the enum's names, lower case). */
const char *publish_action_name(enum publish_action_kind kind);

struct publish_request {
	struct forge *forge;
	long number;              /* the pull/merge request; 0: none (status only) */
	const char *head_sha;     /* the commit reviewed */
	const char *base_sha;     /* GitLab positions: the MR version's base and start */
	const char *start_sha;
	/* Read a file as of head_sha (for suggestion blocks), appending to out
	 * (bounded by out->max); NULL: no suggestions are offered. */
	int (*read_source)(struct buf *out, const char *path, void *payload);
	void *read_payload;
	const struct review_result *review;
	enum severity fail_on;    /* SEV_OFF: never fail */
	bool post_comments;       /* inline comments and the summary */
	enum publish_status status;
	const char *status_name;  /* NULL: "forgebot" */
	const char *details_url;  /* the CI job, or NULL */
	size_t max_comments;      /* 0: PUBLISH_MAX_COMMENTS_DEFAULT */
	/* Called after each write the forge accepted, in order, with what it
	 * was (strings borrowed for the call); never in dry-run mode, where
	 * nothing is written.  NULL: nobody is told. */
	void (*on_action)(const struct publish_action *a, void *payload);
	void *action_payload;
};

struct publish_result {
	size_t posted;            /* new inline comments */
	size_t already;           /* findings already commented on an earlier run */
	size_t outdated;          /* comments resolved or marked outdated */
	size_t unplaced;          /* findings the forge could not place: in the summary */
	size_t capped;            /* over max_comments: in the summary */
	bool summary_created, summary_updated;
	bool status_set;
	bool status_fell_back;    /* a check run was refused; a commit status was set */
	bool failed;              /* a finding at or above the fail level */
};

/*
 * Publish.  Errors are the forge's (forge.h); FB_EFORBIDDEN on the first write
 * means the token cannot write (a fork's read-only token): the caller may
 * degrade to annotations.  `out->failed` is set before anything is sent.
 */
int review_publish(struct publish_result *out, const struct publish_request *req,
		   const struct log *lg, struct fb_error *err);

/* A read_source for suggestions: files of `repo` at commit `sha`.
 * Use { repo, sha } as the payload. */
struct fb_repo;
struct publish_head {
	struct fb_repo *repo;
	const char *sha;
};
int publish_read_at_head(struct buf *out, const char *path, void *payload);

/* Does the finding fail the run at this level? */
bool publish_fails(const struct finding *f, enum severity fail_on);

#endif
