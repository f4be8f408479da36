/* DHCPv4 wire format: every option of our requests byte by byte; replies
 * captured from dnsmasq (see data/dhcp4/README.md), overload, split
 * options, and malformed variants of them. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/dhcp4_ipudp.h"
#include "net/dhcp4_packet.h"

#define DATA "agent/test/data/dhcp4/"
#define FIX_XID 0x5a5a4567u
static const uint8_t fix_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t uuid[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
				  0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };

static size_t load(const char *name, uint8_t *buf, size_t cap)
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
	return n;
}

static struct in_addr ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

#define assert_ip(addr, text) assert_int_equal((addr).s_addr, ip(text).s_addr)

/* The value of option code in a request we built; NULL if absent. Also
 * checks that the options are well formed and END-terminated. */
static const uint8_t *opt(const uint8_t *p, size_t len, uint8_t code, size_t *olen)
{
	const uint8_t *found = NULL;
	size_t i = DHCP4_HEADER_LEN;

	while (i < len && p[i] != DHCP4_OPT_END) {
		if (p[i] == DHCP4_OPT_PAD) {
			i++;
			continue;
		}
		assert_true(i + 2 <= len && i + 2 + p[i + 1] <= len);
		if (p[i] == code) {
			assert_null(found);  /* we never send an option twice */
			found = p + i + 2;
			*olen = p[i + 1];
		}
		i += 2 + p[i + 1];
	}
	assert_true(i < len);  /* END present */
	return found;
}

static void assert_opt(const uint8_t *p, size_t len, uint8_t code,
		       const void *want, size_t want_len)
{
	size_t olen = 0;
	const uint8_t *v = opt(p, len, code, &olen);

	if (!v)
		fail_msg("option %u missing", code);
	assert_int_equal(olen, want_len);
	assert_memory_equal(v, want, want_len);
}

static void assert_no_opt(const uint8_t *p, size_t len, uint8_t code)
{
	size_t olen;
	if (opt(p, len, code, &olen))
		fail_msg("option %u present", code);
}

static struct dhcp4_request discover(void)
{
	struct dhcp4_request r = {
		.type = DHCP4_DISCOVER,
		.xid = 0xdeadbeef,
		.secs = 3,
		.rapid_commit = 1,
		.serial = "CZJ1234567",
		.vendor_class = "HTTPClient:Arch:00016:UNDI:003000",
		.user_class = "snboot",
		.arch = 0x0010,
		.uuid = uuid,
	};
	memcpy(r.mac, fix_mac, 6);
	return r;
}

/* ---- building */

static void build_discover_header(void **state)
{
	struct dhcp4_request r = discover();
	uint8_t b[DHCP4_MAX_MSG];
	size_t len;
	struct sn_err e;

	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), 0);
	assert_true(len > DHCP4_MIN_LEN);      /* no padding needed ... */
	assert_int_equal(b[len - 1], DHCP4_OPT_END);  /* ... END is last */
	assert_int_equal(b[0], 1);             /* BOOTREQUEST */
	assert_int_equal(b[1], 1);             /* Ethernet */
	assert_int_equal(b[2], 6);
	assert_int_equal(b[3], 0);             /* hops */
	assert_memory_equal(b + 4, "\xde\xad\xbe\xef", 4);
	assert_memory_equal(b + 8, "\x00\x03", 2);   /* secs */
	assert_memory_equal(b + 10, "\x80\x00", 2);  /* broadcast flag */
	for (int i = 12; i < 28; i++)                /* ciaddr..giaddr */
		assert_int_equal(b[i], 0);
	assert_memory_equal(b + 28, fix_mac, 6);
	for (int i = 34; i < 236; i++)               /* chaddr pad, sname, file */
		assert_int_equal(b[i], 0);
	assert_memory_equal(b + 236, "\x63\x82\x53\x63", 4);
	assert_int_equal(b[240], DHCP4_OPT_MSG_TYPE);  /* 53 comes first */
}

static void build_discover_options(void **state)
{
	struct dhcp4_request r = discover();
	uint8_t b[DHCP4_MAX_MSG], want[32];
	static const uint8_t prl[] = { 1, 3, 6, 7, 12, 15, 26, 28, 42, 43, 60, 66, 67, 119, 121 };
	size_t len;
	struct sn_err e;

	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), 0);
	assert_opt(b, len, 53, "\x01", 1);
	want[0] = 0;
	memcpy(want + 1, "CZJ1234567", 10);
	assert_opt(b, len, 61, want, 11);
	assert_opt(b, len, 80, "", 0);
	assert_opt(b, len, 57, "\x05\xdc", 2);
	assert_opt(b, len, 55, prl, sizeof(prl));
	assert_opt(b, len, 60, "HTTPClient:Arch:00016:UNDI:003000", 33);
	assert_opt(b, len, 77, "\x06snboot", 7);
	assert_opt(b, len, 93, "\x00\x10", 2);
	assert_opt(b, len, 94, "\x01\x03\x00", 3);
	want[0] = 0;
	memcpy(want + 1, uuid, 16);
	assert_opt(b, len, 97, want, 17);
	assert_no_opt(b, len, 50);
	assert_no_opt(b, len, 54);
}

