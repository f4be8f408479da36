/* The DHCPv4 state machine, driven with captured dnsmasq replies and fake
 * time; its packets are caught by a fake send and parsed back. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "net/dhcp4.h"
#include "net/dhcp4_packet.h"
#include "core/log.h"

#define DATA "agent/test/data/dhcp4/"

struct sent {
	uint8_t pkt[16][DHCP4_MAX_MSG];
	size_t len[16];
	int n;
	struct dhcp4_unicast to[16];
	int unicast[16];   /* sent unicast (to[i] valid) */
	int fail;          /* make send fail */
	int no_carrier;    /* sends refused for want of carrier */
};

struct world {
	struct config cfg;
	struct smbios_facts id;
	struct nic nic;
	struct sent sent;
	struct dhcp4_client c;
};

static int fake_send(void *io, const uint8_t *msg, size_t len,
		     const struct dhcp4_unicast *to, struct sn_err *e)
{
	struct sent *s = io;

	if (s->fail)
		return sn_fail(e, SN_E_DHCP4_SEND, "cable cut");
	if (s->no_carrier)
		return sn_fail(e, SN_E_DHCP4_NO_CARRIER, "no carrier");
	assert_true(s->n < 16 && len <= DHCP4_MAX_MSG);
	s->unicast[s->n] = to != NULL;
	if (to)
		s->to[s->n] = *to;
	memcpy(s->pkt[s->n], msg, len);
	s->len[s->n++] = len;
	return 0;
}

static int setup(void **state)
{
	struct world *w = test_calloc(1, sizeof(*w));

	log_set_quiet(1);
	config_defaults(&w->cfg);
	snprintf(w->cfg.vendor_class, sizeof(w->cfg.vendor_class), "HTTPClient:Arch:00016:UNDI:003000");
	snprintf(w->cfg.user_class, sizeof(w->cfg.user_class), "snboot");
	w->cfg.arch = 0x10;
	w->cfg.rapid_commit = 0;
	snprintf(w->id.serial, sizeof(w->id.serial), "SN-TEST-1");
	snprintf(w->nic.name, sizeof(w->nic.name), "eth0");
	w->nic.ifindex = 2;
	memcpy(w->nic.mac, "\x02\x00\x00\x00\x00\x01", 6);  /* the fixtures' chaddr */
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

static void init(struct world *w, uint64_t seed)
{
	dhcp4_client_init(&w->c, &w->nic, &w->cfg, &w->id, fake_send, &w->sent, seed);
}

/* Whatever the start jitter draws, INIT arms its timer and the DISCOVER
 * goes out (a draw of 0 once left the NIC silent for the whole race). */
static void start_always_arms_a_timer(void **state)
{
	struct world *w = *state;

	for (uint64_t seed = 1; seed <= 5000; seed++) {
		memset(&w->sent, 0, sizeof(w->sent));
		init(w, seed);
		dhcp4_client_start(&w->c, 100);
		assert_true(w->c.timer_ms > 100);
		assert_true(w->c.timer_ms <= 100 + DHCP4_START_JITTER_MS);
		dhcp4_client_timeout(&w->c, w->c.timer_ms);
		assert_int_equal(w->sent.n, 1);
	}
}

/* A fixture with its xid replaced by the client's current one. */
static size_t reply(struct world *w, const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), DATA "%s", name);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	buf[4] = (uint8_t)(w->c.xid >> 24);
	buf[5] = (uint8_t)(w->c.xid >> 16);
	buf[6] = (uint8_t)(w->c.xid >> 8);
	buf[7] = (uint8_t)w->c.xid;
	return n;
}

static void feed(struct world *w, const char *name, uint64_t now)
{
	uint8_t b[2048];
	size_t n = reply(w, name, b, sizeof(b));
	dhcp4_client_input(&w->c, b, n, NULL, now);
}

/* The value of option code in sent packet i. */
static const uint8_t *sent_opt(struct world *w, int i, uint8_t code, size_t *len)
{
	const uint8_t *p = w->sent.pkt[i];

	for (size_t at = DHCP4_HEADER_LEN; at + 1 < w->sent.len[i] && p[at] != 255;) {
		if (p[at] == 0) {
			at++;
			continue;
		}
		if (p[at] == code) {
			*len = p[at + 1];
			return p + at + 2;
		}
		at += 2 + p[at + 1];
	}
	return NULL;
}

static uint8_t sent_type(struct world *w, int i)
{
	size_t len;
	const uint8_t *v = sent_opt(w, i, 53, &len);
	assert_non_null(v);
	return v[0];
}

