//! The object identifiers the crate names, in one table: each written once,
//! as its dotted text, and encoded at compile time into the DER content
//! bytes the readers compare against (usable in `match` patterns; an
//! `ObjectIdentifier` from `der`/`x509-cert` is compared through its
//! `as_bytes()`). A test decodes every entry back and finds none twice.
//!
//! Not here: the certificate extension and name-attribute OIDs that the
//! `x509-cert` decoding hands over, taken by name from const-oid's database
//! (`const_oid::db::rfc5280`, …), `MS_UPN` (an `ObjectIdentifier` value
//! that test certificates are built with) and the ECDH key-derivation
//! scheme families matched arc by arc in `cms::enveloped`.

/// Number of DER content bytes of the dotted OID `s`.
pub(crate) const fn encoded_len(s: &str) -> usize {
    let s = s.as_bytes();
    let (a, i) = arc(s, 0);
    let (b, mut i) = arc(s, i);
    let mut n = groups(a * 40 + b);
    while i < s.len() {
        let (v, j) = arc(s, i);
        n += groups(v);
        i = j;
    }
    n
}

/// The DER content bytes of the dotted OID `s` (`N` = [`encoded_len`]).
pub(crate) const fn encode<const N: usize>(s: &str) -> [u8; N] {
    let s = s.as_bytes();
    let mut out = [0u8; N];
    let (a, i) = arc(s, 0);
    let (b, mut i) = arc(s, i);
    let mut n = put(&mut out, 0, a * 40 + b);
    while i < s.len() {
        let (v, j) = arc(s, i);
        n = put(&mut out, n, v);
        i = j;
    }
    assert!(n == N, "OID length");
    out
}

/// The arc starting at `i` and the index after its dot.
const fn arc(s: &[u8], mut i: usize) -> (u64, usize) {
    let mut v: u64 = 0;
    assert!(i < s.len() && s[i].is_ascii_digit(), "OID arc");
    while i < s.len() && s[i] != b'.' {
        assert!(s[i].is_ascii_digit(), "OID arc");
        v = v * 10 + (s[i] - b'0') as u64;
        i += 1;
    }
    (v, i + 1)
}

/// Base-128 digits of `v`.
const fn groups(v: u64) -> usize {
    let mut n = 1;
    let mut t = v >> 7;
    while t > 0 {
        n += 1;
        t >>= 7;
    }
    n
}

/// Writes `v` in base 128 at `out[n..]`; returns the new length.
const fn put<const N: usize>(out: &mut [u8; N], n: usize, v: u64) -> usize {
    let g = groups(v);
    let mut k = 0;
    while k < g {
        let mut b = ((v >> (7 * (g - 1 - k))) & 0x7f) as u8;
        if k + 1 < g {
            b |= 0x80;
        }
        out[n + k] = b;
        k += 1;
    }
    n + g
}

