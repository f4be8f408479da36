/* snboot.vlan: groups, NIC terms, IDs; the interface names. */
#include "fixtures.h"

#include <stdio.h>
#include <string.h>

#include "net/vlan.h"

static struct vlan_set vs;

static struct nic nic(const char *name, const char *driver, const char *mac)
{
	struct nic n;

	memset(&n, 0, sizeof(n));
	snprintf(n.name, sizeof(n.name), "%s", name);
	snprintf(n.driver, sizeof(n.driver), "%s", driver);
	snprintf(n.mac_str, sizeof(n.mac_str), "%s", mac);
	return n;
}

static void every_nic(void **state)
{
	struct nic a = nic("eth0", "e1000", "52:54:00:00:00:01");
	unsigned ids[VLAN_IDS_MAX];
	struct sn_err e;

	assert_int_equal(vlan_parse("100", &vs, &e), 0);
	assert_int_equal(vs.n, 1);
	assert_int_equal(vlan_ids_for(&vs, &a, ids, VLAN_IDS_MAX), 1);
	assert_int_equal(ids[0], 100);
	assert_int_equal(vlan_parse("  100,200,4094 ", &vs, &e), 0);
	assert_int_equal(vlan_ids_for(&vs, &a, ids, VLAN_IDS_MAX), 3);
	assert_int_equal(ids[2], 4094);
	assert_int_equal(vlan_parse("", &vs, &e), 0);
	assert_int_equal(vlan_ids_for(&vs, &a, ids, VLAN_IDS_MAX), 0);
}

static void per_nic_terms(void **state)
{
	struct nic a = nic("eth0", "e1000", "52:54:00:00:00:01");
	struct nic b = nic("eth1", "virtio_net", "52:54:00:00:00:02");
	unsigned ids[VLAN_IDS_MAX];
	struct sn_err e;

	assert_int_equal(vlan_parse("name:eth1=100,200 driver:e1000+mac:52:54:*=300 200", &vs, &e), 0);
	assert_int_equal(vs.n, 3);
	assert_int_equal(vlan_ids_for(&vs, &b, ids, VLAN_IDS_MAX), 2);  /* 100, 200 once */
	assert_int_equal(ids[0], 100);
	assert_int_equal(ids[1], 200);
	assert_int_equal(vlan_ids_for(&vs, &a, ids, VLAN_IDS_MAX), 2);  /* 300, 200 */
	assert_int_equal(ids[0], 300);
	assert_int_equal(ids[1], 200);
	assert_int_equal(vlan_ids_for(&vs, &a, ids, 1), 1);
	assert_int_equal(vlan_parse("eth*=7", &vs, &e), 0);  /* no field: the name */
	assert_int_equal(vlan_ids_for(&vs, &b, ids, VLAN_IDS_MAX), 1);
}

static void expect(const char *text, const char *want)
{
	struct sn_err e;

	sn_clear(&e);
	assert_int_equal(vlan_parse(text, &vs, &e), SN_E_NET_VLAN_RULES);
	if (!strstr(e.ctx, want))
		fail_msg("snboot.vlan=%s: got \"%s\", want \"%s\" in it", text, e.ctx, want);
}

static void errors(void **state)
{
	expect("0", "group 1 \"0\": VLAN ID outside 1..4094");
	expect("100 4095", "group 2 \"4095\": VLAN ID outside 1..4094");
	expect("100,", "want VLAN IDs");
	expect("1o0", "want VLAN IDs");
	expect("12345", "want VLAN IDs");
	expect("name:eth0=", "no VLAN ID");
	expect("=100", "want one NIC term");
	expect("eth0,eth1=100", "want one NIC term");
	expect("vendor:x=100", "group 1 \"vendor:x=100\": ");
	expect("1,2,3,4,5,6,7,8,9", "more than 8 VLAN IDs");
	expect("1 2 3 4 5", "more than 4 groups");
	/* The groups before the bad one stay. */
	vlan_parse("100 x=5000", &vs, &(struct sn_err){ 0 });
	assert_int_equal(vs.n, 1);
}

static void names(void **state)
{
	char n[IFNAMSIZ];

	vlan_ifname("eth0", 2, 100, n, sizeof(n));
	assert_string_equal(n, "eth0.100");
	vlan_ifname("enp0s31f6", 3, 4094, n, sizeof(n));
	assert_string_equal(n, "enp0s31f6.4094");
	vlan_ifname("enp175s0f1np1", 12, 4094, n, sizeof(n));  /* 18 > 15 */
	assert_string_equal(n, "vl12.4094");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_nic),
		cmocka_unit_test(per_nic_terms),
		cmocka_unit_test(errors),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
