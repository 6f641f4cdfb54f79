/*
 * report_out.c - write a review's report to a file or standard output,
 * streamed in pieces; shared by `forgebot review` and `forgebot ci`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static int write_out(const char *data, size_t len, void *payload)
{
	FILE *f = payload;

	return fwrite(data, 1, len, f) == len ? 0 : FB_EIO;
}

int cmd_report_write(const char *output, enum report_format format,
		     const struct review_result *res, struct fb_error *err)
{
	struct report_skip *skips = calloc(res->scan.nskipped + 1, sizeof(*skips));
	struct report_meta meta = { 0 };
	struct buf out;
	FILE *f = NULL;
	size_t i;
	int rc = 0;

	if (skips == NULL)
		return fb_error_set(err, FB_ENOMEM, "out of memory");
	for (i = 0; i < res->scan.nskipped; i++) {
		skips[i].path = res->scan.skipped[i].path;
		skips[i].reason = res->scan.skipped[i].reason;
	}
	f = output ? fopen(output, "wb") : stdout;
	if (f == NULL) {
		free(skips);
		return fb_error_set(err, FB_EIO, "cannot write '%s': %s", output, strerror(errno));
	}
	meta.tool_version = FORGEBOT_VERSION;
	meta.rules = &res->rules;
	meta.skipped = skips;
	meta.nskipped = res->scan.nskipped;
	meta.files_scanned = res->scan.files_scanned;
	meta.color = output == NULL && format == REPORT_TEXT && isatty(STDOUT_FILENO) &&
		     getenv("NO_COLOR") == NULL;
	meta.flush = write_out;
	meta.flush_payload = f;
	buf_init(&out, (size_t)1 << 30);
	rc = report_write(&out, format, &res->scan.findings, &meta, err);
	if (rc == 0 && (write_out(buf_cstr(&out), out.len, f) < 0 || fflush(f) != 0))
		rc = fb_error_set(err, FB_EIO, "writing the report failed: %s", strerror(errno));
	if (f != stdout && fclose(f) != 0 && rc == 0)
		rc = fb_error_set(err, FB_EIO, "cannot write '%s'", output);
	buf_release(&out);
	free(skips);
	return rc;
}
