"""A one-VLAN 802.1Q "switch port" in user space, for hosts whose kernel has
no 802.1Q (the test machines: `ip link add ... type vlan` fails).

    python3 vlanswitch.py TRUNK ACCESS VID [lldp] [native=TAP]

TRUNK is the VM's tap: frames the VM sends tagged with VID go out on ACCESS
without the tag; frames from ACCESS go to TRUNK tagged with VID. ACCESS is
a tap this process creates and is the wire of (/dev/net/tun): the
namespace gives it the provisioning network's address and runs dnsmasq
and the backend on it. (A tap and not a veth: frames a tap's reader gets
are whole, checksummed and segmented; a veth hands AF_PACKET 64 KB TSO
frames with checksums left to offload.) Untagged
frames from the VM, and frames of other VLANs, are dropped and counted: the
provisioning network exists only on VID, as on a switch port whose native
VLAN is something else.

The host kernel strips a received frame's tag before AF_PACKET sees it
(skb_vlan_untag in __netif_receive_skb_core); the tag is in PACKET_AUXDATA
(tp_vlan_tci, TP_STATUS_VLAN_VALID). Sent frames are written with the
802.1Q header in the data. Prints one line per event worth asserting on
("tagged 100 from TRUNK", "untagged dropped") the first few times, and a
"ready" line once both sockets are bound.

With `native=TAP` the port also carries an untagged network, as a trunk
with a native VLAN does: untagged frames from TRUNK go out on TAP (a
second tap this process creates), frames from TAP go to TRUNK untagged
("untagged from TRUNK to TAP", "to TRUNK untagged from TAP").

VID 0 makes it a plain access port instead (the same user-space path,
nothing tagged): untagged frames pass both ways, tagged ones are dropped.
make bench compares a tagged boot with an untagged one through it.

With `lldp`, it also sends the VM an LLDP frame (IEEE 802.1AB) every
second, untagged to the nearest-bridge address, as a switch does: Chassis
ID (MAC), Port ID (interface name "Ethernet1/7"), TTL 120, System Name
"snboot-test-switch" and the IEEE 802.1 Port VLAN ID TLV naming VID.
"""
import fcntl
import os
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454ca
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000

SOL_PACKET = 263
PACKET_AUXDATA = 8
ETH_P_ALL = 0x0003
TP_STATUS_VLAN_VALID = 0x10
PACKET_OUTGOING = 4
AUX = struct.Struct("IIIHHHH")  # struct tpacket_auxdata


def open_port(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((ifname, ETH_P_ALL))
    return s


def open_tap(ifname):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def receive(s):
    """(frame, vlan id or None, outgoing?)"""
    data, anc, _flags, addr = s.recvmsg(65535, socket.CMSG_SPACE(AUX.size))
    vid = None
    for level, kind, value in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= AUX.size:
            status, _len, _snap, _mac, _net, tci, _tpid = AUX.unpack(value[:AUX.size])
            if status & TP_STATUS_VLAN_VALID:
                vid = tci & 0x0fff
    return data, vid, addr[2] == PACKET_OUTGOING


SWITCH_MAC = bytes.fromhex("02005e000107")


def tlv(kind, value):
    return struct.pack("!H", kind << 9 | len(value)) + value


def lldp_frame(vid):
    pdu = (tlv(1, b"\x04" + SWITCH_MAC) + tlv(2, b"\x05Ethernet1/7") +
           tlv(3, struct.pack("!H", 120)) + tlv(5, b"snboot-test-switch") +
           tlv(127, b"\x00\x80\xc2\x01" + struct.pack("!H", vid)) + tlv(0, b""))
    return bytes.fromhex("0180c200000e") + SWITCH_MAC + struct.pack("!H", 0x88cc) + pdu


def main():
    trunk_name, access_name, vid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lldp = "lldp" in sys.argv[4:]
    native_name = next((a[len("native="):] for a in sys.argv[4:] if a.startswith("native=")), None)
    trunk, access = open_port(trunk_name), open_tap(access_name)
    native = open_tap(native_name) if native_name else None
    counts = {}

    def event(what):
        counts[what] = counts.get(what, 0) + 1
        if counts[what] <= 3 or counts[what] % 100 == 0:
            print("%s (%d)" % (what, counts[what]), flush=True)

    print("ready %s <-> %s vlan %d%s" % (trunk_name, access_name, vid,
                                         ", native %s" % native_name if native_name else ""),
          flush=True)
    next_lldp = 0.0
    while True:
        if lldp and time.monotonic() >= next_lldp:
            trunk.send(lldp_frame(vid))
            event("lldp pvid %d to %s" % (vid, trunk_name))
            next_lldp = time.monotonic() + 1.0
        ready, _, _ = select.select([trunk, access] + ([native] if native else []), [], [],
                                    1.0 if lldp else None)
        for s in ready:
            if native is not None and s == native:
                event("to %s untagged from %s" % (trunk_name, native_name))
                trunk.send(os.read(native, 65535))
                continue
            if s == access:
                frame = os.read(access, 65535)
                if vid == 0:
                    event("to %s untagged" % trunk_name)
                    trunk.send(frame)
                    continue
                event("to %s tagged %d" % (trunk_name, vid))
                trunk.send(frame[:12] + struct.pack("!HH", 0x8100, vid) + frame[12:])
                continue
            frame, tag, outgoing = receive(s)
            if outgoing or len(frame) < 14:
                continue  # our own sends, seen again
            if vid == 0 and tag is None:
                event("untagged from %s" % trunk_name)
                os.write(access, frame)
            elif tag == vid:
                event("tagged %d from %s" % (vid, trunk_name))
                os.write(access, frame)
            elif tag is None and native is not None:
                event("untagged from %s to %s" % (trunk_name, native_name))
                os.write(native, frame)
            elif tag is None:
                event("untagged from %s dropped" % trunk_name)
            else:
                event("vlan %d from %s dropped" % (tag, trunk_name))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
