//! Decompressing `.gz` and `.zst` inputs into chunks, in stream order.
//!
//! A [`Producer`] hands out the decompressed stream as [`Chunk`]s, each
//! decoded straight into a reused buffer that keeps [`Chunk::head`] bytes
//! free at its front, so that the reader can put the incomplete message
//! carried over from the previous chunk there instead of copying the new
//! chunk after it. The scan runs a producer on its own thread, so that
//! the next chunk is decompressed while this one is split and analyzed.
//!
//! Files with several gzip members (`bgzip`, `cat a.gz b.gz`, a split
//! file compressed piece by piece) or several zstd frames (`pzstd`, the
//! seekable format) are decompressed in regions of about [`REGION`]
//! compressed bytes, one region per worker thread, and handed on in order.
//! zstd frames are found exactly from their headers. A gzip member has no
//! length field, so a region starts at a gzip header candidate (`1f 8b 08`
//! and valid flags) and its output is used only when the region before it
//! ended exactly there; otherwise (a candidate inside compressed data) it
//! is decoded again from where the previous member really ended. A region
//! that fails, or is larger than [`REGION_CAP`] once decompressed, ends
//! the parallel decoding: the rest of the file is decompressed as one
//! stream, as a single-member file is, so errors read as they always did.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::ops::Range;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use super::guard::GuardedMap;
use super::Codec;

/// Compressed bytes per region of a multi-member/multi-frame file.
pub(crate) const REGION: usize = 2 << 20;
/// Most decompressed bytes of one region; a larger one ends the parallel
/// decoding (its file is then read as one stream).
pub(crate) const REGION_CAP: usize = 48 << 20;
/// Most bytes of decompressed buffers kept for reuse (they stay resident:
/// this bounds what the reuse adds to the heap).
const KEEP_BYTES: usize = 24 << 20;

/// Buffers given back by dropped chunks, for the next chunks (fresh pages
/// cost a page fault each; reused ones do not).
#[derive(Default)]
pub(crate) struct Recycler {
    free: Mutex<Vec<Vec<u8>>>,
}

impl Recycler {
    /// A buffer of at least `len` initialised bytes (contents unspecified):
    /// the smallest kept one that holds `len` and is at most twice as large
    /// (a small request does not pin a large buffer), else a new one.
    pub(crate) fn take(&self, len: usize) -> Vec<u8> {
        let got = {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            free.iter()
                .enumerate()
                .filter(|(_, v)| v.len() >= len && v.len() / 2 <= len)
                .min_by_key(|(_, v)| v.len())
                .map(|(i, _)| i)
                .map(|i| free.swap_remove(i))
        };
        match got {
            Some(mut v) => {
                if v.len() < len {
                    v.resize(len, 0);
                }
                v
            }
            // Zeroed pages from the allocator: no pass over them here.
            None => vec![0; len],
        }
    }

    fn give(&self, v: Vec<u8>) {
        if v.capacity() == 0 {
            return;
        }
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let kept: usize = free.iter().map(Vec::len).sum();
        if kept + v.len() <= KEEP_BYTES {
            free.push(v);
        }
    }
}

/// Decompressed bytes `vec[start..end]`; `vec[..start]` is free room for
/// bytes that precede them in the stream (see [`Chunk::prepend`]).
pub struct Chunk {
    vec: Vec<u8>,
    start: usize,
    end: usize,
    home: Option<Arc<Recycler>>,
}

impl Chunk {
    /// The chunk holding `data` (a copy), with no room before it.
    pub(crate) fn copied(data: &[u8], home: &Arc<Recycler>) -> Chunk {
        let mut vec = home.take(data.len());
        vec[..data.len()].copy_from_slice(data);
        Chunk {
            vec,
            start: 0,
            end: data.len(),
            home: Some(home.clone()),
        }
    }

    /// `before` followed by this chunk's bytes: written into the room in
    /// front when it fits, else both copied into a new buffer.
    pub(crate) fn prepend(mut self, before: &[u8]) -> Chunk {
        if before.is_empty() {
            return self;
        }
        if before.len() <= self.start {
            let s = self.start - before.len();
            self.vec[s..self.start].copy_from_slice(before);
            self.start = s;
            return self;
        }
        let home = self.home.clone().unwrap_or_default();
        let mut vec = home.take(before.len() + self.len());
        vec[..before.len()].copy_from_slice(before);
        vec[before.len()..before.len() + self.len()].copy_from_slice(&self);
        Chunk {
            start: 0,
            end: before.len() + self.len(),
            vec,
            home: Some(home),
        }
    }

