/*
 * lang.h - the grammar registry: which languages forgebot parses, how files
 * map to them, and the tree-sitter grammar compiled in for each.
 *
 * Grammar sources are fetched at build time (fetch-grammars.sh, pinned in
 * grammars.lock) and linked into the binary.  The registry is a constant
 * table; everything here is safe to use from any thread.
 */
#ifndef FB_LANG_H
#define FB_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <tree_sitter/api.h>

struct lang {
	const char *name;               /* canonical name: "python" */
	const char *const *aliases;     /* other accepted names, NULL-terminated */
	const char *const *extensions;  /* ".py", ... NULL-terminated */
	const char *const *filenames;   /* exact base names ("Makefile"), NULL-terminated */
	const TSLanguage *(*grammar)(void);
	/* The character that stands for `$` in patterns of languages whose
	 * identifiers cannot contain `$` (ast-grep's "expando" character), as
	 * UTF-8; NULL when `$` is itself valid in identifiers. */
	const char *expando;
	const char *sarif_name;         /* display name for reports */
};

/* A keyword every node of a kind contains (from the grammar, see
 * gen-keywords.js): "defer" for Go's defer_statement.  The table is
 * generated at build time and sorted by language, then kind. */
struct kind_keyword {
	const char *lang;
	const char *kind;
	const char *keyword;
};

/* The keyword for `kind` in `l`, or NULL when the kind has none. */
const char *lang_kind_keyword(const struct lang *l, const char *kind);

/* By canonical name or alias, case-insensitive; NULL if unknown. */
const struct lang *lang_by_name(const char *name);
/* By file extension or base name; NULL if the path is in no known language. */
const struct lang *lang_for_path(const char *path);
size_t lang_count(void);
const struct lang *lang_at(size_t i);
/* Comma-separated canonical names, for error messages and --help. */
const char *lang_names(void);

#endif
