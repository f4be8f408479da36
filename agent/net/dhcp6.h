/* DHCPv6 client for one NIC (RFC 8415 §18.2.1-18.2.10): Solicit (with rapid
 * commit when configured) → Advertise → Request → Reply, or Solicit → Reply.
 * The state machine below only decides: it gets packets and time from its
 * caller and sends through a callback, so tests drive it without a network.
 * dhcp6_probe_ops (probe.h, dhcp6_probe.c) puts it on the socket layer
 * (dhcp6_socket.c) for netrace.c. */
#ifndef SNBOOT_DHCP6_H
#define SNBOOT_DHCP6_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dhcp6_packet.h"
#include "core/err.h"
#include "net/lease.h"

/* Timing, RFC 8415 §7.6 value beside ours. */
/* The RFC waits 0..SOL_MAX_DELAY (1 s) before the first Solicit to spread
 * a power-on storm; we wait 0..200 ms: boot speed is the point of snboot,
 * and the RFC's own per-client jitter on every retransmission still
 * spreads a fleet. */
#define DHCP6_SOL_MAX_DELAY_MS 200
#define DHCP6_SOL_TIMEOUT_MS 1000      /* RFC: 1 s */
/* RFC: 3600 s. A machine that boots is waiting for us; a server that comes
 * back (or a cable plugged in) must be found within seconds, not an hour.
 * Jitter still spreads a fleet. For the same reason the server's
 * SOL_MAX_RT option (82) is neither requested nor honoured. */
#define DHCP6_SOL_MAX_RT_MS 8000
#define DHCP6_REQ_TIMEOUT_MS 1000      /* RFC: 1 s */
#define DHCP6_REQ_MAX_RT_MS 8000       /* RFC: 30 s; as SOL_MAX_RT */
/* RFC: 10 (about 3 minutes with 30 s MRT). After ~15 s without a Reply the
 * chosen server is gone: start over with Solicit and let any server answer. */
#define DHCP6_REQ_MAX_RC 4
/* A send that fails because the link has no usable link-local address yet
 * is retried soon, uncounted: a link just brought up has none until the
 * kernel sees its carrier (linkwatch, up to ~1 s, also on veth and
 * virtio) and, with DAD, until DAD ends. Every 100 ms for 3 s, so the
 * first Solicit leaves at most 100 ms after the link is usable, then once
 * a second, so a NIC without a cable costs next to nothing. */
#define DHCP6_NOT_READY_RETRY_MS 100
#define DHCP6_NOT_READY_FAST_TRIES 30
#define DHCP6_NOT_READY_SLOW_MS 1000

enum dhcp6_state {
	DHCP6_INIT,       /* waiting the random delay before the first Solicit */
	DHCP6_SOLICITING, /* Solicit sent, collecting Advertises */
	DHCP6_REQUESTING, /* Request sent to the chosen server */
	DHCP6_BOUND,      /* address leased; lease filled */
	/* Address leased but no boot URL (and need_url): the lease is kept,
	 * Solicits go on with backoff (no rapid commit) until an Advertise
	 * or Reply names a boot URL, which the lease takes: BOUND. */
	DHCP6_NOURL,
	DHCP6_STATE_COUNT
};

const char *dhcp6_state_name(enum dhcp6_state s);

/* Sends one message to all DHCP servers on the link. Returns SN_OK,
 * SN_E_DHCP6_NOT_READY when the link cannot send yet (the client retries
 * shortly without counting it), or another code (logged; the normal
 * retransmission timer retries). */
typedef int (*dhcp6_send_fn)(void *arg, const uint8_t *buf, size_t len, struct sn_err *e);

/* What identifies the client and what it asks for. */
struct dhcp6_params {
	char ifname[16];
	int ifindex;
	uint8_t mac[6];
	int has_uuid;
	uint8_t uuid_raw[16];      /* SMBIOS order, see dhcp6_duid_uuid() */
	char vendor_class[128];
	char user_class[64];
	uint16_t arch;
	int rapid_commit;
	int need_url;              /* 1: a lease without boot URL is not the end (NOURL) */
};

struct dhcp6_client {
	struct dhcp6_params par;
	uint8_t duid[DHCP6_DUID_MAX];
	size_t duid_len;
	uint32_t iaid;
	dhcp6_send_fn send;
	void *send_arg;
	uint64_t rng;

	enum dhcp6_state state;
	uint64_t timer_ms;        /* absolute, 0 = none */
	uint32_t xid;
	uint64_t exchange_ms;     /* start of this exchange, for option 8 */
	uint32_t rt_ms;           /* current retransmission timeout */
	unsigned tx_count;        /* transmissions in this exchange */
	unsigned restarts;        /* refusals in a row, for the INIT backoff */
	int collecting;           /* SOLICITING, first RT not over: keep the best */
	int last_send_err;        /* to log a failing send once, not every retry */
	unsigned not_ready_tries; /* sends in a row the link could not take yet */
	int have_best;
	struct dhcp6_msg best;    /* Advertise collected / chosen server */
	struct in6_addr best_from;
	struct lease lease;       /* valid in DHCP6_BOUND and DHCP6_NOURL */
};

/* Derives DUID and IAID, arms the initial random delay (state INIT).
 * seed feeds the jitter and transaction ids. */
void dhcp6_client_init(struct dhcp6_client *c, const struct dhcp6_params *par,
		       dhcp6_send_fn send, void *send_arg, uint64_t seed, uint64_t now);

/* A UDP payload from a server (from = its address). Malformed or
 * unexpected messages are logged and dropped. */
void dhcp6_client_input(struct dhcp6_client *c, const uint8_t *buf, size_t len,
			const struct in6_addr *from, uint64_t now);

/* Call when now >= c->timer_ms. */
void dhcp6_client_timeout(struct dhcp6_client *c, uint64_t now);

/* IAID: the MAC's last four bytes (stable across boots, distinct per NIC
 * even when all NICs share the DUID-UUID); the ifindex if the MAC is zero. */
uint32_t dhcp6_iaid(const uint8_t mac[6], int ifindex);

/* The loop may call this before bringing the link up (start() calls it
 * too): accept_ra=1 so the kernel solicits routers (SLAAC, default route,
 * on-link prefix), accept_dad=0 so the link-local address is usable at
 * once instead of ~1-2 s later. Missing sysctls are an error (IPv6 off). */
int dhcp6_link_prepare(const char *ifname, struct sn_err *e);

#endif
