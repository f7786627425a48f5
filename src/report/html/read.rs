//! Streams report files (CSV or JSONL, gzip-compressed or not) into an
//! [`Aggregate`], one row at a time.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::aggregate::{Aggregate, RowView};
use crate::report::Row;

/// Opens a report, through a gzip decoder when it starts with the gzip
/// magic (whatever its name).
fn open(path: &Path) -> Result<Box<dyn BufRead>, String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let head = r.fill_buf().map_err(|e| format!("{name}: {e}"))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(r);
        Ok(Box::new(BufReader::with_capacity(1 << 20, gz)))
    } else {
        Ok(Box::new(r))
    }
}

/// Undoes the CSV writer's formula guard (a `'` put before a cell starting
/// with `= + - @`, tab or CR), so that a CSV report shows the values its
/// JSONL twin holds.
fn unguard(s: &str) -> &str {
    match s.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &s[1..],
        _ => s,
    }
}

/// Columns the aggregate reads, by header name.
const WANTED: [&str; 25] = [
    "source",
    "index",
    "offset",
    "length",
    "message_id",
    "date",
    "from",
    "kind",
    "signature",
    "chain",
    "signer_subject",
    "signer_issuer",
    "signer_sha256",
    "sender_match",
    "digest_alg",
    "signature_alg",
    "key_bits",
    "encryption_alg",
    "verdict",
    "findings",
    "error",
    "layers",
    "anchor",
    "decryption",
    "signer_not_after",
];

/// A cell as text: borrowed when it is UTF-8 (the usual case), else with
/// U+FFFD for the bad bytes.
fn text(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn num(s: &str) -> u64 {
    s.trim().parse().unwrap_or(0)
}

/// Rows per batch handed from the CSV parser to the aggregating threads.
const BATCH: usize = 4096;

/// Folds one CSV record into `agg` (cells by `pos`, see [`WANTED`]).
fn add_record(agg: &mut Aggregate, rec: &csv::ByteRecord, pos: &[Option<usize>], index: u64) {
    let cells: [Cow<str>; 25] = std::array::from_fn(|i| match pos[i].and_then(|p| rec.get(p)) {
        Some(b) => text(b),
        None => Cow::Borrowed(""),
    });
    let c = |i: usize| unguard(&cells[i]);
    let view = RowView {
        source: c(0),
        index,
        offset: num(c(2)),
        length: num(c(3)),
        message_id: c(4),
        date: c(5),
        from: c(6),
        kind: c(7),
        signature: c(8),
        chain: c(9),
        signer_subject: c(10),
        signer_issuer: c(11),
        signer_sha256: c(12),
        sender_match: c(13),
        digest_alg: c(14),
        signature_alg: c(15),
        key_bits: c(16),
        encryption_alg: c(17),
        verdict: c(18),
        findings: c(19),
        error: c(20),
        layers: c(21),
        anchor: c(22),
        decryption: c(23),
        signer_not_after: c(24),
    };
    agg.add_at(&view, index);
}

/// Parses the CSV on this thread (and renumbers `index`, which depends on
/// the order) and folds the rows in on worker threads, each into its own
/// aggregate, merged at the end: the aggregate does not depend on which
/// thread saw which row.
fn read_csv(r: Box<dyn BufRead>, name: &str, agg: &mut Aggregate) -> Result<(), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(r);
    let headers = rdr
        .byte_headers()
        .map_err(|e| format!("{name}: {e}"))?
        .clone();
    let pos: Vec<Option<usize>> = WANTED
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.strip_prefix("\u{feff}".as_bytes()).unwrap_or(h) == w.as_bytes())
        })
        .collect();
    if pos[0].is_none() || pos[18].is_none() {
        return Err(format!(
            "{name}: not a smimescan report (no source/verdict columns)"
        ));
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    type Batch = (Vec<csv::ByteRecord>, Vec<u64>);
    let (to_workers, from_parser) = std::sync::mpsc::sync_channel::<Batch>(workers * 2);
    let (to_parser, returned) = std::sync::mpsc::channel::<Batch>();
    let from_parser = std::sync::Mutex::new(from_parser);
    let pos = &pos;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (rx, back) = (&from_parser, to_parser.clone());
                scope.spawn(move || {
                    let mut mine = Aggregate::new();
                    loop {
                        let got = rx
                            .lock()
                            .map_err(|_| ())
                            .and_then(|r| r.recv().map_err(|_| ()));
                        let Ok((recs, idx)) = got else { break };
                        for (rec, &i) in recs.iter().zip(&idx) {
                            add_record(&mut mine, rec, pos, i);
                        }
                        let _ = back.send((recs, idx));
                    }
                    mine
                })
            })
            .collect();
        drop(to_parser);
        let mut result = Ok(());
        let mut line = 1u64;
        'parse: loop {
            let (mut recs, mut idx) = returned.try_recv().unwrap_or_default();
            recs.resize_with(BATCH, csv::ByteRecord::new);
            idx.clear();
            let mut n = 0;
            while n < BATCH {
                match rdr.read_byte_record(&mut recs[n]) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        result = Err(format!("{name}: row {line}: {e}"));
                        break 'parse;
                    }
                }
                line += 1;
                let rec = &recs[n];
                let cell = |i: usize| {
                    pos[i]
                        .and_then(|p| rec.get(p))
                        .map(text)
                        .unwrap_or_default()
                };
                let source = cell(0);
                idx.push(agg.renumber.next(unguard(&source), num(unguard(&cell(2)))));
                n += 1;
            }
            recs.truncate(n);
            if n > 0 && to_workers.send((recs, idx)).is_err() {
                break;
            }
            if n < BATCH {
                break;
            }
        }
        drop(to_workers);
        for h in handles {
            match h.join() {
                Ok(part) => agg.absorb(part),
                Err(_) => result = Err(format!("{name}: a worker thread failed")),
            }
        }
        result
    })
}

fn read_jsonl(r: Box<dyn BufRead>, name: &str, agg: &mut Aggregate) -> Result<(), String> {
    let mut line = Vec::new();
    let mut r = r;
    let mut n = 0u64;
    loop {
        line.clear();
        let got = r
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("{name}: {e}"))?;
        if got == 0 {
            break;
        }
        n += 1;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        if text == b"{" {
            return Err(format!(
                "{name}: a summary, not a report (give `report` the report files)"
            ));
        }
        let row: Row =
            serde_json::from_slice(text).map_err(|e| format!("{name}: line {n}: {e}"))?;
        agg.add_row(&row);
    }
    Ok(())
}

/// Reads one report (CSV or JSONL, told apart by its first byte; gzip
/// undone) into `agg`.
pub fn read_report(path: &Path, agg: &mut Aggregate) -> Result<(), String> {
    let name = path.display().to_string();
    let mut r = open(path)?;
    let first = r
        .fill_buf()
        .map_err(|e| format!("{name}: {e}"))?
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    match first {
        None => Ok(()),
        Some(b'{') => read_jsonl(r, &name, agg),
        Some(_) => read_csv(r, &name, agg),
    }
}

/// Reads reports in the order given (shard order gives the whole run's
/// `index`; every other figure does not depend on the order).
pub fn read_reports(paths: &[impl AsRef<Path>], agg: &mut Aggregate) -> Result<(), String> {
    for p in paths {
        read_report(p.as_ref(), agg)?;
    }
    Ok(())
}
