/*
 * main.c - forgebot's entry point and command table.
 *
 * `forgebot COMMAND [ARGS]`; `forgebot help [COMMAND]`, `forgebot COMMAND
 * --help` and `forgebot --version` work for every command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/err.h"
#include "core/suggest.h"
#include "git/git.h"

static int cmd_help(int argc, char **argv, struct cmd_ctx *ctx);
static void cmd_help_usage(FILE *out);

static const struct command commands[] = {
	{ "review", "analyze code or a change and report findings", cmd_review, cmd_review_usage },
	{ "ci", "review a pull/merge request from a CI job and publish the result", cmd_ci,
	  cmd_ci_usage },
	{ "serve", "run the webhook server and its workers", cmd_serve, cmd_serve_usage },
	{ "jobs", "list, show and retry the server's jobs", cmd_jobs, cmd_jobs_usage },
	{ "rules", "list, show and test rules", cmd_rules, cmd_rules_usage },
	{ "parse", "parse files and print syntax trees or parse statistics", cmd_parse,
	  cmd_parse_usage },
	{ "version", "print the version", cmd_version, cmd_version_usage },
	{ "help", "show help for forgebot or a command", cmd_help, cmd_help_usage },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"forgebot %s - code review, code generation and CI monitoring for GitHub and GitLab\n\n"
		"usage: forgebot COMMAND [OPTIONS]\n\ncommands:\n",
		FORGEBOT_VERSION);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\nRun 'forgebot COMMAND --help' for a command's options.\n"
		"Exit codes: 0 ok, 1 findings at or above the fail level, 2 usage, configuration,\n"
		"rule or input error, 3 internal error.\n");
}

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS + 1];
	const char *hint;
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	names[NCOMMANDS] = NULL;
	hint = suggest_closest(name, names);
	fprintf(stderr, "forgebot: unknown command '%s'%s%s%s; see 'forgebot help'\n", name,
		hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
	return EXIT_USAGE;
}

static void cmd_help_usage(FILE *out)
{
	fprintf(out, "usage: forgebot help [COMMAND]\n\nShow the list of commands, or one command's help.\n");
}

static int cmd_help(int argc, char **argv, struct cmd_ctx *ctx)
{
	const struct command *c;

	(void)ctx;
	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if ((c = find_command(argv[1])) == NULL)
		return unknown_command(argv[1]);
	c->usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx = { .argv0 = argv[0] };
	const struct command *c;
	const char *lvl = getenv("FORGEBOT_LOG_LEVEL");
	enum log_level level = LOG_WARN;

	if (lvl)
		log_level_parse(lvl, &level);
	log_init(&ctx.log, level, LOG_FORMAT_TEXT);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return cmd_version(argc - 1, argv + 1, &ctx);
	if ((c = find_command(argv[1])) == NULL)
		return unknown_command(argv[1]);
	if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		c->usage(stdout);
		return EXIT_OK;
	}
	{
		struct fb_error err = { 0 };
		int rc;

		if (fb_git_global_init(&err) < 0)
			return cmd_fail(c->name, err.code, err.msg);
		rc = c->run(argc - 1, argv + 1, &ctx);
		fb_git_global_shutdown();
		return rc;
	}
}
