"""Issue 8 trust and fault scenarios: nothing unvouched is booted.

- DHCP (real dnsmasq in a netns) hands out an http:// backend: nothing is
  asked of it, nothing boots, the console says why (E0727).
- The rest run over QEMU user networking against a small in-process HTTPS
  backend (demo PKI, so the baked CA trusts it) and a plain-HTTP file
  server, both on the host's loopback (10.0.2.2 in the guest):
  an unpinned http:// kernel is refused (E0728, never requested) and the
  local path follows; pinned http:// artifacts boot; an initrd whose hash
  does not match --sha256 is never kexeced (E0723); a backend that answers
  500 three times and then the script boots; an initrd cut halfway is
  resumed with Range/If-Range and boots; an initrd larger than the VM's RAM
  is refused with both sizes named.
Run: flock /tmp/snboot-qemu.lock /usr/bin/python3 -m pytest -v tests/test_trust.py
"""
import hashlib
import http.server
import json
import os
import re
import socket
import ssl
import threading

import pytest

import harness as h

SERIAL = "DEMO-0001"
ZERO = "0" * 64


def sha256_file(path):
    d = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            d.update(chunk)
    return d.hexdigest()


class Servers:
    """An HTTPS backend (POST /api/v1/boot answers `script`, the first
    `fail_first` with 500; POST /api/v1/events recorded; GET /files/*) and a
    plain-HTTP server of the same files. Every request is recorded."""

    FILES = {"/files/vmlinuz": h.TARGET_KERNEL, "/files/initrd.img": h.TARGET_INITRD}
    HUGE = 2 << 30   # 2 GiB: more than the 1 GiB VM has

    def __init__(self, script="", fail_first=0):
        self.script = script
        self.fail_first = fail_first
        self.requests = []     # (scheme, method, path, status)
        self.events = []
        self.ranges = []       # (Range, If-Range) of the cut file's requests
        self._lock = threading.Lock()
        self.https = self._server(tls=True)
        self.http = self._server(tls=False)
        for srv in (self.https, self.http):
            threading.Thread(target=srv.serve_forever, daemon=True).start()

    def _server(self, tls):
        outer = self
        scheme = "https" if tls else "http"

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, status, body, ctype="text/plain"):
                with outer._lock:
                    outer.requests.append((scheme, self.command, self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def huge(self):
                """Announces more than the VM's RAM; streams zeros until
                the client goes away."""
                with outer._lock:
                    outer.requests.append((scheme, self.command, self.path, 200))
                self.send_response(200)
                self.send_header("Content-Length", str(outer.HUGE))
                self.end_headers()
                zeros = bytes(65536)
                try:
                    for _ in range(outer.HUGE // len(zeros)):
                        self.wfile.write(zeros)
                except OSError:
                    pass

            def cut(self):
                """The initrd with an ETag; the first answer stops halfway
                (connection closed), later ones honour Range/If-Range."""
                with open(h.TARGET_INITRD, "rb") as f:
                    data = f.read()
                rng = self.headers.get("Range")
                with outer._lock:
                    outer.requests.append((scheme, self.command, self.path, 206 if rng else 200))
                    outer.ranges.append((rng, self.headers.get("If-Range")))
                if not rng:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("ETag", '"initrd-1"')
                    self.end_headers()
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                first = int(re.match(r"bytes=(\d+)-$", rng).group(1))
                self.send_response(206)
                self.send_header("Content-Length", str(len(data) - first))
                self.send_header("Content-Range", "bytes %d-%d/%d" % (first, len(data) - 1,
                                                                      len(data)))
                self.send_header("ETag", '"initrd-1"')
                self.end_headers()
                self.wfile.write(data[first:])

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/api/v1/events":
                    try:
                        outer.events.append(json.loads(body))
                    except ValueError:
                        outer.events.append({"raw": body.decode("utf-8", "replace")})
                    return self.reply(200, b"{}", "application/json")
                if self.path != "/api/v1/boot" or not tls:
                    return self.reply(404, b"not found\n")
                if len(outer.boot_posts()) < outer.fail_first:
                    return self.reply(500, b"backend warming up\n")
                return self.reply(200, outer.script.encode())

            def do_GET(self):
                if self.path == "/files/huge.img":
                    return self.huge()
                if self.path == "/files/cut-initrd.img":
                    return self.cut()
                path = outer.FILES.get(self.path)
                if not path:
                    return self.reply(404, b"not found\n")
                with open(path, "rb") as f:
                    self.reply(200, f.read(), "application/octet-stream")

        srv = http.server.ThreadingHTTPServer(("0.0.0.0", h.free_port()), Handler)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(h.PKI, "server.pem"),
                                os.path.join(h.PKI, "server.key"))
            srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        return srv

    def boot_posts(self):
        return [r for r in self.requests if r[1] == "POST" and r[2] == "/api/v1/boot"]

    def got(self, scheme, path):
        return [r for r in self.requests if r[0] == scheme and r[2] == path]

    def url(self, scheme, path, host=h.SLIRP_HOST):
        srv = self.https if scheme == "https" else self.http
        return "%s://%s:%d%s" % (scheme, host, srv.server_address[1], path)

    def close(self):
        for srv in (self.https, self.http):
            srv.shutdown()
            srv.server_close()


@pytest.fixture
def servers(boot_files):
    s = Servers()
    yield s
    s.close()


def vm_for(stack, servers, append=""):
    return stack.qemu(serial=SERIAL, append=("snboot.ipv6=0 " + append).strip(),
                      nic_args=h.qemu_user_nic_args(servers.url("https", "/api/v1/boot")))


def boot_script(kernel, initrd, kernel_pin=None, initrd_pin=None):
    kp = " --sha256=%s" % kernel_pin if kernel_pin else ""
    ip = " --sha256=%s" % initrd_pin if initrd_pin else ""
    return ("#!ipxe\nkernel%s %s console=ttyS0 snboot.serial=%s\ninitrd%s %s\nboot\n"
            % (kp, kernel, SERIAL, ip, initrd))


def test_dhcp_http_backend_is_refused(stack, netns_ok):
    lab = h.NicLab(stack, 1, serials=[SERIAL], v6=False)
    plain = "http://10.77.1.1:%d/api/v1/boot" % lab.backend.port
    lab.stack.dnsmasq(lab.ns, "tap1", h.dnsmasq_v4_args(1, plain))
    vm = lab.qemu(SERIAL, append="snboot.ipv6=0").start()
    m = vm.wait_for(r"E0?727\b.*", timeout=h.BOOT_TIMEOUT)
    assert "http://10.77.1.1:%d/api/v1/boot" % lab.backend.port in m.group(0), m.group(0)
    # It keeps refusing on the next attempt, and nothing boots.
    vm.wait_for(r"E0?727\b", timeout=90, start=vm.last_index + 1)
    vm.assert_absent(h.MARKER, 5, start=vm.last_index)
    assert not vm.console.search(h.MARKER)[1]
    assert not lab.backend.log.search(r"POST /api/v1/boot")[1], \
        "the agent asked the backend anyway:\n%s" % lab.backend.log.tail(10)


def test_unpinned_http_kernel_refused_then_local(stack, servers):
    servers.script = boot_script(servers.url("http", "/files/vmlinuz"),
                                 servers.url("http", "/files/initrd.img"))
    vm = vm_for(stack, servers).start()
    m = vm.wait_for(r"E0?728\b.*")
    assert servers.url("http", "/files/vmlinuz") in m.group(0), m.group(0)
    # A failed script leaves the machine on the local-disk path (as iPXE).
    vm.wait_for(r"snboot local:", timeout=60, start=vm.last_index)
    vm.assert_absent(h.MARKER, 5, start=vm.last_index)
    assert not servers.got("http", "/files/vmlinuz"), "the unpinned kernel was downloaded"
    assert any(e.get("stage") == "script" and e.get("status") == "failed"
               for e in servers.events), "no script-failed event: %s" % servers.events


def test_pinned_http_artifacts_boot(stack, servers):
    servers.script = boot_script(servers.url("http", "/files/vmlinuz"),
                                 servers.url("http", "/files/initrd.img"),
                                 sha256_file(h.TARGET_KERNEL), sha256_file(h.TARGET_INITRD))
    vm = vm_for(stack, servers).start()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    assert servers.got("http", "/files/vmlinuz") and servers.got("http", "/files/initrd.img")
    assert vm.console.search(r"initrd\.img: .*sha256 [0-9a-f]{64} \(verified\)")[1]


def test_initrd_hash_mismatch_never_kexeced(stack, servers):
    servers.script = boot_script(servers.url("https", "/files/vmlinuz"),
                                 servers.url("https", "/files/initrd.img"), initrd_pin=ZERO)
    vm = vm_for(stack, servers).start()
    vm.wait_for(r"E0?723\b.*initrd\.img")
    vm.wait_for(r"snboot local:", timeout=60, start=vm.last_index)
    vm.assert_absent(h.MARKER, 5, start=vm.last_index)
    assert not vm.console.search(r"snboot kexec: (loading|loaded)")[1], \
        "the agent went on to kexec after a hash mismatch"
    assert servers.got("https", "/files/initrd.img"), "the initrd was never fetched"


def test_backend_500_three_times_then_boots(stack, servers):
    servers.fail_first = 3
    servers.script = boot_script(servers.url("https", "/files/vmlinuz"),
                                 servers.url("https", "/files/initrd.img"))
    vm = vm_for(stack, servers).start()
    cmdline = vm.wait_marker(timeout=2 * h.BOOT_TIMEOUT)
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    statuses = [r[3] for r in servers.boot_posts()]
    assert statuses[:4] == [500, 500, 500, 200], statuses
    assert len(vm.console.find_all(r"HTTP 500 from")) >= 3


def test_initrd_larger_than_ram_refused_agent_alive(stack, servers):
    servers.script = boot_script(servers.url("https", "/files/vmlinuz"),
                                 servers.url("https", "/files/huge.img"))
    vm = vm_for(stack, servers).start()
    m = vm.wait_for(r"E0?730\b.*")
    # Both numbers: the file's size and what the machine can hold.
    assert re.search(r"huge\.img is 2048\.0 MiB, the machine can hold \d+\.\d MiB", m.group(0)), \
        m.group(0)
    # The agent goes on: the local path, then asks the backend again.
    vm.wait_for(r"snboot local:", timeout=60, start=vm.last_index)
    posts = len(servers.boot_posts())
    vm.wait_for(r"snboot api: HTTP 200", timeout=120, start=vm.last_index)
    assert len(servers.boot_posts()) > posts, "the agent did not ask the backend again"
    vm.assert_absent(h.MARKER, 3, start=vm.last_index)
    assert not vm.console.search(r"Out of memory|Kernel panic|oom-kill")[1]


def test_initrd_cut_halfway_resumes_and_boots(stack, servers):
    servers.script = boot_script(servers.url("https", "/files/vmlinuz"),
                                 servers.url("https", "/files/cut-initrd.img"),
                                 initrd_pin=sha256_file(h.TARGET_INITRD))
    vm = vm_for(stack, servers).start()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    half = os.path.getsize(h.TARGET_INITRD) // 2
    assert servers.ranges[0] == (None, None), servers.ranges
    assert ("bytes=%d-" % half, '"initrd-1"') in servers.ranges[1:], servers.ranges
    assert vm.console.search(r"cut-initrd\.img: .* 1 resume\(s\), 0 restart\(s\), "
                             r"sha256 [0-9a-f]{64} \(verified\)")[1]


def test_first_mirror_down_second_serves_boots(stack, servers):
    """kernel/initrd --mirror=URL: a dead first URL (connection refused), a
    404 and an unpinned http:// mirror (skipped by the trust rule) each hand
    over to the next URL, and the machine boots."""
    dead = "https://%s:%d/files/vmlinuz" % (h.SLIRP_HOST, h.free_port())
    kernel_http = servers.url("http", "/files/vmlinuz")
    missing = servers.url("https", "/files/missing/initrd.img")
    initrd_http = servers.url("http", "/files/initrd.img")
    initrd_https = servers.url("https", "/files/initrd.img")
    servers.script = (
        "#!ipxe\n"
        "kernel --sha256=%s --mirror=%s %s console=ttyS0 snboot.serial=%s\n"
        "initrd --mirror %s --mirror=%s %s\n"
        "boot\n" % (sha256_file(h.TARGET_KERNEL), kernel_http, dead, SERIAL,
                    initrd_http, initrd_https, missing))
    vm = vm_for(stack, servers).start()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    # The kernel: the dead URL first, then the pinned http:// mirror.
    assert vm.console.search(r"vmlinuz: https://[^ ]+ \(mirror 1 of 2\)")[1]
    assert vm.console.search(r"vmlinuz: http://[^ ]+ \(mirror 2 of 2\)")[1]
    assert servers.got("http", "/files/vmlinuz"), servers.requests
    # The initrd: the 404, the unpinned http:// one skipped, the https one.
    assert servers.got("https", "/files/missing/initrd.img"), servers.requests
    assert vm.console.search(r"initrd\.img: mirror 2 skipped: E0?728\b")[1]
    assert not servers.got("http", "/files/initrd.img"), "an unpinned http mirror was fetched"
    assert servers.got("https", "/files/initrd.img"), servers.requests
    assert vm.console.search(r"initrd\.img: https://[^ ]+ \(mirror 3 of 3\)")[1]
    assert not vm.console.search(r"script did not boot anything")[1]
