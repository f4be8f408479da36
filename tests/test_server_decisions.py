"""server-stub decisions: profiles (several initrds, cmdline templates),
policies matched on facts in order, per-machine actions (hold,
provision-once until os-up), and address pools (stable per serial, never
two machines, released by the admin API). Host only, real HTTPS.
Run: /usr/bin/python3 -m pytest -v tests/test_server_decisions.py
"""
import hashlib
import ipaddress
import json
import re
import threading

import pytest

from test_server_stub import BIN, LOCAL_SCRIPT, Server, built, cli  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("decisions")
    files = tmp / "files"
    files.mkdir()
    for name, data in (("vmlinuz", b"kernel" * 100), ("initrd.img", b"initrd" * 100),
                       ("extra.cpio", b"extra" * 50)):
        (files / name).write_bytes(data)
    s = Server(tmp)
    yield s
    assert s.stop() == 0


def sha(srv, name):
    return hashlib.sha256((srv.files / name).read_bytes()).hexdigest()


def script_lines(body):
    lines = body.decode().splitlines()
    assert lines[0] == "#!ipxe" and lines[-1] == "boot", body
    return lines[1:-1]


def facts(serial, ip="10.77.1.200", manufacturer="QEMU", product="Standard PC (Q35)",
          driver="virtio_net", mac="52:54:00:12:34:56"):
    return {"serial": serial, "uuid": "u-" + serial, "manufacturer": manufacturer,
            "product": product, "nics": [{"name": "eth0", "mac": mac, "driver": driver}],
            "boot": {"nic": "eth0", "mac": mac, "family": "ipv4", "ip": ip}}


def put(srv, path, body):
    r, data = srv.admin("PUT", path, body)
    return r.status, data


def test_profile_with_template_initrds_and_pool(srv):
    st, body = put(srv, "/api/v1/pools/rack1", {"network": "10.77.1.0/24", "first": "10.77.1.10",
                                                "last": "10.77.1.20", "gateway": "10.77.1.1"})
    assert st == 200, body
    st, body = put(srv, "/api/v1/profiles/tmpl", {
        "kernel": "vmlinuz", "initrds": ["initrd.img", "extra.cpio"],
        "cmdline": "console=ttyS0 host=${hostname} addr=${ip}/${prefix} gw=${gateway} "
                   "mask=${netmask} maker=${manufacturer} mac=${mac} p=${profile}"})
    assert st == 200, body
    assert json.loads(body)["initrds"] == ["initrd.img", "extra.cpio"]
    st, _ = put(srv, "/api/v1/machines/Tmpl%2001", {"action": "provision", "profile": "tmpl"})
    assert st == 200
    r, body = srv.request("POST", "/api/v1/boot", facts("Tmpl 01"))
    assert r.status == 200, body
    kernel, initrd1, initrd2 = script_lines(body)
    port = srv.port()
    assert kernel == (
        f"kernel --sha256={sha(srv, 'vmlinuz')} https://127.0.0.1:{port}/files/vmlinuz "
        "console=ttyS0 host=tmpl-01 addr=10.77.1.10/24 gw=10.77.1.1 mask=255.255.255.0 "
        "maker=QEMU mac=52:54:00:12:34:56 p=tmpl "
        "ip=10.77.1.10::10.77.1.1:255.255.255.0:tmpl-01::none snboot.serial=Tmpl%2001")
    assert initrd1 == f"initrd --sha256={sha(srv, 'initrd.img')} https://127.0.0.1:{port}/files/initrd.img"
    assert initrd2 == f"initrd --sha256={sha(srv, 'extra.cpio')} https://127.0.0.1:{port}/files/extra.cpio"
    m = json.loads(srv.admin("GET", "/api/v1/machines/Tmpl%2001")[1])
    assert m["addresses"] == ["10.77.1.10"]


@pytest.mark.parametrize("body,reason", [
    ({"kernel": "vmlinuz", "initrds": ["initrd.img"], "cmdline": "x=${nope}"}, "unknown variable ${nope}"),
    ({"kernel": "vmlinuz", "initrds": ["initrd.img"], "cmdline": "x=${ip"}, "without '}'"),
    ({"kernel": "../vmlinuz", "initrds": ["initrd.img"]}, '"kernel"'),
    ({"kernel": "vmlinuz", "initrds": []}, '"initrds"'),
    ({"kernel": "vmlinuz", "initrds": ["a/../b"]}, '"initrds"'),
    ({"kernel": "vmlinuz", "initrd": "i", "cmdline": "a\nb"}, "one line"),
])
def test_bad_profiles_are_refused(srv, body, reason):
    st, data = put(srv, "/api/v1/profiles/bad", body)
    assert st == 400 and reason.encode() in data, data
    assert srv.admin("GET", "/api/v1/profiles/bad")[0].status == 404


