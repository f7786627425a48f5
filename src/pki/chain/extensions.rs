//! Per-certificate extension rules (RFC 5280 4.2): CA-ness of issuers,
//! critical extensions we cannot honour, repeated extensions, recognised
//! extensions that do not decode, and the extendedKeyUsage of CAs.

use std::collections::HashSet;

use const_oid::db::rfc5280;
use const_oid::ObjectIdentifier;
use der::Decode;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, NameConstraints,
    SubjectAltName, SubjectKeyIdentifier,
};

use super::error::{ChainError, NotCaReason};
use crate::pki::cert::Cert;

/// Whether `c` may act as an issuing CA. Anchors may lack
/// basicConstraints when self-issued (version 1 roots).
pub(super) fn ca_problems(c: &Cert, is_anchor: bool, problems: &mut Vec<ChainError>) {
    let not_ca = |reason| ChainError::NotCa {
        ca: c.subject.clone(),
        reason,
    };
    match c.basic_constraints {
        Some((true, _)) => {}
        Some((false, _)) => problems.push(not_ca(NotCaReason::CaFalse)),
        None if is_anchor && c.is_self_issued() => {}
        None => problems.push(not_ca(NotCaReason::NoBasicConstraints)),
    }
    if let Some(ku) = &c.key_usage {
        if !ku.key_cert_sign() {
            problems.push(not_ca(NotCaReason::NoKeyCertSign));
        }
    }
}

/// Extensions whose criticality we can honour (RFC 5280 4.2).
const KNOWN_CRITICAL: &[ObjectIdentifier] = &[
    rfc5280::ID_CE_BASIC_CONSTRAINTS,
    rfc5280::ID_CE_KEY_USAGE,
    rfc5280::ID_CE_EXT_KEY_USAGE,
    rfc5280::ID_CE_SUBJECT_ALT_NAME,
    rfc5280::ID_CE_ISSUER_ALT_NAME,
    rfc5280::ID_CE_NAME_CONSTRAINTS,
    rfc5280::ID_CE_CERTIFICATE_POLICIES,
    rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
    rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
    rfc5280::ID_CE_FRESHEST_CRL,
    rfc5280::ID_PE_AUTHORITY_INFO_ACCESS,
    rfc5280::ID_PE_SUBJECT_INFO_ACCESS,
    rfc5280::ID_CE_SUBJECT_DIRECTORY_ATTRIBUTES,
    rfc5280::ID_CE_POLICY_MAPPINGS,
    rfc5280::ID_CE_POLICY_CONSTRAINTS,
    rfc5280::ID_CE_INHIBIT_ANY_POLICY,
];

/// Critical extensions this verifier cannot honour.
pub(super) fn critical_problems(c: &Cert, problems: &mut Vec<ChainError>) {
    for ext in c.cert.tbs_certificate.extensions.iter().flatten() {
        if ext.critical && !KNOWN_CRITICAL.contains(&ext.extn_id) {
            problems.push(ChainError::UnsupportedCriticalExtension {
                subject: c.subject.clone(),
                oid: ext.extn_id,
            });
        }
    }
}

/// Whether the value of a recognised extension decodes (exactly, no
/// trailing bytes); None for extensions this verifier does not act on.
fn decodes(oid: &ObjectIdentifier, v: &[u8]) -> Option<bool> {
    Some(match *oid {
        rfc5280::ID_CE_BASIC_CONSTRAINTS => BasicConstraints::from_der(v).is_ok(),
        rfc5280::ID_CE_KEY_USAGE => KeyUsage::from_der(v).is_ok(),
        rfc5280::ID_CE_EXT_KEY_USAGE => ExtendedKeyUsage::from_der(v).is_ok(),
        rfc5280::ID_CE_SUBJECT_ALT_NAME => SubjectAltName::from_der(v).is_ok(),
        rfc5280::ID_CE_NAME_CONSTRAINTS => NameConstraints::from_der(v).is_ok(),
        rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER => SubjectKeyIdentifier::from_der(v).is_ok(),
        rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER => AuthorityKeyIdentifier::from_der(v).is_ok(),
        _ => return None,
    })
}

/// A repeated extension (any OID, RFC 5280 4.2: "a certificate MUST NOT
/// include more than one instance of a particular extension"), or a
/// recognised one whose value does not decode: the decoded certificate
/// would otherwise silently use the first, the last or none of them.
pub(super) fn extension_problems(c: &Cert, problems: &mut Vec<ChainError>) {
    let mut seen: HashSet<ObjectIdentifier> = HashSet::new();
    for ext in c.cert.tbs_certificate.extensions.iter().flatten() {
        if !seen.insert(ext.extn_id) {
            let e = ChainError::DuplicateExtension {
                subject: c.subject.clone(),
                oid: ext.extn_id,
            };
            if !problems.contains(&e) {
                problems.push(e);
            }
            continue;
        }
        if decodes(&ext.extn_id, ext.extn_value.as_bytes()) == Some(false) {
            problems.push(ChainError::UndecodableExtension {
                subject: c.subject.clone(),
                oid: ext.extn_id,
            });
        }
    }
}

/// A CA whose extendedKeyUsage allows neither emailProtection nor
/// anyExtendedKeyUsage cannot issue e-mail signers (NSS and OpenSSL
/// chain EKUs). No extendedKeyUsage allows everything.
pub(super) fn ca_eku_problem(c: &Cert, problems: &mut Vec<ChainError>) {
    if let Some(ekus) = &c.ext_key_usage {
        let ok = ekus.iter().any(|o| {
            *o == rfc5280::ID_KP_EMAIL_PROTECTION || *o == rfc5280::ANY_EXTENDED_KEY_USAGE
        });
        if !ok {
            problems.push(ChainError::CaEkuNotEmail {
                ca: c.subject.clone(),
            });
        }
    }
}
