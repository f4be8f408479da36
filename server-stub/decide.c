#include "decide.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

static const char *const tmpl_names[] = {
	"serial", "hostname", "ip", "prefix", "netmask", "gateway",
	"mac", "uuid", "manufacturer", "product", "profile",
};

static int known_name(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(tmpl_names) / sizeof(tmpl_names[0]); i++)
		if (strlen(tmpl_names[i]) == n && !memcmp(tmpl_names[i], name, n))
			return 1;
	return 0;
}

const char *tmpl_problem(const char *tmpl, char *why, size_t whylen)
{
	for (const unsigned char *p = (const unsigned char *)tmpl; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(why, whylen, "cmdline must be one line without control characters");
			return why;
		}
	for (const char *p = tmpl; (p = strstr(p, "${"));) {
		const char *end = strchr(p + 2, '}');
		if (!end) {
			snprintf(why, whylen, "cmdline: '${' without '}' at byte %zu", (size_t)(p - tmpl));
			return why;
		}
		if (!known_name(p + 2, (size_t)(end - p - 2))) {
			snprintf(why, whylen, "cmdline: unknown variable ${%.*s} (known: serial, "
				 "hostname, ip, prefix, netmask, gateway, mac, uuid, manufacturer, "
				 "product, profile)", (int)(end - p - 2 > 40 ? 40 : end - p - 2), p + 2);
			return why;
		}
		p = end + 1;
	}
	return NULL;
}

int cmdline_word(struct buf *out, const char *value)
{
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (isalnum(*p) || strchr("-._~:+@/,=", *p))
			buf_append(out, p, 1);
		else
			buf_printf(out, "%%%02X", *p);
	}
	return out->failed ? -1 : 0;
}

int tmpl_expand(const char *tmpl, tmpl_lookup fn, void *ctx, struct buf *out, char *why,
		size_t whylen)
{
	char name[32];
	const char *p = tmpl;

	if (tmpl_problem(tmpl, why, whylen))
		return -1;
	for (const char *var; (var = strstr(p, "${"));) {
		buf_append(out, p, (size_t)(var - p));
		const char *end = strchr(var + 2, '}');
		size_t n = (size_t)(end - var - 2);
		snprintf(name, sizeof(name), "%.*s", (int)n, var + 2);
		const char *reason = "no value";
		const char *value = fn(ctx, name, &reason);
		if (!value) {
			snprintf(why, whylen, "${%s}: %s", name, reason);
			return -1;
		}
		cmdline_word(out, value);
		p = end + 1;
	}
	buf_puts(out, p);
	if (out->failed) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

void hostname_from_serial(const char *serial, char out[64])
{
	size_t n = 0;
	int dash = 1; /* no leading '-' and no "--" */
	for (const unsigned char *p = (const unsigned char *)serial; *p && n < 63; p++) {
		if (isalnum(*p)) {
			out[n++] = (char)tolower(*p);
			dash = 0;
		} else if (!dash) {
			out[n++] = '-';
			dash = 1;
		}
	}
	while (n && out[n - 1] == '-')
		n--;
	if (!n)
		n = (size_t)snprintf(out, 64, "m%02x", (unsigned char)serial[0]);
	out[n] = '\0';
}

/* --- policies */

static const char *const match_keys[] = {
	"serial", "manufacturer", "product", "uuid", "mac", "driver", "nic",
};

static int is_match_key(const char *k)
{
	for (size_t i = 0; i < sizeof(match_keys) / sizeof(match_keys[0]); i++)
		if (!strcmp(match_keys[i], k))
			return 1;
	return 0;
}

static int action_known(const char *a)
{
	return a && (!strcmp(a, "provision") || !strcmp(a, "local") ||
		     !strcmp(a, "provision-once") || !strcmp(a, "hold"));
}

const char *policies_problem(const cJSON *doc, char *why, size_t whylen)
{
	const cJSON *pol, *m;
	int i = 0;

	if (!cJSON_IsArray(doc))
		return "policies must be a JSON array (first match wins)";
	cJSON_ArrayForEach(pol, doc) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(pol, "name");
		const cJSON *match = cJSON_GetObjectItemCaseSensitive(pol, "match");
		const cJSON *action = cJSON_GetObjectItemCaseSensitive(pol, "action");
		const cJSON *profile = cJSON_GetObjectItemCaseSensitive(pol, "profile");
		if (!cJSON_IsObject(pol))
			snprintf(why, whylen, "policy %d: not an object", i);
		else if (!cJSON_IsString(name) || !*name->valuestring || strlen(name->valuestring) > 64)
			snprintf(why, whylen, "policy %d: \"name\" must be text of 1..64 bytes", i);
		else if (match && !cJSON_IsObject(match))
			snprintf(why, whylen, "policy %s: \"match\" must be an object", name->valuestring);
		else if (!cJSON_IsString(action) || !action_known(action->valuestring))
			snprintf(why, whylen, "policy %s: \"action\" must be provision, local, "
				 "provision-once or hold", name->valuestring);
		else if (profile && !cJSON_IsString(profile) && !cJSON_IsNull(profile))
			snprintf(why, whylen, "policy %s: \"profile\" must be text", name->valuestring);
		else
			goto keys;
		return why;
keys:
		cJSON_ArrayForEach(m, match) {
			if (!is_match_key(m->string) || !cJSON_IsString(m)) {
				snprintf(why, whylen, "policy %s: match key \"%.40s\" must be one of serial, "
					 "manufacturer, product, uuid, mac, driver, nic, with a glob as "
					 "text", name->valuestring, m->string);
				return why;
			}
		}
		i++;
	}
	return NULL;
}

