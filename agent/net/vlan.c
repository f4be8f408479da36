/* snboot.vlan parsing and the interface names of VLANs (pure). */
#include "net/vlan.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int group_fail(struct sn_err *e, int g, const char *text, size_t n,
		      const char *why)
{
	return sn_fail(e, SN_E_NET_VLAN_RULES, "snboot.vlan group %d \"%.*s\": %s",
		       g + 1, (int)(n > 80 ? 80 : n), text, why);
}

static int parse_ids(const char *s, size_t n, struct vlan_group *g, int gi,
		     const char *group, size_t glen, struct sn_err *e)
{
	size_t at = 0;

	if (!n)
		return group_fail(e, gi, group, glen, "no VLAN ID");
	while (at <= n) {
		size_t len = 0;
		unsigned long id = 0;

		while (at + len < n && s[at + len] != ',')
			len++;
		if (!len || len > 4)
			return group_fail(e, gi, group, glen, "want VLAN IDs 1..4094 separated by ','");
		for (size_t i = 0; i < len; i++) {
			if (s[at + i] < '0' || s[at + i] > '9')
				return group_fail(e, gi, group, glen,
						  "want VLAN IDs 1..4094 separated by ','");
			id = id * 10 + (unsigned long)(s[at + i] - '0');
		}
		if (id < 1 || id > VLAN_ID_MAX)
			return group_fail(e, gi, group, glen, "VLAN ID outside 1..4094");
		if (g->n_ids == VLAN_IDS_MAX)
			return group_fail(e, gi, group, glen, "more than 8 VLAN IDs");
		g->ids[g->n_ids++] = (unsigned)id;
		at += len + 1;
	}
	return 0;
}

int vlan_parse(const char *text, struct vlan_set *out, struct sn_err *e)
{
	const char *p = text ? text : "";

	memset(out, 0, sizeof(*out));
	for (;;) {
		const char *eq;
		size_t n;
		struct vlan_group *g;
		char term[256];
		int rc;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		n = strcspn(p, " \t");
		if (out->n == VLAN_GROUPS_MAX)
			return sn_fail(e, SN_E_NET_VLAN_RULES,
				       "snboot.vlan: more than %d groups", VLAN_GROUPS_MAX);
		g = &out->g[out->n];
		memset(g, 0, sizeof(*g));
		eq = memchr(p, '=', n);
		if (eq) {
			size_t tn = (size_t)(eq - p);
			if (!tn || tn >= sizeof(term) || memchr(p, ',', tn))
				return group_fail(e, out->n, p, n, "want one NIC term "
						  "(conditions joined with '+') before '='");
			memcpy(term, p, tn);
			term[tn] = '\0';
			if ((rc = rules_parse(term, &g->match, e))) {
				char why[200];
				snprintf(why, sizeof(why), "%.190s", e->ctx);
				return group_fail(e, out->n, p, n, why);
			}
		}
		if ((rc = parse_ids(eq ? eq + 1 : p, eq ? (size_t)(p + n - eq - 1) : n,
				    g, out->n, p, n, e)))
			return rc;
		out->n++;
		p += n;
	}
}

int vlan_ids_for(const struct vlan_set *vs, const struct nic *n,
		 unsigned *ids, int max)
{
	int count = 0;

	for (int i = 0; i < vs->n; i++) {
		const struct vlan_group *g = &vs->g[i];
		if (g->match.n && rules_match(&g->match, n) < 0)
			continue;
		for (int k = 0; k < g->n_ids; k++) {
			int dup = 0;
			for (int j = 0; j < count; j++)
				dup |= ids[j] == g->ids[k];
			if (!dup && count < max)
				ids[count++] = g->ids[k];
		}
	}
	return count;
}

void vlan_ifname(const char *parent, int parent_ifindex, unsigned tag,
		 char *out, size_t len)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.%u", parent, tag);
	if (strlen(name) >= IFNAMSIZ)
		snprintf(name, sizeof(name), "vl%d.%u", parent_ifindex, tag);
	snprintf(out, len, "%s", name);
}
