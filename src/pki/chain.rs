//! Certificate path building and judging: from the signer certificate,
//! through the certificates carried in the message and the `--certs` pool,
//! to a trust anchor, at a given time.
//!
//! # Search
//!
//! Depth-first from the signer. The candidate issuers of a certificate are
//! the anchors, message certificates and pool certificates whose subject
//! Name equals its issuer Name, tried in this order: subject key identifier
//! equal to the authorityKeyIdentifier first (then no SKI, then a different
//! SKI), anchors before message certificates before the pool, and
//! certificates valid at the judging time first. A certificate whose subject
//! and key equal those of a trust anchor ends the path at that anchor (so a
//! re-issued or cross-signed copy of a root counts as the root). A candidate
//! whose name and key already occur on the current path is skipped, so loops
//! are impossible. The search is bounded: at most [`MAX_DEPTH`] certificates
//! per path and [`MAX_ATTEMPTS`] candidate links per judgement, whatever the
//! pool holds. Running out of budget can only make the answer worse
//! (`untrusted`/`invalid`), never `trusted`.
//!
//! Candidate links whose signature fails, or whose issuer is no proper CA,
//! are explored only after every clean candidate of the same certificate,
//! and only while no anchored path without structural problems was found:
//! they decide between `invalid` (the path by names reaches an anchor but a
//! link is broken) and `untrusted` (no anchor reachable at all).
//!
//! # Precedence
//!
//! Each complete path (signer … anchor) gets one status:
//!
//! 1. `invalid` — a certificate signature on it fails or cannot be checked
//!    (e.g. RSA-PSS, unknown algorithm), an issuer is no CA
//!    (basicConstraints cA missing, or keyUsage without keyCertSign), a
//!    pathLenConstraint is exceeded, a name constraint is violated, or a
//!    certificate carries an unsupported critical extension;
//! 2. otherwise `revoked` > `expired` > `not-yet-valid` (the first that
//!    applies; the others are added to the error text);
//! 3. otherwise `trusted`.
//!
//! Among several complete paths the best wins, in the order
//! `trusted` < `not-yet-valid` < `expired` < `revoked` < `invalid` (so a
//! fully valid path always wins; an expired cross-certificate does not
//! spoil a valid alternative). With no complete path at all the status is
//! `untrusted`. `missing-signer-cert` is set by the caller
//! ([`ChainOutcome::missing_signer_cert`]).
//!
//! # Differences from `openssl verify -purpose smimesign` (tested in
//! `tests/pki_chains.rs`)
//!
//! - Every candidate issuer is tried: with two "Rekey CA" certificates
//!   (old and new key) OpenSSL stops at the first by name and reports a
//!   signature failure; here the one whose key verifies wins.
//! - CRLs: `revocationDate <= at` decides, a CRL issued after `at` is used,
//!   a CRL past its nextUpdate is still used, a certificate without any CRL
//!   is not an error, and a CRL whose signature fails is ignored with a
//!   warning (OpenSSL fails the chain in each of these cases).
//! - The signer's EKU and keyUsage are findings (`EKU_MISSING`,
//!   `KEY_USAGE`, see [`super::identity`]), not chain statuses; EKUs of CA
//!   certificates are not checked.
//! - A trusted certificate that is not self-signed ends a path (OpenSSL
//!   needs `-partial_chain`).
//! - Certificate signatures are checked with the run's parsed keys
//!   ([`super::key`]: PKCS#1, RSA-PSS, ECDSA, Ed25519, DSA), x509-verify
//!   covering the rest; a signature neither can check makes the path
//!   `invalid` (no path can be vouched for).
//! - Not implemented: certificate policies (policyConstraints /
//!   requireExplicitPolicy are accepted, not enforced), name constraints of
//!   types other than rfc822Name, dNSName and directoryName (a certificate
//!   carrying such a name under such a constraint is `invalid`), indirect
//!   and delta-CRL semantics, OCSP.
//!
//! # Cost
//!
//! Signature checks of links (issuer key over subject TBS) are cached for
//! the whole run by (issuer SHA-256, subject SHA-256); so are CRL signature
//! checks by (CRL, issuer SHA-256). Per message only the search over cached
//! links and the time-dependent checks (validity, revocation dates) run.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use const_oid::db::{rfc5280, rfc5912};
use const_oid::ObjectIdentifier;
use der::referenced::OwnedToRef;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{NameConstraints, SubjectAltName};
use x509_verify::{Message, Signature, VerifyInfo, VerifyingKey};

use super::cert::Cert;
use super::crl::Crls;
use super::key::{SigAlg, VerifyError};
use super::store::{signed_part, CertStore};
use super::trust::{spki_der, TrustStore};
use crate::pki::{CertLookup, SignerId};

/// Most certificates on one path (signer and anchor included).
pub const MAX_DEPTH: usize = 8;
/// Most candidate links examined per judgement.
pub const MAX_ATTEMPTS: usize = 64;
/// Most link results kept in the run-wide cache.
pub const MAX_CACHED_LINKS: usize = 200_000;

