/* DHCPv6 build and parse: option bytes of our Solicit/Request, captured
 * dnsmasq Advertise/Reply, and malformed input of every kind. */
#include <arpa/inet.h>
#include <stdlib.h>

#include "dhcp6_fixtures.h"
#include "net/dhcp6_packet.h"

static const char vendor[] = "HTTPClient:Arch:00016:UNDI:003000";

static struct dhcp6_out solicit_out(uint8_t duid[DHCP6_DUID_MAX])
{
	struct dhcp6_out m = {
		.type = DHCP6_SOLICIT,
		.xid = 0xd2b739,
		.duid = duid,
		.duid_len = dhcp6_duid_uuid(duid, fx_uuid_raw),
		.iaid = 0x00123456,
		.user_class = "snboot",
		.vendor_class = vendor,
		.arch = 0x0010,
	};
	return m;
}

static void assert_opt(const uint8_t *m, size_t n, unsigned code, const void *want,
		       size_t want_len)
{
	size_t len = 0, off = fx_find_opt(m, n, code, &len);
	if (!off)
		fail_msg("option %u missing", code);
	assert_int_equal(len, want_len);
	assert_memory_equal(m + off, want, want_len);
}

/* ---- DUIDs ---- */

static void test_duid_uuid_network_order(void **state)
{
	uint8_t duid[DHCP6_DUID_MAX];
	assert_int_equal(dhcp6_duid_uuid(duid, fx_uuid_raw), 18);
	assert_memory_equal(duid, fx_duid_uuid, 18);
}

static void test_duid_ll(void **state)
{
	static const uint8_t want[] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	uint8_t duid[DHCP6_DUID_MAX];
	assert_int_equal(dhcp6_duid_ll(duid, fx_mac), 10);
	assert_memory_equal(duid, want, sizeof(want));
}

/* ---- building ---- */

