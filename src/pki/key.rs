//! Public keys and signature algorithms: parse a key once, verify many
//! signatures with it.
//!
//! - RSA PKCS#1 v1.5 (SHA-1/256/384/512, 1024–8192 bits), RSA-PSS (salt =
//!   digest length or maximal, MGF1 with the same hash), ECDSA P-256/P-384/
//!   P-521 and Ed25519 go through aws-lc-rs, with the key parsed once per
//!   (key, algorithm) and kept ([`ParsedPublicKey`]).
//! - What aws-lc-rs cannot take (MD5 or SHA-224 with RSA, RSA keys under
//!   1024 or over 8192 bits, other PSS salt lengths) goes through the `rsa`
//!   crate.
//! - DSA (FIPS 186, SHA-1/224/256) goes through the `dsa` crate, including
//!   keys whose domain parameters are inherited from the issuer
//!   (`PublicKey::with_dsa_params_from`).
//!
//! An algorithm or key we cannot check gives [`VerifyError::Unsupported`],
//! never [`VerifyError::Invalid`]. In [`PublicKey::verify`] a key that does
//! not match the algorithm is also `Unsupported`; for a CMS signer,
//! `SigLabel::resolve` decides first: there the signer's key decides the
//! family and the digestAlgorithm the hash (as OpenSSL 3), and a label that
//! does not fit the key is `Invalid` (SPEC `signature`).

use std::sync::OnceLock;

use aws_lc_rs::signature::{self as awssig, ParsedPublicKey, RsaParameters, RsaPssSaltLength};
use const_oid::ObjectIdentifier;
use der::Tagged;
use rsa::BigUint;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::der::{oid, small_uint, tag, unsigned_int, DerError, Reader};

/// Why an algorithm identifier or a public key cannot be used for
/// verification (the text is what `error` shows after its context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlgError {
    /// Its DER does not decode.
    Der(DerError),
    /// An algorithm, curve or parameter we do not verify, or a key that
    /// cannot be used (the text names it).
    Unusable(String),
}

impl std::fmt::Display for AlgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AlgError::Der(e) => e.fmt(f),
            AlgError::Unusable(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for AlgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AlgError::Der(e) => Some(e),
            AlgError::Unusable(_) => None,
        }
    }
}

impl From<DerError> for AlgError {
    fn from(e: DerError) -> Self {
        AlgError::Der(e)
    }
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The signature is wrong for this key and message.
    Invalid(String),
    /// We cannot check this algorithm / key combination.
    Unsupported(String),
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyError::Invalid(s) | VerifyError::Unsupported(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for VerifyError {}

/// A message digest algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlg {
    /// MD5 (RFC 1321): weak (`WEAK_DIGEST`).
    Md5,
    /// SHA-1: weak (`WEAK_DIGEST`).
    Sha1,
    /// SHA-224 (FIPS 180-4).
    Sha224,
    /// SHA-256 (FIPS 180-4).
    Sha256,
    /// SHA-384 (FIPS 180-4).
    Sha384,
    /// SHA-512 (FIPS 180-4).
    Sha512,
    /// SHA3-256 (FIPS 202).
    Sha3_256,
    /// SHA3-384 (FIPS 202).
    Sha3_384,
    /// SHA3-512 (FIPS 202).
    Sha3_512,
}

impl DigestAlg {
    /// From a digest algorithm OID.
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<DigestAlg> {
        Some(match oid.as_bytes() {
            oid::MD5 => DigestAlg::Md5,
            oid::SHA1 => DigestAlg::Sha1,
            oid::SHA224 => DigestAlg::Sha224,
            oid::SHA256 => DigestAlg::Sha256,
            oid::SHA384 => DigestAlg::Sha384,
            oid::SHA512 => DigestAlg::Sha512,
            oid::SHA3_256 => DigestAlg::Sha3_256,
            oid::SHA3_384 => DigestAlg::Sha3_384,
            oid::SHA3_512 => DigestAlg::Sha3_512,
            _ => return None,
        })
    }

    /// From a digest AlgorithmIdentifier (parameters, absent or NULL, are
    /// not looked at). Some clients write the signature algorithm
    /// (sha256WithRSAEncryption, …) as the digest algorithm: its hash is
    /// taken then.
    pub fn from_x509(alg: &AlgorithmIdentifierOwned) -> Option<DigestAlg> {
        DigestAlg::from_oid(&alg.oid).or_else(|| match SigAlg::from_x509(alg) {
            Ok(s) => s.digest(),
            Err(_) => None,
        })
    }

