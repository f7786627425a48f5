//! Certificate revocation lists from `--crl` (PEM or DER files, folders),
//! checked offline.
//!
//! A CRL is only believed once its signature verifies with the key of the
//! issuer certificate met on the path (or, at load time, with an anchor or a
//! `--certs` certificate of the same name); that check lives in
//! [`super::chain::Verifier`], which caches it per (CRL, issuer key).
//!
//! A certificate counts as revoked at time `at` when a valid CRL from its
//! issuer lists its serial number with reason keyCompromise, cACompromise,
//! unspecified or none (whatever `at`: a claimed signingTime cannot prove
//! the signature came before the compromise), or with any other reason and
//! `revocationDate <= at` (SPEC Revocation). A reasonCode that does not
//! decode counts as unspecified. The CRL's own
//! thisUpdate/nextUpdate do not gate its use: archives are judged at signing
//! time, usually long before the CRL was issued, and a later CRL is exactly
//! what tells whether a key was already revoked then. Entries with reason
//! `removeFromCRL` are not revocations. Indirect CRLs (entries carrying a
//! certificateIssuer extension) are not supported: such entries and every
//! entry after them are ignored, with a warning.

use std::collections::HashMap;
use std::path::PathBuf;

use const_oid::db::rfc5280;
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::crl::CertificateList;

use super::chain::CrlReason;
use super::store::{
    der_objects, list_files, norm_serial, read_bounded, signed_part, LoadError, Wanted,
};

/// One CRL entry of a serial number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Revocation {
    /// revocationDate, Unix seconds.
    pub(crate) date: i64,
    /// reasonCode; None when absent.
    pub(crate) reason: Option<CrlReason>,
}

impl Revocation {
    /// Whether this entry revokes at validation time `at`.
    pub(crate) fn applies_at(&self, at: i64) -> bool {
        CrlReason::revokes_always(self.reason) || self.date <= at
    }
}

/// One decoded CRL.
pub struct Crl {
    /// Where it came from (file path), for messages.
    pub(crate) source: String,
    /// Issuer Name DER and RFC 4514 text.
    pub(crate) issuer_der: Vec<u8>,
    pub(crate) issuer: String,
    /// thisUpdate as Unix seconds.
    pub this_update: i64,
    /// nextUpdate as Unix seconds, when the CRL names one.
    pub next_update: Option<i64>,
    /// authorityKeyIdentifier of the CRL, if any.
    pub authority_key_id: Option<Vec<u8>>,
    /// Revoked serials (normalized, no leading zeros) → their entries.
    revoked: HashMap<Vec<u8>, Vec<Revocation>>,
    pub(crate) tbs: Vec<u8>,
    pub(crate) alg: AlgorithmIdentifierOwned,
    pub(crate) sig: Vec<u8>,
}

