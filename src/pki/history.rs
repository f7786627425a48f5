//! Trust history: which built-in roots Mozilla's NSS trusted for e-mail at
//! a given time (SPEC "Trust history", `--builtin-trust asof`).
//!
//! # Data
//!
//! `data/trust-history/` holds verbatim copies of the extraction of the
//! whole history of NSS's `certdata.txt` (2000–2026; provenance and caveats
//! in its README): `email-roots-history.csv` (one row per root and interval
//! of e-mail trust), `email-roots-ever.pem` (the 309 certificates) and
//! `releases.csv` (the date of each NSS release tag). They are compiled in
//! with `include_str!` and parsed once, at first use.
//!
//! # Semantics
//!
//! - A change counts from the first NSS release that shipped it (the commit
//!   date of its tag); when no release shipped it, from its commit date. A
//!   root added and removed before any release (USPS, 2001) never counts.
//! - An interval is half-open: trusted from `from` (inclusive) until
//!   `until` (exclusive).
//! - An e-mail distrust-after date D applies only at times at or after the
//!   date the distrust was set (it is not retroactive), and then only to
//!   leaf certificates whose notBefore is after D.
//! - From [`TrustHistory::current_from`] (the last recorded change) on, the
//!   `certval_stores_mozilla` snapshot (CCADB, newer than the history's last
//!   version) is the set: where the two differ, the snapshot wins after that
//!   date and the history before it.
//!
//! # Index
//!
//! Every boundary (start, end, distrust set) cuts time into epochs; each
//! epoch holds a bitset of the roots trusted throughout it and the
//! distrust-after dates in force. A query is one binary search over a few
//! hundred epoch starts plus a bit test.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::cert::Cert;
use super::store::{pem_blocks, LoadError};
use crate::time::{parse_rfc3339, rfc3339};

/// End of an interval that is still open.
pub const OPEN: i64 = i64::MAX;

const HISTORY_CSV: &str = include_str!("../../data/trust-history/email-roots-history.csv");
const ROOTS_PEM: &str = include_str!("../../data/trust-history/email-roots-ever.pem");
const RELEASES_CSV: &str = include_str!("../../data/trust-history/releases.csv");

/// Label of the spans that come from the `certval_stores_mozilla` snapshot.
pub(crate) const SNAPSHOT_LABEL: &str = "certval_stores_mozilla 1.0.0-rc.1 (CCADB 2026-10-25)";

/// An e-mail distrust-after date and when it took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrustAfter {
    /// Leaves with notBefore after this are not trusted under the root.
    pub after: i64,
    /// From when the date applied (release, else commit date).
    pub set_at: i64,
    /// The release (or commit) that set it.
    pub set_label: String,
}

/// One interval during which a root was trusted for e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Start of the trust, Unix seconds (the release that added it).
    pub from: i64,
    /// [`OPEN`] when still trusted.
    pub until: i64,
    /// The release that added the trust (or `commit …`, or the snapshot).
    pub from_label: String,
    /// The release that removed it; empty while open.
    pub until_label: String,
    /// An e-mail distrust-after date set during the span: leaves whose
    /// notBefore is after it are not anchored even within the span.
    pub distrust: Option<DistrustAfter>,
}

impl Span {
    fn contains(&self, t: i64) -> bool {
        self.from <= t && t < self.until
    }
}

/// A built-in root and the intervals of its e-mail trust.
#[derive(Debug, Clone)]
pub struct BuiltinRoot {
    /// The root certificate as Mozilla shipped it.
    pub cert: Arc<Cert>,
    /// Sorted, disjoint.
    pub spans: Vec<Span>,
}

/// Why a built-in root does not anchor a chain at some time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not trusted for e-mail at that time.
    NotTrusted,
    /// Trusted, but the leaf was issued after this distrust-after date.
    DistrustedAfter(i64),
}

struct Epoch {
    start: i64,
    /// Bit `i` set: root `i` trusted throughout the epoch.
    active: Box<[u64]>,
    /// (root, distrust-after date) in force during the epoch.
    distrust: Box<[(u32, i64)]>,
}

