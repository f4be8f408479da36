/* `snboot localboot --dry-run [--json] PATH...`: what the local-disk path
 * would boot, run on an operator's host. Each PATH is a directory holding a
 * filesystem's files, a block device, or a disk image file (attached
 * read-only through a loop device). Devices and images need root; nothing
 * is ever written to them. */
#include "boot/localboot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <linux/loop.h>

#include "boot/fsprobe.h"
#include "boot/ptable.h"
#include "core/fdio.h"

struct cli {
	struct diskfs fs;
	char tmp[64];              /* mount points and device nodes live here */
	int loop_fds[16];
	int n_loops;
	int disks;
};

static void cli_warn(void *arg, const char *msg)
{
	fprintf(stderr, "snboot localboot: %s\n", msg);
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "snboot localboot: E%04d %s\n", SN_E_LOCAL_USAGE, why);
	fprintf(stderr, "usage: snboot localboot --dry-run [--json] PATH...\n"
		"  PATH: a directory with a filesystem's files, a block device, or a disk\n"
		"  image file. Prints the boot entries found, in boot order, the default\n"
		"  marked with '*'. --json: an array of {label, kernel, initrds, cmdline,\n"
		"  default, source, fs, partition, config}.\n");
	return 2;
}

static int path_error(const char *path, const char *what, int err)
{
	fprintf(stderr, "snboot localboot: E%04d %s: %s: %s\n", SN_E_LOCAL_PATH, path, what,
		strerror(err));
	return -1;
}

/* The device nodes of d and its partitions under dir, made from sysfs's
 * major:minor (/sys/class/block/<name>/dev, disks and partitions alike): a
 * host's /dev may lack partition nodes of a fresh loop. */
static void make_nodes(const char *dir, const struct blk_disk *d)
{
	for (int i = -1; i < d->n_parts; i++) {
		const char *name = i < 0 ? d->name : d->parts[i].name;
		char sys[256], node[256];
		unsigned ma, mi;
		char *s;

		if (i >= 0 && strcmp(name, d->name) == 0)
			continue;       /* the disk itself, made already */
		snprintf(sys, sizeof(sys), "/sys/class/block/%s/dev", name);
		s = read_file(sys, 64, NULL);
		if (s && sscanf(s, "%u:%u", &ma, &mi) == 2) {
			snprintf(node, sizeof(node), "%s/%s", dir, name);
			unlink(node);
			mknod(node, S_IFBLK | 0400, makedev(ma, mi));
		}
		free(s);
	}
}

/* A partition (or a loop over one) taken as a disk of its own. */
static void single_partition(struct blk_disk *d, const char *name, int partn)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->n_parts = 1;
	snprintf(d->parts[0].name, sizeof(d->parts[0].name), "%s", name);
	d->parts[0].partn = partn;
}

/* Makes d's device nodes under tmp/dev and mounts its partitions under
 * tmp/mnt as disk number disk. */
static void mount_disk(struct cli *c, const struct blk_disk *d, int disk)
{
	char devdir[128], mnt[128];

	snprintf(devdir, sizeof(devdir), "%s/dev", c->tmp);
	snprintf(mnt, sizeof(mnt), "%s/mnt", c->tmp);
	mkdir(devdir, 0700);
	make_nodes(devdir, d);
	localboot_mount_disk(&c->fs, d, disk, devdir, mnt);
}