static uint32_t sent_xid(struct world *w, int i)
{
	const uint8_t *p = w->sent.pkt[i];
	return (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
}

/* Start and fire the start jitter: one DISCOVER out. Returns its time. */
static uint64_t to_selecting(struct world *w, uint64_t now)
{
	dhcp4_client_start(&w->c, now);
	assert_int_equal(w->c.state, DHCP4_S_INIT);
	assert_in_range(w->c.timer_ms, now, now + DHCP4_START_JITTER_MS);
	now = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, now);
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	assert_int_equal(w->sent.n, 1);
	assert_int_equal(sent_type(w, 0), DHCP4_DISCOVER);
	assert_int_equal(sent_xid(w, 0), w->c.xid);
	return now;
}

static void four_way(void **state)
{
	struct world *w = *state;
	uint64_t now;
	size_t len;
	const uint8_t *v;

	init(w, 42);
	now = to_selecting(w, 1000);
	assert_null(sent_opt(w, 0, 80, &len));  /* rapid commit off */
	feed(w, "offer.bin", now + 5);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	assert_int_equal(w->sent.n, 2);
	assert_int_equal(sent_type(w, 1), DHCP4_REQUEST);
	assert_int_equal(sent_xid(w, 1), sent_xid(w, 0));  /* same exchange */
	v = sent_opt(w, 1, 50, &len);
	assert_non_null(v);
	assert_memory_equal(v, "\x0a\x4d\x00\x3f", 4);
	v = sent_opt(w, 1, 54, &len);
	assert_non_null(v);
	assert_memory_equal(v, "\x0a\x4d\x00\x01", 4);
	v = sent_opt(w, 1, 61, &len);
	assert_non_null(v);
	assert_int_equal(len, 10);
	assert_memory_equal(v, "\0SN-TEST-1", 10);
	feed(w, "ack.bin", now + 9);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_int_equal(w->c.timer_ms, 0);
	assert_string_equal(w->c.lease.ifname, "eth0");
	assert_int_equal(w->c.lease.ifindex, 2);
	assert_int_equal(w->c.lease.got_ms, now + 9);
	assert_string_equal(w->c.lease.boot_url, "http://10.77.0.1:8080/boot.ipxe");
	assert_string_equal(w->c.lease.hostname, "node-01");
	assert_int_equal(w->sent.n, 2);
}

static void serial_override_and_secs(void **state)
{
	struct world *w = *state;
	uint64_t now, t1, t2;
	size_t len;
	const uint8_t *v;

	snprintf(w->cfg.serial, sizeof(w->cfg.serial), "LAB-7");
	init(w, 3);
	now = to_selecting(w, 0);
	v = sent_opt(w, 0, 61, &len);
	assert_non_null(v);
	assert_int_equal(len, 6);
	assert_memory_equal(v, "\0LAB-7", 6);
	t1 = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, t1);
	t2 = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, t2);
	assert_int_equal(w->sent.n, 3);
	/* secs: whole seconds since the first DISCOVER of this exchange. */
	assert_int_equal(w->sent.pkt[2][8] << 8 | w->sent.pkt[2][9], (t2 - now) / 1000);
	assert_true((t2 - now) / 1000 >= 2);
}

static void rapid_commit(void **state)
{
	struct world *w = *state;
	uint64_t now;
	size_t len;

	w->cfg.rapid_commit = 1;
	init(w, 7);
	now = to_selecting(w, 500);
	assert_non_null(sent_opt(w, 0, 80, &len));
	assert_int_equal(len, 0);
	feed(w, "ack_rapid.bin", now + 3);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_string_equal(w->c.lease.boot_url, "https://boot.example.test/api/v1/boot");
	assert_int_equal(w->sent.n, 1);  /* no REQUEST */
}

/* RFC 4039: an ACK to a DISCOVER binds only with option 80, and only if
 * we asked for it; otherwise it is dropped and the OFFER still works. */
static void ack_in_selecting_dropped(void **state)
{
	struct world *w = *state;
	uint64_t now;

	w->cfg.rapid_commit = 1;
	init(w, 8);
	now = to_selecting(w, 0);
	feed(w, "ack.bin", now + 1);  /* no option 80 */
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	w->cfg.rapid_commit = 0;
	memset(&w->sent, 0, sizeof(w->sent));
	init(w, 8);
	now = to_selecting(w, 0);
	feed(w, "ack_rapid.bin", now + 1);  /* we did not ask */
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	feed(w, "offer.bin", now + 2);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
}

