/*
 * fingerprint.h - stable identities for findings.
 *
 * A fingerprint hashes the rule id, the path and the matched text with all
 * whitespace removed, plus the occurrence number of that same (rule, text)
 * in the file.  It does not depend on line numbers or indentation, so it
 * survives code moving within a file and re-indentation; it is the same on
 * every run.  Reports use it (SARIF partialFingerprints, Code Quality), and
 * --new-only compares head and base by it.
 */
#ifndef FB_ENGINE_FINGERPRINT_H
#define FB_ENGINE_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "finding.h"

/* 64-bit FNV-1a of the rule id, path and whitespace-free text. */
uint64_t fingerprint_base(const char *rule_id, const char *path, const char *text, size_t len);
/* Fill f->fingerprint for every finding of one file's list, in position
 * order; `bases[i]` is fingerprint_base() of finding i.  0 or FB_ENOMEM. */
int fingerprint_assign(struct finding *fs, const uint64_t *bases, size_t n);

#endif
