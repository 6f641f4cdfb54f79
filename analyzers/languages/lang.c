/*
 * lang.c - the constant table of compiled-in languages.
 *
 * Adding a language: pin its npm grammar in grammars.lock (ABI 13 or 14),
 * add the entry below, and add its object to GRAMMARS in the Makefile.
 */
#include "lang.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const TSLanguage *tree_sitter_c(void);
const TSLanguage *tree_sitter_cpp(void);
const TSLanguage *tree_sitter_python(void);
const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);
const TSLanguage *tree_sitter_go(void);
const TSLanguage *tree_sitter_rust(void);
const TSLanguage *tree_sitter_java(void);
const TSLanguage *tree_sitter_ruby(void);
const TSLanguage *tree_sitter_bash(void);
const TSLanguage *tree_sitter_yaml(void);
const TSLanguage *tree_sitter_json(void);

#define LIST(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

/* ast-grep uses U+10000 for C and C++ and U+00B5 for the others. */
#define EXPANDO_C "\xf0\x90\x80\x80"
#define EXPANDO_MU "\xc2\xb5"

static const struct lang langs[] = {
	{ "c", LIST("C"), LIST(".c", ".h"), NONE, tree_sitter_c, EXPANDO_C, "C" },
	{ "cpp", LIST("c++", "cxx", "cc"),
	  LIST(".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx", ".h++", ".ipp", ".tpp"), NONE,
	  tree_sitter_cpp, EXPANDO_C, "C++" },
	{ "python", LIST("py"), LIST(".py", ".pyi", ".pyw"), NONE, tree_sitter_python, EXPANDO_MU,
	  "Python" },
	{ "javascript", LIST("js", "jsx"), LIST(".js", ".mjs", ".cjs", ".jsx"), NONE,
	  tree_sitter_javascript, NULL, "JavaScript" },
	{ "typescript", LIST("ts"), LIST(".ts", ".mts", ".cts"), NONE, tree_sitter_typescript, NULL,
	  "TypeScript" },
	{ "tsx", NONE, LIST(".tsx"), NONE, tree_sitter_tsx, NULL, "TSX" },
	{ "go", LIST("golang"), LIST(".go"), NONE, tree_sitter_go, EXPANDO_MU, "Go" },
	{ "rust", LIST("rs"), LIST(".rs"), NONE, tree_sitter_rust, EXPANDO_MU, "Rust" },
	{ "java", NONE, LIST(".java"), NONE, tree_sitter_java, NULL, "Java" },
	{ "ruby", LIST("rb"), LIST(".rb", ".rake", ".gemspec"), LIST("Rakefile", "Gemfile"),
	  tree_sitter_ruby, EXPANDO_MU, "Ruby" },
	{ "bash", LIST("sh", "shell"), LIST(".sh", ".bash"), NONE, tree_sitter_bash, NULL, "Bash" },
	{ "yaml", LIST("yml"), LIST(".yml", ".yaml"), NONE, tree_sitter_yaml, NULL, "YAML" },
	{ "json", NONE, LIST(".json"), NONE, tree_sitter_json, NULL, "JSON" },
};

#define NLANGS (sizeof(langs) / sizeof(langs[0]))

const struct lang *lang_by_name(const char *name)
{
	size_t i, j;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NLANGS; i++) {
		if (strcasecmp(langs[i].name, name) == 0)
			return &langs[i];
		for (j = 0; langs[i].aliases[j]; j++)
			if (strcasecmp(langs[i].aliases[j], name) == 0)
				return &langs[i];
	}
	return NULL;
}

const struct lang *lang_for_path(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;
	size_t i, j;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	for (i = 0; i < NLANGS; i++) {
		for (j = 0; langs[i].filenames[j]; j++)
			if (strcmp(langs[i].filenames[j], base) == 0)
				return &langs[i];
		if (dot == NULL || dot == base)
			continue;
		for (j = 0; langs[i].extensions[j]; j++)
			if (strcasecmp(langs[i].extensions[j], dot) == 0)
				return &langs[i];
	}
	return NULL;
}

size_t lang_count(void)
{
	return NLANGS;
}

const struct lang *lang_at(size_t i)
{
	return i < NLANGS ? &langs[i] : NULL;
}

extern const struct kind_keyword kind_keywords[];
extern const size_t kind_keywords_count;

static int cmp_keyword(const void *key, const void *elem)
{
	const struct kind_keyword *a = key, *b = elem;
	int c = strcmp(a->lang, b->lang);

	return c ? c : strcmp(a->kind, b->kind);
}

const char *lang_kind_keyword(const struct lang *l, const char *kind)
{
	struct kind_keyword key = { l->name, kind, NULL };
	const struct kind_keyword *hit =
		bsearch(&key, kind_keywords, kind_keywords_count, sizeof(key), cmp_keyword);

	return hit ? hit->keyword : NULL;
}

const char *lang_names(void)
{
	return "c, cpp, python, javascript, typescript, tsx, go, rust, java, ruby, bash, yaml, json";
}
