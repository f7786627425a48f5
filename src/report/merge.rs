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
    Summary(Summary),
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
            .map(Input::Summary)
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

/// Reads the rows of one report.
pub fn read_rows(
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
pub fn merge<W: Write>(
    inputs: &[PathBuf],
    format: Option<Format>,
    out: W,
) -> Result<(Summary, W), String> {
    let mut reports = Vec::new();
    let mut summaries = Vec::new();
    for p in inputs {
        match classify(p)? {
            Input::Report(p, f) => reports.push((p, f)),
            Input::Summary(s) => summaries.push(s),
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
    for (path, f) in &reports {
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
    let elapsed = summaries
        .iter()
        .map(|s| s.elapsed_seconds)
        .fold(0.0, f64::max);
    summary.finish(elapsed);
    let w = writer.finish().map_err(|e| e.to_string())?;
    Ok((summary, w))
}
