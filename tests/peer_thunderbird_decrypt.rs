//! `--keys` on the Thunderbird / NSS suite (`../shared/peer/thunderbird-smime`):
//! with Bob's and Fran's PKCS#12 files as NSS exported them (password
//! `nss`), every message whose outermost layer OpenSSL decrypts
//! (`openssl_layers` starts with `enc:ok:`) is `decrypted`, and what is
//! inside agrees with OpenSSL's next layer: a detached or opaque signature
//! whose content and chain verify is `valid` / `trusted` (`compliant`, or
//! `violation` with WEAK_DIGEST for SHA-1, as Thunderbird's policy), plain
//! content has no signature. The smime-interop messages cover RSA-OAEP
//! (SHA-1, SHA-256 hash, SHA-256 MGF1, a label) and ECDH (AES-128 with
//! SHA-256 KDF, AES-256 with SHA-512 KDF) made by OpenSSL.

mod common;

use common::{csv_rows, peer, scratch, smimescan};

const AT: &str = "2026-01-26T14:40:10Z";

#[test]
fn thunderbird_encrypted_messages_decrypt_and_agree_with_openssl_inside() {
    let Some(dir) = peer("thunderbird-smime") else {
        return;
    };
    let tmp = scratch("peer-tb-decrypt");
    let pw = tmp.join("password.txt");
    std::fs::write(&pw, "nss\n").unwrap();
    let manifest = std::fs::read_to_string(dir.join("manifest.csv")).unwrap();
    let mut r = csv::Reader::from_reader(manifest.as_bytes());
    let cases: Vec<(String, String)> = r
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|m| m.unwrap())
        .filter(|m| m["openssl_layers"].starts_with("enc:ok:"))
        .map(|m| (m["file"].clone(), m["openssl_layers"].clone()))
        .collect();
    assert!(cases.len() >= 20, "{} encrypted messages", cases.len());
    let ca = dir.join("smime/TestCA.pem");
    let s = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    let files: Vec<String> = cases.iter().map(|(f, _)| s(dir.join(f))).collect();
    let (bob, fran, fran_ec) = (
        s(dir.join("smime/Bob.p12")),
        s(dir.join("smime-interop/Fran.p12")),
        s(dir.join("smime-interop/Fran-ec.p12")),
    );
    let (ca, pw) = (s(ca), s(pw));
    let mut args: Vec<&str> = vec![
        "scan",
        "--keys",
        &bob,
        "--keys",
        &fran,
        "--keys",
        &fran_ec,
        "--keys-password-file",
        &pw,
        "--trust",
        &ca,
        "--no-default-trust",
        "--at",
        AT,
        "--progress",
        "never",
    ];
    args.extend(files.iter().map(|f| f.as_str()));
    let (code, out, err) = smimescan(&args);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), cases.len());
    for (row, (file, layers)) in rows.iter().zip(&cases) {
        assert!(row["source"].ends_with(file.as_str()), "order: {file}");
        assert_eq!(row["decryption"], "decrypted", "{file}: {}", row["error"]);
        let inner: Vec<&str> = layers.split(" > ").collect();
        let next = inner.get(1).copied().unwrap_or("");
        if next.starts_with("plain") {
            assert_eq!(row["layers"], "enveloped", "{file}");
            assert_eq!(row["signature"], "", "{file}");
            // fran-oaep_ossl.env is 3DES: WEAK_ENCRYPTION.
            let want = if row["encryption_alg"] == "des-ede3-cbc" {
                ("violation", "WEAK_ENCRYPTION")
            } else {
                ("encrypted", "")
            };
            assert_eq!(
                (row["verdict"].as_str(), row["findings"].as_str()),
                want,
                "{file}"
            );
            continue;
        }
        let opaque = next.starts_with("sig:opaque");
        assert!(
            next.starts_with("sig:") && next.contains("content=ok:chain=ok"),
            "{file}: {next}"
        );
        let want_layers = if opaque {
            "enveloped>signed-opaque"
        } else {
            "enveloped>signed"
        };
        assert_eq!(row["layers"], want_layers, "{file}");
        assert_eq!(
            (row["signature"].as_str(), row["chain"].as_str()),
            ("valid", "trusted"),
            "{file}: {}",
            row["error"]
        );
        assert_eq!(row["signer_email"], "alice@example.com", "{file}");
        if file.contains("SHA1") {
            assert_eq!(row["verdict"], "violation", "{file}");
            assert!(row["findings"].contains("WEAK_DIGEST"), "{file}");
        } else {
            assert_eq!(row["verdict"], "compliant", "{file}: {}", row["findings"]);
        }
    }
}
