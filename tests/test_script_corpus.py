"""Host-only, no QEMU: the iPXE compatibility corpus (tests/corpus/ipxe/)
through `build/snboot script --dry-run --json`, compared with the decision
iPXE reaches for each script (the .expect.json beside it; the reasoning is
in each file's "why" and the sources in tests/corpus/ipxe/README.md).

Chained scripts are served from tests/corpus/ipxe/served/ by a local HTTP
server; "{server}" in scripts, served files, arguments and expectations is
its URL. The server records the requests, so a case can check the exact
chained URLs (query strings included). build/snboot comes from `make all`.
"""
import functools
import glob
import http.server
import json
import os
import threading

import pytest

import programs

ROOT = programs.ROOT
CORPUS = os.path.join(ROOT, "tests", "corpus", "ipxe")
SNBOOT = os.path.join(ROOT, "build", "snboot")
CASES = sorted(os.path.basename(p)[: -len(".expect.json")]
               for p in glob.glob(os.path.join(CORPUS, "*.expect.json")))
KEYS = {"source", "script", "base", "args", "decision", "kernel", "initrds", "cmdline",
        "exit_status", "error_contains", "requests", "why", "differs_from_ipxe"}


class Served(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        rel = self.path.split("?", 1)[0].lstrip("/")
        path = os.path.realpath(os.path.join(CORPUS, "served", rel))
        if not path.startswith(os.path.join(CORPUS, "served") + os.sep) or \
                not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read().replace(b"{server}", self.server.url.encode())
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Served)
    srv.url = "http://127.0.0.1:%d" % srv.server_address[1]
    srv.requests = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def subst(value, url):
    if isinstance(value, str):
        return value.replace("{server}", url)
    if isinstance(value, list):
        return [subst(v, url) for v in value]
    if isinstance(value, dict):
        return {k: subst(v, url) for k, v in value.items()}
    return value


def test_corpus_is_complete():
    """Every script has an expectation, every expectation its script, and
    every backend named in the issue is covered."""
    assert os.path.exists(SNBOOT), "build/snboot is missing: run `make all` first"
    scripts = {os.path.basename(p) for p in glob.glob(os.path.join(CORPUS, "*.ipxe"))}
    used = set()
    for name in CASES:
        exp = json.load(open(os.path.join(CORPUS, name + ".expect.json")))
        assert set(exp) <= KEYS, (name, set(exp) - KEYS)
        assert exp["decision"] in ("boot", "local", "reboot", "poweroff", "error"), name
        assert exp.get("source") and exp.get("why"), name
        script = exp.get("script", name + ".ipxe")
        assert os.path.isfile(os.path.join(CORPUS, script)), (name, script)
        used.add(script)
    assert scripts <= used, scripts - used
    readme = open(os.path.join(CORPUS, "README.md")).read()
    for backend in ("tinkerbell", "ironic", "maas", "matchbox", "foreman", "netbootxyz",
                    "cobbler", "warewulf"):
        assert any(c.startswith(backend) for c in CASES), backend
        assert "`%s_" % backend in readme, backend


