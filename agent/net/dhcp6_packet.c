/* DHCPv6 build and parse (RFC 8415 §8 message format, §21 options). */
#include "net/dhcp6_packet.h"

#include <string.h>

/* ---- names for logs and error contexts ---- */

const char *dhcp6_msg_name(unsigned type)
{
	static const char *const names[] = {
		[1] = "SOLICIT", [2] = "ADVERTISE", [3] = "REQUEST", [4] = "CONFIRM",
		[5] = "RENEW", [6] = "REBIND", [7] = "REPLY", [8] = "RELEASE",
		[9] = "DECLINE", [10] = "RECONFIGURE", [11] = "INFORMATION-REQUEST",
		[12] = "RELAY-FORW", [13] = "RELAY-REPL",
	};
	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *dhcp6_status_name(unsigned code)
{
	static const char *const names[] = {
		"Success", "UnspecFail", "NoAddrsAvail", "NoBinding",
		"NotOnLink", "UseMulticast", "NoPrefixAvail",
	};
	if (code < sizeof(names) / sizeof(names[0]))
		return names[code];
	return "unknown status";
}

static const char *opt_name(unsigned code)
{
	switch (code) {
	case DHCP6_OPT_CLIENTID: return "CLIENTID";
	case DHCP6_OPT_SERVERID: return "SERVERID";
	case DHCP6_OPT_IA_NA: return "IA_NA";
	case DHCP6_OPT_IAADDR: return "IAADDR";
	case DHCP6_OPT_PREFERENCE: return "PREFERENCE";
	case DHCP6_OPT_STATUS_CODE: return "STATUS_CODE";
	case DHCP6_OPT_RAPID_COMMIT: return "RAPID_COMMIT";
	case DHCP6_OPT_DNS_SERVERS: return "DNS_SERVERS";
	case DHCP6_OPT_DOMAIN_LIST: return "DOMAIN_LIST";
	case DHCP6_OPT_BOOTFILE_URL: return "BOOTFILE_URL";
	case DHCP6_OPT_BOOTFILE_PARAM: return "BOOTFILE_PARAM";
	default: return "other";
	}
}

/* ---- DUIDs ---- */

size_t dhcp6_duid_uuid(uint8_t duid[DHCP6_DUID_MAX], const uint8_t u[16])
{
	/* time_low, time_mid, time_hi_and_version are little-endian in SMBIOS
	 * 2.6+; the rest is already in network order. */
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
					   8, 9, 10, 11, 12, 13, 14, 15 };
	duid[0] = 0;
	duid[1] = 4;
	for (int i = 0; i < 16; i++)
		duid[2 + i] = u[order[i]];
	return 18;
}

size_t dhcp6_duid_ll(uint8_t duid[DHCP6_DUID_MAX], const uint8_t mac[6])
{
	duid[0] = 0;
	duid[1] = 3;
	duid[2] = 0;
	duid[3] = 1;
	memcpy(duid + 4, mac, 6);
	return 10;
}

/* ---- building ---- */

struct writer {
	uint8_t *buf;
	size_t cap, len;
	int overflow;
};

static void put_bytes(struct writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->cap - w->len) {
		w->overflow = 1;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_u16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put_bytes(w, b, 2);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
			 (uint8_t)v };
	put_bytes(w, b, 4);
}

/* Starts an option; returns where its length goes, patched by opt_end. */
static size_t opt_begin(struct writer *w, uint16_t code)
{
	put_u16(w, code);
	put_u16(w, 0);
	return w->len;
}

static void opt_end(struct writer *w, size_t body)
{
	size_t n = w->len - body;
	if (w->overflow)
		return;
	w->buf[body - 2] = (uint8_t)(n >> 8);
	w->buf[body - 1] = (uint8_t)n;
}

static void put_option(struct writer *w, uint16_t code, const void *p, size_t n)
{
	put_u16(w, code);
	put_u16(w, (uint16_t)n);
	put_bytes(w, p, n);
}

