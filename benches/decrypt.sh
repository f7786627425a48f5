#!/usr/bin/env bash
# --keys throughput, side by side in one run (issue 13):
#   1. smimescan scan --keys -j 2 over an mbox where every message is signed
#      (detached, RSA-2048, sha256) and then encrypted (AES-256-CBC) to one
#      of two recipients: rita (RSA-2048, PKCS#1 v1.5) or eve256 (P-256
#      ECDH); messages/s and peak RSS;
#   2. the raw aws-lc-rs private-key operation rates on 2 threads
#      (benches/decrypt.rs: RSA-2048 PKCS#1 v1.5 decrypt, P-256 ECDH);
#   3. `openssl cms -decrypt | openssl cms -verify`, two processes per
#      message, over the first OPENSSL_N messages.
# Keys and certificates: corpora/decrypt (make.sh). The archive holds
# DISTINCT distinct messages repeated to N (each one still decrypted and
# verified: nothing is cached between messages).
#   N=3000 DISTINCT=40 OPENSSL_N=200 benches/decrypt.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-3000}
DISTINCT=${DISTINCT:-40}
OPENSSL_N=${OPENSSL_N:-200}
D=corpora/decrypt
W=target/bench-decrypt
rm -rf "$W"; mkdir -p "$W/msgs"
AT=2026-01-01T00:00:00Z
for i in $(seq 1 "$DISTINCT"); do
  if [ $((i % 2)) -eq 1 ]; then r=rita; else r=eve256; fi
  printf 'Content-Type: text/plain; charset=us-ascii\n\nMessage %d of the decrypt benchmark.\n' "$i" > "$W/in.txt"
  openssl cms -sign -in "$W/in.txt" -signer $D/pki/rita.pem -inkey $D/pki/rita.key -md sha256 > "$W/signed.mime"
  openssl cms -encrypt -aes256 -in "$W/signed.mime" -recip $D/pki/$r.pem > "$W/env.mime"
  { printf 'From: rita@example.com\nTo: %s@example.com\nSubject: bench %d\nMessage-ID: <bench%d@decrypt.example>\nDate: Mon, 03 Mar 2025 10:00:00 +0000\n' $r "$i" "$i"
    sed -n '/^Content-Type/,$p' "$W/env.mime" | grep -v '^MIME-Version'; } > "$W/msgs/$i.eml"
done
for k in $(seq 0 $((N - 1))); do
  printf 'From bench@example.com Mon Mar  3 10:00:00 2025\n'
  cat "$W/msgs/$(( k % DISTINCT + 1 )).eml"
  printf '\n'
done > "$W/archive.mbox"
echo "archive: $N messages ($DISTINCT distinct), $(du -h "$W/archive.mbox" | cut -f1)"

cargo build --release -q
cargo bench -q --bench decrypt --no-run 2>/dev/null
BIN=target/release/smimescan
keys=(--keys $D/pki/rita.key --keys $D/pki/eve256.key)
# rita.key / eve256.key have their certificates beside them (.pem).
best=""
for rep in 1 2 3; do
  /usr/bin/time -f '%e %M' -o "$W/time" $BIN scan -j 2 "${keys[@]}" --trust $D/pki/root.pem --no-default-trust \
    --at $AT --progress never -o "$W/report.csv" "$W/archive.mbox" 2>/dev/null
  read -r secs rss < "$W/time"
  if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; best_rss=$rss; fi
done
decrypted=$(grep -c ',decrypted' "$W/report.csv" || true)
compliant=$(grep -c ',compliant,' "$W/report.csv" || true)
scan_rate=$(awk "BEGIN{printf \"%.0f\", $N / $best}")
echo "smimescan scan -j 2 --keys: $N messages in ${best}s (best of 3) = $scan_rate msg/s; decrypted $decrypted, compliant $compliant; peak RSS $((best_rss / 1024)) MiB"

raw=$(cargo bench -q --bench decrypt -- 2 3 2>/dev/null)
echo "$raw"
rsa=$(echo "$raw" | awk -F'ops/s=' '/rsa2048/{print $2}')
ecdh=$(echo "$raw" | awk -F'ops/s=' '/p256/{print $2}')
# Half the messages need an RSA decryption, half an ECDH: the raw limit is
# the harmonic mix. Each message also verifies one RSA-2048 signature.
mix=$(awk "BEGIN{printf \"%.0f\", 1 / (0.5 / $rsa + 0.5 / $ecdh)}")
echo "raw private-key limit for this mix (2 threads): $mix msg/s; scan = $(awk "BEGIN{printf \"%.2f\", $scan_rate / $mix}")x"

start=$(date +%s.%N)
ok=0
for i in $(seq 1 "$OPENSSL_N"); do
  f="$W/msgs/$(( (i - 1) % DISTINCT + 1 )).eml"
  if [ $(( (i - 1) % DISTINCT % 2 )) -eq 0 ]; then r=rita; else r=eve256; fi
  if openssl cms -decrypt -in "$f" -recip $D/pki/$r.pem -inkey $D/pki/$r.key 2>/dev/null \
    | openssl cms -verify -CAfile $D/pki/root.pem -attime 1767225600 -out /dev/null 2>/dev/null; then
    ok=$((ok + 1))
  fi
done
end=$(date +%s.%N)
ossl_rate=$(awk "BEGIN{printf \"%.1f\", $OPENSSL_N / ($end - $start)}")
echo "openssl cms -decrypt | openssl cms -verify: $OPENSSL_N messages ($ok verified) = $ossl_rate msg/s; scan = $(awk "BEGIN{printf \"%.0f\", $scan_rate / $ossl_rate}")x"
