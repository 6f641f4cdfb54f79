/*
 * review_job.c - the review agent: what a worker runs for a queued
 * "review" job (see orchestrator/agent.h).
 *
 * It is `forgebot ci` fed from a webhook instead of a CI environment: the
 * same review action (review.c) and the same publish action (publish.c).
 * The steps, each followed by a heartbeat that extends the job's lease:
 *
 *   1. the job's params (orchestrator/route.c) say which forge, repository,
 *      pull/merge request and head (none for a "/forgebot review" comment:
 *      then the current head); a forge client is made from the server
 *      configuration (GitHub: the App's installation, else the token;
 *      GitLab: the token);
 *   2. the forge says whether the pull request is still open at that head:
 *      if it was closed, or a newer push moved the head (that push has its
 *      own job), the job is done without posting;
 *   3. the pull request's head and its base branch are fetched into the
 *      server's bare-repository cache (git/cache.c) from the clone URL the
 *      webhook named, with the forge's own credentials;
 *   4. the change from the base to the head is reviewed, with the
 *      repository's .forgebot.yml as it is at the head;
 *   5. the review and its findings are stored (the MCP tools read the
 *      latest back), then published as ci.c does (inline comments, one
 *      summary, a check run on GitHub, a commit status on GitLab); each
 *      write the forge accepts is recorded as it happens — a row in the
 *      audit log ("forge.review.post", "forge.summary.create", ...) and, for
 *      inline comments, a row in the comments table — and a last audit row,
 *      "review.publish", sums the run up.
 *
 * Re-running a job is safe: publish finds its own earlier comments by their
 * markers and posts nothing twice.  Errors keep the codes agent.h gives a
 * meaning to; a forge's 409 becomes FB_ERETRY, because FB_ECONFLICT tells
 * the worker that the lease was lost.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/server_config.h"
#include "../git/git.h"
#include "../orchestrator/agent.h"
#include "publish.h"

#define TARGET_MAX 320
#define REFSPEC_MAX 600

struct params {
	json_t *root;                /* owns the strings below */
	const char *source;          /* "github" / "gitlab" */
	const char *repo;            /* owner/name or group/project */
	const char *head_sha, *base_sha, *base_ref;
	long long project_id, installation_id;
	long number;
	enum forge_kind kind;
};

/* One run of the agent: everything it holds, released at one place. */
struct run {
	const struct job *job;
	struct agent_ctx *ctx;
	const struct server_config *cfg;
	const struct log *lg;
	struct params p;
	struct forge *forge;
	struct forge_pr pr;
	struct fb_repo *repo;
	struct review_result res;
	struct publish_result pub;
	char id[24];                 /* the job id, for log lines */
	char target[TARGET_MAX];     /* "github:acme/app#7" */
	const char *repo_key;        /* the store's key: "acme/app", or a GitLab project id */
	char project[24];            /* that id, when the params name no repository */
	int64_t review_id;           /* the stored review, 0 when none */
	int record_rc;               /* the first failure to record a forge write */
	struct fb_error record_err;
	char head[FB_SHA_HEX + 1], base[FB_SHA_HEX + 1];
	bool lease_lost;             /* a heartbeat said so: FB_ECONFLICT is ours */
};

/* ---- 1. params and the forge client ---- */

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long jint(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k)); /* 0 when absent */
}

static int parse_params(struct params *p, const char *text, struct fb_error *err)
{
	json_error_t je;

	memset(p, 0, sizeof *p);
	if (!text || !(p->root = json_loads(text, 0, &je)) || !json_is_object(p->root))
		return fb_error_set(err, FB_EINVAL, "review job: params are not a JSON object");
	p->source = jstr(p->root, "source");
	p->repo = jstr(p->root, "repo");
	p->head_sha = jstr(p->root, "head_sha");
	p->base_sha = jstr(p->root, "base_sha");
	p->base_ref = jstr(p->root, "base_ref");
	p->project_id = jint(p->root, "project_id");
	p->installation_id = jint(p->root, "installation_id");
	p->number = (long)jint(p->root, "number");
	if (!p->source || (strcmp(p->source, "github") != 0 && strcmp(p->source, "gitlab") != 0))
		return fb_error_set(err, FB_EINVAL, "review job: source '%s' is not github or gitlab",
				    p->source ? p->source : "");
	p->kind = strcmp(p->source, "github") == 0 ? FORGE_GITHUB : FORGE_GITLAB;
	if (!p->repo && !(p->kind == FORGE_GITLAB && p->project_id > 0))
		return fb_error_set(err, FB_EINVAL, "review job: no repository in the params");
	if (p->number <= 0)
		return fb_error_set(err, FB_EINVAL, "review job: no pull request number in the params");
	/* A "/forgebot review" comment names no head: the current one is meant. */
	if (p->head_sha && strlen(p->head_sha) != FB_SHA_HEX)
		return fb_error_set(err, FB_EINVAL, "review job: head_sha '%s' is not 40-hex",
				    p->head_sha);
	return 0;
}

