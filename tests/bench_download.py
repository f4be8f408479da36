"""Download figures for make bench (issue 8, "every byte moved once"):

  download_mib_s_https        the agent's own MiB/s for a 256 MiB initrd inside
                              QEMU (TCG, e1000), served by server-stub over
                              HTTPS (its "download ... MiB/s" summary line)
  download_mib_s_http_pinned  the same initrd over plain HTTP, pinned with
                              --sha256= (python's http.server on the host)
  agent_peak_rss_kib          the agent's VmHWM (PID 1) logged in the HTTPS
                              download's summary line
  host_fetch_mib_s            build/host-musl/host_http (the agent's fetch
                              code built for the host) pulling a 1 GiB file
                              from server-stub on loopback over HTTPS with
                              SHA-256 verification (its summary line: connect,
                              TLS, receive, memfd, hash)
  host_fetch_ratio            host_fetch_mib_s / the MiB/s of
                              `curl -s URL | sha256sum` on the same file
  ipxe_ratio_tiny             snboot's power-on-to-target (test target, HTTPS
                              backend) / Debian iPXE's (ipxe-qemu's e1000 ROM,
                              -boot n, the same target over HTTP)
  ipxe_ratio_tiny_q35         the same on QEMU's q35 machine (on i440fx, the default,
                              Linux evaluates the PCI root's _PRT, an AML loop of
                              ~0.3 s under TCG, once at the e1000's probe
                              (mk/patches/linux/0002); iPXE does not)
  ipxe_ratio_256m             the same with the 256 MiB initrd, snboot over HTTPS
  ipxe_ratio_256m_http_pinned the same, snboot over pinned plain HTTP
  snboot_tiny_s ipxe_tiny_s snboot_tiny_q35_s ipxe_tiny_q35_s snboot_256m_https_s
  snboot_256m_http_s ipxe_256m_s
                              the seconds the ratios are made of

Every boot uses QEMU user networking and an e1000 NIC for both (iPXE's ROM
is e1000's); power-on-to-target is QEMU start to the target's marker. The
ratios are measured in the same run, one after the other."""
import hashlib
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import harness as h
import programs
from scriptserver import ScriptServer

SERIAL = "BENCH-DL-0001"
IPXE_ROM = "/usr/lib/ipxe/qemu/pxe-e1000.rom"   # Debian ipxe-qemu
HOST_HTTP = os.path.join(h.BUILD, "host-musl", "host_http")
CA = os.path.join(h.PKI, "ca.pem")
SUMMARY = re.compile(r"snboot download: (\S+): (\d+) bytes \([\d.]+ MiB\) in ([\d.]+) s, "
                     r"([\d.]+) MiB/s.*?(?:agent VmHWM (\d+) KiB)?$")
HOST_FETCH_MIB = int(os.environ.get("BENCH_HOST_FETCH_MIB", "1024"))
BIG_MEMORY = 2048


def log(msg):
    print("bench: %s" % msg, file=sys.stderr, flush=True)


def sha256_file(path):
    d = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            d.update(chunk)
    return d.hexdigest()


def e1000_user_nic(bootfile):
    return ["-netdev", "user,id=n0,ipv4=on,ipv6=on,bootfile=%s" % bootfile,
            "-device", "e1000,netdev=n0,romfile=%s" % IPXE_ROM]


class FileServer:
    """Plain HTTP over files_dir (python's http.server, threads): the pinned
    artifacts for snboot and everything for iPXE."""

    def __init__(self, files_dir):
        self.dir = files = files_dir

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=files, **kw)

            def log_message(self, fmt, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("0.0.0.0", h.free_port()), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name, host=h.SLIRP_HOST):
        return "http://%s:%d/%s" % (host, self.port, name)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class IpxeQemu(h.Qemu):
    """QEMU with no -kernel: SeaBIOS boots the NIC's iPXE ROM (-boot n),
    which takes its script from DHCP option 67 (slirp's bootfile)."""

    def command(self):
        accel = os.environ.get("QEMU_ACCEL", "tcg")
        return ["qemu-system-x86_64", "-accel", accel, "-m", str(self.memory), "-smp", "1",
                "-nographic", "-no-reboot", "-boot", "n"] + self.nic_args + self.extra


