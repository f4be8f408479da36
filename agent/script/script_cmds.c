/* The command table: one row per command (synonyms are extra rows), each
 * with declarative options, argument counts and a usage line, so bad input
 * is refused before a command body runs (iPXE's parseopt idea). Bodies are
 * short and leave the work to script_exec.c. docs/script.md documents every
 * row; test_script.c checks that it does. */
#include "script/script_int.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- option value parsers */

static int parse_flag(const char *text, void *field, struct sn_err *e)
{
	*(int *)field = 1;
	return SN_OK;
}

static int parse_string(const char *text, void *field, struct sn_err *e)
{
	*(const char **)field = text;
	return SN_OK;
}

/* Decimal, or hex with 0x (iPXE's parse_integer). */
static int parse_ulong(const char *text, unsigned long max, unsigned long *out,
		       struct sn_err *e)
{
	char *end;

	errno = 0;
	if (text[0] < '0' || text[0] > '9')
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "\"%.40s\"", text);
	*out = strtoul(text, &end, 0);
	if (errno || *end || *out > max)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "\"%.40s\" (0..%lu)", text, max);
	return SN_OK;
}

static int parse_uint(const char *text, void *field, struct sn_err *e)
{
	unsigned long v;
	int rc = parse_ulong(text, UINT_MAX, &v, e);

	if (rc == SN_OK)
		*(unsigned *)field = (unsigned)v;
	return rc;
}

/* For options whose default is not 0: remembers that it was given. */
struct opt_uint {
	unsigned value;
	int given;
};

static int parse_opt_uint(const char *text, void *field, struct sn_err *e)
{
	struct opt_uint *o = field;
	int rc = parse_uint(text, &o->value, e);

	o->given = rc == SN_OK;
	return rc;
}

static int parse_sha256(const char *text, void *field, struct sn_err *e)
{
	size_t n = strspn(text, "0123456789abcdefABCDEF");

	if (n != 64 || text[n])
		return sn_fail(e, SN_E_SCRIPT_BAD_SHA256, "\"%.80s\"", text);
	*(const char **)field = text;
	return SN_OK;
}

/* A key: one character, or its code ("0x02" is Ctrl-B). */
static int parse_key(const char *text, void *field, struct sn_err *e)
{
	unsigned long v;

	if (text[0] && !text[1]) {
		*(unsigned *)field = (unsigned char)text[0];
		return SN_OK;
	}
	if (parse_ulong(text, 0xffff, &v, e) != SN_OK)
		return sn_fail(e, SN_E_SCRIPT_BAD_KEY, "\"%.40s\"", text);
	*(unsigned *)field = (unsigned)v;
	return SN_OK;
}

/* ---- option structs, one per command family */

struct no_opts { int unused; };
struct echo_opts { int no_newline; };
struct fetch_opts {
	const char *name, *sha256;
	unsigned timeout_ms;
	int autofree, replace;
};
struct sanboot_opts {
	struct opt_uint drive;
	int no_describe, keep;
	const char *filename, *extra, *label, *uuid;
};
struct prompt_opts {
	unsigned key, timeout_ms;
	const char *set;
};
struct reboot_opts { int warm; };
struct net_opts {
	unsigned timeout_ms;
	const char *configurator;
};
struct menu_opts {
	const char *name;
	int delete;
};
struct item_opts {
	const char *menu;
	unsigned key;
	int is_default, gap;
};
struct choose_opts {
	const char *menu, *def;
	unsigned timeout_ms;
	int keep, autoboot;
};
struct cpuid_opts { int ext, ecx; };
struct digest_opts { const char *set; };
struct read_opts { unsigned timeout_ms; };
struct extract_opts {
	const char *name;
	int keep;
	unsigned timeout_ms;
};
struct vcreate_opts {
	struct opt_uint tag;
	unsigned priority;
};
struct verify_opts {
	const char *signer;
	int keep, require_loader, allow_pxe, allow_sbat, allow, permanent;
};

/* Room for any command's options. */
union any_opts {
	struct no_opts n;
	struct echo_opts echo;
	struct fetch_opts fetch;
	struct sanboot_opts san;
	struct prompt_opts prompt;
	struct reboot_opts reboot;
	struct net_opts net;
	struct menu_opts menu;
	struct item_opts item;
	struct choose_opts choose;
	struct cpuid_opts cpuid;
	struct digest_opts digest;
	struct read_opts read;
	struct extract_opts extract;
	struct vcreate_opts vcreate;
	struct verify_opts verify;
};