static void put_ia_na(struct writer *w, const struct dhcp6_out *m)
{
	size_t ia = opt_begin(w, DHCP6_OPT_IA_NA);
	put_u32(w, m->iaid);
	put_u32(w, 0);   /* T1, T2: 0 leaves them to the server (§21.4) */
	put_u32(w, 0);
	if (m->ia_addr) {
		size_t a = opt_begin(w, DHCP6_OPT_IAADDR);
		put_bytes(w, m->ia_addr->s6_addr, 16);
		put_u32(w, 0);   /* preferred, valid: hints only (§21.6) */
		put_u32(w, 0);
		opt_end(w, a);
	}
	opt_end(w, ia);
}

static void put_oro(struct writer *w)
{
	static const uint16_t wanted[] = { DHCP6_OPT_BOOTFILE_URL, DHCP6_OPT_BOOTFILE_PARAM,
					   DHCP6_OPT_DNS_SERVERS, DHCP6_OPT_DOMAIN_LIST };
	size_t o = opt_begin(w, DHCP6_OPT_ORO);
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
		put_u16(w, wanted[i]);
	opt_end(w, o);
}

/* Options 15 and 16 carry a list of length-prefixed opaque items; we send one. */
static void put_class(struct writer *w, uint16_t code, int enterprise, const char *text)
{
	size_t n = strlen(text);
	size_t o = opt_begin(w, code);
	if (enterprise)
		put_u32(w, DHCP6_ENTERPRISE_INTEL);
	put_u16(w, (uint16_t)n);
	put_bytes(w, text, n);
	opt_end(w, o);
}

static int check_out(const struct dhcp6_out *m, struct sn_err *e)
{
	if (m->duid_len < 3 || m->duid_len > DHCP6_DUID_MAX)
		return sn_fail(e, SN_E_DHCP6_BUILD_FIELD, "client DUID length %zu not in 3..%d",
			       m->duid_len, DHCP6_DUID_MAX);
	if (m->server_id && (m->server_id_len < 3 || m->server_id_len > DHCP6_DUID_MAX))
		return sn_fail(e, SN_E_DHCP6_BUILD_FIELD, "server DUID length %zu not in 3..%d",
			       m->server_id_len, DHCP6_DUID_MAX);
	/* A class item is one option's length minus its own framing. */
	if (m->user_class && strlen(m->user_class) > 1000)
		return sn_fail(e, SN_E_DHCP6_BUILD_FIELD, "user class of %zu bytes",
			       strlen(m->user_class));
	if (m->vendor_class && strlen(m->vendor_class) > 1000)
		return sn_fail(e, SN_E_DHCP6_BUILD_FIELD, "vendor class of %zu bytes",
			       strlen(m->vendor_class));
	return SN_OK;
}

int dhcp6_build(const struct dhcp6_out *m, uint8_t *buf, size_t cap, size_t *len,
		struct sn_err *e)
{
	struct writer w = { buf, cap, 0, 0 };
	uint8_t arch[2] = { (uint8_t)(m->arch >> 8), (uint8_t)m->arch };
	int rc = check_out(m, e);

	if (rc)
		return rc;
	put_u32(&w, ((uint32_t)m->type << 24) | (m->xid & 0xffffff));
	put_option(&w, DHCP6_OPT_CLIENTID, m->duid, m->duid_len);
	if (m->server_id)
		put_option(&w, DHCP6_OPT_SERVERID, m->server_id, m->server_id_len);
	put_u16(&w, DHCP6_OPT_ELAPSED_TIME);
	put_u16(&w, 2);
	put_u16(&w, m->elapsed_cs);
	put_ia_na(&w, m);
	put_oro(&w);
	if (m->rapid_commit)
		put_option(&w, DHCP6_OPT_RAPID_COMMIT, NULL, 0);
	if (m->user_class && m->user_class[0])
		put_class(&w, DHCP6_OPT_USER_CLASS, 0, m->user_class);
	if (m->vendor_class && m->vendor_class[0])
		put_class(&w, DHCP6_OPT_VENDOR_CLASS, 1, m->vendor_class);
	put_option(&w, DHCP6_OPT_CLIENT_ARCH_TYPE, arch, 2);
	if (w.overflow)
		return sn_fail(e, SN_E_DHCP6_BUILD_SPACE, "%s does not fit %zu bytes",
			       dhcp6_msg_name(m->type), cap);
	*len = w.len;
	return SN_OK;
}

