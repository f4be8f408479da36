/* One partition's boot entries: the well-known places probed in a fixed
 * order, each source appended in turn, the first source's default kept.
 *
 * Order: grub.cfg first (on a disk that has it, it is what the firmware's
 * grub reads; its blscfg pulls the BLS entries in with grub's variables),
 * then BLS directories grub did not read (systemd-boot's ESP or XBOOTLDR),
 * then extlinux/syslinux. Entries of all sources are kept, in that order;
 * the default is the first source's. */
#include "boot/bootcfg.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bls.h"
#include "boot/bootcfg_util.h"
#include "boot/extlinux.h"
#include "boot/grub.h"
#include "boot/grubenv.h"

static const char *const grub_paths[] = {
	"/boot/grub/grub.cfg", "/grub/grub.cfg", "/boot/grub2/grub.cfg", "/grub2/grub.cfg",
};

static const char *const extlinux_paths[] = {
	"/boot/extlinux/extlinux.conf", "/extlinux/extlinux.conf", "/boot/extlinux.conf",
	"/extlinux.conf", "/boot/syslinux/syslinux.cfg", "/syslinux/syslinux.cfg",
	"/boot/syslinux.cfg", "/syslinux.cfg", "/boot/syslinux/extlinux.conf",
	"/syslinux/extlinux.conf",
};

static const char *const bls_dirs[] = { "/loader/entries", "/boot/loader/entries" };

/* Where grub-mkconfig/grub2-mkconfig leave grubenv next to grub.cfg. */
static const char *const grubenv_paths[] = {
	"/grub2/grubenv", "/boot/grub2/grubenv", "/grub/grubenv", "/boot/grub/grubenv",
};

static const char *env_get(void *varg, const char *name)
{
	return grubenv_get(varg, name);
}

/* A /boot holding BLS entries for grub's blscfg (RHEL 8+, Fedora) has the
 * variables they use ($kernelopts) and the chosen one (saved_entry) in
 * grubenv, even when the grub.cfg that reads them is on the ESP. */
static void load_grubenv(const struct bootfs_ops *ops, void *arg, struct grubenv *env)
{
	env->n = 0;
	for (size_t i = 0; i < sizeof(grubenv_paths) / sizeof(grubenv_paths[0]); i++) {
		size_t len;
		char *buf = ops->read_file(arg, "", grubenv_paths[i], BOOTCFG_FILE_MAX, &len);

		if (!buf)
			continue;
		grubenv_parse(buf, len, grubenv_paths[i], env, ops, arg);
		free(buf);
		if (env->n)
			return;
	}
}

/* systemd-boot's /loader/loader.conf "default PATTERN": a glob over the
 * entry ids, which systemd-boot spells with ".conf"; "@saved" and the
 * other "@" values need the firmware's variables and are not followed. */
static void loader_conf_default(const struct bootfs_ops *ops, void *arg, char *pat, size_t cap)
{
	size_t len, pos = 0;
	char *buf = ops->read_file(arg, "", "/loader/loader.conf", BOOTCFG_FILE_MAX, &len);

	pat[0] = '\0';
	while (buf && pos < len) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + 1;
		s += strspn(s, " \t");
		if (n > 8 && !strncmp(s, "default", 7) && (s[7] == ' ' || s[7] == '\t')) {
			const char *v = s + 7 + strspn(s + 7, " \t");
			size_t k = (size_t)(buf + pos - 1 - v);

			while (k > 0 && strchr(" \t\r", v[k - 1]))
				k--;
			if (k && v[0] != '@')
				bcfg_copyn(pat, cap, v, k);
		}
	}
	free(buf);
}

/* The default among the BLS entries in [from, n): grubenv's next_entry
 * (once), else its saved_entry, naming an id (grub's blscfg and grubby
 * keep them there); else loader.conf's pattern; else the first. */
static int bls_default(const struct bootfs_ops *ops, void *arg, const struct boot_list *out,
		       int from, const struct grubenv *env)
{
	const char *names[] = { grubenv_get(env, "next_entry"), grubenv_get(env, "saved_entry") };
	char pat[256];

	for (int k = 0; k < 2; k++)
		for (int i = from; names[k] && names[k][0] && i < out->n; i++)
			if (!strcmp(out->v[i].id, names[k]))
				return i;
	loader_conf_default(ops, arg, pat, sizeof(pat));
	for (int i = from; pat[0] && i < out->n; i++) {
		char file[sizeof(out->v[i].id) + 5];

		snprintf(file, sizeof(file), "%s.conf", out->v[i].id);
		if (!fnmatch(pat, file, 0) || !fnmatch(pat, out->v[i].id, 0))
			return i;
	}
	if (pat[0])
		bcfg_warn(ops, arg, SN_E_BLS_DEFAULT,
			  "/loader/loader.conf: default %s matches no entry; the first one is the default",
			  pat);
	return from < out->n ? from : -1;
}

