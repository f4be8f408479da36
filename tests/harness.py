"""Shared helpers for snboot's QEMU scenarios, the demo and the benchmarks.

Pieces (each owns processes and always cleans them up in close()):
  Backend  - build/server-stub with its own SQLite DB and files dir
  Qemu     - one VM booting build/snboot.efi, console streamed line by line
             into build/test-logs/<name>.log, wait_for(regex) on it
  NetNS    - a network namespace with tap devices 10.77.K.1/24, fd77:K::1/64
  Dnsmasq  - real dnsmasq serving one tap inside a NetNS

Nothing here sleeps blindly: every wait is on a console line, a log line, a
port or a process, with a deadline and a failure message that shows the
last console lines.
"""
import os
import random
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import programs  # noqa: E402  (every program a scenario runs is declared there)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
IMAGE = os.path.join(BUILD, "snboot.efi")
AGENT = os.path.join(BUILD, "snboot")
SERVER_STUB = os.path.join(BUILD, "server-stub")
PKI = os.path.join(BUILD, "pki")
TARGET_KERNEL = os.path.join(BUILD, "target", "vmlinuz")
TARGET_INITRD = os.path.join(BUILD, "target", "initrd.img")
LOG_DIR = os.path.join(BUILD, "test-logs")

# The test target's one line (tests/target/init); the BIOS may put escape
# sequences before it on the same line, so never anchor at the start.
MARKER = r"SNBOOT-TARGET-OK cmdline=(?P<cmdline>.*)"
# Stage timing lines the agent prints (agent/core/log.h log_stage_done).
STAGE_DONE = re.compile(r"snboot (\w+): done in (\d+) ms")

# Generous: TCG boots the image, DHCPs, downloads 9 MB and boots again.
BOOT_TIMEOUT = float(os.environ.get("SNBOOT_BOOT_TIMEOUT", "180"))
VERBOSE = os.environ.get("SNBOOT_TEST_VERBOSE", "") not in ("", "0")

ANSI = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[A-Za-z])")


class HarnessError(AssertionError):
    """A scenario expectation failed; the message carries the evidence."""


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A TCP port free on every address (IPv4 and IPv6), below the kernel's
    ephemeral range: a port the kernel hands out for bind(0) comes from the
    range outgoing connections use, so with scenarios running in parallel
    one of their connections could take it before the server binds it
    (seen in CI: server-stub "bind: Address already in use")."""
    low = _ephemeral_low()
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(10000, max(10001, low - 1))
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
                s.bind(("::", port))
            return port
        except OSError:
            continue
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log_path(name):
    os.makedirs(LOG_DIR, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    return os.path.join(LOG_DIR, safe)


def require_files(*paths):
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise HarnessError("missing build outputs (run make): " + ", ".join(missing))


def stop_process(proc, grace=5.0):
    """SIGTERM, then SIGKILL after grace seconds; waits for the exit."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)
    except ProcessLookupError:
        pass


def netns_prefix(netns):
    if netns is None:
        return []
    return ["ip", "netns", "exec", netns if isinstance(netns, str) else netns.name]


