/* The network stage's race with fake NICs, scripted probes and fake time:
 * grace window, rank tie-break, deadline report, losers taken down. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "net/netrace.h"

#define T0 10000

/* What a probe on one NIC and family will do. */
struct script {
	const char *nic;
	const char *family;      /* "v4", "v6" */
	uint64_t bind_after;     /* ms after start; 0 = never binds */
	const char *url;
	int fail_start, fail_apply;
};

static struct {
	struct nic nics[NIC_MAX];
	int n_nics;
	const struct script *scripts;
	int n_scripts;
	uint64_t now;
	int polls;
	char log[2048];          /* "up eth0;down eth1;..." */
	char applied[64];
	char resolv[64];
	uint64_t carrier_at[NIC_MAX];  /* nonzero: carrier from this time on */
} fx;

static void note(const char *fmt, const char *arg)
{
	size_t at = strlen(fx.log);
	snprintf(fx.log + at, sizeof(fx.log) - at, fmt, arg);
}

static int fake_list(const char *sysfs, struct nic *out, int max, struct sn_err *e)
{
	memcpy(out, fx.nics, sizeof(struct nic) * (size_t)fx.n_nics);
	return fx.n_nics;
}

static int fake_carrier(const char *sysfs, const char *name)
{
	size_t n = strcspn(name, ".");  /* a VLAN's link is its port's */

	for (int i = 0; i < fx.n_nics; i++)
		if (strlen(fx.nics[i].name) == n && strncmp(fx.nics[i].name, name, n) == 0)
			return fx.carrier_at[i] ? fx.now >= fx.carrier_at[i]
						: fx.nics[i].carrier;
	return -1;
}

static int fake_set_up(const char *name, int up, struct sn_err *e)
{
	note(up ? "up %s;" : "down %s;", name);
	return 0;
}

static int fake_flush(const char *name, struct sn_err *e)
{
	note("flush %s;", name);
	return 0;
}

static int fake_resolv(const char *dir, const struct lease *l, struct sn_err *e)
{
	snprintf(fx.resolv, sizeof(fx.resolv), "%s", l->ifname);
	return 0;
}

static int fake_set_addr4(const char *name, struct in_addr a, struct in_addr m,
			  struct sn_err *e)
{
	char t[64], ta[16], tm[16];

	inet_ntop(AF_INET, &a, ta, sizeof(ta));
	inet_ntop(AF_INET, &m, tm, sizeof(tm));
	snprintf(t, sizeof(t), "%s %s/%s", name, ta, tm);
	note("addr %s;", t);
	return 0;
}

static int fake_route4(const char *name, struct in_addr dst, unsigned plen,
		       struct in_addr gw, struct in_addr a, struct in_addr m,
		       struct sn_err *e)
{
	char t[64], td[16], tg[16];

	inet_ntop(AF_INET, &dst, td, sizeof(td));
	inet_ntop(AF_INET, &gw, tg, sizeof(tg));
	snprintf(t, sizeof(t), "%s %s/%u via %s", name, td, plen, tg);
	note("route %s;", t);
	return 0;
}

static int fake_vlan_create(const char *parent, unsigned tag, char *out, size_t len,
			    struct sn_err *e)
{
	if (tag == 666)
		return sn_fail(e, SN_E_NET_VLAN, "%s.%u: refused", parent, tag);
	snprintf(out, len, "%s.%u", parent, tag);
	note("vlan %s;", out);
	return 0;
}

static int fake_partner;

static int fake_bond_create(const char *name, struct sn_err *e)
{
	note("bond %s;", name);
	return 0;
}

static int fake_enslave(const char *bond, const char *port, struct sn_err *e)
{
	note("enslave %s;", port);
	return 0;
}

static int fake_bond_delete(const char *bond, struct sn_err *e)
{
	note("unbond %s;", bond);
	return 0;
}

static int fake_vlan_delete(const char *name, struct sn_err *e)
{
	if (!strcmp(name, "eth0.666"))
		return sn_fail(e, SN_E_NET_VLAN_DELETE, "delete %s: busy", name);
	note("unvlan %s;", name);
	return 0;
}

