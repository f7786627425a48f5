//! One decoded certificate, with everything the report and the chain
//! builder ask of it computed once. Certificates are cached per run by their
//! DER bytes ([`CertCache`]): an archive has thousands of messages per
//! signer, and each certificate is decoded (and its key parsed) only once.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use const_oid::db::rfc3280;
use const_oid::db::rfc5280;
use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::Certificate;

use super::key::{AlgError, PublicKey};
use crate::der::ber;
use crate::der::ber::BerError;

/// Why bytes are not a certificate we can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertError {
    /// Its BER does not normalise to DER.
    Ber(BerError),
    /// Bytes follow the certificate (how many).
    Trailing(usize),
    /// The DER decoder refuses it (its words).
    Decode(String),
    /// A Name does not re-encode as DER (the encoder's words).
    Encode(String),
}

impl std::fmt::Display for CertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertError::Ber(e) => write!(f, "certificate: {e}"),
            CertError::Trailing(n) => write!(f, "certificate: {n} bytes after the certificate"),
            CertError::Decode(e) => write!(f, "certificate: {e}"),
            CertError::Encode(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for CertError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CertError::Ber(e) => Some(e),
            _ => None,
        }
    }
}

/// PKCS#9 emailAddress attribute in a subject name (legacy S/MIME identity).
pub(crate) const EMAIL_ADDRESS: const_oid::ObjectIdentifier = rfc3280::EMAIL_ADDRESS;

/// A decoded certificate and the facts derived from it.
pub struct Cert {
    /// The certificate's DER encoding, as found.
    pub der: Vec<u8>,
    /// The decoded certificate.
    pub(crate) cert: Certificate,
    /// SHA-256 of `der`.
    pub sha256: [u8; 32],
    /// Subject as RFC 4514 text.
    pub subject: String,
    /// Issuer as RFC 4514 text.
    pub(crate) issuer: String,
    /// DER of the subject Name (for exact issuer/subject matching).
    pub subject_der: Vec<u8>,
    /// DER of the issuer Name.
    pub issuer_der: Vec<u8>,
    /// Serial number bytes as encoded (big-endian, may carry a leading 0).
    pub serial: Vec<u8>,
    /// notBefore as Unix seconds.
    pub not_before: i64,
    /// notAfter as Unix seconds.
    pub(crate) not_after: i64,
    /// rfc822Name entries of subjectAltName, then subject emailAddress
    /// values, lowercase, in that order, without duplicates.
    pub(crate) emails: Vec<String>,
    /// The subjectKeyIdentifier extension's key identifier, None when absent.
    pub subject_key_id: Option<Vec<u8>>,
    /// The authorityKeyIdentifier extension's keyIdentifier, None when absent.
    pub(crate) authority_key_id: Option<Vec<u8>>,
    /// basicConstraints: (cA, pathLenConstraint), None when absent.
    pub(crate) basic_constraints: Option<(bool, Option<u8>)>,
    /// keyUsage bits (RFC 5280 order, bit 0 = digitalSignature), None when absent.
    pub(crate) key_usage: Option<KeyUsage>,
    /// extendedKeyUsage OIDs, None when absent.
    pub(crate) ext_key_usage: Option<Vec<const_oid::ObjectIdentifier>>,
    /// The subject public key, parsed on first use and kept.
    key: OnceLock<Result<PublicKey, AlgError>>,
}

impl std::fmt::Debug for Cert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cert")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("serial", &self.serial_hex())
            .finish()
    }
}

impl Cert {
    /// Decodes one certificate. Every certificate (in a message, from
    /// `--certs`, a trust anchor) takes this one path: the BER normaliser
    /// (indefinite and non-minimal lengths, chunked strings), then the DER
    /// decoder. The bytes kept in `der` are those given (what the issuer
    /// signed and what `signer_sha256` names) unless they hold indefinite
    /// lengths or chunked strings, which only the normalised form can be
    /// walked without.
    pub fn from_der(der: &[u8]) -> Result<Cert, CertError> {
        let (norm, used) = ber::normalize_first(der, true).map_err(CertError::Ber)?;
        if used != der.len() {
            return Err(CertError::Trailing(der.len() - used));
        }
        let cert = Certificate::from_der(&norm).map_err(|e| CertError::Decode(e.to_string()))?;
        let keep = match ber::normalize_first(der, false) {
            Ok((std::borrow::Cow::Borrowed(_), _)) => der.to_vec(),
            _ => norm.into_owned(),
        };
        Cert::from_decoded(keep, cert)
    }

