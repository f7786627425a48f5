//! Certificate path building and judging: from the signer certificate,
//! through the certificates carried in the message and the `--certs` pool,
//! to a trust anchor, at a given time.
//!
//! Modules, as rustls-webpki splits `verify_cert.rs`: `link` (link
//! signatures and their cache), `revocation` (CRL signatures, reasons),
//! `extensions` (CA-ness, critical, repeated and undecodable extensions,
//! CA extendedKeyUsage), `name_constraints` (RFC 5280 7.1, RFC 4518),
//! `error` (the typed [`ChainError`]).
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
//! are impossible.
//!
//! Built-in roots under `--builtin-trust asof` are anchors only when the
//! trust history ([`super::history`]) says Mozilla trusted them for e-mail
//! at the judging time (and no distrust-after date then in force excludes
//! the signer's certificate); a refused root is neither an anchor nor a
//! candidate, whoever carries it, and an `untrusted` outcome names it
//! ([`ChainError::BuiltinRootRefused`]). The link and path caches hold no
//! time, so they serve every judging time alike.
//!
//! Candidate links whose signature fails, or whose issuer is no proper CA,
//! are explored only after every clean candidate of the same certificate,
//! and only while no anchored path without structural problems was found:
//! they decide between `invalid` (the path by names reaches an anchor but a
//! link is broken) and `untrusted` (no anchor reachable at all).
//!
//! # Budgets
//!
//! Judging costs bounded time whatever the certificates hold (budgets as
//! rustls-webpki's): at most `MAX_DEPTH` certificates per path,
//! [`MAX_ATTEMPTS`] candidate links and `MAX_SIGNATURES` signature checks
//! (links and CRLs, cached or not, so that the verdict never depends on
//! what other messages put in the caches) per judgement, and
//! [`MAX_NAME_COMPARISONS`] name-constraint comparisons per path. A path
//! that exhausts the name budget is `invalid`; a search that runs out of
//! candidates or signatures before finding a `trusted` path is `invalid`,
//! with [`ChainError::BudgetExceeded`] naming the budget. Signatures and
//! CA flags are checked before anything else: a path with a broken link
//! is `invalid` without its extensions or name constraints being looked
//! at, and the structural verdict of a clean path is cached by the
//! SHA-256s of its certificates, so a thousand messages with the same
//! hostile chain pay once.
//!
//! # Precedence
//!
//! Each complete path (signer … anchor) gets one status:
//!
//! 1. `invalid` — a certificate signature on it fails or cannot be checked
//!    (e.g. an unknown algorithm), an issuer is no CA (basicConstraints cA
//!    missing, or keyUsage without keyCertSign), a pathLenConstraint is
//!    exceeded, a certificate repeats an extension or carries a recognised
//!    one that does not decode, a name constraint is violated, an
//!    intermediate CA's extendedKeyUsage excludes e-mail protection, a
//!    certificate carries an unsupported critical extension, or a budget
//!    is spent;
//! 2. otherwise `revoked` > `expired` > `not-yet-valid` (the first that
//!    applies; the others follow in [`ChainOutcome::also`]);
//! 3. otherwise `trusted`.
//!
//! Among several complete paths the best wins, in the order
//! `trusted` < `not-yet-valid` < `expired` < `revoked` < `invalid` (so a
//! fully valid path always wins; an expired cross-certificate does not
//! spoil a valid alternative). With no complete path at all the status is
//! `untrusted`. `missing-signer-cert` is set by the caller
//! ([`ChainOutcome::missing_signer_cert`]).
//!
//! # Differences from `openssl verify -x509_strict -purpose smimesign`
//! (each tested in `tests/pki_chains.rs`, all deliberate for e-mail)
//!
//! - Every candidate issuer is tried: with two "Rekey CA" certificates
//!   (old and new key) OpenSSL stops at the first by name; here the one
//!   whose key verifies wins (archives hold re-keyed CAs).
//! - CRLs: a CRL issued after `validated_at` is used and revocationDate /
//!   reason decide (SPEC Revocation; OpenSSL wants a CRL current at
//!   -attime), a certificate without any CRL is not an error, and a CRL
//!   whose signature fails is ignored with a warning (a bad `--crl` file
//!   must not turn a whole archive `invalid`).
//! - The signer's EKU and keyUsage are findings (`EKU_MISSING`,
//!   `KEY_USAGE`, see [`super::identity`]), not chain statuses: the report
//!   keeps chain and purpose apart.
//! - A trusted certificate that is not self-signed ends a path (OpenSSL
//!   needs `-partial_chain`): `--trust` names what the auditor trusts.
//! - Microsoft UPN name constraints (otherName 1.3.6.1.4.1.311.20.2.3)
//!   are processed by domain suffix, as Windows CryptoAPI does (OpenSSL:
//!   "unsupported name constraint type"); an otherName of another type
//!   under a UPN constraint is a violation (OpenSSL lets it pass). Tested
//!   in `tests/upn_constraints.rs`: enterprise CAs under public roots
//!   constrain UPNs, and the mail they sign verified in Outlook.
//! - Built-in roots anchor only while the trust history says Mozilla
//!   trusted them (`--builtin-trust asof`, `tests/trust_history.rs`).
//! - Not implemented: certificate policies (accepted, not enforced),
//!   indirect and delta-CRL semantics, OCSP; name constraints of other
//!   types than rfc822Name, dNSName, directoryName and UPN fail closed.

