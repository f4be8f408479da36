#!/bin/sh
# Builds the agent's libraries static with musl from Debian source packages:
# mbedtls, curl (HTTP and HTTPS only), cJSON, Nettle (SHA-256), zlib
# (imgextract). Usage: libs.sh BUILD KHEADERS
set -eu
B=$1
KHDR=$2
SRC=$B/src
SYSROOT=$B/sysroot
mkdir -p "$SRC" "$SYSROOT/include" "$SYSROOT/lib"
export CC=musl-gcc
OPT="-Os -ffunction-sections -fdata-sections -isystem $KHDR"

PATCHES=$(cd "$(dirname "$0")" && pwd)/patches

patches_id() { # package -> checksum of our patches for it ("none")
	if ls "$PATCHES/$1"/*.patch >/dev/null 2>&1; then
		cat "$PATCHES/$1"/*.patch | sha256sum | cut -c1-16
	else
		echo none
	fi
}

fetch() { # package -> directory of the unpacked source, our patches applied
	pkg=$1
	want=$(patches_id "$pkg")
	d=$(ls -d "$SRC/$pkg"-*/ 2>/dev/null | head -n1)
	if [ -n "$d" ] && [ "$(cat "$d/.snboot-patches" 2>/dev/null)" != "$want" ]; then
		rm -rf "$d"
		d=""
	fi
	if [ -z "$d" ]; then
		(cd "$SRC" && apt-get source -qq "$pkg" >/dev/null 2>&1)
		d=$(ls -d "$SRC/$pkg"-*/ | head -n1)
		for p in "$PATCHES/$pkg"/*.patch; do
			[ -f "$p" ] || continue
			patch -s -d "$d" -p1 < "$p"
		done
		echo "$want" > "$d/.snboot-patches"
	fi
	echo "$d"
}

# A library is rebuilt when our patches for it change.
built() { # package library
	[ -f "$SYSROOT/lib/$2" ] &&
		[ "$(cat "$SYSROOT/lib/.$1-patches" 2>/dev/null)" = "$(patches_id "$1")" ]
}
mark_built() { patches_id "$1" > "$SYSROOT/lib/.$1-patches"; }

# Nettle for the SHA-256 of downloads and the AES-GCM of TLS (mbedtls
# below is built against its headers): libnettle only (no hogweed, GMP,
# documentation or OpenSSL glue), "fat" so the SHA-NI or the plain x86_64
# code is picked at run time from CPUID (docs/performance.md); without the
# -ggdb3 its configure adds. Bumped when these options change.
NETTLE_OPTS_ID=fat-2
if ! built nettle libnettle.a ||
   [ "$(cat "$SYSROOT/lib/.nettle-opts" 2>/dev/null)" != "$NETTLE_OPTS_ID" ]; then
	d=$(fetch nettle)
	echo "libs: nettle from $d (fat: SHA-NI chosen at run time)"
	(cd "$d" &&
	 ./configure -q --host=x86_64-linux-musl --prefix="$SYSROOT" \
		CFLAGS="$OPT" --enable-fat --disable-shared --disable-public-key \
		--disable-documentation --disable-openssl >/dev/null &&
	 make -s clean >/dev/null &&
	 make -s -j"$(nproc)" libnettle.a CFLAGS="$OPT -g0" >/dev/null 2>&1 &&
	 make -s install-headers >/dev/null)
	cp "$d/libnettle.a" "$SYSROOT/lib/"
	mark_built nettle
	echo "$NETTLE_OPTS_ID" > "$SYSROOT/lib/.nettle-opts"
fi

# Debian's config (AES-NI with MBEDTLS_AESNI_C + MBEDTLS_HAVE_ASM,
# ChaCha20-Poly1305, GCM all on) plus MBEDTLS_GCM_ALT (mk/patches/mbedtls):
# the AES-GCM of TLS records comes from Nettle (AES-NI and PCLMULQDQ GHASH
# picked at run time), mbedtls' own ran ~200 MiB/s (docs/performance.md).
# The glue, mk/mbedtls/gcm_alt.[ch], is compiled into libmbedcrypto.a (so
# anything linking mbedtls needs -lnettle after it) and gcm_alt.h sits with
# mbedtls' headers, where gcm.h includes it. -Os, except the TLS record
# ciphers of the downloads: ChaCha20 and Poly1305 at -Os run 14 MiB/s under
# QEMU TCG, 55 at -O2 (docs/performance.md), for ~5 KB. Bumped when this
# changes; the glue's checksum is part of it.
GLUE=$(cd "$(dirname "$0")" && pwd)/mbedtls
MBEDTLS_OPTS_ID=o2-chachapoly-1-gcmalt-$(cat "$GLUE"/* | sha256sum | cut -c1-12)
MBEDTLS_FAST="chacha20 poly1305 chachapoly"
if ! built mbedtls libmbedtls.a ||
   [ "$(cat "$SYSROOT/lib/.mbedtls-opts" 2>/dev/null)" != "$MBEDTLS_OPTS_ID" ]; then
	d=$(fetch mbedtls)
	echo "libs: mbedtls from $d (GCM from Nettle)"
	cp "$GLUE/gcm_alt.h" "$d/include/mbedtls/"
	make -s -C "$d/library" clean >/dev/null
	make -s -C "$d/library" -j"$(nproc)" CC=musl-gcc \
		CFLAGS="$OPT -idirafter $SYSROOT/include" \
		libmbedcrypto.a libmbedx509.a libmbedtls.a >/dev/null
	for f in $MBEDTLS_FAST; do
		musl-gcc -O2 -ffunction-sections -fdata-sections -isystem "$KHDR" \
			-I"$d/include" -c -o "$d/library/$f.o" "$d/library/$f.c"
		ar rcs "$d/library/libmbedcrypto.a" "$d/library/$f.o"
	done
	musl-gcc -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		-Wmissing-prototypes -O2 -ffunction-sections -fdata-sections \
		-I"$d/include" -idirafter "$SYSROOT/include" \
		-c -o "$d/library/gcm_alt.o" "$GLUE/gcm_alt.c"
	ar rcs "$d/library/libmbedcrypto.a" "$d/library/gcm_alt.o"
	cp "$d"/library/libmbed*.a "$SYSROOT/lib/"
	cp -r "$d/include/mbedtls" "$d/include/psa" "$SYSROOT/include/"
	mark_built mbedtls
	echo "$MBEDTLS_OPTS_ID" > "$SYSROOT/lib/.mbedtls-opts"
fi

# zlib for imgextract (gzip and zlib images, as iPXE takes): the inflate
# side is all the agent links. DYNAMIC_CRC_TABLE: the CRC-32 tables (~20 KB
# of rodata) are computed on first use instead of stored in the image.
# Bumped when these options change.
ZLIB_OPTS_ID=dyncrc-1
if ! built zlib libz.a ||
   [ "$(cat "$SYSROOT/lib/.zlib-opts" 2>/dev/null)" != "$ZLIB_OPTS_ID" ]; then
	d=$(fetch zlib)
	echo "libs: zlib from $d"
	(cd "$d" &&
	 CFLAGS="$OPT -DDYNAMIC_CRC_TABLE" ./configure --static --prefix="$SYSROOT" >/dev/null &&
	 make -s clean >/dev/null &&
	 make -s -j"$(nproc)" libz.a >/dev/null 2>&1)
	cp "$d/libz.a" "$SYSROOT/lib/"
	cp "$d/zlib.h" "$d/zconf.h" "$SYSROOT/include/"
	mark_built zlib
	echo "$ZLIB_OPTS_ID" > "$SYSROOT/lib/.zlib-opts"
fi

if ! built cjson libcjson.a; then
	d=$(fetch cjson)
	echo "libs: cJSON from $d"
	musl-gcc $OPT -std=c89 -c -o "$d/cJSON.o" "$d/cJSON.c"
	ar rcs "$SYSROOT/lib/libcjson.a" "$d/cJSON.o"
	mkdir -p "$SYSROOT/include/cjson"
	cp "$d/cJSON.h" "$SYSROOT/include/cjson/"
	mark_built cjson
fi

# Bumped when curl's configure options change, so the library is rebuilt.
# LIBS=-lnettle: the mbedtls it links its checks against takes GCM from Nettle.
CURL_OPTS_ID=proxy-1
if ! built curl libcurl.a || [ "$(cat "$SYSROOT/lib/.curl-opts" 2>/dev/null)" != "$CURL_OPTS_ID" ]; then
	d=$(fetch curl)
	echo "libs: curl from $d (http/https only, HTTP proxy)"
	(cd "$d" &&
	 [ -x configure ] || autoreconf -fi >/dev/null 2>&1
	 ./configure -q --host=x86_64-linux-musl --prefix="$SYSROOT" \
		CPPFLAGS="-isystem $KHDR" CFLAGS="-Os -ffunction-sections -fdata-sections" \
		--disable-shared --enable-static --with-mbedtls="$SYSROOT" LDFLAGS="-L$SYSROOT/lib" LIBS=-lnettle \
		--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
		--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
		--disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-manual \
		--disable-ntlm --disable-ntlm-wb --disable-unix-sockets \
		--disable-cookies --disable-alt-svc --disable-hsts --disable-doh \
		--disable-netrc --disable-progress-meter --disable-dateparse \
		--disable-sspi --disable-tls-srp \
		--disable-mime --disable-socketpair --disable-headers-api \
		--disable-verbose --disable-threaded-resolver --disable-pthreads \
		--without-zlib --without-brotli --without-zstd --without-libpsl \
		--without-libidn2 --without-nghttp2 --without-libssh2 --without-librtmp \
		--without-ca-bundle --without-ca-path --with-ca-fallback=no >/dev/null &&
	 make -s -j"$(nproc)" -C lib >/dev/null &&
	 make -s -C lib install >/dev/null &&
	 make -s -C include install >/dev/null)
	mark_built curl
	echo "$CURL_OPTS_ID" > "$SYSROOT/lib/.curl-opts"
fi
echo "libs: ready in $SYSROOT"
