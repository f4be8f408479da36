#!/bin/sh
# Installs every Debian package the build, demo and tests need, and enables
# deb-src so `apt-get source` can fetch the agent's libraries. Idempotent: a
# second run with everything present does nothing and prints nothing.
set -eu

# Every program the build and the tests run is declared with its package in
# tests/programs.py; tests/test_programs.py checks each package is here (or
# Essential). dnsmasq-base: the binary without the system daemon.
PKGS="build-essential make gcc binutils musl-tools linux-source-6.1 bc bison
flex libelf-dev libssl-dev cpio xz-utils qemu-system-x86 ovmf dnsmasq-base
busybox-static libmicrohttpd-dev libsqlite3-dev libcjson-dev libcmocka-dev
python3-minimal python3-pytest python3-pytest-xdist openssl apt dpkg-dev iproute2 procps iptables
xxd rsync patch clang libclang-rt-14-dev curl kea-dhcp4-server
kea-dhcp6-server e2fsprogs xfsprogs dosfstools mtools fdisk
libcurl4-gnutls-dev chromium libpq-dev postgresql nginx ipxe-qemu"

# Nettle: SHA-256 of downloads (the agent's is built from source by
# mk/libs.sh, which needs m4 for its assembly; the host tests link
# Debian's, built fat like ours)
PKGS="$PKGS nettle-dev m4"

# zlib: imgextract (the agent's from source, mk/libs.sh; the host tests
# link Debian's)
PKGS="$PKGS zlib1g-dev"

# systemd-boot: the disk's own EFI loader in the BootNext scenario
# (tests/test_image.py)
PKGS="$PKGS systemd-boot-efi"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

need_src=0
if ! grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	need_src=1
fi

[ -z "$missing" ] && [ "$need_src" = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run make as root to install them)" >&2
	exit 1
fi

if [ "$need_src" = 1 ]; then
	echo "deps: enabling deb-src in the apt sources"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
	done
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb \(.*\)$/deb-src \1/p' /etc/apt/sources.list > /etc/apt/sources.list.d/snboot-src.list
	fi
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
