/* Setting types, as iPXE's settings.c has them: a value has a native type
 * (an address, a MAC, a number, text), and `${name:type}` turns its bytes
 * into another text form: `${netmask:hex}` is "ff:ff:ff:00", `${ip:int32}`
 * the address as a signed number. The store keeps each value as the text
 * of its native type, so the native type comes from the setting's name
 * (iPXE's named settings table); a name snboot does not know is text, or
 * bytes when it is written as hex groups ("52:54:00:12:34:56"). A value
 * that cannot be shown in the asked type expands to nothing, as in iPXE. */
#include "script/script_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum script_type type;
} types[] = {
	{ "string", SCRIPT_TYPE_STRING }, { "ipv4", SCRIPT_TYPE_IPV4 },
	{ "ipv6", SCRIPT_TYPE_IPV6 }, { "int8", SCRIPT_TYPE_INT8 },
	{ "int16", SCRIPT_TYPE_INT16 }, { "int32", SCRIPT_TYPE_INT32 },
	{ "uint8", SCRIPT_TYPE_UINT8 }, { "uint16", SCRIPT_TYPE_UINT16 },
	{ "uint32", SCRIPT_TYPE_UINT32 }, { "uuid", SCRIPT_TYPE_UUID },
	{ "guid", SCRIPT_TYPE_GUID }, { "busdevfn", SCRIPT_TYPE_BUSDEVFN },
	{ "dnssl", SCRIPT_TYPE_STRING }, { "uristring", SCRIPT_TYPE_URISTRING },
	{ "hex", SCRIPT_TYPE_HEX }, { "hexhyp", SCRIPT_TYPE_HEXHYP },
	{ "hexraw", SCRIPT_TYPE_HEXRAW }, { "base64", SCRIPT_TYPE_BASE64 },
};

int script_type_find(const char *name, enum script_type *type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, name) == 0) {
			*type = types[i].type;
			return 0;
		}
	return -1;
}

/* The native type of the settings snboot fills in (iPXE's names). */
static const struct {
	const char *name;
	enum script_type type;
} natives[] = {
	{ "ip", SCRIPT_TYPE_IPV4 }, { "netmask", SCRIPT_TYPE_IPV4 },
	{ "gateway", SCRIPT_TYPE_IPV4 }, { "dns", SCRIPT_TYPE_IPV4 },
	{ "next-server", SCRIPT_TYPE_IPV4 }, { "syslog", SCRIPT_TYPE_IPV4 },
	{ "ntp", SCRIPT_TYPE_IPV4 }, { "ip6", SCRIPT_TYPE_IPV6 },
	{ "dns6", SCRIPT_TYPE_IPV6 }, { "next-server6", SCRIPT_TYPE_IPV6 },
	{ "mac", SCRIPT_TYPE_HEX }, { "busid", SCRIPT_TYPE_HEX },
	{ "uuid", SCRIPT_TYPE_UUID }, { "mtu", SCRIPT_TYPE_UINT16 },
	{ "len6", SCRIPT_TYPE_INT8 }, { "priority", SCRIPT_TYPE_INT8 },
	{ "busloc", SCRIPT_TYPE_UINT32 },
};

enum script_type script_native_type(const char *bare_name)
{
	for (size_t i = 0; i < sizeof(natives) / sizeof(natives[0]); i++)
		if (strcmp(natives[i].name, bare_name) == 0)
			return natives[i].type;
	return SCRIPT_TYPE_AUTO;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Groups of an even number of hex digits separated by ':' or '-' (a MAC,
 * a UUID); sep_needed: a lone group ("c0a8") is taken too. -1 if not. */
static long hex_groups(const char *v, unsigned char *b, size_t max, int sep_needed)
{
	size_t n = 0, digits = 0;
	int seps = 0;

	for (const char *p = v; *p; p++) {
		if (*p == ':' || *p == '-') {
			if (digits == 0 || digits % 2)
				return -1;
			digits = 0;
			seps++;
		} else if (hexval(*p) < 0) {
			return -1;
		} else {
			digits++;
		}
	}
	if ((sep_needed && !seps) || digits == 0 || digits % 2)
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p == ':' || *p == '-')
			continue;
		if (n == max)
			return -1;
		b[n++] = (unsigned char)(hexval(p[0]) << 4 | hexval(p[1]));
		p++;
	}
	return (long)n;
}

