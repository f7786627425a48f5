#!/usr/bin/env python3
"""CMS mutants for the strictness rules (SPEC `signature`, issues 12 and 19).

Each mutant starts from a committed fixture (blobs/rsa2048-sha256.p7s,
blobs/ecdsa-p256-sha256.p7s, detached over content/hello.txt), changes one
thing (signed attributes, algorithms, junk in the structure, certificate
encoding) and, where the change is inside the signed attributes, signs the
new attributes again with the committed test key, so that only the rule
under test can fail. What OpenSSL 3.0 says of each (`openssl cms -verify
-noverify -binary -inform DER -content hello.txt`) is measured here and
written to the manifest; tests/cms_mutants.rs checks our verdict and that
OpenSSL still says the same.

Usage: python3 corpora/sigs/mutants.py   (writes corpora/sigs/mutants/)
Needs Python 3 with `cryptography`, and the openssl CLI. The generated
files are committed; tests never run this.
"""
import datetime
import hashlib
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "mutants")

# ---------------------------------------------------------------- DER tree


class N:
    """A DER element: tag byte, and children (constructed) or value."""

    def __init__(self, tag, kids=None, value=b""):
        self.tag, self.kids, self.value = tag, kids, value

    def enc(self):
        body = b"".join(k.enc() for k in self.kids) if self.kids is not None else self.value
        return bytes([self.tag]) + enc_len(len(body)) + body


class Raw:
    """Bytes inserted as they are."""

    def __init__(self, b):
        self.b = b

    def enc(self):
        return self.b


def enc_len(n):
    if n < 0x80:
        return bytes([n])
    s = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(s)]) + s


def parse(b, i=0):
    """Parses the element at b[i]; returns (node, next index)."""
    tag = b[i]
    l = b[i + 1]
    h = 2
    if l >= 0x80:
        n = l & 0x7F
        l = int.from_bytes(b[i + 2:i + 2 + n], "big")
        h += n
    body = b[i + h:i + h + l]
    if tag & 0x20 and tag not in (0x24,):
        kids, j = [], 0
        while j < len(body):
            k, j = parse(body, j)
            kids.append(k)
        return N(tag, kids), i + h + l
    return N(tag, value=body), i + h + l


def tlv(tag, content):
    return bytes([tag]) + enc_len(len(content)) + content


def oid(hexs):
    return N(0x06, value=bytes.fromhex(hexs))


def alg(hexs, null=True):
    return N(0x30, [oid(hexs)] + ([N(0x05)] if null else []))


OID_CT = "2a864886f70d010903"
OID_MD = "2a864886f70d010904"
OID_ST = "2a864886f70d010905"
OID_DATA = "2a864886f70d010701"
SHA1 = "2b0e03021a"
SHA256 = "608648016503040201"
SHA512 = "608648016503040203"
SHA1_RSA = "2a864886f70d010105"
SHA256_RSA = "2a864886f70d01010b"
RSA_PSS = "2a864886f70d01010a"
ECDSA_SHA1 = "2a8648ce3d0401"
ECDSA_SHA256 = "2a8648ce3d040302"
MGF1 = "2a864886f70d010108"


def attr(o, *values):
    return N(0x30, [oid(o), N(0x31, list(values))])


def read(p):
    return open(os.path.join(HERE, p), "rb").read()


def key(name):
    return serialization.load_pem_private_key(read(f"pki/{name}.key"), None)


def cert_der(name):
    return x509.load_pem_x509_certificate(read(f"pki/{name}.pem")).public_bytes(
        serialization.Encoding.DER
    )


CONTENT = read("content/hello.txt")


class Cms:
    """A parsed detached SignedData with accessors for the first signer."""

    def __init__(self, blob):
        self.ci, _ = parse(blob)

    @property
    def sd(self):
        return self.ci.kids[1].kids[0]

    @property
    def si(self):
        return self.sd.kids[-1].kids[0]

    def field(self, tag):
        return next(k for k in self.si.kids if k.tag == tag)

    @property
    def attrs(self):
        return self.field(0xA0)

    def enc(self):
        return self.ci.enc()


