"""server-stub as a service: many idle connections, slow clients, the
connection cap, a locked database, per-IP limits, the config file, the
token file and SIGHUP, and a graceful SIGTERM. Host only, real HTTPS.
Run: /usr/bin/python3 -m pytest -v tests/test_server_service.py
"""
import json
import os
import re
import signal
import socket
import sqlite3
import ssl
import threading
import time

import pytest

import programs

from test_server_stub import BIN, PKI, TOKEN, Server, built, cli  # noqa: F401 (fixture)


def ctx():
    return ssl.create_default_context(cafile=str(PKI / "ca.pem"))


def tls_socket(port, source=None, timeout=5):
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                   source_address=(source, 0) if source else None)
    return ctx().wrap_socket(raw, server_hostname="127.0.0.1")


def closed_within(sock, seconds):
    """Seconds until the peer closed sock (EOF or reset), or None."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            if sock.recv(1) == b"":
                return time.monotonic() - start
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return time.monotonic() - start
    return None


def test_600_idle_connections_do_not_lock_out_a_boot(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",))
    idle = []
    try:
        # 10 source addresses x 60: under the per-IP limit, over the old
        # 512 connections per socket.
        for i in range(600):
            sock = socket.create_connection(("127.0.0.1", s.port()), timeout=5,
                                            source_address=(f"127.0.0.{2 + i % 10}", 0))
            idle.append(sock)
        time.sleep(0.5)
        start = time.monotonic()
        r, body = s.request("POST", "/api/v1/boot", {"serial": "HERD-0001"})
        took = time.monotonic() - start
        assert r.status == 200 and body.startswith(b"#!ipxe"), body
        assert took < 2, took
        # The idle ones were accepted and are still open.
        alive = 0
        for sock in idle[::50]:
            sock.settimeout(0.05)
            try:
                alive += sock.recv(1) != b""
            except socket.timeout:
                alive += 1
            except OSError:
                pass
        assert alive == len(idle[::50])
    finally:
        for sock in idle:
            sock.close()
        assert s.stop() == 0


def test_slow_loris_is_cut_at_the_request_deadline(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",),
               extra=("--request-timeout", "2", "--idle-timeout", "60"))
    try:
        tls = tls_socket(s.port())
        plain = socket.create_connection(("127.0.0.1", s.port()), timeout=5)
        start = time.monotonic()
        closed = {}

        def trickle(name, sock, data):
            for b in data:
                try:
                    sock.sendall(bytes([b]))
                except OSError:
                    break
                gone = closed_within(sock, 0.7)
                if gone is not None:
                    closed[name] = time.monotonic() - start
                    return
            closed[name] = None

        head = b"POST /api/v1/boot HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        threads = [threading.Thread(target=trickle, args=("tls", tls, head)),
                   threading.Thread(target=trickle, args=("plain", plain, head))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        # Each byte came well within the idle timeout, yet both were cut.
        assert closed["tls"] is not None and 1.8 < closed["tls"] < 4, closed
        assert closed["plain"] is not None and 1.8 < closed["plain"] < 4, closed
        assert "without a complete request after 2 s" in s.log_text()
        # A normal client on the same server is fine.
        assert s.request("POST", "/api/v1/boot", {"serial": "FAST-1"})[0].status == 200
    finally:
        assert s.stop() == 0


def test_keepalive_connection_gets_a_fresh_deadline_per_request(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--request-timeout", "2"))
    try:
        c = s.conn()
        for i in range(4):   # 4 requests over ~3 s on one connection
            r, _ = s.request("POST", "/api/v1/boot", {"serial": "KA-1"}, conn=c)
            assert r.status == 200
            time.sleep(0.8)
        c.close()
    finally:
        assert s.stop() == 0


def test_connection_cap_answers_503_with_retry_after(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--max-connections", "3"))
    held = []
    try:
        held = [tls_socket(s.port()) for _ in range(3)]
        time.sleep(0.2)
        r, body = s.request("POST", "/api/v1/boot", {"serial": "CAP-1"})
        assert r.status == 503, body
        assert int(r.getheader("Retry-After")) >= 1
        assert r.getheader("Connection", "").lower() == "close"
        assert b"connection limit" in body
        for sock in held:
            sock.close()
        held = []
        time.sleep(0.3)
        assert s.request("POST", "/api/v1/boot", {"serial": "CAP-1"})[0].status == 200
    finally:
        for sock in held:
            sock.close()
        assert s.stop() == 0


def test_locked_database_answers_503_not_500(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--db-busy-timeout", "200"))
    try:
        assert s.request("POST", "/api/v1/boot", {"serial": "LOCK-1"})[0].status == 200
        con = sqlite3.connect(str(s.db), timeout=5, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            r, body = s.request("POST", "/api/v1/boot", {"serial": "LOCK-1"})
            assert r.status == 503, body
            assert r.getheader("Retry-After").isdigit() and b"database" in body
            r, body = s.request("POST", "/api/v1/events", {"serial": "LOCK-1"})
            assert r.status == 503
        finally:
            con.execute("ROLLBACK")
            con.close()
        assert s.request("POST", "/api/v1/boot", {"serial": "LOCK-1"})[0].status == 200
    finally:
        assert s.stop() == 0


def test_per_ip_limit(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--per-ip-limit", "4"))
    held = []
    try:
        held = [socket.create_connection(("127.0.0.1", s.port()), timeout=5,
                                         source_address=("127.0.0.2", 0)) for _ in range(4)]
        time.sleep(0.2)
        extra = socket.create_connection(("127.0.0.1", s.port()), timeout=5,
                                         source_address=("127.0.0.2", 0))
        assert closed_within(extra, 2) is not None
        extra.close()
        # Other addresses are not affected.
        assert s.request("POST", "/api/v1/boot", {"serial": "IP-1"})[0].status == 200
    finally:
        for sock in held:
            sock.close()
        assert s.stop() == 0


def test_concurrent_boots_all_answered(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",))
    try:
        statuses = []
        lock = threading.Lock()

        def worker(k):
            c = s.conn()
            for i in range(15):
                r, _ = s.request("POST", "/api/v1/boot", {"serial": f"C-{k}-{i}"}, conn=c)
                with lock:
                    statuses.append(r.status)
            c.close()

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert statuses == [200] * 360
        con = sqlite3.connect(f"file:{s.db}?mode=ro", uri=True)
        assert con.execute("SELECT COUNT(*) FROM machines WHERE serial LIKE 'C-%'").fetchone() == (360,)
        con.close()
    finally:
        assert s.stop() == 0


def start(cmd, log):
    proc = programs.popen(cmd, stderr=open(log, "w"), env={
        k: v for k, v in os.environ.items() if k != "SNBOOT_ADMIN_TOKEN"})
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        m = re.search(r"listening on (.*)\n", log.read_text())
        if m:
            return proc, int(m.group(1).split(", ")[0].rsplit(":", 1)[1])
        assert proc.poll() is None, log.read_text()
        time.sleep(0.02)
    raise AssertionError(log.read_text())


def admin_get(port, token):
    import http.client
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx(), timeout=5)
    c.request("GET", "/api/v1/machines", headers={"Authorization": f"Bearer {token}"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def test_config_file_token_file_and_sighup(tmp_path):
    (tmp_path / "files").mkdir()
    token = tmp_path / "token"
    token.write_text("first-token\n")
    token.chmod(0o600)
    conf = tmp_path / "server.conf"
    conf.write_text(f"""# sample