#define OPT(lname, ch, value, type, field, fn) \
	{ lname, ch, value, offsetof(type, field), fn }
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct script_opt echo_opts[] = {
	OPT("n", 'n', 0, struct echo_opts, no_newline, parse_flag),
};
static const struct script_opt fetch_opts[] = {
	OPT("name", 'n', 1, struct fetch_opts, name, parse_string),
	OPT("timeout", 't', 1, struct fetch_opts, timeout_ms, parse_uint),
	OPT("autofree", 'a', 0, struct fetch_opts, autofree, parse_flag),
	OPT("replace", 'r', 0, struct fetch_opts, replace, parse_flag),
	OPT("sha256", 0, 1, struct fetch_opts, sha256, parse_sha256),
};
/* chain/boot: --sha256 pins the chained script (or the kernel it is) */
static const struct script_opt exec_opts[] = {
	OPT("name", 'n', 1, struct fetch_opts, name, parse_string),
	OPT("timeout", 't', 1, struct fetch_opts, timeout_ms, parse_uint),
	OPT("autofree", 'a', 0, struct fetch_opts, autofree, parse_flag),
	OPT("replace", 'r', 0, struct fetch_opts, replace, parse_flag),
	OPT("sha256", 0, 1, struct fetch_opts, sha256, parse_sha256),
};
static const struct script_opt sanboot_opts[] = {
	OPT("drive", 'd', 1, struct sanboot_opts, drive, parse_opt_uint),
	OPT("no-describe", 'n', 0, struct sanboot_opts, no_describe, parse_flag),
	OPT("keep", 'k', 0, struct sanboot_opts, keep, parse_flag),
	OPT("filename", 'f', 1, struct sanboot_opts, filename, parse_string),
	OPT("extra", 'e', 1, struct sanboot_opts, extra, parse_string),
	OPT("label", 'l', 1, struct sanboot_opts, label, parse_string),
	OPT("uuid", 'u', 1, struct sanboot_opts, uuid, parse_string),
};
static const struct script_opt prompt_opts[] = {
	OPT("key", 'k', 1, struct prompt_opts, key, parse_key),
	OPT("timeout", 't', 1, struct prompt_opts, timeout_ms, parse_uint),
	OPT("set", 's', 1, struct prompt_opts, set, parse_string),
};
static const struct script_opt reboot_opts[] = {
	OPT("warm", 'w', 0, struct reboot_opts, warm, parse_flag),
};
static const struct script_opt net_opts[] = {
	OPT("timeout", 't', 1, struct net_opts, timeout_ms, parse_uint),
	OPT("configurator", 'c', 1, struct net_opts, configurator, parse_string),
};
static const struct script_opt menu_opts[] = {
	OPT("name", 'n', 1, struct menu_opts, name, parse_string),
	OPT("delete", 'd', 0, struct menu_opts, delete, parse_flag),
};
static const struct script_opt item_opts[] = {
	OPT("menu", 'm', 1, struct item_opts, menu, parse_string),
	OPT("key", 'k', 1, struct item_opts, key, parse_key),
	OPT("default", 'd', 0, struct item_opts, is_default, parse_flag),
	OPT("gap", 'g', 0, struct item_opts, gap, parse_flag),
};
static const struct script_opt choose_opts[] = {
	OPT("menu", 'm', 1, struct choose_opts, menu, parse_string),
	OPT("default", 'd', 1, struct choose_opts, def, parse_string),
	OPT("timeout", 't', 1, struct choose_opts, timeout_ms, parse_uint),
	OPT("keep", 'k', 0, struct choose_opts, keep, parse_flag),
	OPT("autoboot", 'a', 0, struct choose_opts, autoboot, parse_flag),
};
static const struct script_opt cpuid_opts[] = {
	OPT("ext", 'e', 0, struct cpuid_opts, ext, parse_flag),
	OPT("ecx", 'c', 0, struct cpuid_opts, ecx, parse_flag),
};

static const struct script_opt digest_opts[] = {
	OPT("set", 's', 1, struct digest_opts, set, parse_string),
};
static const struct script_opt read_opts[] = {
	OPT("timeout", 't', 1, struct read_opts, timeout_ms, parse_uint),
};
static const struct script_opt extract_opts[] = {
	OPT("name", 'n', 1, struct extract_opts, name, parse_string),
	OPT("keep", 'k', 0, struct extract_opts, keep, parse_flag),
	OPT("timeout", 't', 1, struct extract_opts, timeout_ms, parse_uint),
};
static const struct script_opt vcreate_opts[] = {
	OPT("tag", 't', 1, struct vcreate_opts, tag, parse_opt_uint),
	OPT("priority", 'p', 1, struct vcreate_opts, priority, parse_uint),
};
static const struct script_opt verify_opts[] = {
	OPT("signer", 's', 1, struct verify_opts, signer, parse_string),
	OPT("keep", 'k', 0, struct verify_opts, keep, parse_flag),
	OPT("require-loader", 'l', 0, struct verify_opts, require_loader, parse_flag),
	OPT("allow-pxe", 'p', 0, struct verify_opts, allow_pxe, parse_flag),
	OPT("allow-sbat", 'a', 0, struct verify_opts, allow_sbat, parse_flag),
	OPT("allow", 0, 0, struct verify_opts, allow, parse_flag),
	OPT("permanent", 0, 0, struct verify_opts, permanent, parse_flag),
};

/* ---- helpers */

