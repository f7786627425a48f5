#!/usr/bin/env python3
"""Differential tester: smimescan against `openssl cms -verify`.

Makes S/MIME signed messages with a throwaway PKI (root, intermediate, RSA
and EC leaves with emailProtection and an rfc822Name), mutates them
structure-aware (headers, MIME structure, transfer encodings, CMS attributes,
algorithms, BER lengths, junk, byte flips), scans each batch with one
`smimescan scan` run, runs OpenSSL on every mutant the scanner accepts (and
on a sample of the others), and writes every disagreement, minimised, as
.eml + .json into the output folder. See fuzz/difftest/README.md.

Only the Python standard library, `cryptography` and the `openssl` CLI.
"""
import argparse
import base64
import calendar
import copy
import datetime
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PINNED = "2026-06-01T00:00:00Z"
PINNED_EPOCH = calendar.timegm((2026, 6, 1, 0, 0, 0))
SENDER = "alice@example.com"

# ---------------------------------------------------------------- DER ------


def enc_len(n, extra=0):
    """Length octets; `extra` > 0 writes the long form with that many
    leading zero bytes (non-minimal, BER-only)."""
    if n < 0x80 and not extra:
        return bytes([n])
    s = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    s = b"\x00" * max(0, extra - 1) + s
    return bytes([0x80 | len(s)]) + s


def tlv(tag, content):
    return bytes([tag]) + enc_len(len(content)) + content


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def integer(v):
    n = (v.bit_length() + 8) // 8 if v >= 0 else (v.bit_length() + 8) // 8
    return tlv(0x02, v.to_bytes(max(1, n), "big", signed=True))


class N:
    """A node of the CMS tree. Constructed when `kids` is a list, else a
    primitive with `val`, or pre-encoded `raw` bytes."""

    def __init__(self, tag, kids=None, val=None, raw=None, name=None):
        self.tag, self.kids, self.val, self.raw, self.name = tag, kids, val, raw, name
        self.indef = False
        self.extra_len = 0

    def enc(self):
        if self.raw is not None:
            return self.raw
        if self.kids is not None:
            body = b"".join(k.enc() for k in self.kids)
            if self.indef:
                return bytes([self.tag, 0x80]) + body + b"\x00\x00"
        else:
            body = self.val
        return bytes([self.tag]) + enc_len(len(body), self.extra_len) + body

    def walk(self):
        yield self
        for k in self.kids or []:
            yield from k.walk()

    def find(self, name):
        for n in self.walk():
            if n.name == name:
                return n
        return None


def P(der, name=None):
    return N(0, raw=der, name=name)


OIDS = {
    "data": "1.2.840.113549.1.7.1",
    "signedData": "1.2.840.113549.1.7.2",
    "tstinfo": "1.2.840.113549.1.9.16.1.4",
    "contentType": "1.2.840.113549.1.9.3",
    "messageDigest": "1.2.840.113549.1.9.4",
    "signingTime": "1.2.840.113549.1.9.5",
    "smimeCapabilities": "1.2.840.113549.1.9.15",
    "unknownAttr": "1.3.6.1.4.1.99999.1",
    "sha1": "1.3.14.3.2.26",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
    "rsaEncryption": "1.2.840.113549.1.1.1",
    "sha1WithRSA": "1.2.840.113549.1.1.5",
    "sha256WithRSA": "1.2.840.113549.1.1.11",
    "sha384WithRSA": "1.2.840.113549.1.1.12",
    "sha512WithRSA": "1.2.840.113549.1.1.13",
    "ecPublicKey": "1.2.840.10045.2.1",
    "ecdsaSha1": "1.2.840.10045.4.1",
    "ecdsaSha256": "1.2.840.10045.4.3.2",
    "ecdsaSha384": "1.2.840.10045.4.3.3",
    "ecdsaSha512": "1.2.840.10045.4.3.4",
}
HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}
MICALG = {"sha1": "sha-1", "sha256": "sha-256", "sha384": "sha-384", "sha512": "sha-512"}


def algid(name, null=True):
    kids = [P(oid(OIDS[name]))]
    if null:
        kids.append(P(b"\x05\x00"))
    return N(0x30, kids)


def utctime(dt):
    return tlv(0x17, dt.strftime("%y%m%d%H%M%SZ").encode())


def gentime(dt):
    return tlv(0x18, dt.strftime("%Y%m%d%H%M%SZ").encode())


# ---------------------------------------------------------------- PKI ------


class PKI:
    def __init__(self, folder):
        self.folder = folder
        nb = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
        na = datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc)

        def name(cn):
            return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "difftest"),
                              x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        def make(subject, key, issuer, ikey, ca, leaf_email=None):
            b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
                 .public_key(key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(nb).not_valid_after(na)
                 .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False))
            if ikey is not key:
                b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ikey.public_key()), False)
            if ca:
                b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None if ikey is key else 0), True)
                b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
            else:
                b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
                rsa_key = isinstance(key, rsa.RSAPrivateKey)
                b = b.add_extension(x509.KeyUsage(True, True, rsa_key, False, False, False, False, False, False), True)
                b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
                b = b.add_extension(x509.SubjectAlternativeName([x509.RFC822Name(leaf_email)]), False)
            return b.sign(ikey, hashes.SHA256())

        self.root_key = rsa.generate_private_key(65537, 2048)
        self.root = make(name("difftest root"), self.root_key, name("difftest root"), self.root_key, True)
        self.int_key = rsa.generate_private_key(65537, 2048)
        self.inter = make(name("difftest intermediate"), self.int_key, self.root.subject, self.root_key, True)
        self.leaves = {}
        for kind, key in (("rsa", rsa.generate_private_key(65537, 2048)),
                          ("ec", ec.generate_private_key(ec.SECP256R1()))):
            cert = make(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Alice " + kind),
                                   x509.NameAttribute(NameOID.EMAIL_ADDRESS, SENDER)]),
                        key, self.inter.subject, self.int_key, False, SENDER)
            self.leaves[kind] = (cert, key)
        self.root_pem = os.path.join(folder, "root.pem")
        with open(self.root_pem, "wb") as f:
            f.write(self.root.public_bytes(serialization.Encoding.PEM))

    def der(self, cert):
        return cert.public_bytes(serialization.Encoding.DER)


# ---------------------------------------------------------- mutations ------

MUTS = {}


class Mut:
    def __init__(self, name, stage, gen, modes, weight, fn):
        self.name, self.stage, self.gen, self.modes, self.weight, self.fn = name, stage, gen, modes, weight, fn


def mut(stage, gen=lambda r: {}, modes=("detached", "opaque"), weight=1.0):
    def deco(f):
        name = f.__name__[2:]
        MUTS[name] = Mut(name, stage, gen, modes, weight, f)
        return f
    return deco


DET = ("detached",)
TOP_FIELDS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"]

# ----- spec stage: choices made before anything is built (ctx fields)


@mut("spec", lambda r: {"alg": r.choice(["sha1", "sha384", "sha512"])}, weight=1.5)
def m_digest(ctx, p):
    ctx.digest = p["alg"]


@mut("spec", lambda r: {"cte": r.choice(["quoted-printable", "base64", "8bit", "mixed"])}, DET, 1.5)
def m_signed_part_cte(ctx, p):
    ctx.inner = p["cte"]


@mut("spec", lambda r: {"which": r.choice(["contentType", "messageDigest", "signingTime"])}, weight=1.5)
def m_attr_drop(ctx, p):
    if ctx.attrs is None:
        return
    ctx.attrs = [a for a in ctx.attrs if a[0] != p["which"]]


@mut("spec", lambda r: {"which": r.choice(["contentType", "messageDigest", "signingTime"]),
                        "same": r.random() < 0.5}, weight=1.5)
def m_attr_dup(ctx, p):
    if ctx.attrs is None:
        return
    for a in list(ctx.attrs):
        if a[0] == p["which"]:
            vals = list(a[1]) if p["same"] else ["ALT:" + v for v in a[1]]
            ctx.attrs.append((a[0], vals))
            return


@mut("spec", lambda r: {"which": r.choice(["contentType", "messageDigest", "signingTime"])})
def m_attr_two_values(ctx, p):
    if ctx.attrs is None:
        return
    ctx.attrs = [(a[0], a[1] + ["ALT:" + a[1][0]]) if a[0] == p["which"] and a[1] else a for a in ctx.attrs]


@mut("spec", lambda r: {"which": r.choice(["contentType", "messageDigest", "signingTime"])})
def m_attr_empty_values(ctx, p):
    if ctx.attrs is None:
        return
    ctx.attrs = [(a[0], []) if a[0] == p["which"] else a for a in ctx.attrs]


@mut("spec", weight=1.5)
def m_attrs_unsorted(ctx, p):
    ctx.sort_attrs = False


@mut("spec", lambda r: {"form": r.choice(["gen-recent", "utc-1999", "gen-1999", "gen-2051", "utc-2049",
                                          "bad-month", "bad-chars", "integer", "utc-no-z", "gen-fraction"])})
def m_signing_time_form(ctx, p):
    ctx.signing_time_form = p["form"]


@mut("spec")
def m_signing_time_unsigned(ctx, p):
    if ctx.attrs is None:
        return
    ctx.attrs = [a for a in ctx.attrs if a[0] != "signingTime"]
    ctx.unsigned_signing_time = True