    /// Keeps only the first `len` bytes.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.end = self.end.min(self.start + len);
    }
}

impl std::ops::Deref for Chunk {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.vec[self.start..self.end]
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        if let Some(home) = &self.home {
            home.give(std::mem::take(&mut self.vec));
        }
    }
}

/// What a producer hands on next.
pub(crate) enum Piece {
    Data(Chunk),
    /// The end of the stream; with the reason when it was cut short by the
    /// decompression-ratio limit.
    End(Option<String>),
}

/// The decompressed stream of one file, chunk by chunk.
pub(crate) trait Producer: Send {
    /// The next chunk, the end, or the error that ended decompression (the
    /// chunks before it are whole and in order).
    fn next(&mut self) -> io::Result<Piece>;
}

/// Largest decompression ratio accepted past [`RATIO_FLOOR`] bytes.
pub(crate) const MAX_RATIO: u64 = 100;
/// Output any compressed file may reach whatever its ratio.
pub(crate) const RATIO_FLOOR: u64 = 64 << 20;

/// The output a compressed file of `compressed` bytes may reach.
pub(crate) fn ratio_limit(compressed: u64) -> u64 {
    compressed.saturating_mul(MAX_RATIO).max(RATIO_FLOOR)
}

fn ratio_error(produced: u64) -> String {
    format!(
        "decompression stopped after {} MiB: more than {MAX_RATIO} times the compressed size (decompression bomb?)",
        produced >> 20
    )
}

/// A decompressor that ends its output (as if at EOF) once it has produced
/// `limit` bytes ([`ratio_limit`]): a decompression bomb ends as an error
/// row, not as an out-of-memory kill or an hour of inflating zeros.
pub(crate) struct RatioLimit {
    inner: Box<dyn Read + Send>,
    produced: u64,
    limit: u64,
    tripped: bool,
}

impl RatioLimit {
    pub(crate) fn new(inner: Box<dyn Read + Send>, limit: u64) -> RatioLimit {
        RatioLimit {
            inner,
            produced: 0,
            limit,
            tripped: false,
        }
    }

    fn error(&self) -> Option<String> {
        self.tripped.then(|| ratio_error(self.produced))
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

/// Buffers shared by every decompressed file of the process.
pub(crate) fn recycler() -> Arc<Recycler> {
    static HOME: std::sync::OnceLock<Arc<Recycler>> = std::sync::OnceLock::new();
    HOME.get_or_init(Arc::default).clone()
}

/// One decompressing stream read in chunks of `chunk` bytes (the last one
/// shorter), each with `head` bytes of room in front. The first chunks
/// are smaller ([`Stream::starting_at`]), so that a small file costs a
/// small buffer and the analysis starts at once.
pub(crate) struct Stream {
    r: RatioLimit,
    chunk: usize,
    /// Size of the next chunk (doubles up to `chunk`).
    size: usize,
    head: usize,
    home: Arc<Recycler>,
    failed: Option<io::Error>,
    done: bool,
    /// The mapped compressed file being decoded, checked for truncation
    /// before each chunk is handed on (see [`Stream::guarded`]).
    guard: Option<Arc<dyn Compressed>>,
}

impl Stream {
    pub(crate) fn new(r: RatioLimit, chunk: usize, head: usize, home: Arc<Recycler>) -> Stream {
        Stream {
            r,
            chunk: chunk.max(1),
            size: chunk.max(1),
            head,
            home,
            failed: None,
            done: false,
            guard: None,
        }
    }

    /// A stream decoding `map` ([`map_reader`]): a chunk decoded after the
    /// file shrank while mapped (its missing pages read as zeros) is not
    /// handed on; the stream ends with an error instead.
    pub fn guarded(mut self, map: Arc<dyn Compressed>) -> Stream {
        self.guard = Some(map);
        self
    }

    fn truncated(&self) -> bool {
        self.guard
            .as_ref()
            .is_some_and(|m| m.truncated_before(m.bytes().len()))
    }
}

impl Stream {
    /// The first chunk holds `first` bytes (each next one twice as many,
    /// up to the chunk size).
    pub(crate) fn starting_at(mut self, first: usize) -> Stream {
        self.size = first.clamp(1, self.chunk);
        self
    }
}

impl Producer for Stream {
    fn next(&mut self) -> io::Result<Piece> {
        if let Some(e) = self.failed.take() {
            self.done = true;
            return Err(e);
        }
        if self.done {
            return Ok(Piece::End(self.r.error()));
        }
        let head = self.head.min(self.size);
        let cap = head + self.size;
        self.size = (self.size * 2).min(self.chunk);
        let mut vec = self.home.take(cap);
        let mut n = head;
        while n < cap {
            match self.r.read(&mut vec[n..cap]) {
                Ok(0) => {
                    self.done = true;
                    break;
                }
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Hand on what was decoded before the error first.
                    self.failed = Some(e);
                    break;
                }
            }
        }
        if self.truncated() {
            self.done = true;
            self.failed = None;
            self.home.give(vec);
            return Err(io::Error::other("file truncated while being read"));
        }
        let chunk = Chunk {
            vec,
            start: head,
            end: n,
            home: Some(self.home.clone()),
        };
        if chunk.is_empty() {
            return self.next();
        }
        Ok(Piece::Data(chunk))
    }
}

/// A decoder of `codec` over the buffered bytes `input`.
pub(crate) fn decoder<R: BufRead + Send + 'static>(
    codec: Codec,
    input: R,
) -> io::Result<Box<dyn Read + Send>> {
    Ok(match codec {
        Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Codec::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(input)?),
        Codec::None => Box::new(input),
    })
}