static int glob_holds(const char *glob, const cJSON *value)
{
	return cJSON_IsString(value) && fnmatch(glob, value->valuestring, 0) == 0;
}

int policy_matches(const cJSON *match, const cJSON *facts)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, match) {
		const char *glob = cJSON_IsString(m) ? m->valuestring : "";
		const char *nic_key = !strcmp(m->string, "mac") ? "mac" :
				      !strcmp(m->string, "driver") ? "driver" :
				      !strcmp(m->string, "nic") ? "name" : NULL;
		if (!nic_key) {
			if (!glob_holds(glob, cJSON_GetObjectItemCaseSensitive(facts, m->string)))
				return 0;
			continue;
		}
		const cJSON *nic, *nics = cJSON_GetObjectItemCaseSensitive(facts, "nics");
		int any = 0;
		cJSON_ArrayForEach(nic, nics)
			if (glob_holds(glob, cJSON_GetObjectItemCaseSensitive(nic, nic_key))) {
				any = 1;
				break;
			}
		if (!any)
			return 0;
	}
	return 1;
}

const cJSON *policy_find(const cJSON *list, const cJSON *facts)
{
	const cJSON *pol;
	cJSON_ArrayForEach(pol, list)
		if (policy_matches(cJSON_GetObjectItemCaseSensitive(pol, "match"), facts))
			return pol;
	return NULL;
}

/* --- addresses */

static int parse_ip(const char *text, unsigned char out[16])
{
	if (inet_pton(AF_INET, text, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, out) == 1)
		return AF_INET6;
	return 0;
}

int ip_canonical(const char *text, char out[46])
{
	unsigned char bin[16];
	int family = text ? parse_ip(text, bin) : 0;
	if (family && !inet_ntop(family, bin, out, 46))
		return 0;
	return family;
}

int ipnet_parse(const char *text, struct ipnet *out)
{
	char host[64];
	const char *slash = strchr(text, '/');
	if (!slash || (size_t)(slash - text) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(slash - text), text);
	memset(out, 0, sizeof(*out));
	out->family = parse_ip(host, out->addr);
	char *end;
	unsigned long prefix = strtoul(slash + 1, &end, 10);
	unsigned bits = out->family == AF_INET ? 32 : 128;
	if (!out->family || !slash[1] || *end || !isdigit((unsigned char)slash[1]) || prefix > bits)
		return -1;
	out->prefix = (unsigned)prefix;
	for (unsigned b = out->prefix; b < bits; b++)
		if (out->addr[b / 8] & (0x80 >> (b % 8)))
			return -1; /* host bits set */
	return 0;
}

static int in_net(const struct ipnet *net, const unsigned char *a)
{
	for (unsigned b = 0; b < net->prefix; b++)
		if ((a[b / 8] ^ net->addr[b / 8]) & (0x80 >> (b % 8)))
			return 0;
	return 1;
}

int ipnet_contains(const struct ipnet *net, const char *text)
{
	unsigned char a[16];
	return text && parse_ip(text, a) == net->family && in_net(net, a);
}

