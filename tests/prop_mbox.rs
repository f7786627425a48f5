//! Property tests: any sequence of messages written as mboxrd splits back
//! into exactly those messages, and the scan gives one row per message.

use proptest::prelude::*;
use smimescan::mailbox;

/// A body line: text, `From ` lines (quoted or not), blank lines, header-
/// looking lines (to tempt the separator check).
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 .,:;!?-]{0,60}",
        Just(String::new()),
        "From [a-z@.]{1,12}( [A-Za-z]{3} [A-Za-z]{3} [0-9]{1,2} [0-9]{2}:[0-9]{2}:[0-9]{2} 20[0-9]{2})?",
        ">{1,3}From [a-z ]{0,20}",
        "[A-Z][a-z-]{1,10}: [a-z ]{0,20}",
        Just("From ".to_string()),
    ]
}

#[derive(Debug, Clone)]
struct Msg {
    headers: Vec<String>,
    body: Vec<String>,
    final_newline: bool,
}

fn msg() -> impl Strategy<Value = Msg> {
    (
        prop::collection::vec("[A-Z][a-z]{1,8}: [ -~]{0,30}", 1..4),
        prop::collection::vec(line(), 0..12),
        any::<bool>(),
    )
        .prop_map(|(headers, body, final_newline)| Msg {
            headers,
            body,
            final_newline,
        })
}

impl Msg {
    /// The message as a sender wrote it (LF).
    fn raw(&self) -> String {
        let mut s = self.headers.join("\n");
        s.push_str("\n\n");
        s.push_str(&self.body.join("\n"));
        if self.final_newline && !self.body.is_empty() {
            s.push('\n');
        }
        s
    }
}

/// mboxrd writer: `From ` line, body lines `>*From ` get one more `>`, a
/// newline added if the message lacks one, then a blank line.
fn write_mboxrd(msgs: &[Msg], crlf: bool) -> Vec<u8> {
    let mut out = String::new();
    for m in msgs {
        out.push_str("From writer@example.com Mon Jan  1 00:00:00 2024\n");
        let raw = m.raw();
        for l in raw.split_inclusive('\n') {
            if l.trim_start_matches('>').starts_with("From ") {
                out.push('>');
            }
            out.push_str(l);
        }
        if !raw.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    if crlf {
        out.replace('\n', "\r\n").into_bytes()
    } else {
        out.into_bytes()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn mboxrd_round_trip(msgs in prop::collection::vec(msg(), 1..8), crlf in any::<bool>()) {
        let data = write_mboxrd(&msgs, crlf);
        let spans: Vec<_> = mailbox::split(&data).collect();
        prop_assert_eq!(spans.len(), msgs.len());
        let mut next = 0;
        for (i, (span, m)) in spans.iter().zip(&msgs).enumerate() {
            prop_assert_eq!(span.start, next);
            next = span.end;
            let followed = i + 1 < spans.len();
            let content = mailbox::message_content(&data[span.clone()], followed);
            let content = if crlf {
                String::from_utf8_lossy(content).replace("\r\n", "\n")
            } else {
                String::from_utf8_lossy(content).into_owned()
            };
            let unquoted = mailbox::unquote_from(content.as_bytes())
                .map(|v| String::from_utf8(v).unwrap())
                .unwrap_or(content.clone());
            let mut expected = m.raw();
            if !expected.ends_with('\n') {
                expected.push('\n');
            }
            // The last message keeps the separator's newline (nothing follows).
            if !followed {
                expected.push('\n');
            }
            prop_assert_eq!(unquoted, expected);
        }
        prop_assert_eq!(next, data.len());
    }

    /// The windowed separator index walks exactly the sequential split's
    /// boundaries, whatever the window and feed sizes (tiny ones put window
    /// edges inside `From ` lines, Content-Length headers and CRLFs), on
    /// mboxrd files with Content-Length headers, right or stale, and junk.
    #[test]
    fn indexed_split_equals_split(
        msgs in prop::collection::vec(msg(), 1..8),
        crlf in any::<bool>(),
        lengths in prop::collection::vec(prop::option::of(0usize..400), 8),
        junk in prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'F'), Just(b' '), any::<u8>()], 0..64),
        window in 1usize..97,
        feed in 1usize..300,
    ) {
        let mut data = Vec::new();
        for (m, len) in msgs.iter().zip(&lengths) {
            let mut one = write_mboxrd(std::slice::from_ref(m), crlf);
            if let Some(n) = len {
                // After the From line: a Content-Length header (maybe wrong).
                let eol = one.iter().position(|&b| b == b'\n').unwrap() + 1;
                let h = format!("Content-Length: {n}{}", if crlf { "\r\n" } else { "\n" });
                one.splice(eol..eol, h.into_bytes());
            }
            data.extend_from_slice(&one);
        }
        data.extend_from_slice(&junk);
        let want: Vec<_> = mailbox::split(&data).collect();
        let windowed = |d: &[u8], r: std::ops::Range<usize>| {
        mailbox::index_windows(d, r, window)
    };
        let first = mailbox::bom_len(&data);
        let got: Vec<_> = mailbox::IndexedSplit::new(&data, first, data.len(), &windowed).collect();
        prop_assert_eq!(&got, &want);
        // Fed in ranges of `feed` bytes, spans taken as soon as decided.
        let mut st = mailbox::Stitcher::new(first, data.len());
        let mut got = Vec::new();
        loop {
            while let Some(s) = st.next_span(&data) {
                got.push(s);
            }
            match st.want(feed) {
                Some(r) => { let seps = windowed(&data, r.clone()); st.feed(r, seps) }
                None => break,
            }
        }
        while let Some(s) = st.next_span(&data) {
            got.push(s);
        }
        prop_assert!(st.done());
        prop_assert_eq!(got, want);
    }

    /// Row count = message count, whatever the bytes: the analysis of a
    /// message never panics and never drops it.
    #[test]
    fn one_row_per_message(msgs in prop::collection::vec(msg(), 1..6), junk in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut data = write_mboxrd(&msgs, false);
        // Replace the last message's body by arbitrary bytes.
        data.extend_from_slice(b"From x@y Mon Jan  1 00:00:00 2024\nSubject: junk\n\n");
        data.extend_from_slice(&junk);
        let ctx = smimescan::scan::Context::new(smimescan::policy::Policy::default(), smimescan::scan::AtMode::Now);
        let spans: Vec<_> = mailbox::split(&data).collect();
        prop_assert!(spans.len() >= msgs.len());
        for (i, span) in spans.iter().enumerate() {
            let content = mailbox::message_content(&data[span.clone()], i + 1 < spans.len());
            let row = smimescan::scan::analyze(content, &ctx);
            prop_assert!(!row.verdict.is_empty());
        }
    }
}
