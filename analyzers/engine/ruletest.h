/*
 * ruletest.h - rule test cases: snippets a rule must flag and must not.
 *
 * The file format is ast-grep's, so one test file serves both tools:
 *   id: c.banned-strcpy
 *   valid:   ['snprintf(d, n, "%s", s);']     # no finding allowed
 *   invalid: ['strcpy(d, s);']                 # at least one finding required
 * Test files live in `tests/` directories beside the rules.
 */
#ifndef FB_ENGINE_RULETEST_H
#define FB_ENGINE_RULETEST_H

#include <stddef.h>

#include "../../bot/core/err.h"
#include "finding.h"
#include "rule.h"

struct ruletest {
	char *id;
	char **valid, **invalid;
	size_t nvalid, ninvalid;
	char *source;
	int line;
};

struct ruletests {
	struct ruletest *v;
	size_t n;
};

void ruletests_release(struct ruletests *t);
/* Add the test documents in a YAML text (FB_EINVAL file:line:col on bad input). */
int ruletests_load_text(struct ruletests *t, const char *name, const char *text, size_t len,
			struct fb_error *err);
/* Add every test file under every `tests/` directory below `dir`. */
int ruletests_load_dir(struct ruletests *t, const char *dir, struct fb_error *err);
/* The embedded tests of the built-in packs. */
int ruletests_load_builtin(struct ruletests *t, struct fb_error *err);

/* Run `r` alone on `code` (files/ignores globs are not applied), adding its
 * findings to `out` (initialised by the caller) with path "snippet". */
int ruletest_run_snippet(struct findings *out, const struct rule *r, const char *code, size_t len,
			 struct fb_error *err);

#endif
