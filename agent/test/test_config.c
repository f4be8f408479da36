/* snboot.* parameters: table, value parsing, the baked file, the kernel
 * command line, and the docs every parameter must have. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

struct warnings {
	struct sn_err e[16];
	int n;
};

static void collect(void *arg, const struct sn_err *e)
{
	struct warnings *w = arg;

	assert_true(w->n < 16);
	w->e[w->n++] = *e;
}

static void expect_warning(const struct warnings *w, int i, int code,
			   const char *ctx)
{
	assert_true(i < w->n);
	assert_int_equal(w->e[i].code, code);
	if (strstr(w->e[i].ctx, ctx) == NULL)
		fail_msg("warning %d: '%s' lacks '%s'", i, w->e[i].ctx, ctx);
}

static void defaults(void **state)
{
	struct config c;

	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	assert_string_equal(c.url, "");
	assert_string_equal(c.vendor_class, "HTTPClient:Arch:00016:UNDI:003000");
	assert_string_equal(c.user_class, "snboot");
	assert_int_equal(c.arch, 0x10);
	assert_int_equal(c.net_timeout_s, 60);
	assert_int_equal(c.grace_ms, 1500);
	assert_string_equal(c.prefer, "");
	assert_string_equal(c.exclude, "");
	assert_int_equal(c.ipv4, 1);
	assert_int_equal(c.ipv6, 1);
	assert_int_equal(c.retry_max_s, 60);
	assert_int_equal(c.http_timeout_s, 30);
	assert_string_equal(c.serial, "");
	assert_string_equal(c.ca, "/etc/snboot/ca.pem");
	assert_int_equal(c.rapid_commit, 1);
	assert_int_equal(c.local_timeout_s, 300);
}

/* Each table default applies cleanly and reads back the same. */
static void table_defaults_round_trip(void **state)
{
	size_t n;
	const struct config_param *p = config_params(&n);
	struct config c;

	assert_true(n > 0);
	config_defaults(&c);
	for (size_t i = 0; i < n; i++) {
		char got[1100], want[1100];
		struct sn_err e;

		assert_int_equal(config_set(&c, p[i].name, p[i].def, &e), SN_OK);
		assert_int_equal(config_get(&c, p[i].name, got, sizeof(got)), SN_OK);
		if (strcmp(p[i].type, "uint") == 0) {
			snprintf(want, sizeof(want), "%lu", strtoul(p[i].def, NULL, 0));
			assert_true(p[i].min <= p[i].max);
		} else {
			snprintf(want, sizeof(want), "%s", p[i].def);
		}
		assert_string_equal(got, want);
		assert_true(strlen(p[i].summary) > 10);
	}
}

static void uint_values(void **state)
{
	struct config c;
	struct sn_err e;
	const char *bad[] = { "", "abc", "-1", "+5", " 5", "5s", "0x", "1.5", NULL };

	config_defaults(&c);
	assert_int_equal(config_set(&c, "net_timeout", "20", &e), SN_OK);
	assert_int_equal(c.net_timeout_s, 20);
	assert_int_equal(config_set(&c, "arch", "0x0007", &e), SN_OK);
	assert_int_equal(c.arch, 7);
	for (int i = 0; bad[i]; i++) {
		assert_int_equal(config_set(&c, "net_timeout", bad[i], &e),
				 SN_E_CONFIG_BAD_UINT);
		assert_int_equal(c.net_timeout_s, 20);
	}
	assert_non_null(strstr(e.ctx, "snboot.net_timeout"));
}

static void uint_clamped(void **state)
{
	struct config c;
	struct sn_err e;

	config_defaults(&c);
	assert_int_equal(config_set(&c, "net_timeout", "0", &e), SN_E_CONFIG_CLAMPED);
	assert_int_equal(c.net_timeout_s, 5);
	assert_non_null(strstr(e.ctx, "outside 5..3600, using 5"));
	assert_int_equal(config_set(&c, "grace_ms", "99999999999999999999999", &e),
			 SN_E_CONFIG_CLAMPED);
	assert_int_equal(c.grace_ms, 60000);
	assert_int_equal(config_set(&c, "arch", "0x10000", &e), SN_E_CONFIG_CLAMPED);
	assert_int_equal(c.arch, 0xffff);
	assert_int_equal(config_set(&c, "local_timeout", "0", &e), SN_OK);
	assert_int_equal(c.local_timeout_s, 0);
}

