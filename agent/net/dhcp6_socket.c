/* DHCPv6 client socket and the interface's IPv6 sysctls.
 *
 * A DHCPv6 client sends from its link-local address (RFC 8415 §13.1), so
 * the interface must be up, have carrier and own a link-local address that
 * is past duplicate address detection: a tentative address is never chosen
 * as a source and sendto() fails with EADDRNOTAVAIL. Two measures:
 *  - dhcp6_link_prepare() sets accept_dad=0, which makes the link-local
 *    address usable the moment the link is up; the loop should call it
 *    before bringing the link up (a link already up finishes its DAD
 *    first). optimistic_dad would be gentler but needs
 *    CONFIG_IPV6_OPTIMISTIC_DAD, which a small kernel may lack. A duplicate
 *    EUI-64 link-local address would mean a duplicate MAC, which DHCP
 *    could not survive anyway.
 *  - a send that finds no usable source (EADDRNOTAVAIL; ENETDOWN or
 *    ENETUNREACH without carrier) returns SN_E_DHCP6_NOT_READY and the
 *    state machine retries from its timer within 100 ms, so a late carrier
 *    or a DAD still running only delays the first Solicit.
 */
#include "net/dhcp6_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/dhcp6.h"

static int write_sysctl(const char *ifname, const char *key, const char *val,
			struct sn_err *e)
{
	char path[96];
	size_t n = strlen(val);
	ssize_t w;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return sn_fail(e, SN_E_DHCP6_SYSCTL, "open %s: %s", path, strerror(errno));
	w = write(fd, val, n);
	if (w != (ssize_t)n) {
		int err = w < 0 ? errno : EIO;
		close(fd);
		return sn_fail(e, SN_E_DHCP6_SYSCTL, "write %s=%s: %s", path, val, strerror(err));
	}
	close(fd);
	return SN_OK;
}

int dhcp6_link_prepare(const char *ifname, struct sn_err *e)
{
	int rc;

	/* Names come from sysfs; still, never let one walk the path. */
	if (!ifname[0] || strchr(ifname, '/') || !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return sn_fail(e, SN_E_DHCP6_SYSCTL, "bad interface name \"%s\"", ifname);
	/* snboot.ipv6=1 asked for IPv6 on this NIC, even if disabled by default. */
	rc = write_sysctl(ifname, "disable_ipv6", "0", e);
	if (!rc)
		rc = write_sysctl(ifname, "accept_dad", "0", e);
	/* Router discovery: SLAAC, the on-link prefix and the default route. */
	if (!rc)
		rc = write_sysctl(ifname, "accept_ra", "1", e);
	return rc;
}

static int set_int(int fd, int level, int name, int val, const char *what, struct sn_err *e)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) < 0)
		return sn_fail(e, SN_E_DHCP6_SOCKET, "setsockopt %s: %s", what, strerror(errno));
	return SN_OK;
}

int dhcp6_socket_open(const char *ifname, int ifindex, int *fdp, struct sn_err *e)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT,
				   .sin6_port = htons(DHCP6_CLIENT_PORT) };
	int rc, fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return sn_fail(e, SN_E_DHCP6_SOCKET, "%s: socket(AF_INET6): %s", ifname,
			       strerror(errno));
	/* Bound to the device before bind(): every NIC gets its own socket on
	 * port 546, and the kernel lets sockets on different devices share
	 * the port and delivers each NIC's replies to its own socket.
	 * SO_REUSEADDR also admits a second socket on the same device (a
	 * probe restarted before the old socket closed). SO_REUSEPORT is
	 * left off on purpose: it would spread unicast replies over every
	 * socket of a group. */
	rc = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
	if (rc < 0) {
		rc = sn_fail(e, SN_E_DHCP6_SOCKET, "%s: SO_BINDTODEVICE: %s", ifname,
			     strerror(errno));
		goto err_close;
	}
	if ((rc = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", e)) ||
	    (rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY", e)) ||
	    (rc = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF", e)) ||
	    (rc = set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1, "IPV6_MULTICAST_HOPS", e)))
		goto err_close;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = sn_fail(e, SN_E_DHCP6_SOCKET, "%s: bind [::]:%d: %s", ifname,
			     DHCP6_CLIENT_PORT, strerror(errno));
		goto err_close;
	}
	*fdp = fd;
	return SN_OK;

err_close:
	close(fd);
	return rc;
}

int dhcp6_socket_send(int fd, int ifindex, const uint8_t *buf, size_t len, struct sn_err *e)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6,
				   .sin6_port = htons(DHCP6_SERVER_PORT),
				   .sin6_scope_id = (uint32_t)ifindex };
	ssize_t n;

	/* All_DHCP_Relay_Agents_and_Servers, RFC 8415 §7.1. */
	inet_pton(AF_INET6, "ff02::1:2", &to.sin6_addr);
	n = sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to));
	if (n == (ssize_t)len)
		return SN_OK;
	if (n < 0 && (errno == EADDRNOTAVAIL || errno == ENETDOWN || errno == ENETUNREACH))
		return sn_fail(e, SN_E_DHCP6_NOT_READY, "sendto ff02::1:2%%%d: %s", ifindex,
			       strerror(errno));
	if (n < 0)
		return sn_fail(e, SN_E_DHCP6_SEND, "sendto ff02::1:2%%%d: %s", ifindex,
			       strerror(errno));
	return sn_fail(e, SN_E_DHCP6_SEND, "sendto ff02::1:2%%%d: %zd of %zu bytes", ifindex,
		       n, len);
}

int dhcp6_socket_recv(int fd, uint8_t *buf, size_t cap, size_t *len,
		      struct in6_addr *from, struct sn_err *e)
{
	struct sockaddr_in6 sa;
	socklen_t sl = sizeof(sa);
	char src[INET6_ADDRSTRLEN];
	ssize_t n;

	*len = 0;
	/* MSG_TRUNC: the real size, so a cut datagram is dropped, not parsed. */
	n = recvfrom(fd, buf, cap, MSG_TRUNC, (struct sockaddr *)&sa, &sl);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return SN_OK;
	if (n < 0)
		return sn_fail(e, SN_E_DHCP6_RECV, "recvfrom: %s", strerror(errno));
	if (!inet_ntop(AF_INET6, &sa.sin6_addr, src, sizeof(src)))
		snprintf(src, sizeof(src), "?");
	if ((size_t)n > cap)
		return sn_fail(e, SN_E_DHCP6_DATAGRAM, "%zd bytes from %s, buffer holds %zu", n,
			       src, cap);
	if (sa.sin6_family != AF_INET6 || ntohs(sa.sin6_port) != DHCP6_SERVER_PORT)
		return sn_fail(e, SN_E_DHCP6_DATAGRAM, "%zd bytes from [%s]:%u", n, src,
			       ntohs(sa.sin6_port));
	if (n == 0)
		return sn_fail(e, SN_E_DHCP6_DATAGRAM, "empty datagram from %s", src);
	*from = sa.sin6_addr;
	*len = (size_t)n;
	return SN_OK;
}