/// The report's `chain` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChainStatus {
    Trusted,
    Untrusted,
    Expired,
    NotYetValid,
    Revoked,
    Invalid,
    MissingSignerCert,
}

impl ChainStatus {
    /// The SPEC word.
    pub fn as_str(self) -> &'static str {
        match self {
            ChainStatus::Trusted => "trusted",
            ChainStatus::Untrusted => "untrusted",
            ChainStatus::Expired => "expired",
            ChainStatus::NotYetValid => "not-yet-valid",
            ChainStatus::Revoked => "revoked",
            ChainStatus::Invalid => "invalid",
            ChainStatus::MissingSignerCert => "missing-signer-cert",
        }
    }

    /// Rank for choosing among complete paths (lower is better).
    fn rank(self) -> u8 {
        match self {
            ChainStatus::Trusted => 0,
            ChainStatus::NotYetValid => 1,
            ChainStatus::Expired => 2,
            ChainStatus::Revoked => 3,
            ChainStatus::Invalid => 4,
            ChainStatus::Untrusted => 5,
            ChainStatus::MissingSignerCert => 6,
        }
    }
}

/// The judgement of one signer certificate's chain.
#[derive(Debug, Clone)]
pub struct ChainOutcome {
    pub status: ChainStatus,
    /// Human detail for anything but `trusted`; a second problem is
    /// appended after "; also: ".
    pub error: Option<String>,
    /// signer … anchor for a complete path; for `untrusted`, the path as far
    /// as it got.
    pub path: Vec<Arc<Cert>>,
    /// `md5` / `sha1` for path certificates (the anchor's self-signature
    /// excluded) signed with those hashes; sorted, no duplicates.
    pub weak_digests: Vec<String>,
}

impl ChainOutcome {
    /// The outcome when the signer's certificate cannot be found.
    pub fn missing_signer_cert() -> ChainOutcome {
        ChainOutcome {
            status: ChainStatus::MissingSignerCert,
            error: Some("signer certificate not in the message nor in --certs".into()),
            path: Vec::new(),
            weak_digests: Vec::new(),
        }
    }
}

/// Result of checking one issuer→subject signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkCheck {
    Ok,
    /// The signature does not verify with the issuer's key.
    Bad(String),
    /// The algorithm or key cannot be checked (RSA-PSS, DSA, unknown OID).
    Unverifiable(String),
}

const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const SHA1_WITH_RSA_OIW: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.29");
const MD2_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.2");

/// The weak hash (`md5`, `sha1`) of a signature algorithm, if it is one.
pub fn weak_hash_of(alg: &ObjectIdentifier) -> Option<&'static str> {
    if *alg == rfc5912::MD_5_WITH_RSA_ENCRYPTION || *alg == MD2_WITH_RSA {
        Some(if *alg == MD2_WITH_RSA { "md2" } else { "md5" })
    } else if *alg == rfc5912::SHA_1_WITH_RSA_ENCRYPTION
        || *alg == ECDSA_WITH_SHA1
        || *alg == rfc5912::DSA_WITH_SHA_1
        || *alg == SHA1_WITH_RSA_OIW
    {
        Some("sha1")
    } else {
        None
    }
}

fn alg_name(oid: &ObjectIdentifier) -> String {
    const_oid::db::DB
        .by_oid(oid)
        .map(str::to_owned)
        .unwrap_or_else(|| oid.to_string())
}

/// Verifies `sig` by `alg` over `tbs` with the public key of `issuer`:
/// through the run's parsed key ([`crate::pki::key`]: aws-lc-rs, RSA-PSS,
/// DSA with inherited parameters…), falling back to x509-verify for what
/// that layer calls unsupported.
pub(crate) fn check_signature(
    tbs: &[u8],
    alg: &AlgorithmIdentifierOwned,
    sig: &[u8],
    issuer: &Cert,
) -> LinkCheck {
    if let (Ok(sig_alg), Ok(key)) = (SigAlg::from_x509(alg), issuer.public_key()) {
        match key.verify(&sig_alg, tbs, sig) {
            Ok(()) => return LinkCheck::Ok,
            Err(VerifyError::Invalid(e)) => return LinkCheck::Bad(e),
            Err(VerifyError::Unsupported(_)) => {}
        }
    }
    if alg.oid == rfc5912::ID_RSASSA_PSS {
        return LinkCheck::Unverifiable(
            "RSA-PSS certificate signature with parameters that cannot be checked".into(),
        );
    }
    let spki = &issuer.cert.tbs_certificate.subject_public_key_info;
    let key = match VerifyingKey::new(spki.owned_to_ref()) {
        Ok(k) => k,
        Err(x509_verify::Error::UnknownOid(o)) => {
            return LinkCheck::Unverifiable(format!("unsupported key type {}", alg_name(&o)))
        }
        Err(e) => return LinkCheck::Bad(format!("issuer key unusable: {e}")),
    };
    let info = VerifyInfo::new(Message::new(tbs), Signature::new(alg, sig));
    match key.verify(info) {
        Ok(()) => LinkCheck::Ok,
        Err(x509_verify::Error::UnknownOid(_)) => LinkCheck::Unverifiable(format!(
            "signature algorithm {} unsupported or not matching the issuer key",
            alg_name(&alg.oid)
        )),
        Err(e) => LinkCheck::Bad(e.to_string()),
    }
}

