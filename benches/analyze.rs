//! Per-message analysis: `smimescan::scan::analyze` on one message with a
//! warm `Context` (the generated corpora's trust anchor loaded with
//! `TrustStore::load`, so chain judgement is included and its link cache is
//! warm after the first call), throughput in messages.
//!
//! Messages: a plain text/plain mail, a multipart/mixed with a ~100 KB
//! base64 attachment, and signed messages built like `generate.py` builds
//! them (outer headers + the pool template byte for byte): detached and
//! opaque, RSA-2048 (alice) and P-256 (dave), plus a detached RSA message
//! with an 18 KB attachment.
//!
//! `cargo bench --bench analyze -- --warm-up-time 1 --measurement-time 2`

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smimescan::scan::analyze;

use common::{multipart, plain, signed};

fn messages(c: &mut Criterion) {
    let ctx = common::gen_context();
    let alice = "Alice <alice.mueller@corp.example.com>";
    let dave = "Dave <dave.nguyen@eu.example.org>";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("plain", plain(), "plain"),
        ("multipart_100k_base64", multipart(100_000), "plain"),
        (
            "signed_rsa2048_detached",
            signed("alice-d-small", alice),
            "signed",
        ),
        (
            "signed_rsa2048_opaque",
            signed("alice-o-small", alice),
            "signed-opaque",
        ),
        (
            "signed_rsa2048_detached_att",
            signed("alice-d-att", alice),
            "signed",
        ),
        (
            "signed_p256_detached",
            signed("dave-d-small", dave),
            "signed",
        ),
        (
            "signed_p256_opaque",
            signed("dave-o-small", dave),
            "signed-opaque",
        ),
    ];
    let mut g = c.benchmark_group("analyze");
    g.throughput(Throughput::Elements(1));
    for (name, msg, kind) in &cases {
        // Check the case is what it claims, and warm the caches.
        let row = analyze(msg, &ctx);
        assert_eq!(row.kind, *kind, "{name}: {row:?}");
        if kind.starts_with("signed") {
            assert_eq!(
                (row.signature.as_str(), row.chain.as_str()),
                ("valid", "trusted"),
                "{name}: {row:?}"
            );
        }
        g.bench_function(*name, |b| b.iter(|| analyze(black_box(msg), &ctx)));
    }
    g.finish();
    let (hits, misses) = ctx.verifier.link_cache_stats();
    eprintln!("link cache: {hits} hits, {misses} misses");
}

criterion_group!(benches, messages);
criterion_main!(benches);
