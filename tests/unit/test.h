/*
 * test.h - a tiny table-driven unit test harness.
 *
 * A test is `static void name(struct test_ctx *t)`; CHECK() records a failure
 * with file:line and keeps going.  Each test file ends with a NULL-terminated
 * table `const struct test_case <suite>_tests[]`, listed in tests/unit/main.c.
 * The runner prints one `PASS suite.test` / `FAIL suite.test: why` line each
 * and a final `N passed, N failed` line.
 */
#ifndef FB_TEST_H
#define FB_TEST_H

#include <stdio.h>
#include <string.h>

struct test_ctx {
	int failed;
	char why[512];
};

struct test_case {
	const char *name;
	void (*fn)(struct test_ctx *t);
};

#define TEST_FAIL(t, ...)                                                               \
	do {                                                                            \
		if (!(t)->failed) {                                                     \
			int n_ = snprintf((t)->why, sizeof((t)->why), "%s:%d: ", __FILE__, \
					  __LINE__);                                    \
			snprintf((t)->why + n_, sizeof((t)->why) - (size_t)n_, __VA_ARGS__); \
		}                                                                       \
		(t)->failed++;                                                          \
	} while (0)

#define CHECK(t, cond)                                        \
	do {                                                  \
		if (!(cond))                                  \
			TEST_FAIL(t, "check failed: %s", #cond); \
	} while (0)

#define CHECK_INT(t, got, want)                                                       \
	do {                                                                          \
		long long g_ = (long long)(got), w_ = (long long)(want);              \
		if (g_ != w_)                                                         \
			TEST_FAIL(t, "%s: got %lld, want %lld", #got, g_, w_);          \
	} while (0)

#define CHECK_STR(t, got, want)                                                         \
	do {                                                                            \
		const char *g_ = (got), *w_ = (want);                                   \
		if (g_ == NULL || w_ == NULL ? g_ != w_ : strcmp(g_, w_) != 0)          \
			TEST_FAIL(t, "%s: got \"%.200s\", want \"%.200s\"", #got, g_ ? g_ : "(null)", \
				  w_ ? w_ : "(null)");                                  \
	} while (0)

#endif
