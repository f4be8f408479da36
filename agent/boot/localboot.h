/* The local-disk boot source: taken when the backend says so (sanboot,
 * exit, a failed script) or no decision comes in time. Finds the disks in
 * a stable order, mounts their partitions read-only, reads BLS, grub.cfg
 * and extlinux entries (bootcfg.h) and kexecs the default entry through
 * the one boot path, with boot-loop protection (bootcount.h). See
 * docs/localboot.md. */
#ifndef SNBOOT_LOCALBOOT_H
#define SNBOOT_LOCALBOOT_H

#include "boot/blockdev.h"
#include "boot/bootcfg.h"
#include "boot/diskfs.h"
#include "core/agent.h"
#include "core/err.h"

/* Boots drive's default entry (0x80: every disk in order, the first disk
 * first; 0x81..0x8f: that disk only). Returns, with the reason, only when
 * nothing local could be booted. */
int localboot_run(struct agent *a, unsigned drive, struct sn_err *e);

/* Probes each partition of d (devices under dev_dir, "/dev"), makes it
 * read-only, mounts what it can under mnt_base/<name> (never writing the
 * disk: see fsprobe_ro_options) and adds it to fs; says what it skipped
 * through fs->warn. Returns how many partitions were mounted. */
int localboot_mount_disk(struct diskfs *fs, const struct blk_disk *d, int disk_index,
			 const char *dev_dir, const char *mnt_base);

/* Unmounts what localboot_mount_disk mounted. */
void localboot_unmount(struct diskfs *fs);

/* Reads the entries of every partition in fs into list (default marked);
 * entries' part references are filled in. SN_OK when any was found. */
int localboot_scan(struct diskfs *fs, struct boot_list *list, struct sn_err *e);

/* `snboot localboot --dry-run [--json] PATH...` (localboot_cli.c). */
int localboot_cli_main(int argc, char **argv);

#endif
