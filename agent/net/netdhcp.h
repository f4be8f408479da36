/* DHCPv4 on one interface the backend's script made (iPXE's `vcreate
 * --tag N net0` then `dhcp net0-N`): the race's dhcp4 probe on just that
 * interface, any lease taken, applied there; and the script's VLAN
 * interfaces deleted before kexec like the race's own. */
#ifndef SNBOOT_NETDHCP_H
#define SNBOOT_NETDHCP_H

#include "core/config.h"
#include "core/err.h"
#include "core/smbios.h"
#include "net/lease.h"
#include "net/netrace.h"
#include "net/nic.h"

/* Runs env->v4 on n (up already: vcreate brought it up) until it binds a
 * lease or timeout_ms passes (0: cfg->net_timeout_s). Any lease will do:
 * the script runs, its backend is known. The lease is applied on n
 * (env->v4->apply: address, MTU, routes) and copied whole to *out. With
 * keep_default (the network stage's lease set a default route) the
 * lease's own default route (option 3, or 0/0 in option 121) is left out
 * and the first one stays, as in iPXE, which routes through its
 * interfaces in the order they appeared; resolv.conf stays as the
 * network stage wrote it (iPXE's ${dns} also answers from the first).
 * No lease in time: SN_E_NET_VLAN_DHCP naming n and how long it waited. */
int net_dhcp_iface_env(const struct net_env *env, const struct config *cfg,
		       const struct smbios_facts *id, const struct nic *n,
		       unsigned timeout_ms, int keep_default, struct lease *out,
		       struct sn_err *e);
int net_dhcp_iface(const struct config *cfg, const struct smbios_facts *id,
		   const struct nic *n, unsigned timeout_ms, int keep_default,
		   struct lease *out, struct sn_err *e);

/* 1 if the IPv4 lease l sets a default route (option 3 without option
 * 121, or a 0/0 route in option 121). */
int net_lease_default4(const struct lease *l);

/* A VLAN interface the script made, to delete before kexec (at most
 * NET_SCRIPT_VLANS_MAX; the same name twice counts once). */
#define NET_SCRIPT_VLANS_MAX 8
void net_script_vlan_note(const char *name);
/* Deletes them with env->vlan_delete unless cfg->keep_net, saying so;
 * returns how many it deleted. net_release_env calls it. */
int net_script_vlans_release(const struct net_env *env, const struct config *cfg);

#endif