static int cmp_addr(const unsigned char *a, const unsigned char *b, int len)
{
	return memcmp(a, b, (size_t)len);
}

const char *range_problem(const struct ipnet *net, const char *first, const char *last,
			  uint64_t max, uint64_t *size)
{
	unsigned char a[16], b[16];
	int len = net->family == AF_INET ? 4 : 16;
	if (!first || !last || parse_ip(first, a) != net->family ||
	    parse_ip(last, b) != net->family)
		return "\"first\" and \"last\" must be addresses of the network's family";
	if (!in_net(net, a) || !in_net(net, b))
		return "\"first\" and \"last\" must lie in \"network\"";
	if (cmp_addr(a, b, len) > 0)
		return "\"first\" must not come after \"last\"";
	/* last - first, byte-wise (128 bits), then checked to fit. */
	uint64_t diff = 0;
	unsigned char d[16];
	int borrow = 0;
	for (int i = len - 1; i >= 0; i--) {
		int v = b[i] - a[i] - borrow;
		borrow = v < 0;
		d[i] = (unsigned char)(v + (borrow ? 256 : 0));
	}
	for (int i = 0; i < len - 8; i++)
		if (d[i])
			return "the range is too large";
	diff = 0;
	for (int i = len > 8 ? len - 8 : 0; i < len; i++)
		diff = (diff << 8) | d[i];
	if (diff >= max)
		return "the range is too large (at most 1048576 addresses)";
	*size = diff + 1;
	return NULL;
}

int ip_offset(const char *first, uint64_t idx, char out[46])
{
	unsigned char a[16];
	int family = parse_ip(first, a);
	if (!family)
		return -1;
	int len = family == AF_INET ? 4 : 16;
	unsigned carry = 0;
	for (int i = len - 1; i >= 0; i--) {
		unsigned v = a[i] + (unsigned)(idx & 0xff) + carry;
		a[i] = (unsigned char)v;
		carry = v >> 8;
		idx >>= 8;
	}
	if (carry || idx)
		return -1;
	return inet_ntop(family, a, out, 46) ? 0 : -1;
}

void netmask4(unsigned prefix, char out[16])
{
	uint32_t m = prefix ? 0xffffffffu << (32 - prefix) : 0;
	snprintf(out, 16, "%u.%u.%u.%u", m >> 24, (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
}

const char *profile_problem(const char *name, const char *kernel, const cJSON *initrds,
			    const char *cmdline, const cJSON *mirrors, char *why,
			    size_t whylen)
{
	const cJSON *i, *j;

	if (!name || !*name || strlen(name) > 64 || strchr(name, '/') ||
	    !utf8_valid(name, strlen(name)))
		return "profile name must be 1..64 bytes of UTF-8 without '/'";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return "profile name must not hold control characters";
	if (!kernel || !files_name_is_safe(kernel))
		return "\"kernel\" must be a file name relative to the files directory, without "
		       "'.', '..' or empty segments";
	if (!cJSON_IsArray(initrds) || cJSON_GetArraySize(initrds) < 1 ||
	    cJSON_GetArraySize(initrds) > 8)
		return "\"initrds\" must be an array of 1 to 8 file names";
	cJSON_ArrayForEach(i, initrds)
		if (!cJSON_IsString(i) || !files_name_is_safe(i->valuestring))
			return "\"initrds\" must hold file names relative to the files directory, "
			       "without '.', '..' or empty segments";
	if (cmdline && tmpl_problem(cmdline, why, whylen))
		return why;
	if (cmdline && strlen(cmdline) > 2048)
		return "\"cmdline\" is longer than 2048 bytes";
	if (!mirrors)
		return NULL;
	if (!cJSON_IsArray(mirrors) || cJSON_GetArraySize(mirrors) > MAX_MIRRORS)
		return "\"mirrors\" must be an array of at most 8 mirror base URLs";
	int n = 0;
	cJSON_ArrayForEach(i, mirrors) {
		const char *bad = mirror_url_problem(cJSON_IsString(i) ? i->valuestring : NULL);
		if (bad) {
			snprintf(why, whylen, "mirror %d: %s", n, bad);
			return why;
		}
		for (j = mirrors->child; j != i; j = j->next)
			if (!strcmp(j->valuestring, i->valuestring)) {
				snprintf(why, whylen, "mirror %d: listed twice", n);
				return why;
			}
		n++;
	}
	return NULL;
}
