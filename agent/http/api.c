/* URL rules of the backend API (pure). */
#include "http/api.h"

#include <stdio.h>
#include <string.h>

static const char *after_authority(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return NULL;
	p += 3;
	return p + strcspn(p, "/?#");
}

int api_boot_url(const char *url, char *out, size_t len, struct sn_err *e)
{
	const char *path;
	int n;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return sn_fail(e, SN_E_NO_URL, "backend URL \"%.80s\" is not http(s)", url);
	path = after_authority(url);
	if (*path == '\0' || strcmp(path, "/") == 0)
		n = snprintf(out, len, "%.*s/api/v1/boot", (int)(path - url), url);
	else
		n = snprintf(out, len, "%s", url);
	if (n < 0 || (size_t)n >= len)
		return sn_fail(e, SN_E_NO_URL, "backend URL too long (%zu bytes)", strlen(url));
	return SN_OK;
}

int api_events_url(const char *boot_url, char *out, size_t len, struct sn_err *e)
{
	size_t blen = strlen(boot_url);
	const char *path = after_authority(boot_url);
	int n;

	if (!path)
		return sn_fail(e, SN_E_NO_URL, "boot URL \"%.80s\" has no scheme", boot_url);
	if (blen >= 5 && strcmp(boot_url + blen - 5, "/boot") == 0)
		n = snprintf(out, len, "%.*s/events", (int)(blen - 5), boot_url);
	else
		n = snprintf(out, len, "%.*s/api/v1/events", (int)(path - boot_url), boot_url);
	if (n < 0 || (size_t)n >= len)
		return sn_fail(e, SN_E_NO_URL, "events URL too long");
	return SN_OK;
}
