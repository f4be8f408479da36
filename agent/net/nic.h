/* A network interface as the agent sees it (from sysfs). */
#ifndef SNBOOT_NIC_H
#define SNBOOT_NIC_H

#include <net/if.h>
#include <stdint.h>

#define NIC_MAX 32

struct nic {
	char name[IF_NAMESIZE];
	int ifindex;
	uint8_t mac[6];
	char mac_str[18];      /* "52:54:00:12:34:56" */
	char driver[32];       /* "virtio_net", "e1000e", "" if unknown */
	char pci_slot[32];     /* "0000:00:03.0", "" if not PCI */
	int carrier;           /* 1 up, 0 down, -1 unknown */
	int speed_mbps;        /* -1 unknown */
	int rank;              /* preference: lower wins ties; from rules */
	int excluded;          /* matched an exclusion rule */
	unsigned vlan;         /* 802.1Q ID of a VLAN interface the race made */
	int parent;            /* with vlan: index of its port in the same list */
	int bond;              /* 1: the 802.3ad bond the race made */
	int slave;             /* 1: a port of that bond (no probes of its own) */
};

#endif