static void build_discover_minimal(void **state)
{
	struct dhcp4_request r = discover();
	uint8_t b[DHCP4_MAX_MSG], want[7] = { 1 };
	size_t len;
	struct sn_err e;

	r.serial = "";
	r.vendor_class = "";
	r.user_class = NULL;
	r.uuid = NULL;
	r.rapid_commit = 0;
	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), 0);
	assert_int_equal(len, DHCP4_MIN_LEN);  /* padded to the BOOTP minimum */
	assert_int_equal(b[len - 1], 0);
	memcpy(want + 1, fix_mac, 6);
	assert_opt(b, len, 61, want, 7);  /* type 1 + MAC without a serial */
	assert_no_opt(b, len, 60);
	assert_no_opt(b, len, 77);
	assert_no_opt(b, len, 80);
	assert_no_opt(b, len, 97);
	assert_opt(b, len, 93, "\x00\x10", 2);
}

static void build_request(void **state)
{
	struct dhcp4_request r = discover();
	uint8_t b[DHCP4_MAX_MSG];
	size_t len;
	struct sn_err e;

	r.type = DHCP4_REQUEST;
	r.requested = ip("10.77.0.63");
	r.server_id = ip("10.77.0.1");
	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), 0);
	assert_opt(b, len, 53, "\x03", 1);
	assert_opt(b, len, 50, "\x0a\x4d\x00\x3f", 4);
	assert_opt(b, len, 54, "\x0a\x4d\x00\x01", 4);
	assert_no_opt(b, len, 80);  /* rapid commit is for DISCOVER only */
	assert_opt(b, len, 97, "\x00\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f", 17);
}

static void build_errors(void **state)
{
	struct dhcp4_request r = discover();
	char serial[300];
	uint8_t b[DHCP4_MAX_MSG];
	size_t len;
	struct sn_err e;

	memset(serial, 'S', sizeof(serial) - 1);
	serial[sizeof(serial) - 1] = '\0';
	r.serial = serial;  /* option 61 would need 300 bytes */
	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), SN_E_DHCP4_BUILD);
	assert_non_null(strstr(e.ctx, "serial 299"));
	r = discover();
	assert_int_equal(dhcp4_build(&r, b, 250, &len, &e), SN_E_DHCP4_BUILD);
	r.type = DHCP4_ACK;
	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), SN_E_DHCP4_BUILD);
	/* The longest serial that fits: 254 characters. */
	memset(serial, 'S', 254);
	serial[254] = '\0';
	r = discover();
	r.serial = serial;
	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), 0);
}

/* ---- parsing captured dnsmasq replies */

static void parse_offer(void **state)
{
	uint8_t b[2048];
	size_t n = load("offer.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_OFFER);
	assert_int_equal(r.rapid_commit, 0);
	assert_ip(r.lease.addr4, "10.77.0.63");
	assert_ip(r.server_id, "10.77.0.1");
	assert_string_equal(r.lease.boot_url, "http://10.77.0.1:8080/boot.ipxe");
}

static void parse_ack(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;
	const struct lease *l = &r.lease;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_ACK);
	assert_int_equal(l->family, AF_INET);
	assert_ip(l->addr4, "10.77.0.63");
	assert_ip(l->mask4, "255.255.255.0");
	assert_ip(l->router4, "10.77.0.1");
	assert_ip(l->server4, "10.77.0.1");
	assert_int_equal(l->n_dns4, 2);
	assert_ip(l->dns4[0], "10.77.0.1");
	assert_ip(l->dns4[1], "10.77.0.2");
	assert_ip(l->ntp4, "10.77.0.1");
	assert_ip(l->log4, "10.77.0.1");
	assert_int_equal(l->mtu, 1400);
	assert_int_equal(l->lease_s, 3600);
	assert_string_equal(l->domain, "example.test");
	assert_string_equal(l->hostname, "node-01");
	/* dnsmasq ends option 67 with a NUL: dropped. */
	assert_string_equal(r.bootfile, "http://10.77.0.1:8080/boot.ipxe");
	assert_string_equal(l->boot_url, "http://10.77.0.1:8080/boot.ipxe");
	assert_string_equal(r.message, "");
}

static void parse_ack_rapid(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack_rapid.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_ACK);
	assert_int_equal(r.rapid_commit, 1);
	assert_string_equal(r.lease.boot_url, "https://boot.example.test/api/v1/boot");
}

