//! Private keys for `--keys`: loading (PEM PKCS#8 plain and encrypted,
//! PKCS#1 RSA, SEC1 EC, DER, PKCS#12) and an index from what a CMS
//! RecipientInfo names (issuer+serial, subjectKeyIdentifier) to the keys.
//!
//! A key is indexed by the certificates that carry its public key (found in
//! the same PEM file, in the PKCS#12, in any file of a `--keys` folder, or in
//! a `.crt`/`.pem`/`.cer` with the same stem beside a key file) and by the
//! SHA-1 of its public key (the RFC 5280 method-1 subjectKeyIdentifier),
//! so that a bare key still matches a recipient named by key identifier.
//!
//! Key material: the private keys live inside aws-lc-rs objects (AWS-LC
//! cleanses every allocation it frees); every intermediate buffer of ours
//! (decoded PEM, decrypted PKCS#8, passwords) is [`Zeroizing`].

pub(crate) mod cipher;
mod pbe;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aws_lc_rs::agreement;
use aws_lc_rs::rsa::{OaepPrivateDecryptingKey, Pkcs1PrivateDecryptingKey, PrivateDecryptingKey};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use crate::der::{oid, tag, DerError, Reader};
use crate::pki::store::{list_files, pem_blocks, read_bounded, LoadError};
use crate::pki::Cert;

/// Why `--keys` (or `--keys-password-file`) cannot be used. The text is
/// what the command prints before it stops.
#[derive(Debug)]
pub enum KeyError {
    /// A structure of a key file does not decode as DER.
    Der(DerError),
    /// A key file holds nothing usable: its format, algorithm or password
    /// (the text says which).
    Invalid(String),
    /// A `--keys` file or folder cannot be read.
    Unreadable(LoadError),
    /// The problem of one named `--keys` file.
    File(PathBuf, Box<KeyError>),
    /// The `--keys-password-file` cannot be read or is not UTF-8.
    PasswordFile(PathBuf, String),
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Der(e) => e.fmt(f),
            KeyError::Invalid(s) => f.write_str(s),
            KeyError::Unreadable(s) => write!(f, "--keys {s}"),
            KeyError::File(path, e) => write!(f, "--keys {}: {e}", path.display()),
            KeyError::PasswordFile(path, e) => {
                write!(f, "--keys-password-file {}: {e}", path.display())
            }
        }
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyError::Der(e) => Some(e),
            KeyError::Unreadable(e) => Some(e),
            KeyError::File(_, e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<DerError> for KeyError {
    fn from(e: DerError) -> Self {
        KeyError::Der(e)
    }
}

/// Elliptic curves usable for ECDH recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EcCurve {
    P256,
    P384,
    P521,
}

impl EcCurve {
    fn from_oid(oid: &[u8]) -> Option<EcCurve> {
        match oid {
            oid::P256 => Some(EcCurve::P256),
            oid::P384 => Some(EcCurve::P384),
            oid::P521 => Some(EcCurve::P521),
            _ => None,
        }
    }

    /// The aws-lc-rs ECDH algorithm.
    pub(crate) fn agreement(self) -> &'static agreement::Algorithm {
        match self {
            EcCurve::P256 => &agreement::ECDH_P256,
            EcCurve::P384 => &agreement::ECDH_P384,
            EcCurve::P521 => &agreement::ECDH_P521,
        }
    }
}

/// A usable private key.
pub(crate) enum KeyKind {
    /// RSA, ready for PKCS#1 v1.5 and OAEP decryption.
    Rsa {
        pkcs1: Pkcs1PrivateDecryptingKey,
        oaep: OaepPrivateDecryptingKey,
    },
    Ec(EcCurve, agreement::PrivateKey),
}

/// One private key and where it came from.
pub(crate) struct PrivateKey {
    pub(crate) kind: KeyKind,
    /// The subjectPublicKey bits (RSAPublicKey DER or the EC point).
    pub(crate) public: Vec<u8>,
    /// The file it was read from (for messages about the key, never about
    /// a message).
    pub(crate) source: PathBuf,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = match &self.kind {
            KeyKind::Rsa { .. } => "rsa".to_string(),
            KeyKind::Ec(c, _) => format!("ec {c:?}"),
        };
        f.debug_struct("PrivateKey")
            .field("kind", &k)
            .field("source", &self.source)
            .finish()
    }
}

