/* Boot entries read from a disk's own files, the way distributions write
 * them: BLS (/loader/entries/<id>.conf), grub.cfg, extlinux.conf/syslinux.cfg.
 *
 * The parsers never touch the disk: every file comes through the caller's
 * bootfs_ops (the agent reads mounted partitions, the tests an in-memory
 * tree), so they are pure over buffers, unit-tested with real distributions'
 * files and fuzzed. Every source yields the same ordered list of entries with
 * one default; the local-disk path turns the chosen entry into a
 * struct boot_image for the one kexec path. */
#ifndef SNBOOT_BOOTCFG_H
#define SNBOOT_BOOTCFG_H

#include <stddef.h>

#include "boot/bootimg.h"
#include "core/err.h"

#define BOOTCFG_ENTRIES_MAX 64
#define BOOTCFG_PATH_MAX    512
#define BOOTCFG_FILE_MAX    (512u * 1024)   /* largest config file read */

struct boot_entry {
	char label[128];            /* title / menuentry / LABEL (MENU LABEL) */
	char id[256];               /* BLS file name without ".conf" and without
	                             * the "+LEFT-DONE" counter (also for BLS
	                             * entries grub's blscfg read); grub's
	                             * "submenu>entry" title path; extlinux LABEL */
	char source[16];            /* "bls", "grub", "extlinux" */
	char config[BOOTCFG_PATH_MAX];  /* the file it came from */
	/* Where kernel and initrd paths live: "" = the partition scanned;
	 * otherwise a reference the caller's ops->search wrote (grub
	 * `search --fs-uuid/--label/--file`, `set root=`). */
	char part[128];
	char kernel[BOOTCFG_PATH_MAX];  /* absolute path on part */
	char initrds[BOOTIMG_MAX_INITRDS][BOOTCFG_PATH_MAX];
	int n_initrds;
	char cmdline[2048];
	int tries_left;             /* BLS boot counting "+LEFT-DONE": -1 none */
	int tries_done;             /* -1 none */
};

struct boot_list {
	struct boot_entry v[BOOTCFG_ENTRIES_MAX];
	int n;                      /* entries in boot order */
	int def;                    /* index of the default entry, -1 if none */
};

/* How the parsers read the disk. part is "" for the partition being
 * scanned, or a reference ops->search produced. Paths are absolute within
 * that partition ("/boot/grub/grub.cfg"). */
struct bootfs_ops {
	/* malloc'd contents (NUL-terminated, *len without it), at most max
	 * bytes; NULL when absent or unreadable. The caller frees. */
	char *(*read_file)(void *arg, const char *part, const char *path,
			   size_t max, size_t *len);
	/* Names (not paths) of the regular files in dir, malloc'd array of
	 * malloc'd strings in *names; returns their count, -1 when dir is
	 * absent. The caller frees each name and the array. */
	int (*list_dir)(void *arg, const char *part, const char *dir, char ***names);
	/* grub `search`: kind is "fs-uuid", "label" or "file"; on success writes
	 * a part reference into ref and returns 0; -1 when nothing matches. */
	int (*search)(void *arg, const char *kind, const char *value, char *ref,
		      size_t ref_size);
	/* One line about something skipped ("grub.cfg:12: ..."); may be NULL. */
	void (*warn)(void *arg, const char *msg);
};

/* Probes the well-known places of one partition (BLS dirs, grub.cfg and
 * grub2 paths incl. /EFI/<vendor>/grub.cfg, extlinux/syslinux) and appends
 * what it finds to out (out->n, out->def set; initialise out->n = 0,
 * out->def = -1 first). Returns SN_OK when at least one entry was found. */
int bootcfg_scan(const struct bootfs_ops *ops, void *arg, struct boot_list *out,
		 struct sn_err *e);

#endif
