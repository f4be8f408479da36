/* `ntp <server>`: a small SNTP client (RFC 4330). The packet is built and
 * the answer checked by pure functions (unit-tested on a real chronyd
 * answer, fuzzed); script_ntp_set_clock() is the thin socket part: one
 * UDP request to port 123, up to SNTP_TRIES of SNTP_WAIT_MS each, then
 * clock_settime(CLOCK_REALTIME) to the server's transmit time plus half
 * the round trip. */
#ifndef SNBOOT_SCRIPT_SNTP_H
#define SNBOOT_SCRIPT_SNTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SNTP_PACKET_LEN 48u
#define SNTP_PORT       123u
#define SNTP_TRIES      3u
#define SNTP_WAIT_MS    1000u

/* An NTP timestamp: seconds since 1900 (mod 2^32) and 2^-32 fractions. */
struct sntp_time {
	uint32_t sec, frac;
};

struct sntp_reply {
	unsigned leap, version, mode, stratum;
	char refid[16];               /* "127.127.1.1", or a kiss code "RATE" */
	struct sntp_time origin, receive, transmit;
};

/* The client request (RFC 4330 §5): LI 0, VN 4, mode 3, every field 0
 * but the transmit timestamp xmit, which the server echoes as originate. */
void sntp_request(uint8_t out[SNTP_PACKET_LEN], struct sntp_time xmit);

/* Checks a server's answer to the request sent with xmit (RFC 4330 §5):
 * at least 48 bytes, mode 4, version 3 or 4, stratum 1..15 (0 is a
 * kiss-o'-death: its code is in the error), leap indicator not 3
 * (unsynchronised), originate == xmit, transmit not 0. SN_OK and *r, or
 * SN_E_SCRIPT_NTP_REPLY saying why. */
int sntp_reply_parse(const uint8_t *buf, size_t len, struct sntp_time xmit,
		     struct sntp_reply *r, struct sn_err *e);

/* NTP time to Unix time and back. A timestamp with the top bit of its
 * seconds clear lies after 2036-02-07 (era 1, RFC 4330 §3). */
void sntp_to_unix(struct sntp_time t, int64_t *sec, uint32_t *nsec);
struct sntp_time sntp_from_unix(int64_t sec, uint32_t nsec);

/* Asks server (a name or an address, optional ":port" for IPv4/name)
 * and sets the realtime clock. *set_to gets the Unix seconds set. */
int script_ntp_set_clock(const char *server, int64_t *set_to, struct sn_err *e);

#endif