def summary(vm, label):
    """(MiB/s, VmHWM KiB or None) of the download whose label ends with
    label, from the agent's summary line."""
    for m in vm.console.find_all(SUMMARY.pattern):
        if m.group(1).endswith(label):
            return float(m.group(4)), (int(m.group(5)) if m.group(5) else None)
    return None, None


def machine_args(machine):
    return ["-machine", machine] if machine else []


def snboot_https(st, initrd, memory, machine=None):
    """snboot with server-stub (HTTPS API and files): seconds to the marker,
    the initrd's download summary."""
    be = st.backend()
    name = os.path.basename(initrd)
    dst = os.path.join(be.files, name)
    if not os.path.exists(dst):
        os.link(initrd, dst)
    be.add_profile("target", initrd=name)
    be.add_machine(SERIAL, "target", action="provision")
    be.serve()
    vm = st.qemu(name="bench-dl-snboot-https-%s" % name, serial=SERIAL, memory=memory,
                 nic_args=e1000_user_nic(be.url(h.SLIRP_HOST)),
                 extra=machine_args(machine)).start()
    vm.wait_marker(timeout=h.BOOT_TIMEOUT * 3)
    return vm.seconds_to(vm.last_index), summary(vm, name)


def snboot_http_pinned(st, files, initrd, memory):
    """snboot with an HTTPS API answering a script whose kernel and initrd
    are plain http:// URLs pinned with --sha256=."""
    name = os.path.basename(initrd)
    script = ("#!ipxe\nkernel --sha256=%s %s console=ttyS0 snboot.serial=%s\n"
              "initrd --sha256=%s %s\nboot\n" % (
                  sha256_file(h.TARGET_KERNEL), files.url("vmlinuz"), SERIAL,
                  sha256_file(initrd), files.url(name)))
    api = ScriptServer(script).serve()
    try:
        vm = st.qemu(name="bench-dl-snboot-http-%s" % name, serial=SERIAL, memory=memory,
                     nic_args=e1000_user_nic(api.url())).start()
        vm.wait_marker(timeout=h.BOOT_TIMEOUT * 3)
        return vm.seconds_to(vm.last_index), summary(vm, name)
    finally:
        api.close()


def ipxe(st, files, initrd, memory, machine=None):
    """Debian's iPXE booting the same target over HTTP: seconds to the marker."""
    name = os.path.basename(initrd)
    script = "ipxe-%s.ipxe" % name
    with open(os.path.join(files.dir, script), "w") as f:
        f.write("#!ipxe\nkernel %s console=ttyS0\ninitrd %s\nboot\n" % (
            files.url("vmlinuz"), files.url(name)))
    vm = st.add(IpxeQemu("bench-dl-ipxe-%s" % name, memory=memory,
                         nic_args=e1000_user_nic(files.url(script)),
                         extra=machine_args(machine)))
    vm.start()
    vm.wait_marker(timeout=h.BOOT_TIMEOUT * 3)
    return vm.seconds_to(vm.last_index)


def attempt(what, fn, *args):
    try:
        return fn(*args)
    except (h.HarnessError, OSError, subprocess.SubprocessError) as e:
        log("%s failed: %s" % (what, str(e).splitlines()[0] if str(e) else repr(e)))
        return None


