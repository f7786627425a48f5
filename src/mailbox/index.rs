//! Splitting a mapped mbox from an index of its separators, built window by
//! window so that the windows can be searched in parallel.
//!
//! [`super::split`] walks a file with one `\nFrom ` search after another;
//! that is one thread reading every byte. Here the search is cut into
//! independent windows: [`index_window`] finds the separators whose `From `
//! starts in a window (and where each one's trusted `Content-Length:` ends
//! its message), and [`IndexedSplit`] walks the message boundaries over that
//! index exactly as [`super::split`] walks them over the file — same spans,
//! byte for byte (tested against it with tiny windows, and by the
//! `mbox_split` fuzz target). The walk itself is a cursor over a short
//! list; the work that reads the bytes is in the windows, which the caller
//! may run on any number of threads.

use std::ops::Range;

use super::{content_length_end, separator_at, Found};

/// A message separator found by [`index_window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Separator {
    /// Offset of its `From `.
    pub(crate) at: usize,
    /// Where the message it starts ends, when its `Content-Length:` is
    /// trusted (lands on a separator or the end of the file).
    pub(crate) length_end: Option<usize>,
}

/// What [`index_window`] finds in a range of a file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Index {
    /// The separators, in order.
    pub seps: Vec<Separator>,
    /// Offsets of the lines that start with `-` (candidates for MIME
    /// boundary delimiters), in order; none from a dense range.
    pub(crate) dashes: Vec<usize>,
    /// Ranges with more than one `-` line per [`DENSE_DASHES`] bytes: their
    /// dash lines are not kept (memory stays bounded on any input), and
    /// messages that touch them are walked without hints.
    pub(crate) dense: Vec<Range<usize>>,
}

impl Index {
    /// Appends the index of the range that follows.
    pub(crate) fn append(&mut self, other: Index) {
        self.seps.extend(other.seps);
        self.dashes.extend(other.dashes);
        self.dense.extend(other.dense);
    }
}

/// See [`Index::dense`].
pub(crate) const DENSE_DASHES: usize = 64;

/// Indexes `window` of `data` (the whole file): every separator whose
/// `From ` starts in the window right after a newline (the file's first
/// message is not preceded by one: the walk takes its start as given), and
/// every line in it that starts with `-` — all in one pass over the bytes
/// ([`crate::lines::line_marks`]).
pub(crate) fn index_window(data: &[u8], window: Range<usize>) -> Index {
    let mut out = Index::default();
    let end = window.end.min(data.len());
    if window.start >= end {
        return out;
    }
    // A newline at i marks the line starting at i + 1, in the window when
    // window.start <= i + 1 < end; a separator needs the 5 bytes of
    // `From ` (checked by separator_at).
    let lo = window.start.saturating_sub(1);
    let hi = (end + 1).min(data.len());
    let mut lines = Vec::new();
    crate::lines::line_marks(&data[lo..hi], &mut |i| lines.push(lo + i + 1));
    for at in lines {
        if at < window.start || at >= end {
            continue;
        }
        if data[at] == b'-' {
            out.dashes.push(at);
        } else if separator_at(data, at, true) == Found::Yes(()) {
            out.seps.push(Separator {
                at,
                length_end: yes(content_length_end(data, at, true)),
            });
        }
    }
    if out.dashes.len() > (end - window.start) / DENSE_DASHES {
        out.dashes = Vec::new();
        out.dense.push(window.start..end);
    }
    out
}

/// The index of `range` built window by window, `window` bytes each, on
/// the calling thread: the same as one `index_window` over `range`
/// (tests and benchmarks cut it small to put window edges everywhere).
pub fn index_windows(data: &[u8], range: Range<usize>, window: usize) -> Index {
    let mut all = Index::default();
    let mut s = range.start;
    while s < range.end {
        let e = s.saturating_add(window.max(1)).min(range.end);
        all.append(index_window(data, s..e));
        s = e;
    }
    all
}

fn yes(f: Found<usize>) -> Option<usize> {
    match f {
        Found::Yes(e) => Some(e),
        _ => None,
    }
}

