"""The agent's HTTP client (agent/http/http.c: curl + mbedtls, static musl)
built for the host as build/host-musl/host_http, run against the real
build/server-stub over HTTPS and against small fault servers on loopback
(a cut halfway, 500s, 503 with Retry-After, a redirect to plain http, no
Content-Length). Host-only, no QEMU: a few seconds.

Each run of host_http does one operation and prints one line:
  rc=E0723 size=0 sha256=- retry_after=0 fd=-1 ctx=...
"""
import hashlib
import http.server
import os
import re
import socket
import ssl
import threading
import time

import pytest

import harness as h
import programs

HOST_HTTP = os.path.join(h.BUILD, "host-musl", "host_http")
CA = os.path.join(h.PKI, "ca.pem")
OTHER_CA = os.path.join(h.PKI, "other-ca.pem")
SIZE = 3 * 1024 * 1024 + 123
PAYLOAD = os.urandom(SIZE)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture(scope="module", autouse=True)
def built():
    """host_http comes from make (a no-op when it is current), as
    tests/test_server_stub.py builds server-stub."""
    r = programs.run(["make", "-s", "build/host-musl/host_http"], cwd=h.ROOT,
                     capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    h.require_files(HOST_HTTP, h.SERVER_STUB, CA)


def run(*args):
    r = programs.run([HOST_HTTP, CA] + [str(a) for a in args], capture_output=True,
                     text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    m = re.search(r"^rc=(\S+) size=(\d+) sha256=(\S+) retry_after=(\d+) fd=(-?\d+) ctx=(.*)$",
                  r.stdout, re.M)
    assert m, "no result line:\n" + r.stdout + r.stderr
    return {"rc": m.group(1), "size": int(m.group(2)), "sha256": m.group(3),
            "retry_after": int(m.group(4)), "ctx": m.group(6), "log": r.stderr}


# ---- the real backend over HTTPS

@pytest.fixture(scope="module")
def stub(tmp_path_factory):
    d = tmp_path_factory.mktemp("stub")
    files = d / "files"
    files.mkdir()
    (files / "blob").write_bytes(PAYLOAD)
    port = h.free_port()
    proc = programs.popen([h.SERVER_STUB, "serve", "--db", str(d / "db.sqlite"),
                           "--cert", os.path.join(h.PKI, "server.pem"),
                           "--key", os.path.join(h.PKI, "server.key"),
                           "--listen", "0.0.0.0:%d" % port, "--files", str(files)],
                          stdout=open(d / "log", "w"), stderr=open(d / "err", "w"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield port
    h.stop_process(proc)


def test_https_download_verified(stub):
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub, "--sha256", SHA)
    assert r["rc"] == "0", r
    assert r["size"] == SIZE and r["sha256"] == SHA
    assert "(verified)" in r["log"]


def test_hash_mismatch_keeps_nothing(stub):
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub, "--sha256", "0" * 64)
    assert r["rc"] == "E0723", r
    assert r["size"] == 0 and "expected 0000000000000000" in r["ctx"]


def test_size_limit_from_content_length(stub):
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub, "--limit", SIZE - 1)
    assert r["rc"] == "E0730", r
    assert ("is %d bytes" % SIZE) in r["ctx"] and ("limit is %d" % (SIZE - 1)) in r["ctx"]


def test_machine_memory_limit_is_applied(stub):
    """Without an override the limit is the machine's: the log says it."""
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub)
    assert r["rc"] == "0", r
    assert "no MemAvailable" not in r["log"]


def test_tls_untrusted_ca(stub):
    r = programs.run([HOST_HTTP, OTHER_CA, "get", "https://127.0.0.1:%d/files/blob" % stub],
                     capture_output=True, text=True, timeout=60)
    assert "rc=E0709" in r.stdout, r.stdout + r.stderr


def test_tls_ip_not_in_certificate(stub):
    # 127.0.0.2 reaches the same server; the certificate names 127.0.0.1 only.
    r = run("get", "https://127.0.0.2:%d/files/blob" % stub)
    assert r["rc"] == "E0710", r
    assert "iPAddress 127.0.0.2" in r["ctx"]


def test_tls_dns_name_accepted(stub):
    """A host name (dNSName SAN, mbedtls' own check) rather than an IP."""
    r = run("fetch", "https://localhost:%d/files/blob" % stub, "--sha256", SHA)
    assert r["rc"] == "0", r


