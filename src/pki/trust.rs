//! Trust anchors: `--trust` files and folders, plus (unless
//! `--no-default-trust`) Mozilla's roots trusted for e-mail, built in from
//! the `certval_stores_mozilla` crate.
//!
//! An anchor is trusted by its subject Name and public key, not by its exact
//! bytes: a re-issued root certificate with the same name and key (found in a
//! message or in `--certs`) ends a path just as the stored one does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use der::Encode;

use super::cert::Cert;
use super::store::load_certs;

/// The DER of a certificate's SubjectPublicKeyInfo.
pub(crate) fn spki_der(c: &Cert) -> Vec<u8> {
    c.cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .unwrap_or_default()
}

/// The set of trust anchors.
#[derive(Default)]
pub struct TrustStore {
    anchors: Vec<Arc<Cert>>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
    /// (subject DER, SPKI DER) → anchor index.
    by_name_key: HashMap<(Vec<u8>, Vec<u8>), usize>,
    warnings: Vec<String>,
    mozilla: usize,
}

impl TrustStore {
    /// An empty store (nothing is trusted).
    pub fn empty() -> TrustStore {
        TrustStore::default()
    }

    /// Anchors from `--trust` paths and, when `default_trust`, the built-in
    /// Mozilla e-mail roots. An unreadable path or a named file holding no
    /// certificate is an error (bad argument).
    pub fn load(paths: &[PathBuf], default_trust: bool) -> Result<TrustStore, String> {
        let (certs, warnings) = load_certs(paths)?;
        let mut s = TrustStore::from_certs(certs);
        s.warnings = warnings;
        if default_trust {
            s.add_mozilla_email();
        }
        Ok(s)
    }

    /// A store holding exactly these anchors.
    pub fn from_certs(certs: Vec<Arc<Cert>>) -> TrustStore {
        let mut s = TrustStore::default();
        for c in certs {
            s.add(c);
        }
        s
    }

    /// Adds Mozilla's roots carrying the Email trust bit (88 in the
    /// `certval_stores_mozilla` 1.0.0-rc.1 snapshot). Returns how many were
    /// added.
    pub fn add_mozilla_email(&mut self) -> usize {
        let mut n = 0;
        for der in certval_stores_mozilla::EMAIL_ROOTS {
            match Cert::from_der(der) {
                Ok(c) => {
                    if self.add(Arc::new(c)) {
                        n += 1;
                    }
                }
                Err(e) => self
                    .warnings
                    .push(format!("built-in Mozilla root not decodable: {e}")),
            }
        }
        self.mozilla += n;
        n
    }

    /// Adds one anchor; false when an anchor with the same name and key is
    /// already present.
    pub fn add(&mut self, c: Arc<Cert>) -> bool {
        let key = (c.subject_der.clone(), spki_der(&c));
        if self.by_name_key.contains_key(&key) {
            return false;
        }
        let i = self.anchors.len();
        self.by_name_key.insert(key, i);
        self.by_subject
            .entry(c.subject_der.clone())
            .or_default()
            .push(i);
        self.anchors.push(c);
        true
    }

    /// All anchors.
    pub fn anchors(&self) -> &[Arc<Cert>] {
        &self.anchors
    }

    /// Number of anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// Whether no anchor is configured.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// How many anchors came from the built-in Mozilla set.
    pub fn mozilla_count(&self) -> usize {
        self.mozilla
    }

    /// Anchors whose subject equals `subject_der`.
    pub fn by_subject(&self, subject_der: &[u8]) -> impl Iterator<Item = &Arc<Cert>> {
        self.by_subject
            .get(subject_der)
            .into_iter()
            .flatten()
            .map(|&i| &self.anchors[i])
    }

    /// The anchor with the same subject and public key as `c`, if any.
    pub fn anchor_for(&self, c: &Cert) -> Option<&Arc<Cert>> {
        if !self.by_subject.contains_key(&c.subject_der) {
            return None;
        }
        self.by_name_key
            .get(&(c.subject_der.clone(), spki_der(c)))
            .map(|&i| &self.anchors[i])
    }

    /// Problems met while loading.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}
