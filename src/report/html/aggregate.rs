//! The one aggregate behind the HTML report (and able to rebuild the
//! [`Summary`]): counts folded in row by row, in memory bounded by the
//! distinct values kept (months, sender domains, certificates, algorithm
//! names), never by the number of rows.
//!
//! Every figure is a sum or a min/max over rows, and every list is sorted
//! by a total order on its keys when rendered, so the aggregate of a set of
//! rows does not depend on their order: merged shards give the same
//! aggregate as one whole run. The only order-dependent step is `index`,
//! renumbered per source exactly as `merge` does (so shard reports given in
//! shard order show the whole run's `index`).

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};

/// Maps keyed by cell values: hashbrown's `entry_ref` finds a known key
/// with one lookup and no allocation; foldhash is seeded per process.
pub(crate) type HashMap<K, V> = hashbrown::HashMap<K, V>;

use crate::report::{Row, Summary};

/// How many of the most recent violations are kept.
pub(crate) const RECENT: usize = 100;

/// Longest value kept from a cell (bytes; longer ones are cut at a
/// character boundary and end in `…`): a hostile 1 MiB header cannot
/// inflate the aggregate or the page.
const MAX_CELL: usize = 512;

/// One report row as the aggregate reads it: borrowed cells.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RowView<'a> {
    pub(crate) source: &'a str,
    pub(crate) offset: u64,
    pub(crate) length: u64,
    pub(crate) message_id: &'a str,
    pub(crate) date: &'a str,
    pub(crate) from: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) signature: &'a str,
    pub(crate) chain: &'a str,
    pub(crate) signer_subject: &'a str,
    pub(crate) signer_issuer: &'a str,
    pub(crate) signer_sha256: &'a str,
    pub(crate) sender_match: &'a str,
    pub(crate) digest_alg: &'a str,
    pub(crate) signature_alg: &'a str,
    pub(crate) key_bits: &'a str,
    pub(crate) encryption_alg: &'a str,
    pub(crate) verdict: &'a str,
    pub(crate) findings: &'a str,
    pub(crate) error: &'a str,
    pub(crate) layers: &'a str,
    pub(crate) anchor: &'a str,
    pub(crate) decryption: &'a str,
    pub(crate) signer_not_after: &'a str,
}

impl<'a> From<&'a Row> for RowView<'a> {
    fn from(r: &'a Row) -> Self {
        RowView {
            source: &r.source,
            offset: r.offset,
            length: r.length,
            message_id: &r.message_id,
            date: &r.date,
            from: &r.from,
            kind: &r.kind,
            signature: &r.signature,
            chain: &r.chain,
            signer_subject: &r.signer_subject,
            signer_issuer: &r.signer_issuer,
            signer_sha256: &r.signer_sha256,
            sender_match: &r.sender_match,
            digest_alg: &r.digest_alg,
            signature_alg: &r.signature_alg,
            key_bits: &r.key_bits,
            encryption_alg: &r.encryption_alg,
            verdict: &r.verdict,
            findings: &r.findings,
            error: &r.error,
            layers: &r.layers,
            anchor: &r.anchor,
            decryption: &r.decryption,
            signer_not_after: &r.signer_not_after,
        }
    }
}

/// Cuts `s` to at most [`MAX_CELL`] bytes at a character boundary.
pub(crate) fn clip(s: &str) -> Box<str> {
    if s.len() <= MAX_CELL {
        return s.into();
    }
    let mut end = MAX_CELL - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end]).into()
}

/// Counts per distinct value, without allocating when the value is known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counter(HashMap<String, u64>);

impl Counter {
    /// Counts `key` once (empty keys are not counted).
    pub(crate) fn bump(&mut self, key: &str) {
        self.add(key, 1);
    }

    fn add(&mut self, key: &str, n: u64) {
        if !key.is_empty() {
            *entry(&mut self.0, key) += n;
        }
    }

