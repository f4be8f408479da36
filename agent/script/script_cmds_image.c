/* Image commands: downloads (kernel, initrd and synonyms), chain/boot,
 * the image list (imgargs, imgfree, imgstat), digests, imgextract, the
 * local-disk sanboot, and the signature commands that must fail. Bodies
 * are short; the work is in script_exec.c. */
#include "script/script_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fetch_opts {
	const char *name, *sha256;
	unsigned timeout_ms;
	int autofree, replace;
	struct opt_list mirrors;
};
struct sanboot_opts {
	struct opt_uint drive;
	int no_describe, keep;
	const char *filename, *extra, *label, *uuid;
};
struct digest_opts { const char *set; };
struct extract_opts {
	const char *name;
	int keep;
	unsigned timeout_ms;
};
struct verify_opts {
	const char *signer;
	int keep, require_loader, allow_pxe, allow_sbat, allow, permanent;
};

OPTS_FIT(struct fetch_opts);
OPTS_FIT(struct sanboot_opts);
OPTS_FIT(struct digest_opts);
OPTS_FIT(struct extract_opts);
OPTS_FIT(struct verify_opts);

static const struct script_opt fetch_opts[] = {
	OPT("name", 'n', 1, struct fetch_opts, name, script_parse_string),
	OPT("timeout", 't', 1, struct fetch_opts, timeout_ms, script_parse_uint),
	OPT("autofree", 'a', 0, struct fetch_opts, autofree, script_parse_flag),
	OPT("replace", 'r', 0, struct fetch_opts, replace, script_parse_flag),
	OPT("sha256", 0, 1, struct fetch_opts, sha256, script_parse_sha256),
	OPT("mirror", 0, 1, struct fetch_opts, mirrors, script_parse_list),
};
static const struct script_opt exec_opts[] = {
	OPT("name", 'n', 1, struct fetch_opts, name, script_parse_string),
	OPT("timeout", 't', 1, struct fetch_opts, timeout_ms, script_parse_uint),
	OPT("autofree", 'a', 0, struct fetch_opts, autofree, script_parse_flag),
	OPT("replace", 'r', 0, struct fetch_opts, replace, script_parse_flag),
	OPT("sha256", 0, 1, struct fetch_opts, sha256, script_parse_sha256),
};
static const struct script_opt sanboot_opts[] = {
	OPT("drive", 'd', 1, struct sanboot_opts, drive, script_parse_opt_uint),
	OPT("no-describe", 'n', 0, struct sanboot_opts, no_describe, script_parse_flag),
	OPT("keep", 'k', 0, struct sanboot_opts, keep, script_parse_flag),
	OPT("filename", 'f', 1, struct sanboot_opts, filename, script_parse_string),
	OPT("extra", 'e', 1, struct sanboot_opts, extra, script_parse_string),
	OPT("label", 'l', 1, struct sanboot_opts, label, script_parse_string),
	OPT("uuid", 'u', 1, struct sanboot_opts, uuid, script_parse_string),
};
static const struct script_opt digest_opts[] = {
	OPT("set", 's', 1, struct digest_opts, set, script_parse_string),
};
static const struct script_opt extract_opts[] = {
	OPT("name", 'n', 1, struct extract_opts, name, script_parse_string),
	OPT("keep", 'k', 0, struct extract_opts, keep, script_parse_flag),
	OPT("timeout", 't', 1, struct extract_opts, timeout_ms, script_parse_uint),
};
static const struct script_opt verify_opts[] = {
	OPT("signer", 's', 1, struct verify_opts, signer, script_parse_string),
	OPT("keep", 'k', 0, struct verify_opts, keep, script_parse_flag),
	OPT("require-loader", 'l', 0, struct verify_opts, require_loader, script_parse_flag),
	OPT("allow-pxe", 'p', 0, struct verify_opts, allow_pxe, script_parse_flag),
	OPT("allow-sbat", 'a', 0, struct verify_opts, allow_sbat, script_parse_flag),
	OPT("allow", 0, 0, struct verify_opts, allow, script_parse_flag),
	OPT("permanent", 0, 0, struct verify_opts, permanent, script_parse_flag),
};

static int fetch_image(struct script_ctx *c, const void *opts, int argc,
		       char *const *argv, int select, struct sn_err *e)
{
	const struct fetch_opts *o = opts;

	return script_image_fetch(c, argv[0], o->name, o->sha256, o->mirrors.v, o->mirrors.n,
				  argc - 1, argv + 1, select, NULL, e);
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
	char u[SCRIPT_URL_LOG];

	if (argc)
		return sn_fail(e, SN_E_SCRIPT_SAN_URL, "\"%s\"", script_url_log(argv[0], u));
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
	return script_image_fetch(c, ref, NULL, NULL, NULL, 0, 0, NULL, 0, img, e);
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
		if (o->set && (rc = script_set_setting(c, o->set, hex, e)) != SN_OK)
			return rc;
	}
	return SN_OK;
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

/* Signatures are not checked: a script that needs them must not go on
 * as if they were (pin downloads with --sha256 instead). */
static int cmd_not_verified(struct script_ctx *c, const void *opts, int argc,
			    char *const *argv, struct sn_err *e)
{
	return sn_fail(e, SN_E_SCRIPT_NOT_VERIFIED, "%s: image signatures are not checked "
		       "by snboot; pin downloads with --sha256", c->cmd);
}

#define FETCH_USAGE "[--name <name>] [--timeout <ms>] [--autofree] [--replace] " \
		    "[--sha256 <hex>] [--mirror <uri>]... <uri> [<argument>...]"
#define EXEC_USAGE "[--name <name>] [--timeout <ms>] [--autofree] [--replace] " \
		   "[--sha256 <hex>] [<uri>|<image>] [<argument>...]"
#define SAN_USAGE "[--drive <drive>] [--no-describe] [--keep] [--filename <path>] " \
		  "[--extra <name>] [--label <label>] [--uuid <uuid>]"

const struct script_cmd script_cmds_image[] = {
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
	CMD("md5sum", cmd_digest, digest_opts, 1, MANY, "md5sum [--set <setting>] <uri|image>...",
	    "print the MD5 digest of images"),
	CMD("sha1sum", cmd_digest, digest_opts, 1, MANY, "sha1sum [--set <setting>] <uri|image>...",
	    "print the SHA-1 digest of images"),
	CMD("sha256sum", cmd_digest, digest_opts, 1, MANY,
	    "sha256sum [--set <setting>] <uri|image>...", "print the SHA-256 digest of images"),
	CMD("imgextract", cmd_imgextract, extract_opts, 1, 1,
	    "imgextract [--name <name>] [--keep] [--timeout <ms>] <uri|image>",
	    "decompress an image (gzip, zlib)"),
	CMD("imgverify", cmd_not_verified, verify_opts, 0, MANY,
	    "imgverify [--signer <name>] [--keep] <uri|image> <signature uri|image>",
	    "fails: signatures are not checked, pin with --sha256"),
	CMD("imgtrust", cmd_not_verified, verify_opts, 0, MANY,
	    "imgtrust [--allow] [--permanent]",
	    "fails: signatures are not checked, pin with --sha256"),
	CMD("shim", cmd_not_verified, verify_opts, 0, MANY,
	    "shim [--require-loader] [--allow-pxe] [--allow-sbat] [--keep] <uri|image>",
	    "fails: Secure Boot shims are not run, pin with --sha256"),
};
const size_t script_cmds_image_n = ARRAY_LEN(script_cmds_image);