    /// Report vocabulary: `md5`, `sha1`, `sha224`, `sha256`, `sha384`,
    /// `sha512`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            DigestAlg::Md5 => "md5",
            DigestAlg::Sha1 => "sha1",
            DigestAlg::Sha224 => "sha224",
            DigestAlg::Sha256 => "sha256",
            DigestAlg::Sha384 => "sha384",
            DigestAlg::Sha512 => "sha512",
            DigestAlg::Sha3_256 => "sha3-256",
            DigestAlg::Sha3_384 => "sha3-384",
            DigestAlg::Sha3_512 => "sha3-512",
        }
    }

    /// MD5 and SHA-1: broken for signatures.
    pub(crate) fn is_weak(self) -> bool {
        matches!(self, DigestAlg::Md5 | DigestAlg::Sha1)
    }

    /// The weaker of two hashes (`self` when both are as strong).
    pub(crate) fn weaker(self, other: DigestAlg) -> DigestAlg {
        let rank = |d: DigestAlg| match d {
            DigestAlg::Md5 => 0,
            DigestAlg::Sha1 => 1,
            _ => 2,
        };
        if rank(other) < rank(self) {
            other
        } else {
            self
        }
    }

    pub(crate) fn output_len(self) -> usize {
        match self {
            DigestAlg::Md5 => 16,
            DigestAlg::Sha1 => 20,
            DigestAlg::Sha224 => 28,
            DigestAlg::Sha256 => 32,
            DigestAlg::Sha384 => 48,
            DigestAlg::Sha512 | DigestAlg::Sha3_512 => 64,
            DigestAlg::Sha3_256 => 32,
            DigestAlg::Sha3_384 => 48,
        }
    }

    /// Hashes `data`.
    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            DigestAlg::Md5 => md5::Md5::digest(data).to_vec(),
            DigestAlg::Sha1 => Sha1::digest(data).to_vec(),
            DigestAlg::Sha224 => Sha224::digest(data).to_vec(),
            DigestAlg::Sha256 => Sha256::digest(data).to_vec(),
            DigestAlg::Sha384 => Sha384::digest(data).to_vec(),
            DigestAlg::Sha512 => Sha512::digest(data).to_vec(),
            DigestAlg::Sha3_256 => aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA3_256, data)
                .as_ref()
                .to_vec(),
            DigestAlg::Sha3_384 => aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA3_384, data)
                .as_ref()
                .to_vec(),
            DigestAlg::Sha3_512 => aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA3_512, data)
                .as_ref()
                .to_vec(),
        }
    }

    /// DER DigestInfo prefix for PKCS#1 v1.5 (with NULL parameters, or
    /// without them as some old signers wrote).
    fn digest_info_prefix(self, with_null: bool) -> Vec<u8> {
        let oid: &[u8] = match self {
            DigestAlg::Md5 => oid::MD5,
            DigestAlg::Sha1 => oid::SHA1,
            DigestAlg::Sha224 => oid::SHA224,
            DigestAlg::Sha256 => oid::SHA256,
            DigestAlg::Sha384 => oid::SHA384,
            DigestAlg::Sha512 => oid::SHA512,
            DigestAlg::Sha3_256 => oid::SHA3_256,
            DigestAlg::Sha3_384 => oid::SHA3_384,
            DigestAlg::Sha3_512 => oid::SHA3_512,
        };
        let hlen = self.output_len();
        let algid_len = 2 + oid.len() + if with_null { 2 } else { 0 };
        let mut v = vec![
            0x30,
            (2 + algid_len + 2 + hlen) as u8,
            0x30,
            algid_len as u8,
        ];
        v.push(0x06);
        v.push(oid.len() as u8);
        v.extend_from_slice(oid);
        if with_null {
            v.extend_from_slice(&[0x05, 0x00]);
        }
        v.push(0x04);
        v.push(hlen as u8);
        v
    }
}

/// RSASSA-PSS parameters (RFC 4055), MGF1 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PssParams {
    pub(crate) hash: DigestAlg,
    pub(crate) mgf1_hash: DigestAlg,
    pub(crate) salt_len: usize,
}

impl PssParams {
    /// Parses RSASSA-PSS-params (DER); absent parameters mean the SHA-1
    /// defaults.
    pub(crate) fn from_der(params: Option<&[u8]>) -> Result<PssParams, AlgError> {
        let mut p = PssParams {
            hash: DigestAlg::Sha1,
            mgf1_hash: DigestAlg::Sha1,
            salt_len: 20,
        };
        let Some(der) = params else { return Ok(p) };
        let mut r = Reader::new(der);
        let seq = r.expect(tag::SEQUENCE, "RSASSA-PSS params")?;
        let mut r = seq.reader();
        if let Some(h) = r.optional(tag::CTX0_C)? {
            p.hash = digest_of_algid(h.value)?;
        }
        if let Some(m) = r.optional(tag::CTX1_C)? {
            let mut mr = m.reader();
            let alg = mr.expect(tag::SEQUENCE, "maskGenAlgorithm")?;
            let mut ar = alg.reader();
            let oid = ar.expect(tag::OID, "maskGenAlgorithm OID")?;
            let oid = ObjectIdentifier::from_bytes(oid.value)
                .map_err(|e| AlgError::Unusable(e.to_string()))?;
            if oid.as_bytes() != oid::MGF1 {
                return Err(AlgError::Unusable(format!(
                    "RSA-PSS mask generation {oid} unsupported"
                )));
            }
            let h = ar.next_tlv()?;
            p.mgf1_hash = digest_of_algid(h.raw)?;
        }
        if let Some(s) = r.optional(tag::CTX2_C)? {
            let i = s.reader().expect(tag::INTEGER, "saltLength")?;
            p.salt_len = small_uint(i.value)?.min(1 << 16) as usize;
        }
        if let Some(t) = r.optional(tag::CTX3_C)? {
            let i = t.reader().expect(tag::INTEGER, "trailerField")?;
            if small_uint(i.value)? != 1 {
                return Err(AlgError::Unusable(
                    "RSA-PSS trailer field other than 1 unsupported".into(),
                ));
            }
        }
        Ok(p)
    }
}

/// Digest algorithm of a DER AlgorithmIdentifier.
fn digest_of_algid(der: &[u8]) -> Result<DigestAlg, AlgError> {
    let mut r = Reader::new(der);
    let seq = r.expect(tag::SEQUENCE, "AlgorithmIdentifier")?;
    let oid = seq.reader().expect(tag::OID, "algorithm OID")?;
    let oid =
        ObjectIdentifier::from_bytes(oid.value).map_err(|e| AlgError::Unusable(e.to_string()))?;
    DigestAlg::from_oid(&oid)
        .ok_or_else(|| AlgError::Unusable(format!("digest algorithm {oid} unsupported")))
}

/// A signature algorithm with its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigAlg {
    /// RSASSA-PKCS1-v1_5 over this hash (`rsa-pkcs1`).
    RsaPkcs1(DigestAlg),
    /// RSASSA-PSS with these parameters (`rsa-pss`).
    RsaPss(PssParams),
    /// ECDSA over this hash; the curve comes from the key (`ecdsa-p256`, …).
    Ecdsa(DigestAlg),
    /// Ed25519 (RFC 8419), which hashes internally (`ed25519`).
    Ed25519,
    /// DSA over this hash (`dsa`).
    Dsa(DigestAlg),
}

