/* efivar: the efivarfs file layout (4 attribute bytes, then data), names,
 * listing, deletion, against a temporary directory standing in for
 * /sys/firmware/efi/efivars. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/efivar.h"

static char tmpdir[64];

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/test_efivar.XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	efivar_set_dir(tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	efivar_set_dir(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static void test_set_get_roundtrip(void **state)
{
	static const unsigned char next[2] = { 0x03, 0x00 };   /* BootNext = 0003 */
	unsigned char buf[8], raw[16];
	uint32_t attrs = 0;
	size_t len = sizeof(buf);
	struct sn_err e;
	char path[128];
	FILE *f;

	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "BootNext", EFI_VARIABLE_NV_BS_RT, next,
				    2, &e), SN_OK);
	/* on disk exactly as efivarfs shows it: attributes LE, then data */
	snprintf(path, sizeof(path), "%s/BootNext-%s", tmpdir, EFI_GLOBAL_GUID);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(raw, 1, sizeof(raw), f), 6);
	fclose(f);
	assert_memory_equal(raw, "\x07\x00\x00\x00\x03\x00", 6);

	assert_int_equal(efivar_get(EFI_GLOBAL_GUID, "BootNext", &attrs, buf, &len, &e),
			 SN_OK);
	assert_int_equal(attrs, 7);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, next, 2);
}

static void test_shorter_value_replaces(void **state)
{
	unsigned char buf[16];
	size_t len = sizeof(buf);
	struct sn_err e;

	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "Counter", 7, "abcdefgh", 8, &e), SN_OK);
	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "Counter", 7, "xy", 2, &e), SN_OK);
	assert_int_equal(efivar_get(EFI_GLOBAL_GUID, "Counter", NULL, buf, &len, &e), SN_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(buf, "xy", 2);
}

static void test_missing_and_small_buffer(void **state)
{
	unsigned char buf[2];
	size_t len = sizeof(buf);
	struct sn_err e;

	assert_int_equal(efivar_get(EFI_GLOBAL_GUID, "Nope", NULL, buf, &len, &e),
			 SN_E_EFIVAR_NOENT);
	assert_non_null(strstr(e.ctx, "Nope-8be4df61"));
	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "Big", 7, "12345", 5, &e), SN_OK);
	len = sizeof(buf);
	assert_int_equal(efivar_get(EFI_GLOBAL_GUID, "Big", NULL, buf, &len, &e),
			 SN_E_EFIVAR_SIZE);
	assert_int_equal(len, 5);   /* the size needed */
}

static void test_bad_names(void **state)
{
	size_t len = 0;
	struct sn_err e;

	assert_int_equal(efivar_get("8BE4DF61-93CA-11D2-AA0D-00E098032B8C", "BootNext", NULL,
				    NULL, &len, &e), SN_E_EFIVAR_NAME);
	assert_int_equal(efivar_get("8be4df61-93ca-11d2-aa0d", "BootNext", NULL, NULL, &len,
				    &e), SN_E_EFIVAR_NAME);
	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "../etc", 7, "", 0, &e),
			 SN_E_EFIVAR_NAME);
	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "", 7, "", 0, &e), SN_E_EFIVAR_NAME);
}

static void test_list_and_delete(void **state)
{
	static const char other[] = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f";
	char names[8][64];
	struct sn_err e;

	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "Boot0002", 7, "b", 1, &e), SN_OK);
	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "Boot0000", 7, "a", 1, &e), SN_OK);
	assert_int_equal(efivar_set(EFI_GLOBAL_GUID, "BootOrder", 7, "\0\0", 2, &e), SN_OK);
	assert_int_equal(efivar_set(other, "Boot0001", 7, "c", 1, &e), SN_OK);
	assert_int_equal(efivar_list(EFI_GLOBAL_GUID, "Boot0", names, 8, &e), 2);
	assert_string_equal(names[0], "Boot0000");
	assert_string_equal(names[1], "Boot0002");
	assert_int_equal(efivar_list(EFI_GLOBAL_GUID, "Boot0", names, 1, &e), 1);

	assert_int_equal(efivar_del(EFI_GLOBAL_GUID, "Boot0000", &e), SN_OK);
	assert_int_equal(efivar_del(EFI_GLOBAL_GUID, "Boot0000", &e), SN_OK);
	assert_int_equal(efivar_list(EFI_GLOBAL_GUID, "Boot0", names, 8, &e), 1);
	assert_string_equal(names[0], "Boot0002");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_get_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shorter_value_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_small_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_delete, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