static void test_build_solicit_options(void **state)
{
	uint8_t duid[DHCP6_DUID_MAX], buf[512];
	struct dhcp6_out m = solicit_out(duid);
	static const uint8_t ia[] = { 0, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t oro[] = { 0, 59, 0, 60, 0, 23, 0, 24 };
	static const uint8_t elapsed[] = { 0, 0 };
	static const uint8_t user[] = { 0, 6, 's', 'n', 'b', 'o', 'o', 't' };
	static const uint8_t arch[] = { 0x00, 0x10 };
	uint8_t vc[4 + 2 + sizeof(vendor) - 1] = { 0, 0, 0x01, 0x57, 0, sizeof(vendor) - 1 };
	size_t len, l;

	memcpy(vc + 6, vendor, sizeof(vendor) - 1);
	assert_int_equal(dhcp6_build(&m, buf, sizeof(buf), &len, NULL), SN_OK);
	assert_int_equal(buf[0], DHCP6_SOLICIT);
	assert_int_equal(fx_xid(buf), 0xd2b739);
	assert_opt(buf, len, DHCP6_OPT_CLIENTID, fx_duid_uuid, 18);
	assert_opt(buf, len, DHCP6_OPT_ELAPSED_TIME, elapsed, 2);
	assert_opt(buf, len, DHCP6_OPT_IA_NA, ia, sizeof(ia));
	assert_opt(buf, len, DHCP6_OPT_ORO, oro, sizeof(oro));
	assert_opt(buf, len, DHCP6_OPT_USER_CLASS, user, sizeof(user));
	assert_opt(buf, len, DHCP6_OPT_VENDOR_CLASS, vc, sizeof(vc));
	assert_opt(buf, len, DHCP6_OPT_CLIENT_ARCH_TYPE, arch, 2);
	assert_int_equal(fx_find_opt(buf, len, DHCP6_OPT_RAPID_COMMIT, &l), 0);
	assert_int_equal(fx_find_opt(buf, len, DHCP6_OPT_SERVERID, &l), 0);
}

/* The bytes dnsmasq accepted on the wire are what the builder makes. */
static void test_build_solicit_matches_capture(void **state)
{
	uint8_t duid[DHCP6_DUID_MAX], buf[512], cap[512];
	struct dhcp6_out m = solicit_out(duid);
	size_t len, n = fx_load("four_solicit.bin", cap, sizeof(cap));

	assert_int_equal(dhcp6_build(&m, buf, sizeof(buf), &len, NULL), SN_OK);
	assert_int_equal(len, n);
	assert_memory_equal(buf, cap, n);
}

static void test_build_rapid_commit(void **state)
{
	uint8_t duid[DHCP6_DUID_MAX], buf[512], cap[512];
	struct dhcp6_out m = solicit_out(duid);
	size_t len, l, n = fx_load("rapid_solicit.bin", cap, sizeof(cap));

	m.rapid_commit = 1;
	m.xid = fx_xid(cap);
	assert_int_equal(dhcp6_build(&m, buf, sizeof(buf), &len, NULL), SN_OK);
	assert_true(fx_find_opt(buf, len, DHCP6_OPT_RAPID_COMMIT, &l) > 0);
	assert_int_equal(l, 0);
	assert_int_equal(len, n);
	assert_memory_equal(buf, cap, n);
}

static void test_build_request_from_advertise(void **state)
{
	uint8_t duid[DHCP6_DUID_MAX], buf[512], adv[512], cap[512];
	struct dhcp6_out m = solicit_out(duid);
	struct dhcp6_msg a;
	size_t len, l, off;
	size_t an = fx_load("four_advertise.bin", adv, sizeof(adv));
	size_t n = fx_load("four_request.bin", cap, sizeof(cap));

	assert_int_equal(dhcp6_parse(adv, an, &a, NULL), SN_OK);
	m.type = DHCP6_REQUEST;
	m.xid = fx_xid(cap);
	m.server_id = a.server_id;
	m.server_id_len = a.server_id_len;
	m.ia_addr = &a.addr;
	assert_int_equal(dhcp6_build(&m, buf, sizeof(buf), &len, NULL), SN_OK);
	assert_int_equal(buf[0], DHCP6_REQUEST);
	assert_opt(buf, len, DHCP6_OPT_SERVERID, a.server_id, a.server_id_len);
	/* IA_NA: IAID, T1, T2, then IAADDR (5, length 24) with the address. */
	off = fx_find_opt(buf, len, DHCP6_OPT_IA_NA, &l);
	assert_int_equal(l, 12 + 4 + 24);
	assert_int_equal(buf[off + 12] << 8 | buf[off + 13], DHCP6_OPT_IAADDR);
	assert_int_equal(buf[off + 14] << 8 | buf[off + 15], 24);
	assert_memory_equal(buf + off + 16, a.addr.s6_addr, 16);
	assert_int_equal(len, n);
	assert_memory_equal(buf, cap, n);
}

static void test_build_omits_empty_classes(void **state)
{
	uint8_t duid[DHCP6_DUID_MAX], buf[512];
	struct dhcp6_out m = solicit_out(duid);
	size_t len, l;

	m.user_class = "";
	m.vendor_class = NULL;
	assert_int_equal(dhcp6_build(&m, buf, sizeof(buf), &len, NULL), SN_OK);
	assert_int_equal(fx_find_opt(buf, len, DHCP6_OPT_USER_CLASS, &l), 0);
	assert_int_equal(fx_find_opt(buf, len, DHCP6_OPT_VENDOR_CLASS, &l), 0);
}

static void test_build_errors(void **state)
{
	uint8_t duid[DHCP6_DUID_MAX], buf[512];
	struct dhcp6_out m = solicit_out(duid);
	struct sn_err e;
	size_t len = 0;

	assert_int_equal(dhcp6_build(&m, buf, 60, &len, &e), SN_E_DHCP6_BUILD_SPACE);
	assert_non_null(strstr(e.ctx, "SOLICIT does not fit 60 bytes"));
	/* Every size short of the real one fails cleanly. */
	assert_int_equal(dhcp6_build(&m, buf, sizeof(buf), &len, NULL), SN_OK);
	for (size_t cap = 0; cap < len; cap++)
		assert_int_equal(dhcp6_build(&m, buf, cap, &len, NULL), SN_E_DHCP6_BUILD_SPACE);
	m.duid_len = 2;
	assert_int_equal(dhcp6_build(&m, buf, sizeof(buf), &len, &e), SN_E_DHCP6_BUILD_FIELD);
	assert_non_null(strstr(e.ctx, "client DUID length 2"));
}

/* ---- parsing captured dnsmasq messages ---- */

static void assert_addr(const struct in6_addr *a, const char *text)
{
	char buf[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, a, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

static void test_parse_advertise(void **state)
{
	static const uint8_t server[] = { 0, 1, 0, 1, 0x32, 0x94, 0xf1, 0x9d, 0xc6, 0x0f,
					  0x77, 0x34, 0x8c, 0xee };
	uint8_t buf[512];
	size_t n = fx_load("four_advertise.bin", buf, sizeof(buf));
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_parse(buf, n, &m, NULL), SN_OK);
	assert_int_equal(m.type, DHCP6_ADVERTISE);
	assert_int_equal(m.xid, fx_xid(buf));
	assert_int_equal(m.client_id_len, 18);
	assert_memory_equal(m.client_id, fx_duid_uuid, 18);
	assert_int_equal(m.server_id_len, sizeof(server));
	assert_memory_equal(m.server_id, server, sizeof(server));
	assert_true(m.has_preference);
	assert_int_equal(m.preference, 0);
	assert_false(m.rapid_commit);
	assert_true(m.status.present);
	assert_int_equal(m.status.code, DHCP6_STATUS_SUCCESS);
	assert_string_equal(m.status.msg, "success");
	assert_true(m.has_ia);
	assert_int_equal(m.iaid, 0x00123456);
	assert_int_equal(m.t1, 43200);
	assert_int_equal(m.t2, 75600);
	assert_true(m.has_addr);
	assert_addr(&m.addr, "fd77:1::15a");
	assert_int_equal(m.preferred_s, 86400);
	assert_int_equal(m.valid_s, 86400);
	assert_int_equal(m.n_dns, 1);
	assert_addr(&m.dns[0], "fd77:1::53");
	assert_string_equal(m.domain, "lab.example example.org");
	assert_string_equal(m.boot_url, "https://[fd77:1::1]:8443/api/v1/boot");
	assert_string_equal(m.boot_params, "");
}

static void test_parse_reply(void **state)
{
	uint8_t buf[512];
	size_t n = fx_load("four_reply.bin", buf, sizeof(buf));
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_parse(buf, n, &m, NULL), SN_OK);
	assert_int_equal(m.type, DHCP6_REPLY);
	assert_false(m.rapid_commit);
	assert_false(m.has_preference);
	assert_addr(&m.addr, "fd77:1::15a");
	assert_string_equal(m.boot_url, "https://[fd77:1::1]:8443/api/v1/boot");
}

static void test_parse_rapid_reply(void **state)
{
	uint8_t buf[512];
	size_t n = fx_load("rapid_reply.bin", buf, sizeof(buf));
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_parse(buf, n, &m, NULL), SN_OK);
	assert_int_equal(m.type, DHCP6_REPLY);
	assert_true(m.rapid_commit);
	assert_int_equal(m.iaid, 0x00123456);
	assert_addr(&m.addr, "fd77:1::15a");
	assert_string_equal(m.boot_url, "https://[fd77:1::1]:8443/api/v1/boot");
}

