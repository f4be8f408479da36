/* Static IPv4 settings in the kernel's own ip= syntax (Documentation/
 * admin-guide/nfs/nfsroot.rst), for networks without DHCP:
 *   client:server:gw:netmask:hostname:device:autoconf:dns0:dns1:ntp0
 * Every field may be empty but the client address; autoconf must be
 * empty, "none", "off" or "static" (this is the no-DHCP path). A pure
 * parser: no I/O. */
#ifndef SNBOOT_IPCFG_H
#define SNBOOT_IPCFG_H

#include <net/if.h>
#include <netinet/in.h>

#include "core/err.h"

struct ipcfg {
	struct in_addr client, server, gw, mask;  /* 0.0.0.0 when empty */
	int mask_given;           /* 0: classful default filled in */
	char hostname[64];
	char dev[IF_NAMESIZE];    /* "" = the best-ranked NIC with carrier */
	struct in_addr dns[2];
	int n_dns;
	struct in_addr ntp;
};

/* Parses s (the value of snboot.ip). Errors name the field (by number and
 * name) and the text found there. */
int ipcfg_parse(const char *s, struct ipcfg *out, struct sn_err *e);

#endif
