//! The scan pipeline: inputs → messages → rows, in input order, in
//! parallel, with bounded memory.
//!
//! A reader thread discovers and opens the inputs. A plain mbox goes on
//! whole (mapped), and the pool splits and analyzes it in rounds
//! (`analyze_mbox`): while it analyzes the messages found so far, it
//! indexes the next `ROUND_BYTES` (separators and MIME delimiter
//! candidates, in one pass) and stitches the next messages, so that
//! splitting runs on every core and a message is analyzed while its bytes
//! are still in the CPU's cache. Other messages
//! (Maildir, .eml, compressed streams) come in batches (at most
//! `BATCH_MESSAGES` messages or `BATCH_BYTES` bytes) analyzed with
//! `par_iter`. A bounded channel holds at most `QUEUED_BATCHES` units;
//! rows go, in order (`collect` keeps it), to a writer thread through
//! another bounded channel. So the rows come out in input order at any
//! thread count, and the memory in flight is bounded by a few batches
//! whatever the archive's size: mapped files cost page cache, not heap;
//! decompressed chunks are at most 16 MiB plus the largest message. With
//! `-j 1` the same steps run one after the other on one thread.

mod analyze;
mod chain_columns;
mod decrypt;
mod shard;

pub use analyze::{analyze, analyze_marked};
use shard::shard_plan;
pub use shard::{Shard, ShardError};

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::input::{self, Message, Source};
use crate::mailbox;
use crate::mime::Limits;
use crate::pki::chain::Verifier;
use crate::pki::CertCache;
use crate::policy::Policy;
use crate::report::{Row, Summary};

/// Most messages in one batch.
pub(crate) const BATCH_MESSAGES: usize = 2048;
/// Most message bytes in one batch.
pub(crate) const BATCH_BYTES: u64 = 64 << 20;
/// Most message bytes in one batch of a compressed stream: about one
/// decompressed chunk, so that the batches waiting for the analysis keep
/// few chunks alive.
pub(crate) const STREAM_BATCH_BYTES: u64 = input::CHUNK as u64;
/// Messages in the first batch of non-mbox messages (see `read_units`).
pub(crate) const FIRST_BATCH: usize = 32;
/// Windows of a plain mbox searched for separators as one task.
pub(crate) const INDEX_WINDOW: usize = 1 << 20;
/// Bytes of a plain mbox indexed per round of `analyze_mbox` (at most;
/// the first rounds are smaller). Small enough that a round and the next
/// stay in the CPU's last-level cache.
pub(crate) const ROUND_BYTES: usize = 8 << 20;
/// Batches read ahead of the analysis.
pub(crate) const QUEUED_BATCHES: usize = 2;

/// The time at which chains are judged (`--at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtMode {
    /// signingTime, else the Date header, else now: the signer's claim.
    Signing,
    /// The date of the topmost `Received:` field (written by the archive's
    /// own mail server), else as `Signing`.
    Received,
    /// The time of the run, for every message.
    Now,
    /// One given time (Unix seconds) for every message.
    Fixed(i64),
}

/// An `--at` value that is neither a mode nor an RFC 3339 time (as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadAtMode(pub String);

impl std::fmt::Display for BadAtMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--at {:?}: expected signing, received, now or an RFC 3339 time",
            self.0
        )
    }
}

impl std::error::Error for BadAtMode {}

impl std::str::FromStr for AtMode {
    type Err = BadAtMode;
    fn from_str(s: &str) -> Result<Self, BadAtMode> {
        match s {
            "signing" => Ok(AtMode::Signing),
            "received" => Ok(AtMode::Received),
            "now" => Ok(AtMode::Now),
            _ => crate::time::parse_rfc3339(s)
                .map(AtMode::Fixed)
                .ok_or_else(|| BadAtMode(s.to_owned())),
        }
    }
}

