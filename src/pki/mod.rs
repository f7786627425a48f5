//! Certificates, trust anchors, certificate stores, path building, CRLs and
//! the signer's identity.

pub(crate) mod cert;
pub mod chain;
pub mod crl;
pub mod history;
pub mod identity;
pub mod key;
pub(crate) mod lookup;
pub mod store;
pub mod trust;

pub use cert::{Cert, CertCache, CertError};
pub use lookup::{sid_matches, CertLookup, SignerId};
