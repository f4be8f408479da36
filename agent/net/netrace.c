/* The network stage: every usable NIC up, a DHCPv4 (and DHCPv6) probe on
 * each, one poll() loop under one deadline. The first lease that gives a
 * boot URL (or any lease when snboot.url is set) opens a grace window in
 * which a better-ranked NIC may still win; then the winner's lease is
 * applied and every other NIC goes down, so the next kernel starts clean. */
#include "net/netrace.h"
#include "net/netrace_int.h"
#include "net/dhcp6.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "net/bond.h"
#include "net/netdhcp.h"
#include "net/netif.h"
#include "net/netstatic.h"
#include "net/resolv.h"
#include "net/rules.h"
#include "net/vlan.h"
#include "http/urlutil.h"

#define STAGE "net"
/* A switch port in STP listening + learning (2 x 15 s forward delay,
 * IEEE 802.1D) or waiting for LACP has link but forwards nothing. Every
 * this often the console says which ports are in that state, so a boot
 * that waits says why. */
#define SILENT_REPORT_MS 10000


void net_env_default(struct net_env *env)
{
	memset(env, 0, sizeof(*env));
	env->sysfs_net = NETIF_SYSFS;
	env->etc_dir = "/etc";
	env->list = netif_list;
	env->carrier = netif_carrier;
	env->set_up = netif_set_up;
	env->prepare6 = dhcp6_link_prepare;
	env->flush_addr4 = netif_flush_addr4;
	env->set_addr4 = netif_set_addr4;
	env->add_route4 = netif_add_route4;
	env->vlan_create = net_vlan_create;
	env->ifindex = if_nametoindex;
	env->bond_create = net_bond_create;
	env->bond_enslave = net_bond_enslave;
	env->bond_delete = net_bond_delete;
	env->bond_partner = net_bond_partner;
	env->vlan_delete = net_vlan_delete;
	env->write_resolv = resolv_write;
	env->v4 = &dhcp4_probe_ops;
	env->v6 = &dhcp6_probe_ops;
	env->lldp = &lldp_probe_ops;
	env->now = mono_ms;
	env->poll = poll;
}

/* What net_run built of its own: VLAN interfaces (the VLANs first: one
 * may sit on the bond) and the bond, unless its fallback undid it. */
int net_release_env(const struct net_env *env, const struct config *cfg,
		    const struct net_result *net)
{
	char names[160] = "", text[320];
	size_t at = 0;
	int n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < net->n_nics; i++) {
			const struct nic *c = &net->nics[i];
			struct sn_err err;
			int rc;

			if (pass == 0 ? !c->vlan : !c->bond || c->excluded)
				continue;
			sn_clear(&err);
			rc = cfg->keep_net ? 0
			   : pass == 0 ? (env->vlan_delete ? env->vlan_delete(c->name, &err) : 0)
			   : (env->bond_delete ? env->bond_delete(c->name, &err) : 0);
			if (rc) {
				logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
				continue;
			}
			n += !cfg->keep_net;
			if (at < sizeof(names))
				at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
						       at ? ", " : "", c->name);
		}
	n += net_script_vlans_release(env, cfg);   /* the script's vcreate */
	if (!names[0])
		return n;
	if (cfg->keep_net)
		logmsg(STAGE, "%s: kept up into kexec (snboot.keep_net=1)", names);
	else
		logmsg(STAGE, "%s: taken down before kexec (snboot.keep_net=1 keeps %s)",
		       names, n == 1 ? "it" : "them");
	return n;
}

void net_release(const struct config *cfg, const struct net_result *net)
{
	struct net_env env;

	net_env_default(&env);
	net_release_env(&env, cfg, net);
}

int net_run(const struct config *cfg, const struct smbios_facts *id,
	    struct net_result *out, struct sn_err *e)
{
	struct net_env env;

	net_env_default(&env);
	return net_run_env(&env, cfg, id, out, e);
}

const struct nic *race_nic_of(const struct race *r, int i)
{
	return &r->out->nics[r->nic_of[i]];
}

/* ---- NICs: list, rank, bring up */

