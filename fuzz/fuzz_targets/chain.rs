//! Certificate sets into the chain verifier: the input is a list of
//! certificates, each as a 2-byte big-endian length and its DER. Each of
//! the first few is judged as a signer with all of them as the message's
//! certificates, against corpora/chains' Root CA / Root CA 2 with the
//! Intermediate CA's reason-coded CRL, at two times; and the list itself
//! goes through the structural rules as a path (extensions, name
//! constraints) whatever its signatures. Invariants: no panic; `trusted`
//! has no problem and names its anchor; anything else has a deciding
//! problem; name comparisons stay within the budget.
#![no_main]
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use smimescan::pki::chain::{ChainStatus, Verifier, MAX_ATTEMPTS, MAX_NAME_COMPARISONS};
use smimescan::pki::crl::Crls;
use smimescan::pki::store::CertStore;
use smimescan::pki::trust::TrustStore;
use smimescan::pki::Cert;

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let d = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../corpora/chains"));
        let trust = TrustStore::load(&[d.join("certs/root.pem"), d.join("certs/root2.pem")], false)
            .expect("roots");
        let pool = CertStore::load(&[d.join("certs/inter.pem")]).expect("pool");
        let crls = Crls::load(&[d.join("rules/crls/inter_reasons.crl.pem"), d.join("crls/inter.crl.pem")])
            .expect("crls");
        Verifier::new(trust, pool, crls)
    })
}

fuzz_target!(|data: &[u8]| {
    let v = verifier();
    let mut certs = Vec::new();
    let mut rest = data;
    while rest.len() >= 2 && certs.len() < 12 {
        let n = (u16::from_be_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
        if let Ok(c) = Cert::from_der(&rest[2..2 + n]) {
            certs.push(Arc::new(c));
        }
        rest = &rest[2 + n..];
    }
    if certs.is_empty() {
        return;
    }
    for at in [1_748_736_000, 1_685_577_600] {
        for signer in certs.iter().take(3) {
            let before = v.name_comparisons();
            let out = v.judge(signer, &certs, at);
            let spent = v.name_comparisons() - before;
            assert!(spent <= (MAX_ATTEMPTS * (MAX_NAME_COMPARISONS + 1)) as u64);
            if out.status == ChainStatus::Trusted {
                assert!(out.error.is_none() && out.also.is_empty());
                let a = out.anchor.as_ref().expect("trusted has an anchor");
                assert_eq!(out.path.last().map(|c| c.sha256), Some(a.sha256));
            } else {
                assert!(out.error.is_some());
            }
            for e in out.problems() {
                let _ = e.to_string();
            }
        }
    }
    let before = v.name_comparisons();
    let problems = v.path_structure(&certs);
    assert!(v.name_comparisons() - before <= (MAX_NAME_COMPARISONS + 1) as u64);
    for e in problems.iter() {
        let _ = e.to_string();
    }
});