static size_t as_chars(const char *v, unsigned char *b, size_t max)
{
	size_t n = strlen(v) < max ? strlen(v) : max;

	memcpy(b, v, n);
	return n;
}

static size_t int_width(enum script_type t)
{
	switch (t) {
	case SCRIPT_TYPE_INT8: case SCRIPT_TYPE_UINT8: return 1;
	case SCRIPT_TYPE_INT16: case SCRIPT_TYPE_UINT16: return 2;
	default: return 4;
	}
}

/* The value's bytes, read as its native type says; -1 if it does not
 * parse as that type (then iPXE would not have stored it). */
static long to_raw(enum script_type native, const char *v, unsigned char *b, size_t max)
{
	switch (native) {
	case SCRIPT_TYPE_IPV4:
		return inet_pton(AF_INET, v, b) == 1 ? 4 : -1;
	case SCRIPT_TYPE_IPV6:
		return inet_pton(AF_INET6, v, b) == 1 ? 16 : -1;
	case SCRIPT_TYPE_HEX: case SCRIPT_TYPE_HEXHYP: case SCRIPT_TYPE_HEXRAW:
		return hex_groups(v, b, max, 0);
	case SCRIPT_TYPE_UUID: case SCRIPT_TYPE_GUID:
		return hex_groups(v, b, max, 0) == 16 ? 16 : -1;
	case SCRIPT_TYPE_INT8: case SCRIPT_TYPE_INT16: case SCRIPT_TYPE_INT32:
	case SCRIPT_TYPE_UINT8: case SCRIPT_TYPE_UINT16: case SCRIPT_TYPE_UINT32: {
		size_t w = int_width(native);
		char *end;
		errno = 0;
		unsigned long long n = strtoull(v, &end, 0);
		if (errno || end == v || *end)
			return -1;
		for (size_t i = 0; i < w; i++)
			b[w - 1 - i] = (unsigned char)(n >> (8 * i));
		return (long)w;
	}
	case SCRIPT_TYPE_AUTO: {
		long n = hex_groups(v, b, max, 1);
		return n >= 0 ? n : (long)as_chars(v, b, max);
	}
	default:
		return (long)as_chars(v, b, max);
	}
}

struct outbuf {
	char *p;
	size_t size, len;
	int overflow;
};

static void put(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->overflow = 1;
		return;
	}
	o->len += (size_t)n;
}

/* iPXE's numeric_setting_value: big-endian, sign-extended for intN. */
static int numerate(const unsigned char *b, size_t n, int is_signed, long long *out)
{
	unsigned long long v = (is_signed && n && (b[0] & 0x80)) ? ~0ull : 0;

	if (n > 8)
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | b[i];
	*out = (long long)v;
	return 0;
}

