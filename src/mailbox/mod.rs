//! mbox splitting: finds the message boundaries of an mbox file.
//!
//! A line `From ...` separates messages when one of these holds:
//! - it has the full form `From <sender> <date>` (a non-empty sender token,
//!   then text with a clock time `h:mm` in it: Thunderbird's
//!   `From - <date>`, Gmail's `From <id>@xxx <date>`) and stands at the
//!   start of the file (after an optional UTF-8 BOM) or after a blank line:
//!   then it separates whatever follows it, so that a message whose first
//!   header line is damaged, or that holds only binary bytes, is its own
//!   message and is never glued to the one before it;
//! - it has a looser form, `From <sender>` alone, after a blank line (or at
//!   the start), and the next line is a header field (`Name:`);
//! - it follows another line directly (old Netscape/Thunderbird files omit
//!   the blank line), has the full form or is `From -`, and the next line is
//!   a header field.
//!
//! So `From Russia with love` or `From time to time` in a body never splits
//! a message, quoted (`>From`) or not (mboxo, mboxrd). mboxcl/mboxcl2
//! `Content-Length:` is followed only when the byte it points at (after at
//! most one line ending) is the end of the file or the start of a line that
//! separates as after a blank line; then the separator-looking lines its
//! body holds are plain content. Otherwise it is ignored (it is often stale
//! after a file was converted to CRLF or edited).
//!
//! Each message spans from its `From ` line to the next message's `From `
//! line (the line ending before a separator belongs to the message span), so
//! the spans of a file tile it exactly: their lengths sum to the file size
//! minus the BOM.

mod index;
mod stream;

pub(crate) use index::{index_window, Index};
pub use index::{index_windows, IndexedSplit, Stitcher};
pub use stream::{complete_spans, Spans};

use memchr::{memchr, memmem};

/// UTF-8 byte-order mark, written by some Windows tools at the start of a file.
pub(crate) const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Length of a leading BOM (0 or 3).
pub fn bom_len(data: &[u8]) -> usize {
    if data.starts_with(BOM) {
        BOM.len()
    } else {
        0
    }
}

/// Whether `data` is an mbox: it starts with `From ` (after a BOM).
pub fn is_mbox(data: &[u8]) -> bool {
    data[bom_len(data)..].starts_with(b"From ")
}

/// Outcome of looking for something in a buffer that may not hold the whole
/// file yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found<T> {
    /// Found, here.
    Yes(T),
    /// Not in the buffer, and no more bytes would change that.
    No,
    /// The answer depends on bytes past the end of the buffer.
    NeedMore,
}

/// End of the line starting at `p`: index of its `\n` (or None).
fn line_end(data: &[u8], p: usize) -> Option<usize> {
    memchr(b'\n', &data[p..]).map(|i| p + i)
}

/// Whether the `From ` line at `p` separates messages where a blank line
/// allows any separator form (the start of the file, or where a trusted
/// `Content-Length:` ends a message). Does not look at what precedes `p`.
pub(crate) fn separator_form_at(data: &[u8], p: usize, eof: bool) -> Found<()> {
    separator_line_at(data, p, eof, Place::AfterBlank)
}

/// Where a `From ` line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// At the start of the file, after a blank line, or at a trusted
    /// Content-Length end.
    AfterBlank,
    /// Right after another line (old Netscape/Thunderbird files).
    Inline,
}

/// What follows `From ` on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Not a separator (`From Russia with love`, `From `).
    No,
    /// `From <sender>` without a date (`dash`: the sender is `-`).
    Lone { dash: bool },
    /// `From <sender> <date with a clock time>`.
    Full,
}

