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
