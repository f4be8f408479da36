/* NIC rules: parsing, matching and ranking. */
#include "fixtures.h"

#include <stdio.h>
#include <string.h>

#include "net/rules.h"

static struct nic make_nic(const char *name, const char *driver,
			   const char *pci, const char *mac)
{
	struct nic n;

	memset(&n, 0, sizeof(n));
	snprintf(n.name, sizeof(n.name), "%s", name);
	snprintf(n.driver, sizeof(n.driver), "%s", driver);
	snprintf(n.pci_slot, sizeof(n.pci_slot), "%s", pci);
	snprintf(n.mac_str, sizeof(n.mac_str), "%s", mac);
	n.carrier = -1;
	n.speed_mbps = -1;
	return n;
}

static void parse_ok(const char *text, struct rule_set *rs)
{
	struct sn_err e;

	if (rules_parse(text, rs, &e) != SN_OK)
		fail_msg("'%s': %s", text, e.ctx);
	assert_int_equal(e.code, SN_OK);
}

static void parses_terms_and_fields(void **state)
{
	struct rule_set rs;

	parse_ok("eth0, driver:e1000*  pci:0000:00:03.*,mac:52:54:00:*", &rs);
	assert_int_equal(rs.n, 4);
	assert_int_equal(rs.rules[0].n_conds, 1);
	assert_int_equal(rs.rules[0].conds[0].field, RULE_FIELD_NAME);
	assert_string_equal(rs.rules[0].conds[0].glob, "eth0");
	assert_int_equal(rs.rules[1].conds[0].field, RULE_FIELD_DRIVER);
	assert_string_equal(rs.rules[1].conds[0].glob, "e1000*");
	/* Only the text before the first ':' names the field. */
	assert_int_equal(rs.rules[2].conds[0].field, RULE_FIELD_PCI);
	assert_string_equal(rs.rules[2].conds[0].glob, "0000:00:03.*");
	assert_int_equal(rs.rules[3].conds[0].field, RULE_FIELD_MAC);
	assert_string_equal(rs.rules[3].conds[0].glob, "52:54:00:*");
}

static void parses_conjunction(void **state)
{
	struct rule_set rs;

	parse_ok("driver:e1000*+pci:0000:00:03.*+name:en*", &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.rules[0].n_conds, 3);
	assert_int_equal(rs.rules[0].conds[0].field, RULE_FIELD_DRIVER);
	assert_int_equal(rs.rules[0].conds[1].field, RULE_FIELD_PCI);
	assert_string_equal(rs.rules[0].conds[1].glob, "0000:00:03.*");
	assert_int_equal(rs.rules[0].conds[2].field, RULE_FIELD_NAME);
}

static void empty_text_is_no_rules(void **state)
{
	struct rule_set rs;

	parse_ok("", &rs);
	assert_int_equal(rs.n, 0);
	parse_ok(" , ,\t", &rs);
	assert_int_equal(rs.n, 0);
	parse_ok(NULL, &rs);
	assert_int_equal(rs.n, 0);
}

static void expect_error(const char *text, int code, const char *ctx)
{
	struct rule_set rs;
	struct sn_err e;

	assert_int_equal(rules_parse(text, &rs, &e), code);
	assert_int_equal(e.code, code);
	if (strstr(e.ctx, ctx) == NULL)
		fail_msg("'%s': context '%s' lacks '%s'", text, e.ctx, ctx);
}

static void reports_errors(void **state)
{
	char long_glob[100], many[300];

	expect_error("eth0,vendor:intel", SN_E_RULES_FIELD,
		     "term 2: unknown field 'vendor'");
	expect_error("mac:", SN_E_RULES_EMPTY, "term 1");
	expect_error("driver:e1000++pci:*", SN_E_RULES_EMPTY, "term 1");
	expect_error("eth0 eth1+", SN_E_RULES_EMPTY, "term 2");
	expect_error("a+b+c+d+e", SN_E_RULES_TOO_MANY, "more than 4 conditions");

	memset(long_glob, 'x', sizeof(long_glob) - 1);
	long_glob[sizeof(long_glob) - 1] = '\0';
	expect_error(long_glob, SN_E_RULES_TOO_LONG, "term 1: pattern of 99 bytes");

	many[0] = '\0';
	for (int i = 0; i <= RULES_MAX; i++)
		strcat(many, "e,");
	expect_error(many, SN_E_RULES_TOO_MANY, "more than 32 terms");
}

