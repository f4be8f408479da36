/* Subcommands and their shared option handling. Exit codes: 0 done,
 * 1 failed, 2 usage error. */
#ifndef SERVER_STUB_CLI_H
#define SERVER_STUB_CLI_H

#include <getopt.h>

#define EXIT_USAGE 2

struct command {
	const char *name;
	const char *summary;
	const char *usage; /* full --help text */
	int (*run)(const struct command *cmd, int argc, char **argv);
};

extern const struct command cmd_serve, cmd_add_profile, cmd_add_machine, cmd_list, cmd_ctl;

/* getopt_long over long options only (plus -h). Returns the option's val,
 * -1 at the end, or '?' after printing what was wrong. */
int cli_next(const struct command *cmd, int argc, char **argv, const struct option *opts);
/* "server-stub CMD: message" and a pointer to --help; returns EXIT_USAGE. */
int cli_usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_help(const struct command *cmd);
/* Positional arguments are not taken: a usage error if any are left. */
int cli_no_operands(const struct command *cmd, int argc, char **argv);

#endif
