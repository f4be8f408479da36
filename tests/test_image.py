"""Issue 7 scenarios: the image's two tools (kexec-tools, busybox), a panic
that reboots, UEFI's own HTTP boot chain-loading the image, and BootNext
handing a disk back to the firmware.

  - a boot through kexec-tools (kexec_load, --no-checks: the default) and
    one through kexec_file_load (snboot.kexec=file), both reaching the target
  - snboot.shell=1: a busybox shell answers on the console, and the boot
    goes on to the target as without it
  - snboot.test_panic=1: PID 1 exits, the kernel panics and the machine
    comes back (CONFIG_PANIC_TIMEOUT) instead of hanging
  - OVMF, with no -kernel, gets snboot.efi's URL from dnsmasq (HTTPClient
    vendor class) over HTTP and over HTTPS, starts it, and the agent boots
    the target through the backend
  - BootNext: the agent sets BootNext to the disk's ESP loader (systemd-boot)
    and OVMF starts it; its entry boots the test target with a marker word
"""
import os
import re
import struct
import subprocess
import time

import pytest

import harness as h
import programs

SERIAL = "IMG-0001"
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
SD_BOOT = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
BANNER = r"snboot init: snboot .* starting"


# ---- the two kexec paths

@pytest.mark.parametrize("method,path", [("tools", "kexec-tools"),
                                         ("file", "kexec_file_load")])
def test_kexec_path_reaches_the_target(stack, boot_files, method, path):
    be = h.provisioned_backend(stack, SERIAL).serve()
    append = "" if method == "tools" else "snboot.kexec=file"
    vm = h.user_net_qemu(stack, be, SERIAL, append=append).start()
    loaded = vm.wait_for(r"snboot kexec: loaded .* with (?P<path>[\w-]+)")
    assert loaded.group("path") == path, loaded.group(0)
    # the default path must not have fallen back
    assert not vm.console.search(r"falling back to kexec_file_load")[1]
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline


# ---- the console shell

class ConsoleQemu(h.Qemu):
    """A VM whose serial console also takes input (stdin is a pipe)."""

    def start(self):
        cmd = self.command()
        path = h.log_path(self.name + ".log")
        with open(path + ".cmd", "w") as f:
            f.write(" ".join(cmd) + "\n")
        self.started = time.monotonic()
        self.proc = programs.popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.console = h.LineStream(self.proc.stdout, path, echo=self.echo)
        return self

    def type(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()


def test_shell_answers_on_the_console_and_the_boot_goes_on(stack, boot_files):
    be = h.provisioned_backend(stack, SERIAL)   # not serving yet: time to type
    vm = stack.add(ConsoleQemu("shell", serial=SERIAL, append="snboot.shell=1",
                               nic_args=h.qemu_user_nic_args(be.url(h.SLIRP_HOST))))
    vm.start()
    vm.wait_for(r"snboot shell: busybox shell on the console")
    # The shell evaluates what it is given: 6*7 appears only if it ran.
    deadline = time.monotonic() + 60
    while True:
        vm.type("echo SHELL-$((6*7))-$(ls /sbin)-OK\n")
        i, m = vm.console.wait(r"SHELL-42-kexec-OK", 5)
        if m or time.monotonic() > deadline:
            break
    assert m, "no shell answered on the console:\n" + vm.console.tail(30)
    be.serve()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline


def test_without_shell_parameter_no_shell_starts(stack, boot_files):
    be = h.provisioned_backend(stack, SERIAL).serve()
    vm = h.user_net_qemu(stack, be, SERIAL).start()
    vm.wait_marker()
    assert not vm.console.search(r"snboot shell:")[1], "a shell started without snboot.shell"


# ---- a panic reboots

def test_panic_reboots_the_machine(stack, boot_files):
    vm = stack.qemu(name="panic", serial=SERIAL, append="snboot.test_panic=1",
                    no_reboot=False).start()
    vm.wait_for(r"snboot.test_panic=1: PID 1 exits")
    vm.wait_for(r"Kernel panic - not syncing")
    vm.wait_for(r"Rebooting in \d+ seconds", start=vm.last_index)
    first = vm.last_index
    # the machine comes back: the firmware and the image start again
    vm.wait_for(BANNER, timeout=120, start=first)
    t = vm.seconds_to(vm.last_index) - vm.seconds_to(first)
    assert t < 60, "second boot %.1f s after the panic" % t