/// Checks that `issuer`'s key signed `subject`.
pub(crate) fn check_link(issuer: &Cert, subject: &Cert) -> LinkCheck {
    let c = &subject.cert;
    if c.signature_algorithm != c.tbs_certificate.signature {
        return LinkCheck::Bad("signature algorithm differs from the one in the TBS".into());
    }
    let Some(tbs) = signed_part(&subject.der) else {
        return LinkCheck::Bad("cannot locate the signed part".into());
    };
    let Some(sig) = c.signature.as_bytes() else {
        return LinkCheck::Bad("signature is not whole bytes".into());
    };
    check_signature(tbs, &c.signature_algorithm, sig, issuer)
}

/// (issuer SHA-256, subject SHA-256).
type LinkKey = ([u8; 32], [u8; 32]);
/// Whether a CRL verifies with one issuer certificate (why not).
type CrlCheck = Result<(), String>;
/// Sort key of a candidate issuer: (AKI rank, source rank, not valid now).
type CandKey = (u8, u8, u8);

/// Certificate path builder and judge, shared by all worker threads of a
/// run.
pub struct Verifier {
    trust: TrustStore,
    pool: CertStore,
    crls: Crls,
    links: RwLock<HashMap<LinkKey, LinkCheck>>,
    crl_sigs: RwLock<HashMap<(usize, [u8; 32]), CrlCheck>>,
    warnings: Mutex<Vec<String>>,
    warned_crls: Mutex<HashSet<usize>>,
    /// CRLs that verified with at least one issuer certificate.
    verified_crls: Mutex<HashSet<usize>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Verifier {
    /// Builds the verifier and checks every CRL's signature against the
    /// anchors and pool certificates of its issuer's name; CRLs that verify
    /// with none are reported in [`Verifier::warnings`] (and ignored, unless
    /// a message later carries the right issuer certificate).
    pub fn new(trust: TrustStore, pool: CertStore, crls: Crls) -> Verifier {
        let mut warnings: Vec<String> = Vec::new();
        warnings.extend(trust.warnings().iter().cloned());
        warnings.extend(pool.warnings().iter().cloned());
        warnings.extend(crls.warnings().iter().cloned());
        let v = Verifier {
            trust,
            pool,
            crls,
            links: RwLock::new(HashMap::new()),
            crl_sigs: RwLock::new(HashMap::new()),
            warnings: Mutex::new(warnings),
            warned_crls: Mutex::new(HashSet::new()),
            verified_crls: Mutex::new(HashSet::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        };
        for (i, crl) in v.crls.list().iter().enumerate() {
            let cands: Vec<Arc<Cert>> = v
                .trust
                .by_subject(&crl.issuer_der)
                .chain(v.pool.by_subject(&crl.issuer_der))
                .cloned()
                .collect();
            if cands.is_empty() {
                v.warn(format!(
                    "CRL {} (issuer {}): issuer certificate not among the anchors or --certs; \
                     it is used only with an issuer certificate carried in a message",
                    crl.source, crl.issuer
                ));
                continue;
            }
            let mut errs = Vec::new();
            let mut ok = false;
            for c in &cands {
                match v.crl_valid(i, c) {
                    Ok(()) => {
                        ok = true;
                        break;
                    }
                    Err(e) => errs.push(e),
                }
            }
            if !ok {
                v.warned_crls
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(i);
                v.warn(format!(
                    "CRL {} (issuer {}) ignored: {}",
                    crl.source,
                    crl.issuer,
                    errs.join("; ")
                ));
            }
        }
        v
    }

    /// The trust anchors.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The extra certificate pool.
    pub fn pool(&self) -> &CertStore {
        &self.pool
    }

    /// The CRLs.
    pub fn crls(&self) -> &Crls {
        &self.crls
    }

    /// Warnings for stderr: load problems, CRLs ignored because their
    /// signature fails (each reported once).
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// (hits, misses) of the link-signature cache.
    pub fn link_cache_stats(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    fn warn(&self, w: String) {
        let mut ws = self.warnings.lock().unwrap_or_else(|e| e.into_inner());
        if !ws.contains(&w) {
            ws.push(w);
        }
    }

    /// Link check, cached for the run.
    pub fn link(&self, issuer: &Cert, subject: &Cert) -> LinkCheck {
        let key = (issuer.sha256, subject.sha256);
        if let Some(r) = self
            .links
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return r.clone();
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let r = check_link(issuer, subject);
        let mut m = self.links.write().unwrap_or_else(|e| e.into_inner());
        if m.len() < MAX_CACHED_LINKS {
            m.insert(key, r.clone());
        }
        r
    }

    /// Whether CRL `idx` is signed by `issuer` (and the issuer may sign
    /// CRLs), cached.
    fn crl_valid(&self, idx: usize, issuer: &Cert) -> Result<(), String> {
        let key = (idx, issuer.sha256);
        if let Some(r) = self
            .crl_sigs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return r.clone();
        }
        let crl = &self.crls.list()[idx];
        let r = if crl.issuer_der != issuer.subject_der {
            Err("issuer name differs".to_string())
        } else if issuer.key_usage.as_ref().is_some_and(|ku| !ku.crl_sign()) {
            Err(format!("{}: keyUsage lacks cRLSign", issuer.subject))
        } else {
            match check_signature(&crl.tbs, &crl.alg, &crl.sig, issuer) {
                LinkCheck::Ok => Ok(()),
                LinkCheck::Bad(e) => Err(format!(
                    "signature does not verify with the key of {} ({e})",
                    issuer.subject
                )),
                LinkCheck::Unverifiable(e) => Err(format!("signature cannot be checked: {e}")),
            }
        };
        if r.is_ok() {
            self.verified_crls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(idx);
        }
        let mut m = self.crl_sigs.write().unwrap_or_else(|e| e.into_inner());
        if m.len() < MAX_CACHED_LINKS {
            m.insert(key, r.clone());
        }
        r
    }

    /// The revocation date of `cert` by a valid CRL signed by `issuer`, if
    /// revoked at or before `at`.
    fn revoked_at(&self, cert: &Cert, issuer: &Cert, at: i64) -> Option<i64> {
        let mut found: Option<i64> = None;
        for &i in self.crls.for_issuer(&cert.issuer_der) {
            let crl = &self.crls.list()[i];
            let Some(date) = crl.revocation_date(&cert.serial) else {
                continue;
            };
            if date > at {
                continue;
            }
            match self.crl_valid(i, issuer) {
                Ok(()) => found = Some(found.map_or(date, |d| d.min(date))),
                Err(e) => {
                    // A CRL good for another key of the same CA name is
                    // merely not applicable here: warn only about CRLs that
                    // never verified.
                    let verified = self
                        .verified_crls
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .contains(&i);
                    let first = !verified
                        && self
                            .warned_crls
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(i);
                    if first {
                        self.warn(format!(
                            "CRL {} (issuer {}) ignored: {e}",
                            crl.source, crl.issuer
                        ));
                    }
                }
            }
        }
        found
    }

    /// Judges the chain of `signer` at `at` (Unix seconds), using the
    /// certificates carried in the message, the pool and the anchors.
    pub fn judge(&self, signer: &Arc<Cert>, message_certs: &[Arc<Cert>], at: i64) -> ChainOutcome {
        let mut msg_by_subject: HashMap<&[u8], Vec<&Arc<Cert>>> = HashMap::new();
        for c in message_certs {
            msg_by_subject
                .entry(c.subject_der.as_slice())
                .or_default()
                .push(c);
        }
        let mut s = Search {
            v: self,
            msg_by_subject,
            at,
            attempts: 0,
            limit_hit: false,
            best: None,
            dead_end: None,
        };
        let mut path = vec![signer.clone()];
        let mut keys = vec![spki_der(signer)];
        let mut taints = Vec::new();
        s.dfs(&mut path, &mut keys, &mut taints);
        if let Some(b) = s.best {
            return b;
        }
        let (mut error, path) = s.dead_end.unwrap_or_else(|| {
            (
                "no path to a trust anchor".to_string(),
                vec![signer.clone()],
            )
        });
        if s.limit_hit {
            error.push_str(&format!(
                " (search stopped after {MAX_ATTEMPTS} candidate certificates)"
            ));
        }
        let weak_digests = weak_of(&path, false);
        ChainOutcome {
            status: ChainStatus::Untrusted,
            error: Some(error),
            path,
            weak_digests,
        }
    }
}

impl CertLookup for Verifier {
    /// Signer certificates from the pool, then from the anchors (a
    /// self-signed signer certificate may itself be trusted).
    fn find_signer(&self, sid: &SignerId) -> Option<Arc<Cert>> {
        if let Some(c) = self.pool.find_signer(sid) {
            return Some(c);
        }
        self.trust
            .anchors()
            .iter()
            .find(|a| crate::pki::sid_matches(sid, a))
            .cloned()
    }

    /// Possible issuers of `cert` (by subject name) among the pool and the
    /// anchors: the CMS layer takes inherited DSA parameters from the one
    /// whose key verifies `cert`.
    fn find_issuers(&self, cert: &Cert) -> Vec<Arc<Cert>> {
        self.pool
            .by_subject(&cert.issuer_der)
            .chain(self.trust.by_subject(&cert.issuer_der))
            .cloned()
            .collect()
    }
}

fn weak_of(path: &[Arc<Cert>], last_is_anchor: bool) -> Vec<String> {
    let n = if last_is_anchor {
        path.len().saturating_sub(1)
    } else {
        path.len()
    };
    let mut w: Vec<String> = path[..n]
        .iter()
        .filter_map(|c| weak_hash_of(&c.cert.signature_algorithm.oid))
        .map(str::to_owned)
        .collect();
    w.sort();
    w.dedup();
    w
}

struct Search<'a> {
    v: &'a Verifier,
    msg_by_subject: HashMap<&'a [u8], Vec<&'a Arc<Cert>>>,
    at: i64,
    attempts: usize,
    limit_hit: bool,
    best: Option<ChainOutcome>,
    /// First place the search ran dry (error text, path so far).
    dead_end: Option<(String, Vec<Arc<Cert>>)>,
}

impl Search<'_> {
    fn done(&self) -> bool {
        self.best
            .as_ref()
            .is_some_and(|b| b.status == ChainStatus::Trusted)
    }