/// Builds the index of a range: [`index_window`] over windows of it, in
/// order (on one thread or several).
pub(crate) type Indexer<'a> = &'a (dyn Fn(&[u8], Range<usize>) -> Index + Sync);

/// Walks the message boundaries of `data[start..end]` (both boundaries as
/// [`super::boundary_at_or_after`] gives them) over an index fed to it
/// range by range ([`Stitcher::want`], [`Stitcher::feed`]): yields each
/// span as soon as the index decides where it ends.
#[derive(Debug)]
pub struct Stitcher {
    end: usize,
    pos: usize,
    /// Indexed separators; `next` is the first not yet passed.
    seps: Vec<Separator>,
    next: usize,
    /// Indexed dash lines and dense ranges not yet passed (see
    /// [`Stitcher::dash_lines`]).
    dashes: Vec<usize>,
    dash_next: usize,
    dense: Vec<Range<usize>>,
    /// Everything below this is indexed (or behind the walk).
    indexed_to: usize,
}

impl Stitcher {
    /// A walk of the message boundaries from `start` to `end`, with nothing
    /// indexed yet.
    pub fn new(start: usize, end: usize) -> Stitcher {
        Stitcher {
            end,
            pos: start,
            seps: Vec::new(),
            next: 0,
            dashes: Vec::new(),
            dash_next: 0,
            dense: Vec::new(),
            indexed_to: start,
        }
    }

    /// Where the next span starts.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Whether every span has been yielded.
    pub fn done(&self) -> bool {
        self.pos >= self.end
    }

    /// The range to index next, at most `size` bytes, or None when the
    /// index reaches `end` (or the walk needs nothing more): from then on
    /// [`Stitcher::next_span`] yields every remaining span.
    pub fn want(&mut self, size: usize) -> Option<Range<usize>> {
        // Nothing at or below the walk's position matters any more.
        let from = self.indexed_to.max(self.pos + 1);
        if self.done() || from >= self.end {
            self.indexed_to = self.end;
            return None;
        }
        Some(from..from.saturating_add(size.max(1)).min(self.end))
    }

    /// Adds the separators of `range`, the last range [`Stitcher::want`]
    /// returned.
    pub fn feed(&mut self, range: Range<usize>, index: Index) {
        self.seps.drain(..self.next);
        self.next = 0;
        self.seps.extend(index.seps);
        // Dash lines of spans already yielded are no longer asked for.
        let passed = self.dashes.partition_point(|&d| d < self.pos);
        self.dashes.drain(..passed.max(self.dash_next));
        self.dash_next = 0;
        self.dashes.extend(index.dashes);
        let pos = self.pos;
        self.dense.retain(|r| r.end > pos);
        self.dense.extend(index.dense);
        self.indexed_to = range.end;
    }

    /// The offsets, relative to `content.start`, of the lines that start
    /// with `-` in `content` (a part of the span just yielded; asked in
    /// order, span after span), or None when part of it was too dense to
    /// index.
    pub fn dash_lines(&mut self, content: Range<usize>) -> Option<Vec<u32>> {
        while self
            .dashes
            .get(self.dash_next)
            .is_some_and(|&d| d < content.start)
        {
            self.dash_next += 1;
        }
        let from = self.dash_next;
        while self
            .dashes
            .get(self.dash_next)
            .is_some_and(|&d| d < content.end)
        {
            self.dash_next += 1;
        }
        if self
            .dense
            .iter()
            .any(|r| r.start < content.end && content.start < r.end)
            || content.len() > u32::MAX as usize
            || content.end > self.indexed_to
        {
            return None;
        }
        Some(
            self.dashes[from..self.dash_next]
                .iter()
                .map(|&d| (d - content.start) as u32)
                .collect(),
        )
    }

