/* RFC 5424 message formatting (pure). */
#include "core/syslog.h"

#include <ctype.h>
#include <stdio.h>
#include <time.h>

/* Facility local0 (16): what syslog servers route boot-agent logs by. */
#define FACILITY_LOCAL0 16

/* RFC 5424 6.2: header fields are PRINTUSASCII (33..126), bounded. */
static void header_field(char *out, size_t cap, const char *in)
{
	size_t n = 0;

	for (; in && *in && n + 1 < cap; in++)
		out[n++] = (*in > 32 && *in < 127) ? *in : '_';
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
}

int syslog_severity(const char *msg)
{
	return msg[0] == 'E' && isdigit((unsigned char)msg[1]) &&
			       isdigit((unsigned char)msg[2]) && isdigit((unsigned char)msg[3]) &&
			       isdigit((unsigned char)msg[4]) && msg[5] == ' '
		       ? SYSLOG_SEV_ERR
		       : SYSLOG_SEV_INFO;
}

size_t syslog_format(char *buf, size_t len, int severity, int64_t realtime_ms,
		     const char *host, const char *stage, const char *msg)
{
	char hostname[256], msgid[33], stamp[96];
	time_t secs = (time_t)(realtime_ms / 1000);
	struct tm tm;
	int n;

	if (!len)
		return 0;
	header_field(hostname, sizeof(hostname), host);
	header_field(msgid, sizeof(msgid), stage);
	if (gmtime_r(&secs, &tm))
		snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, (int)(realtime_ms % 1000));
	else
		snprintf(stamp, sizeof(stamp), "-");
	n = snprintf(buf, len, "<%d>1 %s %s snboot - %s - %s",
		     FACILITY_LOCAL0 * 8 + severity, stamp, hostname, msgid, msg);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < len ? (size_t)n : len - 1;
}
