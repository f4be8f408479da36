/* The boot request body: built, then read back with cJSON. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/facts.h"

static struct smbios_facts sample_identity(void)
{
	struct smbios_facts f;

	memset(&f, 0, sizeof(f));
	strcpy(f.serial, "BRD-4242");
	strcpy(f.serial_source, "board");
	strcpy(f.system_serial, "To Be Filled By O.E.M.");
	strcpy(f.board_serial, "BRD-4242");
	strcpy(f.chassis_serial, "CH \"quoted\" \\ back");
	strcpy(f.uuid, "00112233-4455-6677-8899-aabbccddeeff");
	f.has_uuid = 1;
	strcpy(f.manufacturer, "ACME");
	strcpy(f.product, "Rack-2U");
	strcpy(f.asset_tag, "AT-1");
	strcpy(f.bios_vendor, "SeaBIOS");
	strcpy(f.bios_version, "1.16.2");
	strcpy(f.bios_date, "04/01/2014");
	f.cpu_sockets = 2;
	f.cpu_cores = 48;
	f.memory_mb = 786432;
	return f;
}

static struct nic sample_nic(const char *name, const char *mac, int carrier,
			     int speed)
{
	struct nic n;

	memset(&n, 0, sizeof(n));
	snprintf(n.name, sizeof(n.name), "%s", name);
	snprintf(n.mac_str, sizeof(n.mac_str), "%s", mac);
	strcpy(n.driver, "virtio_net");
	strcpy(n.pci_slot, "0000:00:03.0");
	n.carrier = carrier;
	n.speed_mbps = speed;
	return n;
}

static cJSON *parse_back(char *text)
{
	cJSON *root;

	assert_non_null(text);
	root = cJSON_Parse(text);
	if (root == NULL)
		fail_msg("not JSON: %s", text);
	free(text);
	return root;
}

static const char *str(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(item))
		fail_msg("'%s' is not a string", key);
	return item->valuestring;
}

static double num(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(item))
		fail_msg("'%s' is not a number", key);
	return item->valuedouble;
}

static const cJSON *obj(const cJSON *o, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(item);
	return item;
}

static void full_facts_ipv4(void **state)
{
	struct smbios_facts id = sample_identity();
	struct nic nics[] = {
		sample_nic("ens3", "52:54:00:12:34:56", 1, 1000),
		sample_nic("ens4", "52:54:00:12:34:57", 0, -1),
		sample_nic("ens5", "52:54:00:12:34:58", -1, 25000),
	};
	struct lease l;
	cJSON *root, *nic;

	memset(&l, 0, sizeof(l));
	l.family = AF_INET;
	strcpy(l.ifname, "ens4");
	inet_pton(AF_INET, "10.0.2.15", &l.addr4);
	strcpy(l.boot_url, "https://10.0.2.2:8443/api/v1/boot");

	root = parse_back(facts_json(&id, nics, 3, 1, &l, "b00t-1d", 3));
	assert_string_equal(str(root, "serial"), "BRD-4242");
	assert_string_equal(str(root, "serial_source"), "board");
	assert_string_equal(str(root, "uuid"), "00112233-4455-6677-8899-aabbccddeeff");
	assert_string_equal(str(root, "manufacturer"), "ACME");
	assert_string_equal(str(root, "product"), "Rack-2U");
	assert_string_equal(str(root, "board_serial"), "BRD-4242");
	assert_string_equal(str(root, "chassis_serial"), "CH \"quoted\" \\ back");
	assert_string_equal(str(root, "asset_tag"), "AT-1");
	assert_string_equal(str(obj(root, "bios"), "vendor"), "SeaBIOS");
	assert_string_equal(str(obj(root, "bios"), "version"), "1.16.2");
	assert_string_equal(str(obj(root, "bios"), "date"), "04/01/2014");
	assert_int_equal(num(obj(root, "cpu"), "sockets"), 2);
	assert_int_equal(num(obj(root, "cpu"), "cores"), 48);
	assert_int_equal(num(root, "memory_mb"), 786432);

	assert_int_equal(cJSON_GetArraySize(obj(root, "nics")), 3);
	nic = cJSON_GetArrayItem(obj(root, "nics"), 0);
	assert_string_equal(str(nic, "name"), "ens3");
	assert_string_equal(str(nic, "mac"), "52:54:00:12:34:56");
	assert_string_equal(str(nic, "driver"), "virtio_net");
	assert_string_equal(str(nic, "pci"), "0000:00:03.0");
	assert_true(cJSON_IsTrue(obj(nic, "link")));
	assert_int_equal(num(nic, "speed_mbps"), 1000);
	nic = cJSON_GetArrayItem(obj(root, "nics"), 1);
	assert_true(cJSON_IsFalse(obj(nic, "link")));
	assert_true(cJSON_IsNull(obj(nic, "speed_mbps")));
	nic = cJSON_GetArrayItem(obj(root, "nics"), 2);
	assert_true(cJSON_IsNull(obj(nic, "link")));

	assert_string_equal(str(obj(root, "boot"), "nic"), "ens4");
	assert_string_equal(str(obj(root, "boot"), "mac"), "52:54:00:12:34:57");
	assert_string_equal(str(obj(root, "boot"), "family"), "ipv4");
	assert_string_equal(str(obj(root, "boot"), "ip"), "10.0.2.15");
	assert_string_equal(str(obj(root, "boot"), "url"),
			    "https://10.0.2.2:8443/api/v1/boot");
	assert_string_equal(str(obj(root, "agent"), "version"), SNBOOT_VERSION);
	assert_string_equal(str(root, "boot_id"), "b00t-1d");
	assert_int_equal(num(root, "attempt"), 3);
	cJSON_Delete(root);
}

static void ipv6_lease(void **state)
{
	struct smbios_facts id = sample_identity();
	struct nic n = sample_nic("eno1", "00:11:22:33:44:55", 1, 10000);
	struct lease l;
	cJSON *root;

	memset(&l, 0, sizeof(l));
	l.family = AF_INET6;
	strcpy(l.ifname, "eno1");
	inet_pton(AF_INET6, "fd00:1::15", &l.addr6);
	strcpy(l.boot_url, "https://[fd00:1::2]/");
	root = parse_back(facts_json(&id, &n, 1, 0, &l, "x", 1));
	assert_string_equal(str(obj(root, "boot"), "family"), "ipv6");
	assert_string_equal(str(obj(root, "boot"), "ip"), "fd00:1::15");
	assert_string_equal(str(obj(root, "boot"), "url"), "https://[fd00:1::2]/");
	cJSON_Delete(root);
}

/* Before any lease, with nothing identified: still valid JSON, no made-up
 * values. */
