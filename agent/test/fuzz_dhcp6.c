/* libFuzzer: dhcp6_parse over arbitrary bytes, then the same bytes as a
 * server message to the client state machine (xid patched so it gets past
 * the first check), in Solicit and in Request state, with and without a
 * boot URL required (the input's length decides), and bound without a
 * URL (bound-no-url), where the bytes may complete the lease. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dhcp6.h"
#include "net/dhcp6_packet.h"
#include "core/log.h"

static int discard(void *arg, const uint8_t *buf, size_t len, struct sn_err *e)
{
	struct dhcp6_msg m;
	/* Whatever state the input led to, what we send must parse. */
	if (dhcp6_parse(buf, len, &m, e))
		abort();
	return SN_OK;
}

/* The input as the server's answer to the exchange c has open: its xid
 * patched in, so the fuzzer need not guess it. */
static void answer(struct dhcp6_client *c, uint8_t *msg, size_t size,
		   const struct in6_addr *from, uint64_t now)
{
	if (size >= 4) {
		msg[1] = (uint8_t)(c->xid >> 16);
		msg[2] = (uint8_t)(c->xid >> 8);
		msg[3] = (uint8_t)c->xid;
	}
	dhcp6_client_input(c, msg, size, from, now + 1);
}

static void drive(const uint8_t *data, size_t size)
{
	/* The identity of the seed corpus (agent/test/data/dhcp6/README.md). */
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	static const uint8_t uuid[16] = { 0x78, 0x56, 0x34, 0x12, 0xbc, 0x9a, 0xf0, 0xde,
					  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	struct dhcp6_params par = { .ifname = "fuzz0", .ifindex = 2, .arch = 0x10,
				    .rapid_commit = 1, .has_uuid = 1,
				    .need_url = (int)(size & 1) };
	static struct dhcp6_client c;
	struct in6_addr from = IN6ADDR_LOOPBACK_INIT;
	uint8_t *copy = malloc(size);
	uint64_t now = 1000;

	if (!copy)
		return;
	memcpy(copy, data, size);
	memcpy(par.mac, mac, 6);
	memcpy(par.uuid_raw, uuid, 16);
	dhcp6_client_init(&c, &par, discard, NULL, 1, now);
	for (int round = 0; round < 3 && c.state != DHCP6_BOUND; round++) {
		now = c.timer_ms;
		dhcp6_client_timeout(&c, now);
		answer(&c, copy, size, &from, now);
	}

	/* Bound without a URL: a Solicit goes out, the bytes answer it. */
	par.need_url = 1;
	dhcp6_client_init(&c, &par, discard, NULL, 2, now);
	c.state = DHCP6_NOURL;
	c.lease.family = AF_INET6;
	c.lease.addr6.s6_addr[15] = 1;
	c.timer_ms = now;
	dhcp6_client_timeout(&c, now);
	answer(&c, copy, size, &from, now);
	if (c.state == DHCP6_BOUND && !c.lease.boot_url[0])
		abort();  /* bound-no-url ends only with a URL */
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dhcp6_msg m;
	struct sn_err e;

	log_set_quiet(1);
	if (dhcp6_parse(data, size, &m, &e) == SN_OK) {
		/* Strings the parser hands out are always terminated. */
		if (!memchr(m.boot_url, 0, sizeof(m.boot_url)) ||
		    !memchr(m.boot_params, 0, sizeof(m.boot_params)) ||
		    !memchr(m.domain, 0, sizeof(m.domain)) ||
		    !memchr(m.status.msg, 0, sizeof(m.status.msg)))
			abort();
	} else if (e.code == SN_OK || !e.ctx[0]) {
		abort();   /* a failure always says what and where */
	}
	drive(data, size);
	return 0;
}