    fn structurally_anchored(&self) -> bool {
        self.best
            .as_ref()
            .is_some_and(|b| b.status != ChainStatus::Invalid)
    }

    fn dead(&mut self, msg: String, path: &[Arc<Cert>]) {
        if self.dead_end.is_none() {
            self.dead_end = Some((format!("no path to a trust anchor: {msg}"), path.to_vec()));
        }
    }

    /// Candidate issuers of `cur`, ordered (see the module docs), without
    /// those whose name+key is already on the path.
    fn candidates(
        &self,
        cur: &Cert,
        keys: &[Vec<u8>],
        path: &[Arc<Cert>],
    ) -> Vec<(Arc<Cert>, bool)> {
        let mut seen: HashSet<[u8; 32]> = HashSet::new();
        let mut out: Vec<(CandKey, Arc<Cert>, bool)> = Vec::new();
        let anchors = self.v.trust.by_subject(&cur.issuer_der).map(|c| (c, 0u8));
        let msg = self
            .msg_by_subject
            .get(cur.issuer_der.as_slice())
            .into_iter()
            .flatten()
            .map(|c| (*c, 1u8));
        let pool = self.v.pool.by_subject(&cur.issuer_der).map(|c| (c, 2u8));
        for (c, src) in anchors.chain(msg).chain(pool) {
            // A copy of an anchor (same name and key) is the anchor.
            let (c, src) = match self.v.trust.anchor_for(c) {
                Some(a) if src != 0 => (a, 0u8),
                _ => (c, src),
            };
            if !seen.insert(c.sha256) {
                continue;
            }
            let mut key: Option<Vec<u8>> = None;
            let on_path = path.iter().zip(keys).any(|(p, k)| {
                p.sha256 == c.sha256
                    || (p.subject_der == c.subject_der
                        && *k == *key.get_or_insert_with(|| spki_der(c)))
            });
            if on_path {
                continue;
            }
            let aki_rank = match (&cur.authority_key_id, &c.subject_key_id) {
                (Some(a), Some(s)) if a == s => 0,
                (Some(_), Some(_)) => 2,
                _ => 1,
            };
            let valid = u8::from(!(c.not_before <= self.at && self.at <= c.not_after));
            out.push(((aki_rank, src, valid), c.clone(), src == 0));
        }
        out.sort_by_key(|(k, _, _)| *k);
        out.into_iter().map(|(_, c, a)| (c, a)).collect()
    }

