//! Peer suites at the MIME level: every message gives a row, no panic,
//! and the S/MIME ones are found where their README says.

mod common;

use common::{csv_rows, smimescan};

/// SpamAssassin public corpus: 6,046 real messages, three S/MIME.
#[test]
fn spamassassin_corpus() {
    let Some(dir) = common::peer("spamassassin/corpus") else {
        return;
    };
    let (code, out, err) = smimescan(&[
        "scan",
        dir.to_str().unwrap(),
        "--at",
        "2002-09-01T00:00:00Z",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 6046);
    let smime: Vec<_> = rows
        .iter()
        .filter(|r| r["kind"].starts_with("signed") || r["kind"].contains("enveloped"))
        .map(|r| {
            let name = r["source"].rsplit('/').next().unwrap().to_owned();
            (name[..5].to_owned(), r["kind"].clone(), r["part"].clone())
        })
        .collect();
    assert_eq!(
        smime,
        vec![
            ("01353".into(), "signed".into(), "".into()),
            // DSN bounce: the signed message is attached as message/rfc822 (part 3).
            ("01542".into(), "signed".into(), "3".into()),
            ("00183".into(), "signed".into(), "".into()),
        ]
    );
    assert!(!rows.iter().any(|r| r["kind"] == "malformed"));
}

/// CPython's tricky MIME messages: every one gives one row. Only msg_19
/// is `malformed`: it has no header block at all (it starts with body text;
/// CPython parses it with a MissingHeaderBodySeparatorDefect).
#[test]
fn cpython_email_messages() {
    let Some(dir) = common::peer("cpython-email/data") else {
        return;
    };
    let (code, out, err) = smimescan(&["scan", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    let files = std::fs::read_dir(&dir).unwrap().count();
    // mailbox_01.mbox holds one message: its `From time to time` body line is
    // not a separator (Python's mailbox module splits it into two).
    assert_eq!(rows.len(), files);
    let mbox: Vec<_> = rows
        .iter()
        .filter(|r| r["source"].ends_with("mailbox_01.mbox"))
        .collect();
    assert_eq!(mbox.len(), 1);
    for r in &rows {
        let expect_malformed = r["source"].ends_with("msg_19.txt");
        assert_eq!(
            r["kind"] == "malformed",
            expect_malformed,
            "{}",
            r["source"]
        );
        assert!(!r["verdict"].is_empty());
    }
    // msg_45/48: multipart/signed with application/pgp-signature.
    for m in ["msg_45.txt", "msg_48.txt"] {
        let r = rows.iter().find(|r| r["source"].ends_with(m)).unwrap();
        assert_eq!(r["kind"], "pgp-signed", "{m}");
    }
}
