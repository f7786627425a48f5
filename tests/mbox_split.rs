//! No message is lost or glued to another (issue 11, section 1): a full
//! `From sender date` separator after a blank line splits whatever follows
//! it, and separator-looking lines inside a trusted mboxcl2 Content-Length
//! body change nothing, on every splitting path: the mapped fast path (index
//! and stitcher, at one and two threads), the streaming reader (.gz) and
//! shard cuts (--shard K/N, rows concatenated as `merge` does).
//! Each row must equal the row of its message scanned alone as a `.eml`.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use common::{csv_rows, root, scratch, smimescan};

const AT: &str = "2026-01-01T00:00:00Z";

type Rows = Vec<HashMap<String, String>>;

fn scan(paths: &[&Path], extra: &[&str]) -> Rows {
    let mut args: Vec<String> = vec!["scan".into()];
    args.extend(paths.iter().map(|p| p.to_str().unwrap().to_owned()));
    for a in [
        "--at",
        AT,
        "--trust",
        "corpora/sample/pki/root.pem",
        "--no-default-trust",
    ] {
        args.push(a.into());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let (code, out, err) = smimescan(&args);
    assert_eq!(code, 0, "{err}");
    csv_rows(&out)
}

/// The rows of the mbox `data`, checked to be the same on every path:
/// mapped at -j 1 and -j 2, gzip-compressed, and in 2 and 3 shards.
fn scan_everywhere(name: &str, data: &[u8]) -> Rows {
    let dir = scratch(name);
    let plain = dir.join("a.mbox");
    std::fs::write(&plain, data).unwrap();
    let gz = dir.join("a.mbox.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();

    let strip = |mut rows: Rows| -> Rows {
        for r in &mut rows {
            r.remove("source");
        }
        rows
    };
    let one = strip(scan(&[&plain], &["-j", "1"]));
    assert_eq!(strip(scan(&[&plain], &["-j", "2"])), one, "-j 2");
    assert_eq!(strip(scan(&[&gz], &["-j", "1"])), one, ".gz");
    for n in [2, 3] {
        let mut merged = Vec::new();
        for k in 0..n {
            merged.extend(strip(scan(
                &[&plain],
                &["-j", "1", "--shard", &format!("{k}/{n}")],
            )));
        }
        for (i, r) in merged.iter_mut().enumerate() {
            r.insert("index".into(), i.to_string());
        }
        assert_eq!(merged, one, "{n} shards");
    }
    one
}

/// The row of `eml` scanned alone, without the position columns.
fn alone(name: &str, eml: &[u8]) -> HashMap<String, String> {
    let dir = scratch(&format!("{name}_alone"));
    let p = dir.join("m.eml");
    std::fs::write(&p, eml).unwrap();
    let mut rows = scan(&[&p], &[]);
    assert_eq!(rows.len(), 1);
    let mut r = rows.pop().unwrap();
    for k in ["source", "index", "offset", "length"] {
        r.remove(k);
    }
    r
}

fn same_as_alone(row: &HashMap<String, String>, want: &HashMap<String, String>) {
    let mut got = row.clone();
    for k in ["source", "index", "offset", "length"] {
        got.remove(k);
    }
    assert_eq!(&got, want);
}

fn sample(rel: &str) -> Vec<u8> {
    std::fs::read(root(rel)).unwrap()
}

const SEP: &[u8] = b"From someone@example.com Mon Jun  3 10:00:00 2024\n";

/// `From ` line + message + the blank line an mbox writer adds.
fn mboxrd(msgs: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend_from_slice(SEP);
        out.extend_from_slice(m);
        if !m.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// The previous message's verdict must not be computed over the damaged
/// one: a signed message followed by a message whose first header line is
/// damaged (`Fr\xabm:`) gives two rows, the signed one as alone.
#[test]
fn glued_after_damaged_first_line() {
    let signed = sample("corpora/sample/msgs/02-signed.eml");
    let damaged: &[u8] =
        b"Fr\xabm: mallory@example.com\nSubject: damaged\nMessage-ID: <d@x>\n\nbody\n";
    let data = mboxrd(&[
        &signed,
        damaged,
        &sample("corpora/sample/msgs/01-plain.eml"),
    ]);
    let rows = scan_everywhere("glued_after_damaged_first_line", &data);
    assert_eq!(rows.len(), 3, "{rows:?}");
    same_as_alone(&rows[0], &alone("glued_damaged_0", &signed));
    assert_eq!(rows[0]["verdict"], "compliant");
    assert_eq!(rows[1]["kind"], "malformed");
    assert_eq!(rows[1]["verdict"], "error");
    assert_eq!(rows[2]["message_id"], "m1@sample.example");
}

/// A message of binary bytes only, between two signed messages.
#[test]
fn binary_message_own_row() {
    let signed = sample("corpora/sample/msgs/02-signed.eml");
    let binary: &[u8] = b"\x00\x01\x02\xff\xfe\xfd\x89PNG\r\n\x1a\x0b\x00\x00\xc3\x28";
    let data = mboxrd(&[&signed, binary, &signed]);
    let rows = scan_everywhere("binary_message_own_row", &data);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let want = alone("binary_own_row", &signed);
    same_as_alone(&rows[0], &want);
    same_as_alone(&rows[2], &want);
    assert_eq!(rows[1]["kind"], "malformed");
    assert_eq!(rows[1]["verdict"], "error");
    assert_eq!(
        rows[1]["length"],
        (SEP.len() + binary.len() + 2).to_string()
    );
}

/// A message that is only its `From ` line (binary bytes after it, or
/// nothing) at the end of the file is a row too.
#[test]
fn empty_message_at_end_own_row() {
    let signed = sample("corpora/sample/msgs/02-signed.eml");
    let mut data = mboxrd(&[&signed]);
    data.extend_from_slice(b"From - Mon Jun  3 10:00:00 2024");
    let rows = scan_everywhere("empty_message_at_end_own_row", &data);
    assert_eq!(rows.len(), 2, "{rows:?}");
    same_as_alone(&rows[0], &alone("empty_at_end", &signed));
    assert_eq!(rows[1]["verdict"], "error");
}

/// Looser forms still need a header field after them, and a full form
/// right after a text line (not after a blank line) too: body text stays
/// in its message.
#[test]
fn loose_from_lines_in_body_do_not_split() {
    let body: &[u8] = b"From: a@example.com\nSubject: t\nMessage-ID: <t@x>\n\ntext\n\nFrom Russia with love\n\nFrom alice\nno header here\n\nFrom time to time\ntext\nFrom bob Mon Jun  3 10:00:00 2024\n\x00binary\n";
    let data = mboxrd(&[body, body]);
    let rows = scan_everywhere("loose_from_lines_in_body_do_not_split", &data);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let want = alone("loose_from_lines", body);
    same_as_alone(&rows[0], &want);
}

/// mboxcl2 with the message's body length written before the blank line.
fn cl2(msgs: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        let split = m.windows(2).position(|w| w == b"\n\n").unwrap() + 1;
        let (head, body) = (&m[..split], &m[split + 1..]);
        out.extend_from_slice(SEP);
        out.extend_from_slice(head);
        out.extend_from_slice(format!("Content-Length: {}\n\n", body.len()).as_bytes());
        out.extend_from_slice(body);
        out.push(b'\n');
    }
    out
}

fn openssl_verifies(eml: &Path) -> bool {
    let out = std::process::Command::new("openssl")
        .args(["cms", "-verify", "-in"])
        .arg(eml)
        .args(["-CAfile"])
        .arg(root("corpora/sample/pki/root.pem"))
        .args(["-out", "/dev/null"])
        .output()
        .expect("openssl");
    out.status.success()
}

/// A signed message whose Content-Length body holds a blank line and an
/// unquoted `From alice@example.com Mon Jun  3 10:00:00 2024` line (and
/// `--boundary`-like lines): the MIME delimiter lines the index gathers go
/// to the right message, so each row is that of the `.eml` alone, and the
/// message after it is untouched. OpenSSL verifies each `.eml`.
#[test]
fn cl2_separator_inside_body_mime() {
    let names = [
        "corpora/mbox/from-inside.eml",
        "corpora/mbox/boundary-like.eml",
        "corpora/sample/msgs/02-signed.eml",
    ];
    let msgs: Vec<Vec<u8>> = names.iter().map(|n| sample(n)).collect();
    let refs: Vec<&[u8]> = msgs.iter().map(|m| m.as_slice()).collect();
    for n in names {
        assert!(openssl_verifies(&root(n)), "openssl cms -verify {n}");
    }
    let wants: Vec<_> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| alone(&format!("cl2_inside_{i}"), m))
        .collect();
    for w in &wants {
        assert_eq!(w["signature"], "valid");
        assert_eq!(w["chain"], "trusted");
    }
    for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0], [0, 0, 1]] {
        let data = cl2(&order.map(|i| refs[i]));
        let rows = scan_everywhere("cl2_separator_inside_body_mime", &data);
        assert_eq!(rows.len(), 3, "{order:?}: {rows:?}");
        for (row, &i) in rows.iter().zip(&order) {
            same_as_alone(row, &wants[i]);
        }
    }
}

/// The same body with a stale Content-Length: the length is ignored and
/// the inner separator splits (the rows are then those of the two halves,
/// each alone), still the same on every path.
#[test]
fn cl2_stale_length_inner_separator_splits() {
    let m = sample("corpora/mbox/from-inside.eml");
    let mut data = cl2(&[&m, &m]);
    let s = String::from_utf8(data.clone()).unwrap();
    let first = s.find("Content-Length: ").unwrap() + 16;
    data.insert(first, b'1');
    let rows = scan_everywhere("cl2_stale_length_inner_separator_splits", &data);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_ne!(rows[0]["signature"], "valid");
    same_as_alone(&rows[2], &alone("cl2_stale", &m));
}

/// A file that is one `From ` line without a line ending: one row (it
/// crashed the reader, losing the file, before).
#[test]
fn lone_from_line_file_own_row() {
    let rows = scan_everywhere(
        "lone_from_line_file_own_row",
        b"From - Mon Jun  3 10:00:00 2024",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["kind"], "malformed");
    assert_eq!(rows[0]["verdict"], "error");
}
