//! EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083): the
//! content-encryption algorithm, and decryption with the `--keys` keys:
//! KeyTransRecipientInfo (RSA PKCS#1 v1.5 and OAEP), KeyAgreeRecipientInfo
//! (ECDH ephemeral-static on P-256/384/521, X9.63 KDF, AES key wrap);
//! content AES-CBC, DES-EDE3-CBC, DES-CBC, RC2-CBC, and AES-GCM for
//! AuthEnvelopedData (tag checked before anything is returned).

use std::borrow::Cow;

use const_oid::ObjectIdentifier;

use super::CmsError;
use crate::der::{oid, tag, Reader};

/// Report name of a content-encryption algorithm OID: `aes128-cbc`,
/// `aes256-gcm`, `des-ede3-cbc`, `rc2-cbc`, …; the dotted OID when
/// unknown.
pub(crate) fn encryption_alg_name(oid: &ObjectIdentifier) -> String {
    let name = match oid.to_string().as_str() {
        "2.16.840.1.101.3.4.1.2" => "aes128-cbc",
        "2.16.840.1.101.3.4.1.22" => "aes192-cbc",
        "2.16.840.1.101.3.4.1.42" => "aes256-cbc",
        "2.16.840.1.101.3.4.1.6" => "aes128-gcm",
        "2.16.840.1.101.3.4.1.26" => "aes192-gcm",
        "2.16.840.1.101.3.4.1.46" => "aes256-gcm",
        "2.16.840.1.101.3.4.1.7" => "aes128-ccm",
        "2.16.840.1.101.3.4.1.27" => "aes192-ccm",
        "2.16.840.1.101.3.4.1.47" => "aes256-ccm",
        "1.3.14.3.2.7" => "des-cbc",
        "1.2.840.113549.3.7" => "des-ede3-cbc",
        "1.2.840.113549.3.2" => "rc2-cbc",
        "1.2.840.113549.3.4" => "rc4",
        "1.2.840.113549.1.9.16.3.18" => "chacha20-poly1305",
        "1.2.392.200011.61.1.1.1.2" => "camellia128-cbc",
        "1.2.392.200011.61.1.1.1.3" => "camellia192-cbc",
        "1.2.392.200011.61.1.1.1.4" => "camellia256-cbc",
        "1.2.410.200004.1.4" => "seed-cbc",
        "1.2.643.7.1.1.5.1" => "magma-ctr-acpkm",
        "1.2.643.7.1.1.5.2" => "kuznyechik-ctr-acpkm",
        other => return other.to_owned(),
    };
    name.to_owned()
}

/// Reads the contentEncryptionAlgorithm of an (Auth)EnvelopedData.
///
/// EnvelopedData ::= SEQUENCE { version, originatorInfo [0] OPTIONAL,
/// recipientInfos SET, encryptedContentInfo SEQUENCE { contentType,
/// contentEncryptionAlgorithm, encryptedContent [0] OPTIONAL }, … };
/// AuthEnvelopedData has the same head (authEncryptedContentInfo).
pub(crate) fn content_encryption_alg(der: &[u8], auth: bool) -> Result<String, CmsError> {
    let what = if auth {
        "AuthEnvelopedData"
    } else {
        "EnvelopedData"
    };
    let mut r = Reader::new(der);
    let seq = r.expect(tag::SEQUENCE, what)?;
    let mut r = seq.reader();
    r.expect(tag::INTEGER, "version")?;
    r.optional(tag::CTX0_C)?; // originatorInfo
    r.expect(tag::SET, "recipientInfos")?;
    let eci = r.expect(tag::SEQUENCE, "encryptedContentInfo")?;
    let mut er = eci.reader();
    er.expect(tag::OID, "contentType")?;
    let alg = er.expect(tag::SEQUENCE, "contentEncryptionAlgorithm")?;
    let oid = alg.reader().expect(tag::OID, "algorithm")?;
    let oid =
        ObjectIdentifier::from_bytes(oid.value).map_err(|e| CmsError::Malformed(e.to_string()))?;
    Ok(encryption_alg_name(&oid))
}

// ---------------------------------------------------------------------------
// Decryption with `--keys`.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement;
use aws_lc_rs::rsa::{
    OaepAlgorithm, OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384,
    OAEP_SHA512_MGF1SHA512,
};
use zeroize::Zeroizing;