/// The keys of a run, indexed by what a RecipientInfo names.
#[derive(Default, Debug)]
pub struct KeyStore {
    keys: Vec<PrivateKey>,
    by_issuer_serial: HashMap<(Vec<u8>, Vec<u8>), Vec<usize>>,
    by_ski: HashMap<Vec<u8>, Vec<usize>>,
    warnings: Vec<String>,
}

/// Seeds aws-lc's random generator on a thread of its own. Its first use
/// in a process gathers CPU-jitter entropy (some 20 ms of CPU), which the
/// first private-key operation (RSA blinding, the RFC 3218 stand-in key)
/// would otherwise wait for; started when `--keys` is given, it overlaps
/// loading the trust store and the keys and reading the input.
pub(crate) fn warm_rng() {
    let _ = std::thread::Builder::new()
        .name("rng-seed".into())
        .spawn(|| {
            let mut b = [0u8; 1];
            let _ = aws_lc_rs::rand::fill(&mut b);
        });
}

/// Serial number bytes without leading zero octets (as compared).
fn serial_key(s: &[u8]) -> Vec<u8> {
    let start = s.iter().position(|&x| x != 0).unwrap_or(s.len());
    s[start..].to_vec()
}

/// What one file yielded.
#[derive(Default)]
struct Found {
    keys: Vec<PrivateKey>,
    certs: Vec<Vec<u8>>,
}

/// Extensions of files a `--keys` folder is read for.
const KEY_EXTENSIONS: &[&str] = &["pem", "key", "der", "p8", "pk8", "p12", "pfx", "crt", "cer"];

impl KeyStore {
    /// No keys: nothing is decrypted.
    pub(crate) fn empty() -> KeyStore {
        KeyStore::default()
    }

    /// Loads the keys from files and folders. A file (named directly, or in
    /// a folder with a key or certificate extension) that cannot be read, or
    /// holds a key that cannot be decoded or decrypted, is an error naming
    /// the file. `password` decrypts encrypted PKCS#8 and PKCS#12 files.
    pub fn load(paths: &[PathBuf], password: Option<&str>) -> Result<KeyStore, KeyError> {
        let mut found = Found::default();
        for path in paths {
            let (files, is_dir) = list_files(path).map_err(KeyError::Unreadable)?;
            for file in files {
                if is_dir {
                    let ext = file
                        .extension()
                        .and_then(|e| e.to_str())
                        .map(|e| e.to_ascii_lowercase())
                        .unwrap_or_default();
                    if !KEY_EXTENSIONS.contains(&ext.as_str()) {
                        continue;
                    }
                }
                let f = load_file(&file, password)?;
                if !is_dir && f.keys.is_empty() && f.certs.is_empty() {
                    return Err(KeyError::File(
                        file,
                        Box::new(KeyError::Invalid(
                            "no private key or certificate found".into(),
                        )),
                    ));
                }
                let had_keys = !f.keys.is_empty();
                found.keys.extend(f.keys);
                found.certs.extend(f.certs);
                if had_keys && !is_dir {
                    // Certificates beside the key: same stem, .crt/.pem/.cer.
                    for ext in ["crt", "pem", "cer"] {
                        let side = file.with_extension(ext);
                        if side != file && side.is_file() {
                            if let Ok(data) = read_bounded(&side) {
                                found.certs.extend(cert_ders(&data));
                            }
                        }
                    }
                }
            }
        }
        Ok(KeyStore::from_parts(found.keys, &found.certs))
    }

    /// Indexes keys by the certificates (DER) whose public key they hold.
    fn from_parts(keys: Vec<PrivateKey>, certs: &[Vec<u8>]) -> KeyStore {
        let mut ks = KeyStore {
            keys,
            ..KeyStore::default()
        };
        let mut by_public: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (i, k) in ks.keys.iter().enumerate() {
            by_public.entry(k.public.clone()).or_default().push(i);
            let ski = Sha1::digest(&k.public).to_vec();
            ks.by_ski.entry(ski).or_default().push(i);
        }
        let mut matched = vec![false; ks.keys.len()];
        for der in certs {
            let Ok(cert) = Cert::from_der(der) else {
                continue;
            };
            let Some(public) = cert
                .cert
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .as_bytes()
            else {
                continue;
            };
            let Some(idx) = by_public.get(public) else {
                continue;
            };
            for &i in idx {
                matched[i] = true;
                let e = ks
                    .by_issuer_serial
                    .entry((cert.issuer_der.clone(), serial_key(&cert.serial)))
                    .or_default();
                if !e.contains(&i) {
                    e.push(i);
                }
                if let Some(ski) = &cert.subject_key_id {
                    let e = ks.by_ski.entry(ski.clone()).or_default();
                    if !e.contains(&i) {
                        e.push(i);
                    }
                }
            }
        }
        for (i, m) in matched.iter().enumerate() {
            if !m {
                ks.warnings.push(format!(
                    "--keys {}: no certificate found for this key; it matches only recipients named by key identifier",
                    ks.keys[i].source.display()
                ));
            }
        }
        ks
    }

