/* TLS for the HTTP client (http_int.h): servers verified against the CA
 * baked into the image, IP-literal hosts checked against iPAddress SANs
 * (mbedtls checks dNSName entries only), our ciphersuite and curve order,
 * and a verification failure told apart (untrusted, name, dates). */
#include "http/http_int.h"

#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <mbedtls/aesni.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "http/urlutil.h"
#include "http/x509san.h"

/* mbedtls calls this for every certificate of the chain, leaf last
 * (depth 0), with the flags it found. For an IP-literal host the name
 * check is ours: mbedtls 2.28 compares the host text with dNSName entries
 * only, and our curl (mk/patches/curl) sets no name for an IP literal, so
 * no SNI carries it (RFC 6066 3): the check is entirely ours. The mismatch
 * flag is set unless an iPAddress entry holds the address. */
static int on_verify(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct tls_check *t = arg;

	if (depth == 0 && t->fail_closed)
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	if (depth == 0 && t->ip_len) {
		int found = 0;
		*flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
		if (x509_san_find_ip(crt->v3_ext.p, crt->v3_ext.len, t->ip, t->ip_len, &found,
				     &t->san_err) != SN_OK || !found)
			*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	}
	if ((*flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) &&
	    !t->validity[0])
		snprintf(t->validity, sizeof(t->validity),
			 "depth %d valid %04d-%02d-%02d..%04d-%02d-%02d", depth,
			 crt->valid_from.year, crt->valid_from.mon, crt->valid_from.day,
			 crt->valid_to.year, crt->valid_to.mon, crt->valid_to.day);
	t->flags |= *flags;
	return 0;
}

/* curl calls this for each new TLS connection, before the handshake; the
 * effective URL is the one being connected to, redirects included. */
CURLcode on_ssl_ctx(CURL *curl, void *ssl_conf, void *arg)
{
	struct tls_check *t = arg;
	char *url = NULL, *host = NULL;
	CURLU *u;

	memset(t, 0, sizeof(*t));
	if (curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url &&
	    (u = curl_url()) != NULL) {
		if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
			snprintf(t->host, sizeof(t->host), "%s", host);
			url_host_ip(host, t->ip, &t->ip_len);
			curl_free(host);
		}
		curl_url_cleanup(u);
	}
	/* curl sets no name for what it takes for an IP literal: if we did
	 * not get the host, or it looks like an IP we could not parse (a zone
	 * id), nobody would check the name, so the certificate is refused. */
	{
		struct in_addr a4;
		t->fail_closed = !t->host[0] ||
				 (!t->ip_len && (strchr(t->host, ':') ||
						 inet_pton(AF_INET, t->host, &a4) == 1));
	}
	mbedtls_ssl_conf_verify(ssl_conf, on_verify, t);
	if (http_cfg.suites[0])
		mbedtls_ssl_conf_ciphersuites(ssl_conf, http_cfg.suites);
	if (http_cfg.curves[0] != MBEDTLS_ECP_DP_NONE)
		mbedtls_ssl_conf_curves(ssl_conf, http_cfg.curves);
	return CURLE_OK;
}

/* mbedtls 2.28 offers its curves largest first (secp521r1): the ECDHE of
 * every handshake then costs several times X25519's (1.3 s of TLS under
 * TCG). X25519, then P-256 and P-384 go first; every curve stays listed,
 * as mbedtls also checks the server key's curve against this list. */
void curves_in_order(void)
{
	static const mbedtls_ecp_group_id first[] = { MBEDTLS_ECP_DP_CURVE25519,
		MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1 };
	const mbedtls_ecp_group_id *all = mbedtls_ecp_grp_id_list();
	size_t n = 0;

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		for (const mbedtls_ecp_group_id *g = all; *g != MBEDTLS_ECP_DP_NONE; g++)
			if (*g == first[i] && n + 1 < MAX_CURVES)
				http_cfg.curves[n++] = *g;
	for (const mbedtls_ecp_group_id *g = all; *g != MBEDTLS_ECP_DP_NONE; g++) {
		size_t k = 0;
		while (k < n && http_cfg.curves[k] != *g)
			k++;
		if (k < n)
			continue;
		if (n + 1 >= MAX_CURVES) {
			n = 0;   /* more than we can hold: mbedtls' order */
			break;
		}
		http_cfg.curves[n++] = *g;
	}
	http_cfg.curves[n] = MBEDTLS_ECP_DP_NONE;
}