def boots(big_initrd, boots_tiny, boots_big):
    """Every QEMU boot of the comparison; returns {name: [values]}."""
    out = {k: [] for k in ("snboot_tiny_s", "ipxe_tiny_s", "snboot_tiny_q35_s",
                           "ipxe_tiny_q35_s", "snboot_256m_https_s",
                           "snboot_256m_http_s", "ipxe_256m_s", "download_mib_s_https",
                           "download_mib_s_http_pinned", "agent_peak_rss_kib")}
    work = tempfile.mkdtemp(prefix="snboot-bench-dl-")
    try:
        files_dir = os.path.join(work, "files")
        os.makedirs(files_dir)
        for src, dst in ((h.TARGET_KERNEL, "vmlinuz"), (h.TARGET_INITRD, "initrd.img")):
            shutil.copyfile(src, os.path.join(files_dir, dst))
        big = os.path.join(files_dir, "big-initrd.img")
        big_initrd(big)
        tiny = os.path.join(files_dir, "initrd.img")
        files = FileServer(files_dir)
        try:
            for i in range(boots_tiny):
                # the default machine (i440fx), then q35: snboot, then iPXE
                for machine, tag in ((None, ""), ("q35", "_q35")):
                    label = tag.replace("_", "-")
                    with h.Stack("bench-dl-tiny%s-%d" % (label, i + 1)) as st:
                        r = attempt("snboot tiny boot%s" % label, snboot_https, st, tiny,
                                    1024, machine)
                        out["snboot_tiny%s_s" % tag].append(r and r[0])
                    with h.Stack("bench-dl-ipxe-tiny%s-%d" % (label, i + 1)) as st:
                        out["ipxe_tiny%s_s" % tag].append(attempt(
                            "iPXE tiny boot%s" % label, ipxe, st, files, tiny, 1024, machine))
            for i in range(boots_big):
                with h.Stack("bench-dl-256m-https-%d" % (i + 1)) as st:
                    r = attempt("snboot 256 MiB https boot", snboot_https, st, big, BIG_MEMORY)
                    out["snboot_256m_https_s"].append(r and r[0])
                    out["download_mib_s_https"].append(r and r[1][0])
                    out["agent_peak_rss_kib"].append(r and r[1][1])
                with h.Stack("bench-dl-256m-http-%d" % (i + 1)) as st:
                    r = attempt("snboot 256 MiB pinned http boot", snboot_http_pinned, st,
                                files, big, BIG_MEMORY)
                    out["snboot_256m_http_s"].append(r and r[0])
                    out["download_mib_s_http_pinned"].append(r and r[1][0])
                with h.Stack("bench-dl-ipxe-256m-%d" % (i + 1)) as st:
                    out["ipxe_256m_s"].append(attempt("iPXE 256 MiB boot", ipxe, st, files,
                                                      big, BIG_MEMORY))
        finally:
            files.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


# ---- host_fetch: the fetch code on the host against curl | sha256sum

