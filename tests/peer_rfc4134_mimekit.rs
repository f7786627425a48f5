//! RFC 4134 examples (Bouncy Castle's extraction) and MimeKit's real 2013
//! Thunderbird-signed message, end to end through the scanner.

mod common;

use common::{csv_rows, smimescan};

/// Every signed RFC 4134 example is `valid` and `trusted` with CarlRSA and
/// CarlDSS as anchors (pem/CA-Carl.pem). 4.6 is Diane's DSA key whose
/// parameters are inherited from CarlDSS: valid because the anchor supplies
/// them (OpenSSL 3.0 cannot use that key). 4.11 is certs-only; 5.1 (3DES)
/// and 5.2 (RC2) are enveloped with WEAK_ENCRYPTION. The examples use
/// 1024-bit keys and SHA-1 (WEAK_KEY, WEAK_DIGEST), and 4.8's From
/// (aliceDss@examples.com) differs from its certificate
/// (AliceDSS@example.com): SENDER_MISMATCH, as the suite's README notes.
#[test]
fn rfc4134_examples() {
    let Some(dir) = common::peer("rfc4134-bc-test-data") else {
        return;
    };
    let ca = dir.join("pem/CA-Carl.pem");
    let mut args = vec![
        "scan".to_owned(),
        dir.join("wrapped-eml").to_str().unwrap().to_owned(),
    ];
    for f in ["4.8.eml", "4.9.eml", "5.3.eml"] {
        args.push(dir.join(f).to_str().unwrap().to_owned());
    }
    args.extend([
        "--trust".into(),
        ca.to_str().unwrap().into(),
        "--no-default-trust".into(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = smimescan(&args);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 13);
    for r in &rows {
        let name = r["source"].rsplit('/').next().unwrap().to_owned();
        let name = name.trim_start_matches("rfc4134-").trim_end_matches(".eml");
        match name {
            "4.11" => {
                assert_eq!(r["kind"], "certs-only");
                assert_eq!(r["verdict"], "unsigned");
            }
            "5.1" | "5.2" | "5.3" => {
                assert_eq!(r["kind"], "enveloped", "{name}");
                let alg = if name == "5.2" {
                    "rc2-cbc"
                } else {
                    "des-ede3-cbc"
                };
                assert_eq!(r["encryption_alg"], alg, "{name}");
                assert_eq!(r["findings"], "WEAK_ENCRYPTION");
            }
            _ => {
                assert_eq!(r["signature"], "valid", "{name}: {}", r["error"]);
                assert_eq!(r["chain"], "trusted", "{name}: {}", r["error"]);
                assert_eq!(
                    r["kind"],
                    if name == "4.8" {
                        "signed"
                    } else {
                        "signed-opaque"
                    },
                    "{name}"
                );
                assert_eq!(r["digest_alg"], "sha1");
                assert!(r["findings"].contains("WEAK_DIGEST"));
                assert_eq!(
                    r["signers"],
                    if name == "4.6" { "2" } else { "1" },
                    "{name}"
                );
            }
        }
        if name == "4.8" {
            assert_eq!(r["from"], "alicedss@examples.com");
            assert_eq!(r["sender_match"], "no");
        }
    }
}

/// A real Thunderbird 24 message (2013-11-02, StartCom Class 1, SHA-1):
/// valid, 1 signer, signer e-mail = From, chain trusted at signingTime
/// with the StartCom root as anchor and the intermediate via --certs; at
/// today's time the leaf (2014-11-01) has expired (as OpenSSL says).
#[test]
fn mimekit_thunderbird_signed() {
    let Some(dir) = common::peer("mimekit/smime") else {
        return;
    };
    let msg = dir.join("thunderbird-signed.txt");
    let root = dir.join("StartComCertificationAuthority.crt");
    let inter = dir.join("StartComClass1PrimaryIntermediateClientCA.crt");
    let run = |at: &str| {
        let (code, out, err) = smimescan(&[
            "scan",
            msg.to_str().unwrap(),
            "--trust",
            root.to_str().unwrap(),
            "--certs",
            inter.to_str().unwrap(),
            "--no-default-trust",
            "--at",
            at,
        ]);
        assert_eq!(code, 0, "{err}");
        csv_rows(&out).remove(0)
    };
    let r = run("signing");
    assert_eq!(r["kind"], "signed");
    assert_eq!(r["signers"], "1");
    assert_eq!(r["signature"], "valid");
    assert_eq!(r["signer_email"], "fejj@gnome.org");
    assert_eq!(r["sender_match"], "yes");
    assert_eq!(r["signing_time"], "2013-11-02T20:28:04Z");
    assert_eq!(r["validated_at"], "2013-11-02T20:28:04Z");
    assert_eq!(r["chain"], "trusted");
    assert_eq!(r["findings"], "WEAK_DIGEST");
    assert_eq!(run("2026-01-01T00:00:00Z")["chain"], "expired");
    // Against today's built-in roots (StartCom distrusted everywhere
    // today): untrusted.
    let (_, out, _) = smimescan(&[
        "scan",
        msg.to_str().unwrap(),
        "--at",
        "signing",
        "--builtin-trust",
        "current",
    ]);
    assert_eq!(csv_rows(&out)[0]["chain"], "untrusted");
    // Against the roots Mozilla trusted for e-mail in November 2013 (the
    // default, SPEC "Trust history"): StartCom's root was one of them
    // (from NSS 3.11.5 in 2007 to NSS 3.34, November 2017).
    let (_, out, _) = smimescan(&["scan", msg.to_str().unwrap(), "--at", "signing"]);
    let r = &csv_rows(&out)[0];
    assert_eq!(r["chain"], "trusted", "{}", r["error"]);
    assert_eq!(
        r["anchor"],
        "CN=StartCom Certification Authority,OU=Secure Digital Certificate Signing,O=StartCom Ltd.,C=IL"
    );
}