/* ---- parsing ---- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Walks the options of one container (the message, an IA_NA, an IAADDR);
 * offsets are absolute in the message so errors point at the byte. */
struct opt_iter {
	const uint8_t *msg;
	size_t pos, end;
	const char *parent;
};

struct opt {
	uint16_t code, len;
	size_t off;   /* of the option's data */
};

/* 1 = *o filled, 0 = end of container, -code = malformed (e filled). */
static int opt_next(struct opt_iter *it, struct opt *o, struct sn_err *e)
{
	if (it->pos == it->end)
		return 0;
	if (it->end - it->pos < 4) {
		return -sn_fail(e, SN_E_DHCP6_OPT_HEADER,
				"%zu bytes left at offset %zu in %s, an option header needs 4",
				it->end - it->pos, it->pos, it->parent);
	}
	o->code = rd16(it->msg + it->pos);
	o->len = rd16(it->msg + it->pos + 2);
	o->off = it->pos + 4;
	if (o->len > it->end - o->off) {
		return -sn_fail(e, SN_E_DHCP6_OPT_OVERRUN,
				"option %u (%s) at offset %zu: length %u but %s ends at offset %zu",
				o->code, opt_name(o->code), it->pos, o->len, it->parent,
				it->end);
	}
	it->pos = o->off + o->len;
	return 1;
}

static int bad_length(const struct opt *o, const char *want, struct sn_err *e)
{
	return sn_fail(e, SN_E_DHCP6_OPT_LENGTH, "option %u (%s) at offset %zu: length %u, %s",
		       o->code, opt_name(o->code), o->off - 4, o->len, want);
}

static int parse_status(const uint8_t *msg, const struct opt *o, struct dhcp6_status *st,
			struct sn_err *e)
{
	size_t n, i;

