/* 802.1Q VLANs on the NICs (snboot.vlan): which VLAN IDs a NIC gets (a
 * pure parser over the parameter) and the tagged interface itself (one
 * netlink RTM_NEWLINK, kind "vlan"). iPXE's `vcreate` uses the same
 * net_vlan_create(). Syntax reference: docs/params/snboot.vlan.md. */
#ifndef SNBOOT_VLAN_H
#define SNBOOT_VLAN_H

#include <stddef.h>

#include "core/err.h"
#include "net/nic.h"
#include "net/rules.h"

#define VLAN_GROUPS_MAX 4   /* blank-separated groups in snboot.vlan */
#define VLAN_IDS_MAX 8      /* IDs in one group, and per NIC */
#define VLAN_ID_MAX 4094    /* 0 and 4095 are reserved (802.1Q §9.6) */

/* One group: `[<rule term>=]ID[,ID...]`; no term means every NIC. */
struct vlan_group {
	struct rule_set match;  /* 0 or 1 term */
	unsigned ids[VLAN_IDS_MAX];
	int n_ids;
};

struct vlan_set {
	struct vlan_group g[VLAN_GROUPS_MAX];
	int n;
};

/* Parses snboot.vlan: groups separated by blanks, each an optional
 * snboot.prefer-style term (conditions joined with '+') and '=', then VLAN
 * IDs separated by commas. "" is an empty set. On error *out holds the
 * groups before the faulty one and e names the group and why. */
int vlan_parse(const char *text, struct vlan_set *out, struct sn_err *e);

/* The VLAN IDs for n, in order of appearance, each once; returns the
 * count (at most max). */
int vlan_ids_for(const struct vlan_set *vs, const struct nic *n,
		 unsigned *ids, int max);

/* "<parent>.<tag>", or "vl<ifindex>.<tag>" when that does not fit
 * IFNAMSIZ. */
void vlan_ifname(const char *parent, int parent_ifindex, unsigned tag,
		 char *out, size_t len);

/* Creates the tagged interface on parent (not brought up) and writes its
 * name to ifname_out. One that already exists with that name counts as
 * created. */
int net_vlan_create(const char *parent, unsigned tag, char *ifname_out,
		    size_t len, struct sn_err *e);
/* Deletes the tagged interface name (RTM_DELLINK). */
int net_vlan_delete(const char *name, struct sn_err *e);

#endif
