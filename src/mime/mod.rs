//! MIME: the message's identity headers, its structure, where the S/MIME
//! (or PGP) structure sits, and the exact bytes that were signed.
//!
//! Only what the verdict needs is parsed: header blocks, Content-Type
//! parameters and multipart boundaries. Bodies are never decoded except
//! the CMS blob itself. Top-level identity headers (Message-ID, Date, From,
//! Sender) go through mail-parser, which knows the obsolete syntaxes.
//!
//! When a message holds several S/MIME or PGP structures, the outermost one
//! (fewest part-path components; the first in part order among equals) is
//! reported: that is what a recipient's client shows first.

mod content_type;
pub(crate) mod header;
mod structure;

pub use structure::{dash_lines, find_smime, split_multipart, split_multipart_at, Limits, Smime};
pub(crate) use structure::{walk, SmimePart, Walk};

use std::borrow::Cow;

use mail_parser::MessageParser;

/// The report's `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum MessageKind {
    Plain,
    Signed,
    SignedOpaque,
    Enveloped,
    AuthEnveloped,
    CertsOnly,
    PgpSigned,
    PgpEncrypted,
    Malformed,
}

impl MessageKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MessageKind::Plain => "plain",
            MessageKind::Signed => "signed",
            MessageKind::SignedOpaque => "signed-opaque",
            MessageKind::Enveloped => "enveloped",
            MessageKind::AuthEnveloped => "auth-enveloped",
            MessageKind::CertsOnly => "certs-only",
            MessageKind::PgpSigned => "pgp-signed",
            MessageKind::PgpEncrypted => "pgp-encrypted",
            MessageKind::Malformed => "malformed",
        }
    }
}

/// The top-level identity headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Message-ID without angle brackets (of the first Message-ID field).
    pub(crate) message_id: String,
    /// Date header as Unix seconds, when present and parseable (the first
    /// Date field).
    pub(crate) date: Option<i64>,
    /// Address (addr-spec) of the first From field, lowercase: the one a
    /// mail client shows.
    pub from: Option<String>,
    /// Whether there is a From field at all (with or without a readable
    /// address): the Sender field counts only when there is none.
    pub(crate) has_from: bool,
    /// Address of the first Sender field, lowercase.
    pub(crate) sender: Option<String>,
    /// Date of the topmost `Received:` field (after its last `;`), written
    /// by the archive's own mail server rather than by the sender.
    pub(crate) received: Option<i64>,
    /// The fields of [`SINGLE_FIELDS`] that occur more than once, in that
    /// order (RFC 5322 3.6 allows one of each).
    pub(crate) repeated: Vec<&'static str>,
}

/// Top-level fields that clients show or act on, of which RFC 5322 (and
/// RFC 2045 for the MIME ones) allows one: a repeat makes what a client
/// shows differ from what was checked (`AMBIGUOUS_HEADER`).
pub(crate) const SINGLE_FIELDS: [&str; 8] = [
    "From",
    "Sender",
    "Date",
    "Message-ID",
    "Subject",
    "To",
    "MIME-Version",
    "Content-Type",
];

/// Whether `raw` starts with a header block: its first line is a field
/// (the obsolete `name WSP* ":"` form included).
pub(crate) fn starts_with_header(raw: &[u8]) -> bool {
    let first_line = raw.split(|&b| b == b'\n').next().unwrap_or_default();
    header::field_start(first_line).is_some()
}

