#!/usr/bin/python3
"""make bench: snboot's figures, one per line as `name value unit`.

  efi_image_bytes   size of build/snboot.efi
  agent_bytes       size of build/snboot (the static agent)
  boot_to_target_s  QEMU start to the test target's marker (user networking)
  dhcp_ms api_ms download_ms kexec_ms
                    the agent's own stage times from those boots' consoles
                    ("snboot <stage>: done in <N> ms")
  nic_race_ratio    time to lease with 4 NICs, only the last served, over the
                    time with 1 served NIC (netns + dnsmasq)
  dhcp4_ms dhcp6_ms time to lease v4-only (snboot.ipv6=0) and v6-only
                    (snboot.ipv4=0), netns + dnsmasq
  kexec_ms_<path>[_256m], kexec_to_target_s_<path>[_256m]
                    the two kexec paths (tools: kexec-tools kexec_load
                    --no-checks; file: kexec_file_load) with the test
                    target's initrd and with a 256 MiB one: the agent's
                    load time, and seconds from its "rebooting into" line to
                    the target kernel's first line (BENCH_BIG_BOOTS boots
                    for 256 MiB, default 1)
  uefi_http_virtio_to_target_s, uefi_http_e1000_to_target_s,
  ipxe_efi_rom_to_target_s
                    power-on to the test target's marker when OVMF (no
                    -kernel) chain-loads snboot.efi by its own HTTP boot
                    (virtio: OVMF's driver; e1000: over the iPXE ROM's
                    driver), and when QEMU's iPXE EFI ROM fetches it itself
                    (dnsmasq in a netns, BENCH_BOOTS boots each)

  download_mib_s_https download_mib_s_http_pinned agent_peak_rss_kib
  host_fetch_mib_s host_fetch_ratio ipxe_ratio_tiny ipxe_ratio_256m ...
                    256 MiB initrd downloads, the fetch code on the host
                    against curl | sha256sum, and the same boots side by
                    side with Debian's iPXE: see tests/bench_download.py

  local_boot_s local_ms
                    power-on to the disk's own kernel through the local
                    path (BLS on virtio): see tests/bench_localboot.py

  dead_nic_ratio vlan_boot_ratio lldp_vlan_ms
                    3 dead e1000 ports before the served one, VLAN-tagged
                    boots, LLDP to lease: see tests/bench_network.py

  backend_boot_rps backend_p99_ms backend_errors backend_peak_rss_kib
                    server-stub under build/loadgen: see tests/bench_backend.py

Every figure is the median over BENCH_BOOTS boots (default 3). TCG unless
QEMU_ACCEL says otherwise, so absolute times are the emulator's; ratios and
the agent's stage times are what to compare. Exits 1 if a figure could not
be measured (the reason goes to stderr)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness as h  # noqa: E402
import bench_backend  # noqa: E402
import bench_download  # noqa: E402
import bench_localboot  # noqa: E402
import bench_network  # noqa: E402

SERIAL = "BENCH-0001"
BOOTS = max(1, int(os.environ.get("BENCH_BOOTS", "3")))
# The network stage's timing line; the first name the agent uses wins.
DHCP_STAGES = ("dhcp", "net")
STAGE_LINE = r"snboot (%s): done in (\d+) ms"
missing = []


def figure(name, value, unit):
    if value is None:
        missing.append(name)
        print("bench: %s not measured" % name, file=sys.stderr, flush=True)
        return
    if isinstance(value, float):
        value = ("%.3f" % value).rstrip("0").rstrip(".")
    print("%s %s %s" % (name, value, unit), flush=True)


def med(values, what=None):
    if what:
        print("bench: %s per boot: %s" % (what, " ".join(str(v) for v in values)),
              file=sys.stderr, flush=True)
    values = [v for v in values if v is not None]
    return h.median(values) if len(values) == BOOTS else None


def dhcp_ms(stages):
    for s in DHCP_STAGES:
        if s in stages:
            return stages[s]
    return None


def full_boots():
    """BENCH_BOOTS boots to the target over user networking: seconds to the
    marker, and the agent's stage times of each."""
    seconds, stages = [], []
    for i in range(BOOTS):
        with h.Stack("bench-boot-%d" % (i + 1)) as st:
            be = h.provisioned_backend(st, SERIAL).serve()
            vm = h.user_net_qemu(st, be, SERIAL).start()
            try:
                vm.wait_marker()
            except h.HarnessError as e:
                print("bench: boot %d failed: %s" % (i + 1, str(e).splitlines()[0]),
                      file=sys.stderr)
                seconds.append(None)
                stages.append({})
                continue
            seconds.append(vm.seconds_to(vm.last_index))
            stages.append(vm.stage_times())
    return seconds, stages


