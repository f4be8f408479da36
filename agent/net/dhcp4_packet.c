/* DHCPv4 wire format: BOOTREQUEST building and BOOTREPLY parsing. */
#include "net/dhcp4_packet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* BOOTP header offsets (RFC 2131 §2, figure 1). */
enum {
	OFF_OP = 0,
	OFF_HTYPE = 1,
	OFF_HLEN = 2,
	OFF_XID = 4,
	OFF_SECS = 8,
	OFF_FLAGS = 10,
	OFF_CIADDR = 12,
	OFF_YIADDR = 16,
	OFF_SIADDR = 20,
	OFF_CHADDR = 28,
	OFF_SNAME = 44,
	OFF_FILE = 108,
	OFF_COOKIE = 236,
	LEN_SNAME = 64,
	LEN_FILE = 128,
};

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define FLAG_BROADCAST 0x8000
/* Option 94 (RFC 4578 §2.2): UNDI type 1, version 3.0, as PXE 2.1 ROMs send. */
static const uint8_t client_ndi[3] = { 1, 3, 0 };
static const uint8_t cookie[4] = { 99, 130, 83, 99 };
static const uint8_t param_list[] = {
	DHCP4_OPT_SUBNET_MASK, DHCP4_OPT_ROUTER, DHCP4_OPT_DNS,
	DHCP4_OPT_LOG_SERVER, DHCP4_OPT_HOSTNAME, DHCP4_OPT_DOMAIN,
	DHCP4_OPT_MTU, DHCP4_OPT_BROADCAST, DHCP4_OPT_NTP,
	DHCP4_OPT_VENDOR_SPECIFIC, DHCP4_OPT_VENDOR_CLASS,
	DHCP4_OPT_TFTP_SERVER, DHCP4_OPT_BOOTFILE, DHCP4_OPT_DOMAIN_SEARCH,
	DHCP4_OPT_CLASSLESS_ROUTES,
};

