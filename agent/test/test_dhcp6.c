/* DHCPv6 client state machine: fake time, a recording send function and
 * captured dnsmasq packets (xid patched to the client's); no network. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "net/dhcp6.h"
#include "dhcp6_fixtures.h"
#include "core/log.h"

#define T0 100000u
#define MAX_SENT 64

struct wire {
	uint8_t pkt[MAX_SENT][1280];
	size_t len[MAX_SENT];
	int n;
	int fail_with;   /* code send returns; SN_OK = delivered */
	int attempts;
};

static struct wire wire;
static struct dhcp6_client cl;
static struct in6_addr server_ll;

static int fake_send(void *arg, const uint8_t *buf, size_t len, struct sn_err *e)
{
	struct wire *w = arg;
	w->attempts++;
	if (w->fail_with)
		return sn_fail(e, w->fail_with, "fake");
	assert_true(w->n < MAX_SENT);
	memcpy(w->pkt[w->n], buf, len);
	w->len[w->n++] = len;
	return SN_OK;
}

static void params(struct dhcp6_params *p, int rapid, int uuid)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->ifname, sizeof(p->ifname), "cli0");
	p->ifindex = 2;
	memcpy(p->mac, fx_mac, 6);
	p->has_uuid = uuid;
	memcpy(p->uuid_raw, fx_uuid_raw, 16);
	snprintf(p->vendor_class, sizeof(p->vendor_class), "HTTPClient:Arch:00016:UNDI:003000");
	snprintf(p->user_class, sizeof(p->user_class), "snboot");
	p->arch = 0x10;
	p->rapid_commit = rapid;
}

static void start(int rapid, int uuid, uint64_t seed)
{
	struct dhcp6_params p;
	memset(&wire, 0, sizeof(wire));
	params(&p, rapid, uuid);
	dhcp6_client_init(&cl, &p, fake_send, &wire, seed, T0);
	inet_pton(AF_INET6, "fe80::ff:fe00:1", &server_ll);
}

/* Fires the timer (time jumps to it) and returns the new time. */
static uint64_t fire(void)
{
	uint64_t now = cl.timer_ms;
	assert_true(now > 0);
	dhcp6_client_timeout(&cl, now);
	return now;
}

static struct dhcp6_msg last_sent(void)
{
	struct dhcp6_msg m;
	assert_true(wire.n > 0);
	/* Our own messages parse with the server-side reading of options. */
	assert_int_equal(dhcp6_parse(wire.pkt[wire.n - 1], wire.len[wire.n - 1], &m, NULL), SN_OK);
	return m;
}

static size_t load_for_client(const char *name, uint8_t *buf, size_t cap)
{
	size_t n = fx_load(name, buf, cap);
	fx_set_xid(buf, cl.xid);
	return n;
}

static void feed(uint8_t *buf, size_t n, uint64_t now)
{
	dhcp6_client_input(&cl, buf, n, &server_ll, now);
}

/* Start, let the initial delay pass: the first Solicit is out. */
static uint64_t to_soliciting(int rapid)
{
	start(rapid, 1, 42);
	uint64_t now = fire();
	assert_int_equal(cl.state, DHCP6_SOLICITING);
	assert_int_equal(wire.n, 1);
	return now;
}

static const uint8_t *opt_data(const uint8_t *buf, size_t n, unsigned code)
{
	size_t len, off = fx_find_opt(buf, n, code, &len);
	assert_true(off > 0);
	return buf + off;
}

static void set_opt_byte(uint8_t *buf, size_t n, unsigned code, size_t at, uint8_t v)
{
	size_t len, off = fx_find_opt(buf, n, code, &len);
	assert_true(off > 0 && at < len);
	buf[off + at] = v;
}

/* ---- start and timing ---- */

static void test_initial_delay_is_short_and_random(void **state)
{
	uint64_t min = 1000, max = 0;
	for (uint64_t seed = 1; seed <= 200; seed++) {
		start(0, 1, seed);
		assert_int_equal(cl.state, DHCP6_INIT);
		assert_int_equal(wire.n, 0);
		assert_true(cl.timer_ms >= T0 && cl.timer_ms <= T0 + DHCP6_SOL_MAX_DELAY_MS);
		if (cl.timer_ms - T0 < min)
			min = cl.timer_ms - T0;
		if (cl.timer_ms - T0 > max)
			max = cl.timer_ms - T0;
	}
	assert_true(min < 20);
	assert_true(max > 180);
}

