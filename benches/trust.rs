//! Cost of judging chains against the roots of their time
//! (`--builtin-trust asof`).
//!
//! - `trust_at/lookup`: [`TrustStore::at`] (one binary search over the
//!   epochs of the built-in history) and `trusts()` of one built-in anchor,
//!   at a time that changes every call (mail of 2000–2026).
//! - `trust_at/all_anchors`: the same then `trusts()` over every anchor
//!   (313), an upper bound of what one judgement could ask.
//! - `chain/judge_warm_{current,asof}`: `Verifier::judge` of
//!   `corpora/chains` leaf_good ← inter ← root, link cache warm, with root
//!   as a plain anchor (`current`) or as a root of an injected history
//!   holding the 313 built-in roots too (`asof`): the difference is the
//!   time-aware lookup inside a real judgement.
//! - `chain_hostile/*`: the worst chains of `corpora/chains/rules` (4,096
//!   rfc822Names against 4,096 permitted subtrees, issue 12): `big_cold`
//!   is one first judgement with a fresh verifier (no link or path cache:
//!   it runs into the 250,000-comparison budget), `big_forged_cold` the
//!   same chain whose CA signature fails (signatures before constraints),
//!   `big_warm` a repeated judgement answered by the per-path cache. The
//!   budget's target is < 10 ms per judgement, cold. These three report
//!   the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not wall time, so a
//!   loaded machine does not inflate them; cold figures include making
//!   the fresh verifier (one root).
//!
//! `cargo bench --bench trust -- --warm-up-time 1 --measurement-time 2`

mod common;

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smimescan::pki::chain::{ChainStatus, Verifier};
use smimescan::pki::crl::Crls;
use smimescan::pki::history::{BuiltinRoot, Span, TrustHistory, OPEN};
use smimescan::pki::store::{load_certs, CertStore};
use smimescan::pki::trust::{BuiltinTrust, TrustStore};

fn lookup(c: &mut Criterion) {
    let store = TrustStore::load_with(&[], Some(BuiltinTrust::AsOf)).unwrap();
    let n = store.len();
    let h = store.history().unwrap().clone();
    let addtrust = h
        .roots()
        .iter()
        .find(|r| r.cert.subject.starts_with("CN=AddTrust External CA Root"))
        .unwrap();
    let i = store.index_for(&addtrust.cert).unwrap();
    let (t0, t1) = (
        common::unix("2000-01-01T00:00:00Z"),
        common::unix("2026-12-01T00:00:00Z"),
    );
    let step = 86_400 * 7 + 13;
    let mut g = c.benchmark_group("trust_at");
    g.throughput(Throughput::Elements(1));
    let mut t = t0;
    g.bench_function("lookup", |b| {
        b.iter(|| {
            t = if t > t1 { t0 } else { t + step };
            black_box(store.at(black_box(t), 0).trusts(i))
        })
    });
    let mut t = t0;
    g.bench_function("all_anchors", |b| {
        b.iter(|| {
            t = if t > t1 { t0 } else { t + step };
            let a = store.at(black_box(t), 0);
            (0..n).filter(|&k| a.trusts(k)).count()
        })
    });
    g.finish();
}

fn chain(c: &mut Criterion) {
    let load = |n: &str| {
        let (certs, _) = load_certs(&[common::repo(&format!("corpora/chains/certs/{n}.pem"))])
            .unwrap_or_else(|e| panic!("{n}: {e}"));
        certs[0].clone()
    };
    let (leaf, inter, root) = (load("leaf_good"), load("inter"), load("root"));
    let at = common::unix("2025-06-01T00:00:00Z");
    let message_certs = vec![inter.clone()];

    let current = Verifier::new(
        TrustStore::from_certs(vec![root.clone()]),
        CertStore::new(),
        Crls::empty(),
    );
    let builtin = TrustHistory::builtin().unwrap();
    let mut roots: Vec<BuiltinRoot> = builtin.roots().to_vec();
    roots.push(BuiltinRoot {
        cert: root.clone(),
        spans: vec![Span {
            from: common::unix("2021-01-01T00:00:00Z"),
            until: OPEN,
            from_label: "test".into(),
            until_label: String::new(),
            distrust: None,
        }],
    });
    let mut store = TrustStore::empty();
    store.add_history(Arc::new(TrustHistory::from_roots(
        roots,
        builtin.current_from(),
    )));
    let asof = Verifier::new(store, CertStore::new(), Crls::empty());
    for v in [&current, &asof] {
        let out = v.judge(&leaf, &message_certs, at);
        assert_eq!(out.status, ChainStatus::Trusted, "{:?}", out.error);
    }
    // The injected history decides: before its span, no anchor.
    let before = asof.judge(&leaf, &message_certs, common::unix("2020-06-01T00:00:00Z"));
    assert_eq!(before.status, ChainStatus::Untrusted);

    let mut g = c.benchmark_group("chain");
    g.throughput(Throughput::Elements(1));
    g.bench_function("judge_warm_current", |b| {
        b.iter(|| current.judge(black_box(&leaf), &message_certs, at))
    });
    g.bench_function("judge_warm_asof", |b| {
        b.iter(|| asof.judge(black_box(&leaf), &message_certs, at))
    });
    g.finish();
}

fn hostile(c: &mut Criterion) {
    use std::io::Read;
    let mut pem = Vec::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(common::repo("corpora/chains/rules/big.pem.gz")).unwrap(),
    )
    .read_to_end(&mut pem)
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("big.pem");
    std::fs::write(&f, pem).unwrap();
    let (certs, _) = load_certs(&[f]).unwrap();
    let by_cn = |cn: &str| {
        certs
            .iter()
            .find(|c| c.subject.starts_with(&format!("CN={cn},")))
            .unwrap_or_else(|| panic!("{cn}"))
            .clone()
    };
    let (leaf, inter) = (by_cn("Big"), vec![by_cn("Big Constrained CA")]);
    let (forged, forged_inter) = (by_cn("Big Forged"), vec![by_cn("Forged Big CA")]);
    let (roots, _) = load_certs(&[common::repo("corpora/chains/certs/root.pem")]).unwrap();
    let at = common::unix("2025-06-01T00:00:00Z");
    let fresh = || {
        Verifier::new(
            TrustStore::from_certs(roots.clone()),
            CertStore::new(),
            Crls::empty(),
        )
    };
    for (l, i) in [(&leaf, &inter), (&forged, &forged_inter)] {
        assert_eq!(fresh().judge(l, i, at).status, ChainStatus::Invalid);
    }
    let mut g = c.benchmark_group("chain_hostile");
    g.throughput(Throughput::Elements(1));
    g.bench_function("big_cold", |b| {
        b.iter_custom(|n| {
            cpu(|| (0..n).for_each(|_| drop(fresh().judge(black_box(&leaf), &inter, at))))
        })
    });
    g.bench_function("big_forged_cold", |b| {
        b.iter_custom(|n| {
            cpu(|| (0..n).for_each(|_| drop(fresh().judge(black_box(&forged), &forged_inter, at))))
        })
    });
    let warm = fresh();
    warm.judge(&leaf, &inter, at);
    g.bench_function("big_warm", |b| {
        b.iter_custom(|n| {
            cpu(|| (0..n).for_each(|_| drop(warm.judge(black_box(&leaf), &inter, at))))
        })
    });
    g.finish();
}

/// CPU time of this thread spent in `f`.
fn cpu(f: impl FnOnce()) -> std::time::Duration {
    let now = || {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec we own.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    };
    let t0 = now();
    f();
    now() - t0
}

criterion_group!(benches, lookup, chain, hostile);
criterion_main!(benches);
