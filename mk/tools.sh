#!/bin/sh
# Builds the image's two tools static with musl from Debian source packages:
# busybox (mk/busybox.config over allnoconfig) and kexec-tools' kexec.
# Usage: tools.sh BUILD KHEADERS. Results: BUILD/tools/busybox,
# BUILD/tools/kexec (stripped); each is rebuilt only when missing (the
# Makefile removes them when this script or the busybox config changes).
set -eu
B=$1
KHDR=$2
SRC=$B/src
OUT=$B/tools
MK=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$SRC" "$OUT"

fetch() { # package -> directory of the unpacked source (Debian patches applied)
	d=$(ls -d "$SRC/$1"-[0-9]*/ 2>/dev/null | head -n1)
	if [ -z "$d" ]; then
		(cd "$SRC" && apt-get source -qq "$1" >/dev/null 2>&1)
		d=$(ls -d "$SRC/$1"-[0-9]*/ | head -n1)
	fi
	echo "${d%/}"
}

if [ ! -x "$OUT/busybox" ]; then
	d=$(fetch busybox)
	echo "tools: busybox from $d"
	make -s -C "$d" distclean >/dev/null 2>&1 || true
	make -s -C "$d" allnoconfig >/dev/null
	# our fragment wins: drop each named symbol, append our value, let
	# oldconfig settle what depends on it (anything new defaults off)
	grep '^CONFIG_' "$MK/busybox.config" > "$d/.snboot.frag"
	for n in $(cut -d= -f1 "$d/.snboot.frag"); do
		sed -i "/^$n=/d;/^# $n is not set/d" "$d/.config"
	done
	sed 's/^\(CONFIG_[A-Z0-9_]*\)=n$/# \1 is not set/' "$d/.snboot.frag" >> "$d/.config"
	yes "" | make -s -C "$d" oldconfig >/dev/null
	for k in $(grep '^CONFIG_.*=[y0-9]*$' "$d/.snboot.frag"); do
		grep -qx "$k" "$d/.config" || {
			echo "tools: busybox config lost $k (a dependency is off)" >&2
			exit 1
		}
	done
	make -C "$d" -j"$(nproc)" CC=musl-gcc HOSTCC=gcc \
		EXTRA_CFLAGS="-isystem $KHDR" busybox >"$OUT/busybox.log" 2>&1 ||
		{ tail -n 30 "$OUT/busybox.log" >&2; exit 1; }
	strip -o "$OUT/busybox" "$d/busybox"
	"$OUT/busybox" --list > "$OUT/busybox.applets"
fi

# every applet link the image lists must exist in this busybox
for a in $(sed -n 's|^slink /s*bin/\([^ ]*\) busybox .*|\1|p' "$MK/../initramfs/files.list"); do
	grep -qx "$a" "$OUT/busybox.applets" || {
		echo "tools: initramfs/files.list links $a, not in mk/busybox.config" >&2
		exit 1
	}
done

# our patches to kexec-tools (mk/patches/kexec-tools): a change rebuilds
# kexec from a fresh, re-patched source
KEXEC_PATCHES=$(cat "$MK"/patches/kexec-tools/*.patch 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -x "$OUT/kexec" ] || [ "$(cat "$OUT/kexec.patches" 2>/dev/null)" != "$KEXEC_PATCHES" ]; then
	d=$(fetch kexec-tools)
	if [ "$(cat "$d/.snboot-patches" 2>/dev/null)" != "$KEXEC_PATCHES" ]; then
		rm -rf "$d"
		d=$(fetch kexec-tools)
		for p in "$MK"/patches/kexec-tools/*.patch; do
			[ -f "$p" ] || continue
			patch -s -d "$d" -p1 < "$p"
		done
		echo "$KEXEC_PATCHES" > "$d/.snboot-patches"
	fi
	echo "tools: kexec-tools from $d"
	(cd "$d" && make -s distclean >/dev/null 2>&1 || true)
	(cd "$d" && ./configure -q CC=musl-gcc CFLAGS="-Os -isystem $KHDR" \
		LDFLAGS=-static --without-zlib --without-lzma --without-xen >/dev/null)
	make -C "$d" -j"$(nproc)" >"$OUT/kexec.log" 2>&1 ||
		{ tail -n 30 "$OUT/kexec.log" >&2; exit 1; }
	strip -o "$OUT/kexec" "$d/build/sbin/kexec"
	echo "$KEXEC_PATCHES" > "$OUT/kexec.patches"
fi
