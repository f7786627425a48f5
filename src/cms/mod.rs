//! CMS (RFC 5652) structures: what a pkcs7 blob is, the signer checks of
//! SignedData, and the content encryption of (Auth)EnvelopedData.
//!
//! Entry point: [`inspect`]. BER input (indefinite lengths, chunked
//! strings) is normalised first (`ber::normalize`); the CMS skeleton is
//! then walked with a small DER reader ([`crate::der`]) so that signed attributes
//! are verified as encoded; `der`/`x509-cert` decode the leaves.
//!
//! Statuses of a signer ([`SigStatus`]):
//! - `Valid`: the content digest matches messageDigest (or the signature is
//!   over the content) and the signature verifies with the signer's key.
//! - `Invalid`: the digest does not match any content candidate ("content
//!   digest mismatch"), the contentType attribute differs from
//!   eContentType, the signed attributes break RFC 5652 (not exactly one
//!   single-valued contentType and messageDigest, more than one or a
//!   malformed signingTime, one of them among the unsigned attributes), the
//!   signer's digestAlgorithm is missing from SignedData.digestAlgorithms,
//!   the signature algorithm does not fit the signer's key (or an RSA-PSS
//!   hash differs from digestAlgorithm), or the signature is wrong for the
//!   key. The hash is always the digestAlgorithm (as OpenSSL 3); a weaker
//!   hash named by the signature algorithm is what `digest_alg` reports.
//! - `Unsupported`: we could not check: an unknown digest algorithm, an
//!   unusable key or one of a kind we do not verify (Ed448, brainpool), a DSA key whose
//!   inherited parameters are not available, a detached signature without
//!   content, and the signer's certificate missing from the message and
//!   from the [`CertLookup`] (error "signer certificate not found",
//!   `signer.cert = None`; the chain layer reports `missing-signer-cert`).
//!   `Invalid` is never reported for something we could not check.
//! - `Malformed` is not produced here: undecodable CMS gives `kind: None`
//!   with an error, and the caller reports `malformed`. Undecodable
//!   includes junk OpenSSL refuses too: a non-certificate among the
//!   certificates, a non-CRL among the crls, an element after the last
//!   field of ContentInfo, SignedData, EncapsulatedContentInfo or
//!   SignerInfo, and bytes after the ContentInfo (which OpenSSL 3.0
//!   ignores: see the README's differences).

use std::sync::Arc;

use const_oid::ObjectIdentifier;

use crate::der::ber::BerError;
use crate::der::{ber, oid, tag, DerError, Reader};
use crate::pki::{Cert, CertCache, CertLookup, SignerId};

mod enveloped;
mod signed;

pub use enveloped::Decryption;
pub use signed::{MAX_CERTS, MAX_SIGNERS};

/// Why a CMS blob does not decode (or breaks a rule that makes OpenSSL
/// refuse it too). The text is what the report's `error` column shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmsError {
    /// An element of the skeleton does not decode as DER.
    Der(DerError),
    /// The blob's BER does not normalise to DER.
    Ber(BerError),
    /// The structure decodes but breaks a rule of RFC 5652 (or of an
    /// algorithm's parameters); the text names the rule and the field.
    Malformed(String),
    /// An algorithm or parameters the scanner cannot run (named).
    Unsupported(String),
    /// An error inside the named structure (`CMS SignedData: …`).
    In(&'static str, Box<CmsError>),
}

impl CmsError {
    /// `self` as found inside the structure `what`.
    pub(crate) fn within(self, what: &'static str) -> CmsError {
        CmsError::In(what, Box::new(self))
    }
}

impl std::fmt::Display for CmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CmsError::Der(e) => e.fmt(f),
            CmsError::Ber(e) => e.fmt(f),
            CmsError::Malformed(s) | CmsError::Unsupported(s) => f.write_str(s),
            CmsError::In(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for CmsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CmsError::Der(e) => Some(e),
            CmsError::Ber(e) => Some(e),
            CmsError::Malformed(_) | CmsError::Unsupported(_) => None,
            CmsError::In(_, e) => Some(e.as_ref()),
        }
    }
}

impl From<DerError> for CmsError {
    fn from(e: DerError) -> Self {
        CmsError::Der(e)
    }
}

impl From<BerError> for CmsError {
    fn from(e: BerError) -> Self {
        CmsError::Ber(e)
    }
}