pub(crate) mod error;
pub(crate) mod extensions;
pub(crate) mod link;
pub(crate) mod name_constraints;
pub(crate) mod revocation;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

pub use error::{Budget, ChainError, CrlReason, NameKind, NotCaReason};
pub(crate) use link::{weak_hash_of, LinkCheck};

use super::cert::Cert;
use super::crl::Crls;
use super::store::CertStore;
use super::trust::{spki_der, AnchorsAt, TrustStore};
use crate::pki::{CertLookup, SignerId};

/// Most certificates on one path (signer and anchor included).
pub(crate) const MAX_DEPTH: usize = 8;
/// Most candidate links examined per judgement.
pub const MAX_ATTEMPTS: usize = 64;
/// Most signature checks (certificate links and CRLs) per judgement.
pub(crate) const MAX_SIGNATURES: usize = 100;
/// Most name-constraint comparisons per path (rustls-webpki's figure).
pub const MAX_NAME_COMPARISONS: usize = 250_000;
/// Most link results kept in the run-wide cache.
pub(crate) const MAX_CACHED_LINKS: usize = 200_000;
/// Most path verdicts kept in the run-wide cache.
pub(crate) const MAX_CACHED_PATHS: usize = 100_000;

/// The report's `chain` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChainStatus {
    /// A path to a trust anchor, every certificate on it valid at the
    /// judging time.
    Trusted,
    /// No path to a trust anchor.
    Untrusted,
    /// Some certificate on the path is past its notAfter.
    Expired,
    /// Some certificate on the path is before its notBefore.
    NotYetValid,
    /// A supplied CRL revokes a certificate on the path.
    Revoked,
    /// A signature, CA constraint, extension, name constraint or budget
    /// breaks the path.
    Invalid,
    /// The signer's certificate is neither in the message nor in `--certs`.
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
    /// The `chain` column.
    pub status: ChainStatus,
    /// The problem that decides the status; None for `trusted`.
    pub error: Option<ChainError>,
    /// Further problems of the same path, in order.
    pub also: Vec<ChainError>,
    /// signer … anchor for a complete path; otherwise the path as far as it
    /// got.
    pub path: Vec<Arc<Cert>>,
    /// The trust anchor that ends `path`, when the path is complete.
    pub anchor: Option<Arc<Cert>>,
    /// `md5` / `sha1` for path certificates (the anchor's self-signature
    /// excluded) signed with those hashes; sorted, no duplicates.
    pub weak_digests: Vec<String>,
}

impl ChainOutcome {
    /// The outcome when the signer's certificate cannot be found.
    pub fn missing_signer_cert() -> ChainOutcome {
        ChainOutcome {
            status: ChainStatus::MissingSignerCert,
            error: Some(ChainError::MissingSignerCert),
            also: Vec::new(),
            path: Vec::new(),
            anchor: None,
            weak_digests: Vec::new(),
        }
    }

    /// Every problem, the deciding one first.
    pub fn problems(&self) -> impl Iterator<Item = &ChainError> {
        self.error.iter().chain(self.also.iter())
    }
}

