//! The run summary. Every figure but `elapsed_seconds` follows from the
//! rows, so `merge` rebuilds it exactly from shard reports.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::Row;

/// One signer's line in the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SignerCount {
    pub(crate) signer_sha256: String,
    pub(crate) signer_subject: String,
    pub(crate) messages: u64,
    pub(crate) valid: u64,
    pub(crate) invalid: u64,
}

/// Counts over the report rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
    pub(crate) elapsed_seconds: f64,
    pub(crate) by_kind: BTreeMap<String, u64>,
    pub(crate) by_signature: BTreeMap<String, u64>,
    pub(crate) by_chain: BTreeMap<String, u64>,
    pub(crate) by_verdict: BTreeMap<String, u64>,
    pub(crate) by_finding: BTreeMap<String, u64>,
    /// Sorted by messages (descending), then by signer_sha256.
    pub(crate) signers: Vec<SignerCount>,
    /// `K/N` of a `--shard K/N` run; absent in a whole run's or a merged
    /// summary. `merge` checks with it that it was given all N shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) shard: Option<String>,
    #[serde(skip)]
    signer_index: HashMap<String, usize>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    if !key.is_empty() {
        *map.entry(key.to_owned()).or_default() += 1;
    }
}

impl Summary {
    /// Counts one row.
    pub fn add(&mut self, row: &Row) {
        self.messages += 1;
        self.bytes += row.length;
        bump(&mut self.by_kind, &row.kind);
        bump(&mut self.by_signature, &row.signature);
        bump(&mut self.by_chain, &row.chain);
        bump(&mut self.by_verdict, &row.verdict);
        for f in row.findings.split(';') {
            bump(&mut self.by_finding, f);
        }
        if !row.signer_sha256.is_empty() {
            let i = *self
                .signer_index
                .entry(row.signer_sha256.clone())
                .or_insert_with(|| {
                    self.signers.push(SignerCount {
                        signer_sha256: row.signer_sha256.clone(),
                        // As the report writes it, so that a summary
                        // rebuilt from the report (merge) is the same.
                        signer_subject: super::one_line(&row.signer_subject),
                        ..SignerCount::default()
                    });
                    self.signers.len() - 1
                });
            let s = &mut self.signers[i];
            s.messages += 1;
            match row.signature.as_str() {
                "valid" => s.valid += 1,
                "invalid" => s.invalid += 1,
                _ => {}
            }
        }
    }

    /// Sorts the signer list (call once, after the last row).
    pub fn finish(&mut self, elapsed_seconds: f64) {
        self.elapsed_seconds = elapsed_seconds;
        self.signers.sort_by(|a, b| {
            b.messages
                .cmp(&a.messages)
                .then_with(|| a.signer_sha256.cmp(&b.signer_sha256))
        });
        self.signer_index.clear();
    }

    /// The summary as pretty JSON.
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// The short table printed on stderr.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let mb = self.bytes as f64 / 1e6;
        let rate = if self.elapsed_seconds > 0.0 {
            format!(
                " in {:.2} s ({:.0} msg/s, {:.1} MB/s)",
                self.elapsed_seconds,
                self.messages as f64 / self.elapsed_seconds,
                mb / self.elapsed_seconds
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "smimescan: {} messages, {:.1} MB{rate}",
            self.messages, mb
        );
        for (name, map) in [
            ("kind", &self.by_kind),
            ("signature", &self.by_signature),
            ("chain", &self.by_chain),
            ("verdict", &self.by_verdict),
            ("finding", &self.by_finding),
        ] {
            if map.is_empty() {
                continue;
            }
            let cells: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(s, "  {name:<10} {}", cells.join(", "));
        }
        if !self.signers.is_empty() {
            let _ = writeln!(s, "  signers    {} distinct; top:", self.signers.len());
            for sc in self.signers.iter().take(5) {
                let _ = writeln!(
                    s,
                    "    {:>8} msgs ({} valid, {} invalid)  {}",
                    sc.messages, sc.valid, sc.invalid, sc.signer_subject
                );
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_subject_as_written() {
        let mut s = Summary::default();
        s.add(&Row {
            signer_sha256: "ab".into(),
            signer_subject: "CN=a\r\nb".into(),
            ..Row::default()
        });
        assert_eq!(s.signers[0].signer_subject, "CN=a  b");
    }
}