/// What a CMS ContentInfo holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmsKind {
    /// SignedData with at least one SignerInfo.
    Signed,
    /// SignedData without SignerInfos (certificates only).
    CertsOnly,
    /// EnvelopedData (RFC 5652 6): the `enveloped` kind.
    Enveloped,
    /// AuthEnvelopedData (RFC 5083): the `auth-enveloped` kind.
    AuthEnveloped,
    /// Some other content type (Data, CompressedData, …).
    Other,
}

/// Signature status of a SignedData, the report's `signature` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigStatus {
    /// The content digest matches and the signature verifies with the
    /// signer's key.
    Valid,
    /// The digest or the signature does not verify, or the signed
    /// attributes break RFC 5652.
    Invalid,
    /// An algorithm or key the scanner cannot check.
    Unsupported,
    /// The CMS structure cannot be decoded.
    Malformed,
}

impl SigStatus {
    /// The SPEC word for the `signature` column.
    pub fn as_str(self) -> &'static str {
        match self {
            SigStatus::Valid => "valid",
            SigStatus::Invalid => "invalid",
            SigStatus::Unsupported => "unsupported",
            SigStatus::Malformed => "malformed",
        }
    }
}

/// The signer the report describes (first that verifies, else first).
#[derive(Debug, Clone)]
pub struct SignerReport {
    /// How the SignerInfo names its certificate.
    pub sid: SignerId,
    /// Its certificate, when found in the message or in the extra pool.
    pub cert: Option<Arc<Cert>>,
    /// This signer's own verdict.
    pub status: SigStatus,
    /// `sha256`, `sha1`, … (report vocabulary).
    pub digest_alg: Option<String>,
    /// `rsa-pkcs1`, `rsa-pss`, `ecdsa-p256`, … (report vocabulary).
    pub signature_alg: Option<String>,
    /// Size of the signer's public key in bits (the `key_bits` column).
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
    /// The signer the row's signer columns describe: the first that
    /// verifies, else the first.
    pub signer: Option<SignerReport>,
    /// Every signer checked, in SignerInfo order (at most
    /// [`MAX_SIGNERS`]), each with its status and certificate.
    pub all: Vec<SignerReport>,
    /// Index in `all` of the signer shown in `signer`.
    pub shown: usize,
    /// Certificates carried in the SignedData, decoded (cached per run).
    pub certs: Vec<Arc<Cert>>,
    /// The digest algorithms of all chain-relevant weak checks.
    pub all_digest_algs: Vec<String>,
}

