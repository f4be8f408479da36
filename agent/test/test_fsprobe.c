/* fsprobe: type, UUID and label from the first bytes of filesystems made by
 * Debian's own mkfs tools (agent/test/data/fsprobe/README.md). */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/fsprobe.h"
#include "core/fdio.h"

#define DATA "agent/test/data/fsprobe/"

static struct fs_info probe_file(const char *name, int *hit)
{
	struct fs_info fi;
	size_t len = 0;
	char *buf = read_file(name, FSPROBE_BYTES, &len);

	assert_non_null(buf);
	*hit = fsprobe((const uint8_t *)buf, len, &fi);
	free(buf);
	return fi;
}

static void ext4_uuid_and_label(void **state)
{
	int hit;
	struct fs_info fi = probe_file(DATA "ext4.bin", &hit);

	assert_true(hit);
	assert_string_equal(fi.type, "ext4");
	assert_string_equal(fi.uuid, "3f0c5e1a-1b2c-4d5e-8f90-a1b2c3d4e5f6");
	assert_string_equal(fi.label, "root");
	assert_true(fi.mountable);
	assert_string_equal(fsprobe_ro_options(fi.type), "noload");
}

static void xfs_uuid_and_label(void **state)
{
	int hit;
	struct fs_info fi = probe_file(DATA "xfs.bin", &hit);

	assert_true(hit);
	assert_string_equal(fi.type, "xfs");
	assert_string_equal(fi.uuid, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	assert_string_equal(fi.label, "xroot");
	assert_string_equal(fsprobe_ro_options(fi.type), "norecovery");
}

static void vfat_volume_id_as_grub_writes_it(void **state)
{
	int hit;
	struct fs_info fi = probe_file(DATA "vfat32.bin", &hit);

	assert_true(hit);
	assert_string_equal(fi.type, "vfat");
	assert_string_equal(fi.uuid, "1234-ABCD");
	assert_string_equal(fi.label, "EFI-SYSTEM");
	fi = probe_file(DATA "vfat16.bin", &hit);
	assert_true(hit);
	assert_string_equal(fi.uuid, "0BAD-F00D");
	assert_string_equal(fi.label, "BOOT");
}

static void swap_is_recognised_but_not_mounted(void **state)
{
	int hit;
	struct fs_info fi = probe_file(DATA "swap.bin", &hit);

	assert_true(hit);
	assert_string_equal(fi.type, "swap");
	assert_string_equal(fi.uuid, "11111111-2222-4333-8444-555555555555");
	assert_false(fi.mountable);
}

static void short_or_blank_buffers_are_unknown(void **state)
{
	static uint8_t zero[FSPROBE_BYTES];
	struct fs_info fi;
	size_t len = 0;
	char *ext4 = read_file(DATA "ext4.bin", FSPROBE_BYTES, &len);

	assert_false(fsprobe(zero, sizeof(zero), &fi));
	assert_string_equal(fi.type, "");
	/* The ext4 magic sits at byte 1080: a buffer cut before it is unknown. */
	assert_false(fsprobe((const uint8_t *)ext4, 1070, &fi));
	free(ext4);
}

static void hostile_label_keeps_the_console_clean(void **state)
{
	size_t len = 0;
	char *buf = read_file(DATA "ext4.bin", FSPROBE_BYTES, &len);
	struct fs_info fi;

	memcpy(buf + 1024 + 120, "a\x1b[2Jb\n", 7);
	assert_true(fsprobe((const uint8_t *)buf, len, &fi));
	assert_string_equal(fi.label, "a?[2Jb?");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ext4_uuid_and_label),
		cmocka_unit_test(xfs_uuid_and_label),
		cmocka_unit_test(vfat_volume_id_as_grub_writes_it),
		cmocka_unit_test(swap_is_recognised_but_not_mounted),
		cmocka_unit_test(short_or_blank_buffers_are_unknown),
		cmocka_unit_test(hostile_label_keeps_the_console_clean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