impl Crl {
    /// Decodes one DER CRL. `source` names it in messages.
    pub(crate) fn from_der(der: &[u8], source: &str) -> Result<(Crl, Vec<String>), LoadError> {
        let bad = |detail: String| LoadError::Crl {
            source: source.to_owned(),
            detail,
        };
        let list = CertificateList::from_der(der).map_err(|e| bad(e.to_string()))?;
        let tbs = signed_part(der)
            .ok_or_else(|| bad("bad outer structure".into()))?
            .to_vec();
        let t = &list.tbs_cert_list;
        let mut warnings = Vec::new();
        let mut revoked = HashMap::new();
        'entries: for rc in t.revoked_certificates.iter().flatten() {
            let mut remove = false;
            let mut reason = None;
            for ext in rc.crl_entry_extensions.iter().flatten() {
                if ext.extn_id == rfc5280::ID_CE_CERTIFICATE_ISSUER {
                    warnings.push(format!(
                        "{source}: indirect CRL entries (certificateIssuer) are not supported; \
                         the remaining entries are ignored"
                    ));
                    break 'entries;
                }
                // CRLReason ::= ENUMERATED; removeFromCRL = 8. Anything
                // that is not one small ENUMERATED is unspecified.
                if ext.extn_id == rfc5280::ID_CE_CRL_REASONS {
                    match ext.extn_value.as_bytes() {
                        [0x0a, 0x01, 8] => remove = true,
                        [0x0a, 0x01, c] => reason = Some(CrlReason::from_code(*c)),
                        _ => reason = Some(CrlReason::Unspecified),
                    }
                }
            }
            if remove {
                continue;
            }
            let serial = norm_serial(rc.serial_number.as_bytes()).to_vec();
            let date = rc.revocation_date.to_unix_duration().as_secs() as i64;
            revoked
                .entry(serial)
                .or_insert_with(Vec::new)
                .push(Revocation { date, reason });
        }
        let mut authority_key_id = None;
        for ext in t.crl_extensions.iter().flatten() {
            if ext.extn_id == rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER {
                if let Ok(aki) = x509_cert::ext::pkix::AuthorityKeyIdentifier::from_der(
                    ext.extn_value.as_bytes(),
                ) {
                    authority_key_id = aki.key_identifier.map(|k| k.as_bytes().to_vec());
                }
            }
        }
        let sig = list
            .signature
            .as_bytes()
            .ok_or_else(|| bad("signature is not whole bytes".into()))?
            .to_vec();
        Ok((
            Crl {
                source: source.to_string(),
                issuer_der: t
                    .issuer
                    .to_der()
                    .map_err(|e| LoadError::Encode(e.to_string()))?,
                issuer: t.issuer.to_string(),
                this_update: t.this_update.to_unix_duration().as_secs() as i64,
                next_update: t.next_update.map(|n| n.to_unix_duration().as_secs() as i64),
                authority_key_id,
                revoked,
                tbs,
                alg: list.signature_algorithm.clone(),
                sig,
            },
            warnings,
        ))
    }

    /// The entries listing this serial number.
    pub(crate) fn entries(&self, serial: &[u8]) -> &[Revocation] {
        self.revoked
            .get(norm_serial(serial))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// All CRLs given, indexed by issuer Name.
#[derive(Default)]
pub struct Crls {
    list: Vec<Crl>,
    by_issuer: HashMap<Vec<u8>, Vec<usize>>,
    warnings: Vec<String>,
}

impl Crls {
    /// No CRLs.
    pub fn empty() -> Crls {
        Crls::default()
    }

    /// Loads `--crl` paths. A named file with no decodable CRL is an error;
    /// inside folders, such files are warnings.
    pub fn load(paths: &[PathBuf]) -> Result<Crls, LoadError> {
        let mut crls = Crls::default();
        for path in paths {
            let (files, is_dir) = list_files(path)?;
            for file in files {
                let name = file.display().to_string();
                let data = match read_bounded(&file) {
                    Ok(d) => d,
                    Err(e) if is_dir => {
                        crls.warnings.push(e.to_string());
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let mut found = 0;
                let mut errors = Vec::new();
                for der in der_objects(&data, Wanted::Crls) {
                    match Crl::from_der(&der, &name) {
                        Ok((c, w)) => {
                            found += 1;
                            crls.warnings.extend(w);
                            crls.add(c);
                        }
                        Err(e) => errors.push(e),
                    }
                }
                if found == 0 {
                    let e = errors.into_iter().next().unwrap_or(LoadError::NoCrl(name));
                    if is_dir {
                        crls.warnings.push(e.to_string());
                    } else {
                        return Err(e);
                    }
                } else {
                    crls.warnings.extend(errors.iter().map(ToString::to_string));
                }
            }
        }
        Ok(crls)
    }

    /// Adds one CRL.
    pub(crate) fn add(&mut self, c: Crl) {
        self.by_issuer
            .entry(c.issuer_der.clone())
            .or_default()
            .push(self.list.len());
        self.list.push(c);
    }

    /// All CRLs in load order.
    pub fn list(&self) -> &[Crl] {
        &self.list
    }

    /// Indexes (into [`Crls::list`]) of the CRLs issued under this Name.
    pub(crate) fn for_issuer(&self, issuer_der: &[u8]) -> &[usize] {
        self.by_issuer
            .get(issuer_der)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Number of CRLs.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether no CRL was given.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Problems met while loading.
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }
}
