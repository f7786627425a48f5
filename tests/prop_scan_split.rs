//! The fast mbox paths are provably equal to a simple one (issue 11,
//! section 1): random archives — mboxrd, mboxo and unquoted (mboxcl2)
//! writers, right and stale `Content-Length:`, CRLF, a BOM, damaged first
//! header lines, binary and empty messages, real S/MIME messages and fake
//! multipart/signed ones whose bodies hold separator-like and
//! `--boundary`-like lines — scanned at -j 1 and -j 2 with tiny rounds and
//! windows, in shards (--shard K/N, concatenated as `merge` does), through
//! gzip, and through the streaming reader in tiny chunks, give exactly the
//! rows of a reference that splits line by line by the SPEC's rule (written
//! here, independently of `smimescan::mailbox`) and analyzes each message
//! alone with `smimescan::scan::analyze`.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use smimescan::scan::SplitSizes;

#[path = "common/mbox_reference.rs"]
mod mbox_reference;
use mbox_reference::{check_all_paths, ctx, reference_rows};

// ---------------------------------------------------------------------
// Random archives.

fn fixtures() -> &'static [Vec<u8>] {
    static F: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    F.get_or_init(|| {
        [
            "corpora/mbox/from-inside.eml",
            "corpora/mbox/boundary-like.eml",
            "corpora/sample/msgs/02-signed.eml",
            "corpora/sample/msgs/03-opaque.eml",
            "corpora/sample/msgs/05-tampered.eml",
        ]
        .iter()
        .map(|p| std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap())
        .collect()
    })
}

/// A body line that tempts the splitter or the MIME walker.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[a-zA-Z0-9 .,:;!?-]{0,30}".prop_map(String::into_bytes),
        3 => Just(Vec::new()),
        2 => "From [a-z@.-]{1,10} (Mon Jun  3 10:00:00 2024|Tue, 4 Jun 2024 1:02|x 9:30)"
            .prop_map(String::into_bytes),
        1 => Just(b"From - Mon Jun  3 10:00:00 2024".to_vec()),
        1 => "From [a-z@.-]{0,8}( [a-z]{1,6})?".prop_map(String::into_bytes),
        1 => ">{1,2}From [a-z ]{0,10}".prop_map(String::into_bytes),
        2 => "[A-Z][a-z-]{1,8}: [a-z ]{0,10}".prop_map(String::into_bytes),
        1 => "Content-Length: [0-9]{1,3}".prop_map(String::into_bytes),
        2 => prop::sample::select(vec!["--b1", "--b1--", "--b1x", "--b", "---b1", "--in", "--"])
            .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>().prop_filter("no LF", |b| *b != b'\n'), 0..12),
    ]
}

fn lines() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(line(), 0..10).prop_map(|ls| ls.join(&b'\n'))
}

fn headers() -> impl Strategy<Value = Vec<u8>> {
    ("[a-z]{1,6}", "[ -~]{0,20}").prop_map(|(who, subj)| {
        format!("From: {who}@example.com\nSubject: {subj}\nMessage-ID: <{who}@x>\n").into_bytes()
    })
}

/// One message as a sender wrote it (LF).
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => (headers(), lines()).prop_map(|(h, b)| [h, b"\n".to_vec(), b].concat()),
        2 => (headers(), lines(), lines()).prop_map(|(h, a, b)| {
            [
                h,
                b"MIME-Version: 1.0\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\n".to_vec(),
                a,
                b"\n--b1\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCA\n--b1--\n".to_vec(),
                b,
            ]
            .concat()
        }),
        3 => (0..fixtures().len(), lines()).prop_map(|(i, epilogue)| {
            [fixtures()[i].clone(), epilogue].concat()
        }),
        1 => lines().prop_map(|b| [b"Fr\xabm: x@example.com\nSubject: damaged\n\n".to_vec(), b].concat()),
        1 => prop::collection::vec(any::<u8>(), 0..40),
        1 => Just(Vec::new()),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Quoting {
    Rd,
    O,
    None,
}

#[derive(Debug, Clone)]
struct Entry {
    msg: Vec<u8>,
    quoting: Quoting,
    /// Content-Length: None, or the body length plus this (0 = right).
    length: Option<i64>,
    sep: &'static str,
    blank_after: bool,
}

