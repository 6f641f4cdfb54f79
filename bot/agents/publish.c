/*
 * publish.c - post a review to a pull/merge request; see publish.h.
 *
 * The run is: read what is there, decide, write.  Reading collects
 * forgebot's earlier comments by marker; deciding places each finding
 * (inline, or aside into the summary with the reason); writing posts new
 * inline comments in one batched call, retires comments whose finding is
 * gone, edits the summary, and sets the status last so it reflects
 * everything before it.
 */
#include "publish.h"

#include <stdlib.h>
#include <string.h>

#include "../git/git.h"
#include "publish_priv.h"

struct earlier {
	struct forge_comment c;   /* body/author/path not kept: only what we act on */
	char *discussion_id;
	char *body;
	char fp[17];
	bool outdated;
	int replies;
};

struct state {
	const struct publish_request *req;
	struct earlier *v;
	size_t n, cap;
	long long *reply_to;       /* GitHub: in_reply_to of every inline comment */
	size_t nreply, capreply;
	char *self;                /* the login we post as, or NULL when unknown */
	long long summary_id;
	char *summary_body;
	struct forge_comment summary;
	enum aside_reason *aside;
};

const char *publish_action_name(enum publish_action_kind kind)
{
	static const char *const names[] = {
		[PUBLISH_REVIEW_POSTED] = "review_posted",
		[PUBLISH_COMMENT_POSTED] = "comment_posted",
		[PUBLISH_COMMENT_OUTDATED] = "comment_outdated",
		[PUBLISH_DISCUSSION_RESOLVED] = "discussion_resolved",
		[PUBLISH_SUMMARY_CREATED] = "summary_created",
		[PUBLISH_SUMMARY_UPDATED] = "summary_updated",
		[PUBLISH_CHECK_RUN] = "check_run",
		[PUBLISH_COMMIT_STATUS] = "commit_status",
	};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

/* Tell the caller of a write the forge accepted; in dry-run mode nothing
 * was written, so there is nothing to tell. */
static void tell(const struct publish_request *req, const struct publish_action *a)
{
	if (req->on_action && !forge_dry_run(req->forge))
		req->on_action(a, req->action_payload);
}

int publish_read_at_head(struct buf *out, const char *path, void *payload)
{
	const struct publish_head *h = payload;
	struct fb_error e = { 0 };

	return fb_repo_read_file(out, h->repo, h->sha, path, &e);
}

bool publish_fails(const struct finding *f, enum severity fail_on)
{
	return fail_on != SEV_OFF && f->severity >= fail_on;
}

static void state_release(struct state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].discussion_id);
		free(s->v[i].body);
	}
	free(s->v);
	free(s->reply_to);
	free(s->summary_body);
	free(s->aside);
	free(s->self);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	if (!(p = realloc(*v, *cap * size)))
		return FB_ENOMEM;
	*v = p;
	return 0;
}

/*
 * Markers count only in comments forgebot wrote: its own login, or (when
 * the token cannot name itself, as Actions' cannot) a Bot account, which
 * no pull request author can post as.  Otherwise anyone could hide a
 * finding by pasting its marker, or make us edit their comment.
 */
static bool ours(const struct state *s, const struct forge_comment *c)
{
	if (s->self)
		return c->author && strcmp(c->author, s->self) == 0;
	return c->author_bot;
}

static int collect(const struct forge_comment *c, void *payload)
{
	struct state *s = payload;
	struct earlier *e;
	char fp[17];
	bool outdated;

	if (c->kind == FORGE_INLINE && c->in_reply_to) {
		if (grow((void **)&s->reply_to, &s->capreply, s->nreply, sizeof(long long)) < 0)
			return FB_ENOMEM;
		s->reply_to[s->nreply++] = c->in_reply_to;
	}
	if (!ours(s, c))
		return 0;
	if (c->kind == FORGE_NOTE && !s->summary_id && c->body &&
	    strstr(c->body, PUBLISH_SUMMARY_MARKER)) {
		s->summary_id = c->id;
		s->summary = *c;
		s->summary.body = NULL;
		s->summary_body = strdup(c->body);
		return s->summary_body ? 0 : FB_ENOMEM;
	}
	/* Only the thread's first note carries our marker; replies quoting
	 * it are someone else's words. */
	if (c->kind != FORGE_INLINE || !c->first_in_thread ||
	    !publish_marker_parse(c->body, fp, &outdated))
		return 0;
	if (grow((void **)&s->v, &s->cap, s->n, sizeof *s->v) < 0)
		return FB_ENOMEM;
	e = &s->v[s->n];
	memset(e, 0, sizeof *e);
	e->c = *c;
	e->c.body = e->c.author = e->c.path = NULL;
	memcpy(e->fp, fp, sizeof fp);
	e->outdated = outdated || c->resolved;
	e->replies = c->thread_notes > 1 ? c->thread_notes - 1 : 0;
	e->discussion_id = c->discussion_id ? strdup(c->discussion_id) : NULL;
	e->body = strdup(c->body);
	e->c.discussion_id = e->discussion_id;
	s->n++;
	return (!e->body || (c->discussion_id && !e->discussion_id)) ? FB_ENOMEM : 0;
}

