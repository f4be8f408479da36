#!/bin/sh
# Applies our kernel patches (mk/patches/linux, in name order) to the
# extracted linux-source. The set applied before is kept in
# $KSRC/.snboot-patches and reversed first, so a patch change rebuilds only
# the files it touches instead of re-extracting the whole tree.
set -eu
ksrc=$1
shift
applied=$ksrc/.snboot-patches
if [ -d "$applied" ]; then
	for p in $(ls -r "$applied"/*.patch 2>/dev/null); do
		patch -s -R -p1 -d "$ksrc" < "$p"
	done
	rm -rf "$applied"
fi
mkdir -p "$applied"
for p in "$@"; do
	patch -s -p1 -d "$ksrc" < "$p"
	cp "$p" "$applied/"
done