static void bool_values(void **state)
{
	struct config c;
	struct sn_err e;
	const char *on[] = { "1", "yes", "true", "on", "YES", "True", "ON", NULL };
	const char *off[] = { "0", "no", "false", "off", "No", "FALSE", "Off", NULL };

	config_defaults(&c);
	for (int i = 0; off[i]; i++) {
		c.ipv6 = 1;
		assert_int_equal(config_set(&c, "ipv6", off[i], &e), SN_OK);
		assert_int_equal(c.ipv6, 0);
	}
	for (int i = 0; on[i]; i++) {
		c.ipv6 = 0;
		assert_int_equal(config_set(&c, "ipv6", on[i], &e), SN_OK);
		assert_int_equal(c.ipv6, 1);
	}
	assert_int_equal(config_set(&c, "ipv6", "maybe", &e), SN_E_CONFIG_BAD_BOOL);
	assert_int_equal(config_set(&c, "ipv6", "", &e), SN_E_CONFIG_BAD_BOOL);
	assert_int_equal(c.ipv6, 1);
}

static void string_values(void **state)
{
	struct config c;
	struct sn_err e;
	char big[200];

	config_defaults(&c);
	assert_int_equal(config_set(&c, "serial", "LAB-1", &e), SN_OK);
	assert_string_equal(c.serial, "LAB-1");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(config_set(&c, "serial", big, &e), SN_E_CONFIG_TOO_LONG);
	assert_non_null(strstr(e.ctx, "199 bytes, at most 95"));
	assert_string_equal(c.serial, "LAB-1");
	big[95] = '\0';
	assert_int_equal(config_set(&c, "serial", big, &e), SN_OK);
	assert_int_equal(strlen(c.serial), 95);
}

static void url_values(void **state)
{
	struct config c;
	struct sn_err e;
	const char *bad[] = { "ftp://x/", "https://", "http:///path", "10.0.2.2",
			      "https://a b/", "https://a/\x01", "HTTPS://a/", NULL };

	config_defaults(&c);
	assert_int_equal(config_set(&c, "url", "https://10.0.2.2:8443/", &e), SN_OK);
	assert_string_equal(c.url, "https://10.0.2.2:8443/");
	assert_int_equal(config_set(&c, "url", "http://[fd00::1]/api/v1/boot", &e), SN_OK);
	for (int i = 0; bad[i]; i++)
		if (config_set(&c, "url", bad[i], &e) != SN_E_CONFIG_BAD_URL)
			fail_msg("'%s' accepted", bad[i]);
	assert_string_equal(c.url, "http://[fd00::1]/api/v1/boot");
	assert_int_equal(config_set(&c, "url", "", &e), SN_OK);
	assert_string_equal(c.url, "");
}

static void rules_values(void **state)
{
	struct config c;
	struct sn_err e;

	config_defaults(&c);
	assert_int_equal(config_set(&c, "prefer", "driver:e1000*+pci:0000:00:03.*, eno1", &e), SN_OK);
	assert_string_equal(c.prefer, "driver:e1000*+pci:0000:00:03.*, eno1");
	assert_int_equal(config_set(&c, "exclude", "eno1 colour:blue", &e),
			 SN_E_CONFIG_BAD_RULES);
	assert_non_null(strstr(e.ctx, "snboot.exclude: term 2: unknown field 'colour'"));
	assert_string_equal(c.exclude, "");
}

static void names(void **state)
{
	struct config c;
	struct sn_err e;
	char buf[64];

	config_defaults(&c);
	assert_int_equal(config_set(&c, "no_such", "1", &e), SN_E_CONFIG_UNKNOWN);
	assert_non_null(strstr(e.ctx, "snboot.no_such"));
	assert_int_equal(config_set(&c, "net-timeout", "9", &e), SN_OK);
	assert_int_equal(c.net_timeout_s, 9);
	assert_int_equal(config_set(&c, "net_timeou", "9", &e), SN_E_CONFIG_UNKNOWN);
	assert_int_equal(config_get(&c, "nope", buf, sizeof(buf)), SN_E_CONFIG_UNKNOWN);
	assert_int_equal(config_get(&c, "ipv4", buf, sizeof(buf)), SN_OK);
	assert_string_equal(buf, "1");
	assert_int_equal(config_get(&c, "net-timeout", buf, sizeof(buf)), SN_OK);
	assert_string_equal(buf, "9");
}

