/* DHCPv4 client state machine: INIT -> SELECTING -> REQUESTING -> BOUND
 * (RFC 2131 §4.4, figure 5), or SELECTING -> BOUND with rapid commit
 * (RFC 4039). Only dhcp4_enter() changes the state; timer expiry is one
 * switch in dhcp4_client_timeout(). */
#include "net/dhcp4.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/log.h"
#include "http/urlutil.h"

#define STAGE "dhcp4"

static const char *const state_names[] = {
	[DHCP4_S_STOPPED] = "stopped",
	[DHCP4_S_INIT] = "init",
	[DHCP4_S_SELECTING] = "selecting",
	[DHCP4_S_REQUESTING] = "requesting",
	[DHCP4_S_BOUND] = "bound",
	[DHCP4_S_NOURL] = "bound-no-url",
	[DHCP4_S_PXEREQ] = "proxy-request",
	[DHCP4_S_FAILED] = "failed",
};

const char *dhcp4_state_name(enum dhcp4_state s)
{
	if ((unsigned)s < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[s];
	return "?";
}

/* xorshift64*: jitter and xids need spread, not secrecy. */
static uint32_t rnd(struct dhcp4_client *c)
{
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return (uint32_t)((c->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Interval before retransmission number tries + 1: 1, 2, 4, 8, 8 ... s,
 * each ±DHCP4_RETRY_JITTER_PCT. */
static uint64_t backoff_ms(struct dhcp4_client *c, unsigned tries)
{
	uint64_t base = DHCP4_RETRY_MIN_MS;
	uint64_t spread;

	for (unsigned i = 1; i < tries && base < DHCP4_RETRY_MAX_MS; i++)
		base *= 2;
	if (base > DHCP4_RETRY_MAX_MS)
		base = DHCP4_RETRY_MAX_MS;
	spread = base * DHCP4_RETRY_JITTER_PCT / 100;
	return base - spread + rnd(c) % (2 * spread + 1);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void dhcp4_client_init(struct dhcp4_client *c, const struct nic *nic,
		       const struct config *cfg, const struct smbios_facts *id,
		       dhcp4_send_fn send, void *io, uint64_t seed)
{
	memset(c, 0, sizeof(*c));
	copy_str(c->ifname, sizeof(c->ifname), nic->name);
	c->ifindex = nic->ifindex;
	memcpy(c->mac, nic->mac, 6);
	copy_str(c->serial, sizeof(c->serial),
		 cfg->serial[0] ? cfg->serial : id ? id->serial : "");
	copy_str(c->vendor_class, sizeof(c->vendor_class), cfg->vendor_class);
	copy_str(c->user_class, sizeof(c->user_class), cfg->user_class);
	c->arch = (uint16_t)cfg->arch;
	if (id && id->has_uuid) {
		memcpy(c->uuid, id->uuid_raw, 16);
		c->has_uuid = 1;
	}
	c->rapid_commit = cfg->rapid_commit;
	c->need_url = !cfg->url[0];
	c->send = send;
	c->io = io;
	c->state = DHCP4_S_STOPPED;
	c->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;  /* xorshift needs != 0 */
}

/* Who learns our address by ARP before the unicast REQUEST: the proxy
 * itself on our subnet, else the router its answer comes back through. */
static struct in_addr arp_target(const struct dhcp4_client *c)
{
	const struct lease *l = &c->lease;

	if (!l->mask4.s_addr ||
	    !((l->addr4.s_addr ^ c->pxe_server.s_addr) & l->mask4.s_addr))
		return c->pxe_server;
	for (int i = 0; i < l->n_routes4; i++)
		if (!l->routes4[i].plen && l->routes4[i].gw.s_addr)
			return l->routes4[i].gw;
	return l->router4.s_addr ? l->router4 : c->pxe_server;
}

/* The PXE boot server REQUEST (PXE 2.1 §2.2.6): from the leased address
 * to the proxy's port 4011, the first menu item when it offered a menu. */
static const struct dhcp4_unicast *pxe_request(struct dhcp4_client *c,
					       struct dhcp4_request *r,
					       struct dhcp4_unicast *to)
{
	r->ciaddr = c->lease.addr4;
	r->server_id = c->pxe_server;
	r->requested.s_addr = 0;
	if (c->pxe.menu_type) {
		r->pxe_item = 1;
		r->pxe_type = c->pxe.menu_type;
		r->pxe_layer = 0;
	}
	memset(to, 0, sizeof(*to));
	to->src = c->lease.addr4;
	to->dst = c->pxe_server;
	to->port = DHCP4_PXE_PORT;
	to->arp_for = arp_target(c);
	memcpy(to->next_mac, c->pxe_mac, 6);
	memcpy(to->own_mac, c->mac, 6);
	return to;
}

static int send_msg(struct dhcp4_client *c, uint8_t type, uint64_t now)
{
	struct dhcp4_unicast uni;
	const struct dhcp4_unicast *to = NULL;
	struct dhcp4_request r = {
		.type = type,
		.xid = c->xid,
		.rapid_commit = c->rapid_commit,
		.requested = c->offered,
		.server_id = c->server,
		.serial = c->serial,
		.vendor_class = c->vendor_class,
		.user_class = c->user_class,
		.arch = c->arch,
		.uuid = c->has_uuid ? c->uuid : NULL,
	};
	uint8_t buf[DHCP4_MAX_MSG];
	struct sn_err e;
	uint64_t secs = (now - c->started_ms) / 1000;
	size_t len;
	char msg[240];

	memcpy(r.mac, c->mac, 6);
	r.secs = secs > 0xffff ? 0xffff : (uint16_t)secs;
	if (c->state == DHCP4_S_PXEREQ)
		to = pxe_request(c, &r, &uni);
	sn_clear(&e);
	if (dhcp4_build(&r, buf, sizeof(buf), &len, &e) == SN_OK &&
	    c->send(c->io, buf, len, to, &e) == SN_E_DHCP4_NO_CARRIER &&
	    (!c->link_wait_ms || now - c->link_wait_ms < DHCP4_LINK_WAIT_MS)) {
		if (!c->link_wait_ms) {
			c->link_wait_ms = now;
			logmsg(STAGE, "%s: no carrier yet, %s waits for the link", c->ifname,
			       dhcp4_type_name(type));
		}
		return 1;
	}
	if (c->link_wait_ms && e.code != SN_E_DHCP4_NO_CARRIER) {
		logmsg(STAGE, "%s: link up after %llu ms", c->ifname,
		       (unsigned long long)(now - c->link_wait_ms));
		c->link_wait_ms = 0;
	}
	if (e.code) {
		/* Log the first failure and then rarely: a NIC without carrier
		 * may fail every send until the cable is plugged in. */
		if (c->n_send_err++ % 16 == 0)
			logmsg(STAGE, "%s: %s not sent: %s", c->ifname,
			       dhcp4_type_name(type), sn_format(&e, msg, sizeof(msg)));
		c->last_err = e;
		return e.code == SN_E_DHCP4_BUILD ? -1 : 0;
	}
	if (to)
		c->n_pxe_request++;
	else if (type == DHCP4_DISCOVER && c->state == DHCP4_S_NOURL)
		c->n_nourl_discover++;
	else if (type == DHCP4_DISCOVER)
		c->n_discover++;
	else
		c->n_request++;
	return 0;
}

/* Timeout after a send: the backoff, or a short poll while the link is
 * not up (that attempt is not counted); 0 when the state failed. */
static uint64_t after_send(struct dhcp4_client *c, int sent)
{
	if (sent < 0) {
		c->state = DHCP4_S_FAILED;
		return 0;
	}
	if (sent > 0) {
		c->tries--;
		return DHCP4_LINK_POLL_MS;
	}
	return backoff_ms(c, c->tries);
}

/* The only way to change state: does the state's entry action (send,
 * arm the timer) and logs `ifname: old -> new (next timeout X ms)`.
 * Entering the current state again is a retransmission. */
static void dhcp4_enter(struct dhcp4_client *c, enum dhcp4_state s, uint64_t now)
{
	enum dhcp4_state old = c->state;
	uint64_t delay = 0;

	c->tries = s == old ? c->tries + 1 : 1;
	c->state = s;
	switch (s) {
	case DHCP4_S_INIT:
		/* 1..JITTER: a delay of 0 would arm no timer (timer_ms 0
		 * means none) and the NIC would never send a DISCOVER. */
		delay = c->restarts ? backoff_ms(c, c->restarts)
				    : 1 + rnd(c) % DHCP4_START_JITTER_MS;
		break;
	case DHCP4_S_SELECTING:
		if (old != s) {  /* a new exchange */
			c->xid = rnd(c);
			c->started_ms = now;
			c->offered.s_addr = c->server.s_addr = 0;
		}
		delay = after_send(c, send_msg(c, DHCP4_DISCOVER, now));
		if (!delay)
			s = c->state;
		break;
	case DHCP4_S_REQUESTING:
	case DHCP4_S_PXEREQ:
		delay = after_send(c, send_msg(c, DHCP4_REQUEST, now));
		if (!delay)
			s = c->state;
		break;
	case DHCP4_S_NOURL:
		/* Entered from REQUESTING: the ACK came, wait a backoff step
		 * first; ProxyDHCP servers answer the DISCOVERs, same xid. */
		if (old != s)
			delay = backoff_ms(c, 1);
		else if (!(delay = after_send(c, send_msg(c, DHCP4_DISCOVER, now))))
			s = c->state;
		break;
	case DHCP4_S_STOPPED:
	case DHCP4_S_BOUND:
	case DHCP4_S_FAILED:
		break;
	}
	c->timer_ms = delay ? now + delay : 0;
	/* Retransmissions: the first few, then every 8th, so a dead NIC does
	 * not flood a slow serial console. */
	if ((s != old || c->tries <= 3 || c->tries % 8 == 0) &&
	    !(s == old && c->link_wait_ms && delay == DHCP4_LINK_POLL_MS))
		logmsg(STAGE, "%s: %s -> %s (next timeout %llu ms)%s", c->ifname,
		       dhcp4_state_name(old), dhcp4_state_name(s),
		       (unsigned long long)delay,
		       s != old ? ""
		       : s == DHCP4_S_REQUESTING || s == DHCP4_S_PXEREQ ? " REQUEST again"
									 : " DISCOVER again");
}

void dhcp4_client_start(struct dhcp4_client *c, uint64_t now)
{
	dhcp4_enter(c, DHCP4_S_INIT, now);
}

void dhcp4_client_timeout(struct dhcp4_client *c, uint64_t now)
{
	if (!c->timer_ms || now < c->timer_ms)
		return;
	switch (c->state) {
	case DHCP4_S_INIT:
	case DHCP4_S_SELECTING:
		dhcp4_enter(c, DHCP4_S_SELECTING, now);
		break;
	case DHCP4_S_REQUESTING:
		if (c->tries < DHCP4_REQUEST_TRIES) {
			dhcp4_enter(c, DHCP4_S_REQUESTING, now);
			break;
		}
		logmsg(STAGE, "%s: no ACK after %u REQUESTs, starting over",
		       c->ifname, c->tries);
		c->restarts++;
		dhcp4_enter(c, DHCP4_S_INIT, now);
		break;
	case DHCP4_S_NOURL:
		dhcp4_enter(c, DHCP4_S_NOURL, now);
		break;
	case DHCP4_S_PXEREQ: {
		char srv[INET_ADDRSTRLEN];

		if (c->tries < DHCP4_PXE_TRIES) {
			dhcp4_enter(c, DHCP4_S_PXEREQ, now);
			break;
		}
		inet_ntop(AF_INET, &c->pxe_server, srv, sizeof(srv));
		logmsg(STAGE, "%s: no ACK from ProxyDHCP %s:%d after %u REQUESTs; "
		       "DISCOVERs go on", c->ifname, srv, DHCP4_PXE_PORT, c->tries);
		c->pxe_known = 0;  /* its next OFFER starts another round */
		dhcp4_enter(c, DHCP4_S_NOURL, now);
		break;
	}
	case DHCP4_S_STOPPED:
	case DHCP4_S_BOUND:
	case DHCP4_S_FAILED:
		c->timer_ms = 0;
		break;
	}
}

static void drop(struct dhcp4_client *c, const struct dhcp4_reply *r,
		 const char *why)
{
	char from[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &r->server_id, from, sizeof(from));
	logmsg(STAGE, "%s: %s from %s dropped in %s: %s", c->ifname,
	       dhcp4_type_name(r->type), from, dhcp4_state_name(c->state), why);
}

/* A ProxyDHCP OFFER (no address) that says PXE in option 60 but gives no
 * boot URL: no boot file at all, or option 43 asking for boot server
 * discovery (discovery control without "boot the file directly"). Its
 * server is asked on port 4011 once we hold an address. The first one
 * is kept. 1 when one is known. */
static int note_pxe(struct dhcp4_client *c, const struct dhcp4_reply *r)
{
	char srv[INET_ADDRSTRLEN];

	if (r->lease.addr4.s_addr || !r->server_id.s_addr ||
	    r->lease.boot_url[0] || !dhcp4_is_pxe_vendor(r->vendor_class) ||
	    (r->bootfile[0] && !(r->pxe.found && r->pxe.discovery >= 0 &&
				 !(r->pxe.discovery & DHCP4_PXE_DC_DIRECT))))
		return c->pxe_known;
	if (c->pxe_known)
		return 1;
	c->pxe_known = 1;
	c->pxe_server = r->server_id;
	c->pxe = r->pxe;
	memcpy(c->pxe_mac, c->rx_mac, 6);
	inet_ntop(AF_INET, &r->server_id, srv, sizeof(srv));
	logmsg(STAGE, "%s: ProxyDHCP %s (%s) gives no boot file here%s%s%s: "
	       "it is asked on port %d once an address is bound", c->ifname,
	       srv, r->vendor_class, r->pxe.menu_type ? "; menu item \"" : "",
	       r->pxe.menu_type ? r->pxe.menu_desc : "",
	       r->pxe.menu_type ? "\"" : "", DHCP4_PXE_PORT);
	return 1;
}

/* An answer with a boot URL that is not the lease's own: a ProxyDHCP
 * OFFER (no address, RFC 4578 / PXE 2.1 §2.2.4 on port 67) or another
 * server's OFFER. The first one is kept for the lease. */
static void note_url(struct dhcp4_client *c, const struct dhcp4_reply *r)
{
	char srv[INET_ADDRSTRLEN], url[160];
	int proxy = !r->lease.addr4.s_addr;

	c->n_proxy += proxy;
	if (!r->lease.boot_url[0] || c->alt_url[0])
		return;
	inet_ntop(AF_INET, &r->server_id, srv, sizeof(srv));
	copy_str(c->alt_url, sizeof(c->alt_url), r->lease.boot_url);
	snprintf(c->alt_from, sizeof(c->alt_from), "%s %s",
		 proxy ? "ProxyDHCP" : "OFFER from", srv);
	url_for_log(c->alt_url, url, sizeof(url));
	logmsg(STAGE, "%s: boot URL %s from %s%s", c->ifname, url,
	       c->alt_from, proxy ? " (no address)" : "");
}

/* The lease without its own URL takes the one noted; without any, and
 * with no snboot.url, the address is kept and DISCOVERs go on. */
static void url_or_wait(struct dhcp4_client *c, uint64_t now)
{
	if (!c->lease.boot_url[0] && c->alt_url[0]) {
		copy_str(c->lease.boot_url, sizeof(c->lease.boot_url), c->alt_url);
		copy_str(c->lease.url_from, sizeof(c->lease.url_from), c->alt_from);
		logmsg(STAGE, "%s: lease combined with the boot URL from %s",
		       c->ifname, c->alt_from);
	}
	if (c->lease.boot_url[0] || !c->need_url) {
		dhcp4_enter(c, DHCP4_S_BOUND, now);
		return;
	}
	if (c->pxe_known) {
		char srv[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &c->pxe_server, srv, sizeof(srv));
		logmsg(STAGE, "%s: address kept; asking ProxyDHCP %s:%d for the "
		       "boot URL", c->ifname, srv, DHCP4_PXE_PORT);
		dhcp4_enter(c, DHCP4_S_PXEREQ, now);
		return;
	}
	logmsg(STAGE, "%s: address kept; no boot URL yet, still asking "
	       "(ProxyDHCP or another server may give one)", c->ifname);
	dhcp4_enter(c, DHCP4_S_NOURL, now);
}

static void bind_lease(struct dhcp4_client *c, const struct dhcp4_reply *r,
		       uint64_t now)
{
	char addr[INET_ADDRSTRLEN], srv[INET_ADDRSTRLEN], url[160];

	c->n_ack++;
	c->lease = r->lease;
	copy_str(c->lease.ifname, sizeof(c->lease.ifname), c->ifname);
	c->lease.ifindex = c->ifindex;
	c->lease.got_ms = now;
	inet_ntop(AF_INET, &r->lease.addr4, addr, sizeof(addr));
	inet_ntop(AF_INET, &r->server_id, srv, sizeof(srv));
	url_for_log(r->lease.boot_url, url, sizeof(url));
	logmsg(STAGE, "%s: ACK%s %s from %s, lease %u s, boot URL %s", c->ifname,
	       r->rapid_commit ? " (rapid commit)" : "", addr, srv,
	       (unsigned)r->lease.lease_s,
	       r->lease.boot_url[0] ? url
				    : r->bootfile[0] ? "none (bootfile is not http/https)"
						     : "none");
	url_or_wait(c, now);
}

/* Bound without a URL: any answer to our DISCOVERs that has one, or a
 * ProxyDHCP server to ask on port 4011. */
static void on_nourl(struct dhcp4_client *c, const struct dhcp4_reply *r,
		     uint64_t now)
{
	if (r->type != DHCP4_OFFER && r->type != DHCP4_ACK)
		return;
	if (r->lease.boot_url[0]) {
		note_url(c, r);
		c->lease.got_ms = now;
		url_or_wait(c, now);
		return;
	}
	if (r->type == DHCP4_OFFER && note_pxe(c, r) && c->state == DHCP4_S_NOURL)
		url_or_wait(c, now);
}

/* Waiting for the ACK from the proxy's port 4011: its boot file is the
 * URL (the same http/https rule as everywhere; trust is checked when the
 * lease wins). Other servers' URLs are still taken. */
static void on_pxereq(struct dhcp4_client *c, const struct dhcp4_reply *r,
		      uint64_t now)
{
	char srv[INET_ADDRSTRLEN], url[160];

	if (r->type != DHCP4_ACK ||
	    (r->server_id.s_addr && r->server_id.s_addr != c->pxe_server.s_addr))
		return on_nourl(c, r, now);
	inet_ntop(AF_INET, &c->pxe_server, srv, sizeof(srv));
	if (!r->lease.boot_url[0]) {
		logmsg(STAGE, "%s: ACK from ProxyDHCP %s:%d without an http(s) "
		       "boot file (%s); DISCOVERs go on", c->ifname, srv,
		       DHCP4_PXE_PORT, r->bootfile[0] ? r->bootfile : "none");
		c->pxe_known = 0;
		dhcp4_enter(c, DHCP4_S_NOURL, now);
		return;
	}
	copy_str(c->lease.boot_url, sizeof(c->lease.boot_url), r->lease.boot_url);
	snprintf(c->lease.url_from, sizeof(c->lease.url_from), "ProxyDHCP %s:%d",
		 srv, DHCP4_PXE_PORT);
	c->lease.got_ms = now;
	url_for_log(c->lease.boot_url, url, sizeof(url));
	logmsg(STAGE, "%s: boot URL %s from %s", c->ifname, url, c->lease.url_from);
	dhcp4_enter(c, DHCP4_S_BOUND, now);
}

static void on_selecting(struct dhcp4_client *c, const struct dhcp4_reply *r,
			 uint64_t now)
{
	char addr[INET_ADDRSTRLEN], srv[INET_ADDRSTRLEN];

	switch (r->type) {
	case DHCP4_OFFER:
		if (!r->lease.addr4.s_addr && r->server_id.s_addr) {
			note_url(c, r);  /* ProxyDHCP: the URL, never an address */
			if (!r->lease.boot_url[0] && !note_pxe(c, r))
				drop(c, r, "no address and no boot URL");
			return;
		}
		if (!r->lease.addr4.s_addr || !r->server_id.s_addr)
			return drop(c, r, "no address or no server id (option 54)");
		note_url(c, r);
		/* The first valid OFFER wins; later ones find us REQUESTING. */
		c->n_offer++;
		c->offered = r->lease.addr4;
		c->server = r->server_id;
		inet_ntop(AF_INET, &c->offered, addr, sizeof(addr));
		inet_ntop(AF_INET, &c->server, srv, sizeof(srv));
		logmsg(STAGE, "%s: OFFER %s from %s", c->ifname, addr, srv);
		dhcp4_enter(c, DHCP4_S_REQUESTING, now);
		return;
	case DHCP4_ACK:
		/* RFC 4039 §4: an ACK answers a DISCOVER only with option 80. */
		if (!c->rapid_commit || !r->rapid_commit)
			return drop(c, r, "ACK to a DISCOVER without rapid commit");
		if (!r->lease.addr4.s_addr)
			return drop(c, r, "no address");
		return bind_lease(c, r, now);
	default:
		return drop(c, r, "not expected");
	}
}

static void on_requesting(struct dhcp4_client *c, const struct dhcp4_reply *r,
			  uint64_t now)
{
	/* Only the server we chose may answer (RFC 2131 §4.4.1, option 54). */
	if (r->server_id.s_addr && r->server_id.s_addr != c->server.s_addr) {
		if (r->type != DHCP4_OFFER) {
			drop(c, r, "from a server we did not choose");
		} else {
			note_url(c, r);  /* its address not, its URL yes */
			note_pxe(c, r);
		}
		return;
	}
	switch (r->type) {
	case DHCP4_ACK:
		if (!r->lease.addr4.s_addr)
			return drop(c, r, "no address");
		return bind_lease(c, r, now);
	case DHCP4_NAK:
		c->n_nak++;
		logmsg(STAGE, "%s: NAK: %s", c->ifname,
		       r->message[0] ? r->message : "no reason given");
		c->restarts++;
		dhcp4_enter(c, DHCP4_S_INIT, now);
		return;
	case DHCP4_OFFER:
		/* A retransmitted OFFER from our server; or, without an address,
		 * a ProxyDHCP server on the same host (same server id). */
		if (!r->lease.addr4.s_addr) {
			note_url(c, r);
			note_pxe(c, r);
		}
		return;
	default:
		return drop(c, r, "not expected");
	}
}

void dhcp4_client_input(struct dhcp4_client *c, const uint8_t *msg,
			size_t len, const uint8_t *from_mac, uint64_t now)
{
	struct dhcp4_reply r;
	struct sn_err e;
	char buf[240];

	if (c->state != DHCP4_S_SELECTING && c->state != DHCP4_S_REQUESTING &&
	    c->state != DHCP4_S_NOURL && c->state != DHCP4_S_PXEREQ)
		return;
	/* Without the frame's source, a unicast can only go to everyone. */
	memset(c->rx_mac, 0xff, 6);
	if (from_mac)
		memcpy(c->rx_mac, from_mac, 6);
	sn_clear(&e);
	if (dhcp4_parse(msg, len, c->xid, c->mac, &r, &e)) {
		/* Other clients' broadcast replies reach every NIC on the
		 * segment; in a boot storm that is most traffic: count only. */
		if (e.code == SN_E_DHCP4_NOT_OURS) {
			c->n_foreign++;
			return;
		}
		c->n_bad++;
		c->last_err = e;
		logmsg(STAGE, "%s: reply dropped: %s", c->ifname,
		       sn_format(&e, buf, sizeof(buf)));
		return;
	}
	if (c->state == DHCP4_S_SELECTING)
		on_selecting(c, &r, now);
	else if (c->state == DHCP4_S_REQUESTING)
		on_requesting(c, &r, now);
	else if (c->state == DHCP4_S_PXEREQ)
		on_pxereq(c, &r, now);
	else
		on_nourl(c, &r, now);
}

/* Appends to buf, keeping it terminated; stops quietly when full. */
struct sbuf {
	char *p;
	size_t len, at;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (b->at + 1 >= b->len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(b->p + b->at, b->len - b->at, fmt, ap);
	va_end(ap);
	if (w > 0)
		b->at = b->at + (size_t)w < b->len ? b->at + (size_t)w : b->len - 1;
}

static void sb_count(struct sbuf *b, unsigned n, const char *one,
		     const char *many)
{
	sb_printf(b, "%s%u %s", b->at ? ", " : "", n, n == 1 ? one : many);
}

void dhcp4_client_summary(const struct dhcp4_client *c, char *buf, size_t len)
{
	struct sbuf b = { buf, len, 0 };
	char addr[INET_ADDRSTRLEN];

	if (!len)
		return;
	buf[0] = '\0';
	if (c->state == DHCP4_S_BOUND) {
		inet_ntop(AF_INET, &c->lease.addr4, addr, sizeof(addr));
		sb_printf(&b, "bound %s%s", addr,
			  c->lease.boot_url[0] ? "" : " without boot URL");
		return;
	}
	if (c->state == DHCP4_S_NOURL || c->state == DHCP4_S_PXEREQ) {
		inet_ntop(AF_INET, &c->lease.addr4, addr, sizeof(addr));
		sb_printf(&b, "bound %s, no boot URL from any server "
			  "(%u more DISCOVERs, %u ProxyDHCP answers", addr,
			  c->n_nourl_discover, c->n_proxy);
		if (c->n_pxe_request)
			sb_printf(&b, ", %u REQUESTs to port %d", c->n_pxe_request,
				  DHCP4_PXE_PORT);
		sb_printf(&b, ")");
		return;
	}
	sb_count(&b, c->n_discover, "DISCOVER", "DISCOVERs");
	if (!c->n_offer && !c->n_ack)
		sb_printf(&b, ", no OFFER");
	else
		sb_count(&b, c->n_offer, "OFFER", "OFFERs");
	if (c->n_request)
		sb_count(&b, c->n_request, "REQUEST", "REQUESTs");
	if (c->n_nak)
		sb_count(&b, c->n_nak, "NAK", "NAKs");
	else if (c->n_request)
		sb_printf(&b, ", no ACK");
	if (c->n_bad)
		sb_count(&b, c->n_bad, "malformed reply", "malformed replies");
	if (c->n_send_err)
		sb_count(&b, c->n_send_err, "send error", "send errors");
	if (c->state == DHCP4_S_FAILED)
		sb_printf(&b, ", gave up");
	if (c->last_err.code)
		sb_printf(&b, " (last: %s)", c->last_err.ctx);
}

int dhcp4_apply_routes(const struct lease *l, const char *name,
		       dhcp4_route_fn add, struct sn_err *e)
{
	struct in_addr any = { 0 };
	int rc;

	if (!l->n_routes4)
		return l->router4.s_addr
			       ? add(name, any, 0, l->router4, l->addr4, l->mask4, e)
			       : 0;
	if (l->router4.s_addr)
		logmsg(STAGE, "%s: option 3 ignored: option 121 gives the routes",
		       name);
	if (l->n_routes4_dropped)
		logmsg(STAGE, "%s: option 121: %d routes beyond the first %d ignored",
		       name, l->n_routes4_dropped, LEASE_MAX_ROUTES4);
	for (int i = 0; i < l->n_routes4; i++) {
		const struct lease_route4 *r = &l->routes4[i];
		char dst[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &r->dst, dst, sizeof(dst));
		inet_ntop(AF_INET, &r->gw, gw, sizeof(gw));
		logmsg(STAGE, "%s: route %s/%u via %s (option 121)", name, dst,
		       r->plen, r->gw.s_addr ? gw : "the link");
		if ((rc = add(name, r->dst, r->plen, r->gw, l->addr4, l->mask4, e)))
			return rc;
	}
	return 0;
}
