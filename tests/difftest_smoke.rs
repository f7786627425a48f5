//! A short fixed-seed run of the differential tester (fuzz/difftest): the
//! scanner and `openssl cms -verify` must agree on every mutant, apart from
//! the documented deliberate differences, for every mutation kind but the
//! random flips excluded here. Skipped with a notice when python3 with
//! `cryptography` or the openssl CLI is missing.

use std::path::Path;
use std::process::Command;

/// Mutation kinds left out of the smoke run: random bit flips in the DER or
/// anywhere in the message (whose outcome depends on the random PKI; the
/// long runs of fuzz/difftest/README.md cover them). Non-minimal lengths,
/// a missing close delimiter and RFC 2231 boundaries are fixed and back in.
const EXCLUDED: &[&str] = &["der_flip", "byte_flip_anywhere"];

fn have(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn difftest_fixed_seed_agrees_with_openssl() {
    if !have("python3", &["-c", "import cryptography"]) {
        eprintln!("NOTICE: python3 with `cryptography` not found; difftest smoke run skipped");
        return;
    }
    if !have("openssl", &["version"]) {
        eprintln!("NOTICE: openssl not found; difftest smoke run skipped");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/difftest-smoke");
    let _ = std::fs::remove_dir_all(&out);
    let excluded = EXCLUDED.join(",");
    let run = Command::new("python3")
        .arg(root.join("fuzz/difftest/difftest.py"))
        .args(["--scanner", env!("CARGO_BIN_EXE_smimescan")])
        .arg("--out")
        .arg(&out)
        .args(["--seed", "20261202", "--count", "400", "--batch", "200"])
        .args(["--sample", "0.5", "--exclude", &excluded, "--fail-on-new"])
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "difftest found disagreements outside the deliberate classes (examples in {}):\n{stdout}\n{stderr}",
        out.display()
    );
    // The run judged what it claims: 400 mutants, most checked by OpenSSL.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).expect("summary.json"))
            .expect("summary JSON");
    assert_eq!(summary["stats"]["mutants"], 400, "{stdout}");
    let checked = summary["stats"]["agree_checked"].as_u64().unwrap_or(0);
    assert!(
        checked >= 200,
        "only {checked} mutants went to OpenSSL\n{stdout}"
    );
    let ok = summary["stats"]["scanner"]["ok"].as_u64().unwrap_or(0);
    assert!(
        ok >= 100,
        "only {ok} mutants valid for the scanner\n{stdout}"
    );
}
