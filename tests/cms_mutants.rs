//! CMS strictness (SPEC `signature`, issues 12 and 19): every mutant of
//! `corpora/sigs/mutants/manifest.csv` (made by `corpora/sigs/mutants.py`)
//! through `cms::inspect`, each expectation asserted, and what OpenSSL 3.0
//! says of it (`openssl cms -verify -noverify`) checked against the
//! manifest's `openssl` column. The rows where we and OpenSSL differ are the
//! README's deliberate differences; [`deliberate_differences_are_the_documented_ones`]
//! pins that list.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use smimescan::cms::{inspect, CmsKind, SigStatus};
use smimescan::pki::chain::{ChainStatus, Verifier};
use smimescan::pki::trust::TrustStore;
use smimescan::pki::{Cert, CertCache, CertLookup, SignerId};

struct NoExtra;
impl CertLookup for NoExtra {
    fn find_signer(&self, _: &SignerId) -> Option<Arc<Cert>> {
        None
    }
}

fn sigs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpora/sigs")
}

fn have_openssl() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("NOTICE: openssl not found; OpenSSL cross-check skipped");
    }
    ok
}

/// `valid` or `rejected`: what `openssl cms -verify -noverify` says of a
/// detached blob over `content/hello.txt`.
fn openssl_says(blob: &Path) -> &'static str {
    if openssl_verifies(blob, Some(&sigs().join("content/hello.txt"))) {
        "valid"
    } else {
        "rejected"
    }
}

/// Whether `openssl cms -verify -noverify` accepts a DER blob, detached
/// over `content` or opaque.
fn openssl_verifies(blob: &Path, content: Option<&Path>) -> bool {
    common::openssl_cms_verifies(blob, content).expect("openssl runs")
}

struct Row {
    file: String,
    signature: String,
    error: String,
    digest_alg: String,
    signing_time: String,
    openssl: String,
}

fn manifest() -> Vec<Row> {
    let text = std::fs::read_to_string(sigs().join("mutants/manifest.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 6, "{l}");
            Row {
                file: f[0].into(),
                signature: f[1].into(),
                error: f[2].into(),
                digest_alg: f[3].into(),
                signing_time: f[4].into(),
                openssl: f[5].into(),
            }
        })
        .collect()
}

/// Checks one mutant; returns our verdict in OpenSSL's two words.
fn check(row: &Row, cache: &CertCache) -> &'static str {
    let dir = sigs();
    let blob = std::fs::read(dir.join("mutants").join(&row.file)).unwrap();
    let content = std::fs::read(dir.join("content/hello.txt")).unwrap();
    let o = inspect(&blob, &[&content], cache, &NoExtra);
    let ctx = &row.file;
    if row.signature == "malformed" {
        assert_eq!(o.kind, None, "{ctx}: {:?}", o.signed.map(|s| s.status));
        let e = o.error.unwrap();
        assert!(
            e.contains(&row.error),
            "{ctx}: error {e:?} lacks {:?}",
            row.error
        );
        return "rejected";
    }
    assert_eq!(o.kind, Some(CmsKind::Signed), "{ctx}: {:?}", o.error);
    let s = o.signed.unwrap();
    assert_eq!(s.status.as_str(), row.signature, "{ctx}: {:?}", s.error);
    let r = s.signer.as_ref().unwrap();
    if s.status != SigStatus::Valid {
        let e = s.error.as_deref().unwrap();
        assert!(
            e.contains(&row.error),
            "{ctx}: error {e:?} lacks {:?}",
            row.error
        );
    }
    if !row.digest_alg.is_empty() {
        assert_eq!(
            r.digest_alg.as_deref(),
            Some(row.digest_alg.as_str()),
            "{ctx}"
        );
        assert!(s.all_digest_algs.contains(&row.digest_alg), "{ctx}");
    }
    match row.signing_time.as_str() {
        "" => {}
        "yes" => assert!(r.signing_time.is_some(), "{ctx}"),
        t => assert_eq!(r.signing_time, Some(t.parse().unwrap()), "{ctx}"),
    }
    if s.status == SigStatus::Valid {
        "valid"
    } else {
        "rejected"
    }
}

