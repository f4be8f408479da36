/* Secrets out of logged command lines (agent/http/redact.c). */
#include "fixtures.h"

#include <string.h>

#include "http/redact.h"

static const char *redact(const char *in)
{
	static char out[1024];

	cmdline_redact(in, out, sizeof(out));
	return out;
}

static void test_secret_values_masked(void **state)
{
	assert_string_equal(redact("console=ttyS0 token=abc123 quiet"),
			    "console=ttyS0 token=*** quiet");
	assert_string_equal(redact("rd.luks.key=/k:UUID=1 api_key=Z ROOT_PASSWORD=x"),
			    "rd.luks.key=*** api_key=*** ROOT_PASSWORD=***");
	assert_string_equal(redact("ds.secret=\"a b c\" jointoken=t psk=p auth=u:p"),
			    "ds.secret=*** jointoken=*** psk=*** auth=***");
	assert_string_equal(redact("kubeadm.token=t password=p pw=q"),
			    "kubeadm.token=*** password=*** pw=***");
}

static void test_harmless_words_kept(void **state)
{
	const char *in = "console=ttyS0,115200n8 keymap=us iommu.passthrough=1 "
			 "ip=dhcp ro root=/dev/sda1 snboot.serial=DEMO-0001 -- init args";

	assert_string_equal(redact(in), in);
	assert_string_equal(redact(""), "");
	assert_string_equal(redact("   leading  and  double  blanks "),
			    "   leading  and  double  blanks ");
}

static void test_urls_cleaned(void **state)
{
	assert_string_equal(redact("ks=https://user:pw@ks.lan/a.cfg?sig=S3CRET quiet"),
			    "ks=https://ks.lan/a.cfg?... quiet");
	assert_string_equal(redact("url=\"http://a:b@h/x?t=1\""), "url=\"http://h/x?...\"");
	assert_string_equal(redact("ds=nocloud-net;s=http://10.0.0.1/"),
			    "ds=nocloud-net;s=http://10.0.0.1/");
}

static void test_names(void **state)
{
	assert_int_equal(redact_secret_name("token", 5), 1);
	assert_int_equal(redact_secret_name("a.b.key", 7), 1);
	assert_int_equal(redact_secret_name("keymap", 6), 0);
	assert_int_equal(redact_secret_name("monkey", 6), 0);
	assert_int_equal(redact_secret_name("rootpassword", 12), 1);
	assert_int_equal(redact_secret_name("tokenizer", 9), 0);
	assert_int_equal(redact_secret_name("", 0), 0);
}

static void test_cut_output(void **state)
{
	char out[16];

	cmdline_redact("console=ttyS0 token=abcdef more words here", out, sizeof(out));
	assert_int_equal(strlen(out), 15);
	assert_string_equal(out + 12, "...");
	assert_null(strstr(out, "abc"));
	cmdline_redact("token=abcdefgh", out, 8);
	assert_null(strstr(out, "abc"));
	cmdline_redact("x", out, 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_values_masked),
		cmocka_unit_test(test_harmless_words_kept),
		cmocka_unit_test(test_urls_cleaned),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_cut_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
