#!/usr/bin/env bash
# Fixtures for --keys (tests/decrypt.rs). Needs the openssl CLI (3.x, with
# the legacy provider for the -legacy PKCS#12) and python3 (no modules
# beyond the standard library: tools.py edits DER for the damaged cases).
#
#   pki/     Decrypt Root CA; sally (RSA-2048, signs the inner messages);
#            recipients rita (RSA-2048), eve256/eve384/eve521 (EC), oscar
#            (RSA, whose key the scanner never gets) and rita-twin (same
#            issuer and serial as rita, another key); valid 2025..2045.
#   keys/    the keys the scanner gets, in every supported form:
#            rita.p12 (AES-256/PBKDF2, SHA-256 MAC), rita-legacy.p12 (3DES +
#            RC2-40, SHA-1 MAC), rita-nopass.p12 (empty password), rita.pem
#            (PKCS#1) + rita.crt, eve256.key (SEC1) + eve256.crt, eve384.pem
#            (encrypted PKCS#8 + cert in the same file), eve521.pem (PKCS#8 +
#            cert), rita-bare.p8 (PKCS#8, no certificate), password.txt.
#   msgs/    one .eml per case (see CASES below); inner content signed by
#            sally (detached, sha256) unless the name says otherwise.
# Re-running regenerates everything (new keys, new ciphertexts); the
# committed files are what the tests use.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf pki keys msgs
mkdir -p pki keys msgs
PASS='correct horse battery'
printf '%s\n' "$PASS" > keys/password.txt

cat > pki/ca.cnf <<'CNF'
[ ca ]
default_ca = CA_default
[ CA_default ]
database = pki/index.txt
new_certs_dir = pki/newcerts
serial = pki/serial
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
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment,keyAgreement
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
CNF
START=20250101000000Z
END=20450101000000Z
fresh_db() { rm -rf pki/newcerts pki/index.txt*; mkdir -p pki/newcerts; : > pki/index.txt; }
fresh_db; echo 01 > pki/serial
openssl req -new -newkey rsa:2048 -nodes -keyout pki/root.key -subj "/O=smimescan decrypt/CN=Decrypt Root CA" -out pki/root.csr 2>/dev/null
openssl ca -batch -config pki/ca.cnf -selfsign -keyfile pki/root.key -in pki/root.csr -out pki/root.pem \
  -startdate $START -enddate $END -extensions v3_ca -notext 2>/dev/null
rm pki/root.csr

leaf() { # name keyspec email serial(hex)
  local name=$1 spec=$2 email=$3 serial=$4
  case $spec in
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out pki/$name.key 2>/dev/null ;;
    *) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:$spec -out pki/$name.key 2>/dev/null ;;
  esac
  openssl req -new -key pki/$name.key -subj "/CN=$name/emailAddress=$email" -out pki/$name.csr 2>/dev/null
  fresh_db; echo $serial > pki/serial
  openssl ca -batch -config pki/ca.cnf -cert pki/root.pem -keyfile pki/root.key -in pki/$name.csr -out pki/$name.pem \
    -startdate $START -enddate $END -extensions v3_leaf -notext 2>/dev/null
  rm pki/$name.csr
}
leaf sally rsa sally@example.com 5A11
leaf rita rsa rita@example.com 1717
leaf eve256 P-256 eve256@example.com 0256
leaf eve384 P-384 eve384@example.com 0384
leaf eve521 P-521 eve521@example.com 0521
leaf oscar rsa oscar@example.com 05CA
leaf rita-twin rsa rita@example.com 1717
fresh_db; rm -rf pki/newcerts pki/index.txt* pki/serial*

# --- keys the scanner gets -------------------------------------------------
openssl pkcs12 -export -inkey pki/rita.key -in pki/rita.pem -name rita -passout "pass:$PASS" \
  -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -out keys/rita.p12
openssl pkcs12 -export -legacy -inkey pki/rita.key -in pki/rita.pem -name rita -passout "pass:$PASS" \
  -out keys/rita-legacy.p12
openssl pkcs12 -export -inkey pki/rita.key -in pki/rita.pem -name rita -passout pass: -out keys/rita-nopass.p12
openssl rsa -in pki/rita.key -traditional -out keys/rita.pem 2>/dev/null
cp pki/rita.pem keys/rita.crt
openssl ec -in pki/eve256.key -out keys/eve256.key 2>/dev/null   # SEC1 "EC PRIVATE KEY"
cp pki/eve256.pem keys/eve256.crt
{ openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in pki/eve384.key -passout "pass:$PASS"; cat pki/eve384.pem; } > keys/eve384.pem
{ cat pki/eve521.key; cat pki/eve521.pem; } > keys/eve521.pem
openssl pkcs8 -topk8 -nocrypt -in pki/rita.key -outform DER -out keys/rita-bare.p8

