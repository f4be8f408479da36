"""Issue 3 scenarios: several NICs, real dnsmasq, in a network namespace.
NIC k of the VM (MAC 52:54:00:00:00:0k) is on tap k, whose host side is
10.77.k.1/24 and fd77:k::1/64; the backend listens in the namespace."""
import re

import harness as h

SERIAL = "DEMO-0001"


def assert_winner(vm, k):
    """The network stage's winner line names NIC k (by its MAC)."""
    ifname, mac, what = h.winner_nic(vm)
    if mac != h.nic_mac(k):
        vm._fail("the winner is %s (%s: %s), not NIC %d (%s)" % (
            ifname, mac, what, k, h.nic_mac(k)))


def booted(vm, serial=SERIAL, timeout=h.BOOT_TIMEOUT):
    cmdline = vm.wait_marker(timeout)
    assert h.serial_in_cmdline(cmdline, serial), cmdline
    return cmdline


def test_four_nics_only_last_served(stack, netns_ok):
    lab = h.NicLab(stack, 4, serials=[SERIAL])
    dns = lab.serve_v4(4)
    vm = lab.qemu(SERIAL).start()
    booted(vm)
    assert_winner(vm, 4)
    assert dns.log.search(r"DHCPACK\(tap4\)")[1], "dnsmasq never acked on tap4"


def test_ipv6_only(stack, netns_ok):
    lab = h.NicLab(stack, 1, serials=[SERIAL], v4=False)
    dns = lab.serve_v6(1)
    vm = lab.qemu(SERIAL).start()
    booted(vm)
    assert dns.log.search(r"DHCPREPLY\(tap1\)")[1], \
        "dnsmasq never sent a DHCPv6 reply:\n%s" % dns.log.tail(30)
    # The backend saw the request from the DHCPv6 address.
    assert lab.backend.log.search(r"fd77:1::1[0-9a-f]{2} POST /api/v1/boot 200")[1], \
        lab.backend.log.tail(20)


def not_answered(lab, dns, serial, append, name):
    """A VM that dnsmasq must ignore: no lease, nothing boots."""
    n_before = len(dns.lines())
    vm = lab.qemu(serial, append=("snboot.net_timeout=20 " + append).strip(), name=name).start()
    vm.wait_for(r"snboot net: .*(E0?106|no lease|no OFFER)", timeout=h.BOOT_TIMEOUT)
    vm.assert_absent(h.MARKER, 5)
    assert not vm.console.search(h.MARKER)[1]
    new = dns.lines()[n_before:]
    assert [l for l in new if re.search(r"DHCPDISCOVER\(tap1\).* ignored", l)], \
        "dnsmasq never saw (and ignored) %s:\n%s" % (name, "\n".join(new[-20:]))
    offers = [l for l in new if re.search(r"DHCP(OFFER|ACK)", l)]
    assert not offers, "dnsmasq answered %s: %s" % (name, offers)
    vm.close()


def test_vendor_class_and_serial_filtering_dhcp(stack, netns_ok):
    other = "DEMO-0002"
    lab = h.NicLab(stack, 1, serials=[SERIAL, other])
    # Answer only HTTP boot clients whose client id (option 61) is type 0 +
    # the serial we expect; dnsmasq matches the vendor class as a substring.
    dns = lab.serve_v4(1, [
        "--dhcp-vendorclass=set:http,HTTPClient",
        "--dhcp-host=id:%s,set:serial" % h.client_id_hex(SERIAL),
        "--dhcp-ignore=tag:!known",
        "--dhcp-ignore=tag:!http",
        "--dhcp-option-force=tag:http,60,HTTPClient",
    ])
    vm = lab.qemu(SERIAL, name=stack.name + ".known").start()
    booted(vm)
    tags = [l for l in dns.lines() if "tags:" in l]
    assert tags and all(re.search(r"\b%s\b" % t, tags[0]) for t in ("known", "http", "serial")), \
        "dnsmasq did not tag the machine as known HTTP client: %s" % tags[:1]
    vm.wait_exit(30)
    vm.close()
    # Another serial: its client id matches no dhcp-host line.
    not_answered(lab, dns, other, "", stack.name + ".other-serial")
    # The right serial with a PXE vendor class: no HTTPClient tag.
    not_answered(lab, dns, SERIAL, "snboot.vendor_class=PXEClient:Arch:00007:UNDI:003000",
                 stack.name + ".pxe-class")


def test_packet_loss_still_boots(stack, netns_ok):
    lab = h.NicLab(stack, 1, serials=[SERIAL])
    lab.serve_v4(1)
    lab.ns.lose_packets("tap1", 20)
    vm = lab.qemu(SERIAL).start()
    booted(vm, timeout=2 * h.BOOT_TIMEOUT)
    assert lab.ns.dropped("tap1") > 0, "the loss rules never dropped a packet"


def test_prefer_rule_picks_nic2(stack, netns_ok):
    lab = h.NicLab(stack, 2, serials=[SERIAL])
    d1 = lab.serve_v4(1)
    # dnsmasq on NIC 2 waits 1 s before offering, so NIC 1 leases first:
    # only the preference (inside the grace window) can make NIC 2 win.
    d2 = lab.serve_v4(2, ["--dhcp-reply-delay=1"])
    mac2 = h.nic_mac(2)
    vm = lab.qemu(SERIAL, append="snboot.prefer=mac:%s snboot.grace_ms=5000" % mac2).start()
    booted(vm)
    assert_winner(vm, 2)
    # NIC 1 leased first, so the rule, not the arrival order, chose NIC 2.
    first = vm.console.search(r"snboot net: ([\w.-]+): first lease:")[1]
    assert first and first.group(1) == h.ifname_of(vm, h.nic_mac(1)), \
        "NIC 1 did not lease first, the preference was not exercised: %s" % (
            first and first.group(0))
    assert d1.log.search(r"DHCPOFFER\(tap1\)")[1], "NIC 1 was never offered a lease"
    assert d2.log.search(r"DHCPACK\(tap2\)")[1], "NIC 2's lease was never acked"
    assert lab.backend.log.search(r"10\.77\.2\.\d+ POST /api/v1/boot 200")[1], \
        "the boot request did not come over NIC 2:\n%s" % lab.backend.log.tail(20)