/// (issuer SHA-256, subject SHA-256).
type LinkKey = ([u8; 32], [u8; 32]);
/// SHA-256s of a path's certificates, signer first.
type PathKey = Vec<[u8; 32]>;
/// Whether a CRL verifies with one issuer certificate (why not).
type CrlCheck = Result<(), revocation::CrlUnusable>;
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
    /// Structural verdict of clean paths (signer … anchor by SHA-256).
    paths: RwLock<HashMap<PathKey, Arc<Vec<ChainError>>>>,
    warnings: Mutex<Vec<String>>,
    warned_crls: Mutex<HashSet<usize>>,
    /// CRLs that verified with at least one issuer certificate.
    verified_crls: Mutex<HashSet<usize>>,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Name-constraint comparisons spent by the whole run.
    comparisons: AtomicU64,
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
            paths: RwLock::new(HashMap::new()),
            warnings: Mutex::new(warnings),
            warned_crls: Mutex::new(HashSet::new()),
            verified_crls: Mutex::new(HashSet::new()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            comparisons: AtomicU64::new(0),
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
                    Err(e) => errs.push(e.to_string()),
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

    /// Name-constraint comparisons made by this verifier so far (a
    /// machine-independent measure of the work done on constraints).
    pub fn name_comparisons(&self) -> u64 {
        self.comparisons.load(Ordering::Relaxed)
    }

    fn warn(&self, w: String) {
        let mut ws = self.warnings.lock().unwrap_or_else(|e| e.into_inner());
        if !ws.contains(&w) {
            ws.push(w);
        }
    }

    /// The time-independent structural problems of a complete path
    /// (signer first, anchor last) whose links and CA flags are clean:
    /// repeated/undecodable/unsupported critical extensions,
    /// pathLenConstraint, name constraints (within
    /// [`MAX_NAME_COMPARISONS`]), CA extendedKeyUsage. Signatures are not
    /// looked at here ([`Verifier::judge`] checks them first). Cached per
    /// path; public for tests and fuzzing.
    pub fn path_structure(&self, path: &[Arc<Cert>]) -> Arc<Vec<ChainError>> {
        if path.is_empty() {
            return Arc::new(Vec::new());
        }
        let key: Vec<[u8; 32]> = path.iter().map(|c| c.sha256).collect();
        if let Some(r) = self
            .paths
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return r.clone();
        }
        let mut problems = Vec::new();
        let n = path.len();
        for (i, c) in path.iter().enumerate() {
            extensions::extension_problems(c, &mut problems);
            // The anchor is trusted as name + key: its other extensions
            // are not processed (its nameConstraints are, below).
            if i + 1 < n {
                extensions::critical_problems(c, &mut problems);
                if i > 0 {
                    extensions::ca_eku_problem(c, &mut problems);
                }
            }
        }
        // pathLenConstraint.
        for i in 1..n {
            if let Some((true, Some(max))) = path[i].basic_constraints {
                let below = path[1..i].iter().filter(|c| !c.is_self_issued()).count();
                if below > max as usize {
                    problems.push(ChainError::PathLenExceeded {
                        ca: path[i].subject.clone(),
                        max,
                        below,
                    });
                }
            }
        }
        let mut counter = name_constraints::Counter::new(MAX_NAME_COMPARISONS);
        if let Err(b) = name_constraints::check_path(path, &mut counter, &mut problems) {
            problems.insert(0, ChainError::BudgetExceeded(b));
        }
        self.comparisons
            .fetch_add(counter.used as u64, Ordering::Relaxed);
        let r = Arc::new(problems);
        let mut m = self.paths.write().unwrap_or_else(|e| e.into_inner());
        if m.len() < MAX_CACHED_PATHS {
            m.insert(key, r.clone());
        }
        r
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
            anchors: self.trust.at(at, signer.not_before),
            refused: None,
            attempts: 0,
            signatures: 0,
            limit_hit: None,
            best: None,
            dead_end: None,
        };
        let mut path = vec![signer.clone()];
        let mut keys = vec![spki_der(signer)];
        let mut taints = Vec::new();
        s.dfs(&mut path, &mut keys, &mut taints);
        let dead_end = s.dead_end.take();
        match (s.best, s.limit_hit) {
            // A trusted path is proof, whatever was left unexplored.
            (Some(b), _) if b.status == ChainStatus::Trusted => b,
            // Out of budget: what was not explored might have been worse
            // or better; never guess.
            (best, Some(budget)) => {
                let (path, anchor, mut also) = match best {
                    Some(b) => {
                        let also: Vec<ChainError> = b.problems().cloned().collect();
                        (b.path, b.anchor, also)
                    }
                    None => {
                        let (e, p) =
                            dead_end.unwrap_or_else(|| (no_issuer(signer), vec![signer.clone()]));
                        (p, None, vec![e])
                    }
                };
                also.dedup();
                let weak_digests = weak_of(&path, anchor.is_some());
                ChainOutcome {
                    status: ChainStatus::Invalid,
                    error: Some(ChainError::BudgetExceeded(budget)),
                    also,
                    path,
                    anchor,
                    weak_digests,
                }
            }
            (Some(b), None) => b,
            (None, None) => {
                let (error, path) =
                    dead_end.unwrap_or_else(|| (no_issuer(signer), vec![signer.clone()]));
                let weak_digests = weak_of(&path, false);
                // A built-in root that the history refused at this time
                // explains the outcome better than where the search ran dry.
                let (error, also) = match s.refused {
                    Some(r) => (r, vec![error]),
                    None => (error, Vec::new()),
                };
                ChainOutcome {
                    status: ChainStatus::Untrusted,
                    error: Some(error),
                    also,
                    path,
                    anchor: None,
                    weak_digests,
                }
            }
        }
    }
}

