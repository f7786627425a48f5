//! Streams report files (CSV or JSONL, gzip-compressed or not) into an
//! [`Aggregate`], one row at a time.

use std::borrow::Cow;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::aggregate::{Aggregate, RowView};
use crate::report::Row;

/// Opens a report, through a gzip decoder when it starts with the gzip
/// magic (whatever its name).
fn open(path: &Path) -> Result<(Box<dyn BufRead>, bool), String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let head = r.fill_buf().map_err(|e| format!("{name}: {e}"))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let gz = flate2::bufread::MultiGzDecoder::new(r);
        Ok((Box::new(BufReader::with_capacity(1 << 20, gz)), true))
    } else {
        Ok((Box::new(r), false))
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

/// Where each [`WANTED`] column sits in a report's records.
type Positions = [Option<usize>; WANTED.len()];

/// The positions of the wanted columns in a header; a report must have
/// `source` and `verdict`.
fn positions(headers: &csv::ByteRecord, name: &str) -> Result<Positions, String> {
    let pos: Positions = std::array::from_fn(|i| {
        headers.iter().position(|h| {
            h.strip_prefix("\u{feff}".as_bytes()).unwrap_or(h) == WANTED[i].as_bytes()
        })
    });
    if pos[0].is_none() || pos[18].is_none() {
        return Err(format!(
            "{name}: not a smimescan report (no source/verdict columns)"
        ));
    }
    Ok(pos)
}

fn num(s: &str) -> u64 {
    s.trim().parse().unwrap_or(0)
}

/// Calls `f` with the wanted cells of a record (formula guard undone): one
/// UTF-8 check of the whole record and borrowed cells in the usual case;
/// cells with U+FFFD for the bad bytes otherwise.
fn with_cells<T>(
    rec: &csv::ByteRecord,
    pos: &Positions,
    f: impl FnOnce(&[&str; WANTED.len()]) -> T,
) -> T {
    let all = rec.as_slice();
    if let Ok(whole) = std::str::from_utf8(all) {
        // Each field is a sub-slice of the record's buffer: find it in the
        // validated text by its offset (fields split at ASCII bytes, so at
        // character boundaries).
        let base = all.as_ptr() as usize;
        let cells: [&str; WANTED.len()] = std::array::from_fn(|i| {
            let Some(b) = pos[i].and_then(|p| rec.get(p)) else {
                return "";
            };
            let at = (b.as_ptr() as usize).wrapping_sub(base);
            unguard(whole.get(at..at + b.len()).unwrap_or(""))
        });
        return f(&cells);
    }
    let owned: [Cow<str>; WANTED.len()] = std::array::from_fn(|i| {
        pos[i]
            .and_then(|p| rec.get(p))
            .map(String::from_utf8_lossy)
            .unwrap_or_default()
    });
    let cells: [&str; WANTED.len()] = std::array::from_fn(|i| unguard(&owned[i]));
    f(&cells)
}

/// The row a record's cells describe (its renumbered `index` goes
/// beside it).
fn view<'a>(c: &[&'a str; WANTED.len()]) -> RowView<'a> {
    RowView {
        source: c[0],
        offset: num(c[2]),
        length: num(c[3]),
        message_id: c[4],
        date: c[5],
        from: c[6],
        kind: c[7],
        signature: c[8],
        chain: c[9],
        signer_subject: c[10],
        signer_issuer: c[11],
        signer_sha256: c[12],
        sender_match: c[13],
        digest_alg: c[14],
        signature_alg: c[15],
        key_bits: c[16],
        encryption_alg: c[17],
        verdict: c[18],
        findings: c[19],
        error: c[20],
        layers: c[21],
        anchor: c[22],
        decryption: c[23],
        signer_not_after: c[24],
    }
}

/// Folds one CSV record into `agg` with the given `index`.
fn add_record(agg: &mut Aggregate, rec: &csv::ByteRecord, pos: &Positions, index: u64) {
    with_cells(rec, pos, |c| agg.add_at(&view(c), index));
}

/// Rows per batch handed from the CSV parser to the aggregating threads.
const BATCH: usize = 4096;