use crate::der::{small_uint, Tlv};
use crate::keys::cipher::{aes_key_unwrap, cbc_decrypt, Cbc};
use crate::keys::{KeyKind, KeyStore};

/// Outcome of trying to decrypt an (Auth)EnvelopedData: the report's
/// `decryption` column, with the plaintext when it worked. The plaintext is
/// zeroised when dropped; `Debug` never shows it.
pub enum Decryption {
    /// A `--keys` key opened it: the plaintext content.
    Decrypted(Zeroizing<Vec<u8>>),
    /// No `--keys` key matches a recipient.
    NoKey,
    /// A matching key could not unwrap the content key, or the content did
    /// not decrypt / authenticate.
    Failed,
    /// An algorithm the scanner cannot run (named).
    Unsupported(String),
}

impl std::fmt::Debug for Decryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Decryption::Decrypted(p) => write!(f, "Decrypted({} bytes)", p.len()),
            other => f.write_str(other.as_str()),
        }
    }
}

impl Decryption {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Decryption::Decrypted(_) => "decrypted",
            Decryption::NoKey => "no-key",
            Decryption::Failed => "failed",
            Decryption::Unsupported(_) => "unsupported",
        }
    }
}

/// How the content is encrypted.
enum ContentAlg<'a> {
    Cbc(Cbc, &'a [u8]),
    Gcm {
        alg: &'static aead::Algorithm,
        key_len: usize,
        nonce: &'a [u8],
    },
}

impl ContentAlg<'_> {
    /// Content-encryption key length, when fixed.
    fn key_len(&self) -> Option<usize> {
        match self {
            ContentAlg::Cbc(Cbc::Rc2 { .. }, _) => None,
            ContentAlg::Cbc(c, _) => Some(c.key_len()),
            ContentAlg::Gcm { key_len, .. } => Some(*key_len),
        }
    }
}

/// Reads the content-encryption algorithm; Err names an unsupported one.
fn content_alg<'a>(alg: Tlv<'a>, auth: bool) -> Result<ContentAlg<'a>, CmsError> {
    let mut r = alg.reader();
    let oid_tlv = r.expect(tag::OID, "contentEncryptionAlgorithm")?;
    let oid = oid_tlv.value;
    let name = ObjectIdentifier::from_bytes(oid)
        .map(|o| encryption_alg_name(&o))
        .unwrap_or_else(|_| "?".into());
    let gcm = match oid {
        oid::AES128_GCM => Some((&aead::AES_128_GCM, 16)),
        oid::AES192_GCM => Some((&aead::AES_192_GCM, 24)),
        oid::AES256_GCM => Some((&aead::AES_256_GCM, 32)),
        _ => None,
    };
    if let Some((a, key_len)) = gcm {
        if !auth {
            return Err(CmsError::Unsupported(format!(
                "{name} in EnvelopedData (not AuthEnvelopedData)"
            )));
        }
        let p = r.expect(tag::SEQUENCE, "GCMParameters")?;
        let mut pr = p.reader();
        let nonce = pr.expect(tag::OCTET_STRING, "GCM nonce")?.value;
        let icv = match pr.optional(tag::INTEGER)? {
            Some(i) => small_uint(i.value)?,
            None => 12,
        };
        if icv != 16 || nonce.len() != 12 {
            return Err(CmsError::Unsupported(format!(
                "{name} with a {icv}-byte tag or {}-byte nonce",
                nonce.len()
            )));
        }
        return Ok(ContentAlg::Gcm {
            alg: a,
            key_len,
            nonce,
        });
    }
    if auth {
        return Err(CmsError::Unsupported(format!(
            "{name} in AuthEnvelopedData"
        )));
    }
    if oid == oid::RC2_CBC {
        // RC2CBCParameter ::= SEQUENCE { rc2ParameterVersion INTEGER
        // OPTIONAL, iv OCTET STRING } (or a bare IV).
        let (version, iv) = match r.peek_tag() {
            Some(tag::OCTET_STRING) => (None, r.next_tlv()?.value),
            _ => {
                let p = r.expect(tag::SEQUENCE, "RC2CBCParameter")?;
                let mut pr = p.reader();
                let v = pr
                    .optional(tag::INTEGER)?
                    .map(|v| small_uint(v.value))
                    .transpose()?;
                (v, pr.expect(tag::OCTET_STRING, "RC2 IV")?.value)
            }
        };
        let bits = match version {
            None => 32,
            Some(160) => 40,
            Some(120) => 64,
            Some(58) => 128,
            Some(v) if v >= 256 => v as usize,
            Some(v) => {
                return Err(CmsError::Unsupported(format!(
                    "rc2-cbc with parameter version {v}"
                )))
            }
        };
        return Ok(ContentAlg::Cbc(
            Cbc::Rc2 {
                effective_bits: bits,
            },
            iv,
        ));
    }
    let cbc = Cbc::from_oid(oid).ok_or(CmsError::Unsupported(name))?;
    let iv = r.expect(tag::OCTET_STRING, "IV")?.value;
    Ok(ContentAlg::Cbc(cbc, iv))
}

