//! BER → DER normalisation of CMS blobs.
//!
//! `openssl cms -sign -stream`, Thunderbird and Outlook write indefinite
//! lengths and constructed ("chunked") OCTET STRINGs, which DER decoders
//! reject. `normalize` rewrites exactly those parts:
//!
//! - indefinite lengths become definite (minimal) lengths;
//! - constructed universal string types (OCTET STRING and the character
//!   strings) become one primitive string holding the concatenated chunks.
//!
//! Everything else is copied unchanged, byte for byte (a definite-length
//! element without anything to rewrite inside is copied verbatim), and a
//! blob that needs no change is returned borrowed (no copy). The work is
//! linear in the input times the nesting depth, which is capped at
//! `MAX_DEPTH`; no allocation
//! depends on a declared length (a length is only believed once the bytes
//! are there), and no input panics.

use std::borrow::Cow;

use super::{read_header, DerError};

/// Deepest nesting accepted (a signed message with certificates nests
/// about 12 levels deep).
pub(crate) const MAX_DEPTH: u32 = 48;

/// Why a blob could not be normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BerError {
    /// An identifier or length does not decode, or contents run past the
    /// end of the input.
    Der(DerError),
    /// Nesting deeper than `MAX_DEPTH`.
    TooDeep,
    /// An indefinite length on a primitive element (X.690 8.1.3.2).
    IndefinitePrimitive,
    /// An indefinite-length element whose end-of-contents never comes.
    MissingEndOfContents,
    /// An end-of-contents marker inside a definite-length element.
    EndOfContentsInDefinite,
}

impl std::fmt::Display for BerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BerError::Der(e) => e.fmt(f),
            BerError::TooDeep => f.write_str("nesting too deep"),
            BerError::IndefinitePrimitive => {
                f.write_str("indefinite length on a primitive element")
            }
            BerError::MissingEndOfContents => f.write_str("missing end-of-contents"),
            BerError::EndOfContentsInDefinite => {
                f.write_str("end-of-contents inside a definite length")
            }
        }
    }
}

impl std::error::Error for BerError {}

impl From<DerError> for BerError {
    fn from(e: DerError) -> Self {
        BerError::Der(e)
    }
}

/// Normalises the first element of `input` to DER lengths and primitive
/// strings. Bytes after the first element are ignored (and not returned).
pub(crate) fn normalize(input: &[u8]) -> Result<Cow<'_, [u8]>, BerError> {
    normalize_first(input, false).map(|(n, _)| n)
}

/// `normalize` that also says how many bytes of `input` the first element
/// took (so that a caller can refuse what follows it), and with `minimal`
/// also rewrites non-minimal definite lengths (`82 00 05` → `05`), as
/// certificates need before a DER decoder takes them.
pub fn normalize_first(input: &[u8], minimal: bool) -> Result<(Cow<'_, [u8]>, usize), BerError> {
    let mut pos = 0;
    let needs = scan(input, &mut pos, input.len(), 0, minimal)?;
    if !needs {
        return Ok((Cow::Borrowed(&input[..pos]), pos));
    }
    let mut out = Vec::with_capacity(pos);
    let mut p = 0;
    norm(input, &mut p, input.len(), 0, minimal, &mut out)?;
    Ok((Cow::Owned(out), pos))
}

/// Universal constructed string types that are flattened: OCTET STRING and
/// the character string types (BIT STRING is left alone).
fn is_string_type(t: u8) -> bool {
    matches!(
        t,
        0x24 | 0x2C | 0x32 | 0x33 | 0x34 | 0x35 | 0x36 | 0x39 | 0x3A | 0x3B | 0x3C | 0x3D | 0x3E
    )
}

/// Header of the element at `*pos` limited to `end`: (first identifier
/// octet, identifier length, header length, contents length or None).
fn header(
    input: &[u8],
    pos: usize,
    end: usize,
) -> Result<(u8, usize, usize, Option<usize>), BerError> {
    let (t, id_len, hl, len) = read_header(&input[..end], pos)?;
    if let Some(l) = len {
        if (pos + hl).checked_add(l).is_none_or(|e| e > end) {
            return Err(DerError::LengthExceedsData.into());
        }
    }
    Ok((t, id_len, hl, len))
}

fn is_eoc(input: &[u8], pos: usize, end: usize) -> bool {
    pos + 2 <= end && input[pos] == 0 && input[pos + 1] == 0
}

