/* lldp_probe_ops: a passive probe per port that listens for LLDP (IEEE
 * 802.1AB) and reports the VLANs the switch names for the port (802.1
 * Port VLAN ID and VLAN Name TLVs) in p->vlans; the race makes tagged
 * interfaces for them. It never binds a lease. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "net/lldp.h"
#include "net/probe.h"

#define STAGE "lldp"
#define INPUT_BURST 8

struct lldp_probe {
	unsigned frames, bad;
	char from[160];     /* last sender, for the summary */
};

/* The NIC must pass the LLDP group address. It is added to the device
 * (SIOCADDMULTI), not to the socket (PACKET_ADD_MEMBERSHIP), so it stays
 * when the probe stops: closing a socket that holds a membership changes
 * the NIC's multicast list right after the race, and QEMU's e1000 model
 * then holds every received frame for 1 s (a timer armed on each RCTL
 * write, docs/performance.md): the ARP reply for the backend waited, and
 * with it the whole API call. Adding an address already there is a no-op;
 * it goes with the NIC at kexec. */
static int join_group(const struct nic *n, int fd)
{
	static const unsigned char group[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", n->name);
	ifr.ifr_hwaddr.sa_family = AF_UNSPEC;
	memcpy(ifr.ifr_hwaddr.sa_data, group, sizeof(group));
	return ioctl(fd, SIOCADDMULTI, &ifr);
}

static int probe_start(struct probe *p, const struct probe_ctx *ctx,
		       uint64_t now, struct sn_err *e)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(LLDP_ETHERTYPE),
		.sll_ifindex = p->nic->ifindex,
	};
	struct lldp_probe *lp = calloc(1, sizeof(*lp));
	const char *what = "LLDP socket";
	int fd, err;

	(void)ctx, (void)now;
	if (!lp)
		return sn_fail(e, SN_E_NOMEM, "lldp state for %s", p->nic->name);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	if (join_group(p->nic, fd) < 0) {
		what = "LLDP group address 01:80:c2:00:00:0e";
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	p->priv = lp;
	p->fd = fd;
	p->timer_ms = 0;
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	free(lp);
	return sn_fail(e, SN_E_NET_SOCKET, "%s: %s: %s", p->nic->name, what, strerror(err));
}

static void add_vlan(struct probe *p, unsigned vid)
{
	/* 0: priority-tagged only; 1: the default VLAN, untagged on the port. */
	if (vid < 2 || vid > 4094)
		return;
	for (int i = 0; i < p->n_vlans; i++)
		if (p->vlans[i] == vid)
			return;
	if (p->n_vlans < (int)(sizeof(p->vlans) / sizeof(p->vlans[0])))
		p->vlans[p->n_vlans++] = vid;
}

static void on_frame(struct probe *p, const uint8_t *buf, size_t len)
{
	struct lldp_probe *lp = p->priv;
	struct lldp_info li;
	struct sn_err e;
	char text[320];
	int before = p->n_vlans;

	sn_clear(&e);
	if (lldp_parse(buf, len, &li, &e)) {
		if (lp->bad++ % 16 == 0)
			logmsg(STAGE, "%s: %s", p->nic->name, sn_format(&e, text, sizeof(text)));
		return;
	}
	lp->frames++;
	snprintf(lp->from, sizeof(lp->from), "%.60s (%.40s, port %.40s)",
		 li.sysname[0] ? li.sysname : "-", li.chassis, li.port);
	add_vlan(p, li.pvid);
	for (int i = 0; i < li.n_vlans; i++)
		add_vlan(p, li.vlans[i].vid);
	if (li.lag_seen) {  /* the race groups ports by it (lldp_lag_group) */
		p->has_lag = 1;
		snprintf(p->lag.chassis, sizeof(p->lag.chassis), "%s", li.chassis);
		p->lag.capable = li.lag_capable;
		p->lag.enabled = li.lag_enabled;
		p->lag.agg_id = li.lag_port;
	}
	if (lp->frames == 1 || p->n_vlans != before)
		logmsg(STAGE, "%s: LLDP from %s: PVID %u, %d VLAN names%s%s", p->nic->name,
		       lp->from, li.pvid, li.n_vlans,
		       li.lag_seen ? ", link aggregation " : "",
		       li.lag_seen ? (li.lag_enabled ? "on" : li.lag_capable ? "capable" : "off") : "");
	if (li.lag_seen && li.lag_enabled && lp->frames == 1)
		logmsg(STAGE, "%s: the switch aggregates this port: aggregated port ID %u",
		       p->nic->name, (unsigned)li.lag_port);
}

static void probe_input(struct probe *p, uint64_t now)
{
	uint8_t buf[1600];

	(void)now;
	for (int i = 0; i < INPUT_BURST; i++) {
		ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		on_frame(p, buf, (size_t)n);
	}
}

static void probe_timeout(struct probe *p, uint64_t now)
{
	(void)now;
	p->timer_ms = 0;
}

static void probe_stop(struct probe *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free(p->priv);
	p->priv = NULL;
	p->fd = -1;
}

static int probe_apply(struct probe *p, struct sn_err *e)
{
	return sn_fail(e, SN_E_NET_PROBE, "%s: LLDP gives no lease", p->nic->name);
}

static void probe_summary(const struct probe *p, char *buf, size_t len)
{
	const struct lldp_probe *lp = p->priv;

	if (!lp || !lp->frames)
		snprintf(buf, len, "no LLDP frame%s", lp && lp->bad ? " (only malformed ones)" : "");
	else
		snprintf(buf, len, "%u LLDP frames from %s, %d VLANs named", lp->frames,
			 lp->from, p->n_vlans);
}

const struct probe_ops lldp_probe_ops = {
	.name = "lldp",
	.start = probe_start,
	.input = probe_input,
	.timeout = probe_timeout,
	.stop = probe_stop,
	.apply = probe_apply,
	.summary = probe_summary,
	.passive = 1,
};
