/*
 * builtin.c - loading the embedded rule packs.  A built-in rule that fails
 * to load is a bug in forgebot, reported like any other rule error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "rule.h"

bool builtin_is_test(const char *path)
{
	return strncmp(path, "tests/", 6) == 0 || strstr(path, "/tests/") != NULL;
}

int ruleset_load_builtin(struct ruleset *rs, struct fb_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < builtin_rule_file_count; i++) {
		const struct builtin_rule_file *f = &builtin_rule_files[i];
		char name[256], pack[64];
		const char *dir = strncmp(f->path, "queries/", 8) == 0 ? f->path + 8 : f->path;
		const char *slash = strchr(dir, '/');
		int dirlen = slash ? (int)(slash - dir) : 0;

		if (builtin_is_test(f->path))
			continue;
		snprintf(name, sizeof(name), "builtin:%s", f->path);
		snprintf(pack, sizeof(pack), "builtin:%.*s", dirlen, dir);
		rc = ruleset_load_text(rs, name, f->text, f->len, pack, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}
