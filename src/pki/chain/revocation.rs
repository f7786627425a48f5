//! CRL signatures (cached per CRL and issuer key) and the revocation check
//! of one path link (reasons per SPEC Revocation, see [`crate::pki::crl`]).

use super::error::CrlReason;
use super::link::{check_signature, LinkCheck};
use super::{Verifier, MAX_CACHED_LINKS};
use crate::pki::cert::Cert;

/// A revocation that applies: (date, reason).
pub(crate) type Revoked = (i64, Option<CrlReason>);

/// Why a CRL cannot be used with one issuer certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CrlUnusable {
    /// The CRL's issuer Name is not the certificate's subject.
    IssuerNameDiffers,
    /// The certificate's keyUsage does not allow signing CRLs.
    NoCrlSign {
        /// The issuer certificate's subject.
        issuer: String,
    },
    /// The CRL's signature is wrong for the certificate's key.
    BadSignature {
        /// The issuer certificate's subject.
        issuer: String,
        /// What the signature check said.
        detail: String,
    },
    /// The signature cannot be checked (algorithm, key).
    Unverifiable(String),
}

impl std::fmt::Display for CrlUnusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CrlUnusable::IssuerNameDiffers => f.write_str("issuer name differs"),
            CrlUnusable::NoCrlSign { issuer } => write!(f, "{issuer}: keyUsage lacks cRLSign"),
            CrlUnusable::BadSignature { issuer, detail } => {
                write!(
                    f,
                    "signature does not verify with the key of {issuer} ({detail})"
                )
            }
            CrlUnusable::Unverifiable(e) => write!(f, "signature cannot be checked: {e}"),
        }
    }
}

impl std::error::Error for CrlUnusable {}

impl Verifier {
    /// Whether CRL `idx` is signed by `issuer` (and the issuer may sign
    /// CRLs), cached.
    pub(super) fn crl_valid(&self, idx: usize, issuer: &Cert) -> Result<(), CrlUnusable> {
        let key = (idx, issuer.sha256);
        if let Some(r) = self
            .crl_sigs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return r.clone();
        }
        let crl = &self.crls.list()[idx];
        let r = if crl.issuer_der != issuer.subject_der {
            Err(CrlUnusable::IssuerNameDiffers)
        } else if issuer.key_usage.as_ref().is_some_and(|ku| !ku.crl_sign()) {
            Err(CrlUnusable::NoCrlSign {
                issuer: issuer.subject.clone(),
            })
        } else {
            match check_signature(&crl.tbs, &crl.alg, &crl.sig, issuer) {
                LinkCheck::Ok => Ok(()),
                LinkCheck::Bad(detail) => Err(CrlUnusable::BadSignature {
                    issuer: issuer.subject.clone(),
                    detail,
                }),
                LinkCheck::Unverifiable(e) => Err(CrlUnusable::Unverifiable(e)),
            }
        };
        if r.is_ok() {
            self.verified_crls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(idx);
        }
        let mut m = self.crl_sigs.write().unwrap_or_else(|e| e.into_inner());
        if m.len() < MAX_CACHED_LINKS {
            m.insert(key, r.clone());
        }
        r
    }

    /// The revocation of `cert` by a valid CRL signed by `issuer` that
    /// applies at `at` (earliest date first), and how many CRL signature
    /// checks that took (cached or not: budgets must not depend on what
    /// other messages put in the cache).
    pub(super) fn revoked_at(
        &self,
        cert: &Cert,
        issuer: &Cert,
        at: i64,
    ) -> (Option<Revoked>, usize) {
        let mut found: Option<Revoked> = None;
        let mut sigs = 0;
        for &i in self.crls.for_issuer(&cert.issuer_der) {
            let crl = &self.crls.list()[i];
            let applicable: Option<Revoked> = crl
                .entries(&cert.serial)
                .iter()
                .filter(|r| r.applies_at(at))
                .map(|r| (r.date, r.reason))
                .min_by_key(|r| r.0);
            let Some(rev) = applicable else {
                continue;
            };
            sigs += 1;
            match self.crl_valid(i, issuer) {
                Ok(()) => {
                    if found.is_none_or(|f| rev.0 < f.0) {
                        found = Some(rev);
                    }
                }
                Err(e) => {
                    // A CRL good for another key of the same CA name is
                    // merely not applicable here: warn only about CRLs that
                    // never verified.
                    let verified = self
                        .verified_crls
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .contains(&i);
                    let first = !verified
                        && self
                            .warned_crls
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(i);
                    if first {
                        self.warn(format!(
                            "CRL {} (issuer {}) ignored: {e}",
                            crl.source, crl.issuer
                        ));
                    }
                }
            }
        }
        (found, sigs)
    }
}
