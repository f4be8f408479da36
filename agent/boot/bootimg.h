/* One small value for anything bootable, whatever its source (the network
 * script, BLS, grub.cfg, extlinux): one kexec path loads any of them. */
#ifndef SNBOOT_BOOTIMG_H
#define SNBOOT_BOOTIMG_H

#define BOOTIMG_MAX_INITRDS 8

struct boot_image {
	char label[64];
	char source[32];            /* "network", "bls", "grub", "extlinux" */
	int kernel_fd;              /* memfd or file, -1 if none */
	int initrd_fds[BOOTIMG_MAX_INITRDS];
	int n_initrds;
	char cmdline[2048];
};

#endif
