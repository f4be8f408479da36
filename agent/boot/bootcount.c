/* Boot-loop counters (see bootcount.h). */
#include "boot/bootcount.h"

#include <string.h>

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= 0xff;             /* field separator: "ab"+"c" != "a"+"bc" */
	return h * 0x100000001b3ull;
}

uint64_t bootcount_key(const struct boot_entry *be, const char *fs_uuid)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv1a(h, fs_uuid ? fs_uuid : "");
	h = fnv1a(h, be->part);
	h = fnv1a(h, be->kernel);
	for (int i = 0; i < be->n_initrds; i++)
		h = fnv1a(h, be->initrds[i]);
	return fnv1a(h, be->cmdline);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

int bootcount_decode(const uint8_t *buf, size_t len, struct bootcount *bc)
{
	memset(bc, 0, sizeof(*bc));
	if (!buf || len < 4 || memcmp(buf, "SNT1", 4) != 0 || (len - 4) % 16 ||
	    (len - 4) / 16 > BOOTCOUNT_RECORDS)
		return -1;
	for (size_t off = 4; off < len; off += 16, bc->n++) {
		bc->rec[bc->n].key = get64(buf + off);
		bc->rec[bc->n].count = get32(buf + off + 8);
		bc->rec[bc->n].last = get32(buf + off + 12);
	}
	return 0;
}

size_t bootcount_encode(const struct bootcount *bc, uint8_t buf[BOOTCOUNT_BYTES])
{
	size_t off = 4;

	memcpy(buf, "SNT1", 4);
	for (int i = 0; i < bc->n && i < BOOTCOUNT_RECORDS; i++, off += 16) {
		put64(buf + off, bc->rec[i].key);
		put32(buf + off + 8, bc->rec[i].count);
		put32(buf + off + 12, bc->rec[i].last);
	}
	return off;
}

static int find(const struct bootcount *bc, uint64_t key)
{
	for (int i = 0; i < bc->n; i++)
		if (bc->rec[i].key == key)
			return i;
	return -1;
}

/* A clock that went backwards (RTC reset) reads as "not stayed up". */
static int stayed_up(uint32_t last, uint32_t now)
{
	return now > last && now - last >= BOOTCOUNT_HEALTHY_S;
}

unsigned bootcount_failed(const struct bootcount *bc, uint64_t key, uint32_t now)
{
	int i = find(bc, key);

	if (i < 0 || stayed_up(bc->rec[i].last, now))
		return 0;
	return bc->rec[i].count;
}

void bootcount_note(struct bootcount *bc, uint64_t key, uint32_t now)
{
	int i = find(bc, key);

	if (i < 0) {
		if (bc->n < BOOTCOUNT_RECORDS) {
			i = bc->n++;
		} else {
			i = 0;
			for (int j = 1; j < bc->n; j++)
				if (bc->rec[j].last < bc->rec[i].last)
					i = j;
		}
		bc->rec[i].key = key;
		bc->rec[i].count = 0;
	} else if (stayed_up(bc->rec[i].last, now)) {
		bc->rec[i].count = 0;
	}
	bc->rec[i].count++;
	bc->rec[i].last = now;
}
