/* PID 1 start-up: mounts, consoles, clock, loopback. */
#include "core/sysinit.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"

struct mount_point {
	const char *source, *target, *type;
	unsigned long flags;
	int optional; /* absent on some machines (efivarfs without UEFI) */
};

static const struct mount_point mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0 },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0 },
	/* devtmpfs before any TLS: mbedtls on musl reads /dev/urandom. */
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, 0 },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, 0 },
	{ "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, 0 },
	{ "efivarfs", "/sys/firmware/efi/efivars", "efivarfs",
	  MS_NOSUID | MS_NODEV | MS_NOEXEC, 1 },
};

void sysinit_mounts(void)
{
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		const struct mount_point *m = &mounts[i];
		struct stat st;

		if (m->optional && stat(m->target, &st) != 0)
			continue;
		mkdir(m->target, 0755);
		if (mount(m->source, m->target, m->type, m->flags, NULL) != 0 &&
		    errno != EBUSY)
			logmsg("init", "E%04d cannot mount %s on %s: %s", SN_E_MOUNT,
			       m->type, m->target, strerror(errno));
	}
}

void sysinit_consoles(void)
{
	char *text = read_file("/proc/consoles", 4096, NULL);
	char *save = NULL;
	int opened = 0;

	if (!text)
		return;
	/* Lines look like "ttyS0                -W- (EC p a)    4:64". */
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[32], path[48];
		int fd;

		if (sscanf(line, "%31s", name) != 1)
			continue;
		snprintf(path, sizeof(path), "/dev/%s", name);
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		/* O_NONBLOCK only so open() does not wait for carrier; writes
		 * must block, or a busy UART would drop log lines. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		log_add_console(fd);
		opened++;
	}
	free(text);
	if (opened)
		log_use_consoles_only();
}

int sysinit_clock(long long build_epoch, struct sn_err *e)
{
	struct timeval tv;

	/* RTC_HCTOSYS already set the clock from the RTC; only a clock from
	 * before this build (dead CMOS battery) is corrected. */
	if (time(NULL) >= (time_t)build_epoch)
		return SN_OK;
	tv.tv_sec = (time_t)build_epoch;
	tv.tv_usec = 0;
	if (settimeofday(&tv, NULL) != 0)
		return sn_fail(e, SN_E_CLOCK, "settimeofday(%lld): %s", build_epoch,
			       strerror(errno));
	logmsg("init", "clock was before the build date; set to %lld", build_epoch);
	return SN_OK;
}

void sysinit_loopback(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}
