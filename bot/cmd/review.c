/*
 * review.c - `forgebot review`: the command-line face of the review action.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../analyzers/report/report.h"
#include "../agents/review.h"
#include "../core/buf.h"
#include "cmd.h"

#define DIFF_INPUT_MAX ((size_t)256 << 20)
#define MAX_RULE_DIRS 64

void cmd_review_usage(FILE *out)
{
	fprintf(out,
"usage: forgebot review [PATH...] [--repo DIR] [--base REV] [--head REV] [--diff FILE|-]\n"
"                       [--filter-mode added|diff_context|file|nofilter] [--new-only]\n"
"                       [--format text|json|sarif|codequality|rdjson|github] [--output FILE]\n"
"                       [--fail-on error|warning|info|never] [--rules DIR]... [--no-builtin-rules]\n"
"                       [--config FILE] [--jobs N]\n"
"\n"
"Analyze code with forgebot's rules and report findings.\n"
"\n"
"Without --base or --diff, analyzes the PATHs (default: the repository or the current\n"
"directory) whole. With --base REV, reviews the change from the merge base of REV and the\n"
"head (--head REV, default: the working tree) and reports findings on added lines only;\n"
"--diff FILE (or - for stdin) takes the change as a unified diff instead.\n"
"\n"
"options:\n"
"  --repo DIR           the repository (default: .)\n"
"  --base REV           review the change since REV (a branch, tag or commit)\n"
"  --head REV           the revision to review (default: the working tree)\n"
"  --diff FILE|-        the change as a unified diff (git diff output)\n"
"  --filter-mode MODE   which findings of a change to keep: added (default): on added lines;\n"
"                       diff_context: inside changed hunks; file: in changed files;\n"
"                       nofilter: all findings in the analyzed files\n"
"  --new-only           drop findings that already existed at the base (needs --base)\n"
"  --format FMT         text (default), json, sarif, codequality, rdjson, github\n"
"  --output FILE        write the report to FILE instead of standard output\n"
"  --fail-on LEVEL      exit 1 when a finding is at or above LEVEL: error (default),\n"
"                       warning, info, or never\n"
"  --rules DIR          add the rules in DIR (a directory or a rule file); repeatable\n"
"  --no-builtin-rules   do not load the built-in rule packs\n"
"  --config FILE        repository settings (default: DIR/.forgebot.yml when present)\n"
"  --jobs N             analyze with N threads (default: all CPUs)\n"
"\n"
"exit codes: 0 no finding at or above the fail level, 1 findings at or above it,\n"
"            2 usage, configuration, rule or input error, 3 internal error\n");
}

struct review_args {
	struct review_request req;
	const char *rule_dirs[MAX_RULE_DIRS];
	const char *diff_path;
	const char *output;
	const char *fail_on;
	enum report_format format;
};

static int parse_args(struct review_args *a, int argc, char **argv)
{
	enum { O_REPO = 256, O_BASE, O_HEAD, O_DIFF, O_FILTER, O_NEW, O_FORMAT, O_OUTPUT,
	       O_FAIL, O_RULES, O_NOBUILTIN, O_CONFIG, O_JOBS };
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, O_REPO },
		{ "base", required_argument, NULL, O_BASE },
		{ "head", required_argument, NULL, O_HEAD },
		{ "diff", required_argument, NULL, O_DIFF },
		{ "filter-mode", required_argument, NULL, O_FILTER },
		{ "new-only", no_argument, NULL, O_NEW },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "fail-on", required_argument, NULL, O_FAIL },
		{ "rules", required_argument, NULL, O_RULES },
		{ "no-builtin-rules", no_argument, NULL, O_NOBUILTIN },
		{ "config", required_argument, NULL, O_CONFIG },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ NULL, 0, NULL, 0 },
	};
	long n;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:o:f:", opts, NULL)) != -1) {
		switch (c) {
		case O_REPO: a->req.repo_dir = optarg; break;
		case O_BASE: a->req.base = optarg; break;
		case O_HEAD: a->req.head = optarg; break;
		case O_DIFF: a->diff_path = optarg; break;
		case O_NEW: a->req.new_only = true; break;
		case O_NOBUILTIN: a->req.no_builtin = true; break;
		case O_CONFIG: a->req.config_path = optarg; break;
		case 'o':
		case O_OUTPUT: a->output = optarg; break;
		case O_FAIL: a->fail_on = optarg; break;
		case O_FILTER:
			if (filter_mode_parse(optarg, &a->req.filter) < 0)
				return cmd_usage_error("review", "unknown filter mode '%s' (use added, diff_context, "
						   "file or nofilter)", optarg);
			a->req.filter_set = true;
			break;
		case 'f':
		case O_FORMAT:
			if (report_format_parse(optarg, &a->format) < 0)
				return cmd_usage_error("review", "unknown format '%s' (use text, json, sarif, "
						   "codequality, rdjson or github)", optarg);
			break;
		case O_RULES:
			if (a->req.nrule_dirs == MAX_RULE_DIRS)
				return cmd_usage_error("review", "too many --rules (at most %s)", "64");
			a->rule_dirs[a->req.nrule_dirs++] = optarg;
			break;
		case 'j':
		case O_JOBS:
			if (cmd_parse_long(optarg, 1, 256, &n) < 0)
				return cmd_usage_error("review", "--jobs wants a number from 1 to 256, "
						       "not '%s'", optarg);
			a->req.jobs = (int)n;
			break;
		default:
			return cmd_usage_error("review", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	a->req.rule_dirs = a->rule_dirs;
	a->req.paths = (const char *const *)argv + optind;
	a->req.npaths = (size_t)(argc - optind);
	if (a->diff_path && a->req.base)
		return cmd_usage_error("review", "%s", "--diff and --base are two ways to give the change: use one");
	if (a->req.head && !a->req.base && !a->diff_path)
		return cmd_usage_error("review", "%s", "--head needs --base (or --diff)");
	return 0;
}

static int read_diff(struct buf *out, const char *path, struct fb_error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	int rc;

	if (f == NULL)
		return fb_error_set(err, errno == ENOENT ? FB_ENOTFOUND : FB_EIO,
				    "cannot read diff '%s': %s", path, strerror(errno));
	rc = buf_read_stream(out, f);
	if (rc == FB_EIO)
		fb_error_set(err, rc, "cannot read diff '%s'", path);
	else if (rc < 0)
		fb_error_set(err, rc, "diff '%s' is larger than %zu MiB", path, DIFF_INPUT_MAX >> 20);
	if (f != stdin)
		fclose(f);
	return rc;
}

int cmd_review(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct review_args a = { 0 };
	struct review_result res;
	struct fb_error err = { 0 };
	struct buf diff;
	enum severity fail;
	size_t i;
	int rc, exit_code = EXIT_OK;

	a.format = REPORT_TEXT;
	if ((rc = parse_args(&a, argc, argv)) != 0)
		return rc;
	/* Only the text and SARIF reports show or measure the source line. */
	a.req.no_line_text = a.format != REPORT_TEXT && a.format != REPORT_SARIF;
	buf_init(&diff, DIFF_INPUT_MAX);
	review_result_init(&res);
	if (a.diff_path) {
		if ((rc = read_diff(&diff, a.diff_path, &err)) < 0)
			goto out;
		a.req.diff_text = buf_cstr(&diff);
		a.req.diff_len = diff.len;
	}
	if ((rc = review_run(&res, &a.req, &ctx->log, &err)) < 0)
		goto out;
	if (review_fail_level(a.fail_on, &res.config, &fail) < 0) {
		rc = fb_error_set(&err, FB_EINVAL, "unknown fail level '%s' (use error, warning, "
				  "info or never)", a.fail_on ? a.fail_on : res.config.fail_on);
		goto out;
	}
	if ((rc = cmd_report_write(a.output, a.format, &res, &err)) < 0)
		goto out;
	for (i = 0; i < res.scan.findings.n && fail != SEV_OFF; i++)
		if (res.scan.findings.v[i].severity >= fail)
			exit_code = EXIT_FINDINGS;
out:
	if (rc < 0)
		exit_code = cmd_fail("review", rc, err.msg);
	review_result_release(&res);
	buf_release(&diff);
	return exit_code;
}
