/* The one boot path: any boot image (network script, BLS, grub.cfg,
 * extlinux) is loaded with kexec_file_load and rebooted into. */
#ifndef SNBOOT_KEXEC_H
#define SNBOOT_KEXEC_H

#include <stddef.h>

#include "boot/bootimg.h"
#include "core/err.h"

/* Loads img with kexec_file_load (several initrds are joined into one:
 * cpio archives concatenate). SN_OK once the kernel holds the new image;
 * on failure the errno explained (ENOEXEC: not a bzImage this kernel can
 * load, ...). The caller keeps img's descriptors; none is closed here. */
int kexec_load_image(const struct boot_image *img, struct sn_err *e);

/* Syncs and reboots into the loaded image. Returns only on failure. */
int kexec_reboot_now(struct sn_err *e);

/* Both: load, then reboot. Returns only on failure. */
int kexec_boot(const struct boot_image *img, struct sn_err *e);

/* Joins n initrds into one new memfd (*out_fd, at offset 0, *size bytes),
 * each piece padded with zeros to 4 bytes as the kernel's initramfs
 * unpacker expects. Reads with pread: the inputs' offsets do not matter. */
int initrd_join(const int *fds, int n, int *out_fd, size_t *size, struct sn_err *e);

/* What a kexec_file_load errno means: the SN_E_KEXEC_* code and a hint. */
int kexec_errno_code(int err, const char **hint);

#endif
