/*
 * publish_priv.h - the Markdown publish.c posts: comment bodies, markers,
 * suggestions and the summary (publish_body.c).
 */
#ifndef FB_AGENTS_PUBLISH_PRIV_H
#define FB_AGENTS_PUBLISH_PRIV_H

#include "publish.h"

/* Why a finding is in the summary rather than inline. */
enum aside_reason { ASIDE_NONE, ASIDE_OFF_DIFF, ASIDE_UNPLACED, ASIDE_CAPPED };

struct summary_input {
	const struct review_result *review;
	const enum aside_reason *aside;  /* per finding */
	const char *head_sha;
	enum severity fail_on;
	size_t posted, already, outdated;
	size_t max_comments;
	bool comments_off;               /* inline comments were not requested */
};

/*
 * The body of the inline comment for `f`: severity, rule, message, note,
 * a suggestion block when the rule has a fix and the lines can be read
 * through req->read_source, the rule's URL, and the marker.  `*range_start` gets the
 * first line the suggestion replaces when it spans lines (else 0).
 */
int publish_comment_body(struct buf *out, const struct finding *f, enum forge_kind kind,
			 const struct publish_request *req, long *range_start);

/* The summary comment, starting with PUBLISH_SUMMARY_MARKER. */
int publish_summary_body(struct buf *out, const struct summary_input *in);

/* Parse forgebot's marker in a comment body: 1 found (fp filled, outdated
 * set), 0 none. */
int publish_marker_parse(const char *body, char fp[17], bool *outdated);

/* Rewrite a comment body as outdated: a first line saying so, the marker
 * with state=outdated.  Appends to out. */
int publish_outdated_body(struct buf *out, const char *body, const char *head_sha);

#endif
