/* DHCPv4 on one interface the script made: the race's dhcp4 probe in a
 * loop of its own, one interface, one deadline (see netdhcp.h). */
#include "net/netdhcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "net/probe.h"

#define STAGE "net"

static char script_vlans[NET_SCRIPT_VLANS_MAX][IF_NAMESIZE];
static int n_script_vlans;

void net_script_vlan_note(const char *name)
{
	for (int i = 0; i < n_script_vlans; i++)
		if (strcmp(script_vlans[i], name) == 0)
			return;
	if (n_script_vlans == NET_SCRIPT_VLANS_MAX || strlen(name) >= IF_NAMESIZE) {
		logmsg(STAGE, "%s: more VLANs from the script than %d: this one stays up "
		       "into kexec", name, NET_SCRIPT_VLANS_MAX);
		return;
	}
	snprintf(script_vlans[n_script_vlans++], IF_NAMESIZE, "%s", name);
}

int net_script_vlans_release(const struct net_env *env, const struct config *cfg)
{
	char names[NET_SCRIPT_VLANS_MAX * (IF_NAMESIZE + 2)] = "", text[320];
	size_t at = 0;
	int n = 0;

	for (int i = 0; i < n_script_vlans; i++) {
		struct sn_err err;

		sn_clear(&err);
		if (!cfg->keep_net && env->vlan_delete &&
		    env->vlan_delete(script_vlans[i], &err)) {
			logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
			continue;
		}
		n += !cfg->keep_net && env->vlan_delete;
		at += (size_t)snprintf(names + at, sizeof(names) - at, "%s%s", at ? ", " : "",
				       script_vlans[i]);
	}
	n_script_vlans = 0;
	if (names[0])
		logmsg(STAGE, "%s (the script's vcreate): %s", names,
		       cfg->keep_net ? "kept up into kexec (snboot.keep_net=1)"
				     : "taken down before kexec");
	return n;
}

int net_lease_default4(const struct lease *l)
{
	if (l->family != AF_INET)
		return 0;
	if (!l->n_routes4)
		return l->router4.s_addr != 0;
	for (int i = 0; i < l->n_routes4; i++)
		if (l->routes4[i].plen == 0)
			return 1;
	return 0;
}

/* The lease without its default route (the first interface's stays). */
static void drop_default(struct lease *l)
{
	int k = 0;

	l->router4.s_addr = 0;
	for (int i = 0; i < l->n_routes4; i++)
		if (l->routes4[i].plen)
			l->routes4[k++] = l->routes4[i];
	l->n_routes4 = k;
}

static int wait_ms(uint64_t now, uint64_t deadline, uint64_t timer)
{
	uint64_t until = timer && timer < deadline ? timer : deadline;

	return until <= now ? 0 : until - now > 60000 ? 60000 : (int)(until - now);
}

int net_dhcp_iface_env(const struct net_env *env, const struct config *cfg,
		       const struct smbios_facts *id, const struct nic *n,
		       unsigned timeout_ms, int keep_default, struct lease *out,
		       struct sn_err *e)
{
	struct lease whole;
	static struct config any_lease;   /* big: not on the stack */
	struct probe p;
	struct probe_ctx ctx;
	uint64_t t0 = env->now(), now, deadline;
	char why[240], addr[INET_ADDRSTRLEN];
	int rc;

	if (!timeout_ms)
		timeout_ms = cfg->net_timeout_s * 1000u;
	deadline = t0 + timeout_ms;
	if (!env->v4)
		return sn_fail(e, SN_E_NET_PROBE, "%s: no DHCPv4 here", n->name);
	/* The script runs: its backend is known, any lease will do (the
	 * client's need for a boot URL is what snboot.url turns off). */
	any_lease = *cfg;
	if (!any_lease.url[0])
		snprintf(any_lease.url, sizeof(any_lease.url), "%s", "script");
	ctx = (struct probe_ctx){ &any_lease, id };
	memset(&p, 0, sizeof(p));
	p.ops = env->v4;
	p.nic = n;
	p.fd = -1;
	if ((rc = env->set_up(n->name, 1, e)))
		return rc;
	if ((rc = p.ops->start(&p, &ctx, t0, e))) {
		p.ops->stop(&p);
		return rc;
	}
	logmsg(STAGE, "%s: DHCPv4 for the script, up to %u ms", n->name, timeout_ms);
	while (p.done == 0 && (now = env->now()) < deadline) {
		struct pollfd fd = { .fd = p.fd, .events = POLLIN };

		rc = env->poll(&fd, p.fd >= 0, wait_ms(now, deadline, p.timer_ms));
		if (rc < 0 && errno != EINTR) {
			p.ops->stop(&p);
			return sn_fail(e, SN_E_NET_POLL, "%s: poll: %s", n->name, strerror(errno));
		}
		if (rc > 0 && (fd.revents & POLLNVAL))
			break;
		if (rc > 0 && fd.revents)
			p.ops->input(&p, env->now());
		now = env->now();
		if (!p.done && p.timer_ms && p.timer_ms <= now)
			p.ops->timeout(&p, now);
	}
	if (p.done != 1) {
		snprintf(why, sizeof(why), "%s", p.done ? "gave up" : "no lease");
		if (p.ops->summary)
			p.ops->summary(&p, why, sizeof(why));
		p.ops->stop(&p);
		return sn_fail(e, SN_E_NET_VLAN_DHCP, "%s: no DHCPv4 lease in %llu ms "
			       "(limit %u ms): %s", n->name,
			       (unsigned long long)(env->now() - t0), timeout_ms, why);
	}
	whole = p.lease;
	if (keep_default && net_lease_default4(&p.lease)) {
		drop_default(&p.lease);
		logmsg(STAGE, "%s: its default route not set: the first interface's stays "
		       "(iPXE routes through interfaces in the order they appeared)", n->name);
	}
	rc = p.ops->apply(&p, e);
	p.ops->stop(&p);
	if (rc)
		return rc;
	whole.mask4 = p.lease.mask4;   /* apply may fill the classful default */
	*out = whole;
	inet_ntop(AF_INET, &out->addr4, addr, sizeof(addr));
	logmsg(STAGE, "%s: DHCPv4 %s for the script in %llu ms", n->name, addr,
	       (unsigned long long)(env->now() - t0));
	return 0;
}

int net_dhcp_iface(const struct config *cfg, const struct smbios_facts *id,
		   const struct nic *n, unsigned timeout_ms, int keep_default,
		   struct lease *out, struct sn_err *e)
{
	struct net_env env;

	net_env_default(&env);
	return net_dhcp_iface_env(&env, cfg, id, n, timeout_ms, keep_default, out, e);
}
