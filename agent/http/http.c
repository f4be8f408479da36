/* HTTP(S) client over one curl easy handle (see http.h). curl and mbedtls
 * live here only: this file is built for musl, not for the host tests;
 * what can be pure is in urlutil.c, x509san.c and dlpace.c. */
#include "http/http.h"

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <mbedtls/aesni.h>
#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "core/config.h"
#include "http/dlpace.h"
#include "core/fdio.h"
#include "core/log.h"
#include "core/sha256.h"
#include "http/urlutil.h"
#include "http/x509san.h"

#ifndef SNBOOT_VERSION
#define SNBOOT_VERSION "dev"
#endif

#define URL_LOG 112          /* a URL's share of an error's 240-byte context */
#define MAX_REDIRS 5L
#define FETCH_BUFFER 65536L  /* fewer, larger writes into the memfd */
#define MAX_SUITES 160       /* mbedtls 2.28's full list is ~140 */
#define MAX_CURVES 16
#define MiB (1024.0 * 1024.0)

/* What the TLS verification of the connection being set up saw. */
struct tls_check {
	char host[256];        /* the URL's host, as curl parsed it */
	uint8_t ip[16];
	size_t ip_len;         /* 0: a name, which mbedtls matches itself */
	int fail_closed;       /* host unknown or an IP we could not parse */
	uint32_t flags;        /* every verify flag, after the IP check */
	char validity[64];     /* of the first certificate out of its dates */
	struct sn_err san_err; /* a subjectAltName we could not walk */
};

/* One curl handle and what its request leaves behind: the agent's own,
 * and one per download thread (http_thread_attach). */
struct conn {
	CURL *curl;
	struct tls_check tls;
	char errbuf[CURL_ERROR_SIZE];
	unsigned retry_after_s;  /* of the last answer, 0 when none */
	const char *url;         /* of the request being performed */
	const atomic_int *cancel;  /* a download thread's: set, it stops */
};

/* Written by http_init and http_set_policy only, before any download
 * thread starts: read-only while threads run. */
static struct {
	unsigned timeout_s;
	char ca_path[256];
	struct http_policy policy;
	int suites[MAX_SUITES];  /* our ciphersuite order, 0-terminated; [0] 0: mbedtls' */
	mbedtls_ecp_group_id curves[MAX_CURVES];  /* ours, NONE-terminated; [0] NONE: mbedtls' */
} http;

static struct conn main_conn;
/* The calling thread's handle: the agent's, or its download thread's. */
static _Thread_local struct conn *conn = &main_conn;

/* ---- TLS: the baked CA, and IP literals checked against iPAddress SANs */

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
static CURLcode on_ssl_ctx(CURL *curl, void *ssl_conf, void *arg)
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
	if (http.suites[0])
		mbedtls_ssl_conf_ciphersuites(ssl_conf, http.suites);
	if (http.curves[0] != MBEDTLS_ECP_DP_NONE)
		mbedtls_ssl_conf_curves(ssl_conf, http.curves);
	return CURLE_OK;
}

/* mbedtls 2.28 offers its curves largest first (secp521r1): the ECDHE of
 * every handshake then costs several times X25519's (1.3 s of TLS under
 * TCG). X25519, then P-256 and P-384 go first; every curve stays listed,
 * as mbedtls also checks the server key's curve against this list. */
static void curves_in_order(void)
{
	static const mbedtls_ecp_group_id first[] = { MBEDTLS_ECP_DP_CURVE25519,
		MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1 };
	const mbedtls_ecp_group_id *all = mbedtls_ecp_grp_id_list();
	size_t n = 0;

	for (size_t i = 0; i < sizeof(first) / sizeof(first[0]); i++)
		for (const mbedtls_ecp_group_id *g = all; *g != MBEDTLS_ECP_DP_NONE; g++)
			if (*g == first[i] && n + 1 < MAX_CURVES)
				http.curves[n++] = *g;
	for (const mbedtls_ecp_group_id *g = all; *g != MBEDTLS_ECP_DP_NONE; g++) {
		size_t k = 0;
		while (k < n && http.curves[k] != *g)
			k++;
		if (k < n)
			continue;
		if (n + 1 >= MAX_CURVES) {
			n = 0;   /* more than we can hold: mbedtls' order */
			break;
		}
		http.curves[n++] = *g;
	}
	http.curves[n] = MBEDTLS_ECP_DP_NONE;
}

/* mbedtls offers ChaCha20-Poly1305 first. With AES-NI and PCLMULQDQ its
 * AES-GCM is the faster one (docs/performance.md), so on such a CPU the
 * AES-128-GCM suites, then AES-256-GCM, go first; the rest keep their
 * order. Without them (QEMU's default CPU) mbedtls' order stays. */
static void suites_for_cpu(void)
{
	const int *all = mbedtls_ssl_list_ciphersuites();
	size_t n = 0;

	http.suites[0] = 0;
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
				http.suites[0] = 0;   /* a list we cannot hold: mbedtls' */
				return;
			}
			http.suites[n++] = *id;
		}
	}
	http.suites[n] = 0;
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

static int tls_fail(const char *u, struct sn_err *e)
{
	const struct tls_check *t = &conn->tls;
	char flags[96];

	verify_flags_text(t->flags, flags, sizeof(flags));
	if (t->flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		return sn_fail(e, SN_E_HTTP_TLS_UNTRUSTED, "%s: %s; CA %s", u, flags, http.ca_path);
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
		       conn->errbuf[0] ? conn->errbuf : "no certificate verified");
}

/* ---- errors */

