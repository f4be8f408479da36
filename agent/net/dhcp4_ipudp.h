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

/* Where a unicast message goes (the PXE boot server REQUEST): from src:68
 * (the lease's address, not configured on the NIC yet) to dst:port via
 * the Ethernet address next_mac (the frame the server's OFFER came in),
 * after an ARP request for arp_for from src, own_mac. */
struct dhcp4_unicast {
	struct in_addr src, dst, arp_for;
	uint16_t port;
	uint8_t next_mac[6], own_mac[6];
};

#define DHCP4_ARP_LEN 28     /* ARP for IPv4 over Ethernet (RFC 826) */

/* An ARP request "who has tip? tell sip (mac)" into buf. Sent before the
 * PXE boot server REQUEST from an address the NIC does not hold yet: the
 * target merges our address and MAC into its table (RFC 826, "Packet
 * reception"), so its answer to that address finds us without asking
 * (our kernel would not answer for an address it does not have). */
size_t dhcp4_arp_request(uint8_t buf[DHCP4_ARP_LEN], const uint8_t mac[6],
			 struct in_addr sip, struct in_addr tip);

#endif