static void test_first_solicit(void **state)
{
	uint64_t now = to_soliciting(0);
	struct dhcp6_msg m = last_sent();
	size_t l;

	assert_int_equal(m.type, DHCP6_SOLICIT);
	assert_int_equal(m.xid, cl.xid);
	assert_memory_equal(m.client_id, fx_duid_uuid, 18);
	assert_int_equal(m.iaid, 0x00123456);
	assert_false(m.rapid_commit);
	assert_int_equal(fx_find_opt(wire.pkt[0], wire.len[0], DHCP6_OPT_ELAPSED_TIME, &l) > 0, 1);
	/* First RT: IRT + RAND*IRT with RAND in (0, 0.1] (§18.2.1). */
	assert_true(cl.timer_ms > now + DHCP6_SOL_TIMEOUT_MS);
	assert_true(cl.timer_ms <= now + DHCP6_SOL_TIMEOUT_MS * 11 / 10);
}

static void test_duid_ll_without_uuid(void **state)
{
	static const uint8_t ll[] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	start(0, 0, 1);
	fire();
	struct dhcp6_msg m = last_sent();
	assert_int_equal(m.client_id_len, sizeof(ll));
	assert_memory_equal(m.client_id, ll, sizeof(ll));
}

static void test_solicit_backoff_capped(void **state)
{
	uint64_t now = to_soliciting(0);
	uint32_t prev = (uint32_t)(cl.timer_ms - now), xid = cl.xid;

	for (int i = 0; i < 40; i++) {
		now = fire();
		uint32_t rt = (uint32_t)(cl.timer_ms - now);
		assert_int_equal(cl.state, DHCP6_SOLICITING);
		assert_int_equal(cl.xid, xid);   /* retransmissions keep the xid */
		/* RT = 2*RTprev + RAND*RTprev, RAND in [-0.1, 0.1], or
		 * MRT + RAND*MRT once that passes MRT (§15). */
		if (prev * 21 / 10 < DHCP6_SOL_MAX_RT_MS)
			assert_true(rt >= prev * 19 / 10 && rt <= prev * 21 / 10);
		else
			assert_true(rt >= DHCP6_SOL_MAX_RT_MS * 9 / 10 || rt >= prev * 19 / 10);
		assert_true(rt <= DHCP6_SOL_MAX_RT_MS * 11 / 10);
		prev = rt;
	}
	assert_true(prev >= DHCP6_SOL_MAX_RT_MS * 9 / 10);
	assert_int_equal(wire.n, 41);
}

static void test_elapsed_time_grows(void **state)
{
	uint64_t start_ms = to_soliciting(0);
	uint64_t now = fire();
	size_t l, off = fx_find_opt(wire.pkt[1], wire.len[1], DHCP6_OPT_ELAPSED_TIME, &l);
	unsigned cs = (unsigned)wire.pkt[1][off] << 8 | wire.pkt[1][off + 1];

	assert_int_equal(l, 2);
	assert_int_equal(cs, (now - start_ms) / 10);
}

/* ---- four-message exchange ---- */

