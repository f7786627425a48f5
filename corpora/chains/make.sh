#!/usr/bin/env bash
# Generates the certificate-chain fixtures for tests/pki_chains.rs.
#
# Needs only bash and the openssl CLI (written against OpenSSL 3.0.19).
# All validity periods and CRL dates are pinned, so the verdicts at the test
# time (2025-06-01T00:00:00Z = 1748736000) do not depend on when this runs.
# Keys are random: re-running changes every file, not any verdict. The
# generated files are committed; keys are test-only.
#
#   corpora/chains/make.sh        # rewrites corpora/chains/{certs,keys,crls}
#
# Layout (all PEM):
#   certs/root.pem            Root CA (trust anchor for most cases)
#   certs/root2.pem           Root CA 2 (second anchor, cross-certification)
#   certs/other_root.pem      Other Root (never trusted)
#   certs/inter.pem           Intermediate CA (root)
#   certs/leaf_good.pem       alice@example.com (inter): emailProtection, digitalSignature+nonRepudiation
#   certs/leaf_ec.pem         P-256 leaf under ec_inter.pem (P-384 CA, ecdsa-with-SHA384)
#   certs/leaf_expired.pem    valid 2020-01-01..2021-01-01
#   certs/leaf_notyet.pem     valid 2030-01-01..2040-01-01
#   certs/leaf_revoked.pem    listed in crls/inter.crl.pem, revoked 2024-01-01
#   crls/inter.crl.pem        CRL of Intermediate CA (thisUpdate 2025-01-01, nextUpdate 2035-01-01)
#   crls/bad_sig.crl.pem      CRL named "Intermediate CA" listing leaf_good, signed by another key
#   certs/inter_evil.pem      the other key's self-signed "Intermediate CA" (signs bad_sig.crl.pem)
#   certs/nobc_inter.pem      CA without basicConstraints (and without keyUsage) + leaf_nobc.pem
#   certs/noku_inter.pem      CA whose keyUsage lacks keyCertSign + leaf_noku.pem
#   certs/leaf_untrusted.pem  issued by other_root.pem
#   certs/rekey_old.pem       "Rekey CA", old key (root)
#   certs/rekey_new.pem       "Rekey CA", new key (root)
#   certs/leaf_rekey.pem      signed by the new key, no authorityKeyIdentifier
#   certs/cross_by_root.pem   "Cross CA" issued by Root CA, valid 2020..2024-01-01 (expired at test time)
#   certs/cross_by_root2.pem  "Cross CA", same key, issued by Root CA 2, valid 2020..2040
#   certs/leaf_cross.pem      issued by Cross CA
#   certs/sha1_inter.pem      CA signed by root with sha1WithRSAEncryption + leaf_sha1.pem
#   certs/nc_inter.pem        CA with nameConstraints permitted email:example.com
#   certs/leaf_nc_in.pem      bob@example.com (nc_inter)
#   certs/leaf_nc_out.pem     eve@evil.test (nc_inter)
#   certs/leaf_nc_sub.pem     carol@sub.example.com (nc_inter): outside "example.com" per RFC 5280
#   certs/leaf_nc_dn_out.pem  dora@evil.test only as subject emailAddress (nc_inter)
#   certs/leaf_critext.pem    unknown critical extension (inter)
#   certs/leaf_serverauth.pem EKU serverAuth only (inter)
#   certs/leaf_kuenc.pem      keyUsage keyEncipherment only (inter)
#   certs/pathlen0_inter.pem  CA with pathLenConstraint 0 (root)
#   certs/sub_inter.pem       CA issued by pathlen0_inter + leaf_pathlen.pem
#   certs/pss_inter.pem       CA signed by root with RSA-PSS + leaf_pss.pem
#   certs/root_reissued.pem   Root CA re-issued with the same key (2021..2045)
#   bundles/inter.der, bundles/inters.p7b (inter + ec_inter), bundles/inter.crl.der
#   certs/hostile_pool.pem    200 self-issued CA certs named "Intermediate CA", each
#                             with its own P-256 key and the real inter's SKI
#   certs/k256_root.pem, certs/leaf_k256*.pem: secp256k1 CA (make-k256.sh, run at the end)
set -euo pipefail
cd "$(dirname "$0")"
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }

HOSTILE=${HOSTILE:-200}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
rm -rf certs keys crls bundles
mkdir -p certs keys crls "$W/new"
: > "$W/index.txt"
echo 1000 > "$W/serial"

S=20200101000000Z   # default notBefore
E=20400101000000Z   # default notAfter
O="/O=smimescan test"

cat > "$W/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $W
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
policy = policy_any
unique_subject = no
copy_extensions = none
default_md = sha256
preserve = yes
[ policy_any ]
organizationName = optional
commonName = supplied
emailAddress = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
EOF

