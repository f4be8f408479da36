/* GPT (via gpt.c) or MBR primary partitions (see ptable.h). */
#include "boot/ptable.h"

#include <stdio.h>
#include <string.h>

#include "boot/gpt.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int from_gpt(const uint8_t *buf, size_t len, struct ptable_part *out, int max)
{
	static const uint32_t sectors[] = { 512, 4096 };
	static struct gpt g;     /* 128 entries: too large for a small stack */

	for (size_t s = 0; s < 2; s++) {
		struct sn_err e;
		int n = 0;

		if (len < GPT_READ_BYTES(sectors[s]) ||
		    gpt_parse(buf, len, sectors[s], &g, &e) != SN_OK)
			continue;
		for (int i = 0; i < g.n && n < max; i++) {
			const struct gpt_part *p = &g.p[i];
			if (p->last_lba < p->first_lba)
				continue;
			out[n].number = (int)p->number;
			out[n].start = p->first_lba * sectors[s];
			out[n].size = (p->last_lba - p->first_lba + 1) * sectors[s];
			snprintf(out[n].name, sizeof(out[n].name), "%s", p->name);
			n++;
		}
		return n;
	}
	return -1;
}

int ptable_parse(const uint8_t *buf, size_t len, struct ptable_part *out, int max,
		 const char **kind)
{
	int n = from_gpt(buf, len, out, max);

	if (n >= 0) {
		*kind = "gpt";
		return n;
	}
	*kind = "";
	if (len < 512 || buf[510] != 0x55 || buf[511] != 0xAA)
		return 0;
	n = 0;
	for (int i = 0; i < 4 && n < max; i++) {
		const uint8_t *e = buf + 446 + 16 * i;
		uint8_t type = e[4];
		uint32_t lba = le32(e + 8), count = le32(e + 12);

		/* empty, extended (not followed), or the protective 0xEE */
		if (type == 0 || type == 0x05 || type == 0x0f || type == 0x85 || type == 0xee ||
		    count == 0 || (e[0] != 0 && e[0] != 0x80))
			continue;
		out[n].number = i + 1;
		out[n].start = (uint64_t)lba * 512;
		out[n].size = (uint64_t)count * 512;
		out[n].name[0] = '\0';
		n++;
	}
	if (n)
		*kind = "mbr";
	return n;
}