static void nak_restarts_with_new_xid(void **state)
{
	struct world *w = *state;
	uint64_t now;
	uint32_t old_xid;

	init(w, 9);
	now = to_selecting(w, 0);
	feed(w, "offer.bin", now + 1);
	old_xid = w->c.xid;
	feed(w, "nak.bin", now + 2);
	assert_int_equal(w->c.state, DHCP4_S_INIT);
	assert_int_equal(w->c.n_nak, 1);
	/* Back off before the next DISCOVER: a NAKing server is not hammered. */
	assert_in_range(w->c.timer_ms, now + 2 + 750, now + 2 + 1250);
	dhcp4_client_timeout(&w->c, w->c.timer_ms);
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	assert_int_equal(sent_type(w, 2), DHCP4_DISCOVER);
	assert_int_not_equal(w->c.xid, old_xid);
	assert_int_equal(sent_xid(w, 2), w->c.xid);
}

/* 1, 2, 4, 8, 8 s, each ±25 %, same xid throughout. */
static void discover_backoff(void **state)
{
	struct world *w = *state;
	static const uint64_t base[] = { 1000, 2000, 4000, 8000, 8000, 8000 };
	uint64_t now;
	uint32_t xid;
	char sum[200];

	for (uint64_t seed = 1; seed < 40; seed++) {
		memset(&w->sent, 0, sizeof(w->sent));
		init(w, seed);
		now = to_selecting(w, 100);
		xid = w->c.xid;
		for (int i = 0; i < 6; i++) {
			uint64_t wait = w->c.timer_ms - now;
			assert_in_range(wait, base[i] * 3 / 4, base[i] * 5 / 4);
			dhcp4_client_timeout(&w->c, now + wait - 1);  /* early: nothing */
			assert_int_equal(w->sent.n, i + 1);
			now += wait;
			dhcp4_client_timeout(&w->c, now);
			assert_int_equal(w->sent.n, i + 2);
			assert_int_equal(sent_xid(w, i + 1), xid);
		}
	}
	dhcp4_client_summary(&w->c, sum, sizeof(sum));
	assert_string_equal(sum, "7 DISCOVERs, no OFFER");
}

/* Machines booting together pick different start delays and xids. */
static void jitter_spreads(void **state)
{
	struct world *w = *state;
	uint64_t first[64];
	int distinct = 0;

	for (int i = 0; i < 64; i++) {
		init(w, 0x1000 + (uint64_t)i * 7919);
		dhcp4_client_start(&w->c, 0);
		first[i] = w->c.timer_ms;
		assert_in_range(first[i], 0, DHCP4_START_JITTER_MS);
	}
	for (int i = 0; i < 64; i++) {
		int seen = 0;
		for (int j = 0; j < i; j++)
			seen |= first[j] == first[i];
		distinct += !seen;
	}
	assert_true(distinct > 40);
}

static void request_retries_then_restart(void **state)
{
	struct world *w = *state;
	uint64_t now;
	char sum[200];

	init(w, 11);
	now = to_selecting(w, 0);
	feed(w, "offer.bin", now);
	for (int i = 1; i < DHCP4_REQUEST_TRIES; i++) {
		dhcp4_client_timeout(&w->c, w->c.timer_ms);
		assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	}
	assert_int_equal(w->c.n_request, DHCP4_REQUEST_TRIES);
	dhcp4_client_summary(&w->c, sum, sizeof(sum));
	assert_string_equal(sum, "1 DISCOVER, 1 OFFER, 4 REQUESTs, no ACK");
	dhcp4_client_timeout(&w->c, w->c.timer_ms);
	assert_int_equal(w->c.state, DHCP4_S_INIT);
	assert_int_equal(w->c.restarts, 1);
}

/* Two servers: the first valid OFFER wins, the other's replies are ignored. */
static void first_offer_wins(void **state)
{
	struct world *w = *state;
	uint8_t b[2048];
	size_t n, len;
	uint64_t now;
	const uint8_t *v;

	init(w, 12);
	now = to_selecting(w, 0);
	feed(w, "offer.bin", now + 1);
	/* The same OFFER from 10.77.0.9: option 54 rewritten. */
	n = reply(w, "offer.bin", b, sizeof(b));
	for (size_t i = DHCP4_HEADER_LEN; i + 5 < n; i += 2 + b[i + 1])
		if (b[i] == 54)
			b[i + 5] = 9;
	dhcp4_client_input(&w->c, b, n, NULL, now + 2);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	assert_int_equal(w->sent.n, 2);
	v = sent_opt(w, 1, 54, &len);
	assert_memory_equal(v, "\x0a\x4d\x00\x01", 4);
	/* An ACK from the server we did not choose does not bind. */
	n = reply(w, "ack.bin", b, sizeof(b));
	for (size_t i = DHCP4_HEADER_LEN; i + 5 < n; i += 2 + b[i + 1])
		if (b[i] == 54)
			b[i + 5] = 9;
	dhcp4_client_input(&w->c, b, n, NULL, now + 3);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	feed(w, "ack.bin", now + 4);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_int_equal(w->c.n_offer, 1);
}

