//! Certificates, trust anchors, certificate stores, path building, CRLs and
//! the signer's identity.

pub mod cert;
pub mod key;

pub use cert::{Cert, CertCache};
