//! `smimescan merge`: shard reports → the report of one whole run.
//!
//! Shards are given in shard order (0..N-1). Their rows are concatenated,
//! and `index` is renumbered per source (a shard that starts inside an mbox
//! cannot know how many messages precede it; in one run, `index` counts
//! the messages of a source read from its start, restarting when the same
//! file is read again). The summary is rebuilt from the rows; shard
//! summaries, when given, are checked against the rows (a shard whose
//! report is incomplete is an error) and give `elapsed_seconds` (the
//! slowest shard's).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{Format, Row, RowWriter, Summary};

/// What `merge` was given, classified.
enum Input {
    Report(PathBuf, Format),
    Summary(Box<Summary>),
}

/// Tells a report from a summary by its first line, without reading a
/// (possibly huge) report twice: a summary is pretty-printed JSON whose
/// first line is `{`; a JSONL report's first line is a whole row object; a
/// CSV report starts with its header.
fn classify(path: &Path) -> Result<Input, String> {
    use std::io::BufRead;
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut first = Vec::new();
    std::io::BufReader::new(std::fs::File::open(path).map_err(err)?)
        .take(1 << 20)
        .read_until(b'\n', &mut first)
        .map_err(err)?;
    let line = first.trim_ascii();
    if line == b"{" {
        let text = std::fs::read(path).map_err(err)?;
        return serde_json::from_slice::<Summary>(&text)
            .map(|s| Input::Summary(Box::new(s)))
            .map_err(|e| format!("{}: not a smimescan summary: {e}", path.display()));
    }
    if line.starts_with(b"{") {
        return Ok(Input::Report(path.to_path_buf(), Format::Jsonl));
    }
    if line.starts_with(b"source,") {
        return Ok(Input::Report(path.to_path_buf(), Format::Csv));
    }
    if line.is_empty() {
        let fmt = Format::from_path(&path.to_string_lossy());
        return Ok(Input::Report(path.to_path_buf(), fmt));
    }
    Err(format!(
        "{}: neither a smimescan report (CSV/JSONL) nor a summary",
        path.display()
    ))
}

/// Summaries of `--shard K/N` runs must be all N shards of one run, once
/// each, and the reports (with `counts` rows each) in shard order: a shard
/// left out whole (a glob that missed it, a task that never finished) or
/// reports out of order would otherwise merge into a report that is not
/// the whole run's.
fn check_shards(summaries: &[Summary], counts: &[u64]) -> Result<(), String> {
    use crate::scan::Shard;
    if summaries.iter().all(|s| s.shard.is_none()) {
        return Ok(());
    }
    let mut by_k = std::collections::BTreeMap::new();
    let mut n = None;
    for s in summaries {
        let Some(text) = &s.shard else {
            return Err("merge: some summaries are of shards (--shard) and some are not: not the shards of one run".into());
        };
        let sh = Shard::parse(text).map_err(|e| format!("merge: a summary's shard: {e}"))?;
        if n.is_some_and(|n| n != sh.n) {
            return Err(format!(
                "merge: summaries of {}/{} and of a run in {} shards: not the shards of one run",
                sh.k,
                sh.n,
                n.unwrap_or(0)
            ));
        }
        n = Some(sh.n);
        if by_k.insert(sh.k, s.messages).is_some() {
            return Err(format!(
                "merge: the summary of shard {}/{} is given twice",
                sh.k, sh.n
            ));
        }
    }
    let n = n.unwrap_or(0);
    if by_k.len() as u64 != n {
        let missing: Vec<String> = (0..n)
            .filter(|k| !by_k.contains_key(k))
            .take(10)
            .map(|k| k.to_string())
            .collect();
        return Err(format!(
            "merge: {} of {n} shards given; missing: shard {}{}: re-run them (--shard K/{n}) and give all reports and summaries",
            by_k.len(),
            missing.join(", "),
            if (n - by_k.len() as u64) > 10 { ", ..." } else { "" }
        ));
    }
    if counts.len() as u64 != n {
        return Err(format!("merge: {} reports for {n} shards", counts.len()));
    }
    for ((k, expected), got) in by_k.iter().zip(counts) {
        if expected != got {
            return Err(format!(
                "merge: report {} holds {got} rows but the summary of shard {k}/{n} counts {expected}: the reports are not in shard order, or one is incomplete",
                k + 1
            ));
        }
    }
    Ok(())
}

/// Reads the rows of one report.
pub(crate) fn read_rows(
    path: &Path,
    format: Format,
    each: &mut dyn FnMut(Row) -> Result<(), String>,
) -> Result<(), String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("{name}: {e}"))?;
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    match format {
        Format::Csv => {
            let mut r = csv::Reader::from_reader(reader);
            for (i, rec) in r.deserialize::<Row>().enumerate() {
                each(rec.map_err(|e| format!("{name}: row {}: {e}", i + 1))?)?;
            }
        }
        Format::Jsonl => {
            use std::io::BufRead;
            for (i, line) in reader.lines().enumerate() {
                let line = line.map_err(|e| format!("{name}: {e}"))?;
                if line.trim().is_empty() {
                    continue;
                }
                let row: Row = serde_json::from_str(&line)
                    .map_err(|e| format!("{name}: line {}: {e}", i + 1))?;
                each(row)?;
            }
        }
    }
    Ok(())
}

/// Merges `inputs` (reports and optional summaries, in shard order) into
/// `out`; returns the merged summary.
pub(crate) fn merge<W: Write>(
    inputs: &[PathBuf],
    format: Option<Format>,
    out: W,
) -> Result<(Summary, W), String> {
    let mut reports = Vec::new();
    let mut summaries = Vec::new();
    for p in inputs {
        match classify(p)? {
            Input::Report(p, f) => reports.push((p, f)),
            Input::Summary(s) => summaries.push(*s),
        }
    }
    if reports.is_empty() {
        return Err("merge: no report given".into());
    }
    let format = format.unwrap_or(reports[0].1);
    let mut writer = RowWriter::new(out, format).map_err(|e| e.to_string())?;
    let mut summary = Summary::default();
    let mut prev: Option<(String, u64)> = None;
    let mut index = 0u64;
    let mut counts = Vec::with_capacity(reports.len());
    for (path, f) in &reports {
        let before = summary.messages;
        read_rows(path, *f, &mut |mut row| {
            let restart = match &prev {
                Some((src, off)) => *src != row.source || row.offset <= *off,
                None => true,
            };
            index = if restart { 0 } else { index + 1 };
            row.index = index;
            match &mut prev {
                Some((src, off)) if *src == row.source => *off = row.offset,
                _ => prev = Some((row.source.clone(), row.offset)),
            }
            writer.write(&row).map_err(|e| e.to_string())?;
            summary.add(&row);
            Ok(())
        })?;
        counts.push(summary.messages - before);
    }
    if !summaries.is_empty() {
        let counted: u64 = summaries.iter().map(|s| s.messages).sum();
        if counted != summary.messages {
            return Err(format!(
                "merge: the shard summaries count {counted} messages but the reports hold {} rows: a report is incomplete or a summary is missing",
                summary.messages
            ));
        }
    }
    check_shards(&summaries, &counts)?;
    let elapsed = summaries
        .iter()
        .map(|s| s.elapsed_seconds)
        .fold(0.0, f64::max);
    summary.finish(elapsed);
    let w = writer.finish().map_err(|e| e.to_string())?;
    Ok((summary, w))
}
