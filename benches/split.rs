//! mbox splitting: `smimescan::mailbox::split` (sequential) and the scan
//! pipeline's index (`line_marks`, `index_window`, `IndexedSplit`) over an
//! mbox held in memory, throughput in bytes, next to the bare
//! `memmem("\nFrom ")` scan of the same bytes.
//!
//! The mbox is `$SMIMESCAN_BENCH_MBOX`, else a 16 MiB archive generated once
//! by `corpora/gen/generate.py --seed 1` into the temp dir
//! (`SMIMESCAN_BENCH_MBOX_SIZE` changes the size).
//!
//! A 16 MiB input fits in a 32 MiB L3 cache, so these are cache-resident
//! rates; `SMIMESCAN_BENCH_MBOX_SIZE=1G` measures the memory-bound case
//! (and `benches/compare.sh` the mapped-file read limit).
//!
//! `cargo bench --bench split -- --warm-up-time 1 --measurement-time 2`

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use smimescan::mailbox;

fn split(c: &mut Criterion) {
    let path = common::bench_mbox();
    let data = std::fs::read(&path).expect("read mbox");
    let messages = mailbox::split(&data).count();
    assert!(messages > 1, "{}: not an mbox", path.display());
    eprintln!(
        "split: {} ({} bytes, {messages} messages)",
        path.display(),
        data.len()
    );

    let mut g = c.benchmark_group("mbox");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("split", |b| {
        b.iter(|| mailbox::split(black_box(&data)).count())
    });
    g.bench_function("split+message_content", |b| {
        b.iter(|| {
            let d = black_box(&data[..]);
            let mut total = 0usize;
            for r in mailbox::split(d) {
                let followed = r.end < d.len();
                total += mailbox::message_content(&d[r], followed).len();
            }
            total
        })
    });
    g.bench_function("memmem_from_lines", |b| {
        let f = memchr::memmem::Finder::new(b"\nFrom ");
        b.iter(|| f.find_iter(black_box(&data)).count())
    });
    // What the scan pipeline does: the one SIMD pass for lines starting
    // with `F` or `-`, then the separator index in 1 MiB windows, then the
    // boundary walk over it.
    g.bench_function("line_marks", |b| {
        b.iter(|| {
            let mut n = 0usize;
            smimescan::lines::line_marks(black_box(&data), &mut |_| n += 1);
            n
        })
    });
    let index = |d: &[u8], r: std::ops::Range<usize>| mailbox::index_windows(d, r, 1 << 20);
    g.bench_function("indexed_split", |b| {
        b.iter(|| {
            let d = black_box(&data[..]);
            mailbox::IndexedSplit::new(d, mailbox::bom_len(d), d.len(), &index).count()
        })
    });
    g.finish();
}

criterion_group!(benches, split);
criterion_main!(benches);
