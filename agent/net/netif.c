/* NIC listing from sysfs and interface configuration by ioctl. */
#include "net/netif.h"

#include "core/fdio.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARPHRD_ETHER_TYPE 1

/* ---- sysfs */

/* Copies src, cut to fit (sysfs names are short; this only guards). */
static void copy_cut(char *out, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(out, src, n);
	out[n] = '\0';
}

/* First line of <dir>/<name>/<attr>, without the newline. -1 if unreadable
 * (carrier and speed read as EINVAL while the link is down). */
static int read_attr(const char *dir, const char *name, const char *attr,
		     char *buf, size_t cap)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static long read_long(const char *dir, const char *name, const char *attr,
		      long fallback)
{
	char buf[32], *end;
	long v;

	if (read_attr(dir, name, attr, buf, sizeof(buf)) < 0)
		return fallback;
	errno = 0;
	v = strtol(buf, &end, 0);
	if (errno || end == buf)
		return fallback;
	return v;
}

/* Basename of the symlink <dir>/<name>/<link>, "" if none. */
static void link_base(const char *dir, const char *name, const char *link,
		      char *out, size_t cap)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *base;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s/%s", dir, name, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	copy_cut(out, cap, base ? base + 1 : target);
}

/* The PCI function behind the NIC: the device itself when it is on the PCI
 * bus; for virtio the virtio device's parent. USB and others: "". */
