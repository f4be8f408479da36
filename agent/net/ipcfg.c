/* snboot.ip=: the kernel's ip= syntax, static settings only. */
#include "net/ipcfg.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define FIELDS 10

static const char *const field_names[FIELDS] = {
	"client-ip", "server-ip", "gw-ip", "netmask", "hostname",
	"device", "autoconf", "dns0-ip", "dns1-ip", "ntp0-ip",
};

static int bad(struct sn_err *e, int f, const char *text, const char *why)
{
	return sn_fail(e, SN_E_NET_IPCFG, "snboot.ip field %d (%s) \"%.60s\": %s",
		       f + 1, field_names[f], text, why);
}

/* Dotted quad only, as the kernel's in_aton() takes; "" leaves 0.0.0.0. */
static int addr(const char *text, int f, struct in_addr *out, struct sn_err *e)
{
	if (!text[0])
		return 0;
	if (inet_pton(AF_INET, text, out) != 1)
		return bad(e, f, text, "not an IPv4 address a.b.c.d");
	return 0;
}

/* Contiguous ones from the top: 255.255.255.0 yes, 255.0.255.0 no. */
static int mask_ok(struct in_addr m)
{
	uint32_t h = ntohl(m.s_addr);
	return h && (~h & (~h + 1)) == 0;
}

/* The kernel's default when no netmask is given: the class of the address. */
static struct in_addr classful(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);
	struct in_addr m;

	m.s_addr = htonl(h < 0x80000000u ? 0xff000000u
			 : h < 0xc0000000u ? 0xffff0000u : 0xffffff00u);
	return m;
}

static int text_field(const char *text, int f, char *out, size_t cap,
		      struct sn_err *e)
{
	size_t n = strlen(text);

	if (n >= cap)
		return bad(e, f, text, cap == IF_NAMESIZE ? "longer than 15 characters"
							   : "longer than 63 characters");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)text[i] <= 0x20 || text[i] == 0x7f)
			return bad(e, f, text, "blank or control character");
	memcpy(out, text, n + 1);
	return 0;
}

int ipcfg_parse(const char *s, struct ipcfg *out, struct sn_err *e)
{
	char f[FIELDS][256];
	const char *p = s;
	int n = 0, rc;

	memset(out, 0, sizeof(*out));
	memset(f, 0, sizeof(f));
	if (!s || !s[0])
		return sn_fail(e, SN_E_NET_IPCFG, "snboot.ip is empty");
	for (;;) {
		size_t len = strcspn(p, ":");
		if (n == FIELDS)
			return sn_fail(e, SN_E_NET_IPCFG,
				       "snboot.ip: more than %d ':'-separated fields", FIELDS);
		if (len >= sizeof(f[n]))
			return bad(e, n, p, "longer than 255 characters");
		memcpy(f[n], p, len);
		f[n++][len] = '\0';
		if (!p[len])
			break;
		p += len + 1;
	}
	if (!f[0][0])
		return bad(e, 0, f[0], "required (this is the static path; leave "
			   "snboot.ip out for DHCP)");
	if ((rc = addr(f[0], 0, &out->client, e)) || (rc = addr(f[1], 1, &out->server, e)) ||
	    (rc = addr(f[2], 2, &out->gw, e)) || (rc = addr(f[3], 3, &out->mask, e)) ||
	    (rc = text_field(f[4], 4, out->hostname, sizeof(out->hostname), e)) ||
	    (rc = text_field(f[5], 5, out->dev, sizeof(out->dev), e)))
		return rc;
	if (f[6][0] && strcmp(f[6], "none") && strcmp(f[6], "off") && strcmp(f[6], "static"))
		return bad(e, 6, f[6], "want none, off or static (DHCP needs no snboot.ip)");
	for (int i = 7; i < 9; i++) {
		if (!f[i][0])
			continue;
		if ((rc = addr(f[i], i, &out->dns[out->n_dns], e)))
			return rc;
		out->n_dns++;
	}
	if ((rc = addr(f[9], 9, &out->ntp, e)))
		return rc;
	if (!out->client.s_addr || out->client.s_addr == htonl(INADDR_BROADCAST))
		return bad(e, 0, f[0], "not a host address");
	out->mask_given = f[3][0] != 0;
	if (!out->mask_given)
		out->mask = classful(out->client);
	else if (!mask_ok(out->mask))
		return bad(e, 3, f[3], "not a netmask (ones, then zeros)");
	if (out->gw.s_addr == out->client.s_addr)
		return bad(e, 2, f[2], "the gateway is the client address");
	return 0;
}