const char *dhcp4_type_name(uint8_t type)
{
	static const char *const names[] = {
		[DHCP4_DISCOVER] = "DISCOVER", [DHCP4_OFFER] = "OFFER",
		[DHCP4_REQUEST] = "REQUEST",   [DHCP4_DECLINE] = "DECLINE",
		[DHCP4_ACK] = "ACK",           [DHCP4_NAK] = "NAK",
		[DHCP4_RELEASE] = "RELEASE",   [DHCP4_INFORM] = "INFORM",
	};
	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

/* ---- building */

struct wbuf {
	uint8_t *p;
	size_t cap, len;
};

static int put(struct wbuf *w, const void *data, size_t n)
{
	if (w->cap - w->len < n)
		return -1;
	if (n)  /* data may be NULL for empty options (rapid commit) */
		memcpy(w->p + w->len, data, n);
	w->len += n;
	return 0;
}

static int put_opt(struct wbuf *w, uint8_t code, const void *data, size_t n)
{
	uint8_t hdr[2] = { code, (uint8_t)n };
	if (n > 255 || put(w, hdr, 2) < 0 || put(w, data, n) < 0)
		return -1;
	return 0;
}

/* Option 61: type 0 + serial (RFC 2132 §9.14 allows any identifier with
 * type 0), so the backend and the DHCP server see the same machine identity
 * on every NIC; without a serial, type 1 (Ethernet) + MAC. */
static int put_client_id(struct wbuf *w, const struct dhcp4_request *r)
{
	uint8_t id[255];
	size_t n;

	if (r->serial && r->serial[0]) {
		n = strlen(r->serial);
		if (n > sizeof(id) - 1)
			return -1;
		id[0] = 0;
		memcpy(id + 1, r->serial, n);
	} else {
		id[0] = HTYPE_ETHER;
		memcpy(id + 1, r->mac, 6);
		n = 6;
	}
	return put_opt(w, DHCP4_OPT_CLIENT_ID, id, n + 1);
}

/* Option 77 (RFC 3004): a list of length-prefixed class names; we send one. */
static int put_user_class(struct wbuf *w, const char *uc)
{
	uint8_t v[255];
	size_t n = strlen(uc);

	if (n > sizeof(v) - 1)
		return -1;
	v[0] = (uint8_t)n;
	memcpy(v + 1, uc, n);
	return put_opt(w, DHCP4_OPT_USER_CLASS, v, n + 1);
}

static int put_header(struct wbuf *w, const struct dhcp4_request *r)
{
	uint8_t h[DHCP4_HEADER_LEN];

	memset(h, 0, sizeof(h));
	h[OFF_OP] = BOOTREQUEST;
	h[OFF_HTYPE] = HTYPE_ETHER;
	h[OFF_HLEN] = 6;
	h[OFF_XID] = (uint8_t)(r->xid >> 24);
	h[OFF_XID + 1] = (uint8_t)(r->xid >> 16);
	h[OFF_XID + 2] = (uint8_t)(r->xid >> 8);
	h[OFF_XID + 3] = (uint8_t)r->xid;
	h[OFF_SECS] = (uint8_t)(r->secs >> 8);
	h[OFF_SECS + 1] = (uint8_t)r->secs;
	/* Broadcast replies: we have no address to receive unicast on yet.
	 * A boot server REQUEST has one (ciaddr), and the answer comes to it. */
	if (!r->ciaddr.s_addr)
		h[OFF_FLAGS] = FLAG_BROADCAST >> 8;
	memcpy(h + OFF_CIADDR, &r->ciaddr, 4);
	memcpy(h + OFF_CHADDR, r->mac, 6);
	memcpy(h + OFF_COOKIE, cookie, sizeof(cookie));
	return put(w, h, sizeof(h));
}

static int put_options(struct wbuf *w, const struct dhcp4_request *r)
{
	uint8_t type = r->type;
	uint8_t max_size[2] = { DHCP4_MAX_MSG >> 8, DHCP4_MAX_MSG & 0xff };
	uint8_t arch[2] = { (uint8_t)(r->arch >> 8), (uint8_t)r->arch };
	uint8_t uuid[17];
	int err = 0;

	err |= put_opt(w, DHCP4_OPT_MSG_TYPE, &type, 1);
	err |= put_client_id(w, r);
	/* RFC 2131 §4.3.2: ciaddr set means no option 50; the boot server
	 * REQUEST names the proxy in option 54 as iPXE's does. */
	if (r->type == DHCP4_REQUEST && !r->ciaddr.s_addr)
		err |= put_opt(w, DHCP4_OPT_REQUESTED_IP, &r->requested, 4);
	if (r->type == DHCP4_REQUEST && r->server_id.s_addr)
		err |= put_opt(w, DHCP4_OPT_SERVER_ID, &r->server_id, 4);
	if (r->type == DHCP4_DISCOVER && r->rapid_commit)
		err |= put_opt(w, DHCP4_OPT_RAPID_COMMIT, NULL, 0);
	err |= put_opt(w, DHCP4_OPT_MAX_SIZE, max_size, 2);
	err |= put_opt(w, DHCP4_OPT_PARAM_LIST, param_list, sizeof(param_list));
	if (r->vendor_class && r->vendor_class[0])
		err |= put_opt(w, DHCP4_OPT_VENDOR_CLASS, r->vendor_class,
			       strlen(r->vendor_class));
	if (r->user_class && r->user_class[0])
		err |= put_user_class(w, r->user_class);
	err |= put_opt(w, DHCP4_OPT_CLIENT_ARCH, arch, 2);
	err |= put_opt(w, DHCP4_OPT_CLIENT_NDI, client_ndi, sizeof(client_ndi));
	if (r->uuid) {
		uuid[0] = 0;  /* RFC 4578 §2.3: type 0, then the 16 bytes */
		memcpy(uuid + 1, r->uuid, 16);
		err |= put_opt(w, DHCP4_OPT_CLIENT_UUID, uuid, sizeof(uuid));
	}
	if (r->pxe_item) {  /* PXE 2.1 §2.2.6: the menu item chosen */
		uint8_t item[7] = { DHCP4_PXE_BOOT_ITEM, 4,
				    (uint8_t)(r->pxe_type >> 8), (uint8_t)r->pxe_type,
				    (uint8_t)(r->pxe_layer >> 8), (uint8_t)r->pxe_layer,
				    DHCP4_OPT_END };
		err |= put_opt(w, DHCP4_OPT_VENDOR_SPECIFIC, item, sizeof(item));
	}
	uint8_t end = DHCP4_OPT_END;
	err |= put(w, &end, 1);
	return err ? -1 : 0;
}

int dhcp4_build(const struct dhcp4_request *r, uint8_t *buf, size_t cap,
		size_t *len, struct sn_err *e)
{
	struct wbuf w = { buf, cap, 0 };

	if (r->type != DHCP4_DISCOVER && r->type != DHCP4_REQUEST)
		return sn_fail(e, SN_E_DHCP4_BUILD, "message type %u", r->type);
	if (put_header(&w, r) < 0 || put_options(&w, r) < 0)
		return sn_fail(e, SN_E_DHCP4_BUILD,
			       "%s does not fit %zu bytes (serial %zu, vendor class %zu, user class %zu chars)",
			       dhcp4_type_name(r->type), cap,
			       r->serial ? strlen(r->serial) : 0,
			       r->vendor_class ? strlen(r->vendor_class) : 0,
			       r->user_class ? strlen(r->user_class) : 0);
	if (w.len < DHCP4_MIN_LEN) {
		if (cap < DHCP4_MIN_LEN)
			return sn_fail(e, SN_E_DHCP4_BUILD, "buffer %zu < %d bytes",
				       cap, DHCP4_MIN_LEN);
		memset(buf + w.len, 0, DHCP4_MIN_LEN - w.len);
		w.len = DHCP4_MIN_LEN;
	}
	*len = w.len;
	return 0;
}

/* ---- parsing */

/* Where options may live: the options field, and with overload (option 52,
 * RFC 2132 §9.3) the file and sname fields, read in that order. */
struct opt_field {
	const uint8_t *p;
	size_t off, len;   /* off: from the start of the DHCP message */
	const char *name;
};

struct opt_fields {
	struct opt_field f[3];
	int n;
};

struct opt_iter {
	const struct opt_field *f;
	size_t pos;
};

/* Next option of a field: 1 with code, val and len set, 0 at the end (END or
 * the end of the field), -1 when the option overruns the field. */
static int opt_next(struct opt_iter *it, uint8_t *code, const uint8_t **val,
		    size_t *len)
{
	const struct opt_field *f = it->f;

	while (it->pos < f->len && f->p[it->pos] == DHCP4_OPT_PAD)
		it->pos++;
	if (it->pos >= f->len || f->p[it->pos] == DHCP4_OPT_END)
		return 0;
	if (f->len - it->pos < 2 || f->len - it->pos - 2 < f->p[it->pos + 1])
		return -1;
	*code = f->p[it->pos];
	*len = f->p[it->pos + 1];
	*val = f->p + it->pos + 2;
	it->pos += 2 + *len;
	return 1;
}

static int check_field(const struct opt_field *f, struct sn_err *e)
{
	struct opt_iter it = { f, 0 };
	const uint8_t *val;
	uint8_t code;
	size_t len;
	int r;

	while ((r = opt_next(&it, &code, &val, &len)) > 0)
		;
	if (r < 0) {
		size_t at = f->off + it.pos;
		if (f->len - it.pos < 2)
			return sn_fail(e, SN_E_DHCP4_OPT_TRUNCATED,
				       "option %u at offset %zu has no length byte (%s field ends at %zu)",
				       f->p[it.pos], at, f->name, f->off + f->len);
		return sn_fail(e, SN_E_DHCP4_OPT_TRUNCATED,
			       "option %u at offset %zu: length %u overruns the %s field by %zu bytes",
			       f->p[it.pos], at, f->p[it.pos + 1], f->name,
			       (size_t)f->p[it.pos + 1] - (f->len - it.pos - 2));
	}
	return 0;
}

/* One option's value, all instances concatenated in field order (RFC 3396
 * splits options longer than 255 bytes). */
struct opt_val {
	uint8_t code;
	int found;
	size_t len;
	size_t off;          /* of the first instance, for error messages */
	uint8_t data[1536];
};

static int opt_get(const struct opt_fields *fs, uint8_t code,
		   struct opt_val *v, struct sn_err *e)
{
	v->code = code;
	v->found = 0;
	v->len = 0;
	for (int i = 0; i < fs->n; i++) {
		struct opt_iter it = { &fs->f[i], 0 };
		const uint8_t *val;
		uint8_t c;
		size_t len;

		while (opt_next(&it, &c, &val, &len) > 0) {
			if (c != code)
				continue;
			if (!v->found)
				v->off = fs->f[i].off + (size_t)(val - fs->f[i].p) - 2;
			v->found = 1;
			if (sizeof(v->data) - v->len < len)
				return sn_fail(e, SN_E_DHCP4_OPT_TOO_LONG,
					       "option %u at offset %zu: more than %zu bytes in total",
					       code, v->off, sizeof(v->data));
			memcpy(v->data + v->len, val, len);
			v->len += len;
		}
	}
	return 0;
}

static int bad_length(const struct opt_val *v, const char *want,
		      struct sn_err *e)
{
	return sn_fail(e, SN_E_DHCP4_OPT_LENGTH,
		       "option %u at offset %zu: length %zu, want %s", v->code,
		       v->off, v->len, want);
}

static int bad_width(const struct opt_val *v, size_t want, struct sn_err *e)
{
	char w[24];
	snprintf(w, sizeof(w), "%zu", want);
	return bad_length(v, w, e);
}

static int get_addr(const struct opt_fields *fs, uint8_t code,
		    struct in_addr *out, struct sn_err *e)
{
	struct opt_val v;
	int rc;

	if ((rc = opt_get(fs, code, &v, e)))
		return rc;
	if (!v.found)
		return 0;
	if (v.len != 4)
		return bad_width(&v, 4, e);
	memcpy(out, v.data, 4);
	return 0;
}

/* Address lists (routers, DNS, NTP, log servers): keep the first max. */
static int get_addrs(const struct opt_fields *fs, uint8_t code,
		     struct in_addr *out, int max, int *count, struct sn_err *e)
{
	struct opt_val v;
	int rc;
	int n = 0;

	if ((rc = opt_get(fs, code, &v, e)))
		return rc;
	if (!v.found)
		return 0;
	if (v.len < 4 || v.len % 4)
		return bad_length(&v, "a multiple of 4", e);
	for (size_t i = 0; i < v.len && n < max; i += 4)
		memcpy(&out[n++], v.data + i, 4);
	if (count)
		*count = n;
	return 0;
}

static int get_uint(const struct opt_fields *fs, uint8_t code, size_t width,
		    uint32_t *out, int *found, struct sn_err *e)
{
	struct opt_val v;
	int rc;
	uint32_t x = 0;

	if ((rc = opt_get(fs, code, &v, e)))
		return rc;
	if (found)
		*found = v.found;
	if (!v.found)
		return 0;
	if (v.len != width)
		return bad_width(&v, width, e);
	for (size_t i = 0; i < width; i++)
		x = x << 8 | v.data[i];
	*out = x;
	return 0;
}

/* Text options: trailing NULs (some servers add one) are dropped; control
 * characters are refused, these values end up in files and log lines. */
static int get_text(const struct opt_fields *fs, uint8_t code, char *out,
		    size_t cap, struct sn_err *e)
{
	struct opt_val v;
	int rc;

	if ((rc = opt_get(fs, code, &v, e)))
		return rc;
	if (!v.found)
		return 0;
	while (v.len && v.data[v.len - 1] == 0)
		v.len--;
	if (v.len == 0)
		return bad_length(&v, "at least 1 character", e);
	if (v.len >= cap)
		return sn_fail(e, SN_E_DHCP4_OPT_TOO_LONG,
			       "option %u at offset %zu: %zu characters, at most %zu",
			       code, v.off, v.len, cap - 1);
	for (size_t i = 0; i < v.len; i++)
		if (v.data[i] < 0x20 || v.data[i] == 0x7f)
			return sn_fail(e, SN_E_DHCP4_OPT_VALUE,
				       "option %u at offset %zu: control character 0x%02x at byte %zu",
				       code, v.off, v.data[i], i);
	memcpy(out, v.data, v.len);
	out[v.len] = '\0';
	return 0;
}

/* Options only logged or compared (56, the echoed 60): made printable,
 * cut; never a reason to refuse the reply. */
static int get_printable(const struct opt_fields *fs, uint8_t code, char *out,
			 size_t cap, struct sn_err *e)
{
	struct opt_val v;
	int rc;
	size_t n;

	if ((rc = opt_get(fs, code, &v, e)))
		return rc;
	n = v.found ? (v.len < cap - 1 ? v.len : cap - 1) : 0;
	for (size_t i = 0; i < n; i++)
		out[i] = v.data[i] >= 0x20 && v.data[i] < 0x7f ? (char)v.data[i] : '?';
	out[n] = '\0';
	return 0;
}

/* The legacy sname/file fields, when not overloaded: NUL-terminated text.
 * Anything unprintable means the field is unused or garbage: ignored. */
static void get_legacy_text(const uint8_t *p, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	while (n < len && p[n])
		n++;
	out[0] = '\0';
	if (n == 0 || n >= cap)
		return;
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] >= 0x7f)
			return;
	memcpy(out, p, n);
	out[n] = '\0';
}

