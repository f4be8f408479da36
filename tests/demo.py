#!/usr/bin/python3
"""make demo: boot the snboot image in QEMU against the reference backend.

Starts build/server-stub on the host's loopback with machine DEMO-0001 set
to provision the test target (tests/target), boots build/snboot.efi in QEMU
(TCG unless QEMU_ACCEL says otherwise) with SMBIOS serial DEMO-0001, streams
the console here, and exits 0 once the target prints its marker with
snboot.serial=DEMO-0001. Non-zero, with the reason, otherwise. Builds
nothing: `make demo` builds first."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness as h  # noqa: E402

SERIAL = "DEMO-0001"


def main():
    try:
        h.require_files(h.IMAGE, h.SERVER_STUB, h.TARGET_KERNEL, h.TARGET_INITRD)
    except h.HarnessError as e:
        print("demo: %s" % e, file=sys.stderr)
        return 2
    timeout = float(os.environ.get("DEMO_TIMEOUT", h.BOOT_TIMEOUT))
    with h.Stack("demo") as st:
        be = h.provisioned_backend(st, SERIAL, echo=True).serve()
        print("demo: backend on port %d, machine %s -> profile target; booting %s "
              "(accel %s)" % (be.port, SERIAL, os.path.relpath(h.IMAGE),
                              os.environ.get("QEMU_ACCEL", "tcg")), flush=True)
        vm = h.user_net_qemu(st, be, SERIAL, name="demo", echo=True).start()
        t0 = time.monotonic()
        try:
            cmdline = vm.wait_marker(timeout)
        except h.HarnessError as e:
            reason = str(e).splitlines()[0]
            print("demo: FAILED: %s" % reason, file=sys.stderr)
            return 1
        if not h.serial_in_cmdline(cmdline, SERIAL):
            print("demo: FAILED: the target booted with the wrong serial: %s" % cmdline,
                  file=sys.stderr)
            return 1
        print("demo: OK: target booted with snboot.serial=%s in %.1f s (console log %s)" % (
            SERIAL, time.monotonic() - t0, h.log_path("demo.log")), flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
