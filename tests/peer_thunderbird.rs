//! Thunderbird / NSS S/MIME suite (`../shared/peer/thunderbird-smime`):
//! every message of its manifest, judged at the signing time of the suite
//! (2026-01-26T14:40:10Z) with its TestCA as the only anchor.
//!
//! 1. Signature level: our outermost structure agrees with OpenSSL's first
//!    layer (`openssl_layers`) on every row: kind, content digest → valid /
//!    invalid, chain ok → trusted, unknown issuer → untrusted, certificate
//!    signature failure → invalid.
//! 2. Verdict level: we agree with Thunderbird's expected status except in
//!    these explained classes, each asserted below:
//!    - outer enveloped layer: Thunderbird decrypts with Bob's key and
//!      judges the inner signature; we do not decrypt, so `encrypted`;
//!    - SHA-1 rejected by Thunderbird's policy: `violation` with
//!      WEAK_DIGEST here too (Thunderbird `bad`), so these agree;
//!    - `alice.future`: Thunderbird rejects a Date header 6 h after
//!      signingTime; SPEC has no such rule: `compliant`;
//!    - encrypt-then-sign (`alice.env.sig/dsig.*`) and signatures pasted
//!      around an enveloped layer: Thunderbird ignores an outer signature
//!      that directly wraps an enveloped layer (bug 1806161); we report the
//!      outermost signature, as OpenSSL does, and agree with OpenSSL;
//!    - nested signatures (`alice.plain.*.dave.*`): Thunderbird also judges
//!      the inner Alice signature against `From: Dave`; we report the
//!      outermost (Dave's) signature only (documented in the README);
//!    - `alice.env.dsig.*.dave.*`: Thunderbird fails the inner
//!      LF-computed detached signature; we report the valid outer one;
//!    - `fran-oaep_ossl.env`: 3DES content encryption → WEAK_ENCRYPTION, a
//!      policy finding Thunderbird does not have.

mod common;

use std::collections::HashMap;

use common::{csv_rows, smimescan};

struct Expect {
    kind: &'static str,
    signature: &'static str,
    chain: &'static str,
    nested: bool,
}

/// Our expectation from OpenSSL's description of the first layer.
fn from_openssl(first: &str) -> Expect {
    let nested = first.contains("[{");
    let layer = first.rsplit("[{").next().unwrap();
    if layer.starts_with("enc:") {
        return Expect {
            kind: "enveloped",
            signature: "",
            chain: "",
            nested,
        };
    }
    if layer.starts_with("notsmime:") && layer.contains("pgp-signature") {
        return Expect {
            kind: "pgp-signed",
            signature: "",
            chain: "",
            nested,
        };
    }
    if layer == "plain:multipart/encrypted" {
        // PGP/MIME: OpenSSL sees no S/MIME; we classify it as PGP.
        return Expect {
            kind: "pgp-encrypted",
            signature: "",
            chain: "",
            nested,
        };
    }
    assert!(layer.starts_with("sig:"), "unexpected layer {layer}");
    let kind = if layer.starts_with("sig:detached") {
        "signed"
    } else {
        "signed-opaque"
    };
    let signature = if layer.contains("content=ok") {
        "valid"
    } else {
        "invalid"
    };
    let chain = if layer.contains("chain=ok") {
        "trusted"
    } else if layer.contains("unable_to_get_local_issuer") {
        "untrusted"
    } else if layer.contains("certificate_signature_failure") {
        "invalid"
    } else {
        panic!("unknown chain result in {layer}")
    };
    Expect {
        kind,
        signature,
        chain,
        nested,
    }
}

fn scan(dir: &std::path::Path, at: &str) -> HashMap<String, HashMap<String, String>> {
    let ca = dir.join("smime/TestCA.pem");
    let (code, out, err) = smimescan(&[
        "scan",
        dir.to_str().unwrap(),
        "--trust",
        ca.to_str().unwrap(),
        "--no-default-trust",
        "--at",
        at,
    ]);
    assert_eq!(code, 0, "{err}");
    csv_rows(&out)
        .into_iter()
        .map(|r| {
            (
                r["source"]
                    .split("thunderbird-smime/")
                    .nth(1)
                    .unwrap()
                    .to_owned(),
                r,
            )
        })
        .collect()
}

