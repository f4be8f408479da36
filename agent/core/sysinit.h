/* PID 1 duties before anything else: filesystems, consoles, a sane clock. */
#ifndef SNBOOT_SYSINIT_H
#define SNBOOT_SYSINIT_H

#include "core/err.h"
#include "core/fdio.h"

/* Mounts proc, sys, devtmpfs, tmpfs (/run, /tmp), efivarfs where present;
 * failures are logged and the agent goes on with what it has. */
void sysinit_mounts(void);

/* Sends log lines to every console the kernel lists in /proc/consoles. */
void sysinit_consoles(void);

/* TLS needs a sane clock: never earlier than the build date. */
int sysinit_clock(long long build_epoch, struct sn_err *e);

/* Brings the loopback interface up. */
void sysinit_loopback(void);


#endif
