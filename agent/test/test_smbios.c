/* SMBIOS parser: tables captured from QEMU guests
 * (tests/fixtures/capture_smbios.sh; expected values checked against
 * dmidecode --from-dump) and handcrafted tables for the edge cases. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/smbios.h"

#define DATA_DIR "agent/test/data/smbios/"

static uint8_t *load(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	uint8_t *buf = malloc(65536);

	assert_non_null(buf);
	snprintf(path, sizeof(path), DATA_DIR "%s", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (run the tests from the repo root)", path);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	assert_true(*len > 0);
	return buf;
}

static void parse_fixture(const char *name, struct smbios_facts *f)
{
	struct sn_err e;
	size_t len;
	uint8_t *buf = load(name, &len);

	assert_int_equal(smbios_parse(buf, len, f, &e), SN_OK);
	assert_int_equal(e.code, SN_OK);
	free(buf);
}

/* ---- real tables from QEMU */

static void qemu_system_serial(void **state)
{
	struct smbios_facts f;

	parse_fixture("qemu_system_serial.bin", &f);
	assert_string_equal(f.serial, "SN-QEMU-0001");
	assert_string_equal(f.serial_source, "system");
	assert_string_equal(f.system_serial, "SN-QEMU-0001");
	assert_string_equal(f.chassis_serial, "CH-0001");
	assert_string_equal(f.asset_tag, "AT-7788");
	assert_string_equal(f.manufacturer, "ACME");
	assert_string_equal(f.product, "Rack-1U");
	assert_true(f.has_uuid);
	/* Given to QEMU as uuid=4c4c4544-0031-3510-8052-b2c04f4e4a31; the
	 * table stores the first three fields little-endian. */
	assert_string_equal(f.uuid, "4c4c4544-0031-3510-8052-b2c04f4e4a31");
	assert_int_equal(f.uuid_raw[0], 0x44);
	assert_int_equal(f.uuid_raw[3], 0x4c);
	assert_int_equal(f.uuid_raw[8], 0x80);
	assert_string_equal(f.bios_vendor, "SeaBIOS-Test");
	assert_string_equal(f.bios_version, "1.2.3");
	assert_string_equal(f.bios_date, "04/01/2014");
	assert_int_equal(f.cpu_sockets, 1);
	assert_int_equal(f.cpu_cores, 2);
	assert_int_equal(f.memory_mb, 512);
}

static void qemu_default_has_no_serial(void **state)
{
	struct smbios_facts f;

	parse_fixture("qemu_default.bin", &f);
	assert_string_equal(f.serial, "");
	assert_string_equal(f.serial_source, "");
	assert_string_equal(f.system_serial, "");
	assert_false(f.has_uuid);
	assert_string_equal(f.uuid, "");
	assert_string_equal(f.manufacturer, "QEMU");
	assert_string_equal(f.product, "Standard PC (i440FX + PIIX, 1996)");
	assert_string_equal(f.bios_vendor, "SeaBIOS");
	assert_string_equal(f.bios_version, "1.16.2-debian-1.16.2-1");
	assert_int_equal(f.cpu_sockets, 1);
	assert_int_equal(f.cpu_cores, 1);
	assert_int_equal(f.memory_mb, 256);
}

static void qemu_placeholder_falls_to_board(void **state)
{
	struct smbios_facts f;

	parse_fixture("qemu_board_serial.bin", &f);
	assert_string_equal(f.system_serial, "To Be Filled By O.E.M.");
	assert_string_equal(f.board_serial, "BRD-4242");
	assert_string_equal(f.serial, "BRD-4242");
	assert_string_equal(f.serial_source, "board");
	assert_string_equal(f.uuid, "00112233-4455-6677-8899-aabbccddeeff");
	assert_string_equal(f.product, "Rack-2U");
}

static void qemu_placeholders_fall_to_chassis(void **state)
{
	struct smbios_facts f;

	parse_fixture("qemu_chassis_serial.bin", &f);
	assert_string_equal(f.system_serial, "Default string");
	assert_string_equal(f.board_serial, "Not Specified");
	assert_string_equal(f.serial, "CHS-9001");
	assert_string_equal(f.serial_source, "chassis");
	assert_string_equal(f.asset_tag, "Default string");
	assert_int_equal(f.cpu_sockets, 2);
	assert_int_equal(f.cpu_cores, 4);
	assert_int_equal(f.memory_mb, 1024);
}

static void qemu_smbios3(void **state)
{
	struct smbios_facts f;

	parse_fixture("qemu_smbios3.bin", &f);
	assert_string_equal(f.serial, "SN-V3-77");
	assert_string_equal(f.uuid, "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90");
	assert_int_equal(f.cpu_sockets, 2);
	assert_int_equal(f.cpu_cores, 2);
	assert_int_equal(f.memory_mb, 2048);
}

