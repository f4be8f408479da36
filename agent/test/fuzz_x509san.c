/* Fuzzes the subjectAltName walker: the first byte picks the address
 * family, the rest is the Extensions DER. */
#include <stddef.h>
#include <stdint.h>

#include "http/x509san.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ip[16] = { 0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t ip4[4] = { 10, 0, 2, 2 };
	struct sn_err e;
	int found;

	if (size == 0)
		return 0;
	if (data[0] & 1)
		x509_san_find_ip(data + 1, size - 1, ip, sizeof(ip), &found, &e);
	else
		x509_san_find_ip(data + 1, size - 1, ip4, sizeof(ip4), &found, &e);
	return 0;
}
