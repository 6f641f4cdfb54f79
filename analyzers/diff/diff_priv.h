/*
 * diff_priv.h - the diff parser's state, shared by diff.c (lines, hunks,
 * files) and diff_paths.c (file names in headers).  Not for use outside
 * analyzers/diff/.
 */
#ifndef FB_DIFF_PRIV_H
#define FB_DIFF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../bot/core/slice.h"
#include "diff.h"

struct parser {
	const char *text;
	size_t len, pos;
	size_t lineno;          /* 1-based number of `line` */
	struct slice line;      /* the current line, without '\n' */
	struct diff *d;
	size_t cap_files, cap_starts;
	size_t *starts;         /* the line where each file began */
	struct fb_error *err;

	/* The current file (d->files[d->n - 1]) while `cur` is set. */
	struct diff_file *cur;
	size_t cur_lineno;      /* where it started, for its errors */
	size_t cap_hunks, cap_added, cap_context;
	bool cur_git;           /* began with `diff --git` */
	bool header_done;       /* saw ---/+++ or a hunk: no more extended headers */
	bool binary_patch;      /* inside `GIT binary patch` data */
	bool is_new, is_deleted, is_rename, is_copy;
	bool minus_null, plus_null;
	char *hdr_old, *hdr_new;     /* from the `diff --git` line, may stay NULL */
	char *from, *to;             /* rename/copy from/to */
	char *minus, *plus;          /* from ---/+++ (NULL for /dev/null) */

	/* Inside a hunk: lines still expected on each side. */
	bool in_hunk;
	uint32_t old_left, new_left, new_line;
	uint32_t min_new_start; /* hunks must not go backwards */
	bool last_content;      /* previous line was ' ', '+' or '-' */
};

/* Helpers (diff.c). */
int diffp_fail(struct parser *p, const char *what);
int diffp_nomem(struct parser *p);
struct slice diffp_after(struct slice s, size_t n);
struct slice diffp_chomp_cr(struct slice s);
char *diffp_dup_slice(struct slice s);
void diffp_set_str(char **slot, char *v);

/* Header file names (diff_paths.c). */
int diffp_parse_file_path(struct parser *p, struct slice s, char prefix, char **out, bool *is_null);
int diffp_parse_line_path(struct parser *p, struct slice s, char **out);
int diffp_parse_git_names(struct parser *p, struct slice s);

#endif