/* The URL being fetched, redirects included, fit for a log line. */
static void current_url(const char *url, char *buf, size_t len)
{
	char *eff = NULL;

	if (curl_easy_getinfo(conn->curl, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK || !eff ||
	    !eff[0])
		eff = (char *)url;
	url_for_log(eff, buf, len);
}

/* A URL error after a 3xx is about the redirect's target, not our URL:
 * SN_E_HTTP_REDIRECTS then, else SN_OK. */
static int redirect_refused(const char *u, struct sn_err *e)
{
	long status = 0;

	char *to = NULL, t[URL_LOG];

	curl_easy_getinfo(conn->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 300 || status > 399)
		return SN_OK;
	curl_easy_getinfo(conn->curl, CURLINFO_REDIRECT_URL, &to);
	if (!to)
		curl_easy_getinfo(conn->curl, CURLINFO_EFFECTIVE_URL, &to);
	if (conn->url && strncasecmp(conn->url, "https://", 8) == 0 && to &&
	    url_is_plain_http(to)) {
		url_for_log(to, t, sizeof(t));
		return sn_fail(e, SN_E_HTTP_DOWNGRADE, "%s: HTTP %ld to %s", u, status, t);
	}
	return sn_fail(e, SN_E_HTTP_REDIRECTS, "%s: HTTP %ld to a URL that is not http(s)",
		       u, status);
}

/* curl is built without its message strings (curl_easy_strerror says
 * "Error"): its error buffer when it wrote one, else a few words of ours. */
static const char *curl_why(CURLcode cc, char *buf, size_t len)
{
	static const struct {
		CURLcode cc;
		const char *text;
	} texts[] = {
		{ CURLE_PARTIAL_FILE, "connection closed before the announced length" },
		{ CURLE_RECV_ERROR, "receive failed (connection reset or TLS error)" },
		{ CURLE_SEND_ERROR, "send failed" },
		{ CURLE_GOT_NOTHING, "server closed the connection without answering" },
		{ CURLE_SSL_CONNECT_ERROR, "TLS handshake failed" },
		{ CURLE_UNSUPPORTED_PROTOCOL, "scheme not supported" },
		{ CURLE_URL_MALFORMAT, "malformed URL" },
	};

	if (conn->errbuf[0] && strcmp(conn->errbuf, "Error") != 0)
		return conn->errbuf;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].cc == cc)
			return texts[i].text;
	snprintf(buf, len, "curl error %d", (int)cc);
	return buf;
}

static int curl_fail(CURLcode cc, const char *url, struct sn_err *e)
{
	char whybuf[32];
	const char *why = curl_why(cc, whybuf, sizeof(whybuf));
	char u[URL_LOG];
	long oserr = 0;
	curl_off_t t = 0;
	int rc;

	current_url(url, u, sizeof(u));
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		if ((rc = redirect_refused(u, e)) != SN_OK)
			return rc;
		return sn_fail(e, SN_E_HTTP_URL, "%s: %s", u, why);
	case CURLE_COULDNT_RESOLVE_HOST:
		return sn_fail(e, SN_E_HTTP_RESOLVE, "%s: %s", u, why);
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(conn->curl, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ECONNREFUSED)
			return sn_fail(e, SN_E_HTTP_REFUSED, "%s", u);
		if (oserr == ETIMEDOUT)
			return sn_fail(e, SN_E_HTTP_CONNECT_TIMEOUT, "%s", u);
		return sn_fail(e, SN_E_HTTP_UNREACHABLE, "%s: %s", u,
			       oserr ? strerror((int)oserr) : why);
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(conn->curl, CURLINFO_CONNECT_TIME_T, &t);
		if (t == 0)
			return sn_fail(e, SN_E_HTTP_CONNECT_TIMEOUT, "%s: no connection within %u s",
				       u, http.timeout_s);
		return sn_fail(e, SN_E_HTTP_STALLED, "%s: under 1 byte/s for %u s", u,
			       http.timeout_s);
	case CURLE_PEER_FAILED_VERIFICATION:
		return tls_fail(u, e);
	case CURLE_SSL_CONNECT_ERROR:
		return sn_fail(e, SN_E_HTTP_TLS_HANDSHAKE, "%s: %s", u, why);
	case CURLE_SSL_CACERT_BADFILE:
		return sn_fail(e, SN_E_HTTP_CA, "%s: %s", http.ca_path, why);
	case CURLE_TOO_MANY_REDIRECTS:
		return sn_fail(e, SN_E_HTTP_REDIRECTS, "%s: more than %ld", u, MAX_REDIRS);
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		return sn_fail(e, SN_E_HTTP_CUT, "%s: %s", u, why);
	case CURLE_OUT_OF_MEMORY:
		return sn_fail(e, SN_E_NOMEM, "curl: %s", u);
	default:
		return sn_fail(e, SN_E_HTTP_TRANSFER, "%s: %s", u, why);
	}
}

/* A final status that is not 2xx; body is the start of the answer. */
static int status_fail(long status, const char *url, const char *body, size_t len,
		       struct sn_err *e)
{
	char u[URL_LOG], text[72];

	current_url(url, u, sizeof(u));
	text_for_log(body, len, text, sizeof(text));
	if (status == 404)
		return sn_fail(e, SN_E_HTTP_NOT_FOUND, "%s", u);
	if (status == 429 && conn->retry_after_s)
		return sn_fail(e, SN_E_HTTP_CLIENT_ERROR, "HTTP %ld from %s (Retry-After %u s): %s",
			       status, u, conn->retry_after_s, text);
	if (status >= 400 && status < 500)
		return sn_fail(e, SN_E_HTTP_CLIENT_ERROR, "HTTP %ld from %s: %s", status, u, text);
	if (status >= 500 && status < 600 && conn->retry_after_s)
		return sn_fail(e, SN_E_HTTP_SERVER_ERROR, "HTTP %ld from %s (Retry-After %u s): %s",
			       status, u, conn->retry_after_s, text);
	if (status >= 500 && status < 600)
		return sn_fail(e, SN_E_HTTP_SERVER_ERROR, "HTTP %ld from %s: %s", status, u, text);
	return sn_fail(e, SN_E_HTTP_STATUS, "HTTP %ld from %s", status, u);
}

/* ---- the handle */

static int setopt_check(CURLcode cc, const char *name, struct sn_err *e)
{
	if (cc == CURLE_OK)
		return SN_OK;
	return sn_fail(e, SN_E_HTTP_INIT, "%s refused: curl error %d", name, (int)cc);
}

/* Evaluates to SN_OK or the error, naming the option that was refused. */
#define SETOPT(opt, val) setopt_check(curl_easy_setopt(conn->curl, opt, val), #opt, e)

/* snboot.proxy / snboot.no_proxy; without a proxy nothing is set, so a
 * curl built without proxy support still works. */
static int proxy_setup(struct sn_err *e)
{
	CURLcode cc;

	if (!http.policy.proxy[0])
		return SN_OK;
	cc = curl_easy_setopt(conn->curl, CURLOPT_PROXY, http.policy.proxy);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(conn->curl, CURLOPT_NOPROXY, http.policy.no_proxy);
	if (cc == CURLE_NOT_BUILT_IN || cc == CURLE_UNKNOWN_OPTION)
		return sn_fail(e, SN_E_HTTP_PROXY, "snboot.proxy is set but this build's curl has "
			       "no proxy support (curl error %d)", (int)cc);
	if (cc != CURLE_OK)
		return sn_fail(e, SN_E_HTTP_PROXY, "snboot.proxy: curl error %d", (int)cc);
	return SN_OK;
}

/* Resets the handle for a new request (curl keeps its connections, DNS
 * and TLS session caches across a reset) and sets what every request
 * shares. */
