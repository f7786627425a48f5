//! mbox splitting: spans tile the input, every resync point agrees with the
//! sequential split, and streaming (eof = false) never contradicts it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use smimescan::mailbox::{self, Found};

fuzz_target!(|data: &[u8]| {
    let spans: Vec<_> = mailbox::split(data).collect();
    let mut next = mailbox::bom_len(data);
    for s in &spans {
        assert_eq!(s.start, next);
        assert!(s.end > s.start);
        next = s.end;
        let _ = mailbox::message_content(&data[s.clone()], s.end < data.len());
    }
    if !spans.is_empty() {
        assert_eq!(next, data.len());
    }
    // The windowed separator index (as the scan pipeline splits a mapped
    // mbox) walks the same spans, window edges anywhere.
    let window = 1 + data.first().map_or(0, |&b| b as usize % 61);
    let windowed = |d: &[u8], r: std::ops::Range<usize>| {
        mailbox::index_windows(d, r, window)
    };
    let first = mailbox::bom_len(data);
    let indexed: Vec<_> = mailbox::IndexedSplit::new(data, first, data.len(), &windowed).collect();
    assert_eq!(indexed, spans);
    // Shard cuts agree with the sequential split.
    if mailbox::is_mbox(data) {
        for x in [data.len() / 3, data.len() / 2, data.len() * 2 / 3] {
            let b = mailbox::boundary_at_or_after(data, x);
            assert!(b == data.len() || spans.iter().any(|s| s.start == b), "cut {x} -> {b}");
        }
    }
    // A prefix never yields an end the whole data contradicts.
    if let Some(first) = spans.first() {
        let half = &data[..data.len() / 2];
        if half.len() > first.start {
            if let Found::Yes(e) = mailbox::message_end(half, first.start, false) {
                assert_eq!(e, first.end);
            }
        }
    }
    let _ = mailbox::unquote_from(data);
});
