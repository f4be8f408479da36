"""The agent's script hooks in QEMU: `ntp <server>` sets the clock from an
SNTP server (a small RFC 4330 responder on the host's loopback, 10.0.2.2
in the guest, answering a time 100 days ahead) and `vcreate --tag N
net0` makes the tagged interface; `dhcp --timeout 2000 net0-42` then
fails its line clearly (E0422: no DHCP server on VLAN 42 of QEMU's user
network; caught by ||) and the script goes on to boot.
Run: flock /tmp/snboot-qemu.lock /usr/bin/python3 -m pytest -v tests/test_script_hooks.py
"""
import socket
import struct
import threading
import time

import pytest

import harness as h
from test_trust import SERIAL, Servers, vm_for

NTP_UNIX = 2208988800
# What the server says it is: 100 days ahead (inside the demo certificate's
# validity, so later TLS handshakes still verify).
SET_TO = int(time.time()) + 100 * 86400


class SntpServer:
    """Answers each client request (mode 3) as a stratum-2 server whose
    clock reads SET_TO; records the requests."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.done = False
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.done:
            try:
                data, peer = self.sock.recvfrom(512)
            except OSError:
                return
            self.requests.append(data)
            if len(data) < 48 or data[0] & 7 != 3:
                continue
            t = struct.pack(">II", SET_TO + NTP_UNIX, 0)
            reply = (bytes([0x24, 2, 6, 0xEC]) + bytes(8) + bytes([10, 0, 2, 2]) + t +
                     data[40:48] + t + t)
            self.sock.sendto(reply, peer)

    def close(self):
        self.done = True
        self.sock.close()


@pytest.fixture
def servers(boot_files):
    s = Servers()
    yield s
    s.close()


def test_ntp_and_vcreate_then_boot(stack, servers):
    ntp = SntpServer()
    try:
        servers.script = (
            "#!ipxe\n"
            "ntp %s:%d\n"
            "vcreate --tag 42 net0\n"
            "dhcp --timeout 2000 net0-42 || echo no-vlan-dhcp\n"
            "vcreate --tag 43 --priority 5 net0 || echo no-priority\n"
            "kernel %s console=ttyS0 snboot.serial=%s\ninitrd %s\nboot\n"
            % (h.SLIRP_HOST, ntp.port, servers.url("https", "/files/vmlinuz"), SERIAL,
               servers.url("https", "/files/initrd.img")))
        vm = vm_for(stack, servers).start()
        cmdline = vm.wait_marker()
        assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
        assert vm.console.search(r"ntp %s:%d: clock set to %d " % (h.SLIRP_HOST, ntp.port,
                                                                   SET_TO))[1]
        assert ntp.requests and ntp.requests[0][0] == 0x23 and len(ntp.requests[0]) == 48
        assert vm.console.search(r"vcreate: net0-42 is eth0\.42 \(VLAN 42 on eth0\), up")[1]
        assert vm.console.search(r"E0?422\b.*dhcp net0-42: eth0\.42: no DHCPv4 lease in \d+ ms "
                                 r"\(limit 2000 ms\)")[1]
        assert vm.console.search(r"no-vlan-dhcp")[1]
        assert vm.console.search(r"E0?862\b.*--priority 5")[1]
        assert vm.console.search(r"no-priority")[1]
    finally:
        ntp.close()
