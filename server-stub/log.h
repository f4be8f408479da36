/* Logging on stderr: one access line per request, and diagnostics
 * prefixed with the program name. */
#ifndef SERVER_STUB_LOG_H
#define SERVER_STUB_LOG_H

#include <stdint.h>
#include <time.h>

#define ISO_TIME_LEN 21 /* "2026-11-22T10:00:00Z" + NUL */

struct access_record {
	const char *client;   /* address without port */
	const char *method;
	const char *path;
	unsigned status;      /* 0: no response was queued */
	uint64_t bytes;       /* body bytes of the response */
	uint64_t ms;
	const char *serial;   /* NULL or "" when the request has none */
	const char *note;     /* extra key=value pairs, may be NULL */
};

void iso_time(time_t t, char out[static ISO_TIME_LEN]);
void log_access(const struct access_record *r);
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