static int is_http_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 ||
	       strncasecmp(s, "https://", 8) == 0;
}

static int check_header(const uint8_t *buf, size_t len, uint32_t xid,
			const uint8_t mac[6], struct sn_err *e)
{
	uint32_t got;

	if (len < DHCP4_HEADER_LEN)
		return sn_fail(e, SN_E_DHCP4_SHORT, "%zu bytes, need at least %d",
			       len, DHCP4_HEADER_LEN);
	if (buf[OFF_OP] != BOOTREPLY || buf[OFF_HTYPE] != HTYPE_ETHER ||
	    buf[OFF_HLEN] != 6)
		return sn_fail(e, SN_E_DHCP4_HEADER,
			       "op %u htype %u hlen %u at offset 0, want 2 1 6",
			       buf[OFF_OP], buf[OFF_HTYPE], buf[OFF_HLEN]);
	if (memcmp(buf + OFF_COOKIE, cookie, sizeof(cookie)) != 0)
		return sn_fail(e, SN_E_DHCP4_COOKIE,
			       "found %u.%u.%u.%u at offset %d", buf[OFF_COOKIE],
			       buf[OFF_COOKIE + 1], buf[OFF_COOKIE + 2],
			       buf[OFF_COOKIE + 3], OFF_COOKIE);
	got = (uint32_t)buf[OFF_XID] << 24 | (uint32_t)buf[OFF_XID + 1] << 16 |
	      (uint32_t)buf[OFF_XID + 2] << 8 | buf[OFF_XID + 3];
	if (got != xid)
		return sn_fail(e, SN_E_DHCP4_NOT_OURS, "xid 0x%08x, ours 0x%08x",
			       got, xid);
	if (memcmp(buf + OFF_CHADDR, mac, 6) != 0)
		return sn_fail(e, SN_E_DHCP4_NOT_OURS,
			       "chaddr %02x:%02x:%02x:%02x:%02x:%02x is not ours",
			       buf[OFF_CHADDR], buf[OFF_CHADDR + 1], buf[OFF_CHADDR + 2],
			       buf[OFF_CHADDR + 3], buf[OFF_CHADDR + 4],
			       buf[OFF_CHADDR + 5]);
	return 0;
}

