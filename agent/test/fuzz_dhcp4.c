/* Fuzzes the DHCPv4 reply parser (with the packet's own xid and chaddr, so
 * inputs get past the header checks), option 43's PXE suboptions, the
 * IPv4/UDP envelope check, the state machine's input path (also bound
 * without a URL and waiting on ProxyDHCP port 4011) and the files written
 * from a lease. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/dhcp4.h"
#include "net/dhcp4_ipudp.h"
#include "net/dhcp4_packet.h"
#include "core/log.h"
#include "net/resolv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int no_send(void *io, const uint8_t *msg, size_t len,
		   const struct dhcp4_unicast *to, struct sn_err *e)
{
	return 0;
}

static void drive_client(const uint8_t *data, size_t size, uint32_t xid,
			 const uint8_t *mac)
{
	static struct dhcp4_client c;
	struct config cfg;
	struct nic nic;

	memset(&cfg, 0, sizeof(cfg));
	memset(&nic, 0, sizeof(nic));
	memcpy(nic.name, "fz0", 4);
	memcpy(nic.mac, mac, 6);
	cfg.rapid_commit = 1;
	dhcp4_client_init(&c, &nic, &cfg, NULL, no_send, NULL, 1);
	dhcp4_client_start(&c, 0);
	dhcp4_client_timeout(&c, c.timer_ms);
	c.xid = xid;  /* as if this were the answer to our DISCOVER */
	dhcp4_client_input(&c, data, size, mac, 5);
	dhcp4_client_input(&c, data, size, NULL, 6);  /* REQUESTING after an OFFER */

	/* Bound without a URL (a ProxyDHCP OFFER may start the port-4011
	 * exchange), and waiting for the port-4011 ACK. */
	for (int st = DHCP4_S_NOURL; st <= DHCP4_S_PXEREQ; st++) {
		dhcp4_client_init(&c, &nic, &cfg, NULL, no_send, NULL, 2);
		c.state = (enum dhcp4_state)st;
		c.xid = xid;
		c.lease.addr4.s_addr = htonl(0x0a000005);
		c.lease.mask4.s_addr = htonl(0xffffff00);
		c.pxe_known = st == DHCP4_S_PXEREQ;
		c.pxe_server.s_addr = htonl(0x0a000001);
		dhcp4_client_input(&c, data, size, mac, 7);
		if (c.timer_ms)
			dhcp4_client_timeout(&c, c.timer_ms);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;
	struct dhcp4_reply r;
	struct sn_err e;
	const uint8_t *payload;
	size_t plen;
	char buf[1024];
	uint32_t xid = 0;
	uint8_t mac[6] = { 0 };

	if (!quiet) {
		log_set_quiet(1);
		quiet = 1;
	}
	if (size >= 34) {
		xid = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
		      (uint32_t)data[6] << 8 | data[7];
		memcpy(mac, data + 28, 6);
	}
	if (dhcp4_parse(data, size, xid, mac, &r, &e) == 0) {
		resolv_format_conf(&r.lease, buf, sizeof(buf));
		resolv_format_hosts(&r.lease, buf, sizeof(buf));
	}
	dhcp4_parse(data, size, xid, mac, &r, NULL);
	dhcp4_parse_pxe(data, size, &r.pxe, &e);  /* option 43 suboptions alone */
	drive_client(data, size, xid, mac);
	if (dhcp4_ipudp_unwrap(data, size, 68, 1, &payload, &plen, &e) == 0)
		dhcp4_parse(payload, plen, xid, mac, &r, &e);
	return 0;
}