	if (o->len < 2)
		return bad_length(o, "needs at least 2", e);
	if (st->present)
		return SN_OK;
	st->present = 1;
	st->code = rd16(msg + o->off);
	n = o->len - 2u;
	if (n > sizeof(st->msg) - 1)
		n = sizeof(st->msg) - 1;
	/* The text is UTF-8 for humans; keep it printable for the console. */
	for (i = 0; i < n; i++) {
		uint8_t c = msg[o->off + 2 + i];
		st->msg[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	st->msg[i] = '\0';
	return SN_OK;
}

static int parse_duid(const uint8_t *msg, const struct opt *o, uint8_t *dst, size_t *dst_len,
		      struct sn_err *e)
{
	if (o->len < 3 || o->len > DHCP6_DUID_MAX)
		return bad_length(o, "a DUID is 3..130 bytes", e);
	if (*dst_len == 0) {
		memcpy(dst, msg + o->off, o->len);
		*dst_len = o->len;
	}
	return SN_OK;
}

static int parse_iaaddr(const uint8_t *msg, const struct opt *o, struct dhcp6_msg *m,
			struct sn_err *e)
{
	struct opt_iter it = { msg, o->off + 24, o->off + o->len, "IAADDR" };
	struct opt sub;
	int r, rc;

	if (o->len < 24)
		return bad_length(o, "needs at least 24", e);
	if (m->has_addr)
		return SN_OK;
	m->has_addr = 1;
	memcpy(m->addr.s6_addr, msg + o->off, 16);
	m->preferred_s = rd32(msg + o->off + 16);
	m->valid_s = rd32(msg + o->off + 20);
	while ((r = opt_next(&it, &sub, e)) > 0)
		if (sub.code == DHCP6_OPT_STATUS_CODE &&
		    (rc = parse_status(msg, &sub, &m->addr_status, e)))
			return rc;
	return -r;
}

static int parse_ia_na(const uint8_t *msg, const struct opt *o, struct dhcp6_msg *m,
		       struct sn_err *e)
{
	struct opt_iter it = { msg, o->off + 12, o->off + o->len, "IA_NA" };
	struct opt sub;
	int r, rc;

	if (o->len < 12)
		return bad_length(o, "needs at least 12", e);
	if (m->has_ia)
		return SN_OK;
	m->has_ia = 1;
	m->iaid = rd32(msg + o->off);
	m->t1 = rd32(msg + o->off + 4);
	m->t2 = rd32(msg + o->off + 8);
	while ((r = opt_next(&it, &sub, e)) > 0) {
		if (sub.code == DHCP6_OPT_IAADDR)
			rc = parse_iaaddr(msg, &sub, m, e);
		else if (sub.code == DHCP6_OPT_STATUS_CODE)
			rc = parse_status(msg, &sub, &m->ia_status, e);
		else
			rc = SN_OK;
		if (rc)
			return rc;
	}
	return -r;
}

static int parse_dns(const uint8_t *msg, const struct opt *o, struct dhcp6_msg *m,
		     struct sn_err *e)
{
	if (o->len % 16)
		return bad_length(o, "not a multiple of 16", e);
	for (size_t p = 0; p < o->len && m->n_dns < LEASE_MAX_DNS; p += 16)
		memcpy(m->dns[m->n_dns++].s6_addr, msg + o->off + p, 16);
	return SN_OK;
}

/* Appends word to a space-separated list if it fits whole; 0 if not. */
static int append_word(char *out, size_t cap, const char *word, size_t n)
{
	size_t used = strlen(out);
	size_t need = used + (used ? 1 : 0) + n + 1;
	if (need > cap)
		return 0;
	if (used)
		out[used++] = ' ';
	memcpy(out + used, word, n);
	out[used + n] = '\0';
	return 1;
}

/* One name of a search list in DNS wire format, uncompressed (§10).
 * Names with bytes that would break resolv.conf are dropped, not fatal. */
static int parse_one_name(const uint8_t *msg, size_t *pos, size_t end, char *out,
			  size_t cap, struct sn_err *e)
{
	char name[256];
	size_t n = 0, start = *pos;
	int printable = 1;

	for (;;) {
		size_t p = *pos;
		uint8_t l;
		if (p >= end)
			return sn_fail(e, SN_E_DHCP6_BAD_NAME,
				       "name at offset %zu has no terminating zero label", start);
		l = msg[p++];
		if (l == 0) {
			*pos = p;
			break;
		}
		if (l > 63)
			return sn_fail(e, SN_E_DHCP6_BAD_NAME,
				       "label length byte 0x%02x at offset %zu (max 63, no compression)",
				       l, p - 1);
		if (l > end - p)
			return sn_fail(e, SN_E_DHCP6_BAD_NAME,
				       "label of %u bytes at offset %zu runs past the option", l, p - 1);
		if (n + l + 2 > sizeof(name))
			return sn_fail(e, SN_E_DHCP6_BAD_NAME,
				       "name at offset %zu longer than 255 bytes", start);
		if (n)
			name[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = msg[p + i];
			printable &= c > 0x20 && c < 0x7f;
			name[n++] = (char)c;
		}
		*pos = p + l;
	}
	if (n && printable)
		append_word(out, cap, name, n);
	return SN_OK;
}

static int parse_domains(const uint8_t *msg, const struct opt *o, struct dhcp6_msg *m,
			 struct sn_err *e)
{
	size_t pos = o->off, end = o->off + o->len;
	int rc;

	if (m->domain[0])
		return SN_OK;
	while (pos < end)
		if ((rc = parse_one_name(msg, &pos, end, m->domain, sizeof(m->domain), e)))
			return rc;
	return SN_OK;
}

static int parse_url(const uint8_t *msg, const struct opt *o, struct dhcp6_msg *m,
		     struct sn_err *e)
{
	if (o->len == 0 || o->len >= sizeof(m->boot_url))
		return sn_fail(e, SN_E_DHCP6_BAD_URL, "option 59 at offset %zu: %u bytes, want 1..%zu",
			       o->off - 4, o->len, sizeof(m->boot_url) - 1);
	if (memchr(msg + o->off, 0, o->len))
		return sn_fail(e, SN_E_DHCP6_BAD_URL, "option 59 at offset %zu contains a NUL byte",
			       o->off - 4);
	if (!m->boot_url[0]) {
		memcpy(m->boot_url, msg + o->off, o->len);
		m->boot_url[o->len] = '\0';
	}
	return SN_OK;
}

/* Option 60 (RFC 5970 §3.2): a list of 16-bit length-prefixed parameters. */
static int parse_params(const uint8_t *msg, const struct opt *o, struct dhcp6_msg *m,
			struct sn_err *e)
{
	char out[sizeof(m->boot_params)] = "";
	size_t pos = o->off, end = o->off + o->len;

	while (pos < end) {
		size_t n;
		if (end - pos < 2)
			return sn_fail(e, SN_E_DHCP6_BAD_PARAMS,
				       "parameter length at offset %zu cut by the option end", pos);
		n = rd16(msg + pos);
		pos += 2;
		if (n > end - pos)
			return sn_fail(e, SN_E_DHCP6_BAD_PARAMS,
				       "parameter of %zu bytes at offset %zu runs past the option",
				       n, pos - 2);
		if (memchr(msg + pos, 0, n))
			return sn_fail(e, SN_E_DHCP6_BAD_PARAMS,
				       "parameter at offset %zu contains a NUL byte", pos - 2);
		if (!append_word(out, sizeof(out), (const char *)msg + pos, n))
			return sn_fail(e, SN_E_DHCP6_BAD_PARAMS,
				       "parameters longer than %zu bytes", sizeof(out) - 1);
		pos += n;
	}
	if (!m->boot_params[0])
		memcpy(m->boot_params, out, sizeof(out));
	return SN_OK;
}

static int parse_option(const uint8_t *msg, const struct opt *o, struct dhcp6_msg *m,
			struct sn_err *e)
{
	switch (o->code) {
	case DHCP6_OPT_CLIENTID:
		return parse_duid(msg, o, m->client_id, &m->client_id_len, e);
	case DHCP6_OPT_SERVERID:
		return parse_duid(msg, o, m->server_id, &m->server_id_len, e);
	case DHCP6_OPT_IA_NA:
		return parse_ia_na(msg, o, m, e);
	case DHCP6_OPT_PREFERENCE:
		if (o->len != 1)
			return bad_length(o, "must be 1", e);
		if (!m->has_preference) {
			m->has_preference = 1;
			m->preference = msg[o->off];
		}
		return SN_OK;
	case DHCP6_OPT_STATUS_CODE:
		return parse_status(msg, o, &m->status, e);
	case DHCP6_OPT_RAPID_COMMIT:
		if (o->len != 0)
			return bad_length(o, "must be 0", e);
		m->rapid_commit = 1;
		return SN_OK;
	case DHCP6_OPT_DNS_SERVERS:
		return parse_dns(msg, o, m, e);
	case DHCP6_OPT_DOMAIN_LIST:
		return parse_domains(msg, o, m, e);
	case DHCP6_OPT_BOOTFILE_URL:
		return parse_url(msg, o, m, e);
	case DHCP6_OPT_BOOTFILE_PARAM:
		return parse_params(msg, o, m, e);
	default:
		return SN_OK;
	}
}

int dhcp6_parse(const uint8_t *buf, size_t len, struct dhcp6_msg *m, struct sn_err *e)
{
	struct opt_iter it = { buf, 4, len, "message" };
	struct opt o;
	int r, rc;

	memset(m, 0, sizeof(*m));
	if (len < 4)
		return sn_fail(e, SN_E_DHCP6_SHORT, "%zu bytes", len);
	m->type = buf[0];
	m->xid = (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	while ((r = opt_next(&it, &o, e)) > 0)
		if ((rc = parse_option(buf, &o, m, e)))
			return rc;
	return -r;
}
