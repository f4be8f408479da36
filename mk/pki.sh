#!/bin/sh
# Demo PKI: CA (baked into the image), server certificate for the backend,
# and an unrelated CA for the wrong-CA test. Usage: pki.sh DIR
set -eu
D=$1
mkdir -p "$D"
cd "$D"
gen_ca() { # name subject
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.pem" -days 3650 -subj "$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
gen_ca other-ca "/CN=snboot unrelated CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout server.key -out server.csr -subj "/CN=snboot-backend" 2>/dev/null
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,DNS:snboot-backend,IP:127.0.0.1,IP:10.0.2.2,IP:::1,IP:fec0::2,IP:10.77.1.1,IP:10.77.2.1,IP:10.77.3.1,IP:10.77.4.1,IP:fd77:1::1,IP:fd77:2::1,IP:fd77:3::1,IP:fd77:4::1
EXT
gen_ca ca "/CN=snboot demo CA"
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out server.pem -days 825 -extfile server.ext 2>/dev/null
# Same names, signed by the unrelated CA: a backend the image must refuse.
openssl x509 -req -in server.csr -CA other-ca.pem -CAkey other-ca.key -CAcreateserial \
	-out other-server.pem -days 825 -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl other-ca.srl
touch ca.pem
echo "pki: CA and server certificate in $D"