static int set_setting(struct script_ctx *c, const char *name, const char *value,
		       struct sn_err *e)
{
	char key[SCRIPT_NAME_MAX + 1];
	enum script_type type;
	int rc = script_setting_key(name, key, sizeof(key), &type, e);

	if (rc != SN_OK)
		return rc;
	rc = script_set_typed(c->settings, key, value, type);
	if (rc != SN_OK)
		return sn_fail(e, rc, "%.60s", key);
	return SN_OK;
}

static int join_args(int argc, char *const *argv, char *out, size_t size,
		     struct sn_err *e)
{
	if (script_join_words(argc, argv, out, size) != 0)
		return sn_fail(e, SN_E_SCRIPT_EXPAND_TOO_LONG, "text longer than %zu bytes",
			       size - 1);
	return SN_OK;
}

/* ---- commands: settings and flow */

static int cmd_echo(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	const struct echo_opts *o = opts;
	char text[SCRIPT_EXPAND_MAX + 1];
	int rc = join_args(argc, argv, text, sizeof(text) - 1, e);

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
	int rc = join_args(argc - 1, argv + 1, value, sizeof(value), e);

	return rc != SN_OK ? rc : set_setting(c, argv[0], value, e);
}

static int cmd_clear(struct script_ctx *c, const void *opts, int argc,
		     char *const *argv, struct sn_err *e)
{
	return set_setting(c, argv[0], NULL, e);
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
	if (argc > 1 && (rc = parse_ulong(argv[1], INT32_MAX, &step, e)) != SN_OK)
		return rc;
	cur = script_get(c->settings, key);
	if (cur && parse_int32(cur, &v) != 0)
		return sn_fail(e, SN_E_SCRIPT_NOT_NUMBER, "%.60s = \"%.60s\"", key, cur);
	v += (long long)step;
	if (v > INT32_MAX)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "%.60s + %lu overflows", key, step);
	snprintf(num, sizeof(num), "%lld", v);
	return set_setting(c, key, num, e);
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

	if (argc && (rc = parse_ulong(argv[0], INT_MAX, &status, e)) != SN_OK)
		return rc;
	script_exit(c, (int)status);
	return SN_OK;
}

