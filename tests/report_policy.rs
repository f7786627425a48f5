//! The policy file, key by key, and --fail-on, on the sample archive's
//! messages (corpora/sample/msgs: alice RSA-2048, bob P-256, SHA-256).

mod common;

use std::collections::HashMap;

use common::{csv_rows, root, scratch, smimescan};

fn scan_with(
    policy: Option<&str>,
    extra: &[&str],
) -> (i32, HashMap<String, HashMap<String, String>>, String) {
    let dir = scratch(&format!(
        "policy-{:x}",
        policy
            .map(|p| p.len() * 31 + p.bytes().map(|b| b as usize).sum::<usize>())
            .unwrap_or(0)
    ));
    let msgs = root("corpora/sample/msgs");
    let anchor = root("corpora/sample/pki/root.pem");
    let mut args = vec![
        "scan".to_owned(),
        msgs.to_str().unwrap().to_owned(),
        "--trust".into(),
        anchor.to_str().unwrap().to_owned(),
        "--no-default-trust".into(),
        "--at".into(),
        "2026-01-01T00:00:00Z".into(),
    ];
    if let Some(p) = policy {
        let f = dir.join("policy.toml");
        std::fs::write(&f, p).unwrap();
        args.extend(["--policy".into(), f.to_str().unwrap().to_owned()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = smimescan(&args);
    let rows = if out.is_empty() {
        HashMap::new()
    } else {
        csv_rows(&out)
            .into_iter()
            .map(|r| {
                (
                    r["source"]
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .trim_end_matches(".eml")
                        .to_owned(),
                    r,
                )
            })
            .collect()
    };
    (code, rows, err)
}

fn has(r: &HashMap<String, String>, f: &str) -> bool {
    r["findings"].split(';').any(|x| x == f)
}

#[test]
fn built_in_policy() {
    let (code, rows, err) = scan_with(None, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(rows["01-plain"]["verdict"], "unsigned");
    assert_eq!(rows["02-signed"]["verdict"], "compliant");
    assert_eq!(rows["03-opaque"]["verdict"], "compliant");
    assert_eq!(rows["04-enveloped"]["verdict"], "encrypted");
    assert_eq!(rows["04-enveloped"]["encryption_alg"], "aes256-cbc");
    assert_eq!(rows["05-tampered"]["signature"], "invalid");
    assert!(has(&rows["05-tampered"], "SIG_INVALID"));
    assert_eq!(rows["06-list-footer"]["findings"], "PARTIAL_SIGNATURE");
    assert_eq!(rows["07-mismatch"]["findings"], "SENDER_MISMATCH");
    assert_eq!(rows["07-mismatch"]["sender_match"], "no");
}

#[test]
fn every_policy_key() {
    // Stricter key sizes: RSA-2048 and P-256 become weak.
    let (_, rows, _) = scan_with(Some("min_rsa_bits = 3072\nmin_ec_bits = 384\n"), &[]);
    assert!(has(&rows["02-signed"], "WEAK_KEY"));
    assert!(has(&rows["03-opaque"], "WEAK_KEY"));
    assert_eq!(rows["02-signed"]["verdict"], "violation");
    // Only EC stricter: bob's P-256 key is weak, alice's RSA key is not.
    let (_, rows, _) = scan_with(Some("min_ec_bits = 384\n"), &[]);
    assert!(!has(&rows["02-signed"], "WEAK_KEY"));
    assert!(has(&rows["03-opaque"], "WEAK_KEY"));
    // Only RSA stricter: bob's own key is fine, but his chain's root is
    // RSA-2048, and chain keys count too.
    let (_, rows, _) = scan_with(Some("min_rsa_bits = 3072\n"), &[]);
    assert!(has(&rows["02-signed"], "WEAK_KEY"));
    assert!(has(&rows["03-opaque"], "WEAK_KEY"));
    // Weak digests: SHA-256 declared weak.
    let (_, rows, _) = scan_with(Some("weak_digests = [\"sha256\"]\n"), &[]);
    assert!(has(&rows["02-signed"], "WEAK_DIGEST"));
    // Weak encryption: AES-256-CBC declared weak.
    let (_, rows, _) = scan_with(Some("weak_encryption = [\"aes256-cbc\"]\n"), &[]);
    assert!(has(&rows["04-enveloped"], "WEAK_ENCRYPTION"));
    assert_eq!(rows["04-enveloped"]["verdict"], "violation");
    // require_signed globs, case-insensitive; signed mail satisfies them,
    // enveloped-only does not.
    let (_, rows, _) = scan_with(
        Some("require_signed = [\"*@EXAMPLE.com\", \"bob@*.org\"]\n"),
        &[],
    );
    assert!(has(&rows["01-plain"], "UNSIGNED_REQUIRED"));
    assert_eq!(rows["01-plain"]["verdict"], "violation");
    assert!(has(&rows["04-enveloped"], "UNSIGNED_REQUIRED"));
    assert!(!has(&rows["02-signed"], "UNSIGNED_REQUIRED"));
    let (_, rows, _) = scan_with(Some("require_signed = [\"*@finance.example.com\"]\n"), &[]);
    assert!(!has(&rows["01-plain"], "UNSIGNED_REQUIRED"));
    // disabled_findings: the finding disappears and the verdict follows.
    let (_, rows, _) = scan_with(
        Some("disabled_findings = [\"SENDER_MISMATCH\", \"PARTIAL_SIGNATURE\"]\n"),
        &[],
    );
    assert_eq!(rows["07-mismatch"]["findings"], "");
    assert_eq!(rows["07-mismatch"]["verdict"], "compliant");
    assert_eq!(
        rows["07-mismatch"]["sender_match"], "no",
        "the column still tells"
    );
    assert_eq!(rows["06-list-footer"]["verdict"], "compliant");
    assert_eq!(rows["05-tampered"]["verdict"], "violation");
}

#[test]
fn bad_policy_files_are_errors() {
    for bad in [
        "min_rsa_bit = 1\n",
        "disabled_findings = [\"NOPE\"]\n",
        "require_signed = \"x\"\n",
        "require_signed = [\"[\"]\n",
    ] {
        let (code, _, err) = scan_with(Some(bad), &[]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("policy.toml"), "{err}");
    }
}

#[test]
fn fail_on() {
    let (code, _, _) = scan_with(None, &["--fail-on", "invalid"]);
    assert_eq!(code, 1, "the tampered message failed");
    let (code, _, _) = scan_with(None, &["--fail-on", "never"]);
    assert_eq!(code, 0);
    // Only the good messages: nothing invalid, but a violation? No.
    let good = root("corpora/sample/msgs/02-signed.eml");
    let anchor = root("corpora/sample/pki/root.pem");
    let (code, out, _) = smimescan(&[
        "scan",
        good.to_str().unwrap(),
        "--trust",
        anchor.to_str().unwrap(),
        "--no-default-trust",
        "--at",
        "2026-01-01T00:00:00Z",
        "--fail-on",
        "violation",
    ]);
    assert_eq!(code, 0, "{out}");
}
