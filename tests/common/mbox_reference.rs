//! The reference mbox splitter of SPEC "Inputs", written line by line and
//! independently of `smimescan::mailbox`: the property test
//! (tests/prop_scan_split.rs) and the `mbox_scan` fuzz target check every
//! fast path against it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use smimescan::report::Row;
use smimescan::scan::{self, AtMode, Context, Shard, SplitSizes};

/// One line: `start..end` without its `\n`, `next` the next line's start.
struct Line {
    start: usize,
    end: usize,
    next: usize,
}

fn lines_of(data: &[u8], first: usize) -> Vec<Line> {
    let mut out = Vec::new();
    let mut p = first;
    while p < data.len() {
        match data[p..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                out.push(Line {
                    start: p,
                    end: p + i,
                    next: p + i + 1,
                });
                p += i + 1;
            }
            None => {
                out.push(Line {
                    start: p,
                    end: data.len(),
                    next: data.len(),
                });
                p = data.len();
            }
        }
    }
    out
}

/// A line's text without one trailing CR.
fn text<'a>(data: &'a [u8], l: &Line) -> &'a [u8] {
    let t = &data[l.start..l.end];
    t.strip_suffix(b"\r").unwrap_or(t)
}

#[derive(PartialEq)]
enum Form {
    No,
    Lone { dash: bool },
    Full,
}

/// `From <sender>` (lone) or `From <sender> <text with h:mm>` (full).
fn form(t: &[u8]) -> Form {
    let Some(rest) = t.strip_prefix(b"From ") else {
        return Form::No;
    };
    let rest = rest.trim_ascii();
    let n = rest
        .iter()
        .position(|&b| b == b' ' || b == b'\t')
        .unwrap_or(rest.len());
    if n == 0 {
        return Form::No;
    }
    let tail = rest[n..].trim_ascii();
    let clock = tail.windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    });
    if tail.is_empty() {
        Form::Lone {
            dash: &rest[..n] == b"-",
        }
    } else if clock {
        Form::Full
    } else {
        Form::No
    }
}

fn is_header(t: &[u8]) -> bool {
    match t.iter().position(|&b| b == b':') {
        None | Some(0) => false,
        Some(i) => t[..i].iter().all(|&b| (0x21..=0x7e).contains(&b)),
    }
}

struct Reference<'a> {
    data: &'a [u8],
    lines: Vec<Line>,
}

impl Reference<'_> {
    fn after_blank(&self, i: usize) -> bool {
        i == 0 || text(self.data, &self.lines[i - 1]).is_empty()
    }

    /// Whether line `i` separates, standing after a blank line or not.
    fn separates(&self, i: usize, after_blank: bool) -> bool {
        let header_follows = || {
            self.lines[i].next < self.data.len() && is_header(text(self.data, &self.lines[i + 1]))
        };
        match form(text(self.data, &self.lines[i])) {
            Form::No => false,
            Form::Full if after_blank => true,
            Form::Lone { dash: false } if !after_blank => false,
            _ => header_follows(),
        }
    }

    fn line_at(&self, offset: usize) -> Option<usize> {
        self.lines.iter().position(|l| l.start == offset)
    }

    /// Where the trusted Content-Length of the message starting at line `s`
    /// ends it: its body length lands (after at most one line ending) on the
    /// end of the file or on a line that separates as after a blank line.
    fn length_end(&self, s: usize) -> Option<usize> {
        let d = self.data;
        let mut length = None;
        let mut i = s + 1;
        let body = loop {
            let l = self.lines.get(i)?;
            if l.end == d.len() {
                return None; // header block not ended
            }
            let t = text(d, l);
            if t.is_empty() {
                break l.next;
            }
            if t.len() > 15 && t[..15].eq_ignore_ascii_case(b"content-length:") {
                length = std::str::from_utf8(t[15..].trim_ascii())
                    .ok()
                    .and_then(|v| v.parse::<usize>().ok());
            }
            i += 1;
        };
        let mut q = body.checked_add(length?)?;
        if q > d.len() {
            return None;
        }
        for _ in 0..2 {
            if q == d.len() {
                return Some(q);
            }
            if let Some(j) = self.line_at(q) {
                if self.separates(j, true) {
                    return Some(q);
                }
            }
            if d[q..].starts_with(b"\r\n") {
                q += 2;
            } else if d[q] == b'\n' {
                q += 1;
            } else {
                break;
            }
        }
        None
    }

    /// The message spans, first to last.
    fn split(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut s = 0;
        while s < self.lines.len() {
            let start = self.lines[s].start;
            let end = self.length_end(s).unwrap_or_else(|| {
                (s + 1..self.lines.len())
                    .find(|&j| self.separates(j, self.after_blank(j)))
                    .map_or(self.data.len(), |j| self.lines[j].start)
            });
            out.push(start..end);
            match self.line_at(end) {
                Some(j) => s = j,
                None => break,
            }
        }
        out
    }
}

/// The reference rows: split line by line, each message analyzed alone
/// (its `From ` line dropped, and the line ending before the next one).
pub fn reference_rows(data: &[u8], ctx: &Context) -> Vec<Row> {
    reference_spans(data)
        .into_iter()
        .enumerate()
        .map(|(i, span)| {
            let m = &data[span.clone()];
            let mut c = match m.iter().position(|&b| b == b'\n') {
                Some(k) => &m[k + 1..],
                None => &m[m.len()..],
            };
            if span.end < data.len() {
                c = c
                    .strip_suffix(b"\r\n")
                    .or_else(|| c.strip_suffix(b"\n"))
                    .unwrap_or(c);
            }
            let mut row = scan::analyze(c, ctx);
            row.index = i as u64;
            row.offset = span.start as u64;
            row.length = span.len() as u64;
            row
        })
        .collect()
}

