//! MimeKit's mbox test data (`../shared/peer/mimekit/mbox`): message count
//! and byte offsets of every message, for the LF file and its CRLF form.

mod common;

use smimescan::mailbox;

fn check(name: &str) {
    let Some(dir) = common::peer("mimekit/mbox") else {
        return;
    };
    let lf = std::fs::read(dir.join(format!("{name}.mbox.txt"))).unwrap();
    let crlf = common::to_crlf(&lf);
    for (data, kind) in [(lf, "unix"), (crlf, "dos")] {
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{name}.{kind}-offsets.json"))).unwrap(),
        )
        .unwrap();
        let expected = expected.as_array().unwrap();
        let spans: Vec<_> = mailbox::split(&data).collect();
        assert_eq!(spans.len(), expected.len(), "{name} {kind}: message count");
        for (i, (span, exp)) in spans.iter().zip(expected).enumerate() {
            let marker = exp["mboxMarkerOffset"].as_u64().unwrap() as usize;
            let end = exp["endOffset"].as_u64().unwrap() as usize;
            assert_eq!(span.start, marker, "{name} {kind} #{i}: offset");
            // MimeKit's endOffset excludes the line ending before the next
            // separator; our span includes it so that spans tile the file.
            let followed = i + 1 < spans.len();
            let content = mailbox::message_content(&data[span.clone()], followed);
            let content_end = content.as_ptr() as usize - data.as_ptr() as usize + content.len();
            assert_eq!(content_end, end, "{name} {kind} #{i}: end");
        }
        assert_eq!(spans.last().unwrap().end, data.len());
    }
}

#[test]
fn content_length_mbox() {
    check("content-length");
}

#[test]
fn issue1189_long_lines() {
    check("issue1189");
}

/// BOM + `From -` separators + unquoted `From Russia with love` body lines:
/// two messages. MimeKit splits at every `From ` after a blank line (4
/// messages) and Python's mailbox at every `From ` line (3); neither is
/// right: the body lines are followed by a blank line / text, not headers.
#[test]
fn unmunged_from_lines_and_bom() {
    let Some(dir) = common::peer("mimekit/mbox") else {
        return;
    };
    let data = std::fs::read(dir.join("unmunged.mbox.txt")).unwrap();
    let spans: Vec<_> = mailbox::split(&data).collect();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].start, 3, "after the BOM");
    assert!(data[spans[1].clone()].starts_with(b"From -\nFrom: Jeffrey"));
    let simple = std::fs::read(dir.join("simple.mbox.txt")).unwrap();
    assert_eq!(mailbox::split(&simple).count(), 3, "GMime substring.mbox");
}
