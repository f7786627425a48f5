#!/usr/bin/env python3
"""DER surgery on the enveloped .eml fixtures (standard library only).

  tools.py truncate IN OUT   cut the last 16 bytes of the encrypted content
  tools.py flip-tag IN OUT   flip a bit of the AuthEnvelopedData mac (GCM tag)
  tools.py flip-key IN OUT   flip a bit in the first KeyTransRecipientInfo's
                             encryptedKey (bad PKCS#1 v1.5 padding)

The CMS is parsed (BER or DER), edited and written back as DER; the headers
of the message are kept and the body is re-encoded in base64.
"""
import base64
import sys


def parse(b, i=0):
    """One element at i: (tag, constructed, value-or-children, end)."""
    t = b[i]
    i += 1
    l = b[i]
    i += 1
    if l == 0x80:
        kids = []
        while b[i:i + 2] != b"\x00\x00":
            k = parse(b, i)
            kids.append(k[:3])
            i = k[3]
        return t, True, kids, i + 2
    if l > 0x80:
        n = l & 0x7F
        l = int.from_bytes(b[i:i + n], "big")
        i += n
    v = b[i:i + l]
    if t & 0x20:
        kids, j = [], 0
        while j < len(v):
            k = parse(v, j)
            kids.append(k[:3])
            j = k[3]
        return t, True, kids, i + l
    return t, False, v, i + l


def enc(node):
    t, cons, v = node
    body = b"".join(enc(k) for k in v) if cons else v
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(nb)]) + nb
    return bytes([t]) + ln + body


def content_octets(node):
    t, cons, v = node
    return b"".join(content_octets(k) for k in v) if cons else v


def main():
    op, src, dst = sys.argv[1:4]
    raw = open(src, "rb").read()
    head, _, body = raw.partition(b"\n\n")
    der = base64.b64decode(b"".join(body.split()))
    ci = list(parse(der)[:3])
    ctx0 = list(ci[2][1])
    env = list(ctx0[2][0])
    kids = [list(k) for k in env[2]]
    if op == "truncate":
        for k in kids:
            if k[0] == 0x30 and k[2] and k[2][0][0] == 0x06:  # encryptedContentInfo
                eci = [list(x) for x in k[2]]
                data = content_octets(eci[2])
                eci[2] = [0x80, False, data[:-16]]
                k[2] = [tuple(x) for x in eci]
                break
    elif op == "flip-tag":
        mac = kids[-1]
        assert mac[0] == 0x04, "mac"
        v = bytearray(mac[2])
        v[-1] ^= 0x01
        mac[2] = bytes(v)
    elif op == "flip-key":
        ris = kids[1] if kids[1][0] == 0x31 else kids[2]
        ktri = [list(x) for x in ris[2][0][2]]
        ek = bytearray(ktri[-1][2])
        ek[len(ek) // 2] ^= 0x01
        ktri[-1][2] = bytes(ek)
        ris[2] = [(ris[2][0][0], True, [tuple(x) for x in ktri])] + list(ris[2][1:])
    else:
        raise SystemExit("unknown operation " + op)
    env[2] = [tuple(k) for k in kids]
    ctx0[2] = [tuple(env)]
    ci[2] = [ci[2][0], tuple(ctx0)]
    out = enc(tuple(ci))
    b64 = base64.encodebytes(out).replace(b"\n", b"\n")
    open(dst, "wb").write(head + b"\n\n" + b64)


if __name__ == "__main__":
    main()