/* Finds the option fields: options, then file and sname if overloaded. */
static int find_fields(const uint8_t *buf, size_t len, struct opt_fields *fs,
		       int *overload, struct sn_err *e)
{
	struct opt_val v;
	int rc;

	fs->n = 0;
	fs->f[fs->n++] = (struct opt_field){ buf + DHCP4_HEADER_LEN,
		DHCP4_HEADER_LEN, len - DHCP4_HEADER_LEN, "options" };
	if ((rc = check_field(&fs->f[0], e)))
		return rc;
	/* Option 52 only counts in the options field itself. */
	if ((rc = opt_get(fs, DHCP4_OPT_OVERLOAD, &v, e)))
		return rc;
	*overload = 0;
	if (!v.found)
		return 0;
	if (v.len != 1)
		return bad_width(&v, 1, e);
	if (v.data[0] < 1 || v.data[0] > 3)
		return sn_fail(e, SN_E_DHCP4_OVERLOAD,
			       "option 52 at offset %zu: value %u, want 1, 2 or 3",
			       v.off, v.data[0]);
	*overload = v.data[0];
	if (*overload & 1)
		fs->f[fs->n++] = (struct opt_field){ buf + OFF_FILE, OFF_FILE,
						     LEN_FILE, "file" };
	if (*overload & 2)
		fs->f[fs->n++] = (struct opt_field){ buf + OFF_SNAME, OFF_SNAME,
						     LEN_SNAME, "sname" };
	for (int i = 1; i < fs->n; i++)
		if ((rc = check_field(&fs->f[i], e)))
			return rc;
	return 0;
}