static void apply_rules(const struct config *cfg, struct nic *nics, int n)
{
	static struct rule_set prefer, exclude;  /* big; not on the stack */
	struct sn_err err;
	char text[320];

	/* A bad rule should not stop the boot: what parsed before it counts. */
	sn_clear(&err);
	if (rules_parse(cfg->prefer, &prefer, &err))
		logmsg(STAGE, "prefer: %s", sn_format(&err, text, sizeof(text)));
	sn_clear(&err);
	if (rules_parse(cfg->exclude, &exclude, &err))
		logmsg(STAGE, "exclude: %s", sn_format(&err, text, sizeof(text)));
	rules_apply(&prefer, &exclude, nics, n);
}

static void log_nic(const struct nic *n)
{
	logmsg(STAGE, "%s: mac %s driver %s pci %s carrier %s speed %d rank %d%s",
	       n->name, n->mac_str, n->driver[0] ? n->driver : "-",
	       n->pci_slot[0] ? n->pci_slot : "-",
	       n->carrier == 1 ? "yes" : n->carrier == 0 ? "no" : "?",
	       n->speed_mbps, n->rank, n->excluded ? " excluded" : "");
}

static int list_nics(struct race *r, struct sn_err *e)
{
	const struct net_env *env = r->env;
	struct net_result *out = r->out;
	int n, usable = 0;

	n = env->list(env->sysfs_net, out->nics, NIC_MAX, e);
	if (n < 0)
		return -n;
	out->n_nics = n;
	apply_rules(r->cfg, out->nics, n);
	for (int i = 0; i < n; i++) {
		log_nic(&out->nics[i]);
		usable += !out->nics[i].excluded;
	}
	if (!usable)
		return sn_fail(e, SN_E_NET_NO_NIC, "%d found, %d excluded", n, n);
	return 0;
}

/* A tagged interface for VLAN vid on port i, appended to the list with
 * its port's rank; its index, or -1 (logged). */
static int make_vlan(struct race *r, int i, unsigned vid, const char *why)
{
	struct net_result *out = r->out;
	const struct nic *p = &out->nics[i];
	struct nic *v = &out->nics[out->n_nics];
	char name[IF_NAMESIZE], text[320];
	struct sn_err err;

	for (int k = 0; k < out->n_nics; k++)
		if (out->nics[k].vlan == vid && out->nics[k].parent == i)
			return -1;  /* already racing */
	if (out->n_nics == NIC_MAX) {
		logmsg(STAGE, "%s: VLAN %u not made: %d interfaces already", p->name,
		       vid, NIC_MAX);
		return -1;
	}
	sn_clear(&err);
	if (!r->env->vlan_create ||
	    r->env->vlan_create(p->name, vid, name, sizeof(name), &err)) {
		logmsg(STAGE, "%s", err.code ? sn_format(&err, text, sizeof(text))
					     : "VLANs: no way to make them here");
		return -1;
	}
	*v = *p;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->ifindex = (int)r->env->ifindex(name);
	v->vlan = vid;
	v->parent = i;
	v->carrier = -1;
	logmsg(STAGE, "%s: VLAN %u on %s (%s), raced beside the untagged ports",
	       name, vid, p->name, why);
	return out->n_nics++;
}

/* snboot.vlan: a tagged interface per matching port and VLAN ID, appended
 * to the list and raced like the untagged ports (rank of its port). */
static void add_vlans(struct race *r)
{
	static struct vlan_set vs;  /* ~37 KB: not on the stack */
	struct net_result *out = r->out;
	int ports = out->n_nics;
	struct sn_err err;
	char text[320];

	if (!r->cfg->vlan[0] || !r->env->vlan_create)
		return;
	sn_clear(&err);
	/* The groups before a bad one still count, as for snboot.prefer. */
	if (vlan_parse(r->cfg->vlan, &vs, &err))
		logmsg(STAGE, "vlan: %s", sn_format(&err, text, sizeof(text)));
	for (int i = 0; i < ports; i++) {
		unsigned ids[VLAN_IDS_MAX];
		const struct nic *p = &out->nics[i];
		int k = p->excluded || p->vlan || p->slave ? 0
			: vlan_ids_for(&vs, p, ids, VLAN_IDS_MAX);

		for (int j = 0; j < k; j++)
			make_vlan(r, i, ids[j], "snboot.vlan");
	}
}

