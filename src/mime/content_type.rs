//! Content-Type: `type/subtype; name=value; name="quoted value"`.

/// A parsed Content-Type, type/subtype and parameter names lowercase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ContentType {
    pub(crate) ctype: String,
    pub(crate) subtype: String,
    pub(crate) params: Vec<(String, String)>,
    /// Names (lowercase, without `*`) of the parameters given in RFC 2231
    /// extended form (`name*=` or `name*0=`), which some readers ignore.
    pub(crate) extended: Vec<String>,
    /// Names (lowercase) of the parameters whose quoted value is followed
    /// by text other than white space or a comment before the next `;`
    /// (`boundary="b"-`): readers differ on whether that text belongs to
    /// the value (OpenSSL keeps it, unquoted).
    pub(crate) junk_after_quote: Vec<String>,
    /// An unquoted parameter name or value holds a `"` (`protocol=a/b";
    /// boundary="x"`): OpenSSL opens a quoted string there and reads the
    /// following parameters differently.
    pub(crate) stray_quote: bool,
}

impl ContentType {
    /// Parses a header value (unfolded). Never fails: what cannot be read
    /// is left out.
    pub(crate) fn parse(value: &[u8]) -> ContentType {
        let s = String::from_utf8_lossy(value);
        let mut rest = s.trim_start();
        let mut ct = ContentType::default();
        let end = rest.find(';').unwrap_or(rest.len());
        let (full, tail) = rest.split_at(end);
        let full = strip_comments(full);
        if let Some((t, st)) = full.split_once('/') {
            ct.ctype = t.trim().to_ascii_lowercase();
            ct.subtype = st.trim().to_ascii_lowercase();
        } else {
            ct.ctype = full.trim().to_ascii_lowercase();
        }
        rest = tail;
        while let Some(r) = rest.strip_prefix(';') {
            rest = r.trim_start();
            let Some(eq) = rest.find('=') else { break };
            let name = rest[..eq].trim().to_ascii_lowercase();
            ct.stray_quote |= name.contains('"');
            rest = rest[eq + 1..].trim_start();
            let value;
            if let Some(r) = rest.strip_prefix('"') {
                let mut v = String::new();
                let mut chars = r.char_indices();
                let mut consumed = r.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, n)) = chars.next() {
                                v.push(n);
                            }
                        }
                        '"' => {
                            consumed = i + 1;
                            break;
                        }
                        _ => v.push(c),
                    }
                }
                value = v;
                rest = &r[consumed..];
                let end = rest.find(';').unwrap_or(rest.len());
                if !strip_comments(&rest[..end]).trim().is_empty() {
                    ct.junk_after_quote
                        .push(name.trim_end_matches('*').to_owned());
                }
                rest = &rest[end..];
            } else {
                let end = rest.find(';').unwrap_or(rest.len());
                value = rest[..end].trim().to_owned();
                ct.stray_quote |= value.contains('"');
                rest = &rest[end..];
            }
            // RFC 2231 `name*=charset'lang'value` (single segment).
            if let Some((base, _)) = name.split_once('*') {
                ct.extended.push(base.to_owned());
            }
            if let Some(base) = name.strip_suffix('*') {
                let v = value.splitn(3, '\'').nth(2).unwrap_or(&value).to_owned();
                ct.params.push((base.to_owned(), percent_decode(&v)));
            } else {
                ct.params.push((name, value));
            }
        }
        ct
    }

    /// A parameter's value (name lowercase).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is `ctype/subtype`, also accepting the `x-` form of the
    /// subtype (`application/x-pkcs7-mime`).
    pub(crate) fn is(&self, ctype: &str, subtype: &str) -> bool {
        self.ctype == ctype
            && (self.subtype == subtype || self.subtype.strip_prefix("x-") == Some(subtype))
    }
}

fn strip_comments(s: &str) -> &str {
    match s.find('(') {
        Some(i) => &s[..i],
        None => s,
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            // Bytes, not a str slice: what follows `%` may be any UTF-8.
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a media type text (e.g. a `protocol` parameter) names
/// `ctype/subtype` in any letter case or its `x-` form.
pub(crate) fn media_type_is(text: &str, ctype: &str, subtype: &str) -> bool {
    let t = text.trim().to_ascii_lowercase();
    match t.split_once('/') {
        Some((a, b)) => a == ctype && (b == subtype || b.strip_prefix("x-") == Some(subtype)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_params() {
        let ct = ContentType::parse(
            b"Multipart/Signed; protocol=\"application/x-pkcs7-signature\"; micalg=SHA-256;\r\n\tboundary=\"----=_a\\\"b\"",
        );
        assert!(ct.is("multipart", "signed"));
        assert_eq!(ct.param("protocol"), Some("application/x-pkcs7-signature"));
        assert_eq!(ct.param("micalg"), Some("SHA-256"));
        assert_eq!(ct.param("boundary"), Some("----=_a\"b"));
        let ct = ContentType::parse(
            b"application/x-pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
        );
        assert!(ct.is("application", "pkcs7-mime"));
        assert_eq!(ct.param("name"), Some("smime.p7m"));
        let ct = ContentType::parse(b"text/plain; title*=us-ascii'en'This%20is");
        assert_eq!(ct.param("title"), Some("This is"));
        // Fuzz regression (message, crash-41109ee0): `%` before multi-byte
        // UTF-8 in an RFC 2231 value sliced a str inside a character.
        let ct = ContentType::parse("multipart/signed; protocol*=\"app%\u{e9}x\"".as_bytes());
        assert_eq!(ct.param("protocol"), Some("app%\u{e9}x"));
        let ct = ContentType::parse(b"a/b; x*=''%4\x81%41");
        assert_eq!(ct.param("x"), Some("%4\u{fffd}A"));
        assert!(media_type_is(
            " Application/PKCS7-Signature",
            "application",
            "pkcs7-signature"
        ));
    }
}