/// Everything shared by the analysis of all messages of a run.
pub struct Context {
    pub(crate) policy: Policy,
    pub(crate) at: AtMode,
    /// "now", fixed once per run so that a report is consistent.
    pub(crate) now: i64,
    pub(crate) limits: Limits,
    /// Decoded certificates, shared by all messages.
    pub(crate) certs: CertCache,
    /// Trust anchors, `--certs` pool, CRLs and the run's link cache.
    pub verifier: Verifier,
    /// How a plain mbox is indexed (tests make these tiny).
    pub split: SplitSizes,
    /// `--keys`: private keys that open enveloped messages (none: nothing
    /// is decrypted).
    pub(crate) keys: crate::keys::KeyStore,
}

/// Sizes of the rounds and windows in which `analyze_mbox` indexes a
/// plain mbox. They change no row, only how the work is cut: the tests set
/// them to a few bytes to put round and window edges everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitSizes {
    /// Bytes searched as one task (`INDEX_WINDOW`).
    pub window: usize,
    /// Bytes indexed by the first round; each next one doubles.
    pub first_round: usize,
    /// Most bytes indexed by one round (`ROUND_BYTES`).
    pub max_round: usize,
}

impl Default for SplitSizes {
    fn default() -> Self {
        SplitSizes {
            window: INDEX_WINDOW,
            first_round: INDEX_WINDOW,
            max_round: ROUND_BYTES,
        }
    }
}

impl Context {
    /// A context with no trust anchors, extra certificates or CRLs.
    pub fn new(policy: Policy, at: AtMode) -> Context {
        Context::with_verifier(
            policy,
            at,
            Verifier::new(Default::default(), Default::default(), Default::default()),
        )
    }

    /// A context judging chains with `verifier` (its trust anchors,
    /// `--certs` pool and CRLs).
    pub fn with_verifier(policy: Policy, at: AtMode, verifier: Verifier) -> Context {
        Context {
            policy,
            at,
            now: crate::time::now(),
            limits: Limits::default(),
            certs: CertCache::default(),
            verifier,
            split: SplitSizes::default(),
            keys: crate::keys::KeyStore::empty(),
        }
    }
}

/// A message with its source's position in the input list.
struct Item {
    source: Arc<str>,
    msg: Message,
}

/// What a run read.
pub struct RunStats {
    pub(crate) summary: Summary,
    /// Files that could not be read at all.
    pub(crate) unreadable: usize,
    /// Files given or found.
    pub(crate) files: usize,
}

/// Progress callback: bytes done, messages done.
pub(crate) type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Work handed from the reader to the analysis.
enum Unit {
    /// Messages read one by one (Maildir, .eml, compressed streams).
    Items(Vec<Item>),
    /// A plain mbox held whole: split and analyzed round by round (see
    /// [`analyze_mbox`]).
    Mbox(Arc<str>, input::MboxPart),
}

/// Reads every planned source and hands on its plain mboxes whole and its
/// other messages in batches of at most [`BATCH_MESSAGES`] messages or
/// [`BATCH_BYTES`] bytes; stops when `emit` returns false. Returns the
/// number of unreadable files.
///
/// The first batch holds [`FIRST_BATCH`] messages and each next one twice
/// as many up to the limit, so that the analysis starts at once.
fn read_units(
    sources: &[Source],
    plan: Vec<Option<Option<std::ops::Range<u64>>>>,
    threads: usize,
    warn: &(dyn Fn(String) + Sync),
    emit: &mut dyn FnMut(Unit) -> bool,
) -> usize {
    let mut unreadable = 0;
    let mut go_on = true;
    let mut batch: Vec<Item> = Vec::new();
    let mut bytes = 0u64;
    let mut limit = FIRST_BATCH;
    for (src, part) in sources.iter().zip(plan) {
        let Some(range) = part else { continue };
        let name: Arc<str> = src.display().into();
        let max_bytes = match src.codec {
            input::Codec::None => BATCH_BYTES,
            _ => STREAM_BATCH_BYTES,
        };
        let r = input::read_parts(src, range, threads, &mut |part| match part {
            input::Part::Message(msg) => {
                bytes += msg.length;
                batch.push(Item {
                    source: name.clone(),
                    msg,
                });
                if go_on && (batch.len() >= limit || bytes >= max_bytes) {
                    go_on = emit(Unit::Items(std::mem::take(&mut batch)));
                    bytes = 0;
                    limit = (limit * 2).min(BATCH_MESSAGES);
                }
            }
            input::Part::Mbox(mbox) => {
                if go_on && !batch.is_empty() {
                    go_on = emit(Unit::Items(std::mem::take(&mut batch)));
                    bytes = 0;
                }
                if go_on {
                    go_on = emit(Unit::Mbox(name.clone(), mbox));
                }
            }
        });
        if let Err(e) = r {
            warn(format!("{}: {e}", src.display()));
            unreadable += 1;
        }
        if !go_on {
            return unreadable; // the report cannot be written: stop reading
        }
    }
    if !batch.is_empty() {
        emit(Unit::Items(batch));
    }
    unreadable
}

