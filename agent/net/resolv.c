/* resolv.conf and hosts from a lease. */
#include "net/resolv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* musl and glibc read at most 3 nameserver lines (MAXNS). */
#define RESOLV_MAXNS 3

/* Host and domain names: letters, digits, '-', '.', '_'; for the search
 * list also spaces between names. Anything else stays out of the files. */
static int is_name(const char *s, int allow_space)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
		      *s == '_' || (allow_space && *s == ' ')))
			return 0;
	return 1;
}

/* Appends one line if it fits whole. */
static void add_line(char *buf, size_t cap, size_t *at, const char *line)
{
	size_t n = strlen(line);

	if (*at + n + 1 > cap)
		return;
	memcpy(buf + *at, line, n + 1);
	*at += n;
}

size_t resolv_format_conf(const struct lease *l, char *buf, size_t cap)
{
	char line[256], addr[INET6_ADDRSTRLEN];
	size_t at = 0;
	int ns = 0;

	if (!cap)
		return 0;
	buf[0] = '\0';
	snprintf(line, sizeof(line), "# written by snboot from the %s lease on %s\n",
		 l->family == AF_INET6 ? "DHCPv6" : "DHCPv4", l->ifname);
	add_line(buf, cap, &at, line);
	if (is_name(l->domain, 1)) {
		snprintf(line, sizeof(line), "search %s\n", l->domain);
		add_line(buf, cap, &at, line);
	}
	for (int i = 0; i < l->n_dns4 && i < LEASE_MAX_DNS && ns < RESOLV_MAXNS; i++, ns++) {
		inet_ntop(AF_INET, &l->dns4[i], addr, sizeof(addr));
		snprintf(line, sizeof(line), "nameserver %s\n", addr);
		add_line(buf, cap, &at, line);
	}
	for (int i = 0; i < l->n_dns6 && i < LEASE_MAX_DNS && ns < RESOLV_MAXNS; i++, ns++) {
		inet_ntop(AF_INET6, &l->dns6[i], addr, sizeof(addr));
		snprintf(line, sizeof(line), "nameserver %s\n", addr);
		add_line(buf, cap, &at, line);
	}
	return at;
}

size_t resolv_format_hosts(const struct lease *l, char *buf, size_t cap)
{
	char line[320], addr[INET6_ADDRSTRLEN], domain[sizeof(l->domain)];
	size_t at = 0;

	if (!cap)
		return 0;
	buf[0] = '\0';
	add_line(buf, cap, &at, "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	if (!is_name(l->hostname, 0))
		return at;
	if (l->family == AF_INET6)
		inet_ntop(AF_INET6, &l->addr6, addr, sizeof(addr));
	else
		inet_ntop(AF_INET, &l->addr4, addr, sizeof(addr));
	/* The first name of the search list makes the FQDN. */
	snprintf(domain, sizeof(domain), "%s", l->domain);
	domain[strcspn(domain, " ")] = '\0';
	if (is_name(domain, 0) && !strchr(l->hostname, '.'))
		snprintf(line, sizeof(line), "%s\t%s.%s %s\n", addr, l->hostname,
			 domain, l->hostname);
	else
		snprintf(line, sizeof(line), "%s\t%s\n", addr, l->hostname);
	add_line(buf, cap, &at, line);
	return at;
}

/* dir/name.tmp, then rename: a reader never sees half a file. */
static int write_file(const char *dir, const char *name, const char *data,
		      size_t len, struct sn_err *e)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.snboot", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return sn_fail(e, SN_E_NET_RESOLV, "%s: %s", tmp, strerror(errno));
	n = write(fd, data, len);
	if (n != (ssize_t)len || close(fd) < 0) {
		int err = n < 0 ? errno : EIO;
		unlink(tmp);
		return sn_fail(e, SN_E_NET_RESOLV, "%s: %s", tmp, strerror(err));
	}
	if (rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		return sn_fail(e, SN_E_NET_RESOLV, "%s: %s", path, strerror(err));
	}
	return 0;
}

int resolv_write(const char *etc_dir, const struct lease *l, struct sn_err *e)
{
	char buf[1024];
	size_t n;
	int rc;

	n = resolv_format_conf(l, buf, sizeof(buf));
	if ((rc = write_file(etc_dir, "resolv.conf", buf, n, e)))
		return rc;
	n = resolv_format_hosts(l, buf, sizeof(buf));
	return write_file(etc_dir, "hosts", buf, n, e);
}
