/* The dry run behind `snboot script --dry-run`: decisions, what boot
 * would load (URLs, cpio-wrapped initrds), the trust rule on every kernel,
 * initrd and chained script, and the JSON object. */
#include "fixtures.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "script/script_dryrun.h"

static int served(void *arg, const char *url, const char *sha256, char **buf, size_t *len,
		  struct sn_err *e)
{
	if (sha256 && strcmp(sha256, "0123456789abcdef0123456789abcdef0123456789abcdef"
				     "0123456789abcdef") != 0)
		return sn_fail(e, SN_E_IO, "sha256 mismatch for %s", url);
	const char *const *pairs = arg;

	for (int i = 0; pairs[i]; i += 2)
		if (!strcmp(pairs[i], url)) {
			*buf = strdup(pairs[i + 1]);
			*len = strlen(*buf);
			return SN_OK;
		}
	return sn_fail(e, SN_E_IO, "HTTP 404 for %s", url);
}

static int dry(struct dryrun *d, const char *text, int any_http, const char *const *pairs)
{
	struct script_settings *s = script_settings_new();
	int rc;

	memset(d, 0, sizeof(*d));
	d->any_http = any_http;
	d->fetch_script = served;
	d->fetch_arg = (void *)pairs;
	script_set(s, "mac", "52:54:00:12:34:56");
	rc = dryrun_run(d, text, strlen(text), "https://boot.example/v1/boot", s);
	script_settings_free(s);
	return rc;
}

static void test_decisions(void **state)
{
	static const char *const none[] = { NULL };
	struct dryrun d;

	assert_int_equal(dry(&d, "#!ipxe\nkernel https://b/vmlinuz ip=dhcp\n"
				 "initrd https://b/initrd.img\nboot\n", 0, none), SN_OK);
	assert_string_equal(d.decision, "boot");
	assert_string_equal(d.kernel, "https://b/vmlinuz");
	assert_int_equal(d.n_initrds, 1);
	assert_string_equal(d.initrds[0], "https://b/initrd.img");
	assert_string_equal(d.cmdline, "ip=dhcp");

	assert_int_equal(dry(&d, "#!ipxe\nsanboot --no-describe --drive 0x80\n", 0, none), SN_OK);
	assert_string_equal(d.decision, "local");
	assert_int_equal(dry(&d, "#!ipxe\nexit 1\n", 0, none), SN_OK);
	assert_string_equal(d.decision, "local");
	assert_int_equal(dry(&d, "#!ipxe\necho nothing to do\n", 0, none), SN_OK);
	assert_string_equal(d.decision, "local");
	assert_int_equal(dry(&d, "#!ipxe\nreboot\n", 0, none), SN_OK);
	assert_string_equal(d.decision, "reboot");
	assert_int_equal(dry(&d, "#!ipxe\npoweroff\n", 0, none), SN_OK);
	assert_string_equal(d.decision, "poweroff");
	assert_int_equal(dry(&d, "#!ipxe\nfrobnicate\n", 0, none), SN_E_SCRIPT_UNKNOWN_COMMAND);
	assert_string_equal(d.decision, "error");
	assert_non_null(strstr(d.error, "E0811"));
	assert_non_null(strstr(d.error, "line 2: frobnicate"));
	assert_int_equal(dry(&d, "not a script", 0, none), SN_E_SCRIPT_NO_HEADER);
	assert_string_equal(d.decision, "error");
	/* a failed boot line leaves no kernel behind */
	assert_int_equal(dry(&d, "#!ipxe\nkernel https://b/k\ninitrd https://b/missing/x "
				 "/x mode=9\nboot\n", 0, none), SN_E_SCRIPT_CPIO_MODE);
	assert_string_equal(d.kernel, "");
}

