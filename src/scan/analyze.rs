//! One message → one report row (all columns but the position ones).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::cms::{self, CmsKind, SigStatus, SignedOutcome};
use crate::mime::{self, Kind, Smime};
use crate::pki::chain::ChainOutcome;
use crate::pki::{identity, Cert};
use crate::policy::{self, Facts, Finding};
use crate::report::{one_line, Row};
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
        return malformed(row, "no header block: not an RFC 5322 message".into(), ctx);
    };
    row.message_id = one_line(&id.message_id);
    row.date = id.date.map(rfc3339).unwrap_or_default();
    row.from = one_line(id.from.as_deref().unwrap_or(""));

    let found = match mime::find_smime_marked(raw, dash_lines, &ctx.limits) {
        Ok(f) => f,
        Err(e) => return malformed(row, e, ctx),
    };
    let mut kind = Kind::Plain;
    let mut signed: Option<SignedOutcome> = None;
    if let Some(found) = found {
        row.part = found.part.clone();
        match found.smime {
            Smime::PgpSigned => kind = Kind::PgpSigned,
            Smime::PgpEncrypted => kind = Kind::PgpEncrypted,
            Smime::Detached { content, signature } => {
                kind = Kind::Signed;
                match signature {
                    Err(e) => signed = Some(malformed_signature(e)),
                    Ok(blob) => {
                        let canonical = mime::canonicalize(content);
                        let unquoted = crate::mailbox::unquote_from(content);
                        let unquoted_canonical = unquoted.as_deref().map(mime::canonicalize);
                        let mut candidates: Vec<&[u8]> = vec![&canonical];
                        if let Some(u) = &unquoted_canonical {
                            candidates.push(u);
                        }
                        let out = cms::analyze(&blob, &candidates, &ctx.certs, &ctx.verifier);
                        signed = Some(match (out.kind, out.signed) {
                            (Some(CmsKind::Signed), Some(s)) => s,
                            (None, _) => malformed_signature(
                                out.error.unwrap_or_else(|| "undecodable CMS".into()),
                            ),
                            (Some(k), _) => malformed_signature(format!(
                                "signature part holds {k:?}, not SignedData"
                            )),
                        });
                    }
                }
            }
            Smime::Pkcs7Mime { blob, smime_type } => {
                let fallback = kind_from_smime_type(smime_type.as_deref());
                match blob {
                    Err(e) => {
                        kind = fallback;
                        if kind == Kind::SignedOpaque {
                            signed = Some(malformed_signature(e));
                        } else {
                            row.error = one_line(&e);
                        }
                    }
                    Ok(blob) => {
                        let out = cms::analyze(&blob, &[], &ctx.certs, &ctx.verifier);
                        match out.kind {
                            Some(CmsKind::Signed) => kind = Kind::SignedOpaque,
                            Some(CmsKind::CertsOnly) => kind = Kind::CertsOnly,
                            Some(CmsKind::Enveloped) => kind = Kind::Enveloped,
                            Some(CmsKind::AuthEnveloped) => kind = Kind::AuthEnveloped,
                            Some(CmsKind::Other) | None => kind = fallback,
                        }
                        if let Some(alg) = &out.encryption_alg {
                            row.encryption_alg = alg.clone();
                            if ctx.policy.is_weak_encryption(alg) {
                                findings.insert(Finding::WeakEncryption);
                            }
                        }
                        if kind == Kind::SignedOpaque {
                            signed = Some(match (out.kind, out.signed) {
                                (Some(CmsKind::Signed), Some(s)) => s,
                                _ => malformed_signature(
                                    out.error.unwrap_or_else(|| "not SignedData".into()),
                                ),
                            });
                        } else if let Some(e) = out.error {
                            row.error = one_line(&e);
                        }
                    }
                }
            }
        }
    }
    row.kind = kind.as_str().to_owned();

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

    findings.retain(|f| ctx.policy.enabled(*f));
    let facts = Facts {
        malformed: false,
        signed: signed.is_some(),
        encrypted: matches!(kind, Kind::Enveloped | Kind::AuthEnveloped),
        signature: &row.signature,
        chain: &row.chain,
    };
    row.verdict = policy::verdict(&facts, &findings).as_str().to_owned();
    row.findings = policy::findings_text(&findings);
    row
}

fn kind_from_smime_type(t: Option<&str>) -> Kind {
    match t {
        Some("enveloped-data") => Kind::Enveloped,
        Some("authenveloped-data") => Kind::AuthEnveloped,
        Some("certs-only") => Kind::CertsOnly,
        _ => Kind::SignedOpaque,
    }
}

fn malformed_signature(e: String) -> SignedOutcome {
    SignedOutcome {
        signers: 0,
        status: SigStatus::Malformed,
        error: Some(e),
        signer: None,
        certs: Vec::new(),
        all_digest_algs: Vec::new(),
    }
}

/// The row of a message that cannot be parsed.
fn malformed(mut row: Row, error: String, ctx: &Context) -> Row {
    row.kind = Kind::Malformed.as_str().to_owned();
    row.error = one_line(&error);
    let mut f = BTreeSet::new();
    if ctx.policy.enabled(Finding::MalformedMessage) {
        f.insert(Finding::MalformedMessage);
    }
    row.findings = policy::findings_text(&f);
    row.verdict = policy::Verdict::Error.as_str().to_owned();
    row
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
        row.error = one_line(e);
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
    let at = match ctx.at {
        AtMode::Signing => signer.signing_time.or(id.date).unwrap_or(ctx.now),
        AtMode::Now => ctx.now,
        AtMode::Fixed(t) => t,
    };
    row.validated_at = rfc3339(at);

    let Some(cert) = &signer.cert else {
        super::chain::record(row, findings, &ChainOutcome::missing_signer_cert(), ctx);
        return;
    };
    fill_cert(row, findings, cert, id);
    super::chain::judge(row, findings, cert, &s.certs, at, ctx);
}

/// Signer certificate columns and identity findings.
fn fill_cert(
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
    cert: &Arc<Cert>,
    id: &mime::Identity,
) {
    row.signer_subject = one_line(&cert.subject);
    row.signer_issuer = one_line(&cert.issuer);
    row.signer_serial = cert.serial_hex();
    row.signer_sha256 = cert.sha256_hex();
    row.signer_email = cert.emails.first().cloned().unwrap_or_default();
    let addrs: Vec<&str> = [id.from.as_deref(), id.sender.as_deref()]
        .into_iter()
        .flatten()
        .collect();
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
