/* The local-disk boot source (see localboot.h). */
#include "boot/localboot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>

#include "boot/boot.h"
#include "boot/bootcount.h"
#include "boot/bootnext.h"
#include "boot/efivar.h"
#include "boot/fsprobe.h"
#include "core/log.h"
#include "core/report.h"

#define MNT_BASE "/run/snboot/disk"
#define DISK_WAIT_MS 5000u     /* async probes (NVMe namespaces, SCSI scans) */

static void warn_line(void *arg, const char *msg)
{
	logmsg("local", "%s", msg);
}

/* Never write a disk: the block layer refuses writes to a device marked
 * read-only, whatever a filesystem driver might try. */
static void set_readonly(int fd)
{
	int one = 1;

	(void)ioctl(fd, BLKROSET, &one);
}

int localboot_mount_disk(struct diskfs *fs, const struct blk_disk *d, int disk_index,
			 const char *dev_dir, const char *mnt_base)
{
	char dev[128], dir[256], msg[512];
	uint8_t *buf = malloc(FSPROBE_BYTES);
	int mounted = 0, fd;

	if (!buf)
		return 0;
	snprintf(dev, sizeof(dev), "%s/%s", dev_dir, d->name);
	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		set_readonly(fd);
		close(fd);
	}
	mkdir(mnt_base, 0700);
	for (int i = 0; i < d->n_parts; i++) {
		const struct blk_part *p = &d->parts[i];
		struct fs_info fi;
		ssize_t got;

		snprintf(dev, sizeof(dev), "%s/%s", dev_dir, p->name);
		fd = open(dev, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(msg, sizeof(msg), "%s: cannot open %s (%s): skipped", p->name,
				 dev, strerror(errno));
			fs->warn(fs->warn_arg, msg);
			continue;
		}
		set_readonly(fd);
		got = pread(fd, buf, FSPROBE_BYTES, 0);
		close(fd);
		if (got <= 0 || !fsprobe(buf, (size_t)got, &fi)) {
			snprintf(msg, sizeof(msg), "%s: no filesystem recognised (%llu MiB%s%s): skipped",
				 p->name, p->size_mib, p->partlabel[0] ? ", " : "", p->partlabel);
			fs->warn(fs->warn_arg, msg);
			continue;
		}
		if (!fi.mountable) {
			snprintf(msg, sizeof(msg), "%s: %s, which this image does not read: skipped",
				 p->name, fi.type);
			fs->warn(fs->warn_arg, msg);
			continue;
		}
		snprintf(dir, sizeof(dir), "%s/%s", mnt_base, p->name);
		mkdir(dir, 0700);
		if (mount(dev, dir, fi.type, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  fsprobe_ro_options(fi.type)) != 0) {
			snprintf(msg, sizeof(msg), "%s: %s (uuid %s) will not mount read-only: %s: skipped",
				 p->name, fi.type, fi.uuid[0] ? fi.uuid : "none", strerror(errno));
			fs->warn(fs->warn_arg, msg);
			rmdir(dir);
			continue;
		}
		int at = diskfs_add(fs, p->name, dir, disk_index, &fi);
		if (at < 0) {
			umount2(dir, MNT_DETACH);
			rmdir(dir);
			continue;
		}
		fs->parts[at].mounted = 1;
		snprintf(msg, sizeof(msg), "%s: %s, uuid %s%s%s, mounted read-only", p->name,
			 fi.type, fi.uuid[0] ? fi.uuid : "none", fi.label[0] ? ", label " : "",
			 fi.label);
		fs->warn(fs->warn_arg, msg);
		mounted++;
	}
	free(buf);
	return mounted;
}

void localboot_unmount(struct diskfs *fs)
{
	for (int i = 0; i < fs->n; i++) {
		if (fs->parts[i].dirfd >= 0)
			close(fs->parts[i].dirfd);
		fs->parts[i].dirfd = -1;
		/* Only what we mounted: a --dry-run PATH may be someone's mount. */
		if (fs->parts[i].mounted && umount2(fs->parts[i].dir, MNT_DETACH) == 0)
			rmdir(fs->parts[i].dir);
	}
	fs->n = 0;
}

