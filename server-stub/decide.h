/* What a machine boots, as pure functions: cmdline templates, policy
 * matching over the facts an agent posted, address arithmetic for pools
 * and the kernel ip= argument. */
#ifndef SERVER_STUB_DECIDE_H
#define SERVER_STUB_DECIDE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* --- templates: ${name} in a profile's cmdline */

/* The value of ${name}, or NULL with *why set when it has none. */
typedef const char *(*tmpl_lookup)(void *ctx, const char *name, const char **why);

/* NULL if every ${...} in tmpl is well formed and names a known variable
 * (serial, hostname, ip, prefix, netmask, gateway, mac, uuid,
 * manufacturer, product, profile), and tmpl is one line; else why not. */
const char *tmpl_problem(const char *tmpl, char *why, size_t whylen);
/* Expand into out; each value is percent-encoded to stay one word without
 * ${...} of its own. 0, or -1 with a reason in why. */
int tmpl_expand(const char *tmpl, tmpl_lookup fn, void *ctx, struct buf *out, char *why,
		size_t whylen);
/* One word for a kernel command line: bytes other than letters, digits
 * and -._~:+@/,= are percent-encoded. */
int cmdline_word(struct buf *out, const char *value);
/* A host name from a serial: lower case letters, digits and '-', at most
 * 63 bytes, never empty ("m" + hex of the serial's first byte if
 * nothing is left). */
void hostname_from_serial(const char *serial, char out[64]);

/* NULL if a profile is valid: name (1..64 bytes, no '/'), kernel and 1..8
 * initrds (safe names below the files directory), cmdline template, and
 * mirrors (NULL for none, else an array of 0..8 distinct mirror base URLs,
 * validate.h mirror_url_problem). */
const char *profile_problem(const char *name, const char *kernel, const cJSON *initrds,
			    const char *cmdline, const cJSON *mirrors, char *why,
			    size_t whylen);

/* --- policies */

/* NULL if doc is a valid ordered policy list: an array of objects
 * {"name": text, "match": {KEY: glob...}, "action": ..., "profile": text}
 * with KEY one of serial, manufacturer, product, uuid, mac, driver, nic;
 * else why not. Profiles are not looked up here. */
const char *policies_problem(const cJSON *doc, char *why, size_t whylen);
/* 1 if every glob in match holds for facts (fnmatch; mac/driver/nic hold
 * if any NIC in facts.nics has it). An empty match holds always. */
int policy_matches(const cJSON *match, const cJSON *facts);
/* The first policy of list that matches facts, or NULL. */
const cJSON *policy_find(const cJSON *list, const cJSON *facts);

/* --- addresses */

struct ipnet {
	int family;               /* AF_INET or AF_INET6 */
	unsigned char addr[16];   /* network address, host bits zero */
	unsigned prefix;
};

/* "10.77.1.0/24" or "fd77:1::/64" (host bits must be zero). 0 or -1. */
int ipnet_parse(const char *text, struct ipnet *out);
/* 1 if the address literal text lies in net. */
int ipnet_contains(const struct ipnet *net, const char *text);
/* Canonical text of an IPv4/IPv6 literal into out (46 bytes); family
 * returned, or 0 if text is none. */
int ip_canonical(const char *text, char out[46]);
/* Pool range [first, last] in net: *size addresses (at most max).
 * NULL, or why not. */
const char *range_problem(const struct ipnet *net, const char *first, const char *last,
			  uint64_t max, uint64_t *size);
/* The address idx steps after first, as canonical text. 0 or -1. */
int ip_offset(const char *first, uint64_t idx, char out[46]);
/* Dotted netmask for an IPv4 prefix length. */
void netmask4(unsigned prefix, char out[16]);

#endif
