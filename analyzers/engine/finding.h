/*
 * finding.h - one result of a rule on a file, and a growable list of them.
 *
 * Positions are 1-based; columns count bytes (UTF-8), and end_col is the
 * column just past the match (SARIF and rdjson convention).  A finding owns
 * its strings; the rule it points to must outlive it (rules outlive every
 * review run).
 */
#ifndef FB_ENGINE_FINDING_H
#define FB_ENGINE_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "rule.h"

struct finding {
	const struct rule *rule;
	enum severity severity;  /* after .forgebot.yml overrides */
	char *path;              /* repository-relative, forward slashes */
	uint32_t start_line, start_col, end_line, end_col;
	uint32_t start_byte, end_byte;
	char *message;           /* rendered from the rule's template */
	char *fix;               /* replacement text for [start_byte, end_byte), or NULL */
	char *line_text;         /* the source line of start_line, without newline;
				  * NULL when the scan was told not to keep it */
	char fingerprint[17];    /* 16 hex digits, stable across runs, see fingerprint.h */
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

void findings_init(struct findings *fs);
void findings_release(struct findings *fs);
/* Append a zeroed finding; returns it or NULL on allocation failure. */
struct finding *findings_push(struct findings *fs);
/* Move every finding of `src` to the end of `dst`; src is left empty, its
 * array freed. */
int findings_take(struct findings *dst, struct findings *src);
void finding_release(struct finding *f);
/* Sort by path, line, column, rule id: the order every report uses. */
void findings_sort(struct findings *fs);
/* Remove findings for which keep() returns 0; order is preserved. */
void findings_filter(struct findings *fs, int (*keep)(const struct finding *f, void *payload),
		     void *payload);

#endif