    /// The next message span, if the index fed so far decides its end.
    pub fn next_span(&mut self, data: &[u8]) -> Option<Range<usize>> {
        let start = self.pos;
        if start >= self.end {
            return None;
        }
        // As `message_end`: the trusted Content-Length first, else the
        // next separator, else the end of the file.
        let mut i = self.next;
        while self.seps.get(i).is_some_and(|s| s.at < start) {
            i += 1;
        }
        let at_start = i;
        let length_end = match self.seps.get(i) {
            Some(s) if s.at == start => {
                i += 1;
                s.length_end
            }
            // The first message, a Content-Length target that is a
            // separator only in form, or a start not indexed.
            _ => yes(content_length_end(data, start, true)),
        };
        let e = match (length_end, self.seps.get(i)) {
            // A Content-Length end is known before the index reaches it,
            // but the span is yielded only once its bytes are indexed:
            // its dash lines (and the separator-looking lines its body may
            // hold) must all be in before [`Stitcher::dash_lines`] is asked.
            (Some(e), _) if e > self.indexed_to && self.indexed_to < self.end => {
                self.next = at_start;
                return None;
            }
            (Some(e), _) => e,
            (None, Some(s)) => s.at,
            (None, None) if self.indexed_to >= self.end => data.len(),
            (None, None) => {
                self.next = at_start;
                return None; // the end is past the index
            }
        };
        self.next = i;
        let e = if e > start { e.min(self.end) } else { self.end };
        self.pos = e;
        Some(start..e)
    }
}

/// The first segment indexed by [`IndexedSplit`]; later ones double up to
/// [`MAX_SEGMENT`].
pub(crate) const FIRST_SEGMENT: usize = 1 << 20;
/// The largest segment [`IndexedSplit`] indexes at once.
pub(crate) const MAX_SEGMENT: usize = 64 << 20;

/// The message spans of `data[start..end]`, indexing segment by segment
/// with `index` as the walk reaches them.
pub struct IndexedSplit<'a> {
    data: &'a [u8],
    index: Indexer<'a>,
    stitcher: Stitcher,
    segment: usize,
}

impl<'a> IndexedSplit<'a> {
    /// The spans of `data[start..end]` (message boundaries), indexed with
    /// `index` segment by segment.
    pub fn new(data: &'a [u8], start: usize, end: usize, index: Indexer<'a>) -> IndexedSplit<'a> {
        IndexedSplit {
            data,
            index,
            stitcher: Stitcher::new(start, end.min(data.len())),
            segment: FIRST_SEGMENT,
        }
    }
}

impl Iterator for IndexedSplit<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        loop {
            if let Some(span) = self.stitcher.next_span(self.data) {
                return Some(span);
            }
            let Some(r) = self.stitcher.want(self.segment) else {
                // Indexed to the end: the walk decides every span now.
                return self.stitcher.next_span(self.data);
            };
            let seps = (self.index)(self.data, r.clone());
            self.stitcher.feed(r, seps);
            self.segment = (self.segment * 2).min(MAX_SEGMENT);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `split` over an index built in windows of `w` bytes, segments
    /// ramping as in a run.
    fn indexed(data: &[u8], w: usize) -> Vec<Range<usize>> {
        let index = move |d: &[u8], r: Range<usize>| index_windows(d, r, w);
        IndexedSplit::new(data, super::super::bom_len(data), data.len(), &index).collect()
    }

    #[test]
    fn same_spans_as_split_in_any_window() {
        let cases: Vec<Vec<u8>> = vec![
            b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nhello\n\nFrom Russia with love\n\nFrom time to time\nbye\n\nFrom - \nSubject: y\n\nz\n".to_vec(),
            b"\xEF\xBB\xBFFrom a Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n\r\nline\r\nFrom b Mon Jan  1 00:00:00 2024\r\nSubject: y\r\n\r\n".to_vec(),
            super::super::tests::content_length_mbox(),
            b"From a\nX: 1\n\nFrom b\nno header\n\nFrom c\nY: 2\n\n".to_vec(),
        ];
        for data in &cases {
            let want: Vec<_> = super::super::split(data).collect();
            for w in [1, 2, 3, 5, 7, 64, 1 << 20] {
                assert_eq!(
                    indexed(data, w),
                    want,
                    "window {w}: {:?}",
                    String::from_utf8_lossy(data)
                );
            }
        }
    }
}
