/*
 * query.h - rules written as tree-sitter queries, with their predicates.
 *
 * libtree-sitter 0.20.7 parses predicates but leaves them to the caller;
 * this module evaluates #eq?, #not-eq?, #match?, #not-match?, #any-of? and
 * #not-any-of? on every match before reporting it.  A capture quantified to
 * several nodes satisfies a predicate only if every node does.
 * The reported node is the capture named @match, or else the capture with the
 * widest range.  Every capture is bound by name for message templates.
 *
 * A compiled query rule is immutable and shared by threads; each thread
 * brings its own TSQueryCursor.
 */
#ifndef FB_ENGINE_QUERY_H
#define FB_ENGINE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "../../bot/core/err.h"
#include "../../bot/core/yaml.h"
#include "../languages/lang.h"
#include "env.h"

struct query_rule;

/* Compile the `query:` scalar.  Errors (FB_EINVAL) read
 * `file:line:col: query error: <kind> at '<text>'`. */
int query_rule_compile(struct query_rule **out, const struct lang *lang, const struct ynode *query,
		       const char *file, struct fb_error *err);
void query_rule_free(struct query_rule *q);

/* Called once per accepted match; `node` is the reported node, `env` holds
 * the captures.  Return non-zero to stop the scan. */
typedef int (*query_match_cb)(TSNode node, const struct env *env, void *payload);

/* Run the query over `root` (parsed from `src`, `len` bytes), calling `cb`
 * for every match whose predicates hold.  Returns 0, the callback's non-zero
 * value, or FB_ELIMIT when the cursor's match limit was exceeded (matches
 * found before that were still reported). */
int query_rule_scan(const struct query_rule *q, TSQueryCursor *cursor, TSNode root,
		    const char *src, size_t len, struct env *env, query_match_cb cb, void *payload);

/* Prefilter literals, as sg_rule_literals(). */
size_t query_rule_literals(const struct query_rule *q, const char *const **out);

#endif
