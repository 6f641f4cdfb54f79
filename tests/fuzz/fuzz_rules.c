/*
 * fuzz_rules.c - libFuzzer target for the rule loader.
 *
 * Loads arbitrary bytes as one YAML rule file with ruleset_load_text(), which
 * runs the YAML boundary (bot/core/yaml.c), the ast-grep rule compiler
 * (analyzers/engine/sg_*.c) and the tree-sitter query compiler
 * (analyzers/engine/query.c).  Checks the contract rule.h states: a failure
 * sets a code and a message and adds nothing; every loaded rule has an id, a
 * language, a message and exactly one matcher; loading the same file twice
 * fails on the duplicate id and leaves the set as it was.
 * Built and run by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../analyzers/engine/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset rs;
	struct fb_error err = { 0 };
	size_t i, n;

	ruleset_init(&rs);
	if (ruleset_load_text(&rs, "fuzz.yml", (const char *)data, size, "fuzz", &err) < 0) {
		if (err.code == 0 || err.msg[0] == '\0' || rs.n != 0)
			abort();
		goto out;
	}
	for (i = 0; i < rs.n; i++) {
		const struct rule *r = rs.v[i];

		if (r->id == NULL || r->lang == NULL || r->message == NULL)
			abort();
		if ((r->sg == NULL) == (r->query == NULL))
			abort();
		if (r->nliterals && r->literals == NULL)
			abort();
	}
	n = rs.n;
	if (n > 0) {
		struct fb_error err2 = { 0 };

		if (ruleset_load_text(&rs, "fuzz.yml", (const char *)data, size, "fuzz", &err2) == 0 ||
		    rs.n != n || err2.msg[0] == '\0')
			abort();
	}
out:
	ruleset_release(&rs);
	return 0;
}