/* GitLab's API base from the instance URL: "<gitlab_url>/api/v4". */
static char *gitlab_api(const char *url)
{
	const char *u = url ? url : "https://gitlab.com";
	size_t n = strlen(u);
	struct buf b;

	while (n > 0 && u[n - 1] == '/')
		n--;
	buf_init(&b, 4096);
	if (buf_printf(&b, "%.*s/api/v4", (int)n, u) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

static int open_forge(struct run *r, struct fb_error *err)
{
	const struct server_config *cfg = r->cfg;
	struct forge_opts o = { 0 };
	char project[32], *api = NULL;
	int rc;

	o.kind = r->p.kind;
	o.lg = r->lg;
	o.repo = r->p.repo;
	if (r->p.kind == FORGE_GITHUB) {
		o.api_url = cfg->github_api_url;
		if (cfg->github_app_id && cfg->github_app_key) {
			o.auth.kind = FORGE_AUTH_GITHUB_APP;
			o.auth.app_id = cfg->github_app_id;
			o.auth.app_key_pem = cfg->github_app_key;
			o.auth.installation_id = r->p.installation_id; /* 0: looked up */
		} else {
			o.auth.kind = cfg->github_token ? FORGE_AUTH_TOKEN : FORGE_AUTH_NONE;
			o.auth.token = cfg->github_token;
		}
	} else {
		if (!(api = gitlab_api(cfg->gitlab_url)))
			return fb_error_set(err, FB_EINVAL, "the GitLab URL is too long");
		o.api_url = api;
		o.auth.kind = cfg->gitlab_token ? FORGE_AUTH_TOKEN : FORGE_AUTH_NONE;
		o.auth.token = cfg->gitlab_token;
		if (r->p.project_id > 0) {
			snprintf(project, sizeof project, "%lld", r->p.project_id);
			o.repo = project;
		}
	}
	if (o.auth.kind == FORGE_AUTH_NONE)
		rc = fb_error_set(err, FB_EAUTH, "no %s credentials are configured (set %s)",
				  r->p.kind == FORGE_GITHUB ? "GitHub" : "GitLab",
				  r->p.kind == FORGE_GITHUB ? "FORGEBOT_GITHUB_APP_ID or FORGEBOT_GITHUB_TOKEN"
							    : "FORGEBOT_GITLAB_TOKEN");
	else
		rc = forge_new(&r->forge, &o, err);
	free(api);
	return rc;
}

/* ---- 2. is the job still current? ---- */

/* *current is false when the pull request was closed or moved on; the
 * reason is logged here. */
static int pr_current(struct run *r, bool *current, struct fb_error *err)
{
	int rc;

	*current = false;
	if ((rc = forge_pr_get(r->forge, r->p.number, &r->pr, err)) < 0)
		return rc;
	if (!r->pr.open) {
		log_write(r->lg, LOG_INFO, "review skipped: the pull request is closed", "job", r->id,
			  "target", r->target, NULL);
		return 0;
	}
	if (!r->pr.head_sha)
		return fb_error_set(err, FB_ERETRY, "%s has no head commit yet", r->target);
	if (!r->p.head_sha)
		r->p.head_sha = r->pr.head_sha; /* borrowed from r->pr */
	if (strcmp(r->pr.head_sha, r->p.head_sha) != 0) {
		log_write(r->lg, LOG_INFO, "review skipped: a newer push has its own job", "job", r->id,
			  "target", r->target, "head", r->p.head_sha, "latest", r->pr.head_sha, NULL);
		return 0;
	}
	*current = true;
	return 0;
}

/* ---- 3. the repository ---- */

/* The clone URL the webhook named: GitHub repository.clone_url, GitLab
 * project.git_http_url (older payloads: repository.git_http_url).
 * malloc'd into *out. */
static int clone_url(char **out, const struct run *r, struct fb_error *err)
{
	json_t *body = r->job->delivery_body ? json_loads(r->job->delivery_body, 0, NULL) : NULL;
	const char *url;

	*out = NULL;
	if (r->p.kind == FORGE_GITHUB)
		url = jstr(json_object_get(body, "repository"), "clone_url");
	else if (!(url = jstr(json_object_get(body, "project"), "git_http_url")))
		url = jstr(json_object_get(body, "repository"), "git_http_url");
	if (url && !(*out = strdup(url))) {
		json_decref(body);
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	}
	json_decref(body);
	if (!*out)
		return fb_error_set(err, FB_EINVAL, "review job: the webhook names no clone URL (%s)",
				    r->p.kind == FORGE_GITHUB ? "repository.clone_url"
							      : "project.git_http_url");
	return 0;
}

/* A branch name that is safe inside a refspec (no wildcards, no ':',
 * nothing git forbids in a ref). */
static bool safe_branch(const char *b)
{
	if (!b || !*b || *b == '-' || *b == '/' || strstr(b, "..") || strstr(b, "//") ||
	    strstr(b, "@{") || b[strlen(b) - 1] == '/' || b[strlen(b) - 1] == '.')
		return false;
	for (; *b; b++)
		if ((unsigned char)*b <= ' ' || strchr(":*?[\\^~\x7f", *b))
			return false;
	return true;
}

static int refspecs(char pr[REFSPEC_MAX], char base[REFSPEC_MAX], const struct run *r,
		    struct fb_error *err)
{
	const char *branch = r->pr.base_ref ? r->pr.base_ref : r->p.base_ref;
	long n = r->p.number;

	if (!safe_branch(branch))
		return fb_error_set(err, FB_EINVAL, "review job: unusable base branch name '%s'",
				    branch ? branch : "");
	if (r->p.kind == FORGE_GITHUB)
		snprintf(pr, REFSPEC_MAX, "+refs/pull/%ld/head:refs/forgebot/pr/%ld/head", n, n);
	else
		snprintf(pr, REFSPEC_MAX, "+refs/merge-requests/%ld/head:refs/forgebot/mr/%ld/head",
			 n, n);
	if (snprintf(base, REFSPEC_MAX, "+refs/heads/%s:refs/forgebot/base/%s", branch, branch) >=
	    REFSPEC_MAX)
		return fb_error_set(err, FB_EINVAL, "review job: base branch name too long");
	return 0;
}

/* The head must be in the cache now; the base, if it was force-pushed
 * away, falls back to the fetched base branch. */
static int check_shas(struct run *r, const char *base_spec, struct fb_error *err)
{
	const char *base = r->pr.base_sha ? r->pr.base_sha : r->p.base_sha;
	struct fb_error e = { 0 };
	const char *dst = strchr(base_spec, ':') + 1;

	if (fb_repo_resolve(r->head, r->repo, r->p.head_sha, &e) < 0)
		/* GitHub updates refs/pull/N/head a moment after the API. */
		return fb_error_set(err, FB_ERETRY, "the head %.12s is not in the pull request's "
				    "ref yet", r->p.head_sha);
	if (base && fb_repo_resolve(r->base, r->repo, base, &e) == 0)
		return 0;
	log_write(r->lg, LOG_WARN, "the pull request's base commit is gone; reviewing from the "
		  "base branch", "job", r->id, "base", base ? base : "", NULL);
	return fb_repo_resolve(r->base, r->repo, dst, err);
}

static int fetch_repo(struct run *r, struct fb_error *err)
{
	char pr[REFSPEC_MAX], base[REFSPEC_MAX], key[TARGET_MAX];
	const char *specs[2] = { pr, base };
	const char *user = NULL, *password = NULL;
	char *url = NULL;
	int rc;

	if ((rc = clone_url(&url, r, err)) < 0 || (rc = refspecs(pr, base, r, err)) < 0 ||
	    (rc = forge_git_credentials(r->forge, url, &user, &password, err)) < 0)
		goto out;
	/* One cache repository per forge repository: "github/acme/app". */
	if (r->p.repo)
		snprintf(key, sizeof key, "%s/%s", r->p.source, r->p.repo);
	else
		snprintf(key, sizeof key, "%s/project-%lld", r->p.source, r->p.project_id);
	rc = fb_cache_fetch(&r->repo, r->cfg->cache_dir ? r->cfg->cache_dir : "forgebot-cache",
			    key, url, specs, 2, user, password, r->cfg->cache_max_bytes, err);
	if (rc == 0)
		rc = check_shas(r, base, err);
out:
	free(url);
	return rc;
}

/* ---- the record: the review, the comments, the audit log ---- */

static int audit_row(struct run *r, const char *action, const char *detail,
		     struct fb_error *err)
{
	struct audit_rec a = { 0 };

	a.job_id = r->job->id;
	a.actor = r->ctx->worker ? r->ctx->worker : "worker";
	a.action = action;
	a.target = r->target;
	a.detail = detail;
	return store_audit_append(r->ctx->store, &a, err);
}

/* "3 findings in 4 changed files; 1 file skipped" */
static void review_summary(char *out, size_t n, const struct review_result *res)
{
	size_t nf = res->scan.findings.n, files = res->files_in_diff, skipped = res->scan.nskipped;
	int len = snprintf(out, n, "%zu finding%s in %zu changed file%s", nf, nf == 1 ? "" : "s",
			   files, files == 1 ? "" : "s");

	if (skipped && len > 0 && (size_t)len < n)
		snprintf(out + len, n - (size_t)len, "; %zu file%s skipped", skipped,
			 skipped == 1 ? "" : "s");
}

/* The review and its findings, before anything is published. */
static int store_review(struct run *r, struct fb_error *err)
{
	const struct findings *fs = &r->res.scan.findings;
	struct review_rec rec = { 0 };
	struct finding_rec *v = NULL;
	char summary[160];
	int rc;

	if (!r->ctx->store)
		return 0;
	if (fs->n && !(v = calloc(fs->n, sizeof *v)))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];

		v[i] = (struct finding_rec){ f->rule->id, severity_str(f->severity), f->path,
					     (long)f->start_line, (long)f->end_line, f->message,
					     f->fingerprint };
	}
	review_summary(summary, sizeof summary, &r->res);
	rec.job_id = r->job->id;
	rec.forge = r->p.source;
	rec.repo = r->repo_key;
	rec.number = r->p.number;
	rec.head_sha = r->head;
	rec.base_sha = r->base;
	rec.summary = summary;
	rc = store_review_put(r->ctx->store, &rec, v, fs->n, &r->review_id, err);
	free(v);
	if (rc == FB_EINVAL) {
		/* A finding the store cannot keep (a path that is not UTF-8) must
		 * not keep the review off the pull request. */
		log_write(r->lg, LOG_WARN, "review not stored", "job", r->id, "target", r->target,
			  "reason", err->msg, NULL);
		rc = 0;
	}
	return rc;
}

