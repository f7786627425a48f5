//! One message → one report row (all columns but the position ones).
//!
//! Cells are written as found; the report writer makes each one line.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::cms::{self, CmsKind, SigStatus, SignedOutcome};
use crate::mime::{self, MessageKind, Smime, SmimePart};
use crate::pki::chain::{ChainOutcome, ChainStatus};
use crate::pki::{identity, Cert};
use crate::policy::{self, Facts, Finding};
use crate::report::Row;
use crate::time::rfc3339;

use super::{AtMode, Context};

/// Analyzes one RFC 5322 message.
pub fn analyze(raw: &[u8], ctx: &Context) -> Row {
    analyze_marked(raw, None, ctx)
}

/// [`analyze`] with the offsets of the message's lines that start with `-`
/// (see `mime::find_smime_marked`).
pub fn analyze_marked(raw: &[u8], dash_lines: Option<&[u32]>, ctx: &Context) -> Row {
    let mut row = Row::default();
    let mut findings = BTreeSet::new();
    let Some(id) = mime::identity(raw) else {
        // Not read as a message (its first line is not a field): when it
        // names a pkcs7 type it may be a signed message whose first line
        // was damaged, which OpenSSL would still verify: fail closed.
        let e = "no header block: not an RFC 5322 message".to_owned();
        return malformed(row, e, mime::names_pkcs7(raw), ctx);
    };
    row.message_id = id.message_id.clone();
    row.date = id.date.map(rfc3339).unwrap_or_default();
    row.from = id.from.clone().unwrap_or_default();

    let walk = mime::walk(raw, dash_lines, &ctx.limits);
    if let Some(limit) = walk.limit {
        // What lies past the limit was not seen: a message that holds a
        // signature (before the limit, or named anywhere in its bytes)
        // fails closed, so padding a tampered message cannot pass a gate.
        let signed = walk.outermost.is_some() || !walk.others.is_empty() || mime::names_pkcs7(raw);
        return malformed(row, limit.to_string(), signed, ctx);
    }
    let mut kind = MessageKind::Plain;
    let mut signed: Option<SignedOutcome> = None;
    // Every structure but the reported one, with the decrypted layers'
    // own, shares one budget and one list of problems.
    let mut others = Others::new(ctx, &id, walk.others.len());
    if let Some(found) = &walk.outermost {
        row.part = found.part.clone();
        let s = structure(found, ctx, Source::Message);
        kind = s.kind;
        signed = s.signed;
        if let Some(alg) = s.encryption_alg {
            if ctx.policy.is_weak_encryption(&alg) {
                findings.insert(Finding::WeakEncryption);
            }
            row.encryption_alg = alg;
        }
        if let Some(e) = s.error {
            row.error = e;
        }
    }
    row.kind = kind.as_str().to_owned();
    row.layers = match kind {
        MessageKind::Signed => "signed",
        MessageKind::SignedOpaque => "signed-opaque",
        MessageKind::Enveloped => "enveloped",
        MessageKind::AuthEnveloped => "auth-enveloped",
        _ => "",
    }
    .to_owned();
    if matches!(kind, MessageKind::Enveloped | MessageKind::AuthEnveloped) {
        let blob = match walk.outermost.as_ref().map(|f| &f.smime) {
            Some(Smime::Pkcs7Mime { blob: Ok(b), .. }) => Some(b.as_slice()),
            _ => None,
        };
        signed = super::decrypt::open_message(blob, ctx, &mut row, &mut findings, &mut others);
    }

    if let Some(s) = &signed {
        if !row.part.is_empty() {
            findings.insert(Finding::PartialSignature);
        }
        fill_signed(&mut row, &mut findings, s, &id, ctx);
    } else {
        // Not signed (a signed kind always has a SignedOutcome, even a
        // malformed one): does the policy require this sender to sign?
        if let Some(a) = id.from.as_deref().or(id.sender.as_deref()) {
            if ctx.policy.requires_signed(a) {
                findings.insert(Finding::UnsignedRequired);
            }
        }
    }
    others.walk(&walk, "", 1, Counted::Already, Source::Message);
    let others_signed = others.finish(&mut row, &mut findings);
    if signed.is_some() || others_signed {
        ambiguous_header(&id, walk.skipped_lines, &mut row, &mut findings);
    }

    findings.retain(|f| ctx.policy.enabled(*f));
    let facts = Facts {
        malformed: false,
        signed: signed.is_some(),
        encrypted: matches!(kind, MessageKind::Enveloped | MessageKind::AuthEnveloped),
        signature: &row.signature,
        chain: &row.chain,
    };
    row.verdict = policy::verdict(&facts, &findings).as_str().to_owned();
    row.findings = policy::findings_text(&findings);
    row
}

