/*
 * store.c - the storage interface's front: picks a backend by URL, checks
 * every call's arguments once, and dispatches through `struct store_ops`.
 *
 * A URL starting postgres:// or postgresql:// goes to postgres.c; anything
 * else is a SQLite file path (an optional "sqlite:" or "sqlite://" prefix
 * is stripped; NULL or "" means ./forgebot.db); another scheme:// is
 * refused rather than taken for a file name.  Lists of names (job types,
 * states) become one JSON array parameter here, built with jansson, so the
 * backends never assemble SQL from values.  Rows the backends collect for a
 * list are handed to the caller's callback after the transaction ended.
 * Also here: the job struct's lifecycle, state names, the clock, and the
 * helpers both backends use to read a row.
 */
#include "store_priv.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_DB "./forgebot.db"

static const char *const state_names[] = {
	[JOB_QUEUED] = "queued",   [JOB_RUNNING] = "running", [JOB_DONE] = "done",
	[JOB_FAILED] = "failed",   [JOB_DEAD] = "dead",       [JOB_SUPERSEDED] = "superseded",
	[JOB_WAITING] = "waiting",
};

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int store_open(struct store **out, const char *url, struct fb_error *err)
{
	const char *path = url, *scheme_end;

	*out = NULL;
	if (url == NULL || url[0] == '\0')
		return store_sqlite_open(out, DEFAULT_DB, err);
	if (starts(url, "postgres://") || starts(url, "postgresql://"))
		return store_postgres_open(out, url, err);
	if (starts(url, "sqlite://"))
		path = url + strlen("sqlite://");
	else if (starts(url, "sqlite:"))
		path = url + strlen("sqlite:");
	else if ((scheme_end = strstr(url, "://")) != NULL)
		/* Only the scheme: the rest may hold a password. */
		return fb_error_set(err, FB_EINVAL,
				    "database URL: unsupported scheme '%.*s' (want a file path, "
				    "sqlite:PATH or postgres://...)",
				    (int)(scheme_end - url > 32 ? 32 : scheme_end - url), url);
	if (path[0] == '\0')
		return fb_error_set(err, FB_EINVAL, "database URL '%s': no file path", url);
	return store_sqlite_open(out, path, err);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

const char *store_backend(const struct store *s)
{
	return s->ops->name;
}

int store_ping(struct store *s, struct fb_error *err)
{
	return s->ops->ping(s, err);
}

int store_exec_raw(struct store *s, const char *sql, struct fb_error *err)
{
	return s->ops->exec(s, sql, err);
}

/* ---- names, the clock, the job struct ---- */

const char *job_state_str(enum job_state s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(state_names) / sizeof(state_names[0]))
		return "unknown";
	return state_names[s];
}

int job_state_parse(const char *s, enum job_state *out)
{
	size_t i;

	for (i = 0; s && i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum job_state)i;
			return 0;
		}
	}
	return FB_EINVAL;
}

void job_init(struct job *j)
{
	memset(j, 0, sizeof *j);
	j->state = JOB_QUEUED;
}

void job_release(struct job *j)
{
	if (j == NULL)
		return;
	free(j->key);
	free(j->head_sha);
	free(j->params);
	free(j->delivery_body);
	free(j->last_error);
	job_init(j);
}

int64_t store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- helpers for the backends ---- */

int store_oom(struct fb_error *err)
{
	return fb_error_set(err, FB_ENOMEM, "store: out of memory");
}

int store_parse_i64(const char *s, int64_t *out, const char *what, struct fb_error *err)
{
	char *end = NULL;
	long long v;

	if (s == NULL) {
		*out = 0;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return fb_error_set(err, FB_EINTERNAL, "store: column %s: '%.40s' is not an integer",
				    what, s);
	*out = (int64_t)v;
	return 0;
}

void store_vec_init(struct store_vec *v, size_t size)
{
	memset(v, 0, sizeof *v);
	v->size = size;
}

void *store_vec_push(struct store_vec *v)
{
	char *slot;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->items, cap * v->size);
		if (p == NULL)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	slot = (char *)v->items + v->n++ * v->size;
	memset(slot, 0, v->size);
	return slot;
}

void store_vec_release(struct store_vec *v)
{
	free(v->items);
	store_vec_init(v, v->size);
}

static int dup_col(char **out, const char *s)
{
	*out = NULL;
	if (s == NULL)
		return 0;
	return (*out = strdup(s)) ? 0 : FB_ENOMEM;
}

