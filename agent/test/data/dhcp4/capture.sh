#!/bin/sh
# Captures dnsmasq's replies to capture.py's DISCOVER (and REQUEST) into
# $OUT.N.bin / $OUT.req.N.bin in the current directory. Needs root.
#   OUT=name A_ARGS="dnsmasq args" [B_ARGS="second dnsmasq"] [REQ=ip:server]
#   [PXE=ciaddr:server] sh capture.sh
# PXE: the client then holds ciaddr/24 and sends its REQUEST to port 4011.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
S=capsrv$$; C=capcli$$
ip netns add $S; ip netns add $C
trap 'kill $(cat $W/*.pid) 2>/dev/null; ip netns del $S; ip netns del $C; rm -rf $W' EXIT
ip link add vs0 netns $S type veth peer name vc0 netns $C
ip -n $S addr add 10.77.0.1/24 dev vs0; ip -n $S link set vs0 up; ip -n $S link set lo up
ip -n $C link set vc0 up; ip -n $C link set lo up
COMMON="--port=0 --interface=vs0 --bind-interfaces --conf-file=/dev/null --no-ping --log-dhcp"
ip netns exec $S dnsmasq $COMMON --dhcp-leasefile=$W/a.leases --pid-file=$W/a.pid $A_ARGS
if [ -n "$B_ARGS" ]; then
	ip netns exec $S dnsmasq $COMMON --dhcp-leasefile=$W/b.leases --pid-file=$W/b.pid $B_ARGS
fi
sleep 1.5
ip netns exec $C /usr/bin/python3 "$HERE/capture.py" vc0 "$PWD/$OUT" discover
if [ -n "$REQ" ]; then
	ip netns exec $C /usr/bin/python3 "$HERE/capture.py" vc0 "$PWD/$OUT.req" request:$REQ
fi
if [ -n "$PXE" ]; then
	ip -n $C addr add "${PXE%%:*}/24" dev vc0
	ip netns exec $C /usr/bin/python3 "$HERE/capture.py" vc0 "$PWD/$OUT.pxe" pxe:$PXE
fi
