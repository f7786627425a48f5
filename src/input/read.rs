//! Reading one input file as a sequence of messages.

use std::fs::File;
use std::io::{self, Read};

use std::ops::Range;
use std::sync::Arc;

use std::sync::mpsc::{sync_channel, Receiver};

use super::decompress::{
    self, Chunk, Parallel, Piece, Producer, RatioLimit, Recycler, Stream, REGION,
};
use super::guard::{GuardedMap, MAP_MIN};
use super::{Codec, Source};
use crate::mailbox;

/// Bytes that messages point into: a memory map, or a file or decompressed
/// chunk read into memory.
pub enum Buf {
    /// A plain file mapped into memory (a truncation while mapped is
    /// survived: see [`GuardedMap`]).
    Map(GuardedMap),
    /// A small file read into memory.
    Owned(Vec<u8>),
    /// A chunk of a decompressed stream (its buffer is reused once every
    /// message in it is done with).
    Chunk(Chunk),
}

impl Buf {
    /// Whether bytes `range` may no longer be in the file (it was truncated
    /// while mapped). Costs nothing until a SIGBUS has happened.
    pub(crate) fn truncated(&self, range: &Range<usize>) -> bool {
        match self {
            Buf::Map(m) if super::guard::faults() > 0 => {
                m.current_len().is_none_or(|l| (range.end as u64) > l)
            }
            _ => false,
        }
    }

    /// See [`GuardedMap::release`]; nothing for bytes in memory.
    pub(crate) fn release(&self, range: Range<usize>) {
        if let Buf::Map(m) = self {
            m.release(range);
        }
    }
}

impl std::ops::Deref for Buf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buf::Map(m) => m,
            Buf::Owned(v) => v,
            Buf::Chunk(c) => c,
        }
    }
}

/// One message of a source.
pub struct Message {
    /// 0-based number of the message in its source.
    pub(crate) index: u64,
    /// Byte offset of the message's first byte (its `From ` line in an
    /// mbox) in the source (in the decompressed stream for .gz/.zst).
    pub offset: u64,
    /// Bytes of the message in the source.
    pub(crate) length: u64,
    /// The buffer holding it.
    pub buf: Arc<Buf>,
    /// The RFC 5322 message inside `buf` (without mbox `From ` line and
    /// separator line ending).
    pub content: Range<usize>,
    /// Set when the message could not be read whole (e.g. over a limit).
    pub(crate) error: Option<String>,
    /// Offsets in the content of the lines that start with `-`, when the
    /// mbox index found them (see [`crate::mime::find_smime_marked`]).
    pub(crate) dash_lines: Option<Vec<u32>>,
}

impl Message {
    /// The RFC 5322 bytes of the message.
    pub(crate) fn content(&self) -> &[u8] {
        &self.buf[self.content.clone()]
    }
}

/// A source that could not be read at all.
#[derive(Debug)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

/// Chunk size of the streaming (decompressing) reader.
pub(crate) const CHUNK: usize = 4 << 20;
/// Room kept in front of each decompressed chunk for the incomplete
/// message carried over from the chunk before (a larger one is copied
/// together with the chunk).
pub(crate) const HEAD: usize = 1 << 20;
/// Decompressed chunks a pipelined reader keeps ready ahead of the split.
pub(crate) const AHEAD: usize = 2;
/// Largest single message read from a compressed stream, and largest
/// decompressed single-message file.
pub(crate) const MAX_STREAM_MESSAGE: usize = 256 << 20;

/// What [`read_parts`] hands on: one message, or a plain mbox held whole
/// (mapped), for the caller to split.
pub(crate) enum Part {
    Message(Message),
    Mbox(MboxPart),
}

/// A plain mbox (or a shard's part of one) in memory: its messages are the
/// spans between `start` and `end` that [`mailbox::IndexedSplit`] or a
/// [`mailbox::Stitcher`] finds.
pub(crate) struct MboxPart {
    pub(crate) buf: Arc<Buf>,
    /// First message boundary of the part.
    pub(crate) start: usize,
    /// Boundary after the part's last message.
    pub(crate) end: usize,
}

impl MboxPart {
    /// The `index`-th message of the part, spanning `span` of the file.
    pub(crate) fn message(&self, span: Range<usize>, index: u64) -> Message {
        let followed = span.end < self.buf.len();
        mbox_message(&self.buf, span, followed, 0, index)
    }
}

