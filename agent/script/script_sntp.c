/* SNTP packets (RFC 4330): the request and the checks of the answer. Pure. */
#include "script/script_sntp.h"

#include <stdio.h>
#include <string.h>

#define NTP_UNIX_OFFSET 2208988800u   /* 1900-01-01 to 1970-01-01 in seconds */

static void put_time(uint8_t *p, struct sntp_time t)
{
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(t.sec >> (24 - 8 * i));
		p[4 + i] = (uint8_t)(t.frac >> (24 - 8 * i));
	}
}

static struct sntp_time get_time(const uint8_t *p)
{
	struct sntp_time t;

	t.sec = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	t.frac = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	return t;
}

void sntp_request(uint8_t out[SNTP_PACKET_LEN], struct sntp_time xmit)
{
	memset(out, 0, SNTP_PACKET_LEN);
	out[0] = 0 << 6 | 4 << 3 | 3;   /* LI 0, VN 4, mode 3 (client) */
	put_time(out + 40, xmit);
}

/* The reference ID: an IPv4 address for stratum >= 2 (over IPv4), else
 * four ASCII characters (a kiss code, or a clock's name for stratum 1). */
static void refid_text(const uint8_t *p, unsigned stratum, char *out, size_t size)
{
	if (stratum >= 2) {
		snprintf(out, size, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
		return;
	}
	for (size_t i = 0; i < 4 && i + 1 < size; i++) {
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : p[i] ? '?' : '\0';
		out[i + 1] = '\0';
		if (!p[i])
			break;
	}
}

int sntp_reply_parse(const uint8_t *buf, size_t len, struct sntp_time xmit,
		     struct sntp_reply *r, struct sn_err *e)
{
	memset(r, 0, sizeof(*r));
	if (len < SNTP_PACKET_LEN)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "%zu bytes, at least %u needed", len,
			       SNTP_PACKET_LEN);
	r->leap = buf[0] >> 6;
	r->version = buf[0] >> 3 & 7;
	r->mode = buf[0] & 7;
	r->stratum = buf[1];
	refid_text(buf + 12, r->stratum, r->refid, sizeof(r->refid));
	r->origin = get_time(buf + 24);
	r->receive = get_time(buf + 32);
	r->transmit = get_time(buf + 40);
	if (r->mode != 4)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "mode %u, not 4 (server)", r->mode);
	if (r->version < 3 || r->version > 4)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "version %u (3 or 4 expected)",
			       r->version);
	if (r->origin.sec != xmit.sec || r->origin.frac != xmit.frac)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "originate %08x.%08x is not our "
			       "request's %08x.%08x", r->origin.sec, r->origin.frac, xmit.sec,
			       xmit.frac);
	if (r->stratum == 0)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "kiss-o'-death \"%s\" (stratum 0)",
			       r->refid);
	if (r->stratum > 15)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "stratum %u (unsynchronised)",
			       r->stratum);
	if (r->leap == 3)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "leap indicator 3: the server's clock "
			       "is not synchronised");
	if (r->transmit.sec == 0 && r->transmit.frac == 0)
		return sn_fail(e, SN_E_SCRIPT_NTP_REPLY, "transmit time 0");
	return SN_OK;
}

void sntp_to_unix(struct sntp_time t, int64_t *sec, uint32_t *nsec)
{
	int64_t s = (int64_t)t.sec - NTP_UNIX_OFFSET;

	if (!(t.sec & 0x80000000u))
		s += (int64_t)1 << 32;   /* era 1: after 2036-02-07 06:28:16 UTC */
	*sec = s;
	*nsec = (uint32_t)(((uint64_t)t.frac * 1000000000u) >> 32);
}

struct sntp_time sntp_from_unix(int64_t sec, uint32_t nsec)
{
	struct sntp_time t;

	t.sec = (uint32_t)(sec + NTP_UNIX_OFFSET);   /* mod 2^32: the era drops out */
	t.frac = (uint32_t)(((uint64_t)nsec << 32) / 1000000000u);
	return t;
}
