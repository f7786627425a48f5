//! How a SignerInfo names its certificate, and where such certificates are
//! looked up besides the message itself.

use std::sync::Arc;

use super::Cert;

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// DER of the issuer Name, and the serial number bytes.
    IssuerSerial {
        /// DER of the certificate's issuer Name.
        issuer_der: Vec<u8>,
        /// The certificate's serial number, content octets as encoded.
        serial: Vec<u8>,
    },
    /// The certificate's subjectKeyIdentifier (`[0]` in the SignerInfo).
    SubjectKeyId(Vec<u8>),
}

/// Where signer certificates are looked up besides the message itself.
pub trait CertLookup: Sync {
    /// The certificate `sid` names, when this source holds one.
    fn find_signer(&self, sid: &SignerId) -> Option<Arc<Cert>>;

    /// Certificates whose subject is `cert`'s issuer (from `--certs` and the
    /// trust anchors). Used only to complete a DSA key whose domain
    /// parameters are inherited from its issuer (RFC 3279 §2.3.2) when the
    /// issuer is not in the message; the default finds none, and such a
    /// signer is then `unsupported`.
    fn find_issuers(&self, cert: &Cert) -> Vec<Arc<Cert>> {
        let _ = cert;
        Vec::new()
    }
}

fn serial_eq(a: &[u8], b: &[u8]) -> bool {
    let strip = |s: &[u8]| -> usize { s.iter().position(|&x| x != 0).unwrap_or(s.len()) };
    a[strip(a)..] == b[strip(b)..]
}

/// Whether `cert` is the one `sid` names.
pub fn sid_matches(sid: &SignerId, cert: &Cert) -> bool {
    match sid {
        SignerId::IssuerSerial { issuer_der, serial } => {
            serial_eq(serial, &cert.serial) && *issuer_der == cert.issuer_der
        }
        SignerId::SubjectKeyId(k) => cert.subject_key_id.as_deref() == Some(k.as_slice()),
    }
}