@pytest.mark.parametrize("name", CASES)
def test_corpus_case(name, server, tmp_path):
    assert os.path.exists(SNBOOT), "build/snboot is missing: run `make all` first"
    exp = subst(json.load(open(os.path.join(CORPUS, name + ".expect.json"))), server.url)
    script = tmp_path / "script.ipxe"
    text = open(os.path.join(CORPUS, exp.get("script", name + ".ipxe")), "rb").read()
    script.write_bytes(text.replace(b"{server}", server.url.encode()))
    cmd = [SNBOOT, "script", "--dry-run", "--json"] + exp.get("args", [])
    if "base" in exp:
        cmd += ["--base", exp["base"]]
    del server.requests[:]
    r = programs.run(cmd + [str(script)], capture_output=True, text=True, timeout=60)
    assert r.returncode == (1 if exp["decision"] == "error" else 0), r.stderr[-3000:]
    lines = r.stdout.strip().split("\n")
    assert len(lines) == 1, r.stdout   # one JSON object, the log is on stderr
    got = json.loads(lines[0])
    assert got["decision"] == exp["decision"], (got, r.stderr[-3000:])
    if exp["decision"] == "boot":
        assert got["kernel"] == exp["kernel"]
        assert got["initrds"] == exp["initrds"]
        assert got["cmdline"] == exp["cmdline"]
        assert got["error"] is None
    else:
        assert got["kernel"] is None and got["initrds"] == [] and got["cmdline"] is None
    if exp["decision"] == "error":
        assert exp["error_contains"] in got["error"], got["error"]
    if "exit_status" in exp:
        assert got.get("exit_status") == exp["exit_status"], got
    if "requests" in exp:
        assert server.requests == exp["requests"]
    else:
        assert server.requests == []


def test_dry_run_usage_and_trust():
    """The command line: errors are said with their code and exit 2; the
    trust rule refuses an unpinned http:// kernel unless --http-artifacts any."""
    r = programs.run([SNBOOT, "script", "/nonexistent.ipxe"], capture_output=True, text=True)
    assert r.returncode == 2 and "E0855" in r.stderr
    r = programs.run([SNBOOT, "script", "--dry-run", "--json", "/nonexistent.ipxe"],
                     capture_output=True, text=True)
    assert r.returncode == 2 and "E0856" in r.stderr and r.stdout == ""
    r = programs.run([SNBOOT, "script", "--dry-run", "--http-artifacts", "some", "x"],
                     capture_output=True, text=True)
    assert r.returncode == 2 and "E0855" in r.stderr
    plain = os.path.join(CORPUS, "maas_install.ipxe")
    r = programs.run([SNBOOT, "script", "--dry-run", "--json", "--set",
                      "mac=52:54:00:12:34:56", plain], capture_output=True, text=True)
    got = json.loads(r.stdout)
    assert r.returncode == 1 and got["decision"] == "error"
    assert "E0728" in got["error"] and "line 2: kernel" in got["error"]
    r = programs.run([SNBOOT, "script", "--dry-run", plain], capture_output=True, text=True)
    assert r.stdout.startswith("decision: error\n") and "error:    E0728" in r.stdout


def test_dry_run_over_https(tmp_path):
    """A script URL over https, verified against --ca (the demo PKI of
    `make all`), with a relative chained script that exits back to it; the
    wrong CA is refused before anything runs."""
    import ssl
    pki = os.path.join(ROOT, "build", "pki")
    (tmp_path / "top.ipxe").write_text("#!ipxe\nchain sub.ipxe\necho back\n"
                                       "kernel vmlinuz quiet\nboot\n")
    (tmp_path / "sub.ipxe").write_text("#!ipxe\necho in-sub\nexit 0\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(tmp_path))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(pki, "server.pem"), os.path.join(pki, "server.key"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "https://127.0.0.1:%d/top.ipxe" % srv.server_address[1]
    try:
        r = programs.run([SNBOOT, "script", "--dry-run", "--json", "--ca",
                          os.path.join(pki, "ca.pem"), url], capture_output=True, text=True,
                         timeout=60)
        assert r.returncode == 0, r.stderr
        got = json.loads(r.stdout)
        assert got["decision"] == "boot"
        assert got["kernel"] == url.replace("top.ipxe", "vmlinuz")
        assert got["cmdline"] == "quiet"
        assert r.stderr.index("in-sub") < r.stderr.index("back")
        r = programs.run([SNBOOT, "script", "--dry-run", "--json", "--ca",
                          os.path.join(pki, "other-ca.pem"), url], capture_output=True,
                         text=True, timeout=60)
        assert r.returncode == 2 and r.stdout == ""
        assert "snboot script: E07" in r.stderr, r.stderr
    finally:
        srv.shutdown()
        srv.server_close()
