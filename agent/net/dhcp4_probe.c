/* dhcp4_probe_ops: the DHCPv4 state machine on its packet socket, in the
 * network stage's loop, and the lease applied to the winning NIC. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/dhcp4.h"
#include "net/dhcp4_socket.h"
#include "core/log.h"
#include "net/netif.h"
#include "net/probe.h"

#define STAGE "dhcp4"
/* Packets handled per input call, so one flooded NIC cannot starve the
 * others' timers. */
#define INPUT_BURST 32

struct dhcp4_probe {
	struct dhcp4_client c;
	struct dhcp4_socket s;
};

static int probe_send(void *io, const uint8_t *msg, size_t len,
		      const struct dhcp4_unicast *to, struct sn_err *e)
{
	return dhcp4_socket_send(io, msg, len, to, e);
}

static void probe_sync(struct probe *p)
{
	struct dhcp4_probe *dp = p->priv;

	p->timer_ms = dp->c.timer_ms;
	if (dp->c.state == DHCP4_S_BOUND && p->done != 1) {
		p->lease = dp->c.lease;
		p->done = 1;
	} else if (dp->c.state == DHCP4_S_FAILED) {
		p->done = -1;
	}
}

static int probe_start(struct probe *p, const struct probe_ctx *ctx,
		       uint64_t now, struct sn_err *e)
{
	struct dhcp4_probe *dp;
	int rc;

	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return sn_fail(e, SN_E_NOMEM, "dhcp4 state for %s", p->nic->name);
	rc = dhcp4_socket_open(&dp->s, p->nic->ifindex, p->nic->name, e);
	if (rc)
		goto err_free;
	dhcp4_client_init(&dp->c, p->nic, ctx->cfg, ctx->id, probe_send, &dp->s,
			  probe_jitter_seed(p->nic));
	p->priv = dp;
	p->fd = dp->s.fd;
	dhcp4_client_start(&dp->c, now);
	probe_sync(p);
	return 0;

err_free:
	free(dp);
	return rc;
}

static void probe_input(struct probe *p, uint64_t now)
{
	struct dhcp4_probe *dp = p->priv;
	uint8_t buf[DHCP4_MAX_MSG + 64], from[6];
	const uint8_t *msg;
	struct sn_err e;
	char text[320];
	size_t len;
	int rc;

	for (int i = 0; i < INPUT_BURST && !p->done; i++) {
		sn_clear(&e);
		rc = dhcp4_socket_recv(&dp->s, buf, sizeof(buf), &msg, &len, from, &e);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* A bad envelope is someone's broken packet: counted,
			 * logged now and then; a read error ends this round. */
			if (rc != -SN_E_DHCP4_SOCKET) {
				dp->c.last_err = e;
				if (dp->c.n_bad++ % 16)
					continue;
			}
			logmsg(STAGE, "%s: %s", p->nic->name,
			       sn_format(&e, text, sizeof(text)));
			if (rc == -SN_E_DHCP4_SOCKET)
				break;
			continue;
		}
		dhcp4_client_input(&dp->c, msg, len, from, now);
		probe_sync(p);
	}
}

static void probe_timeout(struct probe *p, uint64_t now)
{
	struct dhcp4_probe *dp = p->priv;

	dhcp4_client_timeout(&dp->c, now);
	probe_sync(p);
}

static void probe_stop(struct probe *p)
{
	struct dhcp4_probe *dp = p->priv;

	if (dp) {
		dhcp4_socket_close(&dp->s);
		free(dp);
	}
	p->priv = NULL;
	p->fd = -1;
	p->timer_ms = 0;
}

/* No netmask in the lease: the classful default (RFC 2131 §3.3 leaves it
 * to the client), better than a host route that hides the gateway. */
static struct in_addr default_mask(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);
	struct in_addr m;

	m.s_addr = htonl(h < 0x80000000u ? 0xff000000u
			 : h < 0xc0000000u ? 0xffff0000u : 0xffffff00u);
	return m;
}

static int probe_apply(struct probe *p, struct sn_err *e)
{
	struct lease *l = &p->lease;
	const char *name = p->nic->name;
	int rc;

	if (p->done != 1 || l->family != AF_INET)
		return sn_fail(e, SN_E_DHCP4_INCOMPLETE, "%s: no DHCPv4 lease", name);
	if (!l->mask4.s_addr)
		l->mask4 = default_mask(l->addr4);
	if ((rc = netif_set_addr4(name, l->addr4, l->mask4, e)))
		return rc;
	/* Below 576 (the IPv4 minimum datagram every host must take) an
	 * MTU is a misconfiguration; one the NIC refuses is only logged. */
	if (l->mtu >= 576) {
		struct sn_err mtu_err;
		char text[320];
		sn_clear(&mtu_err);
		if (netif_set_mtu(name, l->mtu, &mtu_err))
			logmsg(STAGE, "%s: %s", name, sn_format(&mtu_err, text, sizeof(text)));
	}
	return dhcp4_apply_routes(l, name, netif_add_route4, e);
}

static void probe_summary(const struct probe *p, char *buf, size_t len)
{
	const struct dhcp4_probe *dp = p->priv;

	if (!dp) {
		snprintf(buf, len, "not running");
		return;
	}
	dhcp4_client_summary(&dp->c, buf, len);
}

const struct probe_ops dhcp4_probe_ops = {
	.name = "dhcp4",
	.start = probe_start,
	.input = probe_input,
	.timeout = probe_timeout,
	.stop = probe_stop,
	.apply = probe_apply,
	.summary = probe_summary,
};
