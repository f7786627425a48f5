#!/usr/bin/env python3
"""Hostile corpus generator: mutates the sample corpus into the inputs a
scanner meets when strangers write its bytes.

Writes into corpora/hostile/out/ (committed; regenerate with
`python3 corpora/hostile/make.py`, deterministic for a given --seed):
  trunc-*.eml     sample messages truncated at several points
  flip-*.eml      bit flips in headers, MIME structure and the CMS blob
  splice-*.eml    first half of one message + second half of another
  cms-*.eml       hand-made hostile CMS: deep BER nesting, huge lengths,
                  indefinite lengths never closed, 500 certificates
  deep-*.eml      MIME nesting 500 deep, message/rfc822 nesting 200 deep,
                  11,000 parts, a 1.1 MiB header block, a 300 KiB header line
  all.mbox        every message above in one mboxrd file
  bomb.eml.gz     64 KiB of gzip that inflates to 256 MiB
  ../manifest.json  expected row count per file (outside out/, which is scanned)
"""
import base64, gzip, json, os, random, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "sample", "msgs")
OUT = os.path.join(HERE, "out")


def main():
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    rnd = random.Random(seed)
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    msgs = {}
    for name in sorted(os.listdir(SAMPLE)):
        with open(os.path.join(SAMPLE, name), "rb") as f:
            msgs[name[:-4]] = f.read()
    out = {}

    # Truncations: inside headers, at the boundary, inside the signature.
    for name, m in msgs.items():
        for frac in (0.1, 0.5, 0.9, 0.99):
            out[f"trunc-{name}-{int(frac*100)}.eml"] = m[: int(len(m) * frac)]

    # Bit flips anywhere, and targeted at the base64 signature.
    for name, m in msgs.items():
        for i in range(4):
            b = bytearray(m)
            for _ in range(1 + i * 3):
                p = rnd.randrange(len(b))
                b[p] ^= 1 << rnd.randrange(8)
            out[f"flip-{name}-{i}.eml"] = bytes(b)
        sig = re.search(rb"\n\n([A-Za-z0-9+/=\r\n]{200,})", m)
        if sig:
            der = bytearray(base64.b64decode(re.sub(rb"\s", b"", sig.group(1))))
            for j in range(3):
                d = bytearray(der)
                p = rnd.randrange(len(d))
                d[p] ^= 0xFF
                enc = base64.encodebytes(bytes(d))
                out[f"flip-{name}-cms{j}.eml"] = m[: sig.start(1)] + enc + m[sig.end(1):]

    # Spliced halves.
    names = list(msgs)
    for i in range(len(names)):
        a, b = msgs[names[i]], msgs[names[(i + 1) % len(names)]]
        out[f"splice-{i}.eml"] = a[: len(a) // 2] + b[len(b) // 2 :]

    # Hostile CMS in a pkcs7-mime part.
    def p7m(der, name):
        out[f"cms-{name}.eml"] = (
            b"From: h@example.com\nSubject: hostile cms\nMIME-Version: 1.0\n"
            b"Content-Type: application/pkcs7-mime; smime-type=signed-data\n"
            b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(der)
        )

    signed_oid = bytes.fromhex("06092a864886f70d010702")
    p7m(b"\x30\x80" * 20000, "ber-deep")
    p7m(b"\x30\x84\x7f\xff\xff\xff" + signed_oid, "huge-length")
    p7m(b"\x30\x80" + signed_oid + b"\xa0\x80\x30\x80\x02\x01\x01", "unclosed")
    p7m(b"\x30\x89" + b"\xff" * 9, "length-overflow")
    p7m(b"\x24\x80" + b"\x04\x01A" * 20000 + b"\x00\x00", "chunked-octets")
    # A SignedData with 10,000 copies of a certificate.
    cert = re.search(rb"-----BEGIN CERTIFICATE-----(.*?)-----END", open(os.path.join(HERE, "..", "sample", "pki", "alice.pem"), "rb").read(), re.S)
    cder = base64.b64decode(re.sub(rb"\s", b"", cert.group(1)))
    def tlv(tag, body):
        n = len(body)
        if n < 128:
            l = bytes([n])
        else:
            lb = n.to_bytes((n.bit_length() + 7) // 8, "big")
            l = bytes([0x80 | len(lb)]) + lb
        return bytes([tag]) + l + body
    certs = tlv(0xA0, cder * 500)
    sd = tlv(0x30, b"\x02\x01\x01" + tlv(0x31, b"") + tlv(0x30, bytes.fromhex("06092a864886f70d010701")) + certs + tlv(0x31, b""))
    p7m(tlv(0x30, signed_oid + tlv(0xA0, sd)), "many-certs")

    # Deep and wide MIME.
    deep = b"From: d@example.com\nSubject: deep\n"
    for i in range(500):
        deep += b"Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i)
    out["deep-multipart.eml"] = deep + b"Content-Type: text/plain\n\nbottom\n"
    nest = b""
    for i in range(200):
        nest += b"From: n%d@example.com\nContent-Type: message/rfc822\n\n" % i
    out["deep-rfc822.eml"] = b"Subject: nested\n" + nest + msgs["02-signed"]
    wide = b"From: w@example.com\nContent-Type: multipart/mixed; boundary=w\n\n"
    wide += b"--w\n\nx\n" * 11000 + b"--w--\n"
    out["deep-wide.eml"] = wide
    out["deep-header-block.eml"] = b"From: h@example.com\n" + b"X-Filler: " + b"a" * 70 + b"\n" * 1 + (b"X-Filler: " + b"a" * 70 + b"\n") * 14500 + b"\nbody\n"
    out["deep-header-line.eml"] = b"From: h@example.com\nSubject: " + b"s" * (300 << 10) + b"\n\nbody\n"

    for name, data in out.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    manifest = {name: 1 for name in out}

    # Everything in one mboxrd file: one message per entry.
    with open(os.path.join(OUT, "all.mbox"), "wb") as f:
        for name in sorted(out):
            data = out[name]
            if len(data) > 200_000:
                continue  # the big ones once is enough
            f.write(b"From hostile@example.com Mon Jan  1 00:00:00 2024\n")
            data = re.sub(rb"(?m)^(>*From )", rb">\1", data)
            if not data.endswith(b"\n"):
                data += b"\n"
            f.write(data + b"\n")
    # Messages whose first line is not a header are still one message each
    # in the mbox (the separator needs a header line after it): count them.
    manifest["all.mbox"] = sum(
        1 for d in out.values() if len(d) <= 200_000 and re.match(rb"[!-9;-~]+:", d)
    )

    with gzip.open(os.path.join(OUT, "bomb.eml.gz"), "wb", compresslevel=9) as g:
        g.write(b"Subject: bomb\n\n")
        zeros = b"\0" * (1 << 20)
        for _ in range(256):
            g.write(zeros)
    manifest["bomb.eml.gz"] = 1
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"{len(manifest)} files, {sum(manifest.values())} messages")


if __name__ == "__main__":
    main()
