"""Issue 10 scenarios: the network as datacenters wire it. Real dnsmasq in a
network namespace, the VM's NIC k on tap k (tests/harness.py NicLab):

- the boot URL only from a ProxyDHCP dnsmasq (`dhcp-range=...,proxy`) while
  another dnsmasq on the same segment gives the address; and the same with
  the ProxyDHCP server starting only after the address is bound; and a
  ProxyDHCP server that gives the boot file only on port 4011 (PXE boot
  server discovery), as dnsmasq, WDS and FOG do for UEFI clients;
- the backend reachable only through an option-121 route (option 3 names
  a router that does not exist);
- no DHCP server at all: address and URL from SMBIOS type 11 OEM strings;
- a port that forwards nothing for 30 s after link-up (STP), then boots;
- the provisioning network only on VLAN 100 of the port (snboot.vlan=100;
  the host side tags in user space, tests/vlanswitch.py), and named by an
  LLDP frame instead of a parameter;
- two NICs in an 802.3ad bond (snboot.bond) against an LACP partner in
  user space (tests/lacppartner.py): the bond wins and is taken down
  before kexec; and against a host
  that does not speak LACP: the agent falls back to the ports and boots;
- the bond named by the switch instead: LLDP frames on both ports give one
  chassis and one aggregated port ID, the agent bonds the ports (and not
  with snboot.lldp=0); without an LACP answer it falls back to the ports;
- the backend's script makes the VLAN itself (`vcreate --tag 100 net0`,
  `dhcp net0-100`, as iPXE scripts do) on a port that carries the untagged
  network and VLAN 100, and boots from a server reachable only there.
"""
import os
import re
import subprocess
import sys
import time

import pytest

import harness as h

SERIAL = "DC-0001"


def booted(vm, timeout=h.BOOT_TIMEOUT):
    cmdline = vm.wait_marker(timeout)
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    return cmdline


def address_only(lab, k=1, extra=()):
    """dnsmasq giving addresses on tap k and no boot URL."""
    d = lab.stack.dnsmasq(lab.ns, "tap%d" % k, [
        "--no-ping", "--dhcp-range=10.77.%d.100,10.77.%d.199,255.255.255.0,1h" % (k, k),
        "--dhcp-option=3,10.77.%d.1" % k] + list(extra))
    lab.dnsmasqs[k] = d
    return d


def proxy_dhcp(lab, k=1):
    """A second dnsmasq on the same tap in ProxyDHCP mode: answers HTTP
    boot clients' DISCOVERs with the boot URL and no address. dnsmasq needs
    a pxe-service to turn PXE on; one for BIOS PXE (x86PC) leaves the HTTP
    client's arch (16) to dhcp-boot. Its own workdir: pid and lease files
    must not clash with the address server's."""
    workdir = os.path.join(lab.stack.workdir, "proxy")
    os.makedirs(workdir, exist_ok=True)
    d = h.Dnsmasq(lab.ns, "tap%d" % k, [
        "--dhcp-range=10.77.%d.0,proxy" % k,
        "--dhcp-boot=%s" % lab.url4(k),
        "--dhcp-pxe-vendor=HTTPClient",
        "--pxe-service=x86PC,Boot,pxelinux",
    ], workdir, lab.stack.name + ".proxy")
    return lab.stack.add(d).start()


def test_proxydhcp_gives_the_url(stack, netns_ok):
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    addr = address_only(lab)
    proxy = proxy_dhcp(lab)
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0").start()
    booted(vm)
    vm.wait_for(r"snboot dhcp4: \S+: boot URL https://10\.77\.1\.1:\d+/api/v1/boot "
                r"from ProxyDHCP 10\.77\.1\.1 \(no address\)", timeout=1)
    vm.wait_for(r"snboot net: \S+: won: dhcp4 10\.77\.1\.1\d\d rank \d+, boot URL https://"
                r".* from ProxyDHCP 10\.77\.1\.1", timeout=1)
    assert addr.log.search(r"DHCPACK\(tap1\) 10\.77\.1\.1\d\d")[1], addr.log.tail(20)
    assert proxy.log.search(r"PXE\(tap1\) 52:54:00:00:00:01 proxy")[1], proxy.log.tail(20)
    # The address server never sent a boot file; the proxy never an address.
    assert not addr.log.search(r"bootfile name")[1]
    assert not proxy.log.search(r"DHCPACK")[1]


