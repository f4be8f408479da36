"""The load generator (server-stub/tools/loadgen.c) against a real server:
a few hundred distinct machines booting at once (boot POST, two events, a
ranged file fetch each, over TLS keep-alive) must all be served: no error,
every machine registered with its events. Host only.
Run: /usr/bin/python3 -m pytest -v tests/test_server_load.py
"""
import re
import sqlite3

import pytest

import programs
from test_server_stub import PKI, ROOT, Server, built  # noqa: F401 (fixture)

LOADGEN = ROOT / "build" / "loadgen"


@pytest.fixture(scope="module", autouse=True)
def loadgen_built():
    programs.run(["make", "-s", "build/loadgen"], cwd=ROOT, check=True)


def run_loadgen(srv, *args):
    r = programs.run([str(LOADGEN), "--url", f"https://127.0.0.1:{srv.port()}",
                      "--cacert", str(PKI / "ca.pem"), "--server-pid", str(srv.proc.pid), *args],
                     capture_output=True, text=True, timeout=300)
    figures = {m.group(1): float(m.group(2))
               for m in re.finditer(r"^(\S+) (-?[\d.]+) \S+$", r.stdout, re.M)}
    return r, figures


def test_herd_of_distinct_machines_is_served(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--per-ip-limit", "100000"))
    try:
        (s.files / "vmlinuz").write_bytes(bytes(range(256)) * 1024)
        r, f = run_loadgen(s, "--machines", "300", "--jitter-ms", "300", "--range", "4096")
        assert r.returncode == 0, r.stdout + r.stderr
        assert f["machines"] == 300 and f["errors"] == 0, r.stdout
        assert f["boot_rps"] > 0 and 0 < f["boot_p50_ms"] <= f["boot_p99_ms"]
        assert f["server_peak_rss_kib"] > 1000
        con = sqlite3.connect(f"file:{s.db}?mode=ro", uri=True)
        assert con.execute("SELECT COUNT(*) FROM machines WHERE serial LIKE 'LOAD-%'").fetchone() == (300,)
        assert con.execute("SELECT COUNT(*) FROM events WHERE serial LIKE 'LOAD-%'").fetchone() == (600,)
        con.close()
        log = s.log_text()
        assert log.count("GET /files/vmlinuz 206 4096B") == 300
    finally:
        assert s.stop() == 0


def test_loadgen_counts_errors(tmp_path):
    s = Server(tmp_path, listen=("127.0.0.1:0",))
    try:   # no such file: every machine's last step fails
        r, f = run_loadgen(s, "--machines", "5", "--jitter-ms", "0", "--file", "missing")
        assert r.returncode == 1 and f["errors"] == 5, r.stdout + r.stderr
    finally:
        assert s.stop() == 0
