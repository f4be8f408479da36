"""server-stub on PostgreSQL: a real server (Debian's postgresql, run as
nobody in a temp dir, Unix socket only), two server-stub instances on the
same database, many machines booting through both at once: every machine
gets one address, no address goes to two machines, and both instances see
the same state. Host only.
Run: /usr/bin/python3 -m pytest -v tests/test_server_postgres.py
"""
import ipaddress
import json
import os
import re
import threading
import time

import pytest

import programs
from pgtmp import PgTmp
from test_server_stub import TOKEN, Server, built, cli  # noqa: F401 (fixture)

@pytest.fixture(scope="module")
def postgres():
    if os.geteuid() != 0:
        pytest.skip("starting postgres as another user needs root")
    with PgTmp() as uri:
        yield uri


def start(tmp_path, uri, name):
    d = tmp_path / name
    d.mkdir()
    s = Server(d, listen=("127.0.0.1:0",), extra=("--db", uri))
    return s


def test_two_instances_share_state_and_never_bind_an_address_twice(postgres, tmp_path):
    a = start(tmp_path, postgres, "a")
    b = start(tmp_path, postgres, "b")
    try:
        for s in (a, b):
            (s.files / "k").write_bytes(b"kernel")
            (s.files / "i").write_bytes(b"initrd")
        hdr = {"Authorization": f"Bearer {TOKEN}"}
        r, body = a.request("PUT", "/api/v1/profiles/p", {"kernel": "k", "initrd": "i",
                                                         "cmdline": "h=${hostname}"}, hdr)
        assert r.status == 200, body
        r, body = b.request("PUT", "/api/v1/pools/rack", {"network": "10.60.0.0/24",
                                                          "first": "10.60.0.10",
                                                          "last": "10.60.0.99"}, hdr)
        assert r.status == 200, body
        r, body = a.request("PUT", "/api/v1/policies", [{"name": "all", "action": "provision",
                                                          "profile": "p"}], hdr)
        assert r.status == 200, body
        serials = [f"PG-{i:03d}" for i in range(60)]
        got, lock = {}, threading.Lock()

        def boots(chunk, k):
            conns = [a.conn(), b.conn()]
            for j, serial in enumerate(chunk):
                s = (a, b)[(j + k) % 2]
                facts = {"serial": serial, "boot": {"ip": "10.60.0.200"}}
                # Each machine asks both instances: same address from both.
                for s2, c in ((s, conns[(j + k) % 2]), ((b, a)[(j + k) % 2], conns[(j + k + 1) % 2])):
                    r, body = s2.request("POST", "/api/v1/boot", facts, conn=c)
                    assert r.status == 200, body
                    ip = re.search(r" ip=(\S+?)::", body.decode()).group(1)
                    with lock:
                        got.setdefault(serial, set()).add(ip)
            for c in conns:
                c.close()

        threads = [threading.Thread(target=boots, args=(serials[k::10], k)) for k in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(got) == 60 and all(len(v) == 1 for v in got.values()), got
        addrs = [next(iter(v)) for v in got.values()]
        assert len(set(addrs)) == 60
        assert all(ipaddress.ip_address(x) in ipaddress.ip_network("10.60.0.0/24") for x in addrs)
        # The same new machines booting through both instances at the same moment.
        twins, tlock = {}, threading.Lock()

        def twin(s, serial, barrier):
            barrier.wait()
            r, body = s.request("POST", "/api/v1/boot",
                                {"serial": serial, "boot": {"ip": "10.60.0.200"}})
            assert r.status == 200, body
            with tlock:
                twins.setdefault(serial, set()).add(
                    re.search(r" ip=(\S+?)::", body.decode()).group(1))

        pairs = []
        for i in range(20):
            barrier = threading.Barrier(2)
            pairs += [threading.Thread(target=twin, args=(x, f"TWIN-{i:02d}", barrier))
                      for x in (a, b)]
        for t in pairs:
            t.start()
        for t in pairs:
            t.join(60)
        assert len(twins) == 20 and all(len(v) == 1 for v in twins.values()), twins
        all_addrs = addrs + [next(iter(v)) for v in twins.values()]
        assert len(set(all_addrs)) == 80
        for x in list(twins):
            assert b.admin("DELETE", "/api/v1/machines/" + x)[0].status == 204
        # Both instances list the same machines with the same addresses.
        la = {m["serial"]: m for m in json.loads(a.admin("GET", "/api/v1/machines")[1])}
        lb = {m["serial"]: m for m in json.loads(b.admin("GET", "/api/v1/machines")[1])}
        assert set(la) == set(lb) == set(serials)
        assert all(la[x]["addresses"] == lb[x]["addresses"] == [next(iter(got[x]))] for x in serials)
        assert all(la[x]["boots"] == 2 and la[x]["policy"] == "all" for x in serials)
        # Events, boot history and os-up through the other instance.
        a.request("POST", "/api/v1/events", {"serial": "PG-001", "boot_id": "x", "stage": "kexec",
                                             "status": "ok", "ms": 1234})
        assert json.loads(b.admin("GET", "/api/v1/machines/PG-001/boots")[1])[0]["ms"] == 1234
        assert json.loads(b.admin("GET", "/api/v1/machines/PG-001/events")[1])[0]["stage"] == "kexec"
        # Release through b, rebind through a: the lowest free address.
        assert b.admin("DELETE", "/api/v1/machines/PG-000/addresses")[0].status == 204
        assert json.loads(a.admin("GET", "/api/v1/machines/PG-000")[1])["addresses"] is None
        r, body = a.request("PUT", "/api/v1/machines/PG-000",
                            {"action": "local", "addresses": [next(iter(got["PG-001"]))]}, hdr)
        assert r.status == 409 and b"bound to machine PG-001" in body
        assert b.admin("DELETE", "/api/v1/machines/PG-059")[0].status == 204
        assert a.admin("GET", "/api/v1/machines/PG-059")[0].status == 404
    finally:
        assert a.stop() == 0
        assert b.stop() == 0


def test_a_bad_uri_is_a_clear_error(tmp_path):
    r = programs.run([str(__import__("test_server_stub").BIN), "serve", "--db",
                      "postgresql:///nope?host=/nonexistent", "--cert", "x", "--key", "y",
                      "--files", str(tmp_path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1


def test_postgres_engine_behaves_like_sqlite(postgres, tmp_path):
    """The CLI on the URI, events retention and orphans, flags, actions."""
    s = Server(tmp_path, listen=("127.0.0.1:0",),
               extra=("--db", postgres, "--events-per-machine", "3",
                      "--unknown-events-rate", "1", "--unknown-events-kept", "2"))
    try:
        (s.files / "k").write_bytes(b"k")
        (s.files / "i").write_bytes(b"i")
        cli("add-profile", "--name", "q", "--kernel", "k", "--initrd", "i", db=postgres)
        cli("add-machine", "--serial", "EQ-1", "--profile", "q", "--action", "provision-once",
            db=postgres)
        cli("add-machine", "--serial", "EQ-HOLD", "--action", "hold", db=postgres)
        out = cli("list", db=postgres).stdout
        assert re.search(r"^EQ-1\s+provision-once\s+q\s", out, re.M), out
        r, body = s.request("POST", "/api/v1/boot", {"serial": "EQ-1"})
        assert body.startswith(b"#!ipxe\nkernel ")
        r, _ = s.request("POST", "/api/v1/boot", {"serial": "EQ-HOLD"})
        assert r.status == 503
        for i, ms in enumerate((1000, 1100, 900, 9000)):
            for stage in ("api", "kexec"):
                s.request("POST", "/api/v1/events", {"serial": "EQ-1", "boot_id": f"b{i}",
                                                     "stage": stage, "ms": ms})
        events = json.loads(s.admin("GET", "/api/v1/machines/EQ-1/events")[1])
        assert len(events) == 3   # --events-per-machine 3
        s.request("POST", "/api/v1/events", {"serial": "EQ-1", "stage": "os-up"})
        m = json.loads(s.admin("GET", "/api/v1/machines/EQ-1")[1])
        assert m["action"] == "local" and m["up_at"]
        statuses = [s.request("POST", "/api/v1/events", {"serial": f"GHOST-{i}"})[0].status
                    for i in range(8)]
        assert 429 in statuses and statuses.count(204) <= 6, statuses
    finally:
        assert s.stop() == 0
