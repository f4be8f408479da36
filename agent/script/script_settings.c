/* iPXE's per-interface and DHCP settings from what the network stage
 * found (see script_settings.h). Names and native types follow iPXE's
 * settings table (src/net/netdevice.c, src/net/udp/dhcp.c): addresses are
 * stored as dotted text, a MAC as hex groups, so every :type works on
 * them (script_types.c). */
#include "script/script_settings.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fdio.h"

struct filler {
	struct script_settings *s;
	int rc;
	int keep;   /* 1: a setting that has a value keeps it */
};

static void put(struct filler *f, const char *scope, const char *name, const char *value)
{
	char key[SCRIPT_NAME_MAX + 1];
	int rc;

	if (!value || !*value)
		return;
	snprintf(key, sizeof(key), "%s%s%s", scope ? scope : "", scope ? "/" : "", name);
	if (f->keep && script_get(f->s, key))
		return;
	rc = script_set(f->s, key, value);
	if (rc != SN_OK && f->rc == SN_OK)
		f->rc = rc;
}

static void put_addr(struct filler *f, const char *scope, const char *name, int family,
		     const void *addr)
{
	static const unsigned char zero[16];
	char text[INET6_ADDRSTRLEN];

	if (memcmp(addr, zero, family == AF_INET ? 4 : 16) == 0)
		return;   /* not given */
	if (inet_ntop(family, addr, text, sizeof(text)))
		put(f, scope, name, text);
}

/* The lease's settings, once bare (iPXE's merged view) and once under the
 * winning NIC's scope. */
static void put_lease(struct filler *f, const char *scope, const struct lease *l)
{
	char num[16];

	if (l->family == AF_INET) {
		put_addr(f, scope, "ip", AF_INET, &l->addr4);
		put_addr(f, scope, "netmask", AF_INET, &l->mask4);
		put_addr(f, scope, "gateway", AF_INET, &l->router4);
		if (l->n_dns4 > 0)
			put_addr(f, scope, "dns", AF_INET, &l->dns4[0]);
		put_addr(f, scope, "next-server", AF_INET, &l->server4);
		put_addr(f, scope, "ntp", AF_INET, &l->ntp4);
		put_addr(f, scope, "syslog", AF_INET, &l->log4);
	} else if (l->family == AF_INET6) {
		put_addr(f, scope, "ip6", AF_INET6, &l->addr6);
		if (l->n_dns6 > 0)
			put_addr(f, scope, "dns6", AF_INET6, &l->dns6[0]);
		put_addr(f, scope, "next-server6", AF_INET6, &l->server6);
	}
	if (l->mtu) {
		snprintf(num, sizeof(num), "%u", l->mtu);
		put(f, scope, "mtu", num);
	}
	put(f, scope, "domain", l->domain);
	put(f, scope, "hostname", l->hostname);
	put(f, scope, "filename", l->boot_url);
}

/* iPXE's busloc for PCI: segment << 16 | bus << 8 | dev << 3 | fn. */
static int pci_busloc(const char *slot, unsigned *loc)
{
	unsigned seg, bus, dev, fn;

	if (sscanf(slot, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4 || seg > 0xffff ||
	    bus > 0xff || dev > 0x1f || fn > 7)
		return -1;
	*loc = seg << 16 | bus << 8 | dev << 3 | fn;
	return 0;
}

int script_settings_from_lease(struct script_settings *s, const struct lease *l,
			       const struct nic *nics, int n, int winner)
{
	struct filler f = { s, SN_OK, 0 };
	char scope[16], num[16];

	put(&f, NULL, "version", SNBOOT_VERSION);
	put(&f, NULL, "buildarch", "x86_64");
	for (int i = 0; i < n; i++) {
		const struct nic *c = &nics[i];
		unsigned loc;
		snprintf(scope, sizeof(scope), "net%d", i);
		put(&f, scope, "mac", c->mac_str);
		put(&f, scope, "chip", c->driver);
		if (c->pci_slot[0] && pci_busloc(c->pci_slot, &loc) == 0) {
			snprintf(num, sizeof(num), "%#x", loc);
			put(&f, scope, "busloc", num);
			put(&f, scope, "bustype", "PCI");
		}
	}
	if (l) {
		put_lease(&f, NULL, l);
		if (winner >= 0 && winner < n) {
			snprintf(scope, sizeof(scope), "net%d", winner);
			put_lease(&f, scope, l);
			/* netX: iPXE's name for the interface opened last, the
			 * one the script came over (Foreman's ${netX/gateway}) */
			put_lease(&f, "netX", l);
			put(&f, "netX", "mac", nics[winner].mac_str);
			put(&f, "netX", "chip", nics[winner].driver);
			put(&f, NULL, "mac", nics[winner].mac_str);
		}
	}
	return f.rc;
}

/* iPXE after `dhcp net0-42`: the lease in the net0-42 settings block;
 * netX names the interface opened last (this one). An unscoped ${ip},
 * ${gateway}, ${dns}... is looked up through the blocks in the order they
 * were registered (settings.c: equal priorities keep their order), so
 * the NIC the script came over answers first; the VLAN's lease only
 * fills what it left unset. */
int script_settings_iface_lease(struct script_settings *s, const char *ifname,
				const struct lease *l)
{
	struct filler f = { s, SN_OK, 0 };

	if (!ifname[0] || strchr(ifname, '/') || strlen(ifname) > SCRIPT_NAME_MAX / 2)
		return SN_E_SCRIPT_NO_NIC;
	put_lease(&f, ifname, l);
	put_lease(&f, "netX", l);
	f.keep = 1;
	put_lease(&f, NULL, l);
	return f.rc;
}

static int read_id(const char *root, const char *ifname, const char *what, unsigned *id)
{
	char path[512], *text;
	size_t len;
	int ok;

	snprintf(path, sizeof(path), "%s/class/net/%s/device/%s", root, ifname, what);
	if (!(text = read_file(path, 64, &len)))
		return -1;
	ok = sscanf(text, "%x", id) == 1 && *id <= 0xffff;
	free(text);
	return ok ? 0 : -1;
}

int script_settings_busids(struct script_settings *s, const struct nic *nics, int n,
			   const char *sysfs_root)
{
	char key[32], busid[32];
	unsigned vendor, device;
	int set = 0;

	for (int i = 0; i < n; i++) {
		if (!nics[i].pci_slot[0] || read_id(sysfs_root, nics[i].name, "vendor", &vendor) ||
		    read_id(sysfs_root, nics[i].name, "device", &device))
			continue;
		snprintf(key, sizeof(key), "net%d/busid", i);
		snprintf(busid, sizeof(busid), "01:%02x:%02x:%02x:%02x", vendor >> 8,
			 vendor & 0xff, device >> 8, device & 0xff);
		if (script_set(s, key, busid) == SN_OK)
			set++;
	}
	return set;
}

int script_nic_index(const char *name, int n, int winner)
{
	unsigned long i;
	char *end;

	if (strncmp(name, "net", 3) != 0)
		return -1;
	if (strcmp(name + 3, "X") == 0)
		return winner >= 0 && winner < n ? winner : -1;
	if (name[3] < '0' || name[3] > '9' || (name[3] == '0' && name[4]))
		return -1;
	i = strtoul(name + 3, &end, 10);
	return *end || i >= (unsigned long)n ? -1 : (int)i;
}
