/* extlinux.conf / syslinux.cfg (syslinux, and u-boot's "distro boot"
 * which reads the same format): LABEL blocks with KERNEL/LINUX, INITRD,
 * APPEND; DEFAULT and MENU DEFAULT; INCLUDE. */
#ifndef SNBOOT_EXTLINUX_H
#define SNBOOT_EXTLINUX_H

#include "boot/bootcfg.h"

/* Reads path on the scanned partition (and what it INCLUDEs) and appends
 * the Linux labels in file order. Relative paths are taken from path's
 * directory, as syslinux does. Returns -1 when path cannot be read; else 0
 * with *added and *def (index in out, -1 when none) set. */
int extlinux_load(const struct bootfs_ops *ops, void *arg, const char *path,
		  struct boot_list *out, int *full_warned, int *added, int *def);

#endif