class LineStream:
    """Reads a process's output in a thread, splits it into lines, writes
    them to a log file (and stdout when echo), and lets callers wait for a
    regex. Lines are kept in memory for assertions after the fact."""

    def __init__(self, stream, log_file, echo=False, prefix=""):
        self.lines = []
        self.eof = False
        self._cond = threading.Condition()
        self._stream = stream
        self._log = open(log_file, "w", encoding="utf-8", errors="replace")
        self._echo = echo
        self._prefix = prefix
        self.started = time.monotonic()
        self.line_times = []
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _add(self, text):
        text = ANSI.sub("", text).rstrip()
        if not text:
            return
        now = time.monotonic()
        # Log and echo first, so a waiter's own output comes after the line.
        self._log.write("[%8.3f] %s\n" % (now - self.started, text))
        self._log.flush()
        if self._echo:
            sys.stdout.write(self._prefix + text + "\n")
            sys.stdout.flush()
        with self._cond:
            self.lines.append(text)
            self.line_times.append(now)
            self._cond.notify_all()

    def _pump(self):
        pending = b""
        try:
            while True:
                chunk = self._stream.read1(65536) if hasattr(self._stream, "read1") \
                    else self._stream.read(4096)
                if not chunk:
                    break
                pending += chunk
                # Progress output may use bare \r; treat it as a line end too.
                parts = re.split(rb"\r\n|\n|\r", pending)
                pending = parts.pop()
                for p in parts:
                    self._add(p.decode("utf-8", "replace"))
        except (OSError, ValueError):
            pass
        if pending:
            self._add(pending.decode("utf-8", "replace"))
        with self._cond:
            self.eof = True
            self._cond.notify_all()
        self._log.close()

    def search(self, regex, start=0):
        """First (index, match) at or after line start, or (None, None)."""
        rx = re.compile(regex)
        with self._cond:
            for i in range(start, len(self.lines)):
                m = rx.search(self.lines[i])
                if m:
                    return i, m
        return None, None

    def find_all(self, regex):
        rx = re.compile(regex)
        with self._cond:
            return [m for m in (rx.search(l) for l in self.lines) if m]

    def wait(self, regex, timeout, start=0, alive=None):
        """Waits until a line at or after start matches; returns (index,
        match), or (None, None) at the deadline or when the stream ends."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        i = start
        with self._cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return i, m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.eof:
                    return None, None
                self._cond.wait(min(left, 1.0))

    def tail(self, n=40):
        with self._cond:
            return "\n".join(self.lines[-n:])

    def join(self, timeout=5.0):
        self._thread.join(timeout)


class Backend:
    """build/server-stub with a private DB and files dir (hard links to the
    test target). serve() starts it (in a netns if given) and waits for its
    'listening on' line; stderr is kept as lines for assertions."""

    def __init__(self, name, workdir, cert="server.pem", key="server.key",
                 port=None, listen_host="::", netns=None, echo=False):
        require_files(SERVER_STUB)
        self.name = name
        self.workdir = workdir
        self.db = os.path.join(workdir, "backend.db")
        self.files = os.path.join(workdir, "files")
        self.cert = cert if os.path.isabs(cert) else os.path.join(PKI, cert)
        self.key = key if os.path.isabs(key) else os.path.join(PKI, key)
        self.port = port or free_port()
        self.listen_host = listen_host
        self.netns = netns
        self.echo = echo
        self.proc = None
        self.log = None
        os.makedirs(self.files, exist_ok=True)
        for src, dst in ((TARGET_KERNEL, "vmlinuz"), (TARGET_INITRD, "initrd.img")):
            link = os.path.join(self.files, dst)
            if not os.path.lexists(link) and os.path.exists(src):
                # server-stub serves nothing outside --files (openat2
                # RESOLVE_BENEATH), so a hard link or a copy, not a symlink.
                try:
                    os.link(src, link)
                except OSError:
                    shutil.copyfile(src, link)

    def _cli(self, *args):
        cmd = [SERVER_STUB] + list(args)
        r = programs.run(cmd, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise HarnessError("%s failed (%d): %s%s" % (
                " ".join(shlex.quote(c) for c in cmd), r.returncode, r.stdout, r.stderr))
        return r.stdout

    def add_profile(self, name, kernel="vmlinuz", initrd="initrd.img",
                    cmdline="console=ttyS0"):
        return self._cli("add-profile", "--db", self.db, "--name", name,
                         "--kernel", kernel, "--initrd", initrd, "--cmdline", cmdline)

    def add_machine(self, serial, profile, action=None):
        args = ["add-machine", "--db", self.db, "--serial", serial, "--profile", profile]
        if action:
            args += ["--action", action]
        return self._cli(*args)

    def list(self):
        return self._cli("list", "--db", self.db)

    def query(self, sql, params=()):
        """Read-only look into the backend's DB (for 'it registered X')."""
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=5)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def url(self, host):
        if ":" in host:
            host = "[%s]" % host
        return "https://%s:%d/api/v1/boot" % (host, self.port)

    def serve(self, timeout=15.0):
        listen = "%s:%d" % (("[%s]" % self.listen_host) if ":" in self.listen_host
                            else self.listen_host, self.port)
        cmd = netns_prefix(self.netns) + [
            SERVER_STUB, "serve", "--db", self.db, "--cert", self.cert, "--key", self.key,
            "--listen", listen, "--files", self.files]
        self.proc = programs.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.log = LineStream(self.proc.stdout, log_path(self.name + ".backend.log"),
                              echo=self.echo, prefix="backend| ")
        i, m = self.log.wait(r"listening on", timeout)
        if m is None:
            rc = self.proc.poll()
            self.close()
            raise HarnessError("backend did not start (rc=%s): %s" % (rc, self.log.tail(20)))
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        stop_process(self.proc)
        if self.log:
            self.log.join()