static int fake_bond_partner(const char *sysfs, const char *bond)
{
	return fake_partner;
}

static unsigned fake_ifindex(const char *name)
{
	return 40 + (unsigned)strlen(name);
}

static uint64_t fake_now(void)
{
	return fx.now;
}

/* No probe has a socket here: poll only lets fake time pass. */
static int fake_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	assert_int_equal(n, 0);
	assert_true(timeout_ms >= 0);
	assert_true(++fx.polls < 1000);  /* never spins */
	fx.now += (uint64_t)timeout_ms;
	return 0;
}

static const struct script *find_script(const struct probe *p)
{
	const char *fam = strcmp(p->ops->name, "fake4") == 0 ? "v4" : "v6";
	for (int i = 0; i < fx.n_scripts; i++)
		if (strcmp(fx.scripts[i].nic, p->nic->name) == 0 &&
		    strcmp(fx.scripts[i].family, fam) == 0)
			return &fx.scripts[i];
	return NULL;
}

static int fake_start(struct probe *p, const struct probe_ctx *ctx, uint64_t now,
		      struct sn_err *e)
{
	const struct script *s = find_script(p);

	note("start %s;", p->nic->name);
	if (s && s->fail_start)
		return sn_fail(e, SN_E_DHCP4_SOCKET, "no socket for %s", p->nic->name);
	p->priv = (void *)s;
	p->timer_ms = s && s->bind_after ? now + s->bind_after : now + 700;
	return 0;
}

static void fake_timeout(struct probe *p, uint64_t now)
{
	const struct script *s = p->priv;

	if (!s || !s->bind_after) {  /* retransmits forever */
		p->timer_ms = now + 700;
		return;
	}
	p->done = 1;
	p->timer_ms = 0;
	p->lease.family = strcmp(s->family, "v4") == 0 ? AF_INET : AF_INET6;
	snprintf(p->lease.ifname, sizeof(p->lease.ifname), "%s", p->nic->name);
	inet_pton(AF_INET, "10.0.0.9", &p->lease.addr4);
	snprintf(p->lease.boot_url, sizeof(p->lease.boot_url), "%s", s->url ? s->url : "");
	p->lease.got_ms = now;
}

static void fake_input(struct probe *p, uint64_t now)
{
	fail_msg("no fds, no input");
}

static void fake_stop(struct probe *p)
{
	note("stop %s;", p->nic->name);
	p->priv = NULL;
	p->fd = -1;
}

static int fake_apply(struct probe *p, struct sn_err *e)
{
	const struct script *s = find_script(p);

	if (s && s->fail_apply)
		return sn_fail(e, SN_E_NET_ADDR, "%s: refused", p->nic->name);
	snprintf(fx.applied, sizeof(fx.applied), "%s/%s", p->nic->name, p->ops->name);
	return 0;
}

static void fake_summary(const struct probe *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s", p->done == 1 ? "bound" : "nothing");
}

static const struct probe_ops fake4 = {
	"fake4", fake_start, fake_input, fake_timeout, fake_stop, fake_apply, fake_summary, 0,
};
static const struct probe_ops fake6 = {
	"fake6", fake_start, fake_input, fake_timeout, fake_stop, fake_apply, NULL, 0,
};

/* A listener that "hears" the switch name VLAN 100 (and 1, the default
 * VLAN, never made) on eth0 half a second in. */
static int lldp_start(struct probe *p, const struct probe_ctx *ctx, uint64_t now,
		      struct sn_err *e)
{
	note("listen %s;", p->nic->name);
	p->timer_ms = strcmp(p->nic->name, "eth0") == 0 ? now + 500 : 0;
	return 0;
}

static void lldp_timeout(struct probe *p, uint64_t now)
{
	p->vlans[p->n_vlans++] = 100;
	p->timer_ms = 0;
}

static void lldp_stop(struct probe *p)
{
	p->fd = -1;
}

static const struct probe_ops fake_lldp = {
	"lldp", lldp_start, fake_input, lldp_timeout, lldp_stop, fake_apply, NULL, 1,
};

static struct net_env env;
static struct config cfg;
static struct net_result res;

