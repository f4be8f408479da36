/* What the network stage yields: the winning lease (v4 or v6) with the
 * backend URL, and what the agent must apply (address, routes, DNS). */
#ifndef SNBOOT_LEASE_H
#define SNBOOT_LEASE_H

#include <netinet/in.h>
#include <stdint.h>

#define LEASE_URL_MAX 1024
#define LEASE_MAX_DNS 4
#define LEASE_MAX_ROUTES4 16

/* One DHCPv4 option 121 route (RFC 3442); gw 0.0.0.0 = on the link. */
struct lease_route4 {
	struct in_addr dst, gw;
	uint8_t plen;
};

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
	/* Option 121: when n_routes4 > 0 these replace router4 (RFC 3442
	 * §1: option 3 is then ignored); the default route is a 0/0 entry. */
	struct lease_route4 routes4[LEASE_MAX_ROUTES4];
	int n_routes4;
	int n_routes4_dropped;      /* routes beyond LEASE_MAX_ROUTES4 */
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
	/* Who gave the boot URL when another server than the lease's did
	 * (ProxyDHCP, a second server's OFFER); "" when the lease's own. */
	char url_from[64];
	uint32_t lease_s;
	uint64_t got_ms;              /* mono_ms() when the lease was bound */
};

#endif