def qemu_nic_args(k, mac=None, model="virtio-net-pci", tap=None):
    """-netdev/-device pair for NIC k on tap device tap (default tapK)."""
    ifname = tap or "tap%d" % k
    dev = "%s,netdev=n%d" % (model, k)
    if mac:
        dev += ",mac=%s" % mac
    return ["-netdev", "tap,id=n%d,ifname=%s,script=no,downscript=no" % (k, ifname),
            "-device", dev]


def qemu_user_nic_args(bootfile, mac=None):
    """QEMU user networking: the host is 10.0.2.2 in the guest and slirp
    hands bootfile as DHCP option 67."""
    dev = "virtio-net-pci,netdev=n0"
    if mac:
        dev += ",mac=%s" % mac
    return ["-netdev", "user,id=n0,ipv4=on,ipv6=on,bootfile=%s" % bootfile,
            "-device", dev]


class Qemu:
    """One VM. start() launches it; console lines stream to
    build/test-logs/<name>.log; wait_for() waits for a regex."""

    def __init__(self, name, serial=None, append="", nic_args=(), kernel=IMAGE,
                 initrd=None, netns=None, echo=None, memory=1024, extra=(),
                 no_reboot=True, cpus=1):
        require_files(kernel)
        self.name = name
        self.serial = serial
        self.append = append
        self.nic_args = list(nic_args)
        self.kernel = kernel
        self.initrd = initrd
        self.netns = netns
        self.echo = VERBOSE if echo is None else echo
        self.memory = memory
        self.cpus = cpus   # -smp: the agent downloads in parallel with 2 or more
        self.extra = list(extra)
        # -no-reboot: a reboot ends QEMU (the target powers off at its
        # marker); scenarios that must watch a reboot turn it off.
        self.no_reboot = no_reboot
        self.proc = None
        self.console = None
        self.started = None

    def command(self):
        accel = os.environ.get("QEMU_ACCEL", "tcg")
        cmd = ["qemu-system-x86_64", "-accel", accel, "-m", str(self.memory),
               "-smp", str(self.cpus), "-nographic"] + (["-no-reboot"] if self.no_reboot else []) + [
               "-kernel", self.kernel,
               "-append", ("console=ttyS0 " + self.append).strip()]
        if self.initrd:
            cmd += ["-initrd", self.initrd]
        if self.serial is not None:
            cmd += ["-smbios", "type=1,serial=%s" % self.serial]
        cmd += self.nic_args if self.nic_args else ["-nic", "none"]
        return netns_prefix(self.netns) + cmd + self.extra

    def start(self):
        cmd = self.command()
        path = log_path(self.name + ".log")
        with open(path + ".cmd", "w") as f:
            f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
        self.started = time.monotonic()
        self.proc = programs.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.console = LineStream(self.proc.stdout, path, echo=self.echo)
        return self

    @property
    def lines(self):
        return self.console.lines

    def text(self):
        return "\n".join(self.console.lines)

    def _fail(self, what):
        rc = self.proc.poll()
        state = "QEMU exited with %s" % rc if rc is not None else "QEMU still running"
        raise HarnessError("%s (%s; %.0f s since start; console in %s)\n"
                           "--- last 40 console lines ---\n%s" % (
                               what, state, time.monotonic() - self.started,
                               log_path(self.name + ".log"), self.console.tail(40)))

    def wait_for(self, regex, timeout=BOOT_TIMEOUT, start=0):
        """Returns the re.Match of the first console line (at or after line
        index start) matching regex; fails with the last 40 lines on timeout
        or when QEMU exits first. The match's line index is in .index."""
        i, m = self.console.wait(regex, timeout, start)
        if m is None:
            self._fail("console never showed /%s/ within %.0f s" % (regex, timeout))
        self.last_index = i
        return m

    def wait_marker(self, timeout=BOOT_TIMEOUT):
        """Waits for the test target's marker; returns its cmdline."""
        return self.wait_for(MARKER, timeout).group("cmdline")

    def assert_absent(self, regex, duration, start=0):
        """Fails if a line matching regex shows up within duration seconds
        (returns early, passing, if QEMU exits without it)."""
        i, m = self.console.wait(regex, duration, start)
        if m is not None:
            self._fail("console showed /%s/ (line %d: %r), which must not happen" % (
                regex, i, m.group(0)))

    def seconds_to(self, index):
        """Seconds from QEMU start to when console line index arrived."""
        return self.console.line_times[index] - self.started

    def stage_times(self):
        """{stage: ms} from the agent's 'snboot <stage>: done in <N> ms'
        lines (the last value of each stage)."""
        out = {}
        for m in self.console.find_all(STAGE_DONE.pattern):
            out[m.group(1)] = int(m.group(2))
        return out

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self):
        stop_process(self.proc, grace=3.0)
        if self.console:
            self.console.join()


