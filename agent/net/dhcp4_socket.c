/* AF_PACKET socket for the DHCPv4 client. */
#include "net/dhcp4_socket.h"

#include "core/fdio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/dhcp4_ipudp.h"
#include "net/dhcp4_packet.h"

/* Accepts unfragmented IPv4 UDP to port 68. SOCK_DGRAM packet sockets hand
 * the filter the packet from the IP header on. */
static struct sock_filter udp68_code[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),                 /* protocol */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),                 /* frag offset */
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),                /* x = IP hdr len */
	BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),                 /* UDP dst port */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP4_CLIENT_PORT, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

int dhcp4_socket_open(struct dhcp4_socket *s, int ifindex, const char *ifname,
		      struct sn_err *e)
{
	struct sock_fprog prog = {
		.len = sizeof(udp68_code) / sizeof(udp68_code[0]),
		.filter = udp68_code,
	};
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = ifindex,
	};
	int one = 1;

	s->ifindex = ifindex;
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	/* Protocol 0 receives nothing until bind(), so no unfiltered packet
	 * can queue up before the filter is attached. */
	s->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return sn_fail(e, SN_E_DHCP4_SOCKET, "%s: socket(AF_PACKET): %s",
			       ifname, strerror(errno));
	if (setsockopt(s->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto err_close;
	/* Tells us whether the kernel left the UDP checksum unfinished
	 * (offload, veth): then it cannot be checked here. */
	if (setsockopt(s->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0)
		goto err_close;
	if (bind(s->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto err_close;
	return 0;

err_close:
	sn_fail(e, SN_E_DHCP4_SOCKET, "%s: %s", ifname, strerror(errno));
	close(s->fd);
	s->fd = -1;
	return SN_E_DHCP4_SOCKET;
}

/* 0 while the kernel says the link is not up yet. operstate, not carrier:
 * carrier rises first, but until linkwatch has made operstate "up" the
 * device's queue is still the no-op one and drops what we send (the first
 * DISCOVER on an e1000 was lost that way). "unknown" (a driver that does
 * not report it) and unreadable count as up: such a NIC must be tried. */
static int link_is_up(const char *ifname)
{
	char path[64], *text;
	int up;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	text = read_file(path, 32, NULL);
	up = !text || !strncmp(text, "up", 2) || !strncmp(text, "unknown", 7);
	free(text);
	return up;
}

/* The ARP request ahead of a unicast send; its failure is only the
 * send's failure. */
static int send_arp(struct dhcp4_socket *s, const struct dhcp4_unicast *to,
		    struct sn_err *e)
{
	uint8_t arp[DHCP4_ARP_LEN];
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = s->ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	size_t n = dhcp4_arp_request(arp, to->own_mac, to->src, to->arp_for);

	if (sendto(s->fd, arp, n, 0, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		return sn_fail(e, SN_E_DHCP4_ARP, "%s: ARP request: %s", s->ifname,
			       strerror(errno));
	return 0;
}

int dhcp4_socket_send(struct dhcp4_socket *s, const uint8_t *msg, size_t len,
		      const struct dhcp4_unicast *to, struct sn_err *e)
{
	uint8_t pkt[DHCP4_IPUDP_LEN + DHCP4_MAX_MSG];
	struct sockaddr_ll sll_to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = s->ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct in_addr any = { htonl(INADDR_ANY) };
	struct in_addr bcast = { htonl(INADDR_BROADCAST) };
	size_t n;

	if (len > DHCP4_MAX_MSG)
		return sn_fail(e, SN_E_DHCP4_SEND, "%s: %zu bytes > %d", s->ifname,
			       len, DHCP4_MAX_MSG);
	if (!link_is_up(s->ifname))
		return sn_fail(e, SN_E_DHCP4_NO_CARRIER, "%s: link not up", s->ifname);
	memcpy(pkt + DHCP4_IPUDP_LEN, msg, len);
	if (to) {
		if (send_arp(s, to, e))
			return SN_E_DHCP4_ARP;
		memcpy(sll_to.sll_addr, to->next_mac, ETH_ALEN);
		n = dhcp4_ipudp_wrap(pkt, len, to->src, DHCP4_CLIENT_PORT, to->dst,
				     to->port);
	} else {
		n = dhcp4_ipudp_wrap(pkt, len, any, DHCP4_CLIENT_PORT, bcast,
				     DHCP4_SERVER_PORT);
	}
	if (sendto(s->fd, pkt, n, 0, (struct sockaddr *)&sll_to, sizeof(sll_to)) < 0)
		return sn_fail(e, SN_E_DHCP4_SEND, "%s: %s", s->ifname,
			       strerror(errno));
	return 0;
}

/* 0 when the kernel says the checksum is not computed yet (TP_STATUS_CSUMNOTREADY). */
static int udp_sum_ready(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		struct tpacket_auxdata aux;
		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		return !(aux.tp_status & TP_STATUS_CSUMNOTREADY);
	}
	return 1;
}

int dhcp4_socket_recv(struct dhcp4_socket *s, uint8_t *buf, size_t cap,
		      const uint8_t **msg, size_t *len, uint8_t from_mac[6],
		      struct sn_err *e)
{
	struct sockaddr_ll from;
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct iovec iov = { buf, cap };
	struct msghdr mh = {
		.msg_name = &from,
		.msg_namelen = sizeof(from),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;
	int rc;

	n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return -sn_fail(e, SN_E_DHCP4_SOCKET, "%s: recv: %s", s->ifname,
				strerror(errno));
	}
	if (mh.msg_flags & MSG_TRUNC)
		return -sn_fail(e, SN_E_DHCP4_IPUDP, "%s: packet larger than %zu bytes",
				s->ifname, cap);
	rc = dhcp4_ipudp_unwrap(buf, (size_t)n, DHCP4_CLIENT_PORT,
				udp_sum_ready(&mh), msg, len, e);
	if (rc)
		return -rc;
	memset(from_mac, 0, 6);
	if (mh.msg_namelen >= offsetof(struct sockaddr_ll, sll_addr) + ETH_ALEN &&
	    from.sll_halen == ETH_ALEN)
		memcpy(from_mac, from.sll_addr, 6);
	return 1;
}

void dhcp4_socket_close(struct dhcp4_socket *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
