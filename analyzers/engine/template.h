/*
 * template.h - rendering a rule's message or fix from a match's bindings.
 *
 * `$NAME`, `$$NAME` and `$$$NAME` are replaced by the source text bound to
 * NAME (a metavariable, or a query capture named @NAME); NAME is an
 * upper-case letter or `_` followed by upper-case letters, digits and `_`,
 * or, for query captures, any [A-Za-z_][A-Za-z0-9_.-]*.  An unbound name is
 * left as written, so a message never silently loses text.
 */
#ifndef FB_ENGINE_TEMPLATE_H
#define FB_ENGINE_TEMPLATE_H

#include "../../bot/core/buf.h"
#include "env.h"

/* Append the rendering of `tmpl` to `out`. 0, FB_ENOMEM or FB_ELIMIT. */
int template_render(struct buf *out, const char *tmpl, const struct env *env, const char *src);

#endif
