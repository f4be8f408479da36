/* Host driver for agent/http/http.c (curl + mbedtls, static musl): one
 * operation per run, one result line on stdout, for tests/test_http_host.py,
 * which runs it against build/server-stub and fault-injecting servers on
 * loopback and checks the results. Not a cmocka test: cmocka is glibc.
 *
 *   host_http CA fetch URL [--sha256 HEX] [--limit BYTES] [--any] [--mirror URL]...
 *             [--proxy URL] [--no-proxy LIST]   (these two for every operation)
 *   host_http CA get URL [--sha256 HEX] [--any]
 *   host_http CA post URL BODY
 *
 * Prints "rc=E0723 size=0 sha256=- retry_after=0 ctx=..." (rc=0 on success;
 * sha256 of what was received). Exit status 0 whenever the line was printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "core/err.h"
#include "core/log.h"
#include "http/http.h"
#include "http/urlutil.h"

#define MAX_URLS 8

static void sha_of_fd(int fd, char hex[65])
{
	static unsigned char buf[65536];
	mbedtls_sha256_context c;
	unsigned char d[32];
	ssize_t n;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts_ret(&c, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		mbedtls_sha256_update_ret(&c, buf, (size_t)n);
	mbedtls_sha256_finish_ret(&c, d);
	mbedtls_sha256_free(&c);
	hex_format(d, sizeof(d), hex);
}

static void sha_of_buf(const char *p, size_t n, char hex[65])
{
	unsigned char d[32];

	mbedtls_sha256_ret((const unsigned char *)p, n, d, 0);
	hex_format(d, sizeof(d), hex);
}

static int usage(void)
{
	fprintf(stderr, "usage: host_http CA fetch|get|post URL [options]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *urls[MAX_URLS], *sha = NULL, *body = "{}";
	struct http_policy pol;
	struct sn_err e;
	char hex[65] = "-";
	size_t n_urls = 0, size = 0;
	int rc, fd = -1;

	if (argc < 4)
		return usage();
	memset(&pol, 0, sizeof(pol));
	urls[n_urls++] = argv[3];
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--sha256") && i + 1 < argc)
			sha = argv[++i];
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			pol.max_download = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--proxy") && i + 1 < argc)
			snprintf(pol.proxy, sizeof(pol.proxy), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--no-proxy") && i + 1 < argc)
			snprintf(pol.no_proxy, sizeof(pol.no_proxy), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--any"))
			pol.artifacts_any = 1;
		else if (!strcmp(argv[i], "--mirror") && i + 1 < argc && n_urls < MAX_URLS)
			urls[n_urls++] = argv[++i];
		else if (!strcmp(argv[2], "post"))
			body = argv[i];
		else
			return usage();
	}
	log_set_quiet(0);
	sn_clear(&e);
	rc = http_init(argv[1], 5, &e);
	if (rc == SN_OK)
		rc = http_set_policy(&pol, &e);
	if (rc == SN_OK && !strcmp(argv[2], "fetch")) {
		rc = http_fetch_mirrors(urls, n_urls, sha, "file", &fd, &size, &e);
		if (rc == SN_OK)
			sha_of_fd(fd, hex);
	} else if (rc == SN_OK && !strcmp(argv[2], "get")) {
		char *buf = NULL;
		rc = http_get_pinned(urls[0], sha, &buf, &size, &e);
		if (rc == SN_OK)
			sha_of_buf(buf, size, hex);
		free(buf);
	} else if (rc == SN_OK && !strcmp(argv[2], "post")) {
		char *resp = NULL;
		long status = 0;
		rc = http_post(urls[0], "application/json", body, strlen(body), &resp, &size,
			       &status, &e);
		if (rc == SN_OK)
			sha_of_buf(resp, size, hex);
		free(resp);
	} else if (rc == SN_OK) {
		return usage();
	}
	if (rc)
		printf("rc=E%04d", rc);
	else
		printf("rc=0");
	printf(" size=%zu sha256=%s retry_after=%u fd=%d ctx=%s\n", size, hex,
	       http_retry_after_s(), fd, rc ? e.ctx : "");
	http_cleanup();
	return 0;
}
