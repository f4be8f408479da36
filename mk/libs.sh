#!/bin/sh
# Builds the agent's libraries static with musl from Debian source packages:
# mbedtls, curl (HTTP and HTTPS only), cJSON. Usage: libs.sh BUILD KHEADERS
set -eu
B=$1
KHDR=$2
SRC=$B/src
SYSROOT=$B/sysroot
mkdir -p "$SRC" "$SYSROOT/include" "$SYSROOT/lib"
export CC=musl-gcc
OPT="-Os -ffunction-sections -fdata-sections -isystem $KHDR"

fetch() { # package -> directory name of the unpacked source
	pkg=$1
	if ! ls -d "$SRC/$pkg"-*/ >/dev/null 2>&1; then
		(cd "$SRC" && apt-get source -qq "$pkg" >/dev/null 2>&1)
	fi
	ls -d "$SRC/$pkg"-*/ | head -n1
}

if [ ! -f "$SYSROOT/lib/libmbedtls.a" ]; then
	d=$(fetch mbedtls)
	echo "libs: mbedtls from $d"
	make -s -C "$d/library" -j"$(nproc)" CC=musl-gcc CFLAGS="$OPT" \
		libmbedcrypto.a libmbedx509.a libmbedtls.a >/dev/null
	cp "$d"/library/libmbed*.a "$SYSROOT/lib/"
	cp -r "$d/include/mbedtls" "$d/include/psa" "$SYSROOT/include/"
fi

if [ ! -f "$SYSROOT/lib/libcjson.a" ]; then
	d=$(fetch cjson)
	echo "libs: cJSON from $d"
	musl-gcc $OPT -std=c89 -c -o "$d/cJSON.o" "$d/cJSON.c"
	ar rcs "$SYSROOT/lib/libcjson.a" "$d/cJSON.o"
	mkdir -p "$SYSROOT/include/cjson"
	cp "$d/cJSON.h" "$SYSROOT/include/cjson/"
fi

if [ ! -f "$SYSROOT/lib/libcurl.a" ]; then
	d=$(fetch curl)
	echo "libs: curl from $d (http/https only)"
	(cd "$d" &&
	 [ -x configure ] || autoreconf -fi >/dev/null 2>&1
	 ./configure -q --host=x86_64-linux-musl --prefix="$SYSROOT" \
		CPPFLAGS="-isystem $KHDR" CFLAGS="-Os -ffunction-sections -fdata-sections" \
		--disable-shared --enable-static --with-mbedtls="$SYSROOT" \
		--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
		--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
		--disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-manual \
		--disable-ntlm --disable-ntlm-wb --disable-unix-sockets \
		--disable-cookies --disable-alt-svc --disable-hsts --disable-doh \
		--disable-netrc --disable-progress-meter --disable-dateparse \
		--disable-sspi --disable-tls-srp --disable-proxy \
		--disable-mime --disable-socketpair --disable-headers-api \
		--disable-verbose --disable-threaded-resolver --disable-pthreads \
		--without-zlib --without-brotli --without-zstd --without-libpsl \
		--without-libidn2 --without-nghttp2 --without-libssh2 --without-librtmp \
		--without-ca-bundle --without-ca-path --with-ca-fallback=no >/dev/null &&
	 make -s -j"$(nproc)" -C lib >/dev/null &&
	 make -s -C lib install >/dev/null &&
	 make -s -C include install >/dev/null)
fi
echo "libs: ready in $SYSROOT"