static int request_begin(const char *url, struct sn_err *e)
{
	int rc;

	if (!conn->curl)
		return sn_fail(e, SN_E_HTTP_INIT, "http_init was not called");
	curl_easy_reset(conn->curl);
	conn->errbuf[0] = '\0';
	conn->retry_after_s = 0;
	conn->url = url;
	memset(&conn->tls, 0, sizeof(conn->tls));
	if ((rc = SETOPT(CURLOPT_URL, url)) ||
	    (rc = SETOPT(CURLOPT_ERRORBUFFER, conn->errbuf)) ||
	    (rc = SETOPT(CURLOPT_PROTOCOLS_STR, "http,https")) ||
	    /* what came over https never continues over plain http */
	    (rc = SETOPT(CURLOPT_REDIR_PROTOCOLS_STR,
			 strncasecmp(url, "https://", 8) == 0 ? "https" : "http,https")) ||
	    (rc = SETOPT(CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = SETOPT(CURLOPT_USERAGENT, "snboot/" SNBOOT_VERSION)) ||
	    (rc = SETOPT(CURLOPT_CAINFO, http.ca_path)) ||
	    (rc = SETOPT(CURLOPT_SSL_VERIFYPEER, 1L)) ||
	    (rc = SETOPT(CURLOPT_SSL_VERIFYHOST, 2L)) ||
	    (rc = SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2)) ||
	    (rc = SETOPT(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx)) ||
	    (rc = SETOPT(CURLOPT_SSL_CTX_DATA, &conn->tls)) ||
	    (rc = SETOPT(CURLOPT_CONNECTTIMEOUT, (long)http.timeout_s)) ||
	    /* a stall: under 1 byte/s for the whole timeout */
	    (rc = SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L)) ||
	    (rc = SETOPT(CURLOPT_LOW_SPEED_TIME, (long)http.timeout_s)))
		return rc;
	return proxy_setup(e);
}

int http_init(const char *ca_path, unsigned timeout_s, struct sn_err *e)
{
	mbedtls_x509_crt ca;
	char why[128];
	int ret;

	if (strlen(ca_path) >= sizeof(http.ca_path))
		return sn_fail(e, SN_E_HTTP_CA, "path longer than %zu bytes", sizeof(http.ca_path) - 1);
	if (access(ca_path, R_OK) != 0)
		return sn_fail(e, SN_E_HTTP_CA, "%s: %s", ca_path, strerror(errno));
	/* parse it here: a broken image should say so before the first request */
	mbedtls_x509_crt_init(&ca);
	ret = mbedtls_x509_crt_parse_file(&ca, ca_path);
	mbedtls_x509_crt_free(&ca);
	if (ret < 0) {
		mbedtls_strerror(ret, why, sizeof(why));
		return sn_fail(e, SN_E_HTTP_CA, "%s: %s", ca_path, why);
	}
	if (ret > 0)
		logmsg("http", "%s: %d certificate(s) skipped as unparsable", ca_path, ret);
	if (!conn->curl) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return sn_fail(e, SN_E_HTTP_INIT, "curl_global_init failed");
		conn->curl = curl_easy_init();
		if (!conn->curl)
			return sn_fail(e, SN_E_HTTP_INIT, "curl_easy_init failed");
	}
	memcpy(http.ca_path, ca_path, strlen(ca_path) + 1);
	http.timeout_s = timeout_s ? timeout_s : 1;
	/* the IP check needs the TLS context callback: refuse to run without */
	if ((ret = SETOPT(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx)) != SN_OK)
		return ret;
	suites_for_cpu();
	curves_in_order();
	logmsg("http", "%s, CA %s, timeout %u s, TLS %s first, SHA-256 %s", curl_version(),
	       ca_path, http.timeout_s, http.suites[0] ? "AES-GCM (AES-NI)" : "ChaCha20-Poly1305",
	       sn_sha256_impl());
	return SN_OK;
}

int http_set_policy(const struct http_policy *p, struct sn_err *e)
{
	if (strlen(p->proxy) >= sizeof(http.policy.proxy) ||
	    strlen(p->no_proxy) >= sizeof(http.policy.no_proxy))
		return sn_fail(e, SN_E_HTTP_PROXY, "proxy or no_proxy longer than %zu bytes",
			       sizeof(http.policy.proxy) - 1);
	if (p->proxy[0] && strncasecmp(p->proxy, "http://", 7) != 0 &&
	    strstr(p->proxy, "://"))
		return sn_fail(e, SN_E_HTTP_PROXY, "snboot.proxy: only http:// proxies "
			       "(https is tunnelled through them)");
	http.policy = *p;
	if (p->proxy[0]) {
		char u[URL_LOG];
		url_for_log(p->proxy, u, sizeof(u));
		logmsg("http", "proxy %s%s%s", u, p->no_proxy[0] ? ", not for " : "",
		       p->no_proxy);
	}
	logmsg("http", "artifacts over plain http: %s", p->artifacts_any ? "any (baked "
	       "http_artifacts = any)" : "pinned only (--sha256=)");
	return SN_OK;
}

int http_init_config(const struct config *cfg, struct sn_err *e)
{
	struct http_policy p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.artifacts_any = strcmp(cfg->http_artifacts, "any") == 0;
	snprintf(p.proxy, sizeof(p.proxy), "%s", cfg->proxy);
	snprintf(p.no_proxy, sizeof(p.no_proxy), "%s", cfg->no_proxy);
	if ((rc = http_init(cfg->ca, cfg->http_timeout_s, e)) != SN_OK)
		return rc;
	return http_set_policy(&p, e);
}

unsigned http_retry_after_s(void)
{
	return conn->retry_after_s;
}

void http_cleanup(void)
{
	if (main_conn.curl) {
		curl_easy_cleanup(main_conn.curl);
		main_conn.curl = NULL;
		curl_global_cleanup();
	}
}

/* curl is safe across threads with one easy handle each, once
 * curl_global_init ran (http_init); built without pthreads, its mbedtls
 * backend seeds an entropy context per connection, nothing shared. */
int http_thread_attach(const atomic_int *cancel, struct sn_err *e)
{
	struct conn *c;

	if (!main_conn.curl)
		return sn_fail(e, SN_E_HTTP_INIT, "http_init was not called");
	if (conn != &main_conn)
		return SN_OK;
	if (!(c = calloc(1, sizeof(*c))))
		return sn_fail(e, SN_E_NOMEM, "a download thread's handle");
	if (!(c->curl = curl_easy_init())) {
		free(c);
		return sn_fail(e, SN_E_HTTP_INIT, "curl_easy_init failed (download thread)");
	}
	c->cancel = cancel;
	conn = c;
	return SN_OK;
}

static int cancelled(void)
{
	return conn->cancel && atomic_load(conn->cancel);
}

