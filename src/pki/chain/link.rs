//! Link signatures (issuer key over subject TBS) and their run-wide cache.

use std::sync::atomic::Ordering;

use const_oid::ObjectIdentifier;
use der::referenced::OwnedToRef;
use spki::AlgorithmIdentifierOwned;
use x509_verify::{Message, Signature, VerifyInfo, VerifyingKey};

use super::error::oid_name;
use super::{Verifier, MAX_CACHED_LINKS};
use crate::der::oid;
use crate::pki::cert::Cert;
use crate::pki::key::{SigAlg, VerifyError};
use crate::pki::store::signed_part;

/// Result of checking one issuer→subject signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LinkCheck {
    Ok,
    /// The signature does not verify with the issuer's key.
    Bad(String),
    /// The algorithm or key cannot be checked (unknown OID, …).
    Unverifiable(String),
}

/// The weak hash (`md5`, `sha1`) of a signature algorithm, if it is one.
pub(crate) fn weak_hash_of(alg: &ObjectIdentifier) -> Option<&'static str> {
    match alg.as_bytes() {
        oid::MD2_WITH_RSA => Some("md2"),
        oid::MD5_WITH_RSA => Some("md5"),
        oid::SHA1_WITH_RSA | oid::ECDSA_WITH_SHA1 | oid::DSA_WITH_SHA1 | oid::SHA1_WITH_RSA_OIW => {
            Some("sha1")
        }
        _ => None,
    }
}

/// Verifies `sig` by `alg` over `tbs` with the public key of `issuer`:
/// through the run's parsed key ([`crate::pki::key`]: aws-lc-rs, RSA-PSS,
/// DSA with inherited parameters…), falling back to x509-verify for what
/// that layer calls unsupported.
pub(crate) fn check_signature(
    tbs: &[u8],
    alg: &AlgorithmIdentifierOwned,
    sig: &[u8],
    issuer: &Cert,
) -> LinkCheck {
    if let (Ok(sig_alg), Ok(key)) = (SigAlg::from_x509(alg), issuer.public_key()) {
        match key.verify(&sig_alg, tbs, sig) {
            Ok(()) => return LinkCheck::Ok,
            Err(VerifyError::Invalid(e)) => return LinkCheck::Bad(e),
            Err(VerifyError::Unsupported(_)) => {}
        }
    }
    if alg.oid.as_bytes() == oid::RSASSA_PSS {
        return LinkCheck::Unverifiable(
            "RSA-PSS certificate signature with parameters that cannot be checked".into(),
        );
    }
    let spki = &issuer.cert.tbs_certificate.subject_public_key_info;
    let key = match VerifyingKey::new(spki.owned_to_ref()) {
        Ok(k) => k,
        Err(x509_verify::Error::UnknownOid(o)) => {
            return LinkCheck::Unverifiable(format!("unsupported key type {}", oid_name(&o)))
        }
        Err(e) => return LinkCheck::Bad(format!("issuer key unusable: {e}")),
    };
    let info = VerifyInfo::new(Message::new(tbs), Signature::new(alg, sig));
    match key.verify(info) {
        Ok(()) => LinkCheck::Ok,
        Err(x509_verify::Error::UnknownOid(_)) => LinkCheck::Unverifiable(format!(
            "signature algorithm {} unsupported or not matching the issuer key",
            oid_name(&alg.oid)
        )),
        Err(e) => LinkCheck::Bad(e.to_string()),
    }
}

/// Checks that `issuer`'s key signed `subject`.
pub(crate) fn check_link(issuer: &Cert, subject: &Cert) -> LinkCheck {
    let c = &subject.cert;
    if c.signature_algorithm != c.tbs_certificate.signature {
        return LinkCheck::Bad("signature algorithm differs from the one in the TBS".into());
    }
    let Some(tbs) = signed_part(&subject.der) else {
        return LinkCheck::Bad("cannot locate the signed part".into());
    };
    let Some(sig) = c.signature.as_bytes() else {
        return LinkCheck::Bad("signature is not whole bytes".into());
    };
    check_signature(tbs, &c.signature_algorithm, sig, issuer)
}

impl Verifier {
    /// Link check, cached for the run by (issuer SHA-256, subject SHA-256).
    pub(crate) fn link(&self, issuer: &Cert, subject: &Cert) -> LinkCheck {
        let key = (issuer.sha256, subject.sha256);
        if let Some(r) = self
            .links
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return r.clone();
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let r = check_link(issuer, subject);
        let mut m = self.links.write().unwrap_or_else(|e| e.into_inner());
        if m.len() < MAX_CACHED_LINKS {
            m.insert(key, r.clone());
        }
        r
    }
}