# --- messages ----------------------------------------------------------------
hdr() { # subject id
  printf 'From: sally@example.com\nTo: rita@example.com\nSubject: %s\nMessage-ID: <%s@decrypt.example>\nDate: Mon, 03 Mar 2025 10:00:00 +0000\nMIME-Version: 1.0\n' "$1" "$2"
}
printf 'Content-Type: text/plain; charset=us-ascii\n\nQuarterly numbers: confidential.\n' > msgs/inner.txt
openssl cms -sign -in msgs/inner.txt -signer pki/sally.pem -inkey pki/sally.key -md sha256 > msgs/signed.mime
openssl cms -sign -nodetach -in msgs/inner.txt -signer pki/sally.pem -inkey pki/sally.key -md sha256 > msgs/opaque.mime
# Tampered inside: the signed text changed after signing.
sed 's/Quarterly numbers: confidential./Quarterly numbers: doctored!!!!/' msgs/signed.mime > msgs/tampered.mime
# Nested: signed, encrypted to rita, the result encrypted to eve256.
openssl cms -encrypt -aes128 -in msgs/signed.mime -recip pki/rita.pem > msgs/nested-inner.mime

enc() { # name input subject -- openssl cms -encrypt options
  local name=$1 input=$2 subject=$3; shift 3
  openssl cms -encrypt -in msgs/$input "$@" > msgs/$name.tmp
  { hdr "$subject" "$name"; sed -n '/^Content-Type/,$p' msgs/$name.tmp | grep -v '^MIME-Version'; } > msgs/$name.eml
  rm msgs/$name.tmp
}
enc rsa-v15-aes128  signed.mime "rsa v1.5 aes128"  -aes128 -recip pki/rita.pem
enc rsa-v15-aes192  signed.mime "rsa v1.5 aes192"  -aes192 -recip pki/rita.pem
enc rsa-v15-aes256  signed.mime "rsa v1.5 aes256"  -aes256 -recip pki/rita.pem
enc rsa-v15-des3    signed.mime "rsa v1.5 des3"    -des3   -recip pki/rita.pem
enc rsa-v15-des     signed.mime "rsa v1.5 des"     -des -provider legacy -provider default -recip pki/rita.pem
enc rsa-v15-rc2     signed.mime "rsa v1.5 rc2-128" -rc2-128 -provider legacy -provider default -recip pki/rita.pem
enc rsa-oaep-sha1   signed.mime "rsa oaep sha1"    -aes256 -recip pki/rita.pem -keyopt rsa_padding_mode:oaep
enc rsa-oaep-sha256 signed.mime "rsa oaep sha256"  -aes256 -recip pki/rita.pem -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256
enc rsa-keyid       signed.mime "rsa by key id"    -aes256 -keyid -recip pki/rita.pem
enc ec-p256         signed.mime "ecdh p256"        -aes128 -recip pki/eve256.pem
enc ec-p384         signed.mime "ecdh p384"        -aes256 -recip pki/eve384.pem
enc ec-p521         signed.mime "ecdh p521"        -aes192 -recip pki/eve521.pem
enc gcm-rsa         signed.mime "aes-256-gcm rsa"  -aes-256-gcm -recip pki/rita.pem
enc gcm-p256        signed.mime "aes-128-gcm p256" -aes-128-gcm -recip pki/eve256.pem
enc opaque-inside   opaque.mime "opaque signed inside" -aes256 -recip pki/rita.pem
enc plain-inside    inner.txt   "no signature inside"  -aes256 -recip pki/rita.pem
enc tampered-inside tampered.mime "tampered inside"    -aes256 -recip pki/rita.pem
enc two-recipients  signed.mime "oscar then rita"  -aes256 -recip pki/oscar.pem -recip pki/rita.pem
enc no-key          signed.mime "to oscar only"    -aes256 -recip pki/oscar.pem
enc wrong-key       signed.mime "rita's name, another key" -aes256 -recip pki/rita-twin.pem
enc nested          nested-inner.mime "enveloped twice" -aes256 -recip pki/eve256.pem
# Damaged copies (DER surgery in tools.py): ciphertext cut by one block,
# GCM tag flipped, RSA encryptedKey flipped (bad PKCS#1 v1.5 padding).
python3 tools.py truncate msgs/rsa-v15-aes256.eml msgs/truncated.eml
python3 tools.py flip-tag msgs/gcm-rsa.eml msgs/gcm-tag-flipped.eml
python3 tools.py flip-key msgs/rsa-v15-aes256.eml msgs/bad-padding.eml
rm -f msgs/*.mime msgs/inner.txt
# Private keys of the CA and the signers are not needed by the tests.
rm -f pki/root.key pki/sally.key pki/oscar.key pki/rita-twin.key pki/ca.cnf