/// Analyzes one unit on `pool` and hands its rows on in order, in one or
/// more batches; returns false as soon as `deliver` does.
fn analyze_unit(
    unit: Unit,
    ctx: &Context,
    pool: &rayon::ThreadPool,
    deliver: &mut dyn FnMut(Vec<Row>) -> bool,
) -> bool {
    match unit {
        Unit::Items(items) => {
            let rows = pool.install(|| items.par_iter().map(|it| row_for(it, ctx)).collect());
            drop(items);
            deliver(rows)
        }
        Unit::Mbox(source, mbox) => analyze_mbox(&source, &mbox, ctx, pool, deliver),
    }
}

/// Splits and analyzes a plain mbox in rounds, all on `pool`: each round
/// analyzes the messages stitched in the previous round, indexes the next
/// [`ROUND_BYTES`] (in windows of [`INDEX_WINDOW`]) and stitches the
/// messages whose boundaries the index fed so far decides. So the bytes
/// are searched in parallel, in one pass that also finds the MIME
/// delimiter candidates (the messages' dash lines), and a message is
/// analyzed shortly after its bytes were searched, while they are still in
/// the CPU's cache: the file is read from memory once.
fn analyze_mbox(
    source: &Arc<str>,
    mbox: &input::MboxPart,
    ctx: &Context,
    pool: &rayon::ThreadPool,
    deliver: &mut dyn FnMut(Vec<Row>) -> bool,
) -> bool {
    let data: &[u8] = &mbox.buf;
    let mut stitcher = mailbox::Stitcher::new(mbox.start, mbox.end);
    let mut index = 0u64;
    // The first rounds are small, so that the analysis starts at once.
    let sizes = ctx.split;
    let mut round = sizes.first_round.max(1);
    let mut items: Vec<Item> = Vec::new();
    // Bytes below this were given back to the kernel (see Buf::release).
    let mut released = mbox.start;
    loop {
        // Everything before the first message still to be analyzed is done
        // with (a page of slack for the index's look-back).
        let done = items
            .first()
            .map_or(stitcher.position(), |it| it.msg.offset as usize)
            .saturating_sub(4096);
        let release = released..done.max(released);
        released = release.end;
        let next = stitcher.want(round);
        round = (round * 2).min(sizes.max_round.max(1));
        if items.is_empty() && next.is_none() && stitcher.done() {
            return true;
        }
        // Three stages at once: analyze the messages stitched last round,
        // index the next range, stitch the messages the index fed so far
        // decides.
        let stitch = |stitcher: &mut mailbox::Stitcher| {
            let mut out = Vec::new();
            while out.len() < BATCH_MESSAGES {
                let Some(span) = stitcher.next_span(data) else {
                    break;
                };
                let mut msg = mbox.message(span, index + out.len() as u64);
                msg.dash_lines = stitcher.dash_lines(msg.content.clone());
                out.push(Item {
                    source: source.clone(),
                    msg,
                });
            }
            out
        };
        let (rows, (found, stitched)): (Vec<Row>, _) = pool.install(|| {
            rayon::join(
                || items.par_iter().map(|it| row_for(it, ctx)).collect(),
                || {
                    rayon::join(
                        || {
                            // On one thread unmapping at the end costs less;
                            // on more, a serial teardown of the whole map
                            // at the end would leave the other threads idle.
                            if pool.current_num_threads() > 1 {
                                mbox.buf.release(release.clone());
                            }
                            next.clone()
                                .map(|r| parallel_index(&mbox.buf, r, sizes.window))
                        },
                        || stitch(&mut stitcher),
                    )
                },
            )
        });
        index += stitched.len() as u64;
        items = stitched;
        if let (Some(r), Some(found)) = (next, found) {
            stitcher.feed(r, found);
        }
        if !rows.is_empty() && !deliver(rows) {
            return false;
        }
    }
}

