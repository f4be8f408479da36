/* dhcp6_probe_ops: the DHCPv6 state machine (dhcp6.c) on a real socket
 * (dhcp6_socket.c), driven by the network stage's loop (probe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/dhcp6.h"
#include "net/dhcp6_socket.h"
#include "core/log.h"
#include "net/probe.h"

#define STAGE "dhcp6"

struct dhcp6_probe {
	struct dhcp6_client c;
	int fd;
	int ifindex;
};

static int probe_send(void *arg, const uint8_t *buf, size_t len, struct sn_err *e)
{
	struct dhcp6_probe *dp = arg;
	return dhcp6_socket_send(dp->fd, dp->ifindex, buf, len, e);
}

static void probe_sync(struct probe *p)
{
	struct dhcp6_probe *dp = p->priv;

	p->timer_ms = dp->c.timer_ms;
	if (dp->c.state == DHCP6_BOUND && !p->done) {
		p->lease = dp->c.lease;
		p->done = 1;
	}
}

static void fill_params(struct dhcp6_params *par, const struct nic *n,
			const struct probe_ctx *ctx)
{
	memset(par, 0, sizeof(*par));
	snprintf(par->ifname, sizeof(par->ifname), "%s", n->name);
	par->ifindex = n->ifindex;
	memcpy(par->mac, n->mac, 6);
	if (ctx->id && ctx->id->has_uuid) {
		par->has_uuid = 1;
		memcpy(par->uuid_raw, ctx->id->uuid_raw, 16);
	}
	snprintf(par->vendor_class, sizeof(par->vendor_class), "%s", ctx->cfg->vendor_class);
	snprintf(par->user_class, sizeof(par->user_class), "%s", ctx->cfg->user_class);
	par->arch = (uint16_t)ctx->cfg->arch;
	par->rapid_commit = ctx->cfg->rapid_commit;
	par->need_url = !ctx->cfg->url[0];
}

static int probe_start(struct probe *p, const struct probe_ctx *ctx, uint64_t now,
		       struct sn_err *e)
{
	struct dhcp6_probe *dp;
	struct dhcp6_params par;
	struct sn_err warn;
	char msg[320];
	int rc;

	/* Without these the probe still works, only slower or without RA
	 * routes; report and go on. */
	sn_clear(&warn);
	if (dhcp6_link_prepare(p->nic->name, &warn))
		logmsg(STAGE, "%s: %s", p->nic->name, sn_format(&warn, msg, sizeof(msg)));
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return sn_fail(e, SN_E_NOMEM, "dhcp6 state for %s", p->nic->name);
	dp->ifindex = p->nic->ifindex;
	rc = dhcp6_socket_open(p->nic->name, p->nic->ifindex, &dp->fd, e);
	if (rc)
		goto err_free;
	fill_params(&par, p->nic, ctx);
	p->priv = dp;
	p->fd = dp->fd;
	dhcp6_client_init(&dp->c, &par, probe_send, dp, probe_jitter_seed(p->nic), now);
	probe_sync(p);
	return SN_OK;

err_free:
	free(dp);
	return rc;
}

static void probe_input(struct probe *p, uint64_t now)
{
	struct dhcp6_probe *dp = p->priv;
	uint8_t buf[2048];
	struct in6_addr from;
	struct sn_err e;
	char msg[320];
	size_t len;
	int rc;

	/* Drain the socket: the loop polls level-triggered, but one poll
	 * round per datagram would delay a burst of Advertises. */
	while (!p->done) {
		sn_clear(&e);
		rc = dhcp6_socket_recv(dp->fd, buf, sizeof(buf), &len, &from, &e);
		if (rc == SN_E_DHCP6_DATAGRAM) {
			logmsg(STAGE, "%s: %s", p->nic->name, sn_format(&e, msg, sizeof(msg)));
			continue;
		}
		if (rc) {
			logmsg(STAGE, "%s: %s", p->nic->name, sn_format(&e, msg, sizeof(msg)));
			break;
		}
		if (len == 0)
			break;
		dhcp6_client_input(&dp->c, buf, len, &from, now);
		probe_sync(p);
	}
}

static void probe_timeout(struct probe *p, uint64_t now)
{
	struct dhcp6_probe *dp = p->priv;

	dhcp6_client_timeout(&dp->c, now);
	probe_sync(p);
}

static void probe_stop(struct probe *p)
{
	struct dhcp6_probe *dp = p->priv;

	if (dp) {
		if (dp->fd >= 0)
			close(dp->fd);
		free(dp);
	}
	p->priv = NULL;
	p->fd = -1;
	p->timer_ms = 0;
}

static int probe_apply(struct probe *p, struct sn_err *e)
{
	if (p->done != 1 || p->lease.family != AF_INET6)
		return sn_fail(e, SN_E_DHCP6_NO_LEASE, "%s", p->nic->name);
	/* Only the /128: the on-link prefix and the default route come from
	 * router advertisements (accept_ra, see dhcp6_link_prepare). */
	return dhcp6_addr_add(p->lease.ifindex, &p->lease.addr6, p->lease.prefix6, e);
}

const struct probe_ops dhcp6_probe_ops = {
	.name = "dhcp6",
	.start = probe_start,
	.input = probe_input,
	.timeout = probe_timeout,
	.stop = probe_stop,
	.apply = probe_apply,
};
