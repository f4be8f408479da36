"""server-stub mirrors: a profile lists mirror base URLs; every kernel and
initrd line of its script carries --mirror=BASE+NAME (BASE+cas/SHA256/NAME
with --content-urls) in order, as the agent's interpreter takes them
(docs/script.md "Mirrors"). Bad mirror URLs are refused alike by the admin
API, `add-profile` and `ctl`; an old database gains the column.
Host only, real HTTPS. Run: /usr/bin/python3 -m pytest -v tests/test_server_mirrors.py
"""
import hashlib
import json
import sqlite3

import pytest

import programs

from test_server_stub import BIN, PKI, TOKEN, Server, built, cli  # noqa: F401 (fixture)

MIRRORS = ["http://cache1.example/files/", "https://cache2.example:8443/boot%20files/",
           "http://[fd00::7]/"]


def make_files(files):
    (files / "boot").mkdir(parents=True, exist_ok=True)
    (files / "boot" / "vmlinuz").write_bytes(b"kernel" * 64)
    (files / "initrd.img").write_bytes(b"initrd" * 64)
    (files / "extra x.cpio").write_bytes(b"extra" * 64)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mirrors")
    make_files(tmp / "files")
    s = Server(tmp, listen=("127.0.0.1:0",))
    (tmp / "token").write_text(TOKEN + "\n")
    s.token_file = tmp / "token"
    yield s
    assert s.stop() == 0


def sha(files, name):
    return hashlib.sha256((files / name).read_bytes()).hexdigest()


def lines_of(body):
    lines = body.decode().splitlines()
    assert lines[0] == "#!ipxe" and lines[-1] == "boot", body
    return lines[1:-1]


def provision(s, serial, profile):
    r, _ = s.admin("PUT", f"/api/v1/machines/{serial}", {"action": "provision", "profile": profile})
    assert r.status == 200
    r, body = s.request("POST", "/api/v1/boot", {"serial": serial})
    assert r.status == 200, body
    return lines_of(body)


def test_script_carries_the_mirrors_in_order(srv):
    r, body = srv.admin("PUT", "/api/v1/profiles/m", {
        "kernel": "boot/vmlinuz", "initrds": ["initrd.img", "extra x.cpio"],
        "cmdline": "console=ttyS0", "mirrors": MIRRORS})
    assert r.status == 200, body
    assert json.loads(body)["mirrors"] == MIRRORS
    kernel, initrd1, initrd2 = provision(srv, "MIR-1", "m")
    port = srv.port()
    f = srv.files

    def mirrors(name):
        return "".join(f" --mirror={m}{name}" for m in MIRRORS)
    assert kernel == (f"kernel --sha256={sha(f, 'boot/vmlinuz')}{mirrors('boot/vmlinuz')} "
                      f"https://127.0.0.1:{port}/files/boot/vmlinuz console=ttyS0 "
                      "snboot.serial=MIR-1")
    assert initrd1 == (f"initrd --sha256={sha(f, 'initrd.img')}{mirrors('initrd.img')} "
                       f"https://127.0.0.1:{port}/files/initrd.img")
    assert initrd2 == (f"initrd --sha256={sha(f, 'extra x.cpio')}{mirrors('extra%20x.cpio')} "
                       f"https://127.0.0.1:{port}/files/extra%20x.cpio")
    # The list of profiles shows them too; a profile without mirrors has [].
    srv.admin("PUT", "/api/v1/profiles/plain", {"kernel": "boot/vmlinuz", "initrd": "initrd.img"})
    got = {p["name"]: p["mirrors"] for p in json.loads(srv.admin("GET", "/api/v1/profiles")[1])}
    assert got["m"] == MIRRORS and got["plain"] == []
    kernel, initrd = provision(srv, "MIR-2", "plain")
    assert "--mirror" not in kernel + initrd
    # Replacing the profile replaces the list: null or absent means none.
    srv.admin("PUT", "/api/v1/profiles/m", {"kernel": "boot/vmlinuz", "initrd": "initrd.img",
                                            "mirrors": MIRRORS[::-1]})
    kernel, _ = provision(srv, "MIR-1", "m")
    assert [w for w in kernel.split() if w.startswith("--mirror=")] == [
        f"--mirror={m}boot/vmlinuz" for m in MIRRORS[::-1]]
    srv.admin("PUT", "/api/v1/profiles/m", {"kernel": "boot/vmlinuz", "initrd": "initrd.img",
                                            "mirrors": None})
    assert json.loads(srv.admin("GET", "/api/v1/profiles/m")[1])["mirrors"] == []