void race_bring_up_one(struct race *r, int i)
{
	const struct nic *n = &r->out->nics[i];
	char text[320];

	if (n->excluded || n->slave)  /* the bond brings its ports up */
		return;
	/* Before IFF_UP: a link already up would sit in DAD for 1-2 s
	 * before DHCPv6 can send from its link-local address. */
	if (r->cfg->ipv6 && r->env->prepare6 &&
	    r->env->prepare6(n->name, &r->nic_err[i]))
		logmsg(STAGE, "%s", sn_format(&r->nic_err[i], text, sizeof(text)));
	if (r->env->set_up(n->name, 1, &r->nic_err[i])) {
		logmsg(STAGE, "%s", sn_format(&r->nic_err[i], text, sizeof(text)));
		return;
	}
	r->up[i] = 1;
}

static void bring_up(struct race *r)
{
	for (int i = 0; i < r->out->n_nics; i++)
		race_bring_up_one(r, i);
}

/* ---- probes */

void race_start_probe(struct race *r, const struct probe_ops *ops, int nic,
			const struct probe_ctx *ctx, uint64_t now)
{
	struct probe *p = &r->probes[r->n];
	char text[320];

	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->nic = &r->out->nics[nic];
	p->fd = -1;
	r->nic_of[r->n] = nic;
	if (ops->start(p, ctx, now, &r->probe_err[r->n])) {
		logmsg(STAGE, "%s: %s not started: %s", p->nic->name, ops->name,
		       sn_format(&r->probe_err[r->n], text, sizeof(text)));
		p->done = -1;
		ops->stop(p);
	}
	r->n++;
}

static int start_probes(struct race *r, const struct probe_ctx *ctx,
			uint64_t now, struct sn_err *e)
{
	const struct config *cfg = r->cfg;
	int running = 0;

	for (int i = 0; i < r->out->n_nics; i++) {
		if (!r->up[i])
			continue;
		if (cfg->ipv4 && r->env->v4)
			race_start_probe(r, r->env->v4, i, ctx, now);
		if (cfg->ipv6 && r->env->v6)
			race_start_probe(r, r->env->v6, i, ctx, now);
		if (cfg->lldp && r->env->lldp && !r->out->nics[i].vlan)
			race_start_probe(r, r->env->lldp, i, ctx, now);
	}
	for (int i = 0; i < r->n; i++)
		running += r->probes[i].done == 0 && !r->probes[i].ops->passive;
	if (!running)
		return sn_fail(e, SN_E_NET_PROBE, "%d probes on %d NICs (ipv4=%d ipv6=%d)",
			       r->n, r->out->n_nics, cfg->ipv4, cfg->ipv6);
	return 0;
}

/* ---- choosing */

static int qualifies(const struct race *r, int i)
{
	const struct probe *p = &r->probes[i];
	return p->done == 1 && !r->failed_apply[i] &&
	       (p->lease.boot_url[0] || r->cfg->url[0]);
}

/* Best qualifying lease: lowest rank, then the earliest. */
static int best_lease(const struct race *r)
{
	int best = -1;

	for (int i = 0; i < r->n; i++) {
		if (!qualifies(r, i))
			continue;
		if (best < 0 || race_nic_of(r, i)->rank < race_nic_of(r, best)->rank ||
		    (race_nic_of(r, i)->rank == race_nic_of(r, best)->rank &&
		     r->probes[i].lease.got_ms < r->probes[best].lease.got_ms))
			best = i;
	}
	return best;
}

/* Lowest rank that could still produce a qualifying lease. */
static int best_open_rank(const struct race *r)
{
	int best = -1;

	for (int i = 0; i < r->n; i++)
		if (((r->probes[i].done == 0 && !r->probes[i].ops->passive) ||
		     qualifies(r, i)) &&
		    (best < 0 || race_nic_of(r, i)->rank < best))
			best = race_nic_of(r, i)->rank;
	return best;
}

