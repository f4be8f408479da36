/* RFC 5424 formatting of log lines for the remote syslog server. */
#include "fixtures.h"

#include <string.h>

#include "core/syslog.h"

static void formats_header_and_message(void **state)
{
	char buf[256];
	/* 2026-11-22T01:02:03.456Z */
	size_t n = syslog_format(buf, sizeof(buf), SYSLOG_SEV_INFO, 1795309323456LL,
				 "DEMO-0001", "dhcp", "done in 128 ms");

	assert_string_equal(buf, "<134>1 2026-11-22T01:02:03.456Z DEMO-0001 snboot - dhcp - "
				 "done in 128 ms");
	assert_int_equal(n, strlen(buf));
}

static void empty_host_is_nil_and_spaces_are_replaced(void **state)
{
	char buf[256];

	syslog_format(buf, sizeof(buf), SYSLOG_SEV_ERR, 0, "", "a b", "x");
	assert_string_equal(buf, "<131>1 1970-01-01T00:00:00.000Z - snboot - a_b - x");
}

static void truncates_and_terminates(void **state)
{
	char buf[24];
	size_t n = syslog_format(buf, sizeof(buf), SYSLOG_SEV_INFO, 0, "h", "s",
				 "a long message that does not fit");

	assert_int_equal(n, sizeof(buf) - 1);
	assert_int_equal(buf[n], '\0');
}

static void errors_have_error_severity(void **state)
{
	assert_int_equal(syslog_severity("E0705 connection refused"), SYSLOG_SEV_ERR);
	assert_int_equal(syslog_severity("Eth0 is up"), SYSLOG_SEV_INFO);
	assert_int_equal(syslog_severity("E070"), SYSLOG_SEV_INFO);
	assert_int_equal(syslog_severity(""), SYSLOG_SEV_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_header_and_message),
		cmocka_unit_test(empty_host_is_nil_and_spaces_are_replaced),
		cmocka_unit_test(truncates_and_terminates),
		cmocka_unit_test(errors_have_error_severity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
