/* GUID partition tables (UEFI 2.10 §5.3): a pure parser over the first
 * sectors of a disk, for the BootNext path (find the EFI System Partition
 * and its unique GUID, which UEFI boot options name in their HD node). */
#ifndef SNBOOT_GPT_H
#define SNBOOT_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define GPT_MAX_PARTS 128

/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B, in its on-disk byte order */
extern const uint8_t GPT_TYPE_ESP[16];

struct gpt_part {
	uint32_t number;            /* 1-based index in the entry array */
	uint8_t type[16];           /* on-disk byte order (mixed endian) */
	uint8_t guid[16];           /* unique partition GUID, on-disk order */
	uint64_t first_lba, last_lba;
	uint64_t attrs;
	char name[72];              /* UTF-16LE name as UTF-8 ('?' outside BMP) */
};

struct gpt {
	uint32_t sector;            /* logical sector size used */
	uint8_t disk_guid[16];
	uint64_t last_usable_lba;
	int n;                      /* used entries, in entry order */
	struct gpt_part p[GPT_MAX_PARTS];
};

/* Bytes of the disk's start gpt_parse needs: LBA 0 to the end of the
 * entry array at its usual place (LBA 2, 128 entries of 128 bytes). */
#define GPT_READ_BYTES(sector) ((size_t)(sector) * 2 + 128 * 128)

/* Parses the primary GPT in buf (the disk from LBA 0; at least
 * GPT_READ_BYTES). Checks the protective MBR, the signature, header size,
 * both CRC32s and that the entry array lies inside buf. */
int gpt_parse(const uint8_t *buf, size_t len, uint32_t sector, struct gpt *out,
	      struct sn_err *e);

/* The first EFI System Partition, or NULL. */
const struct gpt_part *gpt_find_esp(const struct gpt *g);

/* "c12a7328-f81f-11d2-ba4b-00a0c93ec93b" from on-disk bytes (37 bytes). */
void gpt_guid_text(const uint8_t g[16], char out[37]);

/* CRC-32 (IEEE 802.3, as GPT uses). */
uint32_t gpt_crc32(const uint8_t *p, size_t n);

#endif