static int cmd_sleep(struct script_ctx *c, const void *opts, int argc,
		     char *const *argv, struct sn_err *e)
{
	unsigned long s;
	int rc = parse_ulong(argv[0], UINT_MAX, &s, e);

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
	int rc = join_args(argc, argv, text, sizeof(text) - 1, e);

	if (rc != SN_OK)
		return rc;
	if (argc && c->ops->echo) {
		strcat(text, "\n");
		c->ops->echo(c->arg, text);
	}
	return sn_fail(e, SN_E_SCRIPT_PROMPT_TIMEOUT, "no keyboard, taking the timeout path");
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

/* The agent brought the network up before asking for this script. */
static int cmd_net_up(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	script_log(c, "%s: the network is already up", c->cmd);
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

/* ---- commands: images */

static int fetch_image(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, int select, struct sn_err *e)
{
	const struct fetch_opts *o = opts;

	return script_image_fetch(c, argv[0], o->name, o->sha256, argc - 1, argv + 1,
				  select, NULL, e);
}

static int cmd_kernel(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	return fetch_image(c, opts, argc, argv, 1, e);
}

static int cmd_imgfetch(struct script_ctx *c, const void *opts, int argc,
			char *const *argv, struct sn_err *e)
{
	return fetch_image(c, opts, argc, argv, 0, e);
}

static int cmd_chain(struct script_ctx *c, const void *opts, int argc,
		     char *const *argv, struct sn_err *e)
{
	const struct fetch_opts *o = opts;

	if (argc == 0)
		return script_boot(c, NULL, e);
	return script_chain(c, argv[0], o->name, o->sha256, argc - 1, argv + 1, o->replace, e);
}

static int cmd_imgargs(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, struct sn_err *e)
{
	struct script_image *img = script_image_find(c, argv[0]);

	if (!img)
		return sn_fail(e, SN_E_SCRIPT_NO_IMAGE, "\"%.60s\"", argv[0]);
	return script_image_set_args(img, argc - 1, argv + 1, e);
}

static int cmd_imgfree(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, struct sn_err *e)
{
	if (argc == 0)
		script_images_free_all(c);
	for (int i = 0; i < argc; i++) {
		struct script_image *img = script_image_find(c, argv[i]);
		if (!img)
			return sn_fail(e, SN_E_SCRIPT_NO_IMAGE, "\"%.60s\"", argv[i]);
		script_image_free(c, img);
	}
	return SN_OK;
}

static void stat_image(struct script_ctx *c, const struct script_image *img)
{
	char line[SCRIPT_IMAGE_NAME_MAX + SCRIPT_EXPAND_MAX + 32];

	snprintf(line, sizeof(line), "%s : %s%s%s\n", img->name,
		 img->selected ? "[SELECTED]" : "[initrd]", img->args ? " " : "",
		 img->args ? img->args : "");
	if (c->ops->echo)
		c->ops->echo(c->arg, line);
}

static int cmd_imgstat(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, struct sn_err *e)
{
	for (int i = 0; i < argc; i++)
		if (!script_image_find(c, argv[i]))
			return sn_fail(e, SN_E_SCRIPT_NO_IMAGE, "\"%.60s\"", argv[i]);
	for (size_t i = 0; i < c->n_images; i++) {
		int wanted = argc == 0;
		for (int j = 0; j < argc && !wanted; j++)
			wanted = strcmp(argv[j], c->images[i].name) == 0;
		if (wanted)
			stat_image(c, &c->images[i]);
	}
	return SN_OK;
}

/* Without a root path, sanboot means "boot the local disk": the ByteDance
 * convention `sanboot --no-describe --drive 0x80`. */
static int cmd_sanboot(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, struct sn_err *e)
{
	const struct sanboot_opts *o = opts;
	struct script_result *res = c->res;

	if (argc)
		return sn_fail(e, SN_E_SCRIPT_SAN_URL, "\"%.80s\"", argv[0]);
	res->san_drive = o->drive.given ? o->drive.value : 0x80;
	res->san_no_describe = o->no_describe;
	snprintf(res->san_filename, sizeof(res->san_filename), "%s",
		 o->filename ? o->filename : "");
	script_finish(c, SCRIPT_LOCAL_BOOT, "sanboot: local disk, drive 0x%x", res->san_drive);
	return SN_OK;
}

/* An image by name, or a URL fetched and registered as one (iPXE's
 * imgacquire). */
static int acquire(struct script_ctx *c, const char *ref, struct script_image **img,
		   struct sn_err *e)
{
	if ((*img = script_image_find(c, ref)))
		return SN_OK;
	return script_image_fetch(c, ref, NULL, NULL, 0, NULL, 0, img, e);
}

/* md5sum, sha1sum, sha256sum: "<hex>  <name>" per image, as iPXE prints;
 * --set stores the (last) digest. The bytes are hashed by the agent. */
static int cmd_digest(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	const struct digest_opts *o = opts;
	const char *algo = c->cmd[0] == 'm' ? "md5" : c->cmd[3] == '1' ? "sha1" : "sha256";
	char hex[129], line[SCRIPT_IMAGE_NAME_MAX + 140];
	int rc;

	for (int i = 0; i < argc; i++) {
		struct script_image *img;
		if ((rc = acquire(c, argv[i], &img, e)) != SN_OK)
			return rc;
		if (!c->ops->digest)
			return sn_fail(e, SN_E_SCRIPT_DIGEST, "%s: the agent gives no %s hook",
				       img->name, algo);
		hex[0] = '\0';
		sn_clear(e);
		rc = c->ops->digest(c->arg, algo, img->fd, hex, sizeof(hex), e);
		if (rc != SN_OK) {
			if (e->code == SN_OK)
				sn_fail(e, SN_E_SCRIPT_DIGEST, "returned %d", rc);
			script_err_prefix(e, "%s of %s: ", algo, img->name);
			return e->code;
		}
		snprintf(line, sizeof(line), "%s  %s\n", hex, img->name);
		if (c->ops->echo)
			c->ops->echo(c->arg, line);
		if (o->set && (rc = set_setting(c, o->set, hex, e)) != SN_OK)
			return rc;
	}
	return SN_OK;
}

/* No keyboard: the line read is empty, so the setting is cleared. */
static int cmd_read(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	script_log(c, "read %s: no keyboard, the value is empty", argv[0]);
	return set_setting(c, argv[0], NULL, e);
}

/* imgextract: the hook decompresses; the result is registered under
 * --name or the name without its .gz/.xz/.zst/.Z suffix (iPXE). */
static int cmd_imgextract(struct script_ctx *c, const void *opts, int argc,
			  char *const *argv, struct sn_err *e)
{
	const struct extract_opts *o = opts;
	struct script_image *img, *old;
	char name[SCRIPT_IMAGE_NAME_MAX];
	int fd = -1, rc;

	if ((rc = acquire(c, argv[0], &img, e)) != SN_OK)
		return rc;
	if (!c->ops->extract)
		return sn_fail(e, SN_E_SCRIPT_EXTRACT, "%s: the agent gives no extract hook",
			       img->name);
	snprintf(name, sizeof(name), "%s", o->name ? o->name : img->name);
	if (!o->name) {
		char *dot = strrchr(name, '.');
		if (dot && dot != name)
			*dot = '\0';
	}
	sn_clear(e);
	rc = c->ops->extract(c->arg, img->fd, &fd, e);
	if (rc != SN_OK || fd < 0) {
		if (fd >= 0)
			close(fd);
		if (e->code == SN_OK)
			sn_fail(e, SN_E_SCRIPT_EXTRACT, "returned %d", rc);
		script_err_prefix(e, "%s: ", img->name);
		return e->code;
	}
	if (!o->keep)
		script_image_free(c, img);
	if ((old = script_image_find(c, name)))
		script_image_free(c, old);
	if (c->n_images == SCRIPT_IMAGES_MAX) {
		close(fd);
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_IMAGES, "%s: more than %u", name,
			       SCRIPT_IMAGES_MAX);
	}
	img = &c->images[c->n_images++];
	memset(img, 0, sizeof(*img));
	snprintf(img->name, sizeof(img->name), "%s", name);
	img->fd = fd;
	return SN_OK;
}

/* The interfaces snboot knows: net<N> from the agent's NIC list (its
 * net<N>/mac setting), or one vcreate made (its <name>/mac or /ip). */
static int nic_known(struct script_ctx *c, const char *name)
{
	char key[SCRIPT_NAME_MAX + 8];

	snprintf(key, sizeof(key), "%.*s/mac", (int)SCRIPT_NAME_MAX, name);
	if (script_get(c->settings, key))
		return 1;
	snprintf(key, sizeof(key), "%.*s/ip", (int)SCRIPT_NAME_MAX, name);
	return script_get(c->settings, key) != NULL;
}

static const char *nic_setting(struct script_ctx *c, int i, const char *what)
{
	char key[48];
	const char *v;

	snprintf(key, sizeof(key), "net%d/%s", i, what);
	v = script_get(c->settings, key);
	return v ? v : "";
}

/* ifstat: iPXE's two lines per interface, from what the agent knows. */
static int cmd_ifstat(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	char line[512], name[16];

	for (int j = 0; j < argc; j++)
		if (!nic_known(c, argv[j]))
			return sn_fail(e, SN_E_SCRIPT_NO_NIC, "\"%.40s\"", argv[j]);
	for (int i = 0; i < 64; i++) {
		int wanted = argc == 0;
		snprintf(name, sizeof(name), "net%d", i);
		if (!nic_known(c, name))
			break;
		for (int j = 0; j < argc && !wanted; j++)
			wanted = strcmp(argv[j], name) == 0;
		if (!wanted)
			continue;
		snprintf(line, sizeof(line),
			 "%s: %s using %s on %s (Ethernet) [%s]\n  [Link:%s]\n", name,
			 nic_setting(c, i, "mac"), *nic_setting(c, i, "chip") ?
			 nic_setting(c, i, "chip") : "?", *nic_setting(c, i, "busid") ?
			 nic_setting(c, i, "busid") : "?",
			 *nic_setting(c, i, "ip") ? "open" : "closed",
			 *nic_setting(c, i, "ip") ? "up" : "down");
		if (c->ops->echo)
			c->ops->echo(c->arg, line);
	}
	return SN_OK;
}

static int cmd_ntp(struct script_ctx *c, const void *opts, int argc,
		   char *const *argv, struct sn_err *e)
{
	int rc;

	if (!c->ops->ntp)
		return sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "ntp %.60s: the agent gives no ntp hook",
			       argv[0]);
	sn_clear(e);
	if ((rc = c->ops->ntp(c->arg, argv[0], e)) != SN_OK) {
		if (e->code == SN_OK)
			sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "returned %d", rc);
		script_err_prefix(e, "ntp %.60s: ", argv[0]);
		return e->code;
	}
	return SN_OK;
}