def wait_port(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def host_fetch(runs):
    """[(host_http MiB/s, curl|sha256sum MiB/s)] per run, 1 GiB file."""
    r = programs.run(["make", "-s", "build/host-musl/host_http"], cwd=h.ROOT,
                     capture_output=True, text=True)
    if r.returncode != 0:
        log("host_http did not build: %s" % (r.stdout + r.stderr).strip()[-300:])
        return []
    work = tempfile.mkdtemp(prefix="snboot-bench-fetch-")
    proc = None
    out = []
    try:
        files = os.path.join(work, "files")
        os.makedirs(files)
        path = os.path.join(files, "big")
        size = HOST_FETCH_MIB << 20
        d = hashlib.sha256()
        with open(path, "wb") as f:
            chunk = os.urandom(1 << 20)
            for _ in range(HOST_FETCH_MIB):
                f.write(chunk)
                d.update(chunk)
        want = d.hexdigest()
        port = h.free_port()
        proc = programs.popen([h.SERVER_STUB, "serve", "--db", os.path.join(work, "db.sqlite"),
                               "--cert", os.path.join(h.PKI, "server.pem"),
                               "--key", os.path.join(h.PKI, "server.key"),
                               "--listen", "127.0.0.1:%d" % port, "--files", files],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
        if not wait_port(port, proc):
            log("server-stub did not listen for host_fetch")
            return []
        url = "https://127.0.0.1:%d/files/big" % port
        for i in range(runs):
            r = programs.run([HOST_HTTP, CA, "fetch", url, "--sha256", want],
                             capture_output=True, text=True, timeout=600)
            m = None
            for line in r.stderr.splitlines():
                m = SUMMARY.search(line) or m
            if not m or "rc=0 " not in r.stdout or int(m.group(2)) != size:
                log("host_http fetch %d: %s" % (i + 1, (r.stdout + r.stderr).strip()[-300:]))
                return []
            ours = float(m.group(4))
            t0 = time.monotonic()
            c = programs.popen(["curl", "-s", "--cacert", CA, url], stdout=subprocess.PIPE)
            s = programs.popen(["sha256sum"], stdin=c.stdout, stdout=subprocess.PIPE)
            c.stdout.close()
            got = s.communicate(timeout=600)[0].decode().split()[0]
            c.wait(timeout=60)
            secs = time.monotonic() - t0
            if got != want:
                log("curl | sha256sum gave %s, expected %s" % (got, want))
                return []
            out.append((ours, size / (1 << 20) / secs))
            log("host_fetch run %d: host_http %.1f MiB/s, curl | sha256sum %.1f MiB/s"
                % (i + 1, out[-1][0], out[-1][1]))
    finally:
        h.stop_process(proc)
        shutil.rmtree(work, ignore_errors=True)
    return out


def figures(figure, boots_tiny, boots_big, big_initrd):
    """Prints every download figure through bench.py's figure()."""
    def med(name):
        vals = res[name]
        log("%s per boot: %s" % (name, " ".join(str(v) for v in vals)))
        return h.median(vals) if vals and None not in vals else None

    def ratio(a, b):
        return round(a / b, 3) if a is not None and b else None

    runs = max(1, int(os.environ.get("BENCH_FETCH_RUNS", "3")))
    fetch = host_fetch(runs)
    ours = h.median([f[0] for f in fetch]) if fetch else None
    ref = h.median([f[1] for f in fetch]) if fetch else None
    figure("host_fetch_mib_s", ours, "MiB/s")
    figure("host_fetch_curl_mib_s", ref and round(ref, 1), "MiB/s")
    figure("host_fetch_ratio", ratio(ours, ref), "x")

    if not os.path.exists(IPXE_ROM):
        log("%s missing (Debian ipxe-qemu)" % IPXE_ROM)
    res = boots(big_initrd, boots_tiny, boots_big)
    seconds = {k: med(k) for k in ("snboot_tiny_s", "ipxe_tiny_s", "snboot_tiny_q35_s",
                                    "ipxe_tiny_q35_s", "snboot_256m_https_s",
                                    "snboot_256m_http_s", "ipxe_256m_s")}
    figure("download_mib_s_https", med("download_mib_s_https"), "MiB/s")
    figure("download_mib_s_http_pinned", med("download_mib_s_http_pinned"), "MiB/s")
    figure("agent_peak_rss_kib", med("agent_peak_rss_kib"), "KiB")
    for k, v in seconds.items():
        figure(k, v and round(v, 3), "s")
    figure("ipxe_ratio_tiny", ratio(seconds["snboot_tiny_s"], seconds["ipxe_tiny_s"]), "x")
    figure("ipxe_ratio_tiny_q35",
           ratio(seconds["snboot_tiny_q35_s"], seconds["ipxe_tiny_q35_s"]), "x")
    figure("ipxe_ratio_256m", ratio(seconds["snboot_256m_https_s"], seconds["ipxe_256m_s"]), "x")
    figure("ipxe_ratio_256m_http_pinned",
           ratio(seconds["snboot_256m_http_s"], seconds["ipxe_256m_s"]), "x")