static int same_entry(const struct boot_entry *a, const struct boot_entry *b)
{
	if (strcmp(a->part, b->part) || strcmp(a->kernel, b->kernel) ||
	    strcmp(a->cmdline, b->cmdline) || a->n_initrds != b->n_initrds)
		return 0;
	for (int i = 0; i < a->n_initrds; i++)
		if (strcmp(a->initrds[i], b->initrds[i]))
			return 0;
	return 1;
}

/* An ESP's grub.cfg that reads /boot's BLS entries (blscfg after search),
 * and /boot scanned by itself, list the same entries twice: keep the
 * first, which comes with the boot loader's own order and default. */
static void drop_duplicates(struct boot_list *l)
{
	int out = 0;

	for (int i = 0; i < l->n; i++) {
		int dup = -1;

		for (int j = 0; j < out && dup < 0; j++)
			if (same_entry(&l->v[j], &l->v[i]))
				dup = j;
		if (dup >= 0) {
			if (l->def == i)
				l->def = dup;
			continue;
		}
		if (l->def == i)
			l->def = out;
		if (out != i)
			l->v[out] = l->v[i];
		out++;
	}
	l->n = out;
}

int localboot_scan(struct diskfs *fs, struct boot_list *list, struct sn_err *e)
{
	list->n = 0;
	list->def = -1;
	for (int i = 0; i < fs->n; i++) {
		int before = list->n;
		struct sn_err se;

		fs->cur = i;
		sn_clear(&se);
		(void)bootcfg_scan(&diskfs_ops, fs, list, &se);
		/* "" meant "this partition": name it, for after the scan. */
		for (int j = before; j < list->n; j++)
			if (!list->v[j].part[0])
				snprintf(list->v[j].part, sizeof(list->v[j].part), "%s",
					 fs->parts[i].ref);
	}
	fs->cur = -1;
	drop_duplicates(list);
	if (list->n == 0)
		return sn_fail(e, SN_E_LOCAL_NO_ENTRY, "no BLS entry, grub.cfg or "
			       "extlinux.conf/syslinux.cfg entry on %d mounted partition%s",
			       fs->n, fs->n == 1 ? "" : "s");
	if (list->def < 0 || list->def >= list->n)
		list->def = 0;
	return SN_OK;
}

/* ---- boot-loop counters in a UEFI variable */

static int counts_load(struct bootcount *bc)
{
	uint8_t buf[BOOTCOUNT_BYTES];
	size_t len = sizeof(buf);
	struct sn_err e;

	memset(bc, 0, sizeof(*bc));
	if (!efivar_available())
		return -1;
	if (efivar_get(BOOTCOUNT_GUID, BOOTCOUNT_VAR, NULL, buf, &len, &e) == SN_OK &&
	    bootcount_decode(buf, len, bc) != 0)
		logmsg("local", "%s-%s is not a snboot counter table: starting afresh",
		       BOOTCOUNT_VAR, BOOTCOUNT_GUID);
	return 0;
}

static void counts_save(const struct bootcount *bc)
{
	uint8_t buf[BOOTCOUNT_BYTES];
	size_t len = bootcount_encode(bc, buf);
	struct sn_err e;
	char text[512];

	if (efivar_set(BOOTCOUNT_GUID, BOOTCOUNT_VAR, EFI_VARIABLE_NV_BS_RT, buf, len, &e) != SN_OK)
		logmsg("local", "boot-loop counter not saved: %s", sn_format(&e, text, sizeof(text)));
}

/* ---- booting one entry */

static void close_image(struct boot_image *img)
{
	if (img->kernel_fd >= 0)
		close(img->kernel_fd);
	for (int i = 0; i < img->n_initrds; i++)
		if (img->initrd_fds[i] >= 0)
			close(img->initrd_fds[i]);
	img->kernel_fd = -1;
	img->n_initrds = 0;
}