@mut("spec", lambda r: {"which": r.choice(["unknownAttr", "smimeCapabilities"])})
def m_attr_extra(ctx, p):
    if ctx.attrs is None:
        return
    ctx.attrs.append((p["which"], ["EXTRA"]))


@mut("spec", weight=0.7)
def m_no_signed_attrs(ctx, p):
    ctx.attrs = None


@mut("spec", lambda r: {"form": r.choice(["empty", "other", "extra", "dup", "noparams"])}, weight=1.5)
def m_digest_algs_set(ctx, p):
    ctx.digest_algs = p["form"]


@mut("spec", lambda r: {"label": r.choice(["sha1", "sha256", "sha384", "sha512"])})
def m_digest_label(ctx, p):
    ctx.digest_label = p["label"]  # the signer's digestAlgorithm says this, hashing uses ctx.digest


@mut("spec", lambda r: {"form": r.choice(["swap-generic", "with-other", "other-family"]),
                        "other": r.choice(["sha1", "sha256", "sha384", "sha512"])}, weight=1.5)
def m_sig_alg(ctx, p):
    ctx.sig_alg_form = (p["form"], p["other"])


@mut("spec", lambda r: {"key": "ec"}, weight=1.5)
def m_key_ec(ctx, p):
    ctx.key = p["key"]


@mut("spec", lambda r: {"form": r.choice(["no-intermediate", "no-leaf", "dup-leaf", "reversed", "with-root",
                                          "none"])})
def m_certs(ctx, p):
    ctx.certs_form = p["form"]


@mut("spec")
def m_sid_ski(ctx, p):
    ctx.sid_ski = True


@mut("spec", lambda r: {"form": r.choice(["tstinfo-both", "tstinfo-econtent", "tstinfo-attr"])})
def m_econtent_type(ctx, p):
    ctx.econtent_type = p["form"]


@mut("spec", lambda r: {"sd": r.choice([1, 3, 4, 5, 0]), "si": r.choice([1, 3, 0, 2])}, weight=0.7)
def m_versions(ctx, p):
    ctx.versions = (p["sd"], p["si"])


@mut("spec", lambda r: {"name": r.choice(["Content-Type", "Content-Transfer-Encoding"]),
                        "form": r.choice(["space-colon", "no-colon-line", "dup", "lower", "fold"])}, DET)
def m_inner_header(ctx, p):
    ctx.inner_header = (p["name"], p["form"])


@mut("spec", lambda r: {"form": r.choice(["good", "first", "bad-sig", "no-cert", "first-bad"])})
def m_second_signer(ctx, p):
    ctx.second_signer = p["form"]


@mut("spec", lambda r: {"which": r.choice(["contentType", "messageDigest", "signingTime"]),
                        "form": r.choice(["octets", "integer", "null", "short-digest"])})
def m_attr_value_type(ctx, p):
    ctx.attr_value_type = (p["which"], p["form"])


@mut("spec", weight=0.7)
def m_content_from_lines(ctx, p):
    ctx.from_lines = True


# ----- tree stage: the CMS tree after signing

TREE_NODES = ["contentinfo", "explicit0", "signeddata", "digestalgs", "encap", "certs", "signerinfos",
              "signerinfo", "signedattrs", "sid"]


@mut("tree", lambda r: {"node": r.choice(TREE_NODES)}, weight=2)
def m_indefinite(ctx, root, p):
    n = root.find(p["node"])
    if n is not None and n.kids is not None:
        n.indef = True


@mut("tree", lambda r: {"node": r.choice(TREE_NODES + ["sigvalue", "econtent"]), "extra": r.choice([1, 2, 3])})
def m_nonminimal_len(ctx, root, p):
    n = root.find(p["node"])
    if n is not None and n.raw is None:
        n.extra_len = p["extra"]


@mut("tree", lambda r: {"where": r.choice(["contentinfo", "signeddata", "encap", "signerinfo", "after"]),
                        "junk": r.choice(["null", "octets", "int"])}, weight=2)
def m_trailing_junk(ctx, root, p):
    j = {"null": b"\x05\x00", "octets": b"\x04\x03abc", "int": b"\x02\x01\x07"}[p["junk"]]
    if p["where"] == "after":
        ctx.after_junk = j
        return
    n = root.find(p["where"])
    if n is not None:
        n.kids.append(P(j))


@mut("tree", lambda r: {"form": r.choice(["non-cert", "garbage-octets", "truncated-cert"])})
def m_cert_junk(ctx, root, p):
    n = root.find("certs")
    if n is None:
        return
    leaf = n.kids[0].raw
    junk = {"non-cert": b"\x30\x03\x02\x01\x01", "garbage-octets": b"\x04\x02\xde\xad",
            "truncated-cert": b"\x30" + enc_len(40) + leaf[4:44]}[p["form"]]
    n.kids.append(P(junk))


@mut("tree", lambda r: {"form": r.choice(["null", "octets", "empty"])})
def m_crls_garbage(ctx, root, p):
    sd = root.find("signeddata")
    crl = N(0xA1, [P(b"\x05\x00")] if p["form"] == "null" else
            [P(b"\x04\x02\xde\xad")] if p["form"] == "octets" else [], name="crls")
    idx = sd.kids.index(root.find("signerinfos"))
    sd.kids.insert(idx, crl)


@mut("tree")
def m_cert_nonminimal(ctx, root, p):
    n = root.find("certs")
    if n is None or not n.kids:
        return
    leaf = n.kids[0].raw
    _, h, l = read_tlv(leaf, 0)
    n.kids[0] = P(b"\x30" + enc_len(l, 3) + leaf[h:])


@mut("tree", lambda r: {"pos": r.random(), "bit": r.randrange(8)}, weight=1.5)
def m_sig_flip(ctx, root, p):
    n = root.find("sigvalue")
    v = bytearray(n.val)
    i = int(p["pos"] * len(v))
    v[i] ^= 1 << p["bit"]
    n.val = bytes(v)


@mut("tree", lambda r: {"chunk": r.choice([1, 7, 64, 1000])}, ("opaque",))
def m_econtent_chunked(ctx, root, p):
    n = root.find("econtent")
    if n is None or n.val is None:
        return
    data, c = n.val, p["chunk"]
    n.kids = [N(0x04, val=data[i:i + c]) for i in range(0, len(data), c)] or [N(0x04, val=b"")]
    n.tag, n.val, n.indef = 0x24, None, True


# ----- der stage: bytes of the CMS


@mut("der", lambda r: {"pos": r.random(), "bit": r.randrange(8)}, weight=0.7)
def m_der_flip(ctx, der, p):
    v = bytearray(der)
    v[int(p["pos"] * len(v))] ^= 1 << p["bit"]
    return bytes(v)


# ----- mime stage: the message object


@mut("mime", lambda r: {"field": r.choice(TOP_FIELDS), "before": r.random() < 0.5, "same": r.random() < 0.3},
     weight=2)
def m_header_dup(ctx, msg, p):
    for i, h in enumerate(msg.headers):
        if h[0].lower() == p["field"].lower():
            v = h[2]
            if not p["same"]:
                v = {"content-type": "text/plain; charset=us-ascii", "from": "Mallory <mallory@evil.example>",
                     "mime-version": "1.0"}.get(h[0].lower(), "other " + (v or "value"))
            nh = [h[0], h[1], v]
            msg.headers.insert(i if p["before"] else i + 1, nh)
            return


@mut("mime", lambda r: {"field": r.choice(TOP_FIELDS), "sep": r.choice([" : ", "\t: ", " :", ":", ":\t"])},
     weight=2)
def m_header_spacing(ctx, msg, p):
    for h in msg.headers:
        if h[0].lower() == p["field"].lower():
            h[1] = p["sep"]
            return


def _junk_line_params(r):
    form = r.choice(["no-colon", "8bit-name", "empty-name", "space-in-name", "leading-space-first"])
    at = "first" if form == "leading-space-first" else r.choice(["first", "middle", "middle", "last"])
    return {"pos": r.random(), "form": form, "at": at}


@mut("mime", _junk_line_params, weight=2)
def m_header_junk_line(ctx, msg, p):
    line = {"no-colon": ["X-Junk line without colon", None, None],
            "8bit-name": ["X-B\xe4d", ": value", ""],
            "empty-name": ["", ": value", ""],
            "space-in-name": ["X Junk", ": value", ""],
            "leading-space-first": [" X-Cont", ": value", ""]}[p["form"]]
    n = len(msg.headers)
    i = {"first": 0, "last": n, "middle": 1 + int(p["pos"] * (n - 1))}[p["at"]]
    msg.headers.insert(i, list(line))


@mut("mime", lambda r: {"field": r.choice(TOP_FIELDS), "case": r.choice(["lower", "upper"])})
def m_header_case(ctx, msg, p):
    for h in msg.headers:
        if h[0].lower() == p["field"].lower():
            h[0] = h[0].lower() if p["case"] == "lower" else h[0].upper()


@mut("mime", lambda r: {"form": r.choice(["before-boundary", "every-param", "after-colon"])}, weight=1.5)
def m_ct_fold(ctx, msg, p):
    msg.ct["fold"] = p["form"]


@mut("mime", lambda r: {"type": r.choice(["multipart/x-signed", "Multipart/Signed", "multipart/mixed",
                                          "multipart/alternative"])}, DET)
def m_ct_type(ctx, msg, p):
    msg.ct["type"] = p["type"]


