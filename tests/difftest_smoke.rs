//! A short fixed-seed run of the differential tester (fuzz/difftest): the
//! scanner and `openssl cms -verify` must agree on every mutant, apart from
//! the documented deliberate differences, for the mutation kinds listed
//! here (those the scanner already handles; the README of fuzz/difftest
//! names the classes still open). Skipped with a notice when python3 with
//! `cryptography` or the openssl CLI is missing.

use std::path::Path;
use std::process::Command;

/// Mutation kinds of the smoke run: MIME structure, headers, transfer
/// encodings, BER lengths, algorithms and tampering that the scanner and
/// OpenSSL judge alike (or differ on deliberately).
const KINDS: &[&str] = &[
    "digest",
    "signed_part_cte",
    "attrs_unsorted",
    "attr_extra",
    "key_ec",
    "certs",
    "sid_ski",
    "content_from_lines",
    "indefinite",
    "sig_flip",
    "econtent_chunked",
    "header_dup",
    "header_case",
    "ct_fold",
    "ct_type",
    "protocol_param",
    "micalg_param",
    "preamble",
    "epilogue",
    "parts_swapped",
    "content_tamper",
    "outer_header_change",
    "lf_endings",
    "sig_cte",
    "sig_ct",
];

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
    let only = KINDS.join(",");
    let run = Command::new("python3")
        .arg(root.join("fuzz/difftest/difftest.py"))
        .args(["--scanner", env!("CARGO_BIN_EXE_smimescan")])
        .arg("--out")
        .arg(&out)
        .args(["--seed", "20261202", "--count", "400", "--batch", "200"])
        .args(["--sample", "0.5", "--only", &only, "--fail-on-new"])
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