    /// Adds another counter's counts.
    pub(crate) fn absorb(&mut self, o: &Counter) {
        for (k, &n) in &o.0 {
            self.add(k, n);
        }
    }

    /// The count of one value.
    pub(crate) fn get(&self, key: &str) -> u64 {
        self.0.get(key).copied().unwrap_or(0)
    }

    /// Sum of all counts.
    pub(crate) fn total(&self) -> u64 {
        self.0.values().sum()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// (value, count), most frequent first, then by value.
    pub(crate) fn sorted(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.0.iter().map(|(k, &n)| (&**k, n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }

    /// (value, count) by value.
    pub(crate) fn by_key(&self) -> BTreeMap<String, u64> {
        self.0.iter().map(|(k, &n)| (k.to_string(), n)).collect()
    }
}

/// Looks `key` up in a map keyed by clipped strings, inserting a default.
fn entry<'m, V: Default>(map: &'m mut HashMap<String, V>, key: &str) -> &'m mut V {
    if key.len() > MAX_CELL {
        return map.entry(clip(key).into()).or_default();
    }
    map.entry_ref(key).or_default()
}

/// A calendar month of the Date header (`year * 12 + month - 1`), or
/// `None` for rows without a (parsable) date.
pub(crate) type Month = Option<u32>;

/// The month of an RFC 3339 date (`YYYY-MM…`).
pub(crate) fn month_of(date: &str) -> Month {
    let b = date.as_bytes();
    if b.len() < 7 || b[4] != b'-' || !b[..4].iter().chain(&b[5..7]).all(u8::is_ascii_digit) {
        return None;
    }
    let y = date[..4].parse::<u32>().ok()?;
    let m = date[5..7].parse::<u32>().ok()?;
    (1..=12).contains(&m).then_some(y * 12 + m - 1)
}

/// Counts of one group of rows (a month, a sender domain).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Group {
    pub(crate) messages: u64,
    pub(crate) signed: u64,
    pub(crate) valid_trusted: u64,
    pub(crate) violations: u64,
    pub(crate) errors: u64,
    pub(crate) sender_mismatch: u64,
    /// Verdict counts (for the stacked bars of a month).
    pub(crate) verdicts: Counter,
}

impl Group {
    fn add(&mut self, r: &RowView, signed: bool, valid_trusted: bool, verdicts: bool) {
        self.messages += 1;
        self.signed += u64::from(signed);
        self.valid_trusted += u64::from(valid_trusted);
        self.violations += u64::from(r.verdict == "violation");
        self.errors += u64::from(r.verdict == "error");
        self.sender_mismatch += u64::from(r.sender_match == "no");
        if verdicts {
            self.verdicts.bump(r.verdict);
        }
    }

    /// Adds another group's counts.
    pub(crate) fn absorb(&mut self, o: &Group) {
        self.messages += o.messages;
        self.signed += o.signed;
        self.valid_trusted += o.valid_trusted;
        self.violations += o.violations;
        self.errors += o.errors;
        self.sender_mismatch += o.sender_mismatch;
        self.verdicts.absorb(&o.verdicts);
    }
}

/// One signer certificate (by `signer_sha256`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cert {
    /// The smallest non-empty value seen (one value in a sane report; a
    /// total order keeps the choice independent of row order).
    pub subject: Box<str>,
    pub(crate) issuer: Box<str>,
    pub(crate) signature_alg: Box<str>,
    pub(crate) key_bits: Box<str>,
    pub(crate) messages: u64,
    pub(crate) signature: Counter,
    pub(crate) chain: Counter,
    /// Messages judged after the certificate expired (`CERT_EXPIRED`).
    pub(crate) after_expiry: u64,
    pub(crate) weak_digest: u64,
    pub(crate) weak_key: u64,
    /// Earliest and latest Date header of its messages.
    pub(crate) first_date: Box<str>,
    pub(crate) last_date: Box<str>,
    /// The smallest `signer_not_after` value seen (one value in a sane
    /// report).
    pub(crate) not_after_text: Box<str>,
    /// notAfter (Unix seconds) when a row's `error` states it
    /// (`'<subject>' expired on <time>`, written for messages judged after
    /// it): the source for reports without a `signer_not_after` column.
    pub(crate) stated_not_after: Option<i64>,
}

