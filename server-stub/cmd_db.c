/* add-profile, add-machine, list: the database from the command line. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "decide.h"
#include "files.h"
#include "validate.h"

enum { OPT_DB = 1, OPT_NAME, OPT_KERNEL, OPT_INITRD, OPT_CMDLINE, OPT_SERIAL, OPT_PROFILE,
       OPT_ACTION, OPT_MIRROR, OPT_HELP = 'h' };

static const struct option add_profile_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "mirror", required_argument, NULL, OPT_MIRROR },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int run_add_profile(const struct command *cmd, int argc, char **argv)
{
	const char *path = NULL;
	struct profile p = { .cmdline = "" };
	struct db *db;
	char why[256];
	int c;
	cJSON *initrds = cJSON_CreateArray(), *mirrors = cJSON_CreateArray();

	if (!initrds || !mirrors) {
		cJSON_Delete(initrds);
		cJSON_Delete(mirrors);
		return 1;
	}

	while ((c = cli_next(cmd, argc, argv, add_profile_opts)) != -1) {
		switch (c) {
		case OPT_DB: path = optarg; break;
		case OPT_NAME: p.name = optarg; break;
		case OPT_KERNEL: p.kernel = optarg; break;
		case OPT_INITRD:
			if (!p.initrd)
				p.initrd = optarg;
			cJSON_AddItemToArray(initrds, cJSON_CreateString(optarg));
			break;
		case OPT_CMDLINE: p.cmdline = optarg; break;
		case OPT_MIRROR: cJSON_AddItemToArray(mirrors, cJSON_CreateString(optarg)); break;
		case OPT_HELP: cJSON_Delete(initrds); cJSON_Delete(mirrors); return cli_help(cmd);
		default: cJSON_Delete(initrds); cJSON_Delete(mirrors); return EXIT_USAGE;
		}
	}
	int rc = EXIT_USAGE;
	const char *problem;
	if (cli_no_operands(cmd, argc, argv))
		goto out;
	if (!path || !p.name || !p.kernel || !p.initrd) {
		rc = cli_usage_error(cmd, "--db, --name, --kernel and --initrd are required");
		goto out;
	}
	if ((problem = profile_problem(p.name, p.kernel, initrds, p.cmdline, mirrors, why,
				       sizeof(why)))) {
		rc = cli_usage_error(cmd, "%s", problem);
		goto out;
	}
	rc = 1;
	if (!(p.initrds = cJSON_PrintUnformatted(initrds)) ||
	    !(p.mirrors = cJSON_PrintUnformatted(mirrors)) || db_open(path, 5000, &db) < 0)
		goto out;
	int put = db_profile_put(db, &p);
	db_close(db);
	if (put < 0)
		goto out;
	rc = 0;
	printf("profile %s: kernel %s, initrds %s, cmdline \"%s\", mirrors %s\n", p.name,
	       p.kernel, p.initrds, p.cmdline, p.mirrors);
out:
	cJSON_free(p.initrds);
	cJSON_free(p.mirrors);
	cJSON_Delete(initrds);
	cJSON_Delete(mirrors);
	return rc;
}

const struct command cmd_add_profile = {
	.name = "add-profile",
	.summary = "add or replace a boot profile (kernel, initrd, command line)",
	.run = run_add_profile,
	.usage =
	"usage: server-stub add-profile --db FILE --name NAME --kernel FILE --initrd FILE\n"
	"                               [--cmdline \"ARGS\"] [--mirror URL]...\n\n"
	"Add the profile NAME, or replace it if it exists.\n\n"
	"  --db FILE        SQLite database (created if missing)\n"
	"  --name NAME      profile name that machines refer to\n"
	"  --kernel FILE    kernel, relative to the files directory of 'serve'\n"
	"  --initrd FILE    initrd, relative to the files directory of 'serve';\n"
	"                   repeat for several (handed on in order, at most 8)\n"
	"  --cmdline ARGS   kernel command line template: ${serial}, ${hostname},\n"
	"                   ${ip}, ${prefix}, ${netmask}, ${gateway}, ${mac}, ${uuid},\n"
	"                   ${manufacturer}, ${product}, ${profile} are replaced\n"
	"                   (snboot.serial=SERIAL is appended)\n"
	"  --mirror URL     a mirror base URL (http:// or https://, ending in '/'):\n"
	"                   each kernel/initrd line gets --mirror=URL+NAME (with\n"
	"                   'serve --content-urls': URL+cas/SHA256/NAME); repeat for\n"
	"                   several, tried in order after the server (at most 8)\n"
	"  -h, --help       this text\n",
};

static const struct option add_machine_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "action", required_argument, NULL, OPT_ACTION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int run_add_machine(const struct command *cmd, int argc, char **argv)
{
	const char *path = NULL, *serial = NULL, *profile = NULL, *action = "provision";
	struct db *db;
	struct profile prof;
	int c, rc = 1;

	while ((c = cli_next(cmd, argc, argv, add_machine_opts)) != -1) {
		switch (c) {
		case OPT_DB: path = optarg; break;
		case OPT_SERIAL: serial = optarg; break;
		case OPT_PROFILE: profile = optarg; break;
		case OPT_ACTION: action = optarg; break;
		case OPT_HELP: return cli_help(cmd);
		default: return EXIT_USAGE;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_USAGE;
	if (!path || !serial)
		return cli_usage_error(cmd, "--db and --serial are required");
	const char *problem = serial_problem(serial);
	if (problem) /* the boot API's rule, so the two never disagree */
		return cli_usage_error(cmd, "--serial: %s", problem);
	int needs_profile = !strcmp(action, "provision") || !strcmp(action, "provision-once");
	if (!machine_action_is_valid(action))
		return cli_usage_error(cmd, "--action must be provision, local, provision-once, "
				       "hold or policy");
	if (needs_profile && !profile)
		return cli_usage_error(cmd, "--action %s needs --profile", action);
	if (db_open(path, 5000, &db) < 0)
		return 1;
	if (needs_profile) {
		int found = db_profile_get(db, profile, &prof);
		if (found == 0)
			fprintf(stderr, "server-stub add-machine: no profile '%s' (add it with "
				"add-profile first)\n", profile);
		if (found <= 0)
			goto out;
		profile_free(&prof);
	}
	if (db_machine_put(db, serial, action, profile) < 0)
		goto out;
	printf("machine %s: action %s, profile %s\n", serial, action, profile ? profile : "-");
	rc = 0;