static int cmd_vcreate(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, struct sn_err *e)
{
	const struct vcreate_opts *o = opts;
	int rc;

	if (!o->tag.given || o->tag.value == 0 || o->tag.value > 4094)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "--tag: a VLAN tag 1..4094 is needed");
	if (o->priority > 7)
		return sn_fail(e, SN_E_SCRIPT_BAD_NUMBER, "--priority %u (0..7)", o->priority);
	if (!nic_known(c, argv[0]))
		return sn_fail(e, SN_E_SCRIPT_NO_NIC, "trunk \"%.40s\"", argv[0]);
	if (!c->ops->vcreate)
		return sn_fail(e, SN_E_SCRIPT_NO_NET_OP,
			       "vcreate %s-%u: the agent gives no VLAN hook", argv[0], o->tag.value);
	sn_clear(e);
	if ((rc = c->ops->vcreate(c->arg, argv[0], o->tag.value, o->priority, e)) != SN_OK) {
		if (e->code == SN_OK)
			sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "returned %d", rc);
		script_err_prefix(e, "vcreate %s-%u: ", argv[0], o->tag.value);
		return e->code;
	}
	return SN_OK;
}

/* dhcp/ifconf: the agent brought its NICs up before asking for the
 * script; an interface it did not configure (a VLAN from vcreate) needs
 * the dhcp hook. */
