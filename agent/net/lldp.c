/* LLDPDU parser (IEEE 802.1AB-2016 §8). */
#include "net/lldp.h"

#include <stdio.h>
#include <string.h>

enum {
	TLV_END = 0,
	TLV_CHASSIS = 1,
	TLV_PORT = 2,
	TLV_TTL = 3,
	TLV_SYSNAME = 5,
	TLV_ORG = 127,
};

static const uint8_t oui_8021[3] = { 0x00, 0x80, 0xc2 };
static const uint8_t oui_8023[3] = { 0x00, 0x12, 0x0f };

static void printable(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t i;

	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	out[i] = '\0';
}

/* Chassis and Port ID: subtype byte, then the ID; a MAC (chassis subtype
 * 4, port subtype 3) is shown as one. */
static void id_text(char *out, size_t cap, const uint8_t *v, size_t n, int mac_subtype)
{
	if (v[0] == mac_subtype && n == 7) {
		snprintf(out, cap, "mac %02x:%02x:%02x:%02x:%02x:%02x", v[1], v[2],
			 v[3], v[4], v[5], v[6]);
		return;
	}
	int at = snprintf(out, cap, "subtype %u ", v[0]);
	printable(out + at, cap - (size_t)at, v + 1, n - 1);
}

static int bad(struct sn_err *e, unsigned type, size_t off, const char *why, size_t n)
{
	return sn_fail(e, SN_E_NET_LLDP, "TLV type %u at offset %zu (length %zu): %s",
		       type, off, n, why);
}

static int org_tlv(const uint8_t *v, size_t n, size_t off, struct lldp_info *out,
		   struct sn_err *e)
{
	int is_8021, is_8023;

	if (n < 4)
		return bad(e, TLV_ORG, off, "shorter than OUI and subtype", n);
	is_8021 = memcmp(v, oui_8021, 3) == 0;
	is_8023 = memcmp(v, oui_8023, 3) == 0;
	if (is_8021 && v[3] == 1) {  /* Port VLAN ID */
		if (n != 6)
			return bad(e, TLV_ORG, off, "802.1 Port VLAN ID wants length 6", n);
		out->pvid = (uint16_t)((v[4] << 8 | v[5]) & 0x0fff);
	} else if (is_8021 && v[3] == 3) {  /* VLAN Name */
		size_t name_len;
		if (n < 7)
			return bad(e, TLV_ORG, off, "802.1 VLAN Name shorter than 7", n);
		name_len = v[6];
		if (name_len > 32 || n != 7 + name_len)
			return bad(e, TLV_ORG, off,
				   "802.1 VLAN Name: name length disagrees with the TLV's (at most 32)", n);
		if (out->n_vlans == LLDP_VLANS_MAX) {
			out->n_vlans_dropped++;
			return 0;
		}
		out->vlans[out->n_vlans].vid = (uint16_t)((v[4] << 8 | v[5]) & 0x0fff);
		printable(out->vlans[out->n_vlans].name, sizeof(out->vlans[0].name), v + 7, name_len);
		out->n_vlans++;
	} else if ((is_8021 && v[3] == 7) || (is_8023 && v[3] == 3)) {  /* link aggregation */
		if (n != 9)
			return bad(e, TLV_ORG, off, "link aggregation wants length 9", n);
		out->lag_seen = 1;
		out->lag_capable = v[4] & 1;
		out->lag_enabled = (v[4] >> 1) & 1;
		out->lag_port = (uint32_t)v[5] << 24 | (uint32_t)v[6] << 16 |
				(uint32_t)v[7] << 8 | v[8];
	}
	return 0;
}

int lldp_parse(const uint8_t *buf, size_t len, struct lldp_info *out,
	       struct sn_err *e)
{
	size_t off = 0;
	int index = 0;

	memset(out, 0, sizeof(*out));
	while (off < len) {
		unsigned type;
		size_t n;
		const uint8_t *v;
		int rc;

		if (len - off < 2)
			return sn_fail(e, SN_E_NET_LLDP, "offset %zu: 1 byte left, a TLV header needs 2", off);
		type = buf[off] >> 1;
		n = (size_t)(buf[off] & 1) << 8 | buf[off + 1];
		v = buf + off + 2;
		if (len - off - 2 < n)
			return bad(e, type, off, "runs past the end of the frame", n);
		/* §8.2: Chassis ID, Port ID, TTL come first, in that order. */
		if (index < 3 && type != (unsigned)index + 1)
			return bad(e, type, off, index == 0 ? "first TLV is not Chassis ID"
						 : index == 1 ? "second TLV is not Port ID"
							      : "third TLV is not TTL", n);
		switch (type) {
		case TLV_END:
			return 0;
		case TLV_CHASSIS:
		case TLV_PORT:
			if (n < 2 || n > 256)
				return bad(e, type, off, "ID length outside 2..256", n);
			if (index > 1)
				return bad(e, type, off, "repeated", n);
			if (type == TLV_CHASSIS)
				id_text(out->chassis, sizeof(out->chassis), v, n, 4);
			else
				id_text(out->port, sizeof(out->port), v, n, 3);
			break;
		case TLV_TTL:
			if (n < 2)
				return bad(e, type, off, "TTL wants 2 bytes", n);
			if (index > 2)
				return bad(e, type, off, "repeated", n);
			out->ttl = (uint16_t)(v[0] << 8 | v[1]);
			break;
		case TLV_SYSNAME:
			printable(out->sysname, sizeof(out->sysname), v, n);
			break;
		case TLV_ORG:
			if ((rc = org_tlv(v, n, off, out, e)))
				return rc;
			break;
		default:
			break;
		}
		index++;
		off += 2 + n;
	}
	if (index < 3)
		return sn_fail(e, SN_E_NET_LLDP, "%d bytes: ends before Chassis ID, Port ID and TTL",
			       (int)len);
	return 0;
}

static int lag_usable(const struct lldp_lag *r)
{
	return r->capable && r->enabled && r->agg_id;
}

static int lag_same(const struct lldp_lag *a, const struct lldp_lag *b)
{
	return a->agg_id == b->agg_id && strcmp(a->chassis, b->chassis) == 0;
}

int lldp_lag_group(const struct lldp_lag *recs, int n, int *members, int max)
{
	int best = -1, best_n = 0, k = 0;

	for (int i = 0; i < n; i++) {
		int c = 0, first = 1;

		if (!lag_usable(&recs[i]))
			continue;
		for (int j = 0; j < n; j++) {
			if (!lag_usable(&recs[j]) || !lag_same(&recs[i], &recs[j]))
				continue;
			first &= j >= i;  /* count each set once, from its first record */
			c++;
		}
		if (first && c > best_n) {
			best = i;
			best_n = c;
		}
	}
	if (best_n < 2)
		return 0;
	for (int j = best; j < n && k < max; j++)
		if (lag_usable(&recs[j]) && lag_same(&recs[best], &recs[j]))
			members[k++] = recs[j].port;
	return k;
}