#[test]
fn thunderbird_suite_against_openssl_and_thunderbird() {
    let Some(dir) = common::peer("thunderbird-smime") else {
        return;
    };
    let rows = scan(&dir, "2026-01-26T14:40:10Z");
    let manifest = std::fs::read_to_string(dir.join("manifest.csv")).unwrap();
    let manifest = csv_rows(&manifest);
    assert_eq!(manifest.len(), 92);
    let mut explained: HashMap<&str, usize> = HashMap::new();
    for m in &manifest {
        let file = &m["file"];
        let r = rows
            .get(file.as_str())
            .unwrap_or_else(|| panic!("no row for {file}"));
        // 1. OpenSSL, first layer.
        let first = m["openssl_layers"].split(" > ").next().unwrap();
        let e = from_openssl(first);
        let kind = if r["kind"] == "auth-enveloped" {
            "enveloped"
        } else {
            r["kind"].as_str()
        };
        assert_eq!(kind, e.kind, "{file}: kind ({first})");
        assert_eq!(r["signature"], e.signature, "{file}: signature ({first})");
        assert_eq!(r["chain"], e.chain, "{file}: chain ({first})");
        assert_eq!(
            !r["part"].is_empty(),
            e.nested,
            "{file}: part {:?}",
            r["part"]
        );
        if e.signature == "valid" {
            assert!(
                !r["signer_sha256"].is_empty() && r["signers"] == "1",
                "{file}"
            );
        }

        // 2. Thunderbird's expected status.
        let tb = m["tb_expected_sig"].as_str();
        if tb.starts_with("n/a") {
            continue;
        }
        let ours = match r["verdict"].as_str() {
            "compliant" => "good",
            "violation" => "bad",
            "encrypted" | "unsigned" => "none",
            v => panic!("{file}: verdict {v}"),
        };
        if ours == tb {
            if m["expected_error_class"].contains("SHA-1") && tb == "bad" {
                assert!(r["findings"].contains("WEAK_DIGEST"), "{file}");
            }
            continue;
        }
        let class = m["expected_error_class"].as_str();
        let openssl_all = m["openssl_verdict_all_sig_layers_tb_rule"].as_str();
        let why = if r["kind"] == "enveloped" && first.starts_with("enc:") {
            "outer enveloped layer: not decrypted here"
        } else if class.contains("VERIFY_TIME_MISMATCH") {
            assert_eq!(ours, "good");
            "Thunderbird's Date-vs-signingTime rule"
        } else if class.contains("encrypt-then-sign") || class.contains("hand-made") {
            // Outer signature around an enveloped layer: Thunderbird ignores
            // it (and judges what is inside); we judge it, like OpenSSL
            // (asserted above against OpenSSL's first layer).
            "outer signature around an enveloped layer (TB bug 1806161)"
        } else if class.contains("nested:") {
            assert_eq!((ours, tb), ("good", "bad"));
            "nested signatures: outermost reported"
        } else if class.contains("computed over LF") {
            if file.contains(".dave.") {
                assert_eq!((ours, tb), ("good", "bad"));
                "inner LF-computed signature under a valid outer one"
            } else {
                // Both layers judged by OpenSSL fail: we agree with OpenSSL.
                assert_eq!(openssl_all, "bad", "{file}");
                assert_eq!(r["signature"], "invalid");
                "LF-computed detached signature: OpenSSL agrees with us"
            }
        } else if r["findings"] == "WEAK_ENCRYPTION" {
            assert_eq!(r["encryption_alg"], "des-ede3-cbc");
            "3DES: policy finding"
        } else {
            panic!(
                "{file}: unexplained disagreement: Thunderbird {tb}, ours {ours} ({}; {class})",
                r["findings"]
            );
        };
        *explained.entry(why).or_default() += 1;
    }
    eprintln!("Thunderbird disagreements, all explained: {explained:#?}");
    assert!(explained.values().sum::<usize>() < 40);
}

/// After the leaf certificates expire (2031-01-26), every good chain is
/// `expired` (OpenSSL: certificate_has_expired).
#[test]
fn thunderbird_chains_expire_in_2031() {
    let Some(dir) = common::peer("thunderbird-smime") else {
        return;
    };
    let rows = scan(&dir, "2031-02-01T00:00:00Z");
    let r = &rows["smime/alice.dsig.SHA256.multipart.eml"];
    assert_eq!(
        (r["signature"].as_str(), r["chain"].as_str()),
        ("valid", "expired")
    );
    assert!(r["findings"].contains("CERT_EXPIRED"));
    assert_eq!(r["verdict"], "violation");
    // Judged at the Date header (14:38:03Z, before the leaf's notBefore):
    // not yet valid, as the suite's README warns.
    let rows = scan(&dir, "2026-01-26T14:38:03Z");
    assert_eq!(
        rows["smime/alice.dsig.SHA256.multipart.eml"]["chain"],
        "not-yet-valid"
    );
}
