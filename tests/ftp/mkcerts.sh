#!/bin/sh
# Makes a test CA and a server certificate it signs, for the FTPS fixtures (tests/ftp_support.rs).
#   mkcerts.sh DIR  ->  DIR/ca.pem (CA:TRUE; what clients trust, e.g. --ca-file),
#                       DIR/server.pem + DIR/server.key (CA:FALSE, subjectAltName IP:127.0.0.1,
#                       IP:::1, DNS:localhost; what the server presents).
# Keys are ECDSA P-256 (fast to make; rustls, OpenSSL and vsftpd take them).
# rustls refuses a self-signed CA certificate used directly as the server certificate, hence two.
set -eu
d="$1"
mkdir -p "$d"
cd "$d"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3650 \
    -keyout ca.key -out ca.pem -subj "/O=phiscan tests/CN=phiscan test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
    -keyout server.key -out server.csr -subj "/O=phiscan tests/CN=127.0.0.1" 2>/dev/null
cat > server.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days 3650 -sha256 -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem
