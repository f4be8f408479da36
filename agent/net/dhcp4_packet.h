/* DHCPv4 wire format (RFC 2131, RFC 2132): building the client's requests
 * and parsing the server's replies. Pure functions over buffers: no I/O,
 * no globals. The IPv4/UDP envelope is in dhcp4_ipudp.h. */
#ifndef SNBOOT_DHCP4_PACKET_H
#define SNBOOT_DHCP4_PACKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "net/lease.h"

#define DHCP4_SERVER_PORT 67
#define DHCP4_CLIENT_PORT 68

/* Fixed BOOTP header (236 bytes) + magic cookie; options follow. */
#define DHCP4_HEADER_LEN 240
/* What we send is padded to the classic BOOTP minimum; some relays and
 * old servers drop anything shorter. */
#define DHCP4_MIN_LEN 300
/* Option 57: the largest reply we accept, and our receive buffer size. */
#define DHCP4_MAX_MSG 1500

enum dhcp4_type {
	DHCP4_DISCOVER = 1,
	DHCP4_OFFER = 2,
	DHCP4_REQUEST = 3,
	DHCP4_DECLINE = 4,
	DHCP4_ACK = 5,
	DHCP4_NAK = 6,
	DHCP4_RELEASE = 7,
	DHCP4_INFORM = 8,
};

enum dhcp4_opt {
	DHCP4_OPT_PAD = 0,
	DHCP4_OPT_SUBNET_MASK = 1,
	DHCP4_OPT_ROUTER = 3,
	DHCP4_OPT_DNS = 6,
	DHCP4_OPT_LOG_SERVER = 7,
	DHCP4_OPT_HOSTNAME = 12,
	DHCP4_OPT_DOMAIN = 15,
	DHCP4_OPT_MTU = 26,
	DHCP4_OPT_BROADCAST = 28,
	DHCP4_OPT_NTP = 42,
	DHCP4_OPT_VENDOR_SPECIFIC = 43,
	DHCP4_OPT_REQUESTED_IP = 50,
	DHCP4_OPT_LEASE_TIME = 51,
	DHCP4_OPT_OVERLOAD = 52,
	DHCP4_OPT_MSG_TYPE = 53,
	DHCP4_OPT_SERVER_ID = 54,
	DHCP4_OPT_PARAM_LIST = 55,
	DHCP4_OPT_MESSAGE = 56,
	DHCP4_OPT_MAX_SIZE = 57,
	DHCP4_OPT_VENDOR_CLASS = 60,
	DHCP4_OPT_CLIENT_ID = 61,
	DHCP4_OPT_TFTP_SERVER = 66,
	DHCP4_OPT_BOOTFILE = 67,
	DHCP4_OPT_USER_CLASS = 77,
	DHCP4_OPT_RAPID_COMMIT = 80,
	DHCP4_OPT_CLIENT_ARCH = 93,
	DHCP4_OPT_CLIENT_NDI = 94,
	DHCP4_OPT_CLIENT_UUID = 97,
	DHCP4_OPT_DOMAIN_SEARCH = 119,
	DHCP4_OPT_CLASSLESS_ROUTES = 121,
	DHCP4_OPT_END = 255,
};

/* What the client puts in a DISCOVER or REQUEST. Strings may be "" (the
 * option is then left out); serial "" makes the client identifier
 * type 1 + MAC instead of type 0 + serial. */
struct dhcp4_request {
	uint8_t type;              /* DHCP4_DISCOVER or DHCP4_REQUEST */
	uint32_t xid;
	uint16_t secs;             /* seconds since the client began acquiring */
	uint8_t mac[6];
	int rapid_commit;          /* DISCOVER: add option 80 */
	struct in_addr requested;  /* REQUEST: option 50 */
	struct in_addr server_id;  /* REQUEST: option 54 */
	const char *serial;
	const char *vendor_class;
	const char *user_class;
	uint16_t arch;             /* option 93 */
	const uint8_t *uuid;       /* option 97 (16 bytes, SMBIOS order) or NULL */
};

/* Writes the BOOTREQUEST into buf and its length into *len. */
int dhcp4_build(const struct dhcp4_request *r, uint8_t *buf, size_t cap,
		size_t *len, struct sn_err *e);

/* A parsed BOOTREPLY. lease holds everything a client would configure;
 * the rest is what the state machine and logs need. */
struct dhcp4_reply {
	uint8_t type;              /* option 53 */
	uint32_t xid;
	struct in_addr siaddr;     /* next server */
	struct in_addr server_id;  /* option 54, 0.0.0.0 if absent */
	int rapid_commit;          /* option 80 present */
	char message[128];         /* option 56 (why a NAK), "" if none */
	char bootfile[LEASE_URL_MAX]; /* option 67, else the file field */
	char tftp_server[64];      /* option 66, else the sname field */
	char vendor_class[64];     /* option 60 echoed ("PXEClient" from a
				    * ProxyDHCP server), "" if none */
	struct lease lease;        /* family AF_INET; addr4 = yiaddr */
};

/* Parses a reply to the client with this xid and MAC. Every option length
 * is checked; option overload (52) and split options (RFC 3396) are
 * handled. On error *e says what and at which offset; a reply to another
 * client gives SN_E_DHCP4_NOT_OURS before the options are read. The boot
 * URL is the bootfile when it is an http:// or https:// URL. */
int dhcp4_parse(const uint8_t *buf, size_t len, uint32_t xid,
		const uint8_t mac[6], struct dhcp4_reply *out, struct sn_err *e);

/* Option 121 (RFC 3442): descriptor = width (0..32), the significant
 * octets of the destination, 4 octets of router. Up to max routes go to
 * out (bits past the width cleared), the count to *n and any beyond max
 * to *dropped. A width over 32 or a truncated descriptor is an error
 * naming the descriptor's offset inside the option. */
int dhcp4_parse_routes(const uint8_t *v, size_t len, struct lease_route4 *out,
		       int max, int *n, int *dropped, struct sn_err *e);

/* "DISCOVER", "OFFER", ...; "unknown" for anything else. */
const char *dhcp4_type_name(uint8_t type);

#endif
