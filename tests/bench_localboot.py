"""make bench, local-disk figures (issue 6):

  local_boot_s   QEMU start to the disk kernel's marker: the backend answers
                 sanboot (unknown serial), the agent reads a virtio disk's
                 BLS entries and kexecs the default
  local_ms       the agent's own "local: done in" time (disks, probe,
                 mount, parse), median of the same boots
"""
import os

import disks
import harness as h


def _disk(workdir):
    d = disks.Disk(os.path.join(workdir, "bench-local.img"))
    d.add("vfat", {"/EFI/BOOT/.keep": ""}, ptype="esp")
    files = {}
    for v in ("6.1.0", "6.5.0"):
        files["/boot/loader/entries/os-%s.conf" % v] = (
            "title OS %s\nversion %s\nlinux /boot/vmlinuz-%s\ninitrd /boot/initrd-%s\n"
            "options console=ttyS0 entry=%s\n" % (v, v, v, v, v))
        files["/boot/vmlinuz-%s" % v] = ("file", h.TARGET_KERNEL)
        files["/boot/initrd-%s" % v] = ("file", h.TARGET_INITRD)
    d.add("ext4", files)
    return d.build()


def figures(figure, med, boots):
    seconds, local_ms = [], []
    for i in range(boots):
        with h.Stack("bench-local-%d" % (i + 1)) as st:
            path = _disk(st.workdir)
            be = h.provisioned_backend(st, None).serve()
            vm = st.qemu(serial="BENCH-LOCAL", nic_args=h.qemu_user_nic_args(be.url(h.SLIRP_HOST)),
                         extra=disks.qemu_disk_args(path, "virtio")).start()
            try:
                vm.wait_marker()
                seconds.append(round(vm.seconds_to(vm.last_index), 3))
                local_ms.append(vm.stage_times().get("local"))
            except h.HarnessError:
                seconds.append(None)
                local_ms.append(None)
    figure("local_boot_s", med(seconds, "local_boot_s"), "s")
    figure("local_ms", med(local_ms, "local_ms"), "ms")
