//! Every row of `corpora/sigs/manifest.csv` through `cms::inspect`, each
//! field asserted, and each signed fixture's verdict cross-checked against
//! `openssl cms -verify -noverify` (skipped with a notice when `openssl` is
//! not installed).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use smimescan::cms::{inspect, CmsKind, SigStatus};
use smimescan::pki::{Cert, CertCache};
use smimescan::pki::{CertLookup, SignerId};

struct NoExtra;
impl CertLookup for NoExtra {
    fn find_signer(&self, _: &SignerId) -> Option<Arc<Cert>> {
        None
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpora/sigs")
}

fn kind_name(k: Option<CmsKind>) -> &'static str {
    match k {
        None => "",
        Some(CmsKind::Signed) => "signed",
        Some(CmsKind::CertsOnly) => "certs-only",
        Some(CmsKind::Enveloped) => "enveloped",
        Some(CmsKind::AuthEnveloped) => "auth-enveloped",
        Some(CmsKind::Other) => "other",
    }
}

/// Whether OpenSSL verifies `blob` (with any of the content files), or None
/// when openssl cannot be run.
fn openssl_verifies(blob: &Path, contents: &[PathBuf]) -> Option<bool> {
    let run = |content: Option<&PathBuf>| {
        common::openssl_cms_verifies(blob, content.map(PathBuf::as_path))
    };
    if contents.is_empty() {
        return run(None);
    }
    let mut any = false;
    for f in contents {
        any |= run(Some(f))?;
    }
    Some(any)
}

#[test]
fn manifest_fixtures() {
    let root = root();
    let manifest = std::fs::read_to_string(root.join("manifest.csv")).unwrap();
    let have_openssl = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_openssl {
        eprintln!("NOTICE: openssl not found; OpenSSL cross-check skipped");
    }
    let cache = CertCache::default();
    let mut rows = 0;
    let mut cross_checked = 0;
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 11, "{line}");
        let [file, content, kind, signers, signature, digest, sigalg, bits, enc, stime, error] =
            f[..]
        else {
            unreachable!()
        };
        rows += 1;
        let blob_path = root.join("blobs").join(file);
        let blob = std::fs::read(&blob_path).unwrap();
        let content_paths: Vec<PathBuf> = content
            .split('|')
            .filter(|s| !s.is_empty())
            .map(|c| root.join("content").join(c))
            .collect();
        let contents: Vec<Vec<u8>> = content_paths
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        let cands: Vec<&[u8]> = contents.iter().map(|c| c.as_slice()).collect();
        let o = inspect(&blob, &cands, &cache, &NoExtra);
        let ctx = format!("{file} [{content}]");
        assert_eq!(kind_name(o.kind), kind, "{ctx}: {:?}", o.error);
        assert_eq!(o.encryption_alg.as_deref().unwrap_or(""), enc, "{ctx}");
        if o.kind.is_none() {
            assert_eq!(signature, "malformed", "{ctx}");
            let e = o.error.as_deref().unwrap();
            assert!(e.contains(error), "{ctx}: {e}");
            assert!(!e.contains('\n'), "{ctx}: one-line error");
            continue;
        }
        let Some(s) = &o.signed else {
            assert_eq!(signature, "", "{ctx}");
            assert!(matches!(
                o.kind,
                Some(CmsKind::Enveloped | CmsKind::AuthEnveloped)
            ));
            continue;
        };
        assert_eq!(s.signers.to_string(), signers, "{ctx}");
        assert_eq!(s.status.as_str(), signature, "{ctx}: {:?}", s.error);
        if s.status == SigStatus::Valid {
            assert!(s.error.is_none(), "{ctx}");
        } else {
            let e = s.error.as_deref().unwrap_or("");
            assert!(e.contains(error), "{ctx}: error {e:?} lacks {error:?}");
        }
        if s.signers == 0 {
            assert!(s.signer.is_none());
            assert!(!s.certs.is_empty(), "{ctx}");
            continue;
        }
        let r = s.signer.as_ref().unwrap();
        let one_of = |want: &str, got: String| {
            assert!(
                want.split('|').any(|w| w == got),
                "{ctx}: {got:?} not in {want:?}"
            )
        };
        one_of(digest, r.digest_alg.clone().unwrap_or_default());
        one_of(sigalg, r.signature_alg.clone().unwrap_or_default());
        one_of(bits, r.key_bits.map(|b| b.to_string()).unwrap_or_default());
        match stime {
            "" => assert_eq!(r.signing_time, None, "{ctx}"),
            "yes" => {
                let t = r.signing_time.expect("signing time");
                assert!(t > 1_577_836_800, "{ctx}: {t}"); // after 2020
            }
            n => assert_eq!(r.signing_time, Some(n.parse().unwrap()), "{ctx}"),
        }
        if s.status == SigStatus::Valid {
            assert_eq!(r.status, SigStatus::Valid);
            let c = r.cert.as_ref().expect("signer cert");
            assert!(c.subject.contains("smimescan test"), "{ctx}");
        }
        if error.contains("signer certificate not found") {
            assert!(r.cert.is_none(), "{ctx}");
        }
        assert!(s.all_digest_algs.contains(r.digest_alg.as_ref().unwrap()));

        // OpenSSL 3.0 cannot verify Ed25519 CMS.
        if have_openssl && file != "ed25519.p7s" {
            let theirs = openssl_verifies(&blob_path, &content_paths).unwrap();
            assert_eq!(
                s.status == SigStatus::Valid,
                theirs,
                "{ctx}: we say {}, openssl says {}",
                s.status.as_str(),
                if theirs { "valid" } else { "not valid" }
            );
            cross_checked += 1;
        }
    }
    eprintln!("{rows} manifest rows checked, {cross_checked} cross-checked with openssl");
    assert!(rows >= 40);
}