# Scenarios start helper processes through these (declared programs only).
popen = programs.popen
run_program = programs.run


def run(cmd, check=True, **kw):
    r = programs.run(cmd, capture_output=True, text=True, timeout=60, **kw)
    if check and r.returncode != 0:
        raise HarnessError("%s failed (%d): %s%s" % (
            " ".join(shlex.quote(str(c)) for c in cmd), r.returncode, r.stdout, r.stderr))
    return r


_ns_counter = [0]


def remove_stale_netns():
    """Deletes namespaces a killed run left behind (snb-<tag>-<pid>-<n>
    whose pid is gone); a live run's namespaces are left alone."""
    r = run(["ip", "netns", "list"], check=False)
    for line in r.stdout.splitlines():
        m = re.match(r"(snb-[a-z0-9]*-(\d+)-\d+)\b", line)
        if m and not os.path.exists("/proc/%s" % m.group(2)):
            run(["ip", "netns", "del", m.group(1)], check=False)


class NetNS:
    """A network namespace (unique name) with tap devices. Tap k gets
    10.77.k.1/24 and fd77:k::1/64, the addresses the backend certificate
    names. close() deletes the namespace, which deletes the taps."""

    def __init__(self, tag="t"):
        remove_stale_netns()
        _ns_counter[0] += 1
        self.name = "snb-%s-%d-%d" % (re.sub(r"[^a-z0-9]", "", tag.lower())[:12],
                                       os.getpid(), _ns_counter[0])
        run(["ip", "netns", "add", self.name])
        self.taps = []
        self.ip("link", "set", "lo", "up")
        # Router advertisements and DHCPv6 want forwarding semantics off;
        # keep the namespace's IPv6 enabled even if the host disables it.
        self.sysctl("net.ipv6.conf.all.disable_ipv6", "0", check=False)
        self.sysctl("net.ipv6.conf.default.disable_ipv6", "0", check=False)

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name] + list(args), check=check)

    def sysctl(self, key, value, check=True):
        return run(["ip", "netns", "exec", self.name, "sysctl", "-qw", "%s=%s" % (key, value)],
                   check=check)

    def exec(self, *args, check=True):
        return run(["ip", "netns", "exec", self.name] + list(args), check=check)

    def add_tap(self, k, v4=True, v6=True):
        tap = "tap%d" % k
        self.ip("tuntap", "add", tap, "mode", "tap")
        if v4:
            self.ip("addr", "add", "10.77.%d.1/24" % k, "dev", tap)
        if v6:
            # nodad: the address is usable at once, before any carrier.
            self.ip("addr", "add", "fd77:%d::1/64" % k, "dev", tap, "nodad")
        self.ip("link", "set", tap, "up")
        self.taps.append(tap)
        return tap

    def lose_packets(self, tap, percent):
        """Drops percent% of the IP packets through tap, each direction, at
        random (iptables statistic match: this host kernel has no netem)."""
        p = "%.2f" % (percent / 100.0)
        for tool in ("iptables", "ip6tables"):
            for chain, way in (("INPUT", "-i"), ("OUTPUT", "-o")):
                self.exec(tool, "-A", chain, way, tap, "-m", "statistic", "--mode", "random",
                          "--probability", p, "-j", "DROP")

    def dropped(self, tap):
        """Packets the lose_packets rules dropped so far (proof they bit)."""
        total = 0
        for tool in ("iptables", "ip6tables"):
            out = self.exec(tool, "-L", "-v", "-n", "-x").stdout
            for line in out.splitlines():
                f = line.split()
                if len(f) > 3 and f[2] == "DROP" and tap in f and "statistic" in line:
                    total += int(f[0])
        return total

    def close(self):
        run(["ip", "netns", "del", self.name], check=False)