static void malformed_and_foreign_dropped(void **state)
{
	struct world *w = *state;
	uint8_t b[2048];
	size_t n;
	uint64_t now;
	char sum[300];

	init(w, 13);
	now = to_selecting(w, 0);
	n = reply(w, "offer.bin", b, sizeof(b));
	dhcp4_client_input(&w->c, b, n - 40, NULL, now);  /* cut inside an option */
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	assert_int_equal(w->c.n_bad, 1);
	b[7] ^= 1;  /* someone else's xid */
	dhcp4_client_input(&w->c, b, n, NULL, now);
	assert_int_equal(w->c.n_foreign, 1);
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	dhcp4_client_summary(&w->c, sum, sizeof(sum));
	assert_non_null(strstr(sum, "1 DISCOVER, no OFFER, 1 malformed reply (last: option"));
	/* And the real OFFER still works afterwards. */
	feed(w, "offer.bin", now + 1);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
}

/* An OFFER without a server id cannot be requested (RFC 2131 §4.3.1). */
static void offer_without_server_id(void **state)
{
	struct world *w = *state;
	uint8_t b[2048];
	size_t n;
	uint64_t now;

	init(w, 14);
	now = to_selecting(w, 0);
	n = reply(w, "offer.bin", b, sizeof(b));
	for (size_t i = DHCP4_HEADER_LEN; i + 1 < n && b[i] != 255; i += 2 + b[i + 1])
		if (b[i] == 54)
			b[i] = 250;  /* an unknown option now */
	dhcp4_client_input(&w->c, b, n, NULL, now);
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	assert_int_equal(w->c.n_offer, 0);
}

/* A NIC whose sends fail (no carrier yet) keeps trying on schedule. */
static void send_failures_keep_trying(void **state)
{
	struct world *w = *state;
	char sum[300];

	init(w, 15);
	w->sent.fail = 1;
	dhcp4_client_start(&w->c, 0);
	dhcp4_client_timeout(&w->c, w->c.timer_ms);
	dhcp4_client_timeout(&w->c, w->c.timer_ms);
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	assert_int_equal(w->c.n_send_err, 2);
	assert_int_not_equal(w->c.timer_ms, 0);
	dhcp4_client_summary(&w->c, sum, sizeof(sum));
	assert_string_equal(sum, "0 DISCOVERs, no OFFER, 2 send errors (last: cable cut)");
	w->sent.fail = 0;
	dhcp4_client_timeout(&w->c, w->c.timer_ms);
	assert_int_equal(w->sent.n, 1);
}

/* A link still negotiating: the DISCOVER waits for carrier, polled every
 * DHCP4_LINK_POLL_MS, without using up the backoff; once the link is up it
 * goes out at once, and the first retransmission is the normal 1 s later. */
static void waits_for_carrier_then_sends_at_once(void **state)
{
	struct world *w = *state;
	uint64_t t;

	init(w, 16);
	w->sent.no_carrier = 1;
	dhcp4_client_start(&w->c, 0);
	t = w->c.timer_ms;
	for (int i = 0; i < 25; i++) {  /* 2.5 s of negotiation */
		dhcp4_client_timeout(&w->c, t);
		assert_int_equal(w->c.state, DHCP4_S_SELECTING);
		assert_int_equal(w->c.timer_ms, t + DHCP4_LINK_POLL_MS);
		t = w->c.timer_ms;
	}
	assert_int_equal(w->sent.n, 0);
	assert_int_equal(w->c.n_send_err, 0);
	w->sent.no_carrier = 0;
	dhcp4_client_timeout(&w->c, t);
	assert_int_equal(w->sent.n, 1);
	assert_int_equal(w->c.n_discover, 1);
	assert_int_equal(w->c.tries, 1);
	assert_in_range(w->c.timer_ms - t, DHCP4_RETRY_MIN_MS * 3 / 4, DHCP4_RETRY_MIN_MS * 5 / 4);
}

/* A link that never comes up: after DHCP4_LINK_WAIT_MS the client goes on
 * with the normal backoff and reports the sends it could not make. */
static void gives_up_waiting_for_carrier(void **state)
{
	struct world *w = *state;
	uint64_t start;

	init(w, 17);
	w->sent.no_carrier = 1;
	dhcp4_client_start(&w->c, 0);
	start = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, start);
	dhcp4_client_timeout(&w->c, start + DHCP4_LINK_WAIT_MS);
	assert_int_equal(w->c.n_send_err, 1);
	assert_true(w->c.timer_ms - (start + DHCP4_LINK_WAIT_MS) >= DHCP4_RETRY_MIN_MS * 3 / 4);
	assert_int_equal(w->c.last_err.code, SN_E_DHCP4_NO_CARRIER);
}

