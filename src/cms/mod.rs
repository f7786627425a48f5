//! CMS (RFC 5652) structures: what a pkcs7 blob is, the signer checks of
//! SignedData, and the content encryption of (Auth)EnvelopedData.
//!
//! INTERFACE STUB — to be implemented by issue 3.

use std::sync::Arc;

use crate::pki::{Cert, CertCache};

/// What a CMS ContentInfo holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmsKind {
    /// SignedData with at least one SignerInfo.
    Signed,
    /// SignedData without SignerInfos (certificates only).
    CertsOnly,
    Enveloped,
    AuthEnveloped,
    /// Some other content type (Data, CompressedData, …).
    Other,
}

/// Signature status of a SignedData, the report's `signature` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigStatus {
    Valid,
    Invalid,
    Unsupported,
    Malformed,
}

impl SigStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SigStatus::Valid => "valid",
            SigStatus::Invalid => "invalid",
            SigStatus::Unsupported => "unsupported",
            SigStatus::Malformed => "malformed",
        }
    }
}

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// DER of the issuer Name, and the serial number bytes.
    IssuerSerial {
        issuer_der: Vec<u8>,
        serial: Vec<u8>,
    },
    SubjectKeyId(Vec<u8>),
}

/// The signer the report describes (first that verifies, else first).
#[derive(Debug, Clone)]
pub struct SignerReport {
    pub sid: SignerId,
    /// Its certificate, when found in the message or in the extra pool.
    pub cert: Option<Arc<Cert>>,
    pub status: SigStatus,
    /// `sha256`, `sha1`, … (report vocabulary).
    pub digest_alg: Option<String>,
    /// `rsa-pkcs1`, `rsa-pss`, `ecdsa-p256`, … (report vocabulary).
    pub signature_alg: Option<String>,
    pub key_bits: Option<u32>,
    /// signingTime attribute as Unix seconds.
    pub signing_time: Option<i64>,
}

/// Result of checking a SignedData.
#[derive(Debug, Clone)]
pub struct SignedOutcome {
    /// Number of SignerInfos.
    pub signers: usize,
    /// `valid` only when every signer verifies.
    pub status: SigStatus,
    /// One-line detail for invalid / malformed / unsupported.
    pub error: Option<String>,
    pub signer: Option<SignerReport>,
    /// Certificates carried in the SignedData, decoded (cached per run).
    pub certs: Vec<Arc<Cert>>,
    /// The digest algorithms of all chain-relevant weak checks.
    pub all_digest_algs: Vec<String>,
}

/// Result of looking into a CMS blob.
#[derive(Debug, Clone)]
pub struct CmsOutcome {
    /// None when the blob cannot be decoded at all.
    pub kind: Option<CmsKind>,
    /// Present for Signed (and CertsOnly, with status valid and 0 signers).
    pub signed: Option<SignedOutcome>,
    /// For (auth)enveloped data: `aes128-cbc`, `des-ede3-cbc`, …
    pub encryption_alg: Option<String>,
    /// Decoding error when `kind` is None.
    pub error: Option<String>,
}

/// Where signer certificates are looked up besides the message itself.
pub trait CertLookup: Sync {
    fn find_signer(&self, sid: &SignerId) -> Option<Arc<Cert>>;
}

/// Inspects a CMS blob (DER or BER) and, for SignedData, verifies every
/// signer. `content` is the detached content candidates in order (the
/// canonical signed bytes, then the same with one level of `>From `
/// quoting undone); the first that matches the messageDigest is used. For
/// opaque SignedData the encapsulated content is used and `content` is
/// ignored.
pub fn analyze(
    blob: &[u8],
    content: &[&[u8]],
    certs: &CertCache,
    extra: &dyn CertLookup,
) -> CmsOutcome {
    let _ = (blob, content, certs, extra);
    CmsOutcome {
        kind: None,
        signed: None,
        encryption_alg: None,
        error: Some("CMS decoding not implemented".into()),
    }
}