    /// Builds a store from keys and certificates already in memory (tests,
    /// benches, fuzzing): `files` are (name, bytes) as they would be read.
    pub fn from_bytes(
        files: &[(&str, &[u8])],
        password: Option<&str>,
    ) -> Result<KeyStore, KeyError> {
        let mut found = Found::default();
        for (name, data) in files {
            let f = parse_bytes(Path::new(name), data, password)?;
            found.keys.extend(f.keys);
            found.certs.extend(f.certs);
        }
        Ok(KeyStore::from_parts(found.keys, &found.certs))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Notes about the keys (a key without certificate, …).
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub(crate) fn get(&self, i: usize) -> &PrivateKey {
        &self.keys[i]
    }

    /// Keys whose certificate has this issuer (DER) and serial number.
    pub(crate) fn by_issuer_serial(&self, issuer_der: &[u8], serial: &[u8]) -> &[usize] {
        self.by_issuer_serial
            .get(&(issuer_der.to_vec(), serial_key(serial)))
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Keys with this subjectKeyIdentifier (their certificate's, or the
    /// SHA-1 of their public key).
    pub(crate) fn by_ski(&self, ski: &[u8]) -> &[usize] {
        self.by_ski.get(ski).map(|v| v.as_slice()).unwrap_or(&[])
    }
}

fn load_file(path: &Path, password: Option<&str>) -> Result<Found, KeyError> {
    let data = Zeroizing::new(read_bounded(path).map_err(KeyError::Unreadable)?);
    parse_bytes(path, &data, password)
}

/// Certificates (DER) in a PEM or DER file.
fn cert_ders(data: &[u8]) -> Vec<Vec<u8>> {
    crate::pki::store::der_objects(data, crate::pki::store::Wanted::Certs)
        .into_iter()
        .filter(|d| Cert::from_der(d).is_ok())
        .collect()
}

fn parse_bytes(path: &Path, data: &[u8], password: Option<&str>) -> Result<Found, KeyError> {
    let err = |e: KeyError| KeyError::File(path.to_path_buf(), Box::new(e));
    let mut found = Found::default();
    if memchr::memmem::find(data, b"-----BEGIN ").is_some() {
        for (label, der) in pem_blocks(data) {
            let der = Zeroizing::new(der);
            match label.as_str() {
                "PRIVATE KEY" => found.keys.push(from_pkcs8(&der, path).map_err(err)?),
                "ENCRYPTED PRIVATE KEY" => {
                    let plain = pbe::decrypt_pkcs8(&der, password).map_err(err)?;
                    found.keys.push(from_pkcs8(&plain, path).map_err(err)?);
                }
                "RSA PRIVATE KEY" => {
                    if memchr::memmem::find(data, b"Proc-Type: 4,ENCRYPTED").is_some() {
                        return Err(err(KeyError::Invalid("legacy encrypted PEM (Proc-Type) is not supported; convert it with `openssl pkcs8 -topk8`".into())));
                    }
                    let p8 = Zeroizing::new(pkcs1_to_pkcs8(&der));
                    found.keys.push(from_pkcs8(&p8, path).map_err(err)?);
                }
                "EC PRIVATE KEY" => {
                    if memchr::memmem::find(data, b"Proc-Type: 4,ENCRYPTED").is_some() {
                        return Err(err(KeyError::Invalid("legacy encrypted PEM (Proc-Type) is not supported; convert it with `openssl pkcs8 -topk8`".into())));
                    }
                    found.keys.push(from_sec1(&der, None, path).map_err(err)?);
                }
                "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
                    if let Some(t) = crate::pki::store::first_tlv(&der) {
                        found.certs.push(t.to_vec());
                    }
                }
                "PKCS12" => {
                    let f = pbe::pkcs12(&der, password, path).map_err(err)?;
                    found.keys.extend(f.0);
                    found.certs.extend(f.1);
                }
                _ => {}
            }
        }
        return Ok(found);
    }
    // DER: PKCS#12, PKCS#8 (plain or encrypted), PKCS#1, SEC1, or a
    // certificate.
    let norm = Zeroizing::new(
        crate::der::ber::normalize(data)
            .map_err(|e| err(KeyError::Invalid(format!("not DER or BER: {e}"))))?
            .into_owned(),
    );
    let data: &[u8] = &norm;
    let shape = der_shape(data);
    match shape {
        Shape::Pfx => {
            let (keys, certs) = pbe::pkcs12(data, password, path).map_err(err)?;
            found.keys.extend(keys);
            found.certs.extend(certs);
        }
        Shape::Pkcs8 => found.keys.push(from_pkcs8(data, path).map_err(err)?),
        Shape::EncryptedPkcs8 => {
            let plain = pbe::decrypt_pkcs8(data, password).map_err(err)?;
            found.keys.push(from_pkcs8(&plain, path).map_err(err)?);
        }
        Shape::Pkcs1 => {
            let p8 = Zeroizing::new(pkcs1_to_pkcs8(data));
            found.keys.push(from_pkcs8(&p8, path).map_err(err)?);
        }
        Shape::Sec1 => found.keys.push(from_sec1(data, None, path).map_err(err)?),
        Shape::Cert => found.certs.push(data.to_vec()),
        Shape::Unknown => {
            return Err(err(KeyError::Invalid(
                "not a private key, PKCS#12 or certificate (PEM or DER)".into(),
            )))
        }
    }
    Ok(found)
}

enum Shape {
    Pfx,
    Pkcs8,
    EncryptedPkcs8,
    Pkcs1,
    Sec1,
    Cert,
    Unknown,
}

/// Tells the DER key formats apart by their first elements.
fn der_shape(data: &[u8]) -> Shape {
    let mut r = Reader::new(data);
    let Ok(seq) = r.expect(tag::SEQUENCE, "key") else {
        return Shape::Unknown;
    };
    let mut r = seq.reader();
    let Ok(first) = r.next_tlv() else {
        return Shape::Unknown;
    };
    let second = r.next_tlv().ok();
    match (first.tag, second.map(|s| s.tag)) {
        (tag::INTEGER, Some(tag::SEQUENCE)) if first.value == [3] => Shape::Pfx,
        (tag::INTEGER, Some(tag::SEQUENCE)) => Shape::Pkcs8,
        (tag::SEQUENCE, Some(tag::OCTET_STRING)) => Shape::EncryptedPkcs8,
        (tag::INTEGER, Some(tag::INTEGER)) => Shape::Pkcs1,
        (tag::INTEGER, Some(tag::OCTET_STRING)) => Shape::Sec1,
        (tag::SEQUENCE, Some(tag::SEQUENCE)) => Shape::Cert,
        _ => Shape::Unknown,
    }
}

/// One DER element.
pub(crate) fn der_tlv(t: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    out.push(t);
    crate::der::ber::push_len(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// PrivateKeyInfo of an RSAPrivateKey.
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    let mut alg = der_tlv(tag::OID, oid::RSA_ENCRYPTION);
    alg.extend_from_slice(&[0x05, 0x00]);
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend(der_tlv(tag::SEQUENCE, &alg));
    body.extend(der_tlv(tag::OCTET_STRING, pkcs1));
    der_tlv(tag::SEQUENCE, &body)
}

/// A key from a PrivateKeyInfo (PKCS#8 v1 or v2).
fn from_pkcs8(der: &[u8], path: &Path) -> Result<PrivateKey, KeyError> {
    let mut r = Reader::new(der);
    let seq = r.expect(tag::SEQUENCE, "PrivateKeyInfo")?;
    let mut r = seq.reader();
    r.expect(tag::INTEGER, "version")?;
    let alg = r.expect(tag::SEQUENCE, "privateKeyAlgorithm")?;
    let key = r.expect(tag::OCTET_STRING, "privateKey")?;
    let mut ar = alg.reader();
    let oid = ar.expect(tag::OID, "algorithm")?.value;
    match oid {
        oid::RSA_ENCRYPTION => {
            let k = PrivateDecryptingKey::from_pkcs8(der)
                .map_err(|e| KeyError::Invalid(format!("RSA private key rejected: {e}")))?;
            // RSAPrivateKey ::= SEQUENCE { version, n, e, … }
            let mut kr = Reader::new(key.value);
            let rk = kr.expect(tag::SEQUENCE, "RSAPrivateKey")?;
            let mut rr = rk.reader();
            rr.expect(tag::INTEGER, "version")?;
            let n = rr.expect(tag::INTEGER, "modulus")?;
            let e = rr.expect(tag::INTEGER, "publicExponent")?;
            let mut pubk = n.raw.to_vec();
            pubk.extend_from_slice(e.raw);
            let kind = KeyKind::Rsa {
                pkcs1: Pkcs1PrivateDecryptingKey::new(k.clone()).map_err(|_| {
                    KeyError::Invalid("RSA private key unusable for PKCS#1 v1.5".into())
                })?,
                oaep: OaepPrivateDecryptingKey::new(k)
                    .map_err(|_| KeyError::Invalid("RSA private key unusable for OAEP".into()))?,
            };
            Ok(PrivateKey {
                kind,
                public: der_tlv(tag::SEQUENCE, &pubk),
                source: path.to_path_buf(),
            })
        }
        oid::EC_PUBLIC_KEY => {
            let curve = ar
                .optional(tag::OID)?
                .and_then(|c| EcCurve::from_oid(c.value));
            from_sec1(key.value, curve, path).or_else(|e| {
                // aws-lc-rs also takes the whole PKCS#8.
                let curve = curve.ok_or(e)?;
                ec_key(curve, der, path)
            })
        }
        other => Err(KeyError::Invalid(format!(
            "private key algorithm {} cannot decrypt mail (RSA and EC P-256/384/521 can)",
            const_oid::ObjectIdentifier::from_bytes(other)
                .map(|o| o.to_string())
                .unwrap_or_else(|_| "?".into())
        ))),
    }
}

/// A key from an ECPrivateKey (SEC1); `curve` from the PKCS#8 algorithm
/// parameters when the key itself does not name it.
fn from_sec1(der: &[u8], curve: Option<EcCurve>, path: &Path) -> Result<PrivateKey, KeyError> {
    let mut r = Reader::new(der);
    let seq = r.expect(tag::SEQUENCE, "ECPrivateKey")?;
    let mut r = seq.reader();
    r.expect(tag::INTEGER, "version")?;
    r.expect(tag::OCTET_STRING, "privateKey")?;
    let named = match r.optional(tag::CTX0_C)? {
        Some(p) => {
            let oid = p.reader().expect(tag::OID, "namedCurve")?;
            Some(EcCurve::from_oid(oid.value).ok_or(KeyError::Invalid(
                "EC key on a curve other than P-256/P-384/P-521".into(),
            ))?)
        }
        None => None,
    };
    let curve = named
        .or(curve)
        .ok_or(KeyError::Invalid("EC key without a named curve".into()))?;
    ec_key(curve, der, path)
}

fn ec_key(curve: EcCurve, der: &[u8], path: &Path) -> Result<PrivateKey, KeyError> {
    let k = agreement::PrivateKey::from_private_key_der(curve.agreement(), der)
        .map_err(|e| KeyError::Invalid(format!("EC private key rejected: {e}")))?;
    let public = k
        .compute_public_key()
        .map_err(|_| KeyError::Invalid("EC private key: cannot compute its public key".into()))?
        .as_ref()
        .to_vec();
    Ok(PrivateKey {
        kind: KeyKind::Ec(curve, k),
        public,
        source: path.to_path_buf(),
    })
}

/// Reads the first line of a password file (without the line ending).
pub(crate) fn read_password_file(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    let data = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| KeyError::PasswordFile(path.to_path_buf(), e.to_string()))?,
    );
    let line = data.split(|&c| c == b'\n').next().unwrap_or(&[]);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let s = std::str::from_utf8(line)
        .map_err(|_| KeyError::PasswordFile(path.to_path_buf(), "not UTF-8".into()))?;
    Ok(Zeroizing::new(s.to_owned()))
}
