/* Pure text helpers for the HTTP client (see urlutil.h). */
#include "http/urlutil.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

int url_host_ip(const char *host, uint8_t ip[16], size_t *ip_len)
{
	char text[INET6_ADDRSTRLEN + 1];
	size_t n = strlen(host);

	*ip_len = 0;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		/* "[addr%zone]": a zone picks the interface, not the address */
		const char *pct = memchr(host + 1, '%', n - 2);
		size_t alen = (pct ? (size_t)(pct - host) : n - 1) - 1;
		if (alen >= sizeof(text))
			return 0;
		memcpy(text, host + 1, alen);
		text[alen] = '\0';
		if (inet_pton(AF_INET6, text, ip) != 1)
			return 0;
		*ip_len = 16;
		return 1;
	}
	if (n >= sizeof(text))
		return 0;
	if (inet_pton(AF_INET, host, ip) == 1) {
		*ip_len = 4;
		return 1;
	}
	if (inet_pton(AF_INET6, host, ip) == 1) {
		*ip_len = 16;
		return 1;
	}
	return 0;
}

/* The sanitized URL is a few slices of the original plus a marker; it is
 * written through this view so no copy of unbounded size is needed. */
struct slices {
	const char *p[4];
	size_t n[4];
};

static size_t slices_len(const struct slices *s)
{
	return s->n[0] + s->n[1] + s->n[2] + s->n[3];
}

static char slices_at(const struct slices *s, size_t i)
{
	for (int k = 0; k < 4; k++) {
		if (i < s->n[k])
			return s->p[k][i];
		i -= s->n[k];
	}
	return '\0';
}

