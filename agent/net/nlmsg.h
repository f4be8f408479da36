/* A minimal rtnetlink request builder and sender (rtnetlink(7)): one
 * message, attributes and nests appended in order, sent with NLM_F_ACK
 * and the kernel's answer read back. For the few link changes the agent
 * makes (VLAN, bond) that the classic ioctls cannot do. */
#ifndef SNBOOT_NLMSG_H
#define SNBOOT_NLMSG_H

#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct nlmsg {
	uint8_t b[512];
	size_t len;
};

/* Starts a request of type (RTM_NEWLINK, RTM_DELLINK) with flags added to
 * NLM_F_REQUEST | NLM_F_ACK; returns the ifinfomsg to fill. */
struct ifinfomsg *nlmsg_link(struct nlmsg *m, uint16_t type, uint16_t flags);
/* Appends an attribute; a nest is an attribute of no data closed later. */
struct rtattr *nlmsg_attr(struct nlmsg *m, unsigned short type,
			  const void *data, size_t n);
void nlmsg_nest_end(struct nlmsg *m, struct rtattr *nest);
/* Sends, reads the ack: 0, or the kernel's errno (positive); -1 with *e
 * set when the socket fails. */
int nlmsg_talk(struct nlmsg *m, int code, const char *what, struct sn_err *e);

#endif