def proxy_dhcp_4011(lab, k=1):
    """ProxyDHCP as set up for UEFI clients: one pxe-service for the
    client's arch (16, x86-64 HTTP boot) whose "basename" is the boot URL.
    dnsmasq then answers the DISCOVER on port 67 with option 60 and no boot
    file, and names the file only in its ACK to the REQUEST on port 4011
    (rfc2131.c: pxe_uefi_workaround, redirect4011)."""
    workdir = os.path.join(lab.stack.workdir, "proxy")
    os.makedirs(workdir, exist_ok=True)
    d = h.Dnsmasq(lab.ns, "tap%d" % k, [
        "--dhcp-range=10.77.%d.0,proxy" % k,
        "--dhcp-pxe-vendor=HTTPClient",
        "--pxe-service=16,snboot,%s" % lab.url4(k),
    ], workdir, lab.stack.name + ".proxy")
    return lab.stack.add(d).start()


def udp_counter(ns, chain, port_flag, port):
    """Packets counted by an iptables rule that matches UDP port (added
    by count_udp)."""
    out = ns.exec("iptables", "-L", chain, "-v", "-n", "-x").stdout
    for line in out.splitlines():
        if "udp %s:%d" % (port_flag, port) in line:
            return int(line.split()[0])
    raise AssertionError("no counter for udp %s:%d in %s:\n%s" % (port_flag, port, chain, out))


def test_proxydhcp_port_4011(stack, netns_ok):
    """The address from one dnsmasq, the boot URL only from a ProxyDHCP
    dnsmasq's port 4011: its port-67 OFFER has no boot file, the agent
    sends the REQUEST from its leased address to 4011 and boots with the
    file of the ACK. iptables counters show the REQUEST in and the ACK
    out on 4011; dnsmasq's log shows the file only in that ACK."""
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    for chain, flag in (("INPUT", "--dport"), ("OUTPUT", "--sport")):
        lab.ns.exec("iptables", "-A", chain, "-p", "udp", flag, "4011", "-j", "ACCEPT")
    addr = address_only(lab)
    proxy = proxy_dhcp_4011(lab)
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0").start()
    booted(vm)
    vm.wait_for(r"snboot dhcp4: \S+: ProxyDHCP 10\.77\.1\.1 \(HTTPClient\) gives no boot "
                r"file here: it is asked on port 4011", timeout=1)
    vm.wait_for(r"snboot dhcp4: \S+: boot URL https://10\.77\.1\.1:\d+/api/v1/boot "
                r"from ProxyDHCP 10\.77\.1\.1:4011", timeout=1)
    vm.wait_for(r"snboot net: \S+: won: dhcp4 10\.77\.1\.1\d\d rank \d+, boot URL https://"
                r".* from ProxyDHCP 10\.77\.1\.1:4011", timeout=1)
    assert udp_counter(lab.ns, "INPUT", "dpt", 4011) >= 1
    assert udp_counter(lab.ns, "OUTPUT", "spt", 4011) >= 1
    assert addr.log.search(r"DHCPACK\(tap1\) 10\.77\.1\.1\d\d")[1], addr.log.tail(20)
    assert not addr.log.search(r"bootfile name")[1]
    # The proxy's OFFER (message-type 2) carries no file; its port-4011
    # ACK (message-type 5, the proxy never ACKs on 67) does: dnsmasq logs
    # a reply's file before its options.
    offer = proxy.log.search(r"sent size:\s+1 option: 53 message-type\s+2")[0]
    ack = proxy.log.search(r"sent size:\s+1 option: 53 message-type\s+5")[0]
    first_file = proxy.log.search(r"bootfile name: https://10\.77\.1\.1:\d+/api/v1/boot")[0]
    assert None not in (offer, ack, first_file) and offer < first_file < ack, \
        proxy.log.tail(40)
    assert lab.backend.log.search(r"10\.77\.1\.1\d\d POST /api/v1/boot 200")[1]


