//! Trust anchors: `--trust` files and folders, plus (unless
//! `--no-default-trust`) Mozilla's roots trusted for e-mail, built in: with
//! `--builtin-trust current` today's set (the `certval_stores_mozilla`
//! crate) for every message; with `asof` every root Mozilla ever trusted
//! for e-mail, each anchoring a chain only at the times the trust history
//! ([`super::history`]) says, asked through [`TrustStore::at`]. `--trust`
//! anchors are always trusted as given, also when they equal a built-in
//! root.
//!
//! An anchor is trusted by its subject Name and public key, not by its exact
//! bytes: a re-issued root certificate with the same name and key (found in a
//! message or in `--certs`) ends a path just as the stored one does.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use der::Encode;

use super::cert::Cert;
use super::history::{Refusal, TrustHistory};
use super::store::{load_certs, LoadError};

/// Which built-in roots anchor a chain (`--builtin-trust`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuiltinTrust {
    /// The roots Mozilla trusted for e-mail at the chain's `validated_at`.
    #[default]
    AsOf,
    /// Today's roots for every message.
    Current,
}

/// A `--builtin-trust` value other than `asof` and `current` (as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadBuiltinTrust(pub String);

impl std::fmt::Display for BadBuiltinTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected asof or current, got '{}'", self.0)
    }
}

impl std::error::Error for BadBuiltinTrust {}

impl std::str::FromStr for BuiltinTrust {
    type Err = BadBuiltinTrust;
    fn from_str(s: &str) -> Result<BuiltinTrust, BadBuiltinTrust> {
        match s {
            "asof" => Ok(BuiltinTrust::AsOf),
            "current" => Ok(BuiltinTrust::Current),
            _ => Err(BadBuiltinTrust(s.to_owned())),
        }
    }
}

/// How far an anchor is trusted.
#[derive(Debug, Clone)]
enum Governed {
    /// Always (`--trust`, or the current built-in set).
    Always,
    /// As the history says for these of its roots (several certificates
    /// with one name and key: trusted when any of them is).
    History(Vec<u32>),
}

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
    /// Per anchor.
    governed: Vec<Governed>,
    history: Option<Arc<TrustHistory>>,
}

/// The anchors as of one time, for one leaf: what a single chain judgement
/// may rest on. Cheap to make (one binary search).
#[derive(Clone, Copy)]
pub struct AnchorsAt<'a> {
    store: &'a TrustStore,
    epoch: Option<super::history::Epochal<'a>>,
    at: i64,
    leaf_not_before: i64,
}

/// Why a built-in root did not anchor a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorRefusal {
    /// The root's subject (RFC 4514).
    pub root: String,
    /// The judging time.
    pub(crate) at: i64,
    /// Why the root does not anchor at that time.
    pub reason: Refusal,
    /// The root's intervals of e-mail trust, as text
    /// (`2001-07-11 to 2016-09-26`).
    pub(crate) trusted: String,
    /// notBefore of the chain's leaf.
    pub(crate) leaf_not_before: i64,
}

impl std::fmt::Display for AnchorRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (root, at) = (&self.root, crate::time::rfc3339(self.at));
        match self.reason {
            Refusal::NotTrusted => write!(
                f,
                "built-in root '{root}' was not trusted for e-mail by Mozilla at {at} \
                 (trusted {})",
                self.trusted
            ),
            Refusal::DistrustedAfter(d) => write!(
                f,
                "built-in root '{root}' is distrusted by Mozilla at {at} for leaf \
                 certificates issued after {} (the signer's: {})",
                crate::time::rfc3339(d),
                crate::time::rfc3339(self.leaf_not_before)
            ),
        }
    }
}

impl AnchorsAt<'_> {
    /// Whether anchor `i` anchors the chain; otherwise the refusing root
    /// and why (cheap: no text).
    fn allowed(&self, i: usize) -> Result<(), (usize, Refusal)> {
        let Some(Governed::History(roots)) = self.store.governed.get(i) else {
            return Ok(());
        };
        let Some(epoch) = self.epoch else {
            return Ok(());
        };
        let mut why = None;
        for &r in roots {
            match epoch.allows(r as usize, self.leaf_not_before) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    why.get_or_insert((r as usize, e));
                }
            }
        }
        Err(why.unwrap_or((0, Refusal::NotTrusted)))
    }

    /// Whether anchor `i` anchors the chain; otherwise why not.
    pub(crate) fn check(&self, i: usize) -> Result<(), AnchorRefusal> {
        self.allowed(i).map_err(|(r, reason)| AnchorRefusal {
            root: self.store.anchors[i].subject.clone(),
            at: self.at,
            reason,
            trusted: self
                .store
                .history
                .as_ref()
                .map(|h| h.describe(r))
                .unwrap_or_default(),
            leaf_not_before: self.leaf_not_before,
        })
    }

    /// Whether anchor `i` anchors the chain.
    pub fn trusts(&self, i: usize) -> bool {
        self.allowed(i).is_ok()
    }
}

impl TrustStore {
    /// An empty store (nothing is trusted).
    pub fn empty() -> TrustStore {
        TrustStore::default()
    }

    /// Anchors from `--trust` paths and, when `default_trust`, the built-in
    /// Mozilla e-mail roots. An unreadable path or a named file holding no
    /// certificate is an error (bad argument).
    pub fn load(paths: &[PathBuf], default_trust: bool) -> Result<TrustStore, LoadError> {
        TrustStore::load_with(paths, default_trust.then_some(BuiltinTrust::Current))
    }

