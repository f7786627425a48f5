#!/usr/bin/env bash
# Builds the S/MIME template pool that corpora/gen/generate.py replicates.
#
#   make-pool.sh [OUTDIR]      (default: corpora/gen/pool next to this script)
#
# Needs only bash and the openssl CLI (3.x). Run it ONCE: the pool is
# committed, and re-running makes new keys, so every template changes (and the
# signingTime attribute becomes the time of the run).
#
# Layout of OUTDIR:
#   pki/root.pem         trust anchor ("smimescan gen Root CA"), 2020-01-01..2045-01-01
#   pki/inter.pem        intermediate ("smimescan gen Issuing CA"), same window;
#                        also embedded in every template signed under it
#   pki/rogue-root.pem   a root that is NOT a trust anchor (for the untrusted signer)
#   pki/<signer>.pem/.key  signer certificates and keys
#   templates/*.eml      MIME entities as openssl writes them, from the
#                        Content-Type header onward, LF line endings
#   templates.tsv        one line per template (read by generate.py)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/pool}
rm -rf "$OUT"
mkdir -p "$OUT/pki" "$OUT/templates" "$OUT/work"
P=$OUT/pki T=$OUT/templates W=$OUT/work
export LC_ALL=C

cat > $W/ca.cnf <<'CNF'
[ ca ]
default_ca = CA_default
[ CA_default ]
database = WORK/index.txt
new_certs_dir = WORK/newcerts
serial = WORK/serial
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
[ v3_root ]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_inter ]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_signer ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
[ v3_signer_ec ]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation,keyAgreement
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:copy
CNF
sed -i "s#WORK#$W#" $W/ca.cnf
mkdir -p $W/newcerts; : > $W/index.txt; echo 1000 > $W/serial

START=20200101000000Z
END=20450101000000Z

newkey() { # keyfile rsa|p256
  if [ "$2" = p256 ]; then openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  else openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; fi
}
issue() { # name subj issuer-cert issuer-key ext start end [selfsign]
  local name=$1 subj=$2 icert=$3 ikey=$4 ext=$5 s=$6 e=$7
  openssl req -new -utf8 -key $P/$name.key -subj "$subj" -out $W/$name.csr
  if [ "$icert" = self ]; then
    openssl ca -batch -config $W/ca.cnf -selfsign -keyfile $P/$name.key -in $W/$name.csr -out $P/$name.pem \
      -startdate $s -enddate $e -extensions $ext -notext 2>/dev/null
  else
    openssl ca -batch -config $W/ca.cnf -cert $icert -keyfile $ikey -in $W/$name.csr -out $P/$name.pem \
      -startdate $s -enddate $e -extensions $ext -notext 2>/dev/null
  fi
}

newkey $P/root.key rsa;  issue root  "/O=smimescan gen/CN=smimescan gen Root CA" self - v3_root $START $END
newkey $P/inter.key rsa; issue inter "/O=smimescan gen/CN=smimescan gen Issuing CA" $P/root.pem $P/root.key v3_inter $START $END
newkey $P/rogue-root.key rsa; issue rogue-root "/O=Rogue Example/CN=Rogue Root CA" self - v3_root $START $END

# name alg email "Display Name" category
SIGNERS="alice rsa alice.mueller@corp.example.com Alice_Müller valid
bob rsa bob.smith@corp.example.com Bob_Smith valid
carol rsa carol@finance.example.com Carol_Jones valid
dave p256 dave.nguyen@eu.example.org Dave_Nguyen valid
erin p256 erin@example.org Erin_O'Brien valid
frank rsa frank.old@corp.example.com Frank_Old expired
grace rsa grace@partner.example.net Grace_Partner untrusted"

while read -r name alg email dn cat; do
  newkey $P/$name.key $alg
  ext=v3_signer; [ $alg = p256 ] && ext=v3_signer_ec
  subj="/O=smimescan gen/CN=${dn//_/ }/emailAddress=$email"
  case $cat in
    valid)     issue $name "$subj" $P/inter.pem $P/inter.key $ext $START $END ;;
    expired)   issue $name "$subj" $P/inter.pem $P/inter.key $ext $START 20210101000000Z ;;
    untrusted) issue $name "$subj" $P/rogue-root.pem $P/rogue-root.key $ext $START $END ;;
  esac
done <<< "$SIGNERS"

# ---- content of the signed entities ---------------------------------------
para() { # n-th paragraph of filler text
  case $(( $1 % 4 )) in
    0) echo "Please find below the figures for the quarter. The numbers were reconciled"
       echo "against the ledger on Friday and the remaining differences are explained in"
       echo "the notes. Let me know if anything needs another look before the audit." ;;
    1) echo "As discussed in the meeting, the migration of the archive will start next"
       echo "week. Mailboxes are moved in batches of fifty; each batch is verified and"
       echo "signed off before the next one begins. Expect short interruptions." ;;
    2) echo "The contract draft is attached to the ticket. Legal asked for two changes:"
       echo "the liability cap in section 7 and the notice period in section 12. Both"
       echo "are marked in the document; please confirm by end of day Thursday." ;;
    3) echo "Reminder: certificates used for signing mail must be renewed before they"
       echo "expire. The renewal form is on the intranet; approval takes two working"
       echo "days. Unsigned mail to the finance department will be rejected." ;;
  esac
}
text_small() { # dn
  printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
  printf 'Hello,\n\n'; para $2; printf '\nBest regards,\n%s\n' "$1"
}
text_med() { # dn seed  (~4 KB, holds body lines that begin with "From ")
  printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
  printf 'Hi team,\n\n'
  for i in $(seq $2 $(( $2 + 17 ))); do para $i; echo; done
  printf 'From the audit side nothing else is open.\n>From an earlier mail: "all good".\n\n'
  printf -- '-- \n%s\n' "$1"
}
text_att() { # dn seed  multipart/mixed with a ~24 KB base64 attachment
  local b="----=_Part_$2_$(openssl rand -hex 6)"
  printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$b"
  printf 'This is a multi-part message in MIME format.\n--%s\n' "$b"
  printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
  printf 'Hello,\n\nthe report is attached.\n\n'; para $2; printf '\n%s\n\n--%s\n' "$1" "$b"
  printf 'Content-Type: application/pdf; name="report-%s.pdf"\nContent-Transfer-Encoding: base64\n' $2
  printf 'Content-Disposition: attachment; filename="report-%s.pdf"\n\n' $2
  openssl rand 18000 | openssl base64
  printf '\n--%s--\n' "$b"
}

