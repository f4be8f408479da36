/* Disk listing from a sysfs tree the test builds the way the kernel lays
 * it out (block/<disk> symlinks into the PCI device tree, partitions as
 * subdirectories with a "partition" file and a uevent). */
#include "fixtures.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/blockdev.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A disk under devpath (relative to root/devices) with sectors of 512 B
 * and partitions "N:LABEL" (LABEL may be empty). */
static void disk(const char *name, const char *devpath, const char *sectors, int nparts,
		 const char *const *labels)
{
	char rel[512], link[512], target[512], text[128];

	snprintf(rel, sizeof(rel), "devices/%s/%s/size", devpath, name);
	put(rel, sectors);
	snprintf(rel, sizeof(rel), "devices/%s/%s/device/model", devpath, name);
	put(rel, "QEMU DISK   \n");
	for (int i = 1; i <= nparts; i++) {
		snprintf(rel, sizeof(rel), "devices/%s/%s/%s%s%d/partition", devpath, name, name,
			 strncmp(name, "nvme", 4) == 0 ? "p" : "", i);
		put(rel, "1\n");
		snprintf(rel, sizeof(rel), "devices/%s/%s/%s%s%d/size", devpath, name, name,
			 strncmp(name, "nvme", 4) == 0 ? "p" : "", i);
		put(rel, "204800\n");
		snprintf(rel, sizeof(rel), "devices/%s/%s/%s%s%d/uevent", devpath, name, name,
			 strncmp(name, "nvme", 4) == 0 ? "p" : "", i);
		snprintf(text, sizeof(text), "MAJOR=259\nMINOR=1\nDEVNAME=x\nDEVTYPE=partition\n"
			 "PARTN=%d\n%s%s%s", i, labels && labels[i - 1] ? "PARTNAME=" : "",
			 labels && labels[i - 1] ? labels[i - 1] : "", labels && labels[i - 1] ? "\n" : "");
		put(rel, text);
	}
	snprintf(link, sizeof(link), "%s/block", root);
	mkdir(link, 0755);
	snprintf(link, sizeof(link), "%s/block/%s", root, name);
	snprintf(target, sizeof(target), "../devices/%s/%s", devpath, name);
	assert_int_equal(symlink(target, link), 0);
}

static int setup(void **state)
{
	static const char *const esp[] = { "EFI System Partition", "root" };

	snprintf(root, sizeof(root), "/tmp/snboot-sysfs.XXXXXX");
	assert_non_null(mkdtemp(root));
	/* Listed out of PCI order on purpose; the two virtio disks' slots
	 * sort 0000:00:05.0 < 0000:00:0a.0 only as version strings. */
	disk("vdb", "pci0000:00/0000:00:0a.0/virtio3/block", "409600\n", 1, NULL);
	disk("sda", "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block",
	     "409600\n", 0, NULL);
	disk("vda", "pci0000:00/0000:00:05.0/virtio2/block", "409600\n", 2, esp);
	disk("nvme0n1", "pci0000:00/0000:00:04.0/nvme/nvme0", "409600\n", 1, NULL);
	disk("loop0", "virtual/block", "409600\n", 0, NULL);
	disk("sr0", "pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block", "0\n", 0, NULL);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void disks_in_pci_order_without_virtual_ones(void **state)
{
	struct blk_disk d[BLK_DISKS_MAX];
	int n = blockdev_list(root, d, BLK_DISKS_MAX);

	assert_int_equal(n, 4);
	assert_string_equal(d[0].name, "nvme0n1");
	assert_string_equal(d[1].name, "vda");
	assert_string_equal(d[2].name, "vdb");
	assert_string_equal(d[3].name, "sda");
	assert_string_equal(d[0].transport, "nvme");
	assert_string_equal(d[1].transport, "virtio");
	assert_string_equal(d[3].transport, "ata");
	assert_string_equal(d[1].model, "QEMU DISK");
	assert_int_equal(d[1].size_mib, 200);
}

static void partitions_with_number_and_gpt_name(void **state)
{
	struct blk_disk d;

	assert_int_equal(blockdev_get(root, "vda", &d), 0);
	assert_int_equal(d.n_parts, 2);
	assert_string_equal(d.parts[0].name, "vda1");
	assert_int_equal(d.parts[0].partn, 1);
	assert_string_equal(d.parts[0].partlabel, "EFI System Partition");
	assert_string_equal(d.parts[1].partlabel, "root");
	assert_int_equal(d.parts[1].size_mib, 100);
	assert_int_equal(blockdev_get(root, "nvme0n1", &d), 0);
	assert_string_equal(d.parts[0].name, "nvme0n1p1");
}

static void a_disk_without_partitions_is_its_own_filesystem(void **state)
{
	struct blk_disk d;

	assert_int_equal(blockdev_get(root, "sda", &d), 0);
	assert_int_equal(d.n_parts, 1);
	assert_string_equal(d.parts[0].name, "sda");
	assert_int_equal(d.parts[0].partn, 0);
	assert_int_equal(blockdev_get(root, "sr0", &d), -1);      /* no media */
	assert_int_equal(blockdev_get(root, "nope", &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disks_in_pci_order_without_virtual_ones),
		cmocka_unit_test(partitions_with_number_and_gpt_name),
		cmocka_unit_test(a_disk_without_partitions_is_its_own_filesystem),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