out:
	db_close(db);
	return rc;
}

const struct command cmd_add_machine = {
	.name = "add-machine",
	.summary = "add a machine by serial, or change its action and profile",
	.run = run_add_machine,
	.usage =
	"usage: server-stub add-machine --db FILE --serial SERIAL --profile NAME\n"
	"                        [--action provision|local|provision-once|hold|policy]\n\n"
	"Add the machine SERIAL, or update it if it exists (its history is kept).\n\n"
	"  --db FILE        SQLite database (created if missing)\n"
	"  --serial SERIAL  the SMBIOS system serial number the agent reports\n"
	"  --profile NAME   profile to boot (must exist; optional with --action local)\n"
	"  --action ACTION  provision (default): boot the profile every time;\n"
	"                   provision-once: boot it until the target reports it is\n"
	"                   up (event stage os-up), then switch to local;\n"
	"                   local: boot the local disk; hold: answer 503 with\n"
	"                   Retry-After (wait); policy: the first matching policy\n"
	"                   decides\n"
	"  -h, --help       this text\n",
};

static const struct option list_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int print_machine(const struct machine *m, void *ctx)
{
	printf("%-24s %-15s %-16s %-21s %s\n", m->serial, m->action, m->profile ? m->profile : "-",
	       m->first_seen ? m->first_seen : "-", m->last_seen ? m->last_seen : "-");
	return 0;
}

static int run_list(const struct command *cmd, int argc, char **argv)
{
	const char *path = NULL;
	struct db *db;
	int c;

	while ((c = cli_next(cmd, argc, argv, list_opts)) != -1) {
		switch (c) {
		case OPT_DB: path = optarg; break;
		case OPT_HELP: return cli_help(cmd);
		default: return EXIT_USAGE;
		}
	}
	if (cli_no_operands(cmd, argc, argv))
		return EXIT_USAGE;
	if (!path)
		return cli_usage_error(cmd, "--db is required");
	if (db_open(path, 5000, &db) < 0)
		return 1;
	printf("%-24s %-15s %-16s %-21s %s\n", "SERIAL", "ACTION", "PROFILE", "FIRST SEEN",
	       "LAST SEEN");
	int rc = db_machines_each(db, print_machine, NULL);
	db_close(db);
	return rc ? 1 : 0;
}

const struct command cmd_list = {
	.name = "list",
	.summary = "print the machines: serial, action, profile, first/last seen",
	.run = run_list,
	.usage =
	"usage: server-stub list --db FILE\n\n"
	"Print every machine, one a line: serial, action, profile, first seen and\n"
	"last seen (UTC; '-' when it has not booted yet).\n\n"
	"  --db FILE        SQLite database\n"
	"  -h, --help       this text\n",
};