/// Whether the `From ` line at `p` standing at `place` separates messages:
/// the full form after a blank line always does, whatever follows; any
/// other accepted form only when a header field follows.
fn separator_line_at(data: &[u8], p: usize, eof: bool, place: Place) -> Found<()> {
    if !data[p..].starts_with(b"From ") {
        return if data.len() - p < 5 && !eof && b"From "[..data.len() - p] == data[p..] {
            Found::NeedMore
        } else {
            Found::No
        };
    }
    // The line, complete (an unterminated last line counts at the end).
    let eol = match line_end(data, p) {
        Some(e) => e,
        None if eof => data.len(),
        None => return Found::NeedMore,
    };
    let mut line = &data[p + 5..eol];
    if let Some(l) = line.strip_suffix(b"\r") {
        line = l;
    }
    match (from_line_form(line), place) {
        (Form::No, _) | (Form::Lone { dash: false }, Place::Inline) => return Found::No,
        (Form::Full, Place::AfterBlank) => return Found::Yes(()),
        _ => {}
    }
    // The next line must be a header field.
    if eol == data.len() {
        return Found::No;
    }
    let next = eol + 1;
    let next_eol = match line_end(data, next) {
        Some(e) => e,
        None if eof => data.len(),
        None => return Found::NeedMore,
    };
    if crate::lines::is_header_line(&data[next..next_eol]) {
        Found::Yes(())
    } else {
        Found::No
    }
}

/// `rest` is what follows `From `: a sender token, then nothing (a lone
/// sender) or text with a clock time in it (a date).
fn from_line_form(rest: &[u8]) -> Form {
    let rest = rest.trim_ascii();
    let sender_len = rest
        .iter()
        .position(|&b| b == b' ' || b == b'\t')
        .unwrap_or(rest.len());
    if sender_len == 0 {
        return Form::No;
    }
    let tail = rest[sender_len..].trim_ascii();
    if tail.is_empty() {
        Form::Lone {
            dash: &rest[..sender_len] == b"-",
        }
    } else if has_clock_time(tail) {
        Form::Full
    } else {
        Form::No
    }
}

/// Whether `s` contains `d:dd` (an hour and minutes).
fn has_clock_time(s: &[u8]) -> bool {
    s.windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    })
}

/// Whether position `p` is preceded by a blank line (or is the first byte
/// after the BOM).
fn after_blank_line(data: &[u8], p: usize, first: usize) -> bool {
    p == first || data[..p].ends_with(b"\n\n") || data[..p].ends_with(b"\n\r\n")
}

/// Whether a message separator starts at `p`.
pub(crate) fn separator_at(data: &[u8], p: usize, eof: bool) -> Found<()> {
    let place = if after_blank_line(data, p, bom_len(data)) {
        Place::AfterBlank
    } else {
        Place::Inline
    };
    separator_line_at(data, p, eof, place)
}

/// The next separator at or after `from` (for resynchronising at an
/// arbitrary byte offset, e.g. a shard boundary). `Yes(data.len())` at EOF.
pub(crate) fn next_separator(data: &[u8], from: usize, eof: bool) -> Found<usize> {
    let first = bom_len(data);
    let mut pos = from.max(first);
    if pos == first {
        match separator_form_at(data, pos, eof) {
            Found::Yes(()) => return Found::Yes(pos),
            Found::NeedMore => return Found::NeedMore,
            Found::No => {}
        }
    }
    // Candidates are `From ` right after a newline.
    let finder = memmem::Finder::new(b"\nFrom ");
    let search_from = pos.saturating_sub(1);
    pos = search_from;
    loop {
        let Some(i) = finder.find(&data[pos..]) else {
            return if eof {
                Found::Yes(data.len())
            } else {
                Found::NeedMore
            };
        };
        let cand = pos + i + 1;
        if cand >= from {
            match separator_at(data, cand, eof) {
                Found::Yes(()) => return Found::Yes(cand),
                Found::NeedMore => return Found::NeedMore,
                Found::No => {}
            }
        }
        pos = cand;
    }
}

/// End of the message whose `From ` line starts at `start`: the start of the
/// next message, or `data.len()`.
pub fn message_end(data: &[u8], start: usize, eof: bool) -> Found<usize> {
    match content_length_end(data, start, eof) {
        Found::Yes(end) => return Found::Yes(end),
        Found::NeedMore => return Found::NeedMore,
        Found::No => {}
    }
    let Some(eol) = line_end(data, start) else {
        return if eof {
            Found::Yes(data.len())
        } else {
            Found::NeedMore
        };
    };
    next_separator(data, eol + 1, eof)
}