static void pci_slot(const char *dir, const char *name, char *out, size_t cap)
{
	char path[PATH_MAX], real[PATH_MAX], subsys[32];
	char *slash;

	out[0] = '\0';
	link_base(dir, name, "device/subsystem", subsys, sizeof(subsys));
	snprintf(path, sizeof(path), "%s/%s/device", dir, name);
	if (!realpath(path, real))
		return;
	if (strcmp(subsys, "virtio") == 0) {
		slash = strrchr(real, '/');
		if (!slash)
			return;
		*slash = '\0';
	} else if (strcmp(subsys, "pci") != 0) {
		return;
	}
	slash = strrchr(real, '/');
	copy_cut(out, cap, slash ? slash + 1 : real);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	int used = 0;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &used) != 6 || s[used] != '\0')
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int uevent_has(const char *dir, const char *name, const char *line)
{
	char path[PATH_MAX], *text;
	size_t n = strlen(line);
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s/uevent", dir, name);
	text = read_file(path, 4096, NULL);
	for (const char *p = text; p && *p && !found; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		found = strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0');
	free(text);
	return found;
}

static int is_candidate(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (name[0] == '.' || strcmp(name, "lo") == 0)
		return 0;
	if (read_long(dir, name, "type", -1) != ARPHRD_ETHER_TYPE)
		return 0;
	/* Wi-Fi says type 1 too, but cannot DHCP before it associates. */
	snprintf(path, sizeof(path), "%s/%s/wireless", dir, name);
	if (stat(path, &st) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/phy80211", dir, name);
	if (stat(path, &st) == 0)
		return 0;
	/* A bond or bridge master is no port of its own: a kernel with
	 * bonding built in makes an empty bond0 at boot, whose DHCP would
	 * only ever time out. The race runs on the ports. */
	snprintf(path, sizeof(path), "%s/%s/bonding", dir, name);
	if (stat(path, &st) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/bridge", dir, name);
	if (stat(path, &st) == 0)
		return 0;
	/* VLAN interfaces: the race makes its own (snboot.vlan) on top of
	 * the ports; listed, a retry would count them twice. */
	return !uevent_has(dir, name, "DEVTYPE=vlan");
}

static int read_nic(const char *dir, const char *name, struct nic *n)
{
	char mac[32];
	long speed;

	memset(n, 0, sizeof(*n));
	if (strlen(name) >= sizeof(n->name))
		return -1;
	copy_cut(n->name, sizeof(n->name), name);
	n->ifindex = (int)read_long(dir, name, "ifindex", -1);
	if (n->ifindex <= 0 || read_attr(dir, name, "address", mac, sizeof(mac)) < 0 ||
	    parse_mac(mac, n->mac) < 0)
		return -1;
	snprintf(n->mac_str, sizeof(n->mac_str), "%02x:%02x:%02x:%02x:%02x:%02x",
		 n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	link_base(dir, name, "device/driver", n->driver, sizeof(n->driver));
	pci_slot(dir, name, n->pci_slot, sizeof(n->pci_slot));
	n->carrier = netif_carrier(dir, name);
	speed = read_long(dir, name, "speed", -1);
	/* Drivers report -1 or (u32)-1 when they do not know. */
	n->speed_mbps = speed > 0 && speed < 10000000 ? (int)speed : -1;
	return 0;
}

/* Keeps out[] sorted by ifindex; when full, the highest ifindex goes. */
static int insert_sorted(struct nic *out, int count, int max, const struct nic *n)
{
	int i = count;

	if (count == max) {
		if (n->ifindex > out[max - 1].ifindex)
			return count;
		i = --count;
	}
	while (i > 0 && out[i - 1].ifindex > n->ifindex) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = *n;
	return count + 1;
}

int netif_list(const char *sysfs_net, struct nic *out, int max,
	       struct sn_err *e)
{
	struct dirent *d;
	struct nic n;
	int count = 0;
	DIR *dir;

	dir = opendir(sysfs_net);
	if (!dir)
		return -sn_fail(e, SN_E_NET_SYSFS, "%s: %s", sysfs_net, strerror(errno));
	while ((d = readdir(dir)) != NULL && max > 0) {
		if (!is_candidate(sysfs_net, d->d_name))
			continue;
		if (read_nic(sysfs_net, d->d_name, &n) < 0)
			continue;  /* vanished or unreadable: not usable anyway */
		count = insert_sorted(out, count, max, &n);
	}
	closedir(dir);
	return count;
}

int netif_carrier(const char *sysfs_net, const char *name)
{
	long v = read_long(sysfs_net, name, "carrier", -1);
	return v == 0 || v == 1 ? (int)v : -1;
}

/* ---- ioctl */

static int ifreq_for(struct ifreq *ifr, const char *name, struct sn_err *e)
{
	memset(ifr, 0, sizeof(*ifr));
	if (strlen(name) >= sizeof(ifr->ifr_name))
		return sn_fail(e, SN_E_NET_IFNAME, "\"%s\"", name);
	memcpy(ifr->ifr_name, name, strlen(name));
	return 0;
}

/* One ioctl on a throwaway AF_INET socket; code and context on failure. */
static int if_ioctl(unsigned long req, void *arg, int code, const char *what,
		    const char *name, struct sn_err *e)
{
	int fd, rc = 0, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sn_fail(e, SN_E_NET_SOCKET, "%s", strerror(errno));
	if (ioctl(fd, req, arg) < 0) {
		err = errno;
		rc = sn_fail(e, code, "%s: %s: %s", name, what, strerror(err));
	}
	close(fd);
	errno = err;  /* callers tell EEXIST apart */
	return rc;
}

int netif_set_up(const char *name, int up, struct sn_err *e)
{
	struct ifreq ifr;
	int rc;

	if ((rc = ifreq_for(&ifr, name, e)) ||
	    (rc = if_ioctl(SIOCGIFFLAGS, &ifr, SN_E_NET_LINK, "get flags", name, e)))
		return rc;
	if (!!(ifr.ifr_flags & IFF_UP) == !!up)
		return 0;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return if_ioctl(SIOCSIFFLAGS, &ifr, SN_E_NET_LINK, up ? "up" : "down",
			name, e);
}

static void set_sin(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
	memcpy(sa, &sin, sizeof(sin));
}

static int set_one(const char *name, unsigned long req, struct in_addr a,
		   const char *what, struct sn_err *e)
{
	struct ifreq ifr;
	int rc;

	if ((rc = ifreq_for(&ifr, name, e)))
		return rc;
	set_sin(&ifr.ifr_addr, a);
	return if_ioctl(req, &ifr, SN_E_NET_ADDR, what, name, e);
}

int netif_set_addr4(const char *name, struct in_addr addr, struct in_addr mask,
		    struct sn_err *e)
{
	struct in_addr bcast = { addr.s_addr | ~mask.s_addr };
	int rc;

	if ((rc = set_one(name, SIOCSIFADDR, addr, "set address", e)) ||
	    (rc = set_one(name, SIOCSIFNETMASK, mask, "set netmask", e)) ||
	    (rc = set_one(name, SIOCSIFBRDADDR, bcast, "set broadcast", e)))
		return rc;
	return 0;
}

/* Setting 0.0.0.0 deletes the interface's first address; repeat until
 * none is left (bounded, in case the kernel keeps answering). */
int netif_flush_addr4(const char *name, struct sn_err *e)
{
	struct in_addr none = { 0 };
	struct ifreq ifr;
	int rc;

	for (int i = 0; i < 64; i++) {
		if ((rc = ifreq_for(&ifr, name, e)))
			return rc;
		if (if_ioctl(SIOCGIFADDR, &ifr, SN_E_NET_ADDR, "get address", name, NULL))
			return 0;  /* EADDRNOTAVAIL: nothing left */
		if ((rc = set_one(name, SIOCSIFADDR, none, "remove address", e)))
			return rc;
	}
	return sn_fail(e, SN_E_NET_ADDR, "%s: addresses keep coming back", name);
}

static int add_route(const char *name, struct in_addr dst, struct in_addr mask,
		     struct in_addr gw, struct sn_err *e)
{
	char dev[IFNAMSIZ];
	struct rtentry rt;
	struct sn_err err;
	int rc;

	if (strlen(name) >= sizeof(dev))
		return sn_fail(e, SN_E_NET_IFNAME, "\"%s\"", name);
	snprintf(dev, sizeof(dev), "%s", name);
	memset(&rt, 0, sizeof(rt));
	set_sin(&rt.rt_dst, dst);
	set_sin(&rt.rt_genmask, mask);
	set_sin(&rt.rt_gateway, gw);
	rt.rt_flags = RTF_UP | (gw.s_addr ? RTF_GATEWAY : 0) |
		      (mask.s_addr == 0xffffffffu ? RTF_HOST : 0);
	rt.rt_dev = dev;
	sn_clear(&err);
	rc = if_ioctl(SIOCADDRT, &rt, SN_E_NET_ROUTE, "add route", name, &err);
	if (rc && errno == EEXIST)
		return 0;
	if (rc && e)
		*e = err;
	return rc;
}

int netif_add_default_route4(const char *name, struct in_addr gw,
			     struct in_addr addr, struct in_addr mask,
			     struct sn_err *e)
{
	struct in_addr any = { 0 }, host = { 0xffffffffu };
	int rc;

	if ((gw.s_addr & mask.s_addr) != (addr.s_addr & mask.s_addr) &&
	    (rc = add_route(name, gw, host, any, e)))
		return rc;
	return add_route(name, any, any, gw, e);
}

int netif_add_route4(const char *name, struct in_addr dst, unsigned plen,
		     struct in_addr gw, struct in_addr addr, struct in_addr mask,
		     struct sn_err *e)
{
	struct in_addr any = { 0 }, host = { 0xffffffffu }, m;
	int rc;

	m.s_addr = htonl(plen ? 0xffffffffu << (32 - (plen > 32 ? 32 : plen)) : 0);
	if (gw.s_addr &&
	    (gw.s_addr & mask.s_addr) != (addr.s_addr & mask.s_addr) &&
	    (rc = add_route(name, gw, host, any, e)))
		return rc;
	return add_route(name, dst, m, gw, e);
}

int netif_set_mtu(const char *name, unsigned mtu, struct sn_err *e)
{
	struct ifreq ifr;
	int rc;

	if ((rc = ifreq_for(&ifr, name, e)))
		return rc;
	ifr.ifr_mtu = (int)mtu;
	return if_ioctl(SIOCSIFMTU, &ifr, SN_E_NET_MTU, "set MTU", name, e);
}