/// The compressed bytes of a file decoded in parallel: mapped, or (tests)
/// in memory.
pub(crate) trait Compressed: Send + Sync {
    fn bytes(&self) -> &[u8];
    /// Whether bytes before `end` may have been lost to a truncation of
    /// the file while mapped.
    fn truncated_before(&self, end: usize) -> bool;
}

impl Compressed for GuardedMap {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn truncated_before(&self, end: usize) -> bool {
        super::guard::faults() > 0 && self.current_len().is_none_or(|l| l < end as u64)
    }
}

impl Compressed for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn truncated_before(&self, _: usize) -> bool {
        false
    }
}

/// Bytes `pos..` of a compressed file, as a buffered reader (no copy).
struct MapReader {
    map: Arc<dyn Compressed>,
    pos: usize,
}

/// The mapped compressed file `map` as the input of [`decoder`]: the
/// decoder reads the mapped pages in place (no `read()` copy of the
/// compressed bytes). Pair it with [`Stream::guarded`].
pub fn map_reader(map: Arc<dyn Compressed>) -> impl BufRead + Send + 'static {
    MapReader { map, pos: 0 }
}

impl Read for MapReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.fill_buf()?.read(buf)?;
        self.consume(n);
        Ok(n)
    }
}

/// Compressed bytes a decoder is given per call (as a `BufReader` of that
/// size would): a call that fails hands on none of its output, so a
/// larger window would lose more of what precedes damage in the file.
const WINDOW: usize = 1 << 17;

impl BufRead for MapReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let data = self.map.bytes();
        let start = self.pos.min(data.len());
        Ok(&data[start..data.len().min(start + WINDOW)])
    }
    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}

/// What a worker makes of a region.
enum Region {
    /// Its output in pieces of at most the chunk size, and where its last
    /// member/frame ended.
    Done(Vec<Chunk>, usize),
    /// Not decodable here (an error, or larger than [`REGION_CAP`]).
    Failed,
}

/// Output of one region, in chunks of `chunk` bytes after `head` bytes of
/// room (so the reader frees a large region piece by piece).
struct Pieces<'a> {
    done: Vec<Chunk>,
    vec: Vec<u8>,
    n: usize,
    total: usize,
    head: usize,
    chunk: usize,
    home: &'a Arc<Recycler>,
}

