/* LLDP parser: lldpd's real frame, then the same frame with IEEE 802.1
 * VLAN TLVs added (agent/test/data/lldp/README.md), and broken ones. */
#include "fixtures.h"

#include <stdio.h>
#include <string.h>

#include "net/lldp.h"

#define ETH_HDR 14

static uint8_t frame[1600];
static size_t frame_len;

static void load(void)
{
	FILE *f = fopen("agent/test/data/lldp/lldpd_veth.bin", "rb");

	if (!f)
		fail_msg("cannot open agent/test/data/lldp/lldpd_veth.bin (run from the repository root)");
	frame_len = fread(frame, 1, sizeof(frame), f);
	fclose(f);
	assert_int_equal(frame_len, 135);
	assert_int_equal(frame[12] << 8 | frame[13], LLDP_ETHERTYPE);
}

/* The LLDPDU with tlv (whole TLV, header included) put before End. */
static size_t with_tlv(uint8_t *out, const uint8_t *tlv, size_t n)
{
	size_t body = frame_len - ETH_HDR - 2;  /* without End */

	memcpy(out, frame + ETH_HDR, body);
	memcpy(out + body, tlv, n);
	out[body + n] = 0;
	out[body + n + 1] = 0;
	return body + n + 2;
}

static void lldpd_frame(void **state)
{
	struct lldp_info li;
	struct sn_err e;

	load();
	assert_int_equal(lldp_parse(frame + ETH_HDR, frame_len - ETH_HDR, &li, &e), 0);
	assert_string_equal(li.chassis, "mac 9a:38:bb:f5:d9:4d");
	assert_string_equal(li.port, "mac 9a:38:bb:f5:d9:4d");
	assert_int_equal(li.ttl, 120);
	assert_string_equal(li.sysname, "vm");
	assert_int_equal(li.pvid, 0);
	assert_int_equal(li.n_vlans, 0);
	assert_int_equal(li.lag_seen, 1);  /* 802.3 subtype 3 */
	assert_int_equal(li.lag_capable, 1);
	assert_int_equal(li.lag_enabled, 0);
	assert_int_equal(li.lag_port, 0);
}

static void vlan_tlvs(void **state)
{
	static const uint8_t pvid[] = { 0xfe, 0x06, 0x00, 0x80, 0xc2, 0x01, 0x00, 0x64 };
	static const uint8_t name[] = { 0xfe, 0x10, 0x00, 0x80, 0xc2, 0x03, 0x00, 0xc8, 9,
					'p', 'r', 'o', 'v', 'i', 's', 'i', 'o', 'n' };
	static const uint8_t lag[] = { 0xfe, 0x09, 0x00, 0x80, 0xc2, 0x07, 0x03, 0, 0, 0x01, 0x2c };
	uint8_t pdu[1700], two[64];
	struct lldp_info li;
	struct sn_err e;
	size_t n;

	load();
	memcpy(two, pvid, sizeof(pvid));
	memcpy(two + sizeof(pvid), name, sizeof(name));
	memcpy(two + sizeof(pvid) + sizeof(name), lag, sizeof(lag));
	n = with_tlv(pdu, two, sizeof(pvid) + sizeof(name) + sizeof(lag));
	assert_int_equal(lldp_parse(pdu, n, &li, &e), 0);
	assert_int_equal(li.pvid, 100);
	assert_int_equal(li.n_vlans, 1);
	assert_int_equal(li.vlans[0].vid, 200);
	assert_string_equal(li.vlans[0].name, "provision");
	assert_int_equal(li.lag_enabled, 1);
	assert_int_equal(li.lag_port, 300);
}

static void expect(const uint8_t *pdu, size_t n, const char *want)
{
	struct lldp_info li;
	struct sn_err e;

	sn_clear(&e);
	assert_int_equal(lldp_parse(pdu, n, &li, &e), SN_E_NET_LLDP);
	if (!strstr(e.ctx, want))
		fail_msg("got \"%s\", want \"%s\" in it", e.ctx, want);
}

static void malformed(void **state)
{
	static const uint8_t bad_pvid[] = { 0xfe, 0x05, 0x00, 0x80, 0xc2, 0x01, 0x00 };
	static const uint8_t bad_name[] = { 0xfe, 0x08, 0x00, 0x80, 0xc2, 0x03, 0x00, 0xc8, 9, 'p' };
	uint8_t pdu[1700];
	size_t n;

	load();
	n = with_tlv(pdu, bad_pvid, sizeof(bad_pvid));
	expect(pdu, n, "802.1 Port VLAN ID wants length 6");
	n = with_tlv(pdu, bad_name, sizeof(bad_name));
	expect(pdu, n, "802.1 VLAN Name: name length disagrees");
	/* Cut inside the System Description TLV (offset 26 of the LLDPDU). */
	expect(frame + ETH_HDR, 39, "TLV type 6 at offset 26 (length 18): runs past the end");
	expect(frame + ETH_HDR, 1, "1 byte left");
	expect(frame + ETH_HDR + 9, 20, "first TLV is not Chassis ID");
	expect(frame + ETH_HDR, 9, "ends before Chassis ID, Port ID and TTL");
	memcpy(pdu, frame + ETH_HDR, frame_len - ETH_HDR);
	pdu[9] = 0x06;  /* Port ID's type byte made TTL */
	expect(pdu, frame_len - ETH_HDR, "second TLV is not Port ID");
	memcpy(pdu, frame + ETH_HDR, frame_len - ETH_HDR);
	pdu[1] = 1;  /* Chassis ID of 1 byte */
	expect(pdu, frame_len - ETH_HDR, "ID length outside 2..256");
}