/* Removes the device nodes and mount points we made, then tmp itself. */
static void remove_tmp(const char *tmp)
{
	static const char *const subdirs[] = { "dev", "mnt" };
	char dir[128], path[400];

	for (size_t i = 0; i < 2; i++) {
		DIR *d;
		struct dirent *de;

		snprintf(dir, sizeof(dir), "%s/%s", tmp, subdirs[i]);
		if (!(d = opendir(dir)))
			continue;
		while ((de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
				if (unlink(path) != 0)
					rmdir(path);
			}
		closedir(d);
		rmdir(dir);
	}
	rmdir(tmp);
}

static int add_disk(struct cli *c, const char *path, const char *name)
{
	struct blk_disk d;
	char part_flag[300];
	struct stat st;
	int before = c->fs.n;

	snprintf(part_flag, sizeof(part_flag), "/sys/class/block/%s/partition", name);
	if (stat(part_flag, &st) == 0)
		single_partition(&d, name, 0);
	else if (blockdev_get("/sys", name, &d) != 0)
		return path_error(path, "not a disk with media in /sys/block", ENODEV);
	mount_disk(c, &d, c->disks++);
	if (c->fs.n == before)
		fprintf(stderr, "snboot localboot: %s: no partition could be mounted\n", path);
	return 0;
}

/* One loop device over [offset, offset+size) of the image, read-only. */
static int loop_attach(struct cli *c, const char *path, int ifd, uint64_t offset,
		       uint64_t size, int partscan, char *name, size_t name_size)
{
	struct loop_config lc;
	char dev[64];
	int ctl, n, lfd;

	if (c->n_loops >= (int)(sizeof(c->loop_fds) / sizeof(c->loop_fds[0])))
		return path_error(path, "too many loop devices", E2BIG);
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return path_error(path, "/dev/loop-control (images need root and loop devices)", errno);
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (n < 0)
		return path_error(path, "no free loop device", errno);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	lfd = open(dev, O_RDONLY | O_CLOEXEC);
	if (lfd < 0)
		return path_error(dev, "open", errno);
	memset(&lc, 0, sizeof(lc));
	lc.fd = (unsigned)ifd;
	lc.info.lo_offset = offset;
	lc.info.lo_sizelimit = size;
	lc.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR |
			   (partscan ? LO_FLAGS_PARTSCAN : 0);
	if (ioctl(lfd, LOOP_CONFIGURE, &lc) != 0) {
		int err = errno;
		close(lfd);
		return path_error(path, "LOOP_CONFIGURE", err);
	}
	c->loop_fds[c->n_loops++] = lfd;     /* AUTOCLEAR: detached when closed */
	snprintf(name, name_size, "loop%d", n);
	return 0;
}

/* The host kernel listed no partitions (built without EFI/MSDOS partition
 * support): read the table here and attach each partition by itself. */
static int attach_partitions(struct cli *c, const char *path, int ifd)
{
	uint8_t *buf = calloc(1, PTABLE_READ_BYTES);
	struct ptable_part parts[PTABLE_MAX];
	const char *kind;
	ssize_t got;
	int n, disk = c->disks++;

	if (!buf)
		return -1;
	got = pread(ifd, buf, PTABLE_READ_BYTES, 0);
	n = got > 0 ? ptable_parse(buf, (size_t)got, parts, PTABLE_MAX, &kind) : 0;
	free(buf);
	if (n <= 0)
		return 0;
	fprintf(stderr, "snboot localboot: %s: %s with %d partition%s (read here: this "
		"kernel did not list them)\n", path, kind, n, n == 1 ? "" : "s");
	for (int i = 0; i < n; i++) {
		struct blk_disk d;
		char name[32];

		if (loop_attach(c, path, ifd, parts[i].start, parts[i].size, 0, name,
				sizeof(name)) != 0)
			continue;
		single_partition(&d, name, parts[i].number);
		mount_disk(c, &d, disk);
	}
	return 0;
}

static int attach_image(struct cli *c, const char *path)
{
	struct blk_disk d;
	char name[32];
	int ifd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (ifd < 0)
		return path_error(path, "open", errno);
	if (loop_attach(c, path, ifd, 0, 0, 1, name, sizeof(name)) != 0) {
		close(ifd);
		return -1;
	}
	if (blockdev_get("/sys", name, &d) == 0 && d.n_parts == 1 && d.parts[0].partn == 0) {
		uint8_t *buf = malloc(FSPROBE_BYTES);
		struct fs_info fi;
		ssize_t got = buf ? pread(ifd, buf, FSPROBE_BYTES, 0) : -1;
		int whole = got > 0 && fsprobe(buf, (size_t)got, &fi);

		free(buf);
		if (!whole) {
			rc = attach_partitions(c, path, ifd);
			close(ifd);
			return rc;
		}
	}
	close(ifd);
	return add_disk(c, path, name);
}

static int add_path(struct cli *c, const char *path)
{
	struct stat st;
	char link[300], target[300];
	ssize_t len;

	if (stat(path, &st) != 0)
		return path_error(path, "stat", errno);
	if (S_ISDIR(st.st_mode)) {
		struct fs_info fi = { .type = "dir", .mountable = 1 };
		if (diskfs_add(&c->fs, path, path, c->disks++, &fi) < 0)
			return path_error(path, "open directory", errno);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return attach_image(c, path);
	if (S_ISBLK(st.st_mode)) {
		snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(st.st_rdev),
			 minor(st.st_rdev));
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			return path_error(path, link, errno);
		target[len] = '\0';
		return add_disk(c, path, strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	}
	return path_error(path, "not a directory, block device or image file", EINVAL);
}

static const char *part_name(struct diskfs *fs, const struct boot_entry *be,
			     const char **fstype)
{
	struct diskfs_part *p = diskfs_find(fs, be->part);

	*fstype = p ? p->fs.type : "";
	return p ? p->name : be->part;
}

static void print_text(struct diskfs *fs, const struct boot_list *l)
{
	for (int i = 0; i < l->n; i++) {
		const struct boot_entry *be = &l->v[i];
		const char *fstype, *part = part_name(fs, be, &fstype);

		printf("%c %d \"%s\" (%s %s on %s, %s)\n", i == l->def ? '*' : ' ', i,
		       be->label, be->source, be->config, part, fstype);
		printf("    kernel  %s\n", be->kernel);
		for (int j = 0; j < be->n_initrds; j++)
			printf("    initrd  %s\n", be->initrds[j]);
		printf("    cmdline %s\n", be->cmdline);
		if (be->tries_left >= 0)
			printf("    tries   %d left, %d done\n", be->tries_left,
			       be->tries_done < 0 ? 0 : be->tries_done);
	}
}

static int print_json(struct diskfs *fs, const struct boot_list *l)
{
	cJSON *arr = cJSON_CreateArray();
	char *out;

	for (int i = 0; arr && i < l->n; i++) {
		const struct boot_entry *be = &l->v[i];
		const char *fstype, *part = part_name(fs, be, &fstype);
		cJSON *o = cJSON_CreateObject(), *ir = cJSON_CreateArray();

		cJSON_AddStringToObject(o, "label", be->label);
		cJSON_AddStringToObject(o, "kernel", be->kernel);
		for (int j = 0; j < be->n_initrds; j++)
			cJSON_AddItemToArray(ir, cJSON_CreateString(be->initrds[j]));
		cJSON_AddItemToObject(o, "initrds", ir);
		cJSON_AddStringToObject(o, "cmdline", be->cmdline);
		cJSON_AddBoolToObject(o, "default", i == l->def);
		cJSON_AddStringToObject(o, "source", be->source);
		cJSON_AddStringToObject(o, "fs", fstype);
		cJSON_AddStringToObject(o, "partition", part);
		cJSON_AddStringToObject(o, "config", be->config);
		cJSON_AddItemToArray(arr, o);
	}
	out = arr ? cJSON_Print(arr) : NULL;
	cJSON_Delete(arr);
	if (!out)
		return -1;
	printf("%s\n", out);
	free(out);
	return 0;
}

int localboot_cli_main(int argc, char **argv)
{
	struct cli *c = calloc(1, sizeof(*c));
	struct boot_list *l = calloc(1, sizeof(*l));
	struct sn_err e;
	int dry = 0, json = 0, paths = 0, rc = 1;

	if (!c || !l) {
		free(c);
		free(l);
		return 1;
	}
	c->fs.warn = cli_warn;
	c->fs.cur = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry = 1;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			rc = usage(NULL) - 2;
		else if (argv[i][0] == '-')
			rc = usage("unknown option");
		else
			paths++;
	}
	if (rc != 1)
		goto out;
	if (!dry || !paths) {
		rc = usage(!dry ? "--dry-run is required: on a host snboot never boots anything"
			       : "no PATH given");
		goto out;
	}
	snprintf(c->tmp, sizeof(c->tmp), "/tmp/snboot-localboot.XXXXXX");
	if (!mkdtemp(c->tmp)) {
		rc = path_error("/tmp", "mkdtemp", errno);
		rc = 1;
		goto out;
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			(void)add_path(c, argv[i]);
	sn_clear(&e);
	if (localboot_scan(&c->fs, l, &e) != SN_OK) {
		char buf[512];
		fprintf(stderr, "snboot localboot: %s\n", sn_format(&e, buf, sizeof(buf)));
		if (json)
			printf("[]\n");
		rc = 1;
	} else {
		rc = json ? (print_json(&c->fs, l) ? 1 : 0) : (print_text(&c->fs, l), 0);
	}
	localboot_unmount(&c->fs);
	for (int i = 0; i < c->n_loops; i++)
		close(c->loop_fds[i]);
	remove_tmp(c->tmp);
out:
	free(l);
	free(c);
	return rc;
}
