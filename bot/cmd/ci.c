/*
 * ci.c - `forgebot ci`: review the change a CI job runs for, and publish.
 *
 * The steps, each a call into the shared actions:
 *   1. read the job's environment (ci_env.c);
 *   2. make sure the checkout holds the base and the head with a merge
 *      base between them, deepening a shallow clone with `git fetch` as
 *      needed (libgit2 1.5 cannot deepen);
 *   3. review the change (agents/review.c);
 *   4. write the report files (Code Quality, SARIF) before anything else
 *      can fail;
 *   5. publish to the pull/merge request (agents/publish.c) — or, when
 *      the token cannot write (a fork's read-only token, GitLab's job
 *      token), print workflow annotations and say so once;
 *   6. upload SARIF to GitHub code scanning when asked;
 *   7. exit by the fail level (3 if the forge failed).
 */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../agents/publish.h"
#include "../git/git.h"
#include "ci_env.h"
#include "cmd.h"

extern char **environ;

#define MAX_RULE_DIRS 64

void cmd_ci_usage(FILE *out)
{
	fprintf(out,
"usage: forgebot ci [PATH...] [--dry-run] [--forge github|gitlab] [--token-env NAME]\n"
"                   [--sarif FILE] [--upload-sarif] [--code-quality FILE] [--no-comments]\n"
"                   [--max-comments N] [--status-name NAME] [--api-timeout SECS]\n"
"                   [--fail-on LEVEL] [--base REV]\n"
"                   [--rules DIR]... [--no-builtin-rules] [--config FILE] [--jobs N]\n"
"                   [--filter-mode MODE]\n"
"\n"
"Review the change a CI job runs for and publish the result on the pull request\n"
"(GitHub Actions) or merge request (GitLab CI): inline comments with suggestions,\n"
"one summary comment kept up to date, a check run or commit status, report files.\n"
"Findings already commented on an earlier push are not posted again; comments\n"
"whose finding is gone are resolved (GitLab) or marked outdated (GitHub).\n"
"\n"
"options:\n"
"  --dry-run            print every API call it would make; send none\n"
"  --forge FORGE        github or gitlab (default: detected from the environment)\n"
"  --token-env NAME     read the API token from $NAME (default: GitHub\n"
"                       FORGEBOT_GITHUB_TOKEN then GITHUB_TOKEN; GitLab\n"
"                       FORGEBOT_GITLAB_TOKEN, GITLAB_TOKEN, FORGEBOT_GITLAB_OAUTH_TOKEN,\n"
"                       then CI_JOB_TOKEN); a GitHub App: FORGEBOT_GITHUB_APP_ID with\n"
"                       FORGEBOT_GITHUB_APP_PRIVATE_KEY or ..._PRIVATE_KEY_FILE\n"
"  --sarif FILE         write a SARIF 2.1.0 report to FILE\n"
"  --upload-sarif       upload the SARIF report to GitHub code scanning\n"
"  --code-quality FILE  write a GitLab Code Quality report (default on GitLab:\n"
"                       gl-code-quality-report.json)\n"
"  --no-comments        post no comments; set the status and write reports only\n"
"  --max-comments N     inline comments per run (default 25); the rest go to the summary\n"
"  --status-name NAME   name of the check run or commit status (default: forgebot)\n"
"  --api-timeout SECS   time limit for each API request (default 30)\n"
"  --fail-on LEVEL      error (default), warning, info or never\n"
"  --base REV           review from REV (default: the pull request's base)\n"
"  --rules DIR, --no-builtin-rules, --config FILE, --jobs N, --filter-mode MODE\n"
"                       as in forgebot review\n"
"\n"
"exit codes: 0 nothing at or above the fail level, 1 findings at or above it,\n"
"            2 usage or configuration error, 3 forge API or internal error\n"
"            (report files are written before anything is sent)\n");
}

struct ci_args {
	struct review_request req;
	const char *rule_dirs[MAX_RULE_DIRS];
	const char *forge;
	const char *token_env;
	const char *sarif;
	const char *code_quality;
	const char *status_name;
	const char *fail_on;
	const char *base;
	long max_comments;
	long timeout_s;
	bool dry_run, upload_sarif, no_comments;
};