/// What a RecipientInfo asks of one of our keys.
#[derive(Clone, Copy)]
enum Unwrap<'a> {
    RsaV15(&'a [u8]),
    RsaOaep(&'static OaepAlgorithm, Option<&'a [u8]>, &'a [u8]),
    Ecdh {
        originator: &'a [u8],
        ukm: Option<&'a [u8]>,
        kdf: Kdf,
        /// The key wrap AlgorithmIdentifier as encoded (SharedInfo).
        wrap_alg: &'a [u8],
        kek_len: usize,
        wrapped: &'a [u8],
    },
}

#[derive(Clone, Copy)]
enum Kdf {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

/// Decrypts the content of an (Auth)EnvelopedData (`der` is the element
/// inside the ContentInfo, DER) with the matching keys. `Err` = the
/// structure does not decode.
pub(crate) fn decrypt(der: &[u8], auth: bool, keys: &KeyStore) -> Result<Decryption, CmsError> {
    let mut r = Reader::new(der);
    let seq = r.expect(tag::SEQUENCE, "EnvelopedData")?;
    let mut r = seq.reader();
    r.expect(tag::INTEGER, "version")?;
    r.optional(tag::CTX0_C)?; // originatorInfo
    let ris = r.expect(tag::SET, "recipientInfos")?;
    let eci = r.expect(tag::SEQUENCE, "encryptedContentInfo")?;
    let mut er = eci.reader();
    er.expect(tag::OID, "contentType")?;
    let alg = er.expect(tag::SEQUENCE, "contentEncryptionAlgorithm")?;
    let content = encrypted_content(&mut er)?;
    let (auth_attrs, mac) = if auth {
        let attrs = r.optional(tag::CTX1_C)?;
        let mac = r.expect(tag::OCTET_STRING, "mac")?.value;
        (attrs, Some(mac))
    } else {
        (None, None)
    };

    // The candidates: (key index, what to do), in RecipientInfo order.
    let mut candidates: Vec<(usize, Unwrap)> = Vec::new();
    let mut unsupported: Option<String> = None;
    let mut rr = ris.reader();
    while !rr.is_empty() {
        let ri = rr.next_tlv()?;
        match ri.tag {
            tag::SEQUENCE => ktri(ri, keys, &mut candidates, &mut unsupported)?,
            tag::CTX1_C => kari(ri, keys, &mut candidates, &mut unsupported)?,
            // KEK, password and other recipients: never ours.
            _ => {}
        }
    }
    if candidates.is_empty() {
        return Ok(match unsupported {
            Some(u) => Decryption::Unsupported(u),
            None => Decryption::NoKey,
        });
    }
    let calg = match content_alg(alg, auth) {
        Ok(c) => c,
        Err(u) => return Ok(Decryption::Unsupported(u.to_string())),
    };
    let Some(content) = content else {
        return Ok(Decryption::Unsupported("detached encrypted content".into()));
    };
    let aad: Vec<u8> = match auth_attrs {
        // The DER of the attributes with the SET OF tag (RFC 5083 §2.1).
        Some(a) => {
            let mut v = a.raw.to_vec();
            v[0] = tag::SET;
            v
        }
        None => Vec::new(),
    };
    for (i, how) in &candidates {
        let key = keys.get(*i);
        let Ok((cek, unwrapped)) = unwrap(&key.kind, how, calg.key_len()) else {
            continue;
        };
        // The content is decrypted even when the key did not unwrap (a
        // random key stands in, RFC 3218 §2.3.2), so that a bad padding
        // costs the same time as a wrong key.
        let plain = match &calg {
            ContentAlg::Cbc(c, iv) => cbc_decrypt(*c, &cek, iv, &content).ok(),
            ContentAlg::Gcm { alg, nonce, .. } => gcm_open(alg, &cek, nonce, &aad, &content, mac),
        };
        if let (Some(p), true) = (plain, unwrapped) {
            return Ok(Decryption::Decrypted(p));
        }
    }
    Ok(Decryption::Failed)
}

/// AES-GCM: the tag is checked before any plaintext is returned.
fn gcm_open(
    alg: &'static aead::Algorithm,
    cek: &[u8],
    nonce: &[u8],
    aad: &[u8],
    content: &[u8],
    mac: Option<&[u8]>,
) -> Option<Zeroizing<Vec<u8>>> {
    let mac = mac?;
    if mac.len() != 16 {
        return None;
    }
    let key = LessSafeKey::new(UnboundKey::new(alg, cek).ok()?);
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut buf = Zeroizing::new(Vec::with_capacity(content.len() + 16));
    buf.extend_from_slice(content);
    buf.extend_from_slice(mac);
    let len = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .ok()?
        .len();
    buf.truncate(len);
    Some(buf)
}

/// `[0] IMPLICIT OCTET STRING` (primitive: borrowed, not copied; or
/// constructed of chunks); None when absent.
fn encrypted_content<'a>(r: &mut Reader<'a>) -> Result<Option<Cow<'a, [u8]>>, CmsError> {
    match r.peek_tag() {
        Some(tag::CTX0_P) => Ok(Some(Cow::Borrowed(r.next_tlv()?.value))),
        Some(tag::CTX0_C) => {
            let c = r.next_tlv()?;
            let mut out = Vec::new();
            let mut cr = c.reader();
            while !cr.is_empty() {
                out.extend_from_slice(cr.expect(tag::OCTET_STRING, "encryptedContent")?.value);
            }
            Ok(Some(Cow::Owned(out)))
        }
        _ => Ok(None),
    }
}

