#include "validate.h"

#include <string.h>
#include <strings.h>

size_t utf8_valid_prefix(const char *s, size_t n)
{
	const unsigned char *start = (const unsigned char *)s, *p = start, *end = p + n;

	while (p < end) {
		const unsigned char *seq = p;
		unsigned c = *p++;
		unsigned need, min;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			min = 0x80;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			min = 0x800;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return (size_t)(seq - start); /* continuation, 0xc0/0xc1, 0xf5.. */
		}
		if ((size_t)(end - p) < need)
			return (size_t)(seq - start);
		for (unsigned i = 0; i < need; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (size_t)(seq - start);
			c = (c << 6) | (p[i] & 0x3f);
		}
		p += need;
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return (size_t)(seq - start);
	}
	return n;
}

int utf8_valid(const char *s, size_t n)
{
	return utf8_valid_prefix(s, n) == n;
}

const char *serial_problem(const char *serial)
{
	if (!serial)
		return "missing \"serial\" (a string)";
	size_t n = strlen(serial);
	if (n == 0)
		return "\"serial\" is empty";
	if (n > MAX_SERIAL)
		return "\"serial\" is longer than 128 bytes";
	for (const unsigned char *p = (const unsigned char *)serial; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "\"serial\" holds control characters";
	if (!utf8_valid(serial, n))
		return "\"serial\" is not valid UTF-8";
	return NULL;
}

const char *json_text_problem(const char *body, size_t n, size_t *at)
{
	const char *nul = memchr(body, '\0', n);
	if (nul) {
		*at = (size_t)(nul - body);
		return "body holds a NUL byte";
	}
	size_t valid = utf8_valid_prefix(body, n);
	if (valid != n) {
		*at = valid;
		return "body is not valid UTF-8";
	}
	/* In valid JSON a backslash only starts an escape inside a string;
	 * consuming escapes pairwise keeps "\\u0000" (a backslash, then
	 * text) apart from "\u0000" (a NUL character). */
	for (size_t i = 0; i + 1 < n; i++) {
		if (body[i] != '\\')
			continue;
		if (body[i + 1] == 'u' && i + 5 < n && !memcmp(body + i + 2, "0000", 4)) {
			*at = i;
			return "strings must not hold \\u0000";
		}
		i++; /* skip the escaped character */
	}
	return NULL;
}

size_t utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return n;
	n = max;
	/* Step back over continuation bytes to the start of a sequence. */
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int files_name_is_safe(const char *name)
{
	if (!*name || *name == '/')
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	for (const char *seg = name; seg;) {
		const char *slash = strchr(seg, '/');
		size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
		if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && !strncmp(seg, "..", 2)))
			return 0;
		seg = slash ? slash + 1 : NULL;
	}
	return 1;
}

const char *mirror_url_problem(const char *url)
{
	size_t n = url ? strlen(url) : 0;
	const char *host;

	if (!url)
		return "a mirror must be a URL as text";
	if (!strncasecmp(url, "http://", 7))
		host = url + 7;
	else if (!strncasecmp(url, "https://", 8))
		host = url + 8;
	else
		return "a mirror URL must start with http:// or https://";
	if (n > MAX_MIRROR_URL)
		return "a mirror URL must be at most 1024 bytes";
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || strchr("\"'\\`$<>{}|^", *p))
			return "a mirror URL must be printable ASCII without whitespace, quotes, "
			       "'\\', '$', '<', '>', '{', '}', '|', '^' or '`' (percent-encode them)";
	if (strchr(url, '?') || strchr(url, '#'))
		return "a mirror URL must not hold '?' or '#' (the artifact's path is appended)";
	if (!*host || *host == '/')
		return "a mirror URL must name a host";
	if (url[n - 1] != '/')
		return "a mirror URL must end with '/' (the artifact's path is appended)";
	return NULL;
}
