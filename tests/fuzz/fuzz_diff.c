/*
 * fuzz_diff.c - libFuzzer target for the unified-diff parser.
 *
 * Parses arbitrary bytes; on success also walks the result through
 * diff_find/diff_keeps so the index and the line arrays are exercised, and
 * checks the invariants diff.h promises (sorted, strictly increasing line
 * numbers; both paths set).  Build, for example:
 *   clang -std=c11 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined \
 *     tests/fuzz/fuzz_diff.c analyzers/diff/diff.c analyzers/diff/filter.c \
 *     bot/core/err.c -o build/fuzz_diff
 *   ./build/fuzz_diff tests/fuzz/corpus/diff
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../analyzers/diff/diff.h"

static void check_sorted(const uint32_t *v, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (v[i - 1] >= v[i])
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diff d;
	struct fb_error err = { 0 };
	size_t i;

	if (diff_parse(&d, (const char *)data, size, &err) < 0) {
		if (err.code == 0 || err.msg[0] == '\0')
			abort();
		return 0;
	}
	for (i = 0; i < d.n; i++) {
		const struct diff_file *f = &d.files[i];

		if (f->old_path == NULL || f->new_path == NULL)
			abort();
		check_sorted(f->added, f->nadded);
		check_sorted(f->context, f->ncontext);
		if (f->status != DIFF_DELETED && diff_find(&d, f->new_path) == NULL)
			abort();
		if (f->nadded && !diff_keeps(&d, FILTER_ADDED, f->new_path, f->added[0], f->added[0]))
			abort();
	}
	diff_release(&d);
	return 0;
}
