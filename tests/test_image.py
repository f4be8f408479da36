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
import shutil
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


# ---- UEFI's own HTTP boot chain-loads the image

EFI_CERT_X509 = "a5c059a1-94e4-4aa7-87b5-ab155c2bf072"
OWNER = "5e2ab1f3-7c1d-4b1a-9f3e-736e626f6f74"   # any GUID: ours

FILE_SERVER = r'''
import functools, http.server, ssl, sys
d, host, port, cert, key = sys.argv[1:]
class Handler(http.server.SimpleHTTPRequestHandler):
    # keep-alive: OVMF sends HEAD then GET on one (TLS) connection
    protocol_version = "HTTP/1.1"
handler = functools.partial(Handler, directory=d)
srv = http.server.ThreadingHTTPServer((host, int(port)), handler)
if cert != "-":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # OVMF offers TLS 1.2 with RSA and DHE-RSA key exchange only
    ctx.set_ciphers("AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:"
                    "AES256-SHA256:AES128-SHA:AES256-SHA:@SECLEVEL=0")
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("serving", flush=True)
srv.serve_forever()
'''


class FileServer:
    """A static HTTP(S) server for snboot.efi inside the netns."""

    def __init__(self, stack, ns, directory, host, cert=None, key=None):
        self.port = h.free_port()
        script = os.path.join(stack.workdir, "fileserver.py")
        with open(script, "w") as f:
            f.write(FILE_SERVER)
        cmd = h.netns_prefix(ns) + ["python3", script, directory, host, str(self.port),
                                    cert or "-", key or "-"]
        self.proc = programs.popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.log = h.LineStream(self.proc.stdout, h.log_path(stack.name + ".files.log"),
                                prefix="files| ")
        if self.log.wait(r"serving", 15)[1] is None:
            raise h.HarnessError("file server did not start: " + self.log.tail(10))

    def close(self):
        h.stop_process(self.proc)
        self.log.join()