/// Keys named by an issuerAndSerialNumber or a subjectKeyIdentifier.
fn rid_keys<'k>(rid: Tlv, keys: &'k KeyStore) -> Result<&'k [usize], CmsError> {
    match rid.tag {
        tag::SEQUENCE => {
            let mut r = rid.reader();
            let issuer = r.expect(tag::SEQUENCE, "issuer")?;
            let serial = r.expect(tag::INTEGER, "serialNumber")?;
            Ok(keys.by_issuer_serial(issuer.raw, serial.value))
        }
        tag::CTX0_P => Ok(keys.by_ski(rid.value)),
        // KeyAgree rKeyId: RecipientKeyIdentifier { subjectKeyIdentifier, … }
        tag::CTX0_C => {
            let ski = rid.reader().expect(tag::OCTET_STRING, "rKeyId")?;
            Ok(keys.by_ski(ski.value))
        }
        t => Err(CmsError::Malformed(format!(
            "recipient identifier: unexpected tag 0x{t:02x}"
        ))),
    }
}

fn hash_of(oid: &[u8]) -> Option<Kdf> {
    match oid {
        oid::SHA1 => Some(Kdf::Sha1),
        oid::SHA224 => Some(Kdf::Sha224),
        oid::SHA256 => Some(Kdf::Sha256),
        oid::SHA384 => Some(Kdf::Sha384),
        oid::SHA512 => Some(Kdf::Sha512),
        _ => None,
    }
}

