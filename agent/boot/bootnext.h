/* The BootNext path to the local disk: hand the disk back to the UEFI
 * firmware for one boot. The agent finds the disk's EFI System Partition
 * (GPT), the Boot#### option whose device path names that partition (an HD
 * node with its unique GUID) or creates one for \EFI\BOOT\BOOTX64.EFI,
 * sets BootNext to it through efivarfs and reboots. snboot.local chooses
 * this path (docs/params/snboot.local.md). */
#ifndef SNBOOT_BOOTNEXT_H
#define SNBOOT_BOOTNEXT_H

#include <stddef.h>
#include <stdint.h>

#include "boot/gpt.h"
#include "core/err.h"

#define BOOTNEXT_LOADER "\\EFI\\BOOT\\BOOTX64.EFI"

/* EFI_LOAD_OPTION (UEFI 2.10 §3.1.3), the parts the agent needs. */
struct efi_load_option {
	uint32_t attrs;             /* LOAD_OPTION_ACTIVE = 1 */
	char desc[128];             /* description, UTF-8 ('?' outside ASCII) */
	int has_hd;                 /* a hard-drive media node (4/1) is present */
	uint32_t hd_part;           /* its partition number */
	uint64_t hd_start, hd_size; /* LBAs */
	uint8_t hd_sig[16];         /* GPT: the partition's unique GUID */
	uint8_t hd_fmt, hd_sigtype; /* 2, 2 for GPT */
	char file[256];             /* file path node (4/4), UTF-8, "" if none */
};

/* Parses a Boot#### variable's data. Checks every node's length against
 * the path list and the list against the buffer. */
int efi_load_option_parse(const uint8_t *buf, size_t len, struct efi_load_option *o,
			  struct sn_err *e);

/* Builds an active load option: HD(part, GPT, guid, start, size) /
 * File(path) / End. Returns its length, 0 when cap is too small. */
size_t efi_load_option_build(uint8_t *buf, size_t cap, const char *desc,
			     const struct gpt_part *esp, const char *path);

/* What a disk offers BootNext. */
struct bootnext_disk {
	char disk[40];              /* "vda" */
	char part_dev[48];          /* "/dev/vda1" */
	struct gpt_part esp;
};

/* Finds the first local disk with an EFI System Partition holding
 * BOOTNEXT_LOADER (mounting it read-only to look). SN_OK with *d filled. */
int bootnext_find_disk(struct bootnext_disk *d, struct sn_err *e);

/* snboot.local=auto: 1 when the agent was started from UEFI (efivarfs)
 * and a disk has an ESP with a loader; why says which, either way. */
int bootnext_auto_ok(char *why, size_t why_len);

/* Sets BootNext to the disk's option (found or created) and reboots.
 * Returns only on failure. */
int bootnext_to_disk(struct sn_err *e);

/* snboot.local at the start of the local-disk path. Returns SN_OK when the
 * kexec path should go on: mode "kexec"; "auto" deciding against BootNext
 * (not UEFI, no ESP with a loader) or BootNext failing (logged). With
 * "bootnext" it returns only on failure, with e set: no kexec then. */
int bootnext_maybe(const char *mode, struct sn_err *e);

#endif