@mut("mime", lambda r: {"form": r.choice(["x-pkcs7", "missing", "pkcs7-mime", "unquoted-x", "upper"])}, DET)
def m_protocol_param(ctx, msg, p):
    prm = msg.ct["params"]
    for i, (k, v, q) in enumerate(prm):
        if k == "protocol":
            if p["form"] == "missing":
                del prm[i]
            else:
                prm[i] = [k, {"x-pkcs7": "application/x-pkcs7-signature", "pkcs7-mime": "application/pkcs7-mime",
                              "unquoted-x": "application/x-pkcs7-signature",
                              "upper": "APPLICATION/PKCS7-SIGNATURE"}[p["form"]], p["form"] != "unquoted-x"]
            return


@mut("mime", lambda r: {"form": r.choice(["missing", "wrong", "upper", "unknown", "list"])}, DET)
def m_micalg_param(ctx, msg, p):
    prm = msg.ct["params"]
    for i, (k, v, q) in enumerate(prm):
        if k == "micalg":
            if p["form"] == "missing":
                del prm[i]
            else:
                prm[i] = [k, {"wrong": "sha-1" if v != "sha-1" else "sha-512", "upper": v.upper(),
                              "unknown": "foo-9", "list": v + ",sha-1"}[p["form"]], p["form"] == "list"]
            return


BOUNDARY_FORMS = ["unquoted", "len70", "len71", "trailing-space", "at-sign", "empty", "dup-param-first",
                  "dup-param-second", "spaces-around-eq", "upper-name", "rfc2231", "inner-space", "all-bchars",
                  "mismatch"]


@mut("mime", lambda r: {"form": r.choice(BOUNDARY_FORMS)}, DET, 2)
def m_boundary(ctx, msg, p):
    f = p["form"]
    prm = msg.ct["params"]
    bi = [i for i, x in enumerate(prm) if x[0] == "boundary"]
    if not bi:
        return
    bi = bi[0]
    new = None
    if f == "unquoted":
        new = "simple-boundary.42"
        prm[bi] = ["boundary", new, False]
    elif f in ("len70", "len71"):
        new = ("b" * 70) if f == "len70" else ("c" * 71)
    elif f == "trailing-space":
        new = "trail-space "
    elif f == "at-sign":
        new = "bad@boundary"
    elif f == "inner-space":
        new = "inner space ok"
    elif f == "all-bchars":
        new = "'()+_,-./:=?09azAZ"
    elif f == "empty":
        prm[bi] = ["boundary", "", True]
        return
    elif f == "mismatch":
        prm[bi] = ["boundary", msg.boundary + "x", True]
        return
    elif f in ("dup-param-first", "dup-param-second"):
        other = ["boundary", "other-boundary", True]
        prm.insert(bi + (f == "dup-param-second"), other)
        return
    elif f == "spaces-around-eq":
        prm[bi] = ["boundary ", " " + '"' + msg.boundary + '"', False]
        return
    elif f == "upper-name":
        prm[bi] = ["BOUNDARY", msg.boundary, True]
        return
    elif f == "rfc2231":
        prm[bi] = ["boundary*", "us-ascii''" + msg.boundary.replace("=", "%3D"), False]
        return
    if new is not None:
        msg.boundary = new
        prm[bi] = ["boundary", new, prm[bi][2] if f == "unquoted" else True]
        if f == "unquoted":
            prm[bi][2] = False


@mut("mime", lambda r: {"form": r.choice(["add", "remove", "boundary-like"])}, DET)
def m_preamble(ctx, msg, p):
    msg.preamble = {"add": b"preamble text\r\nmore\r\n", "remove": None,
                    "boundary-like": ("--" + msg.boundary + "x\r\n").encode()}[p["form"]]


@mut("mime", lambda r: {"form": r.choice(["text", "fake-part"])}, DET)
def m_epilogue(ctx, msg, p):
    msg.epilogue = (b"epilogue\r\n" if p["form"] == "text" else
                    ("--" + msg.boundary + "\r\nContent-Type: text/plain\r\n\r\nafter the end\r\n").encode())


@mut("mime", lambda r: {"pad": r.choice([" ", "\t", "  \t", " junk"])}, DET)
def m_transport_padding(ctx, msg, p):
    msg.pad = p["pad"].encode()


@mut("mime", modes=DET)
def m_no_close_delimiter(ctx, msg, p):
    msg.close = False


@mut("mime", lambda r: {"where": r.choice(["end", "middle", "start"]),
                        "what": r.choice(["text", "sig-copy", "signed-copy"])}, DET, 2)
def m_extra_part(ctx, msg, p):
    if p["what"] == "text":
        part = {"headers": [["Content-Type", ": ", "text/plain"]], "body": b"extra part\r\n", "role": "extra"}
    elif p["what"] == "sig-copy":
        part = copy.deepcopy(msg.parts[1])
        part["role"] = "extra"
    else:
        part = copy.deepcopy(msg.parts[0])
        part["role"] = "extra"
    i = {"end": len(msg.parts), "middle": 1, "start": 0}[p["where"]]
    msg.parts.insert(i, part)


@mut("mime", modes=DET)
def m_parts_swapped(ctx, msg, p):
    msg.parts.reverse()


@mut("mime", lambda r: {"form": r.choice(["lines64", "oneline", "no-cte", "7bit-label", "qp-label", "binary",
                                          "upper-cte", "spaces", "no-padding", "junk-char", "qp-encoded",
                                          "crlf-in-middle"])}, weight=2)
def m_sig_cte(ctx, msg, p):
    ctx.sig_cte = p["form"]


@mut("mime", lambda r: {"form": r.choice(["x-pkcs7", "octet-stream", "smime-type-wrong", "no-ct", "pkcs7-mime"])},
     weight=1)
def m_sig_ct(ctx, msg, p):
    ctx.sig_ct = p["form"]


@mut("mime", lambda r: {"pos": r.random(), "form": r.choice(["flip", "append-space", "append-line",
                                                              "cte-header-changed", "lf-only", "delete-char"])},
     DET, 2)
def m_content_tamper(ctx, msg, p):
    for part in msg.parts:
        if part.get("role") == "signed":
            raw = part["raw"]
            hdr_end = raw.find(b"\r\n\r\n") + 4
            f = p["form"]
            if f == "flip":
                i = hdr_end + int(p["pos"] * (len(raw) - hdr_end - 1))
                raw = raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1:]
            elif f == "append-space":
                raw = raw + b" "
            elif f == "append-line":
                raw = raw + b"\r\nadded line"
            elif f == "cte-header-changed":
                raw = raw.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit", 1) \
                    if b"7bit" in raw[:hdr_end] else raw.replace(b"Content-Type: ", b"Content-Type:  ", 1)
            elif f == "lf-only":
                raw = raw.replace(b"\r\n", b"\n")
            elif f == "delete-char":
                i = hdr_end + int(p["pos"] * (len(raw) - hdr_end - 1))
                raw = raw[:i] + raw[i + 1:]
            part["raw"] = raw
            return


@mut("mime", lambda r: {"field": r.choice(["Subject", "From", "To", "Date"])}, weight=0.5)
def m_outer_header_change(ctx, msg, p):
    # outer headers are not signed: a change must not matter to either side
    for h in msg.headers:
        if h[0] == p["field"]:
            h[2] = (h[2] or "") + " (changed)"


# ----- bytes stage: the whole rendered message


@mut("bytes", weight=1.5)
def m_lf_endings(ctx, data, p):
    return data.replace(b"\r\n", b"\n")


@mut("bytes", lambda r: {"form": r.choice(["rfc822-body", "mixed-footer", "rfc822-attached"])})
def m_wrap(ctx, data, p):
    outer = (b"From: Bob <bob@example.org>\r\nTo: list@example.org\r\nSubject: wrapped\r\n"
             b"Date: Mon, 01 Jun 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n")
    if p["form"] == "rfc822-body":
        return outer + b"Content-Type: message/rfc822\r\n\r\n" + data
    b = b"wrap-boundary-77"
    first, second = (data, b"footer text\r\n") if p["form"] == "mixed-footer" else (b"see attached\r\n", data)
    h1 = b"" if p["form"] == "mixed-footer" else b"Content-Type: text/plain\r\n\r\n"
    h2 = b"Content-Type: text/plain\r\n\r\n" if p["form"] == "mixed-footer" else b"Content-Type: message/rfc822\r\n\r\n"
    if p["form"] == "mixed-footer":
        # the signed message's own headers become the part's headers
        return (outer + b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n--" + b + b"\r\n" +
                _part_of(first) + b"\r\n--" + b + b"\r\n" + h2 + second + b"\r\n--" + b + b"--\r\n")
    return (outer + b"Content-Type: multipart/mixed; boundary=\"" + b + b"\"\r\n\r\n--" + b + b"\r\n" + h1 + first +
            b"\r\n--" + b + b"\r\n" + h2 + second + b"\r\n--" + b + b"--\r\n")


def _part_of(msg):
    """A signed message as a body part: only its Content-* headers kept."""
    head, _, body = msg.partition(b"\r\n\r\n")
    keep, cur = [], None
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and cur is not None:
            cur.append(line)
            continue
        cur = [line] if line.lower().startswith(b"content-") else None
        if cur is not None:
            keep.append(cur)
    return b"\r\n".join(b"\r\n".join(c) for c in keep) + b"\r\n\r\n" + body


