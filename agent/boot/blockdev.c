/* Disk and partition listing from sysfs (see blockdev.h). */
#include "boot/blockdev.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdio.h"

static int skipped_disk(const char *name)
{
	static const char *const prefixes[] = { "loop", "ram", "zram", "sr", "fd", "md",
						"dm-", "nbd" };

	if (name[0] == '.')
		return 1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

static unsigned long long read_ull(const char *path)
{
	char *s = read_file(path, 64, NULL);
	unsigned long long v = s ? strtoull(s, NULL, 10) : 0;

	free(s);
	return v;
}

static void read_text(const char *path, char *out, size_t size)
{
	char *s = read_file(path, 256, NULL);
	size_t n;

	out[0] = '\0';
	if (!s)
		return;
	n = strcspn(s, "\n");
	while (n > 0 && s[n - 1] == ' ')
		n--;
	snprintf(out, size, "%.*s", (int)n, s);
	free(s);
}

/* "KEY=value" from a uevent file. */
static void uevent_get(const char *path, const char *key, char *out, size_t size)
{
	char *s = read_file(path, 4096, NULL);
	size_t klen = strlen(key);

	out[0] = '\0';
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > klen && strncmp(line, key, klen) == 0 && line[klen] == '=') {
			snprintf(out, size, "%.*s", (int)(n - klen - 1), line + klen + 1);
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(s);
}

static const char *transport_of(const char *devpath)
{
	if (strstr(devpath, "/nvme"))
		return "nvme";
	if (strstr(devpath, "/virtio"))
		return "virtio";
	if (strstr(devpath, "/ata"))
		return "ata";
	if (strstr(devpath, "/host"))
		return "scsi";
	return "other";
}

static int by_partn(const void *a, const void *b)
{
	return ((const struct blk_part *)a)->partn - ((const struct blk_part *)b)->partn;
}

static void list_parts(const char *sys, struct blk_disk *d)
{
	char path[512];
	DIR *dir;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/block/%s", sys, d->name);
	dir = opendir(path);
	if (!dir)
		return;
	while ((de = readdir(dir)) && d->n_parts < BLK_PARTS_MAX) {
		struct blk_part *p = &d->parts[d->n_parts];
		char file[1024], num[16];
		struct stat st;

		if (strncmp(de->d_name, d->name, strlen(d->name)) != 0 ||
		    strlen(de->d_name) >= sizeof(p->name))
			continue;
		snprintf(file, sizeof(file), "%s/%.39s/partition", path, de->d_name);
		if (stat(file, &st) != 0)
			continue;
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%.39s", de->d_name);
		snprintf(file, sizeof(file), "%s/%.39s/uevent", path, de->d_name);
		uevent_get(file, "PARTN", num, sizeof(num));
		p->partn = atoi(num);
		uevent_get(file, "PARTNAME", p->partlabel, sizeof(p->partlabel));
		snprintf(file, sizeof(file), "%s/%.39s/size", path, de->d_name);
		p->size_mib = read_ull(file) / 2048;
		d->n_parts++;
	}
	closedir(dir);
	qsort(d->parts, (size_t)d->n_parts, sizeof(d->parts[0]), by_partn);
	if (d->n_parts == 0) {
		/* No partition table: the filesystem may span the disk. */
		struct blk_part *p = &d->parts[d->n_parts++];
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%s", d->name);
		p->size_mib = d->size_mib;
	}
}

static int by_devpath(const void *a, const void *b)
{
	return strverscmp(((const struct blk_disk *)a)->devpath,
			  ((const struct blk_disk *)b)->devpath);
}

int blockdev_get(const char *sys, const char *name, struct blk_disk *d)
{
	char file[700];
	ssize_t len;

	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(file, sizeof(file), "%s/block/%s/size", sys, name);
	d->size_mib = read_ull(file) / 2048;
	if (d->size_mib == 0)
		return -1;      /* absent, empty drive or reader without media */
	snprintf(file, sizeof(file), "%s/block/%s", sys, name);
	len = readlink(file, d->devpath, sizeof(d->devpath) - 1);
	if (len < 0)
		snprintf(d->devpath, sizeof(d->devpath), "%s", name);
	else
		d->devpath[len] = '\0';
	snprintf(d->transport, sizeof(d->transport), "%s", transport_of(d->devpath));
	snprintf(file, sizeof(file), "%s/block/%s/device/model", sys, name);
	read_text(file, d->model, sizeof(d->model));
	list_parts(sys, d);
	return 0;
}

int blockdev_list(const char *sys, struct blk_disk *disks, int max)
{
	char path[512];
	DIR *dir;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "%s/block", sys);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max)
		if (!skipped_disk(de->d_name) && blockdev_get(sys, de->d_name, &disks[n]) == 0)
			n++;
	closedir(dir);
	qsort(disks, (size_t)n, sizeof(disks[0]), by_devpath);
	return n;
}