/// A CSV report that cannot be split (gzip-compressed): parsed on this
/// thread (which also renumbers `index`, an order-dependent step) and
/// folded in on worker threads, each into its own aggregate, merged at
/// the end: the aggregate does not depend on which thread saw which row.
fn read_csv(r: Box<dyn BufRead>, name: &str, agg: &mut Aggregate) -> Result<(), String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(r);
    let headers = rdr.byte_headers().map_err(|e| format!("{name}: {e}"))?;
    let pos = positions(headers, name)?;
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
                let renumber = &mut agg.renumber;
                idx.push(with_cells(&recs[n], pos, |c| {
                    renumber.next(c[0], num(c[2]))
                }));
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

/// Smallest plain CSV report read in parallel chunks.
const MIN_SPLIT: u64 = 8 << 20;
/// Most chunks read at once: each holds an aggregate of its own until the
/// end (about 30 MiB for 20,000 certificates and 5,000 domains), so the
/// heap stays bounded on many-core machines.
const MAX_CHUNKS: u64 = 4;

/// Where chunk `k` of `n` starts: the first record start at or after
/// `size * k / n` that follows a line end, and the start of the run of
/// line-end bytes before it (`(run, start)`); `None` when there is none
/// in a window after that point.
fn chunk_start(
    file: &std::fs::File,
    size: u64,
    k: u64,
    n: u64,
) -> std::io::Result<Option<(u64, u64)>> {
    use std::os::unix::fs::FileExt;
    const WINDOW: usize = 1 << 20;
    // A little before the point too, to see the whole line-end run.
    const BACK: u64 = 4096;
    let at = size * k / n;
    let origin = at.saturating_sub(BACK);
    let mut buf = vec![0u8; WINDOW];
    let mut got = 0;
    while got < WINDOW {
        match file.read_at(&mut buf[got..], origin + got as u64)? {
            0 => break,
            m => got += m,
        }
    }
    let buf = &buf[..got];
    let skip = ((at - origin) as usize).min(buf.len());
    let Some(nl) = memchr::memchr(b'\n', &buf[skip..]).map(|i| i + skip) else {
        return Ok(None);
    };
    let Some(start) = buf[nl..].iter().position(|b| !matches!(b, b'\r' | b'\n')) else {
        return Ok(None);
    };
    let start = nl + start;
    let mut run = nl;
    while run > 0 && matches!(buf[run - 1], b'\r' | b'\n') {
        run -= 1;
    }
    // A run reaching back to the window's start may begin earlier: then
    // a boundary can look misaligned, and the file is read sequentially.
    Ok(Some((origin + run as u64, origin + start as u64)))
}

/// What one chunk's thread gives back.
struct Chunk {
    /// Rows before the first restart of `index` (chunks after the first:
    /// their `index` continues the previous chunk's, known only later).
    lead: Aggregate,
    rest: Aggregate,
    /// `index` state after the chunk's last row.
    renumber: super::aggregate::Renumber,
    /// The first row's (source, offset).
    first: Option<(Box<str>, u64)>,
    /// Whether `index` restarted after the first row.
    restarted: bool,
    /// The chunk ended exactly where the next one starts (always true for
    /// the last): the sequential parser would be at a record start there.
    aligned: bool,
}

/// Parses the records from `from` up to the next chunk's start (to the
/// end for the last chunk) and folds them in. `next` is the next chunk's
/// (run, start) from [`chunk_start`]; the chunk is aligned when its last
/// record ends inside the line-end run before the next start.
fn read_chunk(
    path: &Path,
    name: &str,
    from: u64,
    next: Option<(u64, u64)>,
    pos: &Positions,
    renumber: Option<super::aggregate::Renumber>,
) -> Result<Chunk, String> {
    use std::io::{Seek, SeekFrom};
    let err = |e: &dyn std::fmt::Display| format!("{name}: {e}");
    let mut file = std::fs::File::open(path).map_err(|e| err(&e))?;
    file.seek(SeekFrom::Start(from)).map_err(|e| err(&e))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(from == 0)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, file));
    if from == 0 {
        rdr.byte_headers().map_err(|e| err(&e))?;
    }
    let first_chunk = renumber.is_some();
    let mut chunk = Chunk {
        lead: Aggregate::new(),
        rest: Aggregate::new(),
        renumber: renumber.unwrap_or_default(),
        first: None,
        restarted: first_chunk,
        aligned: next.is_none(),
    };
    let mut rec = csv::ByteRecord::new();
    loop {
        if let Some((run, start)) = next {
            // `here` is just past the first line-end byte of the last
            // record. Past the start of the line-end run before `start`:
            // this chunk is done, and aligned when that record ended in
            // the run (the sequential parser then skips the rest of the
            // run as blank lines and reads the next record at `start`).
            let here = from + rdr.position().byte();
            if here > run {
                chunk.aligned = here <= start;
                break;
            }
        }
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = from + rec.position().map_or(0, |p| p.byte());
                return Err(format!("{name}: byte {at}: {e}"));
            }
        }
        let Chunk {
            lead,
            rest,
            renumber,
            first,
            restarted,
            ..
        } = &mut chunk;
        with_cells(&rec, pos, |c| {
            let offset = num(c[2]);
            let index = renumber.next(c[0], offset);
            if first.is_none() {
                *first = Some((c[0].into(), offset));
            } else if index == 0 {
                *restarted = true;
            }
            let agg = if *restarted { rest } else { lead };
            agg.add_at(&view(c), index);
        });
    }
    Ok(chunk)
}

