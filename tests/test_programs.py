"""Host-only, fast: the program table in tests/programs.py matches what
mk/deps.sh installs, so `make test` works on a fresh Debian 12 machine.

- every declared package is in mk/deps.sh's PKGS or is Essential;
- every declared program resolves on PATH and dpkg says the declared
  package owns it (the table is not guessed);
- nothing in tests/ starts a process around the wrapper;
- the wrapper refuses undeclared programs.
"""
import ast
import os
import re
import subprocess

import pytest

import programs

ROOT = programs.ROOT
DEPS = os.path.join(ROOT, "mk", "deps.sh")


def deps_packages():
    text = open(DEPS).read()
    m = re.search(r'^PKGS="([^"]*)"', text, re.M)
    assert m, "mk/deps.sh has no PKGS=\"...\" list"
    return set(m.group(1).split())


def dpkg(*args):
    return subprocess.run(["dpkg-query"] + list(args), capture_output=True, text=True)


def essential(pkg):
    r = dpkg("-W", "-f=${Essential}", pkg)
    return r.returncode == 0 and r.stdout.strip() == "yes"


def candidates(path):
    """The names dpkg may know path by: itself, its symlink target, and
    their usrmerge twins (/usr/sbin/ip is /sbin/ip to dpkg; sh -> dash)."""
    out = []
    for p in (path, os.path.realpath(path)):
        out.append(p)
        for usr, bare in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/")):
            if p.startswith(usr):
                out.append(bare + p[len(usr):])
    return out


@pytest.fixture(scope="module")
def resolved():
    """{name: (path, owning packages)} with one dpkg-query for all."""
    paths = {n: programs.resolve(n) for n in programs.PROGRAMS}
    cands = sorted({c for p in paths.values() if p for c in candidates(p)})
    owner = {}
    for line in dpkg("-S", *cands).stdout.splitlines():
        if line.startswith("diversion by") or ": " not in line:
            continue
        pkgs, path = line.split(": ", 1)
        owner.setdefault(path.strip(), set()).update(
            p.split(":")[0].strip() for p in pkgs.split(","))
    return {n: (p, set().union(*[owner.get(c, set()) for c in candidates(p)]) if p else set())
            for n, p in paths.items()}


def test_every_declared_package_is_installed_by_deps_sh():
    pkgs = deps_packages()
    missing = sorted({p for p in programs.PROGRAMS.values()
                      if p not in pkgs and not essential(p)})
    assert not missing, "declared in tests/programs.py, not in mk/deps.sh PKGS " \
        "(and not Essential): %s" % " ".join(missing)


def test_deps_sh_lists_no_unknown_package_twice():
    text = open(DEPS).read()
    words = re.search(r'^PKGS="([^"]*)"', text, re.M).group(1).split()
    dup = sorted({w for w in words if words.count(w) > 1})
    assert not dup, "listed twice in mk/deps.sh: %s" % dup
    assert "dnsmasq" not in words, "use dnsmasq-base (no system daemon)"


@pytest.mark.parametrize("name", sorted(programs.PROGRAMS))
def test_program_resolves_and_belongs_to_its_package(name, resolved):
    pkg = programs.PROGRAMS[name]
    path, own = resolved[name]
    assert path, "%s (package %s) is not on PATH: run mk/deps.sh as root" % (name, pkg)
    assert pkg in own, "%s resolves to %s, which dpkg says belongs to %s, not %s" % (
        name, path, sorted(own) or "no package", pkg)


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
                yield node.lineno, "%s.%s" % (f.value.id, f.attr)


FORBIDDEN = {"subprocess.run", "subprocess.Popen", "subprocess.call",
             "subprocess.check_call", "subprocess.check_output", "subprocess.getoutput",
             "subprocess.getstatusoutput", "os.system", "os.popen", "os.execv",
             "os.execvp", "os.execvpe", "os.spawnv", "os.spawnvp", "os.posix_spawn",
             "os.posix_spawnp", "pty.spawn"}
# This test itself asks dpkg; programs.py is the wrapper.
EXEMPT = {"programs.py", "test_programs.py"}


def test_tests_start_processes_only_through_the_wrapper():
    bad = []
    tests = os.path.join(ROOT, "tests")
    for dirpath, _, files in os.walk(tests):
        for f in files:
            if not f.endswith(".py") or f in EXEMPT:
                continue
            path = os.path.join(dirpath, f)
            tree = ast.parse(open(path).read(), path)
            for line, call in _calls(tree):
                if call in FORBIDDEN:
                    bad.append("%s:%d %s" % (os.path.relpath(path, ROOT), line, call))
    assert not bad, "start processes with programs.run/popen (or harness.run/popen): " \
        + ", ".join(bad)


def test_wrapper_refuses_undeclared_programs():
    with pytest.raises(programs.UndeclaredProgram, match="nmap is not declared"):
        programs.run(["nmap", "-h"])
    with pytest.raises(programs.UndeclaredProgram, match="snboot-undeclared-a"):
        programs.check(["ip", "netns", "exec", "ns0", "snboot-undeclared-a", "-i", "tap1"])
    with pytest.raises(programs.UndeclaredProgram, match="snboot-undeclared-b"):
        programs.check(["env", "A=1", "snboot-undeclared-b", "-"])
    with pytest.raises(programs.UndeclaredProgram, match="argv list"):
        programs.run("ip link", shell=True)
    with pytest.raises(programs.UndeclaredProgram, match="argv list"):
        programs.check("ip link")


def test_wrapper_accepts_declared_and_project_programs():
    assert programs.programs_in(["ip", "netns", "exec", "ns0", "sysctl", "-qw", "x=0"]) == \
        ["ip", "sysctl"]
    assert programs.programs_in([os.path.join(ROOT, "build", "server-stub"), "list"]) == []
    assert programs.programs_in(["/usr/bin/python3.11", "-c", "pass"]) == ["python3"]
    r = programs.run(["sh", "-c", "echo ok"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "ok\n"
