"""`server-stub ctl`: the admin API from a shell, against a running server.
Host only, real HTTPS. Run: /usr/bin/python3 -m pytest -v tests/test_server_ctl.py
"""
import json

import pytest

import programs

from test_server_stub import BIN, PKI, TOKEN, Server, built, cli  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ctl")
    (tmp / "files").mkdir()
    (tmp / "files" / "k").write_bytes(b"k")
    (tmp / "files" / "i").write_bytes(b"i")
    s = Server(tmp, listen=("127.0.0.1:0",))
    (tmp / "token").write_text(TOKEN + "\n")
    s.token_file = tmp / "token"
    yield s
    assert s.stop() == 0


def ctl(srv, *args, token_file=None):
    cmd = [str(BIN), "ctl", "--url", f"https://127.0.0.1:{srv.port()}/", "--cacert",
           str(PKI / "ca.pem"), "--token-file", str(token_file or srv.token_file), *args]
    return programs.run(cmd, capture_output=True, text=True, timeout=30)


def test_ctl_configures_and_lists(srv, tmp_path):
    r = ctl(srv, "put", "profiles/p", '{"kernel": "k", "initrds": ["i"], "cmdline": "h=${hostname}"}')
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["initrds"] == ["i"]
    (tmp_path / "pol.json").write_text(json.dumps(
        [{"name": "all", "match": {"serial": "R*"}, "action": "provision", "profile": "p"}]))
    r = ctl(srv, "put", "policies", "@" + str(tmp_path / "pol.json"))
    assert r.returncode == 0, r.stderr
    r = ctl(srv, "put", "pools/rack", '{"network": "10.5.0.0/24", "first": "10.5.0.10", '
            '"last": "10.5.0.20"}')
    assert r.returncode == 0, r.stderr
    srv.request("POST", "/api/v1/boot", {"serial": "R 1", "boot": {"ip": "10.5.0.99"},
                                         "boot_id": "x"})
    srv.request("POST", "/api/v1/events", {"serial": "R 1", "boot_id": "x", "stage": "kexec",
                                           "status": "ok", "ms": 4321})
    r = ctl(srv, "machines")
    assert r.returncode == 0, r.stderr
    head, row = r.stdout.splitlines()[:2]
    assert head.split() == ["SERIAL", "ACTION", "PROFILE", "POLICY", "LAST_MS", "FLAGS",
                            "ADDRESSES"]
    assert row.split() == ["R", "1", "provision", "p", "all", "4321", "-", "10.5.0.10"]
    r = ctl(srv, "machine", "R 1")
    assert r.returncode == 0 and json.loads(r.stdout)["policy"] == "all"
    r = ctl(srv, "boots", "R 1")
    assert json.loads(r.stdout)[0]["stages"] == {"kexec": 4321}
    r = ctl(srv, "delete", "machines/R%201/addresses")
    assert r.returncode == 0 and r.stdout == ""
    r = ctl(srv, "get", "pools")
    assert json.loads(r.stdout)[0]["name"] == "rack"


def test_ctl_errors(srv, tmp_path):
    r = ctl(srv, "put", "profiles/bad", '{"kernel": "../k", "initrd": "i"}')
    assert r.returncode == 1 and "HTTP 400" in r.stderr and '"kernel"' in r.stderr
    (tmp_path / "wrong").write_text("nope\n")
    r = ctl(srv, "machines", token_file=tmp_path / "wrong")
    assert r.returncode == 1 and "HTTP 401" in r.stderr
    assert ctl(srv, "frobnicate").returncode == 2
    assert ctl(srv, "machine").returncode == 2
    r = programs.run([str(BIN), "ctl", "--url", "https://127.0.0.1:1", "--token-file",
                        str(srv.token_file), "machines"], capture_output=True, text=True)
    assert r.returncode == 1 and "server-stub ctl: GET https://127.0.0.1:1/api/v1/machines" in r.stderr


def test_ctl_help():
    r = programs.run([str(BIN), "ctl", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("usage: server-stub ctl")
    r = programs.run([str(BIN), "ctl", "--bogus"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown option '--bogus'" in r.stderr