/// Reads `src`, calling `emit` for each message in order.
///
/// `range` (byte offsets in the file) restricts a plain mbox to the
/// messages that start in it, cut at the boundaries
/// [`mailbox::boundary_at_or_after`] gives, so that adjacent ranges tile
/// the file; a single-message file is read only when the range holds its
/// first byte. `index` then counts from the first message of the range.
/// Compressed files ignore `range` (they cannot be cut; the caller assigns
/// them whole).
pub fn read_source(
    src: &Source,
    range: Option<Range<u64>>,
    emit: &mut dyn FnMut(Message),
) -> Result<(), ReadError> {
    read_parts(src, range, 1, &mut |part| match part {
        Part::Message(m) => emit(m),
        Part::Mbox(mbox) => {
            let data: &[u8] = &mbox.buf;
            let spans =
                mailbox::IndexedSplit::new(data, mbox.start, mbox.end, &mailbox::index_window);
            for (i, span) in spans.enumerate() {
                emit(mbox.message(span, i as u64));
            }
        }
    })
}

/// [`read_source`], but a plain mbox read through a map (or into memory)
/// comes whole, as a [`Part::Mbox`], for the caller to split (the scan
/// pipeline indexes its separators on its thread pool).
///
/// With `threads` > 1 a compressed file is decompressed on a thread of its
/// own (and a multi-member/multi-frame one on `threads` workers) while the
/// caller's thread splits the chunks decompressed before.
pub(crate) fn read_parts(
    src: &Source,
    range: Option<Range<u64>>,
    threads: usize,
    emit: &mut dyn FnMut(Part),
) -> Result<(), ReadError> {
    let file = File::open(&src.path).map_err(|e| ReadError(e.to_string()))?;
    if src.codec == Codec::None {
        return read_mapped(file, range, emit);
    }
    let mut message = |m| emit(Part::Message(m));
    let (mut producer, parallel) = producer(file, src, threads)?;
    if threads <= 1 || parallel {
        // Parallel decoding runs on its workers already: a thread more
        // would only hold more decoded regions.
        return read_stream(producer.as_mut(), &mut message);
    }
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel(AHEAD);
        let decompress = move || loop {
            let piece = producer.next();
            let last = !matches!(piece, Ok(Piece::Data(_)));
            if tx.send(piece).is_err() || last {
                return;
            }
        };
        // A named thread, so that profiles and `top -H` tell it apart.
        std::thread::Builder::new()
            .name("unzip".into())
            .spawn_scoped(s, decompress)
            .map_err(|e| ReadError(e.to_string()))?;
        read_stream(&mut Received(rx), &mut message)
    })
}

/// The decompressing producer of a compressed file, and whether it
/// decodes in parallel.
fn producer(
    file: File,
    src: &Source,
    threads: usize,
) -> Result<(Box<dyn Producer>, bool), ReadError> {
    let err = |e: io::Error| ReadError(e.to_string());
    let limit = decompress::ratio_limit(src.size);
    // A first chunk of about the decompressed size of a typical small file.
    let first = (src.size as usize).saturating_mul(4).max(1 << 16);
    if src.size >= MAP_MIN {
        if let Ok(Some(map)) = GuardedMap::new(file.try_clone().map_err(err)?) {
            let map: Arc<dyn decompress::Compressed> = Arc::new(map);
            if threads > 1 {
                let p = Parallel::new(map.clone(), src.codec, REGION, threads, CHUNK, HEAD, limit);
                if let Some(p) = p {
                    return Ok((Box::new(p), true));
                }
            }
            // One stream, decoded from the mapped pages in place.
            let input = decompress::map_reader(map.clone());
            let r = RatioLimit::new(decompress::decoder(src.codec, input).map_err(err)?, limit);
            let stream = Stream::new(r, CHUNK, HEAD, decompress::recycler())
                .starting_at(first)
                .guarded(map);
            return Ok((Box::new(stream), false));
        }
    }
    let input = io::BufReader::with_capacity(1 << 17, file);
    let r = RatioLimit::new(decompress::decoder(src.codec, input).map_err(err)?, limit);
    let stream = Stream::new(r, CHUNK, HEAD, decompress::recycler()).starting_at(first);
    Ok((Box::new(stream), false))
}

