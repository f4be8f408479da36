/* The backend API as the agent consumes it: POST /api/v1/boot with the
 * machine facts, POST /api/v1/events with stage timings. */
#ifndef SNBOOT_API_H
#define SNBOOT_API_H

#include <stddef.h>

#include "core/err.h"

/* The boot endpoint for a URL from DHCP or snboot.url: a URL with an empty
 * path or "/" means the backend's root, so /api/v1/boot is appended; any
 * other path is used as given (backends may route per rack).
 * Trust: an http:// URL is SN_E_HTTP_PLAIN_BACKEND unless allow_http (the
 * baked config's allow_http = 1, labs only): whoever answers DHCP first
 * would otherwise choose what the machine boots. */
int api_boot_url_trust(const char *url, int allow_http, char *out, size_t len,
		       struct sn_err *e);
/* The same with allow_http = 0 (the default, and the safe choice). */
int api_boot_url(const char *url, char *out, size_t len, struct sn_err *e);

/* The events endpoint beside a boot endpoint: ".../boot" → ".../events",
 * else scheme://host/api/v1/events. */
int api_events_url(const char *boot_url, char *out, size_t len, struct sn_err *e);

#endif