/// mboxcl/mboxcl2: where `Content-Length:` says the message ends, if a valid
/// separator (or the end of the file) is there.
fn content_length_end(data: &[u8], start: usize, eof: bool) -> Found<usize> {
    let Some(eol) = line_end(data, start) else {
        return Found::No;
    };
    let mut p = eol + 1;
    let mut length: Option<usize> = None;
    // Walk the header block (bounded: a header block longer than this is
    // not an mbox header we want to trust).
    const MAX_HEADER: usize = 1 << 20;
    loop {
        if p - start > MAX_HEADER {
            return Found::No;
        }
        let Some(e) = line_end(data, p) else {
            return if eof { Found::No } else { Found::NeedMore };
        };
        let line = &data[p..e];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        p = e + 1;
        if line.is_empty() {
            break;
        }
        if line.len() > 15 && line[..15].eq_ignore_ascii_case(b"content-length:") {
            length = std::str::from_utf8(line[15..].trim_ascii())
                .ok()
                .and_then(|s| s.parse().ok());
        }
    }
    let Some(n) = length else { return Found::No };
    let Some(target) = p.checked_add(n) else {
        return Found::No;
    };
    if target > data.len() {
        return if eof { Found::No } else { Found::NeedMore };
    }
    // At most one line ending, then a separator (at the start of a line)
    // or the end of the data.
    let mut q = target;
    for _ in 0..2 {
        if q == data.len() {
            return if eof {
                Found::Yes(data.len())
            } else {
                Found::NeedMore
            };
        }
        if data[q - 1] == b'\n' {
            match separator_form_at(data, q, eof) {
                Found::Yes(()) => return Found::Yes(q),
                Found::NeedMore => return Found::NeedMore,
                Found::No => {}
            }
        }
        if data[q] == b'\r' && q + 1 == data.len() && !eof {
            return Found::NeedMore;
        }
        if data[q..].starts_with(b"\r\n") {
            q += 2;
        } else if data[q] == b'\n' {
            q += 1;
        } else {
            break;
        }
    }
    Found::No
}

/// How far back [`boundary_at_or_after`] starts its walk.
pub(crate) const RESYNC_LOOKBACK: usize = 64 << 20;

/// The first message boundary at or after byte `x` of a whole mbox, as a
/// sequential split from the start of the file finds it. Used to cut one
/// mbox into shards: every shard computes the same boundaries, so the
/// shards tile the file exactly.
///
/// The next separator after `x` is not enough: it can be a `From ` line
/// inside a body that a valid `Content-Length:` skips. So the split walks
/// [`message_end`] exactly as the sequential split does, from the start of
/// the file when `x` is within `RESYNC_LOOKBACK` bytes of it, else from
/// the first separator after `x - RESYNC_LOOKBACK` (a walk resynchronises
/// on the true boundaries after at most one Content-Length message, so a
/// walk started that far back agrees with the sequential split unless a
/// single Content-Length body spans the whole lookback window).
pub fn boundary_at_or_after(data: &[u8], x: usize) -> usize {
    let first = bom_len(data);
    if x <= first {
        return first;
    }
    if x >= data.len() {
        return data.len();
    }
    let floor = x.saturating_sub(RESYNC_LOOKBACK);
    let mut pos = if floor <= first {
        first
    } else {
        match next_separator(data, floor, true) {
            Found::Yes(p) => p,
            _ => return data.len(),
        }
    };
    while pos < x {
        pos = match message_end(data, pos, true) {
            Found::Yes(e) if e > pos => e,
            _ => data.len(),
        };
    }
    pos
}

/// The messages of a whole mbox `data` that one shard reads when its byte
/// range of the file is `range`: those that start in it, from the first
/// boundary at or after `range.start` to the first at or after
/// `range.end` ([`boundary_at_or_after`]). Adjacent ranges get adjacent
/// cuts, so the shards tile the file exactly; a message never crosses a
/// cut. None when no message starts in the range.
pub(crate) fn shard_cut(
    data: &[u8],
    range: std::ops::Range<usize>,
) -> Option<std::ops::Range<usize>> {
    let start = boundary_at_or_after(data, range.start);
    let end = boundary_at_or_after(data, range.end);
    (start < end).then_some(start..end)
}

/// Splits a whole mbox (all data present) into message spans `start..end`.
pub fn split(data: &[u8]) -> Splits<'_> {
    Splits {
        data,
        pos: bom_len(data),
    }
}