void url_for_log(const char *url, char *buf, size_t len)
{
	static const char dots[] = "...";
	struct slices s = { { url, "", "", "" }, { 0, 0, 0, 0 } };
	size_t end = strcspn(url, "?#");
	const char *sep = strstr(url, "://");
	size_t total, out = 0;

	if (len == 0)
		return;
	if (sep && (size_t)(sep - url) < end) {
		size_t auth = (size_t)(sep - url) + 3;
		size_t auth_end = auth + strcspn(url + auth, "/?#");
		const char *at = NULL;
		for (size_t i = auth; i < auth_end; i++)
			if (url[i] == '@')
				at = url + i;
		s.n[0] = auth;                       /* "https://" */
		s.p[1] = at ? at + 1 : url + auth;   /* host[:port] without user info */
		s.n[1] = (size_t)(url + auth_end - s.p[1]);
		s.p[2] = url + auth_end;             /* path */
		s.n[2] = end - auth_end;
	} else {
		s.n[0] = end;
	}
	if (url[end]) {
		s.p[3] = "?...";
		s.n[3] = 4;
	}
	total = slices_len(&s);
	if (total < len) {
		for (size_t i = 0; i < total; i++)
			buf[out++] = slices_at(&s, i);
	} else if (len <= sizeof(dots) + 2) {
		for (size_t i = 0; i + 1 < len; i++)
			buf[out++] = slices_at(&s, i);
	} else {
		/* keep a third for the start (scheme, host), the rest for the
		 * end, where the file name is */
		size_t avail = len - 1 - (sizeof(dots) - 1);
		size_t head = avail / 3, tail = avail - head;
		for (size_t i = 0; i < head; i++)
			buf[out++] = slices_at(&s, i);
		memcpy(buf + out, dots, sizeof(dots) - 1);
		out += sizeof(dots) - 1;
		for (size_t i = total - tail; i < total; i++)
			buf[out++] = slices_at(&s, i);
	}
	buf[out] = '\0';
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

void text_for_log(const char *p, size_t n, char *out, size_t len)
{
	size_t o = 0, i = 0;

	if (len == 0)
		return;
	for (; i < n && o + 1 < len; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r' || c == '\n' || c == '\t')
			c = ' ';
		else if (c < 0x20 || c > 0x7e)
			c = '?';
		if (c == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;     /* one space between words, none leading */
		out[o++] = (char)c;
	}
	if (i < n && len >= 4) {
		o = o > len - 4 ? len - 4 : o;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

int http_header_value(const char *line, size_t len, const char *name,
		      const char **val, size_t *val_len)
{
	size_t n = strlen(name), b, e;

	/* RFC 9112 §5.1: no whitespace between the name and the colon */
	if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
		return 0;
	b = n + 1;
	e = len;
	while (b < e && is_ows(line[b]))
		b++;
	while (e > b && (is_ows(line[e - 1]) || line[e - 1] == '\r' || line[e - 1] == '\n'))
		e--;
	*val = line + b;
	*val_len = e - b;
	return 1;
}

/* Decimal digits at *i → *v; at least one, no overflow, and never the value
 * reserved for "unknown". */
static int parse_u64(const char *s, size_t len, size_t *i, uint64_t *v)
{
	size_t start = *i;
	uint64_t x = 0;

	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		unsigned d = (unsigned)(s[*i] - '0');
		if (x > (UINT64_MAX - 1 - d) / 10)
			return -1;
		x = x * 10 + d;
		(*i)++;
	}
	if (*i == start)
		return -1;
	*v = x;
	return 0;
}

static int expect_char(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

int content_range_parse(const char *val, size_t len, struct content_range *cr,
			struct sn_err *e)
{
	size_t i = 0, shown = len > 60 ? 60 : len;

	cr->first = cr->last = cr->complete = CONTENT_RANGE_UNKNOWN;
	while (i < len && is_ows(val[i]))
		i++;
	while (len > i && is_ows(val[len - 1]))
		len--;
	/* the range unit is case-insensitive (RFC 9110 §14.1) */
	if (len - i < 6 || strncasecmp(val + i, "bytes", 5) != 0 || val[i + 5] != ' ')
		return sn_fail(e, SN_E_HTTP_RANGE, "Content-Range \"%.*s\": unit is not bytes",
			       (int)shown, val);
	i += 6;
	while (i < len && val[i] == ' ')
		i++;
	if (i < len && val[i] == '*') {
		i++;
	} else if (parse_u64(val, len, &i, &cr->first) || expect_char(val, len, &i, '-') ||
		   parse_u64(val, len, &i, &cr->last)) {
		return sn_fail(e, SN_E_HTTP_RANGE, "Content-Range \"%.*s\": bad first-last",
			       (int)shown, val);
	}
	if (expect_char(val, len, &i, '/'))
		return sn_fail(e, SN_E_HTTP_RANGE, "Content-Range \"%.*s\": no '/' before the length",
			       (int)shown, val);
	if (i < len && val[i] == '*' && cr->first != CONTENT_RANGE_UNKNOWN) {
		i++;
	} else if (parse_u64(val, len, &i, &cr->complete)) {
		return sn_fail(e, SN_E_HTTP_RANGE, "Content-Range \"%.*s\": bad complete length",
			       (int)shown, val);
	}
	if (i != len)
		return sn_fail(e, SN_E_HTTP_RANGE, "Content-Range \"%.*s\": junk at offset %zu",
			       (int)shown, val, i);
	if (cr->first != CONTENT_RANGE_UNKNOWN) {
		if (cr->first > cr->last)
			return sn_fail(e, SN_E_HTTP_RANGE, "Content-Range \"%.*s\": first > last",
				       (int)shown, val);
		if (cr->complete != CONTENT_RANGE_UNKNOWN && cr->last >= cr->complete)
			return sn_fail(e, SN_E_HTTP_RANGE,
				       "Content-Range \"%.*s\": last byte beyond the length",
				       (int)shown, val);
	}
	return SN_OK;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sha256_hex_parse(const char *hex, uint8_t out[32], struct sn_err *e)
{
	size_t n = strlen(hex);

	if (n != 64)
		return sn_fail(e, SN_E_HTTP_SHA256_ARG, "\"%.70s\" has %zu characters, not 64",
			       hex, n);
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return sn_fail(e, SN_E_HTTP_SHA256_ARG, "\"%.70s\": not hex at offset %zu",
				       hex, hi < 0 ? 2 * i : 2 * i + 1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return SN_OK;
}

void hex_format(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

int url_is_plain_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0;
}

int url_artifact_allowed(const char *url, int pinned, int any_http, struct sn_err *e)
{
	char u[112];

	if (!url_is_plain_http(url) || pinned || any_http)
		return SN_OK;
	url_for_log(url, u, sizeof(u));
	return sn_fail(e, SN_E_HTTP_UNPINNED, "%s: plain http:// without --sha256= is refused "
		       "(http_artifacts = pinned; use https://, pin it, or bake http_artifacts = any)",
		       u);
}