/* curl calls it about once a second, connecting or stalled too. */
static int on_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	return cancelled();
}

void http_thread_detach(void)
{
	if (conn == &main_conn)
		return;
	curl_easy_cleanup(conn->curl);
	free(conn);
	conn = &main_conn;
}

/* ---- small answers into memory */

struct membuf {
	char *p;
	size_t len, cap;
	int over, nomem;
};

static size_t membuf_write(char *data, size_t size, size_t n, void *arg)
{
	struct membuf *m = arg;
	size_t add = size * n;

	if (add > HTTP_BUF_MAX - m->len) {
		m->over = 1;
		return 0;
	}
	if (m->len + add + 1 > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		char *p;
		while (cap < m->len + add + 1)
			cap *= 2;
		if (!(p = realloc(m->p, cap))) {
			m->nomem = 1;
			return 0;
		}
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->len, data, add);
	m->len += add;
	m->p[m->len] = '\0';
	return add;
}

/* Retry-After of the answer (seconds, or an HTTP date curl turns into
 * seconds), capped at a day; 0 when absent. */
static void note_retry_after(void)
{
	curl_off_t ra = 0;

	if (curl_easy_getinfo(conn->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		conn->retry_after_s = ra > 86400 ? 86400u : (unsigned)ra;
}

/* Runs the request set up on the handle into m; *status the final one. */
static int perform_buffered(const char *url, struct membuf *m, long *status, struct sn_err *e)
{
	CURLcode cc;
	char u[URL_LOG];
	int rc;

	if ((rc = SETOPT(CURLOPT_WRITEFUNCTION, membuf_write)) ||
	    (rc = SETOPT(CURLOPT_WRITEDATA, m)))
		return rc;
	cc = curl_easy_perform(conn->curl);
	*status = 0;
	curl_easy_getinfo(conn->curl, CURLINFO_RESPONSE_CODE, status);
	note_retry_after();
	if (cc == CURLE_WRITE_ERROR && m->over) {
		current_url(url, u, sizeof(u));
		return sn_fail(e, SN_E_HTTP_TOO_BIG, "%s: more than %d bytes", u, HTTP_BUF_MAX);
	}
	if (cc == CURLE_WRITE_ERROR && m->nomem)
		return sn_fail(e, SN_E_NOMEM, "answer buffer of %zu bytes", m->len);
	if (cc != CURLE_OK)
		return curl_fail(cc, url, e);
	if (*status < 200 || *status > 299)
		return status_fail(*status, url, m->p, m->len, e);
	if (!m->p && !(m->p = calloc(1, 1)))
		return sn_fail(e, SN_E_NOMEM, "empty answer");
	return SN_OK;
}

int http_post(const char *url, const char *content_type, const char *body, size_t len,
	      char **resp, size_t *resp_len, long *status, struct sn_err *e)
{
	struct membuf m = { 0 };
	struct curl_slist *hdrs = NULL, *more;
	char ct[160];
	int rc;

	*resp = NULL;
	*resp_len = 0;
	*status = 0;
	if ((rc = request_begin(url, e)) != SN_OK)
		return rc;
	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	/* "Expect:" drops curl's 100-continue round trip on larger bodies */
	if (!(hdrs = curl_slist_append(NULL, ct)) || !(more = curl_slist_append(hdrs, "Expect:"))) {
		rc = sn_fail(e, SN_E_NOMEM, "request headers");
		goto out;
	}
	hdrs = more;
	if ((rc = SETOPT(CURLOPT_POST, 1L)) ||
	    (rc = SETOPT(CURLOPT_POSTFIELDS, body)) ||
	    (rc = SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len)) ||
	    (rc = SETOPT(CURLOPT_HTTPHEADER, hdrs)))
		goto out;
	rc = perform_buffered(url, &m, status, e);
out:
	curl_slist_free_all(hdrs);
	if (rc != SN_OK) {
		free(m.p);
		return rc;
	}
	*resp = m.p;
	*resp_len = m.len;
	return SN_OK;
}

int http_get_pinned(const char *url, const char *sha256_hex_or_NULL, char **buf, size_t *len,
		    struct sn_err *e)
{
	struct membuf m = { 0 };
	uint8_t want[32], got[32];
	char hex[65], want_hex[65], u[URL_LOG];
	long status;
	int rc;

	*buf = NULL;
	*len = 0;
	if (sha256_hex_or_NULL && (rc = sha256_hex_parse(sha256_hex_or_NULL, want, e)) != SN_OK)
		return rc;
	if ((rc = url_artifact_allowed(url, sha256_hex_or_NULL != NULL,
				       http.policy.artifacts_any, e)) != SN_OK)
		return rc;
	if ((rc = request_begin(url, e)) != SN_OK)
		return rc;
	if ((rc = SETOPT(CURLOPT_FOLLOWLOCATION, 1L)) ||
	    (rc = SETOPT(CURLOPT_MAXREDIRS, MAX_REDIRS)) ||
	    (rc = perform_buffered(url, &m, &status, e))) {
		free(m.p);
		return rc;
	}
	if (sha256_hex_or_NULL) {
		sn_sha256(m.p, m.len, got);
		if (memcmp(got, want, sizeof(want)) != 0) {
			hex_format(got, sizeof(got), hex);
			hex_format(want, sizeof(want), want_hex);
			url_for_log(url, u, sizeof(u));
			free(m.p);
			return sn_fail(e, SN_E_HTTP_SHA256_MISMATCH,
				       "%s: got %.16s..., expected %.16s...", u, hex, want_hex);
		}
	}
	*buf = m.p;
	*len = m.len;
	return SN_OK;
}

int http_get_buf(const char *url, char **buf, size_t *len, struct sn_err *e)
{
	return http_get_pinned(url, NULL, buf, len, e);
}

/* ---- downloads into a memfd, hashed as they arrive, resumed after cuts */

#define HASH_CHUNK (128 * 1024)

/* SHA-256 of the memfd on a second CPU when the machine has one: the
 * receiving thread decrypts and writes, this one reads the memfd right
 * behind it and hashes (curl | sha256sum spreads the same work over two
 * processes). On one CPU the bytes are hashed inline as they arrive. Either
 * way every byte is hashed once. */
struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int running;               /* the thread exists */
	int stop;
	int fd;
	uint64_t written, hashed;  /* bytes in the memfd, bytes hashed */
	int read_errno;            /* the thread could not read the memfd */
	struct sn_sha256 *sha;
};

