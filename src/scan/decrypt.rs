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

use crate::cms::{self, CmsKind, Decryption, SignedOutcome};
use crate::mime::{self, Smime};
use crate::policy::Finding;
use crate::report::{one_line, Row};

use super::Context;

/// Most enveloped layers opened one inside the other.
pub const MAX_ENVELOPED_DEPTH: usize = 4;

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

/// The hook for an enveloped message: fills `decryption` and `layers`,
/// adds `DECRYPT_FAILED`, `WEAK_ENCRYPTION` (nested layers) and
/// `PARTIAL_SIGNATURE` (a signature covering only a part of the decrypted
/// entity), and returns the signature found inside, if any.
pub(super) fn open_message(
    raw: &[u8],
    dash_lines: Option<&[u32]>,
    ctx: &Context,
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
) -> Option<SignedOutcome> {
    let outer = if row.kind == "auth-enveloped" {
        "auth-enveloped"
    } else {
        "enveloped"
    };
    let blob = if ctx.keys.is_empty() {
        None
    } else {
        match mime::find_smime_marked(raw, dash_lines, &ctx.limits) {
            Ok(Some(found)) => match found.smime {
                Smime::Pkcs7Mime { blob: Ok(b), .. } => Some(b),
                _ => None,
            },
            _ => None,
        }
    };
    let opened = match blob {
        None => Opened::status("no-key"),
        Some(b) => open_blob(&b, ctx, 0),
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

/// Decrypts one (Auth)EnvelopedData blob and analyzes its content.
fn open_blob(blob: &[u8], ctx: &Context, depth: usize) -> Opened {
    match cms::decrypt(blob, &ctx.keys) {
        Err(e) => {
            let mut o = Opened::status("failed");
            o.error = Some(e);
            o
        }
        Ok(Decryption::Decrypted(plain)) => inside(plain, ctx, depth),
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

/// Analyzes decrypted content (a MIME entity) as a message of its own.
fn inside(plain: Zeroizing<Vec<u8>>, ctx: &Context, depth: usize) -> Opened {
    let mut o = Opened::status("decrypted");
    let found = match mime::find_smime_marked(&plain, None, &ctx.limits) {
        Ok(f) => f,
        Err(_) => {
            // A limit was hit: what lies past it was not seen, so the layer
            // fails closed as a malformed signature (no detail: it could
            // quote the content).
            o.signed = Some(SignedOutcome::malformed(
                "decrypted content is not a parsable MIME entity (limit hit)".into(),
            ));
            return o;
        }
    };
    let Some(found) = found else {
        return o; // plain inside
    };
    o.inner_part = found.part.clone();
    match found.smime {
        Smime::PgpSigned | Smime::PgpEncrypted => {}
        Smime::Detached { content, signature } => {
            o.layers.push("signed");
            o.signed = Some(match signature {
                Err(e) => SignedOutcome::malformed(format!("inside: {e}")),
                Ok(blob) => {
                    let canonical = mime::canonicalize(content);
                    let out = cms::inspect(&blob, &[&canonical], &ctx.certs, &ctx.verifier);
                    match (out.kind, out.signed) {
                        (Some(CmsKind::Signed), Some(s)) => s,
                        (None, _) => SignedOutcome::malformed(format!(
                            "inside: {}",
                            out.error.unwrap_or_else(|| "undecodable CMS".into())
                        )),
                        (Some(k), _) => SignedOutcome::malformed(format!(
                            "inside: signature part holds {k:?}, not SignedData"
                        )),
                    }
                }
            });
        }
        Smime::Pkcs7Mime { blob, smime_type } => {
            let blob = match blob {
                Ok(b) => b,
                Err(e) => {
                    if smime_type
                        .as_deref()
                        .is_some_and(|t| t.contains("enveloped"))
                    {
                        o.error = Some(format!("inside: {e}"));
                    } else {
                        o.layers.push("signed-opaque");
                        o.signed = Some(SignedOutcome::malformed(format!("inside: {e}")));
                    }
                    return o;
                }
            };
            let out = cms::inspect(&blob, &[], &ctx.certs, &ctx.verifier);
            match out.kind {
                Some(CmsKind::Signed) => {
                    o.layers.push("signed-opaque");
                    o.signed = out.signed;
                }
                Some(k @ (CmsKind::Enveloped | CmsKind::AuthEnveloped)) => {
                    o.layers.push(if k == CmsKind::Enveloped {
                        "enveloped"
                    } else {
                        "auth-enveloped"
                    });
                    o.inner_algs.extend(out.encryption_alg);
                    if depth + 1 >= MAX_ENVELOPED_DEPTH {
                        o.decryption = "unsupported";
                        o.error = Some(format!(
                            "more than {MAX_ENVELOPED_DEPTH} enveloped layers: not opened"
                        ));
                        return o;
                    }
                    let inner = open_blob(&blob, ctx, depth + 1);
                    o.decryption = inner.decryption;
                    o.layers.extend(inner.layers);
                    o.signed = inner.signed;
                    o.inner_algs.extend(inner.inner_algs);
                    o.error = inner.error;
                    if !inner.inner_part.is_empty() {
                        o.inner_part = inner.inner_part;
                    }
                }
                Some(CmsKind::CertsOnly | CmsKind::Other) => {}
                None => {
                    if smime_type
                        .as_deref()
                        .is_some_and(|t| t.contains("enveloped"))
                    {
                        o.error = out.error.map(|e| format!("inside: {e}"));
                    } else {
                        o.layers.push("signed-opaque");
                        o.signed = Some(SignedOutcome::malformed(format!(
                            "inside: {}",
                            out.error.unwrap_or_else(|| "undecodable CMS".into())
                        )));
                    }
                }
            }
        }
    }
    o
}
