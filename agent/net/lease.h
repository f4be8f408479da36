/* What the network stage yields: the winning lease (v4 or v6) with the
 * backend URL, and what the agent must apply (address, routes, DNS). */
#ifndef SNBOOT_LEASE_H
#define SNBOOT_LEASE_H

#include <netinet/in.h>
#include <stdint.h>

#define LEASE_URL_MAX 1024
#define LEASE_MAX_DNS 4

struct lease {
	int family;                 /* AF_INET or AF_INET6 */
	char ifname[16];
	int ifindex;
	/* IPv4 */
	struct in_addr addr4, mask4, router4, server4;
	struct in_addr dns4[LEASE_MAX_DNS];
	int n_dns4;
	struct in_addr ntp4, log4;  /* 0.0.0.0 if not given */
	uint16_t mtu;               /* 0 if not given */
	/* IPv6 */
	struct in6_addr addr6, server6;
	uint8_t prefix6;            /* 128 for a DHCPv6 IA_NA address */
	struct in6_addr dns6[LEASE_MAX_DNS];
	int n_dns6;
	/* both */
	char domain[128];
	char hostname[64];
	char boot_url[LEASE_URL_MAX]; /* option 67 / file / v6 option 59; "" if none */
	char boot_params[256];        /* v6 option 60, "" if none */
	uint32_t lease_s;
	uint64_t got_ms;              /* mono_ms() when the lease was bound */
};

#endif