def test_url_comes_after_the_address(stack, netns_ok):
    """The lease is bound without a URL; the NIC stays in the race, keeps
    its address and keeps asking; a ProxyDHCP server started later gives
    the URL."""
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    address_only(lab)
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0").start()
    vm.wait_for(r"snboot dhcp4: \S+: address kept; no boot URL yet, still asking")
    kept = vm.last_index
    vm.wait_for(r"bound-no-url -> bound-no-url .* DISCOVER again", start=kept)
    proxy = proxy_dhcp(lab)
    booted(vm)
    vm.wait_for(r"snboot dhcp4: \S+: boot URL https://\S+ from ProxyDHCP 10\.77\.1\.1",
                timeout=1, start=kept)
    vm.wait_for(r"snboot net: \S+: won: dhcp4 10\.77\.1\.1\d\d .* from ProxyDHCP",
                timeout=1, start=kept)
    assert proxy.log.search(r"PXE\(tap1\) 52:54:00:00:00:01 proxy")[1]


def test_option121_route_to_the_backend(stack, netns_ok):
    """The backend is 10.77.2.1, not on the VM's link: only the option-121
    route via 10.77.1.1 reaches it. Option 3 names 10.77.1.9, where nothing
    answers: a client that used option 3 could not connect (RFC 3442: with
    option 121 the router option is ignored)."""
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    lab.ns.ip("addr", "add", "10.77.2.1/32", "dev", "lo")
    url = lab.backend.url("10.77.2.1")
    dns = lab.stack.dnsmasq(lab.ns, "tap1", [
        "--no-ping", "--dhcp-range=10.77.1.100,10.77.1.199,255.255.255.0,1h",
        "--dhcp-option=3,10.77.1.9",
        "--dhcp-option=121,10.77.2.0/24,10.77.1.1",
        "--dhcp-option=option:bootfile-name,%s" % url])
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0").start()
    booted(vm)
    vm.wait_for(r"snboot dhcp4: \S+: option 3 ignored: option 121 gives the routes", timeout=1)
    vm.wait_for(r"snboot dhcp4: \S+: route 10\.77\.2\.0/24 via 10\.77\.1\.1 \(option 121\)",
                timeout=1)
    assert dns.log.search(r"option:121")[1], dns.log.tail(30)
    assert lab.backend.log.search(r"10\.77\.1\.1\d\d POST /api/v1/boot 200")[1], \
        lab.backend.log.tail(20)


def test_no_dhcp_address_and_url_from_smbios(stack, netns_ok):
    """No DHCP server on the segment: the BMC/hypervisor hands address and
    URL as SMBIOS type 11 strings (QEMU -smbios type=11)."""
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    url = lab.url4(1)
    extra = ["-smbios", "type=11,value=snboot.url=%s" % url,
             "-smbios", "type=11,value=snboot.ip=10.77.1.50::10.77.1.1:255.255.255.0:dc1::none:10.77.1.1"]
    args = h.qemu_nic_args(1, mac=h.nic_mac(1))
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=args,
                    extra=extra)
    vm.start()
    booted(vm)
    vm.wait_for(r"snboot config: snboot\.ip from SMBIOS type 11 string \d", timeout=1)
    vm.wait_for(r"snboot config: snboot\.url from SMBIOS type 11 string \d", timeout=1)
    vm.wait_for(r"snboot net: \S+: won: static 10\.77\.1\.50/255\.255\.255\.0 gateway "
                r"10\.77\.1\.1 \(snboot\.ip, no DHCP\)", timeout=1)
    assert not vm.console.search(r"snboot dhcp[46]: ")[1], "a DHCP client ran"
    assert lab.backend.log.search(r"10\.77\.1\.50 POST /api/v1/boot 200")[1], \
        lab.backend.log.tail(20)


def kernel_has(option):
    """option=y in the image's kernel config (build/kernel/.config)."""
    try:
        with open(os.path.join(h.BUILD, "kernel", ".config")) as f:
            return any(line.strip() == option + "=y" for line in f)
    except OSError:
        return False


@pytest.mark.skipif(not kernel_has("CONFIG_FW_CFG_SYSFS"),
                    reason="the image's kernel lacks CONFIG_FW_CFG_SYSFS "
                           "(requested in /work/notes/kconfig-requests.md)")