/// What one S/MIME or PGP structure is.
pub(super) struct Structure {
    pub(crate) kind: MessageKind,
    /// Present for the signed kinds (a malformed signature included).
    pub(crate) signed: Option<SignedOutcome>,
    pub(crate) encryption_alg: Option<String>,
    /// Detail for a structure that is not a signature (e.g. undecodable
    /// enveloped data).
    pub(crate) error: Option<String>,
}

/// Where a structure was found: in the message as read, or in content
/// decrypted with `--keys`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Message,
    /// Inside a decrypted layer: MIME errors, which can quote the entity's
    /// bytes (a boundary, a protocol, a base64 character), are withheld,
    /// and no mbox `>From ` unquoting applies.
    Decrypted,
}

/// The detail given instead of a MIME error inside decrypted content.
pub(super) const WITHHELD: &str =
    "S/MIME structure inside decrypted content is not well-formed (detail withheld: decrypted bytes)";

/// Decodes and verifies one structure (signatures only; chains are the
/// caller's).
pub(super) fn structure(found: &SmimePart, ctx: &Context, source: Source) -> Structure {
    let mime_error = |e: &mime::MimeError| match source {
        Source::Message => e.to_string(),
        Source::Decrypted => WITHHELD.to_owned(),
    };
    let mut s = Structure {
        kind: MessageKind::Plain,
        signed: None,
        encryption_alg: None,
        error: None,
    };
    match &found.smime {
        Smime::PgpSigned => s.kind = MessageKind::PgpSigned,
        Smime::PgpEncrypted => s.kind = MessageKind::PgpEncrypted,
        Smime::Detached { content, signature } => {
            s.kind = MessageKind::Signed;
            s.signed = Some(match signature {
                Err(e) => SignedOutcome::malformed(mime_error(e)),
                Ok(blob) => detached(content, blob, ctx, source),
            });
        }
        Smime::Pkcs7Mime { blob, smime_type } => {
            let fallback = kind_from_smime_type(smime_type.as_deref());
            match blob {
                // A body that cannot be decoded: the smime-type label is
                // the sender's word and nothing can check it (a reader
                // with a laxer base64 decoder may find a SignedData), so
                // it fails closed as a signature, as an undecodable blob
                // does below.
                Err(e) => {
                    s.kind = MessageKind::SignedOpaque;
                    s.signed = Some(SignedOutcome::malformed(mime_error(e)));
                }
                Ok(blob) => {
                    let out = cms::inspect(blob, &[], &ctx.certs, &ctx.verifier);
                    s.kind = match out.kind {
                        Some(CmsKind::Signed) => MessageKind::SignedOpaque,
                        Some(CmsKind::CertsOnly) => MessageKind::CertsOnly,
                        Some(CmsKind::Enveloped) => MessageKind::Enveloped,
                        Some(CmsKind::AuthEnveloped) => MessageKind::AuthEnveloped,
                        Some(CmsKind::Other) => fallback,
                        // Undecodable: the smime-type label is the sender's
                        // word. Only the ContentInfo's own type makes it not
                        // a signature; otherwise it fails closed as one (a
                        // tampered signed message labelled enveloped-data
                        // with junk after it must not pass as `encrypted`).
                        None => match cms::declared_kind(blob) {
                            Some(CmsKind::Enveloped) => MessageKind::Enveloped,
                            Some(CmsKind::AuthEnveloped) => MessageKind::AuthEnveloped,
                            _ => MessageKind::SignedOpaque,
                        },
                    };
                    s.encryption_alg = out.encryption_alg;
                    if s.kind == MessageKind::SignedOpaque {
                        s.signed = Some(match (out.kind, out.signed) {
                            (Some(CmsKind::Signed), Some(so)) => so,
                            _ => SignedOutcome::malformed(
                                out.error.unwrap_or_else(|| "not SignedData".into()),
                            ),
                        });
                    } else {
                        s.error = out.error;
                    }
                }
            }
        }
    }
    s
}