/* The longest identity the config allows still fits one request. */
static void max_identity_fits(void **state)
{
	struct world *w = *state;
	size_t len;

	memset(w->cfg.vendor_class, 'v', sizeof(w->cfg.vendor_class) - 1);
	w->cfg.vendor_class[sizeof(w->cfg.vendor_class) - 1] = '\0';
	memset(w->cfg.user_class, 'u', sizeof(w->cfg.user_class) - 1);
	w->cfg.user_class[sizeof(w->cfg.user_class) - 1] = '\0';
	memset(w->id.serial, 's', sizeof(w->id.serial) - 1);
	w->id.serial[sizeof(w->id.serial) - 1] = '\0';
	w->id.has_uuid = 1;
	w->cfg.rapid_commit = 1;
	init(w, 16);
	to_selecting(w, 0);
	assert_non_null(sent_opt(w, 0, 60, &len));
	assert_int_equal(len, sizeof(w->cfg.vendor_class) - 1);
	assert_non_null(sent_opt(w, 0, 97, &len));
	assert_int_equal(len, 17);
}

static void ignores_input_when_not_waiting(void **state)
{
	struct world *w = *state;
	uint8_t b[2048];
	size_t n;

	init(w, 17);
	n = reply(w, "offer.bin", b, sizeof(b));
	dhcp4_client_input(&w->c, b, n, NULL, 0);  /* STOPPED */
	assert_int_equal(w->c.state, DHCP4_S_STOPPED);
	dhcp4_client_start(&w->c, 0);
	dhcp4_client_input(&w->c, b, n, NULL, 0);  /* INIT: nothing sent yet */
	assert_int_equal(w->c.state, DHCP4_S_INIT);
	assert_string_equal(dhcp4_state_name(DHCP4_S_REQUESTING), "requesting");
}

/* Option 54 of a fixture rewritten: the same answer from another server. */
static size_t reply_from(struct world *w, const char *name, uint8_t last,
			 uint8_t *b, size_t cap)
{
	size_t n = reply(w, name, b, cap);

	for (size_t i = DHCP4_HEADER_LEN; i + 1 < n && b[i] != 255;) {
		if (b[i] == 0) {
			i++;
			continue;
		}
		if (b[i] == 54)
			b[i + 5] = last;
		i += 2u + b[i + 1];
	}
	return n;
}

/* ProxyDHCP first, then the address server: the lease takes the proxy's
 * URL and says where it came from. */
static void proxy_url_combined_with_lease(void **state)
{
	struct world *w = *state;
	uint64_t now;

	init(w, 21);
	now = to_selecting(w, 0);
	feed(w, "offer_proxy.bin", now + 2);
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);  /* no address from it */
	assert_int_equal(w->c.n_proxy, 1);
	feed(w, "offer_nourl.bin", now + 3);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	feed(w, "ack_nourl.bin", now + 4);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_string_equal(w->c.lease.boot_url, "https://10.77.0.1:8443/api/v1/boot");
	assert_string_equal(w->c.lease.url_from, "ProxyDHCP 10.77.0.1");
	assert_int_equal(w->c.lease.addr4.s_addr, htonl(0x0a4d003f));
}

/* No URL in the ACK and none seen: the address is kept and DISCOVERs go
 * on with the backoff, same xid; a late ProxyDHCP answer completes it. */
static void no_url_keeps_address_and_asks(void **state)
{
	struct world *w = *state;
	uint64_t now, t;
	char sum[200];

	init(w, 22);
	now = to_selecting(w, 0);
	feed(w, "offer_nourl.bin", now + 1);
	feed(w, "ack_nourl.bin", now + 2);
	assert_int_equal(w->c.state, DHCP4_S_NOURL);
	assert_int_equal(w->sent.n, 2);
	assert_in_range(w->c.timer_ms, now + 2 + DHCP4_RETRY_MIN_MS * 3 / 4,
			now + 2 + DHCP4_RETRY_MIN_MS * 5 / 4);
	t = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, t);
	assert_int_equal(w->sent.n, 3);
	assert_int_equal(sent_type(w, 2), DHCP4_DISCOVER);
	assert_int_equal(sent_xid(w, 2), sent_xid(w, 0));
	assert_in_range(w->c.timer_ms - t, DHCP4_RETRY_MIN_MS * 2 * 3 / 4,
			DHCP4_RETRY_MIN_MS * 2 * 5 / 4);
	dhcp4_client_summary(&w->c, sum, sizeof(sum));
	assert_non_null(strstr(sum, "bound 10.77.0.63, no boot URL"));
	feed(w, "offer_nourl.bin", t + 5);  /* the same server again: no URL */
	assert_int_equal(w->c.state, DHCP4_S_NOURL);
	feed(w, "offer_proxy.bin", t + 9);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_int_equal(w->c.timer_ms, 0);
	assert_string_equal(w->c.lease.boot_url, "https://10.77.0.1:8443/api/v1/boot");
	assert_int_equal(w->c.lease.addr4.s_addr, htonl(0x0a4d003f));
	assert_int_equal(w->c.lease.got_ms, t + 9);
}

