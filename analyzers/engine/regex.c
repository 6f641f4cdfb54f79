/*
 * regex.c - PCRE2 compiled with JIT where the platform allows it.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct fb_regex {
	pcre2_code *code;
	char *pattern;
};

int fb_regex_compile(struct fb_regex **out, const char *pattern, struct fb_error *err)
{
	struct fb_regex *re;
	int errcode;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];

	*out = NULL;
	re = calloc(1, sizeof(*re));
	if (re == NULL || (re->pattern = strdup(pattern)) == NULL) {
		free(re);
		return fb_error_set(err, FB_ENOMEM, "out of memory compiling regex");
	}
	re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &errcode, &erroff, NULL);
	if (re->code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		fb_error_set(err, FB_EINVAL, "invalid regex '%s': %s at offset %zu", pattern,
			     (const char *)msg, (size_t)erroff);
		fb_regex_free(re);
		return FB_EINVAL;
	}
	/* JIT is an optimisation: without it (or on failure) matching still works. */
	(void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
	*out = re;
	return 0;
}

void fb_regex_free(struct fb_regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	free(re->pattern);
	free(re);
}

bool fb_regex_search(const struct fb_regex *re, const char *text, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (md == NULL)
		return false;
	rc = pcre2_match(re->code, (PCRE2_SPTR)text, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

const char *fb_regex_pattern(const struct fb_regex *re)
{
	return re->pattern;
}