struct fetch {
	const char *label;
	int fd;
	uint64_t have;             /* bytes in the memfd, all of them hashed */
	uint64_t total;            /* full length once known, else 0 */
	struct sn_sha256 sha;
	char etag[128];            /* strong ETag of the answer we build on */
	struct dl_progress prog;
	uint64_t limit;            /* largest size that fits in memory (dl_mem_limit) */
	uint64_t mem_available;    /* MemAvailable when the download started, 0 unknown */
	int no_room;               /* the file was found larger than limit */
	uint64_t reserved;         /* of the shared budget, bytes (budget_reserve) */
	uint64_t others;           /* reserved by parallel downloads when refused */
	unsigned max_stuck;        /* attempts without progress before giving up */
	unsigned resumes;          /* requests for the rest after a cut */
	unsigned restarts;         /* times we had to start over from byte 0 */
	/* this attempt */
	long status;
	int body_started;
	int range_bad;
	struct sn_err range_err;
	int write_errno;
	char content_range[128];
	size_t content_range_len;  /* > sizeof(content_range) - 1: too long */
	char etag_now[128];
	char err_body[96];         /* start of an error answer, for the context */
	size_t err_body_len;
	struct hasher hs;
};

/* ---- memory: one budget for every download in flight
 *
 * Downloads that run at once (a script's prefetches) must fit together:
 * each reserves its size (its Content-Length; without one, what it has
 * stored) against the limit taken when the first of them started, under
 * one mutex, so two cannot both pass the check. A finished download keeps
 * its share until none is in flight: its memfd still holds the bytes, and
 * the MemAvailable read for the next one counts them. */
static struct {
	pthread_mutex_t mu;
	unsigned active;           /* downloads in flight */
	uint64_t limit;            /* dl_mem_limit when the first of them started */
	uint64_t mem_available;    /* MemAvailable then, 0 unknown */
	uint64_t used;             /* bytes reserved since */
} budget = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* f holds upto bytes from now: 0, or -1 when they do not fit beside the
 * other downloads (f->limit then says what was left for f). */
static int budget_reserve(struct fetch *f, uint64_t upto)
{
	int rc = 0;

	if (upto <= f->reserved)
		return 0;
	pthread_mutex_lock(&budget.mu);
	if (budget.limit != UINT64_MAX && upto - f->reserved > budget.limit - budget.used) {
		f->others = budget.used - f->reserved;
		f->limit = budget.limit - f->others;
		rc = -1;
	} else {
		budget.used += upto - f->reserved;
		f->reserved = upto;
	}
	pthread_mutex_unlock(&budget.mu);
	return rc;
}

/* The memfd was emptied: its share goes back. */
static void budget_release(struct fetch *f)
{
	pthread_mutex_lock(&budget.mu);
	budget.used -= f->reserved;
	f->reserved = 0;
	pthread_mutex_unlock(&budget.mu);
}

static void budget_leave(struct fetch *f, int kept)
{
	pthread_mutex_lock(&budget.mu);
	if (!kept)
		budget.used -= f->reserved;
	f->reserved = 0;
	budget.active--;
	pthread_mutex_unlock(&budget.mu);
}

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;
	unsigned char *buf = malloc(HASH_CHUNK);

	pthread_mutex_lock(&h->mu);
	if (!buf)
		h->read_errno = ENOMEM;
	while (buf && !h->read_errno) {
		uint64_t off = h->hashed, n = h->written - h->hashed;
		ssize_t r;

		if (!n) {
			if (h->stop)
				break;
			pthread_cond_wait(&h->cv, &h->mu);
			continue;
		}
		pthread_mutex_unlock(&h->mu);
		r = pread(h->fd, buf, n < HASH_CHUNK ? (size_t)n : HASH_CHUNK, (off_t)off);
		if (r > 0)
			sn_sha256_update(h->sha, buf, (size_t)r);
		pthread_mutex_lock(&h->mu);
		if (r > 0)
			h->hashed += (uint64_t)r;
		else if (r == 0 || errno != EINTR)
			h->read_errno = r < 0 ? errno : EIO;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	free(buf);
	return NULL;
}

/* A hashing thread when there is a second CPU to run it; else inline. */
static void hasher_start(struct fetch *f)
{
	struct hasher *h = &f->hs;

	h->fd = f->fd;
	h->sha = &f->sha;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	h->running = pthread_create(&h->thread, NULL, hasher_main, h) == 0;
	if (!h->running) {
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mu);
	}
}

/* len more bytes are in the memfd (data: them, for the inline hash). */
static void hasher_add(struct fetch *f, const char *data, size_t len)
{
	struct hasher *h = &f->hs;

	if (!h->running) {
		sn_sha256_update(&f->sha, data, len);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->written += len;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* Waits until every byte written is hashed; the thread is then idle and
 * the hash context ours. 0, or the errno the thread's read failed with. */
static int hasher_drain(struct fetch *f)
{
	struct hasher *h = &f->hs;
	int err;

	if (!h->running)
		return 0;
	pthread_mutex_lock(&h->mu);
	while (h->hashed < h->written && !h->read_errno)
		pthread_cond_wait(&h->cv, &h->mu);
	err = h->read_errno;
	pthread_mutex_unlock(&h->mu);
	return err;
}

/* The memfd starts over: nothing written, nothing hashed. Drained first. */
static void hasher_restart(struct fetch *f)
{
	struct hasher *h = &f->hs;

	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	h->written = h->hashed = 0;
	h->read_errno = 0;
	pthread_mutex_unlock(&h->mu);
}

static void hasher_stop(struct fetch *f)
{
	struct hasher *h = &f->hs;

	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	h->running = 0;
}

/* Drops what we have: the next bytes are the file from its start. */
static int fetch_reset(struct fetch *f)
{
	(void)hasher_drain(f);   /* the thread idle before the file shrinks */
	if (ftruncate(f->fd, 0) != 0 || lseek(f->fd, 0, SEEK_SET) != 0)
		return -1;
	hasher_restart(f);
	sn_sha256_init(&f->sha);
	f->have = 0;
	f->total = 0;
	f->etag[0] = '\0';
	f->restarts++;
	budget_release(f);
	dl_progress_start(&f->prog, 0, mono_ms());
	return 0;
}

static size_t fetch_header(char *line, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n, vlen;
	const char *v;

	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* a new answer starts (after a redirect or 100 Continue) */
		f->content_range_len = 0;
		f->etag_now[0] = '\0';
	} else if (http_header_value(line, len, "Content-Range", &v, &vlen)) {
		f->content_range_len = vlen;
		if (vlen < sizeof(f->content_range)) {
			memcpy(f->content_range, v, vlen);
			f->content_range[vlen] = '\0';
		}
	} else if (http_header_value(line, len, "ETag", &v, &vlen)) {
		/* If-Range needs a strong validator (RFC 9110 §13.1.5) */
		if (vlen < sizeof(f->etag_now) && !(vlen >= 2 && v[0] == 'W' && v[1] == '/')) {
			memcpy(f->etag_now, v, vlen);
			f->etag_now[vlen] = '\0';
		}
	}
	return len;
}

/* A 206 must continue exactly where we are, within the same file. */
static int fetch_check_range(struct fetch *f)
{
	struct content_range cr;

	if (f->have == 0)
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE, "206 to a request without Range");
	if (f->content_range_len == 0)
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE, "206 without Content-Range");
	if (f->content_range_len >= sizeof(f->content_range))
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE, "Content-Range of %zu bytes",
			       f->content_range_len);
	if (content_range_parse(f->content_range, f->content_range_len, &cr, &f->range_err))
		return f->range_err.code;
	if (cr.first != f->have)
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE,
			       "Content-Range starts at %llu, we have %llu bytes",
			       (unsigned long long)cr.first, (unsigned long long)f->have);
	if (cr.first == CONTENT_RANGE_UNKNOWN ||
	    (f->total && cr.complete != CONTENT_RANGE_UNKNOWN && cr.complete != f->total))
		return sn_fail(&f->range_err, SN_E_HTTP_RANGE,
			       "Content-Range \"%s\": the file is no longer %llu bytes",
			       f->content_range, (unsigned long long)f->total);
	if (!f->total && cr.complete != CONTENT_RANGE_UNKNOWN)
		f->total = cr.complete;
	return SN_OK;
}