    fn dfs(
        &mut self,
        path: &mut Vec<Arc<Cert>>,
        keys: &mut Vec<Vec<u8>>,
        taints: &mut Vec<String>,
    ) {
        if self.done() {
            return;
        }
        let cur = path.last().cloned().expect("path is never empty");
        if let Some(a) = self.v.trust.anchor_for(&cur) {
            let mut p = path.clone();
            if p.len() > 1 {
                *p.last_mut().expect("non-empty") = a.clone();
            }
            let outcome = self.complete(p, taints);
            if self
                .best
                .as_ref()
                .is_none_or(|b| outcome.status.rank() < b.status.rank())
            {
                self.best = Some(outcome);
            }
            return;
        }
        if path.len() >= MAX_DEPTH {
            self.dead(format!("path longer than {MAX_DEPTH} certificates"), path);
            return;
        }
        let cands = self.candidates(&cur, keys, path);
        if cands.is_empty() {
            let msg = if cur.is_self_issued() {
                format!("self-issued '{}' is not a trust anchor", cur.subject)
            } else {
                format!("issuer '{}' of '{}' not found", cur.issuer, cur.subject)
            };
            self.dead(msg, path);
            return;
        }
        let mut deferred: Vec<(Arc<Cert>, Vec<String>)> = Vec::new();
        for (cand, is_anchor) in cands {
            if self.done() {
                return;
            }
            if self.attempts >= MAX_ATTEMPTS {
                self.limit_hit = true;
                break;
            }
            self.attempts += 1;
            let mut problems = Vec::new();
            match self.v.link(&cand, &cur) {
                LinkCheck::Ok => {}
                LinkCheck::Bad(e) => problems.push(format!(
                    "signature of '{}' does not verify with the key of '{}' ({e})",
                    cur.subject, cand.subject
                )),
                LinkCheck::Unverifiable(e) => problems.push(format!(
                    "signature of '{}' by '{}' not verifiable: {e}",
                    cur.subject, cand.subject
                )),
            }
            ca_problems(&cand, is_anchor, &mut problems);
            if problems.is_empty() {
                self.descend(cand, path, keys, taints, Vec::new());
            } else {
                deferred.push((cand, problems));
            }
        }
        for (cand, problems) in deferred {
            if self.structurally_anchored() || self.done() {
                return;
            }
            self.descend(cand, path, keys, taints, problems);
        }
    }

