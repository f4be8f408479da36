/* Bonds in the race: snboot.bond's before it starts, the one LLDP names
 * while it runs, and the fallback to single ports when no LACP partner
 * answers (bond.h does the rtnetlink). */
#include "net/netrace_int.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "net/bond.h"
#include "net/lldp.h"
#include "net/rules.h"

#define STAGE "net"

/* The ports in match (down, no probes) joined as one 802.3ad bond,
 * appended to the list; the race runs on the bond, not on them. Its index,
 * or -1 (logged). why: "snboot.bond", "LLDP". */
static int bond_ports(struct race *r, const int *match, int n, const char *why,
		      uint64_t now)
{
	const struct net_env *env = r->env;
	struct net_result *out = r->out;
	struct sn_err err;
	char text[320], names[128] = "";
	int joined = 0, first = -1, rank = 0, b;
	size_t at = 0;

	sn_clear(&err);
	if (env->bond_create(BOND_NAME, &err)) {
		logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
		return -1;
	}
	for (int k = 0; k < n; k++) {
		struct nic *p = &out->nics[match[k]];
		sn_clear(&err);
		if (env->bond_enslave(BOND_NAME, p->name, &err)) {
			logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
			continue;
		}
		p->slave = 1;
		if (first < 0 || p->rank < rank)
			rank = p->rank;
		if (first < 0)
			first = match[k];
		joined++;
		if (at < sizeof(names))
			at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
					       at ? ", " : "", p->name);
	}
	if (!joined) {
		sn_clear(&err);
		env->bond_delete(BOND_NAME, &err);
		return -1;
	}
	b = r->bond = out->n_nics++;
	out->nics[b] = out->nics[first];  /* the bond takes its first port's MAC */
	snprintf(out->nics[b].name, sizeof(out->nics[0].name), "%s", BOND_NAME);
	snprintf(out->nics[b].driver, sizeof(out->nics[0].driver), "bonding");
	out->nics[b].pci_slot[0] = '\0';
	out->nics[b].ifindex = (int)env->ifindex(BOND_NAME);
	out->nics[b].rank = rank;
	out->nics[b].slave = 0;
	out->nics[b].bond = 1;
	out->nics[b].carrier = -1;
	r->bond_check = now + BOND_FALLBACK_MS;
	logmsg(STAGE, "%s: 802.3ad bond of %s (%s); without an LACP partner "
	       "in %d s its ports race on their own", BOND_NAME, names, why,
	       BOND_FALLBACK_MS / 1000);
	return b;
}

/* snboot.bond's rules; parsed once, also read by the LLDP bond. */
static struct rule_set bond_rules;  /* big; not on the stack */

/* snboot.bond: the matching ports (two or more) as one bond. */
void race_make_bond(struct race *r)
{
	struct net_result *out = r->out;
	struct sn_err err;
	char text[320];
	int match[NIC_MAX], n = 0;

	if (!r->cfg->bond[0] || !r->env->bond_create)
		return;
	sn_clear(&err);
	if (rules_parse(r->cfg->bond, &bond_rules, &err))
		logmsg(STAGE, "bond: %s", sn_format(&err, text, sizeof(text)));
	for (int i = 0; i < out->n_nics; i++)
		if (!out->nics[i].excluded && !out->nics[i].vlan &&
		    rules_match(&bond_rules, &out->nics[i]) >= 0)
			match[n++] = i;
	if (n < 2 || out->n_nics == NIC_MAX) {
		logmsg(STAGE, "bond: %d port%s match snboot.bond, no bond", n, n == 1 ? "" : "s");
		return;
	}
	bond_ports(r, match, n, "snboot.bond", r->t0);
}

/* A port back in the race on its own: up, with new DHCP probes. */
static void restart_port(struct race *r, int i, uint64_t now)
{
	race_bring_up_one(r, i);
	if (!r->up[i])
		return;
	if (r->cfg->ipv4 && r->env->v4 && r->n < PROBES_MAX)
		race_start_probe(r, r->env->v4, i, &r->ctx, now);
	if (r->cfg->ipv6 && r->env->v6 && r->n < PROBES_MAX)
		race_start_probe(r, r->env->v6, i, &r->ctx, now);
}

/* LLDP says the switch aggregates two or more of our ports (same chassis,
 * same aggregated port ID, aggregation capable and enabled): take them
 * out of the race, bond them, race on the bond. Once per boot: not when
 * a bond exists or existed (snboot.bond, or this one that fell back),
 * not when snboot.bond's rules name one of the ports, not once a lease
 * leads (the race is about to end). */