def test_no_dhcp_settings_from_fw_cfg(stack, netns_ok):
    """The same without DHCP, the settings from QEMU's fw_cfg file
    opt/org.snboot/config (command line syntax); they win over SMBIOS."""
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    settings = "snboot.url=%s snboot.ip=10.77.1.51::10.77.1.1:255.255.255.0::::" % lab.url4(1)
    extra = ["-fw_cfg", "name=opt/org.snboot/config,string=%s" % settings,
             "-smbios", "type=11,value=snboot.ip=10.77.1.50::10.77.1.1:255.255.255.0::::"]
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns,
                    nic_args=h.qemu_nic_args(1, mac=h.nic_mac(1)), extra=extra)
    vm.start()
    booted(vm)
    vm.wait_for(r"snboot config: settings from fw_cfg opt/org\.snboot/config", timeout=1)
    vm.wait_for(r"snboot net: \S+: won: static 10\.77\.1\.51/", timeout=1)
    assert lab.backend.log.search(r"10\.77\.1\.51 POST /api/v1/boot 200")[1]


def block(ns, tap, on):
    """All IPv4 and IPv6 traffic through tap dropped (on) or let through:
    a switch port in STP listening/learning forwards nothing."""
    for tool in ("iptables", "ip6tables"):
        for chain, way in (("INPUT", "-i"), ("OUTPUT", "-o")):
            ns.exec(tool, "-A" if on else "-D", chain, way, tap, "-j", "DROP")


def test_port_silent_for_30s_after_link_up(stack, netns_ok):
    """The port forwards nothing for 30 s after the agent brings the link
    up (802.1D: 15 s listening + 15 s learning); with the default
    snboot.net_timeout (60 s) the machine still boots, and the agent names
    the port as up but silent meanwhile."""
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    block(lab.ns, "tap1", True)
    dns = lab.serve_v4(1)
    vm = lab.qemu(SERIAL).start()
    m = vm.wait_for(r"snboot dhcp4: \S+: init -> selecting")
    link_up = vm.seconds_to(vm.last_index) + vm.started
    vm.wait_for(r"snboot net: up but silent for 10 s \(link up, nothing received\): \S+",
                timeout=40)
    h.wait_until_elapsed(link_up, 30)
    assert not dns.log.search(r"DHCPDISCOVER")[1], "traffic passed the blocked port"
    block(lab.ns, "tap1", False)
    opened = time.monotonic()
    booted(vm)
    won = vm.console.search(h.WON)[0]
    assert won is not None
    # The lease came after the port opened and inside the 60 s deadline.
    assert vm.seconds_to(won) + vm.started - opened < 15, \
        "lease %.1f s after the port opened" % (vm.seconds_to(won) + vm.started - opened)
    assert vm.seconds_to(won) + vm.started - link_up < 60
    assert vm.console.search(r"up but silent for 20 s")[1]
    assert not vm.console.search(r"no lease with a boot URL")[1]
    assert m is not None


class VlanSwitch:
    """tests/vlanswitch.py in the namespace: tap `trunk` (the VM's port)
    carries VLAN vid tagged; the tap `access` it creates is the untagged
    provisioning network (10.77.1.1/24 here, dnsmasq and the backend)."""

    def __init__(self, ns, trunk, access, vid, name, lldp=False, native=None):
        self.ns = ns
        cmd = h.netns_prefix(ns) + [sys.executable, "-u", os.path.join(h.ROOT, "tests", "vlanswitch.py"),
                                    trunk, access, str(vid)] + (["lldp"] if lldp else []) + \
            (["native=" + native] if native else [])
        self.proc = h.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
        self.log = h.LineStream(self.proc.stdout, h.log_path(name + ".vlanswitch.log"))
        if self.log.wait(r"^ready ", 10)[1] is None:
            self.close()
            raise h.HarnessError("vlanswitch did not start: " + self.log.tail(10))

    def close(self):
        h.stop_process(self.proc)
        self.log.join()


def vlan_lab(stack, lldp=False):
    """Tap 1 is a trunk port carrying VLAN 100 only; the untagged side of
    the user-space switch (tap vdh) is 10.77.1.1/24 with dnsmasq."""
    lab = h.NicLab(stack, 0, serials=[SERIAL], v6=False)
    lab.ns.ip("tuntap", "add", "tap1", "mode", "tap")
    lab.ns.ip("link", "set", "tap1", "mtu", "1504", "up")
    sw = stack.add(VlanSwitch(lab.ns, "tap1", "vdh", 100, stack.name, lldp=lldp))
    lab.ns.ip("addr", "add", "10.77.1.1/24", "dev", "vdh")
    lab.ns.ip("link", "set", "vdh", "up")
    dns = lab.stack.dnsmasq(lab.ns, "vdh", h.dnsmasq_v4_args(1, lab.url4(1)))
    return lab, sw, dns


