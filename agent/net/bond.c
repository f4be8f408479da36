/* 802.3ad bonds over rtnetlink (bond.h), as `ip link add NAME type bond
 * mode 802.3ad miimon 100 lacp_rate fast` and `ip link set PORT master
 * NAME` send them. */
#include "net/bond.h"

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fdio.h"
#include "net/nlmsg.h"

#define MODE_8023AD 4
#define LACP_RATE_FAST 1

static int check(int err, int rc, const char *what, struct sn_err *e)
{
	if (err < 0)
		return rc;
	if (err && err != EEXIST)
		return sn_fail(e, rc, "%s: %s%s", what, strerror(err),
			       err == EOPNOTSUPP ? " (kernel without bonding)" : "");
	return 0;
}

int net_bond_create(const char *name, struct sn_err *e)
{
	struct nlmsg m;
	struct rtattr *info, *data;
	uint8_t mode = MODE_8023AD, rate = LACP_RATE_FAST;
	uint32_t miimon = 100;

	nlmsg_link(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nlmsg_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
	info = nlmsg_attr(&m, IFLA_LINKINFO, NULL, 0);
	nlmsg_attr(&m, IFLA_INFO_KIND, "bond", 4);
	data = nlmsg_attr(&m, IFLA_INFO_DATA, NULL, 0);
	nlmsg_attr(&m, IFLA_BOND_MODE, &mode, 1);
	nlmsg_attr(&m, IFLA_BOND_MIIMON, &miimon, 4);
	nlmsg_attr(&m, IFLA_BOND_AD_LACP_RATE, &rate, 1);
	nlmsg_nest_end(&m, data);
	nlmsg_nest_end(&m, info);
	return check(nlmsg_talk(&m, SN_E_NET_BOND, name, e), SN_E_NET_BOND, name, e);
}

int net_bond_enslave(const char *bond, const char *port, struct sn_err *e)
{
	struct nlmsg m;
	struct ifinfomsg *ifi = nlmsg_link(&m, RTM_NEWLINK, 0);
	uint32_t master = if_nametoindex(bond);
	char what[48];

	snprintf(what, sizeof(what), "%s into %s", port, bond);
	ifi->ifi_index = (int)if_nametoindex(port);
	if (!master || !ifi->ifi_index)
		return sn_fail(e, SN_E_NET_BOND, "%s: %s", what, strerror(errno));
	nlmsg_attr(&m, IFLA_MASTER, &master, sizeof(master));
	return check(nlmsg_talk(&m, SN_E_NET_BOND, what, e), SN_E_NET_BOND, what, e);
}

int net_bond_delete(const char *bond, struct sn_err *e)
{
	struct nlmsg m;
	struct ifinfomsg *ifi = nlmsg_link(&m, RTM_DELLINK, 0);

	ifi->ifi_index = (int)if_nametoindex(bond);
	if (!ifi->ifi_index)
		return sn_fail(e, SN_E_NET_BOND, "delete %s: %s", bond, strerror(errno));
	return check(nlmsg_talk(&m, SN_E_NET_BOND, bond, e), SN_E_NET_BOND, bond, e);
}

int net_bond_partner(const char *sysfs_net, const char *bond)
{
	char path[128], *text;
	int partner;

	snprintf(path, sizeof(path), "%s/%s/bonding/ad_partner_mac", sysfs_net, bond);
	text = read_file(path, 64, NULL);
	if (!text)
		return -1;
	partner = strncmp(text, "00:00:00:00:00:00", 17) != 0 && text[0] != '\n';
	free(text);
	return partner;
}