/// The roots and their epochs.
pub struct TrustHistory {
    roots: Vec<BuiltinRoot>,
    current_from: i64,
    epochs: Vec<Epoch>,
}

/// An epoch of a [`TrustHistory`]: what a chain judged at one time may rest on.
#[derive(Clone, Copy)]
pub(crate) struct Epochal<'a> {
    history: &'a TrustHistory,
    epoch: usize,
}

impl<'a> Epochal<'a> {
    /// Whether root `i` anchors a chain whose leaf has `leaf_not_before`.
    pub(crate) fn allows(&self, i: usize, leaf_not_before: i64) -> Result<(), Refusal> {
        let e = &self.history.epochs[self.epoch];
        if e.active
            .get(i / 64)
            .is_none_or(|w| w & (1 << (i % 64)) == 0)
        {
            return Err(Refusal::NotTrusted);
        }
        match e.distrust.iter().find(|(r, _)| *r as usize == i) {
            Some(&(_, d)) if leaf_not_before > d => Err(Refusal::DistrustedAfter(d)),
            _ => Ok(()),
        }
    }

    /// Indexes of the roots trusted in this epoch.
    pub(crate) fn trusted(&self) -> impl Iterator<Item = usize> + 'a {
        let e = &self.history.epochs[self.epoch];
        (0..self.history.roots.len()).filter(move |&i| e.active[i / 64] & (1 << (i % 64)) != 0)
    }

    /// The distrust-after date in force for root `i`, if any.
    pub(crate) fn distrust_after(&self, i: usize) -> Option<i64> {
        self.history.epochs[self.epoch]
            .distrust
            .iter()
            .find(|(r, _)| *r as usize == i)
            .map(|&(_, d)| d)
    }
}

static BUILTIN: OnceLock<Result<Arc<TrustHistory>, LoadError>> = OnceLock::new();

