/* URL rules of the backend API (pure). */
#include "http/api.h"

#include <stdio.h>
#include <string.h>

#include "http/urlutil.h"

static const char *after_authority(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return NULL;
	p += 3;
	return p + strcspn(p, "/?#");
}

int api_boot_url_trust(const char *url, int allow_http, char *out, size_t len,
		       struct sn_err *e)
{
	char u[112];
	const char *path;
	int n;

	url_for_log(url, u, sizeof(u));
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return sn_fail(e, SN_E_NO_URL, "backend URL \"%s\" is not http(s)", u);
	/* Anyone on the segment can answer DHCP: a plain-http backend would
	 * let them choose what boots. Labs opt in, in the baked config only. */
	if (url[4] == ':' && !allow_http)
		return sn_fail(e, SN_E_HTTP_PLAIN_BACKEND,
			       "%s: refused; only https:// backends are trusted", u);
	path = after_authority(url);
	if (*path == '\0' || strcmp(path, "/") == 0)
		n = snprintf(out, len, "%.*s/api/v1/boot", (int)(path - url), url);
	else
		n = snprintf(out, len, "%s", url);
	if (n < 0 || (size_t)n >= len)
		return sn_fail(e, SN_E_NO_URL, "backend URL too long (%zu bytes)", strlen(url));
	return SN_OK;
}

int api_boot_url(const char *url, char *out, size_t len, struct sn_err *e)
{
	return api_boot_url_trust(url, 0, out, len, e);
}

int api_events_url(const char *boot_url, char *out, size_t len, struct sn_err *e)
{
	size_t blen = strlen(boot_url);
	const char *path = after_authority(boot_url);
	int n;

	if (!path)
		return sn_fail(e, SN_E_NO_URL, "boot URL of %zu bytes has no scheme", blen);
	if (blen >= 5 && strcmp(boot_url + blen - 5, "/boot") == 0)
		n = snprintf(out, len, "%.*s/events", (int)(blen - 5), boot_url);
	else
		n = snprintf(out, len, "%.*s/api/v1/events", (int)(path - boot_url), boot_url);
	if (n < 0 || (size_t)n >= len)
		return sn_fail(e, SN_E_NO_URL, "events URL too long");
	return SN_OK;
}