static void add_nic(const char *name, int carrier)
{
	struct nic *n = &fx.nics[fx.n_nics];

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	n->ifindex = fx.n_nics + 2;
	n->mac[5] = (uint8_t)fx.n_nics;
	snprintf(n->mac_str, sizeof(n->mac_str), "02:00:00:00:00:%02x", fx.n_nics);
	n->carrier = carrier;
	fx.n_nics++;
}

static int setup(void **state)
{
	log_set_quiet(1);
	memset(&fx, 0, sizeof(fx));
	fx.now = T0;
	env = (struct net_env){
		.sysfs_net = "/nonexistent", .etc_dir = "/nonexistent",
		.list = fake_list, .carrier = fake_carrier, .set_up = fake_set_up,
		.flush_addr4 = fake_flush, .write_resolv = fake_resolv,
		.set_addr4 = fake_set_addr4, .add_route4 = fake_route4,
		.vlan_create = fake_vlan_create, .ifindex = fake_ifindex,
		.bond_create = fake_bond_create, .bond_enslave = fake_enslave,
		.bond_delete = fake_bond_delete, .bond_partner = fake_bond_partner,
		.vlan_delete = fake_vlan_delete,
		.v4 = &fake4, .v6 = &fake6, .now = fake_now, .poll = fake_poll,
	};
	config_defaults(&cfg);
	cfg.ipv4 = 1;
	cfg.ipv6 = 0;
	cfg.grace_ms = 500;
	cfg.net_timeout_s = 10;
	cfg.url[0] = '\0';
	snprintf(cfg.prefer, sizeof(cfg.prefer), "eth1");  /* eth1 rank 0, others 1 */
	cfg.exclude[0] = '\0';
	add_nic("eth0", 1);
	add_nic("eth1", 1);
	return 0;
}

#define RUN(...) do { static const struct script s_[] = { __VA_ARGS__ }; \
	fx.scripts = s_; fx.n_scripts = (int)(sizeof(s_) / sizeof(s_[0])); } while (0)

/* A worse-ranked NIC answers first; the preferred one within the grace
 * window takes over and, being the best rank, ends the race at once. */
