/* IPv4 (RFC 791) and UDP (RFC 768) headers around DHCPv4 packets. */
#include "net/dhcp4_ipudp.h"

#include <string.h>

#define IP_HDR_MIN 20
#define UDP_HDR 8
#define PROTO_UDP 17

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 1071 one's complement sum, not yet folded or inverted. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* UDP checksum over the pseudo header (src, dst, proto, length) + datagram. */
static uint16_t udp_sum(const uint8_t src[4], const uint8_t dst[4],
			const uint8_t *udp, size_t len)
{
	uint32_t sum = 0;

	sum = sum16(sum, src, 4);
	sum = sum16(sum, dst, 4);
	sum += PROTO_UDP + (uint32_t)len;
	return fold(sum16(sum, udp, len));
}

size_t dhcp4_ipudp_wrap(uint8_t *buf, size_t len, struct in_addr src,
			uint16_t sport, struct in_addr dst, uint16_t dport)
{
	uint8_t *ip = buf, *udp = buf + IP_HDR_MIN;
	size_t total = DHCP4_IPUDP_LEN + len;
	uint16_t csum;

	memset(buf, 0, DHCP4_IPUDP_LEN);
	ip[0] = 0x45;             /* version 4, 5 words */
	put16(ip + 2, (uint16_t)total);
	ip[8] = 64;               /* TTL; never routed anyway */
	ip[9] = PROTO_UDP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, fold(sum16(0, ip, IP_HDR_MIN)));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(UDP_HDR + len));
	csum = udp_sum(ip + 12, ip + 16, udp, UDP_HDR + len);
	put16(udp + 6, csum ? csum : 0xffff);  /* 0 means "no checksum" */
	return total;
}

int dhcp4_ipudp_unwrap(const uint8_t *pkt, size_t len, uint16_t dport,
		       int check_udp_sum, const uint8_t **payload,
		       size_t *payload_len, struct sn_err *e)
{
	size_t ihl, total, ulen;
	const uint8_t *udp;

	if (len < IP_HDR_MIN || pkt[0] >> 4 != 4)
		return sn_fail(e, SN_E_DHCP4_IPUDP, "not IPv4 (%zu bytes)", len);
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	total = get16(pkt + 2);
	if (ihl < IP_HDR_MIN || total < ihl + UDP_HDR || total > len)
		return sn_fail(e, SN_E_DHCP4_IPUDP,
			       "IP header %zu, total length %zu, received %zu",
			       ihl, total, len);
	if (pkt[9] != PROTO_UDP)
		return sn_fail(e, SN_E_DHCP4_IPUDP, "IP protocol %u, not UDP", pkt[9]);
	if (get16(pkt + 6) & 0x3fff)  /* more fragments, or an offset */
		return sn_fail(e, SN_E_DHCP4_IPUDP, "IP fragment");
	if (fold(sum16(0, pkt, ihl)) != 0)
		return sn_fail(e, SN_E_DHCP4_CHECKSUM, "IP header checksum");
	udp = pkt + ihl;
	ulen = get16(udp + 4);
	if (get16(udp + 2) != dport)
		return sn_fail(e, SN_E_DHCP4_IPUDP, "UDP port %u, want %u",
			       get16(udp + 2), dport);
	if (ulen < UDP_HDR || ulen > total - ihl)
		return sn_fail(e, SN_E_DHCP4_IPUDP,
			       "UDP length %zu, IP payload %zu", ulen, total - ihl);
	if (check_udp_sum && get16(udp + 6) != 0 &&
	    udp_sum(pkt + 12, pkt + 16, udp, ulen) != 0)
		return sn_fail(e, SN_E_DHCP4_CHECKSUM, "UDP checksum");
	*payload = udp + UDP_HDR;
	*payload_len = ulen - UDP_HDR;
	return 0;
}

size_t dhcp4_arp_request(uint8_t buf[DHCP4_ARP_LEN], const uint8_t mac[6],
			 struct in_addr sip, struct in_addr tip)
{
	put16(buf, 1);            /* hardware: Ethernet */
	put16(buf + 2, 0x0800);   /* protocol: IPv4 */
	buf[4] = 6;
	buf[5] = 4;
	put16(buf + 6, 1);        /* request */
	memcpy(buf + 8, mac, 6);
	memcpy(buf + 14, &sip, 4);
	memset(buf + 18, 0, 6);
	memcpy(buf + 24, &tip, 4);
	return DHCP4_ARP_LEN;
}
