/*
 * engine.h - running rules over files: the core of every review.
 *
 * An engine is built once from the enabled rules (with their effective
 * severities) and is then read-only; engine_scan() spreads files over N
 * threads, each with its own parser, query cursor and match environment.
 *
 * Per file: pick the language by path; keep the rules of that language whose
 * files/ignores globs admit the path; read the file once; skip it (and say
 * why) if it is too large, binary or not valid UTF-8; drop rules none of
 * whose literals occur in the text, and do not parse at all when no rule is
 * left; parse (files with syntax errors are still analyzed); walk the tree
 * once, trying each ast-grep rule only at nodes of the kinds it can match;
 * run each query rule; render findings; honour inline suppressions
 * (`forgebot-ignore: RULE-ID[,RULE-ID] reason` on the line or the line above).
 */
#ifndef FB_ENGINE_ENGINE_H
#define FB_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../bot/core/err.h"
#include "finding.h"
#include "rule.h"

#define ENGINE_MAX_FILE_DEFAULT ((size_t)8 << 20)

struct engine_rule {
	const struct rule *rule;
	enum severity severity; /* effective severity (overrides applied) */
};

struct engine_opts {
	size_t max_file_size; /* 0: ENGINE_MAX_FILE_DEFAULT */
	int jobs;             /* worker threads; 0: number of online CPUs */
	uint64_t parse_timeout_us; /* per file; 0: none */
	bool parse_only;      /* parse every file of a known language, match nothing */
	bool no_line_text;    /* leave finding.line_text NULL (saves memory on big runs) */
};

/* One file to scan.  `path` is what reports show (repository-relative);
 * the content comes from `text` when non-NULL (not owned), else from the
 * file at `disk_path` (or `path` when disk_path is NULL). */
struct scan_input {
	const char *path;
	const char *disk_path;
	const char *text;
	size_t len;
};

struct scan_skip {
	char *path;
	char *reason; /* "too large (9.1 MB; the limit is 8 MB)", "binary", "invalid UTF-8 at byte 1234" */
};

struct scan_result {
	struct findings findings; /* sorted by path, line, column, rule */
	struct scan_skip *skipped;
	size_t nskipped;
	size_t files_scanned;  /* files read and checked (parsed or prefiltered) */
	size_t files_parsed;
	size_t files_with_syntax_errors;
	size_t bytes_scanned;
	size_t lines_scanned;
};

struct engine;

int engine_new(struct engine **out, const struct engine_rule *rules, size_t nrules,
	       const struct engine_opts *opts, struct fb_error *err);
void engine_free(struct engine *e);

/* Scan `n` inputs into `out` (initialised here; release with
 * scan_result_release).  Per-file problems are recorded as skips, not
 * errors; the call fails only on out-of-memory or thread creation failure. */
int engine_scan(struct engine *e, const struct scan_input *in, size_t n, struct scan_result *out,
		struct fb_error *err);
void scan_result_release(struct scan_result *r);

/* Does `path` have a language with at least one rule in this engine? */
bool engine_wants(const struct engine *e, const char *path);

#endif
