#!/usr/bin/env bash
# Regenerates the CMS fixtures of corpora/sigs/ (the generated files are
# committed; tests never run this). Needs bash, openssl (3.0) and Python 3
# with `cryptography` (for what the openssl CLI cannot do: tools.py).
#
# PKI: an RSA-2048 root CA and signer certificates, all valid
# 2020-01-01T00:00:00Z .. 2049-12-31T23:59:59Z (pinned with `openssl ca
# -startdate/-enddate`, so nothing expires).
#
# Usage: corpora/sigs/make.sh        (writes next to itself)
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
rm -rf pki blobs eml content manifest.csv
mkdir -p pki blobs eml content
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export WORK EMAIL=nobody@example.com

START=20200101000000Z
END=20491231235959Z

cat >"$WORK/ca.cnf" <<'EOF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $ENV::WORK
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
emailAddress = optional
organizationName = optional
[ req ]
distinguished_name = dn
[ dn ]
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_signer ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, nonRepudiation, keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:$ENV::EMAIL
EOF
touch "$WORK/index.txt"
mkdir "$WORK/newcerts"
echo 1000 >"$WORK/serial"

ca() { openssl ca -config "$WORK/ca.cnf" -batch -notext -startdate $START -enddate $END "$@" 2>/dev/null; }

# Root CA (self-signed through `openssl ca` to pin its dates).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out pki/ca.key 2>/dev/null
openssl req -new -key pki/ca.key -subj "/O=smimescan test/CN=smimescan Test Root CA" \
    -config "$WORK/ca.cnf" -out "$WORK/ca.csr"
ca -selfsign -keyfile pki/ca.key -in "$WORK/ca.csr" -extensions v3_ca -out pki/ca.pem

# signer NAME KEYGEN-ARGS...: key pki/NAME.key, cert pki/NAME.pem
signer() {
    local name=$1
    shift
    openssl genpkey "$@" -out "pki/$name.key" 2>/dev/null
    EMAIL="$name@example.com" openssl req -new -key "pki/$name.key" \
        -subj "/O=smimescan test/CN=$name/emailAddress=$name@example.com" \
        -config "$WORK/ca.cnf" -out "$WORK/$name.csr"
    EMAIL="$name@example.com" ca -cert pki/ca.pem -keyfile pki/ca.key -in "$WORK/$name.csr" \
        -extensions v3_signer -out "pki/$name.pem"
}
signer rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
signer rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
signer ecp256 -algorithm EC -pkeyopt ec_paramgen_curve:P-256
signer ecp384 -algorithm EC -pkeyopt ec_paramgen_curve:P-384
signer ecp521 -algorithm EC -pkeyopt ec_paramgen_curve:P-521
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
    -pkeyopt dsa_paramgen_q_bits:256 -out "$WORK/dsa.param" 2>/dev/null
signer dsa2048 -paramfile "$WORK/dsa.param"
signer ed25519 -algorithm ED25519

# Contents (CRLF, as the MIME layer canonicalises them).
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nHello from smimescan.\r\nThis text is signed.\r\n' >content/hello.txt
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nHello from smimescan.\r\nThis text is signed!\r\n' >content/hello-tampered.txt
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nA line follows.\r\nFrom the start it was signed.\r\nEnd.\r\n' >content/from-original.txt
printf 'Content-Type: text/plain; charset=us-ascii\r\n\r\nA line follows.\r\n>From the start it was signed.\r\nEnd.\r\n' >content/from-quoted.txt

echo "file,content,kind,signers,signature,digest_alg,signature_alg,key_bits,encryption_alg,signing_time,error" >manifest.csv
row() { echo "$*" >>manifest.csv; }

# sign OUT SIGNER CONTENT [openssl cms args...]: detached DER signature.
sign() {
    local out=$1 who=$2 content=$3
    shift 3
    openssl cms -sign -binary -in "content/$content" -signer "pki/$who.pem" -inkey "pki/$who.key" \
        -outform DER -out "blobs/$out" "$@"
}