class Dnsmasq:
    """Real dnsmasq on one tap of a NetNS: no DNS (port 0), its own lease
    file, log file and no system config. args are extra dnsmasq options
    (dhcp-range, boot URL, tags). start() waits until dnsmasq says it is
    serving DHCP."""

    def __init__(self, netns, tap, args, workdir, name):
        self.netns = netns
        self.tap = tap
        self.args = list(args)
        self.workdir = workdir
        self.name = name
        self.logfile = log_path("%s.dnsmasq-%s.log" % (name, tap))
        self.proc = None
        self.log = None

    def command(self):
        leases = os.path.join(self.workdir, "dnsmasq-%s.leases" % self.tap)
        pid = os.path.join(self.workdir, "dnsmasq-%s.pid" % self.tap)
        return netns_prefix(self.netns) + [
            "dnsmasq", "--keep-in-foreground", "--no-daemon", "--conf-file=/dev/null",
            "--port=0", "--interface=%s" % self.tap, "--bind-interfaces",
            "--except-interface=lo", "--no-resolv", "--no-hosts", "--log-dhcp",
            "--dhcp-leasefile=%s" % leases, "--pid-file=%s" % pid,
            "--dhcp-authoritative"] + self.args

    def start(self, timeout=10.0):
        cmd = self.command()
        with open(self.logfile + ".cmd", "w") as f:
            f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
        self.proc = programs.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.log = LineStream(self.proc.stdout, self.logfile, prefix="dnsmasq| ")
        i, m = self.log.wait(r"DHCP, IP range|DHCPv6.*range|router advertisement on|"
                             r"DHCP, static leases|DHCP, proxy", timeout)
        if m is None:
            rc = self.proc.poll()
            self.close()
            raise HarnessError("dnsmasq on %s did not start (rc=%s):\n%s" % (
                self.tap, rc, self.log.tail(20)))
        return self

    def lines(self):
        return self.log.lines

    def close(self):
        stop_process(self.proc)
        if self.log:
            self.log.join()


def dnsmasq_v4_args(k, boot_url, extra=()):
    """DHCPv4 on tapk with the boot URL as option 67 and the HTTPClient
    vendor class echoed (what UEFI HTTP boot clients expect)."""
    # --no-ping: dnsmasq's 3 s ICMP check of a fresh address would dominate
    # every lease time the scenarios and the bench look at.
    return ["--no-ping", "--dhcp-range=10.77.%d.100,10.77.%d.199,255.255.255.0,1h" % (k, k),
            "--dhcp-option=option:bootfile-name,%s" % boot_url] + list(extra)


def dnsmasq_v6_args(k, boot_url, extra=()):
    """Router advertisements + stateful DHCPv6 on tapk, boot URL as option 59."""
    return ["--enable-ra",
            "--dhcp-range=fd77:%d::100,fd77:%d::1ff,64,1h" % (k, k),
            "--dhcp-option=option6:bootfile-url,%s" % boot_url] + list(extra)


def client_id_hex(serial):
    """dnsmasq id: form of the client identifier the agent sends: type 0
    followed by the serial's bytes (agent/net/dhcp4_packet.c put_client_id)."""
    return ":".join("%02x" % b for b in b"\x00" + serial.encode())


class Stack:
    """Collects everything a scenario starts and closes it in reverse order
    (used by the pytest fixtures, the demo and the bench)."""

    def __init__(self, name):
        self.name = name
        self.workdir = tempfile.mkdtemp(prefix="snboot-%s-" % re.sub(r"\W+", "_", name)[:40])
        self._items = []

    def add(self, item):
        self._items.append(item)
        return item

    def backend(self, **kw):
        kw.setdefault("echo", False)
        return self.add(Backend(self.name, os.path.join(self.workdir, "backend"), **kw))

    def netns(self, tag=None):
        return self.add(NetNS(tag or self.name))

    def dnsmasq(self, netns, tap, args):
        return self.add(Dnsmasq(netns, tap, args, self.workdir, self.name)).start()

    def qemu(self, name=None, **kw):
        return self.add(Qemu(name or self.name, **kw))

    def close(self):
        errors = []
        for item in reversed(self._items):
            try:
                item.close()
            except Exception as exc:  # teardown must go on
                errors.append("%s: %s" % (type(item).__name__, exc))
        self._items = []
        shutil.rmtree(self.workdir, ignore_errors=True)
        if errors:
            raise HarnessError("teardown: " + "; ".join(errors))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        raise ValueError("median of nothing")
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