static void log_lease(const struct race *r, int i, const char *what)
{
	const struct probe *p = &r->probes[i];
	char addr[INET6_ADDRSTRLEN], url[160];

	if (p->lease.family == AF_INET6)
		inet_ntop(AF_INET6, &p->lease.addr6, addr, sizeof(addr));
	else
		inet_ntop(AF_INET, &p->lease.addr4, addr, sizeof(addr));
	url_for_log(p->lease.boot_url[0] ? p->lease.boot_url : "none", url, sizeof(url));
	logmsg(STAGE, "%s: %s %s %s rank %d, boot URL %s%s%s", p->nic->name, what,
	       p->ops->name, addr, p->nic->rank, url,
	       p->lease.url_from[0] ? " from " : "", p->lease.url_from);
}

/* A probe changed: note a new lease, and a new leader. */
static void consider(struct race *r, int i, uint64_t now)
{
	int best;

	if (r->probes[i].done != 1 || r->seen[i])
		return;
	r->seen[i] = 1;
	if (!qualifies(r, i)) {
		log_lease(r, i, "lease without boot URL, not used:");
		return;
	}
	best = best_lease(r);
	if (r->leader < 0) {
		r->grace_end = now + r->cfg->grace_ms;
		log_lease(r, i, "first lease:");
	} else if (best != r->leader) {
		log_lease(r, i, "better-ranked lease takes the lead:");
	} else {
		log_lease(r, i, "lease, not better ranked:");
	}
	r->leader = best;
}

static int decided(const struct race *r, uint64_t now)
{
	return r->leader >= 0 &&
	       (now >= r->grace_end ||
		race_nic_of(r, r->leader)->rank <= best_open_rank(r));
}

/* ---- the loop */

/* Link up (we brought it up, it has carrier) and not one packet on any
 * of its probes' sockets. */
static int silent(const struct race *r, int nic)
{
	unsigned heard = 0;

	if (!r->up[nic] ||
	    r->env->carrier(r->env->sysfs_net, r->out->nics[nic].name) != 1)
		return 0;
	for (int i = 0; i < r->n; i++)
		if (r->nic_of[i] == nic)
			heard += r->rx[i];
	return heard == 0;
}

static void report_silent(const struct race *r, uint64_t now)
{
	char names[256];
	size_t at = 0;
	int n = 0;

	names[0] = '\0';
	for (int i = 0; i < r->out->n_nics && at < sizeof(names); i++) {
		if (!silent(r, i))
			continue;
		at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s",
				       n++ ? ", " : "", r->out->nics[i].name);
	}
	if (n)
		logmsg(STAGE, "up but silent for %llu s (link up, nothing received): %s; "
		       "a switch port in STP listening/learning or waiting for LACP "
		       "forwards nothing, DHCP keeps asking for up to %u s",
		       (unsigned long long)((now - r->t0) / 1000), names,
		       r->cfg->net_timeout_s);
}

static int next_wait(const struct race *r, uint64_t now, uint64_t deadline)
{
	uint64_t until = deadline;

	if (r->next_report < until)
		until = r->next_report;
	if (r->bond_check && r->bond_check < until)
		until = r->bond_check;

	if (r->leader >= 0 && r->grace_end < until)
		until = r->grace_end;
	for (int i = 0; i < r->n; i++) {
		const struct probe *p = &r->probes[i];
		if (p->done == 0 && p->timer_ms && p->timer_ms < until)
			until = p->timer_ms;
	}
	return until <= now ? 0 : until - now > 60000 ? 60000 : (int)(until - now);
}

static void dispatch(struct race *r, struct pollfd *fds, const int *idx,
		     int nfds)
{
	uint64_t now = r->env->now();

	for (int k = 0; k < nfds; k++) {
		struct probe *p = &r->probes[idx[k]];
		if (fds[k].revents & POLLIN)
			r->rx[idx[k]]++;
		if (!fds[k].revents || p->done)
			continue;
		if (fds[k].revents & POLLNVAL) {
			p->done = -1;  /* a bug, but never spin on it */
			continue;
		}
		p->ops->input(p, now);
		consider(r, idx[k], now);
	}
	now = r->env->now();
	for (int i = 0; i < r->n; i++) {
		struct probe *p = &r->probes[i];
		if (p->done || !p->timer_ms || p->timer_ms > now)
			continue;
		p->ops->timeout(p, now);
		consider(r, i, now);
	}
}