static int cmd_dhcp(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	char key[SCRIPT_NAME_MAX + 8];
	int rc;

	for (int i = 0; i < argc; i++) {
		snprintf(key, sizeof(key), "%.*s/ip", (int)SCRIPT_NAME_MAX, argv[i]);
		if (script_get(c->settings, key))
			continue;   /* configured already */
		if (c->ops->dhcp) {
			sn_clear(e);
			if ((rc = c->ops->dhcp(c->arg, argv[i], c->settings, e)) != SN_OK) {
				if (e->code == SN_OK)
					sn_fail(e, SN_E_SCRIPT_NO_NET_OP, "returned %d", rc);
				script_err_prefix(e, "%s %.40s: ", c->cmd, argv[i]);
				return e->code;
			}
			continue;
		}
		if (!nic_known(c, argv[i]))
			return sn_fail(e, SN_E_SCRIPT_NO_NIC, "\"%.40s\"", argv[i]);
	}
	script_log(c, "%s: the network is already up", c->cmd);
	return SN_OK;
}

/* Signatures are not checked: a script that needs them must not go on
 * as if they were (pin downloads with --sha256 instead). */
static int cmd_not_verified(struct script_ctx *c, const void *opts, int argc,
			    char *const *argv, struct sn_err *e)
{
	return sn_fail(e, SN_E_SCRIPT_NOT_VERIFIED, "%s: image signatures are not checked "
		       "by snboot; pin downloads with --sha256", c->cmd);
}

/* ---- commands: menus (no keyboard: choose takes the default) */

static struct script_menu *menu_find(struct script_ctx *c, const char *name)
{
	if (!name)
		return c->last_menu >= 0 ? &c->menus[c->last_menu] : NULL;
	for (size_t i = 0; i < SCRIPT_MENUS_MAX; i++)
		if (c->menus[i].used && strcmp(c->menus[i].name, name) == 0)
			return &c->menus[i];
	return NULL;
}

static int copy_name(char *out, size_t size, const char *name, struct sn_err *e)
{
	if (strlen(name) >= size)
		return sn_fail(e, SN_E_SCRIPT_LABEL_TOO_LONG, "\"%.60s\"", name);
	strcpy(out, name);
	return SN_OK;
}

static int cmd_menu(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	const struct menu_opts *o = opts;
	const char *name = o->name ? o->name : "";
	struct script_menu *m = menu_find(c, name);

	if (o->delete) {
		if (!m)
			return sn_fail(e, SN_E_SCRIPT_NO_MENU, "\"%.60s\"", name);
		m->used = 0;
		if (c->last_menu == (int)(m - c->menus))
			c->last_menu = -1;
		return SN_OK;
	}
	for (size_t i = 0; !m && i < SCRIPT_MENUS_MAX; i++)
		if (!c->menus[i].used)
			m = &c->menus[i];
	if (!m)
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_ITEMS, "more than %u menus",
			       SCRIPT_MENUS_MAX);
	memset(m, 0, sizeof(*m));
	if (copy_name(m->name, sizeof(m->name), name, e) != SN_OK)
		return e->code;
	m->used = 1;
	c->last_menu = (int)(m - c->menus);
	return SN_OK;
}

static int cmd_item(struct script_ctx *c, const void *opts, int argc,
		    char *const *argv, struct sn_err *e)
{
	const struct item_opts *o = opts;
	struct script_menu *m = menu_find(c, o->menu);
	struct script_menu_item *it;

	if (!m)
		return sn_fail(e, SN_E_SCRIPT_NO_MENU, "\"%.60s\"", o->menu ? o->menu : "");
	if (o->gap || argc == 0)
		return SN_OK;   /* a separator: nothing to choose */
	if (m->n_items == SCRIPT_MENU_ITEMS_MAX)
		return sn_fail(e, SN_E_SCRIPT_TOO_MANY_ITEMS, "more than %u items",
			       SCRIPT_MENU_ITEMS_MAX);
	it = &m->items[m->n_items];
	memset(it, 0, sizeof(*it));
	if (copy_name(it->label, sizeof(it->label), argv[0], e) != SN_OK)
		return e->code;
	script_join_words(argc - 1, argv + 1, it->text, sizeof(it->text));
	it->is_default = o->is_default;
	m->n_items++;
	return SN_OK;
}

/* iPXE's show_menu(): with --default (even an empty one) the item of that
 * label, else the first; without it the first item marked --default, else
 * the first. The timeout always runs out: there is no keyboard. */
static const struct script_menu_item *pick(const struct script_menu *m, const char *def)
{
	for (size_t i = 0; def && i < m->n_items; i++)
		if (strcmp(m->items[i].label, def) == 0)
			return &m->items[i];
	for (size_t i = 0; !def && i < m->n_items; i++)
		if (m->items[i].is_default)
			return &m->items[i];
	return m->n_items ? &m->items[0] : NULL;
}

static int cmd_choose(struct script_ctx *c, const void *opts, int argc,
		      char *const *argv, struct sn_err *e)
{
	const struct choose_opts *o = opts;
	struct script_menu *m = menu_find(c, o->menu);
	const struct script_menu_item *it;
	int rc;

	if (!m)
		return sn_fail(e, SN_E_SCRIPT_NO_MENU, "\"%.60s\"", o->menu ? o->menu : "");
	if (!(it = pick(m, o->def)))
		return sn_fail(e, SN_E_SCRIPT_MENU_EMPTY, "\"%.60s\"", m->name);
	script_log(c, "choose: no keyboard, taking \"%s\" (%s)", it->label, it->text);
	rc = set_setting(c, argv[0], it->label, e);
	if (!o->keep) {
		m->used = 0;
		if (c->last_menu == (int)(m - c->menus))
			c->last_menu = -1;
	}
	return rc;
}