fn no_issuer(c: &Cert) -> ChainError {
    ChainError::IssuerNotFound {
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
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
    /// The anchors that may end a path of this judgement (time, leaf).
    anchors: AnchorsAt<'a>,
    /// The first built-in root refused by the trust history.
    refused: Option<ChainError>,
    attempts: usize,
    signatures: usize,
    /// The budget that stopped the search, if one did.
    limit_hit: Option<Budget>,
    best: Option<ChainOutcome>,
    /// First place the search ran dry (problem, path so far).
    dead_end: Option<(ChainError, Vec<Arc<Cert>>)>,
}

impl Search<'_> {
    fn done(&self) -> bool {
        self.limit_hit.is_some()
            || self
                .best
                .as_ref()
                .is_some_and(|b| b.status == ChainStatus::Trusted)
    }

    fn structurally_anchored(&self) -> bool {
        self.best
            .as_ref()
            .is_some_and(|b| b.status != ChainStatus::Invalid)
    }

    /// The anchor with the name and key of `c`, if it anchors this chain;
    /// a refused one is remembered for the error text.
    fn anchor_for(&mut self, c: &Cert) -> Option<Arc<Cert>> {
        let i = self.v.trust.index_for(c)?;
        if self.anchors.trusts(i) {
            return Some(self.v.trust.anchors()[i].clone());
        }
        self.refuse(i);
        None
    }

    /// Remembers the first refused built-in root (its text is built once).
    fn refuse(&mut self, i: usize) {
        if self.refused.is_none() {
            if let Err(r) = self.anchors.check(i) {
                self.refused = Some(ChainError::BuiltinRootRefused(r));
            }
        }
    }

    fn dead(&mut self, e: ChainError, path: &[Arc<Cert>]) {
        if self.dead_end.is_none() {
            self.dead_end = Some((e, path.to_vec()));
        }
    }

    /// Candidate issuers of `cur`, ordered (see the module docs), without
    /// those whose name+key is already on the path.
    fn candidates(
        &mut self,
        cur: &Cert,
        keys: &[Vec<u8>],
        path: &[Arc<Cert>],
    ) -> Vec<(Arc<Cert>, bool)> {
        let mut seen: HashSet<[u8; 32]> = HashSet::new();
        let mut out: Vec<(CandKey, Arc<Cert>, bool)> = Vec::new();
        let v = self.v;
        // Anchors the history refuses at this time are not candidates.
        let mut anchors: Vec<(&Arc<Cert>, u8)> = Vec::new();
        for i in v.trust.indexes_by_subject(&cur.issuer_der) {
            if self.anchors.trusts(i) {
                anchors.push((&v.trust.anchors()[i], 0));
            } else {
                self.refuse(i);
            }
        }
        let msg: Vec<(&Arc<Cert>, u8)> = self
            .msg_by_subject
            .get(cur.issuer_der.as_slice())
            .into_iter()
            .flatten()
            .map(|c| (*c, 1u8))
            .collect();
        let pool = v.pool.by_subject(&cur.issuer_der).map(|c| (c, 2u8));
        for (c, src) in anchors.into_iter().chain(msg).chain(pool) {
            // A copy of an anchor (same name and key) is the anchor.
            let (c, src) = match src {
                0 => (c.clone(), 0),
                _ => match self.anchor_for(c) {
                    Some(a) => (a, 0u8),
                    None => (c.clone(), src),
                },
            };
            let c = &c;
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
        taints: &mut Vec<ChainError>,
    ) {
        if self.done() {
            return;
        }
        let cur = path.last().cloned().expect("path is never empty");
        if let Some(a) = self.anchor_for(&cur) {
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
            self.dead(ChainError::PathTooLong { max: MAX_DEPTH }, path);
            return;
        }
        let cands = self.candidates(&cur, keys, path);
        if cands.is_empty() {
            let e = if cur.is_self_issued() {
                ChainError::SelfIssuedNotAnchor {
                    subject: cur.subject.clone(),
                }
            } else {
                no_issuer(&cur)
            };
            self.dead(e, path);
            return;
        }
        let mut deferred: Vec<(Arc<Cert>, Vec<ChainError>)> = Vec::new();
        for (cand, is_anchor) in cands {
            if self.done() {
                return;
            }
            if self.attempts >= MAX_ATTEMPTS {
                self.limit_hit = Some(Budget::PathSearch);
                return;
            }
            if self.signatures >= MAX_SIGNATURES {
                self.limit_hit = Some(Budget::Signatures);
                return;
            }
            self.attempts += 1;
            self.signatures += 1;
            let mut problems = Vec::new();
            match self.v.link(&cand, &cur) {
                LinkCheck::Ok => {}
                LinkCheck::Bad(detail) => problems.push(ChainError::BadSignature {
                    subject: cur.subject.clone(),
                    issuer: cand.subject.clone(),
                    detail,
                }),
                LinkCheck::Unverifiable(detail) => {
                    problems.push(ChainError::UnverifiableSignature {
                        subject: cur.subject.clone(),
                        issuer: cand.subject.clone(),
                        detail,
                    })
                }
            }
            extensions::ca_problems(&cand, is_anchor, &mut problems);
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
        taints: &mut Vec<ChainError>,
        problems: Vec<ChainError>,
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
    fn complete(&mut self, path: Vec<Arc<Cert>>, taints: &[ChainError]) -> ChainOutcome {
        let at = self.at;
        let weak_digests = weak_of(&path, true);
        let n = path.len();
        let anchor = path.last().cloned();
        // Signatures and CA flags first: a broken path is invalid without
        // its extensions or name constraints costing anything.
        let structural: Vec<ChainError> = if taints.is_empty() {
            self.v.path_structure(&path).as_ref().clone()
        } else {
            let mut t = taints.to_vec();
            t.dedup();
            t
        };
        if let Some((first, rest)) = structural.split_first() {
            return ChainOutcome {
                status: ChainStatus::Invalid,
                error: Some(first.clone()),
                also: rest.to_vec(),
                path,
                anchor,
                weak_digests,
            };
        }
        let mut revoked = Vec::new();
        let mut expired = Vec::new();
        let mut not_yet = Vec::new();
        for (i, c) in path.iter().enumerate() {
            if i + 1 < n {
                let (r, sigs) = self.v.revoked_at(c, &path[i + 1], at);
                self.signatures += sigs;
                if let Some((date, reason)) = r {
                    revoked.push(ChainError::Revoked {
                        subject: c.subject.clone(),
                        serial: c.serial_hex(),
                        date,
                        reason,
                    });
                }
            }
            if c.not_after < at {
                expired.push(ChainError::Expired {
                    subject: c.subject.clone(),
                    not_after: c.not_after,
                });
            }
            if c.not_before > at {
                not_yet.push(ChainError::NotYetValid {
                    subject: c.subject.clone(),
                    not_before: c.not_before,
                });
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
        let mut all = revoked.into_iter().chain(expired).chain(not_yet);
        let error = all.next();
        ChainOutcome {
            status,
            error,
            also: all.collect(),
            path,
            anchor,
            weak_digests,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn budget_names_appear_in_the_text() {
        let t = ChainError::BudgetExceeded(Budget::NameComparisons).to_string();
        assert!(t.contains("name-constraint budget"), "{t}");
        assert!(t.contains(&MAX_NAME_COMPARISONS.to_string()), "{t}");
    }
}