impl Cert {
    /// The certificate's notAfter (Unix seconds): from `signer_not_after`,
    /// else as stated in an `error` text.
    pub(crate) fn not_after(&self) -> Option<i64> {
        crate::time::parse_rfc3339(&self.not_after_text).or(self.stated_not_after)
    }
}

fn keep_min(slot: &mut Box<str>, v: &str) {
    if !v.is_empty() && (slot.is_empty() || v < &**slot) {
        *slot = clip(v);
    }
}

fn keep_max(slot: &mut Box<str>, v: &str) {
    if !v.is_empty() && v > &**slot {
        *slot = clip(v);
    }
}

/// The notAfter of the certificate named `subject` stated in an error text.
fn stated_not_after(error: &str, subject: &str) -> Option<i64> {
    if subject.is_empty() {
        return None;
    }
    let needle = format!("'{subject}' expired on ");
    let at = error.find(&needle)? + needle.len();
    let rest = &error[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == ';' || c == ',' || c == ')')
        .unwrap_or(rest.len());
    crate::time::parse_rfc3339(&rest[..end])
}

/// Use of one algorithm value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AlgUse {
    pub(crate) messages: u64,
    /// Rows carrying the matching weakness finding (`WEAK_DIGEST`,
    /// `WEAK_KEY`, `WEAK_ENCRYPTION`).
    pub(crate) flagged: u64,
}

/// One of the most recent violations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) date: Box<str>,
    pub(crate) source: Box<str>,
    pub(crate) index: u64,
    pub(crate) offset: u64,
    pub(crate) message_id: Box<str>,
    pub(crate) from: Box<str>,
    pub(crate) findings: Box<str>,
}

/// "More recent" is greater: later Date, then earlier in the input
/// (source, offset), then the remaining fields (a total order).
fn recency(a: (&str, &str, u64), b: (&str, &str, u64)) -> Ordering {
    a.0.cmp(b.0)
        .then_with(|| b.1.cmp(a.1))
        .then_with(|| b.2.cmp(&a.2))
}

impl Ord for Violation {
    fn cmp(&self, o: &Self) -> Ordering {
        recency(
            (&self.date, &self.source, self.offset),
            (&o.date, &o.source, o.offset),
        )
        .then_with(|| o.index.cmp(&self.index))
        .then_with(|| self.message_id.cmp(&o.message_id))
        .then_with(|| self.from.cmp(&o.from))
        .then_with(|| self.findings.cmp(&o.findings))
    }
}

impl PartialOrd for Violation {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// Everything the HTML report (and the summary) shows, folded over rows.
#[derive(Debug, Clone, Default)]
pub struct Aggregate {
    pub(crate) messages: u64,
    /// Sum of `length`.
    pub(crate) bytes: u64,
    /// Rows with a `signature` value.
    pub(crate) signed: u64,
    /// `signature=valid` and `chain=trusted`.
    pub(crate) valid_trusted: u64,
    /// Enveloped / auth-enveloped rows (`kind`, or a `decryption` value).
    pub(crate) encrypted: u64,
    /// Of those, `decryption=decrypted`.
    pub(crate) decrypted: u64,
    pub(crate) by_kind: Counter,
    pub(crate) by_signature: Counter,
    pub(crate) by_chain: Counter,
    pub(crate) by_verdict: Counter,
    pub(crate) by_finding: Counter,
    pub(crate) by_decryption: Counter,
    pub(crate) by_layers: Counter,
    /// Trust anchors ending the judged paths.
    pub(crate) by_anchor: Counter,
    /// Of those, rows whose chain is `trusted`, by anchor.
    pub(crate) by_anchor_trusted: Counter,
    pub(crate) months: BTreeMap<Month, Group>,
    /// By sender domain (after the last `@` of `from`; empty = none).
    pub(crate) domains: HashMap<String, Group>,
    /// By `signer_sha256`.
    pub(crate) certs: HashMap<String, Cert>,
    pub(crate) digests: HashMap<String, AlgUse>,
    pub(crate) signature_algs: HashMap<String, AlgUse>,
    /// By signature algorithm, then key size in bits (0 = not a number).
    pub(crate) key_sizes: HashMap<String, BTreeMap<u64, AlgUse>>,
    pub(crate) encryption_algs: HashMap<String, AlgUse>,
    /// Min-heap of the [`RECENT`] most recent violations.
    recent: BinaryHeap<Reverse<Violation>>,
    pub(super) renumber: Renumber,
}

/// `index` renumbered per source as `merge` does: restarts at a new
/// source, or when the offset does not grow (the same file read again).
/// Idempotent on a whole run's rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Renumber {
    prev: Option<(Box<str>, u64)>,
    index: u64,
}

