/* Fuzzes the GPT parser and the UEFI load option parser. */
#include <stdint.h>
#include <stdlib.h>

#include "boot/bootnext.h"
#include "boot/gpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gpt g;
	struct efi_load_option o;
	struct sn_err e;

	gpt_parse(data, size, 512, &g, &e);
	gpt_parse(data, size, 4096, &g, &e);
	efi_load_option_parse(data, size, &o, &e);
	return 0;
}
