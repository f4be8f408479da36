"""server-stub over real HTTPS on loopback, checked against the demo CA.

Starts build/server-stub (built by `make build/server-stub`) with a fresh
database and files directory, and talks to it with http.client + ssl.
Run: /usr/bin/python3 -m pytest -v tests/test_server_stub.py
"""
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest

import programs

ROOT = Path(__file__).resolve().parents[1]
# SERVER_STUB_BIN runs the suite against another build (e.g. with ASan).
BIN = Path(os.environ.get("SERVER_STUB_BIN", ROOT / "build" / "server-stub"))
PKI = ROOT / "build" / "pki"
TOKEN = "test-admin-token"
LOCAL_SCRIPT = "#!ipxe\nsanboot --no-describe --drive 0x80\n"


@pytest.fixture(scope="session", autouse=True)
def built():
    if not (PKI / "ca.pem").exists():
        programs.run(["sh", "mk/pki.sh", str(PKI)], cwd=ROOT, check=True)
    if "SERVER_STUB_BIN" not in os.environ:
        programs.run(["make", "-s", "build/server-stub"], cwd=ROOT, check=True)


def cli(*args, db, check=True):
    r = programs.run([str(BIN), *args, "--db", str(db)], capture_output=True, text=True)
    if check:
        assert r.returncode == 0, r.stderr
    return r