TSV=$OUT/templates.tsv
printf '# file\tcategory\tkind\talg\tsigner\temail\tdisplay_name\tattachment\tfrom_lines\n' > $TSV
# sign name alg email dn cat tmpl kind(detached|opaque) content-file md attachment from_lines
sign() {
  local name=$1 alg=$2 email=$3 dn=$4 cat=$5 tmpl=$6 mode=$7 content=$8 md=$9 att=${10} fl=${11}
  local extra=(-certfile $P/inter.pem) kind=signed
  [ $cat = untrusted ] && extra=()
  [ $mode = opaque ] && { extra+=(-nodetach); kind=signed-opaque; }
  openssl cms -sign -in $content -signer $P/$name.pem -inkey $P/$name.key -md $md "${extra[@]}" > $W/out.tmp
  sed -n '/^Content-Type/,$p' $W/out.tmp | tr -d '\r' > $T/$tmpl.eml
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $tmpl.eml $cat $kind $alg $name $email "$dn" $att $fl >> $TSV
}

n=0
while read -r name alg email dn cat; do
  dn=${dn//_/ }; n=$((n+1))
  text_small "$dn" $n > $W/small.txt
  text_med "$dn" $n > $W/med.txt
  text_att "$dn" $n > $W/att.txt
  sign $name $alg $email "$dn" $cat $name-d-small detached $W/small.txt sha256 0 0
  sign $name $alg $email "$dn" $cat $name-o-small opaque   $W/small.txt sha256 0 0
  if [ $cat = valid ]; then
    sign $name $alg $email "$dn" $cat $name-d-med detached $W/med.txt sha512 0 1
    sign $name $alg $email "$dn" $cat $name-o-med opaque   $W/med.txt sha256 0 0
    sign $name $alg $email "$dn" $cat $name-d-att detached $W/att.txt sha256 1 0
  fi
done <<< "$SIGNERS"

# ---- tampered: content changed after signing ------------------------------
tamper_detached() { # src dst   (change a word inside the signed first part)
  sed -e '0,/^Please\|^As discussed\|^The contract\|^Reminder/s/\(Please\|As discussed\|The contract\|Reminder\)/\1 (edited)/' \
    $T/$1.eml > $T/$2.eml
  cmp -s $T/$1.eml $T/$2.eml && { echo "tamper failed for $1" >&2; exit 1; }
  awk -F'\t' -v s=$1.eml -v d=$2.eml 'BEGIN{OFS="\t"} $1==s {$1=d; $2="tampered"; print}' $TSV >> $TSV
}
tamper_detached alice-d-small alice-d-small-tampered
tamper_detached dave-d-small  dave-d-small-tampered
tamper_detached bob-d-att     bob-d-att-tampered
# opaque: change encapsulated content bytes inside the DER (same length)
text_small "Carol Jones" 3 > $W/small.txt
openssl cms -sign -nodetach -in $W/small.txt -signer $P/carol.pem -inkey $P/carol.key -md sha256 \
  -certfile $P/inter.pem -outform DER -out $W/op.der
sed 's/Best regards/Best wishes!/' $W/op.der > $W/op-t.der
cmp -s $W/op.der $W/op-t.der && { echo "opaque tamper failed" >&2; exit 1; }
{ printf 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name="smime.p7m"\n'
  printf 'Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="smime.p7m"\n\n'
  openssl base64 -in $W/op-t.der; printf '\n'; } > $T/carol-o-small-tampered.eml
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' carol-o-small-tampered.eml tampered signed-opaque rsa carol \
  carol@finance.example.com "Carol Jones" 0 0 >> $TSV

# ---- enveloped (AES-256-CBC) for an RSA and a P-256 recipient -------------
for r in "alice rsa alice.mueller@corp.example.com Alice_Müller" "dave p256 dave.nguyen@eu.example.org Dave_Nguyen"; do
  set -- $r
  text_small "${4//_/ }" 7 > $W/small.txt
  openssl cms -encrypt -aes256 -in $W/small.txt $P/$1.pem > $W/out.tmp
  sed -n '/^Content-Type/,$p' $W/out.tmp | tr -d '\r' > $T/env-$1.eml
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' env-$1.eml enveloped enveloped $2 $1 $3 "${4//_/ }" 0 0 >> $TSV
done

rm -rf $W
echo "pool written to $OUT: $(ls $T | wc -l) templates, $(du -sh $OUT | cut -f1)"
