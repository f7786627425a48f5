#!/usr/bin/env bash
# Fixtures for several S/MIME structures inside decrypted content
# (tests/decrypt.rs, the `structures_*` tests): what a forger could put
# inside an encrypted envelope to look compliant. Needs the openssl CLI
# (3.x). Encrypts to rita with the committed corpora/decrypt/pki/rita.pem
# (the scanner opens them with corpora/decrypt/keys/rita.pem); signs with
# its own PKI:
#
#   structures/pki/   Structures Root CA; sam (RSA-2048, trusted signer);
#                     mallory (self-signed, never trusted); valid 2025..2045.
#   structures/parts/ the building blocks, kept for the OpenSSL cross-check:
#                     valid.mime (sam), tampered.mime (its text changed after
#                     signing), untrusted.mime (mallory), tampered-enc.mime
#                     (tampered.mime encrypted to rita).
#   structures/msgs/  one .eml per case (see below), all encrypted to rita
#                     (aes256-cbc) but triple-wrapped.eml.
# Re-running regenerates everything (new keys, new ciphertexts); the
# committed files are what the tests use.
set -euo pipefail
cd "$(dirname "$0")"
RITA=pki/rita.pem
S=structures
rm -rf $S
mkdir -p $S/pki $S/parts $S/msgs
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

cat > $T/ca.cnf <<CNF
[ ca ]
default_ca = CA_default
[ CA_default ]
database = $T/index.txt
new_certs_dir = $T
serial = $T/serial
default_md = sha256
policy = policy_any
copy_extensions = none
unique_subject = no
[ policy_any ]
commonName = supplied
emailAddress = optional
organizationName = optional
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
CNF
START=20250101000000Z
END=20450101000000Z
: > $T/index.txt; echo 01 > $T/serial
openssl req -new -newkey rsa:2048 -nodes -keyout $T/root.key -subj "/O=smimescan decrypt/CN=Structures Root CA" -out $T/root.csr 2>/dev/null
openssl ca -batch -config $T/ca.cnf -selfsign -keyfile $T/root.key -in $T/root.csr -out $S/pki/root.pem \
  -startdate $START -enddate $END -extensions v3_ca -notext 2>/dev/null
signer() { # name issuer-cert issuer-key serial
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $S/pki/$1.key 2>/dev/null
  openssl req -new -key $S/pki/$1.key -subj "/CN=$1/emailAddress=$1@example.com" -out $T/$1.csr 2>/dev/null
  echo $4 > $T/serial
  openssl ca -batch -config $T/ca.cnf -cert $2 -keyfile $3 -in $T/$1.csr -out $S/pki/$1.pem \
    -startdate $START -enddate $END -extensions v3_leaf -notext 2>/dev/null
}
signer sam $S/pki/root.pem $T/root.key 5A00
# mallory: the same profile, but self-signed (no chain to any anchor).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $S/pki/mallory.key 2>/dev/null
openssl req -new -key $S/pki/mallory.key -subj "/CN=mallory/emailAddress=mallory@example.com" -out $T/mallory.csr 2>/dev/null
echo 6A00 > $T/serial
openssl ca -batch -config $T/ca.cnf -selfsign -keyfile $S/pki/mallory.key -in $T/mallory.csr -out $S/pki/mallory.pem \
  -startdate $START -enddate $END -extensions v3_leaf -notext 2>/dev/null

SAM=(-signer $S/pki/sam.pem -inkey $S/pki/sam.key -md sha256)
sign() { openssl cms -sign "${SAM[@]}" "$@"; }           # detached
opaque() { openssl cms -sign -nodetach "${SAM[@]}" "$@"; }
text() { printf 'Content-Type: text/plain; charset=us-ascii\n\nQuarterly numbers: %s\n' "$1"; }
mixed() { # boundary part-files...
  local b=$1; shift
  printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$b"
  for f in "$@"; do printf -- '--%s\n' "$b"; cat "$f"; done
  printf -- '--%s--\n' "$b"
}
rfc822() { # file: a forwarded message holding it
  printf 'Content-Type: message/rfc822\n\nFrom: sam@example.com\nSubject: forwarded\nMIME-Version: 1.0\n'
  cat "$1"
}
hdr() { # subject id
  printf 'From: sam@example.com\nTo: rita@example.com\nSubject: %s\nMessage-ID: <%s@structures.example>\nDate: Mon, 03 Mar 2025 10:00:00 +0000\nMIME-Version: 1.0\n' "$1" "$2"
}
enc() { # name input-file subject
  openssl cms -encrypt -aes256 -in "$2" -recip $RITA > $T/enc
  { hdr "$3" "$1"; sed -n '/^Content-Type/,$p' $T/enc | grep -v '^MIME-Version'; } > $S/msgs/$1.eml
}

