/*
 * config.h - per-repository settings from `.forgebot.yml`
 * (docs/configuration.md has the full reference with glob examples):
 *
 *   rules:
 *     disable: [c.banned-strcpy, builtin:python]   # rule ids or packs
 *     enable: [python.eval-injection]              # re-enable after a disable, or an 'off' rule
 *     severity: { python.bare-except: error }      # overrides
 *     dirs: [tools/forgebot-rules]                 # extra rule directories, repo-relative
 *     builtin: true                                # load the built-in packs
 *   paths:
 *     include: [globs]                              # only these (default: everything)
 *     exclude: [globs]                              # never these
 *   review:
 *     fail_on: warning         # error | warning | info | never
 *     filter_mode: added       # added | diff_context | file | nofilter
 *     max_file_size: 8388608   # bytes
 *
 * Parsed and validated once into an immutable struct; unknown keys are
 * errors naming the file, line and column, with a suggestion.
 */
#ifndef FB_CORE_CONFIG_H
#define FB_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct config_override {
	char *rule;
	char *severity; /* validated: error, warning, info, hint, off */
};

struct repo_config {
	char **disable, **enable, **rule_dirs, **include, **exclude; /* NULL-terminated or NULL */
	struct config_override *overrides;
	size_t noverrides;
	bool builtin;          /* default true */
	char *fail_on;         /* NULL: not set */
	char *filter_mode;     /* NULL: not set */
	size_t max_file_size;  /* 0: not set */
	char *source;          /* file it came from, or NULL for defaults */
};

void repo_config_init(struct repo_config *c);
void repo_config_release(struct repo_config *c);
/* Load `path`.  FB_ENOTFOUND if it does not exist (the caller decides
 * whether that matters), FB_EINVAL with file:line:col on a bad file. */
int repo_config_load(struct repo_config *c, const char *path, struct fb_error *err);
/* The same from text in memory (a file read at a commit); `name` stands for
 * the file in messages and becomes c->source.  FB_EINVAL as above,
 * FB_ELIMIT over 1 MiB. */
int repo_config_load_text(struct repo_config *c, const char *name, const char *text, size_t len,
			  struct fb_error *err);
/* Is `path` (repository-relative) inside paths.include and outside paths.exclude? */
bool repo_config_path_wanted(const struct repo_config *c, const char *path);

#endif