# vnet_hdr=off: the guest then checksums and segments itself, so the
# frames the switch copies are whole.
VLAN_NIC = ["-netdev", "tap,id=n1,ifname=tap1,script=no,downscript=no,vnet_hdr=off",
            "-device", "virtio-net-pci,netdev=n1,mac=%s" % h.nic_mac(1)]


def test_vlan_named_by_lldp(stack, netns_ok):
    """No parameter: the switch's LLDP frame names PVID 100 for the port;
    the agent adds eth0.100 to the race, saying so, and it wins."""
    lab, sw, dns = vlan_lab(stack, lldp=True)
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=VLAN_NIC,
                    append="snboot.ipv6=0")
    vm.start()
    booted(vm)
    vm.wait_for(r"snboot lldp: eth0: LLDP from snboot-test-switch \(mac 02:00:5e:00:01:07, "
                r"port subtype 5 Ethernet1/7\): PVID 100", timeout=1)
    vm.wait_for(r"snboot net: eth0\.100: VLAN 100 on eth0 \(LLDP: the switch names it\)",
                timeout=1)
    vm.wait_for(r"snboot net: eth0\.100: won: dhcp4 10\.77\.1\.1\d\d", timeout=1)
    assert dns.log.search(r"DHCPACK\(vdh\) 10\.77\.1\.1\d\d 52:54:00:00:00:01")[1]
    assert sw.log.search(r"^lldp pvid 100 to tap1")[1]


def test_provisioning_only_on_vlan_100(stack, netns_ok):
    """The switch port carries the provisioning network only tagged, VLAN
    100 (untagged frames go nowhere). snboot.vlan=100 makes eth0.100 and
    races it beside eth0; the VLAN wins. The host kernel has no 802.1Q, so
    the tagging is tests/vlanswitch.py's."""
    lab, sw, dns = vlan_lab(stack)
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=VLAN_NIC,
                    append="snboot.vlan=100 snboot.ipv6=0 snboot.lldp=0")
    vm.start()
    booted(vm)
    vm.wait_for(r"snboot net: eth0\.100: VLAN 100 on eth0 \(snboot\.vlan\)", timeout=1)
    vm.wait_for(r"snboot net: eth0\.100: won: dhcp4 10\.77\.1\.1\d\d", timeout=1)
    assert dns.log.search(r"DHCPACK\(vdh\) 10\.77\.1\.1\d\d 52:54:00:00:00:01")[1]
    assert sw.log.search(r"^tagged 100 from tap1")[1], sw.log.tail(10)
    assert sw.log.search(r"^untagged from tap1 dropped")[1], \
        "eth0 (untagged) never sent anything: " + sw.log.tail(10)


def test_bond_without_lacp_partner_falls_back(stack, netns_ok):
    """snboot.bond joins both NICs into an 802.3ad bond; the host side is
    two plain taps that never answer LACP (the host kernel has no bonding),
    dnsmasq only on tap 2. The agent finds no partner, says so, undoes the
    bond and boots on the port that is served."""
    lab = h.NicLab(stack, 2, serials=[SERIAL], v6=False, models=("e1000", "e1000"))
    dns = lab.serve_v4(2)
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0 snboot.bond=driver:e1000").start()
    booted(vm)
    vm.wait_for(r"snboot net: snbond0: 802\.3ad bond of eth0, eth1 \(snboot\.bond\)", timeout=1)
    # Without a partner the 802.3ad bond has no active port ("running
    # without any active interface"), so nothing passes before the check.
    vm.wait_for(r"snboot net: snbond0: no LACP partner in 8 s \(none\): its ports race on "
                r"their own", timeout=1)
    assert h.winner_nic(vm)[1] == h.nic_mac(2), h.winner_nic(vm)
    assert dns.log.search(r"DHCPACK\(tap2\)")[1]