/// RSAES-OAEP-params: the aws-lc-rs algorithm (hash and MGF1 hash must be
/// equal) and the label.
fn oaep_params<'a>(
    params: Option<Tlv<'a>>,
) -> Result<(&'static OaepAlgorithm, Option<&'a [u8]>), CmsError> {
    let mut hash = Kdf::Sha1;
    let mut mgf = Kdf::Sha1;
    let mut label = None;
    if let Some(p) = params.filter(|p| p.tag == tag::SEQUENCE) {
        let mut r = p.reader();
        if let Some(h) = r.optional(tag::CTX0_C)? {
            let a = h.reader().expect(tag::SEQUENCE, "OAEP hash")?;
            let oid = a.reader().expect(tag::OID, "OAEP hash")?.value;
            hash = hash_of(oid).ok_or(CmsError::Unsupported(
                "rsa-oaep with an unknown hash".into(),
            ))?;
        }
        if let Some(m) = r.optional(tag::CTX1_C)? {
            let a = m.reader().expect(tag::SEQUENCE, "OAEP MGF")?;
            let mut ar = a.reader();
            if ar.expect(tag::OID, "MGF")?.value != oid::MGF1 {
                return Err(CmsError::Unsupported(
                    "rsa-oaep with a mask generation function other than MGF1".into(),
                ));
            }
            let h = ar.expect(tag::SEQUENCE, "MGF1 hash")?;
            let oid = h.reader().expect(tag::OID, "MGF1 hash")?.value;
            mgf = hash_of(oid).ok_or(CmsError::Unsupported(
                "rsa-oaep with an unknown MGF1 hash".into(),
            ))?;
        }
        if let Some(s) = r.optional(tag::CTX2_C)? {
            let a = s.reader().expect(tag::SEQUENCE, "OAEP pSource")?;
            let mut ar = a.reader();
            if ar.expect(tag::OID, "pSource")?.value != oid::P_SPECIFIED {
                return Err(CmsError::Unsupported(
                    "rsa-oaep with an unknown pSource".into(),
                ));
            }
            let l = ar.expect(tag::OCTET_STRING, "OAEP label")?.value;
            if !l.is_empty() {
                label = Some(l);
            }
        }
    }
    let alg = match (hash, mgf) {
        (Kdf::Sha1, Kdf::Sha1) => &OAEP_SHA1_MGF1SHA1,
        (Kdf::Sha256, Kdf::Sha256) => &OAEP_SHA256_MGF1SHA256,
        (Kdf::Sha384, Kdf::Sha384) => &OAEP_SHA384_MGF1SHA384,
        (Kdf::Sha512, Kdf::Sha512) => &OAEP_SHA512_MGF1SHA512,
        _ => {
            return Err(CmsError::Unsupported(
                "rsa-oaep with this hash / MGF1 hash pair".into(),
            ))
        }
    };
    Ok((alg, label))
}

/// KeyTransRecipientInfo ::= SEQUENCE { version, rid, keyEncryptionAlgorithm,
/// encryptedKey }.
fn ktri<'a>(
    ri: Tlv<'a>,
    keys: &KeyStore,
    out: &mut Vec<(usize, Unwrap<'a>)>,
    unsupported: &mut Option<String>,
) -> Result<(), CmsError> {
    let mut r = ri.reader();
    r.expect(tag::INTEGER, "KeyTransRecipientInfo version")?;
    let rid = r.next_tlv()?;
    let alg = r.expect(tag::SEQUENCE, "keyEncryptionAlgorithm")?;
    let ek = r.expect(tag::OCTET_STRING, "encryptedKey")?.value;
    let idx = rid_keys(rid, keys)?;
    let idx: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&i| matches!(keys.get(i).kind, KeyKind::Rsa { .. }))
        .collect();
    if idx.is_empty() {
        return Ok(());
    }
    let mut ar = alg.reader();
    let oid = ar.expect(tag::OID, "keyEncryptionAlgorithm")?.value;
    let how = if oid == oid::RSA_ENCRYPTION {
        Unwrap::RsaV15(ek)
    } else if oid == oid::RSAES_OAEP {
        let params = if ar.is_empty() {
            None
        } else {
            Some(ar.next_tlv()?)
        };
        match oaep_params(params) {
            Ok((a, label)) => Unwrap::RsaOaep(a, label, ek),
            Err(u) => {
                unsupported.get_or_insert(u.to_string());
                return Ok(());
            }
        }
    } else {
        let name = ObjectIdentifier::from_bytes(oid)
            .map(|o| o.to_string())
            .unwrap_or_default();
        unsupported.get_or_insert(format!("key transport algorithm {name}"));
        return Ok(());
    };
    // One RecipientInfo, possibly several keys with the same certificate.
    for i in idx {
        out.push((i, how));
    }
    Ok(())
}

