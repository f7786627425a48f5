//! Reading one input file as a sequence of messages.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;

use super::guard::{GuardedMap, MAP_MIN};

use super::{Codec, Source};
use crate::mailbox::{self, Found};

/// Bytes that messages point into: a memory map, or a file or decompressed
/// chunk read into memory.
pub enum Buf {
    Map(GuardedMap),
    Owned(Vec<u8>),
}

impl Buf {
    /// Whether bytes `range` may no longer be in the file (it was truncated
    /// while mapped). Costs nothing until a SIGBUS has happened.
    pub fn truncated(&self, range: &Range<usize>) -> bool {
        match self {
            Buf::Map(m) if super::guard::faults() > 0 => {
                m.current_len().is_none_or(|l| (range.end as u64) > l)
            }
            _ => false,
        }
    }

    /// See [`GuardedMap::release`]; nothing for bytes in memory.
    pub fn release(&self, range: Range<usize>) {
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
        }
    }
}

/// One message of a source.
pub struct Message {
    /// 0-based number of the message in its source.
    pub index: u64,
    /// Byte offset of the message's first byte (its `From ` line in an
    /// mbox) in the source (in the decompressed stream for .gz/.zst).
    pub offset: u64,
    /// Bytes of the message in the source.
    pub length: u64,
    /// The buffer holding it.
    pub buf: Arc<Buf>,
    /// The RFC 5322 message inside `buf` (without mbox `From ` line and
    /// separator line ending).
    pub content: Range<usize>,
    /// Set when the message could not be read whole (e.g. over a limit).
    pub error: Option<String>,
    /// Offsets in the content of the lines that start with `-`, when the
    /// mbox index found them (see [`crate::mime::find_smime_marked`]).
    pub dash_lines: Option<Vec<u32>>,
}

