/* The DHCPv4 client's socket: an AF_PACKET datagram socket on one NIC, so
 * it can send from 0.0.0.0 and hear broadcast replies before the NIC has an
 * address. The only part of the DHCPv4 client that does I/O. */
#ifndef SNBOOT_DHCP4_SOCKET_H
#define SNBOOT_DHCP4_SOCKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "net/dhcp4_ipudp.h"

struct dhcp4_socket {
	int fd;
	int ifindex;
	char ifname[16];
};

/* Opens the socket bound to ifindex, filtered (BPF) to UDP port 68. */
int dhcp4_socket_open(struct dhcp4_socket *s, int ifindex, const char *ifname,
		      struct sn_err *e);

/* Sends one DHCP message: to == NULL broadcasts it from 0.0.0.0:68 to
 * 255.255.255.255:67, Ethernet destination ff:ff:ff:ff:ff:ff. */
int dhcp4_socket_send(struct dhcp4_socket *s, const uint8_t *msg, size_t len,
		      const struct dhcp4_unicast *to, struct sn_err *e);
/* Reads one packet: 1 with msg and len pointing at the DHCP payload inside
 * buf and from_mac the frame's Ethernet source, 0 when nothing is pending, negative on a malformed packet or a read
 * error (*e says which; the caller logs and reads on). */
int dhcp4_socket_recv(struct dhcp4_socket *s, uint8_t *buf, size_t cap,
		      const uint8_t **msg, size_t *len, uint8_t from_mac[6],
		      struct sn_err *e);
void dhcp4_socket_close(struct dhcp4_socket *s);

#endif