impl SigAlg {
    /// From an explicit signature AlgorithmIdentifier
    /// (sha256WithRSAEncryption, RSASSA-PSS, ecdsa-with-SHA384, Ed25519,
    /// id-dsa-with-sha1, …), as in certificates and CRLs. `Err` names what
    /// cannot be checked.
    pub(crate) fn from_x509(alg: &AlgorithmIdentifierOwned) -> Result<SigAlg, AlgError> {
        use DigestAlg::*;
        Ok(match alg.oid.as_bytes() {
            oid::MD5_WITH_RSA | oid::MD5_WITH_RSA_OIW => SigAlg::RsaPkcs1(Md5),
            oid::SHA1_WITH_RSA | oid::SHA1_WITH_RSA_OIW => SigAlg::RsaPkcs1(Sha1),
            oid::SHA224_WITH_RSA => SigAlg::RsaPkcs1(Sha224),
            oid::SHA256_WITH_RSA => SigAlg::RsaPkcs1(Sha256),
            oid::SHA384_WITH_RSA => SigAlg::RsaPkcs1(Sha384),
            oid::SHA512_WITH_RSA => SigAlg::RsaPkcs1(Sha512),
            oid::SHA3_256_WITH_RSA => SigAlg::RsaPkcs1(Sha3_256),
            oid::SHA3_384_WITH_RSA => SigAlg::RsaPkcs1(Sha3_384),
            oid::SHA3_512_WITH_RSA => SigAlg::RsaPkcs1(Sha3_512),
            oid::RSASSA_PSS => {
                let params = match &alg.parameters {
                    None => None,
                    Some(a) if a.tag() == der::Tag::Null => None,
                    Some(a) => Some(
                        der::Encode::to_der(a).map_err(|e| AlgError::Unusable(e.to_string()))?,
                    ),
                };
                SigAlg::RsaPss(PssParams::from_der(params.as_deref())?)
            }
            oid::ECDSA_WITH_SHA1 => SigAlg::Ecdsa(Sha1),
            oid::ECDSA_WITH_SHA224 => SigAlg::Ecdsa(Sha224),
            oid::ECDSA_WITH_SHA256 => SigAlg::Ecdsa(Sha256),
            oid::ECDSA_WITH_SHA384 => SigAlg::Ecdsa(Sha384),
            oid::ECDSA_WITH_SHA512 => SigAlg::Ecdsa(Sha512),
            oid::ECDSA_WITH_SHA3_256 => SigAlg::Ecdsa(Sha3_256),
            oid::ECDSA_WITH_SHA3_384 => SigAlg::Ecdsa(Sha3_384),
            oid::ECDSA_WITH_SHA3_512 => SigAlg::Ecdsa(Sha3_512),
            oid::ED25519 => SigAlg::Ed25519,
            oid::DSA_WITH_SHA1 | oid::DSA_WITH_SHA1_OIW => SigAlg::Dsa(Sha1),
            oid::DSA_WITH_SHA224 => SigAlg::Dsa(Sha224),
            oid::DSA_WITH_SHA256 => SigAlg::Dsa(Sha256),
            oid::DSA_WITH_SHA3_256 => SigAlg::Dsa(Sha3_256),
            oid::DSA_WITH_SHA3_384 => SigAlg::Dsa(Sha3_384),
            oid::DSA_WITH_SHA3_512 => SigAlg::Dsa(Sha3_512),
            oid::MD2_WITH_RSA => {
                return Err(AlgError::Unusable(
                    "md2WithRSAEncryption unsupported".into(),
                ))
            }
            oid::ED448 => return Err(AlgError::Unusable("Ed448 unsupported".into())),
            _ => {
                return Err(AlgError::Unusable(format!(
                    "signature algorithm {} unsupported",
                    alg.oid
                )))
            }
        })
    }

    /// From a CMS SignerInfo's signatureAlgorithm and digestAlgorithm. Most
    /// clients write the key algorithm (`rsaEncryption`, `id-ecPublicKey`,
    /// `id-dsa`) and mean "with the digest algorithm"; explicit algorithms
    /// are taken as written.
    pub fn from_cms(sig: &AlgorithmIdentifierOwned, digest: DigestAlg) -> Result<SigAlg, AlgError> {
        Ok(match sig.oid.as_bytes() {
            oid::RSA_ENCRYPTION => SigAlg::RsaPkcs1(digest),
            oid::EC_PUBLIC_KEY => SigAlg::Ecdsa(digest),
            oid::DSA => SigAlg::Dsa(digest),
            _ => SigAlg::from_x509(sig)?,
        })
    }

    /// The hash the signature is computed with (None for Ed25519).
    pub(crate) fn digest(&self) -> Option<DigestAlg> {
        match *self {
            SigAlg::RsaPkcs1(d) | SigAlg::Ecdsa(d) | SigAlg::Dsa(d) => Some(d),
            SigAlg::RsaPss(p) => Some(p.hash),
            SigAlg::Ed25519 => None,
        }
    }

    /// Report vocabulary without the curve: `rsa-pkcs1`, `rsa-pss`,
    /// `ecdsa`, `ed25519`, `dsa` (see [`PublicKey::signature_alg_name`]).
    pub(crate) fn family_name(&self) -> &'static str {
        match self {
            SigAlg::RsaPkcs1(_) => "rsa-pkcs1",
            SigAlg::RsaPss(_) => "rsa-pss",
            SigAlg::Ecdsa(_) => "ecdsa",
            SigAlg::Ed25519 => "ed25519",
            SigAlg::Dsa(_) => "dsa",
        }
    }
}

/// Elliptic curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

/// What kind of key a [`PublicKey`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa,
    Ec(Curve),
    Ed25519,
    Dsa,
    /// Recognised but not usable here (brainpool, secp256k1, …).
    Other,
}

/// A parsed public key.
pub struct PublicKey {
    bits: u32,
    kind: KeyData,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("type", &self.key_type())
            .field("bits", &self.bits)
            .finish()
    }
}

enum KeyData {
    Rsa(Box<RsaKey>),
    Ec(Box<EcKey>),
    Ed25519(Box<ParsedPublicKey>),
    Dsa(Box<DsaKey>),
    Other(String),
}

/// aws-lc-rs parsed keys per algorithm, filled on first use.
type Slots<const N: usize> = [OnceLock<Option<ParsedPublicKey>>; N];

struct RsaKey {
    /// RSAPublicKey DER.
    der: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
    aws: Slots<10>,
    fallback: OnceLock<Option<rsa::RsaPublicKey>>,
}

struct EcKey {
    curve: Curve,
    /// SEC1 point.
    point: Vec<u8>,
    aws: Slots<8>,
}

#[derive(Clone)]
struct DsaParams {
    p: BigUint,
    q: BigUint,
    g: BigUint,
}

struct DsaKey {
    params: Option<DsaParams>,
    y: BigUint,
    /// The `dsa` crate's key, checked once (None: an unusable key).
    key: OnceLock<Option<dsa::VerifyingKey>>,
}

