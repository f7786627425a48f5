//! The signer's identity and key purposes: does the certificate name the
//! sender, and may it sign e-mail?

use const_oid::db::rfc5280;

use super::cert::Cert;

/// Whether one of `addrs` (From, Sender, …) is among the certificate's
/// e-mail addresses, compared case-insensitively (surrounding whitespace
/// and angle brackets ignored).
pub fn sender_match(cert: &Cert, addrs: &[&str]) -> bool {
    addrs.iter().any(|a| {
        let a = a
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim();
        !a.is_empty() && cert.emails.iter().any(|e| e.eq_ignore_ascii_case(a))
    })
}

/// extendedKeyUsage allows e-mail protection: no EKU extension, or it lists
/// emailProtection or anyExtendedKeyUsage. (`EKU_MISSING` when false.)
pub fn eku_ok(cert: &Cert) -> bool {
    match &cert.ext_key_usage {
        None => true,
        Some(ekus) => ekus.iter().any(|o| {
            *o == rfc5280::ID_KP_EMAIL_PROTECTION || *o == rfc5280::ANY_EXTENDED_KEY_USAGE
        }),
    }
}

/// keyUsage allows signing: no keyUsage extension, or digitalSignature or
/// nonRepudiation set. (`KEY_USAGE` when false.)
pub fn key_usage_ok(cert: &Cert) -> bool {
    match &cert.key_usage {
        None => true,
        Some(ku) => ku.digital_signature() || ku.non_repudiation(),
    }
}
