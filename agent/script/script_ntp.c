/* The socket side of `ntp <server>` (script_sntp.h): resolve, one UDP
 * request per try, the answer checked by sntp_reply_parse, the clock set. */
#include "script/script_sntp.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "host", "host:port", "1.2.3.4:port", "[v6]:port" or a bare IPv6 address. */
static int split_server(const char *server, char *host, size_t hsize, char *port,
			size_t psize, struct sn_err *e)
{
	const char *colon = strrchr(server, ':');
	size_t n = strlen(server);

	snprintf(port, psize, "%u", SNTP_PORT);
	if (server[0] == '[') {
		const char *end = strchr(server, ']');
		if (!end || (end[1] && (end[1] != ':' || !end[2])))
			return sn_fail(e, SN_E_SCRIPT_NTP, "server \"%.60s\": bad address", server);
		n = (size_t)(end - server - 1);
		server++;
		if (end[1])
			snprintf(port, psize, "%s", end + 2);
	} else if (colon && strchr(server, ':') == colon) {
		n = (size_t)(colon - server);
		snprintf(port, psize, "%s", colon + 1);
	}
	if (n == 0 || n >= hsize)
		return sn_fail(e, SN_E_SCRIPT_NTP, "server \"%.60s\": bad name", server);
	memcpy(host, server, n);
	host[n] = '\0';
	return SN_OK;
}

/* One request and its answer on fd: SN_OK with the answer's transmit time
 * and the round trip, or the reason. */
static int ask(int fd, struct sntp_reply *r, uint64_t *rtt_ns, struct sn_err *e)
{
	uint8_t req[SNTP_PACKET_LEN], buf[512];
	struct sntp_time xmit;
	uint64_t t1, t4, now = now_ns(CLOCK_REALTIME);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	xmit = sntp_from_unix((int64_t)(now / 1000000000u), (uint32_t)(now % 1000000000u));
	/* random low bits: an answer must echo them (RFC 4330 §3, nonce) */
	if (getrandom(&xmit.frac, sizeof(xmit.frac), GRND_NONBLOCK) != sizeof(xmit.frac))
		xmit.frac ^= (uint32_t)now_ns(CLOCK_MONOTONIC);
	sntp_request(req, xmit);
	t1 = now_ns(CLOCK_MONOTONIC);
	if (send(fd, req, sizeof(req), 0) != (ssize_t)sizeof(req))
		return sn_fail(e, SN_E_SCRIPT_NTP, "send: %s", strerror(errno));
	for (;;) {
		uint64_t waited = (now_ns(CLOCK_MONOTONIC) - t1) / 1000000u;
		ssize_t n;
		if (waited >= SNTP_WAIT_MS)
			return sn_fail(e, SN_E_SCRIPT_NTP, "no answer in %u ms", SNTP_WAIT_MS);
		if (poll(&p, 1, (int)(SNTP_WAIT_MS - waited)) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		t4 = now_ns(CLOCK_MONOTONIC);
		if (n < 0)
			return sn_fail(e, SN_E_SCRIPT_NTP, "recv: %s", strerror(errno));
		if (sntp_reply_parse(buf, (size_t)n, xmit, r, e) == SN_OK) {
			*rtt_ns = t4 - t1;
			return SN_OK;
		}
		if (r->mode == 4 && r->origin.sec == xmit.sec && r->origin.frac == xmit.frac)
			return e->code;   /* our answer, but unusable (kiss-o'-death...) */
		/* someone else's packet: keep waiting */
	}
}

int script_ntp_set_clock(const char *server, int64_t *set_to, struct sn_err *e)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	char host[256], port[16];
	struct sntp_reply r;
	struct timespec ts;
	uint64_t rtt = 0, ns;
	uint32_t nsec;
	int64_t sec;
	int fd, rc, gai;

	if ((rc = split_server(server, host, sizeof(host), port, sizeof(port), e)) != SN_OK)
		return rc;
	if ((gai = getaddrinfo(host, port, &hints, &ai)) != 0)
		return sn_fail(e, SN_E_SCRIPT_NTP, "%.60s: %s", host, gai_strerror(gai));
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		rc = sn_fail(e, SN_E_SCRIPT_NTP, "%.60s port %s: %s", host, port, strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < SNTP_TRIES; i++) {
		sn_clear(e);
		if ((rc = ask(fd, &r, &rtt, e)) != SN_E_SCRIPT_NTP)
			break;   /* an answer, or one that will not change */
	}
	if (rc != SN_OK)
		goto out;
	sntp_to_unix(r.transmit, &sec, &nsec);
	ns = (uint64_t)nsec + rtt / 2;
	ts.tv_sec = (time_t)(sec + (int64_t)(ns / 1000000000u));
	ts.tv_nsec = (long)(ns % 1000000000u);
	if (clock_settime(CLOCK_REALTIME, &ts) != 0) {
		rc = sn_fail(e, SN_E_SCRIPT_NTP, "clock_settime: %s", strerror(errno));
		goto out;
	}
	*set_to = (int64_t)ts.tv_sec;
	rc = SN_OK;
out:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}
