#!/bin/sh
# Where the image's bytes go, as `name value unit` lines (make size):
#   efi_image_bytes          the image (bzImage + EFI stub), the 4 MiB budget
#   kernel_xz_bytes          the compressed kernel inside it (initramfs included)
#   initramfs_bytes          the uncompressed initramfs
#   initramfs.<path>         each file in it
#   agent.<object|library>   the agent's code and data by object and library
#                            (from a link map of the same objects)
#   kernel.<dir>             kernel code+data per directory (built-in.a),
#                            largest first: subsystems and drivers
# Usage: size.sh BUILD "AGENT_OBJS" "AGENT_LDFLAGS" "AGENT_LIBS"
set -eu
B=$1
OBJS=$2
LDFLAGS=$3
LIBS=$4
K=$B/kernel
TOP=${SIZE_TOP:-25}

bytes() { stat -c %s "$1"; }

echo "efi_image_bytes $(bytes "$B/snboot.efi") bytes"
echo "efi_image_budget_bytes $((4 * 1024 * 1024)) bytes"
for f in "$K"/arch/x86/boot/compressed/vmlinux.bin.*; do
	[ -f "$f" ] && echo "kernel_${f##*.}_bytes $(bytes "$f") bytes"
done
[ -f "$K/vmlinux" ] && size -A "$K/vmlinux" | awk '
	$1 == ".text" || $1 == ".rodata" || $1 == ".data" || $1 == ".init.text" {
		gsub(/^\./, "", $1); gsub(/\./, "_", $1); print "vmlinux_" $1 "_bytes " $2 " bytes" }'

# initramfs: the list the kernel packed (file lines: name, source)
echo "initramfs_bytes $(bytes "$K/usr/initramfs_data.cpio") bytes"
awk '$1 == "file" { print $2, $3 }' "$B/initramfs.list" | while read -r name src; do
	echo "initramfs.$name $(bytes "$src") bytes"
done
if command -v xz >/dev/null; then
	for f in "$B/snboot" "$B/tools/busybox" "$B/tools/kexec"; do
		[ -f "$f" ] && echo "xz.${f##*/} $(xz -9e -c "$f" | wc -c) bytes"
	done
fi

# agent: relink the same objects (unstripped) with a map; sum each input's
# sections that made it into the output
map=$B/size/snboot.map
mkdir -p "$B/size"
# shellcheck disable=SC2086
musl-gcc $(echo "$LDFLAGS" | sed 's/ -s / /; s/^-s //; s/ -s$//') \
	-Wl,-Map="$map" -o "$B/size/snboot.unstripped" $OBJS $LIBS
awk '
	# ".text.foo  0xADDR 0xSIZE file" on one line, or the name alone on a
	# line and "0xADDR 0xSIZE file" on the next
	# (.bss and COMMON take no room in the file: left out; so are the
	# sections --gc-sections discarded, listed first)
	/^Discarded input sections/ { skip = 1; next }
	/^Memory Configuration/ { skip = 0; next }
	skip { next }
	/^ \.[a-z]/ && NF == 1 { pending = 1; sec = $1; next }
	/^ \.[a-z]/ && NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/ { sec = $1; add($3, $4); pending = 0; next }
	pending && NF >= 3 && $1 ~ /^0x/ && $2 ~ /^0x/ { add($2, $3) }
	{ pending = 0 }
	function hex(h,   i, n, c) {
		n = 0; h = tolower(substr(h, 3))
		for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", substr(h, i, 1)) - 1; n = n * 16 + c }
		return n
	}
	function add(sz, file,   n, key) {
		n = hex(sz)
		if (n == 0 || file ~ /^\*/ || sec ~ /^\.t?bss/) return
		if (file ~ /\.a\(/) { sub(/\(.*/, "", file); key = file; sub(/.*\//, "", key) }
		else if (file ~ /musl|crt/) { key = "libc" }
		else { key = file; sub(/.*\/agent\//, "", key) }
		total[key] += n
	}
	END { for (k in total) print total[k], k }
' "$map" | sort -rn | awk '{ printf "agent.%s %d bytes\n", $2, $1 }' | head -n "$TOP"

# kernel: text+data of every object linked into vmlinux (vmlinux.a),
# grouped: NIC drivers by vendor (drivers/net/ethernet/intel), other
# drivers, fs and net by subsystem (drivers/scsi, fs/xfs), arch by its
# third level, the rest by top directory; largest first, then the totals
# of the top directories
(cd "$K" && ar t vmlinux.a | xargs size 2>/dev/null) | awk '
	NR > 1 && $6 ~ /\.o$/ {
		n = split($6, p, "/"); key = p[1]
		if ($6 ~ /^drivers\/net\/ethernet\// && n > 4) key = p[1] "/" p[2] "/" p[3] "/" p[4]
		else if ($6 ~ /^drivers\/(net|scsi|gpu|md)\// && n > 3) key = p[1] "/" p[2] "/" p[3]
		else if ($6 ~ /^(drivers|fs|net|arch|sound|crypto)\// && n > 2) key = p[1] "/" p[2]
		if ($6 ~ /^arch\// && n > 3) key = p[1] "/" p[2] "/" p[3]
		sub_total[key] += $1 + $2; top[p[1]] += $1 + $2
	}
	END {
		for (k in sub_total) print sub_total[k], "kernel." k
		for (k in top) print top[k], "kernel_total." k > "/dev/stderr"
	}' 2>"$B/size/kernel_totals" | sort -rn | head -n "$TOP" | awk '{ printf "%s %d bytes\n", $2, $1 }'
sort -rn "$B/size/kernel_totals" | awk '{ printf "%s %d bytes\n", $2, $1 }'