int dhcp4_parse_routes(const uint8_t *v, size_t len, struct lease_route4 *out,
		       int max, int *n, int *dropped, struct sn_err *e)
{
	size_t at = 0;

	*n = *dropped = 0;
	while (at < len) {
		uint8_t width = v[at];
		size_t sig = (width + 7u) / 8u;
		uint32_t dst = 0, mask;
		struct lease_route4 r;

		if (width > 32)
			return sn_fail(e, SN_E_DHCP4_ROUTES,
				       "option 121, descriptor at byte %zu: width %u, at most 32",
				       at, width);
		if (len - at - 1 < sig + 4)
			return sn_fail(e, SN_E_DHCP4_ROUTES,
				       "option 121, descriptor at byte %zu: /%u needs %zu bytes, %zu left",
				       at, width, 1 + sig + 4, len - at);
		for (size_t i = 0; i < 4; i++)
			dst = dst << 8 | (i < sig ? v[at + 1 + i] : 0);
		mask = width ? 0xffffffffu << (32 - width) : 0;
		r.dst.s_addr = htonl(dst & mask);
		memcpy(&r.gw, v + at + 1 + sig, 4);
		r.plen = width;
		if (*n < max)
			out[(*n)++] = r;
		else
			(*dropped)++;
		at += 1 + sig + 4;
	}
	return 0;
}

