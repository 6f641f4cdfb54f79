/*
 * sg.h - the ast-grep-compatible rule matcher.
 *
 * Compiles the `rule:` (plus `constraints:` and `utils:`) of a rule file
 * written in forgebot's documented subset of the ast-grep rule language, and
 * matches it against tree-sitter nodes with the same results ast-grep gives:
 *   atomic:     pattern (string, or {context, selector}), kind, regex
 *   relational: inside, has, follows, precedes (each with optional field and
 *               stopBy: neighbor | end | <rule>)
 *   composite:  all, any, not, matches (a `utils` rule)
 *   constraints: metavariable -> rule, checked on the bound node
 * Patterns use `$NAME` (one named node), `$$NAME` (one node, named or not),
 * `$$$NAME` / `$$$` (zero or more nodes), `$_` (any node, not captured).
 *
 * A compiled rule is immutable and may be shared by threads; all matching
 * state lives in the caller's struct env.
 */
#ifndef FB_ENGINE_SG_H
#define FB_ENGINE_SG_H

#include <stdbool.h>
#include <stddef.h>
#include <tree_sitter/api.h>

#include "../../bot/core/err.h"
#include "../../bot/core/yaml.h"
#include "../languages/lang.h"
#include "env.h"

struct sg_rule;

/* Compile.  `rule` is the value of the `rule:` key; `constraints` and
 * `utils` may be NULL.  `file` names the rule file in error messages, which
 * read `file:line:col: what is wrong` (FB_EINVAL), e.g. an unknown operator,
 * a pattern that does not parse in `lang`, an unknown node kind, a bad regex,
 * a `matches` naming no util, a metavariable in constraints not used, or a
 * rule that is not limited to a set of node kinds (ast-grep refuses those:
 * "Rule must specify a set of AST kinds to match"). */
int sg_rule_compile(struct sg_rule **out, const struct lang *lang, const struct ynode *rule,
		    const struct ynode *constraints, const struct ynode *utils, const char *file,
		    struct fb_error *err);
void sg_rule_free(struct sg_rule *r);

/* Match the rule at `node` (no search below it).  `src` is the whole source
 * the tree was parsed from.  On a match returns true and leaves the
 * bindings in `env` (cleared first). */
bool sg_rule_match(const struct sg_rule *r, TSNode node, const char *src, struct env *env);

/* The node kinds (tree-sitter symbols) a match can start at, so the engine
 * only tries the rule on those nodes.  Returns false when any kind is
 * possible (after a successful compile: only when the kinds include ERROR,
 * whose symbol 65535 has no slot in the table); otherwise sets *out to a
 * table of ts_language_symbol_count() booleans owned by the rule. */
bool sg_rule_kinds(const struct sg_rule *r, const bool **out);

/* Literal strings of which at least one must occur in a file's text for the
 * rule to be able to match there (e.g. "strcpy" for pattern `strcpy($A,$B)`).
 * Returns the count (0 = no usable prefilter: always parse); *out points to
 * an array of NUL-terminated strings owned by the rule. */
size_t sg_rule_literals(const struct sg_rule *r, const char *const **out);

#endif