/// Largest RSA modulus accepted (verification cost grows with its square).
const MAX_RSA_BITS: usize = 16384;

static PSS_MAX_SHA256: RsaParameters =
    awssig::RSA_PSS_2048_8192_SHA256.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_MAX_SHA384: RsaParameters =
    awssig::RSA_PSS_2048_8192_SHA384.with_pss_salt_length(RsaPssSaltLength::Max);
static PSS_MAX_SHA512: RsaParameters =
    awssig::RSA_PSS_2048_8192_SHA512.with_pss_salt_length(RsaPssSaltLength::Max);

fn slot<'a>(
    cell: &'a OnceLock<Option<ParsedPublicKey>>,
    alg: &'static dyn awssig::VerificationAlgorithm,
    bytes: &[u8],
) -> Option<&'a ParsedPublicKey> {
    cell.get_or_init(|| ParsedPublicKey::new(alg, bytes).ok())
        .as_ref()
}

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo. `Err` for a malformed key or a key
    /// algorithm we do not know; a known but unusable key (brainpool,
    /// secp256k1) parses, with its size, and verifies as `Unsupported`.
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, AlgError> {
        let bits_str = spki
            .subject_public_key
            .as_bytes()
            .ok_or(AlgError::Unusable(
                "public key BIT STRING has unused bits".into(),
            ))?;
        let params_der = match &spki.algorithm.parameters {
            None => None,
            Some(a) if a.tag() == der::Tag::Null => None,
            Some(a) => Some(der::Encode::to_der(a).map_err(|e| AlgError::Unusable(e.to_string()))?),
        };
        match spki.algorithm.oid.as_bytes() {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => {
                let mut r = Reader::new(bits_str);
                let seq = r.expect(tag::SEQUENCE, "RSAPublicKey")?;
                let mut r = seq.reader();
                let n = unsigned_int(r.expect(tag::INTEGER, "modulus")?.value)?;
                let e = unsigned_int(r.expect(tag::INTEGER, "exponent")?.value)?;
                if n.is_empty() || e.is_empty() {
                    return Err(AlgError::Unusable(
                        "RSA key with zero modulus or exponent".into(),
                    ));
                }
                let bits = (n.len() * 8) as u32 - n[0].leading_zeros();
                if bits as usize > MAX_RSA_BITS {
                    return Err(AlgError::Unusable(format!(
                        "RSA key of {bits} bits too large"
                    )));
                }
                Ok(PublicKey {
                    bits,
                    kind: KeyData::Rsa(Box::new(RsaKey {
                        der: seq.raw.to_vec(),
                        n: n.to_vec(),
                        e: e.to_vec(),
                        aws: Default::default(),
                        fallback: OnceLock::new(),
                    })),
                })
            }
            oid::EC_PUBLIC_KEY => {
                let params = params_der.ok_or(AlgError::Unusable("EC key without curve".into()))?;
                let mut r = Reader::new(&params);
                let t = r.next_tlv()?;
                if t.tag != tag::OID {
                    return Err(AlgError::Unusable(
                        "EC key with explicit curve parameters unsupported".into(),
                    ));
                }
                let curve = ObjectIdentifier::from_bytes(t.value)
                    .map_err(|e| AlgError::Unusable(e.to_string()))?;
                let (curve, bits) = match curve.as_bytes() {
                    oid::P256 => (Curve::P256, 256),
                    oid::P384 => (Curve::P384, 384),
                    oid::P521 => (Curve::P521, 521),
                    oid::P224 => return Ok(PublicKey::other(224, "curve P-224")),
                    oid::SECP256K1 => return Ok(PublicKey::other(256, "curve secp256k1")),
                    oid::BRAINPOOL_P256R1 => {
                        return Ok(PublicKey::other(256, "curve brainpoolP256r1"))
                    }
                    oid::BRAINPOOL_P384R1 => {
                        return Ok(PublicKey::other(384, "curve brainpoolP384r1"))
                    }
                    oid::BRAINPOOL_P512R1 => {
                        return Ok(PublicKey::other(512, "curve brainpoolP512r1"))
                    }
                    _ => return Err(AlgError::Unusable(format!("EC curve {curve} unsupported"))),
                };
                let key = EcKey {
                    curve,
                    point: bits_str.to_vec(),
                    aws: Default::default(),
                };
                // Validate the point once (fills the most common slot).
                let hash = match curve {
                    Curve::P256 => DigestAlg::Sha256,
                    Curve::P384 => DigestAlg::Sha384,
                    Curve::P521 => DigestAlg::Sha512,
                };
                let (alg, i) =
                    ec_alg(curve, hash).ok_or(AlgError::Unusable("EC algorithm table".into()))?;
                if slot(&key.aws[i], alg, &key.point).is_none() {
                    return Err(AlgError::Unusable("invalid EC public key".into()));
                }
                Ok(PublicKey {
                    bits,
                    kind: KeyData::Ec(Box::new(key)),
                })
            }
            oid::ED25519 => {
                let k = ParsedPublicKey::new(&awssig::ED25519, bits_str)
                    .map_err(|_| AlgError::Unusable("invalid Ed25519 public key".into()))?;
                Ok(PublicKey {
                    bits: 255,
                    kind: KeyData::Ed25519(Box::new(k)),
                })
            }
            oid::ED448 => Ok(PublicKey::other(448, "Ed448")),
            oid::DSA => {
                let mut r = Reader::new(bits_str);
                let y = unsigned_int(r.expect(tag::INTEGER, "DSA public key")?.value)?;
                let params = match params_der {
                    None => None,
                    Some(d) => Some(parse_dsa_params(&d)?),
                };
                let bits = params.as_ref().map(|p| p.p.bits() as u32).unwrap_or(0);
                Ok(PublicKey {
                    bits,
                    kind: KeyData::Dsa(Box::new(DsaKey::new(params, BigUint::from_bytes_be(y)))),
                })
            }
            _ => Err(AlgError::Unusable(format!(
                "public key algorithm {} unsupported",
                spki.algorithm.oid
            ))),
        }
    }

    fn other(bits: u32, what: &str) -> PublicKey {
        PublicKey {
            bits,
            kind: KeyData::Other(format!("{what} unsupported")),
        }
    }

    /// Key size in bits (RSA modulus, EC field size, 255 for Ed25519, DSA p;
    /// 0 for a DSA key whose parameters are inherited and not yet known).
    pub(crate) fn bits(&self) -> u32 {
        self.bits
    }

    pub(crate) fn key_type(&self) -> KeyType {
        match &self.kind {
            KeyData::Rsa(_) => KeyType::Rsa,
            KeyData::Ec(k) => KeyType::Ec(k.curve),
            KeyData::Ed25519(_) => KeyType::Ed25519,
            KeyData::Dsa(_) => KeyType::Dsa,
            KeyData::Other(_) => KeyType::Other,
        }
    }

    /// Whether this is a DSA key without domain parameters (RFC 3279: they
    /// are inherited from the issuer's key).
    pub(crate) fn dsa_params_missing(&self) -> bool {
        matches!(&self.kind, KeyData::Dsa(k) if k.params.is_none())
    }

    /// A DSA key without parameters completed with those of `issuer` (a DSA
    /// key with parameters). The caller must make sure `issuer` is the
    /// certificate's real issuer (its key verifies the certificate).
    pub(crate) fn with_dsa_params_from(&self, issuer: &PublicKey) -> Option<PublicKey> {
        match (&self.kind, &issuer.kind) {
            (KeyData::Dsa(k), KeyData::Dsa(i)) if k.params.is_none() => {
                let params = i.params.clone()?;
                Some(PublicKey {
                    bits: params.p.bits() as u32,
                    kind: KeyData::Dsa(Box::new(DsaKey::new(Some(params), k.y.clone()))),
                })
            }
            _ => None,
        }
    }

    /// Report name of `alg` with this key: `rsa-pkcs1`, `rsa-pss`,
    /// `ecdsa-p256`, `ecdsa-p384`, `ecdsa-p521`, `ed25519`, `dsa` (`ecdsa`
    /// when the key is not an EC key of a known curve).
    pub(crate) fn signature_alg_name(&self, alg: &SigAlg) -> &'static str {
        match (alg, &self.kind) {
            (SigAlg::Ecdsa(_), KeyData::Ec(k)) => match k.curve {
                Curve::P256 => "ecdsa-p256",
                Curve::P384 => "ecdsa-p384",
                Curve::P521 => "ecdsa-p521",
            },
            _ => alg.family_name(),
        }
    }

    /// Verifies `sig` over `msg` (the message itself; it is hashed here).
    pub fn verify(&self, alg: &SigAlg, msg: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
        let mismatch = || {
            VerifyError::Unsupported(format!(
                "{} signature with a {:?} key",
                alg.family_name(),
                self.key_type()
            ))
        };
        match (&self.kind, alg) {
            (KeyData::Other(why), _) => Err(VerifyError::Unsupported(why.clone())),
            (KeyData::Rsa(k), SigAlg::RsaPkcs1(d)) => k.verify_pkcs1(self.bits, *d, msg, sig),
            (KeyData::Rsa(k), SigAlg::RsaPss(p)) => k.verify_pss(self.bits, p, msg, sig),
            (KeyData::Ec(k), SigAlg::Ecdsa(d)) => {
                let Some((aws, i)) = ec_alg(k.curve, *d) else {
                    // P-256 with a hash aws-lc-rs does not pair with it
                    // (SHA-224, SHA3-*): verify the digest with `p256`.
                    if k.curve == Curve::P256 && !matches!(d, DigestAlg::Md5) {
                        return p256_prehash(&k.point, &d.digest(msg), sig);
                    }
                    return Err(VerifyError::Unsupported(format!(
                        "ECDSA {:?} with {} unsupported",
                        k.curve,
                        d.name()
                    )));
                };
                let key = slot(&k.aws[i], aws, &k.point)
                    .ok_or_else(|| VerifyError::Unsupported("unusable EC key".into()))?;
                key.verify_sig(msg, sig)
                    .map_err(|_| VerifyError::Invalid("ECDSA signature does not verify".into()))
            }
            (KeyData::Ed25519(k), SigAlg::Ed25519) => k
                .verify_sig(msg, sig)
                .map_err(|_| VerifyError::Invalid("Ed25519 signature does not verify".into())),
            (KeyData::Dsa(k), SigAlg::Dsa(d)) => k.verify(*d, msg, sig),
            _ => Err(mismatch()),
        }
    }
}

