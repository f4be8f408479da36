/* Text helpers of the HTTP client: hosts, URLs for logs, headers,
 * Content-Range, sha256 hex. */
#include "fixtures.h"

#include <string.h>

#include "http/urlutil.h"

static void test_host_ip_literals(void **state)
{
	static const uint8_t v4[] = { 10, 0, 2, 2 };
	static const uint8_t v6[] = { 0xfd, 0x77, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t ll[] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t ip[16];
	size_t n;

	assert_int_equal(url_host_ip("10.0.2.2", ip, &n), 1);
	assert_int_equal(n, 4);
	assert_memory_equal(ip, v4, 4);
	assert_int_equal(url_host_ip("[fd77:1::1]", ip, &n), 1);
	assert_int_equal(n, 16);
	assert_memory_equal(ip, v6, 16);
	assert_int_equal(url_host_ip("fd77:1::1", ip, &n), 1);
	assert_memory_equal(ip, v6, 16);
	/* a zone names the interface; the address is what the cert holds */
	assert_int_equal(url_host_ip("[fe80::1%eth0]", ip, &n), 1);
	assert_memory_equal(ip, ll, 16);
	assert_int_equal(url_host_ip("[fe80::1%25eth0]", ip, &n), 1);
	assert_memory_equal(ip, ll, 16);
}

static void test_host_names(void **state)
{
	static const char *const names[] = {
		"localhost", "backend.lan", "10.0.2", "10.0.2.2.", "010.0.2.2", "256.1.1.1",
		"[10.0.2.2]", "[]", "[", "]", "", "[::1", "::1]", "[fd77:1::1]x",
		"[0000000000000000000000000000000000000000000000000000000000000000000::1]",
	};
	uint8_t ip[16];
	size_t n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = 99;
		assert_int_equal(url_host_ip(names[i], ip, &n), 0);
		assert_int_equal(n, 0);
	}
}

static void check_log_url(const char *url, size_t len, const char *want)
{
	char buf[256];

	memset(buf, 'Z', sizeof(buf));
	url_for_log(url, buf, len);
	assert_string_equal(buf, want);
	assert_true(strlen(buf) < len);
}

static void test_url_for_log(void **state)
{
	check_log_url("https://10.0.2.2/boot", 100, "https://10.0.2.2/boot");
	check_log_url("https://user:pw@host:8443/a/b?token=s3cret#x", 100,
		      "https://host:8443/a/b?...");
	check_log_url("http://host?x=1", 100, "http://host?...");
	check_log_url("https://a@b@host/p", 100, "https://host/p");
	/* an '@' in the path is not user info */
	check_log_url("https://host/p@q", 100, "https://host/p@q");
	check_log_url("no-scheme/p?q", 100, "no-scheme/p?...");
	check_log_url("", 100, "");
	/* long: the start and the file name survive */
	check_log_url("https://files.example/very/long/path/to/the/kernel/vmlinuz-6.1", 31,
		      "https://f...kernel/vmlinuz-6.1");
	check_log_url("https://host/abc", 5, "http");
	check_log_url("https://host/abc", 1, "");
}

