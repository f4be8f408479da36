"""Three chained scripts with relative URLs, as netboot.xyz-style menus
chain them: each URL resolves against the script it is written in (RFC
3986), the last one boots the target. The server checks the exact paths
the agent asked for."""
import harness as h
from scriptserver import ScriptServer


def test_three_chained_scripts_with_relative_urls_boot(stack, boot_files):
    pages = {
        # /api/v1/boot chains menu/one.ipxe -> /api/v1/menu/one.ipxe
        "/api/v1/menu/one.ipxe": "#!ipxe\nchain ../os/two.ipxe?step=2 || goto fail\n:fail\nexit 1\n",
        "/api/v1/os/two.ipxe?step=2": "#!ipxe\nset next three.ipxe\nchain ${next}\n",
        "/api/v1/os/three.ipxe": ("#!ipxe\n"
                                  # /api/v1/os/ + ../../files/ = /api/files/ (RFC 3986 5.2)
                                  "kernel ../../files/vmlinuz console=ttyS0 chain=three\n"
                                  "initrd /files/initrd.img\nboot\n"),
    }
    srv = stack.add(ScriptServer("#!ipxe\nchain menu/one.ipxe\n", pages=pages).serve())
    vm = stack.qemu(serial="CHAIN-0001", nic_args=h.qemu_user_nic_args(srv.url())).start()
    cmdline = vm.wait_marker()
    assert "chain=three" in cmdline, cmdline
    assert srv.gets[:5] == ["/api/v1/menu/one.ipxe", "/api/v1/os/two.ipxe?step=2",
                            "/api/v1/os/three.ipxe", "/api/files/vmlinuz", "/files/initrd.img"], srv.gets
