#!/usr/bin/env python3
"""Chain-rule fixtures for tests/pki_chains.rs and tests/hostile_chains.rs
(issue 12): RFC 5280 rules the verifier must fail closed on.

Needs python3 (standard library only) and the openssl CLI (written against
OpenSSL 3.0.19). Reuses Root CA and Intermediate CA from make.sh
(corpora/chains/{certs,keys}/{root,inter}.*), so run make.sh first only if
those change. Validity and CRL dates are pinned; keys are random, so a
re-run changes every file but no verdict. Output (committed):

  rules/certs/*.pem   rules/keys/*.key   rules/crls/*.pem
  rules/big.pem.gz    the 4,096-name certificates (gzip: they compress 20x)
  rules/messages/*.eml.gz  signed messages carrying the big chains

  corpora/chains/make-rules.py

Cases (all under Root CA, judged at 2025-06-01 unless said):
  dn_inter            excluded dirName O=Evil Corp (PrintableString, raw DER)
  leaf_dn_utf8        O=Evil Corp as UTF8String        -> invalid
  leaf_dn_upper       O=EVIL CORP                      -> invalid
  leaf_dn_spaces      O="  Evil   Corp "               -> invalid
  leaf_dn_ok          O=Good Corp                      -> trusted
  eku_tls_inter       CA EKU serverAuth+clientAuth; leaf_eku_tls -> invalid
  eku_any_inter       CA EKU anyExtendedKeyUsage; leaf_eku_any  -> trusted
  eku_email_inter     CA EKU emailProtection; leaf_eku_email    -> trusted
  leaf_dup_san        two subjectAltName extensions              -> invalid
  leaf_dup_ku         two keyUsage extensions                     -> invalid
  leaf_dup_eku        two extendedKeyUsage extensions             -> invalid
  dup_bc_inter        CA with two basicConstraints; leaf_dup_bc   -> invalid
  junk_ku_inter       CA keyUsage digitalSignature + a junk byte; leaf_junk_ku -> invalid
  leaf_garbage_san    undecodable SAN under nc_inter (permitted email:example.com) -> invalid
  leaf_nc_at2         SAN invalid@address@example.com under nc_inter -> invalid
  crls/inter_reasons.crl.pem (Intermediate CA), revoked 2024-01-01:
      leaf_rev_kc keyCompromise, leaf_rev_ca cACompromise,
      leaf_rev_unspec unspecified, leaf_rev_none (no reason),
      leaf_rev_super superseded, leaf_rev_cess cessationOfOperation
  big: nc_big_inter (4,096 permitted rfc822Name hosts) + leaf_big (4,096
      rfc822Names), really signed; forged_big_inter (same, claims Root CA,
      signed by its own key) + leaf_big_forged.
"""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "rules")
S, E = "20200101000000Z", "20400101000000Z"
O = "/O=smimescan test"
BIG = int(os.environ.get("BIG", "4096"))


