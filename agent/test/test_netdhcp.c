/* DHCPv4 on one interface the script made (netdhcp.c) with a scripted
 * probe and fake time: the lease bound and applied, its limit from
 * --timeout or snboot.net_timeout, the failure naming the interface and
 * the wait, and the script's VLANs deleted before kexec. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "net/netdhcp.h"

#define T0 50000

static struct {
	uint64_t now;
	uint64_t bind_after;   /* ms after start; 0 = never */
	uint64_t started;
	int need_url;          /* the cfg the probe saw asked for a boot URL */
	int fail_apply, stopped, up;
	char applied[32], deleted[128];
	struct lease offer;    /* what the server gives */
	struct lease seen;     /* what apply was asked to set */
} fx;

static uint64_t fake_now(void) { return fx.now; }

static int fake_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	fx.now += (uint64_t)timeout_ms;   /* nothing arrives: time passes */
	return 0;
}

static int fake_set_up(const char *name, int up, struct sn_err *e)
{
	fx.up = up;
	return 0;
}

static int fake_delete(const char *name, struct sn_err *e)
{
	size_t at = strlen(fx.deleted);
	snprintf(fx.deleted + at, sizeof(fx.deleted) - at, "%s;", name);
	return strcmp(name, "bad.7") ? 0 : sn_fail(e, SN_E_NET_VLAN_DELETE, "%s", name);
}

static void p_sync(struct probe *p, uint64_t now)
{
	if (fx.bind_after && now >= fx.started + fx.bind_after) {
		p->done = 1;
		p->lease = fx.offer;
		p->timer_ms = 0;
	} else {
		p->timer_ms = now + 1000;   /* a DISCOVER a second */
	}
}

static int p_start(struct probe *p, const struct probe_ctx *ctx, uint64_t now,
		   struct sn_err *e)
{
	fx.started = now;
	fx.need_url = !ctx->cfg->url[0];
	p->priv = &fx;
	p_sync(p, now);
	return 0;
}

static void p_input(struct probe *p, uint64_t now) { p_sync(p, now); }
static void p_timeout(struct probe *p, uint64_t now) { p_sync(p, now); }
static void p_stop(struct probe *p) { fx.stopped++; p->priv = NULL; }

static int p_apply(struct probe *p, struct sn_err *e)
{
	if (fx.fail_apply)
		return sn_fail(e, SN_E_NET_ADDR, "%s: refused", p->nic->name);
	snprintf(fx.applied, sizeof(fx.applied), "%s", p->nic->name);
	fx.seen = p->lease;
	return 0;
}

static void p_summary(const struct probe *p, char *buf, size_t len)
{
	snprintf(buf, len, "%llu DISCOVERs, no OFFER",
		 (unsigned long long)((fx.now - fx.started) / 1000));
}

static const struct probe_ops fake_v4 = {
	.name = "dhcp4", .start = p_start, .input = p_input, .timeout = p_timeout,
	.stop = p_stop, .apply = p_apply, .summary = p_summary,
};

static struct config cfg;
static struct net_env env;
static struct nic vnic;

static int setup(void **state)
{
	memset(&fx, 0, sizeof(fx));
	fx.now = T0;
	fx.offer.family = AF_INET;
	inet_pton(AF_INET, "192.168.100.57", &fx.offer.addr4);
	inet_pton(AF_INET, "192.168.100.1", &fx.offer.router4);
	config_defaults(&cfg);
	memset(&env, 0, sizeof(env));
	env.now = fake_now;
	env.poll = fake_poll;
	env.set_up = fake_set_up;
	env.vlan_delete = fake_delete;
	env.v4 = &fake_v4;
	memset(&vnic, 0, sizeof(vnic));
	snprintf(vnic.name, sizeof(vnic.name), "eth0.100");
	vnic.vlan = 100;
	return 0;
}

static void binds_and_applies(void **state)
{
	struct lease l;
	struct sn_err e;
	char addr[INET_ADDRSTRLEN];

	sn_clear(&e);
	fx.bind_after = 3000;
	assert_int_equal(net_dhcp_iface_env(&env, &cfg, NULL, &vnic, 10000, 0, &l, &e), 0);
	assert_string_equal(fx.applied, "eth0.100");
	assert_int_equal(fx.need_url, 0);   /* any lease: no boot URL needed */
	assert_int_equal(fx.up, 1);
	assert_int_equal(fx.stopped, 1);
	assert_int_equal(fx.now, T0 + 3000);
	assert_string_equal(inet_ntop(AF_INET, &l.addr4, addr, sizeof(addr)), "192.168.100.57");
	/* no default route before: the VLAN's is set */
	assert_string_equal(inet_ntop(AF_INET, &fx.seen.router4, addr, sizeof(addr)),
			    "192.168.100.1");
}

/* The network stage's lease set a default route: the VLAN lease's is not
 * applied (option 3, and 0/0 in option 121; other 121 routes are), but
 * the lease handed back (the settings' ${net0-100/gateway}) is whole. */
