//! Several signers (SPEC Report): `signature` is `valid` only when every
//! signer verifies, and every signer's chain is judged. A message signed by
//! a CA-issued signer and by a self-signed one is `OTHER_SIGNER_UNTRUSTED`
//! and a violation (OpenSSL: "self-signed certificate"); the same message
//! with two CA-issued signers is compliant (OpenSSL: verification
//! successful). Fixtures: corpora/sigs/mutants.py.

mod common;

use std::process::{Command, Stdio};

use common::{csv_rows, root, smimescan};

fn scan(file: &str) -> std::collections::HashMap<String, String> {
    let sigs = root("corpora/sigs");
    let p = |rel: &str| sigs.join(rel).to_str().unwrap().to_owned();
    let (code, out, err) = smimescan(&[
        "scan",
        &p(file),
        "--trust",
        &p("pki/ca.pem"),
        "--no-default-trust",
        "--at",
        "2026-01-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    let mut rows = csv_rows(&out);
    assert_eq!(rows.len(), 1);
    rows.remove(0)
}

/// Whether `openssl cms -verify -CAfile ca.pem` accepts the message (None
/// without openssl).
fn openssl_accepts(file: &str) -> Option<bool> {
    let sigs = root("corpora/sigs");
    let st = Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-purpose",
            "smimesign",
            "-attime",
            "1767225600",
        ])
        .arg("-CAfile")
        .arg(sigs.join("pki/ca.pem"))
        .arg("-in")
        .arg(sigs.join(file))
        .args(["-out", "/dev/null"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    Some(st.success())
}

#[test]
fn second_signer_self_signed_is_other_signer_untrusted() {
    let f = "mutants/two-signers-selfsigned.eml";
    let r = scan(f);
    assert_eq!(r["signers"], "2");
    assert_eq!(r["signature"], "valid", "{}", r["error"]);
    // The row describes the CA-issued signer, whose chain is trusted …
    assert_eq!(r["chain"], "trusted", "{}", r["error"]);
    assert!(r["signer_subject"].contains("rsa2048"));
    // … but the second signer's is not.
    assert!(
        r["findings"]
            .split(';')
            .any(|f| f == "OTHER_SIGNER_UNTRUSTED"),
        "{}",
        r["findings"]
    );
    assert!(r["error"].contains(" chain: untrusted"), "{}", r["error"]);
    assert_eq!(r["verdict"], "violation");
    if let Some(ok) = openssl_accepts(f) {
        assert!(!ok, "openssl accepts a self-signed second signer");
    }
}

#[test]
fn two_trusted_signers_are_compliant() {
    let f = "mutants/two-signers-ca.eml";
    let r = scan(f);
    assert_eq!(r["signers"], "2");
    assert_eq!(r["signature"], "valid", "{}", r["error"]);
    assert_eq!(r["chain"], "trusted");
    // The row's signer is the first SignerInfo in DER order, which may be
    // the ecp256 one (whose address is not the From): nothing but that.
    assert!(
        r["findings"].is_empty() || r["findings"] == "SENDER_MISMATCH",
        "{}",
        r["findings"]
    );
    if let Some(ok) = openssl_accepts(f) {
        assert!(ok, "openssl rejects two CA-issued signers");
    }
}

/// The library exposes every signer with its status and certificate.
#[test]
fn signed_outcome_lists_every_signer() {
    use smimescan::cms::SigStatus;
    let sigs = root("corpora/sigs");
    let blob = std::fs::read(sigs.join("blobs/two-signers-one-bad.p7s")).unwrap();
    let content = std::fs::read(sigs.join("content/hello.txt")).unwrap();
    struct NoExtra;
    impl smimescan::pki::CertLookup for NoExtra {
        fn find_signer(
            &self,
            _: &smimescan::pki::SignerId,
        ) -> Option<std::sync::Arc<smimescan::pki::Cert>> {
            None
        }
    }
    let cache = smimescan::pki::CertCache::default();
    let s = smimescan::cms::inspect(&blob, &[&content], &cache, &NoExtra)
        .signed
        .unwrap();
    assert_eq!(s.status, SigStatus::Invalid);
    assert_eq!(s.all.len(), 2);
    assert_eq!(s.all[0].status, SigStatus::Valid);
    assert_eq!(s.all[1].status, SigStatus::Invalid);
    assert!(s.all.iter().all(|r| r.cert.is_some()));
    assert_eq!(s.shown, 0);
}