static void keeps_terms_before_error(void **state)
{
	struct rule_set rs;
	struct sn_err e;

	assert_int_equal(rules_parse("eth0 eth1 bogus:x", &rs, &e), SN_E_RULES_FIELD);
	assert_int_equal(rs.n, 2);
}

static void matches_first_rule(void **state)
{
	struct rule_set rs;
	struct nic virtio = make_nic("ens3", "virtio_net", "0000:00:03.0",
				     "52:54:00:12:34:56");
	struct nic intel = make_nic("enp1s0f0", "e1000e", "0000:01:00.0",
				    "3C:FD:FE:AA:BB:CC");
	struct nic usb = make_nic("usb0", "cdc_ether", "", "02:00:00:00:00:01");

	parse_ok("driver:e1000*+pci:0000:01:*, mac:3c:fd:fe:*, ens*, pci:0000:00:03.0", &rs);
	assert_int_equal(rules_match(&rs, &intel), 0);
	assert_int_equal(rules_match(&rs, &virtio), 2);
	assert_int_equal(rules_match(&rs, &usb), -1);
	assert_int_equal(rules_match(NULL, &usb), -1);
}

static void conjunction_needs_all(void **state)
{
	struct rule_set rs;
	struct nic wrong_slot = make_nic("eth0", "e1000", "0000:00:04.0", "");
	struct nic right = make_nic("eth1", "e1000", "0000:00:03.0", "");

	parse_ok("driver:e1000*+pci:0000:00:03.*", &rs);
	assert_int_equal(rules_match(&rs, &wrong_slot), -1);
	assert_int_equal(rules_match(&rs, &right), 0);
}

static void mac_is_case_insensitive_name_is_not(void **state)
{
	struct rule_set rs;
	struct nic n = make_nic("Eth0", "x", "", "aa:bb:cc:dd:ee:ff");

	parse_ok("mac:AA:BB:*", &rs);
	assert_int_equal(rules_match(&rs, &n), 0);
	parse_ok("eth0", &rs);
	assert_int_equal(rules_match(&rs, &n), -1);
}

static void mac_from_bytes_when_no_text(void **state)
{
	struct rule_set rs;
	struct nic n = make_nic("eth0", "x", "", "");

	n.mac[0] = 0x52;
	n.mac[1] = 0x54;
	parse_ok("mac:52:54:*", &rs);
	assert_int_equal(rules_match(&rs, &n), 0);
}

static void apply_ranks_and_excludes(void **state)
{
	struct rule_set prefer, exclude;
	struct nic nics[] = {
		make_nic("eno1", "igb", "0000:02:00.0", "00:11:22:33:44:01"),
		make_nic("ens3", "virtio_net", "0000:00:03.0", "52:54:00:00:00:01"),
		make_nic("wlan0", "iwlwifi", "0000:03:00.0", "00:aa:bb:cc:dd:ee"),
		make_nic("enp5s0", "mlx5_core", "0000:05:00.0", "b8:59:9f:00:00:01"),
	};

	parse_ok("driver:mlx5*, ens*", &prefer);
	parse_ok("wlan*,driver:igb+name:eno9", &exclude);
	rules_apply(&prefer, &exclude, nics, 4);
	assert_int_equal(nics[0].rank, 2);   /* no prefer rule: after them all */
	assert_int_equal(nics[1].rank, 1);
	assert_int_equal(nics[2].rank, 2);
	assert_int_equal(nics[3].rank, 0);
	assert_false(nics[0].excluded);      /* igb, but not eno9 */
	assert_false(nics[1].excluded);
	assert_true(nics[2].excluded);
	assert_false(nics[3].excluded);

	rules_apply(NULL, NULL, nics, 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(nics[i].rank, 0);
		assert_false(nics[i].excluded);
	}
}

static void field_names(void **state)
{
	assert_string_equal(rules_field_name(RULE_FIELD_PCI), "pci");
	assert_string_equal(rules_field_name((enum rule_field)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_terms_and_fields),
		cmocka_unit_test(parses_conjunction),
		cmocka_unit_test(empty_text_is_no_rules),
		cmocka_unit_test(reports_errors),
		cmocka_unit_test(keeps_terms_before_error),
		cmocka_unit_test(matches_first_rule),
		cmocka_unit_test(conjunction_needs_all),
		cmocka_unit_test(mac_is_case_insensitive_name_is_not),
		cmocka_unit_test(mac_from_bytes_when_no_text),
		cmocka_unit_test(apply_ranks_and_excludes),
		cmocka_unit_test(field_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