sign rsa2048-sha256.p7s rsa2048 hello.txt -md sha256
row "rsa2048-sha256.p7s,hello.txt,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"
sign rsa2048-sha1.p7s rsa2048 hello.txt -md sha1
row "rsa2048-sha1.p7s,hello.txt,signed,1,valid,sha1,rsa-pkcs1,2048,,yes,"
sign rsa2048-sha384.p7s rsa2048 hello.txt -md sha384
row "rsa2048-sha384.p7s,hello.txt,signed,1,valid,sha384,rsa-pkcs1,2048,,yes,"
sign rsa2048-sha512.p7s rsa2048 hello.txt -md sha512
row "rsa2048-sha512.p7s,hello.txt,signed,1,valid,sha512,rsa-pkcs1,2048,,yes,"
sign rsa2048-sha224.p7s rsa2048 hello.txt -md sha224
row "rsa2048-sha224.p7s,hello.txt,signed,1,valid,sha224,rsa-pkcs1,2048,,yes,"
sign rsa2048-md5.p7s rsa2048 hello.txt -md md5
row "rsa2048-md5.p7s,hello.txt,signed,1,valid,md5,rsa-pkcs1,2048,,yes,"
sign rsa1024-sha256.p7s rsa1024 hello.txt -md sha256
row "rsa1024-sha256.p7s,hello.txt,signed,1,valid,sha256,rsa-pkcs1,1024,,yes,"
sign rsa1024-sha384.p7s rsa1024 hello.txt -md sha384
row "rsa1024-sha384.p7s,hello.txt,signed,1,valid,sha384,rsa-pkcs1,1024,,yes,"

# RSA-PSS: OpenSSL's default salt (maximal), salt = digest length, a custom salt.
sign rsa2048-pss-sha256.p7s rsa2048 hello.txt -md sha256 -keyopt rsa_padding_mode:pss
row "rsa2048-pss-sha256.p7s,hello.txt,signed,1,valid,sha256,rsa-pss,2048,,yes,"
sign rsa2048-pss-sha256-salt32.p7s rsa2048 hello.txt -md sha256 -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:digest
row "rsa2048-pss-sha256-salt32.p7s,hello.txt,signed,1,valid,sha256,rsa-pss,2048,,yes,"
sign rsa2048-pss-sha512-salt20.p7s rsa2048 hello.txt -md sha512 -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:20
row "rsa2048-pss-sha512-salt20.p7s,hello.txt,signed,1,valid,sha512,rsa-pss,2048,,yes,"

sign ecdsa-p256-sha256.p7s ecp256 hello.txt -md sha256
row "ecdsa-p256-sha256.p7s,hello.txt,signed,1,valid,sha256,ecdsa-p256,256,,yes,"
sign ecdsa-p384-sha384.p7s ecp384 hello.txt -md sha384
row "ecdsa-p384-sha384.p7s,hello.txt,signed,1,valid,sha384,ecdsa-p384,384,,yes,"
sign ecdsa-p521-sha512.p7s ecp521 hello.txt -md sha512
row "ecdsa-p521-sha512.p7s,hello.txt,signed,1,valid,sha512,ecdsa-p521,521,,yes,"
sign ecdsa-p256-sha1.p7s ecp256 hello.txt -md sha1
row "ecdsa-p256-sha1.p7s,hello.txt,signed,1,valid,sha1,ecdsa-p256,256,,yes,"
sign dsa2048-sha256.p7s dsa2048 hello.txt -md sha256
row "dsa2048-sha256.p7s,hello.txt,signed,1,valid,sha256,dsa,2048,,yes,"

# Ed25519 (openssl 3.0 cannot make Ed25519 CMS): built by tools.py.
python3 tools.py ed25519 pki/ed25519.pem pki/ed25519.key content/hello.txt blobs/ed25519.p7s
row "ed25519.p7s,hello.txt,signed,1,valid,sha512,ed25519,255,,1735787045,"

