#!/usr/bin/env bash
# Runs the fuzz targets (default 10 minutes each), seeded from the test
# corpora. Needs cargo-fuzz (cargo install cargo-fuzz@0.13.2 --locked).
#   fuzz/run.sh [seconds] [target...]
# Stable rustc with RUSTC_BOOTSTRAP=1 (for -Zsanitizer=address), as tried
# on this machine. Crashes land in fuzz/artifacts/<target>/; minimise with
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> <artifact>
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(mbox_split message cms_chain chain)
seed() { # target
  local d=fuzz/corpus/$1; mkdir -p "$d"
  case $1 in
    mbox_split)
      cp ../shared/peer/mimekit/mbox/*.mbox.txt corpora/sample/archive/sample.mbox "$d"/ 2>/dev/null || true
      cp ../shared/peer/cpython-email/data/mailbox_01.mbox "$d"/ 2>/dev/null || true ;;
    message)
      cp corpora/sample/msgs/*.eml "$d"/
      find corpora/hostile/out -name '*.eml' -size -64k -exec cp {} "$d"/ \;
      find ../shared/peer/thunderbird-smime -name '*.eml' -size -64k -exec cp {} "$d"/ \; 2>/dev/null || true
      ls corpora/sigs/*.eml >/dev/null 2>&1 && cp corpora/sigs/*.eml "$d"/ || true ;;
    cms_chain)
      for f in corpora/sample/msgs/0[23]*.eml corpora/decrypt/msgs/{rsa-v15-aes256,rsa-oaep-sha256,ec-p256,gcm-p256,nested}.eml; do
        python3 - "$f" "$d/$(basename "$f").der" <<'PY'
import base64, re, sys
m = open(sys.argv[1], "rb").read()
b = re.findall(rb"\n\n([A-Za-z0-9+/=\r\n]{200,})", m)
if b: open(sys.argv[2], "wb").write(base64.b64decode(re.sub(rb"\s", b"", b[-1])))
PY
      done
      cp ../shared/peer/rfc4134-bc-test-data/*.bin ../shared/peer/rfc4134-bc-test-data/*.cer "$d"/ 2>/dev/null || true
      cp corpora/sigs/blobs/* corpora/sigs/mutants/*.p7s corpora/sigs/mutants/*.p7b corpora/sigs/mutants/*.der "$d"/ 2>/dev/null || true ;;
    chain)
      # Certificate sets (2-byte length + DER each): every fixture leaf of
      # corpora/chains with its issuing CA(s) and root.
      python3 - "$d" <<'PY'
import base64, glob, os, re, sys
def ders(p):
    t = open(p).read()
    return [base64.b64decode(b) for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END", t, re.S)]
c = "corpora/chains"
for leaf in glob.glob(f"{c}/certs/leaf_*.pem") + glob.glob(f"{c}/rules/certs/leaf_*.pem"):
    cas = [p for p in glob.glob(f"{c}/certs/*inter*.pem") + glob.glob(f"{c}/rules/certs/*inter*.pem")]
    name = os.path.basename(leaf)[:-4]
    for i, ca in enumerate(cas):
        out = b"".join(len(d).to_bytes(2, "big") + d for p in (leaf, ca, f"{c}/certs/root.pem") for d in ders(p))
        if i % 7 == 0 or name.split("_", 1)[1] in ca:
            open(os.path.join(sys.argv[1], f"{name}-{os.path.basename(ca)[:-4]}"), "wb").write(out)
PY
      ;;
  esac
}
for t in "${targets[@]}"; do
  seed "$t"
  echo "== $t for ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -dict=fuzz/mail.dict -rss_limit_mb=4096 -timeout=10 -max_len=262144 2>&1 | tail -n 15
done