/* ---- the table */

#define CMD(nm, fn, optv, mn, mx, use, sum) \
	{ { nm, use, sum, 1 }, fn, optv, ARRAY_LEN(optv), mn, mx }
#define CMD0(nm, fn, mn, mx, use, sum) \
	{ { nm, use, sum, 1 }, fn, NULL, 0, mn, mx }
#define UNSUPPORTED(nm) { { nm, NULL, "iPXE command snboot does not support", 0 }, \
			  NULL, NULL, 0, 0, 0 }
#define MANY INT_MAX

#define FETCH_USAGE "[--name <name>] [--timeout <ms>] [--autofree] [--replace] " \
		    "[--sha256 <hex>] <uri> [<argument>...]"
#define EXEC_USAGE "[--name <name>] [--timeout <ms>] [--autofree] [--replace] " \
		   "[--sha256 <hex>] [<uri>|<image>] [<argument>...]"
#define SAN_USAGE "[--drive <drive>] [--no-describe] [--keep] [--filename <path>] " \
		  "[--extra <name>] [--label <label>] [--uuid <uuid>]"

static const struct script_cmd commands[] = {
	CMD("kernel", cmd_kernel, fetch_opts, 1, MANY,
	    "kernel " FETCH_USAGE, "download a kernel and select it for boot"),
	CMD("imgselect", cmd_kernel, fetch_opts, 1, MANY,
	    "imgselect " FETCH_USAGE, "same as kernel"),
	CMD("initrd", cmd_imgfetch, fetch_opts, 1, MANY,
	    "initrd " FETCH_USAGE, "download an initrd"),
	CMD("imgfetch", cmd_imgfetch, fetch_opts, 1, MANY,
	    "imgfetch " FETCH_USAGE, "same as initrd"),
	CMD("module", cmd_imgfetch, fetch_opts, 1, MANY,
	    "module " FETCH_USAGE, "same as initrd"),
	CMD("chain", cmd_chain, exec_opts, 1, MANY,
	    "chain " EXEC_USAGE, "run a script, or boot a kernel, from a URL"),
	CMD("boot", cmd_chain, exec_opts, 0, MANY,
	    "boot " EXEC_USAGE, "boot the selected kernel, an image, or a URL"),
	CMD("imgexec", cmd_chain, exec_opts, 0, MANY,
	    "imgexec " EXEC_USAGE, "same as boot"),
	CMD0("imgargs", cmd_imgargs, 1, MANY, "imgargs <image> [<argument>...]",
	     "replace an image's command line"),
	CMD0("imgfree", cmd_imgfree, 0, MANY, "imgfree [<image>...]",
	     "forget images (all when none is named)"),
	CMD0("imgstat", cmd_imgstat, 0, MANY, "imgstat [<image>...]", "list images"),
	CMD("sanboot", cmd_sanboot, sanboot_opts, 0, MANY,
	    "sanboot " SAN_USAGE, "boot the local disk (no root path)"),
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
	CMD("dhcp", cmd_dhcp, net_opts, 0, MANY,
	    "dhcp [--timeout <ms>] [<interface>...]",
	    "the network is up; an interface made by vcreate gets DHCP"),
	CMD("ifconf", cmd_dhcp, net_opts, 0, MANY,
	    "ifconf [--configurator <name>] [--timeout <ms>] [<interface>...]",
	    "same as dhcp"),
	CMD0("ifopen", cmd_net_up, 0, MANY, "ifopen [<interface>...]",
	     "no-op: the network is up"),
	CMD("menu", cmd_menu, menu_opts, 0, MANY,
	    "menu [--name <name>] [--delete] [<title>...]", "start a menu"),
	CMD("item", cmd_item, item_opts, 0, MANY,
	    "item [--menu <menu>] [--key <key>] [--default] [--gap] [<label> [<text>...]]",
	    "add a menu item"),
	CMD("choose", cmd_choose, choose_opts, 1, 1,
	    "choose [--menu <menu>] [--default <label>] [--timeout <ms>] [--keep] "
	    "[--autoboot] <setting>", "store the default item's label in a setting"),
	CMD("cpuid", cmd_cpuid, cpuid_opts, 1, 1,
	    "cpuid [--ext] [--ecx] <bit>", "only --ext 29 (64-bit CPU) succeeds"),
	CMD("md5sum", cmd_digest, digest_opts, 1, MANY, "md5sum [--set <setting>] <uri|image>...",
	    "print the MD5 digest of images"),
	CMD("sha1sum", cmd_digest, digest_opts, 1, MANY, "sha1sum [--set <setting>] <uri|image>...",
	    "print the SHA-1 digest of images"),
	CMD("sha256sum", cmd_digest, digest_opts, 1, MANY,
	    "sha256sum [--set <setting>] <uri|image>...", "print the SHA-256 digest of images"),
	CMD("read", cmd_read, read_opts, 1, 1, "read [--timeout <ms>] <setting>",
	    "read a line: there is no keyboard, so the value is empty"),
	CMD("imgextract", cmd_imgextract, extract_opts, 1, 1,
	    "imgextract [--name <name>] [--keep] [--timeout <ms>] <uri|image>",
	    "decompress an image (gzip, zlib)"),
	CMD0("ifstat", cmd_ifstat, 0, MANY, "ifstat [<interface>...]",
	     "print the network interfaces"),
	CMD0("ntp", cmd_ntp, 1, 1, "ntp <server>", "set the clock from an NTP server"),
	CMD("vcreate", cmd_vcreate, vcreate_opts, 1, 1,
	    "vcreate --tag <tag> [--priority <priority>] <trunk interface>",
	    "create a VLAN interface <trunk>-<tag>"),
	CMD("imgverify", cmd_not_verified, verify_opts, 0, MANY,
	    "imgverify [--signer <name>] [--keep] <uri|image> <signature uri|image>",
	    "fails: signatures are not checked, pin with --sha256"),
	CMD("imgtrust", cmd_not_verified, verify_opts, 0, MANY,
	    "imgtrust [--allow] [--permanent]",
	    "fails: signatures are not checked, pin with --sha256"),
	CMD("shim", cmd_not_verified, verify_opts, 0, MANY,
	    "shim [--require-loader] [--allow-pxe] [--allow-sbat] [--keep] <uri|image>",
	    "fails: Secure Boot shims are not run, pin with --sha256"),
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

const struct script_cmd *script_cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].info.name, name) == 0)
			return &commands[i];
	return NULL;
}