db = {tmp_path}/state.sqlite
cert = {PKI}/server.pem
key  = {PKI}/server.key
files = {tmp_path}/files
listen = 127.0.0.1:0
admin-token-file = {token}
request-timeout = 7
""")
    log = tmp_path / "log"
    proc, port = start([str(BIN), "serve", "--config", str(conf)], log)
    try:
        assert admin_get(port, "first-token") == 200
        assert admin_get(port, "second-token") == 401
        token.write_text("second-token\n")
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 3
        while "admin token reloaded" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert admin_get(port, "second-token") == 200
        assert admin_get(port, "first-token") == 401
        # An unreadable token file keeps the old token.
        token.unlink()
        proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert "NOT reloaded" in log.read_text()
        assert admin_get(port, "second-token") == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0


def test_flags_override_the_config_file(tmp_path):
    (tmp_path / "files").mkdir()
    conf = tmp_path / "server.conf"
    conf.write_text(f"db = {tmp_path}/state.sqlite\ncert = {PKI}/server.pem\n"
                    f"key = {PKI}/server.key\nfiles = {tmp_path}/files\n"
                    "listen = 127.0.0.1:1\n")   # port 1: bind would fail as non-root
    proc, port = start([str(BIN), "serve", "--config", str(conf), "--listen", "127.0.0.1:0"],
                       tmp_path / "log")
    assert port != 1
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(5) == 0


@pytest.mark.parametrize("text,message", [
    ("bogus = 1\n", "server.conf:1: unknown setting 'bogus'"),
    ("# c\nthreads = many\n", "server.conf:2: threads: 'many': expected a whole number"),
    ("db\n", "server.conf:1: expected 'key = value'"),
])
def test_config_file_errors_name_file_and_line(tmp_path, text, message):
    conf = tmp_path / "server.conf"
    conf.write_text(text)
    r = programs.run([str(BIN), "serve", "--config", str(conf)], capture_output=True, text=True)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_sigterm_finishes_the_request_in_flight(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",))
    sock = tls_socket(s.port())
    body = json.dumps({"serial": "DRAIN-1", "pad": "x" * 200}).encode()
    sock.sendall(b"POST /api/v1/boot HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                 % len(body) + body[:50])
    time.sleep(0.3)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert s.proc.poll() is None, "exited with a request in flight"
    # No new connections are taken while it drains.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", s.port()), timeout=1).recv(1)
    sock.sendall(body[50:])
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    assert head.startswith(b"HTTP/1.1 200"), head
    assert b"connection: close" in head.lower()
    sock.close()
    assert s.proc.wait(5) == 0
    assert "waiting up to 10 s for 1 request(s) in flight" in s.log_text()


def test_sample_config_starts_the_server(tmp_path):
    """server-stub/contrib/server-stub.conf, paths pointed at a temp dir."""
    from test_server_stub import ROOT
    text = (ROOT / "server-stub/contrib/server-stub.conf").read_text()
    (tmp_path / "files").mkdir()
    (tmp_path / "token").write_text("t\n")
    (tmp_path / "token").chmod(0o600)
    for old, new in (("/var/lib/snboot/state.sqlite", tmp_path / "state.sqlite"),
                     ("/etc/snboot/server.pem", PKI / "server.pem"),
                     ("/etc/snboot/server.key", PKI / "server.key"),
                     ("/srv/snboot/files", tmp_path / "files"),
                     ("/etc/snboot/admin-token", tmp_path / "token"), (":8443", ":0")):
        assert old in text
        text = text.replace(old, str(new))
    (tmp_path / "server.conf").write_text(text)
    proc, port = start([str(BIN), "serve", "--config", str(tmp_path / "server.conf")],
                       tmp_path / "log")
    try:
        assert admin_get(port, "t") == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0


def test_hashing_a_changed_big_file_does_not_block_other_requests(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",))
    try:
        (s.files / "small").write_bytes(b"small")
        assert s.request("GET", "/files/small")[0].status == 200  # hashed, cached
        with open(s.files / "big", "wb") as f:   # sparse: no disk space used
            f.truncate(512 << 20)
        done = {}

        def big():
            start = time.monotonic()
            r, _ = s.request("HEAD", "/files/big", conn=s.conn_timeout(60))
            done["big"] = (r.status, time.monotonic() - start, time.monotonic())

        t = threading.Thread(target=big)
        t.start()
        time.sleep(0.3)   # the big file is being hashed now
        r, body = s.request("GET", "/files/small")
        small_done = time.monotonic()
        r2, _ = s.request("POST", "/api/v1/boot", {"serial": "WHILE-HASHING"})
        t.join(60)
        assert r.status == 200 and body == b"small" and r2.status == 200
        assert done["big"][0] == 200
        assert done["big"][1] > 1.0, done   # the hashing did take a while
        # Order, not a time limit: the small file was served while the big
        # one was still being hashed, however slow the machine is.
        assert small_done < done["big"][2], (small_done, done)
    finally:
        assert s.stop() == 0


def test_requests_waiting_on_the_server_are_not_cut(tmp_path):
    """The request deadline is for slow clients. Here the only worker waits
    for a database lock the test holds for twice the deadline: the request
    it is answering (whole, read) and a complete request waiting unread in
    another socket are both served late, not cut. The wait is the test's
    own timer, not CPU work, so a loaded machine does not change it."""
    s = Server(tmp_path, listen=("127.0.0.1:0",),
               extra=("--threads", "1", "--request-timeout", "1",
                      "--db-busy-timeout", "20000"))
    lock = None
    try:
        c1 = tls_socket(s.port(), timeout=15)   # handshake done, then idle
        lock = sqlite3.connect(str(s.db), timeout=5, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        answered = {}

        def first():
            answered["first"] = s.request("POST", "/api/v1/boot", {"serial": "FIRST-1"},
                                          conn=s.conn_timeout(30))[0].status

        t = threading.Thread(target=first)
        t.start()
        time.sleep(0.4)                         # the only worker waits for the lock now
        body = json.dumps({"serial": "LATE-1"}).encode()
        c1.sendall(b"POST /api/v1/boot HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                   % len(body) + body)
        time.sleep(2.0)                         # two deadlines; the cap is four
        lock.execute("ROLLBACK")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = c1.recv(4096)
            if not chunk:
                break
            head += chunk
        t.join(30)
        assert head.startswith(b"HTTP/1.1 200"), (head, s.log_text())
        assert answered.get("first") == 200, (answered, s.log_text())
        assert "--request-timeout" not in s.log_text()
        c1.close()
    finally:
        if lock:
            lock.close()
        assert s.stop() == 0