/// Verifies a multipart/signed signature over its first body part.
fn detached(content: &[u8], blob: &[u8], ctx: &Context, source: Source) -> SignedOutcome {
    let canonical = mime::canonicalize(content);
    let unquoted = match source {
        Source::Message => crate::mailbox::unquote_from(content),
        Source::Decrypted => None,
    };
    let unquoted_canonical = unquoted.as_deref().map(mime::canonicalize);
    let mut candidates: Vec<&[u8]> = vec![&canonical];
    if let Some(u) = &unquoted_canonical {
        candidates.push(u);
    }
    let out = cms::inspect(blob, &candidates, &ctx.certs, &ctx.verifier);
    match (out.kind, out.signed) {
        (Some(CmsKind::Signed), Some(s)) => s,
        (None, _) => {
            SignedOutcome::malformed(out.error.unwrap_or_else(|| "undecodable CMS".into()))
        }
        (Some(k), _) => {
            SignedOutcome::malformed(format!("signature part holds {k:?}, not SignedData"))
        }
    }
}

/// Deepest nesting of layers (an opaque signature's content, content
/// decrypted with `--keys`) looked into for more structures.
pub(super) const MAX_NESTING: usize = 4;

/// Whether the structures of a walk were already charged to the budget of
/// [`Others`] (those of the message itself are, when it is created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Counted {
    Already,
    No,
}

/// Verifies every structure but the reported one — those beside it, those
/// inside the encapsulated content of opaque signatures, and those in
/// content decrypted with `--keys`, which is analyzed like a message of its
/// own by these same rules — and raises `OTHER_SIGNATURE_INVALID` when a
/// signature among them does not verify or one of its signers' chains is
/// not trusted, and when more structures than
/// [`mime::Limits::max_structures`] were found in the whole message or a
/// limit was hit inside a layer (those were not verified: fail closed).
pub(super) struct Others<'c> {
    ctx: &'c Context,
    id: &'c mime::Identity,
    /// Structures that may still be verified inside layers.
    budget: usize,
    any_signed: bool,
    problems: Vec<String>,
}

impl<'c> Others<'c> {
    /// `top_level`: the structures beside the reported one that the
    /// message's own walk kept.
    pub(super) fn new(ctx: &'c Context, id: &'c mime::Identity, top_level: usize) -> Self {
        Others {
            ctx,
            id,
            budget: ctx.limits.max_structures.saturating_sub(top_level),
            any_signed: false,
            problems: Vec::new(),
        }
    }

    /// Checks what one walk found, its outermost structure being the one
    /// its layer reports (verified by the caller): what that one's opaque
    /// content holds, and every other structure. `prefix`: where the walked
    /// entity sits ("" for the message itself).
    pub(super) fn walk(
        &mut self,
        w: &mime::Walk,
        prefix: &str,
        nesting: usize,
        counted: Counted,
        source: Source,
    ) {
        if counted == Counted::No {
            let n = usize::from(w.outermost.is_some()) + w.others.len() + w.uncounted;
            if n > self.budget {
                self.over_limit(n - self.budget);
                return;
            }
            self.budget -= n;
        }
        if let Some(f) = &w.outermost {
            self.inside_opaque(f, prefix, nesting, source);
        }
        for f in &w.others {
            self.check(f, prefix, nesting, source);
        }
        if counted == Counted::Already && w.uncounted > 0 {
            self.over_limit(w.uncounted);
        }
    }

    /// Raises `OTHER_SIGNATURE_INVALID` with every problem found; returns
    /// whether any other structure is a signature (or could be: a limit).
    pub(super) fn finish(self, row: &mut Row, findings: &mut BTreeSet<Finding>) -> bool {
        if !self.problems.is_empty() {
            findings.insert(Finding::OtherSignatureInvalid);
            for p in &self.problems {
                append_error(row, p);
            }
        }
        self.any_signed
    }

    /// A layer's content could not be walked to its end (`what` must not
    /// quote it): nothing inside is verified, fail closed.
    pub(super) fn unseen(&mut self, what: String) {
        self.any_signed = true;
        self.problems.push(what);
    }

