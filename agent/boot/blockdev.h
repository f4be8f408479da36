/* Local disks and their partitions, from sysfs (the kernel has parsed the
 * GPT/MBR tables already). Disks come in a stable order: by their device
 * path in sysfs (PCI topology: controller address, then port, target, LUN
 * or namespace), compared as version strings. `sanboot --drive 0x80` is
 * the first disk in that order, 0x81 the second (docs/localboot.md). */
#ifndef SNBOOT_BLOCKDEV_H
#define SNBOOT_BLOCKDEV_H

#define BLK_DISKS_MAX 32
#define BLK_PARTS_MAX 32

struct blk_part {
	char name[40];            /* "nvme0n1p2", "vda1"; the disk itself when
	                           * it has no partition table */
	int partn;                /* partition number, 0 = whole disk */
	char partlabel[72];       /* GPT partition name (uevent PARTNAME) */
	unsigned long long size_mib;
};

struct blk_disk {
	char name[40];            /* "vda", "nvme0n1", "sda" */
	char devpath[256];        /* sysfs device path the order is taken from */
	char transport[12];       /* "nvme", "virtio", "ata", "scsi", "other" */
	char model[64];
	unsigned long long size_mib;
	struct blk_part parts[BLK_PARTS_MAX];
	int n_parts;
};

/* Lists the disks under sysfs_root ("/sys" in the image; tests pass a tree
 * of their own) into disks[max], in the stable order; returns how many.
 * Leaves out loop, ram, zram, optical and floppy devices and empty media. */
int blockdev_list(const char *sysfs_root, struct blk_disk *disks, int max);

/* One disk by name ("sdb"); -1 when absent or empty. */
int blockdev_get(const char *sysfs_root, const char *name, struct blk_disk *d);

#endif