static struct lldp_lag lag(int port, const char *chassis, int capable,
			  int enabled, uint32_t id)
{
	struct lldp_lag r = { .port = port, .capable = capable, .enabled = enabled,
			      .agg_id = id };
	snprintf(r.chassis, sizeof(r.chassis), "%s", chassis);
	return r;
}

/* Which ports are one aggregate: same switch, same aggregated port ID,
 * capable and enabled on every one; the largest such set. */
static void lag_grouping(void **state)
{
	const char *sw1 = "mac 02:00:5e:00:01:99", *sw2 = "mac 02:00:5e:00:01:aa";
	struct lldp_lag r[6];
	int m[8];

	/* Two ports, one aggregate. */
	r[0] = lag(0, sw1, 1, 1, 100);
	r[1] = lag(3, sw1, 1, 1, 100);
	assert_int_equal(lldp_lag_group(r, 2, m, 8), 2);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 3);
	/* One port alone is no aggregate. */
	assert_int_equal(lldp_lag_group(r, 1, m, 8), 0);
	/* Same aggregated port ID on two switches (two MLAG peers that do
	 * not say one chassis): no bond. */
	r[1] = lag(3, sw2, 1, 1, 100);
	assert_int_equal(lldp_lag_group(r, 2, m, 8), 0);
	/* Capable but not enabled (the switch has not put it in a
	 * port-channel), or no aggregated port ID: no bond. */
	r[1] = lag(3, sw1, 1, 0, 100);
	assert_int_equal(lldp_lag_group(r, 2, m, 8), 0);
	r[1] = lag(3, sw1, 1, 1, 0);
	r[0] = lag(0, sw1, 1, 1, 0);
	assert_int_equal(lldp_lag_group(r, 2, m, 8), 0);
	r[0] = lag(0, sw1, 0, 1, 100);
	r[1] = lag(3, sw1, 0, 1, 100);
	assert_int_equal(lldp_lag_group(r, 2, m, 8), 0);
	/* Two aggregates: the larger wins; on a tie, the first. */
	r[0] = lag(0, sw1, 1, 1, 7);
	r[1] = lag(1, sw1, 1, 1, 8);
	r[2] = lag(2, sw1, 1, 1, 8);
	r[3] = lag(3, sw1, 1, 1, 7);
	r[4] = lag(4, sw1, 1, 1, 8);
	r[5] = lag(5, sw2, 1, 1, 7);
	assert_int_equal(lldp_lag_group(r, 6, m, 8), 3);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1], 2);
	assert_int_equal(m[2], 4);
	assert_int_equal(lldp_lag_group(r, 4, m, 8), 2);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 3);
	/* members is bounded by max. */
	assert_int_equal(lldp_lag_group(r, 6, m, 2), 2);
	assert_int_equal(m[1], 2);
}

/* The 802.3 form of the TLV (subtype 3) as lldpd sends it, enabled. */
static void lag_tlv_8023(void **state)
{
	static const uint8_t lag3[] = { 0xfe, 0x09, 0x00, 0x12, 0x0f, 0x03, 0x03, 0, 0x0f, 0x42, 0x64 };
	static const uint8_t short_lag[] = { 0xfe, 0x08, 0x00, 0x12, 0x0f, 0x03, 0x03, 0, 0x0f, 0x42 };
	uint8_t pdu[1700];
	struct lldp_info li;
	struct sn_err e;
	size_t n;

	load();
	n = with_tlv(pdu, lag3, sizeof(lag3));
	assert_int_equal(lldp_parse(pdu, n, &li, &e), 0);
	assert_int_equal(li.lag_seen, 1);
	assert_int_equal(li.lag_capable, 1);
	assert_int_equal(li.lag_enabled, 1);
	assert_int_equal(li.lag_port, 1000036);
	n = with_tlv(pdu, short_lag, sizeof(short_lag));
	expect(pdu, n, "link aggregation wants length 9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lldpd_frame),
		cmocka_unit_test(vlan_tlvs),
		cmocka_unit_test(malformed),
		cmocka_unit_test(lag_grouping),
		cmocka_unit_test(lag_tlv_8023),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
