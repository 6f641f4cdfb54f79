/*
 * fuzz_forge.c - libFuzzer target for what forgebot parses from forges.
 *
 * One input feeds every parser that reads forge-supplied text:
 *   - a Link header (pagination), http_link_next;
 *   - a comment body, for forgebot's hidden marker, and its outdated rewrite;
 *   - a GitLab merge request "changes" answer, rebuilt into diff text, which
 *     must then parse as a diff (or fail with a message);
 *   - note text made safe from GitLab quick actions, which must keep
 *     every byte outside the inserted U+200B marks.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyzers/diff/diff.h"
#include "../../bot/agents/publish_priv.h"
#include "../../bot/forge/gitlab_priv.h"
#include "../../bot/forge/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void changes(const char *s, size_t n)
{
	json_error_t je;
	json_t *j = json_loadb(s, n, JSON_DECODE_ANY, &je), *ch;
	struct buf b;
	size_t i;

	if (!j)
		return;
	ch = json_is_object(j) ? json_object_get(j, "changes") : j;
	buf_init(&b, (size_t)1 << 24);
	for (i = 0; json_is_array(ch) && i < json_array_size(ch); i++)
		if (gitlab_diff_change(&b, json_array_get(ch, i)) < 0)
			break;
	if (b.len) {
		struct diff d;
		struct fb_error err = { 0 };
		if (diff_parse(&d, b.ptr, b.len, &err) == 0)
			diff_release(&d);
		else if (err.msg[0] == '\0')
			abort();
	}
	buf_release(&b);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *link, *safe;
	char fp[17];
	bool outdated;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	link = http_link_next(s);
	free(link);
	if (publish_marker_parse(s, fp, &outdated) == 1) {
		struct buf b;
		buf_init(&b, (size_t)1 << 20);
		if (publish_outdated_body(&b, s, "0123456789abcdef0123456789abcdef01234567") == 0 &&
		    publish_marker_parse(buf_cstr(&b), fp, &outdated) == 1 && !outdated)
			abort(); /* the rewrite must say outdated */
		buf_release(&b);
	}
	safe = gitlab_defuse(s);
	if (safe) {
		/* Only U+200B may have been added. */
		size_t i = 0, j = 0, ls = strlen(s), lt = strlen(safe);
		while (j < lt) {
			if (i < ls && safe[j] == s[i]) {
				i++, j++;
			} else if (strncmp(safe + j, "\xE2\x80\x8B", 3) == 0) {
				j += 3;
			} else {
				abort();
			}
		}
		if (i != ls)
			abort();
		free(safe);
	}
	changes(s, size);
	free(s);
	return 0;
}