static void test_trust_rule(void **state)
{
	static const char *const pairs[] = {
		"http://plain/menu.ipxe", "#!ipxe\nkernel http://plain/k\nboot\n", NULL,
	};
	static const char pin[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char text[512];
	struct dryrun d;

	assert_int_equal(dry(&d, "#!ipxe\nkernel http://plain/vmlinuz\nboot\n", 0, pairs),
			 SN_E_HTTP_UNPINNED);
	assert_string_equal(d.decision, "error");
	assert_non_null(strstr(d.error, "E0728"));
	assert_non_null(strstr(d.error, "line 2: kernel"));
	snprintf(text, sizeof(text), "#!ipxe\nkernel --sha256 %s http://plain/vmlinuz\n"
		 "initrd http://plain/initrd || echo refused\nboot\n", pin);
	assert_int_equal(dry(&d, text, 0, pairs), SN_OK);
	assert_string_equal(d.decision, "boot");
	assert_string_equal(d.kernel, "http://plain/vmlinuz");
	assert_int_equal(d.n_initrds, 0);
	/* chained scripts over http: refused unless http_artifacts = any */
	assert_int_equal(dry(&d, "#!ipxe\nchain http://plain/menu.ipxe\n", 0, pairs),
			 SN_E_HTTP_UNPINNED);
	assert_int_equal(dry(&d, "#!ipxe\nchain http://plain/menu.ipxe\n", 1, pairs), SN_OK);
	assert_string_equal(d.decision, "boot");
	assert_string_equal(d.kernel, "http://plain/k");
	/* a pinned chained script is allowed, and the pin reaches the fetcher */
	snprintf(text, sizeof(text), "#!ipxe\nchain --sha256 %s http://plain/menu.ipxe\n", pin);
	assert_int_equal(dry(&d, text, 0, pairs), SN_E_HTTP_UNPINNED);   /* its kernel is not */
	assert_non_null(strstr(d.error, "menu.ipxe:2: kernel"));
	/* https is fine without a pin */
	assert_int_equal(dry(&d, "#!ipxe\nchain https://secure/x.ipxe || exit 1\n", 0, pairs),
			 SN_OK);
	assert_string_equal(d.decision, "local");
}

/* The trust rule per mirror, as http_fetch_mirrors applies it: an
 * unpinned http:// one is skipped, all skipped is the refusal. */
static void test_mirrors(void **state)
{
	static const char *const none[] = { NULL };
	struct dryrun d;
	cJSON *j, *m;
	char *text;

	assert_int_equal(dry(&d, "#!ipxe\nkernel --mirror=http://plain/k --mirror=https://m2/k "
				 "https://b/k\ninitrd --mirror=https://m2/i https://b/i\n"
				 "initrd https://b/j\nboot\n", 0, none), SN_OK);
	assert_string_equal(d.kernel, "https://b/k");
	assert_string_equal(d.mirrors[0], "https://m2/k");
	assert_string_equal(d.mirrors[1], "https://m2/i");
	assert_string_equal(d.mirrors[2], "");
	text = dryrun_json(&d);
	j = cJSON_Parse(text);
	assert_non_null(j);
	m = cJSON_GetObjectItem(j, "mirrors");
	assert_int_equal(cJSON_GetArraySize(m), 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "https://b/k")), 1);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "https://b/k"), 0)
			    ->valuestring, "https://m2/k");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(m, "https://b/i"), 0)
			    ->valuestring, "https://m2/i");
	cJSON_Delete(j);
	free(text);

	/* an unpinned http:// first URL is skipped: the https mirror serves */
	assert_int_equal(dry(&d, "#!ipxe\nkernel --mirror=https://m2/k http://plain/k\nboot\n",
			     0, none), SN_OK);
	assert_string_equal(d.kernel, "https://m2/k");
	assert_string_equal(d.mirrors[0], "");
	/* ... and allowed with http_artifacts = any */
	assert_int_equal(dry(&d, "#!ipxe\nkernel --mirror=https://m2/k http://plain/k\nboot\n",
			     1, none), SN_OK);
	assert_string_equal(d.kernel, "http://plain/k");
	assert_string_equal(d.mirrors[0], "https://m2/k");
	/* all unpinned http: refused */
	assert_int_equal(dry(&d, "#!ipxe\nkernel --mirror=http://m/k http://plain/k\nboot\n",
			     0, none), SN_E_HTTP_UNPINNED);
	assert_string_equal(d.decision, "error");
	assert_non_null(strstr(d.error, "http://plain/k"));
	/* a wrapped initrd keeps its mirrors */
	assert_int_equal(dry(&d, "#!ipxe\nkernel https://b/k\ninitrd --mirror=https://m/c "
				 "https://b/c /etc/c mode=644\nboot\n", 0, none), SN_OK);
	assert_string_equal(d.initrds[0], "https://b/c /etc/c mode=0644");
	assert_string_equal(d.mirrors[1], "https://m/c");
	text = dryrun_json(&d);
	j = cJSON_Parse(text);
	m = cJSON_GetObjectItem(j, "mirrors");
	assert_non_null(cJSON_GetObjectItem(m, "https://b/c"));
	cJSON_Delete(j);
	free(text);
}

static void test_cpio_initrd_and_json(void **state)
{
	static const char *const none[] = { NULL };
	struct dryrun d;
	cJSON *j;
	char *text;

	assert_int_equal(dry(&d, "#!ipxe\nkernel https://b/vmlinuz quiet\n"
				 "initrd https://b/initrd.img\n"
				 "initrd https://b/key.pub /etc/ssh/key.pub mode=600 mkdir=1\n"
				 "boot\n", 0, none), SN_OK);
	assert_int_equal(d.n_initrds, 2);
	assert_string_equal(d.initrds[1], "https://b/key.pub /etc/ssh/key.pub mode=0600");
	text = dryrun_json(&d);
	assert_non_null(text);
	j = cJSON_Parse(text);
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "decision")->valuestring, "boot");
	assert_string_equal(cJSON_GetObjectItem(j, "kernel")->valuestring, "https://b/vmlinuz");
	assert_string_equal(cJSON_GetObjectItem(j, "cmdline")->valuestring, "quiet");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "initrds")), 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "error")));
	cJSON_Delete(j);
	free(text);

	assert_int_equal(dry(&d, "#!ipxe\nexit 1\n", 0, none), SN_OK);
	text = dryrun_json(&d);
	j = cJSON_Parse(text);
	assert_string_equal(cJSON_GetObjectItem(j, "decision")->valuestring, "local");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "kernel")));
	assert_int_equal(cJSON_GetObjectItem(j, "exit_status")->valueint, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "initrds")), 0);
	cJSON_Delete(j);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_trust_rule),
		cmocka_unit_test(test_mirrors),
		cmocka_unit_test(test_cpio_initrd_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