def test_mirror_failover_to_the_second(stub):
    dead = h.free_port()
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % dead, "--sha256", SHA,
            "--mirror", "https://127.0.0.1:%d/files/blob" % stub)
    assert r["rc"] == "0", r
    assert r["sha256"] == SHA
    assert "mirror 2 of 2" in r["log"] and "trying the next mirror" in r["log"]


def test_mirror_with_bad_bytes_fails_over(stub, faults):
    """The first mirror serves other bytes: the hash check hands over."""
    r = run("fetch", faults.url("/other"), "--sha256", SHA, "--mirror",
            "https://127.0.0.1:%d/files/blob" % stub)
    assert r["rc"] == "0", r
    assert "E0723" in r["log"]


def test_no_room_is_not_failed_over(stub):
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub, "--limit", 1000,
            "--mirror", "https://127.0.0.1:%d/files/blob" % stub)
    assert r["rc"] == "E0730", r
    assert "mirror 2 of 2" not in r["log"]


# ---- fault servers (plain http and https) on loopback

class Faults:
    """One threading HTTP server; handlers by path. Counts requests and
    keeps the request headers for assertions."""

    def __init__(self, tls=False):
        owner = self
        self.hits = {}
        self.headers = []
        self.http_port = None

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                owner.headers.append((self.path, dict(self.headers)))
                getattr(owner, "h_" + self.path.strip("/").split("?")[0].replace("-", "_"),
                        owner.h_404)(self, owner.hits[self.path])

            do_POST = do_GET

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(h.PKI, "server.pem"),
                                os.path.join(h.PKI, "server.key"))
            self.srv.socket = ctx.wrap_socket(self.srv.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.port, path)

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()

    @staticmethod
    def send(req, status, body=b"", headers=()):
        req.send_response(status)
        for k, v in headers:
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def h_404(self, req, n):
        self.send(req, 404, b"no")

    def h_other(self, req, n):
        self.send(req, 200, b"x" * 1000)

    def h_file(self, req, n):
        self.send(req, 200, PAYLOAD)

    def h_cut(self, req, n):
        """The first answer stops halfway; later ones honour Range and
        If-Range on the ETag."""
        rng = req.headers.get("Range")
        if n == 1 or not rng:
            req.send_response(200)
            req.send_header("Content-Length", str(SIZE))
            req.send_header("ETag", '"v1"')
            req.send_header("Accept-Ranges", "bytes")
            req.end_headers()
            req.wfile.write(PAYLOAD[:SIZE // 2])
            req.wfile.flush()
            req.close_connection = True
            req.connection.shutdown(socket.SHUT_RDWR)
            return
        first = int(re.match(r"bytes=(\d+)-$", rng).group(1))
        body = PAYLOAD[first:]
        self.send(req, 206, body, [("Content-Range", "bytes %d-%d/%d" % (first, SIZE - 1, SIZE)),
                                   ("ETag", '"v1"')])

    def h_flaky(self, req, n):
        if n <= 3:
            self.send(req, 500, b"backend warming up")
        else:
            self.send(req, 200, PAYLOAD)

    def h_busy(self, req, n):
        self.send(req, 503, b"busy", [("Retry-After", "7")])

    def h_nolength(self, req, n):
        req.send_response(200)
        req.send_header("Connection", "close")
        req.end_headers()
        req.wfile.write(PAYLOAD)
        req.close_connection = True

    def h_down(self, req, n):
        self.send(req, 302, b"", [("Location", "http://127.0.0.1:%d/file" % self.http_port)])

    def h_script(self, req, n):
        self.send(req, 200, b"#!ipxe\necho hi\n")


@pytest.fixture(scope="module")
def faults():
    f = Faults()
    yield f
    f.close()


@pytest.fixture(scope="module")
def tls_faults(faults):
    f = Faults(tls=True)
    f.http_port = faults.port
    yield f
    f.close()


def test_unpinned_http_refused_pinned_accepted(faults):
    r = run("fetch", faults.url("/file"))
    assert r["rc"] == "E0728", r
    assert faults.url("/file") in r["ctx"]
    assert faults.hits.get("/file", 0) == 0, "an unpinned http URL was requested"
    r = run("fetch", faults.url("/file"), "--sha256", SHA)
    assert r["rc"] == "0" and r["sha256"] == SHA, r
    r = run("fetch", faults.url("/file"), "--any")
    assert r["rc"] == "0", r


def test_unpinned_http_script_refused(faults):
    r = run("get", faults.url("/script"))
    assert r["rc"] == "E0728", r
    want = hashlib.sha256(b"#!ipxe\necho hi\n").hexdigest()
    assert run("get", faults.url("/script"), "--sha256", want)["rc"] == "0"
    assert run("get", faults.url("/script"), "--sha256", "1" * 64)["rc"] == "E0723"


def test_cut_halfway_resumes_with_range_and_if_range(faults):
    r = run("fetch", faults.url("/cut"), "--sha256", SHA)
    assert r["rc"] == "0", r
    assert r["sha256"] == SHA and r["size"] == SIZE
    ranged = [hd for p, hd in faults.headers if p == "/cut" and "Range" in hd]
    assert ranged, "no Range request after the cut"
    assert ranged[0]["Range"] == "bytes=%d-" % (SIZE // 2)
    assert ranged[0].get("If-Range") == '"v1"'
    assert "1 resume(s)" in r["log"]


def test_500_three_times_then_200(faults):
    r = run("fetch", faults.url("/flaky"), "--sha256", SHA)
    assert r["rc"] == "0", r
    assert faults.hits["/flaky"] == 4
    assert r["log"].count("HTTP 500") >= 3


def test_retry_after_on_503(faults):
    r = run("post", faults.url("/busy"), "{}")
    assert r["rc"] == "E0717", r
    assert r["retry_after"] == 7
    assert "Retry-After 7 s" in r["ctx"]


def test_limit_enforced_while_receiving_without_length(faults):
    r = run("fetch", faults.url("/nolength"), "--any", "--limit", 1024 * 1024)
    assert r["rc"] == "E0730", r
    assert "passed" in r["ctx"]


def test_redirect_https_to_http_refused(tls_faults, faults):
    before = faults.hits.get("/file", 0)
    r = run("fetch", tls_faults.url("/down"), "--sha256", SHA)
    assert r["rc"] == "E0729", r
    assert "http://127.0.0.1:%d/file" % faults.port in r["ctx"]
    assert faults.hits.get("/file", 0) == before, "the http URL was fetched"


# ---- snboot.proxy: a small forwarding proxy (CONNECT for https, absolute
# URLs for http) that records what it was asked

class Proxy:
    def __init__(self):
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_CONNECT(self):
                owner.requests.append(("CONNECT", self.path))
                host, port = self.path.rsplit(":", 1)
                up = socket.create_connection((host, int(port)), timeout=10)
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                self.close_connection = True
                pipe(self.connection, up)

            def do_GET(self):
                owner.requests.append(("GET", self.path))
                m = re.match(r"http://([^/:]+):(\d+)(/.*)$", self.path)
                up = socket.create_connection((m.group(1), int(m.group(2))), timeout=10)
                head = "GET %s HTTP/1.1\r\n" % m.group(3)
                for k, v in self.headers.items():
                    if k.lower() not in ("proxy-connection", "connection"):
                        head += "%s: %s\r\n" % (k, v)
                up.sendall((head + "Connection: close\r\n\r\n").encode())
                self.close_connection = True
                pipe(self.connection, up)

        def pipe(a, b):
            def one_way(src, dst):
                try:
                    while True:
                        data = src.recv(65536)
                        if not data:
                            break
                        dst.sendall(data)
                except OSError:
                    pass
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            t = threading.Thread(target=one_way, args=(b, a), daemon=True)
            t.start()
            one_way(a, b)
            t.join(10)

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def proxy():
    p = Proxy()
    yield p
    p.close()


def test_https_through_the_proxy(stub, proxy):
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub, "--sha256", SHA,
            "--proxy", "http://127.0.0.1:%d" % proxy.port)
    assert r["rc"] == "0", r
    assert ("CONNECT", "127.0.0.1:%d" % stub) in proxy.requests, proxy.requests


def test_http_through_the_proxy(faults, proxy):
    r = run("fetch", faults.url("/file"), "--sha256", SHA,
            "--proxy", "http://127.0.0.1:%d" % proxy.port)
    assert r["rc"] == "0", r
    assert ("GET", faults.url("/file")) in proxy.requests, proxy.requests


def test_no_proxy_goes_direct(stub, proxy):
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub, "--sha256", SHA,
            "--proxy", "http://127.0.0.1:%d" % proxy.port, "--no-proxy", "127.0.0.1")
    assert r["rc"] == "0", r
    assert proxy.requests == [], proxy.requests


def test_dead_proxy_fails_and_bad_scheme_refused(stub):
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub,
            "--proxy", "http://127.0.0.1:%d" % h.free_port())
    assert r["rc"] != "0", r
    r = run("fetch", "https://127.0.0.1:%d/files/blob" % stub, "--proxy", "socks5://p:1080")
    assert r["rc"] == "E0731", r
