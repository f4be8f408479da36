/* The network stage's race, shared by netrace.c (the loop, choosing,
 * the end) and netrace_bond.c (bonds: snboot.bond, LLDP aggregates, the
 * no-partner fallback). Private to those two files. */
#ifndef SNBOOT_NETRACE_INT_H
#define SNBOOT_NETRACE_INT_H

#include "net/netrace.h"

#define PROBES_MAX (3 * NIC_MAX)  /* dhcp4, dhcp6, lldp */

struct race {
	const struct net_env *env;
	const struct config *cfg;
	struct net_result *out;
	int up[NIC_MAX];                 /* brought up by us */
	struct sn_err nic_err[NIC_MAX];  /* why a NIC has no probe */
	struct probe probes[PROBES_MAX];
	int nic_of[PROBES_MAX];          /* index into out->nics */
	int seen[PROBES_MAX];            /* bound lease looked at */
	int failed_apply[PROBES_MAX];
	struct sn_err probe_err[PROBES_MAX];
	unsigned rx[PROBES_MAX];         /* times its socket had input */
	int vlans_done[PROBES_MAX];      /* of p->vlans, how many handled */
	struct probe_ctx ctx;
	int n;
	int leader;                      /* probe index, -1 = none yet */
	uint64_t grace_end;
	uint64_t t0, next_report;
	int bond;                        /* index of our bond, -1 = none */
	uint64_t bond_check;             /* when its LACP partner is checked, 0 = done */
	int lag_done;                    /* LLDP's aggregate acted on (or refused) */
};

/* netrace.c */
const struct nic *race_nic_of(const struct race *r, int i);
/* Brings NIC i up (not excluded ports, not bond ports); r->up[i] says. */
void race_bring_up_one(struct race *r, int i);
/* Appends a started probe of ops on NIC nic (a failed start is logged,
 * the probe then done = -1). */
void race_start_probe(struct race *r, const struct probe_ops *ops, int nic,
		      const struct probe_ctx *ctx, uint64_t now);

/* netrace_bond.c */
/* snboot.bond: the matching ports as one bond, before the race starts. */
void race_make_bond(struct race *r);
/* LLDP's aggregate, if any, as a bond while the race runs. */
void race_grow_bond(struct race *r, uint64_t now);
/* The bond's LACP partner check when due; none: back to the ports. */
void race_check_bond(struct race *r, uint64_t now);

#endif