/* The first body bytes of an attempt: is this answer what we asked for? */
static int fetch_accept(struct fetch *f)
{
	curl_off_t cl = -1;

	f->body_started = 1;
	curl_easy_getinfo(conn->curl, CURLINFO_RESPONSE_CODE, &f->status);
	if (f->status < 200 || f->status > 299)
		return 0;   /* an error page: kept apart, reported after */
	if (f->status == 206) {
		if (fetch_check_range(f) == SN_OK)
			return 0;
		f->range_bad = 1;
		return -1;
	}
	/* any other 2xx is the whole file from its first byte */
	if (f->have) {
		logmsg("download", "%s: server sent the whole file, not the rest; restarting",
		       f->label);
		if (fetch_reset(f)) {
			f->write_errno = errno;
			return -1;
		}
	}
	curl_easy_getinfo(conn->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	f->total = cl > 0 ? (uint64_t)cl : 0;
	memcpy(f->etag, f->etag_now, sizeof(f->etag));
	f->prog.total = f->total;
	/* refused before a byte is stored: Content-Length says it won't fit */
	if (budget_reserve(f, f->total)) {
		f->no_room = 1;
		return -1;
	}
	return 0;
}

static size_t fetch_write(char *data, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n;
	uint64_t now;

	if (cancelled())
		return 0;
	if (!f->body_started && fetch_accept(f))
		return 0;
	if (f->status < 200 || f->status > 299) {
		size_t room = sizeof(f->err_body) - f->err_body_len;
		size_t take = len < room ? len : room;
		memcpy(f->err_body + f->err_body_len, data, take);
		f->err_body_len += take;
		return len;
	}
	/* without Content-Length the limit holds while receiving */
	if (budget_reserve(f, f->have + len)) {
		f->no_room = 1;
		return 0;
	}
	if (fd_write_all(f->fd, data, len)) {
		f->write_errno = errno;
		return 0;
	}
	hasher_add(f, data, len);
	f->have += len;
	now = mono_ms();
	if (dl_progress_due(&f->prog, f->have, now)) {
		char line[96];
		dl_progress_format(line, sizeof(line), f->have, f->total, now - f->prog.start_ms);
		logmsg("download", "%s: %s", f->label, line);
	}
	return len;
}

/* One request: the whole file, or the rest of it after a cut. */
static int fetch_attempt(const char *url, struct fetch *f, struct sn_err *e)
{
	struct curl_slist *hdrs = NULL;
	char range[32], if_range[160];
	CURLcode cc;
	int rc;

	f->status = 0;
	f->body_started = f->range_bad = f->write_errno = f->no_room = 0;
	f->content_range_len = f->err_body_len = 0;
	f->etag_now[0] = '\0';
	sn_clear(&f->range_err);
	if ((rc = request_begin(url, e)) ||
	    (rc = SETOPT(CURLOPT_FOLLOWLOCATION, 1L)) ||
	    (rc = SETOPT(CURLOPT_MAXREDIRS, MAX_REDIRS)) ||
	    (rc = SETOPT(CURLOPT_BUFFERSIZE, FETCH_BUFFER)) ||
	    (rc = SETOPT(CURLOPT_HEADERFUNCTION, fetch_header)) ||
	    (rc = SETOPT(CURLOPT_HEADERDATA, f)) ||
	    (rc = SETOPT(CURLOPT_WRITEFUNCTION, fetch_write)) ||
	    (rc = SETOPT(CURLOPT_WRITEDATA, f)))
		return rc;
	if (conn->cancel && ((rc = SETOPT(CURLOPT_XFERINFOFUNCTION, on_xferinfo)) ||
			     (rc = SETOPT(CURLOPT_NOPROGRESS, 0L))))
		return rc;
	if (f->have) {
		f->resumes++;
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)f->have);
		if ((rc = SETOPT(CURLOPT_RANGE, range)))
			return rc;
		if (f->etag[0]) {
			/* a changed file comes back whole (200), not as a range */
			snprintf(if_range, sizeof(if_range), "If-Range: %s", f->etag);
			if (!(hdrs = curl_slist_append(NULL, if_range)))
				return sn_fail(e, SN_E_NOMEM, "request headers");
			if ((rc = SETOPT(CURLOPT_HTTPHEADER, hdrs)))
				goto out;
		}
	}
	cc = curl_easy_perform(conn->curl);
	if (!f->status)
		curl_easy_getinfo(conn->curl, CURLINFO_RESPONSE_CODE, &f->status);
	note_retry_after();
	if (cancelled()) {
		rc = sn_fail(e, SN_E_HTTP_CANCELLED, "%s: at byte %llu", f->label,
			     (unsigned long long)f->have);
	} else if (f->no_room) {
		/* both numbers in MiB, exact bytes in the log line before;
		 * f->limit is what parallel downloads (f->others) left */
		const char *beside = f->others ? " beside parallel downloads" : "";

		logmsg("download", "%s: %llu bytes do not fit: limit %llu = (MemAvailable %llu - "
		       "reserve %llu) / %u", f->label, (unsigned long long)(f->total ? f->total :
		       f->have), (unsigned long long)(f->limit + f->others),
		       (unsigned long long)f->mem_available, (unsigned long long)DL_MEM_RESERVE,
		       DL_MEM_COPIES);
		if (f->others)
			logmsg("download", "%s: %llu bytes of that limit are taken by parallel "
			       "downloads, %llu left", f->label, (unsigned long long)f->others,
			       (unsigned long long)f->limit);
		if (!f->mem_available)
			rc = sn_fail(e, SN_E_HTTP_NO_ROOM, "%s %s %llu bytes, the download limit is "
				     "%llu bytes", f->label, f->total ? "is" : "passed",
				     (unsigned long long)(f->total ? f->total : f->limit),
				     (unsigned long long)f->limit);
		else if (f->total)
			rc = sn_fail(e, SN_E_HTTP_NO_ROOM, "%s is %.1f MiB, the machine can hold "
				     "%.1f MiB%s (MemAvailable %.1f MiB - %.0f MiB reserve, /%u for "
				     "kexec)", f->label, (double)f->total / MiB,
				     (double)f->limit / MiB, beside, (double)f->mem_available / MiB,
				     (double)DL_MEM_RESERVE / MiB, DL_MEM_COPIES);
		else
			rc = sn_fail(e, SN_E_HTTP_NO_ROOM, "%s (no Content-Length) passed %.1f MiB, "
				     "the machine can hold %.1f MiB%s (MemAvailable %.1f MiB - %.0f MiB "
				     "reserve, /%u for kexec)", f->label, (double)f->limit / MiB,
				     (double)f->limit / MiB, beside, (double)f->mem_available / MiB,
				     (double)DL_MEM_RESERVE / MiB, DL_MEM_COPIES);
	} else if (f->write_errno) {
		rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: writing at %llu: %s", f->label,
			     (unsigned long long)f->have, strerror(f->write_errno));
	} else if (f->range_bad) {
		rc = sn_fail(e, SN_E_HTTP_RANGE, "%s: %s", f->label, f->range_err.ctx);
	} else if (cc != CURLE_OK) {
		rc = curl_fail(cc, url, e);
	} else if (f->status == 416) {
		rc = sn_fail(e, SN_E_HTTP_RANGE, "%s: 416 to a range from byte %llu", f->label,
			     (unsigned long long)f->have);
		f->range_bad = 1;
	} else if (f->status < 200 || f->status > 299) {
		rc = status_fail(f->status, url, f->err_body, f->err_body_len, e);
	} else if (!f->body_started && fetch_accept(f)) {
		/* an empty answer still says where we stand */
		rc = f->write_errno ? sn_fail(e, SN_E_HTTP_MEMFD, "%s: %s", f->label,
					      strerror(f->write_errno))
				    : sn_fail(e, SN_E_HTTP_RANGE, "%s: %s", f->label,
					      f->range_err.ctx);
	} else {
		rc = SN_OK;
	}
