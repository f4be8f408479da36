"""A backend that is full answers 503 with Retry-After (server-stub does
when its connection cap is reached): the agent waits at least that long
before asking again, instead of hammering it with its own short backoff,
and then boots what the backend says."""
import harness as h
from scriptserver import ScriptServer

SCRIPT = """#!ipxe
kernel https://%(host)s:%(port)d/files/vmlinuz console=ttyS0 snboot.serial=${serial} busy=done
initrd https://%(host)s:%(port)d/files/initrd.img
boot
"""


def test_retry_after_is_honoured_then_boots(stack, boot_files):
    port = h.free_port()
    srv = stack.add(ScriptServer(SCRIPT % {"host": h.SLIRP_HOST, "port": port}, port=port,
                                 busy=[(503, 9), (503, 9)]).serve())
    vm = stack.qemu(serial="BUSY-0001", nic_args=h.qemu_user_nic_args(srv.url())).start()
    vm.wait_for(r"snboot retry: the backend asked to wait 9 s \(Retry-After\)",
                timeout=h.BOOT_TIMEOUT)
    cmdline = vm.wait_marker()
    assert "busy=done" in cmdline, cmdline
    t = srv.boot_times
    assert len(t) == 3, "expected two 503s then the boot POST, saw %d POSTs" % len(t)
    # Its own backoff would have come back after 1.5-2.5 s, then 3-5 s.
    gaps = [b - a for a, b in zip(t, t[1:])]
    assert all(g >= 8.5 for g in gaps), "asked again before Retry-After: %r" % gaps
