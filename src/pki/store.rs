//! Reading certificates and CRLs from files and folders (PEM, DER, PKCS#7
//! certs-only), and the pool of extra intermediates given with `--certs`.
//!
//! Everything here is offline and bounded: files larger than
//! `MAX_FILE_BYTES` are skipped with a warning, folders are walked
//! recursively in sorted order without following a symlinked folder twice.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::borrow::Cow;

use crate::der::{ber, tag, Reader};
use crate::pki::{CertLookup, SignerId};

use super::cert::Cert;

/// Largest file read as a certificate or CRL source (CRLs of big CAs reach
/// tens of megabytes).
pub(crate) const MAX_FILE_BYTES: u64 = 256 << 20;

/// Why `--trust`, `--certs` or `--crl` material (or the built-in trust
/// history) cannot be loaded. The text is what the command prints.
#[derive(Debug)]
pub enum LoadError {
    /// A file or folder that cannot be read.
    Io {
        /// The path as given or found in a folder.
        path: PathBuf,
        /// What the system said.
        error: std::io::Error,
    },
    /// A file larger than `MAX_FILE_BYTES`.
    TooLarge(PathBuf),
    /// A file named directly that holds no certificate (`undecodable`:
    /// only certificates that do not decode).
    NoCertificate {
        /// The file.
        path: PathBuf,
        /// Whether it held certificates that do not decode.
        undecodable: bool,
    },
    /// A file named directly that holds no CRL.
    NoCrl(String),
    /// A CRL that does not decode.
    Crl {
        /// The file it came from.
        source: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A Name that does not re-encode as DER (the encoder's words).
    Encode(String),
    /// The built-in trust history does not load (a defect of the build).
    History(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            LoadError::TooLarge(path) => write!(
                f,
                "{}: larger than {} MiB, skipped",
                path.display(),
                MAX_FILE_BYTES >> 20
            ),
            LoadError::NoCertificate { path, undecodable } => write!(
                f,
                "{}: {}",
                path.display(),
                if *undecodable {
                    "no decodable certificate"
                } else {
                    "no certificate found"
                }
            ),
            LoadError::NoCrl(name) => write!(f, "{name}: no CRL found"),
            LoadError::Crl { source, detail } => write!(f, "{source}: CRL: {detail}"),
            LoadError::Encode(e) | LoadError::History(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// One object found in a PEM or DER source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wanted {
    Certs,
    Crls,
}

/// The regular files under `path` (the file itself, or a folder walked
/// recursively in sorted order by [`crate::input::walk`], quietly), and
/// whether `path` is a folder (then a file without what is wanted is a
/// warning rather than an error).
pub(crate) fn list_files(path: &Path) -> Result<(Vec<PathBuf>, bool), LoadError> {
    let meta = std::fs::metadata(path).map_err(|error| io_error(path, error))?;
    if !meta.is_dir() {
        return Ok((vec![path.to_path_buf()], false));
    }
    let mut out = Vec::new();
    crate::input::walk(
        path,
        crate::input::Walk::FILES,
        &mut HashSet::new(),
        &mut |p, _| out.push(p.to_path_buf()),
        &mut |_| {},
    );
    Ok((out, true))
}

fn io_error(path: &Path, error: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// Reads a file with the size bound.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|error| io_error(path, error))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge(path.to_path_buf()));
    }
    std::fs::read(path).map_err(|error| io_error(path, error))
}

/// Extracts the DER objects of the wanted kind from a file's bytes: every
/// matching PEM block, or the DER content itself (one certificate, one CRL,
/// or the certificates of a PKCS#7 / CMS SignedData).
pub(crate) fn der_objects(data: &[u8], wanted: Wanted) -> Vec<Vec<u8>> {
    if memchr::memmem::find(data, b"-----BEGIN ").is_some() {
        let mut out = Vec::new();
        for (label, der) in pem_blocks(data) {
            match (wanted, label.as_str()) {
                (Wanted::Certs, "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE") => {
                    // TRUSTED CERTIFICATE is the certificate followed by
                    // OpenSSL's auxiliary trust data: keep the first TLV.
                    if let Some(first) = first_tlv(&der) {
                        out.push(first.into_owned());
                    }
                }
                (Wanted::Certs, "PKCS7" | "CMS" | "PKCS #7 SIGNED DATA") => {
                    out.extend(pkcs7_certs(&der));
                }
                (Wanted::Crls, "X509 CRL") => out.push(der),
                _ => {}
            }
        }
        return out;
    }
    let Some(first) = first_tlv(data) else {
        return Vec::new();
    };
    match wanted {
        Wanted::Certs => {
            let certs = pkcs7_certs(&first);
            if !certs.is_empty() {
                certs
            } else {
                vec![first.into_owned()]
            }
        }
        Wanted::Crls => vec![first.into_owned()],
    }
}

/// Loads every certificate from the files and folders in `paths`. A file
/// named directly that holds no certificate is an error (a bad argument); a
/// file inside a folder that holds none is a warning.
pub fn load_certs(paths: &[PathBuf]) -> Result<(Vec<Arc<Cert>>, Vec<String>), LoadError> {
    let mut certs = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: HashSet<[u8; 32]> = HashSet::new();
    for path in paths {
        let (files, is_dir) = list_files(path)?;
        for file in files {
            let data = match read_bounded(&file) {
                Ok(d) => d,
                Err(e) if is_dir => {
                    warnings.push(e.to_string());
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut found = 0usize;
            let mut bad = 0usize;
            for der in der_objects(&data, Wanted::Certs) {
                match Cert::from_der(&der) {
                    Ok(c) => {
                        found += 1;
                        if seen.insert(c.sha256) {
                            certs.push(Arc::new(c));
                        }
                    }
                    Err(_) => bad += 1,
                }
            }
            if found == 0 {
                let e = LoadError::NoCertificate {
                    path: file,
                    undecodable: bad > 0,
                };
                if is_dir {
                    warnings.push(e.to_string());
                } else {
                    return Err(e);
                }
            } else if bad > 0 {
                warnings.push(format!(
                    "{}: {bad} certificate(s) could not be decoded, skipped",
                    file.display()
                ));
            }
        }
    }
    Ok((certs, warnings))
}

/// Parses the PEM blocks of a text: (label, decoded bytes). Malformed blocks
/// are skipped.
pub(crate) fn pem_blocks(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(start) = memchr::memmem::find(rest, b"-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(lend) = memchr::memmem::find(after, b"-----") else {
            break;
        };
        let label = String::from_utf8_lossy(&after[..lend]).trim().to_string();
        let body_start = &after[lend + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(bend) = memchr::memmem::find(body_start, end_marker.as_bytes()) else {
            break;
        };
        let body = &body_start[..bend];
        // Skip RFC 1421 header lines ("Proc-Type: ...") if any.
        let mut b64 = Vec::with_capacity(body.len());
        for line in body.split(|&c| c == b'\n') {
            if line.contains(&b':') {
                continue;
            }
            b64.extend_from_slice(line);
        }
        if let Some(der) = pem_base64(&b64) {
            out.push((label, der));
        }
        rest = &body_start[bend + end_marker.len()..];
    }
    out
}

/// A PEM body's base64, decoded by [`crate::mime::decode_base64`]; None
/// when it holds anything but the alphabet, `=` and white space, or text
/// after the padding.
pub(crate) fn pem_base64(s: &[u8]) -> Option<Vec<u8>> {
    let allowed = |c: &u8| c.is_ascii_alphanumeric() || b"+/= \t\r\n".contains(c);
    if !s.iter().all(allowed) {
        return None;
    }
    if let Some(pad) = memchr::memchr(b'=', s) {
        if !s[pad..].iter().all(|c| b"= \t\r\n".contains(c)) {
            return None;
        }
    }
    crate::mime::decode_base64(s).ok()
}

/// The first element of `data` as found (definite lengths), else
/// normalised from BER (indefinite lengths, chunked strings).
pub(crate) fn first_tlv(data: &[u8]) -> Option<Cow<'_, [u8]>> {
    match Reader::new(data).next_tlv() {
        Ok(t) => Some(Cow::Borrowed(t.raw)),
        Err(_) => ber::normalize(data).ok(),
    }
}

/// The raw bytes of the first element inside a SEQUENCE (the TBS part of a
/// certificate or CRL), exactly as signed.
pub(crate) fn signed_part(der: &[u8]) -> Option<&[u8]> {
    let outer = Reader::new(der)
        .expect(tag::SEQUENCE, "signed object")
        .ok()?;
    outer.reader().next_tlv().ok().map(|t| t.raw)
}

/// The certificates of a PKCS#7/CMS ContentInfo holding SignedData (DER or
/// BER: it goes through the crate's one reader, after the normaliser), as
/// their bytes. Empty when `data` is something else.
pub(crate) fn pkcs7_certs(data: &[u8]) -> Vec<Vec<u8>> {
    let inner = || -> Result<Vec<Vec<u8>>, ber::BerError> {
        let norm = ber::normalize(data)?;
        let ci = Reader::new(&norm).expect(tag::SEQUENCE, "ContentInfo")?;
        let mut r = ci.reader();
        if r.expect(tag::OID, "contentType")?.value != crate::der::oid::SIGNED_DATA {
            return Ok(Vec::new());
        }
        let explicit = r.expect(tag::CTX0_C, "content")?;
        let sd = explicit.reader().expect(tag::SEQUENCE, "SignedData")?;
        let mut r = sd.reader();
        r.expect(tag::INTEGER, "version")?;
        r.expect(tag::SET, "digestAlgorithms")?;
        r.expect(tag::SEQUENCE, "encapContentInfo")?;
        let Some(certs) = r.optional(tag::CTX0_C)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut cr = certs.reader();
        while !cr.is_empty() {
            let c = cr.next_tlv()?;
            if c.tag == tag::SEQUENCE {
                out.push(c.raw.to_vec());
            }
        }
        Ok(out)
    };
    inner().unwrap_or_default()
}

/// Serial number bytes without leading zero octets (so that `00 8f` and
/// `8f` compare equal), at least one byte.
pub(crate) fn norm_serial(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(s.len().saturating_sub(1));
    &s[start..]
}

/// Pool of extra, untrusted certificates for path building (`--certs`),
/// indexed by subject, subject key identifier and issuer+serial.
#[derive(Default)]
pub struct CertStore {
    certs: Vec<Arc<Cert>>,
    by_subject: HashMap<Vec<u8>, Vec<usize>>,
    by_ski: HashMap<Vec<u8>, Vec<usize>>,
    by_issuer_serial: HashMap<(Vec<u8>, Vec<u8>), usize>,
    warnings: Vec<String>,
}

impl CertStore {
    /// An empty pool.
    pub fn new() -> CertStore {
        CertStore::default()
    }

    /// Loads `--certs` paths (PEM/DER files, PKCS#7 .p7b/.p7c, folders).
    pub fn load(paths: &[PathBuf]) -> Result<CertStore, LoadError> {
        let (certs, warnings) = load_certs(paths)?;
        let mut s = CertStore::from_certs(certs);
        s.warnings = warnings;
        Ok(s)
    }

    /// Builds a pool from certificates (duplicates by SHA-256 dropped).
    pub(crate) fn from_certs(certs: Vec<Arc<Cert>>) -> CertStore {
        let mut s = CertStore::default();
        for c in certs {
            s.add(c);
        }
        s
    }

    /// Adds one certificate (ignored when already present).
    pub(crate) fn add(&mut self, c: Arc<Cert>) {
        let key = (c.issuer_der.clone(), norm_serial(&c.serial).to_vec());
        if let Some(&i) = self.by_issuer_serial.get(&key) {
            if self.certs[i].sha256 == c.sha256 {
                return;
            }
        }
        let i = self.certs.len();
        self.by_subject
            .entry(c.subject_der.clone())
            .or_default()
            .push(i);
        if let Some(ski) = &c.subject_key_id {
            self.by_ski.entry(ski.clone()).or_default().push(i);
        }
        self.by_issuer_serial.entry(key).or_insert(i);
        self.certs.push(c);
    }

    /// All certificates, in load order.
    pub fn certs(&self) -> &[Arc<Cert>] {
        &self.certs
    }

    /// Certificates whose subject Name DER equals `subject_der`.
    pub(crate) fn by_subject(&self, subject_der: &[u8]) -> impl Iterator<Item = &Arc<Cert>> {
        self.by_subject
            .get(subject_der)
            .into_iter()
            .flatten()
            .map(|&i| &self.certs[i])
    }

    /// Certificates with this subject key identifier.
    pub(crate) fn by_ski(&self, ski: &[u8]) -> impl Iterator<Item = &Arc<Cert>> {
        self.by_ski
            .get(ski)
            .into_iter()
            .flatten()
            .map(|&i| &self.certs[i])
    }

    /// The certificate with this issuer and serial number.
    pub(crate) fn by_issuer_serial(&self, issuer_der: &[u8], serial: &[u8]) -> Option<&Arc<Cert>> {
        self.by_issuer_serial
            .get(&(issuer_der.to_vec(), norm_serial(serial).to_vec()))
            .map(|&i| &self.certs[i])
    }

    /// Problems met while loading (unreadable files in folders, …).
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

impl CertLookup for CertStore {
    fn find_signer(&self, sid: &SignerId) -> Option<Arc<Cert>> {
        match sid {
            SignerId::IssuerSerial { issuer_der, serial } => {
                self.by_issuer_serial(issuer_der, serial).cloned()
            }
            SignerId::SubjectKeyId(ski) => self.by_ski(ski).next().cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_base64_rules() {
        let cases: [(&[u8], Option<&[u8]>); 6] = [
            (b"aGVsbG8=", Some(b"hello")),
            (b"aGVsbA==\r\n", Some(b"hell")),
            (b"aGVs\nbG8h", Some(b"hello!")),
            (b"aGV*", None),
            // Text after the padding, a form feed: not PEM.
            (b"aG=Vs", None),
            (b"aGVs\x0cbG8=", None),
        ];
        for (b64, want) in cases {
            assert_eq!(pem_base64(b64).as_deref(), want, "{b64:?}");
        }
    }

    #[test]
    fn tlv_bounds() {
        assert_eq!(first_tlv(&[0x30, 0x03, 1, 2]), None);
        assert_eq!(
            first_tlv(&[0x30, 0x82, 0x00, 0x01, 9]).as_deref(),
            Some(&[0x30, 0x82, 0, 1, 9][..])
        );
        // BER: an indefinite length is normalised.
        assert_eq!(
            first_tlv(&[0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0xff]).as_deref(),
            Some(&[0x30, 0x02, 0x05, 0x00][..])
        );
        assert_eq!(first_tlv(&[0x30, 0x89, 1, 2]), None);
        assert!(pkcs7_certs(&[0x30, 0xff]).is_empty());
        assert!(signed_part(&[]).is_none());
        assert_eq!(
            signed_part(&[0x30, 0x81, 0x05, 0x30, 0x00, 0x05, 0x00, 0x01]),
            Some(&[0x30, 0x00][..])
        );
    }

    #[test]
    fn serial_norm() {
        assert_eq!(norm_serial(&[0, 0x8f]), &[0x8f]);
        assert_eq!(norm_serial(&[0]), &[0]);
        assert_eq!(norm_serial(&[]), &[] as &[u8]);
    }
}
