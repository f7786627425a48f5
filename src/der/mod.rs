//! The bottom of the crate: a minimal, allocation-free DER reader for
//! walking CMS and certificate structures by hand, and the BER → DER
//! normaliser ([`ber`]) that every blob goes through first. `cms` and `pki`
//! both read through here; this module depends on nothing else in the crate.
//!
//! Why not only the `der` crate:
//!
//! The `der` crate decodes a `SET OF` by sorting it (insertion sort, with a
//! re-encoding per comparison) and rejects duplicates, which breaks on real
//! messages (unsorted signed attributes, a certificate carried twice) and
//! costs quadratic time on hostile input. CMS skeletons are therefore walked
//! with this reader, which also hands out the exact bytes of every element;
//! `der` is used only for leaves (algorithm identifiers, names, times,
//! certificates).
//!
//! Only definite lengths are accepted: BER input goes through
//! `ber::normalize` first.

pub mod ber;
pub(crate) mod oid;

/// Universal and context tags used by CMS (first identifier octet).
pub(crate) mod tag {
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const NULL: u8 = 0x05;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const UTC_TIME: u8 = 0x17;
    pub(crate) const GENERALIZED_TIME: u8 = 0x18;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const SET: u8 = 0x31;
    /// `[0]` constructed (EXPLICIT, or IMPLICIT of a constructed type).
    pub(crate) const CTX0_C: u8 = 0xA0;
    pub(crate) const CTX1_C: u8 = 0xA1;
    pub(crate) const CTX2_C: u8 = 0xA2;
    pub(crate) const CTX3_C: u8 = 0xA3;
    /// `[0]` primitive (IMPLICIT of a primitive type).
    pub(crate) const CTX0_P: u8 = 0x80;
}

/// Why DER does not decode. The text is what reports show after the
/// caller's context (`SignerInfo: unexpected tag 0x31`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerError {
    /// The input ends where an identifier octet should start.
    MissingTag,
    /// The input ends inside a high tag number.
    TruncatedTag,
    /// A high tag number of more than four octets.
    TagTooLarge,
    /// The input ends where a length octet should be.
    MissingLength,
    /// The input ends inside a long-form length.
    TruncatedLength,
    /// A long-form length of more than four octets.
    LengthTooLarge,
    /// An indefinite length (BER), which only [`ber::normalize_first`]
    /// accepts.
    IndefiniteLength,
    /// The contents run past the end of the input.
    LengthExceedsData,
    /// A required element (named) has another tag.
    UnexpectedTag {
        /// The element the structure requires there.
        what: &'static str,
        /// The tag found instead.
        tag: u8,
    },
    /// A required element (named) is absent: the input ends before it.
    Missing {
        /// The element the structure requires there.
        what: &'static str,
    },
    /// An INTEGER without contents octets.
    EmptyInteger,
    /// A negative INTEGER where only non-negative ones are allowed.
    NegativeInteger,
    /// An INTEGER too large for 64 bits.
    IntegerTooLarge,
    /// An OBJECT IDENTIFIER (named) whose contents are no valid encoding:
    /// empty, a subidentifier left open (the last octet has bit 8 set) or
    /// one with a leading 0x80 octet (X.690 8.19.2).
    BadOid {
        /// The element the structure requires there.
        what: &'static str,
    },
}

impl std::fmt::Display for DerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DerError::MissingTag => f.write_str("truncated: missing tag"),
            DerError::TruncatedTag => f.write_str("truncated tag"),
            DerError::TagTooLarge => f.write_str("tag number too large"),
            DerError::MissingLength => f.write_str("truncated: missing length"),
            DerError::TruncatedLength => f.write_str("truncated length"),
            DerError::LengthTooLarge => f.write_str("length too large"),
            DerError::IndefiniteLength => f.write_str("indefinite length"),
            DerError::LengthExceedsData => f.write_str("length exceeds data"),
            DerError::UnexpectedTag { what, tag } => {
                write!(f, "{what}: unexpected tag 0x{tag:02x}")
            }
            DerError::Missing { what } => write!(f, "{what}: missing"),
            DerError::EmptyInteger => f.write_str("empty INTEGER"),
            DerError::NegativeInteger => f.write_str("negative INTEGER"),
            DerError::IntegerTooLarge => f.write_str("INTEGER too large"),
            DerError::BadOid { what } => {
                write!(f, "{what}: invalid OBJECT IDENTIFIER encoding")
            }
        }
    }
}

impl std::error::Error for DerError {}

/// Whether OBJECT IDENTIFIER contents are a valid encoding (X.690
/// 8.19.2): not empty, each subidentifier minimal (no leading 0x80) and
/// closed (the last octet has bit 8 clear). OpenSSL refuses the others
/// ("invalid object encoding").
pub(crate) fn oid_encoding_ok(v: &[u8]) -> bool {
    v.last().is_some_and(|&b| b & 0x80 == 0)
        && v.iter()
            .enumerate()
            .all(|(i, &b)| b != 0x80 || (i > 0 && v[i - 1] & 0x80 != 0))
}

/// One element: its first identifier octet, its whole encoding and its
/// contents octets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// First identifier octet (class, constructed bit, low tag number or
    /// 0x1F for a high tag number).
    pub(crate) tag: u8,
    /// Identifier, length and contents octets.
    pub(crate) raw: &'a [u8],
    /// Contents octets.
    pub(crate) value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over this element's contents.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader::new(self.value)
    }
}

/// Reads consecutive elements from a byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