static int get_routes(const struct opt_fields *fs, struct lease *l,
		      struct sn_err *e)
{
	struct opt_val v;
	int rc;

	if ((rc = opt_get(fs, DHCP4_OPT_CLASSLESS_ROUTES, &v, e)))
		return rc;
	if (!v.found)
		return 0;
	if (v.len < 5)  /* the shortest descriptor: /0 and a router */
		return bad_length(&v, "at least 5", e);
	if ((rc = dhcp4_parse_routes(v.data, v.len, l->routes4, LEASE_MAX_ROUTES4,
				     &l->n_routes4, &l->n_routes4_dropped, e)) && e) {
		char ctx[sizeof(e->ctx)];
		snprintf(ctx, sizeof(ctx), "%.200s (option at offset %zu)", e->ctx, v.off);
		snprintf(e->ctx, sizeof(e->ctx), "%s", ctx);
	}
	return rc;
}

static int parse_lease(const struct opt_fields *fs, struct lease *l,
		       struct sn_err *e)
{
	uint32_t x = 0;
	int found = 0;
	int rc;

	if ((rc = get_addr(fs, DHCP4_OPT_SUBNET_MASK, &l->mask4, e)) ||
	    (rc = get_addrs(fs, DHCP4_OPT_ROUTER, &l->router4, 1, NULL, e)) ||
	    (rc = get_addrs(fs, DHCP4_OPT_DNS, l->dns4, LEASE_MAX_DNS, &l->n_dns4, e)) ||
	    (rc = get_addrs(fs, DHCP4_OPT_NTP, &l->ntp4, 1, NULL, e)) ||
	    (rc = get_addrs(fs, DHCP4_OPT_LOG_SERVER, &l->log4, 1, NULL, e)) ||
	    (rc = get_addr(fs, DHCP4_OPT_SERVER_ID, &l->server4, e)) ||
	    (rc = get_text(fs, DHCP4_OPT_DOMAIN, l->domain, sizeof(l->domain), e)) ||
	    (rc = get_text(fs, DHCP4_OPT_HOSTNAME, l->hostname, sizeof(l->hostname), e)) ||
	    (rc = get_routes(fs, l, e)))
		return rc;
	if ((rc = get_uint(fs, DHCP4_OPT_LEASE_TIME, 4, &x, &found, e)))
		return rc;
	l->lease_s = found ? x : 0;
	if ((rc = get_uint(fs, DHCP4_OPT_MTU, 2, &x, &found, e)))
		return rc;
	if (found && x < 68)  /* RFC 2132 §5.1: the minimum legal MTU */
		return sn_fail(e, SN_E_DHCP4_OPT_VALUE,
			       "option 26: MTU %u below 68", (unsigned)x);
	l->mtu = found ? (uint16_t)x : 0;
	return 0;
}

