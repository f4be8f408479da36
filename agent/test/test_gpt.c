/* GPT parsing on sfdisk-made disks (agent/test/data/gpt), and the UEFI
 * load options the BootNext path reads and writes. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/bootnext.h"
#include "boot/efivar.h"
#include "boot/gpt.h"

static uint8_t *load(const char *path, size_t *len)
{
	static uint8_t buf[65536];
	FILE *f = fopen(path, "rb");

	assert_non_null(f);
	*len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

static void test_sfdisk_esp_linux(void **state)
{
	size_t len;
	uint8_t *buf = load("agent/test/data/gpt/sfdisk-esp-linux.bin", &len);
	struct gpt *g = malloc(sizeof(*g));
	const struct gpt_part *esp;
	struct sn_err e;
	char text[37];

	assert_int_equal(len, 34 * 512);
	assert_int_equal(gpt_parse(buf, len, 512, g, &e), SN_OK);
	assert_int_equal(g->n, 2);
	gpt_guid_text(g->disk_guid, text);
	assert_string_equal(text, "6a1c2e5b-93d0-4c5b-9f5e-0d1b2c3d4e5f");
	esp = gpt_find_esp(g);
	assert_non_null(esp);
	assert_int_equal(esp->number, 1);
	assert_int_equal(esp->first_lba, 2048);
	assert_int_equal(esp->last_lba, 2048 + 32768 - 1);
	assert_string_equal(esp->name, "EFI System");
	gpt_guid_text(esp->guid, text);
	assert_string_equal(text, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
	assert_int_equal(g->p[1].number, 2);
	assert_int_equal(g->p[1].first_lba, 34816);
	assert_string_equal(g->p[1].name, "root \xc3\xbcn\xc3\xaf");
	gpt_guid_text(g->p[1].type, text);
	assert_string_equal(text, "0fc63daf-8483-4772-8e79-3d69d8477de4");
	free(g);
}

static void test_damage_is_reported(void **state)
{
	size_t len;
	uint8_t *orig = load("agent/test/data/gpt/sfdisk-esp-linux.bin", &len);
	uint8_t *buf = malloc(len);
	struct gpt *g = malloc(sizeof(*g));
	struct sn_err e;

	memcpy(buf, orig, len);
	buf[512 + 60] ^= 1;      /* disk GUID: header CRC breaks */
	assert_int_equal(gpt_parse(buf, len, 512, g, &e), SN_E_GPT_CRC);
	assert_non_null(strstr(e.ctx, "header CRC32"));

	memcpy(buf, orig, len);
	buf[1024 + 128 + 40] ^= 1;   /* partition 2's last LBA: array CRC */
	assert_int_equal(gpt_parse(buf, len, 512, g, &e), SN_E_GPT_CRC);
	assert_non_null(strstr(e.ctx, "entry array"));

	/* too little read for the entry array */
	assert_int_equal(gpt_parse(orig, 2048, 512, g, &e), SN_E_GPT_HEADER);
	assert_non_null(strstr(e.ctx, "entries end at byte"));
	assert_int_equal(gpt_parse(orig, 1000, 512, g, &e), SN_E_GPT_HEADER);
	assert_int_equal(gpt_parse(orig, len, 1000, g, &e), SN_E_GPT_HEADER);

	memcpy(buf, orig, len);
	memcpy(buf + 512, "EFI PARX", 8);
	assert_int_equal(gpt_parse(buf, len, 512, g, &e), SN_E_GPT_NONE);
	free(buf);
	free(g);
}

static void test_mbr_disk_is_not_gpt(void **state)
{
	size_t len;
	uint8_t *buf = load("agent/test/data/gpt/sfdisk-mbr.bin", &len);
	struct gpt *g = malloc(sizeof(*g));
	struct sn_err e;

	assert_int_equal(gpt_parse(buf, len, 512, g, &e), SN_E_GPT_NONE);
	assert_non_null(strstr(e.ctx, "0xee"));
	free(g);
}

static void test_crc32_known_value(void **state)
{
	assert_int_equal(gpt_crc32((const uint8_t *)"123456789", 9), 0xcbf43926);
}

