"""The image is also an EFI application: under UEFI firmware (OVMF) it is
started through the EFI stub, as UEFI HTTP boot would chain-load it, and
goes through the same flow into the target."""
import os

import harness as h

SERIAL = "EFI-0001"
OVMF = "/usr/share/ovmf/OVMF.fd"


def test_uefi_firmware_starts_the_image_and_it_boots_the_target(stack, boot_files):
    h.require_files(OVMF)
    be = h.provisioned_backend(stack, SERIAL).serve()
    # A private copy of the firmware image: OVMF writes its variables there.
    fw = os.path.join(stack.workdir, "OVMF.fd")
    with open(OVMF, "rb") as src, open(fw, "wb") as dst:
        dst.write(src.read())
    vm = stack.qemu(serial=SERIAL, extra=["-bios", fw],
                    nic_args=h.qemu_user_nic_args(be.url(h.SLIRP_HOST))).start()
    # The kernel says it came up on EFI (the stub ran), then the agent
    # mounted efivarfs and did its job.
    vm.wait_for(r"efi: EFI v\d", timeout=h.BOOT_TIMEOUT)
    vm.wait_for(r"snboot init: snboot .* starting", timeout=h.BOOT_TIMEOUT)
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
