/*
 * common.c - what every command shares: exit codes and error printing,
 * and the trivial `version` command.
 */
#include <stdio.h>

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