static void test_four_message_exchange(void **state)
{
	uint8_t adv[512], rep[512];
	uint64_t now = to_soliciting(0);
	uint32_t solicit_xid = cl.xid;
	size_t an = load_for_client("four_advertise.bin", adv, sizeof(adv));
	struct dhcp6_msg req;
	char a[INET6_ADDRSTRLEN];

	/* Collected during the first RT, not acted on yet (§18.2.1). */
	feed(adv, an, now + 5);
	assert_int_equal(cl.state, DHCP6_SOLICITING);
	assert_int_equal(wire.n, 1);
	now = fire();
	assert_int_equal(cl.state, DHCP6_REQUESTING);
	assert_int_equal(wire.n, 2);
	req = last_sent();
	assert_int_equal(req.type, DHCP6_REQUEST);
	assert_int_not_equal(cl.xid, solicit_xid);   /* new exchange, new xid */
	assert_int_equal(req.xid, cl.xid);
	assert_int_equal(req.server_id_len, 14);
	assert_memory_equal(req.server_id, opt_data(adv, an, DHCP6_OPT_SERVERID), 14);
	assert_true(req.has_addr);
	inet_ntop(AF_INET6, &req.addr, a, sizeof(a));
	assert_string_equal(a, "fd77:1::15a");
	assert_false(req.rapid_commit);
	assert_true(cl.timer_ms > now && cl.timer_ms <= now + 1100);

	size_t rn = load_for_client("four_reply.bin", rep, sizeof(rep));
	feed(rep, rn, now + 3);
	assert_int_equal(cl.state, DHCP6_BOUND);
	assert_int_equal(cl.timer_ms, 0);
	assert_int_equal(cl.lease.family, AF_INET6);
	assert_string_equal(cl.lease.ifname, "cli0");
	assert_int_equal(cl.lease.ifindex, 2);
	inet_ntop(AF_INET6, &cl.lease.addr6, a, sizeof(a));
	assert_string_equal(a, "fd77:1::15a");
	assert_int_equal(cl.lease.prefix6, 128);
	assert_memory_equal(&cl.lease.server6, &server_ll, 16);
	assert_int_equal(cl.lease.n_dns6, 1);
	inet_ntop(AF_INET6, &cl.lease.dns6[0], a, sizeof(a));
	assert_string_equal(a, "fd77:1::53");
	assert_string_equal(cl.lease.domain, "lab.example example.org");
	assert_string_equal(cl.lease.boot_url, "https://[fd77:1::1]:8443/api/v1/boot");
	assert_string_equal(cl.lease.boot_params, "");
	assert_int_equal(cl.lease.lease_s, 86400);
	assert_int_equal(cl.lease.got_ms, now + 3);

	/* Bound: later packets and timers change nothing. */
	feed(rep, rn, now + 4);
	dhcp6_client_timeout(&cl, now + 100000);
	assert_int_equal(cl.state, DHCP6_BOUND);
	assert_int_equal(wire.n, 2);
}

static void test_boot_params_from_capture(void **state)
{
	uint8_t adv[512], rep[512];
	struct dhcp6_params p;

	memset(&wire, 0, sizeof(wire));
	params(&p, 0, 0);   /* the params_* capture used DUID-LL */
	dhcp6_client_init(&cl, &p, fake_send, &wire, 3, T0);
	fire();
	size_t an = load_for_client("params_advertise.bin", adv, sizeof(adv));
	feed(adv, an, cl.timer_ms - 1);
	fire();
	size_t rn = load_for_client("params_reply.bin", rep, sizeof(rep));
	feed(rep, rn, cl.timer_ms - 1);
	assert_int_equal(cl.state, DHCP6_BOUND);
	assert_string_equal(cl.lease.boot_params, "root=live console=ttyS0");
}

/* The four-message exchange whose Reply names no boot URL (option 59's
 * code patched to an unknown one); need_url as the race sets it. */
static uint64_t bind_without_url(int need_url, uint8_t *rep, size_t *rn)
{
	uint8_t adv[512];
	struct dhcp6_params p;
	size_t len, off;

	memset(&wire, 0, sizeof(wire));
	params(&p, 0, 1);
	p.need_url = need_url;
	dhcp6_client_init(&cl, &p, fake_send, &wire, 42, T0);
	uint64_t now = fire();
	size_t an = load_for_client("four_advertise.bin", adv, sizeof(adv));
	feed(adv, an, now + 5);
	now = fire();
	assert_int_equal(cl.state, DHCP6_REQUESTING);
	*rn = load_for_client("four_reply.bin", rep, 512);
	off = fx_find_opt(rep, *rn, DHCP6_OPT_BOOTFILE_URL, &len);
	assert_true(off > 0);
	rep[off - 4] = 0xff;  /* option 0xff3b: unknown, skipped */
	feed(rep, *rn, now + 3);
	return now + 3;
}

