/* rtnetlink requests (see nlmsg.h). */
#include "net/nlmsg.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct ifinfomsg *nlmsg_link(struct nlmsg *m, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)m->b;
	struct ifinfomsg *ifi;

	memset(m, 0, sizeof(*m));
	m->len = NLMSG_LENGTH(sizeof(*ifi));
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	h->nlmsg_seq = 1;
	ifi = NLMSG_DATA(h);
	ifi->ifi_family = AF_UNSPEC;
	return ifi;
}

struct rtattr *nlmsg_attr(struct nlmsg *m, unsigned short type,
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

void nlmsg_nest_end(struct nlmsg *m, struct rtattr *a)
{
	a->rta_len = (unsigned short)(m->b + m->len - (uint8_t *)a);
}

int nlmsg_talk(struct nlmsg *m, int code, const char *what, struct sn_err *e)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)m->b;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { 2, 0 };
	union {
		struct nlmsghdr h;
		uint8_t b[1024];
	} reply;
	ssize_t n;
	int fd, err;

	h->nlmsg_len = (uint32_t)m->len;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		sn_fail(e, code, "%s: netlink socket: %s", what, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, m->b, m->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		err = errno;
		close(fd);
		sn_fail(e, code, "%s: netlink send: %s", what, strerror(err));
		return -1;
	}
	n = recv(fd, reply.b, sizeof(reply.b), 0);
	err = errno;
	close(fd);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    reply.h.nlmsg_type != NLMSG_ERROR) {
		sn_fail(e, code, "%s: no netlink answer (%s)", what,
			n < 0 ? strerror(err) : "short or unexpected");
		return -1;
	}
	return -((struct nlmsgerr *)NLMSG_DATA(&reply.h))->error;
}