/// Every mutant: our verdict as the manifest says, and OpenSSL's too.
#[test]
fn cms_mutants_judged_as_specified_and_cross_checked() {
    let cache = CertCache::default();
    let rows = manifest();
    assert!(rows.len() >= 40);
    let openssl = have_openssl();
    for row in &rows {
        check(row, &cache);
        if openssl {
            let theirs = openssl_says(&sigs().join("mutants").join(&row.file));
            assert_eq!(
                theirs, row.openssl,
                "{}: OpenSSL changed its mind",
                row.file
            );
        }
    }
}

/// The mutants where we and OpenSSL 3.0 differ: exactly the ones the README
/// lists, all in the stricter direction (never valid where OpenSSL rejects).
#[test]
fn deliberate_differences_are_the_documented_ones() {
    let cache = CertCache::default();
    let mut differ: Vec<String> = Vec::new();
    for row in manifest() {
        let ours = check(&row, &cache);
        if ours != row.openssl {
            assert_eq!(
                ours, "rejected",
                "{}: valid where OpenSSL rejects",
                row.file
            );
            differ.push(row.file.clone());
        }
    }
    differ.sort();
    assert_eq!(
        differ,
        [
            // A signingTime that is not a valid UTCTime/GeneralizedTime
            // (OpenSSL does not read the value).
            "attr-signing-time-integer.p7s",
            "attr-signing-time-malformed.p7s",
            // Bytes after the ContentInfo (OpenSSL 3.0 ignores them).
            "junk-bytes-after-content-info.p7s",
            // An RSA label on an EC key (OpenSSL ignores ECDSA/DSA labels).
            "key-rsa-label-on-ec.p7s",
        ]
    );
}

// The named cases, one test each (each fails on the code before the rule).

fn status_of(file: &str) -> (SigStatus, String, Option<String>, Option<i64>) {
    let cache = CertCache::default();
    let blob = std::fs::read(sigs().join("mutants").join(file)).unwrap();
    let content = std::fs::read(sigs().join("content/hello.txt")).unwrap();
    let o = inspect(&blob, &[&content], &cache, &NoExtra);
    match o.signed {
        None => (
            SigStatus::Malformed,
            o.error.unwrap_or_default(),
            None,
            None,
        ),
        Some(s) => {
            let r = s.signer.clone().unwrap();
            (
                s.status,
                s.error.unwrap_or_default(),
                r.digest_alg,
                r.signing_time,
            )
        }
    }
}

#[test]
fn missing_content_type_attribute_is_invalid() {
    let (st, e, ..) = status_of("attr-no-content-type.p7s");
    assert_eq!(st, SigStatus::Invalid);
    assert!(e.contains("contentType attribute missing"), "{e}");
}

#[test]
fn two_signing_times_are_invalid_not_first_wins() {
    for f in [
        "attr-two-signing-times.p7s",
        "attr-signing-time-two-values.p7s",
        "attr-signing-time-no-value.p7s",
    ] {
        let (st, e, ..) = status_of(f);
        assert_eq!(st, SigStatus::Invalid, "{f}");
        assert!(e.contains("signingTime"), "{f}: {e}");
    }
}

#[test]
fn malformed_signing_time_is_invalid_not_ignored() {
    let (st, e, ..) = status_of("attr-signing-time-malformed.p7s");
    assert_eq!(st, SigStatus::Invalid);
    assert!(e.contains("signingTime attribute malformed"), "{e}");
}

#[test]
fn signing_time_among_unsigned_attributes_is_invalid() {
    let (st, e, _, t) = status_of("attr-signing-time-unsigned.p7s");
    assert_eq!(st, SigStatus::Invalid);
    assert!(e.contains("unsigned"), "{e}");
    assert_eq!(t, None);
}

#[test]
fn utctime_fifty_and_later_is_nineteen_hundreds() {
    let (st, _, _, t) = status_of("attr-signing-time-1960.p7s");
    assert_eq!(st, SigStatus::Valid);
    assert_eq!(t, Some(-315_619_200)); // 1960-01-01T00:00:00Z
}

#[test]
fn sha1_signature_under_sha256_digest_algorithm_is_invalid() {
    for f in [
        "hash-sha1-signature-sha1rsa-label.p7s",
        "hash-sha1-signature-rsaenc-label.p7s",
    ] {
        let (st, ..) = status_of(f);
        assert_eq!(st, SigStatus::Invalid, "{f}");
    }
}