def sign_attrs(c, keyname, h=hashes.SHA256(), pss=None):
    """Signs the first signer's attributes as encoded (SET tag), in place."""
    msg = bytes([0x31]) + c.attrs.enc()[1:]
    k = key(keyname)
    if isinstance(k, rsa.RSAPrivateKey):
        pad = pss or padding.PKCS1v15()
        sig = k.sign(msg, pad, h)
    else:
        sig = k.sign(msg, ec.ECDSA(h))
    [k for k in c.si.kids if k.tag == 0x04][0].value = sig


def base(which="rsa"):
    return Cms(read("blobs/rsa2048-sha256.p7s" if which == "rsa" else "blobs/ecdsa-p256-sha256.p7s"))


def attrs_of(c):
    """Signed attributes as a dict oid-hex -> node (single occurrence)."""
    return {a.kids[0].value.hex(): a for a in c.attrs.kids}


def with_attrs(which, edit, keyname=None, **kw):
    c = base(which)
    a = attrs_of(c)
    c.attrs.kids = edit(a, c)
    sign_attrs(c, keyname or ("rsa2048" if which == "rsa" else "ecp256"), **kw)
    return c.enc()


def md(content=CONTENT, h=hashlib.sha256):
    return N(0x04, value=h(content).digest())


def ct():
    return oid(OID_DATA)


def utc(s):
    return N(0x17, value=s.encode())


# ------------------------------------------------------------------ mutants

ROWS = []  # (file, signature, error, digest_alg, signing_time)