/// The index of `data[range]`, searched in windows of `window` bytes
/// ([`INDEX_WINDOW`] in a run) in parallel (on the current pool).
fn parallel_index(
    buf: &input::Buf,
    range: std::ops::Range<usize>,
    window: usize,
) -> mailbox::Index {
    let data: &[u8] = buf;
    let window = window.max(1);
    let windows: Vec<std::ops::Range<usize>> = (range.start..range.end)
        .step_by(window)
        .map(|s| s..(s + window).min(range.end))
        .collect();
    let found: Vec<mailbox::Index> = windows
        .into_par_iter()
        .map(|w| mailbox::index_window(data, w))
        .collect();
    let mut all = mailbox::Index::default();
    for f in found {
        all.append(f);
    }
    all
}

/// Takes rows in order: writes them, counts them, reports progress; after
/// the first write error it only counts (the caller stops feeding it).
struct RowSink<'a> {
    write: &'a mut (dyn FnMut(&Row) -> std::io::Result<()> + Send),
    progress: Progress<'a>,
    summary: Summary,
    done_bytes: u64,
    result: std::io::Result<()>,
}

impl RowSink<'_> {
    /// Returns false once writing failed.
    fn take(&mut self, rows: &[Row]) -> bool {
        for row in rows {
            if self.result.is_ok() {
                self.result = (self.write)(row);
            }
            self.summary.add(row);
            self.done_bytes += row.length;
        }
        (self.progress)(self.done_bytes, self.summary.messages);
        self.result.is_ok()
    }
}

/// Scans `paths` and hands every row, in order, to `write`. Problems with
/// whole files go to `warn`.
///
/// With a pool of one thread everything runs on that thread (so `-j 1` is
/// one core). Otherwise a reader thread opens the inputs and batches
/// messages, the pool splits mboxes and analyzes (`par_iter` + `collect`
/// keeps order), and a writer thread writes the previous rows meanwhile;
/// at most `QUEUED_BATCHES` units wait on either side.
#[allow(clippy::too_many_arguments)]
pub fn scan(
    paths: &[PathBuf],
    shard: Option<Shard>,
    ctx: &Context,
    pool: &rayon::ThreadPool,
    write: &mut (dyn FnMut(&Row) -> std::io::Result<()> + Send),
    warn: &(dyn Fn(String) + Sync),
    progress: Progress,
    sources_out: &mut dyn FnMut(&[Source]),
) -> std::io::Result<RunStats> {
    let started = Instant::now();
    let sources = input::discover(paths, &mut |w| warn(w));
    sources_out(&sources);
    let files = sources.len();
    let plan = shard_plan(&sources, shard);
    let mut sink = RowSink {
        write,
        progress,
        summary: Summary::default(),
        done_bytes: 0,
        result: Ok(()),
    };
    let unreadable = if pool.current_num_threads() <= 1 {
        // All on the pool's one thread: the pool's calls then run inline.
        let sources = &sources;
        let sink = &mut sink;
        pool.install(move || {
            read_units(sources, plan, 1, warn, &mut |unit| {
                analyze_unit(unit, ctx, pool, &mut |rows| sink.take(&rows))
            })
        })
    } else {
        let threads = pool.current_num_threads();
        let (tx, rx) = sync_channel::<Unit>(QUEUED_BATCHES);
        let (wtx, wrx) = sync_channel::<Vec<Row>>(QUEUED_BATCHES);
        let sources = &sources;
        let sink = &mut sink;
        std::thread::scope(|s| {
            // Named threads: `perf`, `top -H` and a debugger tell them apart.
            let reader = std::thread::Builder::new()
                .name("read".into())
                .spawn_scoped(s, move || {
                    read_units(sources, plan, threads, warn, &mut |u| tx.send(u).is_ok())
                })?;
            let writer = std::thread::Builder::new()
                .name("write".into())
                .spawn_scoped(s, move || {
                    for rows in wrx {
                        if !sink.take(&rows) {
                            break; // dropping wrx stops the analysis, then the reader
                        }
                    }
                })?;
            for unit in rx {
                if !analyze_unit(unit, ctx, pool, &mut |rows| wtx.send(rows).is_ok()) {
                    break;
                }
            }
            drop(wtx);
            let _ = writer.join();
            Ok::<_, std::io::Error>(reader.join().unwrap_or(0))
        })?
    };
    sink.result?;
    let mut summary = sink.summary;
    summary.finish(started.elapsed().as_secs_f64());
    Ok(RunStats {
        summary,
        unreadable,
        files,
    })
}