/// Reads Message-ID, Date, From, Sender and the topmost Received date, and
/// counts the fields that must not repeat. Returns None when `raw` does
/// not start with a header block at all (not a message).
///
/// The first field of each kind counts, as Thunderbird shows it
/// (mail-parser alone would answer with the last one).
pub fn identity(raw: &[u8]) -> Option<Identity> {
    if !starts_with_header(raw) {
        return None;
    }
    // Only the first of the four fields go to mail-parser: parsing every
    // Received and DKIM header of every message would cost more than the
    // rest of the analysis of a plain message. The topmost Received
    // field's date (after its last `;`) goes as a Resent-Date field, which
    // mail-parser reads as a date (the message's own Resent-Date fields
    // are not passed on).
    const WANTED: [&str; 4] = ["Message-ID", "Date", "From", "Sender"];
    let mut first: [Option<&[u8]>; 4] = [None; 4];
    let mut received: Option<&[u8]> = None;
    let mut counts = [0u32; SINGLE_FIELDS.len()];
    let limit = Limits::default().max_header_bytes;
    let _ = header::for_each_field(raw, limit, |f| {
        if let Some(i) = SINGLE_FIELDS
            .iter()
            .position(|n| f.name.eq_ignore_ascii_case(n.as_bytes()))
        {
            counts[i] += 1;
        }
        if let Some(i) = WANTED
            .iter()
            .position(|n| f.name.eq_ignore_ascii_case(n.as_bytes()))
        {
            first[i].get_or_insert(f.raw_value());
        } else if f.name.eq_ignore_ascii_case(b"received") && received.is_none() {
            let v = f.raw_value();
            received = Some(memchr::memrchr(b';', v).map_or(&v[v.len()..], |i| &v[i + 1..]));
        }
    });
    let mut wanted = Vec::with_capacity(512);
    let fields = WANTED
        .iter()
        .zip(first)
        .chain(std::iter::once((&"Resent-Date", received)));
    for (name, value) in fields {
        if let Some(v) = value {
            wanted.extend_from_slice(name.as_bytes());
            wanted.push(b':');
            wanted.extend_from_slice(v);
            if !v.ends_with(b"\n") {
                wanted.push(b'\n');
            }
        }
    }
    wanted.push(b'\n');
    let repeated = SINGLE_FIELDS
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 1)
        .map(|(name, _)| *name)
        .collect();
    let Some(msg) = MessageParser::new().parse_headers(&wanted) else {
        return Some(Identity {
            repeated,
            has_from: first[2].is_some(),
            ..Identity::default()
        });
    };
    let addr = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
    };
    let date =
        |d: Option<&mail_parser::DateTime>| d.filter(|d| d.is_valid()).map(|d| d.to_timestamp());
    Some(Identity {
        message_id: msg
            .message_id()
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
        date: date(msg.date()),
        from: addr(msg.from()),
        has_from: first[2].is_some(),
        sender: addr(msg.sender()),
        received: date(msg.resent_date().as_datetime()),
        repeated,
    })
}

/// Whether the message names a pkcs7 media type anywhere (any case).
pub(crate) fn names_pkcs7(raw: &[u8]) -> bool {
    memchr::memchr2_iter(b'p', b'P', raw).any(|i| {
        raw.get(i..i + 5)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"pkcs7"))
    })
}

/// Canonical form of signed MIME content (RFC 8551 §3.1.1): every line
/// ends in CRLF. Borrowed when already canonical.
pub fn canonicalize(data: &[u8]) -> Cow<'_, [u8]> {
    let bare = |i: usize| i == 0 || data[i - 1] != b'\r';
    let Some(first) = memchr::memchr_iter(b'\n', data).find(|&i| bare(i)) else {
        return Cow::Borrowed(data);
    };
    let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 2);
    out.extend_from_slice(&data[..first]);
    let mut from = first;
    for i in memchr::memchr_iter(b'\n', &data[first..]).map(|i| i + first) {
        if bare(i) {
            out.extend_from_slice(&data[from..i]);
            out.extend_from_slice(b"\r");
            from = i;
        }
    }
    out.extend_from_slice(&data[from..]);
    Cow::Owned(out)
}

/// base64 alphabet value of each byte; [`WS`] for whitespace, [`PAD`] for
/// `=`, [`BAD`] for anything else.
const B64: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'=' as usize] = PAD;
    t[b' ' as usize] = WS;
    t[b'\t' as usize] = WS;
    t[b'\r' as usize] = WS;
    t[b'\n' as usize] = WS;
    t
};
const WS: u8 = 0x80;
const PAD: u8 = 0x81;
const BAD: u8 = 0xFF;

