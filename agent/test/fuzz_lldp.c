/* libFuzzer target for the LLDP parser: any bytes give facts within their
 * bounds or a coded error with context, never a crash. The bytes also make
 * up to 8 ports' link aggregation records for lldp_lag_group, which must
 * name only ports it was given, each once, all of one aggregate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/lldp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_group(const uint8_t *data, size_t size)
{
	struct lldp_lag recs[8];
	int members[8], n = 0, m;

	/* 4 bytes a record: port, chassis (one of 2), flags, aggregate ID. */
	for (size_t at = 0; at + 4 <= size && n < 8; at += 4, n++) {
		memset(&recs[n], 0, sizeof(recs[n]));
		recs[n].port = data[at] % 8;
		recs[n].chassis[0] = (char)('a' + (data[at + 1] & 1));
		recs[n].capable = data[at + 2] & 1;
		recs[n].enabled = (data[at + 2] >> 1) & 1;
		recs[n].agg_id = data[at + 3] % 3;
	}
	m = lldp_lag_group(recs, n, members, (int)(size % 9));
	if (m < 0 || m > 8 || (m == 1 && size % 9 != 1) || m > (int)(size % 9))
		abort();
	for (int k = 0; k < m; k++) {
		int found = 0;
		for (int i = 0; i < n; i++)
			found |= recs[i].port == members[k] && recs[i].capable &&
				 recs[i].enabled && recs[i].agg_id;
		if (!found)
			abort();
	}
}

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
	check_group(data, size);
	return 0;
}