/// Walks one element; returns whether anything in it needs rewriting.
fn scan(
    input: &[u8],
    pos: &mut usize,
    end: usize,
    depth: u32,
    minimal: bool,
) -> Result<bool, BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep);
    }
    let (t, id, hl, len) = header(input, *pos, end)?;
    let constructed = t & 0x20 != 0;
    let long = minimal && len.is_some_and(|l| hl - id != der_len_size(l));
    match len {
        None => {
            if !constructed {
                return Err(BerError::IndefinitePrimitive);
            }
            // Skip to the matching EOC to know where this element ends.
            *pos += hl;
            loop {
                if *pos >= end {
                    return Err(BerError::MissingEndOfContents);
                }
                if is_eoc(input, *pos, end) {
                    *pos += 2;
                    return Ok(true);
                }
                scan(input, pos, end, depth + 1, minimal)?;
            }
        }
        Some(l) => {
            let cend = *pos + hl + l;
            if !constructed {
                *pos = cend;
                return Ok(long);
            }
            let mut needs = is_string_type(t) || long;
            *pos += hl;
            while *pos < cend {
                if is_eoc(input, *pos, cend) {
                    return Err(BerError::EndOfContentsInDefinite);
                }
                needs |= scan(input, pos, cend, depth + 1, minimal)?;
            }
            Ok(needs)
        }
    }
}

/// Number of octets of the DER (minimal) encoding of a length.
fn der_len_size(len: usize) -> usize {
    if len < 0x80 {
        1
    } else {
        1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
    }
}

/// Appends a DER length (the one writer of lengths in the crate).
pub(crate) fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Writes the element at `*pos` normalised into `out`.
fn norm(
    input: &[u8],
    pos: &mut usize,
    end: usize,
    depth: u32,
    minimal: bool,
    out: &mut Vec<u8>,
) -> Result<(), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep);
    }
    let start = *pos;
    let (t, id_len, hl, len) = header(input, start, end)?;
    let constructed = t & 0x20 != 0;
    if len.is_some() {
        // A definite-length element that needs no change is copied as is
        // (keeps, e.g., a certificate's exact bytes).
        let mut p = start;
        if !scan(input, &mut p, end, depth, minimal)? {
            out.extend_from_slice(&input[start..p]);
            *pos = p;
            return Ok(());
        }
    }
    if !constructed {
        let l = len.ok_or(BerError::IndefinitePrimitive)?;
        let cstart = start + hl;
        out.extend_from_slice(&input[start..start + id_len]);
        push_len(out, l);
        out.extend_from_slice(&input[cstart..cstart + l]);
        *pos = cstart + l;
        return Ok(());
    }
    let flatten = is_string_type(t);
    // Identifier (primitive form when flattening), then a placeholder for
    // the length, then the contents; the length is patched in afterwards.
    let id_at = out.len();
    out.extend_from_slice(&input[start..start + id_len]);
    if flatten {
        out[id_at] &= !0x20;
    }
    let body_at = out.len();
    *pos = start + hl;
    let cend = match len {
        Some(l) => start + hl + l,
        None => end,
    };
    loop {
        if *pos >= cend {
            if len.is_none() {
                return Err(BerError::MissingEndOfContents);
            }
            break;
        }
        if is_eoc(input, *pos, cend) {
            if len.is_some() {
                return Err(BerError::EndOfContentsInDefinite);
            }
            *pos += 2;
            break;
        }
        if flatten {
            chunk(input, pos, cend, depth + 1, out)?;
        } else {
            norm(input, pos, cend, depth + 1, minimal, out)?;
        }
    }
    // Move the contents right to make room for the length octets.
    let body_len = out.len() - body_at;
    let mut lenbuf = Vec::with_capacity(9);
    push_len(&mut lenbuf, body_len);
    let n = lenbuf.len();
    out.resize(out.len() + n, 0);
    out.copy_within(body_at..body_at + body_len, body_at + n);
    out[body_at..body_at + n].copy_from_slice(&lenbuf);
    Ok(())
}