def test_template_needing_an_address_without_a_pool_says_why(srv):
    put(srv, "/api/v1/profiles/needs-ip", {"kernel": "vmlinuz", "initrd": "initrd.img",
                                          "cmdline": "addr=${ip}"})
    put(srv, "/api/v1/machines/NOIP-1", {"action": "provision", "profile": "needs-ip"})
    r, body = srv.request("POST", "/api/v1/boot", facts("NOIP-1", ip="192.168.9.9"))
    assert r.status == 500 and b"${ip}: no address pool covers" in body


def test_addresses_are_stable_unique_and_released(srv):
    put(srv, "/api/v1/pools/small", {"network": "10.88.0.0/24", "first": "10.88.0.5",
                                     "last": "10.88.0.7"})
    put(srv, "/api/v1/profiles/plain", {"kernel": "vmlinuz", "initrd": "initrd.img",
                                        "cmdline": "console=ttyS0"})
    got = {}
    for i in range(3):
        serial = f"POOL-{i}"
        put(srv, f"/api/v1/machines/{serial}", {"action": "provision", "profile": "plain"})
        r, body = srv.request("POST", "/api/v1/boot", facts(serial, ip="10.88.0.100"))
        got[serial] = re.search(r" ip=(\S+?)::", body.decode()).group(1)
    assert sorted(got.values()) == ["10.88.0.5", "10.88.0.6", "10.88.0.7"]
    # Stable: a reboot keeps the address.
    r, body = srv.request("POST", "/api/v1/boot", facts("POOL-1", ip="10.88.0.150"))
    assert f" ip={got['POOL-1']}::" in body.decode()
    # Full: a fourth machine is told why.
    put(srv, "/api/v1/machines/POOL-3", {"action": "provision", "profile": "plain"})
    r, body = srv.request("POST", "/api/v1/boot", facts("POOL-3", ip="10.88.0.100"))
    assert r.status == 500 and b"address pool small is full" in body
    # Released by the admin API: the fourth gets it.
    assert srv.admin("DELETE", "/api/v1/machines/POOL-1/addresses")[0].status == 204
    r, body = srv.request("POST", "/api/v1/boot", facts("POOL-3", ip="10.88.0.100"))
    assert f" ip={got['POOL-1']}::" in body.decode()
    # An address another machine holds cannot be pinned to a second one.
    st, data = put(srv, "/api/v1/machines/POOL-9",
                   {"action": "local", "addresses": [got["POOL-0"]]})
    assert st == 409 and b"bound to machine POOL-0" in data


