"""Issue 8 item 5: a script's kernel and initrds download in parallel when
the machine has more than one CPU (QEMU -smp 2), and each line's status is
still its own download's (iPXE's semantics).

The second initrd is a small newc cpio made here that overrides the test
target's /init: the target then prints what it found of both initrds
(busybox from the first, /second.txt from the second) before the usual
marker, so a boot proves the kernel got both.

Run: flock /tmp/snboot-qemu.lock /usr/bin/python3 -m pytest -v tests/test_parallel.py
"""
import os
import re

import pytest

import harness as h
from test_trust import SERIAL, Servers, sha256_file

ZERO = "0" * 64
SECOND_TEXT = "second-initrd-present"

INIT = """#!/bin/busybox sh
bb=/bin/busybox
$bb mount -t proc proc /proc
[ -c /dev/console ] || $bb mount -t devtmpfs devtmpfs /dev
echo "PARALLEL-TARGET second=$($bb cat /second.txt)" > /dev/console
echo "SNBOOT-TARGET-OK cmdline=$($bb cat /proc/cmdline)" > /dev/console
$bb poweroff -f
"""


def newc(entries):
    """An uncompressed newc cpio of (name, mode, bytes), with its trailer."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate(entries + [("TRAILER!!!", 0, b"")], 1):
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08X" % v for v in (
            ino if data or mode else 0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        out += hdr.encode() + nb
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


@pytest.fixture
def second_initrd(boot_files):
    path = h.log_path("parallel-second.cpio")
    with open(path, "wb") as f:
        f.write(newc([("init", 0o100755, INIT.encode()),
                      ("second.txt", 0o100644, (SECOND_TEXT + "\n").encode())]))
    return path


class ParallelServers(Servers):
    """test_trust's servers, plus /files/sized-<bytes>.img: that many zero
    bytes with their Content-Length, sent until the client goes away."""

    def _server(self, tls):
        srv = super()._server(tls)
        base, outer = srv.RequestHandlerClass, self
        scheme = "https" if tls else "http"

        class Sized(base):
            def do_GET(self):
                m = re.match(r"/files/sized-(\d+)\.img$", self.path)
                if not m:
                    return base.do_GET(self)
                n = int(m.group(1))
                with outer._lock:
                    outer.requests.append((scheme, self.command, self.path, 200))
                self.send_response(200)
                self.send_header("Content-Length", str(n))
                self.end_headers()
                zeros = bytes(65536)
                try:
                    for _ in range(n // len(zeros)):
                        self.wfile.write(zeros)
                    self.wfile.write(bytes(n % len(zeros)))
                except OSError:
                    pass
        srv.RequestHandlerClass = Sized
        return srv


@pytest.fixture
def servers(second_initrd):
    class Files(ParallelServers):
        FILES = dict(Servers.FILES, **{"/files/second.cpio": second_initrd})
    s = Files()
    yield s
    s.close()


def vm_for(stack, servers, cpus):
    return stack.qemu(serial=SERIAL, append="snboot.ipv6=0", cpus=cpus,
                      nic_args=h.qemu_user_nic_args(servers.url("https", "/api/v1/boot")))


def download_ms(vm):
    m = vm.console.search(r"snboot download: done in (\d+) ms")[1]
    return int(m.group(1)) if m else None


def test_two_cpus_kernel_and_initrds_in_parallel(stack, servers):
    servers.script = (
        "#!ipxe\n"
        "kernel %s console=ttyS0 snboot.serial=%s\n"
        "initrd %s\n"
        "initrd --sha256=%s %s\n"
        "boot\n" % (servers.url("https", "/files/vmlinuz"), SERIAL,
                    servers.url("https", "/files/initrd.img"),
                    sha256_file(servers.FILES["/files/second.cpio"]),
                    servers.url("https", "/files/second.cpio")))
    vm = vm_for(stack, servers, cpus=2).start()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    # One spare CPU: the first initrd ran beside the kernel, two at once.
    assert vm.console.search(r"snboot download: initrd\.img in parallel with vmlinuz "
                             r"\(2 at once, 2 CPUs\)")[1], vm.console.tail(60)
    assert vm.console.search(r"snboot download: initrd\.img: taken from the parallel "
                             r"download")[1]
    # Each line still logs its image in script order.
    order = [vm.console.search(r"snboot script: %s: https://" % re.escape(n))[0]
             for n in ("vmlinuz", "initrd.img", "second.cpio")]
    assert None not in order and order == sorted(order), order
    # The target got both initrds: busybox and /init from them, in order.
    assert vm.console.search(r"PARALLEL-TARGET second=%s" % SECOND_TEXT)[1], \
        vm.console.tail(30)
    assert vm.console.search(r"booting vmlinuz \(2 initrds\)")[1]
    print("parallel boot: download stage %s ms" % download_ms(vm))


def test_one_cpu_downloads_one_at_a_time(stack, servers):
    """The same script on one CPU: nothing in parallel, the same boot."""
    servers.script = (
        "#!ipxe\n"
        "kernel %s console=ttyS0 snboot.serial=%s\n"
        "initrd %s\n"
        "initrd %s\n"
        "boot\n" % (servers.url("https", "/files/vmlinuz"), SERIAL,
                    servers.url("https", "/files/initrd.img"),
                    servers.url("https", "/files/second.cpio")))
    vm = vm_for(stack, servers, cpus=1).start()
    vm.wait_marker()
    assert vm.console.search(r"PARALLEL-TARGET second=%s" % SECOND_TEXT)[1]
    assert not vm.console.search(r"in parallel with")[1], "parallel downloads on one CPU"
    print("one-CPU boot: download stage %s ms" % download_ms(vm))


def test_prefetched_initrd_hash_mismatch_fails_its_line(stack, servers):
    """The initrd right after the kernel is fetched beside it and does not
    match its --sha256: its line fails with E0723 at its own turn, its
    `|| goto` is taken as in iPXE, the kernel and the initrd fetched so far
    are dropped, and nothing is kexeced."""
    servers.script = (
        "#!ipxe\n"
        "kernel %s console=ttyS0 snboot.serial=%s\n"
        "initrd --sha256=%s %s || goto failed\n"
        "initrd %s\n"
        "boot\n"
        ":failed\n"
        "echo parallel-test: the second line failed, going local\n"
        "exit\n" % (servers.url("https", "/files/vmlinuz"), SERIAL, ZERO,
                    servers.url("https", "/files/second.cpio"),
                    servers.url("https", "/files/initrd.img")))
    vm = vm_for(stack, servers, cpus=2).start()
    vm.wait_for(r"snboot download: second\.cpio in parallel with vmlinuz \(2 at once, "
                r"2 CPUs\)")
    m = vm.wait_for(r"E0?723\b.*")
    assert re.search(r"line 3: initrd: .*second\.cpio", m.group(0)), m.group(0)
    vm.wait_for(r"parallel-test: the second line failed, going local")
    vm.wait_for(r"snboot local:", timeout=60, start=vm.last_index)
    vm.assert_absent(h.MARKER, 5, start=vm.last_index)
    assert not vm.console.search(r"snboot kexec: (loading|loaded)")[1]
    # the line after the failing one was never reached, never fetched
    assert not servers.got("https", "/files/initrd.img"), servers.requests
    assert servers.got("https", "/files/second.cpio"), servers.requests


def test_parallel_downloads_share_one_memory_budget(stack, servers):
    """Downloads in flight together reserve their sizes against one budget,
    and the outcome is still what the lines one after the other give: two
    initrds of 0.6 and 0.9 times what the machine can hold, fetched at
    once (-smp 3: two spare CPUs), cannot both pass; whichever is refused
    beside the other is downloaded again at its own line (and a line's own
    download refused beside prefetches gives them up and tries alone). As
    in sequence, the first fits and the second does not: line 4 fails with
    E0730, nothing runs out of memory, nothing boots.

    First the agent tells the limit: a 2 GiB initrd is refused with "the
    machine can hold X MiB"; the next attempt gets the two."""
    servers.HUGE = 2 << 30
    servers.script = ("#!ipxe\nkernel %s console=ttyS0 snboot.serial=%s\ninitrd %s\nboot\n"
                      % (servers.url("https", "/files/vmlinuz"), SERIAL,
                         servers.url("https", "/files/huge.img")))
    vm = vm_for(stack, servers, cpus=3).start()
    m = vm.wait_for(r"snboot script: E0?730\b.*the machine can hold (\d+\.\d) MiB")
    room = float(m.group(1)) * (1 << 20)
    small, big = int(room * 0.6), int(room * 0.9)
    servers.script = ("#!ipxe\nkernel %s console=ttyS0 snboot.serial=%s\n"
                      "initrd --name a.img %s\ninitrd --name b.img %s\nboot\n"
                      % (servers.url("https", "/files/vmlinuz"), SERIAL,
                         servers.url("https", "/files/sized-%d.img" % small),
                         servers.url("https", "/files/sized-%d.img" % big)))
    start = vm.last_index + 1
    vm.wait_for(r"snboot download: sized-\d+\.img in parallel with vmlinuz \(3 at once, "
                r"3 CPUs\)", timeout=150, start=start)
    # one of them was refused beside the other, before a byte was stored
    m = vm.wait_for(r"snboot download: sized-\d+\.img: (\d+) bytes of that limit are taken "
                    r"by parallel downloads, (\d+) left", start=start)
    assert int(m.group(1)) >= small, m.group(0)
    # line by line: a.img fits, b.img does not (as without parallel downloads)
    vm.wait_for(r"snboot script: a\.img: https://", timeout=240, start=start)
    m = vm.wait_for(r"snboot script: E0?730\b.*", timeout=240, start=vm.last_index)
    assert re.search(r"line 4: initrd: .*sized-%d\.img is \d+\.\d MiB, the machine can "
                     r"hold \d+\.\d MiB \(" % big, m.group(0)), m.group(0)
    vm.wait_for(r"snboot local:", timeout=60, start=vm.last_index)
    assert not vm.console.search(r"Out of memory|Kernel panic|oom-kill")[1]
    assert not vm.console.search(h.MARKER)[1]
