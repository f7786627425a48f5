//! The scan pipeline: inputs → messages → rows, in input order, in
//! parallel, with bounded memory.
//!
//! A reader thread discovers and reads the inputs and cuts the messages
//! into batches (at most [`BATCH_MESSAGES`] messages or [`BATCH_BYTES`]
//! bytes); a bounded channel holds at most [`QUEUED_BATCHES`] of them. The
//! calling thread analyses each batch on the rayon pool (`par_iter`, whose
//! `collect` keeps order) and writes its rows before taking the next. So
//! the rows come out in input order at any thread count, and the memory in
//! flight is bounded by a few batches whatever the archive's size: mapped
//! files cost page cache, not heap; decompressed chunks are at most
//! [`crate::input::read::CHUNK`]-sized plus the largest message.

mod analyze;
mod chain;

pub use analyze::analyze;

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::cms::{CertLookup, SignerId};
use crate::input::{self, Message, Source};
use crate::mime::Limits;
use crate::pki::{Cert, CertCache};
use crate::policy::Policy;
use crate::report::{Row, Summary};

/// Most messages in one batch.
pub const BATCH_MESSAGES: usize = 2048;
/// Most message bytes in one batch.
pub const BATCH_BYTES: u64 = 64 << 20;
/// Batches read ahead of the analysis.
pub const QUEUED_BATCHES: usize = 2;

/// The time at which chains are judged (`--at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtMode {
    /// signingTime, else the Date header, else now.
    Signing,
    Now,
    Fixed(i64),
}

impl std::str::FromStr for AtMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "signing" => Ok(AtMode::Signing),
            "now" => Ok(AtMode::Now),
            _ => crate::time::parse_rfc3339(s)
                .map(AtMode::Fixed)
                .ok_or_else(|| format!("--at {s:?}: expected signing, now or an RFC 3339 time")),
        }
    }
}

/// Extra certificates (`--certs`) where signer certificates are looked up.
#[derive(Default)]
pub struct Pool {
    certs: Vec<Arc<Cert>>,
}

impl CertLookup for Pool {
    fn find_signer(&self, sid: &SignerId) -> Option<Arc<Cert>> {
        self.certs
            .iter()
            .find(|c| match sid {
                SignerId::IssuerSerial { issuer_der, serial } => {
                    &c.issuer_der == issuer_der && &c.serial == serial
                }
                SignerId::SubjectKeyId(k) => c.subject_key_id.as_ref() == Some(k),
            })
            .cloned()
    }
}

/// Everything shared by the analysis of all messages of a run.
pub struct Context {
    pub policy: Policy,
    pub at: AtMode,
    /// "now", fixed once per run so that a report is consistent.
    pub now: i64,
    pub limits: Limits,
    pub certs: CertCache,
    pub pool: Pool,
}

impl Context {
    pub fn new(policy: Policy, at: AtMode) -> Context {
        Context {
            policy,
            at,
            now: crate::time::now(),
            limits: Limits::default(),
            certs: CertCache::default(),
            pool: Pool::default(),
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
    pub summary: Summary,
    /// Files that could not be read at all.
    pub unreadable: usize,
    /// Files given or found.
    pub files: usize,
}

/// Progress callback: bytes done, messages done.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Scans `paths` and hands every row, in order, to `write`. Problems with
/// whole files go to `warn`.
pub fn scan(
    paths: &[PathBuf],
    ctx: &Context,
    pool: &rayon::ThreadPool,
    write: &mut dyn FnMut(&Row) -> std::io::Result<()>,
    warn: &(dyn Fn(String) + Sync),
    progress: Progress,
    sources_out: &mut dyn FnMut(&[Source]),
) -> std::io::Result<RunStats> {
    let started = Instant::now();
    let mut sources = input::discover(paths, &mut |w| warn(w));
    sources_out(&sources);
    let files = sources.len();
    let (tx, rx) = sync_channel::<Vec<Item>>(QUEUED_BATCHES);
    let mut summary = Summary::default();
    let mut unreadable = 0usize;
    let sources_ref = &mut sources;
    let result = std::thread::scope(|s| {
        let reader = s.spawn(move || {
            let mut unreadable = 0;
            let mut batch: Vec<Item> = Vec::new();
            let mut bytes = 0u64;
            for src in sources_ref.iter() {
                let name: Arc<str> = src.display().into();
                let r = input::read_source(src, &mut |msg| {
                    bytes += msg.length;
                    batch.push(Item {
                        source: name.clone(),
                        msg,
                    });
                    if batch.len() >= BATCH_MESSAGES || bytes >= BATCH_BYTES {
                        let _ = tx.send(std::mem::take(&mut batch));
                        bytes = 0;
                    }
                });
                if let Err(e) = r {
                    warn(format!("{}: {e}", src.display()));
                    unreadable += 1;
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
            unreadable
        });
        let mut done_bytes = 0u64;
        let mut done_msgs = 0u64;
        let mut io_result = Ok(());
        for batch in rx {
            let rows: Vec<Row> =
                pool.install(|| batch.par_iter().map(|it| row_for(it, ctx)).collect());
            for row in &rows {
                if io_result.is_ok() {
                    io_result = write(row);
                }
                summary.add(row);
                done_bytes += row.length;
                done_msgs += 1;
            }
            progress(done_bytes, done_msgs);
            if io_result.is_err() {
                break; // dropping rx stops the reader
            }
        }
        unreadable = reader.join().unwrap_or(0);
        io_result
    });
    result?;
    summary.finish(started.elapsed().as_secs_f64());
    Ok(RunStats {
        summary,
        unreadable,
        files,
    })
}

fn row_for(it: &Item, ctx: &Context) -> Row {
    let m = &it.msg;
    let analysed = match &m.error {
        None => {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| analyze(m.content(), ctx)))
                .map_err(|p| {
                    let what = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    format!("internal error while analysing this message (please report): {what}")
                })
        }
        Some(e) => Err(e.clone()),
    };
    let mut row = match analysed {
        Ok(row) => row,
        Err(e) => {
            let mut r = Row {
                kind: crate::mime::Kind::Malformed.as_str().into(),
                verdict: "error".into(),
                error: crate::report::one_line(&e),
                ..Row::default()
            };
            if ctx.policy.enabled(crate::policy::Finding::MalformedMessage) {
                r.findings = "MALFORMED_MESSAGE".into();
            }
            r
        }
    };
    row.source = it.source.to_string();
    row.index = m.index;
    row.offset = m.offset;
    row.length = m.length;
    row
}
