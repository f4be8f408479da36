"""Sends a DISCOVER (or a REQUEST, or a PXE boot server REQUEST to port
4011 from ciaddr) like snboot's from MAC 02:00:00:00:00:01,
xid 0x5a5a4567, and saves each BOOTREPLY as <out>.N.bin. Used by capture.sh."""
import socket, struct, sys, time
IF = sys.argv[1]; out = sys.argv[2]; mode = sys.argv[3]  # discover | request:<ip>:<server> | pxe:<ciaddr>:<server>
MAC = bytes.fromhex("020000000001"); XID = 0x5a5a4567
def opts(t, extra=b""):
    o = bytes([53,1,t])
    o += bytes([61,16]) + b"\x00SN-CAPTURE-0001"
    o += extra
    o += bytes([57,2,0x05,0xdc])
    pl = bytes([1,3,6,7,12,15,26,28,42,43,60,66,67,119,121])
    o += bytes([55,len(pl)]) + pl
    vc = b"HTTPClient:Arch:00016:UNDI:003000"
    o += bytes([60,len(vc)]) + vc
    o += bytes([77,7,6]) + b"snboot"
    o += bytes([93,2,0,0x10, 94,3,1,3,0]) + b"\xff"
    return o
def pkt(t, extra=b"", ciaddr=b"\0"*4):
    flags = 0 if ciaddr != b"\0"*4 else 0x8000
    h = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1,1,6,0,XID,0,flags,ciaddr,b"\0"*4,b"\0"*4,b"\0"*4,MAC+b"\0"*10,b"",b"")
    p = h + b"\x63\x82\x53\x63" + opts(t, extra)
    return p + b"\0"*(max(0,300-len(p)))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IF.encode())
dest = ("255.255.255.255", 67)
if mode == "discover":
    s.bind(("0.0.0.0", 68))
    m = pkt(1)
elif mode.startswith("pxe:"):
    _, ip, srv, *item = mode.split(":")  # pxe:<ciaddr>:<server>[:<boot item type>]
    s.bind((ip, 68))
    o43 = bytes([43,7,71,4]) + struct.pack("!HH", int(item[0]), 0) + b"\xff" if item else b""
    m = pkt(3, bytes([54,4]) + socket.inet_aton(srv) + o43, ciaddr=socket.inet_aton(ip))
    dest = (srv, 4011)
else:
    s.bind(("0.0.0.0", 68))
    _, ip, srv = mode.split(":")
    m = pkt(3, bytes([50,4]) + socket.inet_aton(ip) + bytes([54,4]) + socket.inet_aton(srv))
s.sendto(m, dest)
s.settimeout(3)
n = 0
end = time.time() + 3
while time.time() < end:
    try:
        d, a = s.recvfrom(2000)
    except socket.timeout:
        break
    if d[0] != 2: continue
    n += 1
    fn = "%s.%d.bin" % (out, n)
    open(fn, "wb").write(d)
    print("got", len(d), "from", a, "->", fn)