static const struct earlier *earlier_find(const struct state *s, const char *fp)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].fp, fp) == 0)
			return &s->v[i];
	return NULL;
}

static bool in_sorted(const uint32_t *v, size_t n, uint32_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] == x)
			return true;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Can the forge take a comment on this finding's line?  GitHub: any line
 * of a hunk (added or unchanged).  GitLab: added lines (an unchanged line
 * needs its old line number too, which a diff's hunks alone do not give
 * without counting removed lines; findings there go to the summary).
 */
static bool placeable(const struct diff *d, enum forge_kind k, const struct finding *f)
{
	const struct diff_file *df = d ? diff_find(d, f->path) : NULL;

	if (!df || df->binary)
		return false;
	if (in_sorted(df->added, df->nadded, f->start_line))
		return true;
	return k == FORGE_GITHUB && in_sorted(df->context, df->ncontext, f->start_line);
}

static bool line_in_diff(const struct diff *d, const char *path, uint32_t line)
{
	const struct diff_file *df = diff_find(d, path);

	return df && (in_sorted(df->added, df->nadded, line) ||
		      in_sorted(df->context, df->ncontext, line));
}

struct batch {
	struct forge_inline *v;
	size_t *finding;   /* index into findings per comment */
	char **bodies;
	bool *placed;
	size_t n;
};

static void batch_release(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->bodies[i]);
	free(b->v);
	free(b->finding);
	free(b->bodies);
	free(b->placed);
}

/* Decide, for each finding, inline or aside; build the new comments. */
static int plan(struct state *s, struct batch *b, struct publish_result *out)
{
	const struct publish_request *req = s->req;
	const struct findings *fs = &req->review->scan.findings;
	enum forge_kind kind = forge_kind(req->forge);
	size_t max = req->max_comments ? req->max_comments : PUBLISH_MAX_COMMENTS_DEFAULT;
	struct buf body;

	b->v = calloc(fs->n + 1, sizeof *b->v);
	b->finding = calloc(fs->n + 1, sizeof *b->finding);
	b->bodies = calloc(fs->n + 1, sizeof *b->bodies);
	b->placed = calloc(fs->n + 1, sizeof *b->placed);
	if (!b->v || !b->finding || !b->bodies || !b->placed)
		return FB_ENOMEM;
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		struct forge_inline *c;
		long range = 0;

		if (earlier_find(s, f->fingerprint)) {
			out->already++;
			continue;
		}
		if (!placeable(&req->review->diff, kind, f)) {
			s->aside[i] = ASIDE_OFF_DIFF;
			continue;
		}
		if (b->n >= max) {
			s->aside[i] = ASIDE_CAPPED;
			out->capped++;
			continue;
		}
		buf_init(&body, (size_t)60000);
		if (publish_comment_body(&body, f, kind, req, &range) < 0) {
			buf_release(&body);
			return FB_ENOMEM;
		}
		c = &b->v[b->n];
		c->path = f->path;
		c->line = range && kind == FORGE_GITHUB ? (long)f->end_line : (long)f->start_line;
		/* A multi-line suggestion on GitHub spans its lines, which must all
		 * be in the diff; GitLab anchors on the first line (suggestion:-0+N). */
		if (range && kind == FORGE_GITHUB &&
		    !line_in_diff(&req->review->diff, f->path, f->end_line)) {
			c->line = f->start_line;
			range = 0;
		}
		c->start_line = kind == FORGE_GITHUB ? range : 0;
		b->bodies[b->n] = buf_detach(&body);
		c->body = b->bodies[b->n];
		b->finding[b->n] = i;
		b->n++;
	}
	return 0;
}

static void tell_posted(const struct publish_request *req, const struct batch *b, size_t n)
{
	const struct findings *fs = &req->review->scan.findings;
	struct publish_action a = { .kind = PUBLISH_REVIEW_POSTED, .n = n };

	tell(req, &a);
	for (size_t i = 0; i < b->n; i++) {
		if (!b->placed[i])
			continue;
		a = (struct publish_action){ .kind = PUBLISH_COMMENT_POSTED,
					     .fingerprint = fs->v[b->finding[i]].fingerprint,
					     .path = b->v[i].path, .line = b->v[i].line };
		tell(req, &a);
	}
}

static int post_new(struct state *s, struct batch *b, struct publish_result *out,
		    struct fb_error *err)
{
	const struct publish_request *req = s->req;
	struct forge_review rv = { 0 };
	int rc;

