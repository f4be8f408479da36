/* libFuzzer target for the superblock prober: any bytes give a type or
 * none, and what it reports is terminated, printable text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/fsprobe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_info fi;
	int hit = fsprobe(data, size, &fi);

	check_text(fi.type, sizeof(fi.type));
	check_text(fi.uuid, sizeof(fi.uuid));
	check_text(fi.label, sizeof(fi.label));
	if (hit != (fi.type[0] != '\0'))
		abort();
	return 0;
}
