#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "server-stub %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'server-stub %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

int cli_help(const struct command *cmd)
{
	fputs(cmd->usage, stdout);
	return 0;
}

int cli_next(const struct command *cmd, int argc, char **argv, const struct option *opts)
{
	opterr = 0;
	int prev = optind;
	int c = getopt_long(argc, argv, ":h", opts, NULL);
	if (c == '?') {
		cli_usage_error(cmd, "unknown option '%s'", argv[prev < argc ? prev : argc - 1]);
	} else if (c == ':') {
		cli_usage_error(cmd, "option '%s' needs a value", argv[prev < argc ? prev : argc - 1]);
		c = '?';
	}
	return c;
}

int cli_no_operands(const struct command *cmd, int argc, char **argv)
{
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}