/// ECDSA P-256 over a precomputed digest (DER signature).
fn p256_prehash(point: &[u8], digest: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| VerifyError::Unsupported("unusable EC key".into()))?;
    let invalid = || VerifyError::Invalid("ECDSA signature does not verify".into());
    let sig = p256::ecdsa::Signature::from_der(sig).map_err(|_| invalid())?;
    key.verify_prehash(digest, &sig).map_err(|_| invalid())
}

/// What a SignerInfo's signatureAlgorithm names: the key family it is for
/// and the hash it names, if any. OpenSSL 3 hashes with the SignerInfo's
/// digestAlgorithm whatever hash the label names (`rsa_cms_verify` accepts
/// any `*WithRSAEncryption`; ECDSA and DSA labels are not looked at), and
/// so does [`SigLabel::resolve`]; the label's own hash is only reported.
#[derive(Debug, Clone)]
pub(crate) struct SigLabel {
    family: LabelFamily,
    hash: Option<DigestAlg>,
    oid: ObjectIdentifier,
}

#[derive(Debug, Clone)]
enum LabelFamily {
    Rsa,
    RsaPss(Result<PssParams, AlgError>),
    Ecdsa,
    Dsa,
    Ed25519,
    Unknown,
}

impl SigLabel {
    /// Reads a SignerInfo signatureAlgorithm (never fails: an unknown OID
    /// fits no key).
    pub(crate) fn parse(alg: &AlgorithmIdentifierOwned) -> SigLabel {
        let (family, hash) = match alg.oid.as_bytes() {
            oid::RSA_ENCRYPTION => (LabelFamily::Rsa, None),
            oid::EC_PUBLIC_KEY => (LabelFamily::Ecdsa, None),
            oid::DSA => (LabelFamily::Dsa, None),
            _ => match SigAlg::from_x509(alg) {
                Ok(SigAlg::RsaPkcs1(d)) => (LabelFamily::Rsa, Some(d)),
                Ok(SigAlg::RsaPss(p)) => (LabelFamily::RsaPss(Ok(p)), Some(p.hash)),
                Ok(SigAlg::Ecdsa(d)) => (LabelFamily::Ecdsa, Some(d)),
                Ok(SigAlg::Dsa(d)) => (LabelFamily::Dsa, Some(d)),
                Ok(SigAlg::Ed25519) => (LabelFamily::Ed25519, None),
                Err(e) if alg.oid.as_bytes() == oid::RSASSA_PSS => {
                    (LabelFamily::RsaPss(Err(e)), None)
                }
                Err(_) => match alg.oid.as_bytes() {
                    oid::MD2_WITH_RSA => (LabelFamily::Rsa, None),
                    _ => (LabelFamily::Unknown, None),
                },
            },
        };
        SigLabel {
            family,
            hash,
            oid: alg.oid,
        }
    }

