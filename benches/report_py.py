#!/usr/bin/env python3
"""The reference for `smimescan report`'s speed: the same figures folded over
a CSV report with Python's `csv` module (messages, bytes, signed, valid and
trusted, encrypted/decrypted, counts per kind/signature/chain/verdict/
finding/decryption/layers/anchor, per month, per sender domain, per signer
certificate with its outcomes and notAfter, algorithms and key sizes, the 100 most recent
violations). Prints a few totals and the elapsed time on stderr.

    python3 benches/report_py.py /tmp/report-10M.csv
"""
import csv
import heapq
import sys
import time
from collections import Counter, defaultdict


def main():
    t0 = time.monotonic()
    messages = nbytes = signed = valid_trusted = encrypted = decrypted = 0
    counters = {k: Counter() for k in ("kind", "signature", "chain", "verdict", "finding",
                                       "decryption", "layers", "anchor")}
    months = defaultdict(lambda: [0, 0, 0, 0, 0, Counter()])
    domains = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    certs = {}
    digests, sigalgs, encs = Counter(), Counter(), Counter()
    keys = Counter()
    recent = []
    for path in sys.argv[1:]:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            r = csv.reader(f)
            h = next(r)
            ix = {name: i for i, name in enumerate(h)}
            (c_src, c_off, c_len, c_mid, c_date, c_from, c_kind, c_sig, c_chain, c_subj, c_iss, c_sha,
             c_match, c_dig, c_alg, c_bits, c_enc, c_verdict, c_find, c_layers, c_anchor, c_dec, c_na) = (
                ix[n] for n in ("source", "offset", "length", "message_id", "date", "from", "kind",
                                "signature", "chain", "signer_subject", "signer_issuer", "signer_sha256",
                                "sender_match", "digest_alg", "signature_alg", "key_bits",
                                "encryption_alg", "verdict", "findings", "layers", "anchor",
                                "decryption", "signer_not_after"))
            for row in r:
                messages += 1
                nbytes += int(row[c_len] or 0)
                sig, chain, verdict, kind = row[c_sig], row[c_chain], row[c_verdict], row[c_kind]
                is_signed = sig != ""
                vt = sig == "valid" and chain == "trusted"
                signed += is_signed
                valid_trusted += vt
                enc = kind in ("enveloped", "auth-enveloped") or row[c_dec] != ""
                encrypted += enc
                decrypted += enc and row[c_dec] == "decrypted"
                for k, c in (("kind", c_kind), ("signature", c_sig), ("chain", c_chain),
                             ("verdict", c_verdict), ("decryption", c_dec), ("layers", c_layers),
                             ("anchor", c_anchor)):
                    if row[c]:
                        counters[k][row[c]] += 1
                findings = [x for x in row[c_find].split(";") if x]
                counters["finding"].update(findings)
                date = row[c_date]
                m = months[date[:7] if len(date) >= 7 else None]
                m[0] += 1
                m[1] += is_signed
                m[2] += vt
                m[3] += verdict == "violation"
                m[4] += verdict == "error"
                m[5][verdict] += 1
                frm = row[c_from]
                d = domains[frm.rsplit("@", 1)[1].lower() if "@" in frm else ""]
                d[0] += 1
                d[1] += is_signed
                d[2] += vt
                d[3] += verdict == "violation"
                d[4] += verdict == "error"
                d[5] += row[c_match] == "no"
                sha = row[c_sha]
                if sha:
                    c = certs.get(sha)
                    if c is None:
                        c = certs[sha] = [row[c_subj], row[c_iss], 0, Counter(), Counter(), 0, 0, 0, date, date,
                                          row[c_na]]
                    c[2] += 1
                    c[3][sig] += 1
                    c[4][chain] += 1
                    c[5] += "CERT_EXPIRED" in findings
                    c[6] += "WEAK_DIGEST" in findings
                    c[7] += "WEAK_KEY" in findings
                    if date and date < c[8]:
                        c[8] = date
                    if date > c[9]:
                        c[9] = date
                    if row[c_na] and (not c[10] or row[c_na] < c[10]):
                        c[10] = row[c_na]
                if row[c_dig]:
                    digests[row[c_dig]] += 1
                if row[c_alg]:
                    sigalgs[row[c_alg]] += 1
                    keys[(row[c_alg], row[c_bits])] += 1
                if row[c_enc]:
                    encs[row[c_enc]] += 1
                if verdict == "violation":
                    item = (date, row[c_src], int(row[c_off] or 0), row[c_mid])
                    if len(recent) < 100:
                        heapq.heappush(recent, item)
                    elif item > recent[0]:
                        heapq.heapreplace(recent, item)
    top_domains = sorted(domains.items(), key=lambda kv: (-kv[1][0], kv[0]))[:50]
    top_certs = sorted(certs.items(), key=lambda kv: (-kv[1][2], kv[0]))[:50]
    expiring = sum(1 for c in certs.values() if "2026-01-01T00:00:00Z" <= c[10] <= "2026-04-01T00:00:00Z")
    elapsed = time.monotonic() - t0
    print(f"python csv: {messages} rows, {nbytes} bytes, signed {signed}, valid+trusted {valid_trusted}, "
          f"violations {counters['verdict']['violation']}, {len(domains)} domains, {len(certs)} certificates, "
          f"{len(months)} months, {expiring} certificates expiring by 2026-04-01, top domain {top_domains[0][0] if top_domains else '-'}, "
          f"top certificate messages {top_certs[0][1][2] if top_certs else 0}; {elapsed:.1f} s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
