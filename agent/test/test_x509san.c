/* subjectAltName iPAddress lookup over raw DER. */
#include "fixtures.h"

#include <string.h>

#include "http/x509san.h"

/* The Extensions SEQUENCE of a real certificate (openssl req -x509 with
 * subjectAltName=critical,DNS:backend.lan,email:ops@example.com,
 * URI:https://backend.lan/,IP:10.0.2.2,IP:fd77:1::1), as mbedtls keeps it
 * in crt->v3_ext: subjectKeyIdentifier, authorityKeyIdentifier, the SAN
 * (critical, so with the BOOLEAN), basicConstraints. */
static const uint8_t exts[] = {
	0x30, 0x81, 0xa8, 0x30, 0x1d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x16,
	0x04, 0x14, 0x4b, 0x6f, 0x7d, 0x17, 0xdf, 0xcf, 0x08, 0xaf, 0xc2, 0x81,
	0x80, 0xe9, 0x51, 0xd5, 0x4c, 0x38, 0x0d, 0x5d, 0x53, 0x5d, 0x30, 0x1f,
	0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0x4b,
	0x6f, 0x7d, 0x17, 0xdf, 0xcf, 0x08, 0xaf, 0xc2, 0x81, 0x80, 0xe9, 0x51,
	0xd5, 0x4c, 0x38, 0x0d, 0x5d, 0x53, 0x5d, 0x30, 0x58, 0x06, 0x03, 0x55,
	0x1d, 0x11, 0x01, 0x01, 0xff, 0x04, 0x4e, 0x30, 0x4c, 0x82, 0x0b, 0x62,
	0x61, 0x63, 0x6b, 0x65, 0x6e, 0x64, 0x2e, 0x6c, 0x61, 0x6e, 0x81, 0x0f,
	0x6f, 0x70, 0x73, 0x40, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e,
	0x63, 0x6f, 0x6d, 0x86, 0x14, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f,
	0x2f, 0x62, 0x61, 0x63, 0x6b, 0x65, 0x6e, 0x64, 0x2e, 0x6c, 0x61, 0x6e,
	0x2f, 0x87, 0x04, 0x0a, 0x00, 0x02, 0x02, 0x87, 0x10, 0xfd, 0x77, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04,
	0x02, 0x30, 0x00,
};