/* VLANs a passive probe (LLDP) learned: a tagged interface each, brought
 * up, with its own DHCP probes, in the race from now on. */
static void grow_vlans(struct race *r)
{
	for (int i = 0; i < r->n; i++) {
		struct probe *p = &r->probes[i];

		while (r->vlans_done[i] < p->n_vlans && r->n + 2 <= PROBES_MAX) {
			unsigned vid = p->vlans[r->vlans_done[i]++];
			int v = make_vlan(r, r->nic_of[i], vid, "LLDP: the switch names it");
			uint64_t now = r->env->now();

			if (v < 0)
				continue;
			race_bring_up_one(r, v);
			if (!r->up[v])
				continue;
			if (r->cfg->ipv4 && r->env->v4)
				race_start_probe(r, r->env->v4, v, &r->ctx, now);
			if (r->cfg->ipv6 && r->env->v6)
				race_start_probe(r, r->env->v6, v, &r->ctx, now);
		}
	}
}

static int run_loop(struct race *r, uint64_t deadline, struct sn_err *e)
{
	struct pollfd fds[PROBES_MAX];
	int idx[PROBES_MAX];
	uint64_t now;
	int nfds;

	for (;;) {
		now = r->env->now();
		if (decided(r, now) || now >= deadline)
			return 0;
		nfds = 0;
		for (int i = 0; i < r->n; i++) {
			if (r->probes[i].done || r->probes[i].fd < 0)
				continue;
			fds[nfds] = (struct pollfd){ .fd = r->probes[i].fd, .events = POLLIN };
			idx[nfds++] = i;
		}
		if (r->env->poll(fds, (nfds_t)nfds, next_wait(r, now, deadline)) < 0) {
			if (errno == EINTR)
				continue;
			return sn_fail(e, SN_E_NET_POLL, "poll: %s", strerror(errno));
		}
		dispatch(r, fds, idx, nfds);
		grow_vlans(r);
		race_grow_bond(r, r->env->now());
		race_check_bond(r, r->env->now());
		if ((now = r->env->now()) >= r->next_report) {
			report_silent(r, now);
			r->next_report += SILENT_REPORT_MS;
		}
	}
}

/* ---- the end */

static void summarize(const struct race *r, int nic, char *buf, size_t len)
{
	const struct nic *n = &r->out->nics[nic];
	size_t at = 0;
	char text[240];

	buf[0] = '\0';
	if (n->excluded) {
		snprintf(buf, len, "%s: excluded", n->name);
		return;
	}
	if (!r->up[nic]) {
		snprintf(buf, len, "%s: not up (%s)", n->name, r->nic_err[nic].ctx);
		return;
	}
	if (r->env->carrier(r->env->sysfs_net, n->name) == 0) {
		snprintf(buf, len, "%s: no carrier", n->name);
		return;
	}
	at = (size_t)snprintf(buf, len, "%s:%s", n->name,
			      silent(r, nic) ? " link up but silent (nothing received)" : "");
	for (int i = 0; i < r->n && at < len; i++) {
		const struct probe *p = &r->probes[i];
		if (r->nic_of[i] != nic)
			continue;
		if (r->probe_err[i].code)
			snprintf(text, sizeof(text), "not started (%.200s)", r->probe_err[i].ctx);
		else if (p->ops->summary)
			p->ops->summary(p, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s", p->done == 1 ? "bound" : "no lease");
		at += (size_t)snprintf(buf + at, len - at, "%s %s %s",
				       at > strlen(n->name) + 1 ? ";" : "", p->ops->name, text);
	}
}

static void report_deadline(const struct race *r, struct sn_err *e)
{
	char line[400], all[sizeof(e->ctx)];
	size_t at = 0;

	all[0] = '\0';
	for (int i = 0; i < r->out->n_nics; i++) {
		summarize(r, i, line, sizeof(line));
		logmsg(STAGE, "%s", line);
		if (at < sizeof(all))
			at += (size_t)snprintf(all + at, sizeof(all) - at, "%s%s",
					       at ? "; " : "", line);
	}
	sn_fail(e, SN_E_DEADLINE, "no lease with a boot URL in %u s: %s",
		r->cfg->net_timeout_s, all);
}

static void stop_probes(struct race *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->probes[i].priv)
			r->probes[i].ops->stop(&r->probes[i]);
}

