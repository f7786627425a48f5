//! Public keys and signature algorithms: parse a key once, verify many
//! signatures with it (aws-lc-rs on the fast path, x509-verify / RustCrypto
//! for what aws-lc-rs lacks).
//!
//! INTERFACE STUB — to be implemented by the CMS/signature work (issue 3).

use x509_cert::spki::SubjectPublicKeyInfoOwned;

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The signature is wrong for this key and message.
    Invalid(String),
    /// We cannot check this algorithm / key combination.
    Unsupported(String),
}

/// A parsed public key.
pub struct PublicKey {
    bits: u32,
}

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo.
    pub fn from_spki(_spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, String> {
        Err("public key parsing not implemented".into())
    }

    /// Key size in bits (RSA modulus, EC field size, 255 for Ed25519, DSA p).
    pub fn bits(&self) -> u32 {
        self.bits
    }
}