macro_rules! oids {
    ($( $(#[$m:meta])* $name:ident = $dotted:literal; )*) => {
        $(
            $(#[$m])*
            #[doc = concat!("`", $dotted, "`")]
            pub(crate) const $name: &[u8] = &encode::<{ encoded_len($dotted) }>($dotted);
        )*
        /// Every entry of the table: (name, dotted text, content bytes).
        #[cfg(test)]
        pub(crate) const TABLE: &[(&str, &str, &[u8])] = &[$((stringify!($name), $dotted, $name),)*];
    };
}

oids! {
    // Hashes
    /// md5
    MD5 = "1.2.840.113549.2.5";
    /// id-sha1
    SHA1 = "1.3.14.3.2.26";
    /// id-sha224
    SHA224 = "2.16.840.1.101.3.4.2.4";
    /// id-sha256
    SHA256 = "2.16.840.1.101.3.4.2.1";
    /// id-sha384
    SHA384 = "2.16.840.1.101.3.4.2.2";
    /// id-sha512
    SHA512 = "2.16.840.1.101.3.4.2.3";
    /// id-sha3-256
    SHA3_256 = "2.16.840.1.101.3.4.2.8";
    /// id-sha3-384
    SHA3_384 = "2.16.840.1.101.3.4.2.9";
    /// id-sha3-512
    SHA3_512 = "2.16.840.1.101.3.4.2.10";

    // RSA
    /// rsaEncryption
    RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    /// md2WithRSAEncryption
    MD2_WITH_RSA = "1.2.840.113549.1.1.2";
    /// md5WithRSAEncryption
    MD5_WITH_RSA = "1.2.840.113549.1.1.4";
    /// sha1WithRSAEncryption
    SHA1_WITH_RSA = "1.2.840.113549.1.1.5";
    /// id-RSAES-OAEP
    RSAES_OAEP = "1.2.840.113549.1.1.7";
    /// id-mgf1
    MGF1 = "1.2.840.113549.1.1.8";
    /// id-pSpecified
    P_SPECIFIED = "1.2.840.113549.1.1.9";
    /// id-RSASSA-PSS
    RSASSA_PSS = "1.2.840.113549.1.1.10";
    /// sha256WithRSAEncryption
    SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
    /// sha384WithRSAEncryption
    SHA384_WITH_RSA = "1.2.840.113549.1.1.12";
    /// sha512WithRSAEncryption
    SHA512_WITH_RSA = "1.2.840.113549.1.1.13";
    /// sha224WithRSAEncryption
    SHA224_WITH_RSA = "1.2.840.113549.1.1.14";
    /// OIW sha1WithRSASignature (old Microsoft / Netscape)
    SHA1_WITH_RSA_OIW = "1.3.14.3.2.29";
    /// OIW md5WithRSA
    MD5_WITH_RSA_OIW = "1.3.14.3.2.3";
    /// id-rsassa-pkcs1-v1_5-with-sha3-256
    SHA3_256_WITH_RSA = "2.16.840.1.101.3.4.3.14";
    /// id-rsassa-pkcs1-v1_5-with-sha3-384
    SHA3_384_WITH_RSA = "2.16.840.1.101.3.4.3.15";
    /// id-rsassa-pkcs1-v1_5-with-sha3-512
    SHA3_512_WITH_RSA = "2.16.840.1.101.3.4.3.16";

    // Elliptic curves
    /// id-ecPublicKey
    EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    /// ecdsa-with-SHA1
    ECDSA_WITH_SHA1 = "1.2.840.10045.4.1";
    /// ecdsa-with-SHA224
    ECDSA_WITH_SHA224 = "1.2.840.10045.4.3.1";
    /// ecdsa-with-SHA256
    ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    /// ecdsa-with-SHA384
    ECDSA_WITH_SHA384 = "1.2.840.10045.4.3.3";
    /// ecdsa-with-SHA512
    ECDSA_WITH_SHA512 = "1.2.840.10045.4.3.4";
    /// id-ecdsa-with-sha3-256
    ECDSA_WITH_SHA3_256 = "2.16.840.1.101.3.4.3.10";
    /// id-ecdsa-with-sha3-384
    ECDSA_WITH_SHA3_384 = "2.16.840.1.101.3.4.3.11";
    /// id-ecdsa-with-sha3-512
    ECDSA_WITH_SHA3_512 = "2.16.840.1.101.3.4.3.12";
    /// secp256r1 (P-256)
    P256 = "1.2.840.10045.3.1.7";
    /// secp384r1 (P-384)
    P384 = "1.3.132.0.34";
    /// secp521r1 (P-521)
    P521 = "1.3.132.0.35";
    /// secp224r1 (P-224)
    P224 = "1.3.132.0.33";
    /// secp256k1
    SECP256K1 = "1.3.132.0.10";
    /// brainpoolP256r1
    BRAINPOOL_P256R1 = "1.3.36.3.3.2.8.1.1.7";
    /// brainpoolP384r1
    BRAINPOOL_P384R1 = "1.3.36.3.3.2.8.1.1.11";
    /// brainpoolP512r1
    BRAINPOOL_P512R1 = "1.3.36.3.3.2.8.1.1.13";
    /// id-Ed25519
    ED25519 = "1.3.101.112";
    /// id-Ed448
    ED448 = "1.3.101.113";

    // DSA
    /// id-dsa
    DSA = "1.2.840.10040.4.1";
    /// id-dsa-with-sha1
    DSA_WITH_SHA1 = "1.2.840.10040.4.3";
    /// id-dsa-with-sha224
    DSA_WITH_SHA224 = "2.16.840.1.101.3.4.3.1";
    /// id-dsa-with-sha256
    DSA_WITH_SHA256 = "2.16.840.1.101.3.4.3.2";
    /// id-dsa-with-sha3-256
    DSA_WITH_SHA3_256 = "2.16.840.1.101.3.4.3.6";
    /// id-dsa-with-sha3-384
    DSA_WITH_SHA3_384 = "2.16.840.1.101.3.4.3.7";
    /// id-dsa-with-sha3-512
    DSA_WITH_SHA3_512 = "2.16.840.1.101.3.4.3.8";
    /// OIW dsaWithSHA1
    DSA_WITH_SHA1_OIW = "1.3.14.3.2.27";

    // CMS content types and attributes (RFC 5652, PKCS #9)
    /// id-data
    DATA = "1.2.840.113549.1.7.1";
    /// id-signedData
    SIGNED_DATA = "1.2.840.113549.1.7.2";
    /// id-envelopedData
    ENVELOPED_DATA = "1.2.840.113549.1.7.3";
    /// id-encryptedData
    ENCRYPTED_DATA = "1.2.840.113549.1.7.6";
    /// id-ct-authEnvelopedData
    AUTH_ENVELOPED_DATA = "1.2.840.113549.1.9.16.1.23";
    /// id-contentType
    CONTENT_TYPE = "1.2.840.113549.1.9.3";
    /// id-messageDigest
    MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
    /// id-signingTime
    SIGNING_TIME = "1.2.840.113549.1.9.5";

    // Content encryption (CMS, PKCS #12)
    /// rc2-cbc
    RC2_CBC = "1.2.840.113549.3.2";
    /// aes (its algorithms, key wrap included, are the next arc)
    AES = "2.16.840.1.101.3.4.1";
    /// id-aes128-GCM
    AES128_GCM = "2.16.840.1.101.3.4.1.6";
    /// id-aes192-GCM
    AES192_GCM = "2.16.840.1.101.3.4.1.26";
    /// id-aes256-GCM
    AES256_GCM = "2.16.840.1.101.3.4.1.46";

    /// des-cbc (OIW)
    DES_CBC = "1.3.14.3.2.7";
    /// des-ede3-cbc
    DES_EDE3_CBC = "1.2.840.113549.3.7";
    /// id-aes128-CBC
    AES128_CBC = "2.16.840.1.101.3.4.1.2";
    /// id-aes192-CBC
    AES192_CBC = "2.16.840.1.101.3.4.1.22";
    /// id-aes256-CBC
    AES256_CBC = "2.16.840.1.101.3.4.1.42";

    // PKCS #5 / #12 key files
    /// hmacWithSHA1
    HMAC_SHA1 = "1.2.840.113549.2.7";
    /// hmacWithSHA224
    HMAC_SHA224 = "1.2.840.113549.2.8";
    /// hmacWithSHA256
    HMAC_SHA256 = "1.2.840.113549.2.9";
    /// hmacWithSHA384
    HMAC_SHA384 = "1.2.840.113549.2.10";
    /// hmacWithSHA512
    HMAC_SHA512 = "1.2.840.113549.2.11";
    /// id-PBES2
    PBES2 = "1.2.840.113549.1.5.13";
    /// id-PBKDF2
    PBKDF2 = "1.2.840.113549.1.5.12";
    /// pkcs-12PbeIds (its algorithms are the next arc)
    PKCS12_PBE_IDS = "1.2.840.113549.1.12.1";
    /// bagtypes (the bag types are the next arc)
    PKCS12_BAG_TYPES = "1.2.840.113549.1.12.10.1";
    /// x509Certificate (PKCS #9 certTypes)
    X509_CERT = "1.2.840.113549.1.9.22.1";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry decodes back to its dotted text, and no OID is in the
    /// table twice.
    #[test]
    fn table_round_trips_and_has_no_duplicates() {
        for (name, dotted, bytes) in TABLE {
            let o = const_oid::ObjectIdentifier::from_bytes(bytes).unwrap();
            assert_eq!(o.to_string(), *dotted, "{name}");
        }
        for (i, (a, _, x)) in TABLE.iter().enumerate() {
            for (b, _, y) in &TABLE[i + 1..] {
                assert!(x != y, "{a} and {b} are the same OID");
                assert!(a != b, "{a} twice");
            }
        }
    }
}
