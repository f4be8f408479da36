/* The network stage's race (netstage.h's net_run) with everything it
 * touches outside its own logic passed in, so tests can run it with fake
 * NICs, fake probes and fake time. net_run() uses net_env_default(). */
#ifndef SNBOOT_NETRACE_H
#define SNBOOT_NETRACE_H

#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "net/lease.h"
#include "net/netstage.h"
#include "net/nic.h"
#include "net/probe.h"
#include "core/smbios.h"

struct net_env {
	const char *sysfs_net;   /* NETIF_SYSFS */
	const char *etc_dir;     /* where resolv.conf and hosts go: "/etc" */
	int (*list)(const char *sysfs_net, struct nic *out, int max,
		    struct sn_err *e);
	int (*carrier)(const char *sysfs_net, const char *name);
	int (*set_up)(const char *name, int up, struct sn_err *e);
	/* IPv6 sysctls (no DAD wait, accept RAs) before the link goes up;
	 * NULL to skip. */
	int (*prepare6)(const char *name, struct sn_err *e);
	int (*flush_addr4)(const char *name, struct sn_err *e);
	/* The path without DHCP (snboot.ip, netstatic.c) configures through
	 * these: netif_set_addr4, netif_add_route4. */
	int (*set_addr4)(const char *name, struct in_addr addr,
			 struct in_addr mask, struct sn_err *e);
	int (*add_route4)(const char *name, struct in_addr dst, unsigned plen,
			  struct in_addr gw, struct in_addr addr,
			  struct in_addr mask, struct sn_err *e);
	int (*write_resolv)(const char *etc_dir, const struct lease *l,
			    struct sn_err *e);
	const struct probe_ops *v4;  /* run when cfg->ipv4 */
	const struct probe_ops *v6;  /* run when cfg->ipv6 */
	const struct probe_ops *lldp; /* run on each port when cfg->lldp */
	/* snboot.vlan: net_vlan_create and if_nametoindex; NULL to skip. */
	int (*vlan_create)(const char *parent, unsigned tag, char *ifname_out,
			   size_t len, struct sn_err *e);
	unsigned (*ifindex)(const char *name);
	/* snboot.bond: net_bond_create/enslave/delete/partner; NULL to skip. */
	int (*bond_create)(const char *name, struct sn_err *e);
	int (*bond_enslave)(const char *bond, const char *port, struct sn_err *e);
	int (*bond_delete)(const char *bond, struct sn_err *e);
	int (*bond_partner)(const char *sysfs_net, const char *bond);
	/* net_release: net_vlan_delete; NULL to skip. */
	int (*vlan_delete)(const char *name, struct sn_err *e);
	uint64_t (*now)(void);       /* monotonic ms */
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout_ms);
};

/* The real thing: sysfs, ioctls, dhcp4/dhcp6_probe_ops, mono_ms, poll. */
void net_env_default(struct net_env *env);

/* net_run() on env. */
int net_run_env(const struct net_env *env, const struct config *cfg,
		const struct smbios_facts *id, struct net_result *out,
		struct sn_err *e);

/* net_release() on env; returns how many interfaces it deleted. */
int net_release_env(const struct net_env *env, const struct config *cfg,
		    const struct net_result *net);

#endif
