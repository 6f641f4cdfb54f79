/*
 * review.h - the review action: which files, which rules, which lines.
 *
 * One implementation behind every way in: `forgebot review` calls it now,
 * `forgebot ci`, the webhook worker and the MCP tools will call it too.
 *
 * Without a base it analyzes the given paths whole (like `ast-grep scan`).
 * With `base` (a revision) or `diff_text` it is diff-aware: it analyzes the
 * files the change touches, at the head revision (or the working tree),
 * and keeps findings on the lines the filter mode selects.  `new_only` also
 * drops findings whose fingerprint already existed at the base.
 *
 * Per-repository settings (.forgebot.yml, and the rule directories it
 * names) come from the working tree, or, when the repository is bare (the
 * server's cache) or `config_at_head` is set, from the `head` commit.
 */
#ifndef FB_AGENTS_REVIEW_H
#define FB_AGENTS_REVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "../../analyzers/diff/diff.h"
#include "../../analyzers/engine/engine.h"
#include "../../analyzers/engine/rule.h"
#include "../core/config.h"
#include "../core/err.h"
#include "../core/log.h"

struct review_request {
	const char *repo_dir;            /* NULL: "." */
	const char *const *paths;        /* files or directories; none: the repository or "." */
	size_t npaths;
	const char *base;                /* revision; NULL: not diff-aware unless diff_text */
	const char *head;                /* revision; NULL: the working tree */
	const char *diff_text;           /* a unified diff (from --diff), or NULL */
	size_t diff_len;
	bool filter_set;                 /* filter given explicitly (else config, else added) */
	enum filter_mode filter;
	bool new_only;
	const char *const *rule_dirs;    /* extra rule directories or files */
	size_t nrule_dirs;
	bool no_builtin;
	const char *config_path;         /* NULL: <repo>/.forgebot.yml when present */
	bool config_at_head;             /* read .forgebot.yml and its rule dirs from `head`,
					  * not the working tree (implied for a bare repository) */
	int jobs;                        /* 0: all CPUs */
	size_t max_file_size;            /* 0: config, else the engine default */
	bool no_line_text;               /* findings without their source line (see engine.h) */
};

struct review_result {
	struct ruleset rules;            /* every rule loaded (reports describe them) */
	struct scan_result scan;         /* findings after filtering, skipped files */
	struct repo_config config;
	bool diff_aware;
	enum filter_mode filter;
	size_t files_in_diff;
	size_t dropped_by_filter;        /* findings outside the selected lines */
	size_t dropped_existing;         /* --new-only: findings already at the base */
	struct diff diff;                /* the change reviewed (diff-aware only): which
					  * lines a forge lets us comment on */
	char base_sha[41], head_sha[41]; /* empty when not used */
};

void review_result_init(struct review_result *r);
void review_result_release(struct review_result *r);

/* Load the rules a review would use (built-in packs unless disabled,
 * config and request rule directories), with enable/disable/severity from
 * the config applied, into `out` (an array of n engine rules, free()).  */
int review_select_rules(struct engine_rule **out, size_t *n, const struct ruleset *rules,
			const struct repo_config *cfg, struct fb_error *err);

/* Run a review.  Errors (FB_EINVAL for bad rules, config or diff,
 * FB_ENOTFOUND for a missing repository, revision or path) leave a
 * one-line message in err. */
int review_run(struct review_result *out, const struct review_request *req, const struct log *lg,
	       struct fb_error *err);

/* The fail level: `flag` (from the command line) if given, else the
 * config's fail_on, else error; "never" is SEV_OFF.  FB_EINVAL for an
 * unknown level. */
int review_fail_level(const char *flag, const struct repo_config *cfg, enum severity *out);

#endif