/// Pieces decompressed on another thread.
struct Received(Receiver<io::Result<Piece>>);

impl Producer for Received {
    fn next(&mut self) -> io::Result<Piece> {
        self.0
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("decompressing thread ended")))
    }
}

fn read_mapped(
    file: File,
    range: Option<Range<u64>>,
    emit: &mut dyn FnMut(Part),
) -> Result<(), ReadError> {
    let len = file.metadata().map_err(|e| ReadError(e.to_string()))?.len();
    if len == 0 {
        return Ok(());
    }
    let buf = Arc::new(if len < MAP_MIN {
        read_whole(file, len)?
    } else {
        match GuardedMap::new(file.try_clone().map_err(|e| ReadError(e.to_string()))?) {
            Ok(Some(map)) => Buf::Map(map),
            Ok(None) => read_whole(file, len)?,
            Err(e) => return Err(ReadError(e.to_string())),
        }
    });
    let data: &[u8] = &buf;
    let len = data.len();
    let (lo, hi) = match range {
        None => (0, len),
        Some(r) => (
            (r.start.min(len as u64)) as usize,
            (r.end.min(len as u64)) as usize,
        ),
    };
    if mailbox::is_mbox(data) {
        if let Some(cut) = mailbox::shard_cut(data, lo..hi) {
            emit(Part::Mbox(MboxPart {
                buf,
                start: cut.start,
                end: cut.end,
            }));
        }
    } else if lo == 0 && hi > 0 {
        emit(Part::Message(Message {
            index: 0,
            offset: 0,
            length: len as u64,
            buf: buf.clone(),
            content: 0..len,
            error: None,
            dash_lines: None,
        }));
    }
    Ok(())
}

/// Reads a file into memory (small files, or when no map slot is free).
fn read_whole(mut file: File, len: u64) -> Result<Buf, ReadError> {
    let mut v = Vec::with_capacity(len as usize);
    file.read_to_end(&mut v)
        .map_err(|e| ReadError(e.to_string()))?;
    Ok(Buf::Owned(v))
}

fn mbox_message(
    buf: &Arc<Buf>,
    span: Range<usize>,
    followed: bool,
    base: u64,
    index: u64,
) -> Message {
    let data: &[u8] = buf;
    let content = mailbox::message_content(&data[span.clone()], followed);
    let start = content.as_ptr() as usize - data.as_ptr() as usize;
    Message {
        index,
        offset: base + span.start as u64,
        length: span.len() as u64,
        buf: buf.clone(),
        content: start..start + content.len(),
        error: None,
        dash_lines: None,
    }
}

/// The messages of a stream (as a decompressed `.gz`/`.zst` file is read),
/// read in chunks of at least `chunk` bytes: the same messages, offsets and
/// lengths whatever `chunk` and however the reader cuts its reads (tests
/// cut them small). No decompression-ratio limit applies.
pub fn read_stream_in_chunks(
    r: Box<dyn Read + Send>,
    chunk: usize,
    emit: &mut dyn FnMut(Message),
) -> Result<(), ReadError> {
    let chunk = chunk.max(1);
    let mut p = Stream::new(
        RatioLimit::new(r, u64::MAX),
        chunk,
        chunk / 8,
        Arc::default(),
    );
    read_stream(&mut p, emit)
}

/// The messages of the compressed file `data` (gzip or zstd) decoded as a
/// multi-member/multi-frame file is in a run: regions of about `region`
/// compressed bytes on `workers` threads (tests make them tiny), or as one
/// stream when it holds a single region. No decompression-ratio limit.
pub fn read_compressed_in_regions(
    data: Vec<u8>,
    codec: Codec,
    region: usize,
    workers: usize,
    emit: &mut dyn FnMut(Message),
) -> Result<(), ReadError> {
    let data: Arc<dyn decompress::Compressed> = Arc::new(data);
    match Parallel::new(data.clone(), codec, region, workers, CHUNK, HEAD, u64::MAX) {
        Some(mut p) => read_stream(&mut p, emit),
        None => {
            let input = io::Cursor::new(data.bytes().to_vec());
            let r = decompress::decoder(codec, input).map_err(|e| ReadError(e.to_string()))?;
            let mut p = Stream::new(RatioLimit::new(r, u64::MAX), CHUNK, HEAD, Arc::default());
            read_stream(&mut p, emit)
        }
    }
}

