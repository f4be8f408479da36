/* Pure text helpers for the HTTP client: IP-literal hosts, URLs fit for
 * logs, response header lines, Content-Range (RFC 9110 §14.4), sha256 hex.
 * No I/O, no globals: unit-tested and fuzzed on the host. */
#ifndef SNBOOT_URLUTIL_H
#define SNBOOT_URLUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* A URL host as curl reports it ("10.0.2.2", "[fd77:1::1]", "[fe80::1%eth0]",
 * "backend.lan") → 1 and the address bytes (4 or 16) when it is an IP
 * literal, 0 for a name. Certificates name IPs as bytes, not text. */
int url_host_ip(const char *host, uint8_t ip[16], size_t *ip_len);

/* URL for logs and error context: user:password@ and the query (signed
 * URLs carry tokens there) are dropped, and a long URL keeps its start and
 * its end (the file name) around "...". Always NUL-terminates. */
void url_for_log(const char *url, char *buf, size_t len);

/* Up to n bytes of a server's answer as one printable line for an error's
 * context: control and non-ASCII bytes become '?', line breaks spaces,
 * "..." marks a cut. Always NUL-terminates. */
void text_for_log(const char *p, size_t n, char *out, size_t len);

/* A raw header line "Name: value\r\n" → 1 with the trimmed value when its
 * name equals name (case-insensitive), else 0. */
int http_header_value(const char *line, size_t len, const char *name,
		      const char **val, size_t *val_len);

#define CONTENT_RANGE_UNKNOWN UINT64_MAX

struct content_range {
	uint64_t first, last;   /* inclusive; CONTENT_RANGE_UNKNOWN for "*" */
	uint64_t complete;      /* full length; CONTENT_RANGE_UNKNOWN for "*" */
};

/* Content-Range value, three forms: "bytes 100-199/1000"; the same with
 * the length as a star (unknown); a star instead of first-last with a length
 * (the answer to an unsatisfiable range). SN_E_HTTP_RANGE when malformed or
 * inconsistent (first > last, last >= complete). */
int content_range_parse(const char *val, size_t len, struct content_range *cr,
			struct sn_err *e);

/* 64 hex digits (either case) → 32 bytes; SN_E_HTTP_SHA256_ARG otherwise. */
int sha256_hex_parse(const char *hex, uint8_t out[32], struct sn_err *e);

/* n bytes → 2n lowercase hex digits and a NUL (out holds 2n+1). */
void hex_format(const uint8_t *bytes, size_t n, char *out);

/* 1 when url's scheme is plain http:// (either case), else 0. */
int url_is_plain_http(const char *url);

/* The trust rule for an artifact (kernel, initrd, chained script): over
 * https:// anything goes (the baked CA vouches for the server); over plain
 * http:// only a pinned one (a sha256 given) unless any_http (the baked
 * http_artifacts = any). SN_E_HTTP_UNPINNED names the URL (for logs). */
int url_artifact_allowed(const char *url, int pinned, int any_http, struct sn_err *e);

#endif
