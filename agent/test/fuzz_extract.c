/* Fuzzes imgextract's inflate (script_inflate) with gzip, zlib and
 * anything else: every input ends in SN_OK or one of its error codes,
 * never more bytes out than the limit. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "script/script_extract.h"

#define LIMIT (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *arg, const void *p, size_t len, struct sn_err *e)
{
	uint64_t *n = arg;

	*n += len;
	(void)p;
	return SN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sn_err e;
	uint64_t seen = 0, out = 0;
	int rc = script_inflate(data, size, LIMIT, count, &seen, &out, &e);

	if (seen != out || out > LIMIT)
		abort();
	switch (rc) {
	case SN_OK:
	case SN_E_SCRIPT_EXTRACT_FORMAT:
	case SN_E_SCRIPT_EXTRACT_CORRUPT:
	case SN_E_SCRIPT_EXTRACT_TOO_BIG:
		break;
	default:
		abort();
	}
	return 0;
}
