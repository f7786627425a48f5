#!/usr/bin/env bash
# Signed messages (alice of corpora/sample/pki, RSA-2048, sha256) whose
# signed content holds the lines that trouble an mbox splitter and a MIME
# walker: an unquoted `From sender date` separator after a blank line (with
# a header field after it, or binary bytes), and `--boundary`-like lines.
# Used by tests/mbox_split.rs and tests/prop_mbox.rs (stored with LF, as
# mbox files hold them). The multipart/signed is assembled here so that the
# boundary is known in advance (openssl picks a random one).
# Needs only the openssl CLI. Re-running re-signs (signingTime changes);
# the committed files are what the tests use.
set -euo pipefail
cd "$(dirname "$0")"
PKI=../sample/pki
# The Date header is the signing time (the signingTime attribute openssl
# writes), so that no skew between the two is reported.
hdr() { # id subject
  printf 'From: alice@example.com\nTo: audit@example.net\nSubject: %s\nMessage-ID: <%s@mbox.example>\nDate: %s\nMIME-Version: 1.0\n' "$2" "$1" "$(LC_ALL=C date -u -R)"
}
sign() { # name boundary content-file subject
  local name=$1 b=$2 content=$3
  # The signed bytes are the content part canonicalised to CRLF.
  perl -pe 's/\n/\r\n/' "$content" > "$name.crlf"
  openssl cms -sign -binary -md sha256 -signer $PKI/alice.pem -inkey $PKI/alice.key \
    -in "$name.crlf" -outform DER -out "$name.p7s"
  {
    hdr "$name" "$4"
    printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="%s"\n\n' "$b"
    printf 'This is an S/MIME signed message\n\n--%s\n' "$b"
    cat "$content"
    printf '\n--%s\nContent-Type: application/pkcs7-signature; name="smime.p7s"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7s"\n\n' "$b"
    openssl base64 -in "$name.p7s"
    printf '\n--%s--\n' "$b"
  } > "$name.eml"
  rm -f "$name.crlf" "$name.p7s"
}

# The text part ends without a line ending: the CRLF before the delimiter
# belongs to the delimiter (RFC 2046).
printf 'Content-Type: text/plain; charset=us-ascii\n\nhello\n\nFrom alice@example.com Mon Jun  3 10:00:00 2024\nSubject: not a message\n\n--sep-b\n---sep-b1\n-- sep-b1\n--\n--sep-a1\nbye' > c1
sign from-inside sep-b1 c1 "separator inside the signed body"

printf 'Content-Type: multipart/mixed; boundary="in"\n\n--in\nContent-Type: text/plain\n\nfirst\n\nFrom - Mon Jun  3 10:00:00 2024\n\x01\x02 binary \xff\xfe\n--i\n--out-b\n---out-b2\n\n--in\nContent-Type: text/plain\n\n>From quoted\n-- in\n\n--in--\n' > c2
sign boundary-like out-b2 c2 "boundary-like lines"

rm -f c1 c2
for f in from-inside boundary-like; do
  openssl cms -verify -in $f.eml -CAfile $PKI/root.pem -out /dev/null 2>/dev/null || { echo "$f does not verify"; exit 1; }
done
echo ok
