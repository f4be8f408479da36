/* SNTP (RFC 4330) for `ntp <server>`: the request's bytes, a real
 * chronyd answer (agent/test/data/ntp/README.md), every refusal of
 * sntp_reply_parse, NTP/Unix time across the 2036 era, and the helper
 * that maps iPXE's net<N>/netX to the agent's NICs. */
#include "fixtures.h"

#include <stdio.h>
#include <string.h>

#include "script/script_settings.h"
#include "script/script_sntp.h"

static const struct sntp_time sent = { 0xec2a1b2c, 0x12345678 };

static size_t load(uint8_t *buf, size_t size)
{
	FILE *f = fopen("agent/test/data/ntp/chrony_reply.bin", "rb");
	size_t n;

	if (!f)
		fail_msg("cannot open agent/test/data/ntp/chrony_reply.bin (run from the "
			 "repository root)");
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

static void test_request(void **state)
{
	uint8_t req[SNTP_PACKET_LEN], zero[40] = { 0 };

	sntp_request(req, sent);
	assert_int_equal(req[0], 0x23);   /* LI 0, VN 4, mode 3: what chronyd answered */
	assert_memory_equal(req + 1, zero, 39);
	assert_int_equal(req[40], 0xec);
	assert_int_equal(req[43], 0x2c);
	assert_int_equal(req[44], 0x12);
	assert_int_equal(req[47], 0x78);
}

static void test_chrony_reply(void **state)
{
	uint8_t buf[128];
	size_t n = load(buf, sizeof(buf));
	struct sntp_reply r;
	struct sn_err e;
	int64_t sec;
	uint32_t nsec;

	assert_int_equal(n, 48);
	sn_clear(&e);
	assert_int_equal(sntp_reply_parse(buf, n, sent, &r, &e), SN_OK);
	assert_int_equal(r.leap, 0);
	assert_int_equal(r.version, 4);
	assert_int_equal(r.mode, 4);
	assert_int_equal(r.stratum, 10);
	assert_string_equal(r.refid, "127.127.1.1");
	assert_int_equal(r.receive.sec, 0xeeb6f917);
	assert_int_equal(r.transmit.sec, 0xeeb6f917);
	assert_int_equal(r.transmit.frac, 0xa9bd2a14);
	sntp_to_unix(r.transmit, &sec, &nsec);
	assert_int_equal(sec, 1795979927);   /* 2026-11-29 19:18:47 UTC */
	assert_true(nsec > 663000000 && nsec < 664000000);   /* 0xa9bd2a14 / 2^32 s */

	/* a longer datagram (extension fields, a MAC) is fine */
	memset(buf + n, 0, 20);
	assert_int_equal(sntp_reply_parse(buf, n + 20, sent, &r, &e), SN_OK);
}

static void expect_refused(const uint8_t *buf, size_t n, const char *why)
{
	struct sntp_reply r;
	struct sn_err e;

	sn_clear(&e);
	assert_int_equal(sntp_reply_parse(buf, n, sent, &r, &e), SN_E_SCRIPT_NTP_REPLY);
	if (!strstr(e.ctx, why))
		fail_msg("\"%s\" does not say \"%s\"", e.ctx, why);
}

static void test_refusals(void **state)
{
	uint8_t good[48], b[48];

	load(good, sizeof(good));
	expect_refused(good, 47, "47 bytes");
	expect_refused(good, 0, "0 bytes");
	memcpy(b, good, 48);
	b[0] = 0x23;   /* our own request, echoed: mode 3 */
	expect_refused(b, 48, "mode 3");
	b[0] = 0x25;   /* broadcast */
	expect_refused(b, 48, "mode 5");
	b[0] = 0x14;   /* version 2 */
	expect_refused(b, 48, "version 2");
	memcpy(b, good, 48);
	b[31] ^= 1;    /* not the answer to our request */
	expect_refused(b, 48, "originate ec2a1b2c.12345679");
	memcpy(b, good, 48);
	b[1] = 0;      /* kiss-o'-death RATE */
	memcpy(b + 12, "RATE", 4);
	expect_refused(b, 48, "kiss-o'-death \"RATE\"");
	b[1] = 16;
	expect_refused(b, 48, "stratum 16");
	memcpy(b, good, 48);
	b[0] = 0xe4;   /* LI 3 */
	expect_refused(b, 48, "leap indicator 3");
	memcpy(b, good, 48);
	memset(b + 40, 0, 8);
	expect_refused(b, 48, "transmit time 0");
	/* version 3 servers are fine */
	memcpy(b, good, 48);
	b[0] = 0x1c;
	{
		struct sntp_reply r;
		struct sn_err e;
		assert_int_equal(sntp_reply_parse(b, 48, sent, &r, &e), SN_OK);
		assert_int_equal(r.version, 3);
	}
}

static void test_eras(void **state)
{
	struct sntp_time t;
	int64_t sec;
	uint32_t nsec;

	t = sntp_from_unix(0, 0);
	assert_int_equal(t.sec, 2208988800u);
	sntp_to_unix(t, &sec, &nsec);
	assert_int_equal(sec, 0);
	/* 2036-02-07 06:28:16 UTC: NTP era 1 starts at seconds 0 */
	t = sntp_from_unix(2085978496, 500000000);
	assert_int_equal(t.sec, 0);
	assert_int_equal(t.frac, 0x80000000u);
	sntp_to_unix(t, &sec, &nsec);
	assert_int_equal(sec, 2085978496);
	assert_int_equal(nsec, 500000000);
	t.sec = 0x7fffffff;   /* the end of the range this rule covers (2104) */
	sntp_to_unix(t, &sec, &nsec);
	assert_int_equal(sec, 2085978496 + 0x7fffffffLL);
	t.sec = 0x80000000;   /* 1968-01-20: the earliest */
	sntp_to_unix(t, &sec, &nsec);
	assert_int_equal(sec, 0x80000000LL - 2208988800LL);
}

static void test_nic_index(void **state)
{
	assert_int_equal(script_nic_index("net0", 3, 1), 0);
	assert_int_equal(script_nic_index("net2", 3, 1), 2);
	assert_int_equal(script_nic_index("net3", 3, 1), -1);
	assert_int_equal(script_nic_index("netX", 3, 1), 1);
	assert_int_equal(script_nic_index("netX", 3, -1), -1);
	assert_int_equal(script_nic_index("net01", 3, 1), -1);
	assert_int_equal(script_nic_index("net", 3, 1), -1);
	assert_int_equal(script_nic_index("net1x", 3, 1), -1);
	assert_int_equal(script_nic_index("net-1", 3, 1), -1);
	assert_int_equal(script_nic_index("eth0", 3, 1), -1);
	assert_int_equal(script_nic_index("net0-42", 3, 1), -1);
	assert_int_equal(script_nic_index("net99999999999999999999", 3, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_chrony_reply),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_eras),
		cmocka_unit_test(test_nic_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