/* With snboot.url set, a lease without URL is all that is needed. */
static void no_url_needed_with_snboot_url(void **state)
{
	struct world *w = *state;
	uint64_t now;

	snprintf(w->cfg.url, sizeof(w->cfg.url), "https://boot.example.test/");
	init(w, 23);
	now = to_selecting(w, 0);
	feed(w, "offer_nourl.bin", now + 1);
	feed(w, "ack_nourl.bin", now + 2);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_string_equal(w->c.lease.boot_url, "");
}

/* Two servers: we request the first OFFER's address (no URL); the second
 * server's OFFER brings the URL, which the lease takes. */
static void second_server_url(void **state)
{
	struct world *w = *state;
	uint8_t b[2048];
	uint64_t now;
	size_t n;

	init(w, 24);
	now = to_selecting(w, 0);
	feed(w, "offer_nourl.bin", now + 1);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	n = reply_from(w, "offer.bin", 2, b, sizeof(b));  /* from 10.77.0.2 */
	dhcp4_client_input(&w->c, b, n, NULL, now + 2);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	assert_int_equal(w->sent.n, 2);  /* no second REQUEST */
	feed(w, "ack_nourl.bin", now + 3);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_string_equal(w->c.lease.boot_url, "http://10.77.0.1:8080/boot.ipxe");
	assert_string_equal(w->c.lease.url_from, "OFFER from 10.77.0.2");
}

static const uint8_t proxy_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };

static void feed_from(struct world *w, const char *name, const uint8_t *mac,
		      uint64_t now)
{
	uint8_t b[2048];
	size_t n = reply(w, name, b, sizeof(b));
	dhcp4_client_input(&w->c, b, n, mac, now);
}

/* dnsmasq in proxy mode for arch 16: its OFFER says HTTPClient, no file.
 * Once the address server's lease is bound, the REQUEST goes unicast from
 * that address to the proxy's port 4011 (its OFFER's Ethernet source),
 * and the ACK's file is the boot URL. */
static void proxy_port_4011(void **state)
{
	struct world *w = *state;
	const uint8_t *v;
	uint64_t now;
	size_t len;

	init(w, 31);
	now = to_selecting(w, 0);
	feed_from(w, "offer_proxy4011.bin", proxy_mac, now + 1);
	assert_int_equal(w->c.state, DHCP4_S_SELECTING);
	assert_int_equal(w->c.pxe_known, 1);
	feed(w, "offer_nourl.bin", now + 2);
	feed(w, "ack_nourl.bin", now + 3);
	assert_int_equal(w->c.state, DHCP4_S_PXEREQ);
	assert_int_equal(w->sent.n, 3);
	assert_int_equal(w->sent.unicast[1], 0);  /* the address REQUEST */
	assert_int_equal(w->sent.unicast[2], 1);
	assert_int_equal(sent_type(w, 2), DHCP4_REQUEST);
	assert_int_equal(sent_xid(w, 2), w->c.xid);
	assert_memory_equal(w->sent.pkt[2] + 12, "\x0a\x4d\x00\x3f", 4);  /* ciaddr */
	assert_null(sent_opt(w, 2, 50, &len));
	v = sent_opt(w, 2, 54, &len);
	assert_non_null(v);
	assert_memory_equal(v, "\x0a\x4d\x00\x01", 4);
	assert_null(sent_opt(w, 2, 43, &len));  /* no menu offered */
	assert_non_null(sent_opt(w, 2, 60, &len));
	assert_int_equal(w->sent.to[2].dst.s_addr, htonl(0x0a4d0001));
	assert_int_equal(w->sent.to[2].src.s_addr, htonl(0x0a4d003f));
	assert_int_equal(w->sent.to[2].arp_for.s_addr, htonl(0x0a4d0001));
	assert_int_equal(w->sent.to[2].port, 4011);
	assert_memory_equal(w->sent.to[2].next_mac, proxy_mac, 6);
	assert_memory_equal(w->sent.to[2].own_mac, w->nic.mac, 6);
	feed(w, "ack_pxe4011.bin", now + 4);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_string_equal(w->c.lease.boot_url, "https://10.77.0.1:8443/api/v1/boot");
	assert_string_equal(w->c.lease.url_from, "ProxyDHCP 10.77.0.1:4011");
	assert_int_equal(w->c.lease.addr4.s_addr, htonl(0x0a4d003f));  /* the lease's */
	assert_int_equal(w->c.lease.router4.s_addr, htonl(0x0a4d0001));
	assert_int_equal(w->c.n_pxe_request, 1);
}

