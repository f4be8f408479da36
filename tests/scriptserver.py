"""A minimal HTTPS backend for scenarios that need a script server-stub
does not emit (sanboot --drive 0x81, exit, a broken script): it answers
every POST /api/v1/boot with a fixed iPXE script, records every
POST /api/v1/events, and serves the test target under /files/. TLS with the
demo PKI's server certificate, so the image's baked CA trusts it."""
import http.server
import json
import os
import ssl
import threading
import time

import harness as h


class ScriptServer:
    def __init__(self, script, host="0.0.0.0", port=None, busy=(), pages=None):
        self.script = script
        # Further scripts by path, for chain: {"/a/one.ipxe": "#!ipxe ..."}.
        self.pages = dict(pages or {})
        self.gets = []
        # Answers to the first boot POSTs, e.g. [(503, 5)]: status and
        # Retry-After seconds (None: no header); then the script.
        self.busy = list(busy)
        self.boot_times = []
        self.port = port or h.free_port()
        self.events = []
        self.boot_posts = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def _reply(self, code, body, ctype="text/plain"):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                try:
                    doc = json.loads(body or b"{}")
                except ValueError:
                    doc = {}
                if self.path.endswith("/api/v1/events"):
                    outer.events.append(doc)
                    self._reply(200, b"{}", "application/json")
                elif self.path.endswith("/api/v1/boot"):
                    outer.boot_posts.append(doc)
                    outer.boot_times.append(time.monotonic())
                    if outer.busy:
                        status, after = outer.busy.pop(0)
                        self.send_response(status)
                        if after is not None:
                            self.send_header("Retry-After", str(after))
                        self.send_header("Content-Length", "5")
                        self.end_headers()
                        self.wfile.write(b"busy\n")
                        return
                    self._reply(200, outer.script.encode())
                else:
                    self._reply(404, b"not found\n")

            def do_GET(self):
                outer.gets.append(self.path)
                if self.path in outer.pages:
                    return self._reply(200, outer.pages[self.path].encode())
                files = {"vmlinuz": h.TARGET_KERNEL, "initrd.img": h.TARGET_INITRD}
                name = self.path.rsplit("/", 1)[-1]
                path = files.get(name) if "/files/" in self.path else None
                if not path:
                    return self._reply(404, b"not found\n")
                with open(path, "rb") as f:
                    self._reply(200, f.read(), "application/octet-stream")

        self.httpd = http.server.ThreadingHTTPServer((host, self.port), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(h.PKI, "server.pem"), os.path.join(h.PKI, "server.key"))
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def serve(self):
        self.thread.start()
        return self

    def url(self, host=h.SLIRP_HOST):
        return "https://%s:%d/api/v1/boot" % (host, self.port)

    def event_stages(self):
        return [(e.get("stage"), e.get("status"), e.get("message")) for e in self.events]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
