/* curl and HTTP failures as the HTTP client's SN_E_HTTP_* errors
 * (http_int.h): one code per cause, the URL being fetched (redirects
 * included, credentials and query left out) in the context, and curl's
 * few words when it was built without its message strings. */
#include "http/http_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http/urlutil.h"

/* The URL being fetched, redirects included, fit for a log line. */
void current_url(const char *url, char *buf, size_t len)
{
	char *eff = NULL;

	if (curl_easy_getinfo(http_conn->curl, CURLINFO_EFFECTIVE_URL, &eff) != CURLE_OK || !eff ||
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

	curl_easy_getinfo(http_conn->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 300 || status > 399)
		return SN_OK;
	curl_easy_getinfo(http_conn->curl, CURLINFO_REDIRECT_URL, &to);
	if (!to)
		curl_easy_getinfo(http_conn->curl, CURLINFO_EFFECTIVE_URL, &to);
	if (http_conn->url && strncasecmp(http_conn->url, "https://", 8) == 0 && to &&
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

	if (http_conn->errbuf[0] && strcmp(http_conn->errbuf, "Error") != 0)
		return http_conn->errbuf;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].cc == cc)
			return texts[i].text;
	snprintf(buf, len, "curl error %d", (int)cc);
	return buf;
}

int curl_fail(CURLcode cc, const char *url, struct sn_err *e)
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
		curl_easy_getinfo(http_conn->curl, CURLINFO_OS_ERRNO, &oserr);
		if (oserr == ECONNREFUSED)
			return sn_fail(e, SN_E_HTTP_REFUSED, "%s", u);
		if (oserr == ETIMEDOUT)
			return sn_fail(e, SN_E_HTTP_CONNECT_TIMEOUT, "%s", u);
		return sn_fail(e, SN_E_HTTP_UNREACHABLE, "%s: %s", u,
			       oserr ? strerror((int)oserr) : why);
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(http_conn->curl, CURLINFO_CONNECT_TIME_T, &t);
		if (t == 0)
			return sn_fail(e, SN_E_HTTP_CONNECT_TIMEOUT, "%s: no connection within %u s",
				       u, http_cfg.timeout_s);
		return sn_fail(e, SN_E_HTTP_STALLED, "%s: under 1 byte/s for %u s", u,
			       http_cfg.timeout_s);
	case CURLE_PEER_FAILED_VERIFICATION:
		return tls_fail(u, e);
	case CURLE_SSL_CONNECT_ERROR:
		return sn_fail(e, SN_E_HTTP_TLS_HANDSHAKE, "%s: %s", u, why);
	case CURLE_SSL_CACERT_BADFILE:
		return sn_fail(e, SN_E_HTTP_CA, "%s: %s", http_cfg.ca_path, why);
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
int status_fail(long status, const char *url, const char *body, size_t len,
		struct sn_err *e)
{
	char u[URL_LOG], text[72];

	current_url(url, u, sizeof(u));
	text_for_log(body, len, text, sizeof(text));
	if (status == 404)
		return sn_fail(e, SN_E_HTTP_NOT_FOUND, "%s", u);
	if (status == 429 && http_conn->retry_after_s)
		return sn_fail(e, SN_E_HTTP_CLIENT_ERROR, "HTTP %ld from %s (Retry-After %u s): %s",
			       status, u, http_conn->retry_after_s, text);
	if (status >= 400 && status < 500)
		return sn_fail(e, SN_E_HTTP_CLIENT_ERROR, "HTTP %ld from %s: %s", status, u, text);
	if (status >= 500 && status < 600 && http_conn->retry_after_s)
		return sn_fail(e, SN_E_HTTP_SERVER_ERROR, "HTTP %ld from %s (Retry-After %u s): %s",
			       status, u, http_conn->retry_after_s, text);
	if (status >= 500 && status < 600)
		return sn_fail(e, SN_E_HTTP_SERVER_ERROR, "HTTP %ld from %s: %s", status, u, text);
	return sn_fail(e, SN_E_HTTP_STATUS, "HTTP %ld from %s", status, u);
}
