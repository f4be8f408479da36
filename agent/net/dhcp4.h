/* DHCPv4 client, one per NIC (RFC 2131 §4.4, rapid commit RFC 4039).
 * The state machine here decides; it sends through a callback and never
 * touches a socket, so tests drive it with captured packets and fake time.
 * dhcp4_probe_ops (probe.h) wires it to the packet socket (dhcp4_socket.h)
 * and the network stage's loop. */
#ifndef SNBOOT_DHCP4_H
#define SNBOOT_DHCP4_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "net/dhcp4_ipudp.h"
#include "net/dhcp4_packet.h"
#include "core/err.h"
#include "net/lease.h"
#include "net/nic.h"
#include "core/smbios.h"

/* Retransmission: 1 s doubling to 8 s, each ±25 %; the first DISCOVER
 * after 0..200 ms. RFC 2131 §4.1 suggests 4 s doubling to 64 s. We are
 * faster on purpose: every NIC races at once, so a quiet NIC costs nothing,
 * and a DISCOVER lost in a boot storm (thousands of machines powered on
 * together, servers dropping under load) should cost 1-2 s, not 4-12 s.
 * The 8 s cap keeps a fleet's steady load low, and the jitter spreads
 * machines that started in the same instant. */
#define DHCP4_START_JITTER_MS 200
#define DHCP4_RETRY_MIN_MS 1000
#define DHCP4_RETRY_MAX_MS 8000
#define DHCP4_RETRY_JITTER_PCT 25
/* REQUESTs without an answer before starting over with a new DISCOVER. */
#define DHCP4_REQUEST_TRIES 4
/* A NIC without carrier yet (autonegotiation takes 1-3 s on real ports)
 * would lose the DISCOVER: poll the link this often instead, up to
 * DHCP4_LINK_WAIT_MS, then send anyway with the normal backoff. */
#define DHCP4_LINK_POLL_MS 100
/* Boot server REQUESTs to a ProxyDHCP server's port 4011 without an ACK
 * before going back to DISCOVERs (its next OFFER starts another round). */
#define DHCP4_PXE_TRIES 4
#define DHCP4_LINK_WAIT_MS 10000

enum dhcp4_state {
	DHCP4_S_STOPPED,     /* not started */
	DHCP4_S_INIT,        /* waiting to send a DISCOVER (start jitter, backoff) */
	DHCP4_S_SELECTING,   /* DISCOVER sent; waiting for OFFER (or rapid ACK) */
	DHCP4_S_REQUESTING,  /* REQUEST sent for the first OFFER; ACK or NAK */
	DHCP4_S_BOUND,       /* lease valid */
	DHCP4_S_NOURL,       /* lease valid but no boot URL yet: DISCOVERs go
			      * on (backoff) for a ProxyDHCP answer or another
			      * server's OFFER that carries one */
	DHCP4_S_PXEREQ,      /* lease valid, no URL; a ProxyDHCP server said
			      * PXE without a boot file: REQUEST sent to its
			      * port 4011 (PXE 2.1 §2.2.6), waiting for the ACK
			      * that names the boot file */
	DHCP4_S_FAILED,      /* cannot send at all; given up */
};

/* Sends one DHCP message (no IP/UDP headers): a broadcast when to is
 * NULL, else unicast as *to says. */
typedef int (*dhcp4_send_fn)(void *io, const uint8_t *msg, size_t len,
			     const struct dhcp4_unicast *to, struct sn_err *e);

struct dhcp4_client {
	/* who we are (dhcp4_client_init) */
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint8_t mac[6];
	char serial[96];
	char vendor_class[128];
	char user_class[64];
	uint16_t arch;
	uint8_t uuid[16];
	int has_uuid;
	int rapid_commit;
	int need_url;             /* no snboot.url: a lease needs a boot URL */
	dhcp4_send_fn send;
	void *io;

	/* the state machine */
	enum dhcp4_state state;
	uint64_t timer_ms;        /* absolute; 0 = none */
	uint32_t xid;
	unsigned tries;           /* sent in the current state */
	unsigned restarts;        /* back to INIT after a NAK or no ACK */
	uint64_t started_ms;      /* first DISCOVER of this acquisition (secs) */
	uint64_t link_wait_ms;    /* since when we wait for carrier, 0 = not */
	struct in_addr offered, server;
	uint64_t rng;
	struct lease lease;       /* valid in BOUND and NOURL */
	/* A boot URL from an answer that is not the lease's (ProxyDHCP: an
	 * OFFER without address; another server's OFFER), first one kept. */
	char alt_url[LEASE_URL_MAX];
	char alt_from[64];
	/* A ProxyDHCP server that said PXE (option 60) without a boot URL:
	 * its boot file comes from its port 4011. mac: the Ethernet source
	 * of its OFFER, where the unicast REQUEST goes. */
	int pxe_known;
	struct in_addr pxe_server;
	uint8_t pxe_mac[6];
	struct dhcp4_pxe pxe;
	uint8_t rx_mac[6];        /* Ethernet source of the reply being read */

	/* what happened, for the summary when nothing was bound */
	unsigned n_discover, n_request, n_offer, n_ack, n_nak;
	unsigned n_foreign, n_bad, n_send_err;
	unsigned n_proxy;         /* ProxyDHCP answers (OFFERs without address) */
	unsigned n_nourl_discover; /* DISCOVERs sent in NOURL */
	unsigned n_pxe_request;   /* REQUESTs to port 4011 */
	struct sn_err last_err;   /* last malformed reply or send failure */
};

/* Copies the identity: serial (cfg->serial overrides id->serial), vendor
 * and user class, arch, UUID, rapid commit; need_url = !cfg->url[0]. seed makes the jitter and xids;
 * mix something per machine into it (MAC, serial, getrandom). */
void dhcp4_client_init(struct dhcp4_client *c, const struct nic *nic,
		       const struct config *cfg, const struct smbios_facts *id,
		       dhcp4_send_fn send, void *io, uint64_t seed);
void dhcp4_client_start(struct dhcp4_client *c, uint64_t now);
/* A received DHCP message (UDP payload) and the Ethernet source of its
 * frame (NULL if unknown). Anything malformed, foreign or unexpected is
 * logged (foreign ones only counted) and dropped. */
void dhcp4_client_input(struct dhcp4_client *c, const uint8_t *msg,
			size_t len, const uint8_t *from_mac, uint64_t now);
/* Call when now >= c->timer_ms. */
void dhcp4_client_timeout(struct dhcp4_client *c, uint64_t now);

const char *dhcp4_state_name(enum dhcp4_state s);

/* The routes a lease asks for, through add (netif_add_route4 in the
 * agent): option 121's when present, RFC 3442 §1 "the client MUST ignore
 * the Router option" then; else the default route via option 3. Stops at
 * the first failure. */
typedef int (*dhcp4_route_fn)(const char *name, struct in_addr dst,
			      unsigned plen, struct in_addr gw,
			      struct in_addr addr, struct in_addr mask,
			      struct sn_err *e);
int dhcp4_apply_routes(const struct lease *l, const char *name,
		       dhcp4_route_fn add, struct sn_err *e);
/* "3 DISCOVERs, no OFFER" and the like, for the deadline report. */
void dhcp4_client_summary(const struct dhcp4_client *c, char *buf, size_t len);

#endif
