/* net_vlan_create: one RTM_NEWLINK (rtnetlink(7)) with IFLA_LINK = the
 * parent and IFLA_LINKINFO { kind "vlan", data { IFLA_VLAN_ID } }, as
 * `ip link add link eth0 name eth0.100 type vlan id 100` sends it. */
#include "net/vlan.h"

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "net/nlmsg.h"

int net_vlan_create(const char *parent, unsigned tag, char *ifname_out,
		    size_t len, struct sn_err *e)
{
	struct nlmsg m;
	struct rtattr *info, *data;
	unsigned parent_index = if_nametoindex(parent);
	uint32_t link = parent_index;
	uint16_t id = (uint16_t)tag;
	char name[IFNAMSIZ];
	int err;

	if (!parent_index)
		return sn_fail(e, SN_E_NET_VLAN, "%s.%u: parent %s: %s", parent, tag,
			       parent, strerror(errno));
	if (tag < 1 || tag > VLAN_ID_MAX)
		return sn_fail(e, SN_E_NET_VLAN, "%s: VLAN ID %u outside 1..%d",
			       parent, tag, VLAN_ID_MAX);
	vlan_ifname(parent, (int)parent_index, tag, name, sizeof(name));
	nlmsg_link(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nlmsg_attr(&m, IFLA_LINK, &link, sizeof(link));
	nlmsg_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
	info = nlmsg_attr(&m, IFLA_LINKINFO, NULL, 0);
	nlmsg_attr(&m, IFLA_INFO_KIND, "vlan", 4);
	data = nlmsg_attr(&m, IFLA_INFO_DATA, NULL, 0);
	nlmsg_attr(&m, IFLA_VLAN_ID, &id, sizeof(id));
	nlmsg_nest_end(&m, data);
	nlmsg_nest_end(&m, info);
	if ((err = nlmsg_talk(&m, SN_E_NET_VLAN, name, e)) < 0)
		return SN_E_NET_VLAN;
	/* EOPNOTSUPP: the kernel lacks CONFIG_VLAN_8021Q. */
	if (err && err != EEXIST)
		return sn_fail(e, SN_E_NET_VLAN, "%s (VLAN %u on %s): %s%s", name, tag,
			       parent, strerror(err),
			       err == EOPNOTSUPP ? " (kernel without 802.1Q support)" : "");
	snprintf(ifname_out, len, "%s", name);
	return 0;
}

int net_vlan_delete(const char *name, struct sn_err *e)
{
	struct nlmsg m;
	struct ifinfomsg *ifi = nlmsg_link(&m, RTM_DELLINK, 0);
	int err;

	ifi->ifi_index = (int)if_nametoindex(name);
	if (!ifi->ifi_index)
		return sn_fail(e, SN_E_NET_VLAN_DELETE, "delete %s: %s", name, strerror(errno));
	if ((err = nlmsg_talk(&m, SN_E_NET_VLAN_DELETE, name, e)) < 0)
		return SN_E_NET_VLAN_DELETE;
	if (err)
		return sn_fail(e, SN_E_NET_VLAN_DELETE, "delete %s: %s", name, strerror(err));
	return 0;
}