@mut("bytes", lambda r: {"pos": r.random()}, weight=0.5)
def m_byte_flip_anywhere(ctx, data, p):
    i = int(p["pos"] * (len(data) - 1))
    return data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1:]


# ------------------------------------------------------------- build -------

INNER_TEXT = ["Hello Bob,", "", "the quarterly figures are attached.", "-- ", "Alice",
              "line with trailing space ", "--not-a-boundary", "tab\there"]


def read_tlv(b, i):
    tag = b[i]
    l = b[i + 1]
    if l < 0x80:
        return tag, 2, l
    n = l & 0x7F
    return tag, 2 + n, int.from_bytes(b[i + 2:i + 2 + n], "big")


class Ctx:
    def __init__(self, mode, seed):
        self.mode = mode
        self.seed = seed
        self.digest = "sha256"
        self.digest_label = None
        self.key = "rsa"
        self.inner = "7bit"
        self.attrs = [("contentType", ["CT"]), ("signingTime", ["ST"]), ("messageDigest", ["MD"])]
        self.sort_attrs = True
        self.signing_time_form = "utc"
        self.unsigned_signing_time = False
        self.digest_algs = "normal"
        self.sig_alg_form = ("default", None)
        self.certs_form = "normal"
        self.sid_ski = False
        self.econtent_type = None
        self.versions = None
        self.inner_header = None
        self.from_lines = False
        self.after_junk = b""
        self.sig_cte = "base64"
        self.sig_ct = "pkcs7"
        self.second_signer = None
        self.attr_value_type = None


class Msg:
    pass


