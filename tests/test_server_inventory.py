"""server-stub inventory: boot history from events, and the flags an
operator must see (no os-up after provisioning, a boot-time regression).
Host only, real HTTPS.
Run: /usr/bin/python3 -m pytest -v tests/test_server_inventory.py
"""
import json
import time

import pytest

import programs

from test_server_stub import Server, built, cli  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inventory")
    (tmp / "files").mkdir()
    (tmp / "files" / "k").write_bytes(b"k")
    (tmp / "files" / "i").write_bytes(b"i")
    s = Server(tmp, listen=("127.0.0.1:0",), extra=("--os-up-deadline", "1"))
    cli("add-profile", "--name", "p", "--kernel", "k", "--initrd", "i", db=s.db)
    yield s
    assert s.stop() == 0


def machine(srv, serial):
    r, body = srv.admin("GET", "/api/v1/machines/" + serial)
    assert r.status == 200, body
    return json.loads(body)


def boot(srv, serial, boot_id, total_ms):
    srv.request("POST", "/api/v1/boot", {"serial": serial, "boot_id": boot_id})
    for stage, ms in (("api", total_ms // 4), ("download", total_ms // 2), ("kexec", total_ms)):
        r, _ = srv.request("POST", "/api/v1/events", {"serial": serial, "boot_id": boot_id,
                                                      "stage": stage, "status": "ok", "ms": ms})
        assert r.status == 204


def test_boot_history_and_slow_boot_flag(srv):
    cli("add-machine", "--serial", "SLOW-1", "--action", "local", db=srv.db)
    for i, ms in enumerate((10000, 10400, 9800, 10100)):
        boot(srv, "SLOW-1", f"b{i}", ms)
    m = machine(srv, "SLOW-1")
    assert m["flags"] == [] and m["last_boot_ms"] == 10100
    boot(srv, "SLOW-1", "b4", 25000)
    m = machine(srv, "SLOW-1")
    assert m["flags"] == ["slow-boot"] and m["last_boot_ms"] == 25000
    boots = json.loads(srv.admin("GET", "/api/v1/machines/SLOW-1/boots")[1])
    assert [b["boot_id"] for b in boots] == ["b0", "b1", "b2", "b3", "b4"]
    assert boots[-1]["stages"] == {"api": 6250, "download": 12500, "kexec": 25000}
    assert boots[-1]["failures"] == 0
    # A boot back in line clears it.
    boot(srv, "SLOW-1", "b5", 10300)
    assert machine(srv, "SLOW-1")["flags"] == []
    listed = {m["serial"]: m for m in json.loads(srv.admin("GET", "/api/v1/machines")[1])}
    assert listed["SLOW-1"]["flags"] == [] and listed["SLOW-1"]["last_boot_ms"] == 10300


def test_small_differences_are_not_flagged(srv):
    cli("add-machine", "--serial", "FAST-1", "--action", "local", db=srv.db)
    for i, ms in enumerate((1000, 1100, 900, 2500)):   # 2.5x, but only 1.5 s more
        boot(srv, "FAST-1", f"f{i}", ms)
    assert machine(srv, "FAST-1")["flags"] == []


def test_no_os_up_after_provisioning_is_flagged(srv):
    cli("add-machine", "--serial", "UP-1", "--profile", "p", "--action", "provision-once",
        db=srv.db)
    r, body = srv.request("POST", "/api/v1/boot", {"serial": "UP-1"})
    assert body.startswith(b"#!ipxe\nkernel ")
    m = machine(srv, "UP-1")
    assert m["provisioned_at"] and m["up_at"] is None and m["flags"] == []
    time.sleep(2.2)   # --os-up-deadline 1, whole seconds
    assert machine(srv, "UP-1")["flags"] == ["no-os-up"]
    srv.request("POST", "/api/v1/events", {"serial": "UP-1", "stage": "os-up", "status": "ok"})
    m = machine(srv, "UP-1")
    assert m["flags"] == [] and m["up_at"] and m["action"] == "local"


def test_target_os_up_script_confirms(srv, tmp_path):
    """server-stub/contrib/snboot-os-up, as the installed OS runs it, with
    the kernel command line the backend wrote."""
    from test_server_stub import PKI, ROOT
    cli("add-machine", "--serial", "To be up", "--profile", "p", "--action", "provision-once",
        db=srv.db)
    r, body = srv.request("POST", "/api/v1/boot", {"serial": "To be up"})
    kernel_line = body.decode().splitlines()[1]
    cmdline = kernel_line.split(" ", 3)[3]   # after "kernel --sha256=... URL"
    assert "snboot.serial=To%20be%20up" in cmdline
    (tmp_path / "cmdline").write_text(cmdline + f" snboot.events=https://127.0.0.1:{srv.port()}"
                                      "/api/v1/events\n")
    r = programs.run(["sh", str(ROOT / "server-stub/contrib/snboot-os-up")],
                       capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "SNBOOT_CMDLINE": str(tmp_path / "cmdline"),
                            "SNBOOT_CACERT": str(PKI / "ca.pem")})
    assert r.returncode == 0, r.stderr
    m = machine(srv, "To%20be%20up")
    assert m["action"] == "local" and m["up_at"]
