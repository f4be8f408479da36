"""Every external program the build, the tests, the demo and the bench run,
with the Debian package that provides it, and the one way tests start one.

Why: CI runs `make test` on a fresh Debian 12 machine where only what
mk/deps.sh installs (plus Debian's Essential packages) exists. A program
missing from this table cannot be started through run()/popen(), and
tests/test_programs.py checks that each declared package is installed by
mk/deps.sh (or is Essential) and really owns the program (dpkg -S).

Use from scenarios:
    import programs
    programs.run(["ip", "netns", "list"], capture_output=True, text=True)
    proc = programs.popen(cmd, stdout=subprocess.PIPE, ...)
Programs built by the project (anything under the repository, e.g.
build/server-stub) need no declaration. `ip netns exec NS PROG ...` and
`env ... PROG` are looked through: PROG must be declared too.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> Debian package. Keep sorted by package; say who runs it.
PROGRAMS = {
    # harness.py / scenarios
    "ip": "iproute2",                     # netns, taps (harness.NetNS)
    "sysctl": "procps",                   # netns IPv6 switches (harness.NetNS)
    "iptables": "iptables",               # packet loss (harness.NetNS.lose_packets)
    "ip6tables": "iptables",
    "dnsmasq": "dnsmasq-base",            # DHCPv4/v6 + RA (harness.Dnsmasq)
    "kea-dhcp4": "kea-dhcp4-server",      # tests/test_kea.py
    "kea-dhcp6": "kea-dhcp6-server",
    "qemu-system-x86_64": "qemu-system-x86",  # every VM (harness.Qemu)
    "python3": "python3-minimal",         # helper processes (sys.executable)
    "openssl": "openssl",                 # mk/pki.sh (the demo PKI)
    "sh": "dash",                         # mk/*.sh, tests/target/build.sh
    "make": "make",                       # tests/test_server_stub.py, the build
    "curl": "curl",                       # the bench's reference download
    # the build (Makefile, mk/libs.sh, tests/target/build.sh)
    "gcc": "gcc",
    "ar": "binutils",
    "musl-gcc": "musl-tools",
    "clang": "clang",                     # fuzzers (agent/test/test.mk)
    "bc": "bc",                           # kernel build
    "bison": "bison",
    "flex": "flex",
    "rsync": "rsync",                     # kernel headers_install
    "patch": "patch",                     # mk/libs.sh
    "dpkg-source": "dpkg-dev",            # apt-get source (mk/libs.sh)
    "apt-get": "apt",                     # mk/deps.sh, mk/libs.sh, build.sh
    "apt-cache": "apt",                   # tests/target/build.sh
    "cpio": "cpio",                       # tests/target/build.sh fallback
    "xz": "xz-utils",                     # tar -xf linux-source-6.1.tar.xz
    "busybox": "busybox-static",          # the initramfs, the test target
    "xxd": "xxd",                         # tests/fixtures/capture_smbios.sh
    "chromium": "chromium",               # tests/test_server_dashboard.py
    "setpriv": "util-linux",              # tests/test_server_postgres.py (postgres as nobody)
    "nginx": "nginx",                     # tests/test_server_nginx.py (a cache in front)
    # disk images of the local-disk scenarios (tests/disks.py)
    "mkfs.ext4": "e2fsprogs",
    "mkfs.xfs": "xfsprogs",
    "mkfs.vfat": "dosfstools",
    "mcopy": "mtools",
    "sfdisk": "fdisk",
    "dd": "coreutils",
    # Essential (always installed, checked by dpkg-query in the test)
    "tar": "tar",
    "gzip": "gzip",
    "dpkg-deb": "dpkg",
    "dpkg-query": "dpkg",
    "sha256sum": "coreutils",
    "env": "coreutils",
    "flock": "util-linux",                # make's locks, scenario lock
    "find": "findutils",
    "sed": "sed",
    "grep": "grep",
}

# Words that start another program given as their arguments.
_PYTHON = re.compile(r"^python3(\.\d+)?$")


class UndeclaredProgram(RuntimeError):
    """A test tried to run a program tests/programs.py does not declare."""


def search_path():
    """PATH plus the sbin directories (a non-root PATH may lack them)."""
    extra = ["/usr/local/sbin", "/usr/sbin", "/sbin"]
    parts = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(parts + [d for d in extra if d not in parts])


# Programs the Makefile runs by absolute path (PATH may hold a pyenv shim).
FIXED_PATHS = {"python3": "/usr/bin/python3"}


def resolve(name):
    """Absolute path of a declared program, or None when not installed."""
    if name in FIXED_PATHS:
        p = FIXED_PATHS[name]
        return p if os.access(p, os.X_OK) else None
    return shutil.which(name, path=search_path())


def _declared_name(word):
    """The table key a command word stands for, or None for the project's
    own programs; raises UndeclaredProgram otherwise."""
    word = str(word)
    base = os.path.basename(word)
    if os.path.isabs(word) or os.sep in word:
        path = os.path.abspath(word)
        if path.startswith(ROOT + os.sep):
            return None  # built or shipped by the project
        if word == sys.executable or _PYTHON.match(base):
            return "python3"
    if _PYTHON.match(base):
        return "python3"
    if base in PROGRAMS:
        return base
    raise UndeclaredProgram(
        "%s is not declared in tests/programs.py (add it with its Debian "
        "package, and the package to mk/deps.sh)" % word)


def programs_in(cmd):
    """The declared names a command line starts, looking through
    `ip netns exec NS ...` and `env [VAR=x]... ...`."""
    if isinstance(cmd, (str, bytes)):
        raise UndeclaredProgram("shell command strings are not allowed: pass an argv list")
    argv = [str(c) for c in cmd]
    out = []
    while argv:
        name = _declared_name(argv[0])
        if name is not None:
            out.append(name)
        if name == "ip" and argv[1:3] == ["netns", "exec"] and len(argv) > 4:
            argv = argv[4:]
        elif os.path.basename(argv[0]) == "env":
            argv = argv[1:]
            while argv and "=" in argv[0]:
                argv = argv[1:]
        else:
            break
    return out


def check(cmd):
    """Raises UndeclaredProgram unless every program cmd starts is declared."""
    programs_in(cmd)
    return list(cmd)


def run(cmd, **kw):
    """subprocess.run for a declared program (same arguments); shell=True
    is refused."""
    if kw.get("shell"):
        raise UndeclaredProgram("shell=True is not allowed: pass an argv list")
    return subprocess.run(check(cmd), **kw)


def popen(cmd, **kw):
    """subprocess.Popen for a declared program (same arguments)."""
    if kw.get("shell"):
        raise UndeclaredProgram("shell=True is not allowed: pass an argv list")
    return subprocess.Popen(check(cmd), **kw)