    fn descend(
        &mut self,
        cand: Arc<Cert>,
        path: &mut Vec<Arc<Cert>>,
        keys: &mut Vec<Vec<u8>>,
        taints: &mut Vec<String>,
        problems: Vec<String>,
    ) {
        let n = taints.len();
        taints.extend(problems);
        keys.push(spki_der(&cand));
        path.push(cand);
        self.dfs(path, keys, taints);
        path.pop();
        keys.pop();
        taints.truncate(n);
    }

    /// Judges a complete path (last element is an anchor).
    fn complete(&self, path: Vec<Arc<Cert>>, taints: &[String]) -> ChainOutcome {
        let at = self.at;
        let weak_digests = weak_of(&path, true);
        let mut structural: Vec<String> = taints.to_vec();
        let n = path.len();
        // Unsupported critical extensions (anchors are trusted as
        // name + key: their extensions other than constraints are not
        // processed).
        for c in &path[..n - 1] {
            critical_problems(c, &mut structural);
        }
        // pathLenConstraint.
        for i in 1..n {
            if let Some((true, Some(max))) = path[i].basic_constraints {
                let below = path[1..i].iter().filter(|c| !c.is_self_issued()).count();
                if below > max as usize {
                    structural.push(format!(
                        "pathLenConstraint {max} of '{}' exceeded ({below} intermediate CA(s) below it)",
                        path[i].subject
                    ));
                }
            }
        }
        // Name constraints of every CA (anchor included) over the
        // certificates below it.
        for i in 1..n {
            name_constraint_problems(&path, i, &mut structural);
        }
        if !structural.is_empty() {
            structural.dedup();
            return ChainOutcome {
                status: ChainStatus::Invalid,
                error: Some(structural.join("; also: ")),
                path,
                weak_digests,
            };
        }
        let mut revoked = Vec::new();
        let mut expired = Vec::new();
        let mut not_yet = Vec::new();
        for (i, c) in path.iter().enumerate() {
            if i + 1 < n {
                if let Some(d) = self.v.revoked_at(c, &path[i + 1], at) {
                    revoked.push(format!(
                        "'{}' (serial {}) revoked on {}",
                        c.subject,
                        c.serial_hex(),
                        fmt_time(d)
                    ));
                }
            }
            if c.not_after < at {
                expired.push(format!(
                    "'{}' expired on {}",
                    c.subject,
                    fmt_time(c.not_after)
                ));
            }
            if c.not_before > at {
                not_yet.push(format!(
                    "'{}' not valid before {}",
                    c.subject,
                    fmt_time(c.not_before)
                ));
            }
        }
        let status = if !revoked.is_empty() {
            ChainStatus::Revoked
        } else if !expired.is_empty() {
            ChainStatus::Expired
        } else if !not_yet.is_empty() {
            ChainStatus::NotYetValid
        } else {
            ChainStatus::Trusted
        };
        let all: Vec<String> = revoked.into_iter().chain(expired).chain(not_yet).collect();
        ChainOutcome {
            status,
            error: (!all.is_empty()).then(|| all.join("; also: ")),
            path,
            weak_digests,
        }
    }
}

/// Time as RFC 3339 UTC text (for messages).
fn fmt_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// Whether `c` may act as an issuing CA. Anchors may lack
/// basicConstraints when self-issued (version 1 roots).
fn ca_problems(c: &Cert, is_anchor: bool, problems: &mut Vec<String>) {
    match c.basic_constraints {
        Some((true, _)) => {}
        Some((false, _)) => problems.push(format!(
            "'{}' is not a CA (basicConstraints cA=false)",
            c.subject
        )),
        None if is_anchor && c.is_self_issued() => {}
        None => problems.push(format!("'{}' is not a CA (no basicConstraints)", c.subject)),
    }
    if let Some(ku) = &c.key_usage {
        if !ku.key_cert_sign() {
            problems.push(format!("'{}' keyUsage lacks keyCertSign", c.subject));
        }
    }
}