    /// The hash the label itself names (`sha1WithRSAEncryption` → SHA-1).
    pub(crate) fn hash(&self) -> Option<DigestAlg> {
        self.hash
    }

    /// Whether the label is Ed25519 (which signs without a digest of its own).
    pub(crate) fn is_ed25519(&self) -> bool {
        matches!(self.family, LabelFamily::Ed25519)
    }

    /// Report vocabulary before the key is known.
    pub(crate) fn family_name(&self) -> String {
        match self.family {
            LabelFamily::Rsa => "rsa-pkcs1".into(),
            LabelFamily::RsaPss(_) => "rsa-pss".into(),
            LabelFamily::Ecdsa => "ecdsa".into(),
            LabelFamily::Dsa => "dsa".into(),
            LabelFamily::Ed25519 => "ed25519".into(),
            LabelFamily::Unknown => match self.oid.as_bytes() {
                oid::ED448 => "ed448".into(),
                _ => self.oid.to_string(),
            },
        }
    }

    /// The algorithm to verify with `key`: the key decides the family, the
    /// SignerInfo's digestAlgorithm (`digest`) the hash. A label of another
    /// family (an ECDSA label on an RSA key, an unknown OID) is `Invalid`;
    /// an RSA-PSS label whose hash differs from `digest` is `Invalid` (as
    /// OpenSSL: "digest does not match"); a key or hash we cannot use is
    /// `Unsupported`.
    pub(crate) fn resolve(
        &self,
        digest: Option<DigestAlg>,
        key: &PublicKey,
    ) -> Result<SigAlg, VerifyError> {
        let kt = key.key_type();
        if let KeyData::Other(why) = &key.kind {
            return Err(VerifyError::Unsupported(why.clone()));
        }
        let fits = matches!(
            (&self.family, kt),
            (LabelFamily::Rsa | LabelFamily::RsaPss(_), KeyType::Rsa)
                | (LabelFamily::Ecdsa, KeyType::Ec(_))
                | (LabelFamily::Dsa, KeyType::Dsa)
                | (LabelFamily::Ed25519, KeyType::Ed25519)
        );
        if !fits {
            return Err(VerifyError::Invalid(format!(
                "signature algorithm {} does not fit the signer's {} key",
                self.family_name(),
                match kt {
                    KeyType::Rsa => "RSA",
                    KeyType::Ec(_) => "EC",
                    KeyType::Ed25519 => "Ed25519",
                    KeyType::Dsa => "DSA",
                    KeyType::Other => "other",
                }
            )));
        }
        if let LabelFamily::Ed25519 = self.family {
            return Ok(SigAlg::Ed25519);
        }
        let Some(d) = digest else {
            return Err(VerifyError::Unsupported(
                "digest algorithm unsupported".into(),
            ));
        };
        Ok(match &self.family {
            LabelFamily::Rsa => SigAlg::RsaPkcs1(d),
            LabelFamily::Ecdsa => SigAlg::Ecdsa(d),
            LabelFamily::Dsa => SigAlg::Dsa(d),
            LabelFamily::RsaPss(Err(e)) => return Err(VerifyError::Unsupported(e.to_string())),
            LabelFamily::RsaPss(Ok(p)) => {
                if p.hash != d {
                    return Err(VerifyError::Invalid(format!(
                        "RSA-PSS hash {} differs from the digestAlgorithm {}",
                        p.hash.name(),
                        d.name()
                    )));
                }
                SigAlg::RsaPss(*p)
            }
            LabelFamily::Ed25519 | LabelFamily::Unknown => {
                return Err(VerifyError::Invalid("signature algorithm unknown".into()))
            }
        })
    }
}

/// aws-lc-rs ECDSA (DER signature) algorithm for a curve and hash, and the
/// slot index for it.
fn ec_alg(
    curve: Curve,
    d: DigestAlg,
) -> Option<(&'static dyn awssig::VerificationAlgorithm, usize)> {
    use DigestAlg::*;
    let a: &'static awssig::EcdsaVerificationAlgorithm = match (curve, d) {
        (Curve::P256, Sha1) => &awssig::ECDSA_P256_SHA1_ASN1,
        (Curve::P256, Sha256) => &awssig::ECDSA_P256_SHA256_ASN1,
        (Curve::P256, Sha384) => &awssig::ECDSA_P256_SHA384_ASN1,
        (Curve::P256, Sha512) => &awssig::ECDSA_P256_SHA512_ASN1,
        (Curve::P384, Sha256) => &awssig::ECDSA_P384_SHA256_ASN1,
        (Curve::P384, Sha384) => &awssig::ECDSA_P384_SHA384_ASN1,
        (Curve::P384, Sha512) => &awssig::ECDSA_P384_SHA512_ASN1,
        (Curve::P521, Sha1) => &awssig::ECDSA_P521_SHA1_ASN1,
        (Curve::P521, Sha224) => &awssig::ECDSA_P521_SHA224_ASN1,
        (Curve::P521, Sha256) => &awssig::ECDSA_P521_SHA256_ASN1,
        (Curve::P521, Sha384) => &awssig::ECDSA_P521_SHA384_ASN1,
        (Curve::P521, Sha512) => &awssig::ECDSA_P521_SHA512_ASN1,
        (Curve::P384, Sha3_384) => &awssig::ECDSA_P384_SHA3_384_ASN1,
        (Curve::P521, Sha3_512) => &awssig::ECDSA_P521_SHA3_512_ASN1,
        _ => return None,
    };
    let i = match d {
        Md5 | Sha1 => 0,
        Sha224 => 1,
        Sha256 => 2,
        Sha384 => 3,
        Sha512 => 4,
        Sha3_256 => 5,
        Sha3_384 => 6,
        Sha3_512 => 7,
    };
    Some((a, i))
}