static void test_parse_no_addrs_avail(void **state)
{
	uint8_t buf[512];
	size_t n = fx_load("noaddr_advertise.bin", buf, sizeof(buf));
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_parse(buf, n, &m, NULL), SN_OK);
	assert_int_equal(m.type, DHCP6_ADVERTISE);
	assert_true(m.status.present);
	assert_int_equal(m.status.code, DHCP6_STATUS_NO_ADDRS_AVAIL);
	assert_string_equal(m.status.msg, "no addresses available");
	assert_false(m.has_ia);

	n = fx_load("noaddr_rapid_reply.bin", buf, sizeof(buf));
	assert_int_equal(dhcp6_parse(buf, n, &m, NULL), SN_OK);
	assert_true(m.rapid_commit);
	assert_true(m.has_ia);
	assert_false(m.has_addr);
	assert_true(m.ia_status.present);
	assert_int_equal(m.ia_status.code, DHCP6_STATUS_NO_ADDRS_AVAIL);
	assert_string_equal(m.ia_status.msg, "address unavailable");
	assert_string_equal(dhcp6_status_name(m.ia_status.code), "NoAddrsAvail");
}

static void test_parse_boot_params(void **state)
{
	uint8_t buf[512];
	size_t n = fx_load("params_reply.bin", buf, sizeof(buf));
	static const uint8_t duid_ll[] = { 0, 3, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_parse(buf, n, &m, NULL), SN_OK);
	assert_int_equal(m.client_id_len, sizeof(duid_ll));
	assert_memory_equal(m.client_id, duid_ll, sizeof(duid_ll));
	assert_string_equal(m.boot_params, "root=live console=ttyS0");
	assert_addr(&m.addr, "fd77:1::190");
}

