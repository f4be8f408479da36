/* Boot-loop protection for local entries: how many times in a row an entry
 * was kexeced without the machine staying up. The table lives in the UEFI
 * variable SnbootTries-<BOOTCOUNT_GUID> (docs/localboot.md); encoding and
 * the counting rule are pure, for the tests.
 *
 * The rule: each kexec of an entry notes the wall-clock time. If the agent
 * runs again within BOOTCOUNT_HEALTHY_S of the last kexec of that entry,
 * that boot did not last: the count goes on; after a longer gap the entry
 * had booted healthily and its count starts again at 1. The booted OS may
 * confirm at once by deleting the variable (contrib/snboot-boot-ok). */
#ifndef SNBOOT_BOOTCOUNT_H
#define SNBOOT_BOOTCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "boot/bootcfg.h"

#define BOOTCOUNT_GUID "6f7b2c1e-4d8a-4e59-9b3c-736e626f6f74"
#define BOOTCOUNT_VAR "SnbootTries"
#define BOOTCOUNT_RECORDS 16
#define BOOTCOUNT_HEALTHY_S 900u
#define BOOTCOUNT_BYTES (4 + BOOTCOUNT_RECORDS * 16)

struct bootcount {
	struct {
		uint64_t key;
		uint32_t count;
		uint32_t last;   /* unix seconds of the last kexec */
	} rec[BOOTCOUNT_RECORDS];
	int n;
};

/* The identity of an entry: what it boots (kernel, initrds, cmdline) and
 * where (the partition's filesystem UUID). Another kernel or cmdline is
 * another entry, with a count of its own. */
uint64_t bootcount_key(const struct boot_entry *be, const char *fs_uuid);

/* A malformed or foreign table decodes as empty (returns -1). */
int bootcount_decode(const uint8_t *buf, size_t len, struct bootcount *bc);
size_t bootcount_encode(const struct bootcount *bc, uint8_t buf[BOOTCOUNT_BYTES]);

/* Kexecs in a row of key that did not stay up, as of now. */
unsigned bootcount_failed(const struct bootcount *bc, uint64_t key, uint32_t now);

/* Records a kexec of key at now (evicts the oldest record when full). */
void bootcount_note(struct bootcount *bc, uint64_t key, uint32_t now);

#endif
