/* LLDP (IEEE 802.1AB-2016): what a switch says about the port. A pure
 * parser over one LLDPDU (the Ethernet payload, type 0x88cc): the
 * mandatory Chassis ID, Port ID and TTL, the System Name, and what the
 * network stage may act on: the IEEE 802.1 Port VLAN ID and VLAN Name
 * TLVs (802.1Q Annex D.2.1, D.2.3) and link aggregation (802.1 subtype 7,
 * or the older 802.3 subtype 3). */
#ifndef SNBOOT_LLDP_H
#define SNBOOT_LLDP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LLDP_ETHERTYPE 0x88cc
#define LLDP_VLANS_MAX 16

struct lldp_vlan {
	uint16_t vid;
	char name[33];          /* printable; '.' for anything else */
};

struct lldp_info {
	char chassis[80];       /* "mac 52:54:00:..." or "<subtype n> text" */
	char port[80];
	uint16_t ttl;
	char sysname[64];
	uint16_t pvid;          /* 0: no Port VLAN ID TLV (or it said 0) */
	struct lldp_vlan vlans[LLDP_VLANS_MAX];
	int n_vlans;
	int n_vlans_dropped;    /* VLAN Name TLVs beyond LLDP_VLANS_MAX */
	int lag_seen;           /* a link aggregation TLV was present */
	int lag_capable, lag_enabled;
	uint32_t lag_port;      /* aggregated port ID, 0 if none */
};

/* What one port heard about link aggregation (802.1AB Annex E.8 / 802.1Q
 * Annex D.2.7), for grouping ports into a bond. */
struct lldp_lag {
	int port;               /* the caller's index for the port */
	char chassis[80];       /* as lldp_info.chassis */
	int capable, enabled;
	uint32_t agg_id;        /* the switch's aggregated port ID */
};

/* The ports a switch aggregates: the largest set of two or more records
 * with the same chassis ID and aggregated port ID (not 0), each capable
 * and enabled; the first such set on a tie. Their .port values go to
 * members (up to max) in record order; returns how many, 0 for none. */
int lldp_lag_group(const struct lldp_lag *recs, int n, int *members, int max);

/* Parses the LLDPDU at buf. Errors name the TLV (type, offset) and the
 * rule it breaks. Unknown TLVs and other organizations' are skipped. */
int lldp_parse(const uint8_t *buf, size_t len, struct lldp_info *out,
	       struct sn_err *e);

#endif