static void parse_nak(void **state)
{
	uint8_t b[2048];
	size_t n = load("nak.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_NAK);
	assert_int_equal(r.lease.addr4.s_addr, 0);
	assert_ip(r.server_id, "10.77.0.1");
	assert_string_equal(r.message, "address not available");
}

/* dhcp-boot=pxelinux.0,bootsrv: legacy file and sname fields, no URL. */
static void parse_legacy_fields(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack_pxe_legacy.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_string_equal(r.bootfile, "pxelinux.0");
	assert_string_equal(r.tftp_server, "bootsrv");
	assert_string_equal(r.lease.boot_url, "");
	assert_ip(r.siaddr, "10.77.0.1");
}

static void parse_overload_file(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack_overload_file.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	/* What dnsmasq did: NTP (42) and the domain (15) went to `file`. */
	assert_int_equal(b[108], 42);
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_ip(r.lease.ntp4, "10.77.0.1");
	assert_string_equal(r.lease.domain, "example.test");
	assert_string_equal(r.lease.boot_url,
			    "http://10.77.0.1:8080/a/rather/long/path/to/the/boot/script/for/testing/overload/boot.ipxe");
	/* Without the overload option the file field is not read as options. */
	assert_string_equal(r.tftp_server, "");
}

static void parse_overload_empty(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack_overload_empty.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_ACK);
	assert_string_equal(r.bootfile, r.lease.boot_url);
	assert_string_equal(r.tftp_server, "");  /* sname carries options (none) */
}

static void parse_not_ours(void **state)
{
	uint8_t b[2048], other[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	size_t n = load("ack.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID + 1, fix_mac, &r, &e),
			 SN_E_DHCP4_NOT_OURS);
	assert_non_null(strstr(e.ctx, "0x5a5a4567"));
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, other, &r, &e),
			 SN_E_DHCP4_NOT_OURS);
	assert_non_null(strstr(e.ctx, "02:00:00:00:00:01"));
}

static void parse_bad_header(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	b[0] = 1;  /* a BOOTREQUEST, e.g. another client's DISCOVER */
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_HEADER);
	b[0] = 2;
	b[2] = 8;
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_HEADER);
	b[2] = 6;
	b[239] = 0x64;
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_COOKIE);
	assert_non_null(strstr(e.ctx, "99.130.83.100"));
}

/* Every cut of a real ACK: too short, or an option overrunning its field,
 * or (cut right after an option) a valid shorter reply. Never a crash. */
static void parse_truncated(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;
	int ok = 0, cut = 0;

	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = malloc(len ? len : 1);  /* exact size: ASan sees overreads */
		memcpy(copy, b, len);
		int rc = dhcp4_parse(copy, len, FIX_XID, fix_mac, &r, &e);
		free(copy);
		if (len < DHCP4_HEADER_LEN) {
			assert_int_equal(rc, SN_E_DHCP4_SHORT);
			continue;
		}
		if (rc == SN_E_DHCP4_OPT_TRUNCATED) {
			assert_non_null(strstr(e.ctx, "offset"));
			cut++;
		} else if (rc == 0 || rc == SN_E_DHCP4_NO_TYPE) {
			ok++;
		} else {
			fail_msg("len %zu: unexpected %s (%s)", len, sn_codename(rc), e.ctx);
		}
	}
	assert_true(cut > 50);
	assert_true(ok > 5);
}

/* A reply built from the ACK's header and the given options. */
static size_t with_options(uint8_t *b, const uint8_t *opts, size_t olen)
{
	load("ack.bin", b, DHCP4_HEADER_LEN);
	memcpy(b + DHCP4_HEADER_LEN, opts, olen);
	return DHCP4_HEADER_LEN + olen;
}

static int parse_opts(const uint8_t *opts, size_t olen, struct dhcp4_reply *r,
		      struct sn_err *e)
{
	uint8_t b[4096];
	size_t n = with_options(b, opts, olen);
	return dhcp4_parse(b, n, FIX_XID, fix_mac, r, e);
}

#define PARSE(r, e, ...) ({ static const uint8_t o_[] = { __VA_ARGS__ }; \
	parse_opts(o_, sizeof(o_), r, e); })

static void parse_bad_lengths(void **state)
{
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 1, 3, 255, 255, 0, 255),
			 SN_E_DHCP4_OPT_LENGTH);
	assert_string_equal(e.ctx, "option 1 at offset 243: length 3, want 4");
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 6, 6, 1, 2, 3, 4, 5, 6, 255),
			 SN_E_DHCP4_OPT_LENGTH);
	assert_non_null(strstr(e.ctx, "option 6"));
	assert_int_equal(PARSE(&r, &e, 53, 2, 5, 5, 255), SN_E_DHCP4_OPT_LENGTH);
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 51, 2, 1, 1, 255), SN_E_DHCP4_OPT_LENGTH);
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 26, 1, 9, 255), SN_E_DHCP4_OPT_LENGTH);
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 26, 2, 0, 50, 255), SN_E_DHCP4_OPT_VALUE);
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 80, 1, 0, 255), SN_E_DHCP4_OPT_LENGTH);
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 3, 0, 255), SN_E_DHCP4_OPT_LENGTH);
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 12, 0, 255), SN_E_DHCP4_OPT_LENGTH);
	/* Only the options field: no type at all. */
	assert_int_equal(PARSE(&r, &e, 1, 4, 255, 255, 255, 0, 255), SN_E_DHCP4_NO_TYPE);
}

