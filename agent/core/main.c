/* snboot agent, PID 1: identify the machine, get on the network, ask the
 * backend what to boot, boot it — or the local disk. It never exits: every
 * failure is said on the console and retried (core/policy.c decides what
 * next). Run as a command on a host (not PID 1), it offers the operators'
 * tools: `snboot localboot --dry-run ...`, `snboot script --dry-run ...`. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004   /* Linux 5.6; musl's headers may lack it */
#endif

#include "boot/localboot.h"
#include "core/agent.h"
#include "core/config.h"
#include "core/entropy.h"
#include "core/err.h"
#include "core/fdio.h"
#include "core/log.h"
#include "core/policy.h"
#include "core/shell.h"
#include "core/smbios.h"
#include "core/sysinit.h"
#include "net/bootsrc.h"
#include "script/script_cli.h"

static struct agent agent;

static void say_error(const char *stage, const struct sn_err *e)
{
	char buf[512];

	logmsg(stage, "%s", sn_format(e, buf, sizeof(buf)));
}

static void config_warn(void *arg, const struct sn_err *e)
{
	say_error((const char *)arg, e);
}

/* ---- the stages before the first attempt */

static void stage_init(struct agent *a)
{
	struct sn_err e;

	sysinit_mounts();
	sysinit_consoles();
	logmsg("init", "snboot %s starting", SNBOOT_VERSION);
	sn_clear(&e);
	if (sysinit_clock(SNBOOT_BUILD_EPOCH, &e) != SN_OK)
		say_error("init", &e);
	sysinit_loopback();
}

/* Baked /etc/snboot.conf, SMBIOS type 11, fw_cfg, then snboot.* on the kernel command line. */
static void stage_config(struct agent *a)
{
	size_t len;
	char *text;

	config_defaults(&a->cfg);
	text = read_file("/etc/snboot.conf", 65536, &len);
	if (text) {
		config_parse_file(&a->cfg, text, len, config_warn, "config");
		free(text);
	}
	/* SMBIOS type 11 OEM strings, then QEMU fw_cfg (net/bootsrc.h). */
	bootsrc_load(&a->cfg, config_warn, "config");
	text = read_file("/proc/cmdline", 8192, &len);
	if (text) {
		config_parse_cmdline(&a->cfg, text, config_warn, "config");
		free(text);
	}
}

/* The boot id only has to be unique, not secret: GRND_INSECURE does not
 * wait for the entropy pool (~1 s at this point on a machine without
 * RDRAND), which TLS needs only later, once DHCP has run. */
static void stage_boot_id(struct agent *a)
{
	unsigned char r[16] = { 0 };

	if (getrandom(r, sizeof(r), GRND_INSECURE) != (ssize_t)sizeof(r)) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)!read(fd, r, sizeof(r));
			close(fd);
		}
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* UUID v4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(a->boot_id, sizeof(a->boot_id),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
		 r[11], r[12], r[13], r[14], r[15]);
	srandom((unsigned)(r[0] | r[1] << 8 | r[2] << 16) ^ (unsigned)mono_ms());
	logmsg("init", "boot id %s", a->boot_id);
	entropy_warm_start();
}

static void stage_identify(struct agent *a)
{
	struct sn_err e;
	size_t len = 0;
	uint64_t t0 = mono_ms();
	uint8_t *table = (uint8_t *)read_file("/sys/firmware/dmi/tables/DMI", 1u << 20, &len);

	sn_clear(&e);
	memset(&a->id, 0, sizeof(a->id));
	if (!table) {
		logmsg("identify", "no SMBIOS table (/sys/firmware/dmi/tables/DMI unreadable)");
	} else {
		if (smbios_parse(table, len, &a->id, &e) != SN_OK)
			say_error("identify", &e);
		free(table);
	}
	if (a->cfg.serial[0]) {
		snprintf(a->id.serial, sizeof(a->id.serial), "%s", a->cfg.serial);
		snprintf(a->id.serial_source, sizeof(a->id.serial_source), "cmdline");
	}
	if (a->id.serial[0])
		logmsg("identify", "serial %s (from %s), uuid %s, %s %s", a->id.serial,
		       a->id.serial_source, a->id.uuid[0] ? a->id.uuid : "none",
		       a->id.manufacturer, a->id.product);
	else
		logmsg("identify", "no usable serial number in SMBIOS (system \"%s\", "
		       "board \"%s\", chassis \"%s\"); reporting none, uuid %s",
		       a->id.system_serial, a->id.board_serial, a->id.chassis_serial,
		       a->id.uuid[0] ? a->id.uuid : "none");
	log_stage_done("identify", mono_ms() - t0);
}

static void stage_boot(struct agent *a)
{
	policy_run(a);   /* network, backend, script, local disk: never returns */
}

static void (*const stages[])(struct agent *) = {
	stage_init, stage_config, shell_stage, stage_boot_id, stage_identify, stage_boot,
};

/* ---- as a command on a host */

static void print_help(void)
{
	size_t n;
	const struct config_param *p = config_params(&n);

	printf("snboot %s: network boot agent (runs as PID 1 inside the snboot image)\n\n"
	       "Commands on a host:\n"
	       "  snboot localboot --dry-run [--json] PATH...   boot entries of disks\n"
	       "  snboot script --dry-run [--json] [--set name=value]... [--ca FILE]\n"
	       "                [--http-artifacts pinned|any] FILE|URL  what a script boots\n"
	       "  snboot --help | --version\n\n"
	       "Parameters: `name = value` in /etc/snboot.conf, then\n"
	       "`snboot.<name>=<value>` on the kernel command line (later wins).\n\n",
	       SNBOOT_VERSION);
	for (size_t i = 0; i < n; i++)
		printf("  snboot.%s (%s, default %s)\n      %s\n", p[i].name, p[i].type,
		       p[i].def[0] ? p[i].def : "\"\"", p[i].summary);
	printf("\nDocumentation: docs/params/snboot.<name>.md, errors: docs/errors.md\n");
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "localboot", localboot_cli_main },
	{ "script", script_cli_main },
};

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		print_help();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("snboot %s\n", SNBOOT_VERSION);
		return 0;
	}
	for (size_t i = 0; argc > 1 && i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	if (getpid() != 1) {
		fprintf(stderr, "snboot: runs as PID 1 inside the snboot image; see --help\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		stages[i](&agent);
	return 0; /* not reached: PID 1 must not exit */
}