/* No boot URL in the lease: the address is kept and the NIC stays in the
 * race (not BOUND); Solicits go on, without rapid commit, until an
 * Advertise names a URL, which completes the kept lease. */
static void test_lease_without_url_keeps_asking(void **state)
{
	uint8_t rep[512], adv[512];
	size_t rn, an;
	char a[INET6_ADDRSTRLEN];
	uint64_t now = bind_without_url(1, rep, &rn);
	struct dhcp6_msg sol;
	uint32_t xid;

	assert_int_equal(cl.state, DHCP6_NOURL);
	assert_string_equal(dhcp6_state_name(DHCP6_NOURL), "bound-no-url");
	assert_string_equal(cl.lease.boot_url, "");
	inet_ntop(AF_INET6, &cl.lease.addr6, a, sizeof(a));
	assert_string_equal(a, "fd77:1::15a");
	assert_int_equal(cl.timer_ms, now + DHCP6_SOL_TIMEOUT_MS);
	assert_int_equal(wire.n, 2);

	xid = cl.xid;
	now = fire();
	assert_int_equal(cl.state, DHCP6_NOURL);
	assert_int_equal(wire.n, 3);
	sol = last_sent();
	assert_int_equal(sol.type, DHCP6_SOLICIT);
	assert_false(sol.rapid_commit);
	assert_int_not_equal(cl.xid, xid);
	assert_int_equal(sol.xid, cl.xid);
	assert_true(cl.timer_ms > now + DHCP6_SOL_TIMEOUT_MS);  /* backing off */

	/* Another answer without a URL changes nothing. */
	fx_set_xid(rep, cl.xid);
	feed(rep, rn, now + 2);
	assert_int_equal(cl.state, DHCP6_NOURL);
	/* Backoff capped at SOL_MAX_RT (+10 %). */
	for (int i = 0; i < 10; i++)
		now = fire();
	assert_true(cl.timer_ms - now <= DHCP6_SOL_MAX_RT_MS * 11 / 10);

	an = load_for_client("four_advertise.bin", adv, sizeof(adv));
	feed(adv, an, now + 4);
	assert_int_equal(cl.state, DHCP6_BOUND);
	assert_int_equal(cl.timer_ms, 0);
	assert_string_equal(cl.lease.boot_url, "https://[fd77:1::1]:8443/api/v1/boot");
	assert_string_equal(cl.lease.url_from, "Advertise from fe80::ff:fe00:1");
	inet_ntop(AF_INET6, &cl.lease.addr6, a, sizeof(a));
	assert_string_equal(a, "fd77:1::15a");  /* the kept address */
}

/* With snboot.url set (need_url 0) such a lease is the end: BOUND. */
static void test_lease_without_url_binds_when_url_is_set(void **state)
{
	uint8_t rep[512];
	size_t rn;

	bind_without_url(0, rep, &rn);
	assert_int_equal(cl.state, DHCP6_BOUND);
	assert_string_equal(cl.lease.boot_url, "");
	assert_int_equal(cl.timer_ms, 0);
}

static void test_advertise_after_first_rt_acted_on_at_once(void **state)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(0);

	now = fire();   /* first RT over without an Advertise: Solicit #2 */
	assert_int_equal(wire.n, 2);
	size_t an = load_for_client("four_advertise.bin", adv, sizeof(adv));
	feed(adv, an, now + 1);
	assert_int_equal(cl.state, DHCP6_REQUESTING);
	assert_int_equal(last_sent().type, DHCP6_REQUEST);
}

static void test_preference_255_requests_at_once(void **state)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(0);
	size_t an = load_for_client("four_advertise.bin", adv, sizeof(adv));

	set_opt_byte(adv, an, DHCP6_OPT_PREFERENCE, 0, 255);
	feed(adv, an, now + 1);
	assert_int_equal(cl.state, DHCP6_REQUESTING);
}

