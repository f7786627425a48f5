//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A folder of `../shared/peer`, or None (with a printed notice) when this
/// clone has no peer suites next to it.
pub fn peer(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/peer")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("NOTICE: peer suite {} not found; test skipped", p.display());
        None
    }
}

/// LF → CRLF (lines already ending in CRLF are kept).
pub fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 20);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// Path under the crate root.
pub fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs the smimescan binary; returns (exit status, stdout, stderr).
pub fn smimescan(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smimescan"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run smimescan");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parses a CSV report into header + records.
pub fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// A fresh folder under target/ for one test.
pub fn scratch(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Whether `openssl cms -verify -noverify` accepts a DER blob, detached
/// over `content` or opaque; None when openssl cannot be run.
pub fn openssl_cms_verifies(blob: &Path, content: Option<&Path>) -> Option<bool> {
    let mut c = std::process::Command::new("openssl");
    c.args([
        "cms",
        "-verify",
        "-noverify",
        "-binary",
        "-inform",
        "DER",
        "-in",
    ])
    .arg(blob)
    .args(["-out", "/dev/null"])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    if let Some(f) = content {
        c.arg("-content").arg(f);
    }
    c.status().ok().map(|s| s.success())
}