impl Renumber {
    /// Whether a row at (source, offset) continues the current run (its
    /// index is [`Renumber::index`] + 1) rather than restarting at 0.
    pub(crate) fn continues(&self, source: &str, offset: u64) -> bool {
        matches!(&self.prev, Some((src, off)) if **src == *source && offset > *off)
    }

    /// The index of the last row.
    pub(crate) fn index(&self) -> u64 {
        self.index
    }

    /// Adds `base` to the current index (a run whose first rows were
    /// numbered from 0 without knowing what preceded them).
    pub(crate) fn shift(&mut self, base: u64) {
        self.index += base;
    }

    /// The index of the next row.
    pub(crate) fn next(&mut self, source: &str, offset: u64) -> u64 {
        match &mut self.prev {
            Some((src, off)) if **src == *source && offset > *off => {
                *off = offset;
                self.index += 1;
            }
            _ => {
                self.prev = Some((source.into(), offset));
                self.index = 0;
            }
        }
        self.index
    }
}

impl Aggregate {
    /// An aggregate of no rows yet.
    pub fn new() -> Aggregate {
        Aggregate::default()
    }

    /// Folds one row in, its `index` renumbered as `merge` does.
    pub(crate) fn add(&mut self, r: &RowView) {
        let index = self.renumber.next(r.source, r.offset);
        self.add_at(r, index);
    }

    /// Folds one row in with the given `index` (as computed by a
    /// `Renumber` over the rows in order).
    pub(crate) fn add_at(&mut self, r: &RowView, index: u64) {
        self.messages += 1;
        self.bytes += r.length;
        let signed = !r.signature.is_empty();
        let valid_trusted = r.signature == "valid" && r.chain == "trusted";
        self.signed += u64::from(signed);
        self.valid_trusted += u64::from(valid_trusted);
        let encrypted =
            matches!(r.kind, "enveloped" | "auth-enveloped") || !r.decryption.is_empty();
        self.encrypted += u64::from(encrypted);
        self.decrypted += u64::from(encrypted && r.decryption == "decrypted");
        self.by_kind.bump(r.kind);
        self.by_signature.bump(r.signature);
        self.by_chain.bump(r.chain);
        self.by_verdict.bump(r.verdict);
        let (mut weak_digest, mut weak_key, mut weak_enc, mut expired) =
            (false, false, false, false);
        for f in r.findings.split(';') {
            match f {
                "" => continue,
                "WEAK_DIGEST" => weak_digest = true,
                "WEAK_KEY" => weak_key = true,
                "WEAK_ENCRYPTION" => weak_enc = true,
                "CERT_EXPIRED" => expired = true,
                _ => {}
            }
            self.by_finding.bump(f);
        }
        self.by_decryption.bump(r.decryption);
        self.by_layers.bump(r.layers);
        self.by_anchor.bump(r.anchor);
        if r.chain == "trusted" {
            self.by_anchor_trusted.bump(r.anchor);
        }

        self.months
            .entry(month_of(r.date))
            .or_default()
            .add(r, signed, valid_trusted, true);
        let domain = r.from.rsplit_once('@').map_or("", |(_, d)| d);
        if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            let lower = domain.to_ascii_lowercase();
            entry(&mut self.domains, &lower).add(r, signed, valid_trusted, false);
        } else {
            entry(&mut self.domains, domain).add(r, signed, valid_trusted, false);
        }