out:
	curl_slist_free_all(hdrs);
	return rc;
}

/* Worth another attempt: the network or the server may recover. */
static int fetch_retryable(int code, long status)
{
	switch (code) {
	case SN_E_HTTP_CUT:
	case SN_E_HTTP_STALLED:
	case SN_E_HTTP_CONNECT_TIMEOUT:
	case SN_E_HTTP_REFUSED:
	case SN_E_HTTP_UNREACHABLE:
	case SN_E_HTTP_RESOLVE:
	case SN_E_HTTP_SERVER_ERROR:
	case SN_E_HTTP_RANGE:
	case SN_E_HTTP_TRANSFER:
		return 1;
	case SN_E_HTTP_CLIENT_ERROR:
		return status == 408 || status == 429;
	default:
		return 0;
	}
}

static uint32_t random_u32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	return (uint32_t)mono_ms() * 2654435761u;   /* early boot: any spread helps */
}

/* Tries until the file is complete, a failure is final, or the attempts
 * run out; resumes where the last attempt stopped. */
static int fetch_loop(const char *url, struct fetch *f, struct sn_err *e)
{
	unsigned attempts = 0, stuck = 0;
	uint64_t best = 0;
	int rc;

	for (;;) {
		char why[200];
		unsigned wait;

		attempts++;
		rc = fetch_attempt(url, f, e);
		if (rc == SN_OK && (!f->total || f->have >= f->total))
			return SN_OK;
		if (rc == SN_OK)   /* a range that stopped short: ask for the rest */
			rc = sn_fail(e, SN_E_HTTP_CUT, "%s: %llu of %llu bytes", f->label,
				     (unsigned long long)f->have, (unsigned long long)f->total);
		if (rc == SN_E_HTTP_RANGE && f->range_bad && fetch_reset(f))
			return sn_fail(e, SN_E_HTTP_MEMFD, "%s: truncate: %s", f->label,
				       strerror(errno));
		if (!fetch_retryable(rc, f->status))
			return rc;
		if (f->have > best) {
			best = f->have;
			stuck = 1;
		} else {
			stuck++;
		}
		if (stuck >= f->max_stuck || attempts >= HTTP_FETCH_ATTEMPTS_MAX) {
			size_t n = strlen(e->ctx);
			snprintf(e->ctx + n, sizeof(e->ctx) - n, " (gave up after %u attempts)",
				 attempts);
			return rc;
		}
		wait = dl_backoff_ms(stuck, random_u32());
		logmsg("download", "%s: %s; retrying from byte %llu in %u ms",
		       f->label, sn_format(e, why, sizeof(why)), (unsigned long long)f->have, wait);
		for (unsigned slept = 0; slept < wait && !cancelled(); slept += 100)
			mono_sleep_ms(wait - slept < 100 ? wait - slept : 100);
		if (cancelled())
			return sn_fail(e, SN_E_HTTP_CANCELLED, "%s: waiting to retry", f->label);
	}
}

/* The agent's peak resident memory (VmHWM, KiB), 0 when unknown. */
static unsigned long peak_rss_kib(void)
{
	size_t len = 0;
	char *st = read_file("/proc/self/status", 8192, &len);
	const char *p = st ? strstr(st, "\nVmHWM:") : NULL;
	unsigned long kib = p ? strtoul(p + 7, NULL, 10) : 0;

	free(st);
	return kib;
}

static void fetch_summary(const struct fetch *f, const char *hex, int checked, uint64_t ms)
{
	logmsg("download", "%s: %llu bytes (%.1f MiB) in %.1f s, %.1f MiB/s, %u resume(s), "
	       "%u restart(s), sha256 %s%s, agent VmHWM %lu KiB", f->label,
	       (unsigned long long)f->have, (double)f->have / MiB, (double)ms / 1000.0,
	       ms ? (double)f->have / MiB * 1000.0 / (double)ms : 0.0, f->resumes, f->restarts,
	       hex, checked ? " (verified)" : " (not checked)", peak_rss_kib());
}

