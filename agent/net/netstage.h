/* The network stage: list NICs, order/exclude them by rules, bring all up,
 * race DHCPv4 + DHCPv6 on all of them in one loop, pick the winner, apply
 * its lease, take the losers down again. */
#ifndef SNBOOT_NETSTAGE_H
#define SNBOOT_NETSTAGE_H

#include "core/config.h"
#include "core/err.h"
#include "net/lease.h"
#include "net/nic.h"
#include "core/smbios.h"

struct net_result {
	struct nic nics[NIC_MAX];
	int n_nics;
	int winner;          /* index into nics */
	struct lease lease;  /* the winner's lease, applied */
	uint64_t ms;         /* duration of the stage */
};

/* Blocks until a lease with a boot URL (or, when cfg->url is set, any
 * lease) is bound, or cfg->net_timeout_s passes (SN_E_DEADLINE). */
int net_run(const struct config *cfg, const struct smbios_facts *id,
	    struct net_result *out, struct sn_err *e);

/* Right before kexec: deletes the bond and VLAN interfaces net_run made
 * (their ports go free and down), saying so, unless cfg->keep_net. */
void net_release(const struct config *cfg, const struct net_result *net);

#endif