def lease_ms(n_taps, served, family="v4", append=""):
    """BENCH_BOOTS boots in a netns with n_taps NICs and dnsmasq on tap
    `served` only; returns the agent's DHCP stage times. A boot stops as soon
    as the stage line shows (the rest of the boot is measured elsewhere)."""
    out = []
    for i in range(BOOTS):
        with h.Stack("bench-%dnic-%s-%d" % (n_taps, family, i + 1)) as st:
            # One NIC model throughout: e1000's link comes up later than
            # virtio's, which would be measured instead of the race.
            lab = h.NicLab(st, n_taps, serials=[SERIAL], v4=family != "v6",
                           v6=family != "v4", models=("virtio-net-pci",))
            (lab.serve_v6 if family == "v6" else lab.serve_v4)(served)
            vm = lab.qemu(SERIAL, append=append).start()
            try:
                m = vm.wait_for(STAGE_LINE % "|".join(DHCP_STAGES))
                out.append(int(m.group(2)))
            except h.HarnessError as e:
                print("bench: %d-NIC %s boot %d: %s" % (n_taps, family, i + 1,
                                                        str(e).splitlines()[0]), file=sys.stderr)
                out.append(None)
    return out


BIG_BOOTS = max(1, int(os.environ.get("BENCH_BIG_BOOTS", "1")))


def big_initrd(path, mib=256):
    """The test target's initrd followed by an uncompressed newc cpio
    archive with one file of mib MiB (the kernel unpacks concatenated
    archives; kexec has to carry and, with kexec_file_load, hash it all)."""
    size = mib * 1024 * 1024
    name = b"padding\0"

    def header(ino, mode, filesize, nm):
        fields = (ino, mode, 0, 0, 1, 0, filesize, 0, 0, 0, 0, len(nm), 0)
        h_ = b"070701" + b"".join(b"%08X" % f for f in fields) + nm
        return h_ + b"\0" * ((4 - len(h_) % 4) % 4)

    with open(h.TARGET_INITRD, "rb") as src, open(path, "wb") as out:
        out.write(src.read())
        out.write(b"\0" * ((4 - out.tell() % 4) % 4))
        out.write(header(1, 0o100644, size, name))
        chunk = bytes(range(256)) * 4096
        left = size
        while left:
            n = min(left, len(chunk))
            out.write(chunk[:n])
            left -= n
        out.write(header(0, 0, 0, b"TRAILER!!!\0"))


def kexec_boot(method, big):
    """One boot with snboot.kexec=method: (kexec_ms, kexec_to_target_s)."""
    tag = "%s%s" % (method, "-256m" if big else "")
    with h.Stack("bench-kexec-%s" % tag) as st:
        be = st.backend()
        initrd = "initrd.img"
        if big:
            initrd = "big-initrd.img"
            big_initrd(os.path.join(be.files, initrd))
        be.add_profile("target", initrd=initrd)
        be.add_machine(SERIAL, "target", action="provision")
        be.serve()
        vm = st.qemu(serial=SERIAL, append="snboot.kexec=%s" % method,
                     memory=2048 if big else 1024,
                     nic_args=h.qemu_user_nic_args(be.url(h.SLIRP_HOST))).start()
        try:
            m = vm.wait_for(r"snboot kexec: loaded .* with ([\w-]+).* in (\d+) ms",
                            timeout=h.BOOT_TIMEOUT * (3 if big else 1))
            path = m.group(1)
            ms = int(m.group(2))
            vm.wait_for(r"snboot kexec: rebooting into", start=vm.last_index)
            t0 = vm.seconds_to(vm.last_index)
            vm.wait_for(r"Linux version", start=vm.last_index)
            t1 = vm.seconds_to(vm.last_index)
            vm.wait_marker(timeout=h.BOOT_TIMEOUT * (3 if big else 1))
        except h.HarnessError as e:
            print("bench: kexec %s: %s" % (tag, str(e).splitlines()[0]), file=sys.stderr)
            return None, None
        want = "kexec-tools" if method == "tools" else "kexec_file_load"
        if path != want:
            print("bench: kexec %s took %s" % (tag, path), file=sys.stderr)
            return None, None
        return ms, round(t1 - t0, 3)


def kexec_paths():
    for big in (False, True):
        n = BIG_BOOTS if big else BOOTS
        for method in ("tools", "file"):
            runs = [kexec_boot(method, big) for _ in range(n)]
            suffix = "_%s%s" % (method, "_256m" if big else "")
            for k, (name, unit) in enumerate((("kexec_ms", "ms"), ("kexec_to_target_s", "s"))):
                vals = [r[k] for r in runs]
                print("bench: %s%s per boot: %s" % (name, suffix, " ".join(map(str, vals))),
                      file=sys.stderr, flush=True)
                figure(name + suffix, h.median(vals) if None not in vals else None, unit)


