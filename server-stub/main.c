/* server-stub: the reference snboot backend. Dispatches subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct command *const commands[] = {
	&cmd_serve, &cmd_add_profile, &cmd_add_machine, &cmd_list, &cmd_ctl,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *out)
{
	fputs("usage: server-stub COMMAND [OPTIONS]\n\n"
	      "The reference snboot backend: answers agents' boot requests with iPXE\n"
	      "scripts over HTTPS and serves kernels and initrds.\n\ncommands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n'server-stub COMMAND --help' describes each command. See docs/server-stub.md.\n",
	      out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->run(commands[i], argc - 1, argv + 1);
	fprintf(stderr, "server-stub: unknown command '%s'\n\n", argv[1]);
	print_usage(stderr);
	return EXIT_USAGE;
}
