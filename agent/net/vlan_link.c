/* net_vlan_create: one RTM_NEWLINK (rtnetlink(7)) with IFLA_LINK = the
 * parent and IFLA_LINKINFO { kind "vlan", data { IFLA_VLAN_ID } }, as
 * `ip link add link eth0 name eth0.100 type vlan id 100` sends it. */
#include "net/vlan.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct nlbuf {
	uint8_t b[512];
	size_t len;
};

static struct rtattr *attr(struct nlbuf *m, unsigned short type,
			   const void *data, size_t n)
{
	struct rtattr *a = (struct rtattr *)(void *)(m->b + NLMSG_ALIGN(m->len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	if (n)
		memcpy(RTA_DATA(a), data, n);
	m->len = NLMSG_ALIGN(m->len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void nest_end(struct nlbuf *m, struct rtattr *a)
{
	a->rta_len = (unsigned short)(m->b + m->len - (uint8_t *)a);
}

int net_vlan_create(const char *parent, unsigned tag, char *ifname_out,
		    size_t len, struct sn_err *e)
{
	struct nlbuf m;
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)m.b;
	struct ifinfomsg *ifi;
	struct rtattr *info, *data;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { 2, 0 };
	union {
		struct nlmsghdr h;
		uint8_t b[1024];
	} reply;
	unsigned parent_index = if_nametoindex(parent);
	uint32_t link = parent_index;
	uint16_t id = (uint16_t)tag;
	char name[IFNAMSIZ];
	ssize_t n;
	int fd, err;

	if (!parent_index)
		return sn_fail(e, SN_E_NET_VLAN, "%s.%u: parent %s: %s", parent, tag,
			       parent, strerror(errno));
	if (tag < 1 || tag > VLAN_ID_MAX)
		return sn_fail(e, SN_E_NET_VLAN, "%s: VLAN ID %u outside 1..%d",
			       parent, tag, VLAN_ID_MAX);
	vlan_ifname(parent, (int)parent_index, tag, name, sizeof(name));
	memset(&m, 0, sizeof(m));
	m.len = NLMSG_LENGTH(sizeof(*ifi));
	h->nlmsg_type = RTM_NEWLINK;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	h->nlmsg_seq = 1;
	ifi = NLMSG_DATA(h);
	ifi->ifi_family = AF_UNSPEC;
	attr(&m, IFLA_LINK, &link, sizeof(link));
	attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
	info = attr(&m, IFLA_LINKINFO, NULL, 0);
	attr(&m, IFLA_INFO_KIND, "vlan", 4);
	data = attr(&m, IFLA_INFO_DATA, NULL, 0);
	attr(&m, IFLA_VLAN_ID, &id, sizeof(id));
	nest_end(&m, data);
	nest_end(&m, info);
	h->nlmsg_len = (uint32_t)m.len;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return sn_fail(e, SN_E_NET_VLAN, "%s: netlink socket: %s", name,
			       strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, m.b, m.len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		err = errno;
		close(fd);
		return sn_fail(e, SN_E_NET_VLAN, "%s: netlink send: %s", name, strerror(err));
	}
	n = recv(fd, reply.b, sizeof(reply.b), 0);
	err = errno;
	close(fd);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    reply.h.nlmsg_type != NLMSG_ERROR)
		return sn_fail(e, SN_E_NET_VLAN, "%s: no netlink answer (%s)", name,
			       n < 0 ? strerror(err) : "short or unexpected");
	err = -((struct nlmsgerr *)NLMSG_DATA(&reply.h))->error;
	/* EOPNOTSUPP: the kernel lacks CONFIG_VLAN_8021Q. */
	if (err && err != EEXIST)
		return sn_fail(e, SN_E_NET_VLAN, "%s (VLAN %u on %s): %s%s", name, tag,
			       parent, strerror(err),
			       err == EOPNOTSUPP ? " (kernel without 802.1Q support)" : "");
	snprintf(ifname_out, len, "%s", name);
	return 0;
}