def uefi_boot(kind):
    """One power-on of an OVMF VM in a netns to the target's marker: the
    firmware's HTTP boot on virtio or e1000, or iPXE's EFI ROM (e1000)."""
    import test_image as ti
    with h.Stack("bench-uefi-%s" % kind) as st:
        ns = st.netns()
        ns.add_tap(1, v6=False)
        be = h.provisioned_backend(st, SERIAL, netns=ns).serve()
        www = os.path.join(st.workdir, "www")
        os.makedirs(www)
        ti.shutil.copyfile(h.IMAGE, os.path.join(www, "snboot.efi"))
        files = st.add(ti.FileServer(st, ns, www, "10.77.1.1"))
        url = "http://10.77.1.1:%d/snboot.efi" % files.port
        args = ["--no-ping", "--dhcp-range=10.77.1.100,10.77.1.199,255.255.255.0,1h",
                "--dhcp-vendorclass=set:efihttp,HTTPClient",
                "--dhcp-userclass=set:snboot,snboot", "--dhcp-userclass=set:ipxe,iPXE",
                "--dhcp-option=tag:snboot,option:bootfile-name,%s" % be.url("10.77.1.1")]
        if kind == "ipxe":
            args.append("--dhcp-option=tag:ipxe,tag:!snboot,option:bootfile-name,%s" % url)
        else:
            args += ["--dhcp-option=tag:efihttp,tag:!snboot,option:bootfile-name,%s" % url,
                     "--dhcp-option-force=tag:efihttp,tag:!snboot,60,HTTPClient"]
        st.dnsmasq(ns, "tap1", args)
        model = "virtio-net-pci" if kind == "virtio" else "e1000"
        nic = h.qemu_nic_args(1, mac=h.nic_mac(1), model=model)
        if kind == "virtio":
            nic[-1] += ",romfile="
        vm = st.add(ti.FirmwareQemu("bench-uefi-" + kind, ti.private_vars(st), serial=SERIAL,
                                    netns=ns, nic_args=nic)).start()
        try:
            vm.wait_marker()
        except h.HarnessError as e:
            print("bench: uefi %s: %s" % (kind, str(e).splitlines()[0]), file=sys.stderr)
            return None
        return round(vm.seconds_to(vm.last_index), 3)


def uefi_chain():
    for kind, name in (("virtio", "uefi_http_virtio_to_target_s"),
                       ("e1000", "uefi_http_e1000_to_target_s"),
                       ("ipxe", "ipxe_efi_rom_to_target_s")):
        figure(name, med([uefi_boot(kind) for _ in range(BOOTS)], name), "s")


def main():
    for name, path in (("efi_image_bytes", h.IMAGE), ("agent_bytes", h.AGENT)):
        figure(name, os.path.getsize(path) if os.path.exists(path) else None, "bytes")
    try:
        h.require_files(h.IMAGE, h.SERVER_STUB, h.TARGET_KERNEL, h.TARGET_INITRD)
    except h.HarnessError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1

    seconds, stages = full_boots()
    figure("boot_to_target_s", med([s and round(s, 3) for s in seconds], "boot_to_target_s"), "s")
    figure("dhcp_ms", med([dhcp_ms(s) for s in stages], "dhcp_ms"), "ms")
    for stage in ("api", "download", "kexec"):
        figure("%s_ms" % stage, med([s.get(stage) for s in stages], stage + "_ms"), "ms")

    kexec_paths()
    # download_mib_s_*, agent_peak_rss_kib, host_fetch_*, ipxe_ratio_*
    bench_download.figures(figure, BOOTS, BIG_BOOTS, big_initrd)
    bench_localboot.figures(figure, med, BOOTS)  # local_boot_s, local_ms

    bench_backend.figures(figure)  # backend_* (server-stub under build/loadgen)

    if os.geteuid() != 0:
        print("bench: the netns figures need root", file=sys.stderr)
        missing.extend(["nic_race_ratio", "dhcp4_ms", "dhcp6_ms"])
        return 1
    four = med(lease_ms(4, 4), "dhcp_ms with 4 NICs, the last served")
    one = med(lease_ms(1, 1), "dhcp_ms with 1 served NIC")
    figure("nic_race_ratio", four / one if four is not None and one else None, "x")
    figure("dhcp4_ms", med(lease_ms(1, 1, "v4", "snboot.ipv6=0"), "dhcp4_ms"), "ms")
    figure("dhcp6_ms", med(lease_ms(1, 1, "v6", "snboot.ipv4=0"), "dhcp6_ms"), "ms")
    uefi_chain()
    bench_network.figures(figure, med, BOOTS)  # dead_nic_ratio, vlan_boot_ratio, lldp_vlan_ms
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
