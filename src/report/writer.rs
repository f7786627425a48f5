//! CSV and JSONL writers.

use std::io::{self, Write};

use super::{Row, COLUMNS};

/// Report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// CSV with a header row, CRLF line ends, formula-looking cells quoted.
    Csv,
    /// One JSON object a line, keys as the CSV header.
    Jsonl,
}

impl Format {
    /// From a file name: `.jsonl`/`.ndjson`/`.json` → JSONL, else CSV.
    pub(crate) fn from_path(path: &str) -> Format {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json") {
            Format::Jsonl
        } else {
            Format::Csv
        }
    }
}

/// A cell that a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab, CR
/// first) gets a leading `'`.
pub fn escape_formula(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}").into(),
        _ => s.into(),
    }
}

/// Writes rows in one format.
pub struct RowWriter<W: Write> {
    csv: Option<csv::Writer<W>>,
    json: Option<W>,
}

impl<W: Write> RowWriter<W> {
    /// Starts a report (CSV: writes the header row).
    pub fn new(out: W, format: Format) -> io::Result<Self> {
        match format {
            Format::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(out);
                w.write_record(COLUMNS).map_err(io::Error::other)?;
                Ok(RowWriter {
                    csv: Some(w),
                    json: None,
                })
            }
            Format::Jsonl => Ok(RowWriter {
                csv: None,
                json: Some(out),
            }),
        }
    }

    /// Writes one row, every cell on one line (`Row::one_line`).
    pub fn write(&mut self, row: &Row) -> io::Result<()> {
        let row = row.one_line();
        let row = &*row;
        if let Some(w) = &mut self.csv {
            let cells = row.cells();
            w.write_record(cells.iter().map(|c| escape_formula(c).into_owned()))
                .map_err(csv_io)
        } else if let Some(w) = &mut self.json {
            serde_json::to_writer(&mut *w, row).map_err(io::Error::other)?;
            w.write_all(b"\n")
        } else {
            Ok(())
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        if let Some(w) = self.csv {
            w.into_inner()
                .map_err(|e| io::Error::new(e.error().kind(), e.to_string()))
        } else if let Some(mut w) = self.json {
            w.flush()?;
            Ok(w)
        } else {
            unreachable!("a RowWriter has one of its writers")
        }
    }
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_one_line() {
        // Whatever filled the row, no cell breaks a line in either format.
        let row = Row {
            source: "dir/a\nb\r.eml".into(),
            message_id: "x\u{1b}[31m".into(),
            signer_email: "evil@example.com\r\nX: y".into(),
            signer_subject: "CN=a\u{2028}b".into(),
            error: "e\0".into(),
            decryption: "d\u{85}".into(),
            ..Row::default()
        };
        for format in [Format::Csv, Format::Jsonl] {
            let mut w = RowWriter::new(Vec::new(), format).unwrap();
            w.write(&row).unwrap();
            let out = String::from_utf8(w.finish().unwrap()).unwrap();
            let lines = if format == Format::Csv { 2 } else { 1 };
            assert_eq!(out.lines().count(), lines, "{out}");
            assert!(!out.contains('\r') || format == Format::Csv, "{out:?}");
            assert!(out.contains("evil@example.com  X: y"), "{out}");
            assert!(out.contains("dir/a b .eml"), "{out}");
            assert!(
                !out.contains('\u{2028}') && !out.contains('\u{1b}'),
                "{out:?}"
            );
            assert!(!out.contains("\\u001b") && !out.contains("\\r\\n"), "{out}");
        }
    }

    #[test]
    fn formula_cells_are_escaped_in_csv_only() {
        let row = Row {
            source: "a.mbox".into(),
            message_id: "=HYPERLINK(\"x\")".into(),
            from: "@evil".into(),
            error: "-1+2".into(),
            ..Row::default()
        };
        let mut w = RowWriter::new(Vec::new(), Format::Csv).unwrap();
        w.write(&row).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert!(out.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{out}");
        assert!(out.contains(",'@evil,"), "{out}");
        assert!(out.contains(",'-1+2,,,,\r\n"), "{out}");
        let mut w = RowWriter::new(Vec::new(), Format::Jsonl).unwrap();
        w.write(&row).unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert!(
            out.contains("\"message_id\":\"=HYPERLINK(\\\"x\\\")\""),
            "{out}"
        );
    }
}
