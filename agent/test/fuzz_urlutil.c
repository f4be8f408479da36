/* Fuzzes the HTTP client's text helpers with one input: Content-Range
 * and header values, host literals, URLs and answers for logs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/urlutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[128];
	struct content_range cr;
	struct sn_err e;
	uint8_t ip[16], sha[32];
	size_t ip_len, vlen;
	const char *v;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	content_range_parse((const char *)data, size, &cr, &e);
	if (http_header_value((const char *)data, size, "Content-Range", &v, &vlen))
		content_range_parse(v, vlen, &cr, &e);
	url_host_ip(s, ip, &ip_len);
	url_for_log(s, out, sizeof(out));
	url_for_log(s, out, 1 + size % sizeof(out));
	text_for_log((const char *)data, size, out, 1 + size % sizeof(out));
	sha256_hex_parse(s, sha, &e);
	free(s);
	return 0;
}
