/* `snboot script --dry-run [--json] [--set name=value]... [--ca FILE]
 * [--http-artifacts pinned|any] [--base URL] FILE|URL` on a host: runs a
 * backend's script as the agent would, fetching chained scripts for real
 * and recording (not downloading) kernels and initrds, and prints the
 * decision. argv[0] is "script". Exit status: 0 for a decision (boot,
 * local, reboot, poweroff), 1 for "error", 2 for a bad command line. */
#ifndef SNBOOT_SCRIPT_CLI_H
#define SNBOOT_SCRIPT_CLI_H

int script_cli_main(int argc, char **argv);

#endif