static void put_uuid(struct outbuf *o, const unsigned char *b, int guid)
{
	static const int order_uuid[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	static const int order_guid[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	const int *ord = guid ? order_guid : order_uuid;

	for (int i = 0; i < 16; i++)
		put(o, "%s%02x", (i == 4 || i == 6 || i == 8 || i == 10) ? "-" : "", b[ord[i]]);
}

static void put_base64(struct outbuf *o, const unsigned char *b, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t w = (uint32_t)b[i] << 16;
		if (i + 1 < n)
			w |= (uint32_t)b[i + 1] << 8;
		if (i + 2 < n)
			w |= b[i + 2];
		put(o, "%c%c%c%c", abc[w >> 18 & 63], abc[w >> 12 & 63],
		    i + 1 < n ? abc[w >> 6 & 63] : '=', i + 2 < n ? abc[w & 63] : '=');
	}
}

static int format_raw(enum script_type type, const unsigned char *b, size_t n,
		      struct outbuf *o)
{
	char addr[INET6_ADDRSTRLEN];
	long long num;

	switch (type) {
	case SCRIPT_TYPE_AUTO: case SCRIPT_TYPE_STRING:
		put(o, "%.*s", (int)strnlen((const char *)b, n), (const char *)b);
		return 0;
	case SCRIPT_TYPE_URISTRING:
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = b[i];
			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || (ch && strchr("-._~", ch)))
				put(o, "%c", ch);
			else
				put(o, "%%%02X", ch);
		}
		return 0;
	case SCRIPT_TYPE_IPV4:
		if (n != 4)
			return -1;
		put(o, "%s", inet_ntop(AF_INET, b, addr, sizeof(addr)));
		return 0;
	case SCRIPT_TYPE_IPV6:
		if (n != 16)
			return -1;
		put(o, "%s", inet_ntop(AF_INET6, b, addr, sizeof(addr)));
		return 0;
	case SCRIPT_TYPE_INT8: case SCRIPT_TYPE_INT16: case SCRIPT_TYPE_INT32:
		if (numerate(b, n, 1, &num) != 0)
			return -1;
		put(o, "%lld", num);
		return 0;
	case SCRIPT_TYPE_UINT8: case SCRIPT_TYPE_UINT16: case SCRIPT_TYPE_UINT32:
		if (numerate(b, n, 0, &num) != 0)
			return -1;
		put(o, "%#llx", (unsigned long long)num);
		return 0;
	case SCRIPT_TYPE_UUID: case SCRIPT_TYPE_GUID:
		if (n != 16)
			return -1;
		put_uuid(o, b, type == SCRIPT_TYPE_GUID);
		return 0;
	case SCRIPT_TYPE_BUSDEVFN:
		if (numerate(b, n, 0, &num) != 0 || n != 2)
			return -1;
		put(o, "%02llx:%02llx.%llx", (unsigned long long)num >> 8,
		    ((unsigned long long)num >> 3) & 0x1f, (unsigned long long)num & 7);
		return 0;
	case SCRIPT_TYPE_HEX: case SCRIPT_TYPE_HEXHYP: case SCRIPT_TYPE_HEXRAW: {
		const char *sep = type == SCRIPT_TYPE_HEX ? ":" :
				  type == SCRIPT_TYPE_HEXHYP ? "-" : "";
		for (size_t i = 0; i < n; i++)
			put(o, "%s%02x", i ? sep : "", b[i]);
		return 0;
	}
	case SCRIPT_TYPE_BASE64:
		put_base64(o, b, n);
		return 0;
	}
	return -1;
}

int script_format_setting(const char *bare_name, const char *value,
			  enum script_type stored, enum script_type type, char *out,
			  size_t size)
{
	unsigned char b[SCRIPT_VALUE_MAX];
	struct outbuf o = { out, size, 0, 0 };
	enum script_type native = stored != SCRIPT_TYPE_AUTO ? stored :
				  script_native_type(bare_name);
	long n;

	if (size == 0)
		return -1;
	out[0] = '\0';
	if (type == SCRIPT_TYPE_AUTO) {
		put(&o, "%s", value);
		return o.overflow ? -1 : 0;
	}
	if (native == SCRIPT_TYPE_AUTO &&
	    (type == SCRIPT_TYPE_STRING || type == SCRIPT_TYPE_URISTRING))
		native = SCRIPT_TYPE_STRING;   /* text stays text */
	n = to_raw(native, value, b, sizeof(b));
	if (n < 0)
		n = (long)as_chars(value, b, sizeof(b));
	if (format_raw(type, b, (size_t)n, &o) != 0) {
		out[0] = '\0';   /* iPXE: a value it cannot format is empty */
		return 0;
	}
	return o.overflow ? -1 : 0;
}