impl TrustHistory {
    /// The compiled-in history combined with the `certval_stores_mozilla`
    /// e-mail roots, parsed at first use.
    pub fn builtin() -> Result<Arc<TrustHistory>, &'static LoadError> {
        BUILTIN
            .get_or_init(|| {
                let current: Vec<&[u8]> = certval_stores_mozilla::EMAIL_ROOTS.to_vec();
                TrustHistory::parse(HISTORY_CSV, ROOTS_PEM, RELEASES_CSV, &current).map(Arc::new)
            })
            .as_ref()
            .map(Arc::clone)
    }

    /// Builds the history from the extraction's CSV and PEM, the release
    /// dates, and the current snapshot (DER), which applies from the last
    /// recorded change on.
    pub(crate) fn parse(
        history_csv: &str,
        pem: &str,
        releases_csv: &str,
        current: &[&[u8]],
    ) -> Result<TrustHistory, LoadError> {
        let mut release_dates: HashMap<String, i64> = HashMap::new();
        let mut rd = csv::Reader::from_reader(releases_csv.as_bytes());
        let h = rd
            .headers()
            .map_err(|e| LoadError::History(format!("releases: {e}")))?
            .clone();
        let col = |name: &str| {
            h.iter()
                .position(|c| c == name)
                .ok_or_else(|| LoadError::History(format!("releases: no column {name}")))
        };
        let (tag_c, date_c) = (col("tag")?, col("commit_date")?);
        for rec in rd.records() {
            let rec = rec.map_err(|e| LoadError::History(format!("releases: {e}")))?;
            let date = parse_rfc3339(&rec[date_c]).ok_or_else(|| {
                LoadError::History(format!("releases: bad date {}", &rec[date_c]))
            })?;
            release_dates.insert(rec[tag_c].to_string(), date);
        }

        let release = |tag: &str| release_dates.get(tag).copied();

        let mut certs: HashMap<[u8; 32], Arc<Cert>> = HashMap::new();
        for (label, der) in pem_blocks(pem.as_bytes()) {
            if label != "CERTIFICATE" {
                continue;
            }
            let c = Cert::from_der(&der)
                .map_err(|e| LoadError::History(format!("history PEM: {e}")))?;
            certs.insert(c.sha256, Arc::new(c));
        }

        // Rows in file order (ordered by first e-mail trust).
        let mut rows: Vec<([u8; 32], Span)> = Vec::new();
        let mut rd = csv::Reader::from_reader(history_csv.as_bytes());
        let h = rd
            .headers()
            .map_err(|e| LoadError::History(format!("history: {e}")))?
            .clone();
        let col = |name: &str| {
            h.iter()
                .position(|c| c == name)
                .ok_or_else(|| LoadError::History(format!("history: no column {name}")))
        };
        let c_sha = col("sha256")?;
        let c_from = col("email_trusted_from")?;
        let c_until = col("email_trusted_until")?;
        let c_from_rel = col("from_release")?;
        let c_until_rel = col("until_release")?;
        let c_da = col("email_distrust_after")?;
        let c_da_from = col("email_distrust_after_from")?;
        let c_da_rel = col("email_distrust_after_from_release")?;
        let c_from_commit = col("from_commit")?;
        let c_until_commit = col("until_commit")?;
        for (n, rec) in rd.records().enumerate() {
            let rec = rec.map_err(|e| LoadError::History(format!("history: {e}")))?;
            let bad = |what: &str| LoadError::History(format!("history row {}: bad {what}", n + 2));
            let sha = hex32(&rec[c_sha]).ok_or_else(|| bad("sha256"))?;
            if !certs.contains_key(&sha) {
                return Err(LoadError::History(format!(
                    "history row {}: certificate not in the PEM",
                    n + 2
                )));
            }
            // Release date decides; the commit date when no release shipped it.
            let when = |rel_c: usize, commit_date: &str, commit_c: usize| {
                let rel = &rec[rel_c];
                match release(rel) {
                    Some(t) if !rel.is_empty() => Some((t, rel.to_string())),
                    _ => parse_rfc3339(commit_date)
                        .map(|t| (t, format!("commit {}", short(&rec[commit_c])))),
                }
            };
            let (from, from_label) =
                when(c_from_rel, &rec[c_from], c_from_commit).ok_or_else(|| bad("from"))?;
            let (until, until_label) = if rec[c_until].is_empty() {
                (OPEN, String::new())
            } else {
                when(c_until_rel, &rec[c_until], c_until_commit).ok_or_else(|| bad("until"))?
            };
            let distrust = if rec[c_da].is_empty() {
                None
            } else {
                let after = parse_rfc3339(&rec[c_da]).ok_or_else(|| bad("distrust-after"))?;
                let rel = &rec[c_da_rel];
                let (set_at, set_label) = match release(rel) {
                    Some(t) if !rel.is_empty() => (t, rel.to_string()),
                    _ => (
                        parse_rfc3339(&rec[c_da_from])
                            .ok_or_else(|| bad("distrust-after set date"))?,
                        format!("commit of {}", &rec[c_da_from]),
                    ),
                };
                Some(DistrustAfter {
                    after,
                    set_at,
                    set_label,
                })
            };
            rows.push((
                sha,
                Span {
                    from,
                    until,
                    from_label,
                    until_label,
                    distrust,
                },
            ));
        }

        // The last recorded change: from then on the snapshot is the set.
        let current_from = rows
            .iter()
            .flat_map(|(_, s)| {
                [
                    Some(s.from),
                    (s.until != OPEN).then_some(s.until),
                    s.distrust.as_ref().map(|d| d.set_at),
                ]
            })
            .flatten()
            .max()
            .unwrap_or(i64::MIN);

        let mut roots: Vec<BuiltinRoot> = Vec::new();
        let mut index: HashMap<[u8; 32], usize> = HashMap::new();
        for (sha, mut span) in rows {
            // The history ends where the snapshot takes over.
            if span.until > current_from {
                span.until = current_from;
                span.until_label = format!("not in {SNAPSHOT_LABEL}");
            }
            let i = *index.entry(sha).or_insert_with(|| {
                roots.push(BuiltinRoot {
                    cert: certs[&sha].clone(),
                    spans: Vec::new(),
                });
                roots.len() - 1
            });
            roots[i].spans.push(span);
        }
        for der in current {
            let c = Cert::from_der(der)
                .map_err(|e| LoadError::History(format!("built-in Mozilla root: {e}")))?;
            let span = Span {
                from: current_from,
                until: OPEN,
                from_label: SNAPSHOT_LABEL.to_string(),
                until_label: String::new(),
                distrust: None,
            };
            match index.get(&c.sha256) {
                Some(&i) => roots[i].spans.push(span),
                None => {
                    index.insert(c.sha256, roots.len());
                    roots.push(BuiltinRoot {
                        cert: Arc::new(c),
                        spans: vec![span],
                    });
                }
            }
        }
        Ok(TrustHistory::from_roots(roots, current_from))
    }

    /// Builds the index over `roots` (the test tables inject theirs here).
    /// Spans are sorted; empty ones dropped; adjacent ones without
    /// distrust-after joined.
    pub fn from_roots(mut roots: Vec<BuiltinRoot>, current_from: i64) -> TrustHistory {
        for r in &mut roots {
            r.spans.retain(|s| s.from < s.until);
            r.spans.sort_by_key(|s| (s.from, s.until));
            let mut joined: Vec<Span> = Vec::with_capacity(r.spans.len());
            for s in r.spans.drain(..) {
                match joined.last_mut() {
                    Some(p)
                        if p.until >= s.from && p.distrust.is_none() && s.distrust.is_none() =>
                    {
                        if s.until > p.until {
                            p.until = s.until;
                            p.until_label = s.until_label;
                        }
                    }
                    _ => joined.push(s),
                }
            }
            r.spans = joined;
        }
        let mut starts: Vec<i64> = vec![i64::MIN];
        for s in roots.iter().flat_map(|r| &r.spans) {
            starts.push(s.from);
            if s.until != OPEN {
                starts.push(s.until);
            }
            if let Some(d) = &s.distrust {
                starts.push(d.set_at);
            }
        }
        starts.sort_unstable();
        starts.dedup();
        let words = roots.len().div_ceil(64).max(1);
        let epochs = starts
            .into_iter()
            .map(|t| {
                let mut active = vec![0u64; words];
                let mut distrust = Vec::new();
                for (i, r) in roots.iter().enumerate() {
                    if let Some(s) = r.spans.iter().find(|s| s.contains(t)) {
                        active[i / 64] |= 1 << (i % 64);
                        if let Some(d) = s.distrust.as_ref().filter(|d| t >= d.set_at) {
                            distrust.push((i as u32, d.after));
                        }
                    }
                }
                Epoch {
                    start: t,
                    active: active.into_boxed_slice(),
                    distrust: distrust.into_boxed_slice(),
                }
            })
            .collect();
        TrustHistory {
            roots,
            current_from,
            epochs,
        }
    }

    /// The roots, each with its spans.
    pub fn roots(&self) -> &[BuiltinRoot] {
        &self.roots
    }

    /// From when the current snapshot is the set (the last recorded change).
    pub fn current_from(&self) -> i64 {
        self.current_from
    }

    /// Number of epochs (distinct trusted sets over time).
    #[cfg(test)]
    fn epoch_count(&self) -> usize {
        self.epochs.len()
    }

    /// The epoch holding time `t`.
    pub(crate) fn at(&self, t: i64) -> Epochal<'_> {
        let epoch = self
            .epochs
            .partition_point(|e| e.start <= t)
            .saturating_sub(1);
        Epochal {
            history: self,
            epoch,
        }
    }

    /// The span of root `i` holding `t`, if any.
    pub(crate) fn span_at(&self, i: usize, t: i64) -> Option<&Span> {
        self.roots[i].spans.iter().find(|s| s.contains(t))
    }

    /// Why root `i` refused (for messages): its intervals, as text.
    pub(crate) fn describe(&self, i: usize) -> String {
        let spans: Vec<String> = self.roots[i]
            .spans
            .iter()
            .map(|s| {
                let until = if s.until == OPEN {
                    "now".to_string()
                } else {
                    day(s.until)
                };
                format!("{} to {}", day(s.from), until)
            })
            .collect();
        if spans.is_empty() {
            "never".to_string()
        } else {
            spans.join(", ")
        }
    }

    /// Writes the `roots` listing as of `t`: CSV with a header, one line
    /// per root trusted at `t`, sorted by subject.
    pub(crate) fn write_roots<W: std::io::Write>(&self, t: i64, out: W) -> Result<(), String> {
        let mut w = csv::Writer::from_writer(out);
        let err = |e: csv::Error| e.to_string();
        w.write_record([
            "subject",
            "sha256",
            "trusted_from",
            "trusted_until",
            "from_release",
            "until_release",
            "distrust_after",
            "distrust_set",
        ])
        .map_err(err)?;
        let e = self.at(t);
        let mut list: Vec<usize> = e.trusted().collect();
        list.sort_by(|&a, &b| self.roots[a].cert.subject.cmp(&self.roots[b].cert.subject));
        for i in list {
            let r = &self.roots[i];
            let Some(s) = self.span_at(i, t) else {
                continue;
            };
            let (da, da_set) = match (&s.distrust, e.distrust_after(i)) {
                (Some(d), Some(_)) => (rfc3339(d.after), d.set_label.clone()),
                _ => (String::new(), String::new()),
            };
            let sha: String = r.cert.sha256.iter().map(|b| format!("{b:02x}")).collect();
            w.write_record([
                crate::report::one_line(&r.cert.subject),
                sha,
                rfc3339(s.from),
                if s.until == OPEN {
                    String::new()
                } else {
                    rfc3339(s.until)
                },
                s.from_label.clone(),
                s.until_label.clone(),
                da,
                da_set,
            ])
            .map_err(err)?;
        }
        w.flush().map_err(|e| e.to_string())
    }
}