/// Appends the contents of one chunk of a constructed string (itself
/// primitive or constructed) to `out`.
fn chunk(
    input: &[u8],
    pos: &mut usize,
    end: usize,
    depth: u32,
    out: &mut Vec<u8>,
) -> Result<(), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::TooDeep);
    }
    let start = *pos;
    let (t, _id, hl, len) = header(input, start, end)?;
    if t & 0x20 == 0 {
        let l = len.ok_or(BerError::IndefinitePrimitive)?;
        out.extend_from_slice(&input[start + hl..start + hl + l]);
        *pos = start + hl + l;
        return Ok(());
    }
    *pos = start + hl;
    let cend = match len {
        Some(l) => start + hl + l,
        None => end,
    };
    loop {
        if *pos >= cend {
            if len.is_none() {
                return Err(BerError::MissingEndOfContents);
            }
            return Ok(());
        }
        if is_eoc(input, *pos, cend) {
            if len.is_some() {
                return Err(BerError::EndOfContentsInDefinite);
            }
            *pos += 2;
            return Ok(());
        }
        chunk(input, pos, cend, depth + 1, out)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_is_borrowed() {
        let d = [0x30, 0x03, 0x02, 0x01, 0x05, 0xFF, 0xFF];
        let n = normalize(&d).unwrap();
        assert!(matches!(n, Cow::Borrowed(_)));
        assert_eq!(&*n, &d[..5]);
    }

    #[test]
    fn indefinite_lengths() {
        // SEQUENCE(indef) { INTEGER 5, SEQUENCE(indef) { NULL } }
        let d = [
            0x30, 0x80, 0x02, 0x01, 0x05, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        let n = normalize(&d).unwrap();
        assert_eq!(&*n, &[0x30, 0x07, 0x02, 0x01, 0x05, 0x30, 0x02, 0x05, 0x00]);
    }

    #[test]
    fn chunked_octet_string() {
        // [0] { OCTET STRING (constructed, indef) { "ab", { "c" }, "" } }
        let d = [
            0xA0, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x03, 0x04, 0x01, b'c', 0x04,
            0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        let n = normalize(&d).unwrap();
        assert_eq!(&*n, &[0xA0, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
    }

    #[test]
    fn clean_definite_parts_are_kept_verbatim() {
        // A non-minimal length (0x81 0x01) inside a clean definite element
        // next to an indefinite one is kept as it is.
        let d = [
            0x30, 0x80, 0x30, 0x04, 0x04, 0x81, 0x01, 0xAA, 0x05, 0x00, 0x00, 0x00,
        ];
        let n = normalize(&d).unwrap();
        assert_eq!(
            &*n,
            &[0x30, 0x08, 0x30, 0x04, 0x04, 0x81, 0x01, 0xAA, 0x05, 0x00]
        );
    }

    #[test]
    fn minimal_mode_rewrites_long_form_lengths() {
        // SEQUENCE (82 00 05) { OCTET STRING (81 01) AA, NULL }, then junk.
        let d = [
            0x30, 0x82, 0x00, 0x06, 0x04, 0x81, 0x01, 0xAA, 0x05, 0x00, 0xEE,
        ];
        let (n, used) = normalize_first(&d, true).unwrap();
        assert_eq!(&*n, &[0x30, 0x05, 0x04, 0x01, 0xAA, 0x05, 0x00]);
        assert_eq!(used, 10);
        // Without `minimal` the element is kept as it is.
        let (n, used) = normalize_first(&d, false).unwrap();
        assert_eq!(&*n, &d[..10]);
        assert_eq!(used, 10);
        // Minimal DER stays borrowed.
        let mut v = vec![0x30, 0x81, 0x80];
        for _ in 0..64 {
            v.extend([0x05, 0x00]);
        }
        assert!(matches!(
            normalize_first(&v, true).unwrap().0,
            Cow::Borrowed(_)
        ));
        for l in [0usize, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000] {
            let mut e = Vec::new();
            push_len(&mut e, l);
            assert_eq!(e.len(), der_len_size(l), "{l}");
        }
    }

    #[test]
    fn long_lengths() {
        let mut d = vec![0x30, 0x80, 0x04, 0x81, 200];
        d.extend(std::iter::repeat_n(7u8, 200));
        d.extend([0, 0]);
        let n = normalize(&d).unwrap();
        assert_eq!(&n[..6], &[0x30, 0x81, 203, 0x04, 0x81, 200]);
        assert_eq!(n.len(), 3 + 203);
    }

    #[test]
    fn hostile_lengths_are_errors() {
        for d in [
            &[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF][..],
            &[0x30, 0x80, 0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF],
            &[0x30, 0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            &[0x30, 0x80, 0x02, 0x01, 0x05],       // no EOC
            &[0x04, 0x80, 0x00, 0x00],             // indefinite primitive
            &[0x30, 0x04, 0x00, 0x00, 0x05, 0x00], // EOC in definite
            &[0x30, 0x80, 0x30, 0x05, 0x00, 0x00], // child overruns
            &[],
            &[0x30],
        ] {
            assert!(normalize(d).is_err(), "{d:02x?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let mut d = Vec::new();
        for _ in 0..10_000 {
            d.extend([0x30, 0x80]);
        }
        for _ in 0..10_000 {
            d.extend([0x00, 0x00]);
        }
        assert!(normalize(&d).is_err());
        // definite form too
        let mut d = vec![0x05, 0x00];
        for _ in 0..200 {
            let mut e = vec![0x30];
            push_len(&mut e, d.len());
            e.extend(d);
            d = e;
        }
        assert!(normalize(&d).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic fuzz: xorshift-generated blobs and mutated
        // valid encodings.
        let mut s: u64 = 0x9E3779B97F4A7C15;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let base = [
            0xA0u8, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x03, 0x04, 0x01, b'c', 0x00,
            0x00, 0x00, 0x00,
        ];
        for _ in 0..20_000 {
            let mut d = base.to_vec();
            let k = (rnd() % 4) as usize;
            for _ in 0..=k {
                let i = (rnd() as usize) % d.len();
                d[i] = rnd() as u8;
            }
            let _ = normalize(&d);
            let len = (rnd() % 24) as usize;
            let r: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
            let _ = normalize(&r);
        }
    }
}