static void test_best_advertise_wins(void **state)
{
	uint8_t low[512], high[512];
	uint64_t now = to_soliciting(0);
	size_t n = load_for_client("four_advertise.bin", low, sizeof(low));

	memcpy(high, low, n);
	set_opt_byte(high, n, DHCP6_OPT_PREFERENCE, 0, 10);
	set_opt_byte(high, n, DHCP6_OPT_SERVERID, 13, 0x99);   /* another server */
	feed(low, n, now + 1);
	feed(high, n, now + 2);
	feed(low, n, now + 3);
	fire();
	struct dhcp6_msg req = last_sent();
	assert_int_equal(req.type, DHCP6_REQUEST);
	assert_int_equal(req.server_id[13], 0x99);
}

/* ---- rapid commit ---- */

static void test_rapid_commit_binds_from_solicit(void **state)
{
	uint8_t rep[512];
	uint64_t now = to_soliciting(1);
	size_t n = load_for_client("rapid_reply.bin", rep, sizeof(rep));

	assert_true(last_sent().rapid_commit);
	feed(rep, n, now + 2);
	assert_int_equal(cl.state, DHCP6_BOUND);
	assert_int_equal(wire.n, 1);   /* no Request */
	assert_string_equal(cl.lease.boot_url, "https://[fd77:1::1]:8443/api/v1/boot");
}

static void test_rapid_reply_ignored_when_not_asked(void **state)
{
	uint8_t rep[512];
	uint64_t now = to_soliciting(0);
	size_t n = load_for_client("rapid_reply.bin", rep, sizeof(rep));

	feed(rep, n, now + 2);
	assert_int_equal(cl.state, DHCP6_SOLICITING);
	assert_false(cl.have_best);
}

static void test_rapid_commit_falls_back_to_advertise(void **state)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(1);
	size_t n = load_for_client("four_advertise.bin", adv, sizeof(adv));

	feed(adv, n, now + 2);
	fire();
	struct dhcp6_msg req = last_sent();
	assert_int_equal(cl.state, DHCP6_REQUESTING);
	assert_false(req.rapid_commit);   /* option 14 belongs in Solicit only */
}

/* ---- status codes and refusals ---- */

static void test_no_addrs_advertise_ignored(void **state)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(0);
	size_t n = load_for_client("noaddr_advertise.bin", adv, sizeof(adv));

	feed(adv, n, now + 1);
	assert_false(cl.have_best);
	fire();
	assert_int_equal(cl.state, DHCP6_SOLICITING);
	assert_int_equal(last_sent().type, DHCP6_SOLICIT);
}

static void test_no_addrs_rapid_reply_ignored(void **state)
{
	uint8_t rep[512];
	uint64_t now = to_soliciting(1);
	size_t n = load_for_client("noaddr_rapid_reply.bin", rep, sizeof(rep));

	feed(rep, n, now + 1);
	assert_int_equal(cl.state, DHCP6_SOLICITING);
}

static uint64_t to_requesting(void)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(0);
	size_t n = load_for_client("four_advertise.bin", adv, sizeof(adv));
	feed(adv, n, now + 1);
	now = fire();
	assert_int_equal(cl.state, DHCP6_REQUESTING);
	return now;
}

static void test_request_refused_restarts_with_backoff(void **state)
{
	uint8_t rep[512];
	uint64_t now = to_requesting();
	size_t n = load_for_client("noaddr_rapid_reply.bin", rep, sizeof(rep));
	uint32_t req_xid = cl.xid;

	/* Same dnsmasq, same server DUID as the Advertise. */
	assert_memory_equal(opt_data(rep, n, DHCP6_OPT_SERVERID), cl.best.server_id, 14);
	feed(rep, n, now + 1);
	assert_int_equal(cl.state, DHCP6_INIT);
	assert_int_equal(cl.restarts, 1);
	uint64_t delay = cl.timer_ms - (now + 1);
	assert_true(delay >= 900 && delay <= 1100);
	fire();
	assert_int_equal(cl.state, DHCP6_SOLICITING);
	assert_int_not_equal(cl.xid, req_xid);
	assert_int_equal(last_sent().type, DHCP6_SOLICIT);
}