static const char *const action_names[] = {
	[PUBLISH_REVIEW_POSTED] = "forge.review.post",
	[PUBLISH_COMMENT_POSTED] = "forge.comment.post",
	[PUBLISH_COMMENT_OUTDATED] = "forge.comment.outdate",
	[PUBLISH_DISCUSSION_RESOLVED] = "forge.discussion.resolve",
	[PUBLISH_SUMMARY_CREATED] = "forge.summary.create",
	[PUBLISH_SUMMARY_UPDATED] = "forge.summary.update",
	[PUBLISH_CHECK_RUN] = "forge.check.create",
	[PUBLISH_COMMIT_STATUS] = "forge.status.set",
};

/* The audit detail of one forge write as compact JSON (malloc'd), or NULL. */
static char *action_detail(const struct publish_action *a, const char *head)
{
	json_t *o = NULL;
	char *text;

	switch (a->kind) {
	case PUBLISH_REVIEW_POSTED:
		o = json_pack("{s:s, s:I}", "head_sha", head, "comments", (json_int_t)a->n);
		break;
	case PUBLISH_COMMENT_POSTED: /* no comment id: forge_review_post returns none */
		o = json_pack("{s:s, s:s, s:I}", "fingerprint", a->fingerprint, "path", a->path,
			      "line", (json_int_t)a->line);
		break;
	case PUBLISH_COMMENT_OUTDATED:
	case PUBLISH_DISCUSSION_RESOLVED:
		o = json_pack("{s:s, s:I, s:s?}", "fingerprint", a->fingerprint, "comment_id",
			      (json_int_t)a->comment_id, "discussion_id", a->discussion_id);
		break;
	case PUBLISH_SUMMARY_CREATED:
	case PUBLISH_SUMMARY_UPDATED:
		o = json_pack("{s:I}", "comment_id", (json_int_t)a->comment_id);
		break;
	case PUBLISH_CHECK_RUN:
	case PUBLISH_COMMIT_STATUS:
		o = json_pack("{s:s, s:s}", "head_sha", head, "state",
			      a->failed ? "failure" : "success");
		break;
	}
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

/*
 * publish's on_action: a row in the audit log for every write the forge
 * accepted, and the inline comments (posted, or retired: outdated) in the
 * comments table.  What was done on the forge stays done when recording it
 * fails: the first failure is kept and becomes the job's result once
 * publishing is over (run_steps).  A detail that cannot be built (out of
 * memory) does not hold back the row.
 */
static void record_action(const struct publish_action *a, void *payload)
{
	struct run *r = payload;
	struct fb_error e = { 0 };
	char *detail;
	int rc = 0;

	if (a->kind == PUBLISH_COMMENT_POSTED || a->kind == PUBLISH_COMMENT_OUTDATED ||
	    a->kind == PUBLISH_DISCUSSION_RESOLVED) {
		struct comment_rec c = { r->p.source, r->repo_key, r->p.number, a->fingerprint,
					 a->comment_id, a->discussion_id,
					 a->kind != PUBLISH_COMMENT_POSTED };
		rc = store_comment_put(r->ctx->store, &c, &e);
	}
	if (rc == 0 && (unsigned)a->kind < sizeof(action_names) / sizeof(action_names[0])) {
		detail = action_detail(a, r->head);
		rc = audit_row(r, action_names[a->kind], detail, &e);
		free(detail);
	}
	if (rc < 0 && r->record_rc == 0) {
		r->record_rc = rc;
		r->record_err = e;
	}
}

/* ---- 4 and 5: review and publish ---- */

static int review(struct run *r, struct fb_error *err)
{
	struct review_request req = { 0 };

	req.repo_dir = fb_repo_gitdir(r->repo);
	req.base = r->base;
	req.head = r->head;
	req.config_at_head = true;
	/* The worker pool is the parallelism: one thread per job. */
	req.jobs = 1;
	return review_run(&r->res, &req, r->lg, err);
}

static int publish(struct run *r, struct fb_error *err)
{
	struct publish_request pr = { 0 };
	struct publish_head hr = { r->repo, r->head };
	enum severity fail_on;

	if (review_fail_level(NULL, &r->res.config, &fail_on) < 0)
		return fb_error_set(err, FB_EINVAL, "config: unknown fail_on '%s' (use error, warning, "
				    "info or never)", r->res.config.fail_on);
	pr.forge = r->forge;
	pr.number = r->p.number;
	pr.head_sha = r->head;
	/* GitLab positions name the MR version's base and start. */
	pr.base_sha = r->pr.base_sha ? r->pr.base_sha : r->base;
	pr.start_sha = r->pr.start_sha ? r->pr.start_sha : pr.base_sha;
	pr.read_source = publish_read_at_head;
	pr.read_payload = &hr;
	pr.review = &r->res;
	pr.fail_on = fail_on;
	pr.post_comments = true;
	pr.status = r->p.kind == FORGE_GITHUB ? PUBLISH_STATUS_CHECK : PUBLISH_STATUS_COMMIT;
	pr.max_comments = r->cfg->max_comments > 0 ? (size_t)r->cfg->max_comments : 0;
	if (r->ctx->store) {
		pr.on_action = record_action;
		pr.action_payload = r;
	}
	return review_publish(&r->pub, &pr, r->lg, err);
}

/* The publish counts as compact JSON (malloc'd), or NULL. */
static char *audit_detail(const struct run *r)
{
	const struct publish_result *p = &r->pub;
	json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:b, s:b, s:b}",
			      "head_sha", r->head, "posted", (json_int_t)p->posted,
			      "already", (json_int_t)p->already, "outdated", (json_int_t)p->outdated,
			      "unplaced", (json_int_t)p->unplaced, "capped", (json_int_t)p->capped,
			      "summary", p->summary_created ? "created"
					 : p->summary_updated ? "updated" : "none",
			      "status_set", p->status_set, "status_fell_back", p->status_fell_back,
			      "failed", p->failed);
	char *text;

	if (o && r->review_id > 0 &&
	    json_object_set_new(o, "review_id", json_integer((json_int_t)r->review_id)) < 0) {
		json_decref(o);
		return NULL;
	}
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