fn day(t: i64) -> String {
    rfc3339(t).get(..10).unwrap_or_default().to_string()
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDTRUST: &str = "687fa451382278fff0c8b11f8d43d576671c6eb2bceab413fb83d965d06d2ff2";
    const SYMANTEC_C2_G6: &str = "cb627d18b58ad56dde331a30456bc65c601a4e9b18dedcea08e7daaa07815ff0";
    const EQUIFAX_EBUSINESS: &str =
        "cf56ff46a4a186109dd96584b5eeb58a510c4275b0e5f94f40bbae865e19f673";
    const USPS_ROOT: &str = "c89cd722bf8ba94f08cfb7dd65325b936db3b4171d20bb320a12c286b0c67c2e";

    fn t(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }

    fn idx(h: &TrustHistory, sha: &str) -> usize {
        let sha = hex32(sha).unwrap();
        h.roots()
            .iter()
            .position(|r| r.cert.sha256 == sha)
            .expect("root in the history")
    }

    #[test]
    fn builtin_parses_every_root_once() {
        let h = TrustHistory::builtin().unwrap();
        // 309 certificates ever e-mail-trusted, plus the snapshot's roots
        // that NSS never listed (SECOM, Telia x2, SecureSign).
        assert_eq!(h.roots().len(), 309 + 4);
        assert!(h.epoch_count() < 400, "{} epochs", h.epoch_count());
        assert_eq!(h.current_from(), t("2026-04-16T20:47:01Z"), "NSS_3_123_RTM");
    }

    /// The counts the data's README checked independently, each equal to
    /// the count of the latest release before the date.
    #[test]
    fn counts_match_the_releases_of_the_time() {
        let h = TrustHistory::builtin().unwrap();
        for (date, n) in [
            ("2010-01-01T00:00:00Z", 129),
            ("2015-01-01T00:00:00Z", 127),
            ("2020-01-01T00:00:00Z", 107),
            ("2025-01-01T00:00:00Z", 107),
        ] {
            assert_eq!(h.at(t(date)).trusted().count(), n, "{date}");
        }
        // Today: the certval_stores_mozilla snapshot, 88 e-mail roots.
        assert_eq!(h.at(t("2026-12-01T00:00:00Z")).trusted().count(), 88);
        assert_eq!(h.at(OPEN - 1).trusted().count(), 88);
        assert_eq!(h.at(i64::MIN).trusted().count(), 0);
    }

    /// AddTrust External CA Root: NSS 3.3 (2001-07-11) to NSS 3.54
    /// (2020-06-26); the commit dates (2001-05-17, 2020-06-12) do not decide.
    #[test]
    fn addtrust_edges_follow_the_releases() {
        let h = TrustHistory::builtin().unwrap();
        let i = idx(&h, ADDTRUST);
        let ok = |s: &str| h.at(t(s)).allows(i, 0);
        assert_eq!(ok("2001-05-17T16:08:19Z"), Err(Refusal::NotTrusted));
        assert_eq!(ok("2001-07-11T23:58:00Z"), Err(Refusal::NotTrusted));
        assert_eq!(ok("2001-07-11T23:58:01Z"), Ok(()));
        assert_eq!(ok("2019-06-01T00:00:00Z"), Ok(()));
        assert_eq!(ok("2020-06-12T21:35:09Z"), Ok(()));
        assert_eq!(ok("2020-06-26T15:38:50Z"), Ok(()));
        assert_eq!(ok("2020-06-26T15:38:51Z"), Err(Refusal::NotTrusted));
        assert_eq!(ok("2026-12-01T00:00:00Z"), Err(Refusal::NotTrusted));
    }

    /// Symantec Class 2 G6: NSS 3.28.1 (2017-01-04) to NSS 3.95
    /// (2023-11-16); distrust-after 2022-08-31 set by NSS 3.63 (2021-03-18),
    /// for leaves issued after that date only.
    #[test]
    fn symantec_g6_distrust_after_is_not_retroactive() {
        let h = TrustHistory::builtin().unwrap();
        let i = idx(&h, SYMANTEC_C2_G6);
        let d = t("2022-08-31T00:00:00Z");
        let late_leaf = d + 1;
        let at = |s: &str, nb: i64| h.at(t(s)).allows(i, nb);
        assert_eq!(at("2017-01-04T14:24:23Z", 0), Err(Refusal::NotTrusted));
        assert_eq!(at("2017-01-04T14:24:24Z", 0), Ok(()));
        // Before the distrust was set, even a (future-dated) late leaf passes.
        assert_eq!(at("2021-02-23T08:34:43Z", late_leaf), Ok(()));
        assert_eq!(at("2021-03-18T14:22:41Z", late_leaf), Ok(()));
        // From NSS 3.63 on: leaves issued after D refused, at or before D fine.
        assert_eq!(
            at("2021-03-18T14:22:42Z", late_leaf),
            Err(Refusal::DistrustedAfter(d))
        );
        assert_eq!(at("2021-03-18T14:22:42Z", d), Ok(()));
        assert_eq!(
            at("2023-01-01T00:00:00Z", late_leaf),
            Err(Refusal::DistrustedAfter(d))
        );
        assert_eq!(at("2023-01-01T00:00:00Z", d - 86_400), Ok(()));
        assert_eq!(at("2023-11-16T16:25:17Z", d), Ok(()));
        assert_eq!(at("2023-11-16T16:25:18Z", d), Err(Refusal::NotTrusted));
    }

    #[test]
    fn equifax_ebusiness_trusted_in_2002_not_today() {
        let h = TrustHistory::builtin().unwrap();
        let i = idx(&h, EQUIFAX_EBUSINESS);
        assert_eq!(h.at(t("2002-08-28T18:55:43Z")).allows(i, 0), Ok(()));
        assert_eq!(
            h.at(t("2026-12-01T00:00:00Z")).allows(i, 0),
            Err(Refusal::NotTrusted)
        );
        assert_eq!(h.describe(i), "2001-07-11 to 2016-09-26");
    }

    /// Added and removed before any release shipped it: never trusted.
    #[test]
    fn unreleased_usps_root_never_trusted() {
        let h = TrustHistory::builtin().unwrap();
        let i = idx(&h, USPS_ROOT);
        assert!(h.roots()[i].spans.is_empty());
        assert_eq!(
            h.at(t("2001-06-01T00:00:00Z")).allows(i, 0),
            Err(Refusal::NotTrusted)
        );
    }

    fn span(from: i64, until: i64, distrust: Option<(i64, i64)>) -> Span {
        Span {
            from,
            until,
            from_label: format!("r{from}"),
            until_label: format!("r{until}"),
            distrust: distrust.map(|(after, set_at)| DistrustAfter {
                after,
                set_at,
                set_label: String::new(),
            }),
        }
    }

    /// An injected table: edges no real mail reaches (several intervals,
    /// empty and touching ones, distrust set inside an interval, open end).
    #[test]
    fn injected_table_edges() {
        let real = TrustHistory::builtin().unwrap();
        let c = |n: usize| real.roots()[n].cert.clone();
        let roots = vec![
            BuiltinRoot {
                cert: c(0),
                spans: vec![
                    span(300, 400, None),
                    span(100, 200, None),
                    span(200, 250, None),
                ],
            },
            BuiltinRoot {
                cert: c(1),
                spans: vec![span(150, OPEN, Some((120, 180))), span(50, 50, None)],
            },
        ];
        let h = TrustHistory::from_roots(roots, 1000);
        // Touching spans joined, empty one dropped.
        assert_eq!(h.roots()[0].spans.len(), 2);
        assert_eq!(h.roots()[1].spans.len(), 1);
        let ok = |t: i64, i: usize, nb: i64| h.at(t).allows(i, nb);
        assert_eq!(ok(99, 0, 0), Err(Refusal::NotTrusted));
        assert_eq!(ok(100, 0, 0), Ok(()));
        assert_eq!(ok(249, 0, 0), Ok(()));
        assert_eq!(ok(250, 0, 0), Err(Refusal::NotTrusted));
        assert_eq!(ok(300, 0, 0), Ok(()));
        assert_eq!(ok(400, 0, 0), Err(Refusal::NotTrusted));
        assert_eq!(ok(i64::MIN, 0, 0), Err(Refusal::NotTrusted));
        assert_eq!(ok(50, 1, 0), Err(Refusal::NotTrusted));
        assert_eq!(ok(179, 1, 121), Ok(()));
        assert_eq!(ok(180, 1, 121), Err(Refusal::DistrustedAfter(120)));
        assert_eq!(ok(180, 1, 120), Ok(()));
        assert_eq!(ok(i64::MAX, 1, 121), Err(Refusal::DistrustedAfter(120)));
        assert_eq!(ok(i64::MAX, 1, 0), Ok(()));
        // Out-of-range root indexes are refused, not a panic.
        assert_eq!(ok(200, 7, 0), Err(Refusal::NotTrusted));
    }

    #[test]
    fn roots_listing_as_of_2002() {
        let h = TrustHistory::builtin().unwrap();
        let mut out = Vec::new();
        h.write_roots(t("2002-08-28T00:00:00Z"), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "subject,sha256,trusted_from,trusted_until,from_release,until_release,distrust_after,distrust_set"
        );
        assert_eq!(
            lines.len() - 1,
            h.at(t("2002-08-28T00:00:00Z")).trusted().count()
        );
        let eq = lines
            .iter()
            .find(|l| l.contains(EQUIFAX_EBUSINESS))
            .unwrap();
        assert!(eq.contains("Equifax Secure eBusiness CA-1"), "{eq}");
        assert!(
            eq.contains("2001-07-11T23:58:01Z,2016-09-26T06:00:51Z,NSS_3_3_RTM,NSS_3_27_RTM,,"),
            "{eq}"
        );
    }
}
