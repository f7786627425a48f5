//! Chain judgement of the signer certificate: the `chain` and `anchor`
//! columns and the chain findings. This is where typed chain problems
//! ([`ChainError`]) become the report's `error` text.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::pki::chain::{ChainError, ChainOutcome, ChainStatus};
use crate::pki::key::KeyType;
use crate::pki::Cert;
use crate::policy::Finding;
use crate::report::{one_line, Row};

use super::Context;

/// Judges the signer's chain at `at` and records it in the row.
pub(crate) fn judge(
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
    signer: &Arc<Cert>,
    message_certs: &[Arc<Cert>],
    at: i64,
    ctx: &Context,
) {
    let outcome = ctx.verifier.judge(signer, message_certs, at);
    record(row, findings, &outcome, ctx);
}

/// Writes a chain outcome: `chain`, its finding, weak digests of the path
/// certificates, and the error text (appended to a signature error).
pub(crate) fn record(
    row: &mut Row,
    findings: &mut BTreeSet<Finding>,
    outcome: &ChainOutcome,
    ctx: &Context,
) {
    row.chain = outcome.status.as_str().to_owned();
    row.anchor = outcome
        .anchor
        .as_ref()
        .map(|a| one_line(&a.subject))
        .unwrap_or_default();
    let finding = match outcome.status {
        ChainStatus::Trusted => None,
        ChainStatus::Untrusted => Some(Finding::ChainUntrusted),
        ChainStatus::Expired => Some(Finding::CertExpired),
        ChainStatus::NotYetValid => Some(Finding::CertNotYetValid),
        ChainStatus::Revoked => Some(Finding::CertRevoked),
        ChainStatus::Invalid => Some(Finding::ChainInvalid),
        ChainStatus::MissingSignerCert => Some(Finding::SignerCertMissing),
    };
    findings.extend(finding);
    if outcome
        .weak_digests
        .iter()
        .any(|d| ctx.policy.is_weak_digest(d))
    {
        findings.insert(Finding::WeakDigest);
    }
    // Keys of the issuing certificates (the signer's own key is judged
    // with the signature).
    for cert in outcome.path.iter().skip(1) {
        if let Ok(key) = cert.public_key() {
            let family = match key.key_type() {
                KeyType::Rsa => "rsa",
                KeyType::Dsa => "dsa",
                KeyType::Ec(_) => "ecdsa",
                KeyType::Ed25519 | KeyType::Other => continue,
            };
            if ctx.policy.is_weak_key(family, key.bits()) {
                findings.insert(Finding::WeakKey);
            }
        }
    }
    if outcome.status != ChainStatus::Trusted {
        if let Some(text) = error_text(outcome) {
            let e = one_line(&format!("chain: {text}"));
            if row.error.is_empty() {
                row.error = e;
            } else {
                row.error = format!("{}; {e}", row.error);
            }
        }
    }
}

/// The `error` text of an outcome: the deciding problem, then the others
/// after "; also: ".
pub(crate) fn error_text(outcome: &ChainOutcome) -> Option<String> {
    let texts: Vec<String> = outcome.problems().map(ChainError::to_string).collect();
    (!texts.is_empty()).then(|| texts.join("; also: "))
}
