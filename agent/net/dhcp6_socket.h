/* The DHCPv6 client's I/O shell: one UDP socket per NIC, the interface's
 * IPv6 sysctls, and adding the leased address. Nothing here decides. */
#ifndef SNBOOT_DHCP6_SOCKET_H
#define SNBOOT_DHCP6_SOCKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547

/* Non-blocking UDP socket on [::]:546 bound to ifname, multicasting out of
 * ifindex. *fd is set on success. */
int dhcp6_socket_open(const char *ifname, int ifindex, int *fd, struct sn_err *e);

/* Sends to All_DHCP_Relay_Agents_and_Servers (ff02::1:2) port 547 on
 * ifindex. SN_E_DHCP6_NOT_READY: no usable link-local source address yet. */
int dhcp6_socket_send(int fd, int ifindex, const uint8_t *buf, size_t len,
		      struct sn_err *e);

/* One datagram into buf: SN_OK with *len > 0; SN_OK with *len = 0 when
 * none is waiting; SN_E_DHCP6_DATAGRAM when one was read and dropped;
 * SN_E_DHCP6_RECV on a socket error. */
int dhcp6_socket_recv(int fd, uint8_t *buf, size_t cap, size_t *len,
		      struct in6_addr *from, struct sn_err *e);

/* Adds addr/prefix to the interface (netlink), without DAD; an address
 * already there is success. */
int dhcp6_addr_add(int ifindex, const struct in6_addr *addr, unsigned prefix,
		   struct sn_err *e);

#endif