static int parse_type(const struct opt_fields *fs, struct dhcp4_reply *out,
		      struct sn_err *e)
{
	uint32_t x = 0;
	int found = 0;
	int rc;

	if ((rc = get_uint(fs, DHCP4_OPT_MSG_TYPE, 1, &x, &found, e)))
		return rc;
	if (!found)
		return sn_fail(e, SN_E_DHCP4_NO_TYPE, "xid 0x%08x", out->xid);
	out->type = (uint8_t)x;
	if ((rc = get_uint(fs, DHCP4_OPT_RAPID_COMMIT, 0, &x, &out->rapid_commit, e)))
		return rc;
	return 0;
}

/* Option 67 wins over the file field, option 66 over sname, unless those
 * fields carry options. */
static int parse_boot(const uint8_t *buf, const struct opt_fields *fs,
		      int overload, struct dhcp4_reply *out, struct sn_err *e)
{
	int rc;

	if ((rc = get_text(fs, DHCP4_OPT_BOOTFILE, out->bootfile,
			   sizeof(out->bootfile), e)) ||
	    (rc = get_text(fs, DHCP4_OPT_TFTP_SERVER, out->tftp_server,
			   sizeof(out->tftp_server), e)) ||
	    (rc = get_printable(fs, DHCP4_OPT_VENDOR_CLASS, out->vendor_class,
				sizeof(out->vendor_class), e)))
		return rc;
	if (!out->bootfile[0] && !(overload & 1))
		get_legacy_text(buf + OFF_FILE, LEN_FILE, out->bootfile,
				sizeof(out->bootfile));
	if (!out->tftp_server[0] && !(overload & 2))
		get_legacy_text(buf + OFF_SNAME, LEN_SNAME, out->tftp_server,
				sizeof(out->tftp_server));
	if (is_http_url(out->bootfile))
		memcpy(out->lease.boot_url, out->bootfile, sizeof(out->lease.boot_url));
	return 0;
}

