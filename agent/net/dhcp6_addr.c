/* Adds the DHCPv6 address to its interface over rtnetlink (RTM_NEWADDR).
 * Netlink rather than SIOCSIFADDR because only netlink can say NODAD: the
 * server leased this address to us, and DAD would keep it tentative (no
 * source for our HTTPS connection) for a second or more. */
#include "net/dhcp6_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct addr_req {
	struct nlmsghdr nh;
	struct ifaddrmsg ifa;
	char attrs[64];
};

static void add_attr(struct addr_req *r, unsigned short type, const void *data,
		     size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Waits for the kernel's ack of request seq; returns its errno (0 = done). */
static int read_ack(int fd, uint32_t seq)
{
	union {
		char buf[1024];
		struct nlmsghdr align;
	} u;

	for (;;) {
		ssize_t n = recv(fd, u.buf, sizeof(u.buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		for (struct nlmsghdr *h = &u.align; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return EPROTO;
			return -((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

int dhcp6_addr_add(int ifindex, const struct in6_addr *addr, unsigned prefix,
		   struct sn_err *e)
{
	struct addr_req r;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	uint32_t flags = IFA_F_NODAD;
	char text[INET6_ADDRSTRLEN];
	int fd, err;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifa));
	r.nh.nlmsg_type = RTM_NEWADDR;
	/* REPLACE: applying the same lease twice is not an error. */
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	r.nh.nlmsg_seq = 1;
	r.ifa.ifa_family = AF_INET6;
	r.ifa.ifa_prefixlen = (unsigned char)prefix;
	r.ifa.ifa_flags = (unsigned char)flags;
	r.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	r.ifa.ifa_index = (unsigned)ifindex;
	add_attr(&r, IFA_LOCAL, addr, sizeof(*addr));
	add_attr(&r, IFA_ADDRESS, addr, sizeof(*addr));
	add_attr(&r, IFA_FLAGS, &flags, sizeof(flags));

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return sn_fail(e, SN_E_DHCP6_ADDR, "netlink socket: %s", strerror(errno));
	if (sendto(fd, &r, r.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		err = errno;
		goto err_close;
	}
	err = read_ack(fd, r.nh.nlmsg_seq);
	if (err)
		goto err_close;
	close(fd);
	return SN_OK;

err_close:
	close(fd);
	if (!inet_ntop(AF_INET6, addr, text, sizeof(text)))
		text[0] = '\0';
	return sn_fail(e, SN_E_DHCP6_ADDR, "RTM_NEWADDR %s/%u on ifindex %d: %s", text, prefix,
		       ifindex, strerror(err));
}
