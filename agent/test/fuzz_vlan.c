/* libFuzzer target for snboot.vlan (vlan_parse): any text gives groups
 * that hold together or a coded error, never a crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/vlan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vlan_set vs;
	char text[600];
	struct sn_err e;
	struct nic n;
	unsigned ids[VLAN_IDS_MAX];
	int rc, k;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	sn_clear(&e);
	rc = vlan_parse(text, &vs, &e);
	if (rc != e.code || (rc && (rc != SN_E_NET_VLAN_RULES || !e.ctx[0])) ||
	    vs.n < 0 || vs.n > VLAN_GROUPS_MAX)
		abort();
	for (int i = 0; i < vs.n; i++)
		for (int j = 0; j < vs.g[i].n_ids; j++)
			if (vs.g[i].ids[j] < 1 || vs.g[i].ids[j] > VLAN_ID_MAX)
				abort();
	memset(&n, 0, sizeof(n));
	strcpy(n.name, "eth0");
	strcpy(n.mac_str, "52:54:00:00:00:01");
	k = vlan_ids_for(&vs, &n, ids, VLAN_IDS_MAX);
	for (int i = 0; i < k; i++)
		for (int j = 0; j < i; j++)
			if (ids[i] == ids[j])
				abort();
	return 0;
}
