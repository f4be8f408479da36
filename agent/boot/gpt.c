/* GPT parser (see gpt.h). */
#include "boot/gpt.h"

#include <stdio.h>
#include <string.h>

const uint8_t GPT_TYPE_ESP[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
				   0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint32_t gpt_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c >> 1 ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

void gpt_guid_text(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", le32(g),
		 (unsigned)(g[4] | g[5] << 8), (unsigned)(g[6] | g[7] << 8), g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* UTF-16LE (36 code units) to UTF-8; surrogates become '?'. */
static void name_utf8(const uint8_t *p, char *out, size_t outlen)
{
	size_t o = 0;

	for (int i = 0; i < 36; i++) {
		unsigned c = (unsigned)(p[2 * i] | p[2 * i + 1] << 8);
		if (c == 0)
			break;
		if (c >= 0xd800 && c < 0xe000)
			c = '?';
		if (c < 0x80 && o + 1 < outlen) {
			out[o++] = (char)c;
		} else if (c < 0x800 && o + 2 < outlen) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c >= 0x800 && o + 3 < outlen) {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | (c >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

int gpt_parse(const uint8_t *buf, size_t len, uint32_t sector, struct gpt *out,
	      struct sn_err *e)
{
	const uint8_t *h;
	uint8_t hdr[512];
	uint32_t hsize, crc, nent, esize;
	uint64_t ent_lba, ent_off, ent_bytes;

	memset(out, 0, sizeof(*out));
	if (sector < 512 || sector > 65536 || (sector & (sector - 1)))
		return sn_fail(e, SN_E_GPT_HEADER, "sector size %u: not a power of two "
			       "from 512 to 65536", sector);
	if (len < (size_t)sector * 2)
		return sn_fail(e, SN_E_GPT_HEADER, "%zu bytes read, need %u (LBA 0 and 1)",
			       len, sector * 2);
	/* protective MBR: 0x55aa and a partition of type 0xee */
	if (buf[510] != 0x55 || buf[511] != 0xaa)
		return sn_fail(e, SN_E_GPT_NONE, "no MBR signature 55aa at offset 510");
	int pmbr = 0;
	for (int i = 0; i < 4; i++)
		pmbr |= buf[446 + 16 * i + 4] == 0xee;
	if (!pmbr)
		return sn_fail(e, SN_E_GPT_NONE, "MBR has no protective 0xee partition "
			       "(an MBR-partitioned disk)");
	h = buf + sector;
	if (memcmp(h, "EFI PART", 8) != 0)
		return sn_fail(e, SN_E_GPT_NONE, "no \"EFI PART\" signature at LBA 1 "
			       "(offset %u)", sector);
	hsize = le32(h + 12);
	if (hsize < 92 || hsize > sizeof(hdr) || hsize > sector)
		return sn_fail(e, SN_E_GPT_HEADER, "header size %u (92..%u)", hsize,
			       sector < sizeof(hdr) ? sector : (uint32_t)sizeof(hdr));
	memcpy(hdr, h, hsize);
	memset(hdr + 16, 0, 4);
	crc = gpt_crc32(hdr, hsize);
	if (crc != le32(h + 16))
		return sn_fail(e, SN_E_GPT_CRC, "header CRC32 %08x, computed %08x",
			       le32(h + 16), crc);
	if (le64(h + 24) != 1)
		return sn_fail(e, SN_E_GPT_HEADER, "primary header says it is at LBA %llu",
			       (unsigned long long)le64(h + 24));
	ent_lba = le64(h + 72);
	nent = le32(h + 80);
	esize = le32(h + 84);
	if (esize < 128 || esize % 8 || esize > 4096)
		return sn_fail(e, SN_E_GPT_HEADER, "partition entry size %u (128..4096, "
			       "multiple of 8)", esize);
	if (nent > 4096)
		return sn_fail(e, SN_E_GPT_HEADER, "%u partition entries (at most 4096)",
			       nent);
	if (ent_lba < 2 || ent_lba > 1024)
		return sn_fail(e, SN_E_GPT_HEADER, "partition entries at LBA %llu",
			       (unsigned long long)ent_lba);
	ent_off = ent_lba * sector;
	ent_bytes = (uint64_t)nent * esize;
	if (ent_off + ent_bytes > len)
		return sn_fail(e, SN_E_GPT_HEADER, "partition entries end at byte %llu, "
			       "%zu read", (unsigned long long)(ent_off + ent_bytes), len);
	crc = gpt_crc32(buf + ent_off, (size_t)ent_bytes);
	if (crc != le32(h + 88))
		return sn_fail(e, SN_E_GPT_CRC, "partition entry array CRC32 %08x, "
			       "computed %08x", le32(h + 88), crc);

	out->sector = sector;
	memcpy(out->disk_guid, h + 56, 16);
	out->last_usable_lba = le64(h + 48);
	for (uint32_t i = 0; i < nent; i++) {
		const uint8_t *p = buf + ent_off + (uint64_t)i * esize;
		struct gpt_part *q;

		if (all_zero(p, 16))
			continue;
		if (out->n == GPT_MAX_PARTS)
			return sn_fail(e, SN_E_GPT_HEADER, "more than %d used partition "
				       "entries", GPT_MAX_PARTS);
		q = &out->p[out->n++];
		q->number = i + 1;
		memcpy(q->type, p, 16);
		memcpy(q->guid, p + 16, 16);
		q->first_lba = le64(p + 32);
		q->last_lba = le64(p + 40);
		q->attrs = le64(p + 48);
		name_utf8(p + 56, q->name, sizeof(q->name));
		if (q->last_lba < q->first_lba)
			return sn_fail(e, SN_E_GPT_HEADER, "partition %u ends (LBA %llu) "
				       "before it starts (LBA %llu)", q->number,
				       (unsigned long long)q->last_lba,
				       (unsigned long long)q->first_lba);
	}
	return SN_OK;
}

const struct gpt_part *gpt_find_esp(const struct gpt *g)
{
	for (int i = 0; i < g->n; i++)
		if (memcmp(g->p[i].type, GPT_TYPE_ESP, 16) == 0)
			return &g->p[i];
	return NULL;
}
