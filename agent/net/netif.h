/* Network interfaces: listing from sysfs, and the few changes the agent
 * makes to them (link up/down, IPv4 address, default route, MTU) through
 * the classic ioctls, which need no netlink code for such simple work. */
#ifndef SNBOOT_NETIF_H
#define SNBOOT_NETIF_H

#include <netinet/in.h>

#include "core/err.h"
#include "net/nic.h"

#define NETIF_SYSFS "/sys/class/net"

/* Lists Ethernet NICs (type 1; lo, wireless and anything else skipped)
 * found under sysfs_net, sorted by ifindex; at most max, lowest ifindex
 * first. rank and excluded are 0. Returns the count, or a negative code. */
int netif_list(const char *sysfs_net, struct nic *out, int max,
	       struct sn_err *e);

/* 1 carrier, 0 none, -1 unknown (interface down or gone). */
int netif_carrier(const char *sysfs_net, const char *name);

/* IFF_UP on or off. */
int netif_set_up(const char *name, int up, struct sn_err *e);

/* Sets the primary IPv4 address, netmask and the matching broadcast. */
int netif_set_addr4(const char *name, struct in_addr addr, struct in_addr mask,
		    struct sn_err *e);

/* Removes every IPv4 address of the interface. */
int netif_flush_addr4(const char *name, struct sn_err *e);

/* Default route via gw on name. When gw is outside addr/mask (a /32 lease,
 * some clouds), a host route to gw on the link comes first. An existing
 * identical route is not an error. */
int netif_add_default_route4(const char *name, struct in_addr gw,
			     struct in_addr addr, struct in_addr mask,
			     struct sn_err *e);

/* Route to dst/plen via gw on name (gw 0.0.0.0: on the link). A gw
 * outside addr/mask gets a host route on the link first, as above. An
 * existing identical route is not an error. plen 0 is a default route. */
int netif_add_route4(const char *name, struct in_addr dst, unsigned plen,
		     struct in_addr gw, struct in_addr addr, struct in_addr mask,
		     struct sn_err *e);

int netif_set_mtu(const char *name, unsigned mtu, struct sn_err *e);

#endif