    /// Verifies one structure (`prefix`: the layer it sits in, if any),
    /// then what its content holds.
    fn check(&mut self, found: &SmimePart, prefix: &str, nesting: usize, source: Source) {
        if !found.smime.is_smime() {
            return;
        }
        let s = structure(found, self.ctx, source);
        let at = where_(prefix, &found.part);
        if matches!(s.kind, MessageKind::Enveloped | MessageKind::AuthEnveloped) {
            self.enveloped(found, &at, nesting);
            return;
        }
        let Some(signed) = s.signed else {
            return; // certs-only: not a signature
        };
        self.judge(&signed, &at);
        self.inside_opaque(found, prefix, nesting, source);
    }

    /// A signature other than the row's: a problem at `at` unless it
    /// verifies and every signer's chain is trusted.
    pub(super) fn judge(&mut self, s: &SignedOutcome, at: &str) {
        self.any_signed = true;
        let problem = match (&s.status, &s.signer) {
            (SigStatus::Valid, Some(_)) => s.all.iter().enumerate().find_map(|(i, signer)| {
                let who = if s.all.len() > 1 {
                    format!("signer {} ", i + 1)
                } else {
                    String::new()
                };
                match &signer.cert {
                    None => Some(format!("{who}chain missing-signer-cert")),
                    Some(cert) => {
                        let at = judged_at(self.ctx, signer.signing_time, self.id);
                        let out = self.ctx.verifier.judge(cert, &s.certs, at);
                        (out.status != ChainStatus::Trusted)
                            .then(|| format!("{who}chain {}", out.status.as_str()))
                    }
                }
            }),
            (status, _) => Some(format!(
                "signature {}{}",
                status.as_str(),
                s.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            )),
        };
        if let Some(p) = problem {
            self.problems.push(format!("other structure at {at}: {p}"));
        }
    }

    /// An enveloped structure other than the row's: with `--keys` it is
    /// opened and what it holds analyzed like a message of its own (a
    /// signature inside is judged like any other); without a key nobody
    /// sees inside, so it is not a signature.
    fn enveloped(&mut self, found: &SmimePart, at: &str, nesting: usize) {
        if self.ctx.keys.is_empty() {
            return;
        }
        let Smime::Pkcs7Mime { blob: Ok(blob), .. } = &found.smime else {
            return;
        };
        if nesting > MAX_NESTING {
            self.unseen(format!(
                "enveloped structure at {at} nested deeper than {MAX_NESTING} layers (limit): not opened"
            ));
            return;
        }
        let inner = format!("decrypted content of {at}");
        let opened = super::decrypt::open_layer(blob, self.ctx, nesting, self, &inner);
        if let Some(s) = &opened {
            self.judge(s, &inner);
        }
    }

    /// The structures inside an opaque signature's encapsulated content.
    fn inside_opaque(&mut self, found: &SmimePart, prefix: &str, nesting: usize, source: Source) {
        let Smime::Pkcs7Mime { blob: Ok(blob), .. } = &found.smime else {
            return;
        };
        let Some(inner) = encapsulated_content(blob) else {
            return; // not SignedData with content (reported as such)
        };
        if !mime::names_pkcs7(&inner) {
            return; // nothing inside can be an S/MIME structure
        }
        let here = where_(prefix, &found.part);
        if nesting > MAX_NESTING {
            self.problems.push(format!(
                "opaque signatures nested deeper than {MAX_NESTING} at {here} (limit): not verified"
            ));
            return;
        }
        let w = mime::walk(&inner, None, &self.ctx.limits);
        if let Some(l) = &w.limit {
            let l = match source {
                Source::Message => l.to_string(),
                Source::Decrypted => "a MIME limit".to_owned(),
            };
            self.problems.push(format!(
                "inside the opaque signature at {here}: {l}: not verified"
            ));
            return;
        }
        let inner_prefix = if prefix.is_empty() && found.part.is_empty() {
            "opaque content".to_owned()
        } else {
            format!("opaque content of {here}")
        };
        let n = usize::from(w.outermost.is_some()) + w.others.len() + w.uncounted;
        if n > self.budget {
            self.over_limit(n - self.budget);
            return;
        }
        self.budget -= n;
        for f in w.outermost.iter().chain(&w.others) {
            self.check(f, &inner_prefix, nesting + 1, source);
        }
    }