# Opaque, streamed (BER, indefinite lengths, chunked eContent), no attributes.
sign rsa2048-opaque.p7m rsa2048 hello.txt -nodetach
row "rsa2048-opaque.p7m,,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"
# An opaque blob used as a multipart/signed signature: the shown part is what must be signed.
row "rsa2048-opaque.p7m,hello.txt,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"
row "rsa2048-opaque.p7m,hello-tampered.txt,signed,1,invalid,sha256,rsa-pkcs1,2048,,yes,covers its own encapsulated content"
sign rsa2048-opaque-stream.p7m rsa2048 hello.txt -nodetach -stream
row "rsa2048-opaque-stream.p7m,,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"
sign rsa2048-detached-stream.p7s rsa2048 hello.txt -stream
row "rsa2048-detached-stream.p7s,hello.txt,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"
sign rsa2048-noattr.p7s rsa2048 hello.txt -noattr
row "rsa2048-noattr.p7s,hello.txt,signed,1,valid,sha256,rsa-pkcs1,2048,,,"
sign ecdsa-p256-noattr-opaque.p7m ecp256 hello.txt -noattr -nodetach
row "ecdsa-p256-noattr-opaque.p7m,,signed,1,valid,sha256,ecdsa-p256,256,,,"
# Signer identified by subjectKeyIdentifier.
sign rsa2048-keyid.p7s rsa2048 hello.txt -keyid
row "rsa2048-keyid.p7s,hello.txt,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"
# Signer certificate not included: cannot be checked.
sign rsa2048-nocerts.p7s rsa2048 hello.txt -nocerts
row "rsa2048-nocerts.p7s,hello.txt,signed,1,unsupported,sha256,rsa-pkcs1,,,yes,signer certificate not found"

# Unsorted signed attributes, validly signed over that encoding.
python3 tools.py unsorted blobs/rsa2048-sha256.p7s pki/rsa2048.key blobs/rsa2048-unsorted-attrs.p7s
row "rsa2048-unsorted-attrs.p7s,hello.txt,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"

# Failures.
row "rsa2048-sha256.p7s,hello-tampered.txt,signed,1,invalid,sha256,rsa-pkcs1,2048,,yes,content digest mismatch"
row "rsa2048-noattr.p7s,hello-tampered.txt,signed,1,invalid,sha256,rsa-pkcs1,2048,,,does not verify"
python3 tools.py corrupt-sig blobs/rsa2048-sha256.p7s 0 blobs/rsa2048-badsig.p7s
row "rsa2048-badsig.p7s,hello.txt,signed,1,invalid,sha256,rsa-pkcs1,2048,,yes,does not verify"
python3 tools.py corrupt-sig blobs/ecdsa-p256-sha256.p7s 0 blobs/ecdsa-p256-badsig.p7s
row "ecdsa-p256-badsig.p7s,hello.txt,signed,1,invalid,sha256,ecdsa-p256,256,,yes,does not verify"
head -c 700 /dev/urandom >blobs/garbage.bin
row "garbage.bin,hello.txt,,,malformed,,,,,,CMS"
head -c 300 blobs/rsa2048-sha256.p7s >blobs/truncated.p7s
row "truncated.p7s,hello.txt,,,malformed,,,,,,CMS"

# Two signers.
sign two-signers.p7s rsa2048 hello.txt -signer pki/ecp256.pem -inkey pki/ecp256.key
row "two-signers.p7s,hello.txt,signed,2,valid,sha256,rsa-pkcs1|ecdsa-p256,2048|256,,yes,"
python3 tools.py corrupt-sig blobs/two-signers.p7s 1 blobs/two-signers-one-bad.p7s
row "two-signers-one-bad.p7s,hello.txt,signed,2,invalid,sha256,rsa-pkcs1|ecdsa-p256,2048|256,,yes,signer 2"

# >From quoting: signed with "From ", stored with ">From ".
sign from-line.p7s rsa2048 from-original.txt
row "from-line.p7s,from-quoted.txt|from-original.txt,signed,1,valid,sha256,rsa-pkcs1,2048,,yes,"
row "from-line.p7s,from-quoted.txt,signed,1,invalid,sha256,rsa-pkcs1,2048,,yes,content digest mismatch"

