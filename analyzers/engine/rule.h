/*
 * rule.h - a loaded rule and a set of rules.
 *
 * A rule file is YAML with one or more documents, each a rule:
 *   id, language, severity, message, note, url, fix, files, ignores, metadata
 * and exactly one matcher: `rule:` (ast-grep subset, see sg.h, with optional
 * `constraints:` and `utils:`) or `query:` (a tree-sitter query whose
 * predicates the engine evaluates, see query.h).  Unknown keys are errors.
 *
 * A ruleset is built once, then read-only: share it between threads freely.
 */
#ifndef FB_ENGINE_RULE_H
#define FB_ENGINE_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../bot/core/err.h"
#include "../languages/lang.h"

enum severity { SEV_HINT = 0, SEV_INFO, SEV_WARNING, SEV_ERROR, SEV_OFF };

struct sg_rule;
struct query_rule;

struct rule {
	char *id;
	const struct lang *lang;
	enum severity severity;
	char *message;  /* template: $NAME interpolates a metavariable or capture */
	char *note;
	char *url;
	char *fix;      /* template, or NULL */
	char **files;   /* globs; NULL-terminated, NULL = every file */
	char **ignores; /* globs; NULL-terminated, or NULL */
	char *source;   /* the rule file, for `rules show` and errors */
	int line;       /* where the rule's document starts */
	char *pack;     /* "builtin:c", or the rule directory */
	struct sg_rule *sg;       /* exactly one of sg and query is set */
	struct query_rule *query;
	const char *const *literals; /* prefilter: one must occur in the text; borrowed */
	size_t nliterals;            /* 0: no prefilter */
};

struct ruleset {
	struct rule **v;
	size_t n, cap;
};

void ruleset_init(struct ruleset *rs);
void ruleset_release(struct ruleset *rs);

/* Load every rule in one YAML file (FB_EINVAL with file:line:col on any
 * error; nothing is added then).  A duplicate id is an error. */
int ruleset_load_file(struct ruleset *rs, const char *path, const char *pack,
		      struct fb_error *err);
/* Load rules from YAML text in memory; `name` is used in messages. */
int ruleset_load_text(struct ruleset *rs, const char *name, const char *text, size_t len,
		      const char *pack, struct fb_error *err);
/* Load every *.yml / *.yaml file under `dir`, recursively, skipping
 * directories named `tests` (rule test cases live there). */
int ruleset_load_dir(struct ruleset *rs, const char *dir, const char *pack, struct fb_error *err);
/* Load the built-in packs (compiled into the binary). */
int ruleset_load_builtin(struct ruleset *rs, struct fb_error *err);

const struct rule *ruleset_find(const struct ruleset *rs, const char *id);
void rule_free(struct rule *r);

const char *severity_str(enum severity s);
int severity_parse(const char *s, enum severity *out);

/* Does `path` (repository-relative) pass the rule's files/ignores globs? */
bool rule_applies_to(const struct rule *r, const char *path);

#endif
