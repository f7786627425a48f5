//! CRL signatures (cached per CRL and issuer key) and the revocation check
//! of one path link (reasons per SPEC Revocation, see [`crate::pki::crl`]).

use super::error::CrlReason;
use super::link::{check_signature, LinkCheck};
use super::{Verifier, MAX_CACHED_LINKS};
use crate::pki::cert::Cert;

/// A revocation that applies: (date, reason).
pub(crate) type Revoked = (i64, Option<CrlReason>);

impl Verifier {
    /// Whether CRL `idx` is signed by `issuer` (and the issuer may sign
    /// CRLs), cached.
    pub(super) fn crl_valid(&self, idx: usize, issuer: &Cert) -> Result<(), String> {
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
            Err("issuer name differs".to_string())
        } else if issuer.key_usage.as_ref().is_some_and(|ku| !ku.crl_sign()) {
            Err(format!("{}: keyUsage lacks cRLSign", issuer.subject))
        } else {
            match check_signature(&crl.tbs, &crl.alg, &crl.sig, issuer) {
                LinkCheck::Ok => Ok(()),
                LinkCheck::Bad(e) => Err(format!(
                    "signature does not verify with the key of {} ({e})",
                    issuer.subject
                )),
                LinkCheck::Unverifiable(e) => Err(format!("signature cannot be checked: {e}")),
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