/* A length byte pointing past the end, and a missing length byte. */
static void parse_huge_lengths(void **state)
{
	struct dhcp4_reply r;
	struct sn_err e;
	uint8_t opts[600];

	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 67, 255, 'h', 't'),
			 SN_E_DHCP4_OPT_TRUNCATED);
	assert_string_equal(e.ctx,
			    "option 67 at offset 243: length 255 overruns the options field by 253 bytes");
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 67), SN_E_DHCP4_OPT_TRUNCATED);
	assert_non_null(strstr(e.ctx, "no length byte"));
	/* A 255-byte hostname is legal DHCP but more than we keep. */
	memset(opts, 'a', sizeof(opts));
	memcpy(opts, "\x35\x01\x05\x0c\xff", 5);
	opts[5 + 255] = 255;
	assert_int_equal(parse_opts(opts, 5 + 255 + 1, &r, &e), SN_E_DHCP4_OPT_TOO_LONG);
	assert_string_equal(e.ctx, "option 12 at offset 243: 255 characters, at most 63");
}

/* RFC 3396: instances of one code are concatenated, across fields too. */
static void parse_split_options(void **state)
{
	uint8_t b[4096];
	struct dhcp4_reply r;
	struct sn_err e;
	static const uint8_t opts[] = {
		53, 1, 5, 67, 7, 'h', 't', 't', 'p', ':', '/', '/',
		52, 1, 1,      /* more options in `file` */
		67, 5, 's', 'r', 'v', '/', 'a', 255,
	};
	size_t n = with_options(b, opts, sizeof(opts));

	memset(b + 108, 0, 128);
	memcpy(b + 108, "\x43\x07/b.ipxe\x0f\x04test\xff", 16);
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_string_equal(r.lease.boot_url, "http://srv/a/b.ipxe");
	assert_string_equal(r.lease.domain, "test");
}

/* Ten 255-byte pieces of option 67: longer than any URL we keep. */
static void parse_split_too_long(void **state)
{
	uint8_t opts[4000], b[4400];
	struct dhcp4_reply r;
	struct sn_err e;
	size_t n = 0;

	opts[n++] = 53, opts[n++] = 1, opts[n++] = 5;
	for (int i = 0; i < 10; i++) {
		opts[n++] = 67;
		opts[n++] = 255;
		memset(opts + n, 'u', 255);
		n += 255;
	}
	opts[n++] = 255;
	n = with_options(b, opts, n);
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_OPT_TOO_LONG);
	assert_non_null(strstr(e.ctx, "option 67 at offset 243"));
}

static void parse_bootfile_rules(void **state)
{
	uint8_t b[4096];
	struct dhcp4_reply r;
	struct sn_err e;
	static const uint8_t only_type[] = { 53, 1, 5, 255 };
	static const uint8_t with67[] = { 53, 1, 5, 67, 11, 'h', 't', 't', 'p', ':',
					  '/', '/', 'o', 'p', 't', '/', 255 };
	size_t n;

	/* `file` with a URL counts (any case of the scheme) ... */
	n = with_options(b, only_type, sizeof(only_type));
	memset(b + 108, 0, 128);
	memcpy(b + 108, "HTTPS://file/boot", 17);
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_string_equal(r.lease.boot_url, "HTTPS://file/boot");
	/* ... option 67 wins over it ... */
	n = with_options(b, with67, sizeof(with67));
	memset(b + 108, 0, 128);
	memcpy(b + 108, "http://file/boot", 16);
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_string_equal(r.lease.boot_url, "http://opt/");
	/* ... a TFTP file name or another scheme is no boot URL. */
	n = with_options(b, only_type, sizeof(only_type));
	memset(b + 108, 0, 128);
	memcpy(b + 108, "tftp://srv/x", 12);
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_string_equal(r.bootfile, "tftp://srv/x");
	assert_string_equal(r.lease.boot_url, "");
	/* A file field of 128 characters without a NUL is still read whole. */
	memset(b + 108, 'x', 128);
	memcpy(b + 108, "http://", 7);
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(strlen(r.lease.boot_url), 128);
}

static void parse_bad_text_and_overload(void **state)
{
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 15, 5, 'a', '\n', 'b', 'c', 'd', 255),
			 SN_E_DHCP4_OPT_VALUE);
	assert_string_equal(e.ctx, "option 15 at offset 243: control character 0x0a at byte 1");
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 52, 1, 4, 255), SN_E_DHCP4_OVERLOAD);
	assert_int_equal(PARSE(&r, &e, 53, 1, 5, 52, 2, 1, 1, 255), SN_E_DHCP4_OPT_LENGTH);
	/* An unprintable NAK message is made printable, not refused. */
	assert_int_equal(PARSE(&r, &e, 53, 1, 6, 56, 3, 'n', 1, 'o', 255), 0);
	assert_string_equal(r.message, "n?o");
}