/// Extensions whose criticality we can honour (RFC 5280 4.2).
const KNOWN_CRITICAL: &[ObjectIdentifier] = &[
    rfc5280::ID_CE_BASIC_CONSTRAINTS,
    rfc5280::ID_CE_KEY_USAGE,
    rfc5280::ID_CE_EXT_KEY_USAGE,
    rfc5280::ID_CE_SUBJECT_ALT_NAME,
    rfc5280::ID_CE_ISSUER_ALT_NAME,
    rfc5280::ID_CE_NAME_CONSTRAINTS,
    rfc5280::ID_CE_CERTIFICATE_POLICIES,
    rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
    rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
    rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
    rfc5280::ID_CE_FRESHEST_CRL,
    rfc5280::ID_PE_AUTHORITY_INFO_ACCESS,
    rfc5280::ID_PE_SUBJECT_INFO_ACCESS,
    rfc5280::ID_CE_SUBJECT_DIRECTORY_ATTRIBUTES,
    rfc5280::ID_CE_POLICY_MAPPINGS,
    rfc5280::ID_CE_POLICY_CONSTRAINTS,
    rfc5280::ID_CE_INHIBIT_ANY_POLICY,
];

fn critical_problems(c: &Cert, problems: &mut Vec<String>) {
    for ext in c.cert.tbs_certificate.extensions.iter().flatten() {
        if ext.critical && !KNOWN_CRITICAL.contains(&ext.extn_id) {
            problems.push(format!(
                "'{}' has an unsupported critical extension {}",
                c.subject,
                alg_name(&ext.extn_id)
            ));
        }
    }
}

/// Names of a certificate that name constraints apply to.
struct Names {
    emails: Vec<String>,
    dns: Vec<String>,
    /// SAN entries of types we do not match (URI, IP, otherName, …) by
    /// their GeneralName tag number.
    other_types: Vec<u8>,
}

fn names_of(c: &Cert) -> Names {
    let mut n = Names {
        emails: c.emails.clone(),
        dns: Vec::new(),
        other_types: Vec::new(),
    };
    for ext in c.cert.tbs_certificate.extensions.iter().flatten() {
        if ext.extn_id == rfc5280::ID_CE_SUBJECT_ALT_NAME {
            if let Ok(san) = SubjectAltName::from_der(ext.extn_value.as_bytes()) {
                for gn in san.0 {
                    match gn {
                        GeneralName::DnsName(d) => n.dns.push(d.as_str().to_ascii_lowercase()),
                        GeneralName::Rfc822Name(_) | GeneralName::DirectoryName(_) => {}
                        other => n.other_types.push(gn_tag(&other)),
                    }
                }
            }
        }
    }
    n
}

fn gn_tag(g: &GeneralName) -> u8 {
    match g {
        GeneralName::OtherName(_) => 0,
        GeneralName::Rfc822Name(_) => 1,
        GeneralName::DnsName(_) => 2,
        GeneralName::DirectoryName(_) => 4,
        GeneralName::EdiPartyName(_) => 5,
        GeneralName::UniformResourceIdentifier(_) => 6,
        GeneralName::IpAddress(_) => 7,
        GeneralName::RegisteredId(_) => 8,
    }
}

/// RFC 5280 4.2.1.10 rfc822Name matching: a full mailbox (`a@b.c`), all
/// mailboxes at one host (`b.c`), or all mailboxes in a domain's
/// subdomains (`.b.c`). Case-insensitive.
pub fn email_matches(email: &str, constraint: &str) -> bool {
    let email = email.to_ascii_lowercase();
    let c = constraint.to_ascii_lowercase();
    let Some(at) = email.rfind('@') else {
        return false;
    };
    let host = &email[at + 1..];
    if c.contains('@') {
        email == c
    } else if c.starts_with('.') {
        host.ends_with(&c)
    } else {
        host == c
    }
}

/// dNSName matching: the constraint host itself and any host formed by
/// adding labels to its left; a leading `.` means subdomains only.
pub fn dns_matches(name: &str, constraint: &str) -> bool {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    let c = constraint.trim_end_matches('.').to_ascii_lowercase();
    if c.is_empty() {
        return true;
    }
    if let Some(rest) = c.strip_prefix('.') {
        return n.ends_with(&format!(".{rest}"));
    }
    n == c || n.ends_with(&format!(".{c}"))
}

/// Whether `subject`'s RDN sequence starts with `base`'s.
fn dn_within(subject: &x509_cert::name::Name, base: &x509_cert::name::Name) -> bool {
    if base.0.len() > subject.0.len() {
        return false;
    }
    base.0
        .iter()
        .zip(subject.0.iter())
        .all(|(a, b)| a.to_der().ok() == b.to_der().ok())
}

