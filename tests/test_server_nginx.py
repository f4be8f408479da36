"""A real nginx cache (Debian's nginx) in front of server-stub: boot
scripts name files by content (--content-urls 1) on the cache's plain
http address (--public-url), as pinned artifacts may come over http (the
README's trust model). The cache fetches each version once over TLS from
the backend, then serves it, ranges included, even with the backend down.
Host only. Run: /usr/bin/python3 -m pytest -v tests/test_server_nginx.py
"""
import hashlib
import http.client
import os
import re
import socket
import time

import pytest

import programs
from test_server_stub import PKI, Server, built, cli  # noqa: F401 (fixture)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r, body


@pytest.fixture
def cache(tmp_path):
    if not os.access("/usr/sbin/nginx", os.X_OK):
        pytest.fail("nginx is not installed (mk/deps.sh installs it)")
    port = free_port()
    d = tmp_path / "nginx"
    d.mkdir()
    conf = d / "nginx.conf"
    upstream = {}

    def start(backend_port):
        conf.write_text(f"""
daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    proxy_cache_path {d}/cache keys_zone=snboot:1m max_size=100m inactive=7d;
    server {{
        listen 127.0.0.1:{port};
        location /cas/ {{
            proxy_pass https://127.0.0.1:{backend_port};
            proxy_ssl_trusted_certificate {PKI}/ca.pem;
            proxy_ssl_verify on;
            proxy_ssl_name localhost;   # nginx checks DNS names, not IP SANs
            proxy_ssl_protocols TLSv1.2 TLSv1.3;
            proxy_cache snboot;
            proxy_cache_use_stale error timeout http_502 http_503;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
""")
        upstream["proc"] = programs.popen(["nginx", "-c", str(conf), "-p", str(d)],
                                          stderr=open(d / "stderr.log", "w"))
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port
            except OSError:
                assert upstream["proc"].poll() is None and time.monotonic() < deadline, \
                    (d / "error.log").read_text() + (d / "stderr.log").read_text()
                time.sleep(0.05)

    yield start
    if "proc" in upstream:
        upstream["proc"].terminate()
        upstream["proc"].wait(10)


def test_boot_files_through_an_nginx_cache(tmp_path, cache):
    s = None
    try:
        # The backend first (its port goes into nginx's config), then the
        # cache, whose address the scripts name.
        s = Server(tmp_path, listen=("127.0.0.1:0",))
        nginx_port = cache(s.port())
        s.stop()
        s = Server(tmp_path, listen=(f"127.0.0.1:{s.port()}",),
                   extra=("--content-urls", "1", "--public-url", f"http://127.0.0.1:{nginx_port}"))
        kernel = os.urandom(200_000)
        (s.files / "k").write_bytes(kernel)
        (s.files / "i").write_bytes(b"initrd")
        cli("add-profile", "--name", "p", "--kernel", "k", "--initrd", "i", db=s.db)
        cli("add-machine", "--serial", "NGX-1", "--profile", "p", db=s.db)
        r, body = s.request("POST", "/api/v1/boot", {"serial": "NGX-1"})
        m = re.search(r"kernel --sha256=([0-9a-f]{64}) http://127\.0\.0\.1:(\d+)(/cas/\S+/k) ",
                      body.decode())
        assert m and int(m.group(2)) == nginx_port, body
        assert m.group(1) == hashlib.sha256(kernel).hexdigest()
        path = m.group(3)
        r, data = get(nginx_port, path)
        assert r.status == 200 and data == kernel
        assert r.getheader("X-Cache-Status") == "MISS"
        r, data = get(nginx_port, path)
        assert r.status == 200 and data == kernel and r.getheader("X-Cache-Status") == "HIT"
        r, data = get(nginx_port, path, {"Range": "bytes=1000-1999"})
        assert r.status == 206 and data == kernel[1000:2000]
        assert r.getheader("X-Cache-Status") == "HIT"
        # The backend fetched it once.
        assert s.log_text().count(f"GET {path} 200") == 1
        # A herd after the backend went away still gets the kernel.
        assert s.stop() == 0
        r, data = get(nginx_port, path)
        assert r.status == 200 and data == kernel and r.getheader("X-Cache-Status") == "HIT"
    finally:
        if s and s.proc.poll() is None:
            s.stop()