impl Pieces<'_> {
    fn cut(&mut self) {
        let mut vec = std::mem::take(&mut self.vec);
        let used = self.n - self.head;
        if used > 0 && used < self.chunk / 4 {
            // The short end of a frame: its bytes move to a buffer of their
            // size, so that a region waiting to be handed on does not hold a
            // whole chunk buffer for them.
            let mut small = self.home.take(self.n);
            small[self.head..self.n].copy_from_slice(&vec[self.head..self.n]);
            self.home.give(std::mem::replace(&mut vec, small));
        }
        if used > 0 {
            self.done.push(Chunk {
                vec,
                start: self.head,
                end: self.n,
                home: Some(self.home.clone()),
            });
        } else {
            self.home.give(vec);
        }
        self.n = self.head;
    }

    /// Decodes the one zstd frame `frame`, which declares `size` bytes of
    /// content, in a single call into a buffer of exactly that size (plus
    /// the room in front): no window buffer and no copy out of it, as a
    /// streaming decoder has. False on an error, a frame that does not
    /// hold what it declares, or past [`REGION_CAP`].
    fn decode_frame(&mut self, dctx: &mut DCtx, frame: &[u8], size: usize) -> bool {
        if size > REGION_CAP - self.total {
            return false;
        }
        self.cut();
        let mut vec = self.home.take(self.head + size);
        match dctx.decompress(&mut vec[self.head..self.head + size], frame) {
            Ok(n) if n == size => {}
            _ => {
                self.home.give(vec);
                return false;
            }
        }
        self.total += size;
        if size > 0 {
            self.done.push(Chunk {
                vec,
                start: self.head,
                end: self.head + size,
                home: Some(self.home.clone()),
            });
        } else {
            self.home.give(vec);
        }
        true
    }

    /// Reads `r` to its end; false on an error or past [`REGION_CAP`].
    fn read_all(&mut self, r: &mut dyn Read) -> bool {
        loop {
            if self.vec.is_empty() {
                self.vec = self.home.take(self.head + self.chunk);
            }
            let end = self.head + self.chunk;
            if self.n == end {
                self.cut();
                continue;
            }
            match r.read(&mut self.vec[self.n..end]) {
                Ok(0) => return true,
                Ok(k) => {
                    self.n += k;
                    self.total += k;
                    if self.total > REGION_CAP {
                        return false;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }
}

/// A zstd decompression context, kept by a worker from frame to frame
/// (a fresh one would allocate its window buffer again for each frame).
type DCtx = zstd::zstd_safe::DCtx<'static>;

/// Decodes the members/frames that start in `range` of `data` (gzip: from
/// `range.start` on, member after member, until one ends at or past
/// `range.end`), into chunks of `chunk` bytes with `head` bytes of room.
/// `dctx` is the caller's zstd context (made on first use).
fn decode_region(
    data: &[u8],
    codec: Codec,
    range: Range<usize>,
    (chunk, head): (usize, usize),
    home: &Arc<Recycler>,
    dctx: &mut Option<DCtx>,
) -> Region {
    let mut out = Pieces {
        done: Vec::new(),
        vec: Vec::new(),
        n: head,
        total: 0,
        head,
        chunk: chunk.max(1),
        home,
    };
    let end = match codec {
        Codec::Gzip => {
            let mut pos = range.start;
            while pos < range.end {
                let mut dec = flate2::bufread::GzDecoder::new(&data[pos..]);
                if !out.read_all(&mut dec) {
                    return Region::Failed;
                }
                let rest = dec.into_inner().len();
                let next = data.len() - rest;
                if next <= pos {
                    return Region::Failed;
                }
                pos = next;
            }
            pos
        }
        Codec::Zstd => {
            // Frame by frame: one that declares its size is decoded in one
            // call, one that does not is streamed.
            let dctx = dctx.get_or_insert_with(DCtx::create);
            let mut pos = range.start;
            while pos < range.end {
                let rest = &data[pos..range.end];
                let len = match zstd::zstd_safe::find_frame_compressed_size(rest) {
                    Ok(n) if n > 0 => n,
                    _ => return Region::Failed,
                };
                let frame = &rest[..len];
                let ok = match zstd::zstd_safe::get_frame_content_size(frame) {
                    Ok(Some(size)) => {
                        usize::try_from(size).is_ok_and(|size| out.decode_frame(dctx, frame, size))
                    }
                    Ok(None) => {
                        let mut dec = zstd::stream::read::Decoder::with_context(frame, dctx);
                        out.read_all(&mut dec)
                    }
                    Err(_) => false,
                };
                if !ok {
                    return Region::Failed;
                }
                pos += len;
            }
            range.end
        }
        Codec::None => return Region::Failed,
    };
    out.cut();
    Region::Done(out.done, end)
}

/// Cuts a compressed file into regions of about [`REGION`] bytes that
/// start where a member/frame starts (zstd: exactly; gzip: at a header
/// candidate).
struct Planner {
    codec: Codec,
    next: usize,
    /// Compressed bytes per region ([`REGION`]; tests make it tiny).
    size: usize,
}

/// Whether a gzip member may start at `p`: magic, deflate, reserved flag
/// bits clear, an extra-flags byte of 0, 2 or 4 and a known OS byte (0-13,
/// 255). Bytes of deflate data pass this fewer than once per 10^11 positions,
/// so a single-member file is not cut at a false candidate (that would
/// cost a region decoded for nothing before it is read as one stream).
fn gzip_candidate(data: &[u8], p: usize) -> bool {
    data.len() >= p + 10
        && data[p..p + 3] == [0x1f, 0x8b, 0x08]
        && data[p + 3] & 0xe0 == 0
        && matches!(data[p + 8], 0 | 2 | 4)
        && (data[p + 9] <= 13 || data[p + 9] == 255)
}

impl Planner {
    fn region(&mut self, data: &[u8]) -> Option<Range<usize>> {
        let start = self.next;
        if start >= data.len() {
            return None;
        }
        let want = start + self.size.max(1);
        let end = match self.codec {
            Codec::Zstd => {
                let mut p = start;
                while p < want && p < data.len() {
                    match zstd::zstd_safe::find_frame_compressed_size(&data[p..]) {
                        Ok(n) if n > 0 => p += n,
                        // Not a frame: the rest is one region (decoding it
                        // fails and the stream decoder reports the error).
                        _ => {
                            p = if p == start { data.len() } else { p };
                            break;
                        }
                    }
                }
                p.min(data.len())
            }
            _ => {
                let finder = memchr::memmem::Finder::new(&[0x1f, 0x8b, 0x08]);
                let mut p = want;
                loop {
                    if p >= data.len() {
                        break data.len();
                    }
                    match finder.find(&data[p..]) {
                        Some(i) if gzip_candidate(data, p + i) => break p + i,
                        Some(i) => p += i + 1,
                        None => break data.len(),
                    }
                }
            }
        };
        self.next = end;
        Some(start..end)
    }
}

/// A multi-member/multi-frame file decoded region by region on `workers`
/// threads, handed on in order.
pub(crate) struct Parallel {
    map: Arc<dyn Compressed>,
    codec: Codec,
    planner: Planner,
    jobs: Option<Sender<(Range<usize>, std::sync::mpsc::SyncSender<Region>)>>,
    inflight: VecDeque<(Range<usize>, Receiver<Region>)>,
    depth: usize,
    /// Where the next member/frame really starts.
    pos: usize,
    head: usize,
    chunk: usize,
    home: Arc<Recycler>,
    /// Decoded chunks to hand on first.
    ready: VecDeque<Chunk>,
    /// After a region failed: the rest as one stream.
    rest: Option<Stream>,
    produced: u64,
    limit: u64,
    tripped: bool,
}

impl Parallel {
    /// Decodes `map` with `workers` threads when it holds more than one
    /// region; None when it is one member/frame (or one region).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        map: Arc<dyn Compressed>,
        codec: Codec,
        region: usize,
        workers: usize,
        chunk: usize,
        head: usize,
        limit: u64,
    ) -> Option<Parallel> {
        let mut planner = Planner {
            codec,
            next: 0,
            size: region,
        };
        let first = planner.region(map.bytes())?;
        if first.end >= map.bytes().len() {
            return None;
        }
        let (tx, rx) = channel::<(Range<usize>, std::sync::mpsc::SyncSender<Region>)>();
        let rx = Arc::new(Mutex::new(rx));
        let home = recycler();
        for _ in 0..workers.max(1) {
            let rx = rx.clone();
            let map = map.clone();
            let home = home.clone();
            let work = move || {
                let mut dctx = None;
                loop {
                    let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((range, out)) = job else { return };
                    let r =
                        decode_region(map.bytes(), codec, range, (chunk, head), &home, &mut dctx);
                    let _ = out.send(r);
                }
            };
            // Without a thread, decoding falls back to one stream.
            if std::thread::Builder::new()
                .name("unzip-region".into())
                .spawn(work)
                .is_err()
            {
                return None;
            }
        }
        let mut p = Parallel {
            map,
            codec,
            planner,
            jobs: Some(tx),
            inflight: VecDeque::new(),
            depth: workers.max(1),
            pos: 0,
            head,
            chunk,
            home,
            ready: VecDeque::new(),
            rest: None,
            produced: 0,
            limit,
            tripped: false,
        };
        p.send(first);
        Some(p)
    }

    fn send(&mut self, range: Range<usize>) {
        let (tx, rx) = sync_channel(1);
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send((range.clone(), tx));
        }
        self.inflight.push_back((range, rx));
    }

    /// Decodes from `self.pos` to the end as one stream.
    fn fall_back(&mut self) -> io::Result<()> {
        self.jobs = None;
        self.inflight.clear();
        let input = MapReader {
            map: self.map.clone(),
            pos: self.pos,
        };
        let mut r = RatioLimit::new(decoder(self.codec, input)?, self.limit);
        r.produced = self.produced;
        self.rest = Some(Stream::new(r, self.chunk, self.head, self.home.clone()));
        Ok(())
    }
}

impl Producer for Parallel {
    fn next(&mut self) -> io::Result<Piece> {
        loop {
            if let Some(mut chunk) = self.ready.pop_front() {
                let left = self.limit - self.produced;
                if chunk.len() as u64 >= left {
                    // As RatioLimit: output stops at the limit.
                    chunk.truncate(left as usize);
                    self.tripped = true;
                    self.ready.clear();
                }
                self.produced += chunk.len() as u64;
                if !chunk.is_empty() {
                    return Ok(Piece::Data(chunk));
                }
                continue;
            }
            if let Some(rest) = &mut self.rest {
                return rest.next();
            }
            let map = self.map.clone();
            let data = map.bytes();
            if self.tripped || self.pos >= data.len() {
                return Ok(Piece::End(self.tripped.then(|| ratio_error(self.produced))));
            }
            while self.inflight.len() < self.depth {
                match self.planner.region(data) {
                    Some(r) => self.send(r),
                    None => break,
                }
            }
            let Some((range, rx)) = self.inflight.pop_front() else {
                // No region starts at or after a member's real end: let
                // the stream decoder say what is there.
                self.fall_back()?;
                continue;
            };
            if range.end <= self.pos {
                continue; // an earlier member ran past this candidate
            }
            let region = if range.start == self.pos {
                rx.recv().unwrap_or(Region::Failed)
            } else {
                // The previous region ran past this one's start (a false
                // gzip candidate): decode from its real end.
                decode_region(
                    data,
                    self.codec,
                    self.pos..range.end,
                    (self.chunk, self.head),
                    &self.home,
                    &mut None,
                )
            };
            match region {
                Region::Done(chunks, end) => {
                    if self.map.truncated_before(end) {
                        return Err(io::Error::other(
                            "file truncated while being read".to_string(),
                        ));
                    }
                    self.pos = end;
                    self.ready.extend(chunks);
                }
                Region::Failed => self.fall_back()?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// About `size` bytes of base64-like lines that compress poorly.
    fn noise(size: usize) -> Vec<u8> {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut out = Vec::with_capacity(size + 80);
        while out.len() < size {
            for _ in 0..76 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                out.push(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                        [(x % 64) as usize],
                );
            }
            out.push(b'\n');
        }
        out
    }

    /// A compressed file decoded from its mapped pages and truncated
    /// meanwhile (its missing pages then read as zeros): every chunk handed
    /// on is the file's true content, and the stream ends with the
    /// truncation as its error, not with chunks decoded from the zeros.
    #[test]
    fn a_file_truncated_while_decoded_from_its_map_ends_in_an_error() {
        let plain = noise(4 << 20);
        let packed = zstd::bulk::compress(&plain, 1).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.mbox.zst");
        std::fs::write(&path, &packed).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let map: Arc<dyn Compressed> = Arc::new(GuardedMap::new(file).unwrap().unwrap());
        let r = RatioLimit::new(
            decoder(Codec::Zstd, map_reader(map.clone())).unwrap(),
            u64::MAX,
        );
        let mut stream = Stream::new(r, 256 << 10, 0, Arc::default()).guarded(map);
        let Ok(Piece::Data(first)) = stream.next() else {
            panic!("a first chunk")
        };
        let mut got = first.to_vec();
        drop(first);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(packed.len() as u64 / 2)
            .unwrap();
        let end = loop {
            match stream.next() {
                Ok(Piece::Data(c)) => got.extend_from_slice(&c),
                other => break other,
            }
        };
        let Err(e) = end else {
            panic!("the stream ends in an error")
        };
        assert!(e.to_string().contains("truncated"), "{e}");
        assert!(super::super::guard::faults() > 0, "the zeros were read");
        assert!(got.len() < plain.len(), "{} bytes", got.len());
        assert!(got == plain[..got.len()], "only true content handed on");
    }
}
