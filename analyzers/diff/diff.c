/*
 * diff.c - the unified-diff parser; see diff.h for the contract.
 *
 * The text is read one line at a time by a small state machine.  Outside a
 * hunk, each line must be a header we know: `diff --git` and git's extended
 * headers, `---`/`+++` pairs, `@@` hunk headers, `Binary files ... differ`,
 * and the separator lines `diff -ur ...` / `Only in ...` of plain recursive
 * diffs.  Inside a hunk, the counts of the `@@ -a,b +c,d @@` header decide
 * how many ' ', '-' and '+' lines follow, so content lines that look like
 * headers ("--- x" removed from a file) are read as content.  A file's final
 * paths and status are settled when the next file starts (finish_file).
 * File names in headers are parsed in diff_paths.c.
 */
#include "diff.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bot/core/slice.h"
#include "diff_priv.h"

/* --- small helpers --- */

static void excerpt(char *dst, size_t dstsz, struct slice s)
{
	size_t i, n = 0, max = dstsz - 4;

	for (i = 0; i < s.len && n < max; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		dst[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < s.len) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

int diffp_fail(struct parser *p, const char *what)
{
	char ex[64];

	excerpt(ex, sizeof(ex), p->line);
	return fb_error_set(p->err, FB_EINVAL, "diff line %zu: %s: '%s'", p->lineno, what, ex);
}

int diffp_nomem(struct parser *p)
{
	return fb_error_set(p->err, FB_ENOMEM, "diff: out of memory");
}

static int grow(struct parser *p, void **v, size_t *cap, size_t n, size_t size)
{
	size_t nc;
	void *q;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 8;
	if (nc > SIZE_MAX / size)
		return diffp_nomem(p);
	q = realloc(*v, nc * size);
	if (q == NULL)
		return diffp_nomem(p);
	*v = q;
	*cap = nc;
	return 0;
}

struct slice diffp_after(struct slice s, size_t n)
{
	return slice_from(s.ptr + n, s.len - n);
}

/* Header lines may come from a CRLF file; content lines keep their '\r'. */
struct slice diffp_chomp_cr(struct slice s)
{
	if (s.len && s.ptr[s.len - 1] == '\r')
		s.len--;
	return s;
}

char *diffp_dup_slice(struct slice s)
{
	char *r = malloc(s.len + 1);

	if (r) {
		memcpy(r, s.ptr, s.len);
		r[s.len] = '\0';
	}
	return r;
}

void diffp_set_str(char **slot, char *v)
{
	free(*slot);
	*slot = v;
}

/* --- paths --- */

static void reset_file_state(struct parser *p)
{
	diffp_set_str(&p->hdr_old, NULL);
	diffp_set_str(&p->hdr_new, NULL);
	diffp_set_str(&p->from, NULL);
	diffp_set_str(&p->to, NULL);
	diffp_set_str(&p->minus, NULL);
	diffp_set_str(&p->plus, NULL);
	p->cur = NULL;
	p->cur_git = p->header_done = p->binary_patch = false;
	p->is_new = p->is_deleted = p->is_rename = p->is_copy = false;
	p->minus_null = p->plus_null = false;
	p->cap_hunks = p->cap_added = p->cap_context = 0;
	p->min_new_start = 0;
	p->last_content = false;
}

static char **pick(char **a, char **b, char **c)
{
	if (*a)
		return a;
	return *b ? b : c;
}

/* An added file's hunks have no old lines, a deleted file's no new ones. */
static bool one_sided(const struct diff_file *f)
{
	size_t i;

	for (i = 0; i < f->nhunks; i++) {
		if (f->status == DIFF_ADDED ? f->hunks[i].old_lines : f->hunks[i].new_lines)
			return false;
	}
	return true;
}

/* Settle the current file's paths and status from what its headers said. */
static int finish_file(struct parser *p)
{
	struct diff_file *f = p->cur;
	char **old, **new;

	if (f == NULL)
		return 0;
	old = pick(&p->from, &p->minus, &p->hdr_old);
	new = pick(&p->to, &p->plus, &p->hdr_new);
	if (p->is_new || p->minus_null)
		f->status = DIFF_ADDED;
	else if (p->is_deleted || p->plus_null)
		f->status = DIFF_DELETED;
	else if (p->is_rename)
		f->status = DIFF_RENAMED;
	else if (p->is_copy)
		f->status = DIFF_COPIED;
	if ((p->is_new || p->minus_null) && (p->is_deleted || p->plus_null))
		return fb_error_set(p->err, FB_EINVAL,
				    "diff line %zu: file is both added and deleted", p->cur_lineno);
	if ((f->status == DIFF_ADDED || f->status == DIFF_DELETED) && !one_sided(f))
		return fb_error_set(p->err, FB_EINVAL,
				    "diff line %zu: %s file has hunks with lines on both sides",
				    p->cur_lineno, f->status == DIFF_ADDED ? "an added" : "a deleted");
	if (f->status == DIFF_ADDED && *old == NULL)
		old = new;
	if (f->status == DIFF_DELETED && *new == NULL)
		new = old;
	if (*old == NULL || *new == NULL)
		return fb_error_set(p->err, FB_EINVAL, "diff line %zu: cannot tell the file's path",
				    p->cur_lineno);
	f->new_path = strdup(*new);
	f->old_path = old == new ? strdup(*new) : *old;
	if (old != new)
		*old = NULL;
	if (f->new_path == NULL || f->old_path == NULL)
		return diffp_nomem(p);
	reset_file_state(p);
	return 0;
}

static int start_file(struct parser *p, bool git)
{
	int rc = finish_file(p);

	if (rc < 0)
		return rc;
	rc = grow(p, (void **)&p->d->files, &p->cap_files, p->d->n, sizeof(struct diff_file));
	if (rc < 0)
		return rc;
	rc = grow(p, (void **)&p->starts, &p->cap_starts, p->d->n, sizeof(*p->starts));
	if (rc < 0)
		return rc;
	p->starts[p->d->n] = p->lineno;
	p->cur = &p->d->files[p->d->n++];
	memset(p->cur, 0, sizeof(*p->cur));
	p->cur_git = git;
	p->cur_lineno = p->lineno;
	return 0;
}

/* --- hunks --- */

static bool parse_num(struct slice *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < s->len && s->ptr[i] >= '0' && s->ptr[i] <= '9') {
		v = v * 10 + (uint64_t)(s->ptr[i] - '0');
		if (v > DIFF_LINE_MAX)
			return false;
		i++;
	}
	if (i == 0)
		return false;
	*s = diffp_after(*s, i);
	*out = (uint32_t)v;
	return true;
}

/* "-a[,b]" or "+c[,d]"; a missing count means 1. */
static bool parse_range(struct slice *s, char sign, uint32_t *start, uint32_t *count)
{
	if (s->len == 0 || s->ptr[0] != sign)
		return false;
	*s = diffp_after(*s, 1);
	if (!parse_num(s, start))
		return false;
	*count = 1;
	if (s->len && s->ptr[0] == ',') {
		*s = diffp_after(*s, 1);
		if (!parse_num(s, count))
			return false;
	}
	if (*count > 0 && *start == 0)
		return false;
	return (uint64_t)*start + *count <= (uint64_t)DIFF_LINE_MAX + 1;
}

static int hunk_header(struct parser *p)
{
	struct slice s = diffp_after(diffp_chomp_cr(p->line), 3);
	struct diff_hunk h;
	struct diff_file *f = p->cur;
	int rc;

	if (f == NULL)
		return diffp_fail(p, "hunk header outside a file");
	if (f->binary)
		return diffp_fail(p, "hunk header in a binary file");
	if (!p->header_done)
		return diffp_fail(p, "hunk header before the '---'/'+++' lines");
	if (!parse_range(&s, '-', &h.old_start, &h.old_lines) || s.len == 0 || s.ptr[0] != ' ')
		return diffp_fail(p, "malformed hunk header");
	s = diffp_after(s, 1);
	if (!parse_range(&s, '+', &h.new_start, &h.new_lines) || !slice_starts_with(s, " @@"))
		return diffp_fail(p, "malformed hunk header");
	s = diffp_after(s, 3);
	if (s.len && s.ptr[0] != ' ')
		return diffp_fail(p, "malformed hunk header");
	if (h.old_lines == 0 && h.new_lines == 0)
		return diffp_fail(p, "empty hunk");
	if (h.new_start < p->min_new_start)
		return diffp_fail(p, "hunk overlaps or precedes the previous hunk");
	rc = grow(p, (void **)&f->hunks, &p->cap_hunks, f->nhunks, sizeof(h));
	if (rc < 0)
		return rc;
	f->hunks[f->nhunks++] = h;
	p->min_new_start = h.new_start + h.new_lines;
	p->in_hunk = true;
	p->old_left = h.old_lines;
	p->new_left = h.new_lines;
	p->new_line = h.new_start;
	return 0;
}

static int push_line(struct parser *p, uint32_t **v, size_t *n, size_t *cap)
{
	int rc = grow(p, (void **)v, cap, *n, sizeof(**v));

	if (rc < 0)
		return rc;
	(*v)[(*n)++] = p->new_line++;
	return 0;
}

static int hunk_line(struct parser *p)
{
	struct diff_file *f = p->cur;
	/* An empty line is a context line whose space an editor or a web
	 * form trimmed away; GNU patch and git apply accept it too. */
	char c = p->line.len ? p->line.ptr[0] : ' ';
	char why[96];
	int rc = 0;

	switch (c) {
	case ' ':
		if (p->old_left == 0 || p->new_left == 0)
			return diffp_fail(p, "more context lines than the hunk header says");
		p->old_left--;
		p->new_left--;
		rc = push_line(p, &f->context, &f->ncontext, &p->cap_context);
		break;
	case '+':
		if (p->new_left == 0)
			return diffp_fail(p, "more '+' lines than the hunk header says");
		p->new_left--;
		rc = push_line(p, &f->added, &f->nadded, &p->cap_added);
		break;
	case '-':
		if (p->old_left == 0)
			return diffp_fail(p, "more '-' lines than the hunk header says");
		p->old_left--;
		break;
	case '\\':
		if (!p->last_content)
			return diffp_fail(p, "'\\' line not after a hunk line");
		p->last_content = false;
		return 0;
	default:
		snprintf(why, sizeof(why), "hunk ends early (%u old and %u new lines missing)",
			 (unsigned)p->old_left, (unsigned)p->new_left);
		return diffp_fail(p, why);
	}
	p->last_content = true;
	if (p->old_left == 0 && p->new_left == 0)
		p->in_hunk = false;
	return rc;
}

/* --- headers --- */

static bool next_line(struct parser *p)
{
	const char *nl;

	if (p->pos >= p->len)
		return false;
	nl = memchr(p->text + p->pos, '\n', p->len - p->pos);
	p->line.ptr = p->text + p->pos;
	p->line.len = nl ? (size_t)(nl - p->line.ptr) : p->len - p->pos;
	p->pos += p->line.len + (nl != NULL);
	p->lineno++;
	return true;
}

/* A `---` line, which must be followed by `+++`. */
static int minus_plus(struct parser *p)
{
	int rc;

	if (!(p->cur && p->cur_git && !p->header_done)) {
		rc = start_file(p, false);
		if (rc < 0)
			return rc;
	}
	rc = diffp_parse_file_path(p, diffp_after(p->line, 4), 'a', &p->minus, &p->minus_null);
	if (rc < 0)
		return rc;
	if (!next_line(p) || !slice_starts_with(p->line, "+++ "))
		return diffp_fail(p, "'---' line not followed by '+++'");
	rc = diffp_parse_file_path(p, diffp_after(p->line, 4), 'b', &p->plus, &p->plus_null);
	if (rc < 0)
		return rc;
	if (p->minus_null && p->plus_null)
		return diffp_fail(p, "both sides are /dev/null");
	p->header_done = true;
	return 0;
}

/* `Binary files X and Y differ` outside a git header (plain diff -r). */
static int plain_binary(struct parser *p)
{
	struct slice s = diffp_chomp_cr(diffp_after(p->line, 13));
	const char *m = NULL;
	size_t i;
	int rc;

	if (s.len < 7 || memcmp(s.ptr + s.len - 7, " differ", 7) != 0)
		return diffp_fail(p, "malformed 'Binary files' line");
	s.len -= 7;
	for (i = 0; i + 5 <= s.len && m == NULL; i++)
		if (memcmp(s.ptr + i, " and ", 5) == 0)
			m = s.ptr + i;
	if (m == NULL || m == s.ptr || m + 5 == s.ptr + s.len)
		return diffp_fail(p, "malformed 'Binary files' line");
	rc = start_file(p, false);
	if (rc < 0)
		return rc;
	p->cur->binary = true;
	p->header_done = true;
	rc = diffp_parse_file_path(p, slice_from(s.ptr, (size_t)(m - s.ptr)), 'a', &p->minus,
			     &p->minus_null);
	if (rc == 0)
		rc = diffp_parse_file_path(p, slice_from(m + 5, (size_t)(s.ptr + s.len - m - 5)), 'b',
				     &p->plus, &p->plus_null);
	return rc;
}

/* git's extended header lines, between `diff --git` and `---`. */
static int git_extended(struct parser *p, bool *handled)
{
	struct slice s = diffp_chomp_cr(p->line);
	static const char *const ignored[] = { "old mode ", "new mode ", "similarity index ",
					       "dissimilarity index ", "index ", NULL };
	size_t i;

	*handled = true;
	for (i = 0; ignored[i]; i++)
		if (slice_starts_with(s, ignored[i]))
			return 0;
	if (slice_starts_with(s, "new file mode "))
		return p->is_new = true, 0;
	if (slice_starts_with(s, "deleted file mode "))
		return p->is_deleted = true, 0;
	if (slice_starts_with(s, "rename from "))
		return p->is_rename = true, diffp_parse_line_path(p, diffp_after(s, 12), &p->from);
	if (slice_starts_with(s, "rename to "))
		return p->is_rename = true, diffp_parse_line_path(p, diffp_after(s, 10), &p->to);
	if (slice_starts_with(s, "copy from "))
		return p->is_copy = true, diffp_parse_line_path(p, diffp_after(s, 10), &p->from);
	if (slice_starts_with(s, "copy to "))
		return p->is_copy = true, diffp_parse_line_path(p, diffp_after(s, 8), &p->to);
	if (slice_starts_with(s, "Binary files ") && slice_starts_with(diffp_after(s, s.len - 7), " differ")) {
		p->cur->binary = true;
		p->header_done = true;
		return 0;
	}
	if (slice_eq_cstr(s, "GIT binary patch")) {
		p->cur->binary = true;
		p->header_done = p->binary_patch = true;
		return 0;
	}
	*handled = false;
	return 0;
}

static int outside_line(struct parser *p)
{
	struct slice s = p->line;
	bool handled = false;
	int rc;

	if (s.len && s.ptr[0] == '\\' && p->last_content) {
		p->last_content = false;
		return 0;
	}
	p->last_content = false;
	if (slice_starts_with(s, "diff --git ")) {
		rc = start_file(p, true);
		return rc < 0 ? rc : diffp_parse_git_names(p, diffp_after(s, 11));
	}
	if (p->binary_patch)
		return 0; /* base85 data up to the next file */
	if (slice_starts_with(s, "diff --cc ") || slice_starts_with(s, "diff --combined ") ||
	    slice_starts_with(s, "@@@"))
		return diffp_fail(p, "combined (merge) diffs are not supported");
	if (slice_starts_with(s, "@@ "))
		return hunk_header(p);
	if (slice_starts_with(s, "--- "))
		return minus_plus(p);
	if (p->cur && p->cur_git && !p->header_done) {
		rc = git_extended(p, &handled);
		if (rc < 0 || handled)
			return rc;
	}
	if (slice_starts_with(s, "diff ") || slice_starts_with(s, "Only in ")) {
		rc = finish_file(p);
		return rc;
	}
	if (slice_starts_with(s, "Binary files "))
		return plain_binary(p);
	if (slice_starts_with(s, "+++ "))
		return diffp_fail(p, "'+++' line without a '---' line");
	return diffp_fail(p, "unexpected line outside a hunk");
}

/* --- lookup index --- */

static int cmp_path_idx(const void *a, const void *b, void *payload)
{
	const struct diff *d = payload;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(d->files[x].new_path, d->files[y].new_path);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

static int build_index(struct parser *p)
{
	struct diff *d = p->d;
	size_t i;

	d->nindex = 0;
	if (d->n == 0)
		return 0;
	d->index = malloc(d->n * sizeof(*d->index));
	if (d->index == NULL)
		return diffp_nomem(p);
	for (i = 0; i < d->n; i++)
		if (d->files[i].status != DIFF_DELETED)
			d->index[d->nindex++] = i;
	qsort_r(d->index, d->nindex, sizeof(*d->index), cmp_path_idx, d);
	/* The filter would see only one of two entries for a path. */
	for (i = 1; i < d->nindex; i++) {
		const struct diff_file *a = &d->files[d->index[i - 1]], *b = &d->files[d->index[i]];

		char ex[64];

		if (strcmp(a->new_path, b->new_path) != 0)
			continue;
		excerpt(ex, sizeof(ex), slice_cstr(b->new_path));
		return fb_error_set(p->err, FB_EINVAL,
				    "diff line %zu: file '%s' appears twice in the diff",
				    p->starts[d->index[i]], ex);
	}
	return 0;
}

/* --- public --- */

int diff_parse(struct diff *out, const char *text, size_t len, struct fb_error *err)
{
	struct parser p;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.text = text;
	p.len = len;
	p.d = out;
	p.err = err;
	while (rc == 0 && next_line(&p))
		rc = p.in_hunk ? hunk_line(&p) : outside_line(&p);
	if (rc == 0 && p.in_hunk) {
		char why[96];

		snprintf(why, sizeof(why), "diff ends inside a hunk (%u old and %u new lines missing)",
			 (unsigned)p.old_left, (unsigned)p.new_left);
		rc = diffp_fail(&p, why);
	}
	if (rc == 0)
		rc = finish_file(&p);
	if (rc == 0)
		rc = build_index(&p);
	reset_file_state(&p);
	free(p.starts);
	if (rc < 0)
		diff_release(out);
	return rc;
}

void diff_release(struct diff *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		struct diff_file *f = &d->files[i];

		free(f->old_path);
		free(f->new_path);
		free(f->hunks);
		free(f->added);
		free(f->context);
	}
	free(d->files);
	free(d->index);
	memset(d, 0, sizeof(*d));
}

const struct diff_file *diff_find(const struct diff *d, const char *new_path)
{
	size_t lo = 0, hi = d->nindex;

	/* Lower bound, so a path listed twice finds its first entry. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(d->files[d->index[mid]].new_path, new_path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->nindex && strcmp(d->files[d->index[lo]].new_path, new_path) == 0)
		return &d->files[d->index[lo]];
	return NULL;
}