/// Why a message's MIME structure or a CMS body cannot be read as every
/// reader would read it. The text is what the report's `error` column shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MimeError {
    /// A header block longer than the limit (bytes).
    HeaderTooLarge(usize),
    /// More MIME parts than the limit.
    TooManyParts(usize),
    /// MIME nesting deeper than the limit.
    TooDeep(usize),
    /// A base64 body with a byte outside the alphabet, at this offset.
    Base64 {
        /// The offending byte.
        byte: u8,
        /// Its offset in the body.
        at: usize,
    },
    /// A CMS body in quoted-printable (no S/MIME writer produces one).
    QuotedPrintableCms,
    /// A multipart/signed that readers may take differently (RFC 1847,
    /// RFC 2046): the text says how.
    Signed(String),
}

impl std::fmt::Display for MimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MimeError::HeaderTooLarge(max) => {
                write!(f, "header block larger than {max} bytes (limit)")
            }
            MimeError::TooManyParts(max) => write!(f, "more than {max} MIME parts (limit)"),
            MimeError::TooDeep(max) => write!(f, "MIME nesting deeper than {max} (limit)"),
            MimeError::Base64 { byte, at } => {
                write!(f, "invalid base64 character 0x{byte:02x} at byte {at}")
            }
            MimeError::QuotedPrintableCms => f.write_str("quoted-printable CMS body"),
            MimeError::Signed(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for MimeError {}

/// Decodes base64, skipping whitespace and line breaks; stops at padding.
/// Characters outside the alphabet are an error.
///
/// The SIMD decoder (WHATWG "forgiving base64": whitespace removed,
/// padding optional) takes the common case; what it refuses (text after
/// the padding, odd lengths) goes through the lenient scalar decoder,
/// which decides the outcome.
pub fn decode_base64(data: &[u8]) -> Result<Vec<u8>, MimeError> {
    // Line breaks out first, a line at a time (base64-simd strips
    // whitespace byte by byte), then the SIMD decoder in place.
    let mut buf = Vec::with_capacity(data.len());
    let mut from = 0;
    for i in memchr::memchr2_iter(b'\r', b'\n', data) {
        buf.extend_from_slice(&data[from..i]);
        from = i + 1;
    }
    buf.extend_from_slice(&data[from..]);
    match base64_simd::forgiving_decode_inplace(&mut buf) {
        Ok(decoded) => {
            let n = decoded.len();
            buf.truncate(n);
            Ok(buf)
        }
        Err(_) => decode_base64_lenient(data),
    }
}

/// The scalar decoder behind [`decode_base64`].
pub(crate) fn decode_base64_lenient(data: &[u8]) -> Result<Vec<u8>, MimeError> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 3);
    let mut quad = [0u8; 4];
    let mut n = 0;
    for (i, &c) in data.iter().enumerate() {
        let v = B64[c as usize];
        if v < 64 {
            quad[n] = v;
            n += 1;
            if n == 4 {
                out.extend_from_slice(&[
                    (quad[0] << 2) | (quad[1] >> 4),
                    (quad[1] << 4) | (quad[2] >> 2),
                    (quad[2] << 6) | quad[3],
                ]);
                n = 0;
            }
        } else if v == WS {
            continue;
        } else if v == PAD {
            // Only padding and white space may follow: text after it is
            // read by decoders that go on (and not by those that stop), so
            // a blob could carry a second meaning there.
            let rest = &data[i..];
            if let Some(j) = rest
                .iter()
                .position(|&c| B64[c as usize] != PAD && B64[c as usize] != WS)
            {
                return Err(MimeError::Base64 {
                    byte: rest[j],
                    at: i + j,
                });
            }
            break;
        } else {
            return Err(MimeError::Base64 { byte: c, at: i });
        }
    }
    match n {
        2 => out.push((quad[0] << 2) | (quad[1] >> 4)),
        3 => out.extend_from_slice(&[
            (quad[0] << 2) | (quad[1] >> 4),
            (quad[1] << 4) | (quad[2] >> 2),
        ]),
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(decode_base64(b"aGVs\r\nbG8=\r\n").unwrap(), b"hello");
        assert_eq!(decode_base64(b"aGVsbG8").unwrap(), b"hello");
        assert!(decode_base64(b"aGV*bG8=").is_err());
        // Text after the padding is refused (the SIMD path refuses it too),
        // as is a control character there; white space and padding are not.
        assert!(decode_base64(b"YQ==\r\nYQ==").is_err());
        assert!(decode_base64(b"YQ=\x1d\r\n").is_err());
        assert_eq!(decode_base64(b"YQ==\r\n \r\n").unwrap(), b"a");
        assert_eq!(decode_base64(b"YQ=\r\n").unwrap(), b"a");
        for n in 0..200usize {
            let raw: Vec<u8> = (0..n).map(|i| (i * 37 % 251) as u8).collect();
            let mut enc = base64_simd::STANDARD.encode_to_string(&raw);
            // fold at 76 with CRLF, as MIME does
            let mut folded = String::new();
            while enc.len() > 76 {
                let rest = enc.split_off(76);
                folded.push_str(&enc);
                folded.push_str("\r\n");
                enc = rest;
            }
            folded.push_str(&enc);
            assert_eq!(decode_base64(folded.as_bytes()).unwrap(), raw);
            assert_eq!(decode_base64_lenient(folded.as_bytes()).unwrap(), raw);
        }
        assert_eq!(decode_base64(b"YQ==").unwrap(), b"a");
        assert_eq!(decode_base64(b"YWI=").unwrap(), b"ab");
        assert_eq!(decode_base64(b"").unwrap(), b"");
    }

    #[test]
    fn canonical() {
        assert_eq!(&*canonicalize(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(&*canonicalize(b"\n\nx"), b"\r\n\r\nx");
        assert_eq!(&*canonicalize(b"a\r\n\n"), b"a\r\n\r\n");
        assert!(matches!(canonicalize(b"a\r\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn identity_headers() {
        let id = identity(
            b"Message-ID: <abc@x>\r\nDate: Mon, 26 Jan 2026 15:40:10 +0100\r\nFrom: \"A\" <Alice@Example.COM>\r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(id.message_id, "abc@x");
        assert_eq!(id.date, Some(1769438410));
        assert_eq!(id.from.as_deref(), Some("alice@example.com"));
        assert!(identity(b"\x00\x01garbage").is_none());
        assert!(id.repeated.is_empty());
    }

    #[test]
    fn two_from_fields() {
        // The first From is the one a client shows; mail-parser alone
        // answers with the last.
        let id = identity(
            b"From: alice@example.com\r\nFrom: mallory@evil.example\r\nSubject: a\r\nsubject: b\r\n\r\nbody",
        )
        .unwrap();
        assert_eq!(id.from.as_deref(), Some("alice@example.com"));
        assert_eq!(id.repeated, vec!["From", "Subject"]);
        // A From field without a readable address is still a From field.
        let id = identity(b"From: (nobody)\r\nSender: alice@example.com\r\n\r\n").unwrap();
        assert!(id.has_from && id.from.is_none());
        assert_eq!(id.sender.as_deref(), Some("alice@example.com"));
    }

    #[test]
    fn topmost_received_and_obsolete_syntax() {
        let id = identity(
            b"Received: from a by b; Tue, 27 Jan 2026 10:00:00 +0000\r\nReceived: from c by a; Mon, 26 Jan 2026 10:00:00 +0000\r\nFrom : Bob <BOB@example.com>\r\nDate\t: Mon, 26 Jan 2026 09:00:00 +0000\r\n\r\n",
        )
        .unwrap();
        assert_eq!(id.received, Some(1769508000));
        assert_eq!(id.date, Some(1769418000));
        assert_eq!(id.from.as_deref(), Some("bob@example.com"));
        assert!(identity(b"From : x@y\n\n").is_some());
    }
}