    /// Anchors from `--trust` paths and, unless `builtin` is None, the
    /// built-in roots: today's set, or the whole history governed by time.
    pub fn load_with(
        paths: &[PathBuf],
        builtin: Option<BuiltinTrust>,
    ) -> Result<TrustStore, LoadError> {
        let (certs, warnings) = load_certs(paths)?;
        let mut s = TrustStore::from_certs(certs);
        s.warnings = warnings;
        match builtin {
            None => {}
            Some(BuiltinTrust::Current) => {
                s.add_mozilla_email();
            }
            Some(BuiltinTrust::AsOf) => {
                s.add_history(
                    TrustHistory::builtin().map_err(|e| LoadError::History(e.to_string()))?,
                );
            }
        }
        Ok(s)
    }

    /// Adds every root of `history` as an anchor governed by it (a root
    /// with the name and key of a `--trust` anchor stays always trusted).
    /// Returns how many anchors were added.
    pub fn add_history(&mut self, history: Arc<TrustHistory>) -> usize {
        let mut n = 0;
        for (r, root) in history.roots().iter().enumerate() {
            let key = (root.cert.subject_der.clone(), spki_der(&root.cert));
            match self.by_name_key.get(&key) {
                Some(&i) => {
                    if let Governed::History(roots) = &mut self.governed[i] {
                        roots.push(r as u32);
                    }
                }
                None => {
                    self.add(root.cert.clone());
                    let i = self.anchors.len() - 1;
                    self.governed[i] = Governed::History(vec![r as u32]);
                    n += 1;
                }
            }
        }
        self.mozilla += n;
        self.history = Some(history);
        n
    }

    /// The trust history governing built-in anchors (`asof`), if any.
    pub fn history(&self) -> Option<&Arc<TrustHistory>> {
        self.history.as_ref()
    }

    /// The anchors as of `at` for a leaf issued at `leaf_not_before`.
    pub fn at(&self, at: i64, leaf_not_before: i64) -> AnchorsAt<'_> {
        AnchorsAt {
            store: self,
            epoch: self.history.as_deref().map(|h| h.at(at)),
            at,
            leaf_not_before,
        }
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
    pub(crate) fn add_mozilla_email(&mut self) -> usize {
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
    pub(crate) fn add(&mut self, c: Arc<Cert>) -> bool {
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
        self.governed.push(Governed::Always);
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
    pub(crate) fn by_subject(&self, subject_der: &[u8]) -> impl Iterator<Item = &Arc<Cert>> {
        self.by_subject
            .get(subject_der)
            .into_iter()
            .flatten()
            .map(|&i| &self.anchors[i])
    }

    /// Indexes of the anchors whose subject equals `subject_der`.
    pub(crate) fn indexes_by_subject(
        &self,
        subject_der: &[u8],
    ) -> impl Iterator<Item = usize> + '_ {
        self.by_subject
            .get(subject_der)
            .into_iter()
            .flatten()
            .copied()
    }

    /// Index of the anchor with the same subject and public key as `c`.
    pub fn index_for(&self, c: &Cert) -> Option<usize> {
        if !self.by_subject.contains_key(&c.subject_der) {
            return None;
        }
        self.by_name_key
            .get(&(c.subject_der.clone(), spki_der(c)))
            .copied()
    }

    /// Problems met while loading.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    const ADDTRUST: &str =
        "CN=AddTrust External CA Root,OU=AddTrust External TTP Network,O=AddTrust AB,C=SE";

    fn t(s: &str) -> i64 {
        parse_rfc3339(s).unwrap()
    }

    #[test]
    fn builtin_anchors_follow_the_history() {
        let s = TrustStore::load_with(&[], Some(BuiltinTrust::AsOf)).unwrap();
        let h = s.history().unwrap().clone();
        let root = h
            .roots()
            .iter()
            .find(|r| r.cert.subject == ADDTRUST)
            .unwrap();
        let i = s.index_for(&root.cert).unwrap();
        assert!(s.at(t("2019-06-01T00:00:00Z"), 0).trusts(i));
        let err = s.at(t("2021-06-01T00:00:00Z"), 0).check(i).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "built-in root '{ADDTRUST}' was not trusted for e-mail by Mozilla at \
                 2021-06-01T00:00:00Z (trusted 2001-07-11 to 2020-06-26)"
            )
        );
        // Today's set is the last epoch.
        let now = t("2026-12-01T00:00:00Z");
        let n = (0..s.len()).filter(|&i| s.at(now, 0).trusts(i)).count();
        assert_eq!(n, 88);
    }

    /// A `--trust` anchor equal to a built-in root is trusted as given.
    #[test]
    fn trust_anchor_equal_to_builtin_is_always_trusted() {
        let h = TrustHistory::builtin().unwrap();
        let root = h
            .roots()
            .iter()
            .find(|r| r.cert.subject == ADDTRUST)
            .unwrap();
        let mut s = TrustStore::from_certs(vec![root.cert.clone()]);
        s.add_history(h.clone());
        let i = s.index_for(&root.cert).unwrap();
        assert!(s.at(t("2026-12-01T00:00:00Z"), 0).trusts(i));
        assert!(s.at(i64::MIN, 0).check(i).is_ok());
    }

    /// `current` and no built-in trust: nothing is governed by time.
    #[test]
    fn current_set_is_timeless() {
        let s = TrustStore::load_with(&[], Some(BuiltinTrust::Current)).unwrap();
        assert!(s.history().is_none());
        assert_eq!(s.len(), 88);
        assert!((0..s.len()).all(|i| s.at(i64::MIN, i64::MAX).trusts(i)));
        assert_eq!("asof".parse::<BuiltinTrust>(), Ok(BuiltinTrust::AsOf));
        assert!("today".parse::<BuiltinTrust>().is_err());
    }
}
