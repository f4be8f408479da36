"""The dashboard, opened in headless Chromium (Debian's chromium) against
a backend with real data: machines, a flagged one, boot-time charts per
machine and per profile, the herd's progress. Host only.
Run: /usr/bin/python3 -m pytest -v tests/test_server_dashboard.py
"""
import re
import shutil

import pytest

import programs
from test_server_stub import TOKEN, Server, built, cli  # noqa: F401 (fixture)


def dump_dom(url, tmp_path):
    r = programs.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                      "--ignore-certificate-errors", f"--user-data-dir={tmp_path}/chromium",
                      "--virtual-time-budget=8000", "--dump-dom", url],
                     capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    if not shutil.which("chromium"):
        pytest.fail("chromium is not installed (mk/deps.sh installs it)")
    tmp = tmp_path_factory.mktemp("dashboard")
    (tmp / "files").mkdir()
    (tmp / "files" / "k").write_bytes(b"k")
    (tmp / "files" / "i").write_bytes(b"i")
    s = Server(tmp, listen=("127.0.0.1:0",))
    cli("add-profile", "--name", "web", "--kernel", "k", "--initrd", "i", db=s.db)
    cli("add-profile", "--name", "db", "--kernel", "k", "--initrd", "i", db=s.db)

    def boot(serial, boot_id, ms):
        s.request("POST", "/api/v1/boot", {"serial": serial, "boot_id": boot_id})
        for stage, t in (("api", ms // 5), ("download", ms // 2), ("kexec", ms)):
            s.request("POST", "/api/v1/events", {"serial": serial, "boot_id": boot_id,
                                                 "stage": stage, "status": "ok", "ms": t})

    cli("add-machine", "--serial", "WEB-1", "--profile", "web", db=s.db)
    cli("add-machine", "--serial", "DB-1", "--profile", "db", db=s.db)
    cli("add-machine", "--serial", "<img src=x onerror=alert(1)>", "--profile", "web", db=s.db)
    for i, ms in enumerate((8000, 8200, 7900, 8100, 30000)):   # a regression
        boot("WEB-1", f"w{i}", ms)
    for i, ms in enumerate((12000, 12500)):
        boot("DB-1", f"d{i}", ms)
    boot("<img src=x onerror=alert(1)>", "e0", 9000)
    s.request("POST", "/api/v1/boot", {"serial": "STILL-BOOTING"})   # no kexec yet
    yield s
    assert s.stop() == 0


def test_dashboard_shows_machines_flags_charts_and_herd(srv, tmp_path):
    dom = dump_dom(f"https://127.0.0.1:{srv.port()}/dashboard#token={TOKEN}", tmp_path)
    rows = dict(re.findall(r'<tr data-serial="([^"]*)">(.*?)</tr>', dom))
    evil = "&lt;img src=x onerror=alert(1)&gt;"
    assert set(rows) == {"WEB-1", "DB-1", evil, "STILL-BOOTING"}, dom[:3000]
    web = rows["WEB-1"]
    assert "<td>30000 ms</td>" in web and "kexec 30000" in web
    assert '<span class="flag">slow-boot</span>' in web
    # One point per boot in the machine's chart.
    points = re.search(r'<polyline points="([^"]*)"', web).group(1).split()
    assert len(points) == 5
    # Untrusted text stays text.
    assert "<img src=x onerror=alert(1)>" not in dom
    # Flagged machines: only WEB-1.
    flagged = re.search(r'<table id="flagged">(.*?)</table>', dom, re.S).group(1)
    assert "WEB-1" in flagged and "DB-1" not in flagged
    # Per profile: web averages 30000 and 9000, db 12500.
    bars = re.search(r'<svg[^>]*id="profile-bars"(.*?)</svg>', dom, re.S).group(1)
    assert re.findall(r"<text[^>]*>([^<]*)</text>", bars) == \
        ["db", "12500 ms", "web", "19500 ms"]
    # Herd: 3 of the 4 machines seen this hour got to kexec.
    assert "3 of 4 machines seen in the last hour have booted (4 known)" in dom
    assert 'style="width: 75%;"' in dom


def test_dashboard_without_a_token_asks_for_one(srv, tmp_path):
    dom = dump_dom(f"https://127.0.0.1:{srv.port()}/dashboard", tmp_path)
    assert '<form id="login">' in dom and "the admin token is needed" in dom
    assert "WEB-1" not in dom
    dom = dump_dom(f"https://127.0.0.1:{srv.port()}/dashboard#token=wrong", tmp_path)
    assert "missing or wrong bearer token" in dom and "WEB-1" not in dom


def test_dashboard_headers(srv):
    r, body = srv.request("GET", "/dashboard")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/html")
    assert "script-src 'self'" in r.getheader("Content-Security-Policy")
    r, body = srv.request("GET", "/dashboard.js")
    assert r.status == 200 and b"textContent" in body