/* ---- malformed ---- */

static int is_structural(int code)
{
	return code == SN_E_DHCP6_SHORT || code == SN_E_DHCP6_OPT_HEADER ||
	       code == SN_E_DHCP6_OPT_OVERRUN;
}

/* Every prefix of a real Reply parses or fails with a structural error,
 * and only the prefixes that end on an option boundary parse. */
static void test_parse_every_truncation(void **state)
{
	uint8_t buf[512];
	size_t n = fx_load("four_reply.bin", buf, sizeof(buf));
	size_t boundary[32], nb = 0, p = 4;
	struct dhcp6_msg m;
	struct sn_err e;

	boundary[nb++] = 4;
	while (p < n) {
		p += 4 + ((size_t)buf[p + 2] << 8 | buf[p + 3]);
		boundary[nb++] = p;
	}
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = malloc(len ? len : 1);   /* exact size: ASan sees overreads */
		int on_boundary = 0, rc;
		memcpy(copy, buf, len);
		for (size_t i = 0; i < nb; i++)
			on_boundary |= boundary[i] == len;
		sn_clear(&e);
		rc = dhcp6_parse(copy, len, &m, &e);
		if (on_boundary) {
			assert_int_equal(rc, SN_OK);
		} else {
			assert_true(is_structural(rc));
			assert_int_equal(e.code, rc);
			assert_true(e.ctx[0] != '\0');
		}
		free(copy);
	}
}

static void test_parse_short_and_header(void **state)
{
	static const uint8_t three[] = { 2, 0, 0 };
	static const uint8_t half_header[] = { 2, 0, 0, 1, 0, 1 };
	struct dhcp6_msg m;
	struct sn_err e;

	assert_int_equal(dhcp6_parse(three, sizeof(three), &m, &e), SN_E_DHCP6_SHORT);
	assert_string_equal(e.ctx, "3 bytes");
	assert_int_equal(dhcp6_parse(half_header, sizeof(half_header), &m, &e),
			 SN_E_DHCP6_OPT_HEADER);
	assert_string_equal(e.ctx, "2 bytes left at offset 4 in message, an option header needs 4");
}

static void test_parse_option_overrun(void **state)
{
	/* Option 23 claims 32 bytes, 16 follow. */
	uint8_t msg[4 + 4 + 16] = { 7, 0, 0, 1, 0, 23, 0, 32 };
	struct dhcp6_msg m;
	struct sn_err e;

	assert_int_equal(dhcp6_parse(msg, sizeof(msg), &m, &e), SN_E_DHCP6_OPT_OVERRUN);
	assert_string_equal(e.ctx,
			    "option 23 (DNS_SERVERS) at offset 4: length 32 but message ends at offset 24");
}