    /// Builds from an already decoded certificate and its DER.
    pub(crate) fn from_decoded(der: Vec<u8>, cert: Certificate) -> Result<Cert, CertError> {
        let tbs = &cert.tbs_certificate;
        let sha256: [u8; 32] = Sha256::digest(&der).into();
        let subject_der = tbs
            .subject
            .to_der()
            .map_err(|e| CertError::Encode(e.to_string()))?;
        let issuer_der = tbs
            .issuer
            .to_der()
            .map_err(|e| CertError::Encode(e.to_string()))?;
        let not_before = tbs.validity.not_before.to_unix_duration().as_secs() as i64;
        let not_after = tbs.validity.not_after.to_unix_duration().as_secs() as i64;

        let mut emails: Vec<String> = Vec::new();
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut basic_constraints = None;
        let mut key_usage = None;
        let mut ext_key_usage = None;
        for ext in tbs.extensions.iter().flatten() {
            let v = ext.extn_value.as_bytes();
            match ext.extn_id {
                rfc5280::ID_CE_SUBJECT_ALT_NAME => {
                    if let Ok(san) = SubjectAltName::from_der(v) {
                        for gn in san.0 {
                            if let GeneralName::Rfc822Name(n) = gn {
                                push_email(&mut emails, n.as_str());
                            }
                        }
                    }
                }
                rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER => {
                    if let Ok(ski) = SubjectKeyIdentifier::from_der(v) {
                        subject_key_id = Some(ski.0.as_bytes().to_vec());
                    }
                }
                rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER => {
                    if let Ok(aki) = AuthorityKeyIdentifier::from_der(v) {
                        authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                    }
                }
                rfc5280::ID_CE_BASIC_CONSTRAINTS => {
                    if let Ok(bc) = BasicConstraints::from_der(v) {
                        basic_constraints = Some((bc.ca, bc.path_len_constraint));
                    }
                }
                rfc5280::ID_CE_KEY_USAGE => {
                    key_usage = KeyUsage::from_der(v).ok();
                }
                rfc5280::ID_CE_EXT_KEY_USAGE => {
                    ext_key_usage = ExtendedKeyUsage::from_der(v).ok().map(|e| e.0);
                }
                _ => {}
            }
        }
        for rdn in tbs.subject.0.iter() {
            for atv in rdn.0.iter() {
                if atv.oid == EMAIL_ADDRESS {
                    if let Some(s) = any_string(&atv.value) {
                        push_email(&mut emails, &s);
                    }
                }
            }
        }
        Ok(Cert {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            serial: tbs.serial_number.as_bytes().to_vec(),
            der,
            sha256,
            subject_der,
            issuer_der,
            not_before,
            not_after,
            emails,
            subject_key_id,
            authority_key_id,
            basic_constraints,
            key_usage,
            ext_key_usage,
            key: OnceLock::new(),
            cert,
        })
    }

    /// Serial number as lowercase hex without leading zero bytes.
    pub(crate) fn serial_hex(&self) -> String {
        let s = &self.serial;
        let start = s
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(s.len().saturating_sub(1));
        hex(&s[start..])
    }

    /// SHA-256 of the DER as lowercase hex.
    pub(crate) fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }

    /// The subject public key, parsed once per run.
    pub fn public_key(&self) -> Result<&PublicKey, &AlgError> {
        self.key
            .get_or_init(|| {
                PublicKey::from_spki(&self.cert.tbs_certificate.subject_public_key_info)
            })
            .as_ref()
    }

    /// Whether the certificate is self-issued (subject == issuer).
    pub(crate) fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }
}

fn push_email(emails: &mut Vec<String>, s: &str) {
    let e = s.trim().to_ascii_lowercase();
    if !e.is_empty() && !emails.contains(&e) {
        emails.push(e);
    }
}

/// Reads an attribute value of any string type (IA5String, UTF8String,
/// PrintableString, …) as text.
pub(crate) fn any_string(v: &der::Any) -> Option<String> {
    std::str::from_utf8(v.value()).ok().map(str::to_owned)
}

/// Lowercase hex of bytes.
pub(crate) fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(D[(x >> 4) as usize] as char);
        s.push(D[(x & 15) as usize] as char);
    }
    s
}

/// Per-run cache of decoded certificates keyed by their DER.
///
/// The map key is the DER's length and last 32 bytes (the end of the
/// signature value: as good as random, and what differs between two
/// certificates), so a lookup does not hash a whole kilobyte; the entry is
/// then matched on the full DER.
#[derive(Default)]
pub struct CertCache {
    map: RwLock<HashMap<DerKey, Vec<Arc<Cert>>>>,
}

/// (length, last 32 bytes) of a certificate's DER.
type DerKey = (usize, [u8; 32]);

fn der_key(der: &[u8]) -> DerKey {
    let mut tail = [0u8; 32];
    let t = &der[der.len().saturating_sub(32)..];
    tail[..t.len()].copy_from_slice(t);
    (der.len(), tail)
}

impl CertCache {
    /// Limit on distinct certificates kept; past it, certificates are still
    /// decoded but no longer cached (bounded memory on hostile archives).
    pub(crate) const MAX_ENTRIES: usize = 100_000;

    /// Returns the cached certificate for `der`, decoding it on first sight.
    pub fn get(&self, der: &[u8]) -> Result<Arc<Cert>, CertError> {
        let key = der_key(der);
        if let Some(list) = self.map.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            if let Some(c) = list.iter().find(|c| c.der == der) {
                return Ok(c.clone());
            }
        }
        let c = Arc::new(Cert::from_der(der)?);
        let mut m = self.map.write().unwrap_or_else(|e| e.into_inner());
        if m.len() < Self::MAX_ENTRIES {
            let list = m.entry(key).or_default();
            if list.len() < 8 && !list.iter().any(|x| x.der == der) {
                list.push(c.clone());
            }
        }
        Ok(c)
    }
}
