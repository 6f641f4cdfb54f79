/*
 * common.c - what every command shares: exit codes and error printing,
 * and the trivial `version` command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../core/err.h"
#include "cmd.h"

int cmd_version(int argc, char **argv, struct cmd_ctx *ctx)
{
	(void)argc;
	(void)argv;
	(void)ctx;
	printf("forgebot %s\n", FORGEBOT_VERSION);
	return EXIT_OK;
}

void cmd_version_usage(FILE *out)
{
	fprintf(out, "usage: forgebot version\n\nPrint forgebot's version.\n");
}

int cmd_exit_for(int code)
{
	switch (code) {
	case FB_OK: return EXIT_OK;
	case FB_EINVAL:
	case FB_ENOTFOUND:
	case FB_ELIMIT:
	case FB_EIO:
		return EXIT_USAGE;
	default:
		return EXIT_INTERNAL;
	}
}

int cmd_fail(const char *cmd, int code, const char *msg)
{
	fprintf(stderr, "forgebot %s: %s\n", cmd, msg);
	return cmd_exit_for(code);
}


int cmd_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "forgebot %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nRun 'forgebot %s --help' for usage.\n", cmd);
	return EXIT_USAGE;
}

int cmd_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
