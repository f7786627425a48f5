//! A plain mbox large enough that the scan pipeline indexes it in several
//! rounds (1, 2, 4, then 8 MiB; windows of 1 MiB searched in parallel),
//! with messages that span rounds and windows, Content-Length bodies that
//! hold separator lines, and S/MIME messages throughout: the rows are the
//! sequential split's messages, in order, with the same verdicts at any
//! thread count.

mod common;

use common::{csv_rows, scratch, smimescan};
use smimescan::mailbox;

const AT: &str = "2026-01-01T00:00:00Z";

fn big_mbox() -> Vec<u8> {
    let sample = std::fs::read(common::root("corpora/sample/archive/sample.mbox")).unwrap();
    let mut data = Vec::new();
    let mut i = 0;
    while data.len() < 20 << 20 {
        data.extend_from_slice(&sample);
        i += 1;
        if i % 97 == 0 {
            // ~3 MiB body: spans windows and rounds.
            data.extend_from_slice(
                b"From big@example.com Mon Mar  3 10:00:00 2025\nFrom: big@example.com\nSubject: big\n\n",
            );
            let line =
                b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n";
            for _ in 0..(3 << 20) / line.len() {
                data.extend_from_slice(line);
            }
            data.push(b'\n');
        }
        if i % 53 == 0 {
            // mboxcl2: a trusted Content-Length skips a separator-looking
            // line in its body.
            let body = b"line\n\nFrom inner@example.com Mon Mar  3 10:00:00 2025\nSubject: not a message\n\nbody\n";
            data.extend_from_slice(
                format!(
                    "From cl@example.com Mon Mar  3 10:00:00 2025\nFrom: cl@example.com\nContent-Length: {}\n\n",
                    body.len()
                )
                .as_bytes(),
            );
            data.extend_from_slice(body);
            data.push(b'\n');
        }
    }
    data
}

#[test]
fn rows_are_the_sequential_split_at_any_thread_count() {
    let dir = scratch("scan_rounds");
    let data = big_mbox();
    let path = dir.join("big.mbox");
    std::fs::write(&path, &data).unwrap();
    let spans: Vec<_> = mailbox::split(&data).collect();
    assert!(spans.len() > 1000);
    assert!(spans.iter().any(|s| s.len() > 3 << 20));

    let p = path.to_str().unwrap();
    let args = [
        "scan",
        p,
        "--at",
        AT,
        "--trust",
        "corpora/sample/pki/root.pem",
        "--no-default-trust",
    ];
    let one = smimescan(&[&args[..], &["-j", "1"]].concat());
    let three = smimescan(&[&args[..], &["-j", "3"]].concat());
    assert_eq!(one.1, three.1, "-j 1 and -j 3 reports differ");
    let rows = csv_rows(&one.1);
    assert_eq!(rows.len(), spans.len());
    for (i, (row, span)) in rows.iter().zip(&spans).enumerate() {
        assert_eq!(row["index"], i.to_string());
        assert_eq!(row["offset"], span.start.to_string(), "row {i}");
        assert_eq!(row["length"], span.len().to_string(), "row {i}");
    }
    // The sample's signed messages keep their verdicts in every copy.
    let verdicts = |id: &str| -> Vec<&str> {
        let mut v: Vec<&str> = rows
            .iter()
            .filter(|r| r["message_id"] == id)
            .map(|r| r["verdict"].as_str())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(verdicts("m2@sample.example"), ["compliant"]);
    assert_eq!(verdicts("m3@sample.example"), ["compliant"]);
    assert_eq!(verdicts("m5@sample.example"), ["violation"]);
    let count = |id: &str| rows.iter().filter(|r| r["message_id"] == id).count();
    assert!(count("m1@sample.example") > 300);
    assert_eq!(count("m2@sample.example"), count("m1@sample.example"));
    // Every Content-Length message is one row: its inner From line did
    // not split it.
    let cl = rows
        .iter()
        .filter(|r| r["from"] == "cl@example.com")
        .count();
    assert_eq!(cl, count("m1@sample.example") / 53);
}
