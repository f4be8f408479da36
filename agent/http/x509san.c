/* subjectAltName iPAddress lookup in raw DER (see x509san.h). */
#include "http/x509san.h"

#include <string.h>

#define DER_BOOLEAN      0x01
#define DER_OCTET_STRING 0x04
#define DER_OID          0x06
#define DER_SEQUENCE     0x30
#define SAN_IP_ADDRESS   0x87   /* [7] IMPLICIT OCTET STRING, RFC 5280 §4.2.1.6 */

/* id-ce-subjectAltName, 2.5.29.17 */
static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };

struct tlv {
	uint8_t tag;
	size_t off;    /* of the value, from the start of the input */
	size_t len;
};

/* One TLV at *pos, within [*pos, end); advances *pos past it. Only what
 * certificates use: one-byte tags, definite lengths of up to 4 bytes. */
static int der_next(const uint8_t *buf, size_t *pos, size_t end, struct tlv *t,
		    struct sn_err *e)
{
	size_t p = *pos, len;
	uint8_t l;

	if (end - p < 2)
		return sn_fail(e, SN_E_HTTP_SAN, "truncated TLV at offset %zu", p);
	t->tag = buf[p++];
	if ((t->tag & 0x1f) == 0x1f)
		return sn_fail(e, SN_E_HTTP_SAN, "multi-byte tag at offset %zu", p - 1);
	l = buf[p++];
	if (l < 0x80) {
		len = l;
	} else {
		size_t nb = l & 0x7f;
		if (nb == 0 || nb > 4)
			return sn_fail(e, SN_E_HTTP_SAN, "length form 0x%02x at offset %zu", l, p - 1);
		if (end - p < nb)
			return sn_fail(e, SN_E_HTTP_SAN, "truncated length at offset %zu", p - 1);
		len = 0;
		while (nb--)
			len = len << 8 | buf[p++];
	}
	if (len > end - p)
		return sn_fail(e, SN_E_HTTP_SAN, "length %zu runs past the end at offset %zu",
			       len, *pos);
	t->off = p;
	t->len = len;
	*pos = p + len;
	return SN_OK;
}

static int der_expect(const uint8_t *buf, size_t *pos, size_t end, uint8_t tag,
		      struct tlv *t, struct sn_err *e)
{
	size_t at = *pos;
	int rc = der_next(buf, pos, end, t, e);

	if (rc == SN_OK && t->tag != tag)
		return sn_fail(e, SN_E_HTTP_SAN, "tag 0x%02x, expected 0x%02x at offset %zu",
			       t->tag, tag, at);
	return rc;
}

/* GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName */
static int san_has_ip(const uint8_t *buf, const struct tlv *octets, const uint8_t *ip,
		      size_t ip_len, int *found, struct sn_err *e)
{
	size_t pos = octets->off, end = octets->off + octets->len;
	struct tlv names, name;
	int rc;

	if ((rc = der_expect(buf, &pos, end, DER_SEQUENCE, &names, e)) != SN_OK)
		return rc;
	if (pos != end)
		return sn_fail(e, SN_E_HTTP_SAN, "junk after GeneralNames at offset %zu", pos);
	pos = names.off;
	end = names.off + names.len;
	while (pos < end) {
		if ((rc = der_next(buf, &pos, end, &name, e)) != SN_OK)
			return rc;
		if (name.tag == SAN_IP_ADDRESS && name.len == ip_len &&
		    memcmp(buf + name.off, ip, ip_len) == 0) {
			*found = 1;
			return SN_OK;
		}
	}
	return SN_OK;
}

/* Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 *                          extnValue OCTET STRING } */
static int extension_check(const uint8_t *buf, const struct tlv *ext, const uint8_t *ip,
			   size_t ip_len, int *found, struct sn_err *e)
{
	size_t pos = ext->off, end = ext->off + ext->len;
	struct tlv oid, t;
	int rc;

	if ((rc = der_expect(buf, &pos, end, DER_OID, &oid, e)) != SN_OK)
		return rc;
	if ((rc = der_next(buf, &pos, end, &t, e)) != SN_OK)
		return rc;
	if (t.tag == DER_BOOLEAN && (rc = der_next(buf, &pos, end, &t, e)) != SN_OK)
		return rc;
	if (t.tag != DER_OCTET_STRING)
		return sn_fail(e, SN_E_HTTP_SAN, "extnValue tag 0x%02x at offset %zu",
			       t.tag, t.off);
	if (pos != end)
		return sn_fail(e, SN_E_HTTP_SAN, "junk after extnValue at offset %zu", pos);
	if (oid.len != sizeof(oid_san) || memcmp(buf + oid.off, oid_san, sizeof(oid_san)) != 0)
		return SN_OK;
	return san_has_ip(buf, &t, ip, ip_len, found, e);
}

int x509_san_find_ip(const uint8_t *exts, size_t len, const uint8_t *ip,
		     size_t ip_len, int *found, struct sn_err *e)
{
	size_t pos = 0, end;
	struct tlv seq, ext;
	int rc;

	*found = 0;
	if (len == 0)
		return SN_OK;       /* a v1 certificate: no extensions at all */
	if ((rc = der_expect(exts, &pos, len, DER_SEQUENCE, &seq, e)) != SN_OK)
		return rc;
	if (pos != len)
		return sn_fail(e, SN_E_HTTP_SAN, "junk after Extensions at offset %zu", pos);
	pos = seq.off;
	end = seq.off + seq.len;
	while (pos < end && !*found) {
		if ((rc = der_expect(exts, &pos, end, DER_SEQUENCE, &ext, e)) != SN_OK)
			return rc;
		if ((rc = extension_check(exts, &ext, ip, ip_len, found, e)) != SN_OK) {
			*found = 0;
			return rc;
		}
	}
	return SN_OK;
}
