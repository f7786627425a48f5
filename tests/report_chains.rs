//! Chain statuses and chain findings end to end: one message signed by
//! each leaf of corpora/chains (corpora/chains/make-messages.sh), judged at
//! 2025-06-01 with Root CA, Root CA 2 and the re-keyed "Rekey CA" as
//! anchors, the intermediate CA's CRL, and the intermediate via --certs.
//! Each verdict is cross-checked with `openssl cms -verify -attime
//! -purpose smimesign` (CRL in the CAfile with -crl_check for the revoked
//! case; OpenSSL 3.0's cms has no -CRLfile).

mod common;

use std::process::Command;

use common::{csv_rows, root, scratch, smimescan};

const AT: &str = "2025-06-01T00:00:00Z";
const AT_UNIX: &str = "1748736000";

/// case, chain, findings that must be present, what OpenSSL says.
const CASES: &[(&str, &str, &[&str], &str)] = &[
    ("good", "trusted", &[], "Verification successful"),
    ("ec", "trusted", &[], "Verification successful"),
    (
        "expired",
        "expired",
        &["CERT_EXPIRED"],
        "certificate has expired",
    ),
    (
        "notyet",
        "not-yet-valid",
        &["CERT_NOT_YET_VALID"],
        "certificate is not yet valid",
    ),
    (
        "revoked",
        "revoked",
        &["CERT_REVOKED"],
        "certificate revoked",
    ),
    (
        "nobc",
        "invalid",
        &["CHAIN_INVALID"],
        "invalid CA certificate",
    ),
    (
        "noku",
        "invalid",
        &["CHAIN_INVALID"],
        "invalid CA certificate",
    ),
    // The message carries Other Root itself: OpenSSL says "self-signed
    // certificate in certificate chain", i.e. no path to an anchor.
    (
        "untrusted",
        "untrusted",
        &["CHAIN_UNTRUSTED"],
        "self-signed certificate in certificate chain",
    ),
    // SHA-1-signed intermediate: verifies (OpenSSL too), reported as weak.
    (
        "sha1",
        "trusted",
        &["WEAK_DIGEST"],
        "Verification successful",
    ),
    ("nc_in", "trusted", &[], "Verification successful"),
    (
        "nc_out",
        "invalid",
        &["CHAIN_INVALID"],
        "permitted subtree violation",
    ),
    (
        "pathlen",
        "invalid",
        &["CHAIN_INVALID"],
        "path length constraint exceeded",
    ),
    // Key purposes are findings here (the chain is fine); OpenSSL's
    // -purpose smimesign fails the whole verification instead.
    (
        "serverauth",
        "trusted",
        &["EKU_MISSING"],
        "unsuitable certificate purpose",
    ),
    (
        "kuenc",
        "trusted",
        &["KEY_USAGE"],
        "unsuitable certificate purpose",
    ),
    ("rekey", "trusted", &[], "Verification successful"),
    ("cross", "trusted", &[], "Verification successful"),
    (
        "nocerts",
        "missing-signer-cert",
        &["SIGNER_CERT_MISSING"],
        "signer certificate not found",
    ),
    // Only the leaf in the message; the intermediate comes from --certs.
    // OpenSSL's cms -certfile does not feed path building here.
    (
        "leafonly",
        "trusted",
        &[],
        "unable to get local issuer certificate",
    ),
];

