//! Splitting an mbox that arrives in pieces (a decompressed `.gz`/`.zst`
//! stream): the complete messages of what has arrived so far, the same
//! spans whatever the pieces (the caller keeps the incomplete tail and
//! calls again with more bytes after it).

use std::ops::Range;

use super::{message_end, next_separator, Found};

/// The complete messages found by [`complete_spans`].
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Spans {
    /// Message spans, in order, tiling `from..end`.
    pub(crate) spans: Vec<Range<usize>>,
    /// Index in `spans` of a message cut at the size limit.
    pub(crate) over_limit: Option<usize>,
    /// Where the first incomplete message starts (`data.len()` when none).
    pub(crate) end: usize,
}

/// The messages of `data` from the message boundary `from` on that are
/// complete: their end does not depend on bytes after `data` (all of
/// them when `eof`: `data` is the rest of the stream). A message that is
/// still incomplete past `max_message` bytes is cut at the next separator
/// (or the end of `data`) and marked in `Spans::over_limit`.
pub fn complete_spans(data: &[u8], from: usize, eof: bool, max_message: usize) -> Spans {
    let mut out = Spans::default();
    let mut pos = from;
    while pos < data.len() {
        match message_end(data, pos, eof) {
            Found::Yes(end) if end > pos => {
                out.spans.push(pos..end);
                pos = end;
            }
            Found::NeedMore if data.len() - pos > max_message => {
                // A message over the limit: cut it at the next separator,
                // or here. (A Content-Length that points past the limit
                // cannot be checked: the messages after it are not glued
                // to it for that.)
                let end = match memchr::memchr(b'\n', &data[pos..]) {
                    Some(i) => match next_separator(data, pos + i + 1, false) {
                        Found::Yes(e) => e,
                        _ => data.len(),
                    },
                    None => data.len(),
                };
                out.over_limit = Some(out.spans.len());
                out.spans.push(pos..end);
                pos = end;
            }
            Found::NeedMore => break,
            _ => {
                out.spans.push(pos..data.len());
                pos = data.len();
            }
        }
    }
    out.end = pos;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fed in pieces of every size, the spans are those of the whole.
    #[test]
    fn pieces_give_the_whole_spans() {
        let m = super::super::tests::content_length_mbox();
        let whole: Vec<Range<usize>> = super::super::split(&m).collect();
        for piece in 1..m.len() {
            let mut got = Vec::new();
            let mut have = 0;
            let mut from = 0;
            loop {
                have = (have + piece).min(m.len());
                let eof = have == m.len();
                let s = complete_spans(&m[..have], from, eof, usize::MAX);
                got.extend(s.spans);
                from = s.end;
                if eof {
                    break;
                }
            }
            assert_eq!(got, whole, "pieces of {piece}");
        }
    }
}