    fn over_limit(&mut self, n: usize) {
        self.any_signed = true;
        self.problems.push(format!(
            "{n} more S/MIME/PGP structures than the {} verified per message (limit): not verified",
            self.ctx.limits.max_structures
        ));
    }
}

/// A part path for `error`: `part 1.2`, `the message`, or within an
/// opaque signature's content.
fn where_(prefix: &str, part: &str) -> String {
    match (prefix.is_empty(), part.is_empty()) {
        (true, true) => "the message".to_owned(),
        (true, false) => format!("part {part}"),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}, part {part}"),
    }
}

/// The encapsulated content (eContent) of a SignedData ContentInfo, the
/// MIME entity an opaque signature covers; None when there is none.
fn encapsulated_content(blob: &[u8]) -> Option<Vec<u8>> {
    use crate::der::{ber, tag, Reader};
    let norm = ber::normalize(blob).ok()?;
    let mut r = Reader::new(&norm);
    let ci = r.expect(tag::SEQUENCE, "ContentInfo").ok()?;
    let mut r = ci.reader();
    if r.expect(tag::OID, "contentType").ok()?.value != crate::der::oid::SIGNED_DATA {
        return None;
    }
    let explicit = r.expect(tag::CTX0_C, "content").ok()?;
    let sd = explicit.reader().expect(tag::SEQUENCE, "SignedData").ok()?;
    let mut r = sd.reader();
    r.expect(tag::INTEGER, "version").ok()?;
    r.expect(tag::SET, "digestAlgorithms").ok()?;
    let eci = r.expect(tag::SEQUENCE, "encapContentInfo").ok()?;
    let mut r = eci.reader();
    r.expect(tag::OID, "eContentType").ok()?;
    let content = r.optional(tag::CTX0_C).ok()??;
    let octets = content
        .reader()
        .expect(tag::OCTET_STRING, "eContent")
        .ok()?;
    Some(octets.value.to_vec())
}

/// `AMBIGUOUS_HEADER` for a message holding a signature: a repeated
/// top-level field, or header lines (top level or in a part) that are
/// not fields.
fn ambiguous_header(
    id: &mime::Identity,
    skipped_lines: usize,
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
) {
    if !id.repeated.is_empty() {
        findings.insert(Finding::AmbiguousHeader);
        append_error(
            row,
            &format!("header: {} more than once", id.repeated.join(", ")),
        );
    }
    if skipped_lines > 0 {
        findings.insert(Finding::AmbiguousHeader);
        append_error(
            row,
            &format!("header: {skipped_lines} line(s) in a header block are not fields"),
        );
    }
}

fn append_error(row: &mut Row, e: &str) {
    if row.error.is_empty() {
        row.error = e.to_owned();
    } else {
        row.error = format!("{}; {e}", row.error);
    }
}

fn kind_from_smime_type(t: Option<&str>) -> MessageKind {
    match t {
        Some("enveloped-data") => MessageKind::Enveloped,
        Some("authenveloped-data") => MessageKind::AuthEnveloped,
        Some("certs-only") => MessageKind::CertsOnly,
        _ => MessageKind::SignedOpaque,
    }
}

/// The row of a message that cannot be parsed; `signed` when it holds a
/// signature (then `signature=malformed` too).
pub(crate) fn malformed(mut row: Row, error: String, signed: bool, ctx: &Context) -> Row {
    row.kind = MessageKind::Malformed.as_str().to_owned();
    row.error = error;
    let mut f = BTreeSet::new();
    f.insert(Finding::MalformedMessage);
    if signed {
        row.signature = SigStatus::Malformed.as_str().to_owned();
        f.insert(Finding::SigMalformed);
    }
    f.retain(|f| ctx.policy.enabled(*f));
    row.findings = policy::findings_text(&f);
    row.verdict = policy::Verdict::Error.as_str().to_owned();
    row
}

/// The time a chain is judged at (`--at`).
fn judged_at(ctx: &Context, signing_time: Option<i64>, id: &mime::Identity) -> i64 {
    let claimed = || signing_time.or(id.date).unwrap_or(ctx.now);
    match ctx.at {
        AtMode::Signing => claimed(),
        AtMode::Received => id.received.unwrap_or_else(claimed),
        AtMode::Now => ctx.now,
        AtMode::Fixed(t) => t,
    }
}