#[test]
fn sha1_label_on_sha256_signature_is_valid_and_reported_weak() {
    let (st, e, d, _) = status_of("hash-label-sha1-on-sha256.p7s");
    assert_eq!(st, SigStatus::Valid, "{e}");
    assert_eq!(d.as_deref(), Some("sha1"));
}

#[test]
fn ecdsa_label_on_rsa_key_is_invalid_not_unsupported() {
    let (st, e, ..) = status_of("key-ecdsa-label-on-rsa.p7s");
    assert_eq!(st, SigStatus::Invalid);
    assert!(e.contains("does not fit the signer's RSA key"), "{e}");
}

#[test]
fn sha3_digests_are_checked() {
    for (f, d) in [
        ("sha3-rsa2048-sha3-256.p7s", "sha3-256"),
        ("sha3-rsa2048-sha3-512.p7s", "sha3-512"),
        ("sha3-ecp256-sha3-256.p7s", "sha3-256"),
    ] {
        let (st, e, got, _) = status_of(f);
        assert_eq!(st, SigStatus::Valid, "{f}: {e}");
        assert_eq!(got.as_deref(), Some(d));
    }
}

#[test]
fn digest_algorithms_without_the_signers_is_invalid() {
    for f in ["digest-algs-empty.p7s", "digest-algs-other.p7s"] {
        let (st, e, ..) = status_of(f);
        assert_eq!(st, SigStatus::Invalid, "{f}");
        assert!(e.contains("SignedData.digestAlgorithms"), "{f}: {e}");
    }
}

#[test]
fn junk_in_the_cms_structure_is_malformed() {
    for f in [
        "junk-cert-integer.p7s",
        "junk-cert-sequence.p7s",
        "junk-crls.p7s",
        "junk-after-content-info-content.p7s",
        "junk-after-signer-infos.p7s",
        "junk-in-encap-content-info.p7s",
        "junk-after-signer-info.p7s",
        "junk-bytes-after-content-info.p7s",
    ] {
        let (st, e, ..) = status_of(f);
        assert_eq!(st, SigStatus::Malformed, "{f}");
        assert!(!e.is_empty() && !e.contains('\n'), "{f}: {e}");
    }
}

/// A signer certificate with a non-minimal length inside its TBS, signed by
/// the CA over that encoding: decoded (not dropped), the signature verifies,
/// and the chain to the CA is trusted, as `openssl cms -verify -CAfile`
/// says.
#[test]
fn certificate_with_non_minimal_lengths_is_decoded_and_trusted() {
    let dir = sigs();
    let (st, e, ..) = status_of("cert-nonminimal-length.p7s");
    assert_eq!(st, SigStatus::Valid, "{e}");
    let cache = CertCache::default();
    let blob = std::fs::read(dir.join("mutants/cert-nonminimal-length.p7s")).unwrap();
    let content = std::fs::read(dir.join("content/hello.txt")).unwrap();
    let s = inspect(&blob, &[&content], &cache, &NoExtra)
        .signed
        .unwrap();
    let cert = s.signer.unwrap().cert.unwrap();
    let raw = std::fs::read(dir.join("mutants/rsa2048-nonminimal.der")).unwrap();
    assert_eq!(cert.der, raw, "the bytes as found are kept");
    let trust = TrustStore::load(&[dir.join("pki/ca.pem")], false).unwrap();
    let v = Verifier::new(trust, Default::default(), Default::default());
    let out = v.judge(&cert, &s.certs, 1_767_225_600);
    assert_eq!(out.status, ChainStatus::Trusted, "{:?}", out.error);
    // The same certificate alone through Cert::from_der.
    assert!(Cert::from_der(&raw).is_ok());
    if have_openssl() {
        let ok = Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-purpose",
                "smimesign",
                "-binary",
                "-inform",
                "DER",
            ])
            .arg("-CAfile")
            .arg(dir.join("pki/ca.pem"))
            .arg("-in")
            .arg(dir.join("mutants/cert-nonminimal-length.p7s"))
            .arg("-content")
            .arg(dir.join("content/hello.txt"))
            .args(["-out", "/dev/null"])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "openssl rejects the non-minimal certificate");
    }
}

