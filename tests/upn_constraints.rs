//! Microsoft UPN name constraints (issue 18): enterprise CAs under public
//! roots constrain otherName 1.3.6.1.4.1.311.20.2.3 (permitted `intel.com`,
//! the leaf's UPN `first.last@intel.com`). Processed by domain suffix as
//! Windows CryptoAPI does; OpenSSL rejects every such chain ("unsupported
//! name constraint type") and lets otherNames of other types pass a UPN
//! constraint — both deliberate differences, cross-checked below with
//! `openssl verify` (skipped with a notice when openssl is missing).
//! Fixtures: corpora/upn/make.sh.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use smimescan::pki::chain::{ChainError, ChainStatus, NameKind, Verifier};
use smimescan::pki::crl::Crls;
use smimescan::pki::store::{load_certs, CertStore};
use smimescan::pki::trust::TrustStore;
use smimescan::pki::Cert;

/// 2025-06-01T00:00:00Z
const AT: i64 = 1_748_736_000;

fn p(name: &str) -> PathBuf {
    common::root(&format!("corpora/upn/{name}.pem"))
}

fn cert(name: &str) -> Arc<Cert> {
    load_certs(&[p(name)]).unwrap().0.remove(0)
}

/// (leaf, its CA, chain, name kind of the violation, what OpenSSL says).
const CASES: &[(&str, &str, ChainStatus, Option<NameKind>, &str)] = &[
    (
        "leaf_upn_in",
        "ent_ca",
        ChainStatus::Trusted,
        None,
        "unsupported name constraint type",
    ),
    (
        "leaf_upn_sub",
        "ent_ca",
        ChainStatus::Trusted,
        None,
        "unsupported name constraint type",
    ),
    (
        "leaf_upn_out",
        "ent_ca",
        ChainStatus::Invalid,
        Some(NameKind::Upn),
        "unsupported name constraint type",
    ),
    (
        "leaf_upn_suffix",
        "ent_ca",
        ChainStatus::Invalid,
        Some(NameKind::Upn),
        "unsupported name constraint type",
    ),
    (
        "leaf_upn_noat",
        "ent_ca",
        ChainStatus::Invalid,
        Some(NameKind::Upn),
        "unsupported name constraint type",
    ),
    // Another otherName type under a UPN constraint: still rejected here.
    (
        "leaf_other_on",
        "ent_ca",
        ChainStatus::Invalid,
        Some(NameKind::Unsupported(0)),
        ": OK",
    ),
    (
        "leaf_excl_in",
        "ent_ca_excl",
        ChainStatus::Invalid,
        Some(NameKind::Upn),
        "unsupported name constraint type",
    ),
    (
        "leaf_excl_ok",
        "ent_ca_excl",
        ChainStatus::Trusted,
        None,
        "unsupported name constraint type",
    ),
];

#[test]
fn upn_constraints_by_domain_suffix() {
    let v = Verifier::new(
        TrustStore::from_certs(vec![cert("root")]),
        CertStore::new(),
        Crls::empty(),
    );
    let openssl = Command::new("openssl").arg("version").output().is_ok();
    if !openssl {
        eprintln!("NOTICE: openssl not found; cross-check skipped");
    }
    for &(leaf, ca, status, kind, ossl) in CASES {
        let out = v.judge(&cert(leaf), &[cert(ca)], AT);
        assert_eq!(out.status, status, "{leaf}: {:?}", out.error);
        match kind {
            None => assert!(out.error.is_none(), "{leaf}: {:?}", out.error),
            Some(k) => assert!(
                matches!(&out.error, Some(ChainError::NameConstraint { kind, .. }) if *kind == k),
                "{leaf}: {:?}",
                out.error
            ),
        }
        if status == ChainStatus::Trusted {
            assert_eq!(
                out.anchor.as_ref().unwrap().subject,
                "CN=UPN Root,O=smimescan test"
            );
        }
        if openssl {
            let o = Command::new("openssl")
                .args(["verify", "-attime", &AT.to_string(), "-CAfile"])
                .arg(p("root"))
                .arg("-untrusted")
                .arg(p(ca))
                .arg(p(leaf))
                .output()
                .unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(text.contains(ossl), "{leaf}: OpenSSL says {text}");
        }
    }
    // The error text names the UPN.
    let out = v.judge(&cert("leaf_upn_out"), &[cert("ent_ca")], AT);
    assert_eq!(
        out.error.unwrap().to_string(),
        "UPN first.last@evil.test of 'CN=leaf_upn_out,O=smimescan test' violates the name \
         constraints of 'CN=Enterprise CA,O=smimescan test'"
    );
}
