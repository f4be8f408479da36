/* DHCPv6 messages (RFC 8415): build the client's Solicit/Request and parse
 * a server's Advertise/Reply. Pure functions over buffers: no I/O, no
 * globals. What a message means for the client is decided in dhcp6.c. */
#ifndef SNBOOT_DHCP6_PACKET_H
#define SNBOOT_DHCP6_PACKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "net/lease.h"

/* Message types, RFC 8415 §7.3. */
enum {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_REPLY = 7,
};

/* Option codes: RFC 8415 §21, RFC 3646 (23, 24), RFC 5970 (59, 60, 61). */
enum {
	DHCP6_OPT_CLIENTID = 1,
	DHCP6_OPT_SERVERID = 2,
	DHCP6_OPT_IA_NA = 3,
	DHCP6_OPT_IAADDR = 5,
	DHCP6_OPT_ORO = 6,
	DHCP6_OPT_PREFERENCE = 7,
	DHCP6_OPT_ELAPSED_TIME = 8,
	DHCP6_OPT_STATUS_CODE = 13,
	DHCP6_OPT_RAPID_COMMIT = 14,
	DHCP6_OPT_USER_CLASS = 15,
	DHCP6_OPT_VENDOR_CLASS = 16,
	DHCP6_OPT_DNS_SERVERS = 23,
	DHCP6_OPT_DOMAIN_LIST = 24,
	DHCP6_OPT_BOOTFILE_URL = 59,
	DHCP6_OPT_BOOTFILE_PARAM = 60,
	DHCP6_OPT_CLIENT_ARCH_TYPE = 61,
};

/* Status codes, RFC 8415 §21.13. */
enum {
	DHCP6_STATUS_SUCCESS = 0,
	DHCP6_STATUS_UNSPEC_FAIL = 1,
	DHCP6_STATUS_NO_ADDRS_AVAIL = 2,
	DHCP6_STATUS_NO_BINDING = 3,
	DHCP6_STATUS_NOT_ON_LINK = 4,
	DHCP6_STATUS_USE_MULTICAST = 5,
	DHCP6_STATUS_NO_PREFIX_AVAIL = 6,
};

/* A DUID is 2 bytes of type plus at most 128 bytes (RFC 8415 §11.1). */
#define DHCP6_DUID_MAX 130
#define DHCP6_ENTERPRISE_INTEL 343  /* vendor class of PXE and UEFI HTTP boot */
#define DHCP6_STATUS_MSG_MAX 96

/* DUID-UUID (type 4, RFC 6355) from the SMBIOS UUID as the table stores it
 * (SMBIOS 2.6+: first three fields little-endian); the DUID carries it in
 * RFC 4122 network order, so it reads like the UUID text the backend
 * shows. Returns the DUID length (18). */
size_t dhcp6_duid_uuid(uint8_t duid[DHCP6_DUID_MAX], const uint8_t smbios_uuid[16]);
/* DUID-LL (type 3, hardware type 1 Ethernet) from the MAC. Returns 10. */
size_t dhcp6_duid_ll(uint8_t duid[DHCP6_DUID_MAX], const uint8_t mac[6]);

/* Everything one outgoing client message carries. */
struct dhcp6_out {
	uint8_t type;                 /* DHCP6_SOLICIT or DHCP6_REQUEST */
	uint32_t xid;                 /* low 24 bits are sent */
	uint16_t elapsed_cs;          /* option 8: hundredths of a second */
	const uint8_t *duid;          /* option 1 */
	size_t duid_len;
	uint32_t iaid;                /* option 3, T1 = T2 = 0 (server decides) */
	const struct in6_addr *ia_addr; /* IAADDR inside IA_NA; NULL = none */
	const uint8_t *server_id;     /* option 2 (Request); NULL = none */
	size_t server_id_len;
	int rapid_commit;             /* option 14 (Solicit only) */
	const char *user_class;       /* option 15; NULL or "" = none */
	const char *vendor_class;     /* option 16, enterprise 343; NULL or "" = none */
	uint16_t arch;                /* option 61 */
};

/* Writes the message into buf; *len gets its length. The ORO always asks
 * for 59, 60, 23, 24. */
int dhcp6_build(const struct dhcp6_out *m, uint8_t *buf, size_t cap,
		size_t *len, struct sn_err *e);

struct dhcp6_status {
	int present;
	uint16_t code;
	char msg[DHCP6_STATUS_MSG_MAX];   /* printable ASCII, truncated */
};

/* A parsed server message. Only the first IA_NA and, inside it, the first
 * IAADDR are kept: the client sends one IA_NA and asks for one address. */
struct dhcp6_msg {
	uint8_t type;
	uint32_t xid;
	uint8_t client_id[DHCP6_DUID_MAX];
	size_t client_id_len;             /* 0 = option absent */
	uint8_t server_id[DHCP6_DUID_MAX];
	size_t server_id_len;             /* 0 = option absent */
	int has_preference;
	uint8_t preference;
	int rapid_commit;
	struct dhcp6_status status;       /* top level */
	int has_ia;
	uint32_t iaid, t1, t2;
	struct dhcp6_status ia_status;
	int has_addr;
	struct in6_addr addr;
	uint32_t preferred_s, valid_s;
	struct dhcp6_status addr_status;
	struct in6_addr dns[LEASE_MAX_DNS];   /* option 23, first LEASE_MAX_DNS */
	int n_dns;
	char domain[128];       /* option 24: names, space separated, whole names that fit */
	char boot_url[LEASE_URL_MAX];   /* option 59, "" if absent */
	char boot_params[256];  /* option 60: parameters joined by spaces */
};

/* Parses a whole DHCPv6 message (UDP payload). Every option length is
 * checked against its parent; a malformed message fails with the offset
 * of the fault in e and *m must not be used. Unknown options are skipped;
 * for repeated single-valued options the first wins. */
int dhcp6_parse(const uint8_t *buf, size_t len, struct dhcp6_msg *m,
		struct sn_err *e);

const char *dhcp6_msg_name(unsigned type);      /* "ADVERTISE", "type 12" → "unknown" */
const char *dhcp6_status_name(unsigned code);   /* "NoAddrsAvail" */

#endif
