/*
 * diff.h - a strict unified-diff parser and the changed-line filter.
 *
 * diff_parse() reads the output of `git diff` (with `diff --git` headers,
 * extended headers, quoted paths, binary markers) or of plain `diff -u` /
 * `diff -ru`, and records for every file its paths, its status, its hunks
 * and the sorted new-side line numbers of added and context lines.  The
 * hunk line counts are checked against the lines that follow, so a corrupt
 * or truncated diff is rejected with the diff line number instead of being
 * half-understood.  Only diff text is accepted: no mail headers, no
 * `git log -p` commit headers, no combined (merge) diffs.
 *
 * diff_keeps() answers "should a finding on these lines be reported?" with
 * reviewdog's -filter-mode semantics (filter/filter.go): a finding spanning
 * several lines is kept when ANY line of [start_line, end_line] passes.
 *
 * A struct diff is immutable after parsing and may be shared by threads.
 */
#ifndef FB_DIFF_DIFF_H
#define FB_DIFF_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../bot/core/err.h"

/* The largest line number a hunk may mention; larger is FB_EINVAL. */
#define DIFF_LINE_MAX 100000000u

struct diff_hunk {
	uint32_t old_start, old_lines, new_start, new_lines;
};

enum diff_status { DIFF_MODIFIED, DIFF_ADDED, DIFF_DELETED, DIFF_RENAMED, DIFF_COPIED };

struct diff_file {
	/* Both paths are always set, without the a/ b/ prefixes: an added
	 * file has old_path == its new path, a deleted file new_path == its
	 * old path (the status says which side is /dev/null). */
	char *old_path, *new_path;
	enum diff_status status;
	bool binary;                /* "Binary files ... differ" or a binary patch */
	struct diff_hunk *hunks;    /* in file order, non-overlapping */
	size_t nhunks;
	uint32_t *added;            /* sorted new-side line numbers of '+' lines */
	size_t nadded;
	uint32_t *context;          /* sorted new-side numbers of ' ' lines in hunks */
	size_t ncontext;
};

struct diff {
	struct diff_file *files;
	size_t n;
	size_t *index;  /* private: files not deleted, sorted by new_path */
	size_t nindex;
};

/* Parse `len` bytes of diff text into `out` (which need not be initialised;
 * on failure it is left empty).  Empty text is a valid, empty diff.
 * FB_EINVAL "diff line N: <what is wrong>" for corrupt input, FB_ENOMEM.
 * Release with diff_release(). */
int diff_parse(struct diff *out, const char *text, size_t len, struct fb_error *err);
void diff_release(struct diff *d);

/* The file whose new path is `new_path` (deleted files are never found);
 * NULL if the diff does not touch it.  Borrowed from `d`. */
const struct diff_file *diff_find(const struct diff *d, const char *new_path);

enum filter_mode { FILTER_ADDED, FILTER_DIFF_CONTEXT, FILTER_FILE, FILTER_NOFILTER };

/* "added", "diff_context", "file", "nofilter" (reviewdog's names);
 * FB_EINVAL otherwise. */
int filter_mode_parse(const char *s, enum filter_mode *out);
const char *filter_mode_str(enum filter_mode m);

/* Should a finding on `path`, lines [start_line, end_line], be reported?
 *   added:        one of its lines is a '+' line of the diff;
 *   diff_context: one of its lines is inside a hunk ('+' or context line);
 *   file:         the file is in the diff (as a new path);
 *   nofilter:     always, even for files the diff does not touch.
 * end_line < start_line is treated as end_line == start_line. */
bool diff_keeps(const struct diff *d, enum filter_mode m, const char *path, uint32_t start_line,
		uint32_t end_line);

#endif
