/* The HTTP client's shared state, for http.c (the handle, small answers),
 * http_tls.c (the TLS callbacks), http_errors.c (curl and HTTP failures as
 * SN_E_HTTP_* errors) and http_fetch.c (downloads into a memfd). curl and
 * mbedtls live in these files only: none is built for the host tests. */
#ifndef SNBOOT_HTTP_INT_H
#define SNBOOT_HTTP_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <mbedtls/ecp.h>

#include "core/err.h"
#include "http/http.h"

#define URL_LOG 112          /* a URL's share of an error's 240-byte context */
#define MAX_REDIRS 5L
#define MAX_SUITES 160       /* mbedtls 2.28's full list is ~140 */
#define MAX_CURVES 16

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

/* Defined in http.c. Written by http_init (the ciphersuite and curve
 * orders through suites_for_cpu and curves_in_order) and http_set_policy
 * only, before any download thread starts: read-only while threads run. */
extern struct http_state {
	unsigned timeout_s;
	char ca_path[256];
	struct http_policy policy;
	int suites[MAX_SUITES];  /* our ciphersuite order, 0-terminated; [0] 0: mbedtls' */
	mbedtls_ecp_group_id curves[MAX_CURVES];  /* ours, NONE-terminated; [0] NONE: mbedtls' */
} http_cfg;

/* Defined in http.c: the calling thread's handle, the agent's or its
 * download thread's. */
extern _Thread_local struct conn *http_conn;

/* http.c */
int setopt_check(CURLcode cc, const char *name, struct sn_err *e);
/* Evaluates to SN_OK or the error, naming the option that was refused. */
#define SETOPT(opt, val) setopt_check(curl_easy_setopt(http_conn->curl, opt, val), #opt, e)
int request_begin(const char *url, struct sn_err *e);
void note_retry_after(void);

/* http_tls.c */
CURLcode on_ssl_ctx(CURL *curl, void *ssl_conf, void *arg);
void curves_in_order(void);
void suites_for_cpu(void);
int tls_fail(const char *u, struct sn_err *e);

/* http_errors.c */
void current_url(const char *url, char *buf, size_t len);
int curl_fail(CURLcode cc, const char *url, struct sn_err *e);
int status_fail(long status, const char *url, const char *body, size_t len,
		struct sn_err *e);

#endif
