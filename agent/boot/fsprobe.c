/* Superblock probing (see fsprobe.h). Offsets from the on-disk formats:
 * ext2/3/4 (superblock at 1024), xfs (sector 0), FAT boot sector, btrfs
 * (superblock at 64 KiB), Linux swap, LVM2 label, LUKS header. */
#include "boot/fsprobe.h"

#include <stdio.h>
#include <string.h>

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_uuid(char out[40], const uint8_t *u)
{
	snprintf(out, 40,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
		 u[11], u[12], u[13], u[14], u[15]);
}

/* Copies a fixed-size, NUL- or blank-padded on-disk label; keeps printable
 * ASCII only, so a hostile label cannot put control bytes on the console. */
static void put_label(char *out, size_t out_size, const uint8_t *p, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n && p[i] && j + 1 < out_size; i++)
		out[j++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	while (j > 0 && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
}

static int probe_ext(const uint8_t *b, size_t len, struct fs_info *fi)
{
	const uint8_t *sb = b + 1024;

	if (len < 1024 + 256 || le16(sb + 56) != 0xEF53)
		return 0;
	/* One driver mounts ext2, ext3 and ext4 (CONFIG_EXT4_USE_FOR_EXT2). */
	snprintf(fi->type, sizeof(fi->type), "ext4");
	put_uuid(fi->uuid, sb + 104);
	put_label(fi->label, sizeof(fi->label), sb + 120, 16);
	fi->mountable = 1;
	return 1;
}

static int probe_xfs(const uint8_t *b, size_t len, struct fs_info *fi)
{
	if (len < 512 || memcmp(b, "XFSB", 4) != 0)
		return 0;
	snprintf(fi->type, sizeof(fi->type), "xfs");
	put_uuid(fi->uuid, b + 32);
	put_label(fi->label, sizeof(fi->label), b + 108, 12);
	fi->mountable = 1;
	return 1;
}

static int probe_vfat(const uint8_t *b, size_t len, struct fs_info *fi)
{
	uint16_t bps;
	const uint8_t *ext;
	uint32_t id;

	if (len < 512 || b[510] != 0x55 || b[511] != 0xAA)
		return 0;
	bps = le16(b + 11);
	if (bps < 512 || bps > 4096 || (bps & (bps - 1)) || b[13] == 0)
		return 0;
	if (memcmp(b + 82, "FAT32   ", 8) == 0)
		ext = b + 64;          /* FAT32 extended boot record */
	else if (memcmp(b + 54, "FAT1", 4) == 0)
		ext = b + 36;          /* FAT12/16 */
	else
		return 0;
	snprintf(fi->type, sizeof(fi->type), "vfat");
	if (ext[2] == 0x29) {      /* extended boot signature: id and label valid */
		id = le32(ext + 3);
		snprintf(fi->uuid, sizeof(fi->uuid), "%04X-%04X", (unsigned)(id >> 16),
			 (unsigned)(id & 0xffff));
		put_label(fi->label, sizeof(fi->label), ext + 7, 11);
		if (strcmp(fi->label, "NO NAME") == 0)
			fi->label[0] = '\0';
	}
	fi->mountable = 1;
	return 1;
}

static int probe_other(const uint8_t *b, size_t len, struct fs_info *fi)
{
	if (len >= 0x10040 + 8 && memcmp(b + 0x10040, "_BHRfS_M", 8) == 0) {
		snprintf(fi->type, sizeof(fi->type), "btrfs");
		put_uuid(fi->uuid, b + 0x10020);
		put_label(fi->label, sizeof(fi->label), b + 0x1012b, 256);
		return 1;              /* not built into the image: ~1 MiB */
	}
	if (len >= 4096 && memcmp(b + 4086, "SWAPSPACE2", 10) == 0) {
		snprintf(fi->type, sizeof(fi->type), "swap");
		if (len >= 1024 + 1052)
			put_uuid(fi->uuid, b + 1024 + 12);
		return 1;
	}
	if (len >= 512 + 32 && memcmp(b + 512, "LABELONE", 8) == 0 &&
	    memcmp(b + 512 + 24, "LVM2 001", 8) == 0) {
		snprintf(fi->type, sizeof(fi->type), "LVM2_member");
		return 1;
	}
	if (len >= 6 && memcmp(b, "LUKS\xba\xbe", 6) == 0) {
		snprintf(fi->type, sizeof(fi->type), "crypto_LUKS");
		return 1;
	}
	return 0;
}

int fsprobe(const uint8_t *buf, size_t len, struct fs_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	return probe_ext(buf, len, fi) || probe_xfs(buf, len, fi) ||
	       probe_vfat(buf, len, fi) || probe_other(buf, len, fi);
}

const char *fsprobe_ro_options(const char *type)
{
	if (strcmp(type, "ext4") == 0)
		return "noload";
	if (strcmp(type, "xfs") == 0)
		return "norecovery";
	return "";
}