static void file_parsing(void **state)
{
	static const char text[] =
		"# baked by the image build\n"
		"\n"
		"url = https://boot.example/\r\n"
		"  snboot.net_timeout=25  \n"
		"prefer = \"eno1 eno2\"\n"
		"serial = ' padded '\n"
		"colour = blue\n"
		"just some words\n"
		"ipv6 = perhaps\n"
		"retry_max = 0\n"
		"vendor_class =\n"
		"grace_ms = 10";   /* no final newline */
	struct warnings w = { .n = 0 };
	struct config c;

	config_defaults(&c);
	config_parse_file(&c, text, strlen(text), collect, &w);
	assert_string_equal(c.url, "https://boot.example/");
	assert_int_equal(c.net_timeout_s, 25);
	assert_string_equal(c.prefer, "eno1 eno2");
	assert_string_equal(c.serial, " padded ");
	assert_int_equal(c.ipv6, 1);
	assert_int_equal(c.retry_max_s, 1);
	assert_string_equal(c.vendor_class, "");
	assert_int_equal(c.grace_ms, 10);
	assert_int_equal(w.n, 4);
	expect_warning(&w, 0, SN_E_CONFIG_UNKNOWN, "line 7: snboot.colour");
	expect_warning(&w, 1, SN_E_CONFIG_SYNTAX, "line 8: 'just some words' has no '='");
	expect_warning(&w, 2, SN_E_CONFIG_BAD_BOOL, "line 9: snboot.ipv6=perhaps");
	expect_warning(&w, 3, SN_E_CONFIG_CLAMPED, "line 10: snboot.retry_max=0");
}

static void file_long_line_and_nul(void **state)
{
	size_t len = 5000;
	char *text = malloc(len);
	struct warnings w = { .n = 0 };
	struct config c;

	assert_non_null(text);
	memset(text, 'x', len);
	memcpy(text, "serial = A", 10);
	text[3000] = '\n';
	memcpy(text + 3001, "user_class = u\0junk\n", 20);
	config_defaults(&c);
	config_parse_file(&c, text, len, collect, &w);
	assert_string_equal(c.serial, "");
	assert_string_equal(c.user_class, "u");
	expect_warning(&w, 0, SN_E_CONFIG_TOO_LONG, "line 1: 3000 bytes");
	/* The rest is one line of 'x' with no '=' and too long. */
	assert_int_equal(w.n, 2);
	free(text);
	config_parse_file(&c, "", 0, NULL, NULL);
}

static void cmdline_parsing(void **state)
{
	static const char cmdline[] =
		"BOOT_IMAGE=/vmlinuz root=/dev/sda1 snboot.url=https://a.example/ "
		"snboot.prefer=\"driver:mlx5* eno*\" \"snboot.serial=RACK 7\" "
		"quiet snboot.ipv6 snboot.bogus=1 snboot.net-timeout=7 "
		"snboot.user_class snboot.exclude=\"\" snboot.arch=0x7 "
		"xsnboot.serial=NO console=ttyS0,115200n8 \n";
	struct warnings w = { .n = 0 };
	struct config c;

	config_defaults(&c);
	c.ipv6 = 0;
	strcpy(c.exclude, "usb*");
	config_parse_cmdline(&c, cmdline, collect, &w);
	assert_string_equal(c.url, "https://a.example/");
	assert_string_equal(c.prefer, "driver:mlx5* eno*");
	assert_string_equal(c.serial, "RACK 7");
	assert_int_equal(c.ipv6, 1);
	assert_int_equal(c.net_timeout_s, 7);
	assert_string_equal(c.user_class, "snboot");
	assert_string_equal(c.exclude, "");
	assert_int_equal(c.arch, 7);
	assert_int_equal(w.n, 2);
	expect_warning(&w, 0, SN_E_CONFIG_UNKNOWN, "kernel command line: snboot.bogus");
	expect_warning(&w, 1, SN_E_CONFIG_NO_VALUE, "snboot.user_class");
}

