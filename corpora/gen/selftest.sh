#!/usr/bin/env bash
# Self-test of the archive generator (a few seconds): generates small archives
# into a temp folder, splits them back into messages (undoing mboxrd quoting),
# checks the counts against the manifest, that every signed entity is a
# byte-identical pool template, that same seed => same bytes, and runs
# `openssl cms -verify` / `-decrypt` on a sample of each category:
#   signed-valid      verifies (CAfile = pool root, -certfile intermediate, -attime AT)
#   signed-tampered   fails, also with -noverify (content digest, not the chain)
#   signed-expired    fails with "certificate has expired"; ok with -noverify
#   signed-untrusted  fails with "unable to get local issuer certificate"; ok with -noverify
#   enveloped         decrypts with the recipient's pool key
# Exit status 0 = all good.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
POOL=$HERE/pool
AT=2026-06-01T00:00:00Z
ATS=$(date -u -d "$AT" +%s)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAIL=0
BOOST=(--signed-share 0.4 --enveloped-share 0.05 --expired-share 0.1 --untrusted-share 0.1 --tampered-share 0.1)

gen() { # name args...
  local name=$1; shift
  local t0=$(date +%s%N)
  python3 "$HERE/generate.py" --out "$TMP/$name" "$@" > "$TMP/$name.stdout"
  printf '%-15s %5s in %4d ms: ' "$name" "$(du -sh "$TMP/$name" | cut -f1)" $(( ($(date +%s%N) - t0) / 1000000 ))
}

# split an archive into $TMP/<name>.d/<index>-<category>-<template>.eml and check it
split() { # name
  python3 - "$TMP/$1" "$POOL" "$TMP/$1.d" <<'PY'
import email.parser, email.policy, json, os, re, sys
src, pool, outd = sys.argv[1:4]
os.makedirs(outd)
man = json.load(open(src + ".manifest.json"))
tmpl = {}
for line in open(os.path.join(pool, "templates.tsv"), encoding="utf-8"):
    if line.startswith("#"): continue
    c = line.rstrip("\n").split("\t")
    data = open(os.path.join(pool, "templates", c[0]), "rb").read().replace(b"\r\n", b"\n")
    tmpl[data] = (c[1], c[0][:-4], c[5])
msgs = []
if os.path.isdir(src):
    for d in ("cur", "new", ".Sent/cur", ".Sent/new"):
        for f in sorted(os.listdir(os.path.join(src, d))):
            msgs.append(open(os.path.join(src, d, f), "rb").read())
    assert not os.listdir(os.path.join(src, "tmp")), "tmp/ not empty"
else:
    raw = open(src, "rb").read()
    crlf = raw[:300].find(b"\r\n") >= 0
    eol = b"\r\n" if crlf else b"\n"
    assert raw.startswith(b"From ")
    # every body line that began with From is quoted, so each ^From line is a separator
    pieces = re.split(rb"(?m)^From [^\r\n]*\r?\n", raw)[1:]
    for p in pieces:
        assert p.endswith(eol + eol), "message not followed by a blank line"
        p = p[:-len(eol)]
        msgs.append(re.sub(rb"(?m)^>(>*From )", rb"\1", p))     # undo mboxrd quoting
counts = {k: 0 for k in man["categories"]}
ids = set()
bp = email.parser.BytesParser(policy=email.policy.compat32)
for i, m in enumerate(msgs):
    lf = m.replace(b"\r\n", b"\n")
    head, _, body = lf.partition(b"\nMIME-Version: 1.0\n")
    cat, name, addr = tmpl.get(body, ("plain", "plain", ""))
    if cat != "plain": cat = "enveloped" if cat == "enveloped" else "signed-" + cat
    counts[cat] += 1
    msg = bp.parsebytes(m)
    for h in ("From", "To", "Date", "Message-ID", "Subject"):
        assert msg[h], f"message {i}: no {h}"
    assert msg["Message-ID"] not in ids, "duplicate Message-ID"
    ids.add(msg["Message-ID"])
    if cat == "plain":
        assert b"pkcs7" not in lf, f"message {i}: plain but holds pkcs7"
    elif cat != "enveloped":
        assert msg["From"].split("<")[-1].rstrip(">") == addr, f"message {i}: From is not the signer"
    open(os.path.join(outd, f"{i:05d}-{cat}-{name}.eml"), "wb").write(m)
size = sum(len(x) for x in msgs)
ok = counts == man["categories"] and len(msgs) == man["messages"]
print(f"{len(msgs)} messages, categories {'match' if ok else 'MISMATCH'} the manifest "
      + json.dumps({k: v for k, v in counts.items() if v}))
if not ok:
    print("manifest:", man["categories"], man["messages"]); sys.exit(1)
PY
}