/* The proxy on the same host as the address server (same server id)
 * answers while we are REQUESTING: it is still heard. */
static void proxy_same_host_while_requesting(void **state)
{
	struct world *w = *state;
	uint64_t now;

	init(w, 34);
	now = to_selecting(w, 0);
	feed(w, "offer_nourl.bin", now + 1);
	assert_int_equal(w->c.state, DHCP4_S_REQUESTING);
	feed_from(w, "offer_proxy4011.bin", proxy_mac, now + 2);
	assert_int_equal(w->c.pxe_known, 1);
	feed(w, "ack_nourl.bin", now + 3);
	assert_int_equal(w->c.state, DHCP4_S_PXEREQ);
	assert_int_equal(w->sent.unicast[w->sent.n - 1], 1);
}

/* No ACK from port 4011: DHCP4_PXE_TRIES REQUESTs on the backoff, then
 * DISCOVERs again; the proxy's next OFFER starts another round. */
static void proxy_port_4011_silent(void **state)
{
	struct world *w = *state;
	uint64_t now, t;
	char sum[240];

	init(w, 32);
	now = to_selecting(w, 0);
	feed(w, "offer_nourl.bin", now + 1);
	feed(w, "ack_nourl.bin", now + 2);
	assert_int_equal(w->c.state, DHCP4_S_NOURL);  /* no proxy seen yet */
	t = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, t);               /* a DISCOVER */
	assert_int_equal(w->sent.n, 3);
	feed(w, "offer_proxy4011.bin", t + 1);         /* no frame source known */
	assert_int_equal(w->c.state, DHCP4_S_PXEREQ);
	assert_int_equal(w->sent.n, 4);
	assert_int_equal(w->sent.unicast[3], 1);
	assert_memory_equal(w->sent.to[3].next_mac, "\xff\xff\xff\xff\xff\xff", 6);
	t = now = t + 1;
	for (int i = 1; i < DHCP4_PXE_TRIES; i++) {
		uint64_t base = (uint64_t)DHCP4_RETRY_MIN_MS << (i - 1);
		t = w->c.timer_ms;
		assert_in_range(t - now, base * 3 / 4, base * 5 / 4);  /* backoff */
		now = t;
		dhcp4_client_timeout(&w->c, t);
		assert_int_equal(w->c.state, DHCP4_S_PXEREQ);
		assert_int_equal(w->sent.unicast[w->sent.n - 1], 1);
	}
	assert_int_equal(w->c.n_pxe_request, DHCP4_PXE_TRIES);
	dhcp4_client_summary(&w->c, sum, sizeof(sum));
	assert_non_null(strstr(sum, "4 REQUESTs to port 4011"));
	t = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, t);
	assert_int_equal(w->c.state, DHCP4_S_NOURL);
	assert_int_equal(w->c.pxe_known, 0);
	t = w->c.timer_ms;
	dhcp4_client_timeout(&w->c, t);
	assert_int_equal(sent_type(w, w->sent.n - 1), DHCP4_DISCOVER);
	assert_int_equal(w->sent.unicast[w->sent.n - 1], 0);
	feed_from(w, "offer_proxy4011.bin", proxy_mac, t + 1);
	assert_int_equal(w->c.state, DHCP4_S_PXEREQ);
	/* An ACK from port 4011 whose file is not http(s): DISCOVERs go on. */
	{
		uint8_t b[2048];
		size_t n = reply(w, "ack_pxe4011.bin", b, sizeof(b));
		memcpy(b + 108, "ipxe.efi", 9);
		dhcp4_client_input(&w->c, b, n, proxy_mac, t + 2);
	}
	assert_int_equal(w->c.state, DHCP4_S_NOURL);
	assert_string_equal(w->c.lease.boot_url, "");
}

/* A ProxyDHCP server on another subnet (behind a relay): its answer
 * comes back through the router, so the router learns our address by
 * ARP; the frame still goes to the OFFER's Ethernet source (the relay). */
static void proxy_off_subnet_arps_for_the_router(void **state)
{
	struct world *w = *state;
	uint64_t now;

	init(w, 35);
	now = to_selecting(w, 0);
	feed_from(w, "offer_proxy4011.bin", proxy_mac, now + 1);
	w->c.pxe_server.s_addr = htonl(0xc0a83205);  /* 192.168.50.5 */
	feed(w, "offer_nourl.bin", now + 2);
	feed(w, "ack_nourl.bin", now + 3);         /* 10.77.0.63/24 via 10.77.0.1 */
	assert_int_equal(w->c.state, DHCP4_S_PXEREQ);
	assert_int_equal(w->sent.to[2].dst.s_addr, htonl(0xc0a83205));
	assert_int_equal(w->sent.to[2].arp_for.s_addr, htonl(0x0a4d0001));
	assert_memory_equal(w->sent.to[2].next_mac, proxy_mac, 6);
}

