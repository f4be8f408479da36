#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int listen_parse(const char *text, struct listen_addr *out, char *why, size_t whylen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	size_t hostlen;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':') {
			snprintf(why, whylen, "'%s': expected [IPV6]:PORT", text);
			return -1;
		}
		hostlen = (size_t)(close - text - 1);
		text++;
		port = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon) {
			snprintf(why, whylen, "'%s': expected IPV4:PORT or [IPV6]:PORT", text);
			return -1;
		}
		hostlen = (size_t)(colon - text);
		port = colon + 1;
	}
	if (hostlen == 0 || hostlen >= sizeof(host)) {
		snprintf(why, whylen, "'%s': bad address", text);
		return -1;
	}
	memcpy(host, text, hostlen);
	host[hostlen] = '\0';

	char *end;
	errno = 0;
	unsigned long portnum = strtoul(port, &end, 10);
	if (!*port || *end || errno || portnum > 65535) {
		snprintf(why, whylen, "'%s': bad port", port);
		return -1;
	}

	memset(out, 0, sizeof(*out));
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)portnum);
		out->len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)portnum);
		out->len = sizeof(*v6);
	} else {
		snprintf(why, whylen, "'%s': not a numeric IPv4 or IPv6 address", host);
		return -1;
	}
	return 0;
}

int listen_open(const struct listen_addr *a, int v6only, char *why, size_t whylen)
{
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;
	char text[INET6_ADDRSTRLEN + 8];
	int one = 1;

	sockaddr_text(sa, 1, text, sizeof(text));
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, whylen, "%s: socket: %s", text, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0) {
		snprintf(why, whylen, "%s: IPV6_V6ONLY: %s", text, strerror(errno));
		goto err_close;
	}
	if (bind(fd, sa, a->len) < 0) {
		snprintf(why, whylen, "%s: bind: %s", text, strerror(errno));
		goto err_close;
	}
	if (listen(fd, 4096) < 0) {
		snprintf(why, whylen, "%s: listen: %s", text, strerror(errno));
		goto err_close;
	}
	return fd;
err_close:
	close(fd);
	return -1;
}

void sockaddr_text(const struct sockaddr *sa, int with_port, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		port = ntohs(v4->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
		port = ntohs(v6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
			inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], host, sizeof(host));
		} else {
			inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
			if (with_port) {
				snprintf(out, outlen, "[%s]:%u", host, port);
				return;
			}
		}
	} else {
		snprintf(out, outlen, "?");
		return;
	}
	if (with_port)
		snprintf(out, outlen, "%s:%u", host, port);
	else
		snprintf(out, outlen, "%s", host);
}
