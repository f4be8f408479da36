/* A protocol client on one NIC (DHCPv4 or DHCPv6), driven by the network
 * stage's single event loop (netrace.c). The loop polls p->fd, calls
 * ops->input when readable and ops->timeout once mono_ms() reaches
 * p->timer_ms; the client's state machine sets p->timer_ms (absolute, 0 =
 * none) and, when it has bound a lease, p->done = 1 with p->lease filled.
 * p->done = -1 means it gave up for good (the loop just stops polling it).
 * Only the socket layer of a client touches the network; the state machine
 * decides, so tests can drive it with captured packets. */
#ifndef SNBOOT_PROBE_H
#define SNBOOT_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "net/lease.h"
#include "net/lldp.h"
#include "net/nic.h"
#include "core/smbios.h"

struct probe;

struct probe_ctx {
	const struct config *cfg;
	const struct smbios_facts *id;  /* serial (option 61, DUID fallback), UUID */
};

struct probe_ops {
	const char *name;                 /* "dhcp4", "dhcp6" */
	/* Opens the socket(s) and sends the first message (after a random
	 * 0..jitter delay it may choose via timer_ms). */
	int (*start)(struct probe *p, const struct probe_ctx *ctx, uint64_t now,
		     struct sn_err *e);
	void (*input)(struct probe *p, uint64_t now);
	void (*timeout)(struct probe *p, uint64_t now);
	/* Closes sockets, frees priv; the lease stays in p->lease. */
	void (*stop)(struct probe *p);
	/* Configures the lease on the interface (address, routes); the loop
	 * calls it only for the winner. */
	int (*apply)(struct probe *p, struct sn_err *e);
	/* Optional (may be NULL): one line on what happened, for the report
	 * when no NIC won ("3 DISCOVERs, no OFFER"). Called before stop. */
	void (*summary)(const struct probe *p, char *buf, size_t len);
	/* 1: never binds a lease, only listens (LLDP); not waited for. */
	int passive;
};

struct probe {
	const struct probe_ops *ops;
	const struct nic *nic;
	int fd;              /* polled for POLLIN; -1 when none */
	uint64_t timer_ms;   /* absolute mono_ms() of the next timeout, 0 = none */
	int done;            /* 0 running, 1 bound (lease valid), -1 gave up */
	struct lease lease;
	/* A passive probe's finding: VLANs the switch names for this port
	 * (LLDP Port VLAN ID, VLAN Name); the race adds the new ones. */
	unsigned vlans[8];
	int n_vlans;
	/* and what it says about link aggregation (has_lag: a TLV seen) */
	struct lldp_lag lag;
	int has_lag;
	void *priv;          /* the client's state */
};

/* Seed for a probe's jitter. Machines that boot together after a power
 * event must not pick the same delays, even before the kernel has
 * entropy: the MAC, the ifindex and the clock are mixed in. */
uint64_t probe_jitter_seed(const struct nic *n);

extern const struct probe_ops dhcp4_probe_ops;
extern const struct probe_ops dhcp6_probe_ops;
extern const struct probe_ops lldp_probe_ops;

#endif
