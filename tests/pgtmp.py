"""A throw-away PostgreSQL server for tests and the bench: Debian's
postgresql run as nobody (initdb refuses root) in a temp dir, listening
on a Unix socket only. Needs root to switch to nobody.

    with PgTmp() as uri:   # postgresql:///postgres?host=/tmp/...&user=snboot
        ...
"""
import glob
import os
import shutil
import tempfile
import time

import programs

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


def pg_bin(name):
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/" + name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (mk/deps.sh installs postgresql)")
    return found[-1]


class PgTmp:
    def __init__(self, max_connections=200):
        self.max_connections = max_connections
        self.tmp = self.proc = self.log = None

    def __enter__(self):
        if os.geteuid() != 0:
            raise RuntimeError("starting postgres as nobody needs root")
        self.tmp = tempfile.mkdtemp(prefix="snboot-pg-")
        os.chmod(self.tmp, 0o755)
        os.chown(self.tmp, 65534, 65534)
        data = os.path.join(self.tmp, "data")
        r = programs.run(NOBODY + [pg_bin("initdb"), "-D", data, "-A", "trust", "-U", "snboot",
                                   "--no-sync", "-E", "UTF8", "--locale=C"],
                         capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("initdb: " + r.stdout + r.stderr)
        log_path = os.path.join(self.tmp, "postgres.log")
        self.log = open(log_path, "w")
        self.proc = programs.popen(NOBODY + [pg_bin("postgres"), "-D", data, "-k", self.tmp,
                                             "-c", "listen_addresses=", "-c", "fsync=off",
                                             "-c", "max_connections=%d" % self.max_connections],
                                   stderr=self.log)
        deadline = time.monotonic() + 30
        while not os.path.exists(os.path.join(self.tmp, ".s.PGSQL.5432")):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("postgres did not start: " + open(log_path).read()[-2000:])
            time.sleep(0.1)
        time.sleep(0.3)
        return "postgresql:///postgres?host=%s&user=snboot" % self.tmp

    def __exit__(self, *exc):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(30)
        if self.log:
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