/// The signer certificate missing from the message but known to the extra
/// pool (`--certs`) is found there and the signature verifies.
#[test]
fn signer_cert_from_extra_pool() {
    struct Pool(Arc<Cert>);
    impl CertLookup for Pool {
        fn find_signer(&self, sid: &SignerId) -> Option<Arc<Cert>> {
            smimescan::pki::sid_matches(sid, &self.0).then(|| self.0.clone())
        }
    }
    let root = root();
    let cache = CertCache::default();
    let pem = std::fs::read_to_string(root.join("pki/rsa2048.pem")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64_decode(&b64);
    let cert = cache.get(&der).unwrap();
    let blob = std::fs::read(root.join("blobs/rsa2048-nocerts.p7s")).unwrap();
    let content = std::fs::read(root.join("content/hello.txt")).unwrap();
    let o = inspect(&blob, &[&content], &cache, &Pool(cert.clone()));
    let s = o.signed.unwrap();
    assert_eq!(s.status, SigStatus::Valid, "{:?}", s.error);
    assert!(s.certs.is_empty());
    assert_eq!(s.signer.unwrap().cert.unwrap().sha256, cert.sha256);
}

/// Certificates are decoded once per run: the same blob twice gives the
/// same `Arc`s.
#[test]
fn certs_are_cached() {
    let root = root();
    let cache = CertCache::default();
    let blob = std::fs::read(root.join("blobs/rsa2048-opaque.p7m")).unwrap();
    let a = inspect(&blob, &[], &cache, &NoExtra).signed.unwrap();
    let b = inspect(&blob, &[], &cache, &NoExtra).signed.unwrap();
    assert_eq!(a.status, SigStatus::Valid);
    assert!(Arc::ptr_eq(&a.certs[0], &b.certs[0]));
}

/// A DSA signature (verified by the `dsa` crate) with one bit of its `s`
/// changed: the Dss-Sig-Value stays well-formed and the signature is
/// `invalid`, as OpenSSL says; the untouched blob is `valid`.
#[test]
fn dsa_signature_with_a_changed_bit_is_invalid() {
    let root = root();
    let cache = CertCache::default();
    let content_path = root.join("content/hello.txt");
    let content = std::fs::read(&content_path).unwrap();
    let blob = std::fs::read(root.join("blobs/dsa2048-sha256.p7s")).unwrap();
    let good = inspect(&blob, &[&content], &cache, &NoExtra)
        .signed
        .unwrap();
    assert_eq!(good.status, SigStatus::Valid, "{:?}", good.error);
    // The blob ends with the signature: its last byte is the last of `s`.
    let mut bad = blob.clone();
    *bad.last_mut().unwrap() ^= 0x01;
    let out = inspect(&bad, &[&content], &cache, &NoExtra).signed.unwrap();
    assert_eq!(out.status, SigStatus::Invalid, "{:?}", out.error);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.p7s");
    std::fs::write(&f, &bad).unwrap();
    if let Some(ok) = openssl_verifies(&f, &[content_path]) {
        assert!(!ok, "OpenSSL verifies the changed DSA signature");
    } else {
        eprintln!("note: openssl not found, DSA cross-check skipped");
    }
}

/// Truncations and bit flips of the fixtures: never a panic, and a flipped
/// bit never turns into `valid` unless the blob still verifies with
/// OpenSSL's reading of it too (flips in unsigned parts such as other
/// certificates are harmless).
#[test]
fn mutations_never_panic() {
    let root = root();
    let cache = CertCache::default();
    let content = std::fs::read(root.join("content/hello.txt")).unwrap();
    for f in [
        "rsa2048-opaque-stream.p7m",
        "rsa2048-unsorted-attrs.p7s",
        "ecdsa-p521-sha512.p7s",
        "dsa2048-sha256.p7s",
        "rsa2048-pss-sha512-salt20.p7s",
        "auth-enveloped-aes256-gcm.p7m",
        "two-signers.p7s",
    ] {
        let blob = std::fs::read(root.join("blobs").join(f)).unwrap();
        for n in 0..blob.len() {
            let _ = inspect(&blob[..n], &[&content], &cache, &NoExtra);
        }
        for i in 0..blob.len() {
            let mut m = blob.clone();
            m[i] ^= 0x80;
            let _ = inspect(&m, &[&content], &cache, &NoExtra);
        }
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let b: Vec<u8> = s.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for ch in b.chunks(4) {
        let n = ch.iter().fold(0u32, |a, &c| (a << 6) | val(c)) << (6 * (4 - ch.len()));
        let pad = ch.iter().filter(|&&c| c == b'=').count();
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}