/* A real Reply whose IAADDR claims more than its IA_NA holds. */
static void test_parse_nested_overrun_in_capture(void **state)
{
	uint8_t buf[512];
	size_t n = fx_load("four_reply.bin", buf, sizeof(buf)), l;
	size_t ia = fx_find_opt(buf, n, DHCP6_OPT_IA_NA, &l);
	struct dhcp6_msg m;
	struct sn_err e;
	char want[160];

	assert_true(ia > 0);
	assert_int_equal(buf[ia + 13], DHCP6_OPT_IAADDR);
	buf[ia + 15] = 25;   /* IAADDR length 24 → 25 */
	assert_int_equal(dhcp6_parse(buf, n, &m, &e), SN_E_DHCP6_OPT_OVERRUN);
	snprintf(want, sizeof(want), "option 5 (IAADDR) at offset %zu: length 25 but IA_NA ends at offset %zu",
		 ia + 12, ia + l);
	assert_string_equal(e.ctx, want);
}

static void test_parse_status_overrun_in_iaaddr(void **state)
{
	static const uint8_t msg[] = {
		7, 0, 0, 1,
		0, 3, 0, 12 + 4 + 24 + 4 + 2,          /* IA_NA */
		0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 5, 0, 24 + 4 + 2,                   /* IAADDR */
		0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 0, 0, 60, 0, 0, 0, 60,
		0, 13, 0, 9, 0, 0,                     /* status claims 9, has 2 */
	};
	struct dhcp6_msg m;
	struct sn_err e;

	assert_int_equal(dhcp6_parse(msg, sizeof(msg), &m, &e), SN_E_DHCP6_OPT_OVERRUN);
	assert_string_equal(e.ctx,
			    "option 13 (STATUS_CODE) at offset 48: length 9 but IAADDR ends at offset 54");
}

struct bad_length_case {
	uint8_t msg[48];
	size_t len;
	const char *ctx;
};

