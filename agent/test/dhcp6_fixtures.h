/* Helpers shared by the DHCPv6 tests: captured packets and an option
 * walker written independently of the parser under test. */
#ifndef SNBOOT_TEST_DHCP6_FIXTURES_H
#define SNBOOT_TEST_DHCP6_FIXTURES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"

#define DHCP6_DATA "agent/test/data/dhcp6/"

/* The identity the fixtures were captured with (see data/dhcp6/README.md). */
__attribute__((unused)) static const uint8_t fx_mac[6] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
};
__attribute__((unused)) static const uint8_t fx_uuid_raw[16] = {
	0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};
__attribute__((unused)) static const uint8_t fx_duid_uuid[18] = {
	0x00, 0x04, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde,
	0xf0, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
};

/* Reads a fixture; fails the test if it is missing (run from the repo root). */
static inline size_t fx_load(const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), DHCP6_DATA "%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	assert_true(n > 0 && n < cap);
	return n;
}

/* Offset of the data of the first top-level option code, or 0; *len gets
 * its length. A plain walk, separate from dhcp6_parse on purpose. */
static inline size_t fx_find_opt(const uint8_t *m, size_t n, unsigned code, size_t *len)
{
	size_t p = 4;
	while (p + 4 <= n) {
		unsigned c = (unsigned)m[p] << 8 | m[p + 1];
		size_t l = (size_t)m[p + 2] << 8 | m[p + 3];
		if (p + 4 + l > n)
			return 0;
		if (c == code) {
			*len = l;
			return p + 4;
		}
		p += 4 + l;
	}
	return 0;
}

static inline void fx_set_xid(uint8_t *m, uint32_t xid)
{
	m[1] = (uint8_t)(xid >> 16);
	m[2] = (uint8_t)(xid >> 8);
	m[3] = (uint8_t)xid;
}

static inline uint32_t fx_xid(const uint8_t *m)
{
	return (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
}

#endif
