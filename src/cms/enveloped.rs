//! EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083): only the
//! content-encryption algorithm is read (nothing is decrypted).

use const_oid::ObjectIdentifier;

use crate::der::{tag, Reader};

/// Report name of a content-encryption algorithm OID: `aes128-cbc`,
/// `aes256-gcm`, `des-ede3-cbc`, `rc2-cbc`, …; the dotted OID when
/// unknown.
pub fn encryption_alg_name(oid: &ObjectIdentifier) -> String {
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
pub(crate) fn content_encryption_alg(der: &[u8], auth: bool) -> Result<String, String> {
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
    let oid = ObjectIdentifier::from_bytes(oid.value).map_err(|e| e.to_string())?;
    Ok(encryption_alg_name(&oid))
}