/// Iterator over the message spans of an mbox held in full.
pub struct Splits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Iterator for Splits<'_> {
    type Item = std::ops::Range<usize>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.data.len() {
            return None;
        }
        let start = self.pos;
        let end = match message_end(self.data, start, true) {
            Found::Yes(e) if e > start => e,
            _ => self.data.len(),
        };
        self.pos = end;
        Some(start..end)
    }
}

/// The RFC 5322 message inside an mbox span: without the `From ` line, and
/// without the line ending that precedes the next separator (when
/// `followed` is true, i.e. another message comes after this one).
pub fn message_content(span: &[u8], followed: bool) -> &[u8] {
    let mut s = span;
    if s.starts_with(b"From ") {
        // Empty at the span's end (not a dangling `&[]`: callers locate
        // the content by its address in the span).
        s = match memchr(b'\n', s) {
            Some(i) => &s[i + 1..],
            None => &s[s.len()..],
        };
    }
    if followed {
        if let Some(t) = s.strip_suffix(b"\r\n") {
            s = t;
        } else if let Some(t) = s.strip_suffix(b"\n") {
            s = t;
        }
    }
    s
}

/// Undoes one level of mboxrd `>From ` quoting: every line `>+From ` loses
/// one `>`. Returns None when there is nothing to undo.
pub fn unquote_from(data: &[u8]) -> Option<Vec<u8>> {
    let finder = memmem::Finder::new(b">From ");
    finder.find(data)?;
    let mut out = Vec::with_capacity(data.len());
    let mut changed = false;
    for line in data.split_inclusive(|&b| b == b'\n') {
        let gt = line.iter().take_while(|&&b| b == b'>').count();
        if gt > 0 && line[gt..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
            changed = true;
        } else {
            out.extend_from_slice(line);
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(data: &[u8]) -> Vec<(usize, usize)> {
        split(data).map(|r| (r.start, r.end)).collect()
    }

    #[test]
    fn bare_from_lines_do_not_split() {
        let m = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nhello\n\nFrom Russia with love\n\nFrom time to time\nbye\n\nFrom - \nSubject: y\n\nz\n";
        let s = spans(m);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(&m[s[1].0..s[1].0 + 7], b"From - ");
        assert_eq!(s[1].1, m.len());
    }

    #[test]
    fn lone_sender_needs_blank_line_before() {
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nline\nFrom b\nSubject: y\n\n";
        assert_eq!(spans(m).len(), 1);
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nline\nFrom b Mon Jan  1 00:00:00 2024\nSubject: y\n\n";
        assert_eq!(spans(m).len(), 2);
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nline\nFrom - \nSubject: y\n\n";
        assert_eq!(spans(m).len(), 2);
    }

    #[test]
    fn full_form_after_blank_line_splits_whatever_follows() {
        // Damaged first header line, binary bytes, nothing (at EOF): each
        // its own message.
        for next in [&b"Fr\xabm: x\n\nb\n"[..], b"\x00\x01\xff\n", b"\r\n", b""] {
            let mut m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\nFrom b Mon Jan  1 00:00:00 2024\n".to_vec();
            m.extend_from_slice(next);
            assert_eq!(spans(&m).len(), 2, "{:?}", String::from_utf8_lossy(&m));
            let crlf = String::from_utf8_lossy(&m).replace('\n', "\r\n");
            assert_eq!(spans(crlf.as_bytes()).len(), 2);
        }
        // A loose form needs the header field; a full form not after a
        // blank line too.
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\nFrom b\n\x00\x01\n";
        assert_eq!(spans(m).len(), 1);
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\nFrom b Mon Jan  1 00:00:00 2024\n\x00\x01\n";
        assert_eq!(spans(m).len(), 1);
        // Streaming: the From line must be complete to decide.
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\nFrom b Mon Jan  1 00:00";
        assert_eq!(message_end(m, 0, false), Found::NeedMore);
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\nFrom b Mon Jan  1 00:00:00 2024\n";
        assert_eq!(message_end(m, 0, false), Found::Yes(m.len() - 32));
    }

    #[test]
    fn content_length_target_at_line_start_only() {
        // The length lands mid-line on `From `: not trusted.
        let body = b"a\n\nFrom x Mon Jan  1 00:00:00 2024\nSubject: fake\n\nzFrom b";
        let mut m = format!(
            "From a Mon Jan  1 00:00:00 2024\nContent-Length: {}\n\n",
            body.len() - 6
        )
        .into_bytes();
        m.extend_from_slice(body);
        m.extend_from_slice(b" Mon Jan  1 00:00:00 2024\nSubject: y\n\nq\n");
        assert_eq!(spans(&m).len(), 2);
        assert_eq!(&m[spans(&m)[1].0..][..6], b"From x");
    }

    #[test]
    fn crlf_and_bom() {
        let m = b"\xEF\xBB\xBFFrom -\r\nSubject: x\r\n\r\nbody\r\n\r\nFrom -\r\nSubject: y\r\n\r\nb\r\n";
        let s = spans(m);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, 3);
        let c = message_content(&m[s[0].0..s[0].1], true);
        assert_eq!(c, b"Subject: x\r\n\r\nbody\r\n");
    }

    /// Two messages; the first's Content-Length body holds a separator-
    /// looking message.
    pub(super) fn content_length_mbox() -> Vec<u8> {
        let body = b"a\n\nFrom x Mon Jan  1 00:00:00 2024\nSubject: fake\n\nz\n";
        let mut m = format!(
            "From a Mon Jan  1 00:00:00 2024\nContent-Length: {}\n\n",
            body.len()
        )
        .into_bytes();
        m.extend_from_slice(body);
        m.extend_from_slice(b"\nFrom b Mon Jan  1 00:00:00 2024\nSubject: y\n\nq\n");
        m
    }

    #[test]
    fn content_length_followed_when_valid() {
        // The body holds a separator-looking line; Content-Length skips it.
        let m = content_length_mbox();
        assert_eq!(spans(&m).len(), 2);
        // A wrong Content-Length is ignored.
        let bad = String::from_utf8_lossy(&m).replace("Content-Length: ", "Content-Length: 1");
        assert_eq!(spans(bad.as_bytes()).len(), 3);
    }

    #[test]
    fn streaming_needs_more() {
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\nFrom b";
        assert_eq!(message_end(m, 0, false), Found::NeedMore);
        assert_eq!(message_end(m, 0, true), Found::Yes(m.len()));
    }

    #[test]
    fn unquote() {
        assert_eq!(
            unquote_from(b"a\n>From x\n>>From y\n").unwrap(),
            b"a\nFrom x\n>From y\n"
        );
        assert!(unquote_from(b"no quoting\n").is_none());
    }

    #[test]
    fn shard_boundaries_follow_content_length() {
        // A Content-Length body that holds an mbox-looking message: a shard
        // boundary inside it must not start a message there.
        let m = content_length_mbox();
        let starts: Vec<usize> = split(&m).map(|r| r.start).collect();
        assert_eq!(starts.len(), 2);
        for x in 0..=m.len() {
            let b = boundary_at_or_after(&m, x);
            let expect = starts.iter().copied().find(|&s| s >= x).unwrap_or(m.len());
            assert_eq!(b, expect, "x={x}");
        }
    }

    /// Fuzz regression (mbox_split, crash-11520fe9): a cut just after a
    /// valid-looking separator that lies inside a Content-Length body.
    #[test]
    fn r_fuzz_cut_inside_content_length_body() {
        let body = b"a\n\nFrom - \nSubject: inside\n\nb\n\nFrom - \nSubject: inside too\n\nc\n";
        let mut m = format!("From - \nContent-Length: {}\n\n", body.len()).into_bytes();
        m.extend_from_slice(body);
        m.extend_from_slice(b"\nFrom - \nSubject: real\n\nz\n");
        let starts: Vec<usize> = split(&m).map(|r| r.start).collect();
        assert_eq!(starts.len(), 2);
        for x in 0..=m.len() {
            let expect = starts.iter().copied().find(|&s| s >= x).unwrap_or(m.len());
            assert_eq!(boundary_at_or_after(&m, x), expect, "x={x}");
        }
    }

    #[test]
    fn resync_mid_file() {
        let m = b"From a Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n\nFrom b Mon Jan  1 00:00:00 2024\nSubject: y\n\n";
        let second = m.len() - 44;
        assert_eq!(&m[second..second + 6], b"From b");
        for p in 1..=second {
            assert_eq!(next_separator(m, p, true), Found::Yes(second), "from {p}");
        }
        assert_eq!(next_separator(m, second + 1, true), Found::Yes(m.len()));
    }
}