/// `--certs` with a PKCS#7 bundle in BER (indefinite lengths): both
/// certificates are read, as `openssl pkcs7 -print_certs` reads them.
#[test]
fn ber_indefinite_p7b_bundle_loads() {
    let p = sigs().join("mutants/bundle-ber.p7b");
    let (certs, warnings) = smimescan::pki::store::load_certs(std::slice::from_ref(&p)).unwrap();
    assert_eq!(certs.len(), 2, "{warnings:?}");
    assert!(certs.iter().any(|c| c.subject.contains("rsa2048")));
    if have_openssl() {
        let out = Command::new("openssl")
            .args(["pkcs7", "-inform", "DER", "-print_certs", "-in"])
            .arg(&p)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.matches("subject=").count(), 2, "{text}");
    }
}

/// Found by fuzz/difftest (mutation `der_flip`): the NULL parameters of a
/// SignedData.digestAlgorithms entry flipped into an empty BOOLEAN. OpenSSL:
/// "boolean is wrong length"; a digest algorithm's parameters are absent or
/// NULL (RFC 5754 2), so the structure is malformed.
#[test]
fn digest_algorithms_parameters_not_null_are_malformed() {
    let (st, e, ..) = status_of("digest-algs-boolean-params.p7s");
    assert_eq!(st, SigStatus::Malformed, "{e}");
    assert!(e.contains("neither absent nor NULL"), "{e}");
    if have_openssl() {
        let p = sigs().join("mutants/digest-algs-boolean-params.p7s");
        let out = std::process::Command::new("openssl")
            .args([
                "cms",
                "-verify",
                "-noverify",
                "-inform",
                "DER",
                "-out",
                "/dev/null",
                "-in",
            ])
            .arg(&p)
            .output()
            .unwrap();
        assert!(!out.status.success(), "openssl accepted it");
    }
}

/// The same flip in the SignerInfo's own digestAlgorithm (the set repaired,
/// the signer's NULL parameters made an empty BOOLEAN): one rule for every
/// digest AlgorithmIdentifier, as OpenSSL decodes them all alike.
#[test]
fn signer_digest_algorithm_parameters_not_null_are_malformed() {
    let mut blob = std::fs::read(sigs().join("mutants/digest-algs-boolean-params.p7s")).unwrap();
    let sha256 = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    let at: Vec<usize> = blob
        .windows(sha256.len())
        .enumerate()
        .filter(|(_, w)| *w == sha256)
        .map(|(i, _)| i + sha256.len())
        .collect();
    assert_eq!(at.len(), 2, "digestAlgorithms entry and the signer's");
    assert_eq!(&blob[at[0]..at[0] + 2], [0x01, 0x00]);
    assert_eq!(&blob[at[1]..at[1] + 2], [0x05, 0x00]);
    blob[at[0]] = 0x05; // the set as signed
    blob[at[1]] = 0x01; // the signer's parameters: an empty BOOLEAN
    let o = inspect(&blob, &[], &CertCache::default(), &NoExtra);
    let e = o.error.unwrap_or_default();
    assert!(o.signed.is_none(), "must not be judged: {e}");
    assert!(e.contains("digestAlgorithm: parameters"), "{e}");
    // The repaired blob alone is fine: the flip is what makes it malformed.
    blob[at[1]] = 0x05;
    let o = inspect(&blob, &[], &CertCache::default(), &NoExtra);
    assert_eq!(o.signed.map(|s| s.status), Some(SigStatus::Valid));
}

// ---- difftest classes `nonminimal_len(signedattrs)` and `certs(dup-leaf)`:
// built here from the committed RSA blob by re-encoding its DER tree.

/// A DER element: tag, children (constructed) or contents, and whether
/// its length is written in a non-minimal long form.
struct El {
    tag: u8,
    kids: Option<Vec<El>>,
    value: Vec<u8>,
    long_len: bool,
}

fn parse_el(b: &[u8], i: usize) -> (El, usize) {
    let tag = b[i];
    let (len, hl) = match b[i + 1] {
        l if l < 0x80 => (l as usize, 2),
        l => {
            let n = (l & 0x7f) as usize;
            let v = b[i + 2..i + 2 + n]
                .iter()
                .fold(0usize, |a, &x| (a << 8) | x as usize);
            (v, 2 + n)
        }
    };
    let body = &b[i + hl..i + hl + len];
    let kids = (tag & 0x20 != 0).then(|| {
        let (mut kids, mut j) = (Vec::new(), 0);
        while j < body.len() {
            let (k, n) = parse_el(body, j);
            kids.push(k);
            j = n;
        }
        kids
    });
    let el = El {
        tag,
        kids,
        value: body.to_vec(),
        long_len: false,
    };
    (el, i + hl + len)
}