static int audit(struct run *r, struct fb_error *err)
{
	char *detail;
	int rc;

	if (!r->ctx->store)
		return 0;
	if (!(detail = audit_detail(r)))
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	rc = audit_row(r, "review.publish", detail, err);
	free(detail);
	return rc;
}

/* ---- the agent ---- */

/* Extend the lease between steps; a lost lease stops the run. */
static int beat(struct run *r, struct fb_error *err)
{
	struct fb_error e = { 0 };

	if (!r->ctx->heartbeat || r->ctx->heartbeat(r->ctx, &e) == 0)
		return 0;
	r->lease_lost = true;
	return fb_error_set(err, FB_ECONFLICT, "the job's lease was lost (%s)", e.msg);
}

/* Keep to the codes agent.h gives a meaning to: a forge's 409 must not
 * read as a lost lease, a limit will not go away by retrying. */
static int job_code(int rc, bool lease_lost)
{
	if (rc == FB_ECONFLICT && !lease_lost)
		return FB_ERETRY;
	if (rc == FB_ELIMIT)
		return FB_EINVAL;
	return rc;
}

static void log_published(const struct run *r)
{
	char posted[24], already[24], outdated[24], summary[24];

	snprintf(posted, sizeof posted, "%zu", r->pub.posted);
	snprintf(already, sizeof already, "%zu", r->pub.already);
	snprintf(outdated, sizeof outdated, "%zu", r->pub.outdated);
	snprintf(summary, sizeof summary, "%zu", r->pub.unplaced + r->pub.capped);
	log_write(r->lg, LOG_INFO, "review published", "job", r->id, "target", r->target,
		  "head", r->head, "posted", posted, "already", already, "outdated", outdated,
		  "summary_only", summary, "failed", r->pub.failed ? "true" : "false", NULL);
}

