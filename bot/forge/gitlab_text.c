/*
 * gitlab_text.c - text GitLab needs prepared: note bodies made safe from
 * quick actions, and a unified diff rebuilt from an MR's changes.
 *
 * GitLab runs a note line that starts with "/word" as a quick action
 * (/close, /merge...).  gitlab_defuse() puts U+200B before such lines
 * outside code fences; inside a fence, lines stay byte for byte (a
 * suggestion must keep the exact code) unless GitLab's own line-based
 * extractor would not treat the fence as one.
 */
#include "gitlab_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZWSP "\xE2\x80\x8B" /* U+200B ZERO WIDTH SPACE */

/* The fenced code block a scan is inside. */
struct fence {
	char ch;      /* '`' or '~'; 0 outside a fence */
	size_t len;   /* length of the opening marker */
	bool guarded; /* GitLab's line-based extractor skips it too (see gitlab_defuse()) */
};

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

/* Nothing but spaces, tabs and a CR in [p, e). */
static bool blank(const char *p, const char *e)
{
	for (; p < e; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r')
			return false;
	return true;
}

/* A CommonMark fence marker on the line [p, e): up to three spaces, then a
 * run of three or more '`' or '~'.  Returns the run's length (0: none),
 * with its character in *ch and the rest of the line at *rest. */
static size_t fence_marker(const char *p, const char *e, char *ch, const char **rest)
{
	const char *q = p;
	size_t n = 0;

	while (q < e && *q == ' ' && q - p < 3)
		q++;
	if (q == e || (*q != '`' && *q != '~'))
		return 0;
	while (q + n < e && q[n] == *q)
		n++;
	if (n < 3)
		return 0;
	*ch = *q;
	*rest = q + n;
	return n;
}

static bool fence_closes(const struct fence *fc, const char *p, const char *e)
{
	const char *rest = NULL;
	char ch = 0;
	size_t n = fence_marker(p, e, &ch, &rest);

	return n >= fc->len && ch == fc->ch && blank(rest, e);
}

/* If the line [p, e) opens a fenced block, enter it in *fc, looking ahead
 * (up to `end`) for the closing line to tell whether it is guarded. */
static void fence_open(struct fence *fc, const char *p, const char *e, const char *end)
{
	const char *rest = NULL, *q, *qe;
	char ch = 0;
	size_t n = fence_marker(p, e, &ch, &rest), len;

	/* A backtick fence's info string may not hold a backtick. */
	if (n == 0 || (ch == '`' && memchr(rest, '`', (size_t)(e - rest)) != NULL))
		return;
	fc->ch = ch;
	fc->len = n;
	fc->guarded = false;
	if (ch != '`' || n != 3 || p[0] != '`')
		return;
	for (q = e; q < end; q = qe) {
		q++; /* past the '\n' */
		qe = line_end(q, end);
		if (fence_closes(fc, q, qe)) {
			len = (size_t)(qe - q);
			if (len > 0 && q[len - 1] == '\r')
				len--; /* GitLab deletes CRs before it looks */
			fc->guarded = len == 3 && memcmp(q, "```", 3) == 0;
			return;
		}
	}
}

/* "/word" then a blank or the end of the line: the shape of a quick action
 * (their names are letters and underscores). */
static bool quick_action_like(const char *p, const char *e)
{
	const char *q = p + 1;

	if (p == e || *p != '/')
		return false;
	while (q < e && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			 (*q >= '0' && *q <= '9') || *q == '_'))
		q++;
	return q > p + 1 && (q == e || *q == ' ' || *q == '\t' || *q == '\r');
}

/*
 * A malloc'd copy of `text` (NULL: "") from which GitLab will read no quick
 * action; NULL when out of memory.
 *
 * Outside fenced code, every line whose first non-blank character is "/"
 * gets U+200B ZERO WIDTH SPACE before the slash: invisible, and unlike a
 * leading space it survives Markdown's list and paragraph rules.  Lines in
 * a ``` or ~~~ fence are code (a suggestion block must stay byte for byte)
 * and are left alone, with one exception: GitLab's line-based extractor
 * (lib/gitlab/quick_actions/extractor.rb) only skips a block that opens
 * with ``` at the start of a line and closes with a line that is exactly
 * ```.  In any other fence (indented, ~~~, longer, unclosed) a line shaped
 * like a command ("/word", then a blank or the end) is escaped too.
 */