class LacpPartner(VlanSwitch):
    """tests/lacppartner.py in the namespace: the VM's taps as one LACP
    aggregation, the tap `access` it creates as the untagged network."""

    def __init__(self, ns, access, ports, name, options=()):
        self.ns = ns
        cmd = h.netns_prefix(ns) + [sys.executable, "-u", os.path.join(h.ROOT, "tests", "lacppartner.py")] + \
            list(options) + [access] + list(ports)
        self.proc = h.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
        self.log = h.LineStream(self.proc.stdout, h.log_path(name + ".lacp.log"))
        if self.log.wait(r"^ready ", 10)[1] is None:
            self.close()
            raise h.HarnessError("lacppartner did not start: " + self.log.tail(10))


def lacp_lab(stack, options=(), serve=True):
    """Taps 1 and 2 are the two member ports of one port-channel of
    tests/lacppartner.py; its untagged side (tap vdh) is 10.77.1.1/24 with
    dnsmasq (unless serve is false: then the caller starts it with
    serve_vdh). Returns lab, partner, dnsmasq and the VM's NIC arguments."""
    lab = h.NicLab(stack, 0, serials=[SERIAL], v6=False)
    for tap in ("tap1", "tap2"):
        lab.ns.ip("tuntap", "add", tap, "mode", "tap")
        lab.ns.ip("link", "set", tap, "up")
    sw = stack.add(LacpPartner(lab.ns, "vdh", ["tap1", "tap2"], stack.name, options))
    lab.ns.ip("addr", "add", "10.77.1.1/24", "dev", "vdh")
    lab.ns.ip("link", "set", "vdh", "up")
    dns = serve_vdh(lab) if serve else None
    nics = []
    for k in (1, 2):
        nics += ["-netdev", "tap,id=n%d,ifname=tap%d,script=no,downscript=no,vnet_hdr=off" % (k, k),
                 "-device", "e1000,netdev=n%d,mac=%s" % (k, h.nic_mac(k))]
    return lab, sw, dns, nics


def serve_vdh(lab):
    return lab.stack.dnsmasq(lab.ns, "vdh", h.dnsmasq_v4_args(1, lab.url4(1)))


def test_bond_with_lacp_partner(stack, netns_ok):
    """Both NICs in snboot.bond against a partner that speaks LACP (user
    space, the host kernel has no bonding): the bond stays and wins."""
    lab, sw, dns, nics = lacp_lab(stack)
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=nics,
                    append="snboot.ipv6=0 snboot.lldp=0 snboot.bond=driver:e1000")
    vm.start()
    booted(vm)
    vm.wait_for(r"snboot net: snbond0: won: dhcp4 10\.77\.1\.1\d\d", timeout=1)
    assert not vm.console.search(r"no LACP partner")[1]
    # Right before kexec the bond goes again (snboot.keep_net is 0).
    vm.wait_for(r"snboot net: snbond0: taken down before kexec \(snboot\.keep_net=1 keeps it\)",
                timeout=1)
    assert vm.console.search(r"snboot net: snbond0: taken down")[0] < \
        vm.console.search(r"snboot kexec: rebooting into")[0]
    assert sw.log.search(r"^lacpdu from tap1")[1] and sw.log.search(r"^lacpdu from tap2")[1], \
        sw.log.tail(10)
    assert dns.log.search(r"DHCPACK\(vdh\)")[1]


def test_bond_named_by_lldp(stack, netns_ok):
    """No snboot.bond: the switch's LLDP frames on both ports name one
    chassis and one aggregated port ID (port-channel 1000100), capable and
    enabled; the switch forwards nothing on a port until LACP runs on it
    (suspend-individual), so the ports alone get no lease. The agent takes
    them out of the race, bonds them, the partner answers LACP and the
    bond's lease boots."""
    lab, sw, dns, nics = lacp_lab(stack, ["--lldp", "1000100", "--suspend-individual"])
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=nics,
                    append="snboot.ipv6=0")
    vm.start()
    booted(vm)
    vm.wait_for(r"snboot lldp: eth[01]: the switch aggregates this port: aggregated port ID "
                r"1000100", timeout=1)
    vm.wait_for(r"snboot net: LLDP: eth0 eth1 are one aggregate \(chassis mac "
                r"02:00:5e:00:01:99, port-channel 1000100\): bonding", timeout=1)
    vm.wait_for(r"snboot net: snbond0: 802\.3ad bond of eth0, eth1 \(LLDP\)", timeout=1)
    vm.wait_for(r"snboot net: snbond0: won: dhcp4 10\.77\.1\.1\d\d", timeout=1)
    assert not vm.console.search(r"no LACP partner")[1]
    assert sw.log.search(r"^lldp aggregate 1000100 to tap1")[1], sw.log.tail(10)
    assert sw.log.search(r"^suspended: frame from tap\d dropped")[1], \
        "the ports never tried alone: " + sw.log.tail(10)
    assert sw.log.search(r"^lacpdu from tap1")[1] and sw.log.search(r"^lacpdu from tap2")[1], \
        sw.log.tail(10)
    assert dns.log.search(r"DHCPACK\(vdh\)")[1]