	if (b->n == 0)
		return 0;
	rv.commit_sha = req->head_sha;
	rv.base_sha = req->base_sha;
	rv.start_sha = req->start_sha;
	rv.body = "forgebot review: see the summary comment for counts and details.";
	rv.comments = b->v;
	rv.ncomments = b->n;
	rc = forge_review_post(req->forge, req->number, &rv, b->placed, err);
	for (size_t i = 0; i < b->n; i++) {
		if (b->placed[i]) {
			out->posted++;
		} else if (rc == 0) {
			s->aside[b->finding[i]] = ASIDE_UNPLACED;
			out->unplaced++;
		}
	}
	/* Comments placed before a failure were written all the same. */
	if (out->posted)
		tell_posted(req, b, out->posted);
	return rc;
}

static bool finding_present(const struct review_result *r, const char *fp)
{
	for (size_t i = 0; i < r->scan.findings.n; i++)
		if (strcmp(r->scan.findings.v[i].fingerprint, fp) == 0)
			return true;
	return false;
}

static int replies_on_github(const struct state *s, long long id)
{
	int n = 0;

	for (size_t i = 0; i < s->nreply; i++)
		n += s->reply_to[i] == id;
	return n;
}

/* Comments whose finding is gone: resolve (GitLab) or mark outdated
 * (GitHub).  Nothing is deleted: a thread someone answered stays whole. */
static int retire_gone(struct state *s, struct publish_result *out, const struct log *lg,
		       struct fb_error *err)
{
	const struct publish_request *req = s->req;
	int rc = 0;

	for (size_t i = 0; i < s->n && rc == 0; i++) {
		struct earlier *e = &s->v[i];
		struct buf body;

		if (e->outdated || finding_present(req->review, e->fp))
			continue;
		if (forge_kind(req->forge) == FORGE_GITLAB) {
			rc = forge_discussion_resolve(req->forge, req->number, e->discussion_id, true,
						      err);
		} else {
			buf_init(&body, (size_t)65536);
			rc = publish_outdated_body(&body, e->body, req->head_sha);
			if (rc == 0)
				rc = forge_comment_update(req->forge, req->number, &e->c,
							  buf_cstr(&body), err);
			buf_release(&body);
		}
		if (rc == 0) {
			struct publish_action a = { .fingerprint = e->fp, .comment_id = e->c.id,
						    .discussion_id = e->discussion_id };
			char n[16];

			a.kind = forge_kind(req->forge) == FORGE_GITLAB ? PUBLISH_DISCUSSION_RESOLVED
									: PUBLISH_COMMENT_OUTDATED;
			snprintf(n, sizeof n, "%d", forge_kind(req->forge) == FORGE_GITHUB
						    ? replies_on_github(s, e->c.id) : e->replies);
			log_write(lg, LOG_INFO, "comment marked outdated", "fingerprint", e->fp,
				  "replies", n, NULL);
			out->outdated++;
			tell(req, &a);
		}
	}
	return rc;
}

/* The summary Markdown: the comment's body, and the check run's summary. */
static int summary_render(struct buf *body, const struct state *s,
			  const struct publish_result *out)
{
	const struct publish_request *req = s->req;
	struct summary_input in = { 0 };

	in.review = req->review;
	in.aside = s->aside;
	in.head_sha = req->head_sha;
	in.fail_on = req->fail_on;
	in.posted = out->posted;
	in.already = out->already;
	in.outdated = out->outdated;
	in.max_comments = req->max_comments ? req->max_comments : PUBLISH_MAX_COMMENTS_DEFAULT;
	in.comments_off = !req->post_comments || req->number <= 0;
	buf_init(body, (size_t)65000);
	return publish_summary_body(body, &in);
}

static int write_summary(struct state *s, struct publish_result *out, struct fb_error *err)
{
	const struct publish_request *req = s->req;
	struct publish_action a = { .kind = PUBLISH_SUMMARY_UPDATED, .comment_id = s->summary_id };
	struct buf body;
	int rc = summary_render(&body, s, out);

	if (rc < 0) {
		rc = fb_error_set(err, rc, "the summary comment is too long");
	} else if (!s->summary_id) {
		a.kind = PUBLISH_SUMMARY_CREATED;
		rc = forge_note_create(req->forge, req->number, buf_cstr(&body), &a.comment_id, err);
		out->summary_created = rc == 0;
	} else if (!s->summary_body || strcmp(s->summary_body, buf_cstr(&body)) != 0) {
		rc = forge_note_update(req->forge, req->number, s->summary_id, buf_cstr(&body), err);
		out->summary_updated = rc == 0;
	}
	if (out->summary_created || out->summary_updated)
		tell(req, &a);
	buf_release(&body);
	return rc;
}

