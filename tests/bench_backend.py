"""make bench, the backend's part: build/loadgen plays distinct machines
booting at once against build/server-stub (SQLite engine) on loopback,
each over its own TLS connection: boot POST, two events, a 64 KiB ranged
fetch of a 1 MiB kernel.

  backend_boot_rps      boot POSTs answered per second over the run
  backend_p99_ms        99th percentile of the boot POST's latency
  backend_errors        machines that failed (must be 0)
  backend_peak_rss_kib  the server's peak RSS (VmHWM)
  backend_total_s       seconds for BENCH_BACKEND_TOTAL distinct machines
                        (only when set, e.g. 100000) at BENCH_BACKEND_MACHINES
                        concurrent; backend_total_errors those that failed

The same for PostgreSQL (a throw-away server, tests/pgtmp.py) as
backend_*_pg; BENCH_BACKEND_PG=0 skips it.

BENCH_BACKEND_MACHINES (default 10000) machines, starts jittered over 5 s.
The server gets --request-timeout/--idle-timeout 600 so the figure is its
capacity, not how fast it sheds a herd it cannot handshake in time.
Load generator and server share the machine's cores."""
import os
import re
import subprocess
import sys
import tempfile
import time

import programs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "build", "server-stub")
LOADGEN = os.path.join(ROOT, "build", "loadgen")
PKI = os.path.join(ROOT, "build", "pki")


def _start(tmp, machines, db=None):
    files = os.path.join(tmp, "files")
    os.makedirs(files)
    with open(os.path.join(files, "vmlinuz"), "wb") as f:
        f.write(os.urandom(1 << 20))
    log_path = os.path.join(tmp, "server.log")
    log = open(log_path, "w")
    proc = programs.popen([SERVER, "serve", "--db", db or os.path.join(tmp, "state.sqlite"),
                           "--cert", os.path.join(PKI, "server.pem"),
                           "--key", os.path.join(PKI, "server.key"), "--files", files,
                           "--listen", "127.0.0.1:0", "--per-ip-limit", "1000000",
                           "--max-connections", str(machines + 2000),
                           "--request-timeout", "600", "--idle-timeout", "600"],
                          stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log_path).read())
        if m:
            return proc, log, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("server-stub did not start: " + open(log_path).read()[-2000:])


def _loadgen(port, pid, machines, concurrency, prefix):
    r = programs.run([LOADGEN, "--url", "https://127.0.0.1:%d" % port, "--cacert",
                      os.path.join(PKI, "ca.pem"), "--machines", str(machines),
                      "--concurrency", str(concurrency), "--jitter-ms", "5000",
                      "--prefix", prefix, "--server-pid", str(pid)],
                     capture_output=True, text=True, timeout=7200)
    figures = dict((m.group(1), float(m.group(2)))
                   for m in re.finditer(r"^(\S+) (-?[\d.]+) \S+$", r.stdout, re.M))
    if "errors" not in figures:
        raise RuntimeError("loadgen: " + (r.stdout + r.stderr)[-2000:])
    return figures


def _engine(figure, machines, total, suffix, db=None):
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as tmp:
        proc, log, port = _start(tmp, machines, db)
        try:
            f = _loadgen(port, proc.pid, machines, machines, "BENCH")
            figure("backend_boot_rps" + suffix, round(f["boot_rps"], 1), "req/s")
            figure("backend_p99_ms" + suffix, round(f["boot_p99_ms"], 1), "ms")
            figure("backend_errors" + suffix, int(f["errors"]), "count")
            figure("backend_peak_rss_kib" + suffix, int(f["server_peak_rss_kib"]), "KiB")
            if total:
                t = _loadgen(port, proc.pid, total, machines, "TOTAL")
                figure("backend_total_s" + suffix, round(t["elapsed_s"], 1), "s")
                figure("backend_total_errors" + suffix, int(t["errors"]), "count")
        finally:
            proc.terminate()
            proc.wait(60)
            log.close()


def figures(figure):
    """Measure and report through bench.figure(name, value, unit)."""
    machines = int(os.environ.get("BENCH_BACKEND_MACHINES", "10000"))
    total = int(os.environ.get("BENCH_BACKEND_TOTAL", "0"))
    names = ["backend_boot_rps", "backend_p99_ms", "backend_errors", "backend_peak_rss_kib"]
    for suffix in ("", "_pg"):
        if suffix and os.environ.get("BENCH_BACKEND_PG", "1") == "0":
            continue
        try:
            programs.run(["make", "-s", "build/server-stub", "build/loadgen"], cwd=ROOT,
                         check=True)
            if not os.path.exists(os.path.join(PKI, "ca.pem")):
                programs.run(["sh", "mk/pki.sh", PKI], cwd=ROOT, check=True)
            if suffix:
                from pgtmp import PgTmp
                with PgTmp() as uri:
                    _engine(figure, machines, total, suffix, uri)
            else:
                _engine(figure, machines, total, suffix)
        except (RuntimeError, OSError, subprocess.SubprocessError,
                programs.UndeclaredProgram) as e:
            print("bench: backend%s: %s" % (suffix, e), file=sys.stderr, flush=True)
            for name in names:
                figure(name + suffix, None, "")
