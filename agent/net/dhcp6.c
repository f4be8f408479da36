/* DHCPv6 client state machine (RFC 8415 §18.2): turns packets and timer
 * expiries into messages to send and, in the end, a lease. No I/O but the
 * send callback; dhcp6_probe.c puts it on a socket. */
#include "net/dhcp6.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "http/urlutil.h"

#define STAGE "dhcp6"

static const char *const state_names[DHCP6_STATE_COUNT] = {
	[DHCP6_INIT] = "init",
	[DHCP6_SOLICITING] = "soliciting",
	[DHCP6_REQUESTING] = "requesting",
	[DHCP6_BOUND] = "bound",
	[DHCP6_NOURL] = "bound-no-url",
};

const char *dhcp6_state_name(enum dhcp6_state s)
{
	return (unsigned)s < DHCP6_STATE_COUNT ? state_names[s] : "?";
}

/* ---- randomness: xorshift64*, seeded per NIC ---- */

static uint32_t rnd(struct dhcp6_client *c)
{
	uint64_t x = c->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

/* RAND * base with RAND uniform in [-0.1, +0.1] (RFC 8415 §15). */
static int64_t jitter(struct dhcp6_client *c, uint32_t base)
{
	return (int64_t)base * ((int64_t)(rnd(c) % 201) - 100) / 1000;
}

/* RT = 2*RTprev + RAND*RTprev, and MRT + RAND*MRT once past MRT (§15). */
static uint32_t next_rt(struct dhcp6_client *c, uint32_t rt, uint32_t mrt)
{
	int64_t n = 2 * (int64_t)rt + jitter(c, rt);
	if (n > mrt)
		n = mrt + jitter(c, mrt);
	return (uint32_t)n;
}

/* ---- identity ---- */

uint32_t dhcp6_iaid(const uint8_t mac[6], int ifindex)
{
	uint32_t id = (uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
		      (uint32_t)mac[4] << 8 | mac[5];
	return id ? id : (uint32_t)ifindex;
}

/* ---- sending ---- */

static void log_addr(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
}

static int build_current(struct dhcp6_client *c, uint64_t now, uint8_t *buf, size_t cap,
			 size_t *len, struct sn_err *e)
{
	uint64_t cs = (now - c->exchange_ms) / 10;
	struct dhcp6_out m = {
		.xid = c->xid,
		.elapsed_cs = c->tx_count == 0 ? 0 : (uint16_t)(cs > 0xffff ? 0xffff : cs),
		.duid = c->duid,
		.duid_len = c->duid_len,
		.iaid = c->iaid,
		.user_class = c->par.user_class,
		.vendor_class = c->par.vendor_class,
		.arch = c->par.arch,
	};
	if (c->state == DHCP6_SOLICITING || c->state == DHCP6_NOURL) {
		m.type = DHCP6_SOLICIT;
		/* NOURL: only Advertises; a rapid-commit Reply would lease again. */
		m.rapid_commit = c->state == DHCP6_SOLICITING && c->par.rapid_commit;
	} else {
		m.type = DHCP6_REQUEST;
		m.server_id = c->best.server_id;
		m.server_id_len = c->best.server_id_len;
		m.ia_addr = &c->best.addr;
	}
	return dhcp6_build(&m, buf, cap, len, e);
}

/* Sends the current state's message and arms the retransmission timer. A
 * link that cannot send yet is retried soon without counting as a try. */
static void transmit(struct dhcp6_client *c, uint64_t now)
{
	uint8_t buf[1280];
	size_t len;
	struct sn_err e;
	char msg[320];
	int rc;

	sn_clear(&e);
	rc = build_current(c, now, buf, sizeof(buf), &len, &e);
	if (!rc)
		rc = c->send(c->send_arg, buf, len, &e);
	/* Waiting for the link-local address is normal at start: say so
	 * once, plainly; real send failures carry their error code. */
	if (rc == SN_E_DHCP6_NOT_READY && rc != c->last_send_err)
		logmsg(STAGE, "%s: waiting for the link (no carrier or link-local address yet)",
		       c->par.ifname);
	else if (rc && rc != c->last_send_err)
		logmsg(STAGE, "%s: %s", c->par.ifname, sn_format(&e, msg, sizeof(msg)));
	c->last_send_err = rc;
	if (rc == SN_E_DHCP6_NOT_READY) {
		c->not_ready_tries++;
		c->timer_ms = now + (c->not_ready_tries <= DHCP6_NOT_READY_FAST_TRIES
					     ? DHCP6_NOT_READY_RETRY_MS
					     : DHCP6_NOT_READY_SLOW_MS);
		return;
	}
	if (c->not_ready_tries)
		logmsg(STAGE, "%s: link ready after %u tries, %s sent", c->par.ifname,
		       c->not_ready_tries, c->state == DHCP6_REQUESTING ? "Request" : "Solicit");
	c->not_ready_tries = 0;
	/* Any other failure counts as a lost message: the backoff retries. */
	c->tx_count++;
	c->timer_ms = now + c->rt_ms;
}

/* ---- state changes ---- */

/* The one way to change state: does the state's entry action, arms the
 * timer, logs the transition. */
static void enter(struct dhcp6_client *c, enum dhcp6_state s, uint64_t now)
{
	enum dhcp6_state old = c->state;
	uint32_t delay;

	c->state = s;
	switch (s) {
	case DHCP6_INIT:
		/* A server that refused after offering: back off before trying
		 * again, doubling, so a refusing server does not make us spin. */
		if (c->restarts) {
			unsigned shift = c->restarts > 4 ? 4 : c->restarts - 1;
			delay = DHCP6_SOL_TIMEOUT_MS << shift;
			if (delay > DHCP6_SOL_MAX_RT_MS)
				delay = DHCP6_SOL_MAX_RT_MS;
			delay = (uint32_t)(delay + jitter(c, delay));
		} else {
			delay = rnd(c) % (DHCP6_SOL_MAX_DELAY_MS + 1);
		}
		c->timer_ms = now + delay;
		break;
	case DHCP6_SOLICITING:
	case DHCP6_REQUESTING:
		/* A new exchange: new xid, first RT = IRT + RAND*IRT; for
		 * Solicit RAND must be > 0 (§18.2.1) so it is drawn from (0, 0.1]. */
		c->xid = rnd(c) & 0xffffff;
		c->exchange_ms = now;
		c->tx_count = 0;
		if (s == DHCP6_SOLICITING) {
			c->rt_ms = DHCP6_SOL_TIMEOUT_MS + 1 + rnd(c) % (DHCP6_SOL_TIMEOUT_MS / 10);
			c->collecting = 1;
			c->have_best = 0;
		} else {
			c->rt_ms = (uint32_t)(DHCP6_REQ_TIMEOUT_MS + jitter(c, DHCP6_REQ_TIMEOUT_MS));
		}
		transmit(c, now);
		break;
	case DHCP6_NOURL:
		/* Entered from a lease: wait one SOL_TIMEOUT first. Then a
		 * Solicit per timeout, a new exchange each, backing off to
		 * SOL_MAX_RT. */
		if (old != s) {
			c->rt_ms = DHCP6_SOL_TIMEOUT_MS;
			c->timer_ms = now + c->rt_ms;
			break;
		}
		c->xid = rnd(c) & 0xffffff;
		c->exchange_ms = now;
		c->tx_count = 0;
		c->rt_ms = next_rt(c, c->rt_ms, DHCP6_SOL_MAX_RT_MS);
		transmit(c, now);
		break;
	case DHCP6_BOUND:
	case DHCP6_STATE_COUNT:
		c->timer_ms = 0;
		c->restarts = 0;
		break;
	}
	if (old == DHCP6_INIT && s == DHCP6_INIT && !c->restarts)
		logmsg(STAGE, "%s: start, DUID-%s, IAID %08x (next timeout %llu ms)",
		       c->par.ifname, c->par.has_uuid ? "UUID" : "LL", c->iaid,
		       (unsigned long long)(c->timer_ms - now));
	else if (c->timer_ms)
		logmsg(STAGE, "%s: %s -> %s (next timeout %llu ms)", c->par.ifname,
		       dhcp6_state_name(old), dhcp6_state_name(s),
		       (unsigned long long)(c->timer_ms - now));
	else
		logmsg(STAGE, "%s: %s -> %s (no timeout)", c->par.ifname,
		       dhcp6_state_name(old), dhcp6_state_name(s));
}

static void restart(struct dhcp6_client *c, uint64_t now)
{
	c->restarts++;
	enter(c, DHCP6_INIT, now);
}

void dhcp6_client_init(struct dhcp6_client *c, const struct dhcp6_params *par,
		       dhcp6_send_fn send, void *send_arg, uint64_t seed, uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->par = *par;
	c->par.ifname[sizeof(c->par.ifname) - 1] = '\0';
	c->send = send;
	c->send_arg = send_arg;
	/* splitmix64 of the seed: any seed, even 0, gives a usable state. */
	seed += 0x9E3779B97F4A7C15ULL;
	seed = (seed ^ (seed >> 30)) * 0xBF58476D1CE4E5B9ULL;
	seed = (seed ^ (seed >> 27)) * 0x94D049BB133111EBULL;
	c->rng = (seed ^ (seed >> 31)) | 1;
	if (par->has_uuid)
		c->duid_len = dhcp6_duid_uuid(c->duid, par->uuid_raw);
	else
		c->duid_len = dhcp6_duid_ll(c->duid, par->mac);
	c->iaid = dhcp6_iaid(par->mac, par->ifindex);
	c->state = DHCP6_INIT;
	enter(c, DHCP6_INIT, now);
}

/* ---- timer ---- */

void dhcp6_client_timeout(struct dhcp6_client *c, uint64_t now)
{
	if (c->last_send_err == SN_E_DHCP6_NOT_READY &&
	    (c->state == DHCP6_SOLICITING || c->state == DHCP6_REQUESTING)) {
		transmit(c, now);
		return;
	}
	switch (c->state) {
	case DHCP6_INIT:
		enter(c, DHCP6_SOLICITING, now);
		break;
	case DHCP6_SOLICITING:
		/* §18.2.1: Advertises collected during the first RT pick the
		 * server; after that the first acceptable one does. */
		if (c->collecting && c->have_best) {
			enter(c, DHCP6_REQUESTING, now);
			break;
		}
		c->collecting = 0;
		c->rt_ms = next_rt(c, c->rt_ms, DHCP6_SOL_MAX_RT_MS);
		transmit(c, now);
		logmsg(STAGE, "%s: no Advertise, Solicit #%u (next timeout %llu ms)",
		       c->par.ifname, c->tx_count, (unsigned long long)(c->timer_ms - now));
		break;
	case DHCP6_REQUESTING:
		if (c->tx_count >= DHCP6_REQ_MAX_RC) {
			logmsg(STAGE, "%s: no Reply to %u Requests, soliciting again",
			       c->par.ifname, c->tx_count);
			restart(c, now);
			break;
		}
		c->rt_ms = next_rt(c, c->rt_ms, DHCP6_REQ_MAX_RT_MS);
		transmit(c, now);
		logmsg(STAGE, "%s: no Reply, Request #%u (next timeout %llu ms)",
		       c->par.ifname, c->tx_count, (unsigned long long)(c->timer_ms - now));
		break;
	case DHCP6_NOURL:
		enter(c, DHCP6_NOURL, now);
		break;
	case DHCP6_BOUND:
	case DHCP6_STATE_COUNT:
		c->timer_ms = 0;
		break;
	}
}

/* ---- input ---- */

static void drop(const struct dhcp6_client *c, const struct dhcp6_msg *m,
		 const struct in6_addr *from, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void drop(const struct dhcp6_client *c, const struct dhcp6_msg *m,
		 const struct in6_addr *from, const char *fmt, ...)
{
	char src[INET6_ADDRSTRLEN], why[200];
	va_list ap;

	log_addr(from, src);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	logmsg(STAGE, "%s: dropped %s from %s in %s: %s", c->par.ifname,
	       dhcp6_msg_name(m->type), src, dhcp6_state_name(c->state), why);
}

static int failed(const struct dhcp6_status *st)
{
	return st->present && st->code != DHCP6_STATUS_SUCCESS;
}

/* Whether m leases us an address (§18.2.10, §21.4, §21.6). Returns 0, or
 * the refusing status code (or -1 for a broken IA) with the reason in why. */
static int check_lease(const struct dhcp6_client *c, const struct dhcp6_msg *m,
		       char *why, size_t n)
{
	const struct dhcp6_status *st = failed(&m->status) ? &m->status
				      : failed(&m->ia_status) ? &m->ia_status
				      : failed(&m->addr_status) ? &m->addr_status : NULL;
	if (st) {
		snprintf(why, n, "status %u %s \"%s\"", st->code, dhcp6_status_name(st->code),
			 st->msg);
		return st->code;
	}
	if (!m->has_ia)
		snprintf(why, n, "no IA_NA (status NoAddrsAvail implied)");
	else if (m->iaid != c->iaid)
		snprintf(why, n, "IA_NA for IAID %08x, ours is %08x", m->iaid, c->iaid);
	else if (!m->has_addr)
		snprintf(why, n, "IA_NA without an address");
	else if (m->valid_s == 0)
		snprintf(why, n, "address with valid lifetime 0");
	else if (m->preferred_s > m->valid_s)
		snprintf(why, n, "preferred lifetime %u > valid lifetime %u",
			 m->preferred_s, m->valid_s);
	else if (m->t1 && m->t2 && m->t1 > m->t2)
		snprintf(why, n, "IA_NA T1 %u > T2 %u", m->t1, m->t2);
	else
		return 0;
	return m->has_ia && m->has_addr ? -1 : DHCP6_STATUS_NO_ADDRS_AVAIL;
}

static void bind_lease(struct dhcp6_client *c, const struct dhcp6_msg *m,
		       const struct in6_addr *from, uint64_t now)
{
	struct lease *l = &c->lease;
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], url[160];

	memset(l, 0, sizeof(*l));
	l->family = AF_INET6;
	snprintf(l->ifname, sizeof(l->ifname), "%s", c->par.ifname);
	l->ifindex = c->par.ifindex;
	l->addr6 = m->addr;
	l->prefix6 = 128;
	l->server6 = *from;
	memcpy(l->dns6, m->dns, sizeof(l->dns6));
	l->n_dns6 = m->n_dns;
	snprintf(l->domain, sizeof(l->domain), "%s", m->domain);
	snprintf(l->boot_url, sizeof(l->boot_url), "%s", m->boot_url);
	snprintf(l->boot_params, sizeof(l->boot_params), "%s", m->boot_params);
	l->lease_s = m->valid_s;
	l->got_ms = now;
	log_addr(&m->addr, a);
	log_addr(from, s);
	url_for_log(m->boot_url[0] ? m->boot_url : "none", url, sizeof(url));
	logmsg(STAGE, "%s: leased %s/128 from %s for %u s%s, boot URL %s", c->par.ifname, a,
	       s, m->valid_s, m->rapid_commit ? " (rapid commit)" : "", url);
	if (!m->boot_url[0] && c->par.need_url) {
		logmsg(STAGE, "%s: address kept; no boot URL yet, still asking "
		       "(another server may give one)", c->par.ifname);
		enter(c, DHCP6_NOURL, now);
		return;
	}
	enter(c, DHCP6_BOUND, now);
}

/* NOURL: an answer naming a boot URL completes the kept lease (its
 * address, if any, is not taken: ours is leased already). */
static void on_nourl_answer(struct dhcp6_client *c, const struct dhcp6_msg *m,
			    const struct in6_addr *from, uint64_t now)
{
	struct lease *l = &c->lease;
	char s[INET6_ADDRSTRLEN], url[160];

	if (m->type != DHCP6_ADVERTISE && m->type != DHCP6_REPLY) {
		drop(c, m, from, "not an Advertise or Reply");
		return;
	}
	if (!m->boot_url[0]) {
		drop(c, m, from, "no boot URL either");
		return;
	}
	snprintf(l->boot_url, sizeof(l->boot_url), "%s", m->boot_url);
	snprintf(l->boot_params, sizeof(l->boot_params), "%s", m->boot_params);
	log_addr(from, s);
	snprintf(l->url_from, sizeof(l->url_from), "%s from %s",
		 m->type == DHCP6_ADVERTISE ? "Advertise" : "Reply", s);
	url_for_log(m->boot_url, url, sizeof(url));
	logmsg(STAGE, "%s: lease combined with the boot URL %s from %s", c->par.ifname, url,
	       l->url_from);
	enter(c, DHCP6_BOUND, now);
}

/* A better server: higher preference (§18.2.9), then one giving a boot URL. */
static int better(const struct dhcp6_msg *a, const struct dhcp6_msg *b)
{
	if (a->preference != b->preference)
		return a->preference > b->preference;
	return a->boot_url[0] && !b->boot_url[0];
}

static void on_solicit_answer(struct dhcp6_client *c, const struct dhcp6_msg *m,
			      const struct in6_addr *from, uint64_t now)
{
	char why[160];

	if (m->type == DHCP6_REPLY && !(c->par.rapid_commit && m->rapid_commit)) {
		drop(c, m, from, "Reply to Solicit without rapid commit");
		return;
	}
	if (m->type != DHCP6_REPLY && m->type != DHCP6_ADVERTISE) {
		drop(c, m, from, "not an Advertise or Reply");
		return;
	}
	/* §18.2.9: an Advertise without addresses is ignored; so is a rapid
	 * commit Reply that leases nothing (other servers may still answer). */
	if (check_lease(c, m, why, sizeof(why))) {
		drop(c, m, from, "%s", why);
		return;
	}
	if (m->type == DHCP6_REPLY) {
		bind_lease(c, m, from, now);
		return;
	}
	if (!c->have_best || better(m, &c->best)) {
		c->best = *m;
		c->best_from = *from;
		c->have_best = 1;
	}
	/* Preference 255 or past the first RT: no reason to wait. */
	if (!c->collecting || m->preference == 255)
		enter(c, DHCP6_REQUESTING, now);
}

static void on_request_reply(struct dhcp6_client *c, const struct dhcp6_msg *m,
			     const struct in6_addr *from, uint64_t now)
{
	char why[160];
	int st;

	if (m->type != DHCP6_REPLY) {
		drop(c, m, from, "waiting for a Reply");
		return;
	}
	if (m->server_id_len != c->best.server_id_len ||
	    memcmp(m->server_id, c->best.server_id, m->server_id_len)) {
		drop(c, m, from, "Reply from a server we did not Request from");
		return;
	}
	st = check_lease(c, m, why, sizeof(why));
	if (!st) {
		bind_lease(c, m, from, now);
		return;
	}
	/* §18.2.10.1: UnspecFail and UseMulticast are answered by
	 * retransmitting (we already multicast); a refusal of the address
	 * (NoAddrsAvail, NotOnLink, ...) sends us back to Solicit. */
	if (st == DHCP6_STATUS_UNSPEC_FAIL || st == DHCP6_STATUS_USE_MULTICAST) {
		logmsg(STAGE, "%s: server answered the Request with %s, retrying", c->par.ifname,
		       why);
		return;
	}
	logmsg(STAGE, "%s: server refused the Request: %s; soliciting again", c->par.ifname,
	       why);
	restart(c, now);
}

void dhcp6_client_input(struct dhcp6_client *c, const uint8_t *buf, size_t len,
			const struct in6_addr *from, uint64_t now)
{
	struct dhcp6_msg m;
	struct sn_err e;
	char msg[320], src[INET6_ADDRSTRLEN];

	if (c->state != DHCP6_SOLICITING && c->state != DHCP6_REQUESTING &&
	    c->state != DHCP6_NOURL)
		return;
	sn_clear(&e);
	if (dhcp6_parse(buf, len, &m, &e)) {
		log_addr(from, src);
		logmsg(STAGE, "%s: dropped malformed %zu-byte message from %s: %s",
		       c->par.ifname, len, src, sn_format(&e, msg, sizeof(msg)));
		return;
	}
	/* §16: ours only if the xid and our client ID match and a server ID is present. */
	if (m.xid != c->xid) {
		drop(c, &m, from, "xid %06x, ours is %06x", m.xid, c->xid);
		return;
	}
	if (m.client_id_len != c->duid_len || memcmp(m.client_id, c->duid, c->duid_len)) {
		drop(c, &m, from, "client ID missing or not ours");
		return;
	}
	if (!m.server_id_len) {
		drop(c, &m, from, "no server ID");
		return;
	}
	if (c->state == DHCP6_NOURL)
		on_nourl_answer(c, &m, from, now);
	else if (c->state == DHCP6_SOLICITING)
		on_solicit_answer(c, &m, from, now);
	else
		on_request_reply(c, &m, from, now);
}