/// The message spans of an mbox (`data` starts with `From `, after an
/// optional UTF-8 BOM).
pub fn reference_spans(data: &[u8]) -> Vec<std::ops::Range<usize>> {
    let first = if data.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    Reference {
        data,
        lines: lines_of(data, first),
    }
    .split()
}

/// Chains are judged without trust anchors: the rows only have to agree.
pub fn ctx(split: SplitSizes) -> Context {
    let mut c = Context::new(
        smimescan::policy::Policy::default(),
        AtMode::Fixed(1_767_225_600), // 2026-01-01
    );
    c.split = split;
    c
}

fn pool(n: usize) -> &'static rayon::ThreadPool {
    static POOLS: OnceLock<[rayon::ThreadPool; 2]> = OnceLock::new();
    let p = POOLS.get_or_init(|| {
        let b = |n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
        };
        [b(1), b(2)]
    });
    &p[n - 1]
}

fn scan_file(path: &Path, shard: Option<Shard>, ctx: &Context, threads: usize) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut write = |r: &Row| {
        rows.push(r.clone());
        Ok(())
    };
    scan::scan(
        &[path.to_path_buf()],
        shard,
        ctx,
        pool(threads),
        &mut write,
        &|w| panic!("warning: {w}"),
        &|_, _| {},
        &mut |_| {},
    )
    .unwrap();
    rows
}

fn no_source(mut rows: Vec<Row>) -> Vec<Row> {
    for r in &mut rows {
        r.source.clear();
    }
    rows
}

/// A reader that returns at most `step` bytes per read.
struct Trickle {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.step).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn scratch_file(dir: &Path, data: &[u8], ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join(format!(
        "{}-{}.{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&p, data).unwrap();
    p
}

/// Asserts that every fast path writes the reference rows for the mbox
/// `data`: the mapped scan at -j 1 and -j 2 with rounds of `round` bytes
/// (growing to 4x) indexed in windows of `window`, in 2, 3 and 5 shards
/// (concatenated, `index` renumbered as `merge` does), gzip-compressed, and
/// the streaming reader in chunks of `chunk` bytes fed `step` bytes per
/// read. Files go to `dir`.
pub fn check_all_paths(
    data: &[u8],
    window: usize,
    round: usize,
    chunk: usize,
    step: usize,
    dir: &Path,
) {
    let c = ctx(SplitSizes {
        window,
        first_round: round,
        max_round: round * 4,
    });
    let want = reference_rows(data, &c);
    let path = scratch_file(dir, data, "mbox");
    for threads in [1, 2] {
        let got = no_source(scan_file(&path, None, &c, threads));
        assert_eq!(got, want, "-j {threads}, window {window}, round {round}");
    }
    for n in [2, 3, 5] {
        let mut merged = Vec::new();
        for k in 0..n {
            merged.extend(scan_file(
                &path,
                Some(Shard { k, n }),
                &c,
                1 + (k as usize % 2),
            ));
        }
        for (i, r) in merged.iter_mut().enumerate() {
            r.index = i as u64;
        }
        assert_eq!(no_source(merged), want, "{n} shards");
    }
    // gzip: the streaming reader, through the whole scan.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(data).unwrap();
    let gz_path = scratch_file(dir, &gz.finish().unwrap(), "mbox.gz");
    assert_eq!(no_source(scan_file(&gz_path, None, &c, 1)), want, ".gz");
    // Decompressed on its own thread (-j 2); a .gz file keeps its shard
    // whole.
    assert_eq!(
        no_source(scan_file(&gz_path, None, &c, 2)),
        want,
        ".gz -j 2"
    );
    let mut sharded = Vec::new();
    for k in 0..2 {
        sharded.extend(scan_file(&gz_path, Some(Shard { k, n: 2 }), &c, 2));
    }
    assert_eq!(no_source(sharded), want, ".gz in 2 shards");
    // Multi-member gzip and multi-frame zstd (a member/frame every
    // `3 * chunk` bytes), decoded region by region (`step` compressed bytes
    // each) on two workers, and as a file at -j 2.
    let mut members = Vec::new();
    let mut frames = Vec::new();
    for piece in data.chunks(3 * chunk.max(1)) {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(piece).unwrap();
        members.extend(gz.finish().unwrap());
        frames.extend(zstd::encode_all(piece, 1).unwrap());
    }
    for (codec, bytes, ext) in [
        (smimescan::input::Codec::Gzip, members, "mbox.gz"),
        (smimescan::input::Codec::Zstd, frames, "mbox.zst"),
    ] {
        let mut got = Vec::new();
        smimescan::input::read_compressed_in_regions(bytes.clone(), codec, step, 2, &mut |m| {
            got.push(scan::message_row("", &m, &c))
        })
        .unwrap();
        assert_eq!(
            got,
            want,
            "{ext} in regions of {step}, a member per {}",
            3 * chunk
        );
        let path = scratch_file(dir, &bytes, ext);
        assert_eq!(no_source(scan_file(&path, None, &c, 2)), want, "{ext} -j 2");
        let _ = std::fs::remove_file(path);
    }
    // The streaming reader in tiny chunks.
    let mut streamed = Vec::new();
    smimescan::input::read_stream_in_chunks(
        Box::new(Trickle {
            data: data.to_vec(),
            pos: 0,
            step,
        }),
        chunk,
        &mut |m| streamed.push(scan::message_row("", &m, &c)),
    )
    .unwrap();
    assert_eq!(streamed, want, "stream, chunk {chunk}, step {step}");
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(gz_path);
}