void race_grow_bond(struct race *r, uint64_t now)
{
	struct net_result *out = r->out;
	struct lldp_lag recs[NIC_MAX];
	int members[NIC_MAX], n = 0, m, b;
	char names[128] = "", text[320];
	size_t at = 0;

	if (r->bond >= 0 || r->lag_done || r->leader >= 0 || !r->env->bond_create ||
	    out->n_nics == NIC_MAX)
		return;
	for (int i = 0; i < r->n && n < NIC_MAX; i++) {
		const struct probe *p = &r->probes[i];
		const struct nic *c = race_nic_of(r, i);
		if (p->ops->passive && p->has_lag && r->up[r->nic_of[i]] && !c->vlan &&
		    !c->bond && !c->slave && !c->excluded) {
			recs[n] = p->lag;
			recs[n++].port = r->nic_of[i];
		}
	}
	if ((m = lldp_lag_group(recs, n, members, NIC_MAX)) < 2)
		return;
	r->lag_done = 1;
	for (int k = 0; k < m; k++) {
		if (r->cfg->bond[0] && rules_match(&bond_rules, &out->nics[members[k]]) >= 0) {
			logmsg(STAGE, "LLDP: %s is in an aggregate, left to snboot.bond",
			       out->nics[members[k]].name);
			return;
		}
		if (at < sizeof(names))
			at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
					       at ? " " : "", out->nics[members[k]].name);
	}
	for (int i = 0; i < n; i++)
		if (recs[i].port == members[0])
			logmsg(STAGE, "LLDP: %s are one aggregate (chassis %s, port-channel %u): "
			       "bonding", names, recs[i].chassis, (unsigned)recs[i].agg_id);
	/* Out of the race: their DHCP probes stop, the ports go down (a
	 * bond takes only ports that are down). LLDP goes on listening. */
	for (int i = 0; i < r->n; i++) {
		struct probe *p = &r->probes[i];
		int member = 0;
		for (int k = 0; k < m; k++)
			member |= r->nic_of[i] == members[k];
		if (!member || p->ops->passive || p->done)
			continue;
		p->ops->stop(p);
		p->done = -1;
	}
	for (int k = 0; k < m; k++) {
		struct sn_err err;
		sn_clear(&err);
		if (r->env->set_up(out->nics[members[k]].name, 0, &err))
			logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
		r->up[members[k]] = 0;
	}
	if ((b = bond_ports(r, members, m, "LLDP", now)) >= 0)
		race_bring_up_one(r, b);
	if (b >= 0 && r->up[b]) {
		if (r->cfg->ipv4 && r->env->v4 && r->n < PROBES_MAX)
			race_start_probe(r, r->env->v4, b, &r->ctx, now);
		if (r->cfg->ipv6 && r->env->v6 && r->n < PROBES_MAX)
			race_start_probe(r, r->env->v6, b, &r->ctx, now);
		return;
	}
	/* No bond after all: the ports race on their own again. */
	for (int k = 0; k < m; k++) {
		out->nics[members[k]].slave = 0;
		restart_port(r, members[k], now);
	}
}

/* No LACP partner on the bond in time: the switch does not bond these
 * ports (or LACP is not up yet). Undo the bond, race its ports singly. */
void race_check_bond(struct race *r, uint64_t now)
{
	struct net_result *out = r->out;
	struct sn_err err;
	char text[320];
	int partner;

	if (r->bond < 0 || !r->bond_check || now < r->bond_check)
		return;
	r->bond_check = 0;
	partner = r->env->bond_partner(r->env->sysfs_net, BOND_NAME);
	for (int i = 0; i < r->n; i++)
		if (r->nic_of[i] == r->bond && r->probes[i].done == 1)
			partner = 1;  /* it already has a lease: keep it */
	if (partner == 1) {
		logmsg(STAGE, "%s: LACP partner answers, the bond stays", BOND_NAME);
		return;
	}
	logmsg(STAGE, "%s: no LACP partner in %d s (%s): its ports race on their own",
	       BOND_NAME, BOND_FALLBACK_MS / 1000, partner ? "state unknown" : "none");
	for (int i = 0; i < r->n; i++)
		if (r->nic_of[i] == r->bond && r->probes[i].done == 0) {
			r->probes[i].ops->stop(&r->probes[i]);  /* NULL priv is fine */
			r->probes[i].done = -1;
		}
	sn_clear(&err);
	if (r->env->bond_delete(BOND_NAME, &err))
		logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
	r->up[r->bond] = 0;
	out->nics[r->bond].excluded = 1;
	for (int i = 0; i < out->n_nics; i++) {
		if (!out->nics[i].slave)
			continue;
		out->nics[i].slave = 0;
		restart_port(r, i, now);
	}
}
