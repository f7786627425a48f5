//! Password-based key files: encrypted PKCS#8 (PBES2: PBKDF2 with
//! HMAC-SHA-1/2 and AES or 3DES-CBC) and PKCS#12 (`.p12`/`.pfx`), both the
//! modern form (PBES2/AES, SHA-256 MAC) and the legacy one (PKCS#12 PBE
//! with SHA-1 and 3DES for keys, RC2-40 for certificates, SHA-1 MAC).
//!
//! The PKCS#12 skeleton is walked with the crate's DER reader; the PKCS#12
//! key derivation is the `pkcs12` crate's (der 0.7 generation, as the rest
//! of the crate), PBKDF2 and HMAC are aws-lc-rs's.

use std::num::NonZeroU32;
use std::path::Path;

use aws_lc_rs::{hmac, pbkdf2};
use pkcs12::kdf::{derive_key, derive_key_utf8, Pkcs12KeyType};
use zeroize::Zeroizing;

use super::cipher::{cbc_decrypt, Cbc};
use super::{KeyError, PrivateKey};
use crate::der::{ber, oid, small_uint, tag, Reader, Tlv};

/// Most PBKDF2 / PKCS#12 KDF iterations accepted (a hostile file must not
/// stall the start of a run; real files use 2048 to 600 000).
const MAX_ITERATIONS: u64 = 10_000_000;

