#!/usr/bin/env python3
"""Regenerates the MIME/identity fixtures of corpora/mime/eml (committed;
tests never run this). Needs Python 3 (standard library only) and the
openssl CLI (3.0). Signs with the throw-away PKI of corpora/sigs/pki
(root ca.pem, signer rsa2048 <rsa2048@example.com>, valid 2020-2049).

Each message is written with CRLF line endings. Dates that matter are
fixed (Received dates for the skew cases); the signingTime is the time of
generation, and the tests judge chains at a pinned --at or relative to it.

Usage: python3 corpora/mime/make.py
"""
import base64
import email.utils
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PKI = os.path.join(HERE, "..", "sigs", "pki")
OUT = os.path.join(HERE, "eml")
TMP = tempfile.mkdtemp()
NOW = email.utils.formatdate(usegmt=True)

CONTENT = "Content-Type: text/plain; charset=us-ascii\n\nPay 100 EUR to account 1234.\nThis text is signed.\n"
TAMPERED = CONTENT.replace("100 EUR", "900 EUR")


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


def run(*args, data=None):
    return subprocess.run(args, input=data, check=True, capture_output=True).stdout


def sign(content, cert="rsa2048", key="rsa2048", md="sha256", certdir=PKI):
    """Detached DER signature over the CRLF form of `content`, base64."""
    path = os.path.join(TMP, "content")
    with open(path, "wb") as f:
        f.write(crlf(content).encode())
    der = run("openssl", "cms", "-sign", "-binary", "-in", path,
              "-signer", os.path.join(certdir, cert + ".pem"),
              "-inkey", os.path.join(PKI, key + ".key"), "-md", md, "-outform", "DER")
    b64 = base64.b64encode(der).decode()
    return "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n"


SIG = None  # the signature of CONTENT


def signed_entity(boundary="sig-1", content=CONTENT, sig=None, between=None, after=None):
    """A multipart/signed entity (its Content-Type field and body)."""
    sig = sig or SIG
    sigpart = ("Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\n"
               "Content-Transfer-Encoding: base64\n"
               "Content-Disposition: attachment; filename=\"smime.p7s\"\n\n" + sig)
    parts = [content]  # ends in a newline: the signed text ends in CRLF
    if between:
        parts.append(between.rstrip("\n"))
    parts.append(sigpart.rstrip("\n"))
    if after:
        parts.append(after.rstrip("\n"))
    body = "".join(f"--{boundary}\n{p}\n" for p in parts) + f"--{boundary}--\n"
    return ("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";"
            f" micalg=sha-256;\n boundary=\"{boundary}\"\n\n"
            "This is an S/MIME signed message\n\n" + body)


def headers(mid, received=None, from_=("rsa2048@example.com",), sender=None,
            subjects=("payment",), extra_before_ct=""):
    h = f"Received: from mx.example.net by mx.example.com; {received or NOW}\n"
    for f in from_:
        h += f"From: {f}\n"
    if sender:
        h += f"Sender: {sender}\n"
    h += "To: bob@example.com\n"
    for s in subjects:
        h += f"Subject: {s}\n"
    h += f"Date: {NOW}\nMessage-ID: <{mid}@mime.test>\nMIME-Version: 1.0\n" + extra_before_ct
    return h


def write(name, text):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(crlf(text).encode())


def verifies(name):
    r = subprocess.run(["openssl", "cms", "-verify", "-noverify", "-in",
                        os.path.join(OUT, name), "-out", os.devnull], capture_output=True)
    return r.returncode == 0


def crlf_cert():
    """rsa2048's key under a certificate whose rfc822Name holds CR LF."""
    email_ = b"rsa2048@example.com\r\nX-Evil: 1"
    ia5 = b"\x81" + bytes([len(email_)]) + email_
    names = b"\x30" + bytes([len(ia5)]) + ia5
    cnf = os.path.join(TMP, "ca.cnf")
    db = os.path.join(TMP, "index.txt")
    open(db, "w").close()
    with open(os.path.join(TMP, "serial"), "w") as f:
        f.write("5151\n")
    os.makedirs(os.path.join(TMP, "new"), exist_ok=True)
    with open(cnf, "w") as f:
        f.write(f"""[ ca ]
default_ca = c
[ c ]
database = {db}
new_certs_dir = {TMP}/new
serial = {TMP}/serial
default_md = sha256
policy = p
unique_subject = no
email_in_dn = no
[ p ]
commonName = supplied
organizationName = optional
[ req ]
distinguished_name = dn
[ dn ]
[ e ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectAltName = DER:{names.hex()}
""")
    csr = os.path.join(TMP, "crlf.csr")
    run("openssl", "req", "-new", "-key", os.path.join(PKI, "rsa2048.key"),
        "-subj", "/O=smimescan test/CN=crlf", "-config", cnf, "-out", csr)
    os.makedirs(os.path.join(HERE, "pki"), exist_ok=True)
    run("openssl", "ca", "-config", cnf, "-batch", "-notext", "-startdate", "20200101000000Z",
        "-enddate", "20491231235959Z", "-cert", os.path.join(PKI, "ca.pem"),
        "-keyfile", os.path.join(PKI, "ca.key"), "-in", csr, "-extensions", "e",
        "-out", os.path.join(HERE, "pki", "crlf.pem"))


