/* The one boot path: any boot image (network script, BLS, grub.cfg,
 * extlinux) is loaded into the kernel and rebooted into. Two ways to load:
 *  - tools (default): kexec-tools' /sbin/kexec with the kexec_load syscall
 *    and --no-checks. The agent already hashed every byte as it arrived and
 *    the memfds are sealed, so neither the kernel nor purgatory hashes the
 *    payload again (kexec_file_load hashes it in the kernel, and purgatory
 *    once more at reboot: seconds per 100 MiB under emulation).
 *  - file: the kexec_file_load syscall; also the fallback when kexec-tools
 *    is missing or refuses an image. */
#ifndef SNBOOT_KEXEC_H
#define SNBOOT_KEXEC_H

#include <stddef.h>

#include "boot/bootimg.h"
#include "core/err.h"

enum kexec_method { KEXEC_TOOLS, KEXEC_FILE };

/* Chooses the load path (snboot.kexec): "tools" or "file"; unknown words
 * keep the default (tools). */
void kexec_set_method(const char *word);

/* The path the last successful kexec_load_image took: "kexec-tools" or
 * "kexec_file_load" (NULL before any). */
const char *kexec_last_path(void);

/* The kexec-tools program (tests point it elsewhere; the pointer is kept,
 * so path must outlive the loads). */
#define KEXEC_TOOLS_PATH "/sbin/kexec"
void kexec_set_tools_path(const char *path);

/* Loads img by the chosen method (several initrds are joined into one:
 * cpio archives concatenate). SN_OK once the kernel holds the new image;
 * on failure the errno explained (ENOEXEC: not a bzImage this kernel can
 * load, ...). The caller keeps img's descriptors; none is closed here. */
int kexec_load_image(const struct boot_image *img, struct sn_err *e);

/* The kexec-tools half: runs the program with kexec_load and --no-checks
 * on kernel_fd and initrd_fd (-1: none) as /proc/self/fd/N paths. SN_OK
 * when it loaded; SN_E_KEXEC_TOOLS with its last output line when it is
 * missing or refused (the caller may fall back to kexec_file_load). */
int kexec_tools_load(const struct boot_image *img, int initrd_fd, struct sn_err *e);

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
