/* HTTP(S) client over one curl easy handle (see http.h): the handle and
 * its settings, one per download thread, and small answers into memory.
 * TLS is in http_tls.c, failures as errors in http_errors.c, downloads into
 * a memfd in http_fetch.c (state they share: http_int.h). curl and mbedtls
 * live in these files only: they are built for musl, not for the host
 * tests; what can be pure is in urlutil.c, x509san.c and dlpace.c. */
#include "http/http_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <mbedtls/error.h>
#include <mbedtls/x509_crt.h>

#include "core/config.h"
#include "core/log.h"
#include "core/sha256.h"
#include "http/urlutil.h"

#ifndef SNBOOT_VERSION
#define SNBOOT_VERSION "dev"
#endif

/* Both described in http_int.h. */
struct http_state http_cfg;

static struct conn main_conn;
_Thread_local struct conn *http_conn = &main_conn;

/* ---- the handle */

int setopt_check(CURLcode cc, const char *name, struct sn_err *e)
{
	if (cc == CURLE_OK)
		return SN_OK;
	return sn_fail(e, SN_E_HTTP_INIT, "%s refused: curl error %d", name, (int)cc);
}

/* snboot.proxy / snboot.no_proxy; without a proxy nothing is set, so a
 * curl built without proxy support still works. */
static int proxy_setup(struct sn_err *e)
{
	CURLcode cc;

	if (!http_cfg.policy.proxy[0])
		return SN_OK;
	cc = curl_easy_setopt(http_conn->curl, CURLOPT_PROXY, http_cfg.policy.proxy);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(http_conn->curl, CURLOPT_NOPROXY, http_cfg.policy.no_proxy);
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
int request_begin(const char *url, struct sn_err *e)
{
	int rc;

	if (!http_conn->curl)
		return sn_fail(e, SN_E_HTTP_INIT, "http_init was not called");
	curl_easy_reset(http_conn->curl);
	http_conn->errbuf[0] = '\0';
	http_conn->retry_after_s = 0;
	http_conn->url = url;
	memset(&http_conn->tls, 0, sizeof(http_conn->tls));
	if ((rc = SETOPT(CURLOPT_URL, url)) ||
	    (rc = SETOPT(CURLOPT_ERRORBUFFER, http_conn->errbuf)) ||
	    (rc = SETOPT(CURLOPT_PROTOCOLS_STR, "http,https")) ||
	    /* what came over https never continues over plain http */
	    (rc = SETOPT(CURLOPT_REDIR_PROTOCOLS_STR,
			 strncasecmp(url, "https://", 8) == 0 ? "https" : "http,https")) ||
	    (rc = SETOPT(CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = SETOPT(CURLOPT_USERAGENT, "snboot/" SNBOOT_VERSION)) ||
	    (rc = SETOPT(CURLOPT_CAINFO, http_cfg.ca_path)) ||
	    (rc = SETOPT(CURLOPT_SSL_VERIFYPEER, 1L)) ||
	    (rc = SETOPT(CURLOPT_SSL_VERIFYHOST, 2L)) ||
	    (rc = SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2)) ||
	    (rc = SETOPT(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx)) ||
	    (rc = SETOPT(CURLOPT_SSL_CTX_DATA, &http_conn->tls)) ||
	    (rc = SETOPT(CURLOPT_CONNECTTIMEOUT, (long)http_cfg.timeout_s)) ||
	    /* a stall: under 1 byte/s for the whole timeout */
	    (rc = SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L)) ||
	    (rc = SETOPT(CURLOPT_LOW_SPEED_TIME, (long)http_cfg.timeout_s)))
		return rc;
	return proxy_setup(e);
}

int http_init(const char *ca_path, unsigned timeout_s, struct sn_err *e)
{
	mbedtls_x509_crt ca;
	char why[128];
	int ret;

	if (strlen(ca_path) >= sizeof(http_cfg.ca_path))
		return sn_fail(e, SN_E_HTTP_CA, "path longer than %zu bytes", sizeof(http_cfg.ca_path) - 1);
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
	if (!http_conn->curl) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return sn_fail(e, SN_E_HTTP_INIT, "curl_global_init failed");
		http_conn->curl = curl_easy_init();
		if (!http_conn->curl)
			return sn_fail(e, SN_E_HTTP_INIT, "curl_easy_init failed");
	}
	memcpy(http_cfg.ca_path, ca_path, strlen(ca_path) + 1);
	http_cfg.timeout_s = timeout_s ? timeout_s : 1;
	/* the IP check needs the TLS context callback: refuse to run without */
	if ((ret = SETOPT(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx)) != SN_OK)
		return ret;
	suites_for_cpu();
	curves_in_order();
	logmsg("http", "%s, CA %s, timeout %u s, TLS %s first, SHA-256 %s", curl_version(),
	       ca_path, http_cfg.timeout_s, http_cfg.suites[0] ? "AES-GCM (AES-NI)" : "ChaCha20-Poly1305",
	       sn_sha256_impl());
	return SN_OK;
}

int http_set_policy(const struct http_policy *p, struct sn_err *e)
{
	if (strlen(p->proxy) >= sizeof(http_cfg.policy.proxy) ||
	    strlen(p->no_proxy) >= sizeof(http_cfg.policy.no_proxy))
		return sn_fail(e, SN_E_HTTP_PROXY, "proxy or no_proxy longer than %zu bytes",
			       sizeof(http_cfg.policy.proxy) - 1);
	if (p->proxy[0] && strncasecmp(p->proxy, "http://", 7) != 0 &&
	    strstr(p->proxy, "://"))
		return sn_fail(e, SN_E_HTTP_PROXY, "snboot.proxy: only http:// proxies "
			       "(https is tunnelled through them)");
	http_cfg.policy = *p;
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
	return http_conn->retry_after_s;
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
	if (http_conn != &main_conn)
		return SN_OK;
	if (!(c = calloc(1, sizeof(*c))))
		return sn_fail(e, SN_E_NOMEM, "a download thread's handle");
	if (!(c->curl = curl_easy_init())) {
		free(c);
		return sn_fail(e, SN_E_HTTP_INIT, "curl_easy_init failed (download thread)");
	}
	c->cancel = cancel;
	http_conn = c;
	return SN_OK;
}

void http_thread_detach(void)
{
	if (http_conn == &main_conn)
		return;
	curl_easy_cleanup(http_conn->curl);
	free(http_conn);
	http_conn = &main_conn;
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
void note_retry_after(void)
{
	curl_off_t ra = 0;

	if (curl_easy_getinfo(http_conn->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		http_conn->retry_after_s = ra > 86400 ? 86400u : (unsigned)ra;
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
	cc = curl_easy_perform(http_conn->curl);
	*status = 0;
	curl_easy_getinfo(http_conn->curl, CURLINFO_RESPONSE_CODE, status);
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
				       http_cfg.policy.artifacts_any, e)) != SN_OK)
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