BAD = [
    ("ftp://cache/", "http:// or https://"),
    ("cache.example/files/", "http:// or https://"),
    ("http://cache.example/files", "end with '/'"),
    ("http:///files/", "name a host"),
    ("http://cache.example/a b/", "without whitespace"),
    ("http://cache.example/a\"b/", "quotes"),
    ("http://cache.example/'/", "quotes"),
    ("http://cache.example/${serial}/", "'$'"),
    ("http://cache.example/\x01/", "printable ASCII"),
    ("http://cache.example/\u00e9/", "printable ASCII"),
    ("http://cache.example/?x=/", "'?' or '#'"),
    ("http://c.example/" + "a/" * 600, "at most 1024 bytes"),
]


@pytest.mark.parametrize("url,reason", BAD)
def test_admin_api_refuses_bad_mirrors(srv, url, reason):
    r, data = srv.admin("PUT", "/api/v1/profiles/badm", {
        "kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": [MIRRORS[0], url]})
    assert r.status == 400 and b"mirror 1: " in data and reason.encode() in data, data
    assert srv.admin("GET", "/api/v1/profiles/badm")[0].status == 404


@pytest.mark.parametrize("mirrors,reason", [
    ("http://cache/", '"mirrors" must be an array'),
    ([f"http://c{i}/" for i in range(9)], "at most 8"),
    ([7], "mirror 0: a mirror must be a URL as text"),
    ([MIRRORS[0], MIRRORS[1], MIRRORS[0]], "mirror 2: listed twice"),
])
def test_admin_api_refuses_bad_mirror_lists(srv, mirrors, reason):
    r, data = srv.admin("PUT", "/api/v1/profiles/badm", {
        "kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": mirrors})
    assert r.status == 400 and reason.encode() in data, data
    assert srv.admin("GET", "/api/v1/profiles/badm")[0].status == 404


def test_eight_mirrors_are_taken(srv):
    eight = [f"http://c{i}.example/" for i in range(8)]
    r, body = srv.admin("PUT", "/api/v1/profiles/eight", {
        "kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": eight})
    assert r.status == 200, body
    kernel, initrd = provision(srv, "MIR-8", "eight")
    assert initrd.count(" --mirror=") == 8 and kernel.count(" --mirror=") == 8


def ctl(srv, *args):
    cmd = [str(BIN), "ctl", "--url", f"https://127.0.0.1:{srv.port()}/", "--cacert",
           str(PKI / "ca.pem"), "--token-file", str(srv.token_file), *args]
    return programs.run(cmd, capture_output=True, text=True, timeout=30)


def test_ctl_sets_and_shows_mirrors(srv):
    r = ctl(srv, "put", "profiles/c", json.dumps(
        {"kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": MIRRORS[:1]}))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["mirrors"] == MIRRORS[:1]
    r = ctl(srv, "get", "profiles/c")
    assert r.returncode == 0 and json.loads(r.stdout)["mirrors"] == MIRRORS[:1]
    r = ctl(srv, "put", "profiles/c", json.dumps(
        {"kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": ["gopher://x/"]}))
    assert r.returncode == 1 and "HTTP 400" in r.stderr and "http:// or https://" in r.stderr
    assert json.loads(ctl(srv, "get", "profiles/c").stdout)["mirrors"] == MIRRORS[:1]


def test_cli_add_profile_mirrors(tmp_path):
    db = tmp_path / "state.sqlite"
    r = cli("add-profile", "--name", "p", "--kernel", "k", "--initrd", "i",
            "--mirror", MIRRORS[0], "--mirror", MIRRORS[1], db=db)
    assert json.dumps(MIRRORS[:2], separators=(",", ":")) in r.stdout
    with sqlite3.connect(db) as c:
        assert json.loads(c.execute("SELECT mirrors FROM profiles").fetchone()[0]) == MIRRORS[:2]
    for url, reason in BAD:
        r = cli("add-profile", "--name", "q", "--kernel", "k", "--initrd", "i",
                "--mirror", url, db=db, check=False)
        assert r.returncode == 2 and "mirror 0: " in r.stderr and reason in r.stderr, (url, r.stderr)
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM profiles WHERE name = 'q'").fetchone()[0] == 0


