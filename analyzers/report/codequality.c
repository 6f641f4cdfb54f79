/*
 * codequality.c - the GitLab Code Quality report: a JSON array of issues.
 *
 * Severities map error->critical, warning->major, info->minor, hint->info.
 * GitLab matches issues between the source and target branch reports by
 * `fingerprint`, which must be unique within a report and stable across
 * commits: it is the first 128 bits (32 hex digits) of
 *   SHA-256(finding fingerprint NUL path NUL rule id NUL occurrence)
 * where occurrence numbers findings that share the first three (the same
 * code matched twice in one file), as SARIF's primaryLocationLineHash does.
 */
#include "report_priv.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *cq_severity(enum severity s)
{
	switch (s) {
	case SEV_ERROR: return "critical";
	case SEV_WARNING: return "major";
	case SEV_INFO: return "minor";
	default: return "info";
	}
}

/* out: 33 bytes.  Returns 0, or FB_EINTERNAL if the digest fails. */
static int cq_fingerprint(char *out, const struct finding *f, uint32_t occ)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	struct buf in;
	int rc;

	buf_init(&in, 0);
	rc = buf_printf(&in, "%s%c%s%c%s%c%u", f->fingerprint, 0, f->path, 0, f->rule->id, 0,
			(unsigned)occ);
	if (rc == 0 && (!EVP_Digest(in.ptr, in.len, md, &mdlen, EVP_sha256(), NULL) || mdlen < 16))
		rc = FB_EINTERNAL;
	buf_release(&in);
	if (rc < 0)
		return rc;
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

static json_t *issue(const struct finding *f, const char *fp)
{
	return json_pack("{s:o, s:o, s:s, s:s, s:{s:o, s:{s:I, s:I}}}",
			 "description", report_jstr(f->message ? f->message : f->rule->id),
			 "check_name", report_jstr(f->rule->id),
			 "fingerprint", fp,
			 "severity", cq_severity(f->severity),
			 "location", "path", report_jstr(f->path),
			 "lines", "begin", (json_int_t)f->start_line,
			 "end", (json_int_t)(f->end_line >= f->start_line ? f->end_line : f->start_line));
}

int report_codequality(struct buf *out, const struct findings *fs,
		       const struct report_meta *meta, struct fb_error *err)
{
	json_t *root = json_array();
	uint32_t *occ = NULL;
	char fp[33];
	size_t i;
	int rc;

	(void)meta;
	if (root == NULL) {
		rc = report_nomem(err);
		goto out;
	}
	if ((rc = report_occurrences(&occ, fs, err)) < 0)
		goto out;
	for (i = 0; i < fs->n; i++) {
		rc = cq_fingerprint(fp, &fs->v[i], occ[i]);
		if (rc == FB_EINTERNAL) {
			rc = fb_error_set(err, rc, "codequality: SHA-256 failed in libcrypto");
			goto out;
		}
		if (rc < 0 || json_array_append_new(root, issue(&fs->v[i], fp)) < 0) {
			rc = report_nomem(err);
			goto out;
		}
	}
	rc = report_dump(out, root, err);
out:
	json_decref(root);
	free(occ);
	return rc;
}