/* What this machine can hold now (dl_mem_limit), read when no other
 * download is in flight (else theirs, shared: budget); no limit when
 * /proc/meminfo says nothing (the host tests' sandbox may hide it). */
static void fetch_limit(struct fetch *f)
{
	pthread_mutex_lock(&budget.mu);
	if (!budget.active++) {
		size_t len = 0;
		char *mi = read_file("/proc/meminfo", 16384, &len);

		budget.limit = UINT64_MAX;
		budget.mem_available = 0;
		budget.used = 0;
		if (mi && dl_meminfo_available(mi, len, &budget.mem_available) == 0)
			budget.limit = dl_mem_limit(budget.mem_available);
		if (http.policy.max_download && http.policy.max_download < budget.limit) {
			budget.limit = http.policy.max_download;
			budget.mem_available = 0;   /* the numbers below are not the machine's */
		}
		free(mi);
	}
	f->limit = budget.limit;
	f->mem_available = budget.mem_available;
	pthread_mutex_unlock(&budget.mu);
	if (f->limit == UINT64_MAX)
		logmsg("download", "%s: no MemAvailable in /proc/meminfo; size not limited",
		       f->label);
}

/* Failures a next mirror may not have: the network, the server, the file
 * it serves. Not: this machine's memory, the memfd, our own setup. */
static int mirror_may_help(int code)
{
	switch (code) {
	case SN_E_HTTP_NO_ROOM:
	case SN_E_HTTP_MEMFD:
	case SN_E_HTTP_INIT:
	case SN_E_HTTP_CA:
	case SN_E_HTTP_PROXY:
	case SN_E_HTTP_CANCELLED:
	case SN_E_NOMEM:
		return 0;
	default:
		return 1;
	}
}

int http_fetch_mirrors(const char *const *urls, size_t n_urls, const char *sha256_hex_or_NULL,
		       const char *label, int *fd_out, size_t *size_out, struct sn_err *e)
{
	struct fetch f;
	uint8_t want[32], got[32];
	char name[64], hex[65], want_hex[65], u[URL_LOG], why[200];
	uint64_t t0 = mono_ms();
	struct sn_err ignored, refused, now;
	size_t tried = 0;
	int rc = SN_OK, werr;

	if (!e)
		e = &ignored;   /* the retry loop reads and extends the context */
	*fd_out = -1;
	*size_out = 0;
	sn_clear(&refused);
	if (!conn->curl)
		return sn_fail(e, SN_E_HTTP_INIT, "http_init was not called");
	if (!urls || n_urls == 0)
		return sn_fail(e, SN_E_HTTP_URL, "%s: no URL to fetch", label);
	if (sha256_hex_or_NULL && (rc = sha256_hex_parse(sha256_hex_or_NULL, want, e)) != SN_OK)
		return rc;
	memset(&f, 0, sizeof(f));
	f.label = label;
	snprintf(name, sizeof(name), "snboot-%s", label);
	f.fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f.fd < 0)
		return sn_fail(e, SN_E_HTTP_MEMFD, "memfd_create %s: %s", name, strerror(errno));
	sn_sha256_init(&f.sha);
	fetch_limit(&f);
	hasher_start(&f);

	for (size_t i = 0; i < n_urls; i++) {
		int last = i + 1 == n_urls;

		url_for_log(urls[i], u, sizeof(u));
		/* the trust rule per URL: an unpinned http mirror is skipped */
		if (url_artifact_allowed(urls[i], sha256_hex_or_NULL != NULL,
					 http.policy.artifacts_any, &now) != SN_OK) {
			if (n_urls > 1)   /* one URL: the caller reports it */
				logmsg("download", "%s: mirror %zu skipped: %s", label, i + 1,
				       sn_format(&now, why, sizeof(why)));
			if (!refused.code)
				refused = now;
			continue;
		}
		if (tried++ && fetch_reset(&f)) {
			rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: truncate: %s", label, strerror(errno));
			goto err;
		}
		f.restarts = 0;
		/* with a mirror left, a dead one is given up on sooner */
		f.max_stuck = last ? HTTP_FETCH_STUCK_MAX : HTTP_FETCH_MIRROR_STUCK_MAX;
		dl_progress_start(&f.prog, 0, mono_ms());
		if (n_urls > 1)
			logmsg("download", "%s: %s (mirror %zu of %zu)", label, u, i + 1, n_urls);
		else
			logmsg("download", "%s: %s", label, u);
		rc = fetch_loop(urls[i], &f, e);
		if (rc == SN_OK && (werr = hasher_drain(&f)) != 0) {
			rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: reading the memfd to hash it: %s",
				     label, strerror(werr));
			goto err;
		}
		if (rc == SN_OK) {
			sn_sha256_final(&f.sha, got);
			hex_format(got, sizeof(got), hex);
			if (sha256_hex_or_NULL && memcmp(got, want, sizeof(want)) != 0) {
				hex_format(want, sizeof(want), want_hex);
				logmsg("download", "%s: sha256 %s, expected %s", label, hex, want_hex);
				rc = sn_fail(e, SN_E_HTTP_SHA256_MISMATCH,
					     "%s from %s: got %.16s..., expected %.16s...", label, u,
					     hex, want_hex);
			}
		}
		if (rc == SN_OK)
			break;
		if (!mirror_may_help(rc))
			goto err;
		if (!last)
			logmsg("download", "%s: %s; trying the next mirror", label,
			       sn_format(e, why, sizeof(why)));
	}
	if (!tried) {
		*e = refused;
		rc = refused.code;
		goto err;
	}
	if (rc != SN_OK)
		goto err;
	/* sealed: what was checked is what kexec reads */
	if (fcntl(f.fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		logmsg("download", "%s: could not seal the memfd: %s", label, strerror(errno));
	if (lseek(f.fd, 0, SEEK_SET) != 0) {
		rc = sn_fail(e, SN_E_HTTP_MEMFD, "%s: lseek: %s", label, strerror(errno));
		goto err;
	}
	hasher_stop(&f);
	budget_leave(&f, 1);
	fetch_summary(&f, hex, sha256_hex_or_NULL != NULL, mono_ms() - t0);
	*fd_out = f.fd;
	*size_out = (size_t)f.have;
	return SN_OK;

err:
	hasher_stop(&f);
	budget_leave(&f, 0);
	close(f.fd);
	return rc;
}

int http_fetch_fd(const char *url, const char *sha256_hex_or_NULL, const char *label,
		  int *fd_out, size_t *size_out, struct sn_err *e)
{
	return http_fetch_mirrors(&url, 1, sha256_hex_or_NULL, label, fd_out, size_out, e);
}