#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// From an HMAC OID (hmacWithSHA*) or a digest OID.
    fn from_oid(oid: &[u8]) -> Option<Hash> {
        match oid {
            oid::HMAC_SHA1 | oid::SHA1 => Some(Hash::Sha1),
            oid::HMAC_SHA224 | oid::SHA224 => Some(Hash::Sha224),
            oid::HMAC_SHA256 | oid::SHA256 => Some(Hash::Sha256),
            oid::HMAC_SHA384 | oid::SHA384 => Some(Hash::Sha384),
            oid::HMAC_SHA512 | oid::SHA512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn pbkdf2(self) -> Option<pbkdf2::Algorithm> {
        match self {
            Hash::Sha1 => Some(pbkdf2::PBKDF2_HMAC_SHA1),
            Hash::Sha224 => None,
            Hash::Sha256 => Some(pbkdf2::PBKDF2_HMAC_SHA256),
            Hash::Sha384 => Some(pbkdf2::PBKDF2_HMAC_SHA384),
            Hash::Sha512 => Some(pbkdf2::PBKDF2_HMAC_SHA512),
        }
    }

    fn hmac(self) -> Option<hmac::Algorithm> {
        match self {
            Hash::Sha1 => Some(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
            Hash::Sha224 => Some(hmac::HMAC_SHA224),
            Hash::Sha256 => Some(hmac::HMAC_SHA256),
            Hash::Sha384 => Some(hmac::HMAC_SHA384),
            Hash::Sha512 => Some(hmac::HMAC_SHA512),
        }
    }

    fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha224 => 28,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// RFC 7292 Appendix B key derivation. `password` None = the empty
    /// password without the BMPString terminator (as OpenSSL also tries).
    fn pkcs12_kdf(
        self,
        password: Option<&str>,
        salt: &[u8],
        id: Pkcs12KeyType,
        rounds: i32,
        len: usize,
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        macro_rules! kdf {
            ($d:ty) => {
                match password {
                    Some(p) => derive_key_utf8::<$d>(p, salt, id, rounds, len)
                        .map_err(|e| KeyError::Invalid(format!("password: {e}")))?,
                    None => derive_key::<$d>(&[], salt, id, rounds, len),
                }
            };
        }
        Ok(Zeroizing::new(match self {
            Hash::Sha1 => kdf!(sha1::Sha1),
            Hash::Sha224 => kdf!(sha2::Sha224),
            Hash::Sha256 => kdf!(sha2::Sha256),
            Hash::Sha384 => kdf!(sha2::Sha384),
            Hash::Sha512 => kdf!(sha2::Sha512),
        }))
    }
}

/// The passwords tried for a PKCS#12 file: the given one, then the empty
/// password both ways (with and without the BMPString terminator, as
/// OpenSSL does), since files exported "without password" use it.
fn attempts(password: Option<&str>) -> Vec<Option<&str>> {
    match password {
        Some("") | None => vec![Some(""), None],
        Some(p) => vec![Some(p), Some(""), None],
    }
}

fn iterations(v: &[u8]) -> Result<u32, KeyError> {
    let n = small_uint(v)?;
    if n == 0 || n > MAX_ITERATIONS {
        return Err(KeyError::Invalid(format!(
            "iteration count {n} out of range"
        )));
    }
    Ok(n as u32)
}

/// Decrypts `data` encrypted under the password-based scheme `alg` (an
/// AlgorithmIdentifier element). `password` None: no password was given.
fn pbe_decrypt(
    alg: Tlv,
    data: &[u8],
    password: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut r = alg.reader();
    let oid = r.expect(tag::OID, "encryption algorithm")?.value;
    let params = r.expect(tag::SEQUENCE, "encryption parameters")?;
    if oid == oid::PBES2 {
        let mut pr = params.reader();
        let kdf = pr.expect(tag::SEQUENCE, "keyDerivationFunc")?;
        let enc = pr.expect(tag::SEQUENCE, "encryptionScheme")?;
        let mut kr = kdf.reader();
        if kr.expect(tag::OID, "KDF")?.value != oid::PBKDF2 {
            return Err(KeyError::Invalid(
                "PBES2 with a KDF other than PBKDF2 (scrypt?) is not supported".into(),
            ));
        }
        let kp = kr.expect(tag::SEQUENCE, "PBKDF2 parameters")?;
        let mut kpr = kp.reader();
        let salt = kpr.expect(tag::OCTET_STRING, "PBKDF2 salt")?.value;
        let iter = iterations(kpr.expect(tag::INTEGER, "PBKDF2 iterations")?.value)?;
        let _key_len = kpr.optional(tag::INTEGER)?;
        let prf = match kpr.optional(tag::SEQUENCE)? {
            Some(p) => Hash::from_oid(p.reader().expect(tag::OID, "PBKDF2 prf")?.value)
                .ok_or(KeyError::Invalid("PBKDF2 with an unknown PRF".into()))?,
            None => Hash::Sha1,
        };
        let mut er = enc.reader();
        let eoid = er.expect(tag::OID, "encryption scheme")?.value;
        let cipher = Cbc::from_oid(eoid)
            .ok_or(KeyError::Invalid("PBES2 with an unsupported cipher".into()))?;
        let iv = er.expect(tag::OCTET_STRING, "IV")?.value;
        let prf = prf
            .pbkdf2()
            .ok_or(KeyError::Invalid("PBKDF2 with an unsupported PRF".into()))?;
        let iter = NonZeroU32::new(iter).ok_or(KeyError::Invalid("zero iterations".into()))?;
        let mut tries = vec![password.unwrap_or("")];
        if password.is_some_and(|p| !p.is_empty()) {
            tries.push("");
        }
        for pw in tries {
            let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
            pbkdf2::derive(prf, iter, salt, pw.as_bytes(), &mut key);
            if let Ok(out) = cbc_decrypt(cipher, &key, iv, data) {
                return Ok(out);
            }
        }
        return Err(KeyError::Invalid(if password.is_none() {
            "encrypted: give the password with --keys-password-file".into()
        } else {
            "cannot decrypt: wrong password".into()
        }));
    }
    if oid.len() == oid::PKCS12_PBE_IDS.len() + 1 && oid.starts_with(oid::PKCS12_PBE_IDS) {
        let (cipher, key_len) = match oid[oid.len() - 1] {
            3 => (Cbc::DesEde3, 24),
            5 => (
                Cbc::Rc2 {
                    effective_bits: 128,
                },
                16,
            ),
            6 => (Cbc::Rc2 { effective_bits: 40 }, 5),
            n => {
                return Err(KeyError::Invalid(format!(
                    "PKCS#12 PBE algorithm {n} (RC4 or 2-key 3DES) is not supported"
                )))
            }
        };
        let mut pr = params.reader();
        let salt = pr.expect(tag::OCTET_STRING, "PBE salt")?.value;
        let iter = iterations(pr.expect(tag::INTEGER, "PBE iterations")?.value)? as i32;
        for pw in attempts(password) {
            let key =
                Hash::Sha1.pkcs12_kdf(pw, salt, Pkcs12KeyType::EncryptionKey, iter, key_len)?;
            let iv = Hash::Sha1.pkcs12_kdf(pw, salt, Pkcs12KeyType::Iv, iter, 8)?;
            if let Ok(out) = cbc_decrypt(cipher, &key, &iv, data) {
                return Ok(out);
            }
        }
        return Err(KeyError::Invalid(if password.is_none() {
            "encrypted: give the password with --keys-password-file".into()
        } else {
            "cannot decrypt: wrong password?".into()
        }));
    }
    Err(KeyError::Invalid(
        "encrypted with an unsupported algorithm".into(),
    ))
}

/// Decrypts an EncryptedPrivateKeyInfo into a PrivateKeyInfo.
pub(super) fn decrypt_pkcs8(
    der: &[u8],
    password: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let mut r = Reader::new(der);
    let seq = r.expect(tag::SEQUENCE, "EncryptedPrivateKeyInfo")?;
    let mut r = seq.reader();
    let alg = r.expect(tag::SEQUENCE, "encryptionAlgorithm")?;
    let data = r.expect(tag::OCTET_STRING, "encryptedData")?.value;
    pbe_decrypt(alg, data, password)
}

/// Reads the keys and certificates of a PKCS#12 (PFX) file.
pub(super) fn pkcs12(
    der: &[u8],
    password: Option<&str>,
    path: &Path,
) -> Result<(Vec<PrivateKey>, Vec<Vec<u8>>), KeyError> {
    let norm = ber::normalize(der).map_err(|e| KeyError::Invalid(format!("PKCS#12: {e}")))?;
    let mut r = Reader::new(&norm);
    let pfx = r.expect(tag::SEQUENCE, "PFX")?;
    let mut r = pfx.reader();
    if r.expect(tag::INTEGER, "PFX version")?.value != [3] {
        return Err(KeyError::Invalid("PKCS#12: not version 3".into()));
    }
    let auth_safe = r.expect(tag::SEQUENCE, "authSafe")?;
    let mut ar = auth_safe.reader();
    if ar.expect(tag::OID, "authSafe contentType")?.value != oid::DATA {
        return Err(KeyError::Invalid(
            "PKCS#12 with public-key integrity mode is not supported".into(),
        ));
    }
    let content = ar.expect(tag::CTX0_C, "authSafe content")?;
    let octets = content
        .reader()
        .expect(tag::OCTET_STRING, "authSafe data")?
        .value;
    if let Some(mac) = r.optional(tag::SEQUENCE)? {
        check_mac(mac, octets, password)?;
    }
    let mut keys = Vec::new();
    let mut certs = Vec::new();
    // NSS and Windows write BER inside the OCTET STRINGs too.
    let octets = ber::normalize(octets).map_err(|e| KeyError::Invalid(format!("PKCS#12: {e}")))?;
    let mut safes = Reader::new(&octets);
    let list = safes.expect(tag::SEQUENCE, "AuthenticatedSafe")?;
    let mut lr = list.reader();
    while !lr.is_empty() {
        let ci = lr.expect(tag::SEQUENCE, "ContentInfo")?;
        let mut cr = ci.reader();
        let ctype = cr.expect(tag::OID, "contentType")?.value;
        let inner = cr.expect(tag::CTX0_C, "content")?;
        let mut ir = inner.reader();
        if ctype == oid::DATA {
            let data = ir.expect(tag::OCTET_STRING, "SafeContents")?.value;
            safe_contents(data, password, path, 0, &mut keys, &mut certs)?;
        } else if ctype == oid::ENCRYPTED_DATA {
            let ed = ir.expect(tag::SEQUENCE, "EncryptedData")?;
            let mut er = ed.reader();
            er.expect(tag::INTEGER, "version")?;
            let eci = er.expect(tag::SEQUENCE, "EncryptedContentInfo")?;
            let mut ecr = eci.reader();
            ecr.expect(tag::OID, "contentType")?;
            let alg = ecr.expect(tag::SEQUENCE, "contentEncryptionAlgorithm")?;
            let data = encrypted_content(&mut ecr)?;
            let plain = pbe_decrypt(alg, &data, password)?;
            safe_contents(&plain, password, path, 0, &mut keys, &mut certs)?;
        }
        // Enveloped (public-key privacy mode) bags are skipped.
    }
    if keys.is_empty() {
        return Err(KeyError::Invalid("PKCS#12 holds no private key".into()));
    }
    Ok((keys, certs))
}

/// `[0] IMPLICIT OCTET STRING`, primitive or constructed of chunks.
fn encrypted_content(r: &mut Reader) -> Result<Vec<u8>, KeyError> {
    match r.peek_tag() {
        Some(tag::CTX0_P) => Ok(r.next_tlv()?.value.to_vec()),
        Some(tag::CTX0_C) => {
            let c = r.next_tlv()?;
            let mut out = Vec::new();
            let mut cr = c.reader();
            while !cr.is_empty() {
                out.extend_from_slice(
                    cr.expect(tag::OCTET_STRING, "encryptedContent chunk")?
                        .value,
                );
            }
            Ok(out)
        }
        _ => Err(KeyError::Invalid("encryptedContent missing".into())),
    }
}

/// Checks the PKCS#12 MAC: a wrong password is told apart from a damaged
/// file before any decryption.
fn check_mac(mac: Tlv, data: &[u8], password: Option<&str>) -> Result<(), KeyError> {
    let mut r = mac.reader();
    let di = r.expect(tag::SEQUENCE, "MacData digest")?;
    let mut dr = di.reader();
    let alg = dr.expect(tag::SEQUENCE, "MAC digestAlgorithm")?;
    let digest = dr.expect(tag::OCTET_STRING, "MAC digest")?.value;
    let salt = r.expect(tag::OCTET_STRING, "MAC salt")?.value;
    let iter = match r.optional(tag::INTEGER)? {
        Some(i) => iterations(i.value)?,
        None => 1,
    };
    let oid = alg.reader().expect(tag::OID, "MAC algorithm")?.value;
    let Some(hash) = Hash::from_oid(oid) else {
        // PBMAC1 and others: rely on the decryption to detect a wrong password.
        return Ok(());
    };
    for pw in attempts(password) {
        let key = hash.pkcs12_kdf(pw, salt, Pkcs12KeyType::Mac, iter as i32, hash.output_len())?;
        let k = hmac::Key::new(
            hash.hmac().ok_or(KeyError::Invalid("MAC hash".into()))?,
            &key,
        );
        if hmac::verify(&k, data, digest).is_ok() {
            return Ok(());
        }
    }
    Err(KeyError::Invalid(if password.is_none() {
        "PKCS#12 is protected by a password: give it with --keys-password-file".into()
    } else {
        "PKCS#12 MAC does not verify: wrong password (or a damaged file)".into()
    }))
}

/// Reads a SafeContents: keys (plain or shrouded), certificates, nested
/// SafeContents (bounded depth).
fn safe_contents(
    data: &[u8],
    password: Option<&str>,
    path: &Path,
    depth: usize,
    keys: &mut Vec<PrivateKey>,
    certs: &mut Vec<Vec<u8>>,
) -> Result<(), KeyError> {
    if depth > 4 {
        return Err(KeyError::Invalid(
            "PKCS#12 SafeContents nested too deep".into(),
        ));
    }
    let data = ber::normalize(data).map_err(|e| KeyError::Invalid(format!("PKCS#12: {e}")))?;
    let mut r = Reader::new(&data);
    let seq = r.expect(tag::SEQUENCE, "SafeContents")?;
    let mut sr = seq.reader();
    while !sr.is_empty() {
        let bag = sr.expect(tag::SEQUENCE, "SafeBag")?;
        let mut br = bag.reader();
        let id = br.expect(tag::OID, "bagId")?.value;
        let value = br.expect(tag::CTX0_C, "bagValue")?;
        let inner = value.reader().next_tlv()?;
        if id.len() != oid::PKCS12_BAG_TYPES.len() + 1 || !id.starts_with(oid::PKCS12_BAG_TYPES) {
            continue;
        }
        match id[id.len() - 1] {
            1 => keys.push(super::from_pkcs8(inner.raw, path)?),
            2 => {
                let plain = decrypt_pkcs8(inner.raw, password)?;
                keys.push(super::from_pkcs8(&plain, path)?);
            }
            3 => {
                let mut cr = inner.reader();
                if cr.expect(tag::OID, "certId")?.value == oid::X509_CERT {
                    let v = cr.expect(tag::CTX0_C, "certValue")?;
                    let octets = v.reader().expect(tag::OCTET_STRING, "certificate")?.value;
                    certs.push(octets.to_vec());
                }
            }
            6 => safe_contents(inner.raw, password, path, depth + 1, keys, certs)?,
            _ => {}
        }
    }
    Ok(())
}