/* Drops entries in [from, n) that grub's blscfg already listed in
 * [start, from): the same file when grub reached this partition through a
 * search reference. */
static void drop_seen(struct boot_list *out, int start, int from)
{
	int k = from;

	for (int i = from; i < out->n; i++) {
		int dup = 0;

		for (int j = start; j < from && !dup; j++)
			dup = !strcmp(out->v[j].source, "bls") && !strcmp(out->v[j].id, out->v[i].id) &&
			      !strcmp(out->v[j].config, out->v[i].config) &&
			      !strcmp(out->v[j].kernel, out->v[i].kernel);
		if (!dup) {
			if (k != i)
				out->v[k] = out->v[i];
			k++;
		}
	}
	out->n = k;
}

static int scan_bls(const struct bootfs_ops *ops, void *arg, struct boot_list *out, int start,
		    int *full)
{
	struct grubenv *env = calloc(1, sizeof(*env));
	int def = -1;

	if (!env)
		return -1;
	load_grubenv(ops, arg, env);
	for (size_t i = 0; i < sizeof(bls_dirs) / sizeof(bls_dirs[0]); i++) {
		int from = out->n;

		if (bls_load(ops, arg, "", bls_dirs[i], env_get, env, out, full) <= 0)
			continue;
		drop_seen(out, start, from);
		if (def < 0 && out->n > from)
			def = bls_default(ops, arg, out, from, env);
	}
	free(env);
	return def;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first grub.cfg that yields entries: /boot/grub*, then the ESP's
 * /EFI/<vendor>/grub.cfg (vendors by name, the removable-media BOOT last). */
static int scan_grub(const struct bootfs_ops *ops, void *arg, struct boot_list *out, int *full,
		     int *read_bls)
{
	struct grub_result res;
	char **names = NULL;
	int n, def = -1;

	for (size_t i = 0; i < sizeof(grub_paths) / sizeof(grub_paths[0]); i++)
		if (grub_load(ops, arg, grub_paths[i], out, full, &res) == 0 && res.added > 0) {
			*read_bls = res.read_bls;
			return res.def;
		}
	n = ops->list_dir(arg, "", "/EFI", &names);
	if (n > 0)
		qsort(names, (size_t)n, sizeof(*names), by_name);
	for (int pass = 0; pass < 2 && def < 0; pass++)
		for (int i = 0; i < n && def < 0; i++) {
			char vendor[BOOTCFG_PATH_MAX], path[BOOTCFG_PATH_MAX];
			int boot = !strcmp(names[i], "BOOT") || !strcmp(names[i], "boot");

			if (boot != pass || bcfg_path_join(vendor, sizeof(vendor), "/EFI", names[i]) < 0 ||
			    bcfg_path_join(path, sizeof(path), vendor, "grub.cfg") < 0)
				continue;
			if (grub_load(ops, arg, path, out, full, &res) == 0 && res.added > 0) {
				*read_bls = res.read_bls;
				def = res.def;
			}
		}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return def;
}

/* The first extlinux.conf/syslinux.cfg that yields entries. */
static int scan_extlinux(const struct bootfs_ops *ops, void *arg, struct boot_list *out, int *full)
{
	for (size_t i = 0; i < sizeof(extlinux_paths) / sizeof(extlinux_paths[0]); i++) {
		int added, def;

		if (extlinux_load(ops, arg, extlinux_paths[i], out, full, &added, &def) == 0 && added > 0)
			return def;
	}
	return -1;
}

int bootcfg_scan(const struct bootfs_ops *ops, void *arg, struct boot_list *out,
		 struct sn_err *e)
{
	int start = out->n, full = 0, read_bls = 0, def;

	sn_clear(e);
	def = scan_grub(ops, arg, out, &full, &read_bls);
	if (out->def < 0 && def >= 0)
		out->def = def;
	if (!read_bls) {
		def = scan_bls(ops, arg, out, start, &full);
		if (out->def < 0 && def >= 0)
			out->def = def;
	}
	def = scan_extlinux(ops, arg, out, &full);
	if (out->def < 0 && def >= 0)
		out->def = def;
	if (out->n == start)
		return sn_fail(e, SN_E_BOOTCFG_NONE,
			       "looked for /boot/grub/grub.cfg, /grub/grub.cfg, /boot/grub2/grub.cfg, "
			       "/grub2/grub.cfg, /EFI/*/grub.cfg, /loader/entries, /boot/loader/entries, "
			       "extlinux.conf and syslinux.cfg in /boot/extlinux, /extlinux, "
			       "/boot/syslinux, /syslinux, /boot, /: nothing bootable");
	return SN_OK;
}
