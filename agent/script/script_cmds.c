/* The command tables: one row per command (synonyms are extra rows), each
 * with declarative options, argument counts and a usage line (parsed in
 * script_opts.c). This file holds the flow and settings commands; images
 * are in script_cmds_image.c, the network in script_cmds_net.c, menus in
 * script_cmds_menu.c. docs/script.md documents every row; test_script.c
 * checks that it does. */
#include "script/script_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdint.h>

struct echo_opts { int no_newline; };
struct prompt_opts {
	unsigned key, timeout_ms;
	const char *set;
};
struct reboot_opts { int warm; };
struct cpuid_opts { int ext, ecx; };
struct read_opts { unsigned timeout_ms; };

OPTS_FIT(struct echo_opts);
OPTS_FIT(struct prompt_opts);
OPTS_FIT(struct reboot_opts);
OPTS_FIT(struct cpuid_opts);
OPTS_FIT(struct read_opts);

static const struct script_opt echo_opts[] = {
	OPT("n", 'n', 0, struct echo_opts, no_newline, script_parse_flag),
};
static const struct script_opt prompt_opts[] = {
	OPT("key", 'k', 1, struct prompt_opts, key, script_parse_key),
	OPT("timeout", 't', 1, struct prompt_opts, timeout_ms, script_parse_uint),
	OPT("set", 's', 1, struct prompt_opts, set, script_parse_string),
};
static const struct script_opt reboot_opts[] = {
	OPT("warm", 'w', 0, struct reboot_opts, warm, script_parse_flag),
};
static const struct script_opt cpuid_opts[] = {
	OPT("ext", 'e', 0, struct cpuid_opts, ext, script_parse_flag),
	OPT("ecx", 'c', 0, struct cpuid_opts, ecx, script_parse_flag),
};
static const struct script_opt read_opts[] = {
	OPT("timeout", 't', 1, struct read_opts, timeout_ms, script_parse_uint),
};

static int cmd_echo(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	const struct echo_opts *o = opts;
	char text[SCRIPT_EXPAND_MAX + 1];
	int rc = script_join_args(argc, argv, text, sizeof(text) - 1, e);

	if (rc != SN_OK)
		return rc;
	if (!o->no_newline)
		strcat(text, "\n");
	if (c->ops->echo)
		c->ops->echo(c->arg, text);
	return SN_OK;
}

static int cmd_set(struct script_ctx *c, const void *opts, int argc,
		   char *const *argv, struct sn_err *e)
{
	char value[SCRIPT_EXPAND_MAX];
	int rc = script_join_args(argc - 1, argv + 1, value, sizeof(value), e);

	return rc != SN_OK ? rc : script_set_setting(c, argv[0], value, e);
}

static int cmd_clear(struct script_ctx *c, const void *opts, int argc,
		     char *const *argv, struct sn_err *e)
{
	return script_set_setting(c, argv[0], NULL, e);
}

static int cmd_isset(struct script_ctx *c, const void *opts, int argc,
		     char *const *argv, struct sn_err *e)
{
	return argv[0][0] ? SN_OK : sn_fail(e, SN_E_SCRIPT_ISSET_FALSE, "empty");
}

static int cmd_iseq(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	if (strcmp(argv[0], argv[1]) == 0)
		return SN_OK;
	return sn_fail(e, SN_E_SCRIPT_ISEQ_FALSE, "\"%.60s\" != \"%.60s\"", argv[0], argv[1]);
}

static int parse_int32(const char *text, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(text, &end, 0);
	return (errno || end == text || *end || *out < INT32_MIN || *out > INT32_MAX) ? -1 : 0;
}

static int cmd_inc(struct script_ctx *c, const void *opts, int argc,
		   char *const *argv, struct sn_err *e)
{
	char key[SCRIPT_NAME_MAX + 1], num[24];
	const char *cur;
	unsigned long step = 1;
	long long v = 0;
	int rc = script_setting_key(argv[0], key, sizeof(key), NULL, e);

	if (rc != SN_OK)
		return rc;
	if (argc > 1 && (rc = script_parse_ulong(argv[1], INT32_MAX, &step, e)) != SN_OK)
		return rc;
	cur = script_get(c->settings, key);
	if (cur && parse_int32(cur, &v) != 0)
		return sn_fail(e, SN_E_SCRIPT_NOT_NUMBER, "%.60s = \"%.60s\"", key, cur);
	v += (long long)step;
	if (v > INT32_MAX)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "%.60s + %lu overflows", key, step);
	snprintf(num, sizeof(num), "%lld", v);
	return script_set_setting(c, key, num, e);
}

static int cmd_goto(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	return script_goto(c, argv[0], e);
}

static int cmd_exit(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	unsigned long status = 0;
	int rc;

	if (argc && (rc = script_parse_ulong(argv[0], INT_MAX, &status, e)) != SN_OK)
		return rc;
	script_exit(c, (int)status);
	return SN_OK;
}

static int cmd_sleep(struct script_ctx *c, const void *opts, int argc,
		     char *const *argv, struct sn_err *e)
{
	unsigned long s;
	int rc = script_parse_ulong(argv[0], UINT_MAX, &s, e);

	if (rc != SN_OK)
		return rc;
	if (s > SCRIPT_SLEEP_MAX_S) {
		script_log(c, "sleep %lu: clamped to %u s", s, SCRIPT_SLEEP_MAX_S);
		s = SCRIPT_SLEEP_MAX_S;
	}
	if (c->ops->sleep_ms)
		c->ops->sleep_ms(c->arg, (unsigned)s * 1000u);
	return SN_OK;
}

