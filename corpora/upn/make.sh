#!/usr/bin/env bash
# Generates the Microsoft UPN name-constraint fixtures for tests/upn_constraints.rs
# (issue 18: enterprise CAs under public roots constrain UPN otherNames).
#
# Needs bash and the openssl CLI (written against OpenSSL 3.0.19). Validity
# pinned (2020-01-01..2040-01-01); keys are random and test-only: re-running
# changes every file, not any verdict. Generated files are committed.
#
# Layout (PEM):
#   root.pem           "UPN Root" (the trust anchor)
#   ent_ca.pem         "Enterprise CA" (root): nameConstraints permitted
#                      otherName UPN "intel.com" + rfc822 "intel.com" (as such CAs carry)
#   ent_ca_excl.pem    "Enterprise Excl CA" (root): excluded otherName UPN "evil.test"
#   leaf_upn_in.pem    UPN first.last@intel.com, email first.last@intel.com (ent_ca)
#   leaf_upn_sub.pem   UPN first.last@eu.intel.com (ent_ca): a subdomain matches
#   leaf_upn_out.pem   UPN first.last@evil.test (ent_ca)
#   leaf_upn_suffix.pem UPN first.last@notintel.com (ent_ca): not a subdomain
#   leaf_upn_noat.pem  UPN "first.last" without '@' (ent_ca): fails closed
#   leaf_other_on.pem  otherName 1.3.6.1.4.1.99999.1 (another type) (ent_ca)
#   leaf_excl_in.pem   UPN first.last@evil.test (ent_ca_excl): excluded
#   leaf_excl_ok.pem   UPN first.last@intel.com (ent_ca_excl): allowed
set -euo pipefail
cd "$(dirname "$0")"
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
rm -f ./*.pem
mkdir -p "$W/new"
: > "$W/index.txt"
echo 2000 > "$W/serial"
UPN=1.3.6.1.4.1.311.20.2.3
export SAN=email:unused@example.com

cat > "$W/ca.cnf" <<CNF
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
[ v3_ent ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
nameConstraints = critical, permitted;otherName:$UPN;UTF8:intel.com, permitted;email:intel.com, permitted;email:.intel.com
[ v3_ent_excl ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
nameConstraints = critical, excluded;otherName:$UPN;UTF8:evil.test
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = \$ENV::SAN
CNF

S=20200101000000Z
E=20400101000000Z
O="/O=smimescan test"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/$1.key" 2>/dev/null; }
csr() { openssl req -new -key "$W/$1.key" -subj "$2" -out "$W/$1.csr" -config "$W/ca.cnf"; }
sign() { # name issuer ext
    local sel=(-cert "$2.pem" -keyfile "$W/$2.key")
    [ "$2" = self ] && sel=(-selfsign -keyfile "$W/$1.key")
    openssl ca -batch -config "$W/ca.cnf" -notext \
        -startdate $S -enddate $E -extensions "$3" "${sel[@]}" \
        -in "$W/$1.csr" -out "$1.pem" 2>/dev/null
}

key root; csr root "$O/CN=UPN Root"; sign root self v3_root
key ent_ca; csr ent_ca "$O/CN=Enterprise CA"; sign ent_ca root v3_ent
key ent_ca_excl; csr ent_ca_excl "$O/CN=Enterprise Excl CA"; sign ent_ca_excl root v3_ent_excl

leaf() { # name issuer SAN
    key "$1"; csr "$1" "$O/CN=$1"
    SAN="$3" sign "$1" "$2" v3_leaf
}
leaf leaf_upn_in ent_ca "otherName:$UPN;UTF8:first.last@intel.com, email:first.last@intel.com"
leaf leaf_upn_sub ent_ca "otherName:$UPN;UTF8:first.last@eu.intel.com, email:first.last@eu.intel.com"
leaf leaf_upn_out ent_ca "otherName:$UPN;UTF8:first.last@evil.test, email:first.last@intel.com"
leaf leaf_upn_suffix ent_ca "otherName:$UPN;UTF8:first.last@notintel.com, email:first.last@intel.com"
leaf leaf_upn_noat ent_ca "otherName:$UPN;UTF8:first.last, email:first.last@intel.com"
leaf leaf_other_on ent_ca "otherName:1.3.6.1.4.1.99999.1;UTF8:first.last@intel.com, email:first.last@intel.com"
leaf leaf_excl_in ent_ca_excl "otherName:$UPN;UTF8:first.last@evil.test, email:first.last@evil.test"
leaf leaf_excl_ok ent_ca_excl "otherName:$UPN;UTF8:first.last@intel.com, email:first.last@intel.com"
echo "wrote $(ls ./*.pem | wc -l) certificates"