static void preferred_wins_in_grace(void **state)
{
	struct sn_err e;

	RUN({ "eth0", "v4", 100, "http://a/", 0, 0 }, { "eth1", "v4", 300, "http://b/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 1);
	assert_string_equal(res.lease.boot_url, "http://b/");
	assert_string_equal(fx.applied, "eth1/fake4");
	assert_string_equal(fx.resolv, "eth1");
	assert_int_equal(res.ms, 300);
	assert_int_equal(res.n_nics, 2);
	assert_int_equal(res.nics[1].rank, 0);
	assert_int_equal(res.nics[0].rank, 1);
	/* The loser goes down clean; the winner stays up. */
	assert_non_null(strstr(fx.log, "flush eth0;down eth0;"));
	assert_null(strstr(fx.log, "down eth1"));
}

static void grace_expires(void **state)
{
	struct sn_err e;

	RUN({ "eth0", "v4", 100, "http://a/", 0, 0 }, { "eth1", "v4", 900, "http://b/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 0);
	assert_int_equal(res.ms, 600);  /* 100 + grace 500 */
	assert_non_null(strstr(fx.log, "down eth1;"));
}

static void best_rank_first_decides_at_once(void **state)
{
	struct sn_err e;

	RUN({ "eth0", "v4", 50, "http://a/", 0, 0 }, { "eth1", "v4", 40, "http://b/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 1);
	assert_int_equal(res.ms, 40);
}

/* The preferred NIC cannot start a probe: no point waiting for it. */
static void dead_preferred_nic_costs_nothing(void **state)
{
	struct sn_err e;

	RUN({ "eth0", "v4", 100, "http://a/", 0, 0 }, { "eth1", "v4", 0, NULL, 1, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 0);
	assert_int_equal(res.ms, 100);
}

static void lease_without_url(void **state)
{
	struct sn_err e;

	RUN({ "eth0", "v4", 100, NULL, 0, 0 }, { "eth1", "v4", 2000, "http://b/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 1);  /* eth0's lease did not qualify */
	assert_int_equal(res.ms, 2000);
	/* With snboot.url any lease qualifies. */
	setup(state);
	snprintf(cfg.url, sizeof(cfg.url), "https://backend/");
	RUN({ "eth0", "v4", 100, NULL, 0, 0 }, { "eth1", "v4", 2000, "http://b/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 0);
	assert_int_equal(res.ms, 600);
}

static void deadline_report(void **state)
{
	struct sn_err e;

	add_nic("eth2", 0);
	cfg.ipv6 = 1;
	RUN({ "eth0", "v4", 0, NULL, 0, 0 }, { "eth1", "v4", 0, NULL, 0, 0 },
	    { "eth1", "v6", 0, NULL, 1, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), SN_E_DEADLINE);
	assert_int_equal(fx.now, T0 + 10000);
	assert_string_equal(e.ctx,
			    "no lease with a boot URL in 10 s: "
			    "eth0: link up but silent (nothing received); fake4 nothing; fake6 no lease; "
			    "eth1: link up but silent (nothing received); fake4 nothing; "
			    "fake6 not started (no socket for eth1); eth2: no carrier");
	/* Everything we brought up is down again. */
	assert_non_null(strstr(fx.log, "down eth0;"));
	assert_non_null(strstr(fx.log, "down eth1;"));
	assert_non_null(strstr(fx.log, "down eth2;"));
	assert_string_equal(fx.applied, "");
}

static void excluded_nic_untouched(void **state)
{
	struct sn_err e;

	add_nic("eth2", 1);
	snprintf(cfg.exclude, sizeof(cfg.exclude), "eth2");
	RUN({ "eth0", "v4", 100, "http://a/", 0, 0 }, { "eth2", "v4", 10, "http://c/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 0);
	assert_int_equal(res.nics[2].excluded, 1);
	assert_null(strstr(fx.log, "eth2"));  /* not up, no probe, not down */
}

static void all_excluded(void **state)
{
	struct sn_err e;

	snprintf(cfg.exclude, sizeof(cfg.exclude), "eth*");
	RUN({ "eth0", "v4", 100, "http://a/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), SN_E_NET_NO_NIC);
	assert_string_equal(fx.log, "");
}

/* The winner's lease cannot be applied: the next best one is. */
static void apply_failure_falls_back(void **state)
{
	struct sn_err e;

	RUN({ "eth0", "v4", 100, "http://a/", 0, 0 }, { "eth1", "v4", 200, "http://b/", 0, 1 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 0);
	assert_string_equal(fx.applied, "eth0/fake4");
	assert_non_null(strstr(fx.log, "flush eth1;down eth1;"));
}

/* v6 on the preferred NIC beats v4 on the other one. */
static void v6_counts_too(void **state)
{
	struct sn_err e;

	cfg.ipv6 = 1;
	RUN({ "eth0", "v4", 100, "http://a/", 0, 0 }, { "eth1", "v6", 250, "http://[fd00::1]/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 1);
	assert_int_equal(res.lease.family, AF_INET6);
	assert_string_equal(fx.applied, "eth1/fake6");
}

/* snboot.ip: no probe runs; of the usable NICs the best-ranked one with
 * carrier gets the address and the route, the others go down again. */
static void static_ip_no_dhcp(void **state)
{
	struct sn_err e;

	snprintf(cfg.ip, sizeof(cfg.ip), "10.77.1.50::10.77.1.1:255.255.255.0:n1::none:10.77.1.1");
	snprintf(cfg.url, sizeof(cfg.url), "https://10.77.1.1/api/v1/boot");
	cfg.prefer[0] = '\0';
	fx.nics[0].carrier = 0;  /* eth0: no cable */
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 1);
	assert_string_equal(fx.log, "up eth0;up eth1;addr eth1 10.77.1.50/255.255.255.0;"
			    "route eth1 0.0.0.0/0 via 10.77.1.1;down eth0;");
	assert_string_equal(fx.resolv, "eth1");
	assert_int_equal(res.lease.family, AF_INET);
	assert_int_equal(res.lease.n_dns4, 1);
	assert_string_equal(res.lease.hostname, "n1");
	assert_string_equal(res.lease.boot_url, cfg.url);
	assert_null(strstr(fx.log, "start"));
}

/* A named device is the only one touched; its link is waited for. */
static void static_ip_named_dev_waits_for_link(void **state)
{
	struct sn_err e;

	snprintf(cfg.ip, sizeof(cfg.ip), "192.0.2.7:::::eth0:none");
	snprintf(cfg.url, sizeof(cfg.url), "https://192.0.2.1/");
	fx.carrier_at[0] = T0 + 2500;
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 0);
	assert_true(fx.now >= T0 + 2500 && fx.now < T0 + 2700);
	assert_string_equal(fx.log, "up eth0;addr eth0 192.0.2.7/255.255.255.0;");
}

static void static_ip_errors(void **state)
{
	struct sn_err e;

	snprintf(cfg.ip, sizeof(cfg.ip), "192.0.2.7");
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), SN_E_NET_STATIC_URL);
	assert_non_null(strstr(e.ctx, "set snboot.url too"));
	snprintf(cfg.url, sizeof(cfg.url), "https://192.0.2.1/");
	snprintf(cfg.ip, sizeof(cfg.ip), "192.0.2.7:::::eth9");
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), SN_E_NET_STATIC_DEV);
	assert_non_null(strstr(e.ctx, "eth9: no such"));
	snprintf(cfg.ip, sizeof(cfg.ip), "192.0.2.777");
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), SN_E_NET_IPCFG);
	/* No carrier anywhere: the stage's deadline, every NIC down again. */
	snprintf(cfg.ip, sizeof(cfg.ip), "192.0.2.7");
	fx.nics[0].carrier = fx.nics[1].carrier = 0;
	fx.log[0] = '\0';
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), SN_E_NET_STATIC_DEV);
	assert_non_null(strstr(e.ctx, "no carrier on any usable interface in 10 s"));
	assert_string_equal(fx.log, "up eth0;up eth1;down eth0;down eth1;");
	assert_int_equal(res.winner, -1);
}

/* A port with link that hears nothing (STP listening/learning, LACP not
 * up) is named every 10 s on the console and in the deadline report. */
static void silent_ports_are_named(void **state)
{
	struct sn_err e;
	char text[4096];
	FILE *f = tmpfile();
	size_t n;

	assert_non_null(f);
	cfg.net_timeout_s = 25;
	fx.nics[1].carrier = 0;  /* eth1: no cable, so not "silent" */
	RUN({ "eth0", "v4", 0, NULL, 0, 0 });
	log_set_quiet(0);
	log_add_console(fileno(f));
	log_use_consoles_only();
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), SN_E_DEADLINE);
	log_set_quiet(1);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "up but silent for 10 s (link up, nothing received): eth0; "));
	assert_non_null(strstr(text, "up but silent for 20 s (link up, nothing received): eth0; "));
	assert_null(strstr(text, "for 30 s"));
	assert_null(strstr(text, "received): eth0, eth1"));
	assert_non_null(strstr(e.ctx, "eth0: link up but silent (nothing received); fake4"));
	assert_non_null(strstr(e.ctx, "eth1: no carrier"));
}

/* snboot.vlan: tagged interfaces on the matching ports, raced beside the
 * untagged ones; a winning VLAN keeps its port up. */
static void vlans_race_beside_ports(void **state)
{
	struct sn_err e;

	snprintf(cfg.vlan, sizeof(cfg.vlan), "name:eth0=100,666");
	cfg.prefer[0] = '\0';
	RUN({ "eth0.100", "v4", 300, "http://v/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.n_nics, 3);
	assert_string_equal(res.nics[2].name, "eth0.100");
	assert_int_equal(res.nics[2].vlan, 100);
	assert_int_equal(res.nics[2].parent, 0);
	assert_int_equal(res.nics[2].ifindex, 48);
	assert_memory_equal(res.nics[2].mac, res.nics[0].mac, 6);
	assert_int_equal(res.winner, 2);
	assert_string_equal(fx.applied, "eth0.100/fake4");
	assert_non_null(strstr(fx.log, "vlan eth0.100;up eth0;up eth1;up eth0.100;"
				       "start eth0;start eth1;start eth0.100;"));
	assert_non_null(strstr(fx.log, "down eth1;"));
	assert_null(strstr(fx.log, "down eth0;"));  /* the VLAN's port stays up */
	assert_null(strstr(fx.log, "vlan eth1"));
}

/* LLDP names VLAN 100 for eth0: eth0.100 joins the race then, and wins;
 * a listener never holds up the decision. */
static void lldp_vlan_joins_the_race(void **state)
{
	struct sn_err e;

	env.lldp = &fake_lldp;
	cfg.lldp = 1;
	cfg.prefer[0] = '\0';
	RUN({ "eth0.100", "v4", 200, "http://v/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.n_nics, 3);
	assert_string_equal(res.nics[2].name, "eth0.100");
	assert_int_equal(res.nics[2].vlan, 100);
	assert_int_equal(res.winner, 2);
	assert_int_equal(res.lease.got_ms, T0 + 700);
	assert_non_null(strstr(fx.log, "start eth0;listen eth0;start eth1;listen eth1;"
				       "vlan eth0.100;up eth0.100;start eth0.100;"));
	assert_null(strstr(fx.log, "down eth0;"));
	/* Without a lease the listener does not keep the race open past
	 * the leader's grace. */
	memset(&res, 0, sizeof(res));
	fx.log[0] = '\0';
	fx.now = T0;
	RUN({ "eth1", "v4", 100, "http://b/", 0, 0 });
	env.lldp = &fake_lldp;
	cfg.vlan[0] = '\0';
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 1);
}

/* snboot.ip naming a VLAN interface snboot.vlan makes: its port comes up
 * first and stays up; the address goes on the VLAN. */
static void static_ip_on_a_vlan(void **state)
{
	struct sn_err e;

	snprintf(cfg.vlan, sizeof(cfg.vlan), "name:eth1=100");
	snprintf(cfg.ip, sizeof(cfg.ip), "10.77.1.50:::255.255.255.0::eth1.100:none");
	snprintf(cfg.url, sizeof(cfg.url), "https://10.77.1.1/");
	fx.carrier_at[0] = T0 + 1;  /* eth0 has link too: never chosen */
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 2);
	assert_string_equal(res.lease.ifname, "eth1.100");
	assert_string_equal(fx.log, "vlan eth1.100;up eth1;up eth1.100;"
			    "addr eth1.100 10.77.1.50/255.255.255.0;");
}

/* snboot.bond: the race runs on the bond, not on its ports. */
static void bond_with_partner(void **state)
{
	struct sn_err e;

	snprintf(cfg.bond, sizeof(cfg.bond), "eth*");
	fake_partner = 1;
	cfg.net_timeout_s = 30;
	RUN({ "snbond0", "v4", 9000, "http://b/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.n_nics, 3);
	assert_int_equal(res.winner, 2);
	assert_int_equal(res.nics[2].bond, 1);
	assert_int_equal(res.nics[0].slave, 1);
	assert_string_equal(fx.log, "bond snbond0;enslave eth0;enslave eth1;up snbond0;"
			    "start snbond0;stop snbond0;");
}

/* No LACP partner by BOND_FALLBACK_MS: the bond goes, its ports race. */
static void bond_without_partner_falls_back(void **state)
{
	struct sn_err e;

	snprintf(cfg.bond, sizeof(cfg.bond), "eth*");
	fake_partner = 0;
	cfg.net_timeout_s = 30;
	RUN({ "eth1", "v4", 300, "http://p/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.winner, 1);
	assert_int_equal(res.lease.got_ms, T0 + 8000 + 300);
	assert_non_null(strstr(fx.log, "bond snbond0;enslave eth0;enslave eth1;up snbond0;"
				       "start snbond0;stop snbond0;unbond snbond0;"
				       "up eth0;start eth0;up eth1;start eth1;"));
	assert_int_equal(res.nics[0].slave, 0);
}

/* One port matching is no bond. */
static void bond_needs_two_ports(void **state)
{
	struct sn_err e;

	snprintf(cfg.bond, sizeof(cfg.bond), "eth1");
	RUN({ "eth1", "v4", 300, "http://p/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_null(strstr(fx.log, "bond"));
	assert_int_equal(res.n_nics, 2);
}

/* Before kexec: the bond (still there after the race) and every VLAN
 * interface the race made are deleted, VLANs first; snboot.keep_net=1
 * deletes nothing. */
static void release_before_kexec(void **state)
{
	struct sn_err e;

	snprintf(cfg.bond, sizeof(cfg.bond), "eth*");
	fake_partner = 1;
	cfg.net_timeout_s = 30;
	RUN({ "snbond0", "v4", 9000, "http://b/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	/* A VLAN on the bond, as LLDP may name one. */
	res.nics[res.n_nics] = res.nics[2];
	snprintf(res.nics[res.n_nics].name, sizeof(res.nics[0].name), "snbond0.100");
	res.nics[res.n_nics].bond = 0;
	res.nics[res.n_nics].vlan = 100;
	res.nics[res.n_nics++].parent = 2;
	fx.log[0] = '\0';
	cfg.keep_net = 1;
	assert_int_equal(net_release_env(&env, &cfg, &res), 0);
	assert_string_equal(fx.log, "");
	cfg.keep_net = 0;
	assert_int_equal(net_release_env(&env, &cfg, &res), 2);
	assert_string_equal(fx.log, "unvlan snbond0.100;unbond snbond0;");
}

/* The fallback undid the bond already (excluded): nothing left of it;
 * the plain ports are never deleted; a failed delete is skipped. */
static void release_skips_undone_bond(void **state)
{
	struct sn_err e;

	snprintf(cfg.bond, sizeof(cfg.bond), "eth*");
	fake_partner = 0;
	cfg.net_timeout_s = 30;
	RUN({ "eth1", "v4", 300, "http://p/", 0, 0 });
	assert_int_equal(net_run_env(&env, &cfg, NULL, &res, &e), 0);
	assert_int_equal(res.nics[2].excluded, 1);
	fx.log[0] = '\0';
	assert_int_equal(net_release_env(&env, &cfg, &res), 0);
	assert_string_equal(fx.log, "");
	res.nics[res.n_nics] = res.nics[0];
	snprintf(res.nics[res.n_nics].name, sizeof(res.nics[0].name), "eth0.666");
	res.nics[res.n_nics].vlan = 666;
	res.nics[res.n_nics++].parent = 0;
	assert_int_equal(net_release_env(&env, &cfg, &res), 0);
	assert_string_equal(fx.log, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(preferred_wins_in_grace, setup),
		cmocka_unit_test_setup(grace_expires, setup),
		cmocka_unit_test_setup(best_rank_first_decides_at_once, setup),
		cmocka_unit_test_setup(dead_preferred_nic_costs_nothing, setup),
		cmocka_unit_test_setup(lease_without_url, setup),
		cmocka_unit_test_setup(deadline_report, setup),
		cmocka_unit_test_setup(excluded_nic_untouched, setup),
		cmocka_unit_test_setup(all_excluded, setup),
		cmocka_unit_test_setup(apply_failure_falls_back, setup),
		cmocka_unit_test_setup(v6_counts_too, setup),
		cmocka_unit_test_setup(static_ip_no_dhcp, setup),
		cmocka_unit_test_setup(static_ip_named_dev_waits_for_link, setup),
		cmocka_unit_test_setup(static_ip_errors, setup),
		cmocka_unit_test_setup(silent_ports_are_named, setup),
		cmocka_unit_test_setup(vlans_race_beside_ports, setup),
		cmocka_unit_test_setup(lldp_vlan_joins_the_race, setup),
		cmocka_unit_test_setup(static_ip_on_a_vlan, setup),
		cmocka_unit_test_setup(bond_with_partner, setup),
		cmocka_unit_test_setup(bond_without_partner_falls_back, setup),
		cmocka_unit_test_setup(bond_needs_two_ports, setup),
		cmocka_unit_test_setup(release_before_kexec, setup),
		cmocka_unit_test_setup(release_skips_undone_bond, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
