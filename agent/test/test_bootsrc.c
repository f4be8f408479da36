/* Settings without DHCP: SMBIOS type 11 OEM strings (smbios_oem_strings,
 * bootsrc_apply_oem), QEMU fw_cfg text, and their place in the order
 * baked < SMBIOS type 11 < fw_cfg < command line. The SMBIOS tables are
 * QEMU's own (agent/test/data/smbios/qemu_default.bin) with a type 11
 * structure laid out as QEMU's smbios_build_type_11_table() writes it
 * (length 5, count byte, the strings, double NUL) put before the end. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/smbios.h"
#include "net/bootsrc.h"

static size_t load(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* QEMU's table with one type 11 structure holding strs (NULL-ended)
 * inserted before the type 127 end structure. */
static size_t table_with_oem(uint8_t *out, size_t cap, const char *const *strs)
{
	uint8_t t[65536];
	size_t n = load("agent/test/data/smbios/qemu_default.bin", t, sizeof(t));
	size_t at = 0, end = 0, o = 0, count = 0;

	while (at + 4 <= n) {  /* find the end structure */
		size_t i = at + t[at + 1];
		if (t[at] == 127) {
			end = at;
			break;
		}
		while (i + 1 < n && (t[i] || t[i + 1]))
			i++;
		at = i + 2;
	}
	assert_true(end > 0);
	for (const char *const *s = strs; *s; s++)
		count++;
	memcpy(out, t, end);
	o = end;
	out[o++] = 11;
	out[o++] = 5;
	out[o++] = 0x00;
	out[o++] = 0x0b;  /* handle */
	out[o++] = (uint8_t)count;
	for (const char *const *s = strs; *s; s++) {
		size_t len = strlen(*s);
		assert_true(o + len + 2 < cap);
		memcpy(out + o, *s, len + 1);
		o += len + 1;
	}
	if (!count)
		out[o++] = 0;
	out[o++] = 0;
	memcpy(out + o, t + end, n - end);
	return o + n - end;
}

struct seen {
	char s[8][200];
	unsigned idx[8];
	int n;
};

static void collect(void *arg, unsigned index, const char *s, size_t len)
{
	struct seen *v = arg;

	assert_true(v->n < 8);
	snprintf(v->s[v->n], sizeof(v->s[0]), "%.*s", (int)len, s);
	v->idx[v->n++] = index;
}

static void oem_strings_in_order(void **state)
{
	static const char *const strs[] = { "vendor-thing=1", "snboot.url=https://10.77.1.1/api/v1/boot",
					    "snboot.ip=10.77.1.50::10.77.1.1:255.255.255.0::::", NULL };
	uint8_t t[70000];
	size_t n = table_with_oem(t, sizeof(t), strs);
	struct seen v = { 0 };
	struct sn_err e;

	assert_int_equal(smbios_oem_strings(t, n, collect, &v, &e), SN_OK);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.s[0], "vendor-thing=1");
	assert_string_equal(v.s[1], strs[1]);
	assert_int_equal(v.idx[2], 3);
	/* QEMU's table has no type 11 of its own. */
	n = load("agent/test/data/smbios/qemu_default.bin", t, sizeof(t));
	memset(&v, 0, sizeof(v));
	assert_int_equal(smbios_oem_strings(t, n, collect, &v, &e), SN_OK);
	assert_int_equal(v.n, 0);
}

/* A cut table: the strings before the fault still count, the error says
 * where. */
static void oem_strings_truncated(void **state)
{
	static const char *const strs[] = { "snboot.url=https://a/", NULL };
	uint8_t t[70000];
	size_t n = table_with_oem(t, sizeof(t), strs);
	struct seen v = { 0 };
	struct sn_err e;

	assert_int_equal(smbios_oem_strings(t, n - 1, collect, &v, &e),
			 SN_E_SMBIOS_STRINGS_UNTERMINATED);
	assert_int_equal(v.n, 1);
	assert_non_null(strstr(e.ctx, "type 127"));
	assert_int_equal(smbios_oem_strings(t, 0, collect, &v, &e), SN_E_SMBIOS_EMPTY);
}

struct warns {
	int n;
	char last[240];
	int code;
};

static void warn(void *arg, const struct sn_err *e)
{
	struct warns *w = arg;
	w->n++;
	w->code = e->code;
	snprintf(w->last, sizeof(w->last), "%s", e->ctx);
}