cat > "$W/ext.cnf" <<'EOF'
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_ca_pathlen0 ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_ca_nobc ]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_ca_noku ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_ca_nc ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
nameConstraints = critical, permitted;email:example.com
[ v3_hostile ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = $ENV::SKI
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:$ENV::EMAIL
[ v3_leaf_noaki ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = none
subjectAltName = email:$ENV::EMAIL
[ v3_leaf_serverauth ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:$ENV::EMAIL
[ v3_leaf_critext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:$ENV::EMAIL
1.3.6.1.4.1.55555.1 = critical, ASN1:NULL
[ v3_leaf_nosan ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf_kuenc ]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = email:$ENV::EMAIL
EOF
export EMAIL=unused@example.com SKI=hash

key() { # key NAME [rsa|p256|p384]
  case "${2:-rsa}" in
    rsa)  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "keys/$1.key" 2>/dev/null ;;
    p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "keys/$1.key" ;;
    p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "keys/$1.key" ;;
  esac
}

# issue NAME SUBJECT ISSUER(self|name) EXT [START END MD KEYNAME EXTRA...]
issue() {
  local name=$1 subj=$2 issuer=$3 ext=$4 start=${5:-$S} end=${6:-$E} md=${7:-sha256} k=${8:-$1}
  shift 8 2>/dev/null || shift $#
  openssl req -new -key "keys/$k.key" -subj "$subj" -out "$W/$name.csr" -config "$W/ca.cnf"
  if [ "$issuer" = self ]; then
    openssl ca -batch -notext -config "$W/ca.cnf" -selfsign -keyfile "keys/$k.key" \
      -in "$W/$name.csr" -out "certs/$name.pem" -startdate "$start" -enddate "$end" \
      -md "$md" -extfile "$W/ext.cnf" -extensions "$ext" "$@" 2>/dev/null
  else
    openssl ca -batch -notext -config "$W/ca.cnf" -cert "certs/$issuer.pem" \
      -keyfile "keys/$issuer.key" -in "$W/$name.csr" -out "certs/$name.pem" \
      -startdate "$start" -enddate "$end" -md "$md" -extfile "$W/ext.cnf" \
      -extensions "$ext" "$@" 2>/dev/null
  fi
}

leaf() { # leaf NAME CN EMAIL ISSUER [EXT START END KEYTYPE MD]
  key "$1" "${8:-rsa}"
  EMAIL=$3 issue "$1" "$O/CN=$2" "$4" "${5:-v3_leaf}" "${6:-$S}" "${7:-$E}" "${9:-sha256}" "$1"
}

# --- anchors -------------------------------------------------------------
key root;  issue root  "$O/CN=Root CA"   self v3_root
key root2; issue root2 "$O/CN=Root CA 2" self v3_root
key other_root; issue other_root "$O/CN=Other Root" self v3_root
# The same root re-issued: same name and key, other serial and validity.
issue root_reissued "$O/CN=Root CA" self v3_root 20210101000000Z 20450101000000Z sha256 root

# --- good chain and time cases ----------------------------------------------
key inter; issue inter "$O/CN=Intermediate CA" root v3_ca
leaf leaf_good    Alice   alice@example.com   inter
leaf leaf_expired Expired expired@example.com inter v3_leaf 20200101000000Z 20210101000000Z
leaf leaf_notyet  Future  future@example.com  inter v3_leaf 20300101000000Z 20400101000000Z
leaf leaf_revoked Revoked revoked@example.com inter

key ec_inter p384; issue ec_inter "$O/CN=EC CA" root v3_ca
leaf leaf_ec Ellie ellie@example.com ec_inter v3_leaf "$S" "$E" p256 sha384

# --- CRLs ----------------------------------------------------------------
crl() { # crl OUT CERT KEY "serial:revdate ..." (revdate YYMMDDHHMMSSZ)
  local out=$1 cert=$2 k=$3 entries=$4
  : > "$W/crlindex.txt"; echo 01 > "$W/crlnumber"
  for e in $entries; do
    printf 'R\t400101000000Z\t%s\t%s\tunknown\t/CN=x\n' "${e#*:}" "${e%%:*}" >> "$W/crlindex.txt"
  done
  sed "s#^database = .*#database = $W/crlindex.txt#" "$W/ca.cnf" > "$W/crl.cnf"
  openssl ca -batch -gencrl -config "$W/crl.cnf" -cert "certs/$cert.pem" -keyfile "keys/$k.key" \
    -crl_lastupdate 20250101000000Z -crl_nextupdate 20350101000000Z -md sha256 \
    -out "crls/$out" 2>/dev/null
}
serial() { openssl x509 -in "certs/$1.pem" -noout -serial | cut -d= -f2; }
crl inter.crl.pem inter inter "$(serial leaf_revoked):240101000000Z"

# A CRL with the Intermediate CA's name, signed by another key.
key inter_evil; issue inter_evil "$O/CN=Intermediate CA" self v3_root
crl bad_sig.crl.pem inter_evil inter_evil "$(serial leaf_good):240101000000Z"

# --- CA constraint failures ---------------------------------------------------
key nobc_inter; issue nobc_inter "$O/CN=NoBC CA" root v3_ca_nobc
leaf leaf_nobc NoBC nobc@example.com nobc_inter
key noku_inter; issue noku_inter "$O/CN=NoKU CA" root v3_ca_noku
leaf leaf_noku NoKU noku@example.com noku_inter

# --- untrusted root -----------------------------------------------------------
leaf leaf_untrusted Mallory mallory@example.com other_root

# --- re-keyed CA: same name, two keys; the leaf has no AKI ---------------------------
key rekey_old; issue rekey_old "$O/CN=Rekey CA" root v3_ca
key rekey_new; issue rekey_new "$O/CN=Rekey CA" root v3_ca
leaf leaf_rekey Rekeyed rekey@example.com rekey_new v3_leaf_noaki

# --- cross-certified intermediate -------------------------------------------------
key cross
openssl req -new -key keys/cross.key -subj "$O/CN=Cross CA" -out "$W/cross.csr" -config "$W/ca.cnf"
openssl ca -batch -notext -config "$W/ca.cnf" -cert certs/root.pem -keyfile keys/root.key \
  -in "$W/cross.csr" -out certs/cross_by_root.pem -startdate "$S" -enddate 20240101000000Z \
  -extfile "$W/ext.cnf" -extensions v3_ca 2>/dev/null
openssl ca -batch -notext -config "$W/ca.cnf" -cert certs/root2.pem -keyfile keys/root2.key \
  -in "$W/cross.csr" -out certs/cross_by_root2.pem -startdate "$S" -enddate "$E" \
  -extfile "$W/ext.cnf" -extensions v3_ca 2>/dev/null
cp certs/cross_by_root2.pem "$W/cross.pem"; cp certs/cross_by_root2.pem certs/cross.pem
leaf leaf_cross Crossed cross@example.com cross v3_leaf_noaki
rm certs/cross.pem

# --- SHA-1 signed intermediate ---------------------------------------------------------
key sha1_inter; issue sha1_inter "$O/CN=SHA1 CA" root v3_ca "$S" "$E" sha1
leaf leaf_sha1 Legacy legacy@example.com sha1_inter

# --- name constraints ----------------------------------------------------------------
key nc_inter; issue nc_inter "$O/CN=Constrained CA" root v3_ca_nc
leaf leaf_nc_in  Bob   bob@example.com       nc_inter
leaf leaf_nc_out Eve   eve@evil.test         nc_inter
leaf leaf_nc_sub Carol carol@sub.example.com nc_inter
# No subjectAltName; the address is only in the subject's emailAddress.
key leaf_nc_dn_out
issue leaf_nc_dn_out "$O/CN=Dora/emailAddress=dora@evil.test" nc_inter v3_leaf_nosan

# --- purposes -----------------------------------------------------------------------
leaf leaf_serverauth Server server@example.com inter v3_leaf_serverauth
leaf leaf_kuenc      Encrypt encrypt@example.com inter v3_leaf_kuenc
leaf leaf_critext    Critical critical@example.com inter v3_leaf_critext

# --- pathLenConstraint 0 violated ----------------------------------------------------
key pathlen0_inter; issue pathlen0_inter "$O/CN=PathLen0 CA" root v3_ca_pathlen0
key sub_inter; issue sub_inter "$O/CN=Sub CA" pathlen0_inter v3_ca
leaf leaf_pathlen Deep deep@example.com sub_inter

# --- RSA-PSS signed intermediate ------------------------------------------------------
key pss_inter
openssl req -new -key keys/pss_inter.key -subj "$O/CN=PSS CA" -out "$W/pss.csr" -config "$W/ca.cnf"
openssl ca -batch -notext -config "$W/ca.cnf" -cert certs/root.pem -keyfile keys/root.key \
  -in "$W/pss.csr" -out certs/pss_inter.pem -startdate "$S" -enddate "$E" -md sha256 \
  -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
  -extfile "$W/ext.cnf" -extensions v3_ca 2>/dev/null
leaf leaf_pss Pss pss@example.com pss_inter

# --- hostile pool: many CAs with the intermediate's name and SKI ----------------------
INTER_SKI=$(openssl x509 -in certs/inter.pem -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
: > certs/hostile_pool.pem
for i in $(seq 1 "$HOSTILE"); do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/h.key"
  openssl req -new -key "$W/h.key" -subj "$O/CN=Intermediate CA" -out "$W/h.csr" -config "$W/ca.cnf"
  SKI=$INTER_SKI openssl ca -batch -notext -config "$W/ca.cnf" -selfsign -keyfile "$W/h.key" \
    -in "$W/h.csr" -out "$W/h.pem" -startdate "$S" -enddate "$E" \
    -extfile "$W/ext.cnf" -extensions v3_hostile 2>/dev/null
  cat "$W/h.pem" >> certs/hostile_pool.pem
done

# --- other encodings: DER certificate, PKCS#7 certs-only bundle --------------------------
mkdir -p bundles
openssl x509 -in certs/inter.pem -outform DER -out bundles/inter.der
openssl crl2pkcs7 -nocrl -certfile certs/inter.pem -certfile certs/ec_inter.pem \
  -outform DER -out bundles/inters.p7b
openssl crl -in crls/inter.crl.pem -outform DER -out bundles/inter.crl.der

# --- secp256k1 CA (the x509-verify fallback; its own script) --------------
./make-k256.sh

echo "fixtures written to $(pwd)/{certs,keys,crls}"
