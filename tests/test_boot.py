"""Issue 2 scenarios: the image asks the backend by serial number and boots
what it says, over QEMU user networking (the backend runs on the host's
loopback, 10.0.2.2 from the guest). Each boots the real image under TCG."""
import re

import harness as h

SERIAL = "DEMO-0001"


def test_provision_boots_the_target(stack, boot_files):
    be = h.provisioned_backend(stack, SERIAL).serve()
    vm = h.user_net_qemu(stack, be, SERIAL).start()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), \
        "the target booted but its command line lacks snboot.serial=%s: %r" % (SERIAL, cmdline)
    # The backend decided by the serial the agent posted, not by anything else.
    assert be.log.search(r"POST /api/v1/boot 200 .*serial=%s action=provision" % SERIAL)[1], \
        "backend log has no provision answer for %s:\n%s" % (SERIAL, be.log.tail(20))


def test_unknown_serial_is_registered_and_boots_local(stack, boot_files):
    serial = "UNKNOWN-4242"
    be = h.provisioned_backend(stack, None).serve()  # a profile exists, the machine does not
    vm = h.user_net_qemu(stack, be, serial).start()
    local = vm.wait_for(r"snboot local:", timeout=h.BOOT_TIMEOUT)
    listing = be.list()
    # Registered, following the policies (none match: the default, local).
    assert re.search(r"^%s\s+(policy|local)\b" % re.escape(serial), listing, re.M), \
        "backend did not register %s:\n%s" % (serial, listing)
    assert be.log.search(r"POST /api/v1/boot 200 .*serial=%s .*action=local" % re.escape(serial))[1], \
        "backend did not answer %s with the local disk:\n%s" % (serial, be.log.tail(20))
    assert not vm.console.search(h.MARKER)[1], "the target booted for an unknown serial"
    # After the local-boot decision nothing may boot the network target.
    vm.assert_absent(h.MARKER, 20, start=vm.last_index)
    assert local


def test_wrong_ca_is_refused_and_retried(stack, boot_files):
    # Same names, signed by a CA the image does not carry.
    be = h.provisioned_backend(stack, SERIAL, cert="other-server.pem").serve()
    vm = h.user_net_qemu(stack, be, SERIAL).start()
    vm.wait_for(r"not trusted", timeout=h.BOOT_TIMEOUT)
    first = vm.last_index
    # The agent keeps trying (capped backoff) and keeps refusing.
    vm.wait_for(r"not trusted", timeout=60, start=first + 1)
    assert not vm.console.search(h.MARKER)[1], "the target booted from an untrusted backend"
    vm.assert_absent(h.MARKER, 10, start=vm.last_index)
    assert not be.log.search(r"POST /api/v1/boot 200")[1], \
        "an untrusted backend answered a boot request:\n%s" % be.log.tail(20)


def test_backend_down_at_first_still_boots(stack, boot_files):
    be = h.provisioned_backend(stack, SERIAL)  # registered, not serving yet
    vm = h.user_net_qemu(stack, be, SERIAL).start()
    # Proof that the first attempt met no backend (refused / retry) ...
    vm.wait_for(r"snboot (api|net): .*(refused|unreachable|timed out|E0?70[4-7])"
                r"|snboot retry: next attempt", timeout=h.BOOT_TIMEOUT)
    # ... and that the backend comes at least 15 s after the machine.
    h.wait_until_elapsed(vm.started, 15.0)
    be.serve()
    cmdline = vm.wait_marker()
    assert h.serial_in_cmdline(cmdline, SERIAL), cmdline
