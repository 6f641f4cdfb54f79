/*
 * main.c - the unit test runner: every suite, every test, one line each,
 * then "N passed, N failed".  `unit-tests SUITE` runs one suite.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"

#define SUITES(X) X(buf) X(yaml) X(glob) X(config) X(template) X(query) X(engine) X(literals) X(rule) \
	X(sg) X(diff) X(git) X(report) X(forge) X(github) X(store) X(server) X(webhooks)

#define DECLARE(name) extern const struct test_case name##_tests[];
SUITES(DECLARE)
#undef DECLARE

struct suite {
	const char *name;
	const struct test_case *tests;
};

#define ENTRY(name) { #name, name##_tests },
static const struct suite suites[] = { SUITES(ENTRY) };
#undef ENTRY

int main(int argc, char **argv)
{
	size_t s, passed = 0, failed = 0;
	const struct test_case *t;

	for (s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		if (argc > 1 && strcmp(argv[1], suites[s].name) != 0)
			continue;
		for (t = suites[s].tests; t->name; t++) {
			struct test_ctx ctx = { 0 };
			t->fn(&ctx);
			if (ctx.failed) {
				printf("FAIL %s.%s: %s\n", suites[s].name, t->name, ctx.why);
				failed++;
			} else {
				printf("PASS %s.%s\n", suites[s].name, t->name);
				passed++;
			}
			fflush(stdout);
		}
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}