static const uint8_t ip4[] = { 10, 0, 2, 2 };
static const uint8_t ip6[] = { 0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

static int find(const uint8_t *der, size_t len, const uint8_t *ip, size_t ip_len,
		int *found, struct sn_err *e)
{
	*found = -1;
	return x509_san_find_ip(der, len, ip, ip_len, found, e);
}

static void test_finds_both_families(void **state)
{
	struct sn_err e;
	int found;

	assert_int_equal(find(exts, sizeof(exts), ip4, 4, &found, &e), SN_OK);
	assert_int_equal(found, 1);
	assert_int_equal(find(exts, sizeof(exts), ip6, 16, &found, &e), SN_OK);
	assert_int_equal(found, 1);
}

static void test_other_addresses_do_not_match(void **state)
{
	static const uint8_t other4[] = { 10, 0, 2, 3 };
	static const uint8_t loop4[] = { 127, 0, 0, 1 };
	/* ::ffff:10.0.2.2 names the same host, but the certificate says v4 */
	static const uint8_t mapped[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 2, 2 };
	/* the DNS name's bytes, offered as an "address" of that length */
	static const uint8_t text[] = "backend.lan";
	struct sn_err e;
	int found;

	assert_int_equal(find(exts, sizeof(exts), other4, 4, &found, &e), SN_OK);
	assert_int_equal(found, 0);
	assert_int_equal(find(exts, sizeof(exts), loop4, 4, &found, &e), SN_OK);
	assert_int_equal(found, 0);
	assert_int_equal(find(exts, sizeof(exts), mapped, 16, &found, &e), SN_OK);
	assert_int_equal(found, 0);
	assert_int_equal(find(exts, sizeof(exts), text, 11, &found, &e), SN_OK);
	assert_int_equal(found, 0);
	assert_int_equal(find(exts, sizeof(exts), ip4, 3, &found, &e), SN_OK);
	assert_int_equal(found, 0);
}

static void test_no_extensions(void **state)
{
	/* a v1 certificate has none; an empty Extensions SEQUENCE neither */
	static const uint8_t empty_seq[] = { 0x30, 0x00 };
	struct sn_err e;
	int found;

	assert_int_equal(find(NULL, 0, ip4, 4, &found, &e), SN_OK);
	assert_int_equal(found, 0);
	assert_int_equal(find(empty_seq, sizeof(empty_seq), ip4, 4, &found, &e), SN_OK);
	assert_int_equal(found, 0);
}

static void test_non_critical_san(void **state)
{
	/* SEQUENCE { SEQUENCE { OID 2.5.29.17, OCTET STRING { SEQUENCE {
	 * [7] 10.0.2.2 } } } } without the BOOLEAN */
	static const uint8_t der[] = {
		0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x08,
		0x30, 0x06, 0x87, 0x04, 0x0a, 0x00, 0x02, 0x02,
	};
	struct sn_err e;
	int found;

	assert_int_equal(find(der, sizeof(der), ip4, 4, &found, &e), SN_OK);
	assert_int_equal(found, 1);
}

static void test_ip_outside_san_is_ignored(void **state)
{
	/* the same [7] bytes inside another extension (OID 2.5.29.18,
	 * issuerAltName) must not count */
	static const uint8_t der[] = {
		0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x12, 0x04, 0x08,
		0x30, 0x06, 0x87, 0x04, 0x0a, 0x00, 0x02, 0x02,
	};
	struct sn_err e;
	int found;

	assert_int_equal(find(der, sizeof(der), ip4, 4, &found, &e), SN_OK);
	assert_int_equal(found, 0);
}

static void test_every_truncation_is_an_error(void **state)
{
	struct sn_err e;
	int found;

	for (size_t len = 1; len < sizeof(exts); len++) {
		sn_clear(&e);
		assert_int_equal(find(exts, len, ip4, 4, &found, &e), SN_E_HTTP_SAN);
		assert_int_equal(found, 0);
		assert_int_not_equal(e.ctx[0], '\0');
	}
}

static void test_malformed_forms(void **state)
{
	static const uint8_t indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
	static const uint8_t long_len[] = { 0x30, 0x85, 0, 0, 0, 0, 1 };
	static const uint8_t high_tag[] = { 0x30, 0x03, 0x1f, 0x81, 0x00 };
	static const uint8_t junk_after[] = { 0x30, 0x00, 0x00 };
	static const uint8_t not_seq[] = { 0x31, 0x00 };
	static const uint8_t no_octets[] = {
		0x30, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x05, 0x00,
	};
	static const uint8_t names_not_seq[] = {
		0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x08,
		0x31, 0x06, 0x87, 0x04, 0x0a, 0x00, 0x02, 0x02,
	};
	static const uint8_t name_overruns[] = {
		0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x08,
		0x30, 0x06, 0x87, 0x05, 0x0a, 0x00, 0x02, 0x02,
	};
	const struct {
		const uint8_t *der;
		size_t len;
	} cases[] = {
		{ indefinite, sizeof(indefinite) }, { long_len, sizeof(long_len) },
		{ high_tag, sizeof(high_tag) }, { junk_after, sizeof(junk_after) },
		{ not_seq, sizeof(not_seq) }, { no_octets, sizeof(no_octets) },
		{ names_not_seq, sizeof(names_not_seq) }, { name_overruns, sizeof(name_overruns) },
	};
	struct sn_err e;
	int found;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sn_clear(&e);
		assert_int_equal(find(cases[i].der, cases[i].len, ip4, 4, &found, &e),
				 SN_E_HTTP_SAN);
		assert_int_equal(found, 0);
		assert_non_null(strstr(e.ctx, "offset"));
	}
}

static void test_every_byte_flip_is_safe(void **state)
{
	uint8_t copy[sizeof(exts)];
	struct sn_err e;
	int found, rc;

	for (size_t i = 0; i < sizeof(exts); i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(copy, exts, sizeof(exts));
			copy[i] ^= (uint8_t)(1u << bit);
			rc = find(copy, sizeof(copy), ip6, 16, &found, &e);
			assert_true(rc == SN_OK || rc == SN_E_HTTP_SAN);
			assert_true(found == 0 || (found == 1 && rc == SN_OK));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_both_families),
		cmocka_unit_test(test_other_addresses_do_not_match),
		cmocka_unit_test(test_no_extensions),
		cmocka_unit_test(test_non_critical_san),
		cmocka_unit_test(test_ip_outside_san_is_ignored),
		cmocka_unit_test(test_every_truncation_is_an_error),
		cmocka_unit_test(test_malformed_forms),
		cmocka_unit_test(test_every_byte_flip_is_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