/// A plain CSV report of at least [`MIN_SPLIT`] bytes, read as one chunk
/// per core, each parsed and folded by its own thread, then merged in
/// order. The result equals the sequential read: each chunk boundary is
/// checked to be a record boundary of the sequential parse (else the file
/// is read sequentially), `index` is carried from chunk to chunk, and
/// aggregates add exactly. `Ok(false)`: not split (read it otherwise).
fn read_csv_split(
    path: &Path,
    name: &str,
    agg: &mut Aggregate,
    chunks: u64,
    min_size: u64,
) -> Result<bool, String> {
    let err = |e: &dyn std::fmt::Display| format!("{name}: {e}");
    let file = std::fs::File::open(path).map_err(|e| err(&e))?;
    let meta = file.metadata().map_err(|e| err(&e))?;
    let size = meta.len();
    if !meta.is_file() || chunks < 2 || size < min_size {
        return Ok(false);
    }
    let (pos, header_end) = {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(BufReader::with_capacity(1 << 16, &file));
        let headers = rdr.byte_headers().map_err(|e| err(&e))?;
        (positions(headers, name)?, rdr.position().byte())
    };
    let mut bounds: Vec<(u64, u64)> = Vec::new();
    for k in 1..chunks {
        match chunk_start(&file, size, k, chunks).map_err(|e| err(&e))? {
            Some(b) if b.0 > header_end && bounds.last().is_none_or(|p| b.0 > p.1) => {
                bounds.push(b)
            }
            _ => {}
        }
    }
    if bounds.is_empty() {
        return Ok(false);
    }
    let starts: Vec<u64> = std::iter::once(0)
        .chain(bounds.iter().map(|b| b.1))
        .collect();
    let pos = &pos;
    let results: Vec<Result<Chunk, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = starts
            .iter()
            .enumerate()
            .map(|(i, &from)| {
                let next = bounds.get(i).copied();
                let renumber = (i == 0).then(|| agg.renumber.clone());
                scope.spawn(move || read_chunk(path, name, from, next, pos, renumber))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(format!("{name}: a reader thread failed")))
            })
            .collect()
    });
    let mut chunks_read = Vec::with_capacity(results.len());
    for r in results {
        chunks_read.push(r?);
    }
    if !chunks_read.iter().all(|c| c.aligned) {
        // A boundary fell inside a record (a quoted cell holding a line
        // break): read the file sequentially instead.
        return Ok(false);
    }
    for (i, c) in chunks_read.into_iter().enumerate() {
        let mut renumber = c.renumber;
        let mut lead = c.lead;
        if i > 0 {
            // The index the sequential parse gives this chunk's first row.
            let base = match &c.first {
                Some((src, off)) if agg.renumber.continues(src, *off) => agg.renumber.index() + 1,
                _ => 0,
            };
            lead.shift_indexes(base);
            if !c.restarted {
                renumber.shift(base);
            }
        }
        agg.absorb(lead);
        agg.absorb(c.rest);
        if c.first.is_some() {
            agg.renumber = renumber;
        }
    }
    Ok(true)
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
    let (mut r, gzip) = open(path)?;
    let first = r
        .fill_buf()
        .map_err(|e| format!("{name}: {e}"))?
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .copied();
    match first {
        None => Ok(()),
        Some(b'{') => read_jsonl(r, &name, agg),
        Some(_) => {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
            if !gzip && read_csv_split(path, &name, agg, cores.min(MAX_CHUNKS), MIN_SPLIT)? {
                return Ok(());
            }
            read_csv(r, &name, agg)
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::html::{render, Options};
    use crate::report::{Format, RowWriter};

    fn page(agg: &Aggregate) -> String {
        let opts = Options {
            title: "t".into(),
            at: 1_767_225_600,
            generated: 0,
        };
        render(agg, &opts)
    }

    /// Sequential reference: the whole file through one CSV parser.
    fn sequential(paths: &[&Path]) -> Aggregate {
        let mut agg = Aggregate::new();
        for p in paths {
            let (r, _) = open(p).unwrap();
            read_csv(r, "t", &mut agg).unwrap();
        }
        agg
    }

    /// Rows of two sources, each a long run (index continues across any
    /// chunk boundary), many violations with equal dates (the index and
    /// the tie-breaks decide which are kept).
    fn rows(n: u64, sources: u64) -> Vec<Row> {
        (0..n)
            .map(|i| Row {
                source: format!("s{}", i * sources / n),
                offset: i * 10,
                length: 10,
                message_id: format!("m{i}"),
                date: format!("2025-0{}-01T00:00:00Z", 1 + i % 3),
                from: format!("a@d{}.example", i % 7),
                kind: "signed".into(),
                signature: "valid".into(),
                chain: "trusted".into(),
                signer_sha256: format!("{:x}", i % 5),
                signer_not_after: "2026-02-01T00:00:00Z".into(),
                verdict: if i % 3 == 0 { "violation" } else { "compliant" }.into(),
                findings: if i % 3 == 0 { "SENDER_MISMATCH" } else { "" }.into(),
                ..Row::default()
            })
            .collect()
    }

    fn write(path: &Path, rows: &[Row]) {
        let mut w = RowWriter::new(std::fs::File::create(path).unwrap(), Format::Csv).unwrap();
        for r in rows {
            w.write(r).unwrap();
        }
        w.finish().unwrap();
    }

    /// Split reads give the sequential page for any number of chunks, and
    /// leave `index` where the sequential read leaves it (a second report
    /// continuing the same source, as shard reports do).
    #[test]
    fn chunks_give_the_sequential_aggregate() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        let all = rows(3000, 2);
        write(&a, &all[..2000]);
        write(&b, &all[2000..]);
        let want = page(&sequential(&[&a, &b]));
        assert!(want.contains("violation-table"));
        for n in [2u64, 3, 4, 7, 16, 61] {
            let mut agg = Aggregate::new();
            assert!(read_csv_split(&a, "a", &mut agg, n, 0).unwrap(), "n={n}");
            assert!(read_csv_split(&b, "b", &mut agg, n, 0).unwrap(), "n={n}");
            assert_eq!(page(&agg), want, "n={n}");
        }
    }

    /// Quoted line breaks, CRLF, blank lines, a BOM and no final line end:
    /// a chunk boundary inside a record is detected and the file is read
    /// sequentially; otherwise the chunks give the sequential aggregate.
    #[test]
    fn boundaries_inside_records_fall_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("\u{feff}source,offset,verdict,message_id,date,findings\r\n");
        for i in 0..400 {
            let id = match i % 5 {
                0 => format!("\"id\n{i}\n\n,\"\"x\"\"\""),
                1 => format!("\"id\r\n{i}\""),
                _ => format!("id{i}"),
            };
            text.push_str(&format!(
                "s,{},violation,{id},2025-01-01T00:00:00Z,F{}",
                i * 3,
                i % 4
            ));
            text.push_str(["\r\n", "\n", "\r\n\r\n", "\n\n\r\n"][i % 4]);
        }
        text.push_str("s,99999,violation,last,2025-01-01T00:00:00Z,F");
        let p = dir.path().join("q.csv");
        std::fs::write(&p, &text).unwrap();
        let want = page(&sequential(&[&p]));
        let (mut split, mut fell_back) = (0, 0);
        for n in 2..80u64 {
            let mut agg = Aggregate::new();
            if read_csv_split(&p, "q", &mut agg, n, 0).unwrap() {
                split += 1;
                assert_eq!(page(&agg), want, "n={n}");
            } else {
                fell_back += 1;
                assert_eq!(agg.messages, 0, "n={n}: touched before falling back");
            }
        }
        assert!(split > 0 && fell_back > 0, "{split} {fell_back}");
    }
}