char *gitlab_defuse(const char *text)
{
	const char *p = text ? text : "", *end = p + strlen(p);
	struct fence fc = { 0 };
	struct buf b;
	int rc = 0;

	buf_init(&b, 0);
	while (rc == 0 && p < end) {
		const char *e = line_end(p, end), *s = p;
		const char *next = e < end ? e + 1 : end;
		bool esc;

		if (fc.ch) {
			esc = !fc.guarded && quick_action_like(p, e);
			if (fence_closes(&fc, p, e))
				fc.ch = 0;
		} else {
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			esc = s < e && *s == '/';
			fence_open(&fc, p, e, end); /* a fence line never starts with '/' */
		}
		if (esc) {
			rc = buf_append(&b, p, (size_t)(s - p));
			if (rc == 0)
				rc = buf_puts(&b, ZWSP);
			p = s;
		}
		if (rc == 0)
			rc = buf_append(&b, p, (size_t)(next - p));
		p = next;
	}
	if (rc < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* ---- diffs ---- */

/* Append `lead`, then prefix and path as git writes them: verbatim, or
 * C-quoted ("a/x\ty") when the path holds a control character, '"' or '\'. */
static int put_path(struct buf *b, const char *lead, const char *prefix, const char *path)
{
	static const char ctl_in[] = "\a\b\t\n\v\f\r", ctl_out[] = "abtnvfr";
	const unsigned char *s = (const unsigned char *)path;
	int rc;

	for (; *s && *s >= 0x20 && *s != 0x7f && *s != '"' && *s != '\\'; s++)
		;
	if (*s == '\0')
		return buf_printf(b, "%s%s%s", lead, prefix, path);
	rc = buf_printf(b, "%s\"%s", lead, prefix);
	for (s = (const unsigned char *)path; rc == 0 && *s; s++) {
		const char *c = *s < 0x20 ? memchr(ctl_in, *s, sizeof ctl_in - 1) : NULL;

		if (*s == '"' || *s == '\\')
			rc = buf_printf(b, "\\%c", *s);
		else if (c)
			rc = buf_printf(b, "\\%c", ctl_out[c - ctl_in]);
		else if (*s < 0x20 || *s == 0x7f)
			rc = buf_printf(b, "\\%03o", *s);
		else
			rc = buf_putc(b, (char)*s);
	}
	return rc == 0 ? buf_putc(b, '"') : rc;
}

/* A file mode from a change ("100644"), or NULL when absent or odd. */
static const char *mode_of(const json_t *ch, const char *key)
{
	const char *m = forge_jstr(ch, key);

	return m && strlen(m) == 6 && strspn(m, "01234567") == 6 ? m : NULL;
}

/* `diff --git` and the extended header lines git writes for a change. */
static int diff_header(struct buf *b, const json_t *ch, const char *op, const char *np)
{
	const char *am = mode_of(ch, "a_mode"), *bm = mode_of(ch, "b_mode");
	int rc = put_path(b, "diff --git ", "a/", op);

	if (rc == 0)
		rc = put_path(b, " ", "b/", np);
	if (rc == 0)
		rc = buf_putc(b, '\n');
	if (rc == 0 && forge_jbool(ch, "new_file"))
		rc = buf_printf(b, "new file mode %s\n", bm ? bm : "100644");
	else if (rc == 0 && forge_jbool(ch, "deleted_file"))
		rc = buf_printf(b, "deleted file mode %s\n", am ? am : "100644");
	else if (rc == 0 && am && bm && strcmp(am, bm) != 0)
		rc = buf_printf(b, "old mode %s\nnew mode %s\n", am, bm);
	if (rc == 0 && forge_jbool(ch, "renamed_file")) {
		rc = put_path(b, "rename from ", "", op);
		if (rc == 0)
			rc = put_path(b, "\nrename to ", "", np);
		if (rc == 0)
			rc = buf_putc(b, '\n');
	}
	return rc;
}

/*
 * One change as git diff text.  The ---/+++ lines come only with hunks, as
 * git writes them (an empty new file or a pure rename has none).  Text that
 * is neither hunks nor a "Binary files" line is left out rather than
 * handed to the strict diff parser.  A change without a path is skipped.
 */
int gitlab_diff_change(struct buf *b, const json_t *ch)
{
	const char *op = forge_jstr(ch, "old_path"), *np = forge_jstr(ch, "new_path");
	const char *diff = forge_jstr(ch, "diff");
	bool hunks = diff && strncmp(diff, "@@ ", 3) == 0;
	int rc;

	op = op && *op ? op : np;
	np = np && *np ? np : op;
	if (np == NULL || *np == '\0')
		return 0;
	rc = diff_header(b, ch, op, np);
	if (rc == 0 && hunks) {
		rc = forge_jbool(ch, "new_file") ? buf_puts(b, "--- /dev/null")
						 : put_path(b, "--- ", "a/", op);
		if (rc == 0)
			rc = forge_jbool(ch, "deleted_file") ? buf_puts(b, "\n+++ /dev/null")
							     : put_path(b, "\n+++ ", "b/", np);
		if (rc == 0)
			rc = buf_putc(b, '\n');
	}
	if (rc == 0 && (hunks || (diff && strncmp(diff, "Binary files ", 13) == 0))) {
		rc = buf_puts(b, diff);
		if (rc == 0 && diff[strlen(diff) - 1] != '\n')
			rc = buf_putc(b, '\n');
	}
	return rc;
}