        if !r.signer_sha256.is_empty() {
            let c = entry(&mut self.certs, r.signer_sha256);
            keep_min(&mut c.subject, r.signer_subject);
            keep_min(&mut c.issuer, r.signer_issuer);
            keep_min(&mut c.signature_alg, r.signature_alg);
            keep_min(&mut c.key_bits, r.key_bits);
            c.messages += 1;
            c.signature.bump(r.signature);
            c.chain.bump(r.chain);
            c.after_expiry += u64::from(expired);
            c.weak_digest += u64::from(weak_digest);
            c.weak_key += u64::from(weak_key);
            keep_min(&mut c.first_date, r.date);
            keep_max(&mut c.last_date, r.date);
            keep_min(&mut c.not_after_text, r.signer_not_after);
            if r.chain == "expired" && r.signer_not_after.is_empty() {
                if let Some(t) = stated_not_after(r.error, r.signer_subject) {
                    c.stated_not_after = Some(c.stated_not_after.map_or(t, |n| n.min(t)));
                }
            }
        }
        if !r.digest_alg.is_empty() {
            let a = entry(&mut self.digests, r.digest_alg);
            a.messages += 1;
            a.flagged += u64::from(weak_digest);
        }
        if !r.signature_alg.is_empty() {
            let a = entry(&mut self.signature_algs, r.signature_alg);
            a.messages += 1;
            let bits = r.key_bits.trim().parse::<u64>().unwrap_or(0);
            let k = entry(&mut self.key_sizes, r.signature_alg)
                .entry(bits)
                .or_default();
            k.messages += 1;
            k.flagged += u64::from(weak_key);
        }
        if !r.encryption_alg.is_empty() {
            let a = entry(&mut self.encryption_algs, r.encryption_alg);
            a.messages += 1;
            a.flagged += u64::from(weak_enc);
        }

