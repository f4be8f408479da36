/* Remote syslog (RFC 5424 over UDP, RFC 5426): every console line also
 * goes to the log server DHCP names (option 7), so a fleet's boots can be
 * watched in one place. Formatting is pure; log.c sends. */
#ifndef SNBOOT_SYSLOG_H
#define SNBOOT_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#define SYSLOG_PORT 514
#define SYSLOG_SEV_ERR 3
#define SYSLOG_SEV_INFO 6

/* One RFC 5424 message: "<PRI>1 TIMESTAMP HOST snboot - STAGE - MSG".
 * realtime_ms is milliseconds since the epoch (UTC); host "" becomes "-";
 * printable US-ASCII only in the header fields. Returns the length
 * (truncated to len - 1, always NUL-terminated). */
size_t syslog_format(char *buf, size_t len, int severity, int64_t realtime_ms,
		     const char *host, const char *stage, const char *msg);

/* Severity of an agent log message: errors carry a code ("E0705 ..."). */
int syslog_severity(const char *msg);

#endif