def rsa_pki(workdir, ip):
    """A CA and an RSA server certificate for ip (OVMF's TLS has no ECDSA
    suites), and the CA as an EFI_SIGNATURE_LIST for etc/edk2/https/cacerts."""
    import uuid
    d = os.path.join(workdir, "rsa-pki")
    os.makedirs(d)
    p = lambda n: os.path.join(d, n)  # noqa: E731

    def ssl(*args):
        programs.run(["openssl"] + list(args), check=True, capture_output=True)

    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"),
        "-out", p("ca.pem"), "-days", "30", "-subj", "/CN=snboot test RSA CA")
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("srv.key"), "-out",
        p("srv.csr"), "-subj", "/CN=%s" % ip)
    with open(p("ext"), "w") as f:
        f.write("subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" % ip)
    ssl("x509", "-req", "-in", p("srv.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
        "-CAcreateserial", "-out", p("srv.pem"), "-days", "30", "-extfile", p("ext"))
    ssl("x509", "-in", p("ca.pem"), "-outform", "DER", "-out", p("ca.der"))
    der = open(p("ca.der"), "rb").read()
    esl = (uuid.UUID(EFI_CERT_X509).bytes_le +
           struct.pack("<III", 16 + 12 + 16 + len(der), 0, 16 + len(der)) +
           uuid.UUID(OWNER).bytes_le + der)
    with open(p("cacerts.esl"), "wb") as f:
        f.write(esl)
    return p("srv.pem"), p("srv.key"), p("cacerts.esl")


class FirmwareQemu(h.Qemu):
    """A VM started by OVMF from its own flash (code read-only, a private
    copy of the variable store), no -kernel: the firmware finds what to
    boot by itself."""

    def __init__(self, name, vars_path, disk_args=(), fw_cfg=(), **kw):
        kw.setdefault("kernel", h.IMAGE)   # only checked to exist
        super().__init__(name, **kw)
        self.vars_path = vars_path
        self.disk_args = list(disk_args)
        self.fw_cfg = list(fw_cfg)

    def command(self):
        accel = os.environ.get("QEMU_ACCEL", "tcg")
        cmd = ["qemu-system-x86_64", "-accel", accel, "-m", str(self.memory), "-smp", "1",
               "-nographic"] + (["-no-reboot"] if self.no_reboot else []) + [
               "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=%s" % OVMF_CODE,
               "-drive", "if=pflash,format=raw,unit=1,file=%s" % self.vars_path,
               # no slow PXE attempts before HTTP boot
               "-fw_cfg", "name=opt/org.tianocore/IPv4PXESupport,string=n",
               "-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=n"]
        for name, value in self.fw_cfg:
            cmd += ["-fw_cfg", "name=%s,%s" % (name, value)]
        if self.serial is not None:
            cmd += ["-smbios", "type=1,serial=%s" % self.serial]
        cmd += self.nic_args if self.nic_args else ["-nic", "none"]
        cmd += self.disk_args
        return h.netns_prefix(self.netns) + cmd + self.extra


def private_vars(stack):
    path = os.path.join(stack.workdir, "OVMF_VARS.fd")
    with open(OVMF_VARS, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    return path


def uefi_http_lab(stack, scheme):
    """netns with tap1; the backend on it; snboot.efi served over scheme;
    dnsmasq answering the firmware (HTTPClient class, not the agent) with
    the image's URL and the agent (user class snboot) with the backend's."""
    h.require_files(OVMF_CODE, OVMF_VARS)
    ns = stack.netns()
    ns.add_tap(1, v6=False)
    be = h.provisioned_backend(stack, SERIAL, netns=ns).serve()
    www = os.path.join(stack.workdir, "www")
    os.makedirs(www)
    shutil.copyfile(h.IMAGE, os.path.join(www, "snboot.efi"))
    fw_cfg = []
    if scheme == "https":
        cert, key, esl = rsa_pki(stack.workdir, "10.77.1.1")
        files = stack.add(FileServer(stack, ns, www, "10.77.1.1", cert, key))
        fw_cfg.append(("etc/edk2/https/cacerts", "file=%s" % esl))
    else:
        files = stack.add(FileServer(stack, ns, www, "10.77.1.1"))
    image_url = "%s://10.77.1.1:%d/snboot.efi" % (scheme, files.port)
    stack.dnsmasq(ns, "tap1", [
        "--no-ping", "--dhcp-range=10.77.1.100,10.77.1.199,255.255.255.0,1h",
        "--dhcp-vendorclass=set:efihttp,HTTPClient",
        "--dhcp-userclass=set:snboot,snboot",
        "--dhcp-option=tag:efihttp,tag:!snboot,option:bootfile-name,%s" % image_url,
        "--dhcp-option-force=tag:efihttp,tag:!snboot,60,HTTPClient",
        "--dhcp-option=tag:snboot,option:bootfile-name,%s" % be.url("10.77.1.1")])
    nic = h.qemu_nic_args(1, mac=h.nic_mac(1))
    nic[-1] += ",romfile="          # OVMF's own virtio-net driver, no iPXE ROM
    return ns, be, files, nic, fw_cfg


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_uefi_http_boot_chain_loads_the_image(stack, boot_files, netns_ok, scheme):
    ns, be, files, nic, fw_cfg = uefi_http_lab(stack, scheme)
    vm = stack.add(FirmwareQemu("uefi-" + scheme, private_vars(stack), fw_cfg=fw_cfg,
                                serial=SERIAL, netns=ns, nic_args=nic)).start()
    # the firmware's own HTTP boot option, then the image's download
    vm.wait_for(r"(?i)start(ing)? .*HTTP", timeout=h.BOOT_TIMEOUT)
    got = files.log.wait(r'"GET /snboot.efi HTTP/1.1" 200', h.BOOT_TIMEOUT)[1]
    assert got, "the firmware never downloaded snboot.efi:\n" + files.log.tail(10)
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
    assert be.log.search(r"POST /api/v1/boot 200 .*serial=%s" % SERIAL)[1], be.log.tail(20)
    print("uefi_%s_power_on_to_target_s %.1f" % (scheme, vm.seconds_to(vm.last_index)))


# ---- BootNext: the firmware starts the disk's own loader

def bootnext_disk(stack):
    """A GPT disk whose ESP holds systemd-boot as \\EFI\\BOOT\\BOOTX64.EFI and
    one entry booting the test target with a word only this loader adds."""
    import disks
    path = os.path.join(stack.workdir, "disk.img")
    d = disks.Disk(path, table="gpt")
    d.add("vfat", {
        "/EFI/BOOT/BOOTX64.EFI": ("file", SD_BOOT),
        "/loader/loader.conf": "default target.conf\ntimeout 0\n",
        "/loader/entries/target.conf":
            "title snboot test target\nlinux /vmlinuz\ninitrd /initrd.img\n"
            "options console=ttyS0 disk_loader=systemd-boot\n",
        "/vmlinuz": ("file", h.TARGET_KERNEL),
        "/initrd.img": ("file", h.TARGET_INITRD),
    }, ptype="esp", label="ESP")
    d.build()
    return disks.qemu_disk_args(path, "virtio")


def test_bootnext_hands_the_disk_to_its_own_loader(stack, boot_files, netns_ok):
    """Started by UEFI HTTP boot (so the firmware's boot manager, not QEMU's
    -kernel, decides what runs after a reboot), for a machine the backend
    sends to its local disk: snboot.local=auto sees efivarfs and an ESP with
    a loader, sets BootNext and reboots; OVMF then loads that option, which
    is systemd-boot from the disk, which boots its entry."""
    h.require_files(SD_BOOT)
    ns, be, files, nic, fw_cfg = uefi_http_lab(stack, "http")
    nic[-1] += ",bootindex=1"      # the network first, the disk only by BootNext
    vm = stack.add(FirmwareQemu("bootnext", private_vars(stack), disk_args=bootnext_disk(stack),
                                serial="BOOTNEXT-1", netns=ns, nic_args=nic,
                                no_reboot=False)).start()
    http = vm.wait_for(r'BdsDxe: starting Boot(?P<n>[0-9A-F]{4}) "UEFI HTTPv4')
    # the agent ran, was told "local", and rebooted: the firmware starts
    # again and loads the option the agent created for the disk's ESP
    disk = vm.wait_for(r'BdsDxe: loading Boot(?P<n>[0-9A-F]{4}) "snboot: local disk vda" '
                       r'from HD\(1,GPT,', start=vm.last_index)
    assert disk.group("n") != http.group("n")
    cmdline = vm.wait_marker()
    assert "disk_loader=systemd-boot" in cmdline, cmdline
    assert be.log.search(r"POST /api/v1/boot 200 .*serial=BOOTNEXT-1")[1], be.log.tail(20)
    assert not vm.console.search(r"kexec_core: Starting new kernel")[1], \
        "the agent kexec'd instead of handing the disk to the firmware"
