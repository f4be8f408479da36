/* grub.cfg, read the way grub's script engine would run it at boot, far
 * enough to know the menu: menuentry/submenu, linux*, initrd*, set and
 * variables, if/elif/else with the common tests, load_env (grubenv),
 * search, blscfg, configfile/source. What grub would do interactively
 * (menus, fonts, video, save_env) is ignored; loops are not run. See
 * docs/localboot.md. */
#ifndef SNBOOT_GRUB_H
#define SNBOOT_GRUB_H

#include "boot/bootcfg.h"

struct grub_result {
	int added;          /* entries appended to out */
	int def;            /* index in out of grub's default, -1 if none */
	int read_bls;       /* blscfg read BLS entries of the scanned partition */
};

/* Runs path (on the scanned partition, part "") and appends its Linux
 * entries in menu order. Returns -1 when the file cannot be read, else 0
 * (res says what was found; warnings went to ops->warn). */
int grub_load(const struct bootfs_ops *ops, void *arg, const char *path,
	      struct boot_list *out, int *full_warned, struct grub_result *res);

#endif
