#!/bin/sh
# Fails if an option a fragment asks for did not survive olddefconfig (a
# missing dependency silently drops it, and the image would lack a feature).
set -eu
config=$1; shift
bad=0
for frag in "$@"; do
	grep -E '^CONFIG_[A-Z0-9_]+=(y|[0-9]+)$' "$frag" | while IFS= read -r line; do
		grep -qx "$line" "$config" || { echo "kconfig: $frag wants $line, not in .config" >&2; exit 1; }
	done || bad=1
done
exit $bad