static void nothing_known(void **state)
{
	struct smbios_facts id = sample_identity();
	cJSON *root;

	id.has_uuid = 0;
	root = parse_back(facts_json(&id, NULL, 0, -1, NULL, NULL, 0));
	assert_string_equal(str(root, "uuid"), "");
	assert_true(cJSON_IsNull(obj(root, "boot")));
	assert_int_equal(cJSON_GetArraySize(obj(root, "nics")), 0);
	assert_string_equal(str(root, "boot_id"), "");
	cJSON_Delete(root);

	root = parse_back(facts_json(NULL, NULL, 0, -1, NULL, "id", 1));
	assert_string_equal(str(root, "serial"), "");
	assert_int_equal(num(root, "memory_mb"), 0);
	cJSON_Delete(root);
}

static void winner_without_lease(void **state)
{
	struct nic n = sample_nic("eno1", "00:11:22:33:44:55", 1, 1000);
	cJSON *root;

	root = parse_back(facts_json(NULL, &n, 1, 0, NULL, "id", 2));
	assert_string_equal(str(obj(root, "boot"), "nic"), "eno1");
	assert_true(cJSON_IsNull(obj(obj(root, "boot"), "family")));
	cJSON_Delete(root);

	/* An out-of-range winner is ignored, not read. */
	root = parse_back(facts_json(NULL, &n, 1, 5, NULL, "id", 2));
	assert_true(cJSON_IsNull(obj(root, "boot")));
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_facts_ipv4),
		cmocka_unit_test(ipv6_lease),
		cmocka_unit_test(nothing_known),
		cmocka_unit_test(winner_without_lease),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