impl RsaKey {
    /// The RSA key for the `rsa` crate.
    fn fallback(&self) -> Result<&rsa::RsaPublicKey, VerifyError> {
        self.fallback
            .get_or_init(|| {
                rsa::RsaPublicKey::new_with_max_size(
                    BigUint::from_bytes_be(&self.n),
                    BigUint::from_bytes_be(&self.e),
                    MAX_RSA_BITS,
                )
                .ok()
            })
            .as_ref()
            .ok_or_else(|| VerifyError::Unsupported("unusable RSA key".into()))
    }

    /// A signature shorter than the modulus (leading zero octets dropped by
    /// some signers) is the same integer: pad it.
    fn pad_sig<'a>(&self, sig: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        let k = self.n.len();
        if sig.len() < k && !sig.is_empty() {
            let mut v = vec![0u8; k - sig.len()];
            v.extend_from_slice(sig);
            std::borrow::Cow::Owned(v)
        } else {
            std::borrow::Cow::Borrowed(sig)
        }
    }

    fn verify_pkcs1(
        &self,
        bits: u32,
        d: DigestAlg,
        msg: &[u8],
        sig: &[u8],
    ) -> Result<(), VerifyError> {
        use DigestAlg::*;
        let sig = self.pad_sig(sig);
        let big = (2048..=8192).contains(&bits);
        let legacy = (1024..2048).contains(&bits);
        let aws: Option<(&'static RsaParameters, usize)> = match d {
            Sha1 if big => Some((&awssig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, 0)),
            Sha1 if legacy => Some((&awssig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY, 0)),
            Sha256 if big => Some((&awssig::RSA_PKCS1_2048_8192_SHA256, 1)),
            Sha256 if legacy => Some((&awssig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY, 1)),
            Sha384 if big => Some((&awssig::RSA_PKCS1_2048_8192_SHA384, 2)),
            Sha512 if big => Some((&awssig::RSA_PKCS1_2048_8192_SHA512, 3)),
            Sha512 if legacy => Some((&awssig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY, 3)),
            _ => None,
        };
        if let Some((params, i)) = aws {
            if let Some(key) = slot(&self.aws[i], params, &self.der) {
                if key.verify_sig(msg, &sig).is_ok() {
                    return Ok(());
                }
                // Before calling it invalid: the DigestInfo without NULL
                // parameters that some old signers wrote.
                let hashed = d.digest(msg);
                return self.rsa_crate_pkcs1(d, false, &hashed, &sig);
            }
        }
        let hashed = d.digest(msg);
        match self.rsa_crate_pkcs1(d, true, &hashed, &sig) {
            Ok(()) => Ok(()),
            Err(VerifyError::Invalid(_)) => self.rsa_crate_pkcs1(d, false, &hashed, &sig),
            Err(e) => Err(e),
        }
    }

    fn rsa_crate_pkcs1(
        &self,
        d: DigestAlg,
        with_null: bool,
        hashed: &[u8],
        sig: &[u8],
    ) -> Result<(), VerifyError> {
        let key = self.fallback()?;
        let scheme = rsa::Pkcs1v15Sign {
            hash_len: Some(d.output_len()),
            prefix: d.digest_info_prefix(with_null).into_boxed_slice(),
        };
        key.verify(scheme, hashed, sig)
            .map_err(|_| VerifyError::Invalid("RSA signature does not verify".into()))
    }

    fn verify_pss(
        &self,
        bits: u32,
        p: &PssParams,
        msg: &[u8],
        sig: &[u8],
    ) -> Result<(), VerifyError> {
        use DigestAlg::{Sha256 as H256, Sha384 as H384, Sha512 as H512};
        if p.hash != p.mgf1_hash {
            return Err(VerifyError::Unsupported(format!(
                "RSA-PSS with {} and MGF1-{} unsupported",
                p.hash.name(),
                p.mgf1_hash.name()
            )));
        }
        let sig = self.pad_sig(sig);
        let hlen = p.hash.output_len();
        let em_len = (bits as usize).saturating_sub(1).div_ceil(8);
        let max_salt = em_len.saturating_sub(hlen + 2);
        if (2048..=8192).contains(&bits) {
            let aws: Option<(&'static RsaParameters, usize)> = match p.hash {
                H256 if p.salt_len == hlen => Some((&awssig::RSA_PSS_2048_8192_SHA256, 4)),
                H384 if p.salt_len == hlen => Some((&awssig::RSA_PSS_2048_8192_SHA384, 5)),
                H512 if p.salt_len == hlen => Some((&awssig::RSA_PSS_2048_8192_SHA512, 6)),
                H256 if p.salt_len == max_salt => Some((&PSS_MAX_SHA256, 7)),
                H384 if p.salt_len == max_salt => Some((&PSS_MAX_SHA384, 8)),
                H512 if p.salt_len == max_salt => Some((&PSS_MAX_SHA512, 9)),
                _ => None,
            };
            if let Some((params, i)) = aws {
                if let Some(key) = slot(&self.aws[i], params, &self.der) {
                    return key.verify_sig(msg, &sig).map_err(|_| {
                        VerifyError::Invalid("RSA-PSS signature does not verify".into())
                    });
                }
            }
        }
        let key = self.fallback()?;
        let hashed = p.hash.digest(msg);
        let s = p.salt_len;
        let scheme = match p.hash {
            DigestAlg::Md5 => rsa::Pss::new_with_salt::<md5::Md5>(s),
            DigestAlg::Sha1 => rsa::Pss::new_with_salt::<Sha1>(s),
            DigestAlg::Sha224 => rsa::Pss::new_with_salt::<Sha224>(s),
            DigestAlg::Sha256 => rsa::Pss::new_with_salt::<Sha256>(s),
            DigestAlg::Sha384 => rsa::Pss::new_with_salt::<Sha384>(s),
            DigestAlg::Sha512 => rsa::Pss::new_with_salt::<Sha512>(s),
            DigestAlg::Sha3_256 | DigestAlg::Sha3_384 | DigestAlg::Sha3_512 => {
                return Err(VerifyError::Unsupported(format!(
                    "RSA-PSS with {} unsupported",
                    p.hash.name()
                )))
            }
        };
        key.verify(scheme, &hashed, &sig)
            .map_err(|_| VerifyError::Invalid("RSA-PSS signature does not verify".into()))
    }
}

