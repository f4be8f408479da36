/* Backend URL rules (agent/http/api.c): the endpoint, and the trust rule
 * that a plain-http backend needs the baked allow_http = 1. */
#include "fixtures.h"

#include <string.h>

#include "core/config.h"
#include "http/api.h"

static void test_https_root_gets_the_api_path(void **state)
{
	char out[256];
	struct sn_err e;

	assert_int_equal(api_boot_url_trust("https://10.77.1.1:8443", 0, out, sizeof(out), &e), SN_OK);
	assert_string_equal(out, "https://10.77.1.1:8443/api/v1/boot");
	assert_int_equal(api_boot_url_trust("https://b/", 0, out, sizeof(out), &e), SN_OK);
	assert_string_equal(out, "https://b/api/v1/boot");
	assert_int_equal(api_boot_url_trust("https://b/rack7/boot", 0, out, sizeof(out), &e), SN_OK);
	assert_string_equal(out, "https://b/rack7/boot");
}

static void test_plain_http_refused_unless_allowed(void **state)
{
	char out[256];
	struct sn_err e;

	assert_int_equal(api_boot_url_trust("http://u:pw@10.77.1.1/boot?k=s3cret", 0, out, sizeof(out),
				      &e), SN_E_HTTP_PLAIN_BACKEND);
	assert_non_null(strstr(e.ctx, "http://10.77.1.1/boot?..."));
	assert_null(strstr(e.ctx, "s3cret"));
	assert_null(strstr(e.ctx, "pw"));
	assert_int_equal(api_boot_url_trust("http://10.77.1.1/", 1, out, sizeof(out), &e), SN_OK);
	assert_string_equal(out, "http://10.77.1.1/api/v1/boot");
}

static void test_bad_urls(void **state)
{
	char out[32];
	struct sn_err e;

	assert_int_equal(api_boot_url_trust("ftp://x/", 1, out, sizeof(out), &e), SN_E_NO_URL);
	assert_int_equal(api_boot_url_trust("tftp://x/?token=s3cret", 1, out, sizeof(out), &e),
			 SN_E_NO_URL);
	assert_null(strstr(e.ctx, "s3cret"));
	assert_int_equal(api_boot_url_trust("https://a-very-long-host-name.example/", 0, out,
				      sizeof(out), &e), SN_E_NO_URL);
	assert_int_equal(api_events_url("https://b/api/v1/boot", out, sizeof(out), &e), SN_OK);
	assert_string_equal(out, "https://b/api/v1/events");
	assert_int_equal(api_events_url("nonsense", out, sizeof(out), &e), SN_E_NO_URL);
}

static int warned[1000];

static void count_warning(void *arg, const struct sn_err *e)
{
	if (e->code > 0 && e->code < 1000)
		warned[e->code]++;
}

/* allow_http and http_artifacts come from the baked file only. */
static void test_trust_settings_are_baked_only(void **state)
{
	static const char baked[] = "allow_http = 1\nhttp_artifacts = any\n";
	struct config c;

	config_defaults(&c);
	assert_int_equal(c.allow_http, 0);
	assert_string_equal(c.http_artifacts, "pinned");
	memset(warned, 0, sizeof(warned));
	config_parse_cmdline(&c, "console=ttyS0 snboot.allow_http=1 snboot.http-artifacts=any "
			     "snboot.allow_http snboot.proxy=http://p:3128", count_warning, NULL);
	assert_int_equal(c.allow_http, 0);
	assert_string_equal(c.http_artifacts, "pinned");
	assert_int_equal(warned[SN_E_CONFIG_BAKED_ONLY], 3);
	assert_string_equal(c.proxy, "http://p:3128");   /* not a trust setting */
	config_parse_file(&c, baked, sizeof(baked) - 1, count_warning, NULL);
	assert_int_equal(c.allow_http, 1);
	assert_string_equal(c.http_artifacts, "any");
	config_parse_file(&c, "http_artifacts = some\n", 21, count_warning, NULL);
	assert_int_equal(warned[SN_E_CONFIG_BAD_CHOICE], 1);
	assert_string_equal(c.http_artifacts, "any");
	assert_int_equal(config_baked_only("allow-http"), 1);
	assert_int_equal(config_baked_only("proxy"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_https_root_gets_the_api_path),
		cmocka_unit_test(test_plain_http_refused_unless_allowed),
		cmocka_unit_test(test_bad_urls),
		cmocka_unit_test(test_trust_settings_are_baked_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