static void first_default_route_stays(void **state)
{
	struct lease l, first;
	struct sn_err e;
	char addr[INET_ADDRSTRLEN];

	memset(&first, 0, sizeof(first));
	first.family = AF_INET;
	assert_int_equal(net_lease_default4(&first), 0);
	inet_pton(AF_INET, "10.0.0.1", &first.router4);
	assert_int_equal(net_lease_default4(&first), 1);
	first.n_routes4 = 1;   /* option 121 replaces option 3 */
	inet_pton(AF_INET, "10.9.0.0", &first.routes4[0].dst);
	first.routes4[0].plen = 16;
	assert_int_equal(net_lease_default4(&first), 0);
	first.routes4[1].plen = 0;
	first.n_routes4 = 2;
	assert_int_equal(net_lease_default4(&first), 1);

	sn_clear(&e);
	fx.bind_after = 1000;
	assert_int_equal(net_dhcp_iface_env(&env, &cfg, NULL, &vnic, 5000, 1, &l, &e), 0);
	assert_int_equal(fx.seen.router4.s_addr, 0);
	assert_string_equal(inet_ntop(AF_INET, &l.router4, addr, sizeof(addr)), "192.168.100.1");

	/* option 121: 0/0 left out, the others applied */
	setup(state);
	fx.bind_after = 1000;
	fx.offer.n_routes4 = 3;
	inet_pton(AF_INET, "172.16.0.0", &fx.offer.routes4[0].dst);
	fx.offer.routes4[0].plen = 12;
	fx.offer.routes4[1].plen = 0;
	inet_pton(AF_INET, "192.168.100.1", &fx.offer.routes4[1].gw);
	inet_pton(AF_INET, "10.200.0.0", &fx.offer.routes4[2].dst);
	fx.offer.routes4[2].plen = 16;
	assert_int_equal(net_dhcp_iface_env(&env, &cfg, NULL, &vnic, 5000, 1, &l, &e), 0);
	assert_int_equal(fx.seen.n_routes4, 2);
	assert_int_equal(fx.seen.routes4[0].plen, 12);
	assert_int_equal(fx.seen.routes4[1].plen, 16);
	assert_int_equal(l.n_routes4, 3);
}

static void times_out_naming_the_interface(void **state)
{
	struct lease l;
	struct sn_err e;

	sn_clear(&e);
	assert_int_equal(net_dhcp_iface_env(&env, &cfg, NULL, &vnic, 2500, 0, &l, &e),
			 SN_E_NET_VLAN_DHCP);
	assert_int_equal(e.code, SN_E_NET_VLAN_DHCP);
	assert_string_equal(e.ctx, "eth0.100: no DHCPv4 lease in 2500 ms (limit 2500 ms): "
			    "2 DISCOVERs, no OFFER");
	assert_string_equal(fx.applied, "");
	assert_int_equal(fx.stopped, 1);
	assert_int_equal(fx.now, T0 + 2500);
}

static void default_limit_is_net_timeout(void **state)
{
	struct lease l;
	struct sn_err e;

	sn_clear(&e);
	cfg.net_timeout_s = 7;
	fx.bind_after = 9000;   /* after the limit */
	assert_int_equal(net_dhcp_iface_env(&env, &cfg, NULL, &vnic, 0, 0, &l, &e),
			 SN_E_NET_VLAN_DHCP);
	assert_int_equal(fx.now, T0 + 7000);
	assert_non_null(strstr(e.ctx, "(limit 7000 ms)"));
}

static void apply_failure_is_the_lines(void **state)
{
	struct lease l;
	struct sn_err e;

	sn_clear(&e);
	fx.bind_after = 1000;
	fx.fail_apply = 1;
	assert_int_equal(net_dhcp_iface_env(&env, &cfg, NULL, &vnic, 5000, 0, &l, &e),
			 SN_E_NET_ADDR);
	assert_string_equal(e.ctx, "eth0.100: refused");
	assert_int_equal(fx.stopped, 1);
}

static void script_vlans_deleted_before_kexec(void **state)
{
	struct net_result res;

	memset(&res, 0, sizeof(res));
	net_script_vlan_note("eth0.100");
	net_script_vlan_note("eth0.100");   /* once */
	net_script_vlan_note("bad.7");
	net_script_vlan_note("eth1.200");
	/* one refused: logged, the others go */
	assert_int_equal(net_release_env(&env, &cfg, &res), 2);
	assert_string_equal(fx.deleted, "eth0.100;bad.7;eth1.200;");
	/* forgotten once released */
	fx.deleted[0] = '\0';
	assert_int_equal(net_release_env(&env, &cfg, &res), 0);
	assert_string_equal(fx.deleted, "");
	/* snboot.keep_net=1 keeps them */
	cfg.keep_net = 1;
	net_script_vlan_note("eth0.100");
	assert_int_equal(net_release_env(&env, &cfg, &res), 0);
	assert_string_equal(fx.deleted, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(binds_and_applies, setup),
		cmocka_unit_test_setup(first_default_route_stays, setup),
		cmocka_unit_test_setup(times_out_naming_the_interface, setup),
		cmocka_unit_test_setup(default_limit_is_net_timeout, setup),
		cmocka_unit_test_setup(apply_failure_is_the_lines, setup),
		cmocka_unit_test_setup(script_vlans_deleted_before_kexec, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
