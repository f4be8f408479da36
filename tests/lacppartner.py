"""A minimal IEEE 802.1AX (LACP) partner in user space, for hosts whose
kernel has no bonding: the switch side of a two-port link aggregation.

    python3 lacppartner.py [--lldp ID] [--suspend-individual] [--no-lacp] ACCESS PORT [PORT...]

Each PORT is one of the VM's taps. LACPDUs from the VM (slow protocols,
ethertype 0x8809 subtype 1) are answered on the same port, once a second
after that: our actor (one system, one key for every port, so they
aggregate; state active, short timeout, aggregatable, in sync, collecting,
distributing) and as partner what the VM's actor said. Every other frame
from a port goes to ACCESS, a tap this process is the wire of (the
namespace gives it the provisioning address and dnsmasq); frames from
ACCESS go out on the first port that has sent us an LACPDU, or the first
port. Prints "ready", then "lacpdu from PORT" / "lacpdu to PORT" the first
few times.

--lldp ID: every second, an LLDP frame (IEEE 802.1AB) on each port, as a
switch whose ports are members of one port-channel sends: the same Chassis
ID on every port, Port ID "Ethernet1/<n>", and the IEEE 802.1 link
aggregation TLV (802.1Q Annex D.2.7: subtype 7, capable and enabled,
aggregated port ID ID).

--suspend-individual: as a switch port in a port-channel with LACP
"suspend-individual" (the NX-OS and EOS default): a port forwards nothing
until its partner has sent an LACPDU, so only a bond gets through.

--no-lacp: LACPDUs are heard (and logged) but never answered, as on a
switch whose port-channel has no LACP configured: an 802.3ad bond finds
no partner.
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
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SLOW = 0x8809
SYSTEM = bytes.fromhex("02005e000199")
KEY = 0x21
STATE = 0x3f  # active, short timeout, aggregation, sync, collecting, distributing
DST = bytes.fromhex("0180c2000002")


def open_port(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((ifname, ETH_P_ALL))
    return s


def open_tap(ifname):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def lacpdu(port_no, partner):
    """partner: the 18 bytes of the VM's actor info (prio .. state), or zeros."""
    actor = struct.pack("!H6sHHHB3x", 0x8000, SYSTEM, KEY, 0x80, port_no, STATE)
    body = (bytes([1, 1]) + bytes([1, 20]) + actor + bytes([2, 20]) + partner + b"\0\0\0" +
            bytes([3, 16]) + struct.pack("!H", 0) + bytes(12) + bytes([0, 0]) + bytes(50))
    return DST + SYSTEM + struct.pack("!H", SLOW) + body


def tlv(kind, value):
    return struct.pack("!H", kind << 9 | len(value)) + value


def lldp_frame(port_no, agg_id):
    pdu = (tlv(1, b"\x04" + SYSTEM) + tlv(2, b"\x05Ethernet1/%d" % port_no) +
           tlv(3, struct.pack("!H", 120)) + tlv(5, b"snboot-test-switch") +
           tlv(127, b"\x00\x80\xc2\x07\x03" + struct.pack("!I", agg_id)) + tlv(0, b""))
    return bytes.fromhex("0180c200000e") + SYSTEM + struct.pack("!H", 0x88cc) + pdu


def main():
    args = sys.argv[1:]
    lldp_id, suspend, answer = None, False, True
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--lldp":
            lldp_id = int(args.pop(0))
        elif opt == "--suspend-individual":
            suspend = True
        elif opt == "--no-lacp":
            answer = False
        else:
            sys.exit("unknown option " + opt)
    access = open_tap(args[0])
    names = args[1:]
    ports = [open_port(n) for n in names]
    partner = [bytes(15) for _ in ports]
    seen = [False for _ in ports]
    counts = {}
    next_tx = 0.0

    def event(what):
        counts[what] = counts.get(what, 0) + 1
        if counts[what] <= 3 or counts[what] % 50 == 0:
            print("%s (%d)" % (what, counts[what]), flush=True)

    print("ready %s <-> %s" % (args[0], " ".join(names)), flush=True)
    while True:
        now = time.monotonic()
        if now >= next_tx:
            for k, s in enumerate(ports):
                if seen[k] and answer:
                    s.send(lacpdu(k + 1, partner[k]))
                    event("lacpdu to %s" % names[k])
                if lldp_id is not None:
                    s.send(lldp_frame(k + 1, lldp_id))
                    event("lldp aggregate %d to %s" % (lldp_id, names[k]))
            next_tx = now + 1.0
        ready, _, _ = select.select(ports + [access], [], [], 0.5)
        for r in ready:
            if r == access:
                frame = os.read(access, 65535)
                out = next((k for k in range(len(ports)) if seen[k]), None if suspend else 0)
                if out is None:
                    event("suspended: frame to the ports dropped (no LACPDU yet)")
                    continue
                ports[out].send(frame)
                continue
            k = ports.index(r)
            data, _anc, _fl, addr = r.recvmsg(65535)
            if addr[2] == PACKET_OUTGOING or len(data) < 14:
                continue
            if struct.unpack("!H", data[12:14])[0] == SLOW and len(data) >= 14 + 22 and data[14] == 1:
                # actor TLV at 16: type, length, then prio(2) sys(6) key(2) pprio(2) port(2) state(1)
                partner[k] = data[18:18 + 15]
                first = not seen[k]
                seen[k] = True
                event("lacpdu from %s" % names[k])
                if first and answer:
                    r.send(lacpdu(k + 1, partner[k]))
                continue
            if suspend and not seen[k]:
                event("suspended: frame from %s dropped (no LACPDU yet)" % names[k])
                continue
            os.write(access, data)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