static int annotations(struct forge_annotation **out, const struct findings *fs)
{
	*out = calloc(fs->n + 1, sizeof **out);
	if (!*out)
		return FB_ENOMEM;
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		struct forge_annotation *a = &(*out)[i];

		a->path = f->path;
		a->start_line = f->start_line;
		a->end_line = f->end_line >= f->start_line ? f->end_line : f->start_line;
		a->level = f->severity == SEV_ERROR ? FORGE_LEVEL_FAILURE
			   : f->severity == SEV_WARNING ? FORGE_LEVEL_WARNING : FORGE_LEVEL_NOTICE;
		a->title = f->rule->id;
		a->message = f->message;
	}
	return 0;
}

static int set_status(struct state *s, struct publish_result *out, const struct log *lg,
		      struct fb_error *err)
{
	const struct publish_request *req = s->req;
	const struct findings *fs = &req->review->scan.findings;
	const char *name = req->status_name ? req->status_name : "forgebot";
	char title[160];
	struct forge_status st = { 0 };
	int rc;

	snprintf(title, sizeof title, "%zu finding%s%s", fs->n, fs->n == 1 ? "" : "s",
		 out->failed ? " at or above the fail level" : "");
	if (req->status == PUBLISH_STATUS_CHECK) {
		struct forge_check ck = { 0 };
		struct forge_annotation *an = NULL;
		struct buf summary;

		if ((rc = annotations(&an, fs)) < 0)
			return fb_error_set(err, rc, "out of memory");
		if (summary_render(&summary, s, out) < 0)
			buf_reset(&summary); /* too long: the title alone says enough */
		ck.name = name;
		ck.head_sha = req->head_sha;
		ck.state = out->failed ? FORGE_STATE_FAILURE : FORGE_STATE_SUCCESS;
		ck.title = title;
		ck.summary = summary.len ? buf_cstr(&summary) : title;
		ck.annotations = an;
		ck.nannotations = fs->n > 1000 ? 1000 : fs->n; /* GitHub keeps the first 1,000 anyway */
		ck.details_url = req->details_url;
		rc = forge_check_publish(req->forge, &ck, err);
		free(an);
		buf_release(&summary);
		if (rc == 0) {
			struct publish_action a = { .kind = PUBLISH_CHECK_RUN, .failed = out->failed };
			out->status_set = true;
			tell(req, &a);
		}
		if (rc != FB_EFORBIDDEN)
			return rc;
		/* Tokens without checks: write (PATs, OAuth apps) still set statuses. */
		log_write(lg, LOG_WARN, "check run refused; setting a commit status instead",
			  "reason", err->msg, NULL);
		out->status_fell_back = true;
	}
	st.sha = req->head_sha;
	st.state = out->failed ? FORGE_STATE_FAILURE : FORGE_STATE_SUCCESS;
	st.context = name;
	st.description = title;
	st.target_url = req->details_url;
	rc = forge_status_set(req->forge, &st, err);
	out->status_set = rc == 0;
	if (rc == 0) {
		struct publish_action a = { .kind = PUBLISH_COMMIT_STATUS, .failed = out->failed };
		tell(req, &a);
	}
	return rc;
}

int review_publish(struct publish_result *out, const struct publish_request *req,
		   const struct log *lg, struct fb_error *err)
{
	const struct findings *fs = &req->review->scan.findings;
	struct state s = { 0 };
	struct batch b = { 0 };
	int rc = 0;

	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < fs->n; i++)
		out->failed |= publish_fails(&fs->v[i], req->fail_on);
	s.req = req;
	if (!(s.aside = calloc(fs->n + 1, sizeof *s.aside))) {
		rc = fb_error_set(err, FB_ENOMEM, "out of memory");
		goto out;
	}
	if (req->post_comments && req->number > 0) {
		struct fb_error ignored = { 0 };
		/* Unknown identity is fine (see ours()); a failure that matters
		 * shows again on the listing below. */
		if (forge_whoami(req->forge, &s.self, &ignored) == FB_ENOMEM) {
			rc = fb_error_set(err, FB_ENOMEM, "out of memory");
			goto out;
		}
		rc = forge_comments_list(req->forge, req->number, collect, &s, err);
		if (rc == FB_ENOMEM)
			fb_error_set(err, rc, "out of memory");
		if (rc == 0 && (rc = plan(&s, &b, out)) < 0)
			fb_error_set(err, rc, "out of memory");
		if (rc == 0)
			rc = post_new(&s, &b, out, err);
		if (rc == 0)
			rc = retire_gone(&s, out, lg, err);
		if (rc == 0)
			rc = write_summary(&s, out, err);
		if (rc < 0)
			goto out;
	}
	if (req->status != PUBLISH_STATUS_NONE)
		rc = set_status(&s, out, lg, err);
out:
	batch_release(&b);
	state_release(&s);
	return rc;
}
