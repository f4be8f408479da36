/* The network stage without DHCP: snboot.ip= (the kernel's ip= syntax)
 * names the address, snboot.url the backend. The NICs are those the race
 * would use (rules, ranks); the first with carrier, best rank first, gets
 * the address, unless snboot.ip names the device. */
#include "net/netstatic.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "http/urlutil.h"
#include "net/ipcfg.h"

#define STAGE "net"
#define LINK_POLL_MS 100

static int find_dev(const struct net_result *out, const char *dev)
{
	for (int i = 0; i < out->n_nics; i++)
		if (strcmp(out->nics[i].name, dev) == 0)
			return i;
	return -1;
}

/* Best-ranked NIC (of those up) with carrier now, -1 if none yet. */
static int best_with_carrier(const struct net_env *env,
			     const struct net_result *out, const int *up)
{
	int best = -1;

	for (int i = 0; i < out->n_nics; i++)
		if (up[i] && env->carrier(env->sysfs_net, out->nics[i].name) == 1 &&
		    (best < 0 || out->nics[i].rank < out->nics[best].rank))
			best = i;
	return best;
}

static void lease_from(struct lease *l, const struct ipcfg *ip,
		       const struct nic *n, const struct config *cfg)
{
	memset(l, 0, sizeof(*l));
	l->family = AF_INET;
	snprintf(l->ifname, sizeof(l->ifname), "%s", n->name);
	l->ifindex = n->ifindex;
	l->addr4 = ip->client;
	l->mask4 = ip->mask;
	l->router4 = ip->gw;
	l->server4 = ip->server;
	l->ntp4 = ip->ntp;
	for (int i = 0; i < ip->n_dns; i++)
		l->dns4[l->n_dns4++] = ip->dns[i];
	snprintf(l->hostname, sizeof(l->hostname), "%s", ip->hostname);
	snprintf(l->boot_url, sizeof(l->boot_url), "%s", cfg->url);
	snprintf(l->url_from, sizeof(l->url_from), "snboot.url");
}

static int configure(const struct net_env *env, const struct lease *l,
		     struct sn_err *e)
{
	struct in_addr any = { 0 };
	struct sn_err err;
	char text[320];
	int rc;

	if ((rc = env->set_addr4(l->ifname, l->addr4, l->mask4, e)))
		return rc;
	if (l->router4.s_addr &&
	    (rc = env->add_route4(l->ifname, any, 0, l->router4, l->addr4, l->mask4, e)))
		return rc;
	sn_clear(&err);
	if (env->write_resolv(env->etc_dir, l, &err))
		logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
	return 0;
}

int net_static(const struct net_env *env, const struct config *cfg,
	       struct net_result *out, uint64_t t0, uint64_t deadline,
	       struct sn_err *e)
{
	int up[NIC_MAX] = { 0 };
	char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	struct ipcfg ip;
	struct sn_err err;
	char text[320], url[LEASE_URL_MAX];
	int w = -1, target, rc, named;

	if ((rc = ipcfg_parse(cfg->ip, &ip, e)))
		return rc;
	if (!cfg->url[0])
		return sn_fail(e, SN_E_NET_STATIC_URL,
			       "snboot.ip=%.200s: no DHCP server names the backend, "
			       "set snboot.url too", cfg->ip);
	named = ip.dev[0] != 0;
	if (named && (w = find_dev(out, ip.dev)) < 0)
		return sn_fail(e, SN_E_NET_STATIC_DEV, "snboot.ip names %s: no such "
			       "Ethernet interface (%d found)", ip.dev, out->n_nics);
	for (int i = 0; i < out->n_nics; i++) {
		/* A named VLAN interface needs its port up, and goes first. */
		int port_of_named = named && out->nics[w].vlan && out->nics[w].parent == i;
		if (named ? i != w && !port_of_named : out->nics[i].excluded)
			continue;
		sn_clear(&err);
		if (env->set_up(out->nics[i].name, 1, &err))
			logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
		else
			up[i] = 1;
	}
	/* The link must be up before the first request: wait for carrier,
	 * within the stage's one deadline. */
	target = w;
	for (;;) {
		uint64_t now = env->now();
		if (named)
			w = up[target] && env->carrier(env->sysfs_net,
						       out->nics[target].name) == 1 ? target : -1;
		else
			w = best_with_carrier(env, out, up);
		if (w >= 0 || now >= deadline)
			break;
		env->poll(NULL, 0, LINK_POLL_MS);
	}
	if (w < 0) {
		rc = sn_fail(e, named ? SN_E_NET_STATIC_LINK : SN_E_NET_STATIC_DEV,
			     "snboot.ip: no carrier on %s in %u s",
			     named ? ip.dev : "any usable interface", cfg->net_timeout_s);
		goto err_down;
	}
	lease_from(&out->lease, &ip, &out->nics[w], cfg);
	if ((rc = configure(env, &out->lease, e)))
		goto err_down;
	for (int i = 0; i < out->n_nics; i++) {
		if (!up[i] || i == w || (out->nics[w].vlan && out->nics[w].parent == i))
			continue;
		sn_clear(&err);
		if (env->set_up(out->nics[i].name, 0, &err))
			logmsg(STAGE, "%s", sn_format(&err, text, sizeof(text)));
	}
	out->winner = w;
	out->lease.got_ms = env->now();
	out->ms = out->lease.got_ms - t0;
	inet_ntop(AF_INET, &ip.client, a, sizeof(a));
	inet_ntop(AF_INET, &ip.mask, m, sizeof(m));
	inet_ntop(AF_INET, &ip.gw, g, sizeof(g));
	url_for_log(cfg->url, url, sizeof(url));
	logmsg(STAGE, "%s: won: static %s/%s gateway %s (snboot.ip, no DHCP), "
	       "mac %s, boot URL %s", out->nics[w].name, a, m,
	       ip.gw.s_addr ? g : "none", out->nics[w].mac_str, url);
	log_stage_done("dhcp", out->ms);
	return 0;

err_down:
	for (int i = 0; i < out->n_nics; i++)
		if (up[i]) {
			sn_clear(&err);
			env->set_up(out->nics[i].name, 0, &err);
		}
	out->winner = -1;
	out->ms = env->now() - t0;
	return rc;
}