class Server:
    """One `server-stub serve` process; its stderr goes to a file."""

    def __init__(self, tmp, listen=("127.0.0.1:0", "[::1]:0"), token=TOKEN, extra=()):
        self.tmp = tmp
        self.db = tmp / "state.sqlite"
        self.files = tmp / "files"
        self.files.mkdir(exist_ok=True)
        self.log_path = tmp / "server.log"
        env = dict(os.environ)
        env.pop("SNBOOT_ADMIN_TOKEN", None)
        if token:
            env["SNBOOT_ADMIN_TOKEN"] = token
        cmd = [str(BIN), "serve", "--db", str(self.db), "--cert", str(PKI / "server.pem"),
               "--key", str(PKI / "server.key"), "--files", str(self.files), *extra]
        for addr in listen:
            cmd += ["--listen", addr]
        self.log = open(self.log_path, "w")
        self.proc = programs.popen(cmd, stderr=self.log, env=env)
        self.addrs = self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            m = re.search(r"server-stub: listening on (.*)\n", self.log_path.read_text())
            if m:
                return m.group(1).split(", ")
            assert self.proc.poll() is None, self.log_path.read_text()
            time.sleep(0.02)
        raise AssertionError("server did not start: " + self.log_path.read_text())

    def port(self, family="4"):
        for a in self.addrs:
            if (a.startswith("[") and family == "6") or (not a.startswith("[") and family == "4"):
                return int(a.rsplit(":", 1)[1])
        raise AssertionError(self.addrs)

    def conn(self, host="127.0.0.1", family="4"):
        ctx = ssl.create_default_context(cafile=str(PKI / "ca.pem"))
        return http.client.HTTPSConnection(host, self.port(family), context=ctx, timeout=5)

    def conn_timeout(self, timeout):
        ctx = ssl.create_default_context(cafile=str(PKI / "ca.pem"))
        return http.client.HTTPSConnection("127.0.0.1", self.port(), context=ctx,
                                           timeout=timeout)

    def request(self, method, path, body=None, headers=None, conn=None, **kw):
        c = conn or self.conn(**kw)
        hdrs = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            hdrs.setdefault("Content-Type", "application/json")
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
        if conn is None:
            c.close()
        return r, data

    def admin(self, method, path, body=None, token=TOKEN):
        return self.request(method, path, body, {"Authorization": f"Bearer {token}"})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=5)
        self.log.close()
        return self.proc.returncode

    def log_text(self):
        return self.log_path.read_text()

    def wait_log(self, pattern, timeout=3):
        """The access line is written once the answer is sent, so it can
        come a moment after the client has read the answer."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log_text(), re.M)
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.02)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    (tmp / "files").mkdir()
    (tmp / "files" / "vmlinuz").write_bytes(os.urandom(300_000))
    (tmp / "files" / "boot").mkdir()
    (tmp / "files" / "boot" / "initrd.img").write_bytes(os.urandom(70_000))
    (tmp / "secret.txt").write_text("outside the files directory\n")
    s = Server(tmp)
    cli("add-profile", "--name", "demo", "--kernel", "vmlinuz", "--initrd", "boot/initrd.img",
        "--cmdline", "console=ttyS0 quiet", db=s.db)
    yield s
    assert s.stop() == 0


def sha256_of(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parse_script(text):
    lines = text.splitlines()
    assert lines[0] == "#!ipxe"
    kernel = re.fullmatch(r"kernel --sha256=([0-9a-f]{64}) (https://\S+) (.*)", lines[1])
    initrd = re.fullmatch(r"initrd --sha256=([0-9a-f]{64}) (https://\S+)", lines[2])
    assert kernel and initrd, text
    assert lines[3:] == ["boot"]
    return kernel.groups(), initrd.groups()


def test_unknown_serial_is_registered_and_boots_local(srv):
    facts = {"serial": "NEW-0001", "uuid": "1234", "manufacturer": "QEMU",
             "boot": {"nic": "eth0", "family": "ipv4", "ip": "10.0.2.15"}, "attempt": 1}
    r, body = srv.request("POST", "/api/v1/boot", facts)
    assert r.status == 200
    assert r.getheader("Content-Type").startswith("text/plain")
    assert body.decode() == LOCAL_SCRIPT
    r, body = srv.admin("GET", "/api/v1/machines/NEW-0001")
    assert r.status == 200
    m = json.loads(body)
    assert m["action"] == "local" and m["profile"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["first_seen"])
    assert m["facts"]["boot"]["ip"] == "10.0.2.15"
    # Every request updates the facts.
    facts["attempt"] = 2
    srv.request("POST", "/api/v1/boot", facts)
    m = json.loads(srv.admin("GET", "/api/v1/machines/NEW-0001")[1])
    assert m["facts"]["attempt"] == 2 and m["boots"] == 2


def test_provision_script_over_one_keepalive_connection(srv):
    cli("add-machine", "--serial", "DEMO-0001", "--profile", "demo", db=srv.db)
    conn = srv.conn()
    r, body = srv.request("POST", "/api/v1/boot", {"serial": "DEMO-0001"}, conn=conn)
    assert r.status == 200, body
    sock = conn.sock
    (ksha, kurl, args), (isha, iurl) = parse_script(body.decode())
    port = srv.port()
    assert kurl == f"https://127.0.0.1:{port}/files/vmlinuz"
    assert iurl == f"https://127.0.0.1:{port}/files/boot/initrd.img"
    assert args == "console=ttyS0 quiet snboot.serial=DEMO-0001"
    assert ksha == sha256_of(srv.files / "vmlinuz")
    assert isha == sha256_of(srv.files / "boot/initrd.img")
    # The agent fetches both files on the connection it booted with.
    for url, sha in ((kurl, ksha), (iurl, isha)):
        r, data = srv.request("GET", url.split(str(port), 1)[1], conn=conn)
        assert r.status == 200
        assert hashlib.sha256(data).hexdigest() == sha
        assert r.getheader("ETag") == f'"sha256-{sha}"'
    assert conn.sock is sock, "the server closed a keep-alive connection"
    conn.close()
    assert srv.wait_log(r"serial=DEMO-0001")
    line = [l for l in srv.log_text().splitlines() if "serial=DEMO-0001" in l][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 POST /api/v1/boot 200 "
                        r"\d+B \d+ms serial=DEMO-0001 action=provision.*", line), line


def test_script_uses_the_host_the_client_used_ipv6(srv):
    cli("add-machine", "--serial", "V6-0001", "--profile", "demo", db=srv.db)
    r, body = srv.request("POST", "/api/v1/boot", {"serial": "V6-0001"}, host="::1", family="6")
    assert r.status == 200
    (_, kurl, _), _ = parse_script(body.decode())
    assert kurl == f"https://[::1]:{srv.port('6')}/files/vmlinuz"
    assert srv.wait_log(r"^\S+ ::1 POST /api/v1/boot 200 .* serial=V6-0001")


def test_serial_with_odd_characters_stays_one_word(srv):
    serial = "To be filled $x"
    cli("add-machine", "--serial", serial, "--profile", "demo", db=srv.db)
    r, body = srv.request("POST", "/api/v1/boot", {"serial": serial})
    (_, _, args), _ = parse_script(body.decode())
    assert args.endswith(" snboot.serial=To%20be%20filled%20%24x")


def test_provision_once_until_the_target_says_it_is_up(srv):
    cli("add-machine", "--serial", "ONCE-0001", "--profile", "demo", "--action", "provision-once",
        db=srv.db)
    # A reboot before the OS came up (an install that died) provisions again.
    for _ in range(2):
        r, body = srv.request("POST", "/api/v1/boot", {"serial": "ONCE-0001"})
        parse_script(body.decode())
    # A failed os-up changes nothing; an ok one switches to the local disk.
    srv.request("POST", "/api/v1/events", {"serial": "ONCE-0001", "stage": "os-up",
                                           "status": "failed"})
    parse_script(srv.request("POST", "/api/v1/boot", {"serial": "ONCE-0001"})[1].decode())
    r, _ = srv.request("POST", "/api/v1/events", {"serial": "ONCE-0001", "stage": "os-up",
                                                  "status": "ok"})
    assert r.status == 204
    r, body = srv.request("POST", "/api/v1/boot", {"serial": "ONCE-0001"})
    assert body.decode() == LOCAL_SCRIPT
    m = json.loads(srv.admin("GET", "/api/v1/machines/ONCE-0001")[1])
    assert m["action"] == "local" and m["assigned"] == "local"
    assert srv.wait_log(r"POST /api/v1/events 204 .* serial=ONCE-0001 .*now=local")


def test_provision_once_confirmations_under_concurrency(srv):
    cli("add-machine", "--serial", "RACE-0001", "--profile", "demo", "--action", "provision-once",
        db=srv.db)
    answers = []

    def boot():
        answers.append(srv.request("POST", "/api/v1/boot", {"serial": "RACE-0001"})[1].decode())

    def up():
        answers.append(srv.request("POST", "/api/v1/events",
                                   {"serial": "RACE-0001", "stage": "os-up"})[0].status)

    for target in (boot, up):
        threads = [threading.Thread(target=target) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sum(str(a).startswith("#!ipxe\nkernel ") for a in answers) == 12
    assert answers.count(204) == 12
    assert srv.request("POST", "/api/v1/boot", {"serial": "RACE-0001"})[1].decode() == LOCAL_SCRIPT


@pytest.mark.parametrize("body,reason", [
    ("", "empty body"),
    ('{"serial": ', "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ('{"uuid": "x"}', 'missing "serial"'),
    ('{"serial": 42}', 'missing "serial"'),
    ('{"serial": ""}', "empty"),
    ('{"serial": "a\\nb"}', "control characters"),
])
def test_boot_rejects_bad_bodies(srv, body, reason):
    r, data = srv.request("POST", "/api/v1/boot", body)
    assert r.status == 400
    text = data.decode()
    assert reason in text and text.endswith("\n") and text.count("\n") == 1


def test_wrong_method_and_unknown_path(srv):
    r, _ = srv.request("GET", "/api/v1/boot")
    assert r.status == 405 and r.getheader("Allow") == "POST"
    r, _ = srv.request("GET", "/nothing/here")
    assert r.status == 404


def test_events_are_stored(srv):
    ev = {"serial": "EV-0001", "boot_id": "b-1", "stage": "dhcp", "status": "ok", "ms": 412,
          "message": "lease 10.0.2.15 on eth0"}
    r, body = srv.request("POST", "/api/v1/events", ev)
    assert r.status == 204 and body == b""
    srv.request("POST", "/api/v1/events", {**ev, "stage": "kexec", "ms": 9})
    r, body = srv.admin("GET", "/api/v1/machines/EV-0001/events")
    assert r.status == 200
    events = json.loads(body)
    assert [e["stage"] for e in events] == ["dhcp", "kexec"]
    assert events[0]["ms"] == 412 and events[0]["message"] == ev["message"]
    assert events[0]["boot_id"] == "b-1" and events[0]["status"] == "ok"
    events = json.loads(srv.admin("GET", "/api/v1/machines/EV-0001/events?limit=1")[1])
    assert [e["stage"] for e in events] == ["kexec"]
    r, _ = srv.request("POST", "/api/v1/events", {"stage": "dhcp"})
    assert r.status == 400


def test_files_full_range_and_conditional(srv):
    data = (srv.files / "vmlinuz").read_bytes()
    size = len(data)
    r, body = srv.request("GET", "/files/vmlinuz")
    assert r.status == 200 and body == data
    assert int(r.getheader("Content-Length")) == size
    assert r.getheader("Accept-Ranges") == "bytes"
    etag = r.getheader("ETag")

    r, body = srv.request("GET", "/files/vmlinuz", headers={"Range": "bytes=100-199"})
    assert r.status == 206 and body == data[100:200]
    assert r.getheader("Content-Range") == f"bytes 100-199/{size}"
    r, body = srv.request("GET", "/files/vmlinuz", headers={"Range": f"bytes={size - 10}-"})
    assert r.status == 206 and body == data[-10:]
    r, body = srv.request("GET", "/files/vmlinuz", headers={"Range": "bytes=-5"})
    assert r.status == 206 and body == data[-5:]
    r, body = srv.request("GET", "/files/vmlinuz", headers={"Range": f"bytes=0-{size * 2}"})
    assert r.status == 206 and body == data
    # Several ranges are not supported: the whole file, as RFC 9110 allows.
    r, body = srv.request("GET", "/files/vmlinuz", headers={"Range": "bytes=0-1,5-6"})
    assert r.status == 200 and body == data

    r, body = srv.request("GET", "/files/vmlinuz", headers={"Range": f"bytes={size}-"})
    assert r.status == 416
    assert r.getheader("Content-Range") == f"bytes */{size}"

    r, body = srv.request("GET", "/files/vmlinuz", headers={"If-None-Match": etag})
    assert r.status == 304 and body == b""
    r, body = srv.request("GET", "/files/vmlinuz",
                          headers={"Range": "bytes=0-3", "If-Range": '"stale"'})
    assert r.status == 200 and body == data

    r, body = srv.request("HEAD", "/files/vmlinuz")
    assert r.status == 200 and body == b""
    assert int(r.getheader("Content-Length")) == size and r.getheader("ETag") == etag


def test_etag_follows_file_content(srv):
    path = srv.files / "changing.bin"
    path.write_bytes(b"first version")
    r, _ = srv.request("GET", "/files/changing.bin")
    assert r.getheader("ETag") == f'"sha256-{sha256_of(path)}"'
    path.write_bytes(b"second, longer version")
    r, body = srv.request("GET", "/files/changing.bin")
    assert body == b"second, longer version"
    assert r.getheader("ETag") == f'"sha256-{sha256_of(path)}"'


@pytest.mark.parametrize("path", [
    "/files/../secret.txt",
    "/files/%2e%2e/secret.txt",
    "/files/boot/../../secret.txt",
    "/files//etc/passwd",
    "/files/./vmlinuz",
])
def test_path_traversal_is_rejected(srv, path):
    # http.client sends the path as written (curl would normalise it).
    r, body = srv.request("GET", path)
    assert r.status == 400, (path, body)
    assert b"outside" not in body and b"root:" not in body


def test_missing_file_and_directory_are_404(srv):
    assert srv.request("GET", "/files/nope")[0].status == 404
    assert srv.request("GET", "/files/boot")[0].status == 404


def test_admin_requires_the_token(srv):
    r, _ = srv.request("GET", "/api/v1/machines")
    assert r.status == 401 and r.getheader("WWW-Authenticate").startswith("Bearer")
    r, _ = srv.admin("GET", "/api/v1/machines", token="wrong")
    assert r.status == 401
    r, body = srv.admin("GET", "/api/v1/machines")
    assert r.status == 200 and isinstance(json.loads(body), list)


def test_admin_put_get_delete(srv):
    r, body = srv.admin("PUT", "/api/v1/machines/ADM-0001", {"action": "provision", "profile": "nope"})
    assert r.status == 400 and b"no such profile" in body
    r, body = srv.admin("PUT", "/api/v1/machines/ADM-0001", {"action": "reboot"})
    assert r.status == 400
    r, body = srv.admin("PUT", "/api/v1/machines/ADM-0001",
                        {"action": "provision-once", "profile": "demo",
                         "addresses": ["10.77.1.50", "fd77:1::50"]})
    assert r.status == 200, body
    m = json.loads(body)
    assert (m["action"], m["profile"]) == ("provision-once", "demo")
    assert m["addresses"] == ["10.77.1.50", "fd77:1::50"] and m["first_seen"] is None
    serials = [m["serial"] for m in json.loads(srv.admin("GET", "/api/v1/machines")[1])]
    assert "ADM-0001" in serials
    _, body = srv.request("POST", "/api/v1/boot", {"serial": "ADM-0001"})
    parse_script(body.decode())
    assert srv.admin("DELETE", "/api/v1/machines/ADM-0001")[0].status == 204
    assert srv.admin("GET", "/api/v1/machines/ADM-0001")[0].status == 404
    assert srv.admin("DELETE", "/api/v1/machines/ADM-0001")[0].status == 404


def test_list_prints_machines(srv):
    cli("add-machine", "--serial", "LIST-0001", "--action", "local", db=srv.db)
    out = cli("list", db=srv.db).stdout.splitlines()
    assert out[0].split()[:2] == ["SERIAL", "ACTION"]
    row = [l.split() for l in out if l.startswith("DEMO-0001 ")][0]
    assert row[1:3] == ["provision", "demo"] and re.fullmatch(r"\d{4}-.*Z", row[3])
    assert [l.split() for l in out if l.startswith("LIST-0001 ")][0][1:] == ["local", "-", "-", "-"]


@pytest.mark.parametrize("cmd", ["serve", "add-profile", "add-machine", "list"])
def test_cli_help_and_unknown_flags(cmd, tmp_path):
    r = programs.run([str(BIN), cmd, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith(f"usage: server-stub {cmd}")
    r = programs.run([str(BIN), cmd, "--db", str(tmp_path / "x.db"), "--bogus"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "unknown option '--bogus'" in r.stderr


def test_cli_usage_errors(tmp_path):
    db = tmp_path / "x.db"
    assert programs.run([str(BIN)], capture_output=True).returncode == 2
    assert programs.run([str(BIN), "frobnicate"], capture_output=True).returncode == 2
    r = cli("add-machine", "--serial", "S", "--profile", "missing", db=db, check=False)
    assert r.returncode == 1 and "no profile 'missing'" in r.stderr
    r = cli("add-profile", "--name", "p", "--kernel", "../k", "--initrd", "i", db=db, check=False)
    assert r.returncode == 2
    r = programs.run([str(BIN), "serve", "--db", str(db)], capture_output=True, text=True)
    assert r.returncode == 2 and "required" in r.stderr
    r = programs.run([str(BIN), "serve", "--db", str(db), "--cert", "c", "--key", "k",
                        "--files", ".", "--listen", "localhost:80"], capture_output=True, text=True)
    assert r.returncode == 2 and "numeric" in r.stderr


def test_no_token_dual_stack_public_url_and_clean_shutdown(tmp_path):
    s = Server(tmp_path, listen=("[::]:0",), token=None,
               extra=("--public-url", "https://boot.example:8443/"))
    try:
        (s.files / "k").write_bytes(b"kernel")
        (s.files / "i").write_bytes(b"initrd")
        cli("add-profile", "--name", "p", "--kernel", "k", "--initrd", "i", db=s.db)
        cli("add-machine", "--serial", "PUB-1", "--profile", "p", db=s.db)
        # One dual-stack socket: IPv4 clients reach it too.
        port = s.port("6")
        ctx = ssl.create_default_context(cafile=str(PKI / "ca.pem"))
        c4 = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=5)
        r, body = s.request("POST", "/api/v1/boot", {"serial": "PUB-1"}, conn=c4)
        (_, kurl, _), (_, iurl) = parse_script(body.decode())
        assert kurl == "https://boot.example:8443/files/k"
        r, body = s.request("GET", "/api/v1/machines", conn=c4,
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status == 403 and b"admin API disabled" in body
        # An idle keep-alive connection must not hold up the shutdown.
        c6 = http.client.HTTPSConnection("::1", port, context=ctx, timeout=5)
        assert s.request("GET", "/files/k", conn=c6)[1] == b"kernel"
        start = time.monotonic()
        assert s.stop() == 0
        assert time.monotonic() - start < 3
        assert "shutting down" in s.log_text()
    finally:
        if s.proc.poll() is None:
            s.proc.kill()


def test_content_urls_are_immutable_and_go_away_with_the_content(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--content-urls", "1"))
    try:
        (s.files / "k").write_bytes(b"kernel v1")
        (s.files / "i").write_bytes(b"initrd")
        cli("add-profile", "--name", "p", "--kernel", "k", "--initrd", "i", db=s.db)
        cli("add-machine", "--serial", "CAS-1", "--profile", "p", db=s.db)
        r, body = s.request("POST", "/api/v1/boot", {"serial": "CAS-1"})
        (ksha, kurl, _), (isha, iurl) = parse_script(body.decode())
        port = s.port()
        assert kurl == f"https://127.0.0.1:{port}/cas/{ksha}/k"
        assert iurl == f"https://127.0.0.1:{port}/cas/{isha}/i"
        path = kurl.split(str(port), 1)[1]
        r, data = s.request("GET", path, headers={"Range": "bytes=0-5"})
        assert r.status == 206 and data == b"kernel"
        assert r.getheader("Cache-Control") == "public, max-age=31536000, immutable"
        assert r.getheader("ETag") == f'"sha256-{ksha}"'
        r, _ = s.request("GET", "/files/k")
        assert r.getheader("Cache-Control") == "no-cache"
        # New content: the old URL is gone, the next script names the new one.
        (s.files / "k").write_bytes(b"kernel v2")
        r, data = s.request("GET", path)
        assert r.status == 404 and b"has other content now" in data
        (ksha2, kurl2, _), _ = parse_script(
            s.request("POST", "/api/v1/boot", {"serial": "CAS-1"})[1].decode())
        assert ksha2 != ksha and s.request("GET", kurl2.split(str(port), 1)[1])[1] == b"kernel v2"
        assert s.request("GET", "/cas/xyz/k")[0].status == 404
        assert s.request("GET", f"/cas/{ksha2}/../k")[0].status == 400
    finally:
        assert s.stop() == 0