/* The port-67 URL path still wins when the proxy gives one there. */
static void proxy_url_on_67_needs_no_4011(void **state)
{
	struct world *w = *state;
	uint64_t now;

	init(w, 33);
	now = to_selecting(w, 0);
	feed_from(w, "offer_proxy.bin", proxy_mac, now + 1);
	assert_int_equal(w->c.pxe_known, 0);
	feed(w, "offer_nourl.bin", now + 2);
	feed(w, "ack_nourl.bin", now + 3);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	assert_int_equal(w->c.n_pxe_request, 0);
	assert_string_equal(w->c.lease.url_from, "ProxyDHCP 10.77.0.1");
}

struct route_call {
	struct in_addr dst, gw;
	unsigned plen;
};
static struct route_call calls[8];
static int n_calls;

static int fake_route(const char *name, struct in_addr dst, unsigned plen,
		      struct in_addr gw, struct in_addr addr, struct in_addr mask,
		      struct sn_err *e)
{
	(void)name, (void)addr, (void)mask;
	if (n_calls >= 8)
		return sn_fail(e, SN_E_NET_ROUTE, "too many");
	calls[n_calls++] = (struct route_call){ dst, gw, plen };
	return 0;
}

/* RFC 3442: with option 121 the router option is ignored. */
static void routes_applied_from_121(void **state)
{
	struct world *w = *state;
	struct sn_err e;
	uint64_t now;

	init(w, 25);
	now = to_selecting(w, 0);
	feed(w, "offer_nourl.bin", now + 1);
	feed(w, "ack_routes.bin", now + 2);
	assert_int_equal(w->c.state, DHCP4_S_BOUND);
	n_calls = 0;
	assert_int_equal(dhcp4_apply_routes(&w->c.lease, "eth0", fake_route, &e), 0);
	assert_int_equal(n_calls, 3);
	assert_int_equal(calls[0].dst.s_addr, htonl(0xc0a83200));
	assert_int_equal(calls[0].plen, 24);
	assert_int_equal(calls[0].gw.s_addr, htonl(0x0a4d00fe));
	assert_int_equal(calls[2].plen, 0);
	assert_int_equal(calls[2].gw.s_addr, htonl(0x0a4d0001));  /* not option 3's .9 */
	/* Without option 121: the default route via option 3. */
	w->c.lease.n_routes4 = 0;
	n_calls = 0;
	assert_int_equal(dhcp4_apply_routes(&w->c.lease, "eth0", fake_route, &e), 0);
	assert_int_equal(n_calls, 1);
	assert_int_equal(calls[0].plen, 0);
	assert_int_equal(calls[0].gw.s_addr, htonl(0x0a4d0009));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(four_way, setup, teardown),
		cmocka_unit_test_setup_teardown(serial_override_and_secs, setup, teardown),
		cmocka_unit_test_setup_teardown(rapid_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(ack_in_selecting_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(nak_restarts_with_new_xid, setup, teardown),
		cmocka_unit_test_setup_teardown(discover_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(jitter_spreads, setup, teardown),
		cmocka_unit_test_setup_teardown(request_retries_then_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(first_offer_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_and_foreign_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(offer_without_server_id, setup, teardown),
		cmocka_unit_test_setup_teardown(send_failures_keep_trying, setup, teardown),
		cmocka_unit_test_setup_teardown(waits_for_carrier_then_sends_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(gives_up_waiting_for_carrier, setup, teardown),
		cmocka_unit_test_setup_teardown(max_identity_fits, setup, teardown),
		cmocka_unit_test_setup_teardown(ignores_input_when_not_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(proxy_url_combined_with_lease, setup, teardown),
		cmocka_unit_test_setup_teardown(no_url_keeps_address_and_asks, setup, teardown),
		cmocka_unit_test_setup_teardown(no_url_needed_with_snboot_url, setup, teardown),
		cmocka_unit_test_setup_teardown(second_server_url, setup, teardown),
		cmocka_unit_test_setup_teardown(proxy_port_4011, setup, teardown),
		cmocka_unit_test_setup_teardown(proxy_port_4011_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(proxy_same_host_while_requesting, setup, teardown),
		cmocka_unit_test_setup_teardown(proxy_off_subnet_arps_for_the_router, setup, teardown),
		cmocka_unit_test_setup_teardown(proxy_url_on_67_needs_no_4011, setup, teardown),
		cmocka_unit_test_setup_teardown(routes_applied_from_121, setup, teardown),
		cmocka_unit_test_setup_teardown(start_always_arms_a_timer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