# Enveloped / auth-enveloped.
enc() {
    openssl cms -encrypt -binary -in content/hello.txt -outform DER -out "blobs/$1" "$2" pki/rsa2048.pem
}
enc enveloped-aes128-cbc.p7m -aes128
row "enveloped-aes128-cbc.p7m,,enveloped,,,,,,aes128-cbc,,"
enc enveloped-aes256-cbc.p7m -aes256
row "enveloped-aes256-cbc.p7m,,enveloped,,,,,,aes256-cbc,,"
enc enveloped-des-ede3-cbc.p7m -des3
row "enveloped-des-ede3-cbc.p7m,,enveloped,,,,,,des-ede3-cbc,,"
enc auth-enveloped-aes256-gcm.p7m -aes-256-gcm
row "auth-enveloped-aes256-gcm.p7m,,auth-enveloped,,,,,,aes256-gcm,,"
openssl cms -encrypt -binary -stream -in content/hello.txt -outform DER -out blobs/enveloped-aes256-cbc-stream.p7m -aes256 pki/rsa2048.pem
row "enveloped-aes256-cbc-stream.p7m,,enveloped,,,,,,aes256-cbc,,"

# Certificates only.
openssl crl2pkcs7 -nocrl -certfile pki/ca.pem -certfile pki/rsa2048.pem -outform DER -out blobs/certs-only.p7c
row "certs-only.p7c,,certs-only,0,valid,,,,,,"

# Complete S/MIME messages (CRLF), for end-to-end tests of the MIME layer.
hdr=(-from rsa2048@example.com -to bob@example.com)
openssl cms -sign -in content/hello.txt -signer pki/rsa2048.pem -inkey pki/rsa2048.key \
    "${hdr[@]}" -subject "multipart/signed sha256" -out eml/signed-detached.eml
openssl cms -sign -nodetach -in content/hello.txt -signer pki/rsa2048.pem -inkey pki/rsa2048.key \
    "${hdr[@]}" -subject "opaque signed" -out eml/signed-opaque.eml
openssl cms -sign -stream -in content/hello.txt -signer pki/ecp256.pem -inkey pki/ecp256.key \
    "${hdr[@]}" -subject "multipart/signed ecdsa streamed" -out eml/signed-detached-ecdsa-stream.eml
openssl cms -encrypt -aes256 -in content/hello.txt "${hdr[@]}" -subject "enveloped aes256" \
    -out eml/enveloped-aes256.eml pki/rsa2048.pem
# tampered: change the signed text after signing
sed 's/This text is signed\./This text is signed!/' eml/signed-detached.eml >eml/signed-detached-tampered.eml
for f in eml/*.eml; do
    # openssl writes LF in the outer headers; make the whole message CRLF.
    sed -i 's/\r$//; s/$/\r/' "$f"
done
cat >eml/README <<'EOF'
Complete S/MIME messages (CRLF) signed by pki/rsa2048 or pki/ecp256 (CA pki/ca.pem):
  signed-detached.eml              multipart/signed, sha256          signature=valid
  signed-opaque.eml                application/pkcs7-mime signed     signature=valid
  signed-detached-ecdsa-stream.eml multipart/signed, BER (-stream)   signature=valid
  signed-detached-tampered.eml     body changed after signing        signature=invalid
  enveloped-aes256.eml             application/pkcs7-mime enveloped  encryption_alg=aes256-cbc
EOF

# Cross-check everything with OpenSSL (detached and opaque signatures).
while IFS=, read -r file content kind signers sig _rest; do
    [ "$file" = file ] && continue
    [ "$kind" = signed ] || continue
    c=${content%%|*}
    args=(-verify -noverify -binary -inform DER -in "blobs/$file" -out /dev/null)
    [ -n "$c" ] && args+=(-content "content/${content##*|}")
    if [ "$sig" = valid ]; then
        case $file in ed25519.p7s | rsa2048-nocerts.p7s) continue ;; esac
        openssl cms "${args[@]}" 2>/dev/null || { echo "openssl disagrees: $file" >&2; exit 1; }
    fi
done <manifest.csv
for f in signed-detached signed-opaque signed-detached-ecdsa-stream; do
    openssl cms -verify -noverify -in "eml/$f.eml" -out /dev/null 2>/dev/null || { echo "openssl rejects eml/$f.eml" >&2; exit 1; }
done
if openssl cms -verify -noverify -in eml/signed-detached-tampered.eml -out /dev/null 2>/dev/null; then
    echo "tampered eml verifies?" >&2
    exit 1
fi
rm -f pki/*.csr
echo "fixtures written to $HERE"
