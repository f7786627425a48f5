#!/usr/bin/env bash
# Builds the sample archive shipped in corpora/sample/:
#   pki/        a small CA (root) and two signers (RSA-2048 alice, P-256 bob),
#               valid 2025-01-01 .. 2045-01-01 (pinned, so tests never expire)
#   archive/sample.mbox  an mboxrd file: plain, multipart/signed, opaque-signed,
#               signed-then-enveloped (alice.key decrypts it),
#               tampered, a list-footer-wrapped signed message and
#               a body with a `From ` line
#   archive/Maildir/     the same messages as a Maildir (cur/ + new/ + a .Sent
#               Maildir++ subfolder), plus the Dovecot files a scanner must skip
# Needs only the openssl CLI. Re-running regenerates keys and signatures
# (the committed files are what the tests use).
set -euo pipefail
cd "$(dirname "$0")"
rm -rf pki msgs archive
mkdir -p pki msgs archive

cat > pki/ca.cnf <<'CNF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = pki
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
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_signer ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
CNF
mkdir -p pki/newcerts; : > pki/index.txt; echo 1000 > pki/serial

START=20250101000000Z
END=20450101000000Z
openssl req -new -newkey rsa:2048 -nodes -keyout pki/root.key -subj "/O=smimescan sample/CN=Sample Root CA" -out pki/root.csr 2>/dev/null
openssl ca -batch -config pki/ca.cnf -selfsign -keyfile pki/root.key -in pki/root.csr -out pki/root.pem \
  -startdate $START -enddate $END -extensions v3_ca -notext 2>/dev/null

sign_cert() { # name keyspec email
  local name=$1 email=$3
  if [ "$2" = p256 ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out pki/$name.key
    openssl req -new -key pki/$name.key -subj "/CN=$name/emailAddress=$email" -out pki/$name.csr
  else
    openssl req -new -newkey rsa:2048 -nodes -keyout pki/$name.key -subj "/CN=$name/emailAddress=$email" -out pki/$name.csr 2>/dev/null
  fi
  openssl ca -batch -config pki/ca.cnf -cert pki/root.pem -keyfile pki/root.key -in pki/$name.csr -out pki/$name.pem \
    -startdate $START -enddate $END -extensions v3_signer -notext 2>/dev/null
}
sign_cert alice rsa alice@example.com
sign_cert bob p256 bob@example.org
rm -f pki/*.csr pki/*.old pki/index.txt* pki/serial* pki/newcerts -r

hdr() { # from subject id date
  printf 'From: %s\nTo: audit@example.net\nSubject: %s\nMessage-ID: <%s@sample.example>\nDate: %s\nMIME-Version: 1.0\n' "$1" "$2" "$3" "$4"
}
body() { printf 'Content-Type: text/plain; charset=us-ascii\n\n%s\n' "$1"; }

# 1 plain
{ hdr alice@example.com "plain note" m1 "Mon, 03 Mar 2025 10:00:00 +0000"; body "Just a plain message."; } > msgs/01-plain.eml
# 2 detached signature by alice (RSA-2048, sha256)
body "Signed by Alice, detached.
From the desk of Alice: this line starts with From." > msgs/content2.txt
openssl cms -sign -in msgs/content2.txt -signer pki/alice.pem -inkey pki/alice.key -md sha256 > msgs/signed2.tmp
{ hdr alice@example.com "signed detached" m2 "Mon, 03 Mar 2025 10:05:00 +0000"; sed -n '/^Content-Type/,$p' msgs/signed2.tmp | sed '1,1!b'; } > msgs/02-signed.eml
# 3 opaque signature by bob (P-256)
body "Signed by Bob, opaque." > msgs/content3.txt
openssl cms -sign -nodetach -in msgs/content3.txt -signer pki/bob.pem -inkey pki/bob.key -md sha256 > msgs/signed3.tmp
{ hdr bob@example.org "signed opaque" m3 "Mon, 03 Mar 2025 10:10:00 +0000"; sed -n '/^Content-Type/,$p' msgs/signed3.tmp; } > msgs/03-opaque.eml
# 4 signed by bob (opaque), then enveloped for alice (aes-256-cbc): `--keys pki/alice.key` opens it
openssl cms -encrypt -aes256 -in msgs/signed3.tmp pki/alice.pem > msgs/env4.tmp
{ hdr bob@example.org "encrypted" m4 "Mon, 03 Mar 2025 10:15:00 +0000"; sed -n '/^Content-Type/,$p' msgs/env4.tmp; } > msgs/04-enveloped.eml
# 5 tampered: message 2 with its body changed after signing
sed 's/Signed by Alice, detached./Signed by Alice, detached!/' msgs/02-signed.eml | sed 's/<m2@/<m5@/; s/signed detached/tampered/' > msgs/05-tampered.eml
# 6 list footer: message 2's signed structure wrapped in multipart/mixed with a footer
{
  hdr alice@example.com "via list" m6 "Mon, 03 Mar 2025 10:20:00 +0000"
  printf 'Content-Type: multipart/mixed; boundary="list-footer"\n\n--list-footer\n'
  sed -n '/^Content-Type/,$p' msgs/signed2.tmp
  printf '\n--list-footer\nContent-Type: text/plain\n\n-- \nlist@example.net: unsubscribe at https://lists.example.net\n--list-footer--\n'
} > msgs/06-list-footer.eml
# 7 sender mismatch: signed by alice, sent as mallory
sed 's/^From: alice@example.com/From: mallory@example.com/; s/<m2@/<m7@/' msgs/02-signed.eml > msgs/07-mismatch.eml
rm -f msgs/*.tmp msgs/content*.txt

# mboxrd: `From ` and `>From ` body lines get one more `>`.
for f in msgs/*.eml; do
  printf 'From sample@example.com Mon Mar  3 10:00:00 2025\n'
  sed -E 's/^(>*From )/>\1/' "$f"
  printf '\n'
done > archive/sample.mbox

# Maildir: first four in cur/, the rest in new/, message 2 again in .Sent
cd archive
mkdir -p Maildir/cur Maildir/new Maildir/tmp Maildir/.Sent/cur Maildir/.Sent/new Maildir/.Sent/tmp
i=0
for f in ../msgs/*.eml; do
  i=$((i+1))
  if [ $i -le 4 ]; then cp "$f" "Maildir/cur/174100000$i.M1P1.sample:2,S"; else cp "$f" "Maildir/new/174100000$i.M1P1.sample"; fi
done
cp ../msgs/02-signed.eml "Maildir/.Sent/cur/1741000100.M1P1.sample:2,S"
touch Maildir/.Sent/maildirfolder
printf '3 V1741000000 N8\n' > Maildir/dovecot-uidlist
printf 'half-written\n' > Maildir/tmp/1741000999.M1P1.sample