static int open_image(struct diskfs *fs, const struct boot_entry *be,
		      struct boot_image *img, struct sn_err *e)
{
	struct diskfs_part *p = diskfs_find(fs, be->part);

	memset(img, 0, sizeof(*img));
	img->kernel_fd = -1;
	snprintf(img->label, sizeof(img->label), "%s", be->label);
	snprintf(img->source, sizeof(img->source), "%s", be->source);
	snprintf(img->cmdline, sizeof(img->cmdline), "%s", be->cmdline);
	if (!p)
		return sn_fail(e, SN_E_LOCAL_OPEN, "%s: its partition (%s) is not mounted",
			       be->label, be->part);
	img->kernel_fd = diskfs_open(p, be->kernel);
	if (img->kernel_fd < 0)
		return sn_fail(e, SN_E_LOCAL_OPEN, "%s: kernel %s on %s: %s", be->label,
			       be->kernel, p->name, strerror(errno));
	for (int i = 0; i < be->n_initrds && i < BOOTIMG_MAX_INITRDS; i++) {
		int fd = diskfs_open(p, be->initrds[i]);
		if (fd < 0) {
			int err = errno;
			close_image(img);
			return sn_fail(e, SN_E_LOCAL_OPEN, "%s: initrd %s on %s: %s", be->label,
				       be->initrds[i], p->name, strerror(err));
		}
		img->initrd_fds[img->n_initrds++] = fd;
	}
	return SN_OK;
}

/* Default first, then the rest in boot order. */
static int nth_candidate(const struct boot_list *l, int k)
{
	if (k == 0)
		return l->def;
	k--;
	return k < l->def ? k : k + 1;
}

static int boot_entries(struct agent *a, struct diskfs *fs, const struct boot_list *l,
			struct sn_err *e)
{
	struct bootcount bc;
	int have_counts = counts_load(&bc) == 0;
	uint32_t now = (uint32_t)time(NULL);
	char buf[512];
	int tried = 0;

	if (!have_counts)
		logmsg("local", "no UEFI variables here: boot-loop protection cannot count "
		       "across reboots (the backend still sees every local kexec)");
	for (int k = 0; k < l->n; k++) {
		const struct boot_entry *be = &l->v[nth_candidate(l, k)];
		struct diskfs_part *p = diskfs_find(fs, be->part);
		uint64_t key = bootcount_key(be, p ? p->fs.uuid : "");
		unsigned failed = have_counts ? bootcount_failed(&bc, key, now) : 0;
		struct boot_image img;
		struct sn_err be_err;

		if (failed >= a->cfg.local_tries) {
			logmsg("local", "\"%s\" was kexeced %u time%s in a row without staying up "
			       "(snboot.local_tries=%u): trying the next entry", be->label, failed,
			       failed == 1 ? "" : "s", a->cfg.local_tries);
			report_event(a, "local", "skipped", 0, be->label);
			continue;
		}
		tried++;
		logmsg("local", "booting \"%s\" (%s %s on %s%s)", be->label, be->source,
		       be->config, p ? p->name : be->part, k == 0 ? ", the default" : "");
		sn_clear(&be_err);
		if (open_image(fs, be, &img, &be_err) != SN_OK ||
		    boot_load(a, &img, &be_err) != SN_OK) {
			logmsg("local", "%s", sn_format(&be_err, buf, sizeof(buf)));
			report_event(a, "local", "failed", 0, be_err.ctx);
			close_image(&img);
			*e = be_err;
			continue;
		}
		if (have_counts) {
			bootcount_note(&bc, key, now);
			counts_save(&bc);
			logmsg("local", "attempt %u of %u for \"%s\"", failed + 1,
			       a->cfg.local_tries, be->label);
		}
		report_event(a, "local", "kexec", 0, be->label);
		boot_reboot(a, &img, &be_err);
		*e = be_err;
		close_image(&img);
	}
	if (tried == 0)
		return sn_fail(e, SN_E_LOCAL_ALL_FAILED, "all %d local entr%s worn out by "
			       "boot-loop protection (snboot.local_tries=%u)", l->n,
			       l->n == 1 ? "y is" : "ies are", a->cfg.local_tries);
	return e->code ? e->code : sn_fail(e, SN_E_LOCAL_ALL_FAILED, "no local entry booted");
}

