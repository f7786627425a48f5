//! Enveloped messages with `--keys`: decrypt in memory, then analyze what
//! is inside as a message of its own (signed, opaque-signed, nested
//! enveloped up to [`MAX_ENVELOPED_DEPTH`] layers, plain).
//!
//! The row keeps `kind` (`enveloped` / `auth-enveloped`) and the outer
//! `encryption_alg`; `layers` records the path (`enveloped>signed`),
//! `decryption` the outcome, and the signature found inside is returned to
//! the caller, which fills the signature, signer and chain columns from it
//! (with the outer message's From/Date, which an inner entity lacks).
//!
//! Decrypted bytes live in [`Zeroizing`] buffers owned here and dropped
//! before the row leaves; nothing derived from them but the verification
//! outcome reaches the row (MIME errors inside are reported without their
//! detail, which could quote the content).

use std::collections::BTreeSet;

use zeroize::Zeroizing;

use crate::cms::{self, Decryption, SignedOutcome};
use crate::mime::{self, MessageKind, Smime};
use crate::policy::Finding;
use crate::report::{one_line, Row};

use super::analyze::{self, Counted, Others, Source};
use super::Context;

/// Most enveloped layers opened one inside the other.
pub(crate) const MAX_ENVELOPED_DEPTH: usize = 4;

/// What opening an enveloped layer (and what it holds) gave.
struct Opened {
    /// `decrypted`, `no-key`, `failed`, `unsupported`: of the innermost
    /// enveloped layer reached.
    decryption: &'static str,
    /// Layers below the outer one, outside in.
    layers: Vec<&'static str>,
    signed: Option<SignedOutcome>,
    /// Content-encryption algorithms of nested enveloped layers.
    inner_algs: Vec<String>,
    /// Where the signature sits inside the decrypted entity ("" = all of it).
    inner_part: String,
    error: Option<String>,
}

/// The hook for an enveloped message (`blob`: its CMS, when readable):
/// fills `decryption` and `layers`, adds `DECRYPT_FAILED`,
/// `WEAK_ENCRYPTION` (nested layers) and `PARTIAL_SIGNATURE` (a signature
/// covering only a part of the decrypted entity), hands every other
/// structure inside to `others`, and returns the signature that decides.
pub(super) fn open_message(
    blob: Option<&[u8]>,
    ctx: &Context,
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
    others: &mut Others,
) -> Option<SignedOutcome> {
    let outer = if row.kind == "auth-enveloped" {
        "auth-enveloped"
    } else {
        "enveloped"
    };
    let opened = match blob {
        Some(b) if !ctx.keys.is_empty() => open_blob(b, ctx, 1, others, "decrypted content"),
        _ => Opened::status("no-key"),
    };
    let mut layers = vec![outer];
    layers.extend(&opened.layers);
    row.layers = layers.join(">");
    row.decryption = opened.decryption.to_owned();
    if opened.decryption == "failed" {
        findings.insert(Finding::DecryptFailed);
    }
    for alg in &opened.inner_algs {
        if ctx.policy.is_weak_encryption(alg) {
            findings.insert(Finding::WeakEncryption);
        }
    }
    if opened.signed.is_some() && !opened.inner_part.is_empty() {
        findings.insert(Finding::PartialSignature);
    }
    if let Some(e) = &opened.error {
        let e = one_line(e);
        row.error = if row.error.is_empty() {
            e
        } else {
            format!("{}; {e}", row.error)
        };
    }
    opened.signed
}

/// An enveloped structure other than the row's, at `nesting` (see
/// [`Others`]): opened with `--keys` and analyzed like a message of its own
/// (`prefix` names where it sits); returns the signature that decides
/// inside, if any. A layer that does not open holds nothing anybody sees.
pub(super) fn open_layer(
    blob: &[u8],
    ctx: &Context,
    nesting: usize,
    others: &mut Others,
    prefix: &str,
) -> Option<SignedOutcome> {
    open_blob(blob, ctx, nesting, others, prefix).signed
}