/* The file field overloaded but holding a broken option. */
static void parse_overload_truncated(void **state)
{
	uint8_t b[4096];
	struct dhcp4_reply r;
	struct sn_err e;
	static const uint8_t opts[] = { 53, 1, 5, 52, 1, 3, 255 };
	size_t n = with_options(b, opts, sizeof(opts));

	memset(b + 108, 0, 128);
	b[108 + 125] = 6;    /* DNS with 200 bytes at the end of `file` */
	b[108 + 126] = 200;
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_OPT_TRUNCATED);
	assert_string_equal(e.ctx,
			    "option 6 at offset 233: length 200 overruns the file field by 199 bytes");
	memset(b + 108, 0, 128);
	memset(b + 44, 0, 64);
	b[44 + 63] = 12;     /* no length byte at the end of `sname` */
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_OPT_TRUNCATED);
	assert_non_null(strstr(e.ctx, "sname field"));
}

/* ---- IP/UDP envelope */

static void ipudp_round_trip(void **state)
{
	uint8_t pkt[DHCP4_IPUDP_LEN + 400];
	const uint8_t *payload;
	size_t plen, n;
	struct sn_err e;

	for (size_t i = 0; i < 301; i++)
		pkt[DHCP4_IPUDP_LEN + i] = (uint8_t)(i * 7);
	n = dhcp4_ipudp_wrap(pkt, 301, ip("0.0.0.0"), 68, ip("255.255.255.255"), 67);
	assert_int_equal(n, 329);
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(pkt[9], 17);
	assert_memory_equal(pkt + 16, "\xff\xff\xff\xff", 4);
	assert_memory_equal(pkt + 20, "\x00\x44\x00\x43", 4);  /* 68 -> 67 */
	assert_int_equal(dhcp4_ipudp_unwrap(pkt, n, 67, 1, &payload, &plen, &e), 0);
	assert_int_equal(plen, 301);
	assert_ptr_equal(payload, pkt + DHCP4_IPUDP_LEN);
	/* Trailing Ethernet padding is not payload. */
	assert_int_equal(dhcp4_ipudp_unwrap(pkt, n + 20, 67, 1, &payload, &plen, &e), 0);
	assert_int_equal(plen, 301);
	assert_int_equal(dhcp4_ipudp_unwrap(pkt, n, 68, 1, &payload, &plen, &e), SN_E_DHCP4_IPUDP);
}

static void ipudp_errors(void **state)
{
	uint8_t pkt[DHCP4_IPUDP_LEN + 100], bad[sizeof(pkt)];
	const uint8_t *payload;
	size_t plen, n;
	struct sn_err e;

	memset(pkt, 0xa5, sizeof(pkt));
	n = dhcp4_ipudp_wrap(pkt, 100, ip("10.0.0.1"), 67, ip("255.255.255.255"), 68);
	memcpy(bad, pkt, n);
	bad[DHCP4_IPUDP_LEN + 5] ^= 1;  /* payload bit flip */
	assert_int_equal(dhcp4_ipudp_unwrap(bad, n, 68, 1, &payload, &plen, &e), SN_E_DHCP4_CHECKSUM);
	assert_string_equal(e.ctx, "UDP checksum");
	/* Offloaded checksums are not checked. */
	assert_int_equal(dhcp4_ipudp_unwrap(bad, n, 68, 0, &payload, &plen, &e), 0);
	memcpy(bad, pkt, n);
	bad[8] = 1;  /* TTL changed, IP checksum not */
	assert_int_equal(dhcp4_ipudp_unwrap(bad, n, 68, 1, &payload, &plen, &e), SN_E_DHCP4_CHECKSUM);
	assert_int_equal(dhcp4_ipudp_unwrap(pkt, n - 1, 68, 1, &payload, &plen, &e), SN_E_DHCP4_IPUDP);
	assert_int_equal(dhcp4_ipudp_unwrap(pkt, 19, 68, 1, &payload, &plen, &e), SN_E_DHCP4_IPUDP);
	memcpy(bad, pkt, n);
	bad[6] = 0x20;  /* more fragments */
	assert_int_equal(dhcp4_ipudp_unwrap(bad, n, 68, 1, &payload, &plen, &e), SN_E_DHCP4_IPUDP);
	assert_string_equal(e.ctx, "IP fragment");
	memcpy(bad, pkt, n);
	bad[24] = 0, bad[25] = 200;  /* UDP length beyond the IP packet */
	assert_int_equal(dhcp4_ipudp_unwrap(bad, n, 68, 0, &payload, &plen, &e), SN_E_DHCP4_IPUDP);
	/* A zero UDP checksum means "none". */
	memcpy(bad, pkt, n);
	bad[26] = bad[27] = 0;
	assert_int_equal(dhcp4_ipudp_unwrap(bad, n, 68, 1, &payload, &plen, &e), 0);
}

/* dnsmasq in proxy mode: an OFFER without address, the URL in the file
 * field, option 60 echoing "HTTPClient". */