fn entry() -> impl Strategy<Value = Entry> {
    (
        message(),
        prop_oneof![Just(Quoting::Rd), Just(Quoting::O), Just(Quoting::None)],
        prop_oneof![
            2 => Just(None),
            2 => Just(Some(0i64)),
            1 => (-3i64..4).prop_map(Some),
        ],
        prop::sample::select(vec![
            "From writer@example.com Mon Jun  3 10:00:00 2024",
            "From - Mon Jun  3 10:00:00 2024",
            "From MAILER-DAEMON Tue Jun  4 01:02:03 2024",
            "From -",
            "From writer@example.com",
        ]),
        prop::bool::weighted(0.85),
    )
        .prop_map(|(msg, quoting, length, sep, blank_after)| Entry {
            msg,
            quoting,
            length,
            sep,
            blank_after,
        })
}

fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 2);
    let mut prev = 0;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

fn archive(entries: &[Entry], crlf: bool, bom: bool, junk: &[u8]) -> Vec<u8> {
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    for e in entries {
        let mut m = Vec::new();
        for l in e.msg.split_inclusive(|&b| b == b'\n') {
            let gt = l.iter().take_while(|&&b| b == b'>').count();
            let quote = match e.quoting {
                Quoting::Rd => l[gt..].starts_with(b"From "),
                Quoting::O => l.starts_with(b"From "),
                Quoting::None => false,
            };
            if quote {
                m.push(b'>');
            }
            m.extend_from_slice(l);
        }
        if crlf {
            m = to_crlf(&m);
        }
        if let Some(delta) = e.length {
            let blank = [eol, eol].concat();
            if let Some(i) = m.windows(blank.len()).position(|w| w == blank) {
                let body = m.len() - (i + blank.len());
                let n = (body as i64 + delta).max(0);
                let h = [format!("Content-Length: {n}").as_bytes(), eol].concat();
                m.splice(i + eol.len()..i + eol.len(), h);
            }
        }
        out.extend_from_slice(e.sep.as_bytes());
        out.extend_from_slice(eol);
        out.extend_from_slice(&m);
        if !m.ends_with(b"\n") {
            out.extend_from_slice(eol);
        }
        if e.blank_after {
            out.extend_from_slice(eol);
        }
    }
    out.extend_from_slice(junk);
    out
}

fn check(data: &[u8], window: usize, round: usize, chunk: usize, step: usize) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prop_scan_split");
    check_all_paths(data, window, round, chunk, step, &dir);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_path_equals_the_line_reference(
        entries in prop::collection::vec(entry(), 1..10),
        crlf in prop::bool::weighted(0.25),
        bom in prop::bool::weighted(0.1),
        junk in prop_oneof![3 => Just(Vec::new()), 1 => prop::collection::vec(any::<u8>(), 0..20)],
        window in 1usize..200,
        round in 1usize..600,
        chunk in 1usize..400,
        step in 1usize..300,
    ) {
        let data = archive(&entries, crlf, bom, &junk);
        check(&data, window, round, chunk, step);
    }
}

/// The reference agrees with the named cases (a check of the checker).
#[test]
fn reference_splits_named_cases() {
    let c = ctx(SplitSizes::default());
    let n = |d: &[u8]| reference_rows(d, &c).len();
    assert_eq!(n(b"From a Mon Jun  3 10:00:00 2024\nA: b\n\nx\n\nFrom b Mon Jun  3 10:00:00 2024\n\x00\x01\n"), 2);
    assert_eq!(
        n(b"From a Mon Jun  3 10:00:00 2024\nA: b\n\nx\n\nFrom b\n\x00\x01\n"),
        1
    );
    assert_eq!(
        n(b"From a Mon Jun  3 10:00:00 2024\nA: b\n\nx\nFrom b Mon Jun  3 10:00:00 2024\nB: c\n"),
        2
    );
    assert_eq!(
        n(b"From a Mon Jun  3 10:00:00 2024\nA: b\n\nx\nFrom b\nB: c\n"),
        1
    );
    // A trusted Content-Length skips a full separator in its body.
    let body = "\nFrom b Mon Jun  3 10:00:00 2024\n\nx\n";
    let m = format!(
        "From a\nContent-Length: {}\n\n{body}\nFrom c\nX: y\n",
        body.len()
    );
    assert_eq!(n(m.as_bytes()), 2);
    let m = format!(
        "From a\nContent-Length: {}\n\n{body}\nFrom c\nX: y\n",
        body.len() + 3
    );
    assert_eq!(n(m.as_bytes()), 3);
    check(
        b"From a Mon Jun  3 10:00:00 2024\nA: b\n\nx\n\nFrom b Mon Jun  3 10:00:00 2024\n\x00\x01\n",
        3,
        5,
        1,
        1,
    );
}