int dhcp4_is_pxe_vendor(const char *vendor_class)
{
	return strncmp(vendor_class, "PXEClient", 9) == 0 ||
	       strncmp(vendor_class, "HTTPClient", 10) == 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* PXE_BOOT_MENU entries: type(2) length(1) description; the first one
 * that is not "local boot" (type 0) is the one a client without a user
 * chooses. */
static int parse_pxe_menu(const uint8_t *v, size_t len, size_t base,
			  struct dhcp4_pxe *out, struct sn_err *e)
{
	for (size_t at = 0; at < len;) {
		size_t n;
		if (len - at < 3 || len - at - 3 < v[at + 2])
			return sn_fail(e, SN_E_DHCP4_PXE,
				       "option 43: boot menu entry at byte %zu runs past its suboption (%zu bytes left)",
				       base + at, len - at);
		n = v[at + 2];
		if (!out->menu_type && get16(v + at)) {
			size_t k = n < sizeof(out->menu_desc) - 1 ? n : sizeof(out->menu_desc) - 1;
			out->menu_type = get16(v + at);
			for (size_t i = 0; i < k; i++) {
				uint8_t c = v[at + 3 + i];
				out->menu_desc[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
			}
			out->menu_desc[k] = '\0';
		}
		out->n_menu++;
		at += 3 + n;
	}
	return 0;
}

int dhcp4_parse_pxe(const uint8_t *v, size_t len, struct dhcp4_pxe *out,
		    struct sn_err *e)
{
	size_t at = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->discovery = -1;
	while (at < len) {
		uint8_t code = v[at], n;
		const uint8_t *val;

		if (code == DHCP4_OPT_PAD) {
			at++;
			continue;
		}
		if (code == DHCP4_OPT_END)
			break;
		if (len - at < 2 || len - at - 2 < v[at + 1])
			return sn_fail(e, SN_E_DHCP4_PXE,
				       "option 43: suboption %u at byte %zu runs past the option (%zu bytes)",
				       code, at, len);
		n = v[at + 1];
		val = v + at + 2;
		if ((code == DHCP4_PXE_DISCOVERY && n != 1) ||
		    (code == DHCP4_PXE_BOOT_ITEM && n != 4))
			return sn_fail(e, SN_E_DHCP4_PXE,
				       "option 43: suboption %u at byte %zu has length %u, want %d",
				       code, at, n, code == DHCP4_PXE_DISCOVERY ? 1 : 4);
		if (code == DHCP4_PXE_DISCOVERY)
			out->discovery = val[0];
		if (code == DHCP4_PXE_BOOT_ITEM) {
			out->has_item = 1;
			out->item_type = get16(val);
			out->item_layer = get16(val + 2);
		}
		if (code == DHCP4_PXE_BOOT_MENU &&
		    (rc = parse_pxe_menu(val, n, at + 2, out, e)))
			return rc;
		at += 2u + n;
	}
	out->found = 1;
	return 0;
}

/* Option 43 as PXE suboptions when the vendor class says PXE; any other
 * vendor's option 43 is not ours to read. */
static int parse_pxe(const struct opt_fields *fs, struct dhcp4_reply *out,
		     struct sn_err *e)
{
	struct opt_val v;
	int rc;

	out->pxe.discovery = -1;
	if (!dhcp4_is_pxe_vendor(out->vendor_class))
		return 0;
	if ((rc = opt_get(fs, DHCP4_OPT_VENDOR_SPECIFIC, &v, e)) || !v.found)
		return rc;
	if ((rc = dhcp4_parse_pxe(v.data, v.len, &out->pxe, e)) && e) {
		char ctx[sizeof(e->ctx)];
		snprintf(ctx, sizeof(ctx), "%.200s (option at offset %zu)", e->ctx, v.off);
		snprintf(e->ctx, sizeof(e->ctx), "%s", ctx);
	}
	return rc;
}

int dhcp4_parse(const uint8_t *buf, size_t len, uint32_t xid,
		const uint8_t mac[6], struct dhcp4_reply *out, struct sn_err *e)
{
	struct opt_fields fs;
	int overload = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_header(buf, len, xid, mac, e)))
		return rc;
	out->xid = xid;
	out->lease.family = AF_INET;
	memcpy(&out->lease.addr4, buf + OFF_YIADDR, 4);
	memcpy(&out->siaddr, buf + OFF_SIADDR, 4);
	if ((rc = find_fields(buf, len, &fs, &overload, e)) ||
	    (rc = parse_type(&fs, out, e)) ||
	    (rc = parse_lease(&fs, &out->lease, e)) ||
	    (rc = get_printable(&fs, DHCP4_OPT_MESSAGE, out->message,
				sizeof(out->message), e)) ||
	    (rc = parse_boot(buf, &fs, overload, out, e)) ||
	    (rc = parse_pxe(&fs, out, e)))
		return rc;
	out->server_id = out->lease.server4;
	return 0;
}