static void test_parse_bad_lengths(void **state)
{
	static const struct bad_length_case cases[] = {
		{ { 2, 0, 0, 1, 0, 7, 0, 2, 1, 2 }, 10,
		  "option 7 (PREFERENCE) at offset 4: length 2, must be 1" },
		{ { 7, 0, 0, 1, 0, 14, 0, 1, 0 }, 9,
		  "option 14 (RAPID_COMMIT) at offset 4: length 1, must be 0" },
		{ { 7, 0, 0, 1, 0, 13, 0, 1, 0 }, 9,
		  "option 13 (STATUS_CODE) at offset 4: length 1, needs at least 2" },
		{ { 7, 0, 0, 1, 0, 2, 0, 2, 0, 1 }, 10,
		  "option 2 (SERVERID) at offset 4: length 2, a DUID is 3..130 bytes" },
		{ { 7, 0, 0, 1, 0, 23, 0, 15 }, 8 + 15,
		  "option 23 (DNS_SERVERS) at offset 4: length 15, not a multiple of 16" },
		{ { 7, 0, 0, 1, 0, 3, 0, 11 }, 8 + 11,
		  "option 3 (IA_NA) at offset 4: length 11, needs at least 12" },
		{ { 7, 0, 0, 1, 0, 3, 0, 12 + 4 + 23, [20] = 0, 5, 0, 23 }, 8 + 12 + 4 + 23,
		  "option 5 (IAADDR) at offset 20: length 23, needs at least 24" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dhcp6_msg m;
		struct sn_err e;
		assert_int_equal(dhcp6_parse(cases[i].msg, cases[i].len, &m, &e),
				 SN_E_DHCP6_OPT_LENGTH);
		assert_string_equal(e.ctx, cases[i].ctx);
	}
}

static int parse_domain(const uint8_t *wire, size_t n, struct dhcp6_msg *m, struct sn_err *e)
{
	uint8_t msg[400] = { 7, 0, 0, 1, 0, 24, (uint8_t)(n >> 8), (uint8_t)n };
	memcpy(msg + 8, wire, n);
	return dhcp6_parse(msg, 8 + n, m, e);
}

static void test_parse_domain_list(void **state)
{
	static const uint8_t pointer[] = { 3, 'l', 'a', 'b', 0xc0, 0x0c };
	static const uint8_t past_end[] = { 3, 'l', 'a', 'b', 9, 'x' };
	static const uint8_t unterminated[] = { 3, 'l', 'a', 'b' };
	static const uint8_t with_space_and_root[] = { 3, 'a', ' ', 'b', 0, 0, 2, 'o', 'k', 0 };
	uint8_t many[300];
	struct dhcp6_msg m;
	struct sn_err e;
	size_t n = 0;

	assert_int_equal(parse_domain(pointer, sizeof(pointer), &m, &e), SN_E_DHCP6_BAD_NAME);
	assert_string_equal(e.ctx, "label length byte 0xc0 at offset 12 (max 63, no compression)");
	assert_int_equal(parse_domain(past_end, sizeof(past_end), &m, &e), SN_E_DHCP6_BAD_NAME);
	assert_string_equal(e.ctx, "label of 9 bytes at offset 12 runs past the option");
	assert_int_equal(parse_domain(unterminated, sizeof(unterminated), &m, &e),
			 SN_E_DHCP6_BAD_NAME);
	assert_string_equal(e.ctx, "name at offset 8 has no terminating zero label");
	/* A name resolv.conf could not hold and the root name are skipped. */
	assert_int_equal(parse_domain(with_space_and_root, sizeof(with_space_and_root), &m, &e),
			 SN_OK);
	assert_string_equal(m.domain, "ok");
	/* Only whole names that fit: 20 names of 10 characters, 127 bytes. */
	for (int i = 0; i < 20; i++) {
		many[n++] = 10;
		memset(many + n, 'a' + i, 10);
		n += 10;
		many[n++] = 0;
	}
	assert_int_equal(parse_domain(many, n, &m, &e), SN_OK);
	assert_int_equal(strlen(m.domain), 11 * 10 + 10);   /* 11 names, 10 spaces */
	assert_int_equal(m.domain[strlen(m.domain) - 1], 'k');
}

static void test_parse_domain_too_long(void **state)
{
	uint8_t wire[320];
	struct dhcp6_msg m;
	struct sn_err e;
	size_t n = 0;

	for (int i = 0; i < 5; i++) {   /* 5 labels of 59: 299 characters */
		wire[n++] = 59;
		memset(wire + n, 'x', 59);
		n += 59;
	}
	wire[n++] = 0;
	assert_int_equal(parse_domain(wire, n, &m, &e), SN_E_DHCP6_BAD_NAME);
	assert_string_equal(e.ctx, "name at offset 8 longer than 255 bytes");
}

static int parse_url(const char *url, size_t n, struct dhcp6_msg *m, struct sn_err *e)
{
	static uint8_t msg[8 + 1100];
	msg[0] = 7;
	msg[4] = 0;
	msg[5] = 59;
	msg[6] = (uint8_t)(n >> 8);
	msg[7] = (uint8_t)n;
	memcpy(msg + 8, url, n);
	return dhcp6_parse(msg, 8 + n, m, e);
}

static void test_parse_url_limits(void **state)
{
	static char url[1100];
	struct dhcp6_msg m;
	struct sn_err e;

	memset(url, 'a', sizeof(url));
	assert_int_equal(parse_url(url, LEASE_URL_MAX - 1, &m, &e), SN_OK);
	assert_int_equal(strlen(m.boot_url), LEASE_URL_MAX - 1);
	assert_int_equal(parse_url(url, LEASE_URL_MAX, &m, &e), SN_E_DHCP6_BAD_URL);
	assert_string_equal(e.ctx, "option 59 at offset 4: 1024 bytes, want 1..1023");
	assert_int_equal(parse_url(url, 0, &m, &e), SN_E_DHCP6_BAD_URL);
	assert_int_equal(parse_url("http://a\0b", 10, &m, &e), SN_E_DHCP6_BAD_URL);
	assert_string_equal(e.ctx, "option 59 at offset 4 contains a NUL byte");
}

static void test_parse_params_malformed(void **state)
{
	static const uint8_t cut[] = { 7, 0, 0, 1, 0, 60, 0, 5, 0, 2, 'a', 'b', 0 };
	static const uint8_t over[] = { 7, 0, 0, 1, 0, 60, 0, 4, 0, 9, 'a', 'b' };
	struct dhcp6_msg m;
	struct sn_err e;

	assert_int_equal(dhcp6_parse(cut, sizeof(cut), &m, &e), SN_E_DHCP6_BAD_PARAMS);
	assert_string_equal(e.ctx, "parameter length at offset 12 cut by the option end");
	assert_int_equal(dhcp6_parse(over, sizeof(over), &m, &e), SN_E_DHCP6_BAD_PARAMS);
	assert_string_equal(e.ctx, "parameter of 9 bytes at offset 8 runs past the option");
}

static void test_parse_unknown_and_repeated(void **state)
{
	static const uint8_t msg[] = {
		2, 0xab, 0xcd, 0xef,
		0x12, 0x34, 0, 3, 1, 2, 3,   /* unknown option: skipped */
		0, 7, 0, 1, 10,              /* preference 10 */
		0, 7, 0, 1, 20,              /* repeated: first wins */
		0, 13, 0, 2, 0, 5,           /* UseMulticast, no text */
	};
	struct dhcp6_msg m;

	assert_int_equal(dhcp6_parse(msg, sizeof(msg), &m, NULL), SN_OK);
	assert_int_equal(m.xid, 0xabcdef);
	assert_int_equal(m.preference, 10);
	assert_int_equal(m.status.code, DHCP6_STATUS_USE_MULTICAST);
	assert_string_equal(m.status.msg, "");
	assert_int_equal(m.client_id_len, 0);
}

static void test_names(void **state)
{
	assert_string_equal(dhcp6_msg_name(DHCP6_ADVERTISE), "ADVERTISE");
	assert_string_equal(dhcp6_msg_name(200), "unknown");
	assert_string_equal(dhcp6_status_name(DHCP6_STATUS_NOT_ON_LINK), "NotOnLink");
	assert_string_equal(dhcp6_status_name(99), "unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duid_uuid_network_order),
		cmocka_unit_test(test_duid_ll),
		cmocka_unit_test(test_build_solicit_options),
		cmocka_unit_test(test_build_solicit_matches_capture),
		cmocka_unit_test(test_build_rapid_commit),
		cmocka_unit_test(test_build_request_from_advertise),
		cmocka_unit_test(test_build_omits_empty_classes),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_parse_advertise),
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_parse_rapid_reply),
		cmocka_unit_test(test_parse_no_addrs_avail),
		cmocka_unit_test(test_parse_boot_params),
		cmocka_unit_test(test_parse_every_truncation),
		cmocka_unit_test(test_parse_short_and_header),
		cmocka_unit_test(test_parse_option_overrun),
		cmocka_unit_test(test_parse_nested_overrun_in_capture),
		cmocka_unit_test(test_parse_status_overrun_in_iaaddr),
		cmocka_unit_test(test_parse_bad_lengths),
		cmocka_unit_test(test_parse_domain_list),
		cmocka_unit_test(test_parse_domain_too_long),
		cmocka_unit_test(test_parse_url_limits),
		cmocka_unit_test(test_parse_params_malformed),
		cmocka_unit_test(test_parse_unknown_and_repeated),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