static void parse_proxy_offer(void **state)
{
	uint8_t b[2048];
	size_t n = load("offer_proxy.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_OFFER);
	assert_int_equal(r.lease.addr4.s_addr, 0);
	assert_ip(r.server_id, "10.77.0.1");
	assert_ip(r.siaddr, "10.77.0.1");
	assert_string_equal(r.vendor_class, "HTTPClient");
	assert_string_equal(r.lease.boot_url, "https://10.77.0.1:8443/api/v1/boot");
	assert_int_equal(r.lease.n_routes4, 0);
}

/* The PXE boot server REQUEST (port 4011): ciaddr, no broadcast flag, no
 * option 50, option 54 the proxy, option 43 with the boot item. */
static void build_pxe_request(void **state)
{
	struct dhcp4_request r = discover();
	uint8_t b[DHCP4_MAX_MSG];
	size_t len;
	struct sn_err e;

	r.type = DHCP4_REQUEST;
	r.ciaddr = ip("10.77.0.63");
	r.server_id = ip("10.77.0.1");
	r.pxe_item = 1;
	r.pxe_type = 0x8000;
	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), 0);
	assert_memory_equal(b + 12, "\x0a\x4d\x00\x3f", 4);   /* ciaddr */
	assert_int_equal(b[10], 0);                           /* no broadcast flag */
	assert_opt(b, len, 53, "\x03", 1);
	assert_no_opt(b, len, 50);
	assert_opt(b, len, 54, "\x0a\x4d\x00\x01", 4);
	assert_opt(b, len, 43, "\x47\x04\x80\x00\x00\x00\xff", 7);
	assert_opt(b, len, 60, "HTTPClient:Arch:00016:UNDI:003000", 33);
	assert_opt(b, len, 93, "\x00\x10", 2);
	assert_opt(b, len, 94, "\x01\x03\x00", 3);
	r.pxe_item = 0;  /* no menu was offered: no option 43 */
	assert_int_equal(dhcp4_build(&r, b, sizeof(b), &len, &e), 0);
	assert_no_opt(b, len, 43);
}

/* dnsmasq in proxy mode, one pxe-service for arch 16: the OFFER on port
 * 67 says HTTPClient and gives no file (it is for port 4011). */
static void parse_proxy_offer_4011(void **state)
{
	uint8_t b[2048];
	size_t n = load("offer_proxy4011.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_OFFER);
	assert_int_equal(r.lease.addr4.s_addr, 0);
	assert_ip(r.server_id, "10.77.0.1");
	assert_string_equal(r.vendor_class, "HTTPClient");
	assert_string_equal(r.bootfile, "");
	assert_string_equal(r.lease.boot_url, "");
	assert_int_equal(r.pxe.found, 0);
	assert_int_equal(r.pxe.discovery, -1);
	assert_true(dhcp4_is_pxe_vendor(r.vendor_class));
}

/* Its ACK from port 4011: the URL in the file field; with the boot item
 * asked for, option 43 echoes it. */
static void parse_pxe_ack(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack_pxe4011.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_ACK);
	assert_ip(r.server_id, "10.77.0.1");
	assert_string_equal(r.lease.boot_url, "https://10.77.0.1:8443/api/v1/boot");
	assert_string_equal(r.tftp_server, "10.77.0.1");
	assert_int_equal(r.pxe.found, 0);
	n = load("ack_pxe4011_item.bin", b, sizeof(b));
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_ACK);
	assert_ip(r.lease.addr4, "10.77.0.63");
	assert_string_equal(r.lease.boot_url, "https://10.77.0.1:8443/api/v1/boot");
	assert_int_equal(r.pxe.found, 1);
	assert_int_equal(r.pxe.has_item, 1);
	assert_int_equal(r.pxe.item_type, 0x8000);
	assert_int_equal(r.pxe.item_layer, 0);
	/* The same option 43 under another vendor class is not read. */
	memcpy(b + 240 + 11, "MSFT 5.0!!", 10);  /* option 60 value */
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.pxe.found, 0);
}

/* A PXE 2.1 menu as BIOS PXE servers send it (table 2-1): discovery
 * control, boot servers, a menu whose first item is local boot, a prompt. */
static void pxe_suboptions(void **state)
{
	static const uint8_t v[] = {
		6, 1, 0x03,
		8, 7, 0x80, 0x00, 1, 10, 77, 0, 1,
		9, 20, 0x00, 0x00, 5, 'L', 'o', 'c', 'a', 'l',
		       0x80, 0x00, 9, 'H', 'T', 'T', 'P', ' ', 'b', 'o', 'o', 't',
		10, 4, 255, 'P', 'X', 'E',
		0, 0,
		200, 2, 1, 2,   /* unknown: skipped */
		255, 9, 9,      /* after END: ignored */
	};
	struct dhcp4_pxe x;
	struct sn_err e;

	assert_int_equal(dhcp4_parse_pxe(v, sizeof(v), &x, &e), 0);
	assert_int_equal(x.found, 1);
	assert_int_equal(x.discovery, 3);
	assert_int_equal(x.n_menu, 2);
	assert_int_equal(x.menu_type, 0x8000);
	assert_string_equal(x.menu_desc, "HTTP boot");
	assert_int_equal(x.has_item, 0);
	assert_int_equal(dhcp4_parse_pxe(v, 0, &x, &e), 0);
	assert_int_equal(x.discovery, -1);
	assert_int_equal(x.menu_type, 0);
}