def test_bond_named_by_lldp_without_partner_falls_back(stack, netns_ok):
    """LLDP names the aggregate, but the switch answers no LACP: the bond
    the agent made finds no partner in 8 s, is undone, and the ports race
    on their own. DHCP is served only once the agent says it falls back (a
    Linux 802.3ad bond without partner still passes frames on one port,
    so a bond that got a lease meanwhile would rightly be kept)."""
    lab, sw, _, nics = lacp_lab(stack, ["--lldp", "1000100", "--no-lacp"], serve=False)
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=nics,
                    append="snboot.ipv6=0")
    vm.start()
    vm.wait_for(r"snboot net: LLDP: eth0 eth1 are one aggregate \(chassis mac "
                r"02:00:5e:00:01:99, port-channel 1000100\): bonding")
    bonded = vm.last_index
    vm.wait_for(r"snboot net: snbond0: no LACP partner in 8 s \(none\): its ports race on "
                r"their own", timeout=20, start=bonded)
    dns = serve_vdh(lab)
    booted(vm)
    assert h.winner_nic(vm)[0] in ("eth0", "eth1"), h.winner_nic(vm)
    assert sw.log.search(r"^lacpdu from tap1")[1], sw.log.tail(10)
    assert not sw.log.search(r"^lacpdu to")[1]
    assert dns.log.search(r"DHCPACK\(vdh\)")[1]


def test_lldp_aggregate_ignored_with_lldp_0(stack, netns_ok):
    """The same switch with snboot.lldp=0: nothing listens to LLDP, so no
    bond is made, and the suspended ports alone get no lease."""
    lab, sw, dns, nics = lacp_lab(stack, ["--lldp", "1000100", "--suspend-individual"])
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=nics,
                    append="snboot.ipv6=0 snboot.lldp=0 snboot.net_timeout=12")
    vm.start()
    vm.wait_for(r"snboot net: .*no lease with a boot URL in 12 s", timeout=h.BOOT_TIMEOUT)
    assert not vm.console.search(r"snbond0|one aggregate|snboot lldp:")[1]
    assert sw.log.search(r"^suspended: frame from tap\d dropped")[1], sw.log.tail(10)
    assert not sw.log.search(r"^lacpdu from")[1]
    assert not dns.log.search(r"DHCPACK")[1]


class NsScriptServer:
    """tests/scriptserver.py (HTTPS, the demo PKI's certificate) in its own
    process inside the namespace, on 0.0.0.0:port: POST /api/v1/boot gives
    script, GET .../files/vmlinuz and initrd.img the test target."""

    def __init__(self, ns, script, port, name):
        code = ("import sys, time\n"
                "sys.path.insert(0, sys.argv[1])\n"
                "from scriptserver import ScriptServer\n"
                "ScriptServer(sys.argv[2], port=int(sys.argv[3])).serve()\n"
                "print('ready', flush=True)\n"
                "while True:\n"
                "    time.sleep(3600)\n")
        cmd = h.netns_prefix(ns) + [sys.executable, "-u", "-c", code,
                                    os.path.join(h.ROOT, "tests"), script, str(port)]
        self.proc = h.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
        self.log = h.LineStream(self.proc.stdout, h.log_path(name + ".scriptserver.log"))
        if self.log.wait(r"^ready", 10)[1] is None:
            self.close()
            raise h.HarnessError("scriptserver did not start: " + self.log.tail(10))

    def close(self):
        h.stop_process(self.proc)
        self.log.join()