def main():
    global SIG
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        os.remove(os.path.join(OUT, f))
    SIG = sign(CONTENT)
    expect = {}  # name -> whether OpenSSL must verify it (None: no opinion)

    def msg(name, text, openssl):
        write(name, text)
        expect[name] = openssl

    msg("signed.eml", headers("signed") + signed_entity(), True)
    msg("tampered.eml", headers("tampered") + signed_entity(content=TAMPERED), False)
    extra = "Content-Type: text/plain\n\nUnsigned text slipped in.\n"
    msg("signed-three-parts.eml", headers("three") + signed_entity(between=extra), None)
    msg("signed-part-appended.eml", headers("appended") + signed_entity(after=extra), None)
    msg("boundary-ending-in-space.eml", headers("space") + signed_entity(boundary="sig "), None)
    msg("boundary-too-long.eml", headers("long") + signed_entity(boundary="b" * 71), None)
    # Two signed parts side by side; the second was tampered with.
    inner_ok = signed_entity(boundary="in-1")
    inner_bad = signed_entity(boundary="in-2", content=TAMPERED)
    mixed = ("Content-Type: multipart/mixed; boundary=\"mix\"\n\n"
             f"--mix\n{inner_ok}\n--mix\n{inner_bad}\n--mix--\n")
    msg("second-signed-tampered.eml", headers("second") + mixed, None)
    msg("second-signed-tampered-part2.eml", headers("second-part2") + inner_bad, False)
    # Identity.
    msg("two-from.eml",
        headers("twofrom", from_=("mallory@evil.example", "rsa2048@example.com")) + signed_entity(),
        True)
    msg("sender-not-from.eml",
        headers("sendernotfrom", from_=("mallory@evil.example",), sender="rsa2048@example.com")
        + signed_entity(), True)
    msg("sender-only.eml",
        headers("senderonly", from_=(), sender="rsa2048@example.com") + signed_entity(), True)
    msg("duplicate-subject.eml",
        headers("dupsubject", subjects=("payment", "refund")) + signed_entity(), True)
    # Header lines (issue 19).
    msg("obs-header.eml",
        headers("obs", extra_before_ct="Cc : Carol <carol@example.com>\n") + signed_entity(), True)
    msg("obs-header-tampered.eml",
        headers("obstampered", extra_before_ct="To : Carol <carol@example.com>\n")
        + signed_entity(content=TAMPERED), False)
    msg("header-line-without-colon.eml",
        headers("nocolon", extra_before_ct="this line is not a field\n") + signed_entity(), None)
    # A signed message wrapped as the whole body of another.
    inner = headers("inner") + signed_entity()
    msg("wrapped-rfc822.eml",
        f"From: mallory@evil.example\nTo: bob@example.com\nSubject: fwd\nDate: {NOW}\n"
        "Message-ID: <wrapped@mime.test>\nMIME-Version: 1.0\nContent-Type: message/rfc822\n\n"
        + inner, None)
    # An opaque signature whose content is a tampered multipart/signed entity.
    path = os.path.join(TMP, "inner-entity")
    with open(path, "wb") as f:
        f.write(crlf(signed_entity(boundary="in-3", content=TAMPERED)).encode())
    opaque = run("openssl", "cms", "-sign", "-nodetach", "-binary", "-in", path,
                 "-signer", os.path.join(PKI, "rsa2048.pem"),
                 "-inkey", os.path.join(PKI, "rsa2048.key"),
                 "-from", "rsa2048@example.com", "-to", "bob@example.com",
                 "-subject", "opaque").decode()
    msg("opaque-holding-tampered.eml",
        f"Received: from mx.example.net by mx.example.com; {NOW}\n"
        f"Date: {NOW}\nMessage-ID: <opaque@mime.test>\n" + opaque, True)
    # signingTime against the topmost Received date.
    msg("skew-backdated.eml",
        headers("backdated", received="Mon, 01 Jan 2035 10:00:00 +0000") + signed_entity(), True)
    msg("skew-postdated.eml",
        headers("postdated", received="Mon, 01 Jun 2020 10:00:00 +0000") + signed_entity(), True)
    msg("at-received.eml",
        headers("atreceived", received="Wed, 01 Jun 2050 10:00:00 +0000") + signed_entity(), True)
    # RSA with SHA3-256 (OpenSSL verifies it; the scanner checks it too).
    msg("signed-sha3-256.eml",
        headers("sha3") + signed_entity(sig=sign(CONTENT, md="sha3-256")), True)
    # A certificate whose rfc822Name holds CR LF.
    crlf_cert()
    msg("rfc822name-crlf.eml",
        headers("crlf") + signed_entity(sig=sign(CONTENT, cert="crlf",
                                                 certdir=os.path.join(HERE, "pki"))), True)

    for name, want in sorted(expect.items()):
        if want is not None and verifies(name) != want:
            sys.exit(f"openssl disagrees on {name}: expected verify={want}")
    print(f"fixtures written to {OUT}")


if __name__ == "__main__":
    main()
