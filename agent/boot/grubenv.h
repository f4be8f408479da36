/* grub's environment block (grubenv): "# GRUB Environment Block" then
 * name=value lines, padded with '#' to 1024 bytes. saved_entry,
 * next_entry and (RHEL 8) kernelopts live there. */
#ifndef SNBOOT_GRUBENV_H
#define SNBOOT_GRUBENV_H

#include <stddef.h>

#include "boot/bootcfg.h"

#define GRUBENV_VARS_MAX 32
#define GRUBENV_NAME_MAX 64
#define GRUBENV_VALUE_MAX 1024

struct grubenv {
	int n;
	char name[GRUBENV_VARS_MAX][GRUBENV_NAME_MAX];
	char value[GRUBENV_VARS_MAX][GRUBENV_VALUE_MAX];
};

/* Pure: fills env from the file's bytes (path for messages; ops->warn may
 * be reached for bad lines). Returns 0, or -1 when the signature is
 * missing (env then empty). */
int grubenv_parse(const char *buf, size_t len, const char *path, struct grubenv *env,
		  const struct bootfs_ops *ops, void *arg);
const char *grubenv_get(const struct grubenv *env, const char *name);

#endif