/* Every NIC we brought up but the keeper goes down without addresses. */
static void take_down(struct race *r, int keep)
{
	struct sn_err err;
	char text[320];

	for (int i = 0; i < r->out->n_nics; i++) {
		const char *name = r->out->nics[i].name;
		/* A winning VLAN needs its port up. */
		if (!r->up[i] || i == keep ||
		    (keep >= 0 && r->out->nics[keep].vlan && r->out->nics[keep].parent == i))
			continue;
		sn_clear(&err);
		if (r->env->flush_addr4(name, &err) || r->env->set_up(name, 0, &err))
			logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
		r->up[i] = 0;
	}
}

static int apply_winner(struct race *r, int w, struct sn_err *e)
{
	struct probe *p = &r->probes[w];
	struct sn_err err;
	char text[320];
	int rc;

	if ((rc = p->ops->apply(p, e)))
		return rc;
	sn_clear(&err);
	/* The URL may name the backend by address: DNS is not fatal. */
	if (r->env->write_resolv(r->env->etc_dir, &p->lease, &err))
		logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
	return 0;
}

/* Applies the leader; if that fails, the next best qualifying lease. */
static int finish(struct race *r, uint64_t t0, struct sn_err *e)
{
	char text[320];
	int w;

	while ((w = best_lease(r)) >= 0) {
		if (apply_winner(r, w, e) == 0)
			break;
		logmsg(STAGE, "%s: %s lease not applied: %s", race_nic_of(r, w)->name,
		       r->probes[w].ops->name, sn_format(e, text, sizeof(text)));
		r->failed_apply[w] = 1;
	}
	stop_probes(r);
	if (w < 0) {
		take_down(r, -1);
		return e->code ? e->code : sn_fail(e, SN_E_NET_PROBE, "no lease applied");
	}
	take_down(r, r->nic_of[w]);
	r->out->winner = r->nic_of[w];
	r->out->lease = r->probes[w].lease;
	r->out->ms = r->env->now() - t0;
	sn_clear(e);
	log_lease(r, w, "won:");
	log_stage_done("dhcp", r->out->ms);
	return 0;
}

int net_run_env(const struct net_env *env, const struct config *cfg,
		const struct smbios_facts *id, struct net_result *out,
		struct sn_err *e)
{
	static struct race race;  /* ~200 KB (a lease per probe): not on the stack */
	struct race *r = &race;
	uint64_t t0 = env->now(), deadline;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(out, 0, sizeof(*out));
	r->env = env;
	r->cfg = cfg;
	r->out = out;
	r->leader = -1;
	r->t0 = t0;
	r->bond = -1;
	r->ctx = (struct probe_ctx){ cfg, id };
	r->next_report = t0 + SILENT_REPORT_MS;
	out->winner = -1;
	deadline = t0 + (uint64_t)cfg->net_timeout_s * 1000;
	if ((rc = list_nics(r, e)))
		return rc;
	race_make_bond(r);
	add_vlans(r);  /* before the static path: snboot.ip may name eth0.100 */
	if (cfg->ip[0])  /* no DHCP at all */
		return net_static(env, cfg, out, t0, deadline, e);
	bring_up(r);
	if ((rc = start_probes(r, &r->ctx, t0, e)) ||
	    (rc = run_loop(r, deadline, e)))
		goto err_stop;
	if (r->leader < 0) {
		report_deadline(r, e);
		rc = SN_E_DEADLINE;
		goto err_stop;
	}
	return finish(r, t0, e);

err_stop:
	stop_probes(r);
	take_down(r, -1);
	out->ms = env->now() - t0;
	return rc;
}
