/* NIC listing over a fake sysfs tree: what is skipped, what is read, the
 * order; and the resolv.conf / hosts the winning lease writes. */
#include "fixtures.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/netif.h"
#include "net/resolv.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *rel)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static void link_to(const char *target, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void iface(const char *name, const char *type, const char *ifindex,
		  const char *mac)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "class/net/%s", name);
	dir(rel);
	snprintf(rel, sizeof(rel), "class/net/%s/type", name);
	put(rel, type);
	snprintf(rel, sizeof(rel), "class/net/%s/ifindex", name);
	put(rel, ifindex);
	snprintf(rel, sizeof(rel), "class/net/%s/address", name);
	put(rel, mac);
}

static int make_tree(void **state)
{
	snprintf(root, sizeof(root), "/tmp/snboot-netif-XXXXXX");
	assert_non_null(mkdtemp(root));
	/* A PCI NIC (e1000e) and a virtio one behind PCI 0000:00:04.0. */
	dir("devices/pci0000:00/0000:00:03.0");
	link_to("../../../bus/pci/drivers/e1000e", "devices/pci0000:00/0000:00:03.0/driver");
	link_to("../../../bus/pci", "devices/pci0000:00/0000:00:03.0/subsystem");
	dir("devices/pci0000:00/0000:00:04.0/virtio0");
	link_to("../../../../bus/virtio/drivers/virtio_net",
		"devices/pci0000:00/0000:00:04.0/virtio0/driver");
	link_to("../../../../bus/virtio", "devices/pci0000:00/0000:00:04.0/virtio0/subsystem");
	/* A USB NIC: driver yes, PCI slot no. */
	dir("devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0");
	link_to("../../../../../../bus/usb/drivers/r8152",
		"devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/driver");
	link_to("../../../../../../bus/usb", "devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/subsystem");

	iface("eth0", "1\n", "3\n", "00:1B:21:aa:bb:cc\n");
	put("class/net/eth0/carrier", "1\n");
	put("class/net/eth0/speed", "10000\n");
	link_to("../../../devices/pci0000:00/0000:00:03.0", "class/net/eth0/device");
	iface("ens4", "1\n", "2\n", "52:54:00:12:34:56\n");
	put("class/net/ens4/speed", "-1\n");  /* no carrier file: unknown */
	link_to("../../../devices/pci0000:00/0000:00:04.0/virtio0", "class/net/ens4/device");
	iface("usb0", "1\n", "7\n", "00:e0:4c:00:00:01\n");
	put("class/net/usb0/carrier", "0\n");
	put("class/net/usb0/speed", "4294967295\n");
	link_to("../../../devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0", "class/net/usb0/device");
	iface("veth0", "1\n", "5\n", "02:00:00:00:00:05\n");  /* virtual: no device */
	iface("lo", "772\n", "1\n", "00:00:00:00:00:00\n");
	iface("ib0", "32\n", "4\n", "80:00:00:00:00:00\n");
	iface("wlan0", "1\n", "6\n", "02:00:00:00:00:06\n");
	dir("class/net/wlan0/wireless");
	iface("bad0", "1\n", "8\n", "not a mac\n");
	/* Masters, not ports: the empty bond0 a kernel with bonding built in
	 * creates, and a bridge. */
	iface("bond0", "1\n", "9\n", "8a:1c:00:00:00:09\n");
	dir("class/net/bond0/bonding");
	put("class/net/bond0/bonding/slaves", "\n");
	iface("br0", "1\n", "10\n", "8a:1c:00:00:00:0a\n");
	dir("class/net/br0/bridge");
	/* A VLAN interface: the race makes its own. */
	iface("eth0.100", "1\n", "11\n", "00:1b:21:aa:bb:cc\n");
	put("class/net/eth0.100/uevent", "DEVTYPE=vlan\nINTERFACE=eth0.100\nIFINDEX=11\n");
	put("class/net/eth0/uevent", "INTERFACE=eth0\nIFINDEX=3\n");
	return 0;
}

