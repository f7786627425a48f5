//! Helpers shared by the criterion benches (fixture paths, generated
//! archives, a warm scan context). Not a bench target itself.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use smimescan::pki::chain::Verifier;
use smimescan::pki::crl::Crls;
use smimescan::pki::store::CertStore;
use smimescan::pki::trust::TrustStore;
use smimescan::policy::Policy;
use smimescan::scan::{AtMode, Context};

/// A path inside the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = repo(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `--at` of the generated corpora (inside every valid certificate's window).
pub const GEN_AT: &str = "2026-06-01T00:00:00Z";

pub fn unix(rfc3339: &str) -> i64 {
    smimescan::time::parse_rfc3339(rfc3339).expect("RFC 3339 time")
}

/// An mbox to benchmark splitting on: `$SMIMESCAN_BENCH_MBOX` if set, else
/// `corpora/gen/generate.py --size $SMIMESCAN_BENCH_MBOX_SIZE (16M) --seed 1`
/// generated once into the temp dir (kept for the next run).
pub fn bench_mbox() -> PathBuf {
    if let Some(p) = std::env::var_os("SMIMESCAN_BENCH_MBOX") {
        return PathBuf::from(p);
    }
    let size = std::env::var("SMIMESCAN_BENCH_MBOX_SIZE").unwrap_or_else(|_| "16M".into());
    let out = std::env::temp_dir().join(format!("smimescan-bench-{size}-seed1.mbox"));
    if !out.exists() {
        let tmp = out.with_extension("partial");
        let _ = std::fs::remove_file(&tmp);
        let st = Command::new("python3")
            .arg(repo("corpora/gen/generate.py"))
            .args([
                "--size",
                &size,
                "--seed",
                "1",
                "--no-manifest-file",
                "--out",
            ])
            .arg(&tmp)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("python3 corpora/gen/generate.py");
        assert!(st.success(), "generate.py failed");
        std::fs::rename(&tmp, &out).unwrap();
    }
    out
}

/// The scan context of a generated corpus: `corpora/gen/pool/pki/root.pem`
/// as the only anchor (loaded with `TrustStore::load`), no `--certs` (every
/// signed template embeds the intermediate), `--at 2026-06-01T00:00:00Z`.
pub fn gen_context() -> Context {
    let trust = TrustStore::load(&[repo("corpora/gen/pool/pki/root.pem")], false)
        .expect("load trust anchor");
    assert_eq!(trust.len(), 1);
    let verifier = Verifier::new(trust, CertStore::new(), Crls::empty());
    Context::with_verifier(Policy::default(), AtMode::Fixed(unix(GEN_AT)), verifier)
}

/// Standard base64 with 76-character LF lines.
pub fn base64_lines(data: &[u8]) -> Vec<u8> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / 57 + 4);
    for line in data.chunks(57) {
        for c in line.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
            out.push(T[(n >> 18) as usize & 63]);
            out.push(T[(n >> 12) as usize & 63]);
            out.push(if c.len() > 1 {
                T[(n >> 6) as usize & 63]
            } else {
                b'='
            });
            out.push(if c.len() > 2 {
                T[n as usize & 63]
            } else {
                b'='
            });
        }
        out.push(b'\n');
    }
    out
}

/// Deterministic pseudo-random bytes (xorshift64*).
pub fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        v.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    v.truncate(len);
    v
}

// ---- test messages (shared by the analyze and mime benches)

pub const HEADERS: &str = "Return-Path: <sender@example.com>\n\
Received: from mx1.example.com (mx1.example.com [192.0.2.10])\n\tby mail.example.org with ESMTPS id 4AbCdE; Mon, 1 Jan 2024 09:00:00 +0000\n\
Date: Mon, 1 Jan 2024 10:00:00 +0100\n\
From: \"Sender Name\" <sender@example.com>\n\
To: Receiver <receiver@example.org>\n\
Subject: =?UTF-8?B?UXVhcnRhbHNiZXJpY2h0IMOcYmVyc2ljaHQ=?=\n\
Message-ID: <bench.1@example.com>\n";

pub fn plain() -> Vec<u8> {
    let mut m = HEADERS.as_bytes().to_vec();
    m.extend_from_slice(
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n",
    );
    for i in 0..30 {
        m.extend_from_slice(
            format!("Line {i} of the message body, with some words to make it look like mail.\n")
                .as_bytes(),
        );
    }
    m
}

pub fn multipart(attachment: usize) -> Vec<u8> {
    let mut m = HEADERS.as_bytes().to_vec();
    m.extend_from_slice(
        b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"=_b1\"\n\n\
--=_b1\nContent-Type: text/plain; charset=us-ascii\n\nPlease find the report attached.\n\n\
--=_b1\nContent-Type: application/pdf; name=\"report.pdf\"\n\
Content-Disposition: attachment; filename=\"report.pdf\"\nContent-Transfer-Encoding: base64\n\n",
    );
    m.extend_from_slice(&base64_lines(&noise(attachment, 7)));
    m.extend_from_slice(b"\n--=_b1--\n");
    m
}

/// Outer headers + `MIME-Version` + a pool template, as generate.py does.
pub fn signed(template: &str, from: &str) -> Vec<u8> {
    let mut m = format!(
        "Received: from mx1.example.com by mail.example.org; Mon, 1 Jan 2024 09:00:00 +0000\n\
Date: Mon, 1 Jan 2024 10:00:00 +0100\nFrom: {from}\nTo: Receiver <receiver@example.org>\n\
Subject: Signed\nMessage-ID: <bench.2@example.com>\nMIME-Version: 1.0\n"
    )
    .into_bytes();
    m.extend_from_slice(&read(&format!("corpora/gen/pool/templates/{template}.eml")));
    m
}