/// Signature, signer and chain columns of a signed message.
fn fill_signed(
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
    s: &SignedOutcome,
    id: &mime::Identity,
    ctx: &Context,
) {
    row.signers = s.signers as u32;
    row.signature = s.status.as_str().to_owned();
    match s.status {
        SigStatus::Valid => {}
        SigStatus::Invalid => {
            findings.insert(Finding::SigInvalid);
        }
        SigStatus::Unsupported => {
            findings.insert(Finding::SigUnsupported);
        }
        SigStatus::Malformed => {
            findings.insert(Finding::SigMalformed);
        }
    }
    if let Some(e) = &s.error {
        row.error = e.clone();
    }
    let Some(signer) = &s.signer else {
        return;
    };
    row.digest_alg = signer.digest_alg.clone().unwrap_or_default();
    row.signature_alg = signer.signature_alg.clone().unwrap_or_default();
    if let Some(bits) = signer.key_bits {
        row.key_bits = bits.to_string();
        if ctx.policy.is_weak_key(&row.signature_alg, bits) {
            findings.insert(Finding::WeakKey);
        }
    }
    if ctx.policy.is_weak_digest(&row.digest_alg) {
        findings.insert(Finding::WeakDigest);
    }
    row.signing_time = signer.signing_time.map(rfc3339).unwrap_or_default();
    if let (Some(t), Some(received)) = (signer.signing_time, id.received) {
        let before = i64::from(ctx.policy.max_signing_time_skew_days) * 86_400;
        if t < received.saturating_sub(before) || t > received.saturating_add(86_400) {
            findings.insert(Finding::SigningTimeSkew);
        }
    }
    let at = judged_at(ctx, signer.signing_time, id);
    row.validated_at = rfc3339(at);
    judge_other_signers(row, findings, s, id, ctx);

    let Some(cert) = &signer.cert else {
        super::chain_columns::record(row, findings, &ChainOutcome::missing_signer_cert(), ctx);
        return;
    };
    fill_cert(row, findings, cert, id);
    super::chain_columns::judge(row, findings, cert, &s.certs, at, ctx);
}

/// SPEC Report, several signers: every signer's chain is judged, with the
/// same chain function as the row's signer (at that signer's own
/// signingTime under `--at signing`), and `OTHER_SIGNER_UNTRUSTED` is
/// raised when one is not `trusted`. The row's chain columns stay those of
/// the row's signer; the other signer's problem is added to `error`.
fn judge_other_signers(
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
    s: &SignedOutcome,
    id: &mime::Identity,
    ctx: &Context,
) {
    for (i, other) in s.all.iter().enumerate() {
        if i == s.shown {
            continue;
        }
        let at = judged_at(ctx, other.signing_time, id);
        let outcome = match &other.cert {
            Some(cert) => ctx.verifier.judge(cert, &s.certs, at),
            None => ChainOutcome::missing_signer_cert(),
        };
        if outcome.status != ChainStatus::Trusted {
            findings.insert(Finding::OtherSignerUntrusted);
            let mut e = format!("signer {} chain: {}", i + 1, outcome.status.as_str());
            if let Some(detail) = &outcome.error {
                e = format!("{e} ({detail})");
            }
            append_error(row, &e);
        }
    }
}

/// Signer certificate columns and identity findings.
fn fill_cert(
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
    cert: &Arc<Cert>,
    id: &mime::Identity,
) {
    row.signer_subject = cert.subject.clone();
    row.signer_issuer = cert.issuer.clone();
    row.signer_serial = cert.serial_hex();
    row.signer_sha256 = cert.sha256_hex();
    row.signer_not_after = rfc3339(cert.not_after);
    row.signer_email = cert.emails.first().cloned().unwrap_or_default();
    // The first From, as a client shows it; Sender only when there is no
    // From field (Thunderbird's rule), not when the From has no address.
    let shown = if id.has_from { &id.from } else { &id.sender };
    let addrs: Vec<&str> = shown.as_deref().into_iter().collect();
    let matched = identity::sender_match(cert, &addrs);
    row.sender_match = if matched { "yes" } else { "no" }.into();
    if !matched {
        findings.insert(Finding::SenderMismatch);
    }
    if !identity::eku_ok(cert) {
        findings.insert(Finding::EkuMissing);
    }
    if !identity::key_usage_ok(cert) {
        findings.insert(Finding::KeyUsage);
    }
}