static int wait_for_disks(struct blk_disk *disks, int max)
{
	uint64_t t0 = mono_ms();
	int n;

	while ((n = blockdev_list("/sys", disks, max)) == 0 && mono_ms() - t0 < DISK_WAIT_MS)
		mono_sleep_ms(250);
	return n;
}

int localboot_run(struct agent *a, unsigned drive, struct sn_err *e)
{
	struct blk_disk *disks = calloc(BLK_DISKS_MAX, sizeof(*disks));
	struct diskfs *fs = calloc(1, sizeof(*fs));
	struct boot_list *list = calloc(1, sizeof(*list));
	uint64_t t0 = mono_ms();
	int n, rc, only = -1;

	if (!disks || !fs || !list) {
		rc = sn_fail(e, SN_E_NOMEM, "local boot tables");
		goto out;
	}
	fs->warn = warn_line;
	fs->cur = -1;
	n = wait_for_disks(disks, BLK_DISKS_MAX);
	if (n == 0) {
		rc = sn_fail(e, SN_E_LOCAL_NO_DISK, "no local disk in /sys/block (drivers "
			     "built in: virtio-blk, NVMe, AHCI, SCSI incl. megaraid_sas, mpt3sas)");
		goto out;
	}
	for (int i = 0; i < n; i++)
		logmsg("local", "disk 0x%02x: %s (%s%s%s, %llu MiB, %d partition%s)", 0x80 + i,
		       disks[i].name, disks[i].transport, disks[i].model[0] ? ", " : "",
		       disks[i].model, disks[i].size_mib, disks[i].n_parts,
		       disks[i].n_parts == 1 ? "" : "s");
	if (drive > 0x80) {
		only = (int)(drive - 0x80);
		if (only >= n) {
			rc = sn_fail(e, SN_E_LOCAL_DRIVE, "sanboot --drive 0x%02x: only %d disk%s "
				     "(0x80..0x%02x)", drive, n, n == 1 ? "" : "s", 0x80 + n - 1);
			goto out;
		}
	}
	/* snboot.local: the firmware may boot the disk instead (BootNext).
	 * Not for sanboot --drive 0x81..: BootNext names one ESP, not a disk
	 * the backend picked. */
	if (only < 0 && (rc = bootnext_maybe(a->cfg.local, e)) != SN_OK)
		goto out;
	mkdir("/run", 0755);
	mkdir("/run/snboot", 0700);
	for (int i = 0; i < n; i++)
		if (only < 0 || i == only)
			localboot_mount_disk(fs, &disks[i], i, "/dev", MNT_BASE);
	rc = localboot_scan(fs, list, e);
	if (rc != SN_OK) {
		char why[sizeof(e->ctx)];

		snprintf(why, sizeof(why), "%s", e->ctx);
		sn_fail(e, rc, "%s; disks: %d, looked for /loader/entries/*.conf, "
			"/boot/loader/entries/*.conf, grub.cfg in /boot/grub, /boot/grub2, "
			"/grub, /EFI/*, extlinux.conf/syslinux.cfg in /boot/extlinux, /extlinux, "
			"/syslinux, /boot/syslinux", why, only < 0 ? n : 1);
		goto out;
	}
	for (int i = 0; i < list->n; i++)
		logmsg("local", "entry %d%s: \"%s\" (%s) kernel %s%s", i,
		       i == list->def ? " [default]" : "", list->v[i].label, list->v[i].source,
		       list->v[i].kernel, list->v[i].tries_left == 0 ? ", no tries left" : "");
	log_stage_done("local", mono_ms() - t0);
	rc = boot_entries(a, fs, list, e);
out:
	if (fs)
		localboot_unmount(fs);
	free(list);
	free(fs);
	free(disks);
	return rc;
}