/// Reads an identifier and a length at `pos`: returns (first identifier
/// octet, identifier length, header length, contents length or `None` for an
/// indefinite length).
pub(crate) fn read_header(
    data: &[u8],
    pos: usize,
) -> Result<(u8, usize, usize, Option<usize>), DerError> {
    let mut p = pos;
    let t = *data.get(p).ok_or(DerError::MissingTag)?;
    p += 1;
    if t & 0x1F == 0x1F {
        // High tag number: base-128 continuation octets (at most 4).
        let mut n = 0;
        loop {
            let b = *data.get(p).ok_or(DerError::TruncatedTag)?;
            p += 1;
            n += 1;
            if n > 4 {
                return Err(DerError::TagTooLarge);
            }
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let id_len = p - pos;
    let l = *data.get(p).ok_or(DerError::MissingLength)?;
    p += 1;
    let len = if l < 0x80 {
        Some(l as usize)
    } else if l == 0x80 {
        None
    } else {
        let n = (l & 0x7F) as usize;
        if n > 4 {
            return Err(DerError::LengthTooLarge);
        }
        let bytes = data.get(p..p + n).ok_or(DerError::TruncatedLength)?;
        p += n;
        let mut v: usize = 0;
        for &b in bytes {
            v = (v << 8) | b as usize;
        }
        Some(v)
    };
    Ok((t, id_len, p - pos, len))
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The tag of the next element, if any.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads the next element (any tag).
    pub(crate) fn next_tlv(&mut self) -> Result<Tlv<'a>, DerError> {
        let (t, _, hl, len) = read_header(self.data, self.pos)?;
        let len = len.ok_or(DerError::IndefiniteLength)?;
        let start = self.pos;
        let vstart = start + hl;
        let end = vstart
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or(DerError::LengthExceedsData)?;
        self.pos = end;
        Ok(Tlv {
            tag: t,
            raw: &self.data[start..end],
            value: &self.data[vstart..end],
        })
    }

    /// Reads the next element and checks its tag; an OBJECT IDENTIFIER's
    /// contents are checked too ([`oid_encoding_ok`]), so that no
    /// structure takes a malformed one for an unknown one.
    pub(crate) fn expect(&mut self, t: u8, what: &'static str) -> Result<Tlv<'a>, DerError> {
        match self.peek_tag() {
            Some(x) if x == t => {
                let tlv = self.next_tlv()?;
                if t == tag::OID && !oid_encoding_ok(tlv.value) {
                    return Err(DerError::BadOid { what });
                }
                Ok(tlv)
            }
            Some(tag) => Err(DerError::UnexpectedTag { what, tag }),
            None => Err(DerError::Missing { what }),
        }
    }

    /// Reads the next element if it has tag `t`.
    pub(crate) fn optional(&mut self, t: u8) -> Result<Option<Tlv<'a>>, DerError> {
        if self.peek_tag() == Some(t) {
            self.next_tlv().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Big-endian unsigned integer contents without leading zero octets
/// (rejects negative numbers).
pub(crate) fn unsigned_int(v: &[u8]) -> Result<&[u8], DerError> {
    if v.is_empty() {
        return Err(DerError::EmptyInteger);
    }
    if v[0] & 0x80 != 0 {
        return Err(DerError::NegativeInteger);
    }
    let start = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    Ok(&v[start..])
}

/// Small non-negative INTEGER contents as u64.
pub(crate) fn small_uint(v: &[u8]) -> Result<u64, DerError> {
    let b = unsigned_int(v)?;
    if b.len() > 8 {
        return Err(DerError::IntegerTooLarge);
    }
    Ok(b.iter().fold(0u64, |a, &x| (a << 8) | x as u64))
}

#[cfg(test)]
mod tests {
    #[test]
    fn oid_encodings() {
        // 1.2.840.113549.1.9.5 (signingTime) and flips of it.
        let good = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x05];
        assert!(super::oid_encoding_ok(&good));
        let mut open = good;
        open[8] |= 0x80; // last subidentifier left open
        assert!(!super::oid_encoding_ok(&open));
        assert!(!super::oid_encoding_ok(&[]));
        assert!(!super::oid_encoding_ok(&[0x2A, 0x80, 0x01])); // leading 0x80
        assert!(!super::oid_encoding_ok(&[0x80, 0x01]));
        assert!(super::oid_encoding_ok(&[0x2A, 0x81, 0x80, 0x01])); // 0x80 inside
        let d = [0x30, 0x03, 0x06, 0x01, 0x85];
        let mut r = Reader::new(&d);
        let mut s = r.expect(tag::SEQUENCE, "s").unwrap().reader();
        assert_eq!(
            s.expect(tag::OID, "type").unwrap_err().to_string(),
            "type: invalid OBJECT IDENTIFIER encoding"
        );
    }

    use super::*;

    #[test]
    fn reads_nested() {
        let d = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xAA];
        let mut r = Reader::new(&d);
        let s = r.expect(tag::SEQUENCE, "seq").unwrap();
        assert!(r.is_empty());
        let mut i = s.reader();
        assert_eq!(
            small_uint(i.expect(tag::INTEGER, "i").unwrap().value).unwrap(),
            5
        );
        assert_eq!(i.expect(tag::OCTET_STRING, "o").unwrap().value, &[0xAA]);
        assert!(i.is_empty());
    }

    #[test]
    fn rejects_bad_lengths() {
        assert!(Reader::new(&[0x30, 0x05, 0x01]).next_tlv().is_err());
        assert!(Reader::new(&[0x30, 0x80, 0x00, 0x00]).next_tlv().is_err());
        assert!(Reader::new(&[0x04, 0x85, 1, 2, 3, 4, 5])
            .next_tlv()
            .is_err());
        assert!(Reader::new(&[0x04, 0x84, 0xff, 0xff, 0xff, 0xff])
            .next_tlv()
            .is_err());
        assert!(Reader::new(&[0x1F]).next_tlv().is_err());
        assert!(Reader::new(&[]).next_tlv().is_err());
    }
}
