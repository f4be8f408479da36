#!/bin/sh
# Builds the test target that snboot boots in the scenarios: Debian's own
# kernel (the package linux-image-amd64 points to) and a tiny initramfs with
# busybox and tests/target/init, which prints one marker line and powers off.
# Usage: build.sh OUTDIR   (writes OUTDIR/vmlinuz and OUTDIR/initrd.img)
# Idempotent: the kernel package is fetched once; the initrd is rebuilt from
# its inputs every run (it takes milliseconds).
set -eu
OUT=$1
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BUILD=$(dirname "$OUT")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ---- kernel: the package linux-image-amd64 depends on (e.g. linux-image-6.1.0-NN-amd64)
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
[ -n "$pkg" ] || { echo "target: cannot resolve the package linux-image-amd64 depends on" >&2; exit 1; }
if [ ! -f "$OUT/vmlinuz" ] || [ "$(cat "$OUT/kernel-package" 2>/dev/null)" != "$pkg" ]; then
	debs="$OUT/debs"
	mkdir -p "$debs"
	if ! ls "$debs/${pkg}_"*.deb >/dev/null 2>&1; then
		echo "target: apt-get download $pkg"
		(cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg")
	fi
	deb=$(ls "$debs/${pkg}_"*.deb | head -n1)
	# Only /boot is needed; dpkg-deb -x of the whole package is ~400 MB of modules.
	dpkg-deb --fsys-tarfile "$deb" | tar -C "$TMP" -x --wildcards './boot/vmlinuz-*'
	cp "$TMP"/boot/vmlinuz-* "$OUT/vmlinuz.tmp"
	mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
	echo "$pkg" > "$OUT/kernel-package"
	echo "target: kernel from $pkg"
fi

# ---- initramfs: busybox-static + the marker init, nothing else
BUSYBOX=/bin/busybox
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed"; then
	echo "target: busybox-static is not installed (make deps)" >&2
	exit 1
fi
list="$TMP/initrd.list"
cat > "$list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /bin 0755 0 0
file /bin/busybox $BUSYBOX 0755 0 0
file /init $HERE/init 0755 0 0
LIST
GEN="$BUILD/kernel/usr/gen_init_cpio"
if [ -x "$GEN" ]; then
	"$GEN" "$list" > "$TMP/initrd.cpio"
else
	# Same tree with cpio; --owner keeps root ownership without being root.
	root="$TMP/root"
	mkdir -p "$root/dev" "$root/proc" "$root/bin"
	cp "$BUSYBOX" "$root/bin/busybox"
	cp "$HERE/init" "$root/init"
	chmod 0755 "$root/bin/busybox" "$root/init"
	# No /dev/console node without root: init mounts devtmpfs to get one.
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet) > "$TMP/initrd.cpio"
fi
gzip -9 -n < "$TMP/initrd.cpio" > "$OUT/initrd.img.tmp"
mv "$OUT/initrd.img.tmp" "$OUT/initrd.img"
# Both outputs are now current for make, the reused kernel included.
touch "$OUT/vmlinuz"
echo "target: $OUT/vmlinuz $(stat -c %s "$OUT/vmlinuz") bytes, $OUT/initrd.img $(stat -c %s "$OUT/initrd.img") bytes"