def test_concurrent_first_boots_never_share_an_address(srv):
    put(srv, "/api/v1/pools/herd", {"network": "10.99.0.0/16", "first": "10.99.0.1",
                                    "last": "10.99.0.200"})
    serials = [f"HERD-{i:03d}" for i in range(60)]
    for s in serials:
        put(srv, f"/api/v1/machines/{s}", {"action": "provision", "profile": "plain"})
    addrs, lock = {}, threading.Lock()

    def boot(chunk):
        c = srv.conn()
        for s in chunk:
            r, body = srv.request("POST", "/api/v1/boot", facts(s, ip="10.99.5.5"), conn=c)
            assert r.status == 200, body
            with lock:
                addrs[s] = re.search(r" ip=(\S+?)::", body.decode()).group(1)
        c.close()

    threads = [threading.Thread(target=boot, args=(serials[k::12],)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(addrs) == 60 and len(set(addrs.values())) == 60
    assert all(ipaddress.ip_address(a) in ipaddress.ip_network("10.99.0.0/24")
               for a in addrs.values())


def test_ipv6_pool_gives_dracut_ip_argument(srv):
    put(srv, "/api/v1/pools/v6", {"network": "fd77:1::/64", "first": "fd77:1::100",
                                  "last": "fd77:1::1ff", "gateway": "fd77:1::1"})
    put(srv, "/api/v1/machines/V6-POOL", {"action": "provision", "profile": "plain"})
    r, body = srv.request("POST", "/api/v1/boot", facts("V6-POOL", ip="fd77:1::8888"))
    assert " ip=[fd77:1::100]::[fd77:1::1]:64:v6-pool::none " in body.decode(), body


@pytest.mark.parametrize("body,reason", [
    ({"network": "10.1.0.1/24", "first": "10.1.0.2", "last": "10.1.0.3"}, "host bits"),
    ({"network": "10.1.0.0/24", "first": "10.1.1.2", "last": "10.1.0.3"}, "lie in"),
    ({"network": "10.1.0.0/24", "first": "10.1.0.9", "last": "10.1.0.3"}, "after"),
    ({"network": "fd00::/64", "first": "fd00::1", "last": "fd00::ffff:ffff"}, "too large"),
    ({"network": "10.1.0.0/24", "first": "10.1.0.2", "last": "10.1.0.3", "gateway": "10.2.0.1"},
     "gateway"),
])
def test_bad_pools_are_refused(srv, body, reason):
    st, data = put(srv, "/api/v1/pools/bad", body)
    assert st == 400 and reason.encode() in data, data


def test_policies_match_in_order(srv):
    policies = [
        {"name": "intel-nics-wait", "match": {"driver": "e1000*"}, "action": "hold"},
        {"name": "qemu-q35", "match": {"manufacturer": "QEMU", "product": "Standard PC (Q35*"},
         "action": "provision", "profile": "plain"},
        {"name": "lab", "match": {"serial": "LAB-*"}, "action": "provision-once",
         "profile": "plain"},
    ]
    st, body = put(srv, "/api/v1/policies", policies)
    assert st == 200, body
    assert json.loads(srv.admin("GET", "/api/v1/policies")[1]) == policies
    # Unknown serials are registered with their facts and follow the policies.
    r, body = srv.request("POST", "/api/v1/boot", facts("NEW-Q35", ip="192.0.2.1"))
    assert r.status == 200 and body.decode().startswith("#!ipxe\nkernel "), body
    r, body = srv.request("POST", "/api/v1/boot", facts("NEW-E1000", ip="192.0.2.1",
                                                         driver="e1000e"))
    assert r.status == 503 and r.getheader("Retry-After") == "30" and b"held" in body
    r, body = srv.request("POST", "/api/v1/boot", facts("NEW-OTHER", ip="192.0.2.1",
                                                         manufacturer="Dell Inc."))
    assert body.decode() == LOCAL_SCRIPT
    m = json.loads(srv.admin("GET", "/api/v1/machines/NEW-Q35")[1])
    assert (m["action"], m["profile"], m["assigned"], m["policy"]) == \
        ("provision", "plain", "policy", "qemu-q35")
    assert m["facts"]["nics"][0]["driver"] == "virtio_net"
    m = json.loads(srv.admin("GET", "/api/v1/machines/NEW-OTHER")[1])
    assert (m["action"], m["policy"]) == ("local", None)
    assert srv.wait_log(r"serial=NEW-Q35 action=provision policy=qemu-q35")
    # A machine's own action beats the policies.
    put(srv, "/api/v1/machines/NEW-Q35", {"action": "local"})
    r, body = srv.request("POST", "/api/v1/boot", facts("NEW-Q35", ip="192.0.2.1"))
    assert body.decode() == LOCAL_SCRIPT
    # A policy's provision-once: provisioned until os-up, then pinned local.
    r, body = srv.request("POST", "/api/v1/boot", facts("LAB-7", manufacturer="X", ip="192.0.2.1"))
    assert body.decode().startswith("#!ipxe\nkernel ")
    srv.request("POST", "/api/v1/events", {"serial": "LAB-7", "stage": "os-up"})
    r, body = srv.request("POST", "/api/v1/boot", facts("LAB-7", manufacturer="X", ip="192.0.2.1"))
    assert body.decode() == LOCAL_SCRIPT
    m = json.loads(srv.admin("GET", "/api/v1/machines/LAB-7")[1])
    assert (m["action"], m["assigned"]) == ("local", "local")
    put(srv, "/api/v1/policies", [])


@pytest.mark.parametrize("body,reason", [
    ({"name": "x"}, "policies must be a JSON array"),
    ([{"name": "x", "action": "reboot"}], '"action"'),
    ([{"name": "x", "match": {"colour": "red"}, "action": "local"}], 'match key "colour"'),
    ([{"name": "x", "action": "provision", "profile": "nope"}], "no such profile"),
    ([{"name": "x", "action": "provision"}], "missing"),
    ([{"action": "local"}], '"name"'),
])
def test_bad_policies_are_refused(srv, body, reason):
    st, data = put(srv, "/api/v1/policies", body)
    assert st == 400 and reason.encode() in data, data


def test_hold_action_on_a_machine(srv):
    put(srv, "/api/v1/machines/HOLD-1", {"action": "hold"})
    r, body = srv.request("POST", "/api/v1/boot", facts("HOLD-1"))
    assert r.status == 503 and r.getheader("Retry-After") == "30"


def test_cli_profile_with_initrds_and_template(tmp_path):
    db = tmp_path / "x.db"
    r = cli("add-profile", "--name", "p", "--kernel", "k", "--initrd", "a", "--initrd", "b",
            "--cmdline", "console=ttyS0 h=${hostname}", db=db)
    assert '["a","b"]' in r.stdout
    r = cli("add-profile", "--name", "p", "--kernel", "k", "--initrd", "a",
            "--cmdline", "x=${bogus}", db=db, check=False)
    assert r.returncode == 2 and "unknown variable ${bogus}" in r.stderr
    r = cli("add-machine", "--serial", "S1", "--action", "hold", db=db)
    r = cli("add-machine", "--serial", "S2", "--action", "policy", db=db)
