/* Listen addresses: "ADDR:PORT" text to sockets. IPv6 is written in
 * brackets: "[::]:8443", "[fd77:1::1]:8443"; IPv4 as "0.0.0.0:8443". */
#ifndef SERVER_STUB_LISTEN_H
#define SERVER_STUB_LISTEN_H

#include <stddef.h>
#include <sys/socket.h>

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Pure: numeric addresses only. 0 on success, else -1 with a reason. */
int listen_parse(const char *text, struct listen_addr *out, char *why, size_t whylen);
/* Bound, listening socket or -1 with a reason. An IPv6 socket accepts
 * IPv4 too (dual stack) unless v6only. */
int listen_open(const struct listen_addr *a, int v6only, char *why, size_t whylen);
/* "1.2.3.4:80" / "[::1]:80"; with_port 0 drops the port (and brackets).
 * IPv4-mapped IPv6 addresses print as IPv4. */
void sockaddr_text(const struct sockaddr *sa, int with_port, char *out, size_t outlen);

#endif