static void pxe_suboptions_malformed(void **state)
{
	static const uint8_t overrun[] = { 6, 1, 3, 9, 8, 0x80, 0x00 };
	static const uint8_t no_len[] = { 6, 1, 3, 71 };
	static const uint8_t dc_len[] = { 6, 2, 3, 0 };
	static const uint8_t item_len[] = { 71, 3, 0x80, 0, 0 };
	static const uint8_t menu_entry[] = { 9, 6, 0x80, 0x00, 2, 'a', 'b', 0x80 };
	static const uint8_t menu_text[] = { 9, 5, 0x80, 0x00, 9, 'a', 'b' };
	struct dhcp4_pxe x;
	struct sn_err e;

	assert_int_equal(dhcp4_parse_pxe(overrun, sizeof(overrun), &x, &e), SN_E_DHCP4_PXE);
	assert_string_equal(e.ctx, "option 43: suboption 9 at byte 3 runs past the option (7 bytes)");
	assert_int_equal(dhcp4_parse_pxe(no_len, sizeof(no_len), &x, &e), SN_E_DHCP4_PXE);
	assert_string_equal(e.ctx, "option 43: suboption 71 at byte 3 runs past the option (4 bytes)");
	assert_int_equal(dhcp4_parse_pxe(dc_len, sizeof(dc_len), &x, &e), SN_E_DHCP4_PXE);
	assert_string_equal(e.ctx, "option 43: suboption 6 at byte 0 has length 2, want 1");
	assert_int_equal(dhcp4_parse_pxe(item_len, sizeof(item_len), &x, &e), SN_E_DHCP4_PXE);
	assert_string_equal(e.ctx, "option 43: suboption 71 at byte 0 has length 3, want 4");
	assert_int_equal(dhcp4_parse_pxe(menu_entry, sizeof(menu_entry), &x, &e), SN_E_DHCP4_PXE);
	assert_string_equal(e.ctx, "option 43: boot menu entry at byte 7 runs past its suboption (1 bytes left)");
	assert_int_equal(dhcp4_parse_pxe(menu_text, sizeof(menu_text), &x, &e), SN_E_DHCP4_PXE);
	assert_string_equal(e.ctx, "option 43: boot menu entry at byte 2 runs past its suboption (5 bytes left)");
}

/* A malformed option 43 in a real reply: the reply is refused, naming
 * the option's offset. */
static void parse_pxe_malformed_in_reply(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack_pxe4011_item.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;
	size_t at;

	for (at = 240; at < n && b[at] != 43; at += 2u + b[at + 1])
		;
	assert_true(at < n);
	b[at + 3] = 3;  /* suboption 71 of length 3 */
	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_PXE);
	assert_non_null(strstr(e.ctx, "suboption 71 at byte 0 has length 3, want 4 (option at offset"));
}

static void arp_request_bytes(void **state)
{
	uint8_t b[DHCP4_ARP_LEN];
	static const uint8_t want[DHCP4_ARP_LEN] = {
		0, 1, 8, 0, 6, 4, 0, 1,
		0x02, 0, 0, 0, 0, 0x01, 10, 77, 0, 63,
		0, 0, 0, 0, 0, 0, 10, 77, 0, 1,
	};

	assert_int_equal(dhcp4_arp_request(b, fix_mac, ip("10.77.0.63"), ip("10.77.0.1")),
			 DHCP4_ARP_LEN);
	assert_memory_equal(b, want, sizeof(want));
}

/* Option 121 from dnsmasq: three routes, option 3 beside them. */
static void parse_classless_routes(void **state)
{
	uint8_t b[2048];
	size_t n = load("ack_routes.bin", b, sizeof(b));
	struct dhcp4_reply r;
	struct sn_err e;
	const struct lease_route4 *rt = r.lease.routes4;

	assert_int_equal(dhcp4_parse(b, n, FIX_XID, fix_mac, &r, &e), 0);
	assert_int_equal(r.type, DHCP4_ACK);
	assert_ip(r.lease.router4, "10.77.0.9");
	assert_int_equal(r.lease.n_routes4, 3);
	assert_int_equal(r.lease.n_routes4_dropped, 0);
	assert_ip(rt[0].dst, "192.168.50.0");
	assert_int_equal(rt[0].plen, 24);
	assert_ip(rt[0].gw, "10.77.0.254");
	assert_ip(rt[1].dst, "10.0.0.0");
	assert_int_equal(rt[1].plen, 8);
	assert_ip(rt[1].gw, "10.77.0.253");
	assert_ip(rt[2].dst, "0.0.0.0");
	assert_int_equal(rt[2].plen, 0);
	assert_ip(rt[2].gw, "10.77.0.1");
	assert_string_equal(r.lease.boot_url, "https://192.168.50.10/api/v1/boot");
}