static int parse_args(struct ci_args *a, int argc, char **argv)
{
	enum { O_DRY = 256, O_FORGE, O_TOKENENV, O_SARIF, O_UPLOAD, O_CQ, O_NOCOMMENTS, O_MAX,
	       O_STATUS, O_FAIL, O_BASE, O_RULES, O_NOBUILTIN, O_CONFIG, O_JOBS, O_FILTER, O_TIMEOUT };
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "forge", required_argument, NULL, O_FORGE },
		{ "token-env", required_argument, NULL, O_TOKENENV },
		{ "sarif", required_argument, NULL, O_SARIF },
		{ "upload-sarif", no_argument, NULL, O_UPLOAD },
		{ "code-quality", required_argument, NULL, O_CQ },
		{ "no-comments", no_argument, NULL, O_NOCOMMENTS },
		{ "max-comments", required_argument, NULL, O_MAX },
		{ "status-name", required_argument, NULL, O_STATUS },
		{ "fail-on", required_argument, NULL, O_FAIL },
		{ "base", required_argument, NULL, O_BASE },
		{ "rules", required_argument, NULL, O_RULES },
		{ "no-builtin-rules", no_argument, NULL, O_NOBUILTIN },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "filter-mode", required_argument, NULL, O_FILTER },
		{ "api-timeout", required_argument, NULL, O_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	long n;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_DRY: a->dry_run = true; break;
		case O_FORGE: a->forge = optarg; break;
		case O_TOKENENV: a->token_env = optarg; break;
		case O_SARIF: a->sarif = optarg; break;
		case O_UPLOAD: a->upload_sarif = true; break;
		case O_CQ: a->code_quality = optarg; break;
		case O_NOCOMMENTS: a->no_comments = true; break;
		case O_STATUS: a->status_name = optarg; break;
		case O_FAIL: a->fail_on = optarg; break;
		case O_BASE: a->base = optarg; break;
		case O_NOBUILTIN: a->req.no_builtin = true; break;
		case O_CONFIG: a->req.config_path = optarg; break;
		case O_MAX:
			if (cmd_parse_long(optarg, 1, 1000, &a->max_comments) < 0)
				return cmd_usage_error("ci", "--max-comments wants 1 to 1000 (--no-comments for none), not '%s'", optarg);
			break;
		case O_TIMEOUT:
			if (cmd_parse_long(optarg, 1, 600, &a->timeout_s) < 0)
				return cmd_usage_error("ci", "--api-timeout wants seconds from 1 to 600, not '%s'",
						   optarg);
			break;
		case O_JOBS:
			if (cmd_parse_long(optarg, 1, 256, &n) < 0)
				return cmd_usage_error("ci", "--jobs wants a number from 1 to 256, not '%s'", optarg);
			a->req.jobs = (int)n;
			break;
		case O_FILTER:
			if (filter_mode_parse(optarg, &a->req.filter) < 0)
				return cmd_usage_error("ci", "unknown filter mode '%s' (use added, diff_context, "
						   "file or nofilter)", optarg);
			a->req.filter_set = true;
			break;
		case O_RULES:
			if (a->req.nrule_dirs == MAX_RULE_DIRS)
				return cmd_usage_error("ci", "too many --rules (at most %s)", "64");
			a->rule_dirs[a->req.nrule_dirs++] = optarg;
			break;
		default:
			return cmd_usage_error("ci", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	a->req.rule_dirs = a->rule_dirs;
	a->req.paths = (const char *const *)argv + optind;
	a->req.npaths = (size_t)(argc - optind);
	return 0;
}

static const char *real_getenv(const char *name, void *payload)
{
	(void)payload;
	return getenv(name);
}

/* Run git with argv (no shell); 0 when it exits 0. */
static int run_git(const char *const *argv, const struct log *lg)
{
	pid_t pid;
	int status;

	log_write(lg, LOG_INFO, "deepening the checkout", "command", argv[2], "arg", argv[3], NULL);
	if (posix_spawnp(&pid, "git", NULL, NULL, (char *const *)argv, environ) != 0)
		return FB_ENOTFOUND;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return FB_EIO;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : FB_EIO;
}

/* Is there a merge base of base and head in the local repository? */
static bool history_ok(const char *base, const char *head)
{
	struct fb_repo *repo = NULL;
	struct fb_error e = { 0 };
	char b[FB_SHA_HEX + 1], h[FB_SHA_HEX + 1], mb[FB_SHA_HEX + 1];
	bool ok;

	if (fb_repo_open(&repo, ".", &e) < 0)
		return false;
	ok = fb_repo_resolve(b, repo, base, &e) == 0 && fb_repo_resolve(h, repo, head, &e) == 0 &&
	     fb_repo_merge_base(mb, repo, b, h, &e) == 0;
	fb_repo_free(repo);
	return ok;
}

/*
 * CI checkouts are shallow (GitHub: depth 1; GitLab: GIT_DEPTH).  Fetch the
 * base and head, then deepen by growing steps until they meet; last, the
 * whole history.  Both forges serve reachable commits by sha.
 */
static int ensure_history(const char *base, const char *head, const struct log *lg,
			  struct fb_error *err)
{
	static const char *const depths[] = { "--depth=50", "--deepen=200", "--deepen=1000",
					      "--unshallow" };
	size_t i;

	if (history_ok(base, head))
		return 0;
	for (i = 0; i < sizeof depths / sizeof depths[0]; i++) {
		const char *argv[] = { "git", "fetch", depths[i], "--no-tags", "--quiet", "origin",
				       base, head, NULL };
		if (strcmp(depths[i], "--unshallow") == 0) {
			argv[6] = NULL; /* unshallow the refs we have */
			if (access(".git/shallow", F_OK) != 0)
				break;
		}
		run_git(argv, lg);
		if (history_ok(base, head))
			return 0;
	}
	return fb_error_set(err, FB_ENOTFOUND, "the checkout does not contain the base %.12s and "
			    "the head %.12s with a common ancestor, even after git fetch; check "
			    "that 'origin' is the repository the pipeline runs for", base, head);
}

static int open_forge(struct forge **out, const struct ci_args *a, const struct ci_env *env,
		      const struct log *lg, struct fb_error *err)
{
	struct forge_opts o = { 0 };

	o.kind = env->forge;
	o.api_url = env->api_url;
	o.repo = env->repo;
	/* A dry run may go without credentials: nothing is sent. */
	o.auth.kind = env->token || env->app_id ? env->auth : FORGE_AUTH_NONE;
	o.auth.token = env->token;
	o.auth.app_id = env->app_id;
	o.auth.app_key_pem = env->app_key;
	o.timeout_ms = a->timeout_s * 1000;
	o.dry_run = a->dry_run;
	o.lg = lg;
	return forge_new(out, &o, err);
}

/* Report files come first: whatever the forge does next, they exist. */
static int write_reports(const struct ci_args *a, const struct ci_env *env,
			 const struct review_result *res, const char **sarif_out,
			 struct fb_error *err)
{
	const char *cq = a->code_quality;
	const char *sarif = a->sarif;
	int rc = 0;

	if (!cq && env->forge == FORGE_GITLAB)
		cq = "gl-code-quality-report.json";
	if (!sarif && a->upload_sarif)
		sarif = "forgebot.sarif";
	if (cq)
		rc = cmd_report_write(cq, REPORT_CODEQUALITY, res, err);
	if (rc == 0 && sarif)
		rc = cmd_report_write(sarif, REPORT_SARIF, res, err);
	*sarif_out = sarif;
	return rc;
}

/* The token cannot write: show findings where the job log can, once. */
static int degrade(const struct ci_env *env, const struct review_result *res, const char *why)
{
	struct fb_error e = { 0 };

	fprintf(stderr, "forgebot ci: notice: %s; findings are reported as %s instead of "
		"comments.\n", why, env->forge == FORGE_GITHUB ? "workflow annotations and report "
		"files" : "report files (the Code Quality widget shows them)");
	if (env->forge == FORGE_GITHUB)
		return cmd_report_write(NULL, REPORT_GITHUB, res, &e);
	return 0;
}

static int upload_sarif(struct forge *f, const struct ci_env *env, const char *path,
			struct fb_error *err)
{
	struct buf sarif;
	FILE *fp;
	char *id = NULL;
	int rc;

	if (env->forge != FORGE_GITHUB)
		return fb_error_set(err, FB_EINVAL, "--upload-sarif is for GitHub code scanning; "
				    "GitLab reads the Code Quality report artifact");
	if (!env->sarif_ref)
		return fb_error_set(err, FB_EINVAL, "--upload-sarif needs GITHUB_REF");
	if (!(fp = fopen(path, "rb")))
		return fb_error_set(err, FB_EIO, "cannot read '%s': %s", path, strerror(errno));
	buf_init(&sarif, (size_t)64 << 20);
	rc = buf_read_stream(&sarif, fp);
	fclose(fp);
	if (rc < 0)
		rc = fb_error_set(err, rc, "cannot read '%s'", path);
	else
		rc = forge_sarif_upload(f, env->sarif_sha, env->sarif_ref, buf_cstr(&sarif),
					sarif.len, &id, err);
	if (rc == 0 && id)
		fprintf(stderr, "forgebot ci: SARIF uploaded to code scanning (id %s)\n", id);
	free(id);
	buf_release(&sarif);
	return rc;
}

/* GitLab positions name the MR version's three shas; the API has them. */
static int diff_refs(struct forge *f, const struct ci_env *env, struct forge_pr *pr,
		     const struct log *lg, struct fb_error *err)
{
	int rc;

	if (env->forge != FORGE_GITLAB || forge_dry_run(f))
		return 0;
	if ((rc = forge_pr_get(f, env->number, pr, err)) < 0)
		return rc;
	if (pr->head_sha && strcmp(pr->head_sha, env->head_sha) != 0)
		log_write(lg, LOG_WARN, "the merge request moved on since this pipeline started; "
			  "comments GitLab cannot place go to the summary", "reviewed", env->head_sha,
			  "latest", pr->head_sha, NULL);
	return 0;
}

struct outcome {
	bool failed;      /* findings at or above the fail level */
	bool forge_error; /* a forge call failed (message printed) */
};

static void print_published(const struct publish_result *p, bool dry)
{
	fprintf(stderr, "forgebot ci: %s%zu new inline comment%s, %zu already posted, %zu outdated, "
		"%zu in the summary only%s\n", dry ? "dry run: " : "", p->posted,
		p->posted == 1 ? "" : "s", p->already, p->outdated, p->unplaced + p->capped,
		p->status_fell_back ? "; commit status set (the token cannot create check runs)"
				    : "");
}

static int publish(const struct ci_args *a, const struct ci_env *env,
		   const struct review_result *res, enum severity fail_on, struct forge *f,
		   struct fb_repo *repo, const struct log *lg, struct fb_error *err)
{
	struct publish_request pr = { 0 };
	struct publish_result out;
	struct forge_pr refs = { 0 };
	struct publish_head hr = { repo, env->head_sha };
	int rc;

	if ((rc = diff_refs(f, env, &refs, lg, err)) < 0)
		return rc;
	pr.forge = f;
	pr.number = env->number;
	pr.head_sha = env->head_sha;
	pr.base_sha = refs.base_sha ? refs.base_sha : env->base_sha;
	pr.start_sha = refs.start_sha ? refs.start_sha : env->base_sha;
	if (refs.head_sha && env->forge == FORGE_GITLAB)
		pr.head_sha = refs.head_sha;
	pr.read_source = repo ? publish_read_at_head : NULL;
	pr.read_payload = &hr;
	pr.review = res;
	pr.fail_on = fail_on;
	pr.post_comments = !a->no_comments && env->number > 0;
	pr.status = env->forge == FORGE_GITHUB ? PUBLISH_STATUS_CHECK : PUBLISH_STATUS_COMMIT;
	pr.status_name = a->status_name;
	pr.details_url = env->details_url;
	pr.max_comments = a->max_comments ? (size_t)a->max_comments : 0;
	rc = review_publish(&out, &pr, lg, err);
	if (rc == 0)
		print_published(&out, a->dry_run);
	forge_pr_release(&refs);
	return rc;
}

static bool any_failing(const struct review_result *res, enum severity fail_on)
{
	for (size_t i = 0; i < res->scan.findings.n; i++)
		if (publish_fails(&res->scan.findings.v[i], fail_on))
			return true;
	return false;
}

/* Steps 2-6 once the environment is known. */
static int run(struct ci_args *a, const struct ci_env *env,
	       const struct log *lg, struct outcome *oc, struct fb_error *err)
{
	struct review_result res;
	struct forge *f = NULL;
	struct fb_repo *repo = NULL;
	const char *sarif = NULL;
	enum severity fail_on;
	int rc;

	review_result_init(&res);
	a->req.base = a->base ? a->base : env->base_sha;
	a->req.head = env->head_sha;
	if (!a->req.base) {
		rc = fb_error_set(err, FB_EINVAL, "this pipeline is not for a pull/merge request and "
				  "names no earlier commit: pass --base REV to say what to review");
		goto out;
	}
	if ((rc = ensure_history(a->req.base, env->head_sha, lg, err)) < 0 ||
	    (rc = review_run(&res, &a->req, lg, err)) < 0)
		goto out;
	if (review_fail_level(a->fail_on, &res.config, &fail_on) < 0) {
		rc = fb_error_set(err, FB_EINVAL, "unknown fail level '%s' (use error, warning, "
				  "info or never)", a->fail_on ? a->fail_on : res.config.fail_on);
		goto out;
	}
	oc->failed = any_failing(&res, fail_on);
	fprintf(stderr, "forgebot ci: %zu finding%s on the change (%zu file%s)\n",
		res.scan.findings.n, res.scan.findings.n == 1 ? "" : "s", res.files_in_diff,
		res.files_in_diff == 1 ? "" : "s");
	if ((rc = write_reports(a, env, &res, &sarif, err)) < 0)
		goto out;
	/* The job log shows the findings too, whatever happens next. */
	if ((rc = cmd_report_write(NULL, REPORT_TEXT, &res, err)) < 0)
		goto out;
	if (!env->token && !env->app_id && !a->dry_run) {
		rc = degrade(env, &res, env->token_source
			     ? "the token variable is empty" : "no API token is set (see docs/ci.md)");
		goto out;
	}
	if (env->job_token_only && !a->dry_run) {
		rc = degrade(env, &res, "CI_JOB_TOKEN cannot post merge request comments; set "
			     "FORGEBOT_GITLAB_TOKEN (a token with the api scope)");
		goto out;
	}
	fb_repo_open(&repo, ".", err); /* without it: no suggestion blocks */
	if ((rc = open_forge(&f, a, env, lg, err)) < 0)
		goto out;
	rc = publish(a, env, &res, fail_on, f, repo, lg, err);
	if (rc == FB_EFORBIDDEN) {
		/* A fork's read-only token: the job goes on without comments. */
		fprintf(stderr, "forgebot ci: %s\n", err->msg);
		rc = degrade(env, &res, env->fork ? "this pull request comes from a fork and its "
			     "token is read-only" : "the token may not write to this pull request");
		goto out;
	}
	if (rc == 0 && a->upload_sarif)
		rc = upload_sarif(f, env, sarif, err);
	oc->forge_error = rc < 0;
out:
	forge_free(f);
	fb_repo_free(repo);
	review_result_release(&res);
	return rc;
}

int cmd_ci(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct ci_args a = { 0 };
	struct ci_env env;
	struct outcome oc = { 0 };
	struct fb_error err = { 0 };
	int rc;

	if ((rc = parse_args(&a, argc, argv)) != 0)
		return rc;
	a.req.repo_dir = ".";
	a.req.no_line_text = false;
	rc = ci_env_detect(&env, a.forge, a.token_env, real_getenv, NULL, &err);
	if (rc == 0)
		rc = run(&a, &env, &ctx->log, &oc, &err);
	ci_env_release(&env);
	if (rc < 0) {
		fprintf(stderr, "forgebot ci: %s\n", err.msg);
		/* Input problems are 2; a forge or internal failure is 3. */
		return oc.forge_error ? EXIT_INTERNAL : cmd_exit_for(rc);
	}
	return oc.failed ? EXIT_FINDINGS : EXIT_OK;
}