/* The kernel's quoting corner cases (lib/cmdline.c next_arg). */
static void cmdline_quotes(void **state)
{
	struct config c;

	config_defaults(&c);
	config_parse_cmdline(&c, "snboot.serial=\"a b\"c snboot.ca=/x", NULL, NULL);
	assert_string_equal(c.serial, "a b\"c");
	assert_string_equal(c.ca, "/x");

	config_parse_cmdline(&c, "  \"snboot.prefer=a, b\"   ", NULL, NULL);
	assert_string_equal(c.prefer, "a, b");

	/* An unclosed quote runs to the end of the line. */
	config_parse_cmdline(&c, "snboot.serial=\"open ended snboot.ca=/y", NULL, NULL);
	assert_string_equal(c.serial, "open ended snboot.ca=/y");
	assert_string_equal(c.ca, "/x");

	config_parse_cmdline(&c, "\"", NULL, NULL);
	config_parse_cmdline(&c, "=\"", NULL, NULL);
	config_parse_cmdline(&c, "", NULL, NULL);
	config_parse_cmdline(&c, NULL, NULL, NULL);
}

static void later_wins(void **state)
{
	static const char file[] = "net_timeout = 30\nipv4 = no\n";
	struct config c;

	config_defaults(&c);
	config_parse_file(&c, file, strlen(file), NULL, NULL);
	config_parse_cmdline(&c, "snboot.net_timeout=40 snboot.net_timeout=45", NULL, NULL);
	assert_int_equal(c.net_timeout_s, 45);
	assert_int_equal(c.ipv4, 0);
}

/* ---- docs: a page per parameter (curl's test1139 idea). Tests run from the
 * repo root, so the pages are read relative to it. */

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(65536);
	assert_non_null(buf);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The text of section "# title" up to the next "# " heading. */
static char *section(char *page, const char *title, const char *path)
{
	char heading[64], *start, *end;

	snprintf(heading, sizeof(heading), "\n# %s\n", title);
	start = strstr(page, heading);
	if (start == NULL)
		fail_msg("%s: no '# %s' section", path, title);
	start += strlen(heading);
	end = strstr(start, "\n# ");
	if (end)
		*end = '\0';
	return start;
}

static void every_parameter_has_a_page(void **state)
{
	size_t n;
	const struct config_param *p = config_params(&n);
	char *readme = read_text("docs/params/README.md");

	if (readme == NULL)
		fail_msg("docs/params/README.md missing (run from the repo root)");
	for (size_t i = 0; i < n; i++) {
		char path[128], want[128], *page, *copy;

		snprintf(path, sizeof(path), "docs/params/snboot.%s.md", p[i].name);
		page = read_text(path);
		if (page == NULL)
			fail_msg("parameter %s has no page %s", p[i].name, path);
		snprintf(want, sizeof(want), "[snboot.%s](snboot.%s.md)", p[i].name,
			 p[i].name);
		if (strstr(readme, want) == NULL)
			fail_msg("docs/params/README.md has no row for %s", p[i].name);

		copy = strdup(page);
		snprintf(want, sizeof(want), "snboot.%s - ", p[i].name);
		if (strstr(section(copy, "NAME", path), want) == NULL)
			fail_msg("%s: NAME lacks '%s'", path, want);
		strcpy(copy, page);
		section(copy, "SYNOPSIS", path);
		strcpy(copy, page);
		section(copy, "DESCRIPTION", path);
		strcpy(copy, page);
		/* DEFAULT must say the table's default, "empty" for "". */
		if (strstr(section(copy, "DEFAULT", path),
			   p[i].def[0] ? p[i].def : "empty") == NULL)
			fail_msg("%s: DEFAULT does not say '%s'", path, p[i].def);
		strcpy(copy, page);
		snprintf(want, sizeof(want), "snboot.%s=", p[i].name);
		if (strstr(section(copy, "EXAMPLE", path), want) == NULL)
			fail_msg("%s: EXAMPLE has no '%s' command line", path, want);
		strcpy(copy, page);
		section(copy, "SEE ALSO", path);
		if (strcmp(p[i].type, "uint") == 0) {
			snprintf(want, sizeof(want), "%u to %u", p[i].min, p[i].max);
			if (strstr(page, want) == NULL)
				fail_msg("%s: bounds '%s' not stated", path, want);
		}
		free(copy);
		free(page);
	}
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(table_defaults_round_trip),
		cmocka_unit_test(uint_values),
		cmocka_unit_test(uint_clamped),
		cmocka_unit_test(bool_values),
		cmocka_unit_test(string_values),
		cmocka_unit_test(url_values),
		cmocka_unit_test(rules_values),
		cmocka_unit_test(names),
		cmocka_unit_test(file_parsing),
		cmocka_unit_test(file_long_line_and_nul),
		cmocka_unit_test(cmdline_parsing),
		cmocka_unit_test(cmdline_quotes),
		cmocka_unit_test(later_wins),
		cmocka_unit_test(every_parameter_has_a_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
