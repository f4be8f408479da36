/* Does a certificate name an IP address? mbedtls 2.28 only matches the
 * host against dNSName entries, so a URL like https://10.0.2.2/ would
 * always fail; this walks the raw DER of the certificate's extensions for
 * a subjectAltName iPAddress entry (RFC 5280 §4.2.1.6). Pure: the input is
 * the Extensions SEQUENCE as mbedtls keeps it in crt->v3_ext. */
#ifndef SNBOOT_X509SAN_H
#define SNBOOT_X509SAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* *found = 1 when a subjectAltName iPAddress equals ip (4 or 16 bytes;
 * an IPv4 address never matches a 16-byte entry). No extensions or no
 * subjectAltName is SN_OK with *found = 0. Malformed DER: SN_E_HTTP_SAN
 * with the offset, *found = 0. */
int x509_san_find_ip(const uint8_t *exts, size_t len, const uint8_t *ip,
		     size_t ip_len, int *found, struct sn_err *e);

#endif