impl Opened {
    fn status(s: &'static str) -> Opened {
        Opened {
            decryption: s,
            layers: Vec::new(),
            signed: None,
            inner_algs: Vec::new(),
            inner_part: String::new(),
            error: None,
        }
    }
}

/// Decrypts one (Auth)EnvelopedData blob found at `nesting` (1: the
/// message's own structure) and analyzes its content one level deeper.
fn open_blob(
    blob: &[u8],
    ctx: &Context,
    nesting: usize,
    others: &mut Others,
    prefix: &str,
) -> Opened {
    match cms::decrypt(blob, &ctx.keys) {
        Err(e) => {
            let mut o = Opened::status("failed");
            o.error = Some(e.to_string());
            o
        }
        Ok(Decryption::Decrypted(plain)) => inside(plain, ctx, nesting + 1, others, prefix),
        Ok(Decryption::NoKey) => Opened::status("no-key"),
        Ok(Decryption::Failed) => {
            let mut o = Opened::status("failed");
            o.error = Some("decryption failed: the content key did not unwrap, or the content did not decrypt or authenticate".into());
            o
        }
        Ok(Decryption::Unsupported(what)) => {
            let mut o = Opened::status("unsupported");
            o.error = Some(format!("cannot decrypt: {what} is not supported"));
            o
        }
    }
}

/// Analyzes decrypted content (a MIME entity, at `nesting`) as a message of
/// its own, with the rules of a message read as such: its outermost
/// structure decides (decoded by [`analyze::structure`]), every other one
/// is verified by `others` ([`Others::walk`]: structures beside it, inside
/// its signed or opaque content, in further enveloped layers; one budget
/// for the whole message), and a MIME limit fails closed.
fn inside(
    plain: Zeroizing<Vec<u8>>,
    ctx: &Context,
    nesting: usize,
    others: &mut Others,
    prefix: &str,
) -> Opened {
    let mut o = Opened::status("decrypted");
    let w = mime::walk(&plain, None, &ctx.limits);
    if w.limit.is_some() {
        // What lies past the limit was not seen (a second signature, a
        // tampered part): the layer fails closed as a malformed signature,
        // wherever the limit was hit (no detail: it could quote the
        // content).
        o.signed = Some(SignedOutcome::malformed(
            "decrypted content is not a parsable MIME entity (limit hit)".into(),
        ));
        return o;
    }
    if let Some(found) = &w.outermost {
        o.inner_part = found.part.clone();
        let s = analyze::structure(found, ctx, Source::Decrypted);
        match s.kind {
            MessageKind::Signed | MessageKind::SignedOpaque => {
                o.layers.push(s.kind.as_str());
                o.signed = s.signed.map(|mut so| {
                    so.error = so.error.map(|e| format!("inside: {e}"));
                    so
                });
            }
            k @ (MessageKind::Enveloped | MessageKind::AuthEnveloped) => {
                o.layers.push(k.as_str());
                o.inner_algs.extend(s.encryption_alg);
                match &found.smime {
                    Smime::Pkcs7Mime { blob: Ok(blob), .. } if s.error.is_none() => {
                        if nesting > MAX_ENVELOPED_DEPTH {
                            o.decryption = "unsupported";
                            o.error = Some(format!(
                                "more than {MAX_ENVELOPED_DEPTH} enveloped layers: not opened"
                            ));
                        } else {
                            let inner = open_blob(
                                blob,
                                ctx,
                                nesting,
                                others,
                                &format!("{prefix} > decrypted content"),
                            );
                            o.decryption = inner.decryption;
                            o.layers.extend(inner.layers);
                            o.signed = inner.signed;
                            o.inner_algs.extend(inner.inner_algs);
                            o.error = inner.error;
                            if !inner.inner_part.is_empty() {
                                o.inner_part = inner.inner_part;
                            }
                        }
                    }
                    _ => o.error = s.error.map(|e| format!("inside: {e}")),
                }
            }
            // Certs-only, PGP: no S/MIME signature decides.
            _ => {}
        }
    }
    others.walk(&w, prefix, nesting, Counted::No, Source::Decrypted);
    o
}
