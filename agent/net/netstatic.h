/* The network stage's path without DHCP (snboot.ip=, see ipcfg.h). */
#ifndef SNBOOT_NETSTATIC_H
#define SNBOOT_NETSTATIC_H

#include "net/netrace.h"

/* out->nics is listed and ranked (rules applied). Brings up the named
 * device, or every usable NIC and keeps the best-ranked one with carrier
 * (waiting for one until deadline), sets the address, the default route
 * and resolv.conf, and takes the other NICs down again. out->lease is the
 * static setting, its boot URL cfg->url (required). */
int net_static(const struct net_env *env, const struct config *cfg,
	       struct net_result *out, uint64_t t0, uint64_t deadline,
	       struct sn_err *e);

#endif
