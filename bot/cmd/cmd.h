/*
 * cmd.h - the command table: one file per command under bot/cmd/.
 *
 * Every command is a thin adapter: parse arguments, call the action, render
 * the result, map the outcome to an exit code.
 */
#ifndef FB_CMD_H
#define FB_CMD_H

#include <stdio.h>

#include "../../analyzers/report/report.h"
#include "../agents/review.h"
#include "../core/log.h"

/* Conventional exit codes, the same for every command. */
enum {
	EXIT_OK = 0,       /* success; nothing at or above the fail level */
	EXIT_FINDINGS = 1, /* findings at or above the fail level (or tests failed) */
	EXIT_USAGE = 2,    /* bad arguments, configuration, rules or input */
	EXIT_INTERNAL = 3, /* out of memory or an unexpected library failure */
};

struct cmd_ctx {
	struct log log;
	const char *argv0;
};

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv, struct cmd_ctx *ctx);
	void (*usage)(FILE *out);
};

int cmd_review(int argc, char **argv, struct cmd_ctx *ctx);
void cmd_review_usage(FILE *out);
int cmd_rules(int argc, char **argv, struct cmd_ctx *ctx);
void cmd_rules_usage(FILE *out);
int cmd_parse(int argc, char **argv, struct cmd_ctx *ctx);
void cmd_parse_usage(FILE *out);
int cmd_ci(int argc, char **argv, struct cmd_ctx *ctx);
void cmd_ci_usage(FILE *out);
int cmd_serve(int argc, char **argv, struct cmd_ctx *ctx);
void cmd_serve_usage(FILE *out);
int cmd_jobs(int argc, char **argv, struct cmd_ctx *ctx);
void cmd_jobs_usage(FILE *out);
int cmd_version(int argc, char **argv, struct cmd_ctx *ctx);
void cmd_version_usage(FILE *out);

/* Write a review's report in `format` to `output` (NULL: standard output),
 * streamed.  FB_EIO when the file cannot be written. */
int cmd_report_write(const char *output, enum report_format format,
		     const struct review_result *res, struct fb_error *err);

/* Print "forgebot CMD: <fmt with arg>" and a pointer to --help on stderr;
 * returns EXIT_USAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, const char *arg)
	__attribute__((format(printf, 2, 0)));
/* Parse a whole decimal number in [lo, hi]; 0, or -1 when it is not one. */
int cmd_parse_long(const char *s, long lo, long hi, long *out);

/* Map an error code to an exit code: usage/input errors 2, others 3. */
int cmd_exit_for(int code);
/* Print "forgebot: <msg>" to stderr and return the exit code for `code`. */
int cmd_fail(const char *cmd, int code, const char *msg);

#endif
