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
mod structure;

pub use content_type::ContentType;
pub use structure::{find_smime, Found, Limits, Smime};

use std::borrow::Cow;

use mail_parser::MessageParser;

/// The report's `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
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

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Plain => "plain",
            Kind::Signed => "signed",
            Kind::SignedOpaque => "signed-opaque",
            Kind::Enveloped => "enveloped",
            Kind::AuthEnveloped => "auth-enveloped",
            Kind::CertsOnly => "certs-only",
            Kind::PgpSigned => "pgp-signed",
            Kind::PgpEncrypted => "pgp-encrypted",
            Kind::Malformed => "malformed",
        }
    }
}

/// The top-level identity headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Message-ID without angle brackets.
    pub message_id: String,
    /// Date header as Unix seconds, when present and parseable.
    pub date: Option<i64>,
    /// From address (addr-spec), lowercase.
    pub from: Option<String>,
    /// Sender address, lowercase.
    pub sender: Option<String>,
}

/// Reads Message-ID, Date, From and Sender. Returns None when `raw` does
/// not start with a header block at all (not a message).
pub fn identity(raw: &[u8]) -> Option<Identity> {
    let first_line = raw.split(|&b| b == b'\n').next().unwrap_or_default();
    if !crate::mailbox::is_header_line(first_line) {
        return None;
    }
    let msg = MessageParser::new().parse_headers(raw)?;
    let addr = |a: Option<&mail_parser::Address>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
    };
    Some(Identity {
        message_id: msg
            .message_id()
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
        date: msg
            .date()
            .filter(|d| d.is_valid())
            .map(|d| d.to_timestamp()),
        from: addr(msg.from()),
        sender: addr(msg.sender()),
    })
}

/// Canonical form of signed MIME content (RFC 8551 §3.1.1): every line
/// ends in CRLF. Borrowed when already canonical.
pub fn canonicalize(data: &[u8]) -> Cow<'_, [u8]> {
    let bare = data
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || data[i - 1] != b'\r'));
    if !bare {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len() + data.len() / 16);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    Cow::Owned(out)
}

/// Decodes base64, skipping whitespace and line breaks; stops at padding.
/// Characters outside the alphabet are an error.
pub fn decode_base64(data: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for (i, &c) in data.iter().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return Err(format!("invalid base64 character 0x{c:02x} at byte {i}")),
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
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
    }

    #[test]
    fn canonical() {
        assert_eq!(&*canonicalize(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
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
    }
}