def run(*args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


# --- minimal DER ------------------------------------------------------------
def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body


def oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(reversed(enc))
    return tlv(0x06, body)


def name(*atvs):  # (oid, tag, text)
    return tlv(0x30, b"".join(tlv(0x31, tlv(0x30, oid(o) + tlv(t, v.encode()))) for o, t, v in atvs))


def ext_line(oid_dotted, der, critical=False):
    return f"{oid_dotted} = {'critical,' if critical else ''}DER:{der.hex()}"


W = tempfile.mkdtemp()
try:
    for d in ("certs", "keys", "crls", "messages"):
        shutil.rmtree(os.path.join(OUT, d), ignore_errors=True)
        os.makedirs(os.path.join(OUT, d))
    open(os.path.join(W, "index.txt"), "w").close()
    with open(os.path.join(W, "serial"), "w") as f:
        f.write("5000\n")
    os.makedirs(os.path.join(W, "new"))
    CA_CNF = os.path.join(W, "ca.cnf")
    with open(CA_CNF, "w") as f:
        f.write(f"""[ ca ]
default_ca = CA_default
[ CA_default ]
dir = {W}
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
policy = policy_any
unique_subject = no
copy_extensions = none
default_md = sha256
preserve = yes
[ policy_any ]
organizationName = optional
commonName = supplied
emailAddress = optional
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
""")

    def path(kind, n):
        base = {"root": HERE, "inter": HERE}.get(n)
        if base:
            return os.path.join(HERE, kind, f"{n}.{'pem' if kind == 'certs' else 'key'}")
        return os.path.join(OUT, kind, f"{n}.{'pem' if kind == 'certs' else 'key'}")

    def key(n, kind="p256"):
        if kind == "rsa":
            run("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path("keys", n))
        else:
            run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("keys", n))

    def issue(n, subj, issuer, ext_lines, utf8=True):
        """Issues certs/n.pem for keys/n.key; issuer 'self' or a cert name."""
        extf = os.path.join(W, f"{n}.ext")
        with open(extf, "w") as f:
            f.write("[ x ]\n" + "\n".join(ext_lines) + "\n")
        csr = os.path.join(W, f"{n}.csr")
        req = ["openssl", "req", "-new", "-key", path("keys", n), "-subj", subj, "-out", csr, "-config", CA_CNF]
        if utf8:
            req.append("-utf8")
        run(*req)
        common = ["-batch", "-notext", "-config", CA_CNF, "-in", csr, "-out", path("certs", n),
                  "-startdate", S, "-enddate", E, "-md", "sha256", "-extfile", extf, "-extensions", "x"]
        if issuer == "self":
            run("openssl", "ca", "-selfsign", "-keyfile", path("keys", n), *common)
        else:
            run("openssl", "ca", "-cert", path("certs", issuer), "-keyfile", path("keys", issuer), *common)

    CA = ["basicConstraints = critical, CA:TRUE", "keyUsage = critical, keyCertSign, cRLSign",
          "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid:always"]

    def leaf_ext(email, san=True, ku=True, eku=True):
        e = ["basicConstraints = CA:FALSE", "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid:always"]
        if ku:
            e.append("keyUsage = critical, digitalSignature, nonRepudiation")
        if eku:
            e.append("extendedKeyUsage = emailProtection")
        if san:
            e.append(f"subjectAltName = email:{email}")
        return e

    def leaf(n, cn, email, issuer, extra=(), subj=None, **kw):
        key(n)
        issue(n, subj or f"{O}/CN={cn}", issuer, leaf_ext(email, **kw) + list(extra))

    # --- 1. directoryName constraints (RFC 5280 7.1 / RFC 4518) -------------
    evil = name(("2.5.4.10", 0x13, "Evil Corp"))  # PrintableString
    nc = tlv(0x30, tlv(0xA1, tlv(0x30, tlv(0xA4, evil))))
    key("dn_inter")
    issue("dn_inter", f"{O}/CN=DN Constrained CA", "root", CA + [ext_line("2.5.29.30", nc, True)])
    leaf("leaf_dn_utf8", None, "m1@example.com", "dn_inter", subj="/O=Evil Corp/CN=Mallory")
    leaf("leaf_dn_upper", None, "m2@example.com", "dn_inter", subj="/O=EVIL CORP/CN=Mallory")
    leaf("leaf_dn_spaces", None, "m3@example.com", "dn_inter", subj="/O=  Evil   Corp /CN=Mallory")
    leaf("leaf_dn_ok", None, "bob@example.com", "dn_inter", subj="/O=Good Corp/CN=Bob")

    # --- 2. CA extendedKeyUsage -------------------------------------------------
    for n, eku in (("eku_tls", "serverAuth, clientAuth"), ("eku_any", "anyExtendedKeyUsage"),
                   ("eku_email", "emailProtection")):
        key(f"{n}_inter")
        issue(f"{n}_inter", f"{O}/CN={n} CA", "root", CA + [f"extendedKeyUsage = {eku}"])
        leaf(f"leaf_{n}", n, f"{n.replace('_', '')}@example.com", f"{n}_inter")

    # --- 3. repeated and undecodable extensions --------------------------------
    # openssl replaces a repeated extension, so the second copy is issued
    # under the placeholder OID 2.5.29.99 (same length), patched to the real
    # OID and the certificate re-signed with the issuer's key.
    def read_tlv(b, i):
        tag, ln = b[i], b[i + 1]
        j = i + 2
        if ln & 0x80:
            k = ln & 0x7F
            ln = int.from_bytes(b[j:j + k], "big")
            j += k
        return j, j + ln  # value start, end

    def patch_resign(n, issuer, target_oid_last):
        pem = path("certs", n)
        der = subprocess.run(["openssl", "x509", "-in", pem, "-outform", "DER"], check=True,
                             capture_output=True).stdout
        vs, _ = read_tlv(der, 0)
        _, tbs_end = read_tlv(der, vs)
        tbs = der[vs:tbs_end]
        _, alg_end = read_tlv(der, tbs_end)
        alg = der[tbs_end:alg_end]
        ph = bytes([0x06, 0x03, 0x55, 0x1D, 99])
        assert tbs.count(ph) == 1
        tbs = tbs.replace(ph, bytes([0x06, 0x03, 0x55, 0x1D, target_oid_last]))
        tbsf = os.path.join(W, "tbs.der")
        with open(tbsf, "wb") as f:
            f.write(tbs)
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", path("keys", issuer), tbsf],
                             check=True, capture_output=True).stdout
        cert = tlv(0x30, tbs + alg + tlv(0x03, b"\x00" + sig))
        derf = os.path.join(W, "cert.der")
        with open(derf, "wb") as f:
            f.write(cert)
        run("openssl", "x509", "-inform", "DER", "-in", derf, "-out", pem)

    san_b = tlv(0x30, tlv(0x81, b"other@evil.test"))
    leaf("leaf_dup_san", "DupSAN", "dup@example.com", "inter", extra=[ext_line("2.5.29.99", san_b)])
    patch_resign("leaf_dup_san", "inter", 17)
    ku_enc = tlv(0x03, bytes([0x05, 0x20]))  # keyEncipherment
    leaf("leaf_dup_ku", "DupKU", "dupku@example.com", "inter", extra=[ext_line("2.5.29.99", ku_enc, True)])
    patch_resign("leaf_dup_ku", "inter", 15)
    eku_tls = tlv(0x30, oid("1.3.6.1.5.5.7.3.1"))
    leaf("leaf_dup_eku", "DupEKU", "dupeku@example.com", "inter", extra=[ext_line("2.5.29.99", eku_tls)])
    patch_resign("leaf_dup_eku", "inter", 37)
    # cA FALSE first, cA TRUE second: a reader keeping the last copy sees a CA.
    bc_true = tlv(0x30, bytes([0x01, 0x01, 0xFF]))
    key("dup_bc_inter")
    issue("dup_bc_inter", f"{O}/CN=DupBC CA", "root",
          ["basicConstraints = critical, CA:FALSE"] + CA[1:] + [ext_line("2.5.29.99", bc_true, True)])
    patch_resign("dup_bc_inter", "root", 19)
    leaf("leaf_dup_bc", "DupBC", "dupbc@example.com", "dup_bc_inter")
    # keyUsage digitalSignature only (no keyCertSign), then a junk byte: a
    # reader that drops the undecodable value sees "no keyUsage" = any use.
    ku_junk = tlv(0x03, bytes([0x07, 0x80])) + b"\x00"
    key("junk_ku_inter")
    issue("junk_ku_inter", f"{O}/CN=JunkKU CA", "root",
          ["basicConstraints = critical, CA:TRUE", "subjectKeyIdentifier = hash",
           "authorityKeyIdentifier = keyid:always", ext_line("2.5.29.15", ku_junk, True)])
    leaf("leaf_junk_ku", "JunkKU", "junkku@example.com", "junk_ku_inter")
    # A SAN that does not decode (rfc822Name length past its end), under
    # permitted email:example.com.
    garbage = bytes([0x30, 0x0a, 0x81, 0x20]) + b"eve@evil.t"

    # nc_inter (permitted email:example.com) comes from make.sh.
    def issue_under_nc(n, cn, ext_lines):
        key(n)
        extf = os.path.join(W, f"{n}.ext")
        with open(extf, "w") as f:
            f.write("[ x ]\n" + "\n".join(ext_lines) + "\n")
        csr = os.path.join(W, f"{n}.csr")
        run("openssl", "req", "-new", "-key", path("keys", n), "-subj", f"{O}/CN={cn}", "-out", csr, "-config", CA_CNF)
        run("openssl", "ca", "-batch", "-notext", "-config", CA_CNF, "-in", csr, "-out", path("certs", n),
            "-startdate", S, "-enddate", E, "-md", "sha256", "-extfile", extf, "-extensions", "x",
            "-cert", os.path.join(HERE, "certs", "nc_inter.pem"), "-keyfile", os.path.join(HERE, "keys", "nc_inter.key"))

    issue_under_nc("leaf_garbage_san", "Garbage", leaf_ext("x", san=False) + [ext_line("2.5.29.17", garbage)])
    # --- 4. rfc822Name that is no addr-spec ------------------------------------
    issue_under_nc("leaf_nc_at2", "At2", leaf_ext("invalid@address@example.com"))

    # --- 5. CRL reasons ------------------------------------------------------------
    reasons = (("kc", "keyCompromise"), ("ca", "CACompromise"), ("unspec", "unspecified"),
               ("none", None), ("super", "superseded"), ("cess", "cessationOfOperation"))
    crl_index = []
    for n, r in reasons:
        leaf(f"leaf_rev_{n}", f"Revoked {n}", f"rev{n}@example.com", "inter")
        serial = subprocess.run(["openssl", "x509", "-in", path("certs", f"leaf_rev_{n}"), "-noout", "-serial"],
                                check=True, capture_output=True, text=True).stdout.strip().split("=")[1]
        when = "240101000000Z" + (f",{r}" if r else "")
        crl_index.append(f"R\t400101000000Z\t{when}\t{serial}\tunknown\t/CN=x\n")
    with open(os.path.join(W, "crlindex.txt"), "w") as f:
        f.write("".join(crl_index))
    with open(os.path.join(W, "crlnumber"), "w") as f:
        f.write("01\n")
    crl_cnf = os.path.join(W, "crl.cnf")
    with open(CA_CNF) as src, open(crl_cnf, "w") as dst:
        dst.write(src.read().replace("database = $dir/index.txt", f"database = {W}/crlindex.txt"))
    run("openssl", "ca", "-batch", "-gencrl", "-config", crl_cnf, "-cert", path("certs", "inter"),
        "-keyfile", path("keys", "inter"), "-crl_lastupdate", "20250101000000Z",
        "-crl_nextupdate", "20350101000000Z", "-md", "sha256",
        "-out", os.path.join(OUT, "crls", "inter_reasons.crl.pem"))

    # --- 6. the big chains ------------------------------------------------------------
    hosts = [f"h{i}.test" for i in range(BIG)]
    subtrees = b"".join(tlv(0x30, tlv(0x81, h.encode())) for h in hosts)
    nc_big = tlv(0x30, tlv(0xA0, subtrees))
    # Names at the far end of the permitted list first: worst case.
    names = [f"u{i}@{hosts[BIG - 1 - i]}" for i in range(BIG)]
    san_big = tlv(0x30, b"".join(tlv(0x81, n.encode()) for n in names))
    key("nc_big_inter")
    issue("nc_big_inter", f"{O}/CN=Big Constrained CA", "root", CA + [ext_line("2.5.29.30", nc_big, True)])
    key("leaf_big")
    issue("leaf_big", f"{O}/CN=Big", "nc_big_inter", leaf_ext("x", san=False) + [ext_line("2.5.29.17", san_big)])
    # Forged: names Root CA as issuer, signed by a look-alike "Root CA" key.
    key("fake_root")
    issue("fake_root", f"{O}/CN=Root CA", "self", CA[:3])
    key("forged_big_inter")
    issue("forged_big_inter", f"{O}/CN=Forged Big CA", "fake_root", CA + [ext_line("2.5.29.30", nc_big, True)])
    key("leaf_big_forged")
    issue("leaf_big_forged", f"{O}/CN=Big Forged", "forged_big_inter",
          leaf_ext("x", san=False) + [ext_line("2.5.29.17", san_big)])
    with gzip.open(os.path.join(OUT, "big.pem.gz"), "wb", 9) as g:
        for n in ("nc_big_inter", "leaf_big", "forged_big_inter", "leaf_big_forged"):
            with open(path("certs", n), "rb") as f:
                g.write(f.read())
    for case, lf, inter in (("big", "leaf_big", "nc_big_inter"), ("big_forged", "leaf_big_forged", "forged_big_inter")):
        content = os.path.join(W, "content.txt")
        with open(content, "w") as f:
            f.write(f"Content-Type: text/plain; charset=us-ascii\n\nHostile chain case {case}.\n")
        signed = subprocess.run(["openssl", "cms", "-sign", "-in", content, "-signer", path("certs", lf),
                                 "-inkey", path("keys", lf), "-md", "sha256", "-certfile", path("certs", inter)],
                                check=True, capture_output=True).stdout
        body = signed[signed.index(b"MIME-Version"):]
        head = (f"From: u0@{hosts[BIG - 1]}\nTo: audit@example.net\nSubject: hostile chain {case}\n"
                f"Message-ID: <{case}@chains.example>\nDate: Sun, 01 Jun 2025 00:00:00 +0000\n").encode()
        with gzip.open(os.path.join(OUT, "messages", f"{case}.eml.gz"), "wb", 9) as g:
            g.write(head + body)
        # The big certificates and keys live only in big.pem.gz / the messages.
    for n in ("nc_big_inter", "leaf_big", "forged_big_inter", "leaf_big_forged", "fake_root"):
        os.remove(path("certs", n))
    os.remove(path("keys", "fake_root"))
    print(f"fixtures written to {OUT}")
finally:
    shutil.rmtree(W)