static void test_load_option_roundtrip(void **state)
{
	size_t len;
	uint8_t *disk = load("agent/test/data/gpt/sfdisk-esp-linux.bin", &len);
	struct gpt *g = malloc(sizeof(*g));
	struct efi_load_option o;
	struct sn_err e;
	uint8_t opt[512];
	size_t n;

	assert_int_equal(gpt_parse(disk, len, 512, g, &e), SN_OK);
	n = efi_load_option_build(opt, sizeof(opt), "snboot: local disk vda",
				  gpt_find_esp(g), BOOTNEXT_LOADER);
	/* 6 + 2*23 description + HD 42 + file 4+2*22 + end 4 */
	assert_int_equal(n, 6 + 46 + 42 + 48 + 4);
	assert_int_equal(opt[4] | opt[5] << 8, 42 + 48 + 4);
	assert_int_equal(efi_load_option_parse(opt, n, &o, &e), SN_OK);
	assert_int_equal(o.attrs, 1);
	assert_string_equal(o.desc, "snboot: local disk vda");
	assert_true(o.has_hd);
	assert_int_equal(o.hd_part, 1);
	assert_int_equal(o.hd_start, 2048);
	assert_int_equal(o.hd_size, 32768);
	assert_memory_equal(o.hd_sig, gpt_find_esp(g)->guid, 16);
	assert_int_equal(o.hd_fmt, 2);
	assert_int_equal(o.hd_sigtype, 2);
	assert_string_equal(o.file, "\\EFI\\BOOT\\BOOTX64.EFI");

	/* every truncation is refused, none read past the end */
	for (size_t cut = 0; cut < n - 4; cut++) {
		uint8_t *t = malloc(cut ? cut : 1);
		memcpy(t, opt, cut);
		int rc = efi_load_option_parse(t, cut, &o, &e);
		free(t);
		assert_int_equal(rc, SN_E_BOOTNEXT_OPTION);
	}
	assert_int_equal(efi_load_option_build(opt, 100, "x", gpt_find_esp(g),
					       BOOTNEXT_LOADER), 0);
	free(g);
}

static void test_load_option_bad_node_length(void **state)
{
	/* attrs, path length 8, description "A", a node claiming 2 bytes */
	static const uint8_t opt[] = { 1, 0, 0, 0, 8, 0, 'A', 0, 0, 0,
				       4, 1, 2, 0, 0x7f, 0xff, 4, 0 };
	struct efi_load_option o;
	struct sn_err e;

	assert_int_equal(efi_load_option_parse(opt, sizeof(opt), &o, &e),
			 SN_E_BOOTNEXT_OPTION);
	assert_non_null(strstr(e.ctx, "node 04/01"));
}

/* A real Boot#### as OVMF wrote it, read through efivar_get from a
 * directory standing in for efivarfs (agent/test/data/efivars). */
static void test_ovmf_boot0000(void **state)
{
	uint8_t buf[256];
	size_t len = sizeof(buf);
	uint32_t attrs;
	struct efi_load_option o;
	struct sn_err e;

	efivar_set_dir("agent/test/data/efivars");
	assert_int_equal(efivar_get(EFI_GLOBAL_GUID, "Boot0000", &attrs, buf, &len, &e), SN_OK);
	efivar_set_dir(NULL);
	assert_int_equal(attrs, EFI_VARIABLE_NV_BS_RT);
	assert_int_equal(efi_load_option_parse(buf, len, &o, &e), SN_OK);
	assert_int_equal(o.attrs, 0x109);
	assert_string_equal(o.desc, "UiApp");
	assert_false(o.has_hd);
	assert_string_equal(o.file, "");
	/* cut anywhere inside, it is refused */
	for (size_t cut = 0; cut + 4 < len; cut++)
		assert_int_equal(efi_load_option_parse(buf, cut, &o, &e), SN_E_BOOTNEXT_OPTION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sfdisk_esp_linux),
		cmocka_unit_test(test_damage_is_reported),
		cmocka_unit_test(test_mbr_disk_is_not_gpt),
		cmocka_unit_test(test_crc32_known_value),
		cmocka_unit_test(test_load_option_roundtrip),
		cmocka_unit_test(test_load_option_bad_node_length),
		cmocka_unit_test(test_ovmf_boot0000),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