def emit(name, blob, signature, error="", digest_alg="", signing_time=""):
    open(os.path.join(OUT, name), "wb").write(blob)
    ROWS.append((name, signature, error, digest_alg, signing_time))


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    st = attr(OID_ST, utc("250102030405Z"))
    st_unix = "1735787045"

    # Control: re-signed, unchanged attributes.
    emit("resigned.p7s", with_attrs("rsa", lambda a, c: c.attrs.kids), "valid", "", "sha256", "yes")

    # 1. Signed attributes.
    emit("attr-no-content-type.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_MD], a[OID_ST]]),
         "invalid", "contentType")
    emit("attr-two-content-types.p7s",
         with_attrs("rsa", lambda a, c: [attr(OID_CT, ct()), attr(OID_CT, ct()), a[OID_MD], a[OID_ST]]),
         "invalid", "contentType")
    emit("attr-content-type-two-values.p7s",
         with_attrs("rsa", lambda a, c: [attr(OID_CT, ct(), ct()), a[OID_MD], a[OID_ST]]),
         "invalid", "contentType")
    emit("attr-content-type-no-value.p7s",
         with_attrs("rsa", lambda a, c: [attr(OID_CT), a[OID_MD], a[OID_ST]]),
         "invalid", "contentType")
    emit("attr-no-message-digest.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_ST]]),
         "invalid", "messageDigest")
    emit("attr-two-message-digests.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], attr(OID_MD, md()), attr(OID_MD, md()), a[OID_ST]]),
         "invalid", "messageDigest")
    emit("attr-message-digest-two-values.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], attr(OID_MD, md(), md()), a[OID_ST]]),
         "invalid", "messageDigest")
    emit("attr-two-signing-times.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST, utc("100101000000Z")), st]),
         "invalid", "signingTime")
    emit("attr-signing-time-two-values.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST, utc("100101000000Z"), utc("250102030405Z"))]),
         "invalid", "signingTime")
    emit("attr-signing-time-no-value.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST)]),
         "invalid", "signingTime")
    emit("attr-signing-time-malformed.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST, utc("25010203xx05Z"))]),
         "invalid", "signingTime")
    emit("attr-signing-time-integer.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST, N(0x02, value=b"\x01"))]),
         "invalid", "signingTime")
    # UTCTime 60 is 1960 (RFC 5280 4.1.2.5.1), not dropped.
    emit("attr-signing-time-1960.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST, utc("600101000000Z"))]),
         "valid", "", "sha256", "-315619200")
    emit("attr-signing-time-2049.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST, utc("491231235959Z"))]),
         "valid", "", "sha256", "2524607999")
    emit("attr-signing-time-generalized.p7s",
         with_attrs("rsa", lambda a, c: [a[OID_CT], a[OID_MD], attr(OID_ST, N(0x18, value=b"20500101000000Z"))]),
         "valid", "", "sha256", "2524608000")
    # A signingTime among the unsigned attributes (the signed one removed).
    c = base("rsa")
    a = attrs_of(c)
    c.attrs.kids = [a[OID_CT], a[OID_MD]]
    sign_attrs(c, "rsa2048")
    c.si.kids.append(N(0xA1, [attr(OID_ST, utc("100101000000Z"))]))
    emit("attr-signing-time-unsigned.p7s", c.enc(), "invalid", "signingTime")

    # 2. Hash binding.
    # A SHA-256 signature labelled sha1WithRSAEncryption: OpenSSL hashes
    # with digestAlgorithm and verifies; the weaker label is reported.
    c = base("rsa")
    sig_alg = [k for k in c.si.kids if k.tag == 0x30][-1]
    sig_alg.kids = alg(SHA1_RSA).kids
    emit("hash-label-sha1-on-sha256.p7s", c.enc(), "valid", "", "sha1", "yes")
    c = base("rsa")
    [k for k in c.si.kids if k.tag == 0x30][-1].kids = alg(SHA256_RSA).kids
    emit("hash-label-sha256-explicit.p7s", c.enc(), "valid", "", "sha256", "yes")
    # A SHA-1 signature over the attributes while digestAlgorithm says sha256.
    # (With an rsaEncryption label nothing names SHA-1: sha256 is reported.)
    for label, name, shown in [(SHA1_RSA, "sha1rsa", "sha1"), ("2a864886f70d010101", "rsaenc", "sha256")]:
        c = base("rsa")
        [k for k in c.si.kids if k.tag == 0x30][-1].kids = alg(label).kids
        sign_attrs(c, "rsa2048", h=hashes.SHA1())
        emit(f"hash-sha1-signature-{name}-label.p7s", c.enc(), "invalid", "does not verify", shown)
    # ECDSA: a SHA-256 signature labelled ecdsa-with-SHA1.
    c = base("ec")
    [k for k in c.si.kids if k.tag == 0x30][-1].kids = alg(ECDSA_SHA1, null=False).kids
    emit("hash-ecdsa-label-sha1-on-sha256.p7s", c.enc(), "valid", "", "sha1", "yes")
    # An ECDSA label on an RSA key, and an RSA label on an EC key.
    c = base("rsa")
    [k for k in c.si.kids if k.tag == 0x30][-1].kids = alg(ECDSA_SHA256, null=False).kids
    emit("key-ecdsa-label-on-rsa.p7s", c.enc(), "invalid", "does not fit", "sha256")
    c = base("ec")
    [k for k in c.si.kids if k.tag == 0x30][-1].kids = alg(SHA256_RSA).kids
    emit("key-rsa-label-on-ec.p7s", c.enc(), "invalid", "does not fit", "sha256")
    # RSA-PSS whose own hash (SHA-512) differs from digestAlgorithm (SHA-256).
    c = base("rsa")
    h512 = alg(SHA512)
    pss_params = N(0x30, [
        N(0xA0, [h512]),
        N(0xA1, [N(0x30, [oid(MGF1), alg(SHA512)])]),
        N(0xA2, [N(0x02, value=b"\x40")]),
    ])
    [k for k in c.si.kids if k.tag == 0x30][-1].kids = [oid(RSA_PSS), pss_params]
    sign_attrs(c, "rsa2048", h=hashes.SHA512(),
               pss=padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64))
    emit("hash-pss-sha512-digest-sha256.p7s", c.enc(), "invalid", "digestAlgorithm", "sha256")

    # 3. digestAlgorithms of SignedData.
    c = base("rsa")
    c.sd.kids[1].kids = []
    emit("digest-algs-empty.p7s", c.enc(), "invalid", "digestAlgorithms")
    c = base("rsa")
    c.sd.kids[1].kids = [alg(SHA512)]
    emit("digest-algs-other.p7s", c.enc(), "invalid", "digestAlgorithms")
    c = base("rsa")
    c.sd.kids[1].kids = [alg(SHA512), alg(SHA256, null=False)]
    emit("digest-algs-two.p7s", c.enc(), "valid", "", "sha256", "yes")

    # 4. Junk in the structure: malformed.
    c = base("rsa")
    c.sd.kids[3].kids.append(N(0x02, value=b"\x07"))
    emit("junk-cert-integer.p7s", c.enc(), "malformed", "certificates")
    c = base("rsa")
    c.sd.kids[3].kids.append(N(0x30, [N(0x02, value=b"\x07")]))
    emit("junk-cert-sequence.p7s", c.enc(), "malformed", "certificate")
    c = base("rsa")
    c.sd.kids.insert(4, N(0xA1, [N(0x04, value=b"not a CRL")]))
    emit("junk-crls.p7s", c.enc(), "malformed", "crls")
    c = base("rsa")
    c.sd.kids.insert(4, N(0xA1, [N(0x30, [N(0x02, value=b"\x01")])]))
    emit("junk-crls-sequence.p7s", c.enc(), "malformed", "crls")
    c = base("rsa")
    c.ci.kids.append(N(0x05))
    emit("junk-after-content-info-content.p7s", c.enc(), "malformed", "ContentInfo")
    c = base("rsa")
    c.ci.kids[1].kids.append(N(0x05))
    emit("junk-in-explicit-content.p7s", c.enc(), "malformed", "ContentInfo")
    c = base("rsa")
    c.sd.kids.append(N(0x05))
    emit("junk-after-signer-infos.p7s", c.enc(), "malformed", "SignedData")
    c = base("rsa")
    c.sd.kids[2].kids.append(N(0x05))
    emit("junk-in-encap-content-info.p7s", c.enc(), "malformed", "EncapsulatedContentInfo")
    c = base("rsa")
    c.si.kids.append(N(0x05))
    emit("junk-after-signer-info.p7s", c.enc(), "malformed", "SignerInfo")
    c = base("rsa")
    emit("junk-bytes-after-content-info.p7s", c.enc() + b"junk", "malformed", "after the ContentInfo")

    # 5. A signer certificate with a non-minimal length inside its TBS,
    # signed by the CA over that encoding: decoded, not dropped.
    cder = cert_der("rsa2048")
    cert, _ = parse(cder)
    tbs = cert.kids[0]
    tbs_enc = tbs.enc()
    # Re-encode the subject Name (tbs field 5) with a long-form length.
    subj = tbs.kids[5]
    body = b"".join(k.enc() for k in subj.kids)
    tbs.kids[5] = Raw(bytes([0x30, 0x82]) + len(body).to_bytes(2, "big") + body)
    tbs_new = tbs.enc()
    assert tbs_new != tbs_enc
    ca = key("ca")
    sig = ca.sign(tbs_new, padding.PKCS1v15(), hashes.SHA256())
    cert.kids[2] = N(0x03, value=b"\x00" + sig)
    nonmin = cert.enc()
    open(os.path.join(OUT, "rsa2048-nonminimal.der"), "wb").write(nonmin)
    c = base("rsa")
    c.sd.kids[3].kids = [Raw(nonmin)]
    emit("cert-nonminimal-length.p7s", c.enc(), "valid", "", "sha256", "yes")

    # 6. A second signer with a self-signed certificate (pinned dates).
    sk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smimescan test"),
        x509.NameAttribute(NameOID.COMMON_NAME, "self-signed second signer"),
    ])
    ss = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(sk.public_key())
        .serial_number(0x5e1f)
        .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name("rsa2048@example.com")]), False)
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .sign(sk, hashes.SHA256())
    )
    with open(os.path.join(OUT, "selfsigned.pem"), "wb") as f:
        f.write(ss.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(OUT, "selfsigned.key"), "wb") as f:
        f.write(sk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()))

    # Complete messages signed by two signers: rsa2048 (CA-issued) and
    # the self-signed one; and a control signed by rsa2048 and ecp256.
    for name, second in [("two-signers-selfsigned", "mutants/selfsigned"), ("two-signers-ca", "pki/ecp256")]:
        out = os.path.join(OUT, f"{name}.eml")
        subprocess.run(["openssl", "cms", "-sign", "-in", os.path.join(HERE, "content/hello.txt"),
                        "-signer", os.path.join(HERE, "pki/rsa2048.pem"), "-inkey", os.path.join(HERE, "pki/rsa2048.key"),
                        "-signer", os.path.join(HERE, f"{second}.pem"), "-inkey", os.path.join(HERE, f"{second}.key"),
                        "-from", "rsa2048@example.com", "-to", "bob@example.com", "-subject", name,
                        "-out", out], check=True)
        data = open(out, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        open(out, "wb").write(data)

    # A signer key the scanner cannot check (brainpoolP256r1; OpenSSL can):
    # a message whose signature is `unsupported`, for the --fail-on gate.
    bk = ec.generate_private_key(ec.BrainpoolP256R1())
    bname = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smimescan test"),
        x509.NameAttribute(NameOID.COMMON_NAME, "brainpool signer"),
    ])
    bc = (
        x509.CertificateBuilder()
        .subject_name(bname).issuer_name(bname)
        .public_key(bk.public_key())
        .serial_number(0xb7)
        .not_valid_before(datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name("rsa2048@example.com")]), False)
        .sign(bk, hashes.SHA256())
    )
    bp_pem = os.path.join(OUT, "brainpool.pem")
    bp_key = os.path.join(OUT, "brainpool.key")
    open(bp_pem, "wb").write(bc.public_bytes(serialization.Encoding.PEM))
    open(bp_key, "wb").write(bk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    out = os.path.join(OUT, "unsupported-brainpool.eml")
    subprocess.run(["openssl", "cms", "-sign", "-in", os.path.join(HERE, "content/hello.txt"),
                    "-signer", bp_pem, "-inkey", bp_key, "-from", "rsa2048@example.com",
                    "-to", "bob@example.com", "-subject", "brainpool", "-out", out], check=True)
    data = open(out, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    open(out, "wb").write(data)

    # 7. SHA-3 digests (openssl signs them).
    for who, h in [("rsa2048", "sha3-256"), ("rsa2048", "sha3-512")]:
        name = f"sha3-{who}-{h}.p7s"
        subprocess.run(["openssl", "cms", "-sign", "-binary", "-in", os.path.join(HERE, "content/hello.txt"),
                        "-signer", os.path.join(HERE, f"pki/{who}.pem"), "-inkey", os.path.join(HERE, f"pki/{who}.key"),
                        "-md", h, "-outform", "DER", "-out", os.path.join(OUT, name)], check=True)
        emit(name, open(os.path.join(OUT, name), "rb").read(), "valid", "", h, "yes")

    # ECDSA with SHA3-256 (openssl 3.0 cannot sign it in CMS): built here.
    c = base("ec")
    sha3 = "608648016503040208"
    c.sd.kids[1].kids = [alg(sha3, null=False)]
    c.si.kids[2] = alg(sha3, null=False)
    a = attrs_of(c)
    c.attrs.kids = [a[OID_CT], attr(OID_MD, md(h=hashlib.sha3_256)), a[OID_ST]]
    [k for k in c.si.kids if k.tag == 0x30][-1].kids = alg("60864801650304030a", null=False).kids
    sign_attrs(c, "ecp256", h=hashes.SHA3_256())
    emit("sha3-ecp256-sha3-256.p7s", c.enc(), "valid", "", "sha3-256", "yes")

    # A PKCS#7 bundle in BER with indefinite lengths (--certs).
    p7 = subprocess.run(["openssl", "crl2pkcs7", "-nocrl", "-certfile", os.path.join(HERE, "pki/rsa2048.pem"),
                         "-certfile", os.path.join(HERE, "pki/ca.pem"), "-outform", "DER"],
                        check=True, capture_output=True).stdout
    open(os.path.join(OUT, "bundle-ber.p7b"), "wb").write(indefinite(parse(p7)[0]))

    # The manifest, with what OpenSSL says.
    with open(os.path.join(OUT, "manifest.csv"), "w") as f:
        f.write("file,signature,error,digest_alg,signing_time,openssl\n")
        for name, sig, err, dig, stime in ROWS:
            f.write(f"{name},{sig},{err},{dig},{stime},{openssl_says(name)}\n")
    print(f"{len(ROWS)} mutants written to {OUT}")


def indefinite(n, depth=0):
    """Encodes with indefinite lengths on the outer constructed layers
    (ContentInfo, [0], SignedData, certificates [0]), DER inside."""
    if n.kids is None or depth > 3 or n.tag not in (0x30, 0xA0):
        return n.enc()
    body = b"".join(indefinite(k, depth + 1) if k.tag in (0x30, 0xA0) and depth < 3 else k.enc()
                    for k in n.kids)
    return bytes([n.tag, 0x80]) + body + b"\0\0"


def openssl_says(name):
    r = subprocess.run(["openssl", "cms", "-verify", "-noverify", "-binary", "-inform", "DER",
                        "-in", os.path.join(OUT, name), "-content", os.path.join(HERE, "content/hello.txt"),
                        "-out", "/dev/null"], capture_output=True)
    return "valid" if r.returncode == 0 else "rejected"


if __name__ == "__main__":
    sys.exit(main())
