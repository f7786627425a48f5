#!/usr/bin/env bash
# Signs one small message with each leaf of corpora/chains (made by make.sh)
# so that the chain cases can be tested end to end through the scanner
# (tests/report_chains.rs). Output: corpora/chains/messages/<case>.eml,
# multipart/signed (openssl cms -sign, SHA-256), carrying the leaf and its
# issuing CA(s) as openssl would send them; From = the leaf's address.
#   corpora/chains/make-messages.sh
set -euo pipefail
cd "$(dirname "$0")"
rm -rf messages
mkdir -p messages
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# case leaf-name "issuing certs carried" [extra openssl args]
sign() {
  local case=$1 leaf=$2 carried=$3; shift 3
  local email
  email=$(openssl x509 -in certs/$leaf.pem -noout -ext subjectAltName 2>/dev/null | sed -n 's/.*email:\([^, ]*\).*/\1/p')
  [ -n "$email" ] || email=$(openssl x509 -in certs/$leaf.pem -noout -subject | sed -n 's/.*emailAddress = \([^, ]*\).*/\1/p')
  : > "$W/carried.pem"
  for c in $carried; do cat certs/$c.pem >> "$W/carried.pem"; done
  printf 'Content-Type: text/plain; charset=us-ascii\n\nChain case %s.\n' "$case" > "$W/content.txt"
  local certfile=()
  [ -s "$W/carried.pem" ] && certfile=(-certfile "$W/carried.pem")
  openssl cms -sign -in "$W/content.txt" -signer certs/$leaf.pem -inkey keys/$leaf.key -md sha256 \
    "${certfile[@]}" "$@" > "$W/signed.txt"
  {
    printf 'From: %s\nTo: audit@example.net\nSubject: chain case %s\nMessage-ID: <%s@chains.example>\nDate: Sun, 01 Jun 2025 00:00:00 +0000\n' \
      "$email" "$case" "$case"
    sed -n '/^MIME-Version/,$p' "$W/signed.txt"
  } > messages/$case.eml
}

sign good          leaf_good       inter
sign ec            leaf_ec         ec_inter
sign expired       leaf_expired    inter
sign notyet        leaf_notyet     inter
sign revoked       leaf_revoked    inter
sign nobc          leaf_nobc       nobc_inter
sign noku          leaf_noku       noku_inter
sign untrusted     leaf_untrusted  other_root
sign sha1          leaf_sha1       sha1_inter
sign nc_in         leaf_nc_in      nc_inter
sign nc_out        leaf_nc_out     nc_inter
sign pathlen       leaf_pathlen    "sub_inter pathlen0_inter"
sign serverauth    leaf_serverauth inter
sign kuenc         leaf_kuenc      inter
sign rekey         leaf_rekey      "rekey_old rekey_new"
sign cross         leaf_cross      "cross_by_root cross_by_root2"
# The signer's certificate is not in the message: missing unless --certs has it.
sign nocerts       leaf_good       "" -nocerts
# Only the leaf: the intermediate must come from --certs.
sign leafonly      leaf_good       ""
echo "wrote $(ls messages | wc -l) messages"
