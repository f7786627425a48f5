//! CMS and certificate decoding with chain judgement: any blob as a
//! detached signature, an opaque signature, and each certificate it holds
//! judged against the sample PKI's root; and the blob as enveloped data
//! opened with the corpora/decrypt keys (RSA and P-256).
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use smimescan::cms;
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

fuzz_target!(|data: &[u8]| {
    let s = state();
    let _ = cms::decrypt(data, &s.keys);
    let content: &[&[u8]] = &[b"Content-Type: text/plain\r\n\r\nhello\r\n"];
    for out in [cms::analyze(data, content, &s.certs, &s.verifier), cms::analyze(data, &[], &s.certs, &s.verifier)] {
        if let Some(signed) = &out.signed {
            if let Some(cert) = signed.signer.as_ref().and_then(|r| r.cert.as_ref()) {
                let _ = s.verifier.judge(cert, &signed.certs, 1_767_225_600);
            }
            for c in &signed.certs {
                let _ = s.verifier.judge(c, &signed.certs, 1_767_225_600);
            }
        }
    }
    if let Ok(c) = smimescan::pki::Cert::from_der(data) {
        let _ = s.verifier.judge(&std::sync::Arc::new(c), &[], 1_767_225_600);
    }
});