static void test_request_unspec_fail_keeps_retrying(void **state)
{
	uint8_t rep[512];
	uint64_t now = to_requesting();
	size_t n = load_for_client("noaddr_rapid_reply.bin", rep, sizeof(rep));
	size_t l, off = fx_find_opt(rep, n, DHCP6_OPT_STATUS_CODE, &l);

	rep[off + 1] = DHCP6_STATUS_UNSPEC_FAIL;   /* top-level status */
	feed(rep, n, now + 1);
	assert_int_equal(cl.state, DHCP6_REQUESTING);
	fire();
	assert_int_equal(last_sent().type, DHCP6_REQUEST);
}

static void test_request_retries_then_solicits_again(void **state)
{
	int sent_before;

	to_requesting();
	sent_before = wire.n;
	for (int i = 1; i < DHCP6_REQ_MAX_RC; i++) {
		fire();
		assert_int_equal(cl.state, DHCP6_REQUESTING);
		assert_int_equal(last_sent().type, DHCP6_REQUEST);
	}
	assert_int_equal(wire.n - sent_before, DHCP6_REQ_MAX_RC - 1);
	fire();
	assert_int_equal(cl.state, DHCP6_INIT);
	fire();
	assert_int_equal(cl.state, DHCP6_SOLICITING);
}

static void test_reply_must_come_from_chosen_server(void **state)
{
	uint8_t rep[512];
	uint64_t now = to_requesting();
	size_t n = load_for_client("four_reply.bin", rep, sizeof(rep));

	set_opt_byte(rep, n, DHCP6_OPT_SERVERID, 13, 0x77);
	feed(rep, n, now + 1);
	assert_int_equal(cl.state, DHCP6_REQUESTING);
}

/* ---- validation (§16) ---- */

static void test_wrong_xid_client_id_iaid_dropped(void **state)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(0);
	size_t n = load_for_client("four_advertise.bin", adv, sizeof(adv));

	fx_set_xid(adv, cl.xid ^ 1);
	feed(adv, n, now + 1);
	assert_false(cl.have_best);
	fx_set_xid(adv, cl.xid);
	set_opt_byte(adv, n, DHCP6_OPT_CLIENTID, 17, 0x00);   /* someone else's DUID */
	feed(adv, n, now + 1);
	assert_false(cl.have_best);
	n = load_for_client("four_advertise.bin", adv, sizeof(adv));
	set_opt_byte(adv, n, DHCP6_OPT_IA_NA, 3, 0x57);        /* IAID 0x00123457 */
	feed(adv, n, now + 1);
	assert_false(cl.have_best);
	n = load_for_client("four_advertise.bin", adv, sizeof(adv));
	feed(adv, n, now + 1);
	assert_true(cl.have_best);
}

static void test_bad_lifetimes_dropped(void **state)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(0);
	size_t n = load_for_client("four_advertise.bin", adv, sizeof(adv)), l;
	size_t ia = fx_find_opt(adv, n, DHCP6_OPT_IA_NA, &l);

	adv[ia + 12 + 4 + 16 + 3] ^= 1;   /* preferred 86401 > valid 86400 */
	feed(adv, n, now + 1);
	assert_false(cl.have_best);
	adv[ia + 12 + 4 + 16 + 3] ^= 1;
	memset(adv + ia + 12 + 4 + 20, 0, 4);   /* valid 0 */
	feed(adv, n, now + 1);
	assert_false(cl.have_best);
}

static void test_malformed_dropped(void **state)
{
	uint8_t adv[512];
	uint64_t now = to_soliciting(0);
	size_t n = load_for_client("four_advertise.bin", adv, sizeof(adv)), l;
	size_t ia_end = fx_find_opt(adv, n, DHCP6_OPT_IA_NA, &l) + l;

	/* Every cut before the end of the IA_NA is malformed or leases nothing. */
	for (size_t len = 0; len < ia_end; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, adv, len);
		feed(copy, len, now + 1);
		free(copy);
	}
	adv[7] = 0xff;   /* CLIENTID length past the end */
	feed(adv, n, now + 1);
	assert_false(cl.have_best);
	assert_int_equal(cl.state, DHCP6_SOLICITING);
	assert_int_equal(wire.n, 1);
}

