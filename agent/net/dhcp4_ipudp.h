/* The IPv4 + UDP envelope of DHCPv4 packets. Before it has an address the
 * client sends and receives raw IP packets (AF_PACKET), so it builds and
 * checks these headers itself. Pure functions over buffers. */
#ifndef SNBOOT_DHCP4_IPUDP_H
#define SNBOOT_DHCP4_IPUDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define DHCP4_IPUDP_LEN 28   /* IPv4 header without options + UDP header */

/* Fills buf[0..28) in front of a payload of len bytes already at buf + 28;
 * returns the packet length. Checksums are computed. */
size_t dhcp4_ipudp_wrap(uint8_t *buf, size_t len, struct in_addr src,
			uint16_t sport, struct in_addr dst, uint16_t dport);

/* Checks an IPv4/UDP packet to dport (version, lengths, no fragment, IP
 * header checksum, UDP checksum unless check_udp_sum is 0: the kernel
 * leaves it unfinished for packets whose checksum is offloaded) and points
 * *payload at the UDP payload. */
int dhcp4_ipudp_unwrap(const uint8_t *pkt, size_t len, uint16_t dport,
		       int check_udp_sum, const uint8_t **payload,
		       size_t *payload_len, struct sn_err *e);

#endif
