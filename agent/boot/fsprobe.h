/* What filesystem a partition holds, read from its first bytes the way
 * blkid does: type, UUID and label (grub's `search --fs-uuid/--label` and
 * the operator's messages need them). Pure: the caller reads the bytes. */
#ifndef SNBOOT_FSPROBE_H
#define SNBOOT_FSPROBE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes to read from the start of a partition: btrfs's superblock sits at
 * 64 KiB and is 4 KiB long. */
#define FSPROBE_BYTES (68u * 1024)

struct fs_info {
	char type[16];     /* "ext4", "xfs", "vfat", "btrfs", "swap", "LVM2_member",
	                    * "crypto_LUKS", "" unknown */
	char uuid[40];     /* as blkid prints it: lowercase 8-4-4-4-12, vfat XXXX-XXXX */
	char label[64];
	int mountable;     /* 1: this image can mount it read-only */
};

/* Fills fi from the first len bytes; returns 1 when a type was recognised,
 * 0 when not (fi->type is ""). */
int fsprobe(const uint8_t *buf, size_t len, struct fs_info *fi);

/* Mount options that make a read-only mount write nothing at all: ext4
 * "noload" (no journal replay), xfs "norecovery"; "" for others. */
const char *fsprobe_ro_options(const char *type);

#endif