fn name_constraint_problems(path: &[Arc<Cert>], i: usize, problems: &mut Vec<String>) {
    let ca = &path[i];
    let Some(ext) = ca
        .cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == rfc5280::ID_CE_NAME_CONSTRAINTS)
    else {
        return;
    };
    let Ok(nc) = NameConstraints::from_der(ext.extn_value.as_bytes()) else {
        problems.push(format!(
            "'{}' has an undecodable nameConstraints",
            ca.subject
        ));
        return;
    };
    let permitted: Vec<&GeneralName> = nc
        .permitted_subtrees
        .iter()
        .flatten()
        .map(|s| &s.base)
        .collect();
    let excluded: Vec<&GeneralName> = nc
        .excluded_subtrees
        .iter()
        .flatten()
        .map(|s| &s.base)
        .collect();
    for (j, c) in path[..i].iter().enumerate() {
        // Self-issued intermediates are exempt (RFC 5280 6.1.3 b/c).
        if j > 0 && c.is_self_issued() {
            continue;
        }
        let names = names_of(c);
        let subject = &c.cert.tbs_certificate.subject;
        let mut fail = |what: String| {
            problems.push(format!(
                "{what} of '{}' violates the name constraints of '{}'",
                c.subject, ca.subject
            ))
        };
        // rfc822Name
        let perm: Vec<&str> = permitted
            .iter()
            .filter_map(|g| match g {
                GeneralName::Rfc822Name(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let excl: Vec<&str> = excluded
            .iter()
            .filter_map(|g| match g {
                GeneralName::Rfc822Name(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        for e in &names.emails {
            if (!perm.is_empty() && !perm.iter().any(|p| email_matches(e, p)))
                || excl.iter().any(|x| email_matches(e, x))
            {
                fail(format!("e-mail address {e}"));
            }
        }
        // dNSName
        let perm: Vec<&str> = permitted
            .iter()
            .filter_map(|g| match g {
                GeneralName::DnsName(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let excl: Vec<&str> = excluded
            .iter()
            .filter_map(|g| match g {
                GeneralName::DnsName(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        for d in &names.dns {
            if (!perm.is_empty() && !perm.iter().any(|p| dns_matches(d, p)))
                || excl.iter().any(|x| dns_matches(d, x))
            {
                fail(format!("DNS name {d}"));
            }
        }
        // directoryName against the subject (when not empty).
        if !subject.0.is_empty() {
            let perm: Vec<&x509_cert::name::Name> = permitted
                .iter()
                .filter_map(|g| match g {
                    GeneralName::DirectoryName(n) => Some(n),
                    _ => None,
                })
                .collect();
            let excl: Vec<&x509_cert::name::Name> = excluded
                .iter()
                .filter_map(|g| match g {
                    GeneralName::DirectoryName(n) => Some(n),
                    _ => None,
                })
                .collect();
            if (!perm.is_empty() && !perm.iter().any(|p| dn_within(subject, p)))
                || excl.iter().any(|x| dn_within(subject, x))
            {
                fail("subject name".to_string());
            }
        }
        // Constraint types we do not match, against names of that type.
        for g in permitted.iter().chain(excluded.iter()) {
            let t = gn_tag(g);
            if matches!(t, 1 | 2 | 4) {
                continue;
            }
            if names.other_types.contains(&t) {
                fail(format!(
                    "a subjectAltName of type {t} (unsupported constraint type)"
                ));
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc822_forms() {
        assert!(email_matches("bob@example.com", "example.com"));
        assert!(email_matches("Bob@Example.COM", "example.com"));
        assert!(!email_matches("bob@sub.example.com", "example.com"));
        assert!(email_matches("bob@sub.example.com", ".example.com"));
        assert!(!email_matches("bob@example.com", ".example.com"));
        assert!(!email_matches("bob@badexample.com", ".example.com"));
        assert!(email_matches("bob@example.com", "bob@example.com"));
        assert!(!email_matches("alice@example.com", "bob@example.com"));
        assert!(!email_matches("no-at-sign", "example.com"));
    }

    #[test]
    fn dns_forms() {
        assert!(dns_matches("example.com", "example.com"));
        assert!(dns_matches("a.example.com", "example.com"));
        assert!(!dns_matches("badexample.com", "example.com"));
        assert!(!dns_matches("example.com", ".example.com"));
        assert!(dns_matches("a.example.com", ".example.com"));
    }

    #[test]
    fn status_words() {
        assert_eq!(ChainStatus::NotYetValid.as_str(), "not-yet-valid");
        assert_eq!(
            ChainStatus::MissingSignerCert.as_str(),
            "missing-signer-cert"
        );
        assert_eq!(
            ChainOutcome::missing_signer_cert().status,
            ChainStatus::MissingSignerCert
        );
    }
}
