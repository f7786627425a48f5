//! RFC 4134 "Examples of S/MIME Messages" (Bouncy Castle's extraction, in
//! `../shared/peer/rfc4134-bc-test-data/`): every signed example is valid.

use std::path::PathBuf;
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

/// An extra pool (as `--certs` / trust anchors would give) holding CA certs.
struct Pool(Vec<Arc<Cert>>);
impl CertLookup for Pool {
    fn find_signer(&self, sid: &SignerId) -> Option<Arc<Cert>> {
        self.0
            .iter()
            .find(|c| smimescan::pki::sid_matches(sid, c))
            .cloned()
    }
    fn find_issuers(&self, cert: &Cert) -> Vec<Arc<Cert>> {
        self.0
            .iter()
            .filter(|c| c.subject_der == cert.issuer_der)
            .cloned()
            .collect()
    }
}

fn dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/peer/rfc4134-bc-test-data");
    if d.is_dir() {
        Some(d)
    } else {
        eprintln!("NOTICE: {} missing; RFC 4134 tests skipped", d.display());
        None
    }
}

#[test]
fn rfc4134_examples() {
    let Some(d) = dir() else { return };
    let read = |f: &str| std::fs::read(d.join(f)).unwrap();
    let content = read("ExContent.bin");
    let cache = CertCache::default();

    // (file, kind, signature, signers, digest_alg, signature_alg, key_bits)
    let signed: &[(&str, usize, &str, &str, u32)] = &[
        ("4.1.bin", 1, "sha1", "dsa", 1024),
        ("4.2.bin", 1, "sha1", "rsa-pkcs1", 1024),
        ("4.3.bin", 1, "sha1", "dsa", 1024),
        ("4.4.bin", 1, "sha1", "dsa", 1024),
        ("4.5.bin", 1, "sha1", "rsa-pkcs1", 1024),
        ("4.7.bin", 1, "sha1", "dsa", 1024),
        ("4.10.bin", 1, "sha1", "dsa", 1024),
    ];
    for &(f, signers, dig, sigalg, bits) in signed {
        let blob = read(f);
        let o = inspect(&blob, &[&content], &cache, &NoExtra);
        assert_eq!(o.kind, Some(CmsKind::Signed), "{f}: {:?}", o.error);
        let s = o.signed.as_ref().unwrap();
        assert_eq!(s.status, SigStatus::Valid, "{f}: {:?}", s.error);
        assert_eq!(s.signers, signers, "{f}");
        let r = s.signer.as_ref().unwrap();
        assert_eq!(r.status, SigStatus::Valid, "{f}");
        assert!(r.cert.is_some(), "{f}");
        assert_eq!(r.digest_alg.as_deref(), Some(dig), "{f}");
        assert_eq!(r.signature_alg.as_deref(), Some(sigalg), "{f}");
        assert_eq!(r.key_bits, Some(bits), "{f}");
        assert!(!s.certs.is_empty(), "{f}");
    }

    // 4.6: two DSA signers, AliceDSS and DianeDSS, whose key has no domain
    // parameters (RFC 3279 inheritance from CarlDSS). CarlDSS is not in the
    // message: without it Diane's signature cannot be checked and the
    // message is `unsupported` (never `invalid`; OpenSSL 3.0 fails here).
    // With CarlDSS available (as `--certs`/trust anchors give it), its key
    // verifies Diane's certificate, its parameters complete her key and
    // both signatures verify, as in Bouncy Castle's test.
    let blob = read("4.6.bin");
    let o = inspect(&blob, &[], &cache, &NoExtra);
    assert_eq!(o.kind, Some(CmsKind::Signed));
    let s = o.signed.unwrap();
    assert_eq!(s.signers, 2);
    assert_eq!(s.status, SigStatus::Unsupported, "{:?}", s.error);
    assert!(s
        .error
        .as_deref()
        .unwrap()
        .contains("DSA key parameters inherited"));
    let r = s.signer.unwrap();
    assert_eq!(
        r.status,
        SigStatus::Valid,
        "first verifying signer is shown"
    );
    assert!(r.cert.unwrap().subject.contains("AliceDSS"));
    let carl = cache.get(&read("CarlDSSSelf.cer")).unwrap();
    let o = inspect(&blob, &[], &cache, &Pool(vec![carl]));
    let s = o.signed.unwrap();
    assert_eq!(s.status, SigStatus::Valid, "{:?}", s.error);
    let r = s.signer.unwrap();
    assert_eq!(r.key_bits, Some(1024));
    assert_eq!(r.signature_alg.as_deref(), Some("dsa"));

    // 4.3 is detached, without signed attributes (the signature is over the
    // content): without the content it cannot be checked (never `invalid`
    // for our lack of content), with wrong content it is invalid.
    let blob = read("4.3.bin");
    let o = inspect(&blob, &[], &cache, &NoExtra);
    assert_eq!(o.signed.unwrap().status, SigStatus::Unsupported);
    let o = inspect(&blob, &[b"other", &content], &cache, &NoExtra);
    assert_eq!(o.signed.unwrap().status, SigStatus::Valid);
    let o = inspect(&blob, &[b"other"], &cache, &NoExtra);
    let s = o.signed.unwrap();
    assert_eq!(s.status, SigStatus::Invalid);
    assert_eq!(s.error.as_deref(), Some("DSA signature does not verify"));

    // 4.11: certificates only.
    let o = inspect(&read("4.11.bin"), &[], &cache, &NoExtra);
    assert_eq!(o.kind, Some(CmsKind::CertsOnly), "{:?}", o.error);
    let s = o.signed.unwrap();
    assert_eq!(s.signers, 0);
    assert_eq!(s.status, SigStatus::Valid);
    assert_eq!(s.certs.len(), 2);

    // Enveloped.
    for (f, alg) in [("5.1.bin", "des-ede3-cbc"), ("5.2.bin", "rc2-cbc")] {
        let o = inspect(&read(f), &[], &cache, &NoExtra);
        assert_eq!(o.kind, Some(CmsKind::Enveloped), "{f}: {:?}", o.error);
        assert_eq!(o.encryption_alg.as_deref(), Some(alg), "{f}");
        assert!(o.signed.is_none());
    }

    // Other content types (data BER/DER, digested, encrypted).
    for f in ["3.1.bin", "3.2.bin", "6.0.bin", "7.1.bin", "7.2.bin"] {
        let o = inspect(&read(f), &[], &cache, &NoExtra);
        assert_eq!(o.kind, Some(CmsKind::Other), "{f}: {:?}", o.error);
    }
}

/// Every truncation and a sweep of single-byte corruptions of the RFC
/// examples: never a panic, never `valid` for a changed signature.
#[test]
fn rfc4134_mutations_never_panic() {
    let Some(d) = dir() else { return };
    let content = std::fs::read(d.join("ExContent.bin")).unwrap();
    let cache = CertCache::default();
    for f in ["4.2.bin", "4.6.bin", "4.7.bin", "5.2.bin"] {
        let blob = std::fs::read(d.join(f)).unwrap();
        for n in (0..blob.len()).step_by(7) {
            let _ = inspect(&blob[..n], &[&content], &cache, &NoExtra);
        }
        let step = (blob.len() / 300).max(1);
        for i in (0..blob.len()).step_by(step) {
            let mut m = blob.clone();
            m[i] ^= 0x5A;
            let _ = inspect(&m, &[&content], &cache, &NoExtra);
        }
    }
}