def test_script_vcreate_and_dhcp_on_vlan_100(stack, netns_ok):
    """The port carries the untagged network 10.77.2.0/24 (dnsmasq with the
    backend's URL: the agent's own DHCP) and VLAN 100 (10.77.1.0/24, a
    second dnsmasq handing out only 10.77.1.150-159, no boot file). The
    script runs `vcreate --tag 100 net0` and `dhcp net0-100`, then fetches
    kernel and initrd from 10.77.1.1, reachable only over the VLAN (the
    untagged lease's router 10.77.2.254 does not exist), and puts
    ${net0-100/ip} and ${ip} on the target's command line: the address
    from the VLAN's range proves the lease came from VLAN 100's dnsmasq;
    ${ip} stays the untagged lease's, as in iPXE."""
    lab = h.NicLab(stack, 0, serials=[SERIAL], v6=False)
    lab.ns.ip("tuntap", "add", "tap1", "mode", "tap")
    lab.ns.ip("link", "set", "tap1", "mtu", "1504", "up")
    sw = stack.add(VlanSwitch(lab.ns, "tap1", "vdh", 100, stack.name, native="vnat"))
    for tap, addr in (("vdh", "10.77.1.1/24"), ("vnat", "10.77.2.1/24")):
        lab.ns.ip("addr", "add", addr, "dev", tap)
        lab.ns.ip("link", "set", tap, "up")
    port = h.free_port()
    files = "https://10.77.1.1:%d/files/" % port
    script = ("#!ipxe\n"
              "vcreate --tag 100 net0\n"
              "dhcp net0-100 || goto fail\n"
              "echo vlan lease ${net0-100/ip}/${net0-100/netmask} netX ${netX/ip}\n"
              "kernel %svmlinuz console=ttyS0 snboot.serial=%s vlan_ip=${net0-100/ip} "
              "first_ip=${ip}\n"
              "initrd %sinitrd.img\n"
              "boot\n"
              ":fail\n"
              "echo vlan-dhcp-failed\n"
              "exit 1\n" % (files, SERIAL, files))
    stack.add(NsScriptServer(lab.ns, script, port, stack.name))
    untagged = stack.dnsmasq(lab.ns, "vnat", [
        "--no-ping", "--dhcp-range=10.77.2.100,10.77.2.199,255.255.255.0,1h",
        "--dhcp-option=3,10.77.2.254",
        "--dhcp-option=option:bootfile-name,https://10.77.2.1:%d/api/v1/boot" % port])
    vlan = stack.dnsmasq(lab.ns, "vdh", [
        "--no-ping", "--dhcp-range=10.77.1.150,10.77.1.159,255.255.255.0,1h"])
    vm = stack.qemu(name=stack.name, serial=SERIAL, netns=lab.ns, nic_args=VLAN_NIC,
                    append="snboot.ipv6=0 snboot.lldp=0")
    vm.start()
    cmdline = booted(vm)
    m = re.search(r"(?:^|\s)vlan_ip=(\S*)", cmdline)
    assert m and re.fullmatch(r"10\.77\.1\.15\d", m.group(1)), cmdline
    first = re.search(r"(?:^|\s)first_ip=(\S*)", cmdline)
    assert first and re.fullmatch(r"10\.77\.2\.1\d\d", first.group(1)), cmdline
    vm.wait_for(r"snboot net: eth0: won: dhcp4 10\.77\.2\.1\d\d", timeout=1)
    vm.wait_for(r"vcreate: net0-100 is eth0\.100 \(VLAN 100 on eth0\), up", timeout=1)
    vm.wait_for(r"snboot net: eth0\.100: DHCPv4 %s for the script in \d+ ms"
                % re.escape(m.group(1)), timeout=1)
    vm.wait_for(r"vlan lease %s/255\.255\.255\.0 netX %s" % (re.escape(m.group(1)),
                                                             re.escape(m.group(1))), timeout=1)
    vm.wait_for(r"snboot net: eth0\.100 \(the script's vcreate\): taken down before kexec",
                timeout=1)
    assert not vm.console.search(r"vlan-dhcp-failed")[1]
    assert vlan.log.search(r"DHCPACK\(vdh\) %s 52:54:00:00:00:01" % re.escape(m.group(1)))[1], \
        vlan.log.tail(10)
    assert untagged.log.search(r"DHCPACK\(vnat\) %s 52:54:00:00:00:01"
                               % re.escape(first.group(1)))[1], untagged.log.tail(10)
    assert sw.log.search(r"^tagged 100 from tap1")[1], sw.log.tail(10)
    assert sw.log.search(r"^untagged from tap1 to vnat")[1], sw.log.tail(10)