SLIRP_HOST = "10.0.2.2"  # the host's loopback as QEMU user networking shows it


def provisioned_backend(stack, serial=None, profile="target", cmdline="console=ttyS0", **kw):
    """A backend with the test target as profile and, if serial is given,
    that machine set to provision it. Not started (call .serve())."""
    be = stack.backend(**kw)
    be.add_profile(profile, cmdline=cmdline)
    if serial:
        be.add_machine(serial, profile, action="provision")
    return be


def user_net_qemu(stack, backend, serial, append="", name=None, echo=None):
    """A VM on QEMU user networking whose DHCP hands out the backend URL."""
    return stack.qemu(name=name, serial=serial, append=append, echo=echo,
                      nic_args=qemu_user_nic_args(backend.url(SLIRP_HOST)))


def serial_in_cmdline(cmdline, serial):
    return re.search(r"(^|\s)snboot\.serial=%s(\s|$)" % re.escape(serial), cmdline) is not None


def wait_until_elapsed(since, seconds):
    """Waits until seconds have passed since the monotonic time since (used
    to start something a fixed time after QEMU, as a scenario demands)."""
    left = since + seconds - time.monotonic()
    if left > 0:
        time.sleep(left)


def nic_mac(k):
    """Fixed MAC of QEMU NIC k (tests name NICs by it)."""
    return "52:54:00:00:00:%02x" % k


class NicLab:
    """The issue-3 topology: one netns with taps 1..n (tap k is
    10.77.k.1/24 and fd77:k::1/64 on the host side), the backend listening
    inside it on [::]:PORT, dnsmasq on the taps a scenario chooses, and VMs
    whose NIC k (fixed MAC 52:54:00:00:00:0k) sits on tap k."""

    MODELS = ("virtio-net-pci", "e1000", "virtio-net-pci", "e1000")

    def __init__(self, stack, n_taps, serials=(), v4=True, v6=True, tag=None, models=None):
        self.stack = stack
        self.models = tuple(models or self.MODELS)
        self.ns = stack.netns(tag or stack.name)
        for k in range(1, n_taps + 1):
            self.ns.add_tap(k, v4=v4, v6=v6)
        self.n = n_taps
        self.backend = provisioned_backend(stack, None, netns=self.ns)
        for s in serials:
            self.backend.add_machine(s, "target", action="provision")
        self.backend.serve()
        self.dnsmasqs = {}

    def url4(self, k):
        return self.backend.url("10.77.%d.1" % k)

    def url6(self, k):
        return self.backend.url("fd77:%d::1" % k)

    def serve_v4(self, k, extra=()):
        d = self.stack.dnsmasq(self.ns, "tap%d" % k, dnsmasq_v4_args(k, self.url4(k), extra))
        self.dnsmasqs[k] = d
        return d

    def serve_v6(self, k, extra=()):
        d = self.stack.dnsmasq(self.ns, "tap%d" % k, dnsmasq_v6_args(k, self.url6(k), extra))
        self.dnsmasqs[k] = d
        return d

    def qemu(self, serial, append="", name=None, nics=None, echo=None):
        args = []
        for k in (nics or range(1, self.n + 1)):
            args += qemu_nic_args(k, mac=nic_mac(k), model=self.models[(k - 1) % len(self.models)])
        return self.stack.qemu(name=name, serial=serial, append=append, netns=self.ns,
                               nic_args=args, echo=echo)


WON = r"snboot net: (?P<ifname>[\w.-]+): won: (?P<what>.*)"
NIC_LINE = r"snboot net: (?P<ifname>[\w.-]+): mac (?P<mac>[0-9a-f:]{17}) "


def winner_nic(vm):
    """(ifname, mac, rest of the line) of the NIC the network stage says
    won; the MAC from the line itself or the stage's NIC listing."""
    i, won = vm.console.search(WON)
    if won is None:
        return None, None, None
    ifname = won.group("ifname")
    mac = re.search(r"\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\b", won.group("what"))
    if mac:
        return ifname, mac.group(1), won.group("what")
    for m in vm.console.find_all(NIC_LINE):
        if m.group("ifname") == ifname:
            return ifname, m.group("mac"), won.group("what")
    return ifname, None, won.group("what")


def ifname_of(vm, mac):
    """The guest's interface name for MAC, from the network stage's NIC list."""
    for m in vm.console.find_all(NIC_LINE):
        if m.group("mac") == mac:
            return m.group("ifname")
    return None
