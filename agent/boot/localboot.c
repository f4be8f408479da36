/* Local disk boot. Today it inventories the disks and says what it found;
 * reading BLS / grub.cfg / extlinux.conf entries into boot images for the
 * shared kexec path is not built yet, so it reports that plainly and the
 * caller keeps asking the backend (never brick). */
#include "boot/localboot.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/sysinit.h"

static int is_disk(const char *name)
{
	return strncmp(name, "loop", 4) != 0 && strncmp(name, "ram", 3) != 0 &&
	       name[0] != '.';
}

int localboot_run(const struct config *cfg, struct sn_err *e)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	char list[512] = "";
	size_t used = 0;
	int disks = 0;

	if (d) {
		while ((de = readdir(d))) {
			char path[300];
			char *size;
			unsigned long long sectors;

			if (!is_disk(de->d_name))
				continue;
			snprintf(path, sizeof(path), "/sys/block/%s/size", de->d_name);
			size = read_file(path, 64, NULL);
			sectors = size ? strtoull(size, NULL, 10) : 0;
			free(size);
			used += (size_t)snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
						 "%s%s (%llu MiB)", disks ? ", " : "", de->d_name,
						 sectors / 2048);
			if (used >= sizeof(list))
				used = sizeof(list) - 1;
			disks++;
		}
		closedir(d);
	}
	if (!disks)
		return sn_fail(e, SN_E_LOCAL_NO_DISK, "no local disk found");
	logmsg("local", "local disks: %s", list);
	return sn_fail(e, SN_E_LOCAL_UNSUPPORTED,
		       "%d disk(s) found, but reading their boot entries is not built yet", disks);
}
