/* Machine facts as JSON (cJSON): the backend binds an address and an action
 * to the serial, and keeps the rest for operators. */
#include "core/facts.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

/* cJSON_Add* return NULL when out of memory; checking once at the end is
 * enough because a failed add leaves the tree valid, only shorter. */
static int add_string(cJSON *obj, const char *key, const char *value)
{
	return cJSON_AddStringToObject(obj, key, value ? value : "") != NULL;
}

static int add_identity(cJSON *root, const struct smbios_facts *id)
{
	static const struct smbios_facts none;
	cJSON *bios, *cpu;
	int ok = 1;

	if (id == NULL)
		id = &none;
	ok &= add_string(root, "serial", id->serial);
	ok &= add_string(root, "serial_source", id->serial_source);
	ok &= add_string(root, "uuid", id->has_uuid ? id->uuid : "");
	ok &= add_string(root, "manufacturer", id->manufacturer);
	ok &= add_string(root, "product", id->product);
	ok &= add_string(root, "board_serial", id->board_serial);
	ok &= add_string(root, "chassis_serial", id->chassis_serial);
	ok &= add_string(root, "asset_tag", id->asset_tag);
	bios = cJSON_AddObjectToObject(root, "bios");
	if (bios == NULL)
		return 0;
	ok &= add_string(bios, "vendor", id->bios_vendor);
	ok &= add_string(bios, "version", id->bios_version);
	ok &= add_string(bios, "date", id->bios_date);
	cpu = cJSON_AddObjectToObject(root, "cpu");
	if (cpu == NULL)
		return 0;
	ok &= cJSON_AddNumberToObject(cpu, "sockets", id->cpu_sockets) != NULL;
	ok &= cJSON_AddNumberToObject(cpu, "cores", id->cpu_cores) != NULL;
	ok &= cJSON_AddNumberToObject(root, "memory_mb", (double)id->memory_mb) != NULL;
	return ok;
}

static cJSON *nic_json(const struct nic *n)
{
	cJSON *o = cJSON_CreateObject();
	int ok = o != NULL;

	if (!ok)
		return NULL;
	ok &= add_string(o, "name", n->name);
	ok &= add_string(o, "mac", n->mac_str);
	ok &= add_string(o, "driver", n->driver);
	ok &= add_string(o, "pci", n->pci_slot);
	if (n->carrier < 0)
		ok &= cJSON_AddNullToObject(o, "link") != NULL;
	else
		ok &= cJSON_AddBoolToObject(o, "link", n->carrier) != NULL;
	if (n->speed_mbps < 0)
		ok &= cJSON_AddNullToObject(o, "speed_mbps") != NULL;
	else
		ok &= cJSON_AddNumberToObject(o, "speed_mbps", n->speed_mbps) != NULL;
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static int add_nics(cJSON *root, const struct nic *nics, int n_nics)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "nics");

	if (arr == NULL)
		return 0;
	for (int i = 0; i < n_nics; i++) {
		cJSON *o = nic_json(&nics[i]);
		if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return 0;
		}
	}
	return 1;
}

static const char *lease_ip(const struct lease *l, char *buf, size_t len)
{
	const void *addr = l->family == AF_INET6 ? (const void *)&l->addr6
						 : (const void *)&l->addr4;

	if (inet_ntop(l->family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf,
		      (socklen_t)len) == NULL)
		return "";
	return buf;
}

static int add_boot(cJSON *root, const struct nic *nics, int n_nics,
		    int winner, const struct lease *lease)
{
	const struct nic *w = winner >= 0 && winner < n_nics ? &nics[winner] : NULL;
	char ip[INET6_ADDRSTRLEN];
	cJSON *boot;
	int ok = 1;

	if (w == NULL && lease == NULL)
		return cJSON_AddNullToObject(root, "boot") != NULL;
	boot = cJSON_AddObjectToObject(root, "boot");
	if (boot == NULL)
		return 0;
	ok &= add_string(boot, "nic", w ? w->name : lease->ifname);
	ok &= add_string(boot, "mac", w ? w->mac_str : "");
	if (lease) {
		ok &= add_string(boot, "family",
				 lease->family == AF_INET6 ? "ipv6" : "ipv4");
		ok &= add_string(boot, "ip", lease_ip(lease, ip, sizeof(ip)));
		ok &= add_string(boot, "url", lease->boot_url);
	} else {
		ok &= cJSON_AddNullToObject(boot, "family") != NULL;
		ok &= add_string(boot, "ip", "");
		ok &= add_string(boot, "url", "");
	}
	return ok;
}

char *facts_json(const struct smbios_facts *id, const struct nic *nics,
		 int n_nics, int winner, const struct lease *lease,
		 const char *boot_id, int attempt)
{
	cJSON *root = cJSON_CreateObject(), *agent;
	char *text = NULL;
	int ok;

	if (root == NULL)
		return NULL;
	ok = add_identity(root, id);
	ok = ok && add_nics(root, nics, nics ? n_nics : 0);
	ok = ok && add_boot(root, nics, nics ? n_nics : 0, winner, lease);
	agent = ok ? cJSON_AddObjectToObject(root, "agent") : NULL;
	ok = agent && add_string(agent, "version", SNBOOT_VERSION);
	ok = ok && add_string(root, "boot_id", boot_id);
	ok = ok && cJSON_AddNumberToObject(root, "attempt", attempt) != NULL;
	if (ok)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}
