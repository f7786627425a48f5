#!/usr/bin/env python3
"""Writes a synthetic smimescan CSV report of N rows (the `report` benchmark's
input): 20 years of dates, 5,000 sender domains (skewed), 20,000 signer
certificates, ~55 % signed, enveloped, malformed and violating rows, the
30 columns of SPEC v2 and signer_not_after. Deterministic for a given --seed.

    python3 benches/report_rows.py --rows 10000000 --out /tmp/report-10M.csv
"""
import argparse
import random
import sys

COLUMNS = ("source,index,offset,length,message_id,date,from,kind,part,signers,signature,chain,"
           "signer_subject,signer_issuer,signer_serial,signer_sha256,signer_email,sender_match,"
           "digest_alg,signature_alg,key_bits,signing_time,validated_at,encryption_alg,verdict,"
           "findings,error,layers,anchor,decryption,signer_not_after")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    certs = []
    for c in range(20_000):
        alg, bits = [("rsa-pkcs1", "2048"), ("rsa-pkcs1", "4096"), ("ecdsa-p256", "256"),
                     ("rsa-pss", "3072"), ("rsa-pkcs1", "1024")][c % 5]
        digest = "sha1" if c % 17 == 0 else "sha256"
        dom = c % 5000
        subj = f'"EMAIL=user{c}@dom{dom}.example,CN=User {c},O=Org {dom}"'
        iss = f'"CN=Issuing CA {c % 12},O=Trust Services {c % 3}"'
        sha = "%064x" % (c * 2654435761 + 12345)
        # notAfter: 2024-01 .. 2031-12 (some expired, some within 90 days of 2026-01-01).
        na = "%04d-%02d-%02dT23:59:59Z" % (2024 + (c * 7) % 8, 1 + (c * 5) % 12, 1 + c % 28)
        certs.append((subj, iss, "%x" % (1000 + c), sha, f"user{c}@dom{dom}.example", digest, alg, bits,
                      f'"CN=Root {c % 3},O=Trust Services {c % 3}"', na))
    # Zipf-like domain choice: precomputed table.
    weights = [1.0 / (i + 1) for i in range(5000)]
    domain_table = rnd.choices(range(5000), weights=weights, k=65536)
    out = open(a.out, "w", newline="", buffering=1 << 20)
    out.write(COLUMNS + "\r\n")
    sources = 400
    per_source = max(1, a.rows // sources)
    offset = 0
    rand = rnd.random
    randrange = rnd.randrange
    for i in range(a.rows):
        src = i // per_source
        idx = i - src * per_source
        if idx == 0:
            offset = 0
        length = 2000 + randrange(60000)
        month = randrange(240)
        date = "%04d-%02d-%02dT%02d:%02d:00Z" % (2006 + month // 12, month % 12 + 1, 1 + randrange(28),
                                                  randrange(24), randrange(60))
        r = rand()
        if r < 0.55:
            c = certs[(domain_table[randrange(65536)] * 4 + randrange(4)) % 20000]
            subj, iss, serial, sha, email, digest, alg, bits, anchor, not_after = c
            frm = email if rand() > 0.03 else "other@dom%d.example" % domain_table[randrange(65536)]
            match = "yes" if frm == email else "no"
            kind = "signed" if r < 0.5 else "signed-opaque"
            findings = []
            sig = "valid" if rand() > 0.03 else "invalid"
            q = rand()
            chain = "trusted" if q < 0.88 else ("untrusted" if q < 0.95 else "expired")
            err = ""
            if sig == "invalid":
                findings.append("SIG_INVALID")
                err = "message digest mismatch"
            if chain == "untrusted":
                findings.append("CHAIN_UNTRUSTED")
                anchor_v = ""
            else:
                anchor_v = anchor
            if chain == "expired":
                findings.append("CERT_EXPIRED")
                err = "\"'%s' expired on %s\"" % (subj.strip('"'), not_after)
            if digest == "sha1":
                findings.append("WEAK_DIGEST")
            if bits == "1024":
                findings.append("WEAK_KEY")
            if match == "no":
                findings.append("SENDER_MISMATCH")
            findings.sort()
            verdict = "violation" if findings else "compliant"
            row = (f"archive/{src:04d}.mbox,{idx},{offset},{length},{i}.{month}@mail.dom{c[4][-12:]},{date},{frm},"
                   f"{kind},,1,{sig},{chain},{subj},{iss},{serial},{sha},{email},{match},{digest},{alg},{bits},"
                   f"{date},{date},,{verdict},{';'.join(findings)},{err},{kind},{anchor_v},,{not_after}")
        else:
            d = domain_table[randrange(65536)]
            frm = "user%d@dom%d.example" % (randrange(100), d)
            if r < 0.62:
                enc = "aes256-cbc" if r < 0.60 else "des-ede3-cbc"
                dec = "no-key" if r < 0.58 else "decrypted"
                verdict, findings = ("encrypted", "") if enc == "aes256-cbc" else ("violation", "WEAK_ENCRYPTION")
                row = (f"archive/{src:04d}.mbox,{idx},{offset},{length},{i}@mail.dom{d}.example,{date},{frm},"
                       f"enveloped,,0,,,,,,,,,,,,,,{enc},{verdict},{findings},,enveloped,,{dec},")
            elif r < 0.625:
                row = (f"archive/{src:04d}.mbox,{idx},{offset},{length},,,,malformed,,0,,,,,,,,,,,,,,,error,"
                       f"MALFORMED_MESSAGE,no header block,,,,")
            else:
                row = (f"archive/{src:04d}.mbox,{idx},{offset},{length},{i}@mail.dom{d}.example,{date},{frm},"
                       f"plain,,0,,,,,,,,,,,,,,,unsigned,,,,,,")
        out.write(row + "\r\n")
        offset += length
    out.close()
    print(f"{a.rows} rows -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