fn enc_el(e: &El) -> Vec<u8> {
    let body: Vec<u8> = match &e.kids {
        Some(k) => k.iter().flat_map(enc_el).collect(),
        None => e.value.clone(),
    };
    let mut out = vec![e.tag];
    let n = body.len();
    if e.long_len {
        // 0x83 0x00 hi lo: a zero octet more than needed (BER, not DER).
        out.extend_from_slice(&[0x83, 0x00, (n >> 8) as u8, n as u8]);
    } else if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(&body);
    out
}

fn rsa_blob_tree() -> El {
    let blob = std::fs::read(sigs().join("blobs/rsa2048-sha256.p7s")).unwrap();
    let (ci, end) = parse_el(&blob, 0);
    assert_eq!(end, blob.len());
    assert_eq!(enc_el(&ci), blob, "the blob is DER: the tree re-encodes it");
    ci
}

fn signed_data(ci: &mut El) -> &mut El {
    &mut ci.kids.as_mut().unwrap()[1].kids.as_mut().unwrap()[0]
}

fn signer_info(ci: &mut El) -> &mut El {
    let sd = signed_data(ci);
    let infos = sd.kids.as_mut().unwrap().last_mut().unwrap();
    &mut infos.kids.as_mut().unwrap()[0]
}

/// Our verdict on a mutated blob, and whether `openssl cms -verify
/// -noverify` accepts it (None without openssl).
fn judge_blob(name: &str, blob: &[u8]) -> (SigStatus, String, Option<bool>) {
    let content = std::fs::read(sigs().join("content/hello.txt")).unwrap();
    let o = inspect(blob, &[&content], &CertCache::default(), &NoExtra);
    let (st, e) = match o.signed {
        Some(s) => (s.status, s.error.unwrap_or_default()),
        None => (SigStatus::Malformed, o.error.unwrap_or_default()),
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cms_mutants");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, blob).unwrap();
    let theirs = have_openssl().then(|| openssl_says(&p) == "valid");
    (st, e, theirs)
}

/// difftest `nonminimal_len(signedattrs)`: the signed attributes' own
/// length written `83 00 01 xx`. A signer signs the DER encoding (RFC 5652
/// 5.4), and OpenSSL and NSS both re-encode the SET's header before
/// verifying: valid, as both say. Before, the bytes as found were hashed
/// and the signature was `invalid`.
#[test]
fn signed_attributes_with_a_non_minimal_length_verify_as_der() {
    let mut ci = rsa_blob_tree();
    let si = signer_info(&mut ci);
    let attrs = si.kids.as_mut().unwrap().iter_mut().find(|k| k.tag == 0xA0);
    attrs.unwrap().long_len = true;
    let (st, e, openssl) = judge_blob("attrs-nonminimal-length.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Valid, "{e}");
    assert_ne!(openssl, Some(false), "OpenSSL rejects it");

    // Each Attribute SEQUENCE written long too: the same.
    let mut ci = rsa_blob_tree();
    let si = signer_info(&mut ci);
    let attrs = si.kids.as_mut().unwrap().iter_mut().find(|k| k.tag == 0xA0);
    for a in attrs.unwrap().kids.as_mut().unwrap() {
        a.long_len = true;
    }
    let (st, e, openssl) = judge_blob("attr-seqs-nonminimal-length.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Valid, "{e}");
    assert_ne!(openssl, Some(false), "OpenSSL rejects it");
}

/// An attribute value (the messageDigest OCTET STRING) with a non-minimal
/// length stays `invalid`: values are hashed as found, as NSS hashes them
/// (OpenSSL re-encodes values too and verifies it; where the two differ the
/// stricter reading stands, README deliberate differences).
#[test]
fn signed_attribute_value_with_a_non_minimal_length_is_invalid() {
    let mut ci = rsa_blob_tree();
    let si = signer_info(&mut ci);
    let attrs = si.kids.as_mut().unwrap().iter_mut().find(|k| k.tag == 0xA0);
    let md_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04,
    ];
    let md = attrs
        .unwrap()
        .kids
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|a| enc_el(&a.kids.as_ref().unwrap()[0]) == md_oid)
        .unwrap();
    let values = &mut md.kids.as_mut().unwrap()[1];
    values.kids.as_mut().unwrap()[0].long_len = true;
    let (st, e, openssl) = judge_blob("attr-value-nonminimal-length.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Invalid, "{e}");
    if let Some(o) = openssl {
        assert!(o, "OpenSSL now rejects it: drop the README difference");
    }
}

/// The signer's certificate twice in `certificates`, one copy with a byte
/// of its RSA modulus changed (difftest `certs(dup-leaf)` + a flip). Both
/// copies have the signer's issuer and serial number. OpenSSL takes the
/// first match; before, we took the one whose key verifies, so with the
/// damaged copy first we said `valid` + `trusted` where OpenSSL says
/// "certificate verify error". Two different certificates for one issuer
/// and serial are now `invalid` in either order (with the damaged copy
/// second OpenSSL says valid: a deliberate, stricter difference).
#[test]
fn two_different_certificates_for_the_signers_issuer_and_serial_are_invalid() {
    for damaged_first in [true, false] {
        let mut ci = rsa_blob_tree();
        let sd = signed_data(&mut ci);
        let certs = sd
            .kids
            .as_mut()
            .unwrap()
            .iter_mut()
            .find(|k| k.tag == 0xA0)
            .unwrap();
        let leaf_der = enc_el(&certs.kids.as_ref().unwrap()[0]);
        let (mut bad, _) = parse_el(&leaf_der, 0);
        let spki = &mut bad.kids.as_mut().unwrap()[0].kids.as_mut().unwrap()[6];
        let bits = &mut spki.kids.as_mut().unwrap()[1];
        // BIT STRING of RSAPublicKey: flip a byte in the middle of the modulus.
        let mid = bits.value.len() / 2;
        bits.kids = None;
        bits.value[mid] ^= 0x10;
        let at = if damaged_first { 0 } else { 1 };
        certs.kids.as_mut().unwrap().insert(at, bad);
        let name = format!(
            "dup-leaf-damaged-{}.p7s",
            if damaged_first { "first" } else { "second" }
        );
        let (st, e, openssl) = judge_blob(&name, &enc_el(&ci));
        assert_eq!(st, SigStatus::Invalid, "{name}: {e}");
        assert!(
            e.contains("signer's certificate is ambiguous"),
            "{name}: {e}"
        );
        if let Some(o) = openssl {
            assert_eq!(o, !damaged_first, "{name}: OpenSSL takes the first match");
        }
    }
    // The same certificate carried twice, byte for byte, is no ambiguity.
    let mut ci = rsa_blob_tree();
    let sd = signed_data(&mut ci);
    let certs = sd
        .kids
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|k| k.tag == 0xA0)
        .unwrap();
    let leaf_der = enc_el(&certs.kids.as_ref().unwrap()[0]);
    certs.kids.as_mut().unwrap().push(parse_el(&leaf_der, 0).0);
    let (st, e, openssl) = judge_blob("dup-leaf-identical.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Valid, "{e}");
    assert_ne!(openssl, Some(false));
}

/// difftest `certs(dup-leaf)` + a flip that leaves one copy undecodable (and
/// `certs(with-root)` + a flip in the root's copy): the damaged certificate
/// was skipped and the intact one verified (`valid` + `trusted`), while
/// OpenSSL fails on the structure ("wrong tag"). A certificate that does not
/// decode makes the SignedData `malformed`.
#[test]
fn undecodable_certificate_in_the_message_is_malformed() {
    let mut ci = rsa_blob_tree();
    let sd = signed_data(&mut ci);
    let certs = sd
        .kids
        .as_mut()
        .unwrap()
        .iter_mut()
        .find(|k| k.tag == 0xA0)
        .unwrap();
    let leaf_der = enc_el(&certs.kids.as_ref().unwrap()[0]);
    let (mut bad, _) = parse_el(&leaf_der, 0);
    // The validity SEQUENCE (tbs field 4) tagged as a SET.
    let validity = &mut bad.kids.as_mut().unwrap()[0].kids.as_mut().unwrap()[4];
    assert_eq!(validity.tag, 0x30);
    validity.tag = 0x31;
    certs.kids.as_mut().unwrap().push(bad);
    let (st, e, openssl) = judge_blob("cert-undecodable-copy.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Malformed, "{e}");
    assert!(e.contains("certificate 2 does not decode"), "{e}");
    assert_ne!(openssl, Some(true), "OpenSSL accepts it");
}

/// difftest (final run, seed 20261205): digestAlgorithms holding the
/// signer's sha256 and a second entry whose OID a flip made unknown was
/// `valid`; OpenSSL sets up every listed digest and stops: "unknown digest
/// algorithm". Now `unsupported` (fails `--fail-on invalid`).
#[test]
fn digest_algorithms_listing_an_unknown_digest_is_unsupported() {
    let mut ci = rsa_blob_tree();
    let sd = signed_data(&mut ci);
    let set = &mut sd.kids.as_mut().unwrap()[1];
    assert_eq!(set.tag, 0x31, "digestAlgorithms");
    let entry = &set.kids.as_ref().unwrap()[0];
    let mut unknown = El {
        tag: entry.tag,
        kids: entry.kids.as_ref().map(|k| {
            k.iter()
                .map(|e| El {
                    tag: e.tag,
                    kids: None,
                    value: e.value.clone(),
                    long_len: false,
                })
                .collect()
        }),
        value: entry.value.clone(),
        long_len: false,
    };
    let oid = &mut unknown.kids.as_mut().unwrap()[0];
    assert_eq!(oid.tag, 0x06);
    *oid.value.last_mut().unwrap() ^= 0x40; // 2.16.840.1.101.3.4.2.65: no digest
    set.kids.as_mut().unwrap().push(unknown);
    let (st, e, openssl) = judge_blob("digest-algs-unknown-extra.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Unsupported, "{e}");
    assert!(e.contains("unknown digest algorithm"), "{e}");
    assert_ne!(openssl, Some(true), "OpenSSL accepts it");
}

/// difftest `der_flip` at the eContent's tag: the OCTET STRING (04) of an
/// opaque signature flipped to an OBJECT IDENTIFIER (06), one bit away,
/// (or a UTF8String, 0C). The contents octets still digest to the signed
/// value, and the scanner called it `valid`; OpenSSL fails to decode it
/// ("wrong tag"). eContent is an OCTET STRING (RFC 5652 5.2): malformed.
#[test]
fn econtent_that_is_no_octet_string_is_malformed() {
    let blob = std::fs::read(sigs().join("blobs/rsa2048-opaque.p7m")).unwrap();
    let (mut ci, end) = parse_el(&blob, 0);
    assert_eq!(end, blob.len());
    let (st, e) = judge_opaque("econtent-intact.p7m", &enc_el(&ci));
    assert_eq!(st, SigStatus::Valid, "the intact blob: {e}");
    for (name, t) in [("econtent-oid.p7m", 0x06u8), ("econtent-utf8.p7m", 0x0C)] {
        let sd = signed_data(&mut ci);
        let eci = &mut sd.kids.as_mut().unwrap()[2];
        let wrapper = &mut eci.kids.as_mut().unwrap()[1];
        assert_eq!(wrapper.tag, 0xA0, "[0] EXPLICIT eContent");
        let inner = &mut wrapper.kids.as_mut().unwrap()[0];
        assert!(inner.tag == 0x04 || inner.tag == 0x06 || inner.tag == 0x0C);
        inner.tag = t;
        let mutated = enc_el(&ci);
        let (st, e) = judge_opaque(name, &mutated);
        assert_eq!(st, SigStatus::Malformed, "{name}: {e}");
        assert!(e.contains("eContent"), "{e}");
        if have_openssl() {
            let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join("cms_mutants")
                .join(name);
            let ok = openssl_verifies(&p, None);
            assert!(!ok, "{name}: OpenSSL accepts it");
        }
    }
}

/// Our verdict on a mutated opaque blob (no detached content); the blob
/// is written under the test's temp dir for OpenSSL.
fn judge_opaque(name: &str, blob: &[u8]) -> (SigStatus, String) {
    let o = inspect(blob, &[], &CertCache::default(), &NoExtra);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cms_mutants");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), blob).unwrap();
    match o.signed {
        Some(s) => (s.status, s.error.unwrap_or_default()),
        None => (SigStatus::Malformed, o.error.unwrap_or_default()),
    }
}

/// difftest `der_flip` at the NULL parameters of the SignerInfo's
/// signatureAlgorithm (rsaEncryption): 05 00 flipped to 01 00, an empty
/// BOOLEAN. The scanner read the label without its parameters and said
/// `valid`; OpenSSL fails to decode it. Parameters of a signature
/// algorithm other than RSA-PSS are absent or NULL (RFC 4055 5), as for
/// digests: malformed. A well-formed other value (an empty EXTERNAL, 07
/// 00), which OpenSSL 3.0 takes, is malformed by the same rule (a
/// deliberate difference, listed in fuzz/difftest).
#[test]
fn signature_algorithm_parameters_not_null_are_malformed() {
    let mut ci = rsa_blob_tree();
    let (st, e, _) = judge_blob("sigalg-intact.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Valid, "the intact blob: {e}");
    for (t, openssl_rejects) in [(0x01u8, true), (0x07, false)] {
        let si = signer_info(&mut ci);
        let kids = si.kids.as_mut().unwrap();
        let alg = kids
            .iter_mut()
            .skip(3)
            .find(|k| k.tag == 0x30)
            .expect("signatureAlgorithm");
        let params = &mut alg.kids.as_mut().unwrap()[1];
        assert!(matches!(params.tag, 0x05 | 0x01 | 0x07), "NULL parameters");
        params.tag = t;
        let name = format!("sigalg-params-{t:02x}.p7s");
        let (st, e, openssl) = judge_blob(&name, &enc_el(&ci));
        assert_eq!(st, SigStatus::Malformed, "{name}: {e}");
        assert!(
            e.contains("signatureAlgorithm: parameters (tag 0x"),
            "{name}: {e}"
        );
        if openssl_rejects {
            assert_ne!(openssl, Some(true), "{name}: OpenSSL accepts it");
        }
    }
}

/// difftest `signing_time_unsigned` + `der_flip` (final run, seed
/// 20261207): a signingTime among the unsigned attributes, its OID's last
/// octet flipped to 0x85 (a subidentifier left open). The unsigned
/// attributes are covered by no signature, and the scanner took the
/// broken OID for an unknown attribute: `valid`. OpenSSL: "invalid object
/// encoding". Every OBJECT IDENTIFIER read is now checked; a fault in the
/// unsigned attributes makes the signer `invalid`, as a signingTime there.
#[test]
fn unsigned_attribute_with_an_invalid_oid_encoding_is_invalid() {
    let attr = |oid: &[u8]| El {
        tag: 0xA1,
        kids: Some(vec![El {
            tag: 0x30,
            kids: Some(vec![
                El {
                    tag: 0x06,
                    kids: None,
                    value: oid.to_vec(),
                    long_len: false,
                },
                El {
                    tag: 0x31,
                    kids: Some(vec![El {
                        tag: 0x17,
                        kids: None,
                        value: b"260101000000Z".to_vec(),
                        long_len: false,
                    }]),
                    value: Vec::new(),
                    long_len: false,
                },
            ]),
            value: Vec::new(),
            long_len: false,
        }]),
        value: Vec::new(),
        long_len: false,
    };
    // 1.3.6.1.4.1.99999.1: an unknown unsigned attribute is fine.
    let mut ci = rsa_blob_tree();
    signer_info(&mut ci).kids.as_mut().unwrap().push(attr(&[
        0x2B, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8D, 0x1F, 0x01,
    ]));
    let (st, e, openssl) = judge_blob("unsigned-unknown-attr.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Valid, "{e}");
    assert_ne!(openssl, Some(false), "OpenSSL rejects an unknown attribute");
    // signingTime's OID with its last octet 05 flipped to 85.
    let mut ci = rsa_blob_tree();
    signer_info(&mut ci).kids.as_mut().unwrap().push(attr(&[
        0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x85,
    ]));
    let (st, e, openssl) = judge_blob("unsigned-bad-oid.p7s", &enc_el(&ci));
    assert_eq!(st, SigStatus::Invalid, "{e}");
    assert!(e.contains("invalid OBJECT IDENTIFIER encoding"), "{e}");
    assert_ne!(openssl, Some(true), "OpenSSL accepts it");
}