/// KeyAgreeRecipientInfo ::= [1] IMPLICIT SEQUENCE { version, originator
/// [0] EXPLICIT, ukm [1] EXPLICIT OPTIONAL, keyEncryptionAlgorithm,
/// recipientEncryptedKeys }.
fn kari<'a>(
    ri: Tlv<'a>,
    keys: &KeyStore,
    out: &mut Vec<(usize, Unwrap<'a>)>,
    unsupported: &mut Option<String>,
) -> Result<(), CmsError> {
    let mut r = ri.reader();
    r.expect(tag::INTEGER, "KeyAgreeRecipientInfo version")?;
    let orig = r.expect(tag::CTX0_C, "originator")?;
    let ukm = match r.optional(tag::CTX1_C)? {
        Some(u) => Some(u.reader().expect(tag::OCTET_STRING, "ukm")?.value),
        None => None,
    };
    let alg = r.expect(tag::SEQUENCE, "keyEncryptionAlgorithm")?;
    let reks = r.expect(tag::SEQUENCE, "recipientEncryptedKeys")?;
    // Which of our keys are named?
    let mut named: Vec<(usize, &'a [u8])> = Vec::new();
    let mut kr = reks.reader();
    while !kr.is_empty() {
        let rek = kr.expect(tag::SEQUENCE, "RecipientEncryptedKey")?;
        let mut rr = rek.reader();
        let rid = rr.next_tlv()?;
        let ek = rr.expect(tag::OCTET_STRING, "encryptedKey")?.value;
        for &i in rid_keys(rid, keys)? {
            if matches!(keys.get(i).kind, KeyKind::Ec(..)) {
                named.push((i, ek));
            }
        }
    }
    if named.is_empty() {
        return Ok(());
    }
    // originatorKey [1] IMPLICIT OriginatorPublicKey { algorithm, publicKey }
    let ok = orig.reader().next_tlv()?;
    if ok.tag != tag::CTX1_C {
        unsupported.get_or_insert("key agreement with a static originator key".into());
        return Ok(());
    }
    let mut okr = ok.reader();
    okr.expect(tag::SEQUENCE, "originator key algorithm")?;
    let bits = okr.expect(tag::BIT_STRING, "originator public key")?.value;
    let point = match bits.split_first() {
        Some((0, p)) => p,
        _ => {
            return Err(CmsError::Malformed(
                "originator public key: bad BIT STRING".into(),
            ))
        }
    };
    let mut ar = alg.reader();
    let kdf_oid = ar.expect(tag::OID, "key agreement algorithm")?.value;
    let kdf = match kdf_oid {
        // dhSinglePass-stdDH-sha1kdf-scheme / cofactorDH (cofactor 1 on P-curves)
        [0x2b, 0x81, 0x05, 0x10, 0x86, 0x48, 0x3f, 0x00, 0x02 | 0x03] => Kdf::Sha1,
        [0x2b, 0x81, 0x04, 0x01, 0x0b | 0x0e, n] => match n {
            0 => Kdf::Sha224,
            1 => Kdf::Sha256,
            2 => Kdf::Sha384,
            3 => Kdf::Sha512,
            _ => {
                unsupported.get_or_insert("key agreement KDF".into());
                return Ok(());
            }
        },
        _ => {
            let name = ObjectIdentifier::from_bytes(kdf_oid)
                .map(|o| o.to_string())
                .unwrap_or_default();
            unsupported.get_or_insert(format!("key agreement algorithm {name}"));
            return Ok(());
        }
    };
    let wrap = ar.expect(tag::SEQUENCE, "key wrap algorithm")?;
    let woid = wrap.reader().expect(tag::OID, "key wrap algorithm")?.value;
    let kek_len = match woid.strip_prefix(oid::AES) {
        Some([0x05]) => 16,
        Some([0x19]) => 24,
        Some([0x2d]) => 32,
        _ => {
            unsupported.get_or_insert("key wrap other than AES key wrap".into());
            return Ok(());
        }
    };
    for (i, ek) in named {
        out.push((
            i,
            Unwrap::Ecdh {
                originator: point,
                ukm,
                kdf,
                wrap_alg: wrap.raw,
                kek_len,
                wrapped: ek,
            },
        ));
    }
    Ok(())
}

/// ANSI X9.63 KDF (SEC 1 §3.6.1).
fn x963(kdf: Kdf, z: &[u8], shared_info: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    use sha2::Digest;
    let mut out = Zeroizing::new(Vec::with_capacity(len + 64));
    let mut counter: u32 = 1;
    while out.len() < len {
        let c = counter.to_be_bytes();
        macro_rules! h {
            ($d:ty) => {{
                let mut h = <$d>::new();
                h.update(z);
                h.update(c);
                h.update(shared_info);
                out.extend_from_slice(&h.finalize());
            }};
        }
        match kdf {
            Kdf::Sha1 => h!(sha1::Sha1),
            Kdf::Sha224 => h!(sha2::Sha224),
            Kdf::Sha256 => h!(sha2::Sha256),
            Kdf::Sha384 => h!(sha2::Sha384),
            Kdf::Sha512 => h!(sha2::Sha512),
        }
        counter += 1;
    }
    out.truncate(len);
    out
}

/// ECC-CMS-SharedInfo ::= SEQUENCE { keyInfo, entityUInfo [0] EXPLICIT
/// OCTET STRING OPTIONAL, suppPubInfo [2] EXPLICIT OCTET STRING } (RFC 5753).
fn shared_info(wrap_alg: &[u8], ukm: Option<&[u8]>, kek_len: usize) -> Vec<u8> {
    use crate::keys::der_tlv;
    let mut body = wrap_alg.to_vec();
    if let Some(u) = ukm {
        body.extend(der_tlv(tag::CTX0_C, &der_tlv(tag::OCTET_STRING, u)));
    }
    let bits = ((kek_len * 8) as u32).to_be_bytes();
    body.extend(der_tlv(tag::CTX2_C, &der_tlv(tag::OCTET_STRING, &bits)));
    der_tlv(tag::SEQUENCE, &body)
}

/// The content-encryption key did not unwrap with a key.
#[derive(Debug)]
struct UnwrapFailed;

/// Unwraps the content-encryption key. Ok((key, unwrapped)): `unwrapped`
/// false means a PKCS#1 v1.5 failure and `key` is random (RFC 3218).
/// `Err`: the key cannot unwrap it (nothing to go on).
fn unwrap(
    key: &KeyKind,
    how: &Unwrap,
    want_len: Option<usize>,
) -> Result<(Zeroizing<Vec<u8>>, bool), UnwrapFailed> {
    match (key, how) {
        (KeyKind::Rsa { pkcs1, .. }, Unwrap::RsaV15(ek)) => {
            let want = want_len.unwrap_or(16);
            let mut random = Zeroizing::new(vec![0u8; want]);
            aws_lc_rs::rand::fill(&mut random).map_err(|_| UnwrapFailed)?;
            let mut buf = Zeroizing::new(vec![0u8; pkcs1.min_output_size().max(want)]);
            let (ok, len) = match pkcs1.decrypt(ek, &mut buf) {
                Ok(p) => (true, p.len()),
                Err(_) => (false, 0),
            };
            // A content key of the wrong size is a failure like a bad
            // padding; either way the random key is used, selected without
            // a branch on the secret.
            let ok = ok && (want_len.is_none() || len == want);
            let use_len = if want_len.is_none() && ok { len } else { want };
            let mask = 0u8.wrapping_sub(ok as u8);
            let mut cek = Zeroizing::new(vec![0u8; use_len]);
            for i in 0..use_len {
                let d = buf.get(i).copied().unwrap_or(0);
                let r = random.get(i).copied().unwrap_or(0);
                cek[i] = (d & mask) | (r & !mask);
            }
            Ok((cek, ok))
        }
        (KeyKind::Rsa { oaep, .. }, Unwrap::RsaOaep(alg, label, ek)) => {
            let mut buf = Zeroizing::new(vec![0u8; oaep.min_output_size()]);
            let len = oaep
                .decrypt(alg, ek, &mut buf, *label)
                .map_err(|_| UnwrapFailed)?
                .len();
            if want_len.is_some_and(|w| w != len) {
                return Err(UnwrapFailed);
            }
            buf.truncate(len);
            Ok((buf, true))
        }
        (
            KeyKind::Ec(curve, k),
            Unwrap::Ecdh {
                originator,
                ukm,
                kdf,
                wrap_alg,
                kek_len,
                wrapped,
            },
        ) => {
            let peer = agreement::UnparsedPublicKey::new(curve.agreement(), *originator);
            let info = shared_info(wrap_alg, *ukm, *kek_len);
            let kek = agreement::agree(k, peer, UnwrapFailed, |z| {
                Ok(x963(*kdf, z, &info, *kek_len))
            })?;
            let cek = aes_key_unwrap(&kek, wrapped).map_err(|_| UnwrapFailed)?;
            if want_len.is_some_and(|w| w != cek.len()) {
                return Err(UnwrapFailed);
            }
            Ok((cek, true))
        }
        _ => Err(UnwrapFailed),
    }
}