def inner_part(ctx):
    lines = list(INNER_TEXT)
    if ctx.from_lines:
        lines += ["From the desk of Alice", ">From quoted"]
    text = ("\r\n".join(lines) + "\r\n").encode()
    hdrs = [["Content-Type", ": ", "text/plain; charset=utf-8"], ["Content-Transfer-Encoding", ": ", "7bit"]]
    if ctx.inner == "quoted-printable":
        hdrs[1][2] = "quoted-printable"
        text = b"caf=C3=A9 and a soft=\r\nbreak, =3D sign\r\n" + text
    elif ctx.inner == "base64":
        hdrs = [["Content-Type", ": ", "application/octet-stream; name=\"data.bin\""],
                ["Content-Transfer-Encoding", ": ", "base64"]]
        text = b64lines(bytes(range(256)) * 3, 76)
    elif ctx.inner == "8bit":
        hdrs[1][2] = "8bit"
        text = "caf\u00e9 8-bit line\r\n".encode() + text
    elif ctx.inner == "mixed":
        hdrs = [["Content-Type", ": ", "multipart/mixed; boundary=\"inner-b\""]]
        text = (b"--inner-b\r\nContent-Type: text/plain\r\n\r\n" + text + b"\r\n--inner-b\r\n"
                b"Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                b64lines(b"%PDF-1.4 fake" * 20, 76) + b"\r\n--inner-b--\r\n")
    if ctx.inner_header:
        name, form = ctx.inner_header
        for i, h in enumerate(hdrs):
            if h[0] == name:
                if form == "space-colon":
                    h[1] = " : "
                elif form == "dup":
                    hdrs.insert(i + 1, [h[0], ": ", "text/html" if name == "Content-Type" else "base64"])
                elif form == "lower":
                    h[0] = h[0].lower()
                elif form == "fold":
                    h[2] = h[2].replace("; ", ";\r\n\t", 1) if "; " in h[2] else "\r\n " + h[2]
                elif form == "no-colon-line":
                    hdrs.insert(i, ["X-Junk no colon", None, None])
                break
    return render_headers(hdrs) + b"\r\n" + text


def b64lines(data, n):
    s = base64.b64encode(data)
    if n <= 0:
        return s + b"\r\n"
    return b"".join(s[i:i + n] + b"\r\n" for i in range(0, len(s), n))


def render_headers(hdrs):
    out = b""
    for name, sep, value in hdrs:
        if sep is None:
            line = name
        else:
            line = name + sep + value
        out += line.encode("latin-1") + b"\r\n"
    return out


def signing_time_value(ctx):
    dt = datetime.datetime(2026, 5, 30, 12, 0, 0)
    f = ctx.signing_time_form
    return {
        "utc": utctime(dt),
        "gen-recent": gentime(dt),
        "utc-1999": tlv(0x17, b"990101120000Z"),
        "gen-1999": tlv(0x18, b"19990101120000Z"),
        "gen-2051": tlv(0x18, b"20510101120000Z"),
        "utc-2049": tlv(0x17, b"490101120000Z"),
        "bad-month": tlv(0x17, b"261301120000Z"),
        "bad-chars": tlv(0x17, b"26O530I20000Z"),
        "integer": integer(20260530),
        "utc-no-z": tlv(0x17, b"260530120000"),
        "gen-fraction": tlv(0x18, b"20260530120000.5Z"),
    }[f]


def build_cms(ctx, pki, content):
    cert, key = pki.leaves[ctx.key]
    hname = ctx.digest
    label = ctx.digest_label or hname
    h = HASHES[hname]()
    ect = OIDS["tstinfo"] if ctx.econtent_type in ("tstinfo-both", "tstinfo-econtent") else OIDS["data"]
    attr_ct = OIDS["tstinfo"] if ctx.econtent_type in ("tstinfo-both", "tstinfo-attr") else OIDS["data"]
    md = hashlib.new(hname, content).digest()

    def value(kind, v):
        alt = v.startswith("ALT:")
        v = v[4:] if alt else v
        if v == "CT":
            return oid(OIDS["tstinfo"] if alt else attr_ct)
        if v == "MD":
            return tlv(0x04, hashlib.sha512(content).digest()[:len(md)] if alt else md)
        if v == "ST":
            return utctime(datetime.datetime(2026, 1, 2, 3, 4, 5)) if alt else signing_time_value(ctx)
        if kind == "smimeCapabilities":
            return tlv(0x30, tlv(0x30, oid("2.16.840.1.101.3.4.1.42")))
        return tlv(0x0C, b"difftest")

    def retype(kind, enc):
        if not ctx.attr_value_type or ctx.attr_value_type[0] != kind:
            return enc
        f = ctx.attr_value_type[1]
        _, h, _ = read_tlv(enc, 0)
        body = enc[h:]
        if f == "octets":
            return tlv(0x04, body)
        if f == "integer":
            return tlv(0x02, b"\x01" + body[:8])
        if f == "null":
            return b"\x05\x00"
        return enc[:1] + bytes([max(0, enc[1] - 1)]) + enc[2:-1] if enc[1] < 0x80 else enc  # short-digest

    sattrs_node = None
    encs = []
    if ctx.attrs is not None:
        encs = [tlv(0x30, oid(OIDS[k]) + tlv(0x31, b"".join(retype(k, value(k, v)) for v in vals)))
                for k, vals in ctx.attrs]
        if ctx.sort_attrs:
            encs.sort()
        elif len(encs) > 1 and encs == sorted(encs):
            encs.reverse()
        tbs = tlv(0x31, b"".join(encs))
        sattrs_node = N(0xA0, [P(e) for e in encs], name="signedattrs")
    else:
        tbs = content
    if ctx.key == "rsa":
        sig = key.sign(tbs, padding.PKCS1v15(), h)
    else:
        sig = key.sign(tbs, ec.ECDSA(h, deterministic_signing=True))  # RFC 6979: rebuilds are equal

    form, other = ctx.sig_alg_form
    fam = "rsa" if ctx.key == "rsa" else "ec"

    def sigalg(fam, a):
        return algid(a + "WithRSA") if fam == "rsa" else N(0x30, [P(oid(OIDS["ecdsa" + a.capitalize()]))])

    if form == "default":  # as OpenSSL writes them
        sig_alg = algid("rsaEncryption") if fam == "rsa" else sigalg("ec", hname)
    elif form == "swap-generic":  # the other usual spelling
        sig_alg = sigalg("rsa", hname) if fam == "rsa" else N(0x30, [P(oid(OIDS["ecPublicKey"]))])
    elif form == "with-other":
        sig_alg = sigalg(fam, other)
    else:  # other-family: an ECDSA OID on an RSA key and the reverse
        sig_alg = sigalg("ec" if fam == "rsa" else "rsa", hname)

    if ctx.sid_ski:
        ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        sid = N(0x80, val=ski, name="sid")
        si_ver = 3
    else:
        sid = N(0x30, [P(cert.issuer.public_bytes()), P(integer(cert.serial_number))], name="sid")
        si_ver = 1
    sd_ver = 3 if (ctx.sid_ski or ect != OIDS["data"]) else 1
    if ctx.versions:
        sd_ver, si_ver = ctx.versions
    si_kids = [P(integer(si_ver)), sid, algid(label)]
    if sattrs_node is not None:
        si_kids.append(sattrs_node)
    si_kids += [sig_alg, N(0x04, val=sig, name="sigvalue")]
    if ctx.unsigned_signing_time:
        si_kids.append(N(0xA1, [P(tlv(0x30, oid(OIDS["signingTime"]) + tlv(0x31, signing_time_value(ctx))))]))
    signer = N(0x30, si_kids, name="signerinfo")

    da = {"normal": [algid(label)], "empty": [], "other": [algid("sha512" if label != "sha512" else "sha1")],
          "extra": [algid(label), algid("sha1" if label != "sha1" else "sha384")],
          "dup": [algid(label), algid(label)], "noparams": [algid(label, False)]}[ctx.digest_algs]
    encap_kids = [P(oid(ect))]
    if ctx.mode == "opaque":
        encap_kids.append(N(0xA0, [N(0x04, val=content, name="econtent")], name="econtent0"))
    leaf, inter, root = pki.der(cert), pki.der(pki.inter), pki.der(pki.root)
    certs = {"normal": [leaf, inter], "no-intermediate": [leaf], "no-leaf": [inter], "dup-leaf": [leaf, leaf, inter],
             "reversed": [inter, leaf], "with-root": [leaf, inter, root], "none": None}[ctx.certs_form]
    sd_kids = [P(integer(sd_ver)), N(0x31, da, name="digestalgs"), N(0x30, encap_kids, name="encap")]
    signers = [signer]
    if ctx.second_signer:
        # a second signer with the other leaf, over the same signed attributes (or content)
        f = ctx.second_signer
        ocert, okey = pki.leaves["ec" if ctx.key == "rsa" else "rsa"]
        if isinstance(okey, rsa.RSAPrivateKey):
            osig = okey.sign(tbs, padding.PKCS1v15(), HASHES[hname]())
            oalg = algid("rsaEncryption")
        else:
            osig = okey.sign(tbs, ec.ECDSA(HASHES[hname](), deterministic_signing=True))
            oalg = N(0x30, [P(oid(OIDS["ecdsa" + hname.capitalize()]))])
        if f == "bad-sig":
            osig = osig[:-3] + bytes([osig[-3] ^ 1]) + osig[-2:]
        okids = [P(integer(1)), N(0x30, [P(ocert.issuer.public_bytes()), P(integer(ocert.serial_number))]),
                 algid(hname)]
        if sattrs_node is not None:
            okids.append(N(0xA0, [P(e) for e in encs]))
        okids += [oalg, N(0x04, val=osig)]
        second = N(0x30, okids, name="signerinfo2")
        signers = [second, signer] if f == "first" else [signer, second]
        if f == "first-bad":
            signer.find("sigvalue").val = sig[:-3] + bytes([sig[-3] ^ 1]) + sig[-2:]
        if certs is not None and f != "no-cert":
            certs = certs + [pki.der(ocert)]
    if certs is not None:
        sd_kids.append(N(0xA0, [P(c) for c in certs], name="certs"))
    sd_kids.append(N(0x31, signers, name="signerinfos"))
    sd = N(0x30, sd_kids, name="signeddata")
    return N(0x30, [P(oid(OIDS["signedData"])), N(0xA0, [sd], name="explicit0")], name="contentinfo")


def sig_part(ctx, der):
    f = ctx.sig_cte
    ct = {"pkcs7": "application/pkcs7-signature; name=\"smime.p7s\"",
          "x-pkcs7": "application/x-pkcs7-signature; name=\"smime.p7s\"",
          "octet-stream": "application/octet-stream; name=\"smime.p7s\"",
          "smime-type-wrong": "application/pkcs7-signature; smime-type=enveloped-data; name=\"smime.p7s\"",
          "pkcs7-mime": "application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7s\"",
          "no-ct": None}[ctx.sig_ct]
    if ctx.mode == "opaque":
        ct = {"pkcs7": "application/pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"",
              "x-pkcs7": "application/x-pkcs7-mime; smime-type=signed-data; name=\"smime.p7m\"",
              "octet-stream": "application/octet-stream; name=\"smime.p7m\"",
              "smime-type-wrong": "application/pkcs7-mime; smime-type=enveloped-data; name=\"smime.p7m\"",
              "pkcs7-mime": "application/pkcs7-mime; name=\"smime.p7m\"",
              "no-ct": None}[ctx.sig_ct]
    hdrs = []
    if ct:
        hdrs.append(["Content-Type", ": ", ct])
    cte = "base64"
    body = b64lines(der, 76)
    if f == "lines64":
        body = b64lines(der, 64)
    elif f == "oneline":
        body = b64lines(der, 0)
    elif f == "no-cte":
        cte = None
    elif f == "7bit-label":
        cte = "7bit"
    elif f == "qp-label":
        cte = "quoted-printable"
    elif f == "qp-encoded":
        cte = "quoted-printable"
        body = body.replace(b"=", b"=3D")
    elif f == "binary":
        cte, body = "binary", der
    elif f == "upper-cte":
        cte = "BASE64"
    elif f == "spaces":
        body = body.replace(b"\r\n", b" \r\n")
    elif f == "no-padding":
        body = body.rstrip(b"\r\n").rstrip(b"=") + b"\r\n"
    elif f == "junk-char":
        body = body[:10] + b"!" + body[10:]
    elif f == "crlf-in-middle":
        body = body[:40] + b"\r\n\r\n" + body[40:]
    if cte:
        hdrs.append(["Content-Transfer-Encoding", ": ", cte])
    hdrs.append(["Content-Disposition", ": ", "attachment; filename=\"smime.p7s\""])
    return {"headers": hdrs, "body": body, "role": "sig"}


def render_ct(ct):
    fold = ct.get("fold")
    out = ct["type"]
    for k, v, q in ct["params"]:
        val = '"' + v + '"' if q else v
        sep = ";\r\n\t" if fold == "every-param" or (fold == "before-boundary" and k.lower().startswith("boundary")) \
            else "; "
        out += sep + k + "=" + val
    if fold == "after-colon":
        out = "\r\n " + out
    return out


def render(ctx, msg):
    hdrs = []
    for h in msg.headers:
        if h[0].lower() == "content-type" and h[2] is None:
            hdrs.append([h[0], h[1], render_ct(msg.ct)])
        else:
            hdrs.append(h)
    out = render_headers(hdrs) + b"\r\n"
    if ctx.mode == "opaque":
        return out + msg.body
    if msg.preamble:
        out += msg.preamble
    b = msg.boundary.encode()
    for part in msg.parts:
        raw = part.get("raw")
        if raw is None:
            raw = render_headers(part["headers"]) + b"\r\n" + part["body"].rstrip(b"\r\n")
        out += b"--" + b + msg.pad + b"\r\n" + raw + b"\r\n"
    if msg.close:
        out += b"--" + b + b"--" + msg.pad + b"\r\n"
    if msg.epilogue:
        out += msg.epilogue
    return out


def build(pki, mode, muts, seed):
    ctx = Ctx(mode, seed)
    by_stage = {}
    for m in muts:
        by_stage.setdefault(MUTS[m["kind"]].stage, []).append(m)
    for m in by_stage.get("spec", []):
        MUTS[m["kind"]].fn(ctx, m["p"])
    content = inner_part(ctx)
    root = build_cms(ctx, pki, content)
    for m in by_stage.get("tree", []):
        MUTS[m["kind"]].fn(ctx, root, m["p"])
    der = root.enc() + ctx.after_junk
    for m in by_stage.get("der", []):
        der = MUTS[m["kind"]].fn(ctx, der, m["p"])
    msg = Msg()
    n = seed
    msg.headers = [["MIME-Version", ": ", "1.0"], ["From", ": ", "Alice <%s>" % SENDER],
                   ["To", ": ", "Bob <bob@example.org>"], ["Subject", ": ", "difftest %d" % n],
                   ["Date", ": ", "Sat, 30 May 2026 12:00:00 +0000"],
                   ["Message-ID", ": ", "<%d@difftest.invalid>" % n], ["Content-Type", ": ", None]]
    msg.boundary = "----=_Part_%d_difftest" % n
    micalg = MICALG[ctx.digest_label or ctx.digest]
    msg.ct = {"type": "multipart/signed", "params": [["protocol", "application/pkcs7-signature", True],
                                                     ["micalg", micalg, False],
                                                     ["boundary", msg.boundary, True]]}
    msg.preamble = b"This is an S/MIME signed message\r\n"
    msg.epilogue = None
    msg.pad = b""
    msg.close = True
    msg.parts = None
    if mode == "opaque":
        sp = sig_part(ctx, der)
        msg.headers[-1:] = [["Content-Type", ": ", "CT-OPAQUE"]]
        msg.body = sp["body"]
        msg.opaque_headers = sp["headers"]
    else:
        msg.parts = [{"raw": content, "role": "signed"}, None]
    # mime mutations that set ctx.sig_* must run before the signature part is made
    mime = by_stage.get("mime", [])
    for m in mime:
        if m["kind"] in ("sig_cte", "sig_ct"):
            MUTS[m["kind"]].fn(ctx, msg, m["p"])
    sp = sig_part(ctx, der)
    if mode == "opaque":
        # the CMS part's own headers are the message's Content-* fields
        msg.headers = [h for h in msg.headers if h[0] != "Content-Type"] + sp["headers"]
        msg.body = sp["body"]
    else:
        msg.parts[1] = sp
    for m in mime:
        if m["kind"] not in ("sig_cte", "sig_ct"):
            MUTS[m["kind"]].fn(ctx, msg, m["p"])
    data = render(ctx, msg)
    for m in by_stage.get("bytes", []):
        data = MUTS[m["kind"]].fn(ctx, data, m["p"])
    return data


def random_mutations(rng, mode, max_muts, only=None):
    names = [k for k, m in MUTS.items() if mode in m.modes and (only is None or k in only)]
    if not names:
        return []
    weights = [MUTS[k].weight for k in names]
    n = 0
    while n < max_muts and rng.random() < (0.85 if n == 0 else 0.55):
        n += 1
    out = []
    for _ in range(n):
        k = rng.choices(names, weights)[0]
        out.append({"kind": k, "p": MUTS[k].gen(rng)})
    return out


# ------------------------------------------------------------ judges -------


class Judges:
    def __init__(self, scanner, pki, work):
        self.scanner, self.pki, self.work = scanner, pki, work
        self.scanner_runs = 0
        self.openssl_runs = 0

    def scan(self, folder):
        """Runs the scanner once over a folder: {file name: row}."""
        self.scanner_runs += 1
        cmd = [self.scanner, "scan", "--trust", self.pki.root_pem, "--no-default-trust", "--at", PINNED,
               "--format", "jsonl", "-j", "1", "--progress", "never", folder]
        r = subprocess.run(cmd, capture_output=True, timeout=600)
        if r.returncode not in (0, 1):
            raise RuntimeError("scanner failed (%d): %s" % (r.returncode, r.stderr.decode(errors="replace")[-500:]))
        rows = {}
        for line in r.stdout.decode(errors="replace").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[os.path.basename(row["source"])] = row
        return rows

    def gate_fires(self, path):
        """Whether `--fail-on invalid` exits 1 on this message alone."""
        cmd = [self.scanner, "scan", "--trust", self.pki.root_pem, "--no-default-trust", "--at", PINNED,
               "--format", "jsonl", "-j", "1", "--progress", "never", "--fail-on", "invalid", "-o", os.devnull, path]
        return subprocess.run(cmd, capture_output=True, timeout=600).returncode == 1

    def openssl(self, path):
        self.openssl_runs += 1
        cmd = ["openssl", "cms", "-verify", "-in", path, "-CAfile", self.pki.root_pem, "-purpose", "smimesign",
               "-attime", str(PINNED_EPOCH), "-out", os.devnull]
        r = subprocess.run(cmd, capture_output=True, timeout=60)
        err = r.stderr.decode(errors="replace")
        return openssl_outcome(r.returncode, err)


def openssl_outcome(rc, err):
    if rc == 0:
        return "ok", ""
    reasons = []
    for line in err.splitlines():
        if ":error:" in line:
            f = line.split(":")
            if len(f) > 5:
                reasons.append(f[5].strip())
        elif line.startswith("Verify error:"):
            reasons.append(line.strip())
    text = "; ".join(dict.fromkeys(reasons)) or err.strip().splitlines()[-1:] and err.strip().splitlines()[-1] or "?"
    if "certificate verify error" in text or "Verify error" in text:
        return "chain", text
    if any(w in text for w in ("verification failure", "content verify error", "signature failure",
                               "digest failure")):
        return "sig", text
    return "parse", text


def scanner_outcome(row):
    if row is None:
        return "missing"
    kind, sig, chain = row.get("kind", ""), row.get("signature", ""), row.get("chain", "")
    if kind in ("plain", "pgp-signed", "pgp-encrypted") or not sig:
        return "unsigned"
    if row.get("part"):
        return "partial"
    if sig == "valid":
        # Another signer of the same SignedData whose chain fails: the
        # scanner says so (OTHER_SIGNER_UNTRUSTED, `--fail-on invalid`
        # fires), and OpenSSL, which checks every signer's chain, fails.
        if "OTHER_SIGNER_UNTRUSTED" in row.get("findings", ""):
            return "chain"
        return "ok" if chain == "trusted" else "chain"
    if sig == "invalid":
        return "sig"
    return "parse"  # malformed, unsupported


def compare(s, o):
    """The disagreement direction, or None when both sides agree enough."""
    if s == "ok" and o != "ok":
        return "scanner-accepts"
    if s != "ok" and o == "ok":
        return {"chain": "scanner-stricter-chain", "partial": "scanner-partial"}.get(s, "scanner-stricter")
    if s == "unsigned" and o in ("sig", "chain"):
        return "hidden-signature"
    if s == "chain" and o == "sig":
        return "scanner-sig-valid-openssl-sig-fail"
    return None


def need_openssl(s, rng, sample):
    return s in ("ok", "chain", "unsigned", "missing") or rng.random() < sample


# ---------------------------------------------------- deliberate classes ---

# Each: (direction, set of mutation kinds (params given as "kind:param=value"
# where the class depends on them), reason[, scanner error]). A minimised
# disagreement whose mutation list matches is documented, not a finding.
# Verified by running (see README.md). An entry with a scanner error (a
# substring of the row's `error`) matches whenever its kinds are present and
# the scanner gave that reason: the error names the rule that decided, OpenSSL
# accepted the mutant, and minimising showed that without the entry's
# mutations the disagreement goes away, so any other mutation left in the
# class only made it show (e.g. a length change that removes the base64
# padding a quoted-printable label would otherwise break on both sides, or a
# random flip that happens to produce a documented case).
DELIBERATE = [
    ("scanner-accepts", ["ct_type:type=multipart/x-signed"],
     "the x- form of multipart/signed is accepted (SPEC: media types match in their x- forms); "
     "OpenSSL knows only multipart/signed"),
    ("scanner-accepts", ["ct_fold:form=after-colon"],
     "a Content-Type whose value starts on a continuation line is unfolded (RFC 5322 2.2.3); "
     "OpenSSL's MIME reader sees an empty value"),
    ("scanner-accepts", ["sig_cte:form=binary"],
     "the signature part is decoded per its Content-Transfer-Encoding (binary DER is read as is); "
     "OpenSSL always base64-decodes it"),
    ("scanner-accepts", ["sig_cte:form=oneline"],
     "base64 in one line longer than 76 characters is decoded (RFC 2045 6.8 limits encoders); "
     "OpenSSL's base64 reader fails on it"),
    ("scanner-accepts", ["sig_cte:form=no-padding"],
     "base64 without its final '=' padding is decoded to the same bytes; OpenSSL fails"),
    ("scanner-stricter", ["sig_cte:form=qp-label"],
     "a signature part labelled quoted-printable is malformed (a CMS body is decoded as declared, and "
     "the scanner refuses QP for binary CMS); OpenSSL ignores the label and base64-decodes", "quoted-printable CMS body"),
    ("scanner-stricter", ["sig_cte:form=qp-encoded"],
     "a signature part labelled quoted-printable is malformed (a CMS body is decoded as declared, and "
     "the scanner refuses QP for binary CMS); OpenSSL ignores the label and base64-decodes (it fails on '=3D' padding, so "
     "the class shows with mutations that remove the padding)", "quoted-printable CMS body"),
    ("scanner-stricter", ["transport_padding:pad= junk"],
     "a boundary line followed by other than whitespace is no delimiter (RFC 2046 5.1.1); "
     "OpenSSL only compares the prefix"),
    ("scanner-stricter", ["econtent_type:form=tstinfo-attr"],
     "the contentType attribute must equal eContentType (RFC 5652 11.1); OpenSSL 3.0 does not compare them"),
    ("scanner-stricter", ["econtent_type:form=tstinfo-econtent"],
     "the contentType attribute must equal eContentType (RFC 5652 11.1); OpenSSL 3.0 does not compare them"),
    ("scanner-stricter", ["header_junk_line:at=first"],
     "a first header line that is no field (no colon, leading whitespace, 8-bit or empty name) means no "
     "header block: the row is malformed and, naming pkcs7, signature=malformed (fails closed, "
     "--fail-on invalid fires); OpenSSL skips the line"),
    ("scanner-stricter", ["key_ec", "sig_alg:form=other-family"],
     "an RSA signature algorithm on an EC key is invalid (SPEC: the signer's key decides what can be "
     "checked); OpenSSL 3.0 ignores the OID for EC keys and verifies ECDSA"),
    ("scanner-stricter", ["key_ec"],
     "a signature algorithm that is no ECDSA one (here a flip made the OID unknown) on an EC key is invalid "
     "(SPEC: the key decides); OpenSSL 3.0 ignores the OID for EC keys and verifies ECDSA",
     "does not fit the signer's EC key"),
    ("scanner-stricter", ["trailing_junk:where=after"],
     "bytes after the ContentInfo make the CMS malformed (issue 19); OpenSSL 3.0 stops after the first element"),
    ("scanner-stricter", ["signing_time_unsigned", "no_signed_attrs"],
     "a signingTime among the unsigned attributes is invalid (also when there are no signed attributes); "
     "OpenSSL 3.0 checks unsigned attributes only beside signed ones"),
    ("scanner-stricter", ["attr_value_type:which=contentType"],
     "a contentType attribute value that is not the eContentType OID is invalid (RFC 5652 11.1); "
     "OpenSSL 3.0 does not read it"),
    ("scanner-stricter", ["attr_value_type:which=signingTime"],
     "a malformed signingTime is invalid, not ignored (issue 19: ignoring it hands --at signing to the "
     "unsigned Date header); OpenSSL 3.0 does not read signingTime"),
    ("scanner-stricter", ["signing_time_form:form=integer"],
     "a malformed signingTime is invalid, not ignored (issue 19); OpenSSL 3.0 does not read signingTime"),
    ("scanner-stricter", ["signing_time_form:form=utc-no-z"],
     "a malformed signingTime is invalid, not ignored (issue 19); OpenSSL 3.0 does not read signingTime"),
    ("scanner-stricter", ["signing_time_form:form=bad-chars"],
     "a malformed signingTime is invalid, not ignored (issue 19); OpenSSL 3.0 does not read signingTime"),
    ("scanner-stricter", ["signing_time_form:form=gen-fraction"],
     "a malformed signingTime is invalid, not ignored (issue 19); OpenSSL 3.0 does not read signingTime"),
    ("scanner-stricter", ["signing_time_form:form=bad-month"],
     "a malformed signingTime is invalid, not ignored (issue 19); OpenSSL 3.0 does not read signingTime"),
    ("scanner-stricter", ["boundary:form=len71"],
     "a boundary longer than 70 characters is invalid (RFC 2046 5.1.1, SPEC); OpenSSL does not check"),
    ("scanner-stricter", ["boundary:form=at-sign"],
     "a boundary with a character outside bchars is invalid (RFC 2046 5.1.1, SPEC); OpenSSL does not check"),
    ("scanner-stricter", ["boundary:form=trailing-space"],
     "a boundary ending in a space is invalid (RFC 2046 5.1.1, SPEC); OpenSSL does not check"),
    ("scanner-stricter", ["certs:form=dup-leaf"],
     "two different certificates with the signer's issuer and serial number make the signer ambiguous: "
     "invalid (OpenSSL takes the first match and verifies when the intact copy comes first)",
     "signer's certificate is ambiguous"),
    ("scanner-stricter", [],
     "a flip that makes eContentType differ from the contentType attribute: invalid (RFC 5652 11.1); "
     "OpenSSL 3.0 does not compare them", "contentType attribute does not match eContentType"),
    ("scanner-stricter", [],
     "a flip in the first header line: no header block, malformed (as header_junk_line at=first); "
     "OpenSSL skips the line", "no header block"),
    ("scanner-stricter", [],
     "a flip that damages the signingTime value: invalid, not ignored (issue 19); OpenSSL 3.0 does not "
     "read signingTime", "signingTime attribute malformed"),
    ("scanner-stricter", [],
     "a flip that turns the NULL parameters of a digest or signature AlgorithmIdentifier into another "
     "well-formed value (an empty OCTET STRING, EXTERNAL or RELATIVE-OID): malformed (RFC 5754 2, RFC 4055 5 "
     "define only absent or NULL); OpenSSL 3.0 takes any value", "are neither absent nor NULL"),
    ("scanner-stricter", [],
     "a flip that puts a bare CR into a Content-Type of the multipart/signed or its parts: malformed "
     "(RFC 5322 allows CR only in CRLF; OpenSSL ends the field there, and verifies when what follows "
     "did not matter)", "bare CR in a Content-Type"),
    ("scanner-stricter", ["der_flip"],
     "a flip that changes the case of a letter in the SignerInfo's issuer name: the signer's certificate "
     "is not found, as issuer and serial number are matched as encoded (as NSS does); OpenSSL compares "
     "names in a case-folded canonical form and finds it", "signer certificate not found"),
    ("scanner-stricter", ["der_flip"],
     "a flip that clears the constructed bit of a SEQUENCE (30 to 10): malformed (X.690 8.9: a SEQUENCE is "
     "always constructed); OpenSSL 3.0 does not check the bit in names and SET OF/SEQUENCE OF",
     "unexpected tag 0x10"),
    ("scanner-stricter", ["der_flip"],
     "a flip that clears the constructed bit of a SEQUENCE inside an AlgorithmIdentifier: malformed "
     "(X.690 8.9); OpenSSL 3.0 does not check the bit there", "unknown/unsupported ASN.1 DER tag: 0x10"),
    ("scanner-stricter", ["der_flip"],
     "a flip that clears the constructed bit of the [0] IMPLICIT certificates or signedAttrs (A0 to 80): "
     "malformed (the scanner reads no such field and stops at the next); OpenSSL 3.0 does not check the bit "
     "in SET OF", "unexpected tag 0x80"),
    ("scanner-stricter", ["der_flip"],
     "a flip that clears the constructed bit of a SET (31 to 11): malformed (X.690 8.11: a SET is always "
     "constructed); OpenSSL 3.0 does not check the bit in SET OF", "unexpected tag 0x11"),
    ("scanner-stricter", ["der_flip"],
     "a flip that turns rsaEncryption in the signatureAlgorithm into md4WithRSAEncryption: invalid (the "
     "scanner maps no MD4 label to RSA; an unknown label fits no key); OpenSSL accepts any OID its table "
     "maps to RSA and hashes with the digestAlgorithm", "1.2.840.113549.1.1.3 does not fit the signer's RSA key"),
    ("scanner-stricter", ["byte_flip_anywhere"],
     "a flip of the CR ending the close delimiter into '-' (`--b---`): no close delimiter, malformed (RFC 2046 "
     "5.1.1: only white space may follow); OpenSSL only compares the prefix", "without its close delimiter"),
    ("scanner-stricter", ["byte_flip_anywhere"],
     "a flip of the LF of the empty line that ends the header block (`\\r*text`): the header block runs on "
     "into the body and the multipart/signed is malformed; OpenSSL ends every header line at a CR, so "
     "for it the line is empty", "in a header block are not fields"),
    ("scanner-stricter", [],
     "a flip that puts a control character (NUL, ESC, ...) into a Content-Type of the multipart/signed or "
     "its parts: malformed (RFC 5322 allows none; OpenSSL stops at a NUL, and verifies when what follows "
     "did not matter)", "control character 0x"),
    ("scanner-stricter", [],
     "a flip that leaves a quote inside an unquoted Content-Type parameter: malformed (readers split the "
     "parameters after it differently: CPython opens a quoted string there); OpenSSL reads on as we do",
     "quote inside an unquoted parameter"),
    ("scanner-stricter-chain", ["certs:form=dup-leaf", "sid_ski"],
     "two copies of the signer's certificate named by subjectKeyIdentifier, the first damaged in an "
     "extension (same key, so not ambiguous): the scanner takes the first copy, whose signature verifies, and "
     "its chain fails (fails closed); OpenSSL's extension cache marks the damaged copy invalid, its key "
     "identifier then matches no SignerInfo, and OpenSSL takes the intact copy", "does not verify with the key of"),
    ("scanner-stricter", ["boundary:form=dup-param-first"],
     "a multipart/signed with two boundary parameters is malformed: readers take the first or the last and split differently"),
    ("scanner-stricter", ["boundary:form=dup-param-second"],
     "a multipart/signed with two boundary parameters is malformed: readers take the first or the last and split differently"),
]


def mut_tags(m):
    return [m["kind"]] + ["%s:%s=%s" % (m["kind"], k, v) for k, v in sorted(m["p"].items())]


# Kinds that only change lengths or algorithms that both sides support: a
# deliberate class stays deliberate with them (e.g. base64 padding depends
# on the DER length).
NEUTRAL = {"sid_ski", "key_ec", "digest", "attr_extra", "content_from_lines", "signed_part_cte", "certs",
           "outer_header_change", "indefinite"}


def deliberate(direction, muts, error=""):
    tags = set()
    for m in muts:
        tags.update(mut_tags(m))
    muts = [m for m in muts if m["kind"] not in NEUTRAL] or muts
    for d, need, reason, *err in DELIBERATE:
        if d != direction or not all(n in tags for n in need):
            continue
        if err:
            if err[0] in (error or ""):
                return reason
        elif need and all(any(t.split(":")[0] == m["kind"] for t in need) for m in muts):
            return reason
    return None


CLASS_PARAMS = ("form", "which", "where", "type", "cte", "alg", "label", "field", "sep", "case", "what", "at", "pad", "node")


def mut_label(m):
    """The mutation kind with the parameter that decides its class."""
    vals = [str(m["p"][k]) for k in CLASS_PARAMS if k in m["p"]]
    return "%s(%s)" % (m["kind"], ",".join(vals)) if vals else m["kind"]


# Kinds that only break a signature: in a class with other kinds they are
# left out of its name (a hidden signature shows with any of them).
TAMPER = {"sig_flip", "der_flip", "byte_flip_anywhere", "content_tamper"}


def class_labels(muts):
    labels = sorted(set(mut_label(m) for m in muts if m["kind"] not in TAMPER))
    return labels or sorted(set(mut_label(m) for m in muts))


def error_class(muts, error):
    """For a class holding random tampering (a flip, changed content), the
    scanner's reason: what the flip hit (other mutations beside a flip often
    only move it to the same spot). Numbers are blanked so that one rule
    gives one class. None for other classes."""
    if not any(m["kind"] in TAMPER for m in muts):
        return None
    e = (error or "-").split(";")[0].split(" (")[0]
    return "".join("#" if ch.isdigit() else ch for ch in e)[:70]


def class_key(direction, muts, error=""):
    labels = class_labels(muts)
    key = direction + ": " + (" + ".join(labels) or "(no mutation)")
    ec = error_class(muts, error)
    return key + (" {%s}" % ec if ec is not None else "")


# -------------------------------------------------------------- main -------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scanner", default=None, help="smimescan binary (default: target/release/smimescan)")
    ap.add_argument("--out", default="target/difftest", help="output folder for disagreements")
    ap.add_argument("--seed", type=int, default=None, help="fixed seed (default: random)")
    ap.add_argument("--minutes", type=float, default=None, help="run for N minutes")
    ap.add_argument("--count", type=int, default=None, help="stop after N mutants")
    ap.add_argument("--batch", type=int, default=200, help="mutants per scanner run")
    ap.add_argument("--max-mutations", type=int, default=4)
    ap.add_argument("--sample", type=float, default=0.2,
                    help="share of scanner-rejected mutants also run through OpenSSL")
    ap.add_argument("--only", default=None, help="comma-separated mutation kinds to draw from")
    ap.add_argument("--exclude", default=None, help="comma-separated mutation kinds never drawn")
    ap.add_argument("--examples", type=int, default=3, help="minimised examples kept per class")
    ap.add_argument("--fail-on-new", action="store_true",
                    help="exit 1 when a disagreement outside the documented deliberate classes is found")
    ap.add_argument("--trace", default=None, help="write every judged mutant (mutations, both outcomes) as JSONL")
    ap.add_argument("--list", action="store_true", help="list mutation kinds and exit")
    args = ap.parse_args()
    if args.list:
        for k, m in MUTS.items():
            print("%-22s %-6s %s" % (k, m.stage, ",".join(m.modes)))
        return 0
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    scanner = args.scanner or os.path.join(repo, "target", "release", "smimescan")
    if not os.path.exists(scanner):
        print("difftest: no scanner at %s (cargo build --release)" % scanner, file=sys.stderr)
        return 2
    if args.minutes is None and args.count is None:
        args.count = 1000
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    rng = random.Random(seed)
    only = set(args.only.split(",")) if args.only else None
    if only is not None:
        unknown = only - set(MUTS)
        if unknown:
            print("difftest: unknown mutation kinds %s" % sorted(unknown), file=sys.stderr)
            return 2
    if args.exclude:
        only = (only or set(MUTS)) - set(args.exclude.split(","))
    os.makedirs(args.out, exist_ok=True)
    trace = open(args.trace, "w") if args.trace else None
    work = tempfile.mkdtemp(prefix="difftest-")
    pki = PKI(work)
    shutil.copy(pki.root_pem, os.path.join(args.out, "root.pem"))
    judges = Judges(scanner, pki, work)
    deadline = time.time() + args.minutes * 60 if args.minutes else None
    start = time.time()
    print("difftest: seed %d, scanner %s, output %s" % (seed, scanner, args.out), file=sys.stderr)

    stats = {"mutants": 0, "scanner": {}, "openssl_runs": 0, "agree_checked": 0}
    classes = {}  # key -> {"direction", "deliberate", "count", "examples": [...]} 
    n = 0

    def done():
        return (args.count is not None and n >= args.count) or (deadline is not None and time.time() > deadline)

    def judge_one(mode, muts, mseed):
        d = tempfile.mkdtemp(dir=work)
        path = os.path.join(d, "m.eml")
        with open(path, "wb") as f:
            f.write(build(pki, mode, muts, mseed))
        row = judges.scan(d).get("m.eml")
        s = scanner_outcome(row)
        o, reason = judges.openssl(path)
        shutil.rmtree(d, ignore_errors=True)
        return compare(s, o), s, o, reason, row

    def minimise(mode, muts, mseed, direction):
        cur = list(muts)
        i = 0
        while i < len(cur):
            cand = cur[:i] + cur[i + 1:]
            if judge_one(mode, cand, mseed)[0] == direction:
                cur = cand
            else:
                i += 1
        return cur

    # the unmutated messages must be valid for both, else the tool (or a judge) is broken
    for mode in ("detached", "opaque"):
        for key in ([], [{"kind": "key_ec", "p": {"key": "ec"}}]):
            d, s, o, reason, row = judge_one(mode, key, 1)
            if s != "ok" or o != "ok":
                print("difftest: the unmutated %s %s message is not valid for both: scanner %s %s, openssl %s %s"
                      % (mode, "ec" if key else "rsa", s, json.dumps(row), o, reason), file=sys.stderr)
                return 2

    while not done():
        batch_dir = tempfile.mkdtemp(dir=work)
        batch = []
        for _ in range(args.batch):
            if args.count is not None and n >= args.count:
                break
            mseed = rng.randrange(1 << 30)
            mrng = random.Random(mseed)
            mode = "opaque" if mrng.random() < 0.2 else "detached"
            muts = random_mutations(mrng, mode, args.max_mutations, only)
            name = "m%07d.eml" % n
            try:
                data = build(pki, mode, muts, mseed)
            except Exception as e:  # a generator bug: report, go on
                print("difftest: generator failed on %s: %r" % (json.dumps(muts), e), file=sys.stderr)
                n += 1
                continue
            with open(os.path.join(batch_dir, name), "wb") as f:
                f.write(data)
            batch.append((name, mode, muts, mseed))
            n += 1
        if not batch:
            break
        rows = judges.scan(batch_dir)
        for name, mode, muts, mseed in batch:
            stats["mutants"] += 1
            row = rows.get(name)
            s = scanner_outcome(row)
            stats["scanner"][s] = stats["scanner"].get(s, 0) + 1
            if not need_openssl(s, rng, args.sample):
                continue
            o, reason = judges.openssl(os.path.join(batch_dir, name))
            if trace:
                trace.write(json.dumps({"name": name, "mode": mode, "mutations": [mut_label(m) for m in muts],
                                        "scanner": s, "openssl": o, "error": (row or {}).get("error", ""),
                                        "openssl_reason": reason}) + "\n")
            stats["agree_checked"] += 1
            direction = compare(s, o)
            if direction is None:
                continue
            # a known class whose kinds are all present: count it without minimising again
            labels = set(class_labels(muts))
            err = (row or {}).get("error", "")
            known = [k for k, c in classes.items() if c["direction"] == direction and set(c["labels"]) <= labels
                     and c["count"] >= args.examples
                     and c.get("error_class") in (None, error_class(muts, err))]
            if known:
                classes[known[0]]["count"] += 1
                continue
            small = minimise(mode, muts, mseed, direction) if not (deadline and time.time() > deadline + 120) \
                else muts
            final = judge_one(mode, small, mseed)
            if final[0] != direction:  # flaky (ECDSA nonces do not matter; anything else is a tool bug)
                small = muts
                final = judge_one(mode, small, mseed)
            ferr = (final[4] or {}).get("error", "")
            key = class_key(direction, small, ferr)
            c = classes.setdefault(key, {"direction": direction, "labels": class_labels(small),
                                         "error_class": error_class(small, ferr),
                                         "deliberate": deliberate(direction, small, ferr), "count": 0,
                                         "examples": []})
            c["count"] += 1
            if len(c["examples"]) < args.examples:
                idx = len(c["examples"])
                # the class key names the scanner's reason too: classes of one
                # mutation list differ by it, so their files must not collide
                tag = hashlib.sha1(key.encode()).hexdigest()[:8]
                base = "%s-%s-%s-%d" % (direction, "+".join(c["labels"]) or "none", tag, idx)
                base = "".join(ch if ch.isalnum() or ch in "-+_." else "_" for ch in base.replace(")", ""))[:150]
                data = build(pki, mode, small, mseed)
                eml = os.path.join(args.out, base + ".eml")
                with open(eml, "wb") as f:
                    f.write(data)
                gate = judges.gate_fires(eml)
                info = {"class": key, "direction": direction, "deliberate": c["deliberate"], "mode": mode,
                        "seed": mseed, "run_seed": seed, "mutations": small, "original_mutations": muts,
                        "scanner": {k: (final[4] or {}).get(k) for k in
                                    ("kind", "part", "signature", "chain", "error", "findings", "verdict")},
                        "scanner_outcome": final[1], "openssl_outcome": final[2], "openssl_reason": final[3],
                        "fail_on_invalid_fires": gate}
                if not gate and direction in ("scanner-accepts", "hidden-signature"):
                    c["gate_passes"] = True
                with open(os.path.join(args.out, base + ".json"), "w") as f:
                    json.dump(info, f, indent=1)
                c["examples"].append(base + ".eml")
                print("difftest: %s%s -> %s" % (key, " (deliberate)" if c["deliberate"] else "", base + ".eml"),
                      file=sys.stderr)
        shutil.rmtree(batch_dir, ignore_errors=True)
        print("difftest: %d mutants, %d classes, %.0f s" % (stats["mutants"], len(classes), time.time() - start),
              file=sys.stderr)

    shutil.rmtree(work, ignore_errors=True)
    stats["openssl_runs"] = judges.openssl_runs
    stats["scanner_runs"] = judges.scanner_runs
    stats["seconds"] = round(time.time() - start, 1)
    stats["seed"] = seed
    new = {k: c for k, c in classes.items() if not c["deliberate"]}
    summary = {"stats": stats, "classes": classes}
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print("\n== difftest summary (seed %d) ==" % seed)
    print("mutants %d, scanner runs %d, openssl runs %d, %.0f s" % (stats["mutants"], stats["scanner_runs"],
                                                                  stats["openssl_runs"], stats["seconds"]))
    print("scanner outcomes: %s" % json.dumps(stats["scanner"], sort_keys=True))
    print("disagreement classes: %d (%d outside the deliberate list)" % (len(classes), len(new)))
    for k, c in sorted(classes.items(), key=lambda kv: -kv[1]["count"]):
        print("  %5d  %s%s%s  e.g. %s" % (c["count"], k, "  [deliberate]" if c["deliberate"] else "",
                                          "  [passes --fail-on invalid]" if c.get("gate_passes") else "",
                                        os.path.join(args.out, c["examples"][0]) if c["examples"] else "-"))
    return 1 if (args.fail_on_new and new) else 0


if __name__ == "__main__":
    sys.exit(main())
