/* snboot.ip= parser: the kernel's ip= syntax, static settings only. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <string.h>

#include "net/ipcfg.h"

static struct in_addr ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

#define assert_ip(addr, text) assert_int_equal((addr).s_addr, ip(text).s_addr)

static void full_form(void **state)
{
	struct ipcfg c;
	struct sn_err e;

	assert_int_equal(ipcfg_parse("10.77.1.50:10.77.1.1:10.77.1.254:255.255.255.0:"
				     "node-7:eth1:none:10.77.1.1:10.77.1.2:10.77.1.3", &c, &e), 0);
	assert_ip(c.client, "10.77.1.50");
	assert_ip(c.server, "10.77.1.1");
	assert_ip(c.gw, "10.77.1.254");
	assert_ip(c.mask, "255.255.255.0");
	assert_int_equal(c.mask_given, 1);
	assert_string_equal(c.hostname, "node-7");
	assert_string_equal(c.dev, "eth1");
	assert_int_equal(c.n_dns, 2);
	assert_ip(c.dns[0], "10.77.1.1");
	assert_ip(c.dns[1], "10.77.1.2");
	assert_ip(c.ntp, "10.77.1.3");
}

/* The form the issue names: client::gw:mask:host:dev:none:dns0. */
static void empty_fields(void **state)
{
	struct ipcfg c;
	struct sn_err e;

	assert_int_equal(ipcfg_parse("192.0.2.10::192.0.2.1:255.255.255.0:h::none:192.0.2.53",
				     &c, &e), 0);
	assert_int_equal(c.server.s_addr, 0);
	assert_string_equal(c.dev, "");
	assert_int_equal(c.n_dns, 1);
	assert_ip(c.dns[0], "192.0.2.53");
	/* Only the client: classful mask as the kernel does, no gateway. */
	assert_int_equal(ipcfg_parse("172.16.5.9", &c, &e), 0);
	assert_ip(c.mask, "255.255.0.0");
	assert_int_equal(c.mask_given, 0);
	assert_int_equal(c.gw.s_addr, 0);
	assert_int_equal(ipcfg_parse("10.1.2.3:::::::", &c, &e), 0);
	assert_ip(c.mask, "255.0.0.0");
	assert_int_equal(ipcfg_parse("192.0.2.10:::255.255.255.255::eth0:static", &c, &e), 0);
	assert_int_equal(ipcfg_parse("192.0.2.10::::::off", &c, &e), 0);
}

static void expect_error(const char *s, const char *want)
{
	struct ipcfg c;
	struct sn_err e;

	sn_clear(&e);
	assert_int_equal(ipcfg_parse(s, &c, &e), SN_E_NET_IPCFG);
	if (!strstr(e.ctx, want))
		fail_msg("snboot.ip=%s: got \"%s\", want \"%s\" in it", s, e.ctx, want);
}

static void errors_name_the_field(void **state)
{
	expect_error("", "empty");
	expect_error("::10.0.0.1:255.0.0.0", "field 1 (client-ip) \"\": required");
	expect_error("10.0.0.300", "field 1 (client-ip) \"10.0.0.300\": not an IPv4 address");
	expect_error("10.0.0.5:x", "field 2 (server-ip) \"x\"");
	expect_error("10.0.0.5::10.0.0.256", "field 3 (gw-ip)");
	expect_error("10.0.0.5:::255.0.255.0", "field 4 (netmask) \"255.0.255.0\": not a netmask");
	expect_error("10.0.0.5:::0.0.0.0", "field 4 (netmask) \"0.0.0.0\": not a netmask");
	expect_error("10.0.0.5::::a b", "field 5 (hostname) \"a b\": blank or control");
	expect_error("10.0.0.5:::::enp0s31f6abcdefgh", "field 6 (device) \"enp0s31f6abcdefgh\": longer than 15");
	expect_error("10.0.0.5::::::dhcp", "field 7 (autoconf) \"dhcp\": want none, off or static");
	expect_error("10.0.0.5:::::::8.8.8", "field 8 (dns0-ip)");
	expect_error("10.0.0.5::::::::1.1.1.1.1", "field 9 (dns1-ip)");
	expect_error("10.0.0.5:::::::::ntp", "field 10 (ntp0-ip)");
	expect_error("10.0.0.5::::::::::", "more than 10");
	expect_error("0.0.0.0", "not a host address");
	expect_error("255.255.255.255", "not a host address");
	expect_error("10.0.0.5::10.0.0.5", "the gateway is the client address");
	expect_error("10.0.0.5::::0123456789012345678901234567890123456789012345678901234567890123",
		     "longer than 63");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_form),
		cmocka_unit_test(empty_fields),
		cmocka_unit_test(errors_name_the_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