        if r.verdict == "violation" {
            let full = self.recent.len() >= RECENT;
            // Cheap test first; on a tie, the full order decides (so the
            // kept set does not depend on the order rows arrive in).
            let maybe = match self.recent.peek() {
                Some(Reverse(min)) if full => {
                    recency(
                        (r.date, r.source, r.offset),
                        (&min.date, &min.source, min.offset),
                    ) != Ordering::Less
                }
                _ => true,
            };
            if maybe {
                let v = Violation {
                    date: clip(r.date),
                    source: clip(r.source),
                    index,
                    offset: r.offset,
                    message_id: clip(r.message_id),
                    from: clip(r.from),
                    findings: clip(r.findings),
                };
                if full && self.recent.peek().is_some_and(|Reverse(min)| v <= *min) {
                    return;
                }
                self.recent.push(Reverse(v));
                if self.recent.len() > RECENT {
                    self.recent.pop();
                }
            }
        }
    }

    /// Adds the counts of an aggregate of other rows (each row in one of
    /// the two): the result equals one aggregate of all the rows.
    pub(crate) fn absorb(&mut self, o: Aggregate) {
        self.messages += o.messages;
        self.bytes += o.bytes;
        self.signed += o.signed;
        self.valid_trusted += o.valid_trusted;
        self.encrypted += o.encrypted;
        self.decrypted += o.decrypted;
        for (mine, theirs) in [
            (&mut self.by_kind, &o.by_kind),
            (&mut self.by_signature, &o.by_signature),
            (&mut self.by_chain, &o.by_chain),
            (&mut self.by_verdict, &o.by_verdict),
            (&mut self.by_finding, &o.by_finding),
            (&mut self.by_decryption, &o.by_decryption),
            (&mut self.by_layers, &o.by_layers),
            (&mut self.by_anchor, &o.by_anchor),
            (&mut self.by_anchor_trusted, &o.by_anchor_trusted),
        ] {
            mine.absorb(theirs);
        }
        for (m, g) in &o.months {
            self.months.entry(*m).or_default().absorb(g);
        }
        for (d, g) in &o.domains {
            entry(&mut self.domains, d).absorb(g);
        }
        for (sha, c) in o.certs {
            let mine = entry(&mut self.certs, &sha);
            keep_min(&mut mine.subject, &c.subject);
            keep_min(&mut mine.issuer, &c.issuer);
            keep_min(&mut mine.signature_alg, &c.signature_alg);
            keep_min(&mut mine.key_bits, &c.key_bits);
            mine.messages += c.messages;
            mine.signature.absorb(&c.signature);
            mine.chain.absorb(&c.chain);
            mine.after_expiry += c.after_expiry;
            mine.weak_digest += c.weak_digest;
            mine.weak_key += c.weak_key;
            keep_min(&mut mine.first_date, &c.first_date);
            keep_max(&mut mine.last_date, &c.last_date);
            keep_min(&mut mine.not_after_text, &c.not_after_text);
            mine.stated_not_after = match (mine.stated_not_after, c.stated_not_after) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        for (mine, theirs) in [
            (&mut self.digests, &o.digests),
            (&mut self.signature_algs, &o.signature_algs),
            (&mut self.encryption_algs, &o.encryption_algs),
        ] {
            for (k, u) in theirs {
                let a = entry(mine, k);
                a.messages += u.messages;
                a.flagged += u.flagged;
            }
        }
        for (alg, sizes) in &o.key_sizes {
            let mine = entry(&mut self.key_sizes, alg);
            for (bits, u) in sizes {
                let a = mine.entry(*bits).or_default();
                a.messages += u.messages;
                a.flagged += u.flagged;
            }
        }
        for v in o.recent {
            self.recent.push(v);
            if self.recent.len() > RECENT {
                self.recent.pop();
            }
        }
    }

    /// Adds `base` to the `index` of the kept violations (rows numbered
    /// from 0 before what precedes them was known). The order among them
    /// does not change, so the kept ones stay the most recent.
    pub(crate) fn shift_indexes(&mut self, base: u64) {
        if base == 0 {
            return;
        }
        let mut v = std::mem::take(&mut self.recent).into_vec();
        for Reverse(x) in &mut v {
            x.index += base;
        }
        self.recent = BinaryHeap::from(v);
    }

    /// Folds one full row in.
    pub fn add_row(&mut self, row: &Row) {
        self.add(&RowView::from(row));
    }

    /// The most recent violations, most recent first.
    pub(crate) fn recent_violations(&self) -> Vec<&Violation> {
        let mut v: Vec<&Violation> = self.recent.iter().map(|Reverse(v)| v).collect();
        v.sort_by(|a, b| b.cmp(a));
        v
    }

    /// Violations counted in total (all rows, not only the kept ones).
    pub(crate) fn violations(&self) -> u64 {
        self.by_verdict.get("violation")
    }

    /// The run summary these rows give (`elapsed_seconds` 0), equal to the
    /// one [`Summary::add`] builds.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        s.messages = self.messages;
        s.bytes = self.bytes;
        s.by_kind = self.by_kind.by_key();
        s.by_signature = self.by_signature.by_key();
        s.by_chain = self.by_chain.by_key();
        s.by_verdict = self.by_verdict.by_key();
        s.by_finding = self.by_finding.by_key();
        s.signers = self
            .certs
            .iter()
            .map(|(sha, c)| crate::report::summary::SignerCount {
                signer_sha256: sha.to_string(),
                signer_subject: c.subject.to_string(),
                messages: c.messages,
                valid: c.signature.get("valid"),
                invalid: c.signature.get("invalid"),
            })
            .collect();
        s.finish(0.0);
        s
    }
}
