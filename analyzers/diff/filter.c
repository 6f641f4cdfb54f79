/*
 * filter.c - the changed-line filter over a parsed diff (reviewdog's
 * -filter-mode); see diff.h.  Lookups are binary searches: files by new
 * path through the diff's index, lines in the sorted added/context arrays.
 */
#include <string.h>

#include "diff.h"

static const char *const mode_names[] = { "added", "diff_context", "file", "nofilter" };

int filter_mode_parse(const char *s, enum filter_mode *out)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum filter_mode)i;
			return 0;
		}
	}
	return FB_EINVAL;
}

const char *filter_mode_str(enum filter_mode m)
{
	return (unsigned)m < 4 ? mode_names[m] : "?";
}

/* Does the sorted array v[n] hold a value in [lo, hi]? */
static bool any_in(const uint32_t *v, size_t n, uint32_t lo, uint32_t hi)
{
	size_t a = 0, b = n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (v[mid] < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < n && v[a] <= hi;
}

bool diff_keeps(const struct diff *d, enum filter_mode m, const char *path, uint32_t start_line,
		uint32_t end_line)
{
	const struct diff_file *f;

	if (m == FILTER_NOFILTER)
		return true;
	f = diff_find(d, path);
	if (f == NULL)
		return false;
	if (m == FILTER_FILE)
		return true;
	if (end_line < start_line)
		end_line = start_line;
	if (any_in(f->added, f->nadded, start_line, end_line))
		return true;
	return m == FILTER_DIFF_CONTEXT && any_in(f->context, f->ncontext, start_line, end_line);
}
