/*
 * publish_body.c - the Markdown forgebot posts on pull requests.
 *
 * Every comment ends with a hidden HTML marker so the next run recognises
 * it (publish.h lists them).  Generated text never starts a line with '/'
 * outside code blocks (the GitLab client escapes such lines anyway), and
 * table cells are escaped so a message with '|' or a newline cannot break
 * the summary's layout.
 */
#include "publish_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SOURCE_MAX ((size_t)8 << 20)
#define SUMMARY_TOP 10     /* findings listed in the summary's table */
#define SUMMARY_ASIDE 50   /* findings listed under "not inline" */
#define SUMMARY_SKIPS 20

static const char *sev_word(enum severity s)
{
	switch (s) {
	case SEV_ERROR: return "error";
	case SEV_WARNING: return "warning";
	case SEV_INFO: return "info";
	case SEV_HINT: return "hint";
	default: return "off";
	}
}

static const char *sev_icon(enum severity s)
{
	switch (s) {
	case SEV_ERROR: return "\xF0\x9F\x94\xB4";   /* red circle */
	case SEV_WARNING: return "\xF0\x9F\x9F\xA0"; /* orange circle */
	default: return "\xF0\x9F\x94\xB5";          /* blue circle */
	}
}

/* The longest run of backticks in s, so the fence can be longer. */
static size_t longest_backticks(const char *s, size_t n)
{
	size_t best = 0, run = 0;

	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/*
 * A suggestion replaces whole lines: the text before the match on its
 * first line, the fix, and the rest of its last line.  Returns 0 with the
 * block appended, or a negative code (then no suggestion is offered).
 */
static int suggestion(struct buf *out, const struct finding *f, enum forge_kind kind,
		      const struct publish_request *req, long *range_start)
{
	struct buf src, repl;
	size_t ls, le, fence;
	int rc;

	buf_init(&src, SOURCE_MAX);
	if ((rc = req->read_source(&src, f->path, req->read_payload)) < 0)
		goto out_src;
	rc = FB_EINVAL;
	if (f->end_byte > src.len || f->start_byte > f->end_byte)
		goto out_src;
	for (ls = f->start_byte; ls > 0 && src.ptr[ls - 1] != '\n'; ls--)
		;
	for (le = f->end_byte; le < src.len && src.ptr[le] != '\n'; le++)
		;
	buf_init(&repl, SOURCE_MAX);
	rc = buf_append(&repl, src.ptr + ls, f->start_byte - ls);
	if (rc == 0)
		rc = buf_puts(&repl, f->fix);
	if (rc == 0)
		rc = buf_append(&repl, src.ptr + f->end_byte, le - f->end_byte);
	if (rc < 0)
		goto out;
	fence = longest_backticks(repl.ptr ? repl.ptr : "", repl.len) + 1;
	if (fence < 3)
		fence = 3;
	rc = buf_printf(out, "\n%.*s", (int)fence, "``````````````````````````````");
	if (rc == 0 && kind == FORGE_GITLAB)
		rc = buf_printf(out, "suggestion:-0+%u\n", f->end_line - f->start_line);
	else if (rc == 0)
		rc = buf_puts(out, "suggestion\n");
	if (rc == 0 && repl.len)
		rc = buf_printf(out, "%s\n", buf_cstr(&repl));
	if (rc == 0)
		rc = buf_printf(out, "%.*s\n", (int)fence, "``````````````````````````````");
	*range_start = f->end_line > f->start_line ? (long)f->start_line : 0;
out:
	buf_release(&repl);
out_src:
	buf_release(&src);
	return rc;
}

int publish_comment_body(struct buf *out, const struct finding *f, enum forge_kind kind,
			 const struct publish_request *req, long *range_start)
{
	const struct rule *r = f->rule;
	size_t mark = out->len;
	int rc;

	*range_start = 0;
	rc = buf_printf(out, "%s **%s** `%s`: %s\n", sev_icon(f->severity), sev_word(f->severity),
			r->id, f->message);
	if (rc == 0 && r->note && *r->note)
		rc = buf_printf(out, "\n%s\n", r->note);
	if (rc == 0 && f->fix && req->read_source) {
		size_t before = out->len;
		if (suggestion(out, f, kind, req, range_start) < 0) {
			/* No readable source: drop the half-written block, offer no suggestion. */
			out->len = before;
			if (out->ptr)
				out->ptr[before] = '\0';
		}
	}
	if (rc == 0 && r->url && *r->url)
		rc = buf_printf(out, "\n<sub>[About this rule](%s)</sub>\n", r->url);
	if (rc == 0)
		rc = buf_printf(out, "\n<!-- forgebot:v1 fp=%s rule=%s -->\n", f->fingerprint, r->id);
	if (rc < 0) {
		out->len = mark;
		if (out->ptr)
			out->ptr[mark] = '\0';
	}
	return rc;
}

int publish_marker_parse(const char *body, char fp[17], bool *outdated)
{
	const char *m = body ? strstr(body, "<!-- forgebot:v1 fp=") : NULL;
	const char *end;
	size_t i;

	*outdated = false;
	if (!m)
		return 0;
	m += strlen("<!-- forgebot:v1 fp=");
	for (i = 0; i < 16; i++) {
		char c = m[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		fp[i] = c;
	}
	fp[16] = '\0';
	end = strstr(m, "-->");
	if (end) {
		const char *st = strstr(m, " state=outdated");
		*outdated = st && st < end;
	}
	return 1;
}

int publish_outdated_body(struct buf *out, const char *body, const char *head_sha)
{
	const char *m = strstr(body, "<!-- forgebot:v1 fp=");
	const char *end = m ? strstr(m, "-->") : NULL;
	int rc;

	if (!m || !end)
		return FB_EINVAL;
	rc = buf_printf(out, "**Outdated:** forgebot no longer finds this at `%.7s`.\n\n", head_sha);
	if (rc == 0)
		rc = buf_append(out, body, (size_t)(end - body));
	/* " state=outdated" goes just before the marker's closing "-->". */
	while (rc == 0 && out->len && out->ptr[out->len - 1] == ' ')
		out->len--;
	if (rc == 0)
		rc = buf_printf(out, " state=outdated %s", end);
	return rc;
}

/* One table cell: no newlines, no '|', bounded. */
static int put_cell(struct buf *out, const char *s, size_t max)
{
	size_t n = 0;
	int rc = 0;

	for (; s && *s && rc == 0; s++, n++) {
		if (n == max) {
			rc = buf_puts(out, "\xE2\x80\xA6");
			break;
		}
		if (*s == '|')
			rc = buf_puts(out, "\\|");
		else if (*s == '\n' || *s == '\r')
			rc = buf_putc(out, ' ');
		else
			rc = buf_putc(out, *s);
	}
	return rc;
}

static int finding_row(struct buf *out, const struct finding *f)
{
	int rc = buf_printf(out, "| %s %s | `%s` | `%s:%u` | ", sev_icon(f->severity),
			    sev_word(f->severity), f->rule->id, f->path, f->start_line);
	if (rc == 0)
		rc = put_cell(out, f->message, 200);
	return rc ? rc : buf_puts(out, " |\n");
}

static int summary_counts(struct buf *out, const struct summary_input *in)
{
	const struct findings *fs = &in->review->scan.findings;
	size_t by[SEV_OFF + 1] = { 0 };

	for (size_t i = 0; i < fs->n; i++)
		by[fs->v[i].severity <= SEV_OFF ? fs->v[i].severity : SEV_OFF]++;
	if (fs->n == 0)
		return buf_printf(out, "No findings on the changed lines at `%.7s`. \xE2\x9C\x85\n",
				  in->head_sha);
	return buf_printf(out, "**%zu finding%s** on the changed lines at `%.7s`: %zu error%s, "
			  "%zu warning%s, %zu info.\n", fs->n, fs->n == 1 ? "" : "s", in->head_sha,
			  by[SEV_ERROR], by[SEV_ERROR] == 1 ? "" : "s", by[SEV_WARNING],
			  by[SEV_WARNING] == 1 ? "" : "s", by[SEV_INFO] + by[SEV_HINT]);
}

static const char *aside_why(enum aside_reason r, size_t max)
{
	static __thread char capped[96];

	switch (r) {
	case ASIDE_OFF_DIFF: return "not on a line of the diff";
	case ASIDE_UNPLACED: return "the forge could not place it on the diff";
	case ASIDE_CAPPED:
		snprintf(capped, sizeof capped, "over this run's limit of %zu inline comments", max);
		return capped;
	default: return "";
	}
}

static int summary_aside(struct buf *out, const struct summary_input *in)
{
	const struct findings *fs = &in->review->scan.findings;
	size_t n = 0, shown = 0;
	int rc = 0;

	for (size_t i = 0; i < fs->n; i++)
		n += in->aside[i] != ASIDE_NONE;
	if (n == 0)
		return 0;
	rc = buf_printf(out, "\n<details><summary>%zu finding%s not shown inline</summary>\n\n"
			"| Severity | Rule | Location | Message | Why not inline |\n"
			"|---|---|---|---|---|\n", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < fs->n && rc == 0 && shown < SUMMARY_ASIDE; i++) {
		if (in->aside[i] == ASIDE_NONE)
			continue;
		shown++;
		rc = finding_row(out, &fs->v[i]);
		if (rc == 0) {
			out->len -= 1; /* reopen the row for one more cell */
			rc = buf_printf(out, " %s |\n", aside_why(in->aside[i], in->max_comments));
		}
	}
	if (rc == 0 && n > shown)
		rc = buf_printf(out, "\n\xE2\x80\xA6 and %zu more (see the report artifact).\n",
				n - shown);
	return rc ? rc : buf_puts(out, "\n</details>\n");
}

static int summary_skips(struct buf *out, const struct summary_input *in)
{
	const struct scan_result *s = &in->review->scan;
	int rc;

	if (s->nskipped == 0)
		return 0;
	rc = buf_printf(out, "\n**%zu file%s not analyzed:**\n", s->nskipped,
			s->nskipped == 1 ? "" : "s");
	for (size_t i = 0; i < s->nskipped && i < SUMMARY_SKIPS && rc == 0; i++)
		rc = buf_printf(out, "- `%s`: %s\n", s->skipped[i].path, s->skipped[i].reason);
	if (rc == 0 && s->nskipped > SUMMARY_SKIPS)
		rc = buf_printf(out, "- \xE2\x80\xA6 and %zu more\n", s->nskipped - SUMMARY_SKIPS);
	return rc;
}

int publish_summary_body(struct buf *out, const struct summary_input *in)
{
	const struct findings *fs = &in->review->scan.findings;
	int rc = buf_printf(out, "%s\n### forgebot review\n\n", PUBLISH_SUMMARY_MARKER);

	if (rc == 0)
		rc = summary_counts(out, in);
	if (rc == 0 && fs->n) {
		rc = buf_puts(out, "\n| Severity | Rule | Location | Message |\n|---|---|---|---|\n");
		for (size_t i = 0; i < fs->n && i < SUMMARY_TOP && rc == 0; i++)
			rc = finding_row(out, &fs->v[i]);
		if (rc == 0 && fs->n > SUMMARY_TOP)
			rc = buf_printf(out, "\n\xE2\x80\xA6 and %zu more.\n", fs->n - SUMMARY_TOP);
	}
	if (rc == 0)
		rc = summary_aside(out, in);
	if (rc == 0)
		rc = summary_skips(out, in);
	if (rc == 0)
		rc = buf_printf(out, "\n<sub>forgebot %s \xC2\xB7 %zu rules \xC2\xB7 %zu file%s "
				"reviewed", FORGEBOT_VERSION, in->review->rules.n,
				in->review->files_in_diff, in->review->files_in_diff == 1 ? "" : "s");
	if (rc == 0 && !in->comments_off)
		rc = buf_printf(out, " \xC2\xB7 inline comments: %zu new, %zu kept from earlier "
				"pushes, %zu outdated", in->posted, in->already, in->outdated);
	if (rc == 0 && in->fail_on != SEV_OFF)
		rc = buf_printf(out, " \xC2\xB7 fails on %s and above", sev_word(in->fail_on));
	return rc ? rc : buf_puts(out, "</sub>\n");
}
