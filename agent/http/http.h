/* The agent's HTTP(S) client: one curl handle reused for every request (a
 * TLS handshake under QEMU TCG costs about a second), servers verified
 * against the CA baked into the image, TLS 1.2 or later, never an insecure
 * fallback. IP-literal URLs (https://10.0.2.2/, https://[fd77:1::1]:8443/)
 * are checked against the certificate's subjectAltName iPAddress entries.
 *
 * Timeouts: http_timeout bounds the connect and any stall (no byte for that
 * long); a large download may take as long as it keeps moving.
 * Every failure is a distinct SN_E_HTTP_* code with the URL (credentials
 * and query left out) in its context. One thread at a time per handle: the
 * agent's thread uses its own, a download thread first calls
 * http_thread_attach (http_fetch_mirrors is the only call it may make). */
#ifndef SNBOOT_HTTP_H
#define SNBOOT_HTTP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Largest body http_post and http_get_buf accept (answers, scripts). */
#define HTTP_BUF_MAX (1024 * 1024)

/* Resume attempts of http_fetch_fd: at most this many attempts in a row
 * that add no byte, and this many in all. */
#define HTTP_FETCH_STUCK_MAX 5
#define HTTP_FETCH_ATTEMPTS_MAX 20
/* With another mirror left, a mirror is given up after this many. */
#define HTTP_FETCH_MIRROR_STUCK_MAX 2

struct config;

/* Trust and network settings beyond http_init (from the config). */
struct http_policy {
	int artifacts_any;     /* 1: http:// artifacts without a pin (baked http_artifacts = any) */
	char proxy[256];       /* snboot.proxy: http://host:port, "" none */
	char no_proxy[256];    /* snboot.no_proxy: curl's comma list of hosts/domains */
	uint64_t max_download; /* 0: dl_mem_limit(MemAvailable); else this many bytes at most
				* (a smaller machine in the host tests) */
};

/* ca_path: PEM file of trusted CAs, checked here so a broken image says so
 * at once. Call once; later calls replace the settings. */
int http_init(const char *ca_path, unsigned timeout_s, struct sn_err *e);
void http_cleanup(void);

/* http_init(cfg->ca, cfg->http_timeout_s) and http_set_policy() from the
 * config's http_artifacts, proxy and no_proxy: what the agent calls. */
int http_init_config(const struct config *cfg, struct sn_err *e);

/* A download thread's own curl handle (the agent's stays its thread's);
 * after http_init, before the thread's first request. Once *cancel is set
 * its download stops within about a second (SN_E_HTTP_CANCELLED, nothing
 * kept). Detach frees it. */
int http_thread_attach(const atomic_int *cancel, struct sn_err *e);
void http_thread_detach(void);

/* Replaces the policy; until called: pinned, no proxy (the safe default).
 * SN_E_HTTP_PROXY for a proxy that is not http:// or too long. */
int http_set_policy(const struct http_policy *p, struct sn_err *e);

/* Retry-After of the last answer in seconds (a 503 or 429 from a busy
 * backend; HTTP dates become seconds), 0 when it had none. Read it after
 * http_post failed with SN_E_HTTP_SERVER_ERROR / SN_E_HTTP_CLIENT_ERROR;
 * the error's context says it too ("(Retry-After 30 s)"). */
unsigned http_retry_after_s(void);

/* POSTs body; *resp is malloc'd and NUL-terminated (free it), *status the
 * HTTP status. A status >= 400 is an error (*status still set, *resp NULL,
 * the start of the answer in the context). Redirects are not followed. */
int http_post(const char *url, const char *content_type, const char *body, size_t len,
	      char **resp, size_t *resp_len, long *status, struct sn_err *e);

/* GETs a small document (a chained script) into a malloc'd, NUL-terminated
 * buffer of at most HTTP_BUF_MAX bytes. Follows up to 5 redirects, never
 * from https to http (SN_E_HTTP_DOWNGRADE). Trust: a plain http:// URL
 * needs a pin (SN_E_HTTP_UNPINNED) unless the policy allows any; with
 * sha256_hex a mismatch is SN_E_HTTP_SHA256_MISMATCH. */
int http_get_pinned(const char *url, const char *sha256_hex_or_NULL, char **buf, size_t *len,
		    struct sn_err *e);
/* http_get_pinned without a pin. */
int http_get_buf(const char *url, char **buf, size_t *len, struct sn_err *e);

/* Streams url into a memfd (close-on-exec), hashing as it arrives; prints
 * progress as "download <label>: 4.0/8.1 MiB 49% 3.2 MiB/s". After a cut it
 * resumes with a Range request (If-Range on the ETag, Content-Range
 * checked), backing off between attempts. With sha256_hex, a mismatch is
 * SN_E_HTTP_SHA256_MISMATCH. Trust: plain http:// needs sha256_hex unless
 * the policy allows any (SN_E_HTTP_UNPINNED, naming the URL); redirects
 * from https never go to http. On success *fd_out is at offset 0 and sealed
 * against writes; on failure it is -1 and nothing is left open. */
int http_fetch_fd(const char *url, const char *sha256_hex_or_NULL, const char *label,
		  int *fd_out, size_t *size_out, struct sn_err *e);

/* http_fetch_fd over mirrors of one file, tried in order: a mirror that
 * fails (connect error, 4xx/5xx, a cut it does not recover from within
 * HTTP_FETCH_MIRROR_STUCK_MAX attempts, a sha256 mismatch, TLS) hands over
 * to the next, which starts from byte 0. Not handed over: SN_E_HTTP_NO_ROOM
 * (no mirror makes the file smaller), memfd and setup failures. An
 * unpinned http:// mirror under the pinned policy is skipped (logged);
 * when all are, SN_E_HTTP_UNPINNED. The error is the last mirror's.
 * Memory: before a byte is stored, Content-Length is checked against
 * dl_mem_limit(MemAvailable) (dlpace.h); without it, the limit holds while
 * receiving: SN_E_HTTP_NO_ROOM names both numbers. */
int http_fetch_mirrors(const char *const *urls, size_t n_urls, const char *sha256_hex_or_NULL,
		       const char *label, int *fd_out, size_t *size_out, struct sn_err *e);

#endif
