//! The hostile corpus (corpora/hostile/make.py: truncations, bit flips,
//! spliced halves, hostile CMS, deep and wide MIME, a bomb): no panic, no
//! internal error, exactly one row per message, and limits reported as
//! errors with a clear text.

mod common;

use std::collections::BTreeMap;

use common::{csv_rows, smimescan};

#[test]
fn hostile_corpus_one_row_per_message_no_panic() {
    let manifest: BTreeMap<String, usize> = serde_json::from_slice(
        &std::fs::read(common::root("corpora/hostile/manifest.json")).unwrap(),
    )
    .unwrap();
    for threads in ["1", "2"] {
        let (code, out, err) = smimescan(&[
            "scan",
            "corpora/hostile/out",
            "-j",
            threads,
            "--at",
            "2026-01-01T00:00:00Z",
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(!err.contains("panicked"), "{err}");
        let rows = csv_rows(&out);
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for r in &rows {
            *counts
                .entry(r["source"].rsplit('/').next().unwrap().to_owned())
                .or_default() += 1;
            assert!(
                !r["error"].contains("internal error"),
                "{}: {}",
                r["source"],
                r["error"]
            );
            assert!(!r["verdict"].is_empty());
        }
        assert_eq!(counts, manifest);
        let by_name = |n: &str| rows.iter().find(|r| r["source"].ends_with(n)).unwrap();
        for (file, text) in [
            ("deep-multipart.eml", "nesting deeper than"),
            ("deep-rfc822.eml", "nesting deeper than"),
            ("deep-wide.eml", "MIME parts (limit)"),
            ("deep-header-block.eml", "header block larger than"),
            ("bomb.eml.gz", "decompression bomb"),
        ] {
            let r = by_name(file);
            assert_eq!(r["verdict"], "error", "{file}");
            assert!(r["error"].contains(text), "{file}: {}", r["error"]);
        }
        for file in [
            "cms-ber-deep.eml",
            "cms-huge-length.eml",
            "cms-unclosed.eml",
            "cms-length-overflow.eml",
            "cms-many-certs.eml",
        ] {
            let r = by_name(file);
            assert_eq!(r["signature"], "malformed", "{file}: {r:?}");
            assert!(!r["error"].is_empty(), "{file}");
        }
    }
}