/* ---- a link that cannot send yet ---- */

static void test_not_ready_retries_fast_then_slow(void **state)
{
	uint64_t now;

	start(0, 1, 9);
	wire.fail_with = SN_E_DHCP6_NOT_READY;
	now = fire();
	assert_int_equal(cl.state, DHCP6_SOLICITING);
	assert_int_equal(cl.timer_ms, now + DHCP6_NOT_READY_RETRY_MS);
	for (int i = 1; i < DHCP6_NOT_READY_FAST_TRIES; i++) {
		now = fire();
		assert_int_equal(cl.timer_ms, now + DHCP6_NOT_READY_RETRY_MS);
	}
	now = fire();
	assert_int_equal(cl.timer_ms, now + DHCP6_NOT_READY_SLOW_MS);
	assert_int_equal(cl.tx_count, 0);
	assert_int_equal(wire.attempts, DHCP6_NOT_READY_FAST_TRIES + 1);

	wire.fail_with = SN_OK;
	now = fire();
	assert_int_equal(wire.n, 1);
	assert_int_equal(cl.tx_count, 1);
	assert_true(cl.timer_ms > now + DHCP6_SOL_TIMEOUT_MS);
	assert_true(cl.collecting);
}

static void test_send_error_counts_as_lost(void **state)
{
	uint64_t now;

	start(0, 1, 10);
	wire.fail_with = SN_E_DHCP6_SEND;
	now = fire();
	assert_int_equal(cl.tx_count, 1);
	assert_true(cl.timer_ms > now + DHCP6_SOL_TIMEOUT_MS);
}

static void test_state_names(void **state)
{
	assert_string_equal(dhcp6_state_name(DHCP6_INIT), "init");
	assert_string_equal(dhcp6_state_name(DHCP6_SOLICITING), "soliciting");
	assert_string_equal(dhcp6_state_name(DHCP6_REQUESTING), "requesting");
	assert_string_equal(dhcp6_state_name(DHCP6_BOUND), "bound");
	assert_string_equal(dhcp6_state_name(DHCP6_STATE_COUNT), "?");
	assert_int_equal(dhcp6_iaid(fx_mac, 7), 0x00123456);
	static const uint8_t zero[6] = { 0 };
	assert_int_equal(dhcp6_iaid(zero, 7), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_initial_delay_is_short_and_random),
		cmocka_unit_test(test_first_solicit),
		cmocka_unit_test(test_duid_ll_without_uuid),
		cmocka_unit_test(test_solicit_backoff_capped),
		cmocka_unit_test(test_elapsed_time_grows),
		cmocka_unit_test(test_four_message_exchange),
		cmocka_unit_test(test_boot_params_from_capture),
		cmocka_unit_test(test_lease_without_url_keeps_asking),
		cmocka_unit_test(test_lease_without_url_binds_when_url_is_set),
		cmocka_unit_test(test_advertise_after_first_rt_acted_on_at_once),
		cmocka_unit_test(test_preference_255_requests_at_once),
		cmocka_unit_test(test_best_advertise_wins),
		cmocka_unit_test(test_rapid_commit_binds_from_solicit),
		cmocka_unit_test(test_rapid_reply_ignored_when_not_asked),
		cmocka_unit_test(test_rapid_commit_falls_back_to_advertise),
		cmocka_unit_test(test_no_addrs_advertise_ignored),
		cmocka_unit_test(test_no_addrs_rapid_reply_ignored),
		cmocka_unit_test(test_request_refused_restarts_with_backoff),
		cmocka_unit_test(test_request_unspec_fail_keeps_retrying),
		cmocka_unit_test(test_request_retries_then_solicits_again),
		cmocka_unit_test(test_reply_must_come_from_chosen_server),
		cmocka_unit_test(test_wrong_xid_client_id_iaid_dropped),
		cmocka_unit_test(test_bad_lifetimes_dropped),
		cmocka_unit_test(test_malformed_dropped),
		cmocka_unit_test(test_not_ready_retries_fast_then_slow),
		cmocka_unit_test(test_send_error_counts_as_lost),
		cmocka_unit_test(test_state_names),
	};
	log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
