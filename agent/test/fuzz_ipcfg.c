/* libFuzzer target for snboot.ip (ipcfg_parse): any text gives settings
 * that hold together or a coded error with context, never a crash. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[1200];
	struct ipcfg c;
	struct sn_err e;
	uint32_t m;
	int rc;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	sn_clear(&e);
	rc = ipcfg_parse(text, &c, &e);
	if (rc != e.code || (rc && (rc != SN_E_NET_IPCFG || !e.ctx[0])))
		abort();
	if (rc)
		return 0;
	m = ntohl(c.mask.s_addr);
	if (!c.client.s_addr || !m || (~m & (~m + 1)) || c.n_dns > 2 ||
	    strnlen(c.dev, sizeof(c.dev)) == sizeof(c.dev) ||
	    strnlen(c.hostname, sizeof(c.hostname)) == sizeof(c.hostname) ||
	    c.gw.s_addr == c.client.s_addr)
		abort();
	return 0;
}