/* RFC 3442 §3 descriptors by hand: widths 0, 1..8 (one octet), 25..32
 * (four), bits past the width cleared, more than max counted. */
static void routes_descriptors(void **state)
{
	static const uint8_t v[] = {
		32, 10, 1, 2, 3,  10, 77, 0, 1,    /* 10.1.2.3/32 */
		0,  10, 77, 0, 1,                  /* default */
		9,  172, 255,  0, 0, 0, 0,         /* 172.128.0.0/9 on the link */
		25, 192, 168, 1, 0xff,  1, 1, 1, 1,/* 192.168.1.128/25 */
	};
	struct lease_route4 out[3];
	struct sn_err e;
	int n, dropped;

	assert_int_equal(dhcp4_parse_routes(v, sizeof(v), out, 3, &n, &dropped, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(dropped, 1);
	assert_ip(out[0].dst, "10.1.2.3");
	assert_int_equal(out[0].plen, 32);
	assert_ip(out[1].dst, "0.0.0.0");
	assert_ip(out[1].gw, "10.77.0.1");
	assert_ip(out[2].dst, "172.128.0.0");
	assert_int_equal(out[2].gw.s_addr, 0);
	assert_int_equal(dhcp4_parse_routes(v, sizeof(v), out, 0, &n, &dropped, &e), 0);
	assert_int_equal(dropped, 4);
}

static void routes_malformed(void **state)
{
	static const uint8_t wide[] = { 33, 1, 2, 3, 4, 5, 1, 1, 1, 1 };
	static const uint8_t cut[] = { 0, 10, 77, 0, 1, 24, 192, 168, 1, 10, 77 };
	struct lease_route4 out[4];
	struct sn_err e;
	int n, dropped;
	uint8_t b[2048];
	size_t len = load("ack_routes.bin", b, sizeof(b));
	struct dhcp4_reply r;

	assert_int_equal(dhcp4_parse_routes(wide, sizeof(wide), out, 4, &n, &dropped, &e),
			 SN_E_DHCP4_ROUTES);
	assert_non_null(strstr(e.ctx, "byte 0: width 33"));
	assert_int_equal(dhcp4_parse_routes(cut, sizeof(cut), out, 4, &n, &dropped, &e),
			 SN_E_DHCP4_ROUTES);
	assert_non_null(strstr(e.ctx, "byte 5: /24 needs 8 bytes, 6 left"));
	/* In a packet: the 19-byte option, its last descriptor's width made 40. */
	for (size_t i = DHCP4_HEADER_LEN; i + 1 < len; i += 2u + b[i + 1]) {
		if (b[i] != 121)
			continue;
		assert_int_equal(b[i + 1], 19);
		b[i + 2 + 14] = 40;
		break;
	}
	assert_int_equal(dhcp4_parse(b, len, FIX_XID, fix_mac, &r, &e), SN_E_DHCP4_ROUTES);
	assert_non_null(strstr(e.ctx, "descriptor at byte 14: width 40"));
	assert_non_null(strstr(e.ctx, "option at offset"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_discover_header),
		cmocka_unit_test(build_discover_options),
		cmocka_unit_test(build_discover_minimal),
		cmocka_unit_test(build_request),
		cmocka_unit_test(build_errors),
		cmocka_unit_test(parse_offer),
		cmocka_unit_test(parse_proxy_offer),
		cmocka_unit_test(build_pxe_request),
		cmocka_unit_test(parse_proxy_offer_4011),
		cmocka_unit_test(parse_pxe_ack),
		cmocka_unit_test(pxe_suboptions),
		cmocka_unit_test(pxe_suboptions_malformed),
		cmocka_unit_test(parse_pxe_malformed_in_reply),
		cmocka_unit_test(arp_request_bytes),
		cmocka_unit_test(parse_classless_routes),
		cmocka_unit_test(routes_descriptors),
		cmocka_unit_test(routes_malformed),
		cmocka_unit_test(parse_ack),
		cmocka_unit_test(parse_ack_rapid),
		cmocka_unit_test(parse_nak),
		cmocka_unit_test(parse_legacy_fields),
		cmocka_unit_test(parse_overload_file),
		cmocka_unit_test(parse_overload_empty),
		cmocka_unit_test(parse_not_ours),
		cmocka_unit_test(parse_bad_header),
		cmocka_unit_test(parse_truncated),
		cmocka_unit_test(parse_bad_lengths),
		cmocka_unit_test(parse_huge_lengths),
		cmocka_unit_test(parse_split_options),
		cmocka_unit_test(parse_split_too_long),
		cmocka_unit_test(parse_bootfile_rules),
		cmocka_unit_test(parse_bad_text_and_overload),
		cmocka_unit_test(parse_overload_truncated),
		cmocka_unit_test(ipudp_round_trip),
		cmocka_unit_test(ipudp_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
