"""ISC Kea scenarios: the DHCP server most fleets run besides dnsmasq.
Kea 2.2 (Debian 12) has no DHCPv4 rapid commit and leaves DHCPv6 rapid
commit off by default, so these boots take the 4-message exchanges
(DISCOVER/OFFER/REQUEST/ACK, Solicit/Advertise/Request/Reply) that
dnsmasq's rapid commit skips. Same topology as tests/test_nics.py."""
import json
import os
import shlex
import subprocess

import harness as h

SERIAL = "DEMO-0001"


class Kea:
    """Real kea-dhcp4 / kea-dhcp6 in the lab's namespace, logging to
    stdout, leases in memory, its pid and lock files in the workdir."""

    def __init__(self, lab, family, config):
        self.lab = lab
        self.family = family
        self.workdir = os.path.join(lab.stack.workdir, "kea%d" % family)
        os.makedirs(self.workdir, exist_ok=True)
        self.conf = os.path.join(self.workdir, "kea-dhcp%d.conf" % family)
        with open(self.conf, "w") as f:
            json.dump(config, f, indent=1)
        self.logfile = h.log_path("%s.kea%d.log" % (lab.stack.name, family))
        self.proc = None
        self.log = None

    def start(self, timeout=15.0):
        cmd = h.netns_prefix(self.lab.ns) + ["kea-dhcp%d" % self.family, "-c", self.conf]
        with open(self.logfile + ".cmd", "w") as f:
            f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
        env = dict(os.environ, KEA_PIDFILE_DIR=self.workdir, KEA_LOCKFILE_DIR=self.workdir)
        self.proc = h.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True, env=env)
        self.log = h.LineStream(self.proc.stdout, self.logfile, prefix="kea| ")
        _, ok = self.log.wait(r"DHCP%d_STARTED" % self.family, timeout)
        if ok and self.log.search(r"DHCP%d_CONFIG_LOAD_FAIL|DHCP%d_INIT_FAIL" % (
                self.family, self.family))[1]:
            ok = None
        if ok is None:
            rc = self.proc.poll()
            self.close()
            raise h.HarnessError("kea-dhcp%d did not start (rc=%s):\n%s" % (
                self.family, rc, self.log.tail(30)))
        return self

    def close(self):
        h.stop_process(self.proc)
        if self.log:
            self.log.join()


def kea_common(family, tap):
    return {
        # Kea opens no socket on a link without carrier: the tap has none
        # until QEMU attaches, so Kea retries until it can.
        "interfaces-config": {"interfaces": [tap], "service-sockets-max-retries": 100,
                              "service-sockets-retry-wait-time": 200},
        "lease-database": {"type": "memfile", "persist": False},
        "valid-lifetime": 3600,
        "loggers": [{"name": "kea-dhcp%d" % family, "severity": "INFO",
                     "output_options": [{"output": "stdout"}]}],
    }


def test_kea_dhcp4_four_message_exchange(stack, netns_ok):
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    conf = kea_common(4, "tap1")
    conf["interfaces-config"]["dhcp-socket-type"] = "raw"
    conf["subnet4"] = [{
        "id": 1, "subnet": "10.77.1.0/24",
        "pools": [{"pool": "10.77.1.100 - 10.77.1.199"}],
        "option-data": [{"name": "routers", "data": "10.77.1.1"},
                        {"name": "boot-file-name", "data": lab.url4(1)}],
    }]
    kea = stack.add(Kea(lab, 4, {"Dhcp4": conf})).start()
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0").start()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    # Kea ignored the rapid commit option: the agent went through REQUEST.
    assert vm.console.search(r"snboot dhcp4: \S+: selecting -> requesting")[1], \
        "the agent did not take the OFFER/REQUEST path with Kea"
    assert kea.log.search(r"DHCP4_LEASE_ALLOC")[1], kea.log.tail(20)
    assert lab.backend.log.search(r"10\.77\.1\.1\d\d POST /api/v1/boot 200")[1], \
        lab.backend.log.tail(20)


def test_kea_dhcp6_four_message_exchange(stack, netns_ok):
    lab = h.NicLab(stack, 1, serials=[SERIAL], v4=False)
    # Kea does no router advertisements: dnsmasq sends them (RA only, no
    # DHCP), so the on-link prefix and the default route come from SLAAC.
    stack.dnsmasq(lab.ns, "tap1", ["--enable-ra", "--dhcp-range=fd77:1::,ra-only,64,1h"])
    conf = kea_common(6, "tap1")
    conf["server-id"] = {"type": "LLT", "persist": False}
    conf["subnet6"] = [{
        "id": 1, "subnet": "fd77:1::/64", "interface": "tap1",
        "pools": [{"pool": "fd77:1::100 - fd77:1::1ff"}],
        "option-data": [{"name": "bootfile-url", "data": lab.url6(1)}],
    }]
    kea = stack.add(Kea(lab, 6, {"Dhcp6": conf})).start()
    vm = lab.qemu(SERIAL, append="snboot.ipv4=0").start()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    # No rapid commit from Kea: Solicit, Advertise, Request, Reply.
    assert vm.console.search(r"snboot dhcp6: \S+: \w+ -> requesting")[1], \
        "the agent did not take the Advertise/Request path with Kea"
    assert not vm.console.search(r"snboot dhcp6: .*\(rapid commit\)")[1]
    assert kea.log.search(r"DHCP6_LEASE_ALLOC")[1], kea.log.tail(20)
    assert lab.backend.log.search(r"fd77:1::1[0-9a-f]{2} POST /api/v1/boot 200")[1], \
        lab.backend.log.tail(20)