impl SignedOutcome {
    /// The outcome of a signature whose structure cannot be decoded.
    pub(crate) fn malformed(e: String) -> SignedOutcome {
        SignedOutcome {
            signers: 0,
            status: SigStatus::Malformed,
            error: Some(e),
            signer: None,
            all: Vec::new(),
            shown: 0,
            certs: Vec::new(),
            all_digest_algs: Vec::new(),
        }
    }
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

/// Inspects a CMS blob (DER or BER) and, for SignedData, verifies every
/// signer. `content` is the detached content candidates in order (the
/// canonical signed bytes, then the same with one level of `>From `
/// quoting undone); the first that matches the messageDigest is used.
/// Pass an empty `content` for application/pkcs7-mime (opaque): the
/// encapsulated content is used then. When `content` is not empty it is
/// what must be signed, even if the blob also carries an eContent (a
/// multipart/signed whose signature encapsulates different content is
/// `invalid`, as OpenSSL and Thunderbird judge it).
pub fn inspect(
    blob: &[u8],
    content: &[&[u8]],
    certs: &CertCache,
    extra: &dyn CertLookup,
) -> CmsOutcome {
    let fail = |e: String| CmsOutcome {
        kind: None,
        signed: None,
        encryption_alg: None,
        error: Some(e),
    };
    let norm = match ber::normalize_first(blob, false) {
        Ok((_, used)) if used < blob.len() => {
            return fail(format!(
                "CMS: {} bytes after the ContentInfo",
                blob.len() - used
            ))
        }
        Ok((n, _)) => n,
        Err(e) => return fail(format!("CMS: {e}")),
    };
    let (ctype, inner) = match content_info(&norm) {
        Ok(x) => x,
        Err(e) => return fail(format!("CMS: {e}")),
    };
    let ok = |kind, signed, encryption_alg| CmsOutcome {
        kind: Some(kind),
        signed,
        encryption_alg,
        error: None,
    };
    match ctype {
        oid::SIGNED_DATA => {
            let Some(inner) = inner else {
                return fail("CMS: SignedData without content".into());
            };
            match signed::check(inner, content, certs, extra) {
                Ok(so) => {
                    let kind = if so.signers == 0 {
                        CmsKind::CertsOnly
                    } else {
                        CmsKind::Signed
                    };
                    ok(kind, Some(so), None)
                }
                Err(e) => fail(format!("CMS SignedData: {e}")),
            }
        }
        oid::ENVELOPED_DATA | oid::AUTH_ENVELOPED_DATA => {
            let auth = ctype == oid::AUTH_ENVELOPED_DATA;
            let Some(inner) = inner else {
                return fail("CMS: EnvelopedData without content".into());
            };
            match enveloped::content_encryption_alg(inner, auth) {
                Ok(alg) => {
                    let kind = if auth {
                        CmsKind::AuthEnveloped
                    } else {
                        CmsKind::Enveloped
                    };
                    ok(kind, None, Some(alg))
                }
                Err(e) => fail(format!(
                    "CMS {}: {e}",
                    if auth {
                        "AuthEnvelopedData"
                    } else {
                        "EnvelopedData"
                    }
                )),
            }
        }
        _ => ok(CmsKind::Other, None, None),
    }
}

/// The content type a ContentInfo declares, read from its start even when
/// the rest does not decode (junk after it, a broken SignedData). None
/// when not even that can be read; [`CmsKind::Other`] for another type.
pub(crate) fn declared_kind(blob: &[u8]) -> Option<CmsKind> {
    let (norm, _) = ber::normalize_first(blob, false).ok()?;
    let (ctype, _) = content_info(&norm).ok()?;
    Some(match ctype {
        oid::SIGNED_DATA => CmsKind::Signed,
        oid::ENVELOPED_DATA => CmsKind::Enveloped,
        oid::AUTH_ENVELOPED_DATA => CmsKind::AuthEnveloped,
        _ => CmsKind::Other,
    })
}

/// Decrypts an (Auth)EnvelopedData blob (DER or BER) with the matching
/// `keys`. `Err` when the blob is not an (Auth)EnvelopedData that decodes.
pub fn decrypt(blob: &[u8], keys: &crate::keys::KeyStore) -> Result<Decryption, CmsError> {
    let norm = ber::normalize(blob).map_err(|e| CmsError::from(e).within("CMS"))?;
    let (ctype, inner) = content_info(&norm).map_err(|e| e.within("CMS"))?;
    let inner = inner
        .ok_or_else(|| CmsError::Malformed("EnvelopedData without content".into()).within("CMS"))?;
    match ctype {
        oid::ENVELOPED_DATA => {
            enveloped::decrypt(inner, false, keys).map_err(|e| e.within("CMS EnvelopedData"))
        }
        oid::AUTH_ENVELOPED_DATA => {
            enveloped::decrypt(inner, true, keys).map_err(|e| e.within("CMS AuthEnvelopedData"))
        }
        _ => Err(CmsError::Malformed("not EnvelopedData".into()).within("CMS")),
    }
}

// ContentInfo content types (OID contents octets).

/// ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }:
/// the content type's OID octets and the inner element's encoding.
fn content_info(der: &[u8]) -> Result<(&[u8], Option<&[u8]>), CmsError> {
    let mut r = Reader::new(der);
    let ci = r.expect(tag::SEQUENCE, "ContentInfo")?;
    let mut r = ci.reader();
    let oid = r.expect(tag::OID, "contentType")?.value;
    ObjectIdentifier::from_bytes(oid)
        .map_err(|e| CmsError::Malformed(format!("contentType: {e}")))?;
    let inner = match r.optional(tag::CTX0_C)? {
        Some(c) => {
            let mut cr = c.reader();
            let inner = cr.next_tlv()?.raw;
            if let Some(t) = cr.peek_tag() {
                return Err(CmsError::Malformed(format!(
                    "ContentInfo: unexpected element (tag 0x{t:02x}) after the content"
                )));
            }
            Some(inner)
        }
        None => None,
    };
    if let Some(t) = r.peek_tag() {
        return Err(CmsError::Malformed(format!(
            "ContentInfo: unexpected element (tag 0x{t:02x}) after its last field"
        )));
    }
    Ok((oid, inner))
}
