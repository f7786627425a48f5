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

/// Analyses one RFC 5322 message.
pub fn analyze(raw: &[u8], ctx: &Context) -> Row {
    analyze_marked(raw, None, ctx)
}

/// [`analyze`] with the offsets of the message's lines that start with `-`
/// (see [`mime::find_smime_marked`]).
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
        return malformed(row, limit, signed, ctx);
    }
    let mut kind = MessageKind::Plain;
    let mut signed: Option<SignedOutcome> = None;
    if let Some(found) = &walk.outermost {
        row.part = found.part.clone();
        let s = structure(found, ctx);
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
        signed = super::decrypt::open_message(raw, dash_lines, ctx, &mut row, &mut findings);
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
    let others_signed = check_others(&walk, &id, ctx, &mut row, &mut findings);
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
struct Structure {
    kind: MessageKind,
    /// Present for the signed kinds (a malformed signature included).
    signed: Option<SignedOutcome>,
    encryption_alg: Option<String>,
    /// Detail for a structure that is not a signature (e.g. undecodable
    /// enveloped data).
    error: Option<String>,
}

/// Decodes and verifies one structure (signatures only; chains are the
/// caller's).
fn structure(found: &SmimePart, ctx: &Context) -> Structure {
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
                Err(e) => SignedOutcome::malformed(e.clone()),
                Ok(blob) => detached(content, blob, ctx),
            });
        }
        Smime::Pkcs7Mime { blob, smime_type } => {
            let fallback = kind_from_smime_type(smime_type.as_deref());
            match blob {
                Err(e) => {
                    s.kind = fallback;
                    if s.kind == MessageKind::SignedOpaque {
                        s.signed = Some(SignedOutcome::malformed(e.clone()));
                    } else {
                        s.error = Some(e.clone());
                    }
                }
                Ok(blob) => {
                    let out = cms::inspect(blob, &[], &ctx.certs, &ctx.verifier);
                    s.kind = match out.kind {
                        Some(CmsKind::Signed) => MessageKind::SignedOpaque,
                        Some(CmsKind::CertsOnly) => MessageKind::CertsOnly,
                        Some(CmsKind::Enveloped) => MessageKind::Enveloped,
                        Some(CmsKind::AuthEnveloped) => MessageKind::AuthEnveloped,
                        Some(CmsKind::Other) | None => fallback,
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
fn detached(content: &[u8], blob: &[u8], ctx: &Context) -> SignedOutcome {
    let canonical = mime::canonicalize(content);
    let unquoted = crate::mailbox::unquote_from(content);
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

/// Deepest nesting of opaque signatures looked into for more structures.
const MAX_OPAQUE_NESTING: usize = 4;

/// Verifies every structure but the reported one — those beside it and
/// those inside the encapsulated content of opaque signatures — and
/// raises `OTHER_SIGNATURE_INVALID` when a signature among them does not
/// verify or its chain is not trusted, and when more structures than
/// [`mime::Limits::max_structures`] were found or a limit was hit inside
/// an opaque signature (those were not verified: fail closed). Returns
/// whether any of them is a signature.
fn check_others(
    walk: &mime::Walk,
    id: &mime::Identity,
    ctx: &Context,
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
) -> bool {
    let mut o = Others {
        ctx,
        id,
        budget: ctx.limits.max_structures.saturating_sub(walk.others.len()),
        any_signed: false,
        problems: Vec::new(),
    };
    if let Some(f) = &walk.outermost {
        o.inside_opaque(f, "", 1);
    }
    for f in &walk.others {
        o.check(f, "", 1);
    }
    if walk.uncounted > 0 {
        o.over_limit(walk.uncounted);
    }
    if !o.problems.is_empty() {
        findings.insert(Finding::OtherSignatureInvalid);
        for p in &o.problems {
            append_error(row, p);
        }
    }
    o.any_signed
}

/// The state of [`check_others`].
struct Others<'c> {
    ctx: &'c Context,
    id: &'c mime::Identity,
    /// Structures that may still be verified inside opaque signatures.
    budget: usize,
    any_signed: bool,
    problems: Vec<String>,
}

impl Others<'_> {
    /// Verifies one structure (`prefix`: the part path of the opaque
    /// signature it sits in, if any), then what its content holds.
    fn check(&mut self, found: &SmimePart, prefix: &str, nesting: usize) {
        if !found.smime.is_smime() {
            return;
        }
        let Some(s) = structure(found, self.ctx).signed else {
            return; // enveloped or certs-only: not a signature
        };
        self.any_signed = true;
        let problem = match (&s.status, &s.signer) {
            (SigStatus::Valid, Some(signer)) => match &signer.cert {
                None => Some("chain missing-signer-cert".to_owned()),
                Some(cert) => {
                    let at = judged_at(self.ctx, signer.signing_time, self.id);
                    let out = self.ctx.verifier.judge(cert, &s.certs, at);
                    (out.status != ChainStatus::Trusted)
                        .then(|| format!("chain {}", out.status.as_str()))
                }
            },
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
            let at = where_(prefix, &found.part);
            self.problems.push(format!("other structure at {at}: {p}"));
        }
        self.inside_opaque(found, prefix, nesting);
    }

    /// The structures inside an opaque signature's encapsulated content.
    fn inside_opaque(&mut self, found: &SmimePart, prefix: &str, nesting: usize) {
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
        if nesting > MAX_OPAQUE_NESTING {
            self.problems.push(format!(
                "opaque signatures nested deeper than {MAX_OPAQUE_NESTING} at {here} (limit): not verified"
            ));
            return;
        }
        let w = mime::walk(&inner, None, &self.ctx.limits);
        if let Some(l) = &w.limit {
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
        let found_inside: Vec<&SmimePart> = w.outermost.iter().chain(&w.others).collect();
        let n = found_inside.len() + w.uncounted;
        if n > self.budget {
            self.over_limit(n - self.budget);
            return;
        }
        self.budget -= n;
        for f in found_inside {
            self.check(f, &inner_prefix, nesting + 1);
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
    const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    if r.expect(tag::OID, "contentType").ok()?.value != SIGNED_DATA {
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