/// Parses Dss-Parms ::= SEQUENCE { p, q, g INTEGER }.
fn parse_dsa_params(der: &[u8]) -> Result<DsaParams, AlgError> {
    let mut r = Reader::new(der);
    let seq = r.expect(tag::SEQUENCE, "Dss-Parms")?;
    let mut r = seq.reader();
    let mut int = |what| -> Result<BigUint, AlgError> {
        Ok(BigUint::from_bytes_be(unsigned_int(
            r.expect(tag::INTEGER, what)?.value,
        )?))
    };
    let p = int("p")?;
    let q = int("q")?;
    let g = int("g")?;
    Ok(DsaParams { p, q, g })
}

impl DsaKey {
    fn new(params: Option<DsaParams>, y: BigUint) -> DsaKey {
        DsaKey {
            params,
            y,
            key: OnceLock::new(),
        }
    }

    fn verify(&self, d: DigestAlg, msg: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
        use dsa::signature::hazmat::PrehashVerifier;
        let unsupported = |s: &str| Err(VerifyError::Unsupported(s.to_owned()));
        let Some(DsaParams { p, q, g }) = &self.params else {
            return unsupported("DSA key parameters inherited from an unavailable issuer");
        };
        // Bounds keep the work small on hostile keys: FIPS 186 sizes only
        // (q of 160, 224 or 256 bits: the `dsa` crate takes the hash's
        // leftmost bytes, not bits).
        let (pb, qb) = (p.bits(), q.bits());
        if !(512..=3072).contains(&pb) || !matches!(qb, 160 | 224 | 256) {
            return unsupported("DSA domain parameters of unsupported size");
        }
        let one = BigUint::from(1u8);
        if *g <= one || g >= p || self.y <= one || self.y >= *p {
            return unsupported("unusable DSA key");
        }
        // The crate also checks y^q = 1 mod p, once per key.
        let key = self.key.get_or_init(|| {
            dsa::Components::from_components(p.clone(), q.clone(), g.clone())
                .and_then(|c| dsa::VerifyingKey::from_components(c, self.y.clone()))
                .ok()
        });
        let Some(key) = key else {
            return unsupported("unusable DSA key");
        };
        let invalid = |s: &str| Err(VerifyError::Invalid(s.to_owned()));
        // Dss-Sig-Value ::= SEQUENCE { r, s INTEGER }
        let parsed = (|| -> Result<(BigUint, BigUint), AlgError> {
            let mut rd = Reader::new(sig);
            let seq = rd.expect(tag::SEQUENCE, "Dss-Sig-Value")?;
            let mut rd = seq.reader();
            let r = unsigned_int(rd.expect(tag::INTEGER, "r")?.value)?;
            let s = unsigned_int(rd.expect(tag::INTEGER, "s")?.value)?;
            Ok((BigUint::from_bytes_be(r), BigUint::from_bytes_be(s)))
        })();
        let Ok((r, s)) = parsed else {
            return invalid("DSA signature is not a Dss-Sig-Value");
        };
        let zero = BigUint::from(0u8);
        if r == zero || s == zero || r >= *q || s >= *q {
            return invalid("DSA signature out of range");
        }
        let Ok(sig) = dsa::Signature::from_components(r, s) else {
            return invalid("DSA signature out of range");
        };
        match key.verify_prehash(&d.digest(msg), &sig) {
            Ok(()) => Ok(()),
            Err(_) => invalid("DSA signature does not verify"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn digest_info_prefixes() {
        assert_eq!(
            DigestAlg::Sha256.digest_info_prefix(true),
            hex("3031300d060960864801650304020105000420")
        );
        assert_eq!(
            DigestAlg::Sha1.digest_info_prefix(true),
            hex("3021300906052b0e03021a05000414")
        );
        assert_eq!(
            DigestAlg::Md5.digest_info_prefix(true),
            hex("3020300c06082a864886f70d020505000410")
        );
        assert_eq!(
            DigestAlg::Sha1.digest_info_prefix(false),
            hex("301f300706052b0e03021a0414")
        );
    }

    #[test]
    fn pss_params() {
        let d = PssParams::from_der(None).unwrap();
        assert_eq!(
            (d.hash, d.mgf1_hash, d.salt_len),
            (DigestAlg::Sha1, DigestAlg::Sha1, 20)
        );
        // As written by OpenSSL 3.0: SHA-256, MGF1-SHA-256, salt 222.
        let der = hex(concat!(
            "3035a00f300d06096086480165030402010500a11c301a06092a864886f70d010108",
            "300d06096086480165030402010500a204020200de"
        ));
        let p = PssParams::from_der(Some(&der)).unwrap();
        assert_eq!(
            (p.hash, p.mgf1_hash, p.salt_len),
            (DigestAlg::Sha256, DigestAlg::Sha256, 222)
        );
        // A negative salt length is refused.
        let der = hex(concat!(
            "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108",
            "300d06096086480165030402010500a2030201de"
        ));
        assert!(PssParams::from_der(Some(&der)).is_err());
        let der = hex(
            "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108\
             300d06096086480165030402010500a203020120",
        );
        let p = PssParams::from_der(Some(&der)).unwrap();
        assert_eq!(
            (p.hash, p.mgf1_hash, p.salt_len),
            (DigestAlg::Sha256, DigestAlg::Sha256, 32)
        );
        assert!(PssParams::from_der(Some(&[0x30, 0x03, 0xa3, 0x01])).is_err());
    }

    #[test]
    fn dsa_hostile_values_are_not_invalid_or_panics() {
        let key = DsaKey::new(
            Some(DsaParams {
                p: BigUint::from(23u8),
                q: BigUint::from(11u8),
                g: BigUint::from(4u8),
            }),
            BigUint::from(8u8),
        );
        // Toy sizes: refused as unsupported, never judged.
        assert!(matches!(
            key.verify(
                DigestAlg::Sha1,
                b"m",
                &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]
            ),
            Err(VerifyError::Unsupported(_))
        ));
        let no_params = DsaKey::new(None, BigUint::from(8u8));
        assert!(matches!(
            no_params.verify(DigestAlg::Sha1, b"m", &[]),
            Err(VerifyError::Unsupported(_))
        ));
    }
}