/* mbedtls offers ChaCha20-Poly1305 first. With AES-NI and PCLMULQDQ its
 * AES-GCM is the faster one (docs/performance.md), so on such a CPU the
 * AES-128-GCM suites, then AES-256-GCM, go first; the rest keep their
 * order. Without them (QEMU's default CPU) mbedtls' order stays. */
void suites_for_cpu(void)
{
	const int *all = mbedtls_ssl_list_ciphersuites();
	size_t n = 0;

	http_cfg.suites[0] = 0;
	if (!mbedtls_aesni_has_support(MBEDTLS_AESNI_AES) ||
	    !mbedtls_aesni_has_support(MBEDTLS_AESNI_CLMUL))
		return;
	for (int pass = 0; pass < 3; pass++) {
		for (const int *id = all; *id; id++) {
			const mbedtls_ssl_ciphersuite_t *cs = mbedtls_ssl_ciphersuite_from_id(*id);
			int kind = !cs ? 2 : cs->cipher == MBEDTLS_CIPHER_AES_128_GCM ? 0 :
				   cs->cipher == MBEDTLS_CIPHER_AES_256_GCM ? 1 : 2;
			if (kind != pass)
				continue;
			if (n + 1 >= MAX_SUITES) {
				http_cfg.suites[0] = 0;   /* a list we cannot hold: mbedtls' */
				return;
			}
			http_cfg.suites[n++] = *id;
		}
	}
	http_cfg.suites[n] = 0;
}

static const struct {
	uint32_t flag;
	const char *name;
} verify_names[] = {
	{ MBEDTLS_X509_BADCERT_NOT_TRUSTED, "not-trusted" },
	{ MBEDTLS_X509_BADCERT_CN_MISMATCH, "name-mismatch" },
	{ MBEDTLS_X509_BADCERT_EXPIRED, "expired" },
	{ MBEDTLS_X509_BADCERT_FUTURE, "not-yet-valid" },
	{ MBEDTLS_X509_BADCERT_REVOKED, "revoked" },
	{ MBEDTLS_X509_BADCERT_MISSING, "missing" },
	{ MBEDTLS_X509_BADCERT_KEY_USAGE, "key-usage" },
	{ MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "ext-key-usage" },
	{ MBEDTLS_X509_BADCERT_NS_CERT_TYPE, "ns-cert-type" },
	{ MBEDTLS_X509_BADCERT_BAD_MD, "weak-hash" },
	{ MBEDTLS_X509_BADCERT_BAD_PK, "bad-pk-alg" },
	{ MBEDTLS_X509_BADCERT_BAD_KEY, "weak-key" },
	{ MBEDTLS_X509_BADCERT_OTHER, "other" },
};

/* "flags 0x0008 not-trusted" */
static void verify_flags_text(uint32_t flags, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "flags 0x%04x", (unsigned)flags);

	for (size_t i = 0; i < sizeof(verify_names) / sizeof(verify_names[0]); i++)
		if ((flags & verify_names[i].flag) && n < len)
			n += (size_t)snprintf(buf + n, len - n, " %s", verify_names[i].name);
}

int tls_fail(const char *u, struct sn_err *e)
{
	const struct tls_check *t = &http_conn->tls;
	char flags[96];

	verify_flags_text(t->flags, flags, sizeof(flags));
	if (t->flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		return sn_fail(e, SN_E_HTTP_TLS_UNTRUSTED, "%s: %s; CA %s", u, flags, http_cfg.ca_path);
	if (t->san_err.code)
		return sn_fail(e, SN_E_HTTP_SAN, "%s: %s", u, t->san_err.ctx);
	if (t->flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
		return sn_fail(e, SN_E_HTTP_TLS_NAME, "%s: no subjectAltName %s %s", u,
			       t->ip_len ? "iPAddress" : "dNSName matches", t->host);
	if (t->flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
		char now[32];
		time_t s = time(NULL);
		struct tm tm;
		strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%SZ", gmtime_r(&s, &tm));
		return sn_fail(e, SN_E_HTTP_TLS_TIME, "%s: %s; clock says %s", u, t->validity, now);
	}
	if (t->flags)
		return sn_fail(e, SN_E_HTTP_TLS_VERIFY, "%s: %s", u, flags);
	/* no certificate reached our callback (none sent, or resumed badly) */
	return sn_fail(e, SN_E_HTTP_TLS_VERIFY, "%s: %s", u,
		       http_conn->errbuf[0] ? http_conn->errbuf : "no certificate verified");
}
