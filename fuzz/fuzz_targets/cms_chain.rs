//! CMS and certificate decoding with chain judgement: any blob as a
//! detached signature, an opaque signature, and each certificate it holds
//! judged against the sample PKI's root; every signer's certificate is
//! judged (as the report does for OTHER_SIGNER_UNTRUSTED). Invariants
//! checked: `valid` only when every signer is valid, the shown signer is
//! one of them, and the BER normaliser is idempotent (its output is DER
//! that normalises to itself, minimal lengths included).
//! The blob is also opened as enveloped data with the corpora/decrypt
//! keys (RSA and P-256).
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use smimescan::cms::{self, SigStatus};
use smimescan::der::ber;
use smimescan::pki::chain::Verifier;
use smimescan::pki::CertCache;

struct State {
    certs: CertCache,
    verifier: Verifier,
    keys: smimescan::keys::KeyStore,
}

fn state() -> &'static State {
    static S: OnceLock<State> = OnceLock::new();
    S.get_or_init(|| {
        let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpora/sample/pki/root.pem"));
        let trust = smimescan::pki::trust::TrustStore::load(&[root], false).expect("sample root");
        let k = |f: &str| std::path::PathBuf::from(format!("{}/../corpora/decrypt/keys/{f}", env!("CARGO_MANIFEST_DIR")));
        let keys = smimescan::keys::KeyStore::load(&[k("rita.pem"), k("eve256.key")], None).expect("decrypt keys");
        State {
            certs: CertCache::default(),
            verifier: Verifier::new(trust, Default::default(), Default::default()),
            keys,
        }
    })
}

const AT: i64 = 1_767_225_600;

fuzz_target!(|data: &[u8]| {
    let s = state();
    let _ = cms::decrypt(data, &s.keys);
    let content: &[&[u8]] = &[b"Content-Type: text/plain\r\n\r\nhello\r\n"];
    for out in [cms::inspect(data, content, &s.certs, &s.verifier), cms::inspect(data, &[], &s.certs, &s.verifier)] {
        if out.kind.is_none() {
            assert!(out.error.is_some());
        }
        if let Some(signed) = &out.signed {
            if signed.status == SigStatus::Valid {
                assert!(signed.all.iter().all(|r| r.status == SigStatus::Valid));
            }
            if let Some(shown) = &signed.signer {
                assert_eq!(shown.status, signed.all[signed.shown].status);
            }
            for r in &signed.all {
                if let Some(cert) = &r.cert {
                    let _ = s.verifier.judge(cert, &signed.certs, r.signing_time.unwrap_or(AT));
                }
            }
            for c in &signed.certs {
                let _ = s.verifier.judge(c, &signed.certs, AT);
            }
        }
    }
    if let Ok((n, used)) = ber::normalize_first(data, true) {
        assert!(used <= data.len());
        let (again, used2) = ber::normalize_first(&n, true).expect("normalised output re-reads");
        assert_eq!(used2, n.len());
        assert_eq!(&*again, &*n, "normaliser not idempotent");
    }
    if let Ok(c) = smimescan::pki::Cert::from_der(data) {
        let _ = s.verifier.judge(&std::sync::Arc::new(c), &[], AT);
    }
});