#[test]
fn every_chain_case_end_to_end_with_openssl() {
    let c = root("corpora/chains");
    let p = |rel: &str| c.join(rel).to_str().unwrap().to_owned();
    let (code, out, err) = smimescan(&[
        "scan",
        &p("messages"),
        "--trust",
        &p("certs/root.pem"),
        "--trust",
        &p("certs/root2.pem"),
        "--trust",
        &p("certs/rekey_new.pem"),
        "--crl",
        &p("crls/inter.crl.pem"),
        "--certs",
        &p("certs/inter.pem"),
        "--no-default-trust",
        "--at",
        AT,
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), CASES.len());
    let have_openssl = Command::new("openssl").arg("version").output().is_ok();
    if !have_openssl {
        eprintln!("NOTICE: openssl not found; cross-check skipped");
    }
    let dir = scratch("report-chains");
    let roots = dir.join("roots.pem");
    let roots_crl = dir.join("roots-crl.pem");
    let mut pem = String::new();
    for f in ["certs/root.pem", "certs/root2.pem", "certs/rekey_new.pem"] {
        pem.push_str(&std::fs::read_to_string(c.join(f)).unwrap());
    }
    std::fs::write(&roots, &pem).unwrap();
    pem.push_str(&std::fs::read_to_string(c.join("crls/inter.crl.pem")).unwrap());
    std::fs::write(&roots_crl, &pem).unwrap();

    for (case, chain, findings, openssl) in CASES {
        let r = rows
            .iter()
            .find(|r| r["source"].ends_with(&format!("/{case}.eml")))
            .unwrap();
        assert_eq!(r["chain"], *chain, "{case}: {}", r["error"]);
        for f in *findings {
            assert!(
                r["findings"].split(';').any(|x| x == *f),
                "{case}: {f} not in {}",
                r["findings"]
            );
        }
        let signature = if *case == "nocerts" {
            "unsupported"
        } else {
            "valid"
        };
        assert_eq!(r["signature"], signature, "{case}");
        assert_eq!(r["validated_at"], AT);
        // `anchor`: the root ending the judged path; empty without one.
        let unanchored = matches!(*chain, "untrusted" | "missing-signer-cert");
        assert_eq!(
            r["anchor"].is_empty(),
            unanchored,
            "{case}: {:?}",
            r["anchor"]
        );
        let want_anchor = match *case {
            "good" | "expired" | "revoked" | "nobc" | "nc_out" => "CN=Root CA,O=smimescan test",
            "cross" => "CN=Root CA 2,O=smimescan test",
            "rekey" => "CN=Rekey CA,O=smimescan test",
            _ => r["anchor"].as_str(),
        };
        assert_eq!(r["anchor"], want_anchor, "{case}");
        let expect_verdict = if *chain == "trusted" && findings.is_empty() {
            "compliant"
        } else {
            "violation"
        };
        assert_eq!(r["verdict"], expect_verdict, "{case}: {}", r["findings"]);
        if *chain != "trusted" && *case != "nocerts" {
            assert!(r["error"].starts_with("chain: "), "{case}: {}", r["error"]);
        }
        if have_openssl {
            let (ca, crl_check) = if *case == "revoked" {
                (&roots_crl, true)
            } else {
                (&roots, false)
            };
            let mut cmd = Command::new("openssl");
            cmd.args([
                "cms",
                "-verify",
                "-in",
                &p(&format!("messages/{case}.eml")),
                "-CAfile",
                ca.to_str().unwrap(),
            ]);
            cmd.args([
                "-certfile",
                &p("certs/inter.pem"),
                "-attime",
                AT_UNIX,
                "-purpose",
                "smimesign",
                "-out",
                "/dev/null",
            ]);
            if crl_check {
                cmd.arg("-crl_check");
            }
            let o = cmd.output().unwrap();
            let text = String::from_utf8_lossy(&o.stderr);
            assert!(text.contains(openssl), "{case}: OpenSSL said {text}");
        }
    }
}

/// The same signer with and without its chain material: missing-signer-cert
/// becomes trusted once --certs holds the signer's certificate; the
/// revoked leaf is trusted without the CRL (offline: no CRL, no revocation).
#[test]
fn certs_and_crl_options_change_the_chain() {
    let c = root("corpora/chains");
    let p = |rel: &str| c.join(rel).to_str().unwrap().to_owned();
    let run = |extra: &[&str], msg: &str| {
        let m = p(&format!("messages/{msg}.eml"));
        let root_pem = p("certs/root.pem");
        let mut args = vec![
            "scan",
            m.as_str(),
            "--trust",
            root_pem.as_str(),
            "--no-default-trust",
        ];
        args.extend(extra);
        if !extra.contains(&"--at") {
            args.extend(["--at", AT]);
        }
        let (code, out, err) = smimescan(&args);
        assert_eq!(code, 0, "{err}");
        csv_rows(&out).remove(0)
    };
    let good = p("certs/leaf_good.pem");
    let inter = p("certs/inter.pem");
    let r = run(&["--certs", &good, "--certs", &inter], "nocerts");
    assert_eq!(
        (r["signature"].as_str(), r["chain"].as_str()),
        ("valid", "trusted")
    );
    assert_eq!(run(&[], "revoked")["chain"], "trusted");
    let crl = p("crls/inter.crl.pem");
    assert_eq!(run(&["--crl", &crl], "revoked")["chain"], "revoked");
    // A CRL whose signature fails is ignored, with a warning.
    let bad = p("crls/bad_sig.crl.pem");
    let m = p("messages/good.eml");
    let root_pem = p("certs/root.pem");
    let (code, out, err) = smimescan(&[
        "scan",
        &m,
        "--trust",
        &root_pem,
        "--no-default-trust",
        "--at",
        AT,
        "--crl",
        &bad,
    ]);
    assert_eq!(code, 0);
    assert_eq!(csv_rows(&out)[0]["chain"], "trusted");
    assert!(err.to_lowercase().contains("crl"), "{err}");
    // --at now: the expired leaf stays expired; signing (2026 signingTime
    // of these fixtures) likewise.
    assert_eq!(run(&["--at", "now"], "expired")["chain"], "expired");
    // Without --no-default-trust, the built-in Mozilla roots do not trust
    // a private CA: untrusted.
    let (_, out, _) = smimescan(&["scan", &m, "--at", AT]);
    assert_eq!(csv_rows(&out)[0]["chain"], "untrusted");
    // --trust missing file: bad argument, exit 2.
    let (code, _, _) = smimescan(&["scan", &m, "--trust", "no/such/anchor.pem"]);
    assert_eq!(code, 2);
}