const struct script_cmd_info *script_cmd_info(size_t index)
{
	return index < ARRAY_LEN(commands) ? &commands[index].info : NULL;
}

static const struct script_opt *find_opt(const struct script_cmd *cmd, const char *arg,
					 const char **value)
{
	*value = NULL;
	for (size_t i = 0; i < cmd->n_opts; i++) {
		const struct script_opt *o = &cmd->opts[i];
		if (arg[1] == '-') {
			size_t l = strlen(o->name);
			if (strncmp(arg + 2, o->name, l) == 0 &&
			    (arg[2 + l] == '\0' || arg[2 + l] == '=')) {
				if (arg[2 + l] == '=')
					*value = arg + 3 + l;
				return o;
			}
		} else if (o->letter && arg[1] == o->letter) {
			if (arg[2])
				*value = arg + 2;
			return o;
		}
	}
	return NULL;
}

/* Options come first and end at the first word not starting with '-' or
 * at "--", as with iPXE's getopt; what follows is positional. */
static int parse_options(const struct script_cmd *cmd, int argc, char **argv,
			 void *opts, int *first, struct sn_err *e)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-' && argv[i][1]) {
		const char *value, *word = argv[i];
		const struct script_opt *o;
		int rc;

		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		o = find_opt(cmd, argv[i], &value);
		if (!o || (!o->has_value && value))
			return sn_fail(e, SN_E_SCRIPT_BAD_OPTION, "\"%.40s\"; usage: %s",
				       argv[i], cmd->info.usage);
		if (o->has_value && !value) {
			if (i + 1 == argc)
				return sn_fail(e, SN_E_SCRIPT_OPTION_VALUE, "\"%.40s\"; usage: %s",
					       argv[i], cmd->info.usage);
			value = argv[++i];
		}
		rc = o->parse(value ? value : "", (char *)opts + o->offset, e);
		if (rc != SN_OK) {
			script_err_prefix(e, "%s: ", word);
			return rc;
		}
		i++;
	}
	*first = i;
	return SN_OK;
}

int script_cmd_exec(struct script_ctx *c, int argc, char **argv, struct sn_err *e)
{
	const struct script_cmd *cmd = script_cmd_find(argv[0]);
	union any_opts opts;
	int first = 1, rc, n;

	if (!cmd)
		return sn_fail(e, SN_E_SCRIPT_UNKNOWN_COMMAND, "no such command");
	if (!cmd->exec)
		return sn_fail(e, SN_E_SCRIPT_UNSUPPORTED, "iPXE command not supported by snboot");
	memset(&opts, 0, sizeof(opts));
	if ((rc = parse_options(cmd, argc, argv, &opts, &first, e)) != SN_OK)
		return rc;
	n = argc - first;
	if (n < cmd->min_args || n > cmd->max_args)
		return sn_fail(e, SN_E_SCRIPT_USAGE, "%d argument%s; usage: %s", n,
			       n == 1 ? "" : "s", cmd->info.usage);
	return cmd->exec(c, &opts, n, argv + first, e);
}
