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
/* PXE 2.1 §2.2.6: boot servers (and ProxyDHCP servers) answer the
 * client's unicast DHCPREQUEST on this port. */
#define DHCP4_PXE_PORT 4011

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
	/* A PXE boot server REQUEST (port 4011, PXE 2.1 §2.2.6): ciaddr is
	 * the leased address, no option 50, replies not broadcast. */
	struct in_addr ciaddr;
	int pxe_item;              /* add option 43 with PXE_BOOT_ITEM (71) */
	uint16_t pxe_type, pxe_layer;
	const char *serial;
	const char *vendor_class;
	const char *user_class;
	uint16_t arch;             /* option 93 */
	const uint8_t *uuid;       /* option 97 (16 bytes, SMBIOS order) or NULL */
};

/* Writes the BOOTREQUEST into buf and its length into *len. */
int dhcp4_build(const struct dhcp4_request *r, uint8_t *buf, size_t cap,
		size_t *len, struct sn_err *e);

/* Option 43 of a PXE server's reply (PXE 2.1 §2.2.5, table 2-1): only
 * what the client acts on. */
#define DHCP4_PXE_DISCOVERY 6     /* PXE_DISCOVERY_CONTROL, 1 byte */
#define DHCP4_PXE_BOOT_SERVERS 8  /* type(2) count(1) IPs(4 * count), ... */
#define DHCP4_PXE_BOOT_MENU 9     /* type(2) len(1) description, ... */
#define DHCP4_PXE_MENU_PROMPT 10  /* timeout(1) prompt */
#define DHCP4_PXE_BOOT_ITEM 71    /* type(2) layer(2) */
/* Discovery control bit 3: "download the boot file in the offer at once",
 * no boot server discovery. */
#define DHCP4_PXE_DC_DIRECT 0x08

struct dhcp4_pxe {
	int found;                 /* option 43 present and parsed */
	int discovery;             /* suboption 6, -1 if absent */
	int n_menu;                /* boot menu items (suboption 9) */
	uint16_t menu_type;        /* the first item that is not local boot (0) */
	char menu_desc[64];        /* its description, made printable */
	int has_item;              /* suboption 71 present (an ACK echoes it) */
	uint16_t item_type, item_layer;
};

/* Parses option 43's value as PXE suboptions. Unknown suboptions are
 * skipped; a suboption running past the option, a wrong length for 6 or
 * 71, or a malformed menu entry is an error naming its byte offset. */
int dhcp4_parse_pxe(const uint8_t *v, size_t len, struct dhcp4_pxe *out,
		    struct sn_err *e);

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
	/* Option 43 read as PXE suboptions, when option 60 says PXEClient or
	 * HTTPClient (RFC 2132 §8.4: 43's meaning follows the vendor class). */
	struct dhcp4_pxe pxe;
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

/* 1 when option 60 of a reply names a PXE server ("PXEClient...",
 * "HTTPClient..."). */
int dhcp4_is_pxe_vendor(const char *vendor_class);

/* "DISCOVER", "OFFER", ...; "unknown" for anything else. */
const char *dhcp4_type_name(uint8_t type);

#endif
