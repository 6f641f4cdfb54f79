/*
 * text.c - the human format, in the style of gcc and rustc:
 *
 *   src/a.c:3:5: error[c.banned-strcpy]: strcpy is banned
 *       3 |     strcpy(d, s);
 *         |     ^~~~~~~~~~~~
 *     = note: Use a bounded copy.
 *     = help: fix: snprintf(d, sizeof d, "%s", s)
 *
 *   1 finding (1 error) in 3 files; 1 file skipped
 *   big.bin: skipped: too large
 *
 * The caret line copies the tabs of the source line so it stays aligned,
 * and counts one column per UTF-8 character.  Control characters from the
 * scanned files (an ESC could drive the terminal) are shown as '?'.  ANSI
 * colours only when meta->color.
 */
#include "report_priv.h"

#include <string.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"

static const char *sev_color(enum severity s)
{
	switch (s) {
	case SEV_ERROR: return "\033[1;31m";
	case SEV_WARNING: return "\033[1;33m";
	case SEV_INFO: return "\033[1;34m";
	default: return "\033[1;36m";
	}
}

/* Append `s` with control characters made harmless: tabs kept when
 * `keep_tab`, newlines written as the two characters "\n" when
 * `show_newline`, every other control byte as '?'. */
static int put_clean(struct buf *out, const char *s, bool keep_tab, bool show_newline)
{
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\t' && keep_tab)
			rc = buf_putc(out, '\t');
		else if (c == '\n' && show_newline)
			rc = buf_puts(out, "\\n");
		else if (c < 0x20 || c == 0x7f)
			rc = buf_putc(out, c == '\t' || c == '\n' ? ' ' : '?');
		else
			rc = buf_putc(out, (char)c);
	}
	return rc;
}

/* Characters (not bytes) in line[from, to). */
static size_t chars_between(const char *line, size_t from, size_t to)
{
	size_t n = 0, i = from, len = strlen(line);

	if (to > len)
		to = len;
	while (i < to) {
		size_t l = report_utf8_seq(line + i, len - i);

		i += l ? l : 1;
		n++;
	}
	return n;
}

static int put_source(struct buf *out, const struct finding *f, const struct report_meta *meta)
{
	const char *line = f->line_text;
	size_t len = strlen(line), start = f->start_col - 1, end, i, span;
	int rc;

	rc = buf_printf(out, "%5u | ", (unsigned)f->start_line);
	if (rc == 0)
		rc = put_clean(out, line, true, false);
	if (rc == 0)
		rc = buf_puts(out, "\n      | ");
	if (rc < 0 || f->start_col == 0 || start > len)
		return rc < 0 ? rc : buf_putc(out, '\n');
	for (i = 0; i < start && rc == 0;) {
		size_t l = report_utf8_seq(line + i, len - i);

		rc = buf_putc(out, line[i] == '\t' ? '\t' : ' ');
		i += l ? l : 1;
	}
	end = f->end_line == f->start_line && f->end_col > f->start_col ? f->end_col - 1 : len;
	span = chars_between(line, start, end);
	if (rc == 0 && meta->color)
		rc = buf_puts(out, sev_color(f->severity));
	if (rc == 0)
		rc = buf_putc(out, '^');
	for (i = 1; i < span && rc == 0; i++)
		rc = buf_putc(out, '~');
	if (rc == 0 && meta->color)
		rc = buf_puts(out, C_RESET);
	return rc == 0 ? buf_putc(out, '\n') : rc;
}

static int put_finding(struct buf *out, const struct finding *f, const struct report_meta *meta)
{
	const char *bold = meta->color ? C_BOLD : "", *reset = meta->color ? C_RESET : "";
	const char *sev = meta->color ? sev_color(f->severity) : "";
	int rc;

	rc = buf_printf(out, "%s", bold);
	if (rc == 0)
		rc = put_clean(out, f->path, false, false);
	if (rc == 0)
		rc = buf_printf(out, ":%u:%u:%s %s%s[%s]%s: ", (unsigned)f->start_line,
				(unsigned)f->start_col, reset, sev, report_sev_name(f->severity),
				f->rule->id, reset);
	if (rc == 0)
		rc = put_clean(out, f->message ? f->message : "", false, false);
	if (rc == 0)
		rc = buf_putc(out, '\n');
	if (rc == 0 && f->line_text)
		rc = put_source(out, f, meta);
	if (rc == 0 && f->rule->note) {
		rc = buf_printf(out, "  %s= note:%s ", bold, reset);
		if (rc == 0)
			rc = put_clean(out, f->rule->note, false, false);
		if (rc == 0)
			rc = buf_putc(out, '\n');
	}
	if (rc == 0 && f->fix) {
		rc = buf_printf(out, "  %s= help:%s fix: ", bold, reset);
		if (rc == 0)
			rc = put_clean(out, f->fix, false, true);
		if (rc == 0)
			rc = buf_putc(out, '\n');
	}
	return rc == 0 ? buf_putc(out, '\n') : rc;
}

int report_text(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		struct fb_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < fs->n && rc == 0; i++) {
		rc = put_finding(out, &fs->v[i], meta);
		if (rc == 0)
			rc = report_maybe_flush(out, meta, err);
	}
	if (rc == 0)
		rc = report_summary(out, fs, meta);
	if (rc == 0)
		rc = buf_putc(out, '\n');
	for (i = 0; i < meta->nskipped && rc == 0; i++) {
		rc = put_clean(out, meta->skipped[i].path, false, false);
		if (rc == 0)
			rc = buf_puts(out, ": skipped: ");
		if (rc == 0)
			rc = put_clean(out, meta->skipped[i].reason, false, false);
		if (rc == 0)
			rc = buf_putc(out, '\n');
	}
	return rc < 0 ? report_buf_fail(err, rc) : 0;
}