static void oem_settings_applied(void **state)
{
	static const char *const strs[] = {
		"vendor-thing=1", "snboot.url=https://10.77.1.1:8443/api/v1/boot",
		"snboot.prefer=name:eth1 name:eth0", "snboot.nosuch=1",
		"snboot.ip=10.77.1.50::10.77.1.1:255.255.255.0::::", NULL };
	uint8_t t[70000];
	size_t n = table_with_oem(t, sizeof(t), strs);
	struct config c;
	struct warns w = { 0 };

	log_set_quiet(1);
	config_defaults(&c);
	assert_int_equal(bootsrc_apply_oem(&c, t, n, warn, &w), 4);
	assert_string_equal(c.url, "https://10.77.1.1:8443/api/v1/boot");
	assert_string_equal(c.prefer, "name:eth1 name:eth0");  /* blanks kept */
	assert_string_equal(c.ip, "10.77.1.50::10.77.1.1:255.255.255.0::::");
	assert_int_equal(w.n, 1);
	assert_int_equal(w.code, SN_E_CONFIG_UNKNOWN);
	assert_non_null(strstr(w.last, "SMBIOS type 11 string 4: "));
	assert_null(strstr(w.last, "kernel command line"));
}

static void oem_bad_strings(void **state)
{
	static const char *const strs[] = { "snboot.url", "snboot.url=\"https://x/\"",
					    "snboot.serial=a\tb", NULL };
	uint8_t t[70000];
	size_t n = table_with_oem(t, sizeof(t), strs);
	struct config c;
	struct warns w = { 0 };

	log_set_quiet(1);
	config_defaults(&c);
	assert_int_equal(bootsrc_apply_oem(&c, t, n, warn, &w), 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.code, SN_E_NET_OEM_STRING);
	assert_non_null(strstr(w.last, "SMBIOS type 11 string 3: "));
	assert_string_equal(c.url, "");
}

static void fwcfg_text(void **state)
{
	static const char text[] = "# written by the hypervisor\n"
				   "snboot.url=https://10.77.2.1/api/v1/boot\r\n"
				   "snboot.prefer=\"name:eth2 name:eth0\" snboot.net_timeout=90\n"
				   "not-ours=1\n";
	struct config c;
	struct warns w = { 0 };

	log_set_quiet(1);
	config_defaults(&c);
	bootsrc_apply_fwcfg(&c, text, sizeof(text) - 1, warn, &w);
	assert_int_equal(w.n, 0);
	assert_string_equal(c.url, "https://10.77.2.1/api/v1/boot");
	assert_string_equal(c.prefer, "name:eth2 name:eth0");
	assert_int_equal(c.net_timeout_s, 90);
	bootsrc_apply_fwcfg(&c, "snboot.net_timeout=x", 20, warn, &w);
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.last, "fw_cfg opt/org.snboot/config: "));
}

/* baked < SMBIOS type 11 < fw_cfg < command line, as main.c calls them. */
static void precedence(void **state)
{
	static const char *const strs[] = { "snboot.url=https://smbios/", "snboot.serial=S-SMBIOS",
					    "snboot.grace_ms=111", NULL };
	static const char baked[] = "url = https://baked/\nserial = S-BAKED\n"
				    "grace_ms = 99\nuser_class = baked\n";
	static const char fwcfg[] = "snboot.serial=S-FWCFG snboot.grace_ms=222";
	uint8_t t[70000];
	size_t n = table_with_oem(t, sizeof(t), strs);
	struct config c;
	struct warns w = { 0 };

	log_set_quiet(1);
	config_defaults(&c);
	config_parse_file(&c, baked, sizeof(baked) - 1, warn, &w);
	bootsrc_apply_oem(&c, t, n, warn, &w);
	bootsrc_apply_fwcfg(&c, fwcfg, sizeof(fwcfg) - 1, warn, &w);
	config_parse_cmdline(&c, "quiet snboot.grace_ms=333", warn, &w);
	assert_int_equal(w.n, 0);
	assert_string_equal(c.user_class, "baked");     /* only baked */
	assert_string_equal(c.url, "https://smbios/");  /* SMBIOS over baked */
	assert_string_equal(c.serial, "S-FWCFG");       /* fw_cfg over SMBIOS */
	assert_int_equal(c.grace_ms, 333);              /* command line last */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oem_strings_in_order),
		cmocka_unit_test(oem_strings_truncated),
		cmocka_unit_test(oem_settings_applied),
		cmocka_unit_test(oem_bad_strings),
		cmocka_unit_test(fwcfg_text),
		cmocka_unit_test(precedence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
