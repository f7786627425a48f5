#!/usr/bin/env bash
# benches/instructions.sh — instructions executed by `smimescan scan -j 1`
# (valgrind callgrind), per message and per MB, for one or more builds on
# the same generated corpora. Counts, not seconds: repeatable on a loaded
# or noisy machine, so a before/after comparison needs no quiet machine.
#
#   benches/instructions.sh BIN [BIN...]      # e.g. an older release build, then target/release/smimescan
#
# Environment: SIZE=32M (default and no-signature corpora), SIGNED_SIZE=8M
# (all-signed, rsa,p256), SEED=1, OUT=/tmp/smimescan-instructions.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE=${SIZE:-32M}
SIGNED_SIZE=${SIGNED_SIZE:-8M}
SEED=${SEED:-1}
OUT=${OUT:-/tmp/smimescan-instructions}
AT=2026-06-01T00:00:00Z
TRUST=$ROOT/corpora/gen/pool/pki/root.pem
[[ $# -ge 1 ]] || { echo "usage: $0 BIN [BIN...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 2; }
mkdir -p "$OUT"
gen() { # FILE ARGS...
    local f=$1; shift
    [[ -s $f ]] || python3 "$ROOT/corpora/gen/generate.py" --out "$f" --seed "$SEED" "$@" >/dev/null
}
gen "$OUT/default-$SIZE.mbox" --size "$SIZE"
gen "$OUT/nosig-$SIZE.mbox" --size "$SIZE" --signed-share 0 --enveloped-share 0
gen "$OUT/signed-$SIGNED_SIZE.mbox" --size "$SIGNED_SIZE" --all-signed --algs rsa,p256
printf '| build | corpus | messages | instructions | per message | per MB |\n|---|---|--:|--:|--:|--:|\n'
for bin in "$@"; do
    for f in "$OUT/default-$SIZE.mbox" "$OUT/nosig-$SIZE.mbox" "$OUT/signed-$SIGNED_SIZE.mbox"; do
        cg=$OUT/callgrind.$(basename "$bin").$(basename "$f").out
        valgrind --tool=callgrind --callgrind-out-file="$cg" -- "$bin" scan --trust "$TRUST" \
            --no-default-trust --at "$AT" --progress never -j 1 -o "$OUT/rows.csv" "$f" \
            2>"$OUT/valgrind.log" || [[ $? == 1 ]]
        ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$cg")
        msgs=$(($(wc -l <"$OUT/rows.csv") - 1))
        bytes=$(stat -c %s "$f")
        python3 -c "import sys; b,c,ir,m,n=sys.argv[1:]; ir=int(ir); m=int(m); n=int(n)
print(f'| {b} | {c} | {m:,} | {ir:,} | {ir/m:,.0f} | {ir/(n/1e6):,.0f} |')" \
            "$bin" "$(basename "$f")" "$ir" "$msgs" "$bytes"
    done
done
