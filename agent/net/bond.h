/* snboot.bond: ports joined as one IEEE 802.3ad (LACP) bond by the kernel's
 * bonding driver, created and undone over rtnetlink. */
#ifndef SNBOOT_BOND_H
#define SNBOOT_BOND_H

#include "core/err.h"

#define BOND_NAME "snbond0"
/* A partner that has not answered a single LACPDU by then never will
 * (fast rate: one LACPDU a second each way); the ports then race on their
 * own. 802.3ad's own default would wait for ever. */
#define BOND_FALLBACK_MS 8000

/* Creates name in mode 802.3ad, miimon 100 ms, LACP rate fast. */
int net_bond_create(const char *name, struct sn_err *e);
/* Makes port (down) a slave of bond. */
int net_bond_enslave(const char *bond, const char *port, struct sn_err *e);
/* Deletes the bond; its ports are free again (and down). */
int net_bond_delete(const char *bond, struct sn_err *e);
/* 1 when the bond's aggregator has an LACP partner
 * (bonding/ad_partner_mac not all zero), 0 when not, -1 unknown. */
int net_bond_partner(const char *sysfs_net, const char *bond);

#endif
