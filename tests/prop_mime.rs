//! Property tests: a multipart body split at its dash lines (as an mbox
//! scan does, from the index's one pass over the file) gives exactly the
//! parts of the memmem search, and so does a whole message's analysis.

use proptest::prelude::*;
use smimescan::mime;

/// A boundary: short, from an alphabet that makes prefixes, `-` runs and
/// near misses likely.
fn boundary() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![Just(b'-'), Just(b'a'), Just(b'b'), Just(b'='), Just(b' ')],
        1..5,
    )
}

/// A body line: a delimiter, a close delimiter, a longer boundary, a
/// delimiter not at the line start, trailing spaces, text.
fn line(b: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let d = [b"--".as_slice(), &b].concat();
    prop_oneof![
        Just(d.clone()),
        Just([d.as_slice(), b"--"].concat()),
        Just([d.as_slice(), b"  "].concat()),
        Just([d.as_slice(), b"a"].concat()),
        Just([b"x".as_slice(), &d].concat()),
        Just([d.as_slice(), &d].concat()),
        Just(b"-".to_vec()),
        Just(Vec::new()),
        "[a-z -]{0,12}".prop_map(String::into_bytes),
    ]
}

fn body() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    boundary().prop_flat_map(|b| {
        let lines = prop::collection::vec(line(b.clone()), 0..14);
        (Just(b), lines, any::<bool>(), any::<bool>()).prop_map(|(b, lines, crlf, lead)| {
            let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            let mut body = Vec::new();
            if lead {
                body.push(b'\n');
            }
            for l in &lines {
                body.extend_from_slice(l);
                body.extend_from_slice(eol);
            }
            (b, body)
        })
    })
}

fn dash_offsets(body: &[u8]) -> Vec<usize> {
    mime::dash_lines(body)
        .unwrap()
        .into_iter()
        .map(|d| d as usize)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn split_at_dash_lines_equals_search((b, body) in body()) {
        let want = mime::split_multipart(&body, &b);
        let got = mime::split_multipart_at(&body, &b, &dash_offsets(&body));
        prop_assert_eq!(got, want);
    }

    /// Nested multiparts in a whole message, with an S/MIME-looking part:
    /// the analysis with dash lines gives the same row.
    #[test]
    fn analysis_with_dash_lines_equals_search((b, body) in body(), inner in any::<bool>()) {
        let b = String::from_utf8(b).unwrap();
        let mut msg = format!("From: a@b\nContent-Type: multipart/mixed; boundary=\"{b}\"\n\n").into_bytes();
        msg.extend_from_slice(&body);
        if inner {
            msg.extend_from_slice(format!("--{b}\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=\"in{b}\"\n\n--in{b}\nContent-Type: text/plain\n\nhi\n--in{b}\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\nMAA=\n--in{b}--\n--{b}--\n").as_bytes());
        }
        let ctx = smimescan::scan::Context::new(
            smimescan::policy::Policy::default(),
            smimescan::scan::AtMode::Fixed(1_767_225_600),
        );
        let want = smimescan::scan::analyze(&msg, &ctx);
        let marks = mime::dash_lines(&msg);
        let got = smimescan::scan::analyze_marked(&msg, marks.as_deref(), &ctx);
        prop_assert_eq!(got, want);
    }
}
