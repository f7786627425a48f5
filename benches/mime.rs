//! MIME building blocks of the per-message analysis: `mime::identity`
//! (Message-ID/Date/From/Sender through mail-parser's header parser),
//! `mime::find_smime` (structure walk without decoding bodies), and the
//! byte loops on signed content: `mime::canonicalize` (LF → CRLF),
//! `mime::decode_base64` (signature and opaque parts) and
//! `mailbox::unquote_from`.
//!
//! `cargo bench --bench mime -- --warm-up-time 1 --measurement-time 2`

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smimescan::mailbox;
use smimescan::mime::{self, Limits};

use common::{multipart, plain, signed};

fn identity(c: &mut Criterion) {
    let one = plain();
    let mut many = Vec::new();
    for i in 0..5 {
        many.extend_from_slice(
            format!(
                "Received: from relay{i}.example.net (relay{i}.example.net [198.51.100.{i}])\n\
                 \tby relay{}.example.net (Postfix) with ESMTPS id 4Ab{i}CdE\n\
                 \tfor <receiver@example.org>; Mon, 1 Jan 2024 09:0{i}:00 +0000\n",
                i + 1
            )
            .as_bytes(),
        );
    }
    many.extend_from_slice(&one);
    let mut g = c.benchmark_group("identity");
    g.throughput(Throughput::Elements(1));
    for (name, m) in [("1_received", &one), ("6_received", &many)] {
        assert!(mime::identity(m).is_some_and(|id| id.from.is_some()));
        g.bench_function(name, |b| b.iter(|| mime::identity(black_box(m))));
    }
    g.finish();
}

fn find_smime(c: &mut Criterion) {
    let limits = Limits::default();
    let cases = [
        ("plain", plain()),
        ("multipart_100k_base64", multipart(100_000)),
        (
            "signed_rsa2048_detached",
            signed("alice-d-small", "a@example.com"),
        ),
        (
            "signed_rsa2048_opaque",
            signed("alice-o-small", "a@example.com"),
        ),
        (
            "signed_rsa2048_detached_att",
            signed("alice-d-att", "a@example.com"),
        ),
    ];
    let mut g = c.benchmark_group("find_smime");
    g.throughput(Throughput::Elements(1));
    for (name, m) in &cases {
        let found = mime::find_smime(m, &limits).expect("well formed");
        assert_eq!(found.is_some(), name.starts_with("signed"), "{name}");
        g.bench_function(*name, |b| {
            b.iter(|| mime::find_smime(black_box(m), &limits))
        });
    }
    g.finish();
}

fn byte_loops(c: &mut Criterion) {
    // ~100 KB of LF text lines, and ~100 KB of base64 lines.
    let mut text = Vec::new();
    while text.len() < 100_000 {
        text.extend_from_slice(b"A line of signed text content, as a client would write it.\n");
    }
    let mut crlf = Vec::new();
    for l in text.split_inclusive(|&b| b == b'\n') {
        crlf.extend_from_slice(&l[..l.len() - 1]);
        crlf.extend_from_slice(b"\r\n");
    }
    let b64 = common::base64_lines(&common::noise(75_000, 3));
    assert_eq!(mime::decode_base64(&b64).unwrap(), common::noise(75_000, 3));

    let mut g = c.benchmark_group("bytes");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("canonicalize_lf", |b| {
        b.iter(|| mime::canonicalize(black_box(&text)))
    });
    g.throughput(Throughput::Bytes(crlf.len() as u64));
    g.bench_function("canonicalize_crlf", |b| {
        b.iter(|| mime::canonicalize(black_box(&crlf)))
    });
    g.throughput(Throughput::Bytes(b64.len() as u64));
    g.bench_function("decode_base64", |b| {
        b.iter(|| mime::decode_base64(black_box(&b64)))
    });
    // The base64 body of a real opaque signed message (pool template).
    let tpl = common::read("corpora/gen/pool/templates/alice-o-small.eml");
    let body = &tpl[memchr::memmem::find(&tpl, b"\n\n").unwrap() + 2..];
    assert!(mime::decode_base64(body).is_ok());
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("decode_base64_opaque_template", |b| {
        b.iter(|| mime::decode_base64(black_box(body)))
    });
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("unquote_from_none", |b| {
        b.iter(|| mailbox::unquote_from(black_box(&text)))
    });
    g.bench_function("sha256_reference", |b| {
        use sha2::Digest;
        b.iter(|| sha2::Sha256::digest(black_box(&text)))
    });
    g.finish();
}

criterion_group!(benches, identity, find_smime, byte_loops);
criterion_main!(benches);
