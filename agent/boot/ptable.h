/* Partition tables read in user space, for `snboot localboot --dry-run` on
 * a disk image when the host's kernel does not parse them (some VM kernels
 * are built without EFI/MSDOS partition support). The image kernel parses
 * its disks itself; this is only the operator tool's fallback. Pure. */
#ifndef SNBOOT_PTABLE_H
#define SNBOOT_PTABLE_H

#include <stddef.h>
#include <stdint.h>

#define PTABLE_MAX 128
/* Bytes of the disk's start ptable_parse needs (GPT with 512- or 4096-byte
 * sectors: header and a 128-entry array). */
#define PTABLE_READ_BYTES (4096 * 2 + 128 * 128)

struct ptable_part {
	int number;               /* 1-based, as the kernel would name it */
	uint64_t start, size;     /* bytes */
	char name[72];            /* GPT partition name, "" for MBR */
};

/* Parses a GPT (512 or 4096-byte sectors; CRCs checked) or else an MBR's
 * four primary entries (extended/logical partitions are not followed).
 * Returns how many partitions were found, 0 when buf holds neither. */
int ptable_parse(const uint8_t *buf, size_t len, struct ptable_part *out, int max,
		 const char **kind);

#endif
