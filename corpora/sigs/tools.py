#!/usr/bin/env python3
"""Helpers for make.sh: things the openssl CLI cannot do.

  unsorted IN.der KEY.pem OUT.der
      Reverse the order of the signed attributes of the first SignerInfo
      (so that they are no longer DER-sorted) and re-sign the new encoding
      with the RSA key (PKCS#1 v1.5, the SignerInfo's digest), so the
      signature is valid over the *unsorted* attributes as encoded.
  corrupt-sig IN.der INDEX OUT.der
      Flip one bit in the middle of the signature of SignerInfo INDEX.
  ed25519 CERT.pem KEY.pem CONTENT OUT.der
      Build a detached CMS SignedData signed with Ed25519 (RFC 8419:
      signed attributes, digest SHA-512, signature over the attributes).

Only the Python standard library and `cryptography` are used.
"""
import hashlib
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def read_tlv(b, i):
    """Returns (tag, header_len, length) of the element at b[i]."""
    tag = b[i]
    l = b[i + 1]
    if l < 0x80:
        return tag, 2, l
    n = l & 0x7F
    return tag, 2 + n, int.from_bytes(b[i + 2:i + 2 + n], "big")


def children(b, start, end):
    """Yields (offset, tag, header_len, length) of the elements in b[start:end]."""
    i = start
    while i < end:
        t, h, l = read_tlv(b, i)
        yield i, t, h, l
        i += h + l


def enc_len(n):
    if n < 0x80:
        return bytes([n])
    s = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(s)]) + s


def tlv(tag, content):
    return bytes([tag]) + enc_len(len(content)) + content


def signer_infos(b):
    """Offsets (offset, header_len, length) of each SignerInfo (DER input)."""
    _, h, l = read_tlv(b, 0)  # ContentInfo
    kids = list(children(b, h, h + l))
    o, t, h0, l0 = kids[1]  # [0]
    _, sh, sl = read_tlv(b, o + h0)  # SignedData SEQUENCE
    sd = list(children(b, o + h0 + sh, o + h0 + sh + sl))
    so, st, shh, sll = sd[-1]  # signerInfos SET
    assert st == 0x31
    return [(i, hh, ll) for i, _, hh, ll in children(b, so + shh, so + shh + sll)]


def signer_fields(b, si):
    i, h, l = si
    return list(children(b, i + h, i + h + l))


DIGESTS = {
    bytes.fromhex("608648016503040201"): hashes.SHA256(),
    bytes.fromhex("608648016503040202"): hashes.SHA384(),
    bytes.fromhex("608648016503040203"): hashes.SHA512(),
    bytes.fromhex("2b0e03021a"): hashes.SHA1(),
}


def unsorted(src, keyfile, dst):
    b = bytearray(open(src, "rb").read())
    key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
    f = signer_fields(b, signer_infos(b)[0])
    # version, sid, digestAlgorithm, [0] signedAttrs, sigAlg, signature
    dalg = f[2]
    _, doh, _ = read_tlv(b, dalg[0] + dalg[2])
    oid_at = dalg[0] + dalg[2]
    oid = bytes(b[oid_at + doh:oid_at + doh + read_tlv(b, oid_at)[2]])
    digest = DIGESTS[oid]
    a_off, a_tag, a_h, a_l = f[3]
    assert a_tag == 0xA0
    attrs = [bytes(b[o:o + h + l]) for o, _, h, l in children(b, a_off + a_h, a_off + a_h + a_l)]
    assert len(attrs) >= 3
    new = b"".join(reversed(attrs))
    assert new != b"".join(sorted(attrs)), "still sorted"
    b[a_off + a_h:a_off + a_h + a_l] = new
    signed = bytes([0x31]) + bytes(b[a_off + 1:a_off + a_h + a_l])
    sig = key.sign(signed, padding.PKCS1v15(), digest)
    s_off, s_tag, s_h, s_l = f[5]
    assert s_tag == 0x04 and s_l == len(sig)
    b[s_off + s_h:s_off + s_h + s_l] = sig
    open(dst, "wb").write(bytes(b))


def corrupt_sig(src, index, dst):
    b = bytearray(open(src, "rb").read())
    f = signer_fields(b, signer_infos(b)[int(index)])
    s_off, s_tag, s_h, s_l = [x for x in f if x[1] == 0x04][-1]
    b[s_off + s_h + s_l // 2] ^= 0x01
    open(dst, "wb").write(bytes(b))


def ed25519(certfile, keyfile, contentfile, dst):
    cert = x509.load_pem_x509_certificate(open(certfile, "rb").read())
    key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
    content = open(contentfile, "rb").read()
    cder = cert.public_bytes(serialization.Encoding.DER)
    # issuer Name and serial from the certificate's DER
    _, h, l = read_tlv(cder, 0)
    tbs_off, _, th, tl = next(children(cder, h, h + l))
    tbs = list(children(cder, tbs_off + th, tbs_off + th + tl))
    # tbs: [0] version, serial, sigalg, issuer, ...
    ser = tbs[1]
    iss = tbs[3]
    serial = cder[ser[0]:ser[0] + ser[2] + ser[3]]
    issuer = cder[iss[0]:iss[0] + iss[2] + iss[3]]
    oid = lambda hexs: tlv(0x06, bytes.fromhex(hexs))
    sha512 = tlv(0x30, oid("608648016503040203"))
    ed = tlv(0x30, oid("2b6570"))
    data_oid = oid("2a864886f70d010701")
    attr = lambda o, v: tlv(0x30, oid(o) + tlv(0x31, v))
    attrs = [
        attr("2a864886f70d010903", data_oid),
        # signingTime 2025-01-02T03:04:05Z (pinned)
        attr("2a864886f70d010905", tlv(0x17, b"250102030405Z")),
        attr("2a864886f70d010904", tlv(0x04, hashlib.sha512(content).digest())),
    ]
    attrs.sort()  # DER SET OF order
    signed_attrs = b"".join(attrs)
    sig = key.sign(tlv(0x31, signed_attrs))
    si = tlv(
        0x30,
        tlv(0x02, b"\x01")
        + tlv(0x30, issuer + serial)
        + sha512
        + tlv(0xA0, signed_attrs)
        + ed
        + tlv(0x04, sig),
    )
    sd = tlv(
        0x30,
        tlv(0x02, b"\x01")
        + tlv(0x31, sha512)
        + tlv(0x30, data_oid)
        + tlv(0xA0, cder)
        + tlv(0x31, si),
    )
    ci = tlv(0x30, oid("2a864886f70d010702") + tlv(0xA0, sd))
    open(dst, "wb").write(ci)


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    {"unsorted": unsorted, "corrupt-sig": corrupt_sig, "ed25519": ed25519}[cmd](*args)