impl Message {
    /// The RFC 5322 bytes of the message.
    pub fn content(&self) -> &[u8] {
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
pub const CHUNK: usize = 16 << 20;
/// Largest single message read from a compressed stream, and largest
/// decompressed single-message file.
pub const MAX_STREAM_MESSAGE: usize = 256 << 20;

/// What [`read_parts`] hands on: one message, or a plain mbox held whole
/// (mapped), for the caller to split.
pub enum Part {
    Message(Message),
    Mbox(MboxPart),
}

/// A plain mbox (or a shard's part of one) in memory: its messages are the
/// spans between `start` and `end` that [`mailbox::IndexedSplit`] or a
/// [`mailbox::Stitcher`] finds.
pub struct MboxPart {
    pub buf: Arc<Buf>,
    /// First message boundary of the part.
    pub start: usize,
    /// Boundary after the part's last message.
    pub end: usize,
}

impl MboxPart {
    /// The `index`-th message of the part, spanning `span` of the file.
    pub fn message(&self, span: Range<usize>, index: u64) -> Message {
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
    read_parts(src, range, &mut |part| match part {
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
pub fn read_parts(
    src: &Source,
    range: Option<Range<u64>>,
    emit: &mut dyn FnMut(Part),
) -> Result<(), ReadError> {
    let file = File::open(&src.path).map_err(|e| ReadError(e.to_string()))?;
    let mut message = |m| emit(Part::Message(m));
    match src.codec {
        Codec::None => read_mapped(file, range, emit),
        Codec::Gzip => {
            let dec = flate2::read::MultiGzDecoder::new(file);
            read_stream(
                RatioLimit::new(Box::new(dec), src.size),
                CHUNK,
                &mut message,
            )
        }
        Codec::Zstd => {
            let dec =
                zstd::stream::read::Decoder::new(file).map_err(|e| ReadError(e.to_string()))?;
            read_stream(
                RatioLimit::new(Box::new(dec), src.size),
                CHUNK,
                &mut message,
            )
        }
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

/// Reads as much as possible into `buf` until it holds `want` bytes or the
/// stream ends. Returns whether the stream ended.
fn fill(r: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let mut chunk = vec![0u8; 1 << 16];
    while buf.len() < want {
        match r.read(&mut chunk) {
            Ok(0) => return Ok(true),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Largest decompression ratio accepted past [`RATIO_FLOOR`] bytes.
pub const MAX_RATIO: u64 = 100;
/// Output any compressed file may reach whatever its ratio.
pub const RATIO_FLOOR: u64 = 64 << 20;

/// A decompressor that ends its output (as if at EOF) once it has produced
/// more than [`MAX_RATIO`] times the compressed size (and at least
/// [`RATIO_FLOOR`]): a decompression bomb ends as an error row, not as an
/// out-of-memory kill or an hour of inflating zeros.
pub struct RatioLimit {
    inner: Box<dyn Read>,
    produced: u64,
    limit: u64,
    tripped: bool,
}

impl RatioLimit {
    fn new(inner: Box<dyn Read>, compressed: u64) -> RatioLimit {
        RatioLimit {
            inner,
            produced: 0,
            limit: compressed.saturating_mul(MAX_RATIO).max(RATIO_FLOOR),
            tripped: false,
        }
    }

    fn error(&self) -> Option<String> {
        self.tripped.then(|| {
            format!(
                "decompression stopped after {} MiB: more than {MAX_RATIO} times the compressed size (decompression bomb?)",
                self.produced >> 20
            )
        })
    }
}

impl Read for RatioLimit {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.produced >= self.limit {
            self.tripped = true;
            return Ok(0);
        }
        let want = buf.len().min((self.limit - self.produced) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.produced += n as u64;
        Ok(n)
    }
}

/// The messages of a stream (as a decompressed `.gz`/`.zst` file is read),
/// read in chunks of at least `chunk` bytes: the same messages, offsets and
/// lengths whatever `chunk` and however the reader cuts its reads (tests
/// cut them small). No decompression-ratio limit applies.
pub fn read_stream_in_chunks(
    r: Box<dyn Read>,
    chunk: usize,
    emit: &mut dyn FnMut(Message),
) -> Result<(), ReadError> {
    read_stream(RatioLimit::new(r, u64::MAX), chunk.max(1), emit)
}

/// Reads a decompressing stream in chunks of `chunk` ([`CHUNK`]) bytes,
/// emitting the complete messages of each chunk and carrying the
/// incomplete tail over. Memory: one chunk plus the largest message, capped
/// at [`MAX_STREAM_MESSAGE`].
fn read_stream(
    mut r: RatioLimit,
    chunk: usize,
    emit: &mut dyn FnMut(Message),
) -> Result<(), ReadError> {
    let io = |e: io::Error| ReadError(format!("decompression: {e}"));
    let mut buf = Vec::new();
    // Enough to tell an mbox (`From ` after a BOM) whatever the chunk.
    let mut eof = fill(&mut r, &mut buf, chunk.max(8)).map_err(io)?;
    if buf.is_empty() {
        return Ok(());
    }
    if !mailbox::is_mbox(&buf) {
        // One message: read it whole, up to the limit.
        let mut error = None;
        if !eof {
            eof = fill(&mut r, &mut buf, MAX_STREAM_MESSAGE).map_err(io)?;
            if !eof {
                error = Some(format!(
                    "decompressed message larger than {} MiB (limit)",
                    MAX_STREAM_MESSAGE >> 20
                ));
            }
        }
        if let Some(e) = r.error() {
            error = Some(e);
        }
        let len = buf.len();
        emit(Message {
            index: 0,
            offset: 0,
            length: len as u64,
            buf: Arc::new(Buf::Owned(buf)),
            content: 0..len,
            error,
            dash_lines: None,
        });
        return Ok(());
    }
    let mut base = 0u64;
    let mut index = 0u64;
    let mut pos = mailbox::bom_len(&buf);
    loop {
        // Complete messages in this buffer.
        let mut spans = Vec::new();
        let mut over_limit = None;
        while pos < buf.len() {
            match mailbox::message_end(&buf, pos, eof) {
                Found::Yes(end) if end > pos => {
                    spans.push(pos..end);
                    pos = end;
                }
                Found::NeedMore if buf.len() - pos > MAX_STREAM_MESSAGE => {
                    // A message over the limit: cut it at the next
                    // separator, or here. (A Content-Length that points
                    // past the limit cannot be checked: the messages after
                    // it are not glued to it for that.)
                    let end = match memchr::memchr(b'\n', &buf[pos..]) {
                        Some(i) => match mailbox::next_separator(&buf, pos + i + 1, false) {
                            Found::Yes(e) => e,
                            _ => buf.len(),
                        },
                        None => buf.len(),
                    };
                    over_limit = Some(spans.len());
                    spans.push(pos..end);
                    pos = end;
                }
                Found::NeedMore => break,
                _ => {
                    spans.push(pos..buf.len());
                    pos = buf.len();
                }
            }
        }
        let rest = buf[pos..].to_vec();
        let consumed = pos;
        let shared = Arc::new(Buf::Owned(std::mem::take(&mut buf)));
        let n = spans.len();
        for (i, span) in spans.into_iter().enumerate() {
            let followed = i + 1 < n || !eof || consumed < shared.len();
            let mut m = mbox_message(&shared, span, followed, base, index);
            if over_limit == Some(i) {
                m.error = Some(format!(
                    "message larger than {} MiB (limit)",
                    MAX_STREAM_MESSAGE >> 20
                ));
            }
            if eof && i + 1 == n {
                if let Some(e) = r.error() {
                    m.error = Some(e);
                }
            }
            emit(m);
            index += 1;
        }
        drop(shared);
        if eof && rest.is_empty() {
            return Ok(());
        }
        base += consumed as u64;
        buf = rest;
        pos = 0;
        let want = buf.len() + chunk;
        eof = fill(&mut r, &mut buf, want).map_err(io)?;
    }
}
