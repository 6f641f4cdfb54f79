/*
 * github.c - GitHub Actions workflow commands, one annotation per line:
 *
 *   ::error file=src/a.c,line=3,col=5,endLine=3,endColumn=17,title=c.banned-strcpy::strcpy is banned
 *   ::notice file=big.bin,title=forgebot: file skipped::too large
 *   ::notice title=forgebot::1 finding (1 error) in 3 files; 1 file skipped
 *
 * error -> ::error, warning -> ::warning, info and hint -> ::notice.  col
 * and endColumn are given only for single-line findings (GitHub ignores
 * them otherwise).  The message carries the rule's note and the fix on
 * further lines.  Escaping per the runner: in the message `%` CR LF become
 * %25 %0D %0A; in property values `:` and `,` also become %3A %2C.
 * GitHub shows at most 10 error and 10 warning annotations per step; we
 * print them all and the summary notice last.
 */
#include "report_priv.h"

static int esc(struct buf *out, const char *s, bool property)
{
	int rc = 0;

	for (; s && *s && rc == 0; s++) {
		switch (*s) {
		case '%': rc = buf_puts(out, "%25"); break;
		case '\r': rc = buf_puts(out, "%0D"); break;
		case '\n': rc = buf_puts(out, "%0A"); break;
		case ':': rc = property ? buf_puts(out, "%3A") : buf_putc(out, ':'); break;
		case ',': rc = property ? buf_puts(out, "%2C") : buf_putc(out, ','); break;
		default:
			/* Other control bytes could confuse the log viewer. */
			rc = buf_putc(out, (unsigned char)*s < 0x20 && *s != '\t' ? '?' : *s);
		}
	}
	return rc;
}

static const char *command(enum severity s)
{
	return s == SEV_ERROR ? "error" : s == SEV_WARNING ? "warning" : "notice";
}

static int annotation(struct buf *out, const struct finding *f)
{
	int rc = buf_printf(out, "::%s file=", command(f->severity));

	if (rc == 0)
		rc = esc(out, f->path, true);
	if (rc == 0)
		rc = buf_printf(out, ",line=%u", (unsigned)f->start_line);
	if (rc == 0 && f->end_line == f->start_line)
		rc = buf_printf(out, ",col=%u,endLine=%u,endColumn=%u", (unsigned)f->start_col,
				(unsigned)f->end_line, (unsigned)f->end_col);
	else if (rc == 0)
		rc = buf_printf(out, ",endLine=%u", (unsigned)f->end_line);
	if (rc == 0)
		rc = buf_puts(out, ",title=");
	if (rc == 0)
		rc = esc(out, f->rule->id, true);
	if (rc == 0)
		rc = buf_puts(out, "::");
	if (rc == 0)
		rc = esc(out, f->message ? f->message : f->rule->id, false);
	if (rc == 0 && f->rule->note) {
		rc = buf_puts(out, "%0Anote: ");
		if (rc == 0)
			rc = esc(out, f->rule->note, false);
	}
	if (rc == 0 && f->fix) {
		rc = buf_puts(out, "%0Afix: ");
		if (rc == 0)
			rc = esc(out, f->fix, false);
	}
	return rc == 0 ? buf_putc(out, '\n') : rc;
}

int report_github(struct buf *out, const struct findings *fs, const struct report_meta *meta,
		  struct fb_error *err)
{
	struct buf summary;
	size_t i;
	int rc = 0;

	buf_init(&summary, 4096);
	for (i = 0; i < fs->n && rc == 0; i++) {
		rc = annotation(out, &fs->v[i]);
		if (rc == 0)
			rc = report_maybe_flush(out, meta, err);
	}
	for (i = 0; i < meta->nskipped && rc == 0; i++) {
		rc = buf_puts(out, "::notice file=");
		if (rc == 0)
			rc = esc(out, meta->skipped[i].path, true);
		if (rc == 0)
			rc = buf_puts(out, ",title=forgebot%3A file skipped::");
		if (rc == 0)
			rc = esc(out, meta->skipped[i].reason, false);
		if (rc == 0)
			rc = buf_putc(out, '\n');
	}
	if (rc == 0)
		rc = report_summary(&summary, fs, meta);
	if (rc == 0)
		rc = buf_puts(out, "::notice title=forgebot::");
	if (rc == 0)
		rc = esc(out, buf_cstr(&summary), false);
	if (rc == 0)
		rc = buf_putc(out, '\n');
	buf_release(&summary);
	return rc < 0 ? report_buf_fail(err, rc) : 0;
}