/* Every prefix of a real table: no crash, and a cut inside a structure is
 * reported with its offset while the structures before it stay parsed. */
static void qemu_every_prefix(void **state)
{
	size_t len;
	uint8_t *full = load("qemu_system_serial.bin", &len);

	for (size_t n = 1; n < len; n++) {
		uint8_t *buf = malloc(n);   /* exact size so ASan sees overreads */
		struct smbios_facts f;
		struct sn_err e;
		int rc;

		assert_non_null(buf);
		memcpy(buf, full, n);
		rc = smbios_parse(buf, n, &f, &e);
		assert_int_equal(rc, e.code);
		if (rc != SN_OK)
			assert_non_null(strstr(e.ctx, "offset"));
		/* The BIOS structure is the table's first 0x37 bytes. */
		if (n >= 0x37)
			assert_string_equal(f.bios_vendor, "SeaBIOS-Test");
		/* The system structure ends at 0x7b. */
		if (n >= 0x7b)
			assert_string_equal(f.serial, "SN-QEMU-0001");
		free(buf);
	}
	free(full);
}

/* ---- handcrafted tables */

struct table {
	uint8_t b[2048];
	size_t n;
	uint16_t handle;
};

static void put(struct table *t, const void *p, size_t n)
{
	assert_true(t->n + n <= sizeof(t->b));
	if (n == 0)
		return;
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

/* A structure: header, formatted bytes after the header, then the strings
 * (a NULL-terminated list) and the set's terminator. */
static void add_struct(struct table *t, uint8_t type, const uint8_t *body,
		       size_t body_len, const char *const *strings)
{
	uint8_t hdr[4] = { type, (uint8_t)(4 + body_len),
			   (uint8_t)t->handle, (uint8_t)(t->handle >> 8) };
	int any = 0;

	t->handle++;
	put(t, hdr, 4);
	put(t, body, body_len);
	for (; strings && *strings; strings++, any = 1)
		put(t, *strings, strlen(*strings) + 1);
	if (!any)
		put(t, "", 1);
	put(t, "", 1);
}

static void add_end(struct table *t)
{
	add_struct(t, 127, NULL, 0, NULL);
}

/* Type 1, SMBIOS 2.4 layout (0x1b bytes): strings 1 manufacturer,
 * 2 product, 3 serial. */
static void add_system(struct table *t, const uint8_t uuid[16],
		       const char *serial)
{
	uint8_t body[0x1b - 4] = { 1, 2, 0, serial ? 3 : 0 };
	const char *strings[] = { "Vendor", "Box", serial, NULL };

	if (uuid)
		memcpy(body + 4, uuid, 16);
	add_struct(t, 1, body, sizeof(body), strings);
}

static void add_serial_struct(struct table *t, uint8_t type, const char *serial)
{
	uint8_t body[0x0f - 4] = { 0, 0, 0, serial ? 1 : 0 };
	const char *strings[] = { serial, NULL };

	add_struct(t, type, body, sizeof(body), strings);
}

static int parse(const struct table *t, struct smbios_facts *f, struct sn_err *e)
{
	/* An exact-size copy, so reading past the end trips ASan. */
	uint8_t *buf = malloc(t->n ? t->n : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, t->b, t->n);
	rc = smbios_parse(buf, t->n, f, e);
	free(buf);
	return rc;
}

static void empty_table(void **state)
{
	struct smbios_facts f;
	struct sn_err e;

	assert_int_equal(smbios_parse((const uint8_t *)"", 0, &f, &e),
			 SN_E_SMBIOS_EMPTY);
	assert_int_equal(smbios_parse(NULL, 0, &f, &e), SN_E_SMBIOS_EMPTY);
	assert_string_equal(f.serial, "");
}

static void length_below_header(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	char where[64];

	add_system(&t, NULL, "GOOD-1");
	snprintf(where, sizeof(where), "type 3 at offset %zu: length 2", t.n);
	put(&t, "\x03\x02\x00\x00\x00\x00", 6);
	assert_int_equal(parse(&t, &f, &e), SN_E_SMBIOS_LENGTH_SHORT);
	assert_non_null(strstr(e.ctx, where));
	/* What came before the fault is kept. */
	assert_string_equal(f.serial, "GOOD-1");
}

static void formatted_area_past_end(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	put(&t, "\x01\x1b\x00\x00\x01\x02", 6);
	assert_int_equal(parse(&t, &f, &e), SN_E_SMBIOS_FORMATTED_TRUNCATED);
	assert_non_null(strstr(e.ctx, "type 1 at offset 0"));
	assert_non_null(strstr(e.ctx, "length 27"));
}

static void header_truncated(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	char where[64];

	add_serial_struct(&t, 2, "B-1");
	snprintf(where, sizeof(where), "offset %zu: 3 bytes left", t.n);
	put(&t, "\x03\x10\x00", 3);
	assert_int_equal(parse(&t, &f, &e), SN_E_SMBIOS_HEADER_TRUNCATED);
	assert_non_null(strstr(e.ctx, where));
	assert_string_equal(f.serial, "B-1");
}

static void strings_unterminated(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;
	uint8_t body[0x0f - 4] = { 0, 0, 0, 1 };

	put(&t, "\x02\x0f\x00\x00", 4);
	put(&t, body, sizeof(body));
	put(&t, "SERIAL\0MORE", 11);   /* no second NUL */
	assert_int_equal(parse(&t, &f, &e), SN_E_SMBIOS_STRINGS_UNTERMINATED);
	assert_non_null(strstr(e.ctx, "type 2 at offset 0"));
	assert_string_equal(f.board_serial, "");
}

static void string_index_out_of_range(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;
	uint8_t board[0x0f - 4] = { 0, 0, 0, 5 };   /* serial: string 5 of 1 */
	const char *strings[] = { "only-one", NULL };

	add_struct(&t, 2, board, sizeof(board), strings);
	add_serial_struct(&t, 3, "CH-5");
	add_end(&t);
	assert_int_equal(parse(&t, &f, &e), SN_E_SMBIOS_STRING_INDEX);
	assert_non_null(strstr(e.ctx, "type 2 at offset 0"));
	assert_non_null(strstr(e.ctx, "string 5"));
	/* The structure's bounds are sound, so parsing went on. */
	assert_string_equal(f.board_serial, "");
	assert_string_equal(f.serial, "CH-5");
	assert_string_equal(f.serial_source, "chassis");
}

static void string_index_without_strings(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;
	uint8_t board[0x0f - 4] = { 0, 0, 0, 1 };

	add_struct(&t, 2, board, sizeof(board), NULL);
	assert_int_equal(parse(&t, &f, &e), SN_E_SMBIOS_STRING_INDEX);
}

static void stops_at_end_structure(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	add_system(&t, NULL, "FIRST");
	add_end(&t);
	put(&t, "\x01\x02garbage", 9);
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_string_equal(f.serial, "FIRST");
}

static void first_system_structure_wins(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	add_system(&t, NULL, "FIRST");
	add_system(&t, NULL, "SECOND");
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_string_equal(f.serial, "FIRST");
}

static void uuid_unset_forms(void **state)
{
	static const uint8_t zeros[16], ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *unset[] = { zeros, ones };

	for (int i = 0; i < 2; i++) {
		struct table t = { 0 };
		struct smbios_facts f;
		struct sn_err e;

		add_system(&t, unset[i], "S");
		assert_int_equal(parse(&t, &f, &e), SN_OK);
		assert_false(f.has_uuid);
		assert_string_equal(f.uuid, "");
	}
}

static void uuid_in_short_type1_is_absent(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;
	uint8_t body[0x08 - 4] = { 0, 0, 0, 1 };   /* SMBIOS 2.0: no UUID */
	const char *strings[] = { "OLD-1", NULL };

	add_struct(&t, 1, body, sizeof(body), strings);
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_false(f.has_uuid);
	assert_string_equal(f.serial, "OLD-1");
}

static void no_serial_anywhere(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	add_system(&t, NULL, "System Serial Number");
	add_serial_struct(&t, 2, "Base Board Serial Number");
	add_serial_struct(&t, 3, "Chassis Serial Number");
	add_end(&t);
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_string_equal(f.serial, "");
	assert_string_equal(f.serial_source, "");
	assert_string_equal(f.chassis_serial, "Chassis Serial Number");
}

static void strings_cleaned(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	add_system(&t, NULL, "AB\x01\xc3\xa9 CD   ");
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_string_equal(f.serial, "AB... CD");
}

static void long_string_truncated(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;
	char longs[300];

	memset(longs, 'S', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	add_system(&t, NULL, longs);
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_int_equal(strlen(f.serial), SMBIOS_STR - 1);
}

static void filler_serials_are_placeholders(void **state)
{
	/* Erased flash, blanks, zeros, no string at all (NULL: index 0),
	 * each as the system serial. */
	const char *fillers[] = { "\xff\xff\xff\xff", "        ", "0", "0000000",
				  NULL, "........" };

	for (size_t i = 0; i < sizeof(fillers) / sizeof(fillers[0]); i++) {
		struct table t = { 0 };
		struct smbios_facts f;
		struct sn_err e;

		add_system(&t, NULL, fillers[i]);
		add_serial_struct(&t, 2, "REAL-BOARD");
		assert_int_equal(parse(&t, &f, &e), SN_OK);
		assert_string_equal(f.serial, "REAL-BOARD");
		assert_string_equal(f.serial_source, "board");
	}
}

static void placeholder_list(void **state)
{
	const char *yes[] = { "To Be Filled By O.E.M.", "to be filled by o.e.m.",
			      "Default string", "System Serial Number",
			      "Not Specified", "0", "None", "Chassis Serial Number",
			      "123456789", "   ", "\xff\xff", "", "  Default string  ",
			      "N/A", NULL };
	const char *no[] = { "SN-1", "0A", "CZ12345678", "Default string 2",
			     "123456780", "None-1", NULL };

	for (int i = 0; yes[i]; i++)
		if (!smbios_is_placeholder(yes[i]))
			fail_msg("'%s' should be a placeholder", yes[i]);
	for (int i = 0; no[i]; i++)
		if (smbios_is_placeholder(no[i]))
			fail_msg("'%s' should not be a placeholder", no[i]);
	assert_true(smbios_is_placeholder(NULL));
}

static void add_cpu(struct table *t, uint8_t len, uint8_t status, uint8_t cores,
		    uint16_t cores2)
{
	uint8_t body[0x30 - 4] = { 0 };

	body[0x05 - 4] = 3;   /* central processor */
	body[0x18 - 4] = status;
	body[0x23 - 4] = cores;
	body[0x2a - 4] = (uint8_t)cores2;
	body[0x2b - 4] = (uint8_t)(cores2 >> 8);
	add_struct(t, 4, body, len - 4u, NULL);
}

static void cpu_counts(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	add_cpu(&t, 0x30, 0x41, 8, 8);        /* populated, 8 cores */
	add_cpu(&t, 0x30, 0x41, 0xff, 300);   /* 3.0: count in Core Count 2 */
	add_cpu(&t, 0x30, 0x00, 16, 16);      /* empty socket */
	add_cpu(&t, 0x1a, 0x41, 0, 0);        /* 2.0: no core count field */
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_int_equal(f.cpu_sockets, 3);
	assert_int_equal(f.cpu_cores, 308);
}

static void add_dimm(struct table *t, uint16_t size, uint32_t ext, uint8_t len)
{
	uint8_t body[0x28 - 4] = { 0 };

	body[0x0c - 4] = (uint8_t)size;
	body[0x0d - 4] = (uint8_t)(size >> 8);
	memcpy(body + 0x1c - 4, &ext, 4);   /* x86 is little-endian */
	add_struct(t, 17, body, len - 4u, NULL);
}

static void memory_sizes(void **state)
{
	struct table t = { 0 };
	struct smbios_facts f;
	struct sn_err e;

	add_dimm(&t, 16384, 0, 0x28);          /* 16 GiB in MB */
	add_dimm(&t, 0x7fff, 65536, 0x28);     /* 64 GiB, extended size */
	add_dimm(&t, 0x8000 | 512, 0, 0x28);   /* 512 KiB granularity */
	add_dimm(&t, 0x8000 | 512, 0, 0x28);
	add_dimm(&t, 0, 0, 0x28);              /* empty slot */
	add_dimm(&t, 0xffff, 0, 0x28);         /* unknown */
	add_dimm(&t, 0x7fff, 65536, 0x15);     /* too short for extended */
	assert_int_equal(parse(&t, &f, &e), SN_OK);
	assert_int_equal(f.memory_mb, 16384 + 65536 + 1 + 32767);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_system_serial),
		cmocka_unit_test(qemu_default_has_no_serial),
		cmocka_unit_test(qemu_placeholder_falls_to_board),
		cmocka_unit_test(qemu_placeholders_fall_to_chassis),
		cmocka_unit_test(qemu_smbios3),
		cmocka_unit_test(qemu_every_prefix),
		cmocka_unit_test(empty_table),
		cmocka_unit_test(length_below_header),
		cmocka_unit_test(formatted_area_past_end),
		cmocka_unit_test(header_truncated),
		cmocka_unit_test(strings_unterminated),
		cmocka_unit_test(string_index_out_of_range),
		cmocka_unit_test(string_index_without_strings),
		cmocka_unit_test(stops_at_end_structure),
		cmocka_unit_test(first_system_structure_wins),
		cmocka_unit_test(uuid_unset_forms),
		cmocka_unit_test(uuid_in_short_type1_is_absent),
		cmocka_unit_test(no_serial_anywhere),
		cmocka_unit_test(strings_cleaned),
		cmocka_unit_test(long_string_truncated),
		cmocka_unit_test(filler_serials_are_placeholders),
		cmocka_unit_test(placeholder_list),
		cmocka_unit_test(cpu_counts),
		cmocka_unit_test(memory_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