/* No keyboard: every prompt times out, which scripts treat as "default". */
static int cmd_prompt(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	char text[SCRIPT_EXPAND_MAX + 1];
	int rc = script_join_args(argc, argv, text, sizeof(text) - 1, e);

	if (rc != SN_OK)
		return rc;
	if (argc && c->ops->echo) {
		strcat(text, "\n");
		c->ops->echo(c->arg, text);
	}
	return sn_fail(e, SN_E_SCRIPT_PROMPT_TIMEOUT, "no keyboard, taking the timeout path");
}

/* No keyboard: the line read is empty, so the setting is cleared. */
static int cmd_read(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	script_log(c, "read %s: no keyboard, the value is empty", argv[0]);
	return script_set_setting(c, argv[0], NULL, e);
}

static int cmd_reboot(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	script_finish(c, SCRIPT_REBOOT, "reboot");
	return SN_OK;
}

static int cmd_poweroff(struct script_ctx *c, const void *opts, int argc,
			char *const *argv, struct sn_err *e)
{
	script_finish(c, SCRIPT_POWEROFF, "poweroff");
	return SN_OK;
}

/* Scripts probe long mode with `cpuid --ext 29`; the agent is x86_64. */
static int cmd_cpuid(struct script_ctx *c, const void *opts, int argc,
		     char *const *argv, struct sn_err *e)
{
	const struct cpuid_opts *o = opts;

	if (o->ext && !o->ecx && strcmp(argv[0], "29") == 0)
		return SN_OK;
	return sn_fail(e, SN_E_SCRIPT_UNSUPPORTED, "only --ext 29 (long mode) is known");
}

const struct script_cmd script_cmds_flow[] = {
	CMD0("exit", cmd_exit, 0, 1, "exit [<status>]", "leave network boot"),
	CMD0("set", cmd_set, 1, MANY, "set <setting> [<value>...]", "set a setting"),
	CMD0("clear", cmd_clear, 1, 1, "clear <setting>", "remove a setting"),
	CMD0("isset", cmd_isset, 1, 1, "isset <value>", "succeed if the value is not empty"),
	CMD0("iseq", cmd_iseq, 2, 2, "iseq <value1> <value2>", "succeed if the values are equal"),
	CMD0("inc", cmd_inc, 1, 2, "inc <setting> [<increment>]", "add to a numeric setting"),
	CMD("echo", cmd_echo, echo_opts, 0, MANY, "echo [-n] [<text>...]",
	    "print text"),
	CMD0("sleep", cmd_sleep, 1, 1, "sleep <seconds>", "wait"),
	CMD("prompt", cmd_prompt, prompt_opts, 0, MANY,
	    "prompt [--key <key>] [--timeout <ms>] [--set <setting>] [<text>...]",
	    "wait for a key: there is none, so it fails as on timeout"),
	CMD0("goto", cmd_goto, 1, 1, "goto <label>", "continue at :label"),
	CMD("reboot", cmd_reboot, reboot_opts, 0, 0, "reboot [--warm]",
	    "reboot the machine"),
	CMD0("poweroff", cmd_poweroff, 0, 0, "poweroff", "power the machine off"),
	CMD("cpuid", cmd_cpuid, cpuid_opts, 1, 1,
	    "cpuid [--ext] [--ecx] <bit>", "only --ext 29 (64-bit CPU) succeeds"),
	CMD("read", cmd_read, read_opts, 1, 1, "read [--timeout <ms>] <setting>",
	    "read a line: there is no keyboard, so the value is empty"),
	UNSUPPORTED("sanhook"), UNSUPPORTED("sanunhook"), UNSUPPORTED("imgdecrypt"),
	UNSUPPORTED("imgmem"), UNSUPPORTED("memfetch"), UNSUPPORTED("login"),
	UNSUPPORTED("shell"), UNSUPPORTED("console"), UNSUPPORTED("colour"),
	UNSUPPORTED("cpair"), UNSUPPORTED("param"), UNSUPPORTED("params"),
	UNSUPPORTED("nslookup"), UNSUPPORTED("ping"),
	UNSUPPORTED("ifclose"), UNSUPPORTED("route"),
	UNSUPPORTED("show"), UNSUPPORTED("form"),
	UNSUPPORTED("present"), UNSUPPORTED("vdestroy"),
	UNSUPPORTED("autoboot"), UNSUPPORTED("pxebs"), UNSUPPORTED("certstore"),
	UNSUPPORTED("certfree"), UNSUPPORTED("fcstat"), UNSUPPORTED("fcels"),
	UNSUPPORTED("ibstat"), UNSUPPORTED("lotest"), UNSUPPORTED("nstat"),
	UNSUPPORTED("time"), UNSUPPORTED("sync"), UNSUPPORTED("gdbstub"),
	UNSUPPORTED("config"), UNSUPPORTED("neighbour"), UNSUPPORTED("profstat"),
};
const size_t script_cmds_flow_n = ARRAY_LEN(script_cmds_flow);
