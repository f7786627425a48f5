//! Inputs found by the fuzz targets (fuzz/), each kept under
//! tests/data/fuzz/<target>/ with a name saying what it broke, and run
//! through the same invariants as the target.

mod common;

use smimescan::mailbox;

/// The invariants of fuzz/fuzz_targets/mbox_split.rs.
fn mbox_split_invariants(data: &[u8]) {
    let spans: Vec<_> = mailbox::split(data).collect();
    let mut next = mailbox::bom_len(data);
    for s in &spans {
        assert_eq!(s.start, next);
        assert!(s.end > s.start);
        next = s.end;
    }
    if !spans.is_empty() {
        assert_eq!(next, data.len());
    }
    // The windowed separator index walks the same spans (crash-4ff447b8:
    // a one-byte file, whose only span the index walk lost).
    for window in 1..=7 {
        let windowed = |d: &[u8], r: std::ops::Range<usize>| mailbox::index_windows(d, r, window);
        let first = mailbox::bom_len(data);
        let indexed: Vec<_> =
            mailbox::IndexedSplit::new(data, first, data.len(), &windowed).collect();
        assert_eq!(indexed, spans, "window {window}");
    }
    if mailbox::is_mbox(data) {
        for x in 0..=data.len() {
            let b = mailbox::boundary_at_or_after(data, x);
            assert!(
                b == data.len() || spans.iter().any(|s| s.start == b),
                "cut {x} -> {b}"
            );
        }
    }
}

/// The invariants of fuzz/fuzz_targets/message.rs: a verdict, one line of
/// error, no panic.
fn message_invariants(data: &[u8]) {
    let ctx = smimescan::scan::Context::new(
        smimescan::policy::Policy::default(),
        smimescan::scan::AtMode::Fixed(1_767_225_600),
    );
    let row = smimescan::scan::analyze(data, &ctx);
    assert!(!row.verdict.is_empty());
    assert!(!row.error.contains('\n'));
    let marks = smimescan::mime::dash_lines(data);
    let marked = smimescan::scan::analyze_marked(data, marks.as_deref(), &ctx);
    assert_eq!(marked, row);
}

fn each(target: &str, check: fn(&[u8])) {
    let dir = common::root(&format!("tests/data/fuzz/{target}"));
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        eprintln!("{}", p.display());
        check(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n > 0);
}

#[test]
fn mbox_split_regressions() {
    each("mbox_split", mbox_split_invariants);
}

#[test]
fn message_regressions() {
    each("message", message_invariants);
}