fn row_for(it: &Item, ctx: &Context) -> Row {
    message_row(&it.source, &it.msg, ctx)
}

/// The row of one message read from `source`: never panics (a panic in the
/// analysis becomes an `error` row), and a message whose file was truncated
/// while mapped becomes an `error` row.
pub fn message_row(source: &str, m: &Message, ctx: &Context) -> Row {
    let mut analyzed = match &m.error {
        None => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            analyze_marked(m.content(), m.dash_lines.as_deref(), ctx)
        }))
        .map_err(|p| {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            format!("internal error while analysing this message (please report): {what}")
        }),
        Some(e) => Err(e.clone()),
    };
    let truncated = m.buf.truncated(&m.content);
    if truncated {
        analyzed =
            Err("file truncated while being read: message no longer wholly in the file".into());
    }
    let mut row = match analyzed {
        Ok(row) => row,
        // A message over a limit or one the analysis failed on fails
        // closed when it names a pkcs7 type: `signature=malformed`, so
        // that `--fail-on invalid` fires (a truncated file's bytes are
        // gone and are not read).
        Err(e) => {
            let signed = !truncated && crate::mime::names_pkcs7(m.content());
            analyze::malformed(Row::default(), e, signed, ctx)
        }
    };
    row.source = source.to_owned();
    row.index = m.index;
    row.offset = m.offset;
    row.length = m.length;
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Buf;

    fn over_limit(content: &[u8]) -> Row {
        let ctx = Context::new(Policy::default(), AtMode::Fixed(1_767_225_600));
        let m = Message {
            index: 0,
            offset: 0,
            length: content.len() as u64,
            buf: Arc::new(Buf::Owned(content.to_vec())),
            content: 0..content.len(),
            error: Some("message larger than 256 MiB (limit)".into()),
            dash_lines: None,
        };
        message_row("x.mbox.gz", &m, &ctx)
    }

    /// A signed message padded past the reader's size limit is not read,
    /// but it must not pass `--fail-on invalid` as an unsigned error row.
    #[test]
    fn over_limit_signed_message_fails_closed() {
        let r = over_limit(
            b"From: a@b\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b\n\n--b\n",
        );
        assert_eq!(
            (r.kind.as_str(), r.verdict.as_str()),
            ("malformed", "error")
        );
        assert_eq!(r.signature, "malformed");
        assert_eq!(r.findings, "MALFORMED_MESSAGE;SIG_MALFORMED");
        assert!(r.error.contains("limit"), "{}", r.error);
        let plain = over_limit(b"From: a@b\n\nhello\n");
        assert_eq!(
            (plain.signature.as_str(), plain.verdict.as_str()),
            ("", "error")
        );
    }
}