def test_content_urls_mirrors_are_content_addressed(tmp_path):
    make_files(tmp_path / "files")
    s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--content-urls", "1"))
    try:
        cli("add-profile", "--name", "p", "--kernel", "boot/vmlinuz", "--initrd", "extra x.cpio",
            "--mirror", "http://cache1.example/", "--mirror", "http://cache2.example/snboot/",
            db=s.db)
        kernel, initrd = provision(s, "CASM-1", "p")
        k, i = sha(s.files, "boot/vmlinuz"), sha(s.files, "extra x.cpio")
        port = s.port()
        assert kernel == (f"kernel --sha256={k} --mirror=http://cache1.example/cas/{k}/boot/vmlinuz "
                          f"--mirror=http://cache2.example/snboot/cas/{k}/boot/vmlinuz "
                          f"https://127.0.0.1:{port}/cas/{k}/boot/vmlinuz snboot.serial=CASM-1")
        assert initrd == (f"initrd --sha256={i} --mirror=http://cache1.example/cas/{i}/extra%20x.cpio "
                          f"--mirror=http://cache2.example/snboot/cas/{i}/extra%20x.cpio "
                          f"https://127.0.0.1:{port}/cas/{i}/extra%20x.cpio")
    finally:
        assert s.stop() == 0


def test_old_database_gains_the_mirrors_column(tmp_path):
    """A database from before mirrors: the column is added, its profiles
    keep working with no mirrors, and mirrors can be set."""
    make_files(tmp_path / "files")
    with sqlite3.connect(tmp_path / "state.sqlite") as c:
        c.executescript(
            "CREATE TABLE profiles (name TEXT PRIMARY KEY, kernel TEXT NOT NULL, "
            "initrd TEXT NOT NULL, cmdline TEXT NOT NULL DEFAULT '', initrds TEXT);"
            "INSERT INTO profiles VALUES ('old', 'boot/vmlinuz', 'initrd.img', '', NULL);")
    s = Server(tmp_path, listen=("127.0.0.1:0",))
    try:
        got = json.loads(s.admin("GET", "/api/v1/profiles/old")[1])
        assert got["mirrors"] == [] and got["initrds"] == ["initrd.img"]
        kernel, initrd = provision(s, "OLD-1", "old")
        assert "--mirror" not in kernel + initrd
        r, body = s.admin("PUT", "/api/v1/profiles/old", {
            "kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": MIRRORS[:1]})
        assert r.status == 200, body
        kernel, _ = provision(s, "OLD-1", "old")
        assert f" --mirror={MIRRORS[0]}boot/vmlinuz " in kernel
    finally:
        assert s.stop() == 0


def test_postgres_profiles_gain_mirrors(tmp_path):
    """The same on PostgreSQL. Its schema creates profiles without the
    column and adds it with ALTER TABLE ... ADD COLUMN IF NOT EXISTS, so a
    fresh database takes the path an old one does (no psql needed)."""
    import os
    if os.geteuid() != 0:
        pytest.skip("starting postgres as another user needs root")
    from pgtmp import PgTmp
    make_files(tmp_path / "files")
    with PgTmp(max_connections=20) as uri:
        cli("add-profile", "--name", "old", "--kernel", "boot/vmlinuz", "--initrd", "initrd.img",
            db=uri)
        s = Server(tmp_path, listen=("127.0.0.1:0",), extra=("--db", uri))
        try:
            assert json.loads(s.admin("GET", "/api/v1/profiles/old")[1])["mirrors"] == []
            kernel, _ = provision(s, "PGM-1", "old")
            assert "--mirror" not in kernel
            r, body = s.admin("PUT", "/api/v1/profiles/old", {
                "kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": MIRRORS})
            assert r.status == 200 and json.loads(body)["mirrors"] == MIRRORS, body
            kernel, initrd = provision(s, "PGM-1", "old")
            assert [w for w in initrd.split() if w.startswith("--mirror=")] == [
                f"--mirror={m}initrd.img" for m in MIRRORS]
            r, data = s.admin("PUT", "/api/v1/profiles/old", {
                "kernel": "boot/vmlinuz", "initrd": "initrd.img", "mirrors": ["http://x/ y/"]})
            assert r.status == 400 and b"mirror 0: " in data
            cli("add-profile", "--name", "c", "--kernel", "boot/vmlinuz", "--initrd",
                "initrd.img", "--mirror", MIRRORS[2], db=uri)
            got = {p["name"]: p["mirrors"] for p in json.loads(s.admin("GET", "/api/v1/profiles")[1])}
            assert got == {"old": MIRRORS, "c": MIRRORS[2:]}
        finally:
            assert s.stop() == 0