# --- building blocks ---------------------------------------------------------
text confidential. > $T/text
sign -in $T/text > $S/parts/valid.mime
sed 's/Quarterly numbers: confidential./Quarterly numbers: doctored!!!!/' $S/parts/valid.mime > $S/parts/tampered.mime
openssl cms -sign -signer $S/pki/mallory.pem -inkey $S/pki/mallory.key -md sha256 -in $T/text > $S/parts/untrusted.mime
openssl cms -encrypt -aes256 -in $S/parts/tampered.mime -recip $RITA > $S/parts/tampered-enc.mime
text 'the cover note.' > $T/note

# --- cases ---------------------------------------------------------------------
# A valid signed part, then a second signed part whose text was changed.
mixed two $S/parts/valid.mime $S/parts/tampered.mime > $T/c; enc second-part-tampered $T/c "second part tampered"
# A valid signed part, then an unsigned part outside the signature.
mixed out $S/parts/valid.mime $T/note > $T/c; enc part-outside-signature $T/c "part outside the signature"
# A valid signature over a note and a forwarded message whose signature breaks.
rfc822 $S/parts/tampered.mime > $T/fwd
mixed fwd $T/note $T/fwd > $T/c; sign -in $T/c > $T/s; enc signed-forwards-tampered $T/s "forwards a tampered message"
# The same forwarding a valid message: compliant (no false alarm).
rfc822 $S/parts/valid.mime > $T/fwd
mixed fwd $T/note $T/fwd > $T/c; sign -in $T/c > $T/s; enc signed-forwards-valid $T/s "forwards a valid message"
# A valid signature over a note and a message signed by an untrusted key.
mixed unt $T/note $S/parts/untrusted.mime > $T/c; sign -in $T/c > $T/s; enc signed-holds-untrusted $T/s "holds an untrusted signature"
# An opaque signature whose content holds the tampered signed part.
mixed opq $T/note $S/parts/tampered.mime > $T/c; opaque -in $T/c > $T/s; enc opaque-holds-tampered $T/s "opaque holds tampered"
# A valid signature over a note and a second envelope (to rita) that hides
# the tampered signed part.
mixed env $T/note $S/parts/tampered-enc.mime > $T/c; sign -in $T/c > $T/s; enc signed-holds-enveloped-tampered $T/s "hides a tampered message in a second envelope"
# Two signers, the second untrusted.
openssl cms -sign "${SAM[@]}" -signer $S/pki/mallory.pem -inkey $S/pki/mallory.key -in $T/text > $T/s
enc second-signer-untrusted $T/s "second signer untrusted"
# 17 valid signed parts under one valid signature: more structures than
# the 16 verified per message (limit).
parts=(); for i in $(seq 1 17); do parts+=($S/parts/valid.mime); done
mixed many $T/note "${parts[@]}" > $T/c; sign -in $T/c > $T/s; enc too-many-structures $T/s "seventeen signed parts"
# A valid signature over 40 nested multiparts (MIME nesting limit 32) with
# the tampered part at the bottom.
cp $S/parts/tampered.mime $T/deep
for i in $(seq 1 40); do mixed d$i $T/deep > $T/deep2; mv $T/deep2 $T/deep; done
sign -in $T/deep > $T/s; enc deep-nesting $T/s "nested forty deep"
# Opaque signatures nested 3 deep around a valid signed part (within the
# nesting limit of 4) and 4 deep (beyond it: fails closed).
cp $S/parts/valid.mime $T/o
for i in 1 2 3; do opaque -in $T/o > $T/o2; mv $T/o2 $T/o; done
enc opaque-nested-3 $T/o "opaque nested three deep"
opaque -in $T/o > $T/o2; enc opaque-nested-4 $T/o2 "opaque nested four deep"
# Triple wrapped (RFC 2634) without outer encryption: a valid opaque
# signature over an envelope (to rita) holding the tampered signed part.
opaque -in $S/parts/tampered-enc.mime > $T/s
{ hdr "triple wrapped, tampered inside" triple-wrapped; grep -v '^MIME-Version' $T/s; } > $S/msgs/triple-wrapped.eml

# The signers' private keys are not needed by the tests.
rm -f $S/pki/sam.key $S/pki/mallory.key
