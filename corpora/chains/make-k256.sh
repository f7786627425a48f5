#!/usr/bin/env bash
# A chain whose CA signs with ECDSA on secp256k1: an algorithm only the
# x509-verify fallback of src/pki/chain/link.rs checks (pki/key.rs calls
# that curve unsupported). For tests/pki_chains.rs (cases "secp256k1 CA").
#
# Needs only bash and the openssl CLI (written against OpenSSL 3.0.19).
# Validity pinned (2020..2040); keys random, verdicts fixed. make.sh runs
# this at its end; it can also run alone (rewrites only these files):
#
#   certs/k256_root.pem         "K256 Root CA": secp256k1 key, self-signed, ecdsa-with-SHA256
#   certs/leaf_k256.pem         kim@example.com, P-256 key, signed by k256_root (ecdsa-with-SHA256)
#   certs/leaf_k256_badsig.pem  leaf_k256 with the last byte of its signature changed
set -euo pipefail
cd "$(dirname "$0")"
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p certs keys "$W/new"
: > "$W/index.txt"
echo 2000 > "$W/serial"

cat > "$W/ca.cnf" <<EOC
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $W
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
policy = policy_any
unique_subject = no
copy_extensions = none
default_md = sha256
preserve = yes
[ policy_any ]
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:kim@example.com
EOC

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out keys/k256_root.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out keys/leaf_k256.key

openssl req -new -key keys/k256_root.key -subj "/O=smimescan test/CN=K256 Root CA" \
  -out "$W/root.csr" -config "$W/ca.cnf"
openssl ca -batch -notext -config "$W/ca.cnf" -selfsign -keyfile keys/k256_root.key \
  -in "$W/root.csr" -out certs/k256_root.pem -startdate 20200101000000Z \
  -enddate 20400101000000Z -md sha256 -extensions v3_root 2>/dev/null

openssl req -new -key keys/leaf_k256.key -subj "/O=smimescan test/CN=Kim" \
  -out "$W/leaf.csr" -config "$W/ca.cnf"
openssl ca -batch -notext -config "$W/ca.cnf" -cert certs/k256_root.pem \
  -keyfile keys/k256_root.key -in "$W/leaf.csr" -out certs/leaf_k256.pem \
  -startdate 20200101000000Z -enddate 20400101000000Z -md sha256 \
  -extensions v3_leaf 2>/dev/null

# The same certificate with its signature's last byte changed (the DER of
# the ECDSA-Sig-Value stays well-formed; the signature no longer verifies).
openssl x509 -in certs/leaf_k256.pem -outform DER -out "$W/leaf.der"
n=$(stat -c %s "$W/leaf.der")
last=$(tail -c 1 "$W/leaf.der" | od -An -tu1 | tr -d ' ')
head -c $((n - 1)) "$W/leaf.der" > "$W/bad.der"
printf "\\$(printf %03o $((last ^ 1)))" >> "$W/bad.der"
openssl x509 -inform DER -in "$W/bad.der" -out certs/leaf_k256_badsig.pem