static void test_text_for_log(void **state)
{
	char buf[32];

	text_for_log("serial\r\nunknown\t!", 17, buf, sizeof(buf));
	assert_string_equal(buf, "serial unknown !");
	text_for_log("  \n<html>", 9, buf, sizeof(buf));
	assert_string_equal(buf, "<html>");
	text_for_log("a\x01\xffz", 4, buf, sizeof(buf));
	assert_string_equal(buf, "a??z");
	text_for_log("0123456789abcdefghij", 20, buf, 16);
	assert_string_equal(buf, "0123456789ab...");
	text_for_log(NULL, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void test_header_value(void **state)
{
	static const char line[] = "content-range:  bytes 0-1/2 \r\n";
	const char *v;
	size_t n;

	assert_int_equal(http_header_value(line, strlen(line), "Content-Range", &v, &n), 1);
	assert_int_equal(n, strlen("bytes 0-1/2"));
	assert_memory_equal(v, "bytes 0-1/2", n);
	assert_int_equal(http_header_value("ETag: \"v1\"", 10, "ETag", &v, &n), 1);
	assert_memory_equal(v, "\"v1\"", n);
	assert_int_equal(http_header_value("ETag:\r\n", 7, "ETag", &v, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(http_header_value("ETag : x", 8, "ETag", &v, &n), 0);
	assert_int_equal(http_header_value("ETags: x", 8, "ETag", &v, &n), 0);
	assert_int_equal(http_header_value("ETag", 4, "ETag", &v, &n), 0);
	assert_int_equal(http_header_value("HTTP/1.1 206 Partial\r\n", 22, "ETag", &v, &n), 0);
}

static void test_content_range_forms(void **state)
{
	struct content_range cr;
	struct sn_err e;

#define CR(s) content_range_parse(s, strlen(s), &cr, &e)
	assert_int_equal(CR("bytes 100-199/1000"), SN_OK);
	assert_int_equal(cr.first, 100);
	assert_int_equal(cr.last, 199);
	assert_int_equal(cr.complete, 1000);
	assert_int_equal(CR(" BYTES 0-0/1 "), SN_OK);
	assert_int_equal(cr.last, 0);
	assert_int_equal(cr.complete, 1);
	assert_int_equal(CR("bytes 5-9/*"), SN_OK);
	assert_true(cr.complete == CONTENT_RANGE_UNKNOWN);
	assert_int_equal(CR("bytes */1000"), SN_OK);
	assert_true(cr.first == CONTENT_RANGE_UNKNOWN);
	assert_int_equal(cr.complete, 1000);
	assert_int_equal(CR("bytes 4294967296-8589934591/17179869184"), SN_OK);
	assert_true(cr.last == 8589934591ull);
}

static void test_content_range_errors(void **state)
{
	static const char *const bad[] = {
		"", "bytes", "bytes ", "items 0-1/2", "bytes0-1/2", "bytes 0-1", "bytes 0-1/",
		"bytes -1/2", "bytes 1-/2", "bytes 5-4/10", "bytes 0-10/10", "bytes */*",
		"bytes 0-1/2x", "bytes 0-1/2 3", "bytes +1-2/3", "bytes 1 -2/3",
		"bytes 0-18446744073709551615/18446744073709551615",
		"bytes 0-99999999999999999999/1",
	};
	struct content_range cr;
	struct sn_err e;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sn_clear(&e);
		assert_int_equal(CR(bad[i]), SN_E_HTTP_RANGE);
		assert_non_null(strstr(e.ctx, "Content-Range"));
	}
#undef CR
}

static void test_sha256_hex(void **state)
{
	static const char hex[] =
		"4496819DA18B584D793EED77B4CD6DF72D738993294C0C812921465FC9E8A413";
	uint8_t b[32];
	char back[65];
	struct sn_err e;

	assert_int_equal(sha256_hex_parse(hex, b, &e), SN_OK);
	assert_int_equal(b[0], 0x44);
	assert_int_equal(b[31], 0x13);
	hex_format(b, sizeof(b), back);
	assert_int_equal(strlen(back), 64);
	for (size_t i = 0; i < 64; i++)
		assert_int_equal(back[i], hex[i] >= 'A' ? hex[i] - 'A' + 'a' : hex[i]);
	assert_int_equal(sha256_hex_parse("abc", b, &e), SN_E_HTTP_SHA256_ARG);
	assert_non_null(strstr(e.ctx, "3 characters"));
	char bad[65];
	memcpy(bad, hex, sizeof(bad));
	bad[63] = 'g';
	assert_int_equal(sha256_hex_parse(bad, b, &e), SN_E_HTTP_SHA256_ARG);
	assert_non_null(strstr(e.ctx, "offset 63"));
}

static void test_artifact_trust(void **state)
{
	struct sn_err e;

	sn_clear(&e);
	/* https: pinning optional */
	assert_int_equal(url_artifact_allowed("https://b/vmlinuz", 0, 0, &e), SN_OK);
	/* http: pinned, or the baked http_artifacts = any */
	assert_int_equal(url_artifact_allowed("http://m/vmlinuz", 1, 0, &e), SN_OK);
	assert_int_equal(url_artifact_allowed("http://m/vmlinuz", 0, 1, &e), SN_OK);
	assert_int_equal(url_artifact_allowed("HTTP://m/vmlinuz", 0, 0, &e), SN_E_HTTP_UNPINNED);
	assert_int_equal(url_artifact_allowed("http://u:pw@m/boot/initrd?sig=s3cret", 0, 0, &e),
			 SN_E_HTTP_UNPINNED);
	assert_non_null(strstr(e.ctx, "http://m/boot/initrd?..."));
	assert_null(strstr(e.ctx, "s3cret"));
	assert_null(strstr(e.ctx, "pw@"));
	assert_non_null(strstr(e.ctx, "--sha256="));
	assert_int_equal(url_is_plain_http("http://x"), 1);
	assert_int_equal(url_is_plain_http("https://x"), 0);
	assert_int_equal(url_is_plain_http("htt"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_ip_literals),
		cmocka_unit_test(test_host_names),
		cmocka_unit_test(test_url_for_log),
		cmocka_unit_test(test_text_for_log),
		cmocka_unit_test(test_header_value),
		cmocka_unit_test(test_content_range_forms),
		cmocka_unit_test(test_content_range_errors),
		cmocka_unit_test(test_sha256_hex),
		cmocka_unit_test(test_artifact_trust),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
