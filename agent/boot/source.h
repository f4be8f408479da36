/* Boot sources. Each yields boot images for the one boot path (boot.h):
 * the network source runs the backend's iPXE script, whose `boot` hands
 * over the image it built; the local source reads the disks' BLS, grub.cfg
 * and extlinux entries (an ordered list with one default) and boots the
 * first one that is not worn out by the boot-loop counter. A source that
 * returns did not boot; what it came to tells the policy (core/policy.c)
 * what to try next. */
#ifndef SNBOOT_SOURCE_H
#define SNBOOT_SOURCE_H

#include <stddef.h>

#include "core/agent.h"

enum source_end {
	SOURCE_RETRY,     /* nothing decided: ask the backend again */
	SOURCE_LOCAL,     /* the backend chose the local disk (sanboot, exit) */
	SOURCE_FAILED,    /* the script failed (snboot.script_error decides) */
};

struct source_result {
	enum source_end end;
	unsigned drive;           /* sanboot --drive (0x80 = first disk) */
	unsigned retry_after_s;   /* the backend's Retry-After, 0 if none */
	char reason[256];
};

/* Runs the backend's script; returns only when nothing was booted. */
void netsource_run(struct agent *a, const char *script, size_t len,
		   struct source_result *r);

#endif
