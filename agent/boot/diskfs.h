/* The boot parsers' view of the disk (struct bootfs_ops) over directories:
 * read-only mounts of local partitions in the image, or directories an
 * operator names to `snboot localboot --dry-run`. Every path a config file
 * names resolves inside its own partition, even through absolute symlinks
 * (openat2 RESOLVE_IN_ROOT): /vmlinuz -> /boot/vmlinuz-6.1 stays on the
 * disk and never reaches the image's own files. */
#ifndef SNBOOT_DISKFS_H
#define SNBOOT_DISKFS_H

#include <stddef.h>

#include "boot/bootcfg.h"
#include "boot/fsprobe.h"

#define DISKFS_PARTS_MAX 64

struct diskfs_part {
	char name[40];          /* "vda2", or the directory for --dry-run */
	char ref[48];           /* what ops->search hands out: "dev=vda2" */
	char dir[256];          /* where its files are */
	int dirfd;              /* O_PATH of dir, -1 when not open */
	int disk;               /* index of its disk (sanboot --drive order) */
	int mounted;            /* 1: we mounted dir, so we unmount it */
	struct fs_info fs;
};

struct diskfs {
	struct diskfs_part parts[DISKFS_PARTS_MAX];
	int n;
	int cur;                /* the partition being scanned */
	void (*warn)(void *arg, const char *msg);
	void *warn_arg;
};

extern const struct bootfs_ops diskfs_ops;

/* Adds dir as a partition; returns its index or -1 (dir unreadable). */
int diskfs_add(struct diskfs *fs, const char *name, const char *dir, int disk,
	       const struct fs_info *fi);

/* The partition a bootcfg part reference names ("" = the current one). */
struct diskfs_part *diskfs_find(struct diskfs *fs, const char *ref);

/* Opens path (absolute within part) read-only, resolved inside part. */
int diskfs_open(const struct diskfs_part *p, const char *path);

void diskfs_close(struct diskfs *fs);

#endif
