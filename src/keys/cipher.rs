//! The block ciphers of CMS content encryption and of password-based key
//! files, in CBC mode with PKCS#7 padding: AES (aws-lc-rs), DES and
//! DES-EDE3 (`des`), RC2 (`rc2`, legacy PKCS#12 only). Plus RFC 3394 AES
//! key unwrap for ECDH recipients.

use aws_lc_rs::cipher::{
    DecryptingKey, DecryptionContext, PaddedBlockDecryptingKey, UnboundCipherKey, AES_128, AES_192,
    AES_256,
};
use aws_lc_rs::iv::FixedLength;
use cbc::cipher::{block_padding::Pkcs7, BlockDecryptMut, InnerIvInit, KeyIvInit};
use zeroize::Zeroizing;

use crate::der::oid;

/// A decryption or unwrap that did not work (wrong key, bad padding, bad
/// sizes): deliberately without detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CipherError;

impl std::fmt::Display for CipherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("decryption failed")
    }
}

/// A CBC cipher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cbc {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
    Des,
    /// RC2 with this many effective key bits.
    Rc2 {
        effective_bits: usize,
    },
}

impl Cbc {
    /// Content-encryption key length in bytes (RC2: any; 16 is usual).
    pub(crate) fn key_len(self) -> usize {
        match self {
            Cbc::Aes128 => 16,
            Cbc::Aes192 => 24,
            Cbc::Aes256 => 32,
            Cbc::DesEde3 => 24,
            Cbc::Des => 8,
            Cbc::Rc2 { .. } => 16,
        }
    }

    pub(crate) fn iv_len(self) -> usize {
        match self {
            Cbc::Aes128 | Cbc::Aes192 | Cbc::Aes256 => 16,
            _ => 8,
        }
    }

    /// The CBC cipher of an algorithm OID's contents octets (not RC2, whose
    /// parameters carry the key size).
    pub(crate) fn from_oid(oid: &[u8]) -> Option<Cbc> {
        match oid {
            oid::AES128_CBC => Some(Cbc::Aes128),
            oid::AES192_CBC => Some(Cbc::Aes192),
            oid::AES256_CBC => Some(Cbc::Aes256),
            oid::DES_EDE3_CBC => Some(Cbc::DesEde3),
            oid::DES_CBC => Some(Cbc::Des),
            _ => None,
        }
    }
}

/// Decrypts `data` with `key` and `iv` and removes the PKCS#7 padding.
/// `Err` for a wrong key or IV size, a length that is not a multiple
/// of the block, or bad padding (no detail: the caller reports `failed`).
pub(crate) fn cbc_decrypt(
    alg: Cbc,
    key: &[u8],
    iv: &[u8],
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CipherError> {
    if iv.len() != alg.iv_len() {
        return Err(CipherError);
    }
    let mut buf = Zeroizing::new(data.to_vec());
    let len = match alg {
        Cbc::Aes128 | Cbc::Aes192 | Cbc::Aes256 => {
            let a = match alg {
                Cbc::Aes128 => &AES_128,
                Cbc::Aes192 => &AES_192,
                _ => &AES_256,
            };
            let k = UnboundCipherKey::new(a, key).map_err(|_| CipherError)?;
            let k = PaddedBlockDecryptingKey::cbc_pkcs7(k).map_err(|_| CipherError)?;
            let iv: [u8; 16] = iv.try_into().map_err(|_| CipherError)?;
            let ctx = DecryptionContext::Iv128(FixedLength::from(iv));
            k.decrypt(&mut buf, ctx).map_err(|_| CipherError)?.len()
        }
        Cbc::DesEde3 => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv)
            .map_err(|_| CipherError)?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| CipherError)?
            .len(),
        Cbc::Des => cbc::Decryptor::<des::Des>::new_from_slices(key, iv)
            .map_err(|_| CipherError)?
            .decrypt_padded_mut::<Pkcs7>(&mut buf)
            .map_err(|_| CipherError)?
            .len(),
        Cbc::Rc2 { effective_bits } => {
            if key.is_empty() || key.len() > 128 || effective_bits == 0 || effective_bits > 1024 {
                return Err(CipherError);
            }
            let c = rc2::Rc2::new_with_eff_key_len(key, effective_bits);
            let iv: [u8; 8] = iv.try_into().map_err(|_| CipherError)?;
            cbc::Decryptor::<rc2::Rc2>::inner_iv_init(c, &iv.into())
                .decrypt_padded_mut::<Pkcs7>(&mut buf)
                .map_err(|_| CipherError)?
                .len()
        }
    };
    buf.truncate(len);
    Ok(buf)
}

/// RFC 3394 AES key unwrap (default IV A6A6A6A6A6A6A6A6) with a 16, 24 or
/// 32-byte key-encryption key. `Err` when the integrity check fails.
pub(crate) fn aes_key_unwrap(
    kek: &[u8],
    wrapped: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CipherError> {
    let alg = match kek.len() {
        16 => &AES_128,
        24 => &AES_192,
        32 => &AES_256,
        _ => return Err(CipherError),
    };
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return Err(CipherError);
    }
    let n = wrapped.len() / 8 - 1;
    let key = DecryptingKey::ecb(UnboundCipherKey::new(alg, kek).map_err(|_| CipherError)?)
        .map_err(|_| CipherError)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(&wrapped[..8]);
    let mut r = Zeroizing::new(wrapped[8..].to_vec());
    let mut block = Zeroizing::new([0u8; 16]);
    for j in (0..6).rev() {
        for i in (1..=n).rev() {
            let t = (n * j + i) as u64;
            let tb = t.to_be_bytes();
            for k in 0..8 {
                block[k] = a[k] ^ tb[k];
            }
            block[8..].copy_from_slice(&r[(i - 1) * 8..i * 8]);
            key.decrypt(&mut block[..], DecryptionContext::None)
                .map_err(|_| CipherError)?;
            a.copy_from_slice(&block[..8]);
            r[(i - 1) * 8..i * 8].copy_from_slice(&block[8..]);
        }
    }
    // Constant-time comparison of the integrity check value.
    let diff = a.iter().fold(0u8, |d, &x| d | (x ^ 0xA6));
    if diff != 0 {
        return Err(CipherError);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3394 §4.1 and §4.6 test vectors.
    #[test]
    fn rfc3394_vectors() {
        let h = |s: &str| -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        };
        let kek = h("000102030405060708090A0B0C0D0E0F");
        let wrapped = h("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5");
        let out = aes_key_unwrap(&kek, &wrapped).unwrap();
        assert_eq!(&out[..], &h("00112233445566778899AABBCCDDEEFF")[..]);
        let kek = h("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
        let wrapped =
            h("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
        let out = aes_key_unwrap(&kek, &wrapped).unwrap();
        assert_eq!(
            &out[..],
            &h("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")[..]
        );
        let mut bad = wrapped.clone();
        bad[10] ^= 1;
        assert!(aes_key_unwrap(&kek, &bad).is_err());
    }
}