/// Reads a decompressed stream chunk by chunk from `p`, emitting the
/// complete messages of each chunk and carrying the incomplete tail over
/// into the room in front of the next chunk (a copy of that one message;
/// the rest of the chunk is not copied). Memory: the chunks in flight plus
/// the largest message, capped at `MAX_STREAM_MESSAGE`.
///
/// When decompression fails, the messages before the failure are emitted
/// as usual, the one it cut becomes an error row, and the error is
/// returned.
pub(crate) fn read_stream(
    p: &mut dyn Producer,
    emit: &mut dyn FnMut(Message),
) -> Result<(), ReadError> {
    let mut src = Pull {
        p,
        home: decompress::recycler(),
        eof: false,
        error: None,
        failed: false,
    };
    let mut cur = Chunk::copied(&[], &src.home);
    // Enough to tell an mbox (`From ` after a BOM).
    while cur.len() < 8 && !src.eof {
        cur = src.next(&cur);
    }
    if cur.is_empty() {
        return src.done();
    }
    if !mailbox::is_mbox(&cur) {
        // One message: read it whole, up to the limit.
        let mut whole = cur.to_vec();
        drop(cur);
        while whole.len() <= MAX_STREAM_MESSAGE && !src.eof {
            whole.extend_from_slice(&src.next(&[]));
        }
        let mut error = None;
        if whole.len() > MAX_STREAM_MESSAGE {
            whole.truncate(MAX_STREAM_MESSAGE);
            error = Some(format!(
                "decompressed message larger than {} MiB (limit)",
                MAX_STREAM_MESSAGE >> 20
            ));
        }
        if src.eof && src.error.is_some() {
            error = src.error.clone();
        }
        let len = whole.len();
        emit(Message {
            index: 0,
            offset: 0,
            length: len as u64,
            buf: Arc::new(Buf::Owned(whole)),
            content: 0..len,
            error,
            dash_lines: None,
        });
        return src.done();
    }
    let mut base = 0u64;
    let mut index = 0u64;
    let mut pos = mailbox::bom_len(&cur);
    loop {
        let eof = src.eof;
        let found = mailbox::complete_spans(&cur, pos, eof, MAX_STREAM_MESSAGE);
        let shared = Arc::new(Buf::Chunk(cur));
        let n = found.spans.len();
        for (i, span) in found.spans.into_iter().enumerate() {
            let followed = i + 1 < n || !eof || found.end < shared.len();
            let mut m = mbox_message(&shared, span, followed, base, index);
            if found.over_limit == Some(i) {
                m.error = Some(format!(
                    "message larger than {} MiB (limit)",
                    MAX_STREAM_MESSAGE >> 20
                ));
            }
            if eof && i + 1 == n {
                if let Some(e) = &src.error {
                    m.error = Some(e.clone());
                }
            }
            emit(m);
            index += 1;
        }
        if eof {
            return src.done();
        }
        base += found.end as u64;
        pos = 0;
        cur = src.next(&shared[found.end..]);
    }
}

/// The chunks of a [`Producer`], each behind the tail of the one before.
struct Pull<'a> {
    p: &'a mut dyn Producer,
    home: Arc<Recycler>,
    /// The stream has ended.
    eof: bool,
    /// Why it ended early: decompression failed, or the ratio limit.
    error: Option<String>,
    /// Decompression failed.
    failed: bool,
}

impl Pull<'_> {
    /// `tail`, then the next chunk (nothing more at the end).
    fn next(&mut self, tail: &[u8]) -> Chunk {
        match self.p.next() {
            Ok(Piece::Data(c)) => c.prepend(tail),
            Ok(Piece::End(e)) => {
                self.eof = true;
                self.error = e;
                Chunk::copied(tail, &self.home)
            }
            Err(e) => {
                self.eof = true;
                self.failed = true;
                self.error = Some(format!("decompression: {e}"));
                Chunk::copied(tail, &self.home)
            }
        }
    }

    fn done(&self) -> Result<(), ReadError> {
        match (&self.error, self.failed) {
            (Some(e), true) => Err(ReadError(e.clone())),
            _ => Ok(()),
        }
    }
}
