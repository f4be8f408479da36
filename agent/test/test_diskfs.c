/* diskfs: the parsers' view of a partition never leaves it, even through
 * absolute symlinks, and grub's `search` finds partitions by UUID, label
 * or file. */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/diskfs.h"

static char root[64], p1[96], p2[96];
static struct diskfs fs;

static void put(const char *dir, const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct fs_info a = { .type = "vfat", .uuid = "1234-ABCD", .label = "ESP", .mountable = 1 };
	struct fs_info b = { .type = "ext4", .uuid = "3f0c5e1a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
			     .label = "root", .mountable = 1 };
	char path[160];

	snprintf(root, sizeof(root), "/tmp/snboot-diskfs.XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(p1, sizeof(p1), "%s/p1", root);
	snprintf(p2, sizeof(p2), "%s/p2", root);
	mkdir(p1, 0755);
	mkdir(p2, 0755);
	snprintf(path, sizeof(path), "%s/boot", p2);
	mkdir(path, 0755);
	put(p2, "boot/vmlinuz-6.1", "KERNEL");
	put(p2, "boot/config-6.1", "CONFIG");
	put(root, "outside", "SECRET");
	/* Debian's /vmlinuz is a relative link; a hostile one is absolute or
	 * climbs out: both must stay inside the partition. */
	snprintf(path, sizeof(path), "%s/vmlinuz", p2);
	assert_int_equal(symlink("/boot/vmlinuz-6.1", path), 0);
	snprintf(path, sizeof(path), "%s/escape", p2);
	assert_int_equal(symlink("../../outside", path), 0);
	snprintf(path, sizeof(path), "%s/boot/subdir", p2);
	mkdir(path, 0755);
	memset(&fs, 0, sizeof(fs));
	fs.cur = -1;
	assert_int_equal(diskfs_add(&fs, "vda1", p1, 0, &a), 0);
	assert_int_equal(diskfs_add(&fs, "vda2", p2, 0, &b), 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	diskfs_close(&fs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void absolute_symlinks_resolve_inside_the_partition(void **state)
{
	size_t len = 0;
	char *s;

	fs.cur = 1;
	s = diskfs_ops.read_file(&fs, "", "/vmlinuz", 1024, &len);
	assert_non_null(s);
	assert_string_equal(s, "KERNEL");
	assert_int_equal(len, 6);
	free(s);
	/* ../../outside from the partition's root stays at its root. */
	assert_null(diskfs_ops.read_file(&fs, "", "/escape", 1024, &len));
	assert_null(diskfs_ops.read_file(&fs, "", "/../outside", 1024, &len));
	/* The partition named by reference, whatever the current one. */
	fs.cur = 0;
	s = diskfs_ops.read_file(&fs, "dev=vda2", "boot/config-6.1", 3, &len);
	assert_non_null(s);
	assert_string_equal(s, "CON");        /* cut at max */
	free(s);
	assert_null(diskfs_ops.read_file(&fs, "dev=vdz9", "/vmlinuz", 1024, &len));
}

static void list_dir_names_regular_files_only(void **state)
{
	char **names;
	int n;

	fs.cur = 1;
	n = diskfs_ops.list_dir(&fs, "", "/boot", &names);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++) {
		assert_true(!strcmp(names[i], "vmlinuz-6.1") || !strcmp(names[i], "config-6.1"));
		free(names[i]);
	}
	free(names);
	assert_int_equal(diskfs_ops.list_dir(&fs, "", "/nope", &names), -1);
}

static void search_by_uuid_label_and_file(void **state)
{
	char ref[48];

	assert_int_equal(diskfs_ops.search(&fs, "fs-uuid", "1234-abcd", ref, sizeof(ref)), 0);
	assert_string_equal(ref, "dev=vda1");
	assert_int_equal(diskfs_ops.search(&fs, "label", "root", ref, sizeof(ref)), 0);
	assert_string_equal(ref, "dev=vda2");
	assert_int_equal(diskfs_ops.search(&fs, "file", "/boot/vmlinuz-6.1", ref, sizeof(ref)), 0);
	assert_string_equal(ref, "dev=vda2");
	assert_int_equal(diskfs_ops.search(&fs, "label", "ROOT", ref, sizeof(ref)), -1);
	assert_int_equal(diskfs_ops.search(&fs, "fs-uuid", "0000-0000", ref, sizeof(ref)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(absolute_symlinks_resolve_inside_the_partition),
		cmocka_unit_test(list_dir_names_regular_files_only),
		cmocka_unit_test(search_by_uuid_label_and_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
