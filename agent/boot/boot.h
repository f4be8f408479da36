/* The one boot path: whatever the source (the network script, BLS,
 * grub.cfg, extlinux), a boot image is loaded the same way, reported, and
 * rebooted into. Split in two so a source can record something (the
 * local path's boot-loop counter) between a successful load and the
 * reboot. */
#ifndef SNBOOT_BOOT_H
#define SNBOOT_BOOT_H

#include "boot/bootimg.h"
#include "core/agent.h"
#include "core/err.h"

/* Loads img into the kernel (kexec), says so on the console and as an
 * event. The caller keeps img's descriptors. */
int boot_load(struct agent *a, const struct boot_image *img, struct sn_err *e);

/* Reboots into the loaded image. Returns only on failure. */
int boot_reboot(struct agent *a, const struct boot_image *img, struct sn_err *e);

#endif