/* Copy into a fixed field; the field sizes in struct job bound what
 * store.c lets in, so truncation means the database was edited by hand. */
static void copy_fixed(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

int store_job_from_cols(struct job *out, const char *const c[STORE_JOB_NCOLS],
			struct fb_error *err)
{
	int64_t attempts = 0;
	int rc;

	if ((rc = store_parse_i64(c[0], &out->id, "jobs.id", err)) < 0 ||
	    (rc = store_parse_i64(c[1], &out->delivery_rowid, "jobs.delivery_id", err)) < 0 ||
	    (rc = store_parse_i64(c[7], &attempts, "jobs.attempts", err)) < 0 ||
	    (rc = store_parse_i64(c[8], &out->run_at, "jobs.run_at", err)) < 0 ||
	    (rc = store_parse_i64(c[9], &out->lease_until, "jobs.lease_until", err)) < 0 ||
	    (rc = store_parse_i64(c[12], &out->created_at, "jobs.created_at", err)) < 0 ||
	    (rc = store_parse_i64(c[13], &out->updated_at, "jobs.updated_at", err)) < 0)
		return rc;
	if (job_state_parse(c[6], &out->state) < 0)
		return fb_error_set(err, FB_EINTERNAL, "store: job %lld has unknown state '%.20s'",
				    (long long)out->id, c[6] ? c[6] : "");
	out->attempts = (int)attempts;
	copy_fixed(out->type, sizeof(out->type), c[2]);
	copy_fixed(out->worker, sizeof(out->worker), c[10]);
	if (dup_col(&out->key, c[3]) < 0 || dup_col(&out->head_sha, c[4]) < 0 ||
	    dup_col(&out->params, c[5] ? c[5] : "{}") < 0 || dup_col(&out->last_error, c[11]) < 0 ||
	    dup_col(&out->delivery_body, c[14]) < 0)
		return store_oom(err);
	return 0;
}

static bool truthy(const char *s)
{
	return s && (strcmp(s, "1") == 0 || strcmp(s, "t") == 0 || strcmp(s, "true") == 0);
}

static int comment_from_cols(struct store_comment_row *out,
			    const char *const c[STORE_COMMENT_NCOLS], struct fb_error *err)
{
	int64_t number = 0;
	int rc;

	if ((rc = store_parse_i64(c[2], &number, "comments.number", err)) < 0 ||
	    (rc = store_parse_i64(c[4], &out->comment_id, "comments.comment_id", err)) < 0)
		return rc;
	out->number = (long)number;
	out->outdated = truthy(c[6]);
	if (dup_col(&out->forge, c[0]) < 0 || dup_col(&out->repo, c[1]) < 0 ||
	    dup_col(&out->fingerprint, c[3]) < 0 || dup_col(&out->discussion_id, c[5]) < 0)
		return store_oom(err);
	return 0;
}

static int audit_from_cols(struct store_audit_row *out, const char *const c[STORE_AUDIT_NCOLS],
			  struct fb_error *err)
{
	int rc;

	if ((rc = store_parse_i64(c[0], &out->id, "audit.id", err)) < 0 ||
	    (rc = store_parse_i64(c[1], &out->at, "audit.at", err)) < 0 ||
	    (rc = store_parse_i64(c[2], &out->job_id, "audit.job_id", err)) < 0)
		return rc;
	if (dup_col(&out->actor, c[3]) < 0 || dup_col(&out->action, c[4]) < 0 ||
	    dup_col(&out->target, c[5]) < 0 || dup_col(&out->detail, c[6]) < 0)
		return store_oom(err);
	return 0;
}

/* The string columns are copied into one block the record owns. */
static int review_from_cols(struct review_rec *out, const char *const c[STORE_REVIEW_NCOLS],
			    struct fb_error *err)
{
	static const int str_col[] = { 2, 3, 5, 6, 7 };
	const char **dst[] = { &out->forge, &out->repo, &out->head_sha, &out->base_sha,
			       &out->summary };
	int64_t number = 0;
	size_t i, len = 1;
	char *p;
	int rc;

	if ((rc = store_parse_i64(c[0], &out->id, "reviews.id", err)) < 0 ||
	    (rc = store_parse_i64(c[1], &out->job_id, "reviews.job_id", err)) < 0 ||
	    (rc = store_parse_i64(c[4], &number, "reviews.number", err)) < 0 ||
	    (rc = store_parse_i64(c[8], &out->created_at, "reviews.created_at", err)) < 0 ||
	    (rc = store_parse_i64(c[9], &out->nfindings, "reviews.nfindings", err)) < 0 ||
	    (rc = store_parse_i64(c[10], &out->nerror, "reviews.nerror", err)) < 0 ||
	    (rc = store_parse_i64(c[11], &out->nwarning, "reviews.nwarning", err)) < 0 ||
	    (rc = store_parse_i64(c[12], &out->ninfo, "reviews.ninfo", err)) < 0 ||
	    (rc = store_parse_i64(c[13], &out->nhint, "reviews.nhint", err)) < 0)
		return rc;
	out->number = (long)number;
	for (i = 0; i < sizeof(str_col) / sizeof(str_col[0]); i++)
		len += c[str_col[i]] ? strlen(c[str_col[i]]) + 1 : 0;
	if ((out->strings = p = malloc(len)) == NULL)
		return store_oom(err);
	for (i = 0; i < sizeof(str_col) / sizeof(str_col[0]); i++) {
		const char *col = c[str_col[i]];
		size_t n = col ? strlen(col) + 1 : 0;

		*dst[i] = col ? memcpy(p, col, n) : NULL;
		p += n;
	}
	return 0;
}

static int finding_from_cols(struct store_finding_row *out,
			     const char *const c[STORE_FINDING_NCOLS], struct fb_error *err)
{
	int64_t start = 0, end = 0;
	int rc;

	if ((rc = store_parse_i64(c[3], &start, "findings.start_line", err)) < 0 ||
	    (rc = store_parse_i64(c[4], &end, "findings.end_line", err)) < 0)
		return rc;
	out->start_line = (long)start;
	out->end_line = (long)end;
	if (dup_col(&out->rule_id, c[0]) < 0 || dup_col(&out->severity, c[1]) < 0 ||
	    dup_col(&out->path, c[2]) < 0 || dup_col(&out->message, c[5]) < 0 ||
	    dup_col(&out->fingerprint, c[6]) < 0)
		return store_oom(err);
	return 0;
}

int store_vec_add_row(struct store_vec *out, enum store_row_kind kind, const char *const *col,
		      struct fb_error *err)
{
	void *item = store_vec_push(out);

	if (item == NULL)
		return store_oom(err);
	switch (kind) {
	case STORE_ROW_JOB:
		job_init(item);
		return store_job_from_cols(item, col, err);
	case STORE_ROW_COMMENT:
		return comment_from_cols(item, col, err);
	case STORE_ROW_REVIEW:
		review_rec_init(item);
		return review_from_cols(item, col, err);
	case STORE_ROW_FINDING:
		return finding_from_cols(item, col, err);
	case STORE_ROW_AUDIT:
		break;
	}
	return audit_from_cols(item, col, err);
}

void store_one_line(char *dst, size_t n, const char *src)
{
	size_t i, j = 0;

	for (i = 0; src[i] && j + 1 < n; i++) {
		char c = src[i] == '\n' || src[i] == '\t' || src[i] == '\r' ? ' ' : src[i];
		if (c == ' ' && (j == 0 || dst[j - 1] == ' '))
			continue;
		dst[j++] = c;
	}
	while (j > 0 && dst[j - 1] == ' ')
		j--;
	dst[j] = '\0';
}

/* A JSON array of `n` strings, for `IN (SELECT value FROM json_each(?))`.
 * *out is malloc'd (jansson's default allocator): free() it. */
static int json_names(char **out, const char *const *names, size_t n, const char *what,
		      struct fb_error *err)
{
	json_t *a = json_array();
	int rc = FB_ENOMEM;
	size_t i;

	*out = NULL;
	if (a == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *str = names[i] ? json_string(names[i]) : NULL;
		if (str == NULL) {
			rc = fb_error_set(err, FB_EINVAL, "store: %s %zu is missing or not UTF-8",
					  what, i);
			goto out;
		}
		if (json_array_append_new(a, str) < 0)
			goto out;
	}
	if ((*out = json_dumps(a, JSON_COMPACT)) != NULL)
		rc = 0;
out:
	if (rc == FB_ENOMEM)
		store_oom(err);
	json_decref(a);
	return rc;
}

/* ---- deliveries and jobs ---- */

static int check_name(const char *s, size_t max, const char *what, struct fb_error *err)
{
	if (s == NULL || s[0] == '\0')
		return fb_error_set(err, FB_EINVAL, "store: %s is missing", what);
	if (strlen(s) >= max)
		return fb_error_set(err, FB_EINVAL, "store: %s '%.40s...' is longer than %zu bytes",
				    what, s, max - 1);
	return 0;
}

int store_delivery_put(struct store *s, const struct delivery *d, const struct job_spec *jobs,
		       size_t njobs, bool *duplicate, int64_t *out_ids, struct fb_error *err)
{
	bool dup = false;
	size_t i;
	int rc;

	if (duplicate)
		*duplicate = false;
	if (!d || !d->source || !d->delivery_id || !d->event || !d->body || (njobs && !jobs))
		return fb_error_set(err, FB_EINVAL,
				    "store: a delivery needs a source, id, event and body");
	for (i = 0; i < njobs; i++)
		if ((rc = check_name(jobs[i].type, sizeof(((struct job *)0)->type), "job type",
				     err)) < 0)
			return rc;
	rc = s->ops->delivery_put(s, d, jobs, njobs, &dup, out_ids, err);
	if (rc == 0 && duplicate)
		*duplicate = dup;
	return rc;
}

int store_job_claim(struct store *s, const char *const *types, size_t ntypes,
		    const char *worker, int64_t lease_ms, struct job *out, bool *got,
		    struct fb_error *err)
{
	char *types_json = NULL;
	int rc;

	job_init(out);
	*got = false;
	if ((rc = check_name(worker, sizeof(out->worker), "worker name", err)) < 0)
		return rc;
	if (ntypes == 0 || types == NULL || lease_ms <= 0)
		return fb_error_set(err, FB_EINVAL, "store: a claim needs job types and a lease");
	if ((rc = json_names(&types_json, types, ntypes, "job type", err)) < 0)
		return rc;
	rc = s->ops->job_claim(s, types_json, worker, lease_ms, out, got, err);
	free(types_json);
	return rc;
}

int store_job_heartbeat(struct store *s, int64_t id, const char *worker, int64_t lease_ms,
			struct fb_error *err)
{
	int rc;

	if ((rc = check_name(worker, sizeof(((struct job *)0)->worker), "worker name", err)) < 0)
		return rc;
	if (lease_ms <= 0)
		return fb_error_set(err, FB_EINVAL, "store: job %lld: the lease must be positive",
				    (long long)id);
	return s->ops->job_heartbeat(s, id, worker, lease_ms, err);
}

int store_job_finish(struct store *s, int64_t id, const char *worker, enum job_outcome outcome,
		     int64_t retry_at, const char *error, struct fb_error *err)
{
	int rc;

	if ((rc = check_name(worker, sizeof(((struct job *)0)->worker), "worker name", err)) < 0)
		return rc;
	switch (outcome) {
	case JOB_OUT_DONE:
		return s->ops->job_finish(s, id, worker, JOB_DONE, "done", -1, error, err);
	case JOB_OUT_RETRY:
		if (retry_at < 0)
			retry_at = 0;
		return s->ops->job_finish(s, id, worker, JOB_QUEUED, "retry", retry_at, error, err);
	case JOB_OUT_DEAD:
		return s->ops->job_finish(s, id, worker, JOB_DEAD, "dead", -1, error, err);
	}
	return fb_error_set(err, FB_EINVAL, "store: job %lld: unknown outcome %d", (long long)id,
			    (int)outcome);
}

int store_job_get(struct store *s, int64_t id, struct job *out, struct fb_error *err)
{
	job_init(out);
	return s->ops->job_get(s, id, out, err);
}

/* Hand each collected job to cb (until it returns non-zero), then free
 * them all.  A negative return from cb is passed on. */
static int jobs_deliver(struct store_vec *rows, store_job_cb cb, void *payload)
{
	struct job *jobs = rows->items;
	int rc = 0;
	size_t i;

	for (i = 0; i < rows->n; i++) {
		if (rc == 0 && cb)
			rc = cb(&jobs[i], payload);
		job_release(&jobs[i]);
	}
	store_vec_release(rows);
	return rc < 0 ? rc : 0;
}

int store_job_list(struct store *s, const struct job_filter *f, store_job_cb cb, void *payload,
		   struct fb_error *err)
{
	const char *names[JOB_WAITING + 1];
	struct store_job_query q = { 0 };
	struct store_vec rows;
	char *states = NULL;
	size_t i;
	int rc = 0;

	store_vec_init(&rows, sizeof(struct job));
	if (f && f->states && f->nstates) {
		if (f->nstates > JOB_WAITING + 1)
			return fb_error_set(err, FB_EINVAL, "store: too many states in a job filter");
		for (i = 0; i < f->nstates; i++)
			names[i] = (int)f->states[i] < 0 || f->states[i] > JOB_WAITING
					   ? NULL : job_state_str(f->states[i]);
		if ((rc = json_names(&states, names, f->nstates, "job state", err)) < 0)
			return rc;
	}
	q.states_json = states;
	q.type = f ? f->type : NULL;
	q.before_id = f ? f->before_id : 0;
	q.limit = f && f->limit ? (int64_t)(f->limit > STORE_LIST_MAX ? STORE_LIST_MAX : f->limit)
				: STORE_LIST_DEFAULT;
	rc = s->ops->job_list(s, &q, &rows, err);
	free(states);
	if (rc < 0) {
		jobs_deliver(&rows, NULL, NULL);
		return rc;
	}
	return jobs_deliver(&rows, cb, payload);
}

int store_job_retry(struct store *s, int64_t id, struct fb_error *err)
{
	return s->ops->job_retry(s, id, err);
}

int store_job_counts(struct store *s, int64_t counts[JOB_WAITING + 1], struct fb_error *err)
{
	memset(counts, 0, sizeof(int64_t) * (JOB_WAITING + 1));
	return s->ops->job_counts(s, counts, err);
}

/* ---- posted comments ---- */

int store_comment_put(struct store *s, const struct comment_rec *c, struct fb_error *err)
{
	if (!c || !c->forge || !c->repo || !c->fingerprint)
		return fb_error_set(err, FB_EINVAL,
				    "store: a comment needs a forge, repository and fingerprint");
	return s->ops->comment_put(s, c, err);
}

int store_comment_list(struct store *s, const char *forge, const char *repo, long number,
		       store_comment_cb cb, void *payload, struct fb_error *err)
{
	struct store_comment_row *r;
	struct store_vec rows;
	int rc, stop = 0;
	size_t i;

	if (!forge || !repo)
		return fb_error_set(err, FB_EINVAL, "store: listing comments needs a forge and repository");
	store_vec_init(&rows, sizeof(*r));
	rc = s->ops->comment_list(s, forge, repo, number, &rows, err);
	for (i = 0, r = rows.items; i < rows.n; i++, r++) {
		struct comment_rec c = {
			.forge = r->forge, .repo = r->repo, .number = r->number,
			.fingerprint = r->fingerprint, .comment_id = r->comment_id,
			.discussion_id = r->discussion_id, .outdated = r->outdated,
		};
		if (rc == 0 && stop == 0)
			stop = cb(&c, payload);
		free(r->forge);
		free(r->repo);
		free(r->fingerprint);
		free(r->discussion_id);
	}
	store_vec_release(&rows);
	return rc < 0 ? rc : stop < 0 ? stop : 0;
}

/* ---- audit log ---- */

int store_audit_append(struct store *s, const struct audit_rec *a, struct fb_error *err)
{
	if (!a || !a->actor || !a->action || !a->target)
		return fb_error_set(err, FB_EINVAL,
				    "store: an audit record needs an actor, action and target");
	return s->ops->audit_append(s, a, err);
}

int store_audit_list(struct store *s, int64_t after_id, size_t limit, store_audit_cb cb,
		     void *payload, struct fb_error *err)
{
	struct store_audit_row *r;
	struct store_vec rows;
	int rc, stop = 0;
	size_t i;

	if (limit == 0)
		limit = STORE_LIST_DEFAULT;
	if (limit > STORE_LIST_MAX)
		limit = STORE_LIST_MAX;
	store_vec_init(&rows, sizeof(*r));
	rc = s->ops->audit_list(s, after_id, (int64_t)limit, &rows, err);
	for (i = 0, r = rows.items; i < rows.n; i++, r++) {
		struct audit_rec a = {
			.job_id = r->job_id, .actor = r->actor, .action = r->action,
			.target = r->target, .detail = r->detail,
		};
		if (rc == 0 && stop == 0)
			stop = cb(r->id, r->at, &a, payload);
		free(r->actor);
		free(r->action);
		free(r->target);
		free(r->detail);
	}
	store_vec_release(&rows);
	return rc < 0 ? rc : stop < 0 ? stop : 0;
}

/* ---- wake-ups ---- */

int store_wait_for_jobs(struct store *s, int timeout_ms, struct fb_error *err)
{
	if (timeout_ms < 0)
		timeout_ms = 0;
	return s->ops->wait_for_jobs(s, timeout_ms, err);
}