/* Steps 2-5, once the params are read and the forge client is made. */
static int run_steps(struct run *r, struct fb_error *err)
{
	bool current;
	int rc;

	if ((rc = pr_current(r, &current, err)) < 0 || !current)
		return rc;
	if ((rc = beat(r, err)) < 0 || (rc = fetch_repo(r, err)) < 0 || (rc = beat(r, err)) < 0 ||
	    (rc = review(r, err)) < 0 || (rc = store_review(r, err)) < 0 ||
	    (rc = beat(r, err)) < 0 || (rc = publish(r, err)) < 0)
		return rc;
	log_published(r);
	if ((rc = audit(r, err)) == 0 && r->record_rc < 0) {
		*err = r->record_err;
		rc = r->record_rc;
	}
	return rc;
}

static int run(const struct job *job, struct agent_ctx *ctx, struct fb_error *err)
{
	struct run r;
	int rc;

	memset(&r, 0, sizeof r);
	r.job = job;
	r.ctx = ctx;
	r.cfg = ctx->cfg;
	r.lg = ctx->lg;
	review_result_init(&r.res);
	snprintf(r.id, sizeof r.id, "%lld", (long long)job->id);
	if ((rc = parse_params(&r.p, job->params, err)) < 0)
		goto out;
	snprintf(r.project, sizeof r.project, "%lld", r.p.project_id);
	r.repo_key = r.p.repo ? r.p.repo : r.project;
	snprintf(r.target, sizeof r.target, "%s:%s#%ld", r.p.source, r.repo_key, r.p.number);
	if ((rc = open_forge(&r, err)) < 0)
		goto out;
	rc = run_steps(&r, err);
out:
	if (r.forge && ctx->metrics) {
		metrics_add(ctx->metrics, ctx->fam_forge_calls, (double)forge_calls(r.forge), "forge",
			    r.p.source, NULL);
		if (forge_rate_remaining(r.forge) >= 0)
			metrics_set(ctx->metrics, ctx->fam_forge_rate,
				    (double)forge_rate_remaining(r.forge), "forge", r.p.source, NULL);
	}
	review_result_release(&r.res);
	fb_repo_free(r.repo);
	forge_pr_release(&r.pr);
	forge_free(r.forge);
	json_decref(r.p.root);
	return job_code(rc, r.lease_lost);
}

const struct agent agent_review = { "review", run };
