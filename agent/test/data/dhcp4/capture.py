"""Sends a DISCOVER (or a REQUEST) like snboot's from MAC 02:00:00:00:00:01,
xid 0x5a5a4567, and saves each BOOTREPLY as <out>.N.bin. Used by capture.sh."""
import socket, struct, sys, time
IF = sys.argv[1]; out = sys.argv[2]; mode = sys.argv[3]  # discover | request:<ip>:<server>
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
def pkt(t, extra=b""):
    h = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1,1,6,0,XID,0,0x8000,b"\0"*4,b"\0"*4,b"\0"*4,b"\0"*4,MAC+b"\0"*10,b"",b"")
    p = h + b"\x63\x82\x53\x63" + opts(t, extra)
    return p + b"\0"*(max(0,300-len(p)))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, IF.encode())
s.bind(("0.0.0.0", 68))
if mode == "discover":
    m = pkt(1)
else:
    _, ip, srv = mode.split(":")
    m = pkt(3, bytes([50,4]) + socket.inet_aton(ip) + bytes([54,4]) + socket.inet_aton(srv))
s.sendto(m, ("255.255.255.255", 67))
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