static int remove_tree(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void lists_ethernet_nics(void **state)
{
	struct nic n[NIC_MAX];
	struct sn_err e;
	char net[128];
	int count;

	snprintf(net, sizeof(net), "%s/class/net", root);
	count = netif_list(net, n, NIC_MAX, &e);
	assert_int_equal(count, 4);
	/* By ifindex: ens4 (2), eth0 (3), veth0 (5), usb0 (7). */
	assert_string_equal(n[0].name, "ens4");
	assert_int_equal(n[0].ifindex, 2);
	assert_string_equal(n[0].mac_str, "52:54:00:12:34:56");
	assert_string_equal(n[0].driver, "virtio_net");
	assert_string_equal(n[0].pci_slot, "0000:00:04.0");
	assert_int_equal(n[0].carrier, -1);
	assert_int_equal(n[0].speed_mbps, -1);
	assert_string_equal(n[1].name, "eth0");
	assert_memory_equal(n[1].mac, "\x00\x1b\x21\xaa\xbb\xcc", 6);
	assert_string_equal(n[1].mac_str, "00:1b:21:aa:bb:cc");
	assert_string_equal(n[1].driver, "e1000e");
	assert_string_equal(n[1].pci_slot, "0000:00:03.0");
	assert_int_equal(n[1].carrier, 1);
	assert_int_equal(n[1].speed_mbps, 10000);
	assert_string_equal(n[2].name, "veth0");
	assert_string_equal(n[2].driver, "");
	assert_string_equal(n[2].pci_slot, "");
	assert_string_equal(n[3].name, "usb0");
	assert_string_equal(n[3].driver, "r8152");
	assert_string_equal(n[3].pci_slot, "");
	assert_int_equal(n[3].carrier, 0);
	assert_int_equal(n[3].speed_mbps, -1);
	for (int i = 0; i < count; i++)
		assert_int_equal(n[i].rank | n[i].excluded, 0);
	assert_int_equal(netif_carrier(net, "eth0"), 1);
	assert_int_equal(netif_carrier(net, "gone"), -1);
}

/* More NICs than room: the lowest ifindexes are kept. */
static void keeps_lowest_ifindex(void **state)
{
	struct nic n[2];
	struct sn_err e;
	char net[128];

	snprintf(net, sizeof(net), "%s/class/net", root);
	assert_int_equal(netif_list(net, n, 2, &e), 2);
	assert_string_equal(n[0].name, "ens4");
	assert_string_equal(n[1].name, "eth0");
	assert_int_equal(netif_list("/nonexistent/net", n, 2, &e), -SN_E_NET_SYSFS);
	assert_non_null(strstr(e.ctx, "/nonexistent/net"));
}

static void name_too_long(void **state)
{
	struct sn_err e;
	struct in_addr a = { 0 };

	assert_int_equal(netif_set_up("a-name-much-too-long-for-ifnamsiz", 1, &e), SN_E_NET_IFNAME);
	assert_int_equal(netif_set_addr4("a-name-much-too-long-for-ifnamsiz", a, a, &e), SN_E_NET_IFNAME);
	assert_int_equal(netif_set_mtu("a-name-much-too-long-for-ifnamsiz", 1500, &e), SN_E_NET_IFNAME);
}

/* ---- resolv.conf and hosts */

static struct lease sample(void)
{
	struct lease l;

	memset(&l, 0, sizeof(l));
	l.family = AF_INET;
	snprintf(l.ifname, sizeof(l.ifname), "eth0");
	inet_pton(AF_INET, "10.77.0.63", &l.addr4);
	for (int i = 0; i < 4; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.77.0.%d", i + 1);
		inet_pton(AF_INET, a, &l.dns4[i]);
	}
	l.n_dns4 = 4;
	snprintf(l.domain, sizeof(l.domain), "example.test lab.test");
	snprintf(l.hostname, sizeof(l.hostname), "node-01");
	return l;
}

static void resolv_contents(void **state)
{
	struct lease l = sample();
	char buf[1024];
	size_t n;

	resolv_format_conf(&l, buf, sizeof(buf));
	assert_string_equal(buf,
			    "# written by snboot from the DHCPv4 lease on eth0\n"
			    "search example.test lab.test\n"
			    "nameserver 10.77.0.1\nnameserver 10.77.0.2\nnameserver 10.77.0.3\n");
	resolv_format_hosts(&l, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1\tlocalhost\n::1\tlocalhost\n"
				 "10.77.0.63\tnode-01.example.test node-01\n");
	/* Names a resolver would misread stay out. */
	snprintf(l.domain, sizeof(l.domain), "evil.test\nnameserver 6.6.6.6");
	snprintf(l.hostname, sizeof(l.hostname), "a b");
	resolv_format_conf(&l, buf, sizeof(buf));
	assert_null(strstr(buf, "search"));
	assert_null(strstr(buf, "6.6.6.6"));
	resolv_format_hosts(&l, buf, sizeof(buf));
	assert_string_equal(buf, "127.0.0.1\tlocalhost\n::1\tlocalhost\n");
	/* v6 lease: its DNS, its address. */
	l = sample();
	l.family = AF_INET6;
	l.n_dns4 = 0;
	inet_pton(AF_INET6, "fd00::63", &l.addr6);
	inet_pton(AF_INET6, "fd00::1", &l.dns6[0]);
	l.n_dns6 = 1;
	l.domain[0] = '\0';
	resolv_format_conf(&l, buf, sizeof(buf));
	assert_string_equal(buf, "# written by snboot from the DHCPv6 lease on eth0\nnameserver fd00::1\n");
	resolv_format_hosts(&l, buf, sizeof(buf));
	assert_non_null(strstr(buf, "fd00::63\tnode-01\n"));
	/* A small buffer cuts at a line. */
	l = sample();
	n = resolv_format_conf(&l, buf, 60);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "# written by snboot from the DHCPv4 lease on eth0\n");
}

static void resolv_files(void **state)
{
	struct lease l = sample();
	struct sn_err e;
	char path[256], buf[512];
	FILE *f;
	size_t n;

	assert_int_equal(resolv_write(root, &l, &e), 0);
	snprintf(path, sizeof(path), "%s/resolv.conf", root);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "nameserver 10.77.0.3\n"));
	snprintf(path, sizeof(path), "%s/hosts", root);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(resolv_write("/nonexistent/etc", &l, &e), SN_E_NET_RESOLV);
	assert_non_null(strstr(e.ctx, "/nonexistent/etc/.resolv.conf.snboot"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lists_ethernet_nics),
		cmocka_unit_test(keeps_lowest_ifindex),
		cmocka_unit_test(name_too_long),
		cmocka_unit_test(resolv_contents),
		cmocka_unit_test(resolv_files),
	};
	return cmocka_run_group_tests(tests, make_tree, remove_tree);
}
