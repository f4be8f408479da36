/* libFuzzer target for the LLDP parser: any bytes give facts within their
 * bounds or a coded error with context, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/lldp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lldp_info li;
	struct sn_err e;
	int rc;

	sn_clear(&e);
	rc = lldp_parse(data, size, &li, &e);
	if (rc != e.code || (rc && (rc != SN_E_NET_LLDP || !e.ctx[0])))
		abort();
	if (li.n_vlans < 0 || li.n_vlans > LLDP_VLANS_MAX || li.pvid > 4095 ||
	    strnlen(li.chassis, sizeof(li.chassis)) == sizeof(li.chassis) ||
	    strnlen(li.sysname, sizeof(li.sysname)) == sizeof(li.sysname))
		abort();
	for (int i = 0; i < li.n_vlans; i++)
		if (li.vlans[i].vid > 4095 ||
		    strnlen(li.vlans[i].name, sizeof(li.vlans[i].name)) == sizeof(li.vlans[i].name))
			abort();
	return 0;
}