# openssl checks on up to N messages of each category
verify() { # name N
  local d=$TMP/$1.d n=$2 cat f out rc base signer
  for cat in signed-valid signed-tampered signed-expired signed-untrusted enveloped; do
    local ok=0 bad=0
    # one message per distinct template first (so From-line and opaque templates are covered)
    for f in $(ls "$d" | grep -- "-$cat-" | awk -v c="-$cat-" '{k=substr($0, index($0, c))} !s[k]++' | head -n "$n"); do
      out=$(openssl cms -verify -in "$d/$f" -CAfile "$POOL/pki/root.pem" -certfile "$POOL/pki/inter.pem" \
            -attime "$ATS" -out /dev/null 2>&1) && rc=0 || rc=$?
      nov=$(openssl cms -verify -noverify -in "$d/$f" -out /dev/null 2>&1) && nrc=0 || nrc=$?
      case $cat in
        signed-valid)     [ $rc = 0 ] ;;
        signed-tampered)  [ $rc != 0 ] && [ $nrc != 0 ] && grep -q 'content verify error\|digest failure' <<< "$out" ;;
        signed-expired)   [ $rc != 0 ] && [ $nrc = 0 ] && grep -q 'certificate has expired' <<< "$out" ;;
        signed-untrusted) [ $rc != 0 ] && [ $nrc = 0 ] && grep -q 'unable to get local issuer certificate' <<< "$out" ;;
        enveloped)
          signer=${f#*-enveloped-env-}; signer=${signer%.eml}
          openssl cms -decrypt -in "$d/$f" -recip "$POOL/pki/$signer.pem" -inkey "$POOL/pki/$signer.key" \
            -out /dev/null 2>/dev/null ;;
      esac && ok=$((ok+1)) || { bad=$((bad+1)); echo "  UNEXPECTED for $f: $(grep -v '^$' <<< "$out" | head -3 | tr '\n' ' ')"; }
    done
    [ $((ok+bad)) = 0 ] || printf '  %-17s %2d checked, %2d as expected\n' "$cat" $((ok+bad)) $ok
    [ $bad = 0 ] || FAIL=1
  done
}

echo "selftest: openssl $(openssl version | cut -d' ' -f2), judging at $AT (-attime $ATS)"
gen mbox-lf.mbox --size 5M --seed 7 "${BOOST[@]}"; split mbox-lf.mbox || FAIL=1
verify mbox-lf.mbox 6
gen maildir-crlf --format maildir --crlf --size 2M --seed 8 "${BOOST[@]}"; split maildir-crlf || FAIL=1
verify maildir-crlf 3
gen mbox-crlf.mbox --crlf --size 2M --seed 9 "${BOOST[@]}"; split mbox-crlf.mbox || FAIL=1
verify mbox-crlf.mbox 3
gen all-signed.mbox --all-signed --algs rsa,p256 --size 2M --seed 10; split all-signed.mbox || FAIL=1
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); c=m["categories"]; assert c["signed-valid"]==m["messages"], c; print("  all-signed: every message signed-valid, algs", m["by_signer_alg"])' "$TMP/all-signed.mbox.manifest.json" || FAIL=1
verify all-signed.mbox 4
gen default.mbox --size 5M --seed 11; split default.mbox || FAIL=1
python3 - "$TMP/default.mbox.manifest.json" <<'PY' || FAIL=1
import json, sys
m = json.load(open(sys.argv[1])); c = m["categories"]; n = m["messages"]
signed = n - c["plain"] - c["enveloped"]
print(f"  default shares: signed {signed/n:.3f} (0.10), enveloped {c['enveloped']/n:.3f} (0.01), "
      f"attachments {m['attachments']}, From-lines {m['messages_with_from_lines']}, encoded-words {m['messages_with_encoded_words']}")
assert 0.05 < signed / n < 0.16
PY
# reproducibility: same seed, same bytes
python3 "$HERE/generate.py" --out "$TMP/again.mbox" --size 5M --seed 7 "${BOOST[@]}" > /dev/null
if cmp -s "$TMP/mbox-lf.mbox" "$TMP/again.mbox"; then echo "reproducible: same seed gives identical bytes"; else echo "NOT reproducible"; FAIL=1; fi

[ $FAIL = 0 ] && echo "selftest: OK" || echo "selftest: FAILED"
exit $FAIL
