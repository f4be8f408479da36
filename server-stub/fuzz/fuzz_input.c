/* libFuzzer over the server's pure input handling: the JSON text checks
 * and parse the boot API does, the serial rule, policy validation and
 * matching against the same document as facts, profile checks (initrds,
 * mirrors), mirror base URLs, cmdline templates, pool address arithmetic
 * and the Range header parser. The first byte picks
 * nothing: every input goes through all of them, split at NUL bytes where
 * a part needs a C string.
 *   make build/fuzz/fuzz_server_input && build/fuzz/fuzz_server_input -max_total_time=10 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "../buf.h"
#include "../decide.h"
#include "../range.h"
#include "../validate.h"

static const char *lookup(void *ctx, const char *name, const char **why)
{
	(void)ctx;
	if (!strcmp(name, "ip")) {
		*why = "no address";
		return NULL;
	}
	return name;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	size_t at;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* As api_boot.c: checks, then a parse that must end at the NUL. */
	if (!json_text_problem(text, size, &at)) {
		const char *end = NULL;
		cJSON *doc = cJSON_ParseWithLengthOpts(text, size + 1, &end, 1);
		if (doc) {
			const cJSON *serial = cJSON_GetObjectItemCaseSensitive(doc, "serial");
			if (cJSON_IsString(serial) && !serial_problem(serial->valuestring) &&
			    strlen(serial->valuestring) > MAX_SERIAL)
				abort(); /* the rule let a long serial through */
			const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "policies");
			if (!policies_problem(list, why, sizeof(why)))
				policy_find(list, doc);
			policy_matches(cJSON_GetObjectItemCaseSensitive(doc, "match"), doc);
			profile_problem("p", "k", cJSON_GetObjectItemCaseSensitive(doc, "initrds"), NULL,
					cJSON_GetObjectItemCaseSensitive(doc, "mirrors"), why,
					sizeof(why));
			cJSON_Delete(doc);
		}
	}
	/* The C string parts: template, network/first/last, Range header. */
	const char *a = text, *b = a + strlen(a) + 1 <= text + size ? a + strlen(a) + 1 : "";
	const char *c = b[0] && b + strlen(b) + 1 <= text + size ? b + strlen(b) + 1 : "";
	struct buf out;
	buf_init(&out);
	tmpl_expand(a, lookup, NULL, &out, why, sizeof(why));
	buf_free(&out);
	char host[64];
	hostname_from_serial(a[0] ? a : "x", host);
	if (strlen(host) > 63 || !host[0])
		abort();
	struct ipnet net;
	uint64_t n;
	char addr[46];
	if (ipnet_parse(a, &net) == 0 && !range_problem(&net, b, c, 1 << 20, &n)) {
		/* Every offset of the range is an address in the network. */
		if (ip_offset(b, n - 1, addr) < 0 || !ipnet_contains(&net, addr))
			abort();
	}
	uint64_t first, len;
	if (range_parse(a, 1000, &first, &len) == RANGE_OK && (len == 0 || first + len > 1000))
		abort();
	if (!mirror_url_problem(a)) {
		/* An accepted mirror base stays one script word, gets no iPXE
		 * expansion and takes a path appended. */
		size_t len_a = strlen(a);
		if (len_a > MAX_MIRROR_URL || a[len_a - 1] != '/' || strpbrk(a, "$\"' ?#") ||
		    (strncasecmp(a, "http://", 7) && strncasecmp(a, "https://", 8)))
			abort();
		for (const unsigned char *p = (const unsigned char *)a; *p; p++)
			if (*p < 0x21 || *p > 0x7e)
				abort();
	}
	utf8_cut(a, size / 2);
	free(text);
	return 0;
}
