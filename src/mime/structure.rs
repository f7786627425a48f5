//! The MIME tree walk that finds S/MIME and PGP structures.

use memchr::memmem;

use super::content_type::{media_type_is, ContentType};
use super::header::for_each_field;
use super::{decode_base64, MimeError};

/// Bounds that keep hostile structures from costing unbounded time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of multiparts / message/rfc822.
    pub(crate) max_depth: usize,
    /// Most MIME entities visited in one message.
    pub(crate) max_parts: usize,
    /// Largest header block of one entity.
    pub(crate) max_header_bytes: usize,
    /// Most S/MIME and PGP structures kept per message (the reported one
    /// and this many others); more is recorded in [`Walk::uncounted`].
    pub(crate) max_structures: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_parts: 10_000,
            max_header_bytes: 1 << 20,
            max_structures: 16,
        }
    }
}

/// An S/MIME or PGP structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Smime<'a> {
    /// multipart/signed with a pkcs7-signature part: the first body part's
    /// raw bytes with its headers (not canonicalized), and the signature
    /// part's body, transfer-decoded. `Err` also when the multipart/signed
    /// itself breaks RFC 1847 / RFC 2046 (not exactly two body parts, an
    /// invalid boundary): the structure is then `malformed`.
    Detached {
        /// The first body part as it stands in the message: the signed bytes.
        content: &'a [u8],
        /// The DER/BER of the pkcs7-signature part, or why the
        /// multipart/signed is malformed.
        signature: Result<Vec<u8>, MimeError>,
    },
    /// application/pkcs7-mime: the body, transfer-decoded, and the
    /// `smime-type` parameter (lowercase) if any.
    Pkcs7Mime {
        /// The CMS blob, or why its transfer encoding does not decode.
        blob: Result<Vec<u8>, MimeError>,
        /// The `smime-type` parameter: the sender's word, not trusted for
        /// the kind.
        smime_type: Option<String>,
    },
    /// A PGP signature (`pgp-signed`: detected, not verified):
    /// multipart/signed with application/pgp-signature, or an inline
    /// armored signed message.
    PgpSigned,
    /// PGP encryption (`pgp-encrypted`): multipart/encrypted with
    /// application/pgp-encrypted, or an inline armored message.
    PgpEncrypted,
}

impl Smime<'_> {
    /// Whether this is an S/MIME structure (not PGP).
    pub(crate) fn is_smime(&self) -> bool {
        matches!(self, Smime::Detached { .. } | Smime::Pkcs7Mime { .. })
    }
}

/// Where a structure sits and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmimePart<'a> {
    /// Part path: empty for the message itself, else `2`, `1.3`, …
    pub part: String,
    pub smime: Smime<'a>,
}

/// Everything a walk of one message found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Walk<'a> {
    /// The outermost structure (fewest part-path components, then first).
    pub(crate) outermost: Option<SmimePart<'a>>,
    /// Every other structure, in walk order (at most
    /// [`Limits::max_structures`]).
    pub(crate) others: Vec<SmimePart<'a>>,
    /// Structures found beyond [`Limits::max_structures`], not kept.
    pub(crate) uncounted: usize,
    /// Header lines skipped (not fields) in any header block walked.
    pub(crate) skipped_lines: usize,
    /// The first structural limit hit, if any: the walk stopped there, so
    /// what lies beyond it was not seen.
    pub(crate) limit: Option<MimeError>,
}

/// Walks `raw` (one RFC 5322 message) and returns the outermost S/MIME or
/// PGP structure. `Err` when a limit was hit before anything was found.
pub fn find_smime<'a>(raw: &'a [u8], limits: &Limits) -> Result<Option<SmimePart<'a>>, MimeError> {
    find_smime_marked(raw, None, limits)
}

/// [`find_smime`] with `dash_lines`: the offsets in `raw` of every line
/// that starts with `-` (after a newline), as the mbox index found them in
/// its one pass over the file. Multipart delimiters are then looked for
/// only there instead of by searching each body; the result is the same.
pub(crate) fn find_smime_marked<'a>(
    raw: &'a [u8],
    dash_lines: Option<&[u32]>,
    limits: &Limits,
) -> Result<Option<SmimePart<'a>>, MimeError> {
    let w = walk(raw, dash_lines, limits);
    match (w.outermost, w.limit) {
        (Some(f), _) => Ok(Some(f)),
        (None, Some(e)) => Err(e),
        (None, None) => Ok(None),
    }
}

/// Walks the whole MIME tree of `raw` (into the signed content of
/// multipart/signed too) and returns every S/MIME and PGP structure in it.
/// Bodies of application/pkcs7-mime parts are not looked into (that is
/// the CMS layer's job).
pub(crate) fn walk<'a>(raw: &'a [u8], dash_lines: Option<&[u32]>, limits: &Limits) -> Walk<'a> {
    let mut w = Walker {
        limits,
        root: raw,
        dash_lines,
        parts: 0,
        best: None,
        out: Walk::default(),
    };
    w.entity(raw, &mut Vec::new(), 0);
    let mut out = w.out;
    out.outermost = w.best.map(|(_, f)| f);
    out
}

struct Walker<'l, 'a> {
    limits: &'l Limits,
    /// The message walked, and its dash lines if known.
    root: &'a [u8],
    dash_lines: Option<&'l [u32]>,
    parts: usize,
    /// Best (shallowest, first) structure so far, with its path length.
    best: Option<(usize, SmimePart<'a>)>,
    out: Walk<'a>,
}

/// The header fields of one entity that matter here.
struct EntityHeaders<'a> {
    content_type: Option<ContentType>,
    transfer_encoding: Option<Vec<u8>>,
    body: &'a [u8],
    /// The first control character in the Content-Type field other than
    /// HTAB and the CRLF of a fold: a bare CR, a NUL, an ESC. RFC 5322
    /// allows none of them there; OpenSSL ends the field at a CR or NUL
    /// (a C string), while the value read here runs on past it.
    ctl: Option<u8>,
}

/// Why a boundary parameter is not valid per RFC 2046 5.1.1
/// (`boundary := 0*69<bchars> bcharsnospace`), or None when it is.
pub(crate) fn boundary_error(b: &str) -> Option<String> {
    const OTHER: &[u8] = b"'()+_,-./:=? ";
    if b.is_empty() {
        return Some("empty boundary parameter".into());
    }
    if b.len() > 70 {
        return Some(format!(
            "boundary parameter of {} characters (RFC 2046: at most 70)",
            b.len()
        ));
    }
    if let Some(c) = b
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || (c.is_ascii() && OTHER.contains(&(*c as u8)))))
    {
        return Some(format!(
            "boundary parameter holds {c:?}, outside RFC 2046's character set"
        ));
    }
    if b.ends_with(' ') {
        return Some("boundary parameter ends in a space (RFC 2046)".into());
    }
    None
}

/// A multipart/signed boundary that readers may take differently: given
/// in RFC 2231 extended form (`boundary*=`, which OpenSSL and older clients
/// ignore), more than once, or as a quoted string with text after its
/// closing quote (`boundary="b"-`: OpenSSL takes `b"-` and finds no parts).
fn signed_boundary_form(ct: &ContentType) -> Option<String> {
    if ct.extended.iter().any(|n| n == "boundary") {
        return Some("multipart/signed boundary in RFC 2231 extended form".into());
    }
    if ct.junk_after_quote.iter().any(|n| n == "boundary") {
        return Some(
            "multipart/signed boundary parameter with text after its closing quote".into(),
        );
    }
    let n = ct.params.iter().filter(|(n, _)| n == "boundary").count();
    (n > 1).then(|| format!("multipart/signed with {n} boundary parameters"))
}

impl<'a> Walker<'_, 'a> {
    fn limit(&mut self, e: MimeError) {
        self.out.limit.get_or_insert(e);
    }

    fn entity(&mut self, raw: &'a [u8], path: &mut Vec<usize>, depth: usize) {
        if self.out.limit.is_some() {
            return; // fail closed: the caller reports the limit
        }
        self.parts += 1;
        if self.parts > self.limits.max_parts {
            self.limit(MimeError::TooManyParts(self.limits.max_parts));
            return;
        }
        if depth > self.limits.max_depth {
            self.limit(MimeError::TooDeep(self.limits.max_depth));
            return;
        }
        let h = match self.headers(raw) {
            Ok(h) => h,
            Err(e) => {
                self.limit(e);
                return;
            }
        };
        let ct = h.content_type.unwrap_or_default();
        if ct.is("multipart", "signed") {
            let protocol = ct.param("protocol").unwrap_or("");
            let boundary = ct.param("boundary");
            let (children, closed) = boundary
                .map(|b| self.split_closed(h.body, b.as_bytes()))
                .unwrap_or_default();
            let mut child_headers = Vec::with_capacity(children.len());
            for c in children.iter().skip(1) {
                match self.headers(c) {
                    Ok(ch) => child_headers.push(ch),
                    Err(e) => {
                        self.limit(e);
                        return;
                    }
                }
            }
            let sig_type = |ch: &EntityHeaders| {
                ch.content_type.as_ref().is_some_and(|c| {
                    c.is("application", "pkcs7-signature") || c.is("application", "pgp-signature")
                })
            };
            let ctl = h.ctl.or_else(|| child_headers.iter().find_map(|c| c.ctl));
            let sig_part = child_headers.into_iter().find(sig_type);
            let is_pkcs7 = media_type_is(protocol, "application", "pkcs7-signature")
                || (!media_type_is(protocol, "application", "pgp-signature")
                    && sig_part.as_ref().is_some_and(|s| {
                        s.content_type
                            .as_ref()
                            .is_some_and(|c| c.is("application", "pkcs7-signature"))
                    }));
            if is_pkcs7 {
                let content: &[u8] = children.first().copied().unwrap_or_default();
                // RFC 1847: exactly two body parts, the content and the
                // signature; RFC 2046: a valid boundary. Anything else is
                // read differently by different clients.
                // A control character or a stray quote first: readers
                // read all that follows it differently, the boundary too.
                let structural = ctl
                    .map(|c| match c {
                        b'\r' => "multipart/signed with a bare CR in a Content-Type field (readers end the field there)".to_owned(),
                        c => format!(
                            "multipart/signed with control character 0x{c:02x} in a Content-Type field (readers end or split the field there)"
                        ),
                    })
                    .or_else(|| {
                        ct.stray_quote.then(|| {
                            "multipart/signed Content-Type with a quote inside an unquoted parameter (readers split its parameters differently)".to_owned()
                        })
                    })
                    .or_else(|| match boundary {
                        None => Some("multipart/signed without a boundary parameter".to_owned()),
                        Some(b) => boundary_error(b),
                    })
                    .or_else(|| signed_boundary_form(&ct))
                .or_else(|| {
                    (children.len() != 2).then(|| {
                        format!(
                            "multipart/signed with {} body parts (RFC 1847: exactly 2)",
                            children.len()
                        )
                    })
                })
                .or_else(|| {
                    (!closed).then(|| {
                        "multipart/signed without its close delimiter (RFC 2046)".to_owned()
                    })
                });
                let signature = match (structural, sig_part) {
                    (Some(e), _) => Err(MimeError::Signed(e)),
                    (None, Some(s)) if sig_type(&s) => {
                        transfer_decode(s.body, s.transfer_encoding.as_deref())
                    }
                    (None, _) => Err(MimeError::Signed(
                        "multipart/signed without a pkcs7-signature part".to_owned(),
                    )),
                };
                self.found(path, Smime::Detached { content, signature });
                // What was signed may itself hold structures (a forwarded
                // signed message): they are verified too.
                if let Some(c) = children.first() {
                    path.push(1);
                    self.entity(c, path, depth + 1);
                    path.pop();
                }
                return;
            }
            if media_type_is(protocol, "application", "pgp-signature") {
                self.found(path, Smime::PgpSigned);
                return;
            }
            if super::names_pkcs7(protocol.as_bytes()) || super::names_pkcs7(h.body) {
                // Names pkcs7 but holds no pkcs7-signature part that this
                // reader finds (another protocol, delimiters that readers
                // take differently): OpenSSL may still verify it, so it is
                // not read as unsigned but fails closed.
                let signature = Err(MimeError::Signed(format!(
                    "multipart/signed with protocol {protocol:?} and no readable \
                     pkcs7-signature part ({} body parts)",
                    children.len()
                )));
                let content: &[u8] = children.first().copied().unwrap_or_default();
                self.found(path, Smime::Detached { content, signature });
            }
            // Unknown protocol: look inside like any multipart.
            self.children(&children, path, depth);
            return;
        }
        if ct.is("application", "pkcs7-mime") {
            let blob = transfer_decode(h.body, h.transfer_encoding.as_deref());
            let smime_type = ct.param("smime-type").map(|s| s.to_ascii_lowercase());
            self.found(path, Smime::Pkcs7Mime { blob, smime_type });
            return;
        }
        if ct.is("multipart", "encrypted")
            && ct
                .param("protocol")
                .is_some_and(|p| media_type_is(p, "application", "pgp-encrypted"))
        {
            self.found(path, Smime::PgpEncrypted);
            return;
        }
        if ct.ctype == "multipart" {
            let children = ct
                .param("boundary")
                .map(|b| self.split(h.body, b.as_bytes()))
                .unwrap_or_default();
            self.children(&children, path, depth);
            return;
        }
        if ct.ctype == "message" && (ct.subtype == "rfc822" || ct.subtype == "global") {
            // The embedded message keeps this part's path (IMAP numbering);
            // its parts nest below. A message whose own body is the
            // embedded message holds it as part 1: only that part is what
            // the inner signature covers.
            if !matches!(
                h.transfer_encoding.as_deref().map(|e| e.to_ascii_lowercase()),
                Some(ref e) if e == b"base64" || e == b"quoted-printable"
            ) {
                let top = path.is_empty();
                if top {
                    path.push(1);
                }
                self.entity(h.body, path, depth + 1);
                if top {
                    path.pop();
                }
            }
            return;
        }
        if (ct.ctype.is_empty() || ct.is("text", "plain")) && !h.body.is_empty() {
            // One pass for both armors.
            let finder = memmem::Finder::new(b"-----BEGIN PGP ");
            for at in finder.find_iter(h.body) {
                let rest = &h.body[at + 15..];
                if rest.starts_with(b"SIGNED MESSAGE-----") {
                    self.found(path, Smime::PgpSigned);
                    break;
                }
                if rest.starts_with(b"MESSAGE-----") {
                    self.found(path, Smime::PgpEncrypted);
                    break;
                }
            }
        }
    }

    /// An entity's header block, skipped lines counted.
    fn headers(&mut self, raw: &'a [u8]) -> Result<EntityHeaders<'a>, MimeError> {
        let (h, skipped) = headers(raw, self.limits.max_header_bytes)?;
        self.out.skipped_lines += skipped;
        Ok(h)
    }

    /// [`split_multipart`], at the known dash lines when `body` is part of
    /// the message they were found in.
    fn split(&self, body: &'a [u8], boundary: &[u8]) -> Vec<&'a [u8]> {
        self.split_closed(body, boundary).0
    }

    /// [`Walker::split`], and whether the close delimiter was found.
    fn split_closed(&self, body: &'a [u8], boundary: &[u8]) -> (Vec<&'a [u8]>, bool) {
        let root = self.root.as_ptr() as usize;
        let at = body.as_ptr() as usize;
        match self.dash_lines {
            Some(lines)
                if at >= root
                    && at - root + body.len() <= self.root.len()
                    && !boundary.contains(&b'\n') =>
            {
                let off = at - root;
                let lo = lines.partition_point(|&l| (l as usize) < off);
                let hi = lines.partition_point(|&l| (l as usize) < off + body.len());
                let lines: Vec<usize> = lines[lo..hi].iter().map(|&l| l as usize - off).collect();
                split_multipart_at_closed(body, boundary, &lines)
            }
            _ => split_multipart_closed(body, boundary),
        }
    }

    fn children(&mut self, children: &[&'a [u8]], path: &mut Vec<usize>, depth: usize) {
        for (i, c) in children.iter().enumerate() {
            path.push(i + 1);
            self.entity(c, path, depth + 1);
            path.pop();
        }
    }

    fn found(&mut self, path: &[usize], smime: Smime<'a>) {
        let d = path.len();
        let part = path
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(".");
        let f = SmimePart { part, smime };
        let other = match &mut self.best {
            Some((bd, best)) if d < *bd => {
                *bd = d;
                Some(std::mem::replace(best, f))
            }
            Some(_) => Some(f),
            None => {
                self.best = Some((d, f));
                None
            }
        };
        if let Some(o) = other {
            if self.out.others.len() < self.limits.max_structures {
                self.out.others.push(o);
            } else {
                self.out.uncounted += 1;
            }
        }
    }
}

/// Reads an entity's header block (to the first empty line; see
/// [`for_each_field`]), and how many of its lines were not fields.
fn headers(raw: &[u8], max: usize) -> Result<(EntityHeaders<'_>, usize), MimeError> {
    let mut content_type: Option<Vec<u8>> = None;
    let mut transfer_encoding: Option<Vec<u8>> = None;
    let mut ctl = None;
    let block = for_each_field(raw, max, |f| {
        let ct = f.name.eq_ignore_ascii_case(b"content-type");
        let cte = f.name.eq_ignore_ascii_case(b"content-transfer-encoding");
        if ct {
            ctl = ctl.or_else(|| control_char(f.raw_value()));
            content_type.get_or_insert_with(|| f.value());
        } else if cte {
            transfer_encoding.get_or_insert_with(|| f.value());
        }
    })?;
    Ok((
        EntityHeaders {
            content_type: content_type.map(|v| ContentType::parse(&v)),
            transfer_encoding: transfer_encoding.map(|v| v.trim_ascii().to_vec()),
            body: &raw[block.body..],
            ctl,
        },
        block.skipped,
    ))
}

/// The first control character of a raw field value that is not HTAB or
/// a line end (CRLF, or LF in archives stored with Unix line ends): a CR
/// without LF, a NUL or an ESC.
fn control_char(v: &[u8]) -> Option<u8> {
    v.iter().enumerate().find_map(|(i, &c)| {
        let ok = match c {
            b'\t' => true,
            b'\r' => v.get(i + 1) == Some(&b'\n'),
            b'\n' => true,
            0x00..=0x1F | 0x7F => false,
            _ => true,
        };
        (!ok).then_some(c)
    })
}

/// Undoes a Content-Transfer-Encoding for a CMS blob.
fn transfer_decode(body: &[u8], cte: Option<&[u8]>) -> Result<Vec<u8>, MimeError> {
    match cte {
        Some(e) if e.eq_ignore_ascii_case(b"base64") => decode_base64(body),
        Some(e) if e.eq_ignore_ascii_case(b"quoted-printable") => {
            Err(MimeError::QuotedPrintableCms)
        }
        // binary / 8bit / 7bit / none: raw bytes. Some writers omit the CTE
        // on base64 bodies: if the body is all base64 text, decode it.
        _ => {
            if !body.is_empty()
                && body
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"+/=\r\n \t".contains(&b))
            {
                decode_base64(body)
            } else {
                Ok(body.to_vec())
            }
        }
    }
}

/// Splits a multipart body at its boundary into the raw parts (each with
/// its headers). A delimiter is `--boundary` at the start of a line,
/// optionally followed by `--` (the close delimiter) and whitespace; the
/// line ending before a delimiter belongs to the delimiter. Text before the
/// first delimiter (preamble) and after the close delimiter (epilogue) is
/// not a part. A missing close delimiter ends the last part at the end of
/// the body.
pub fn split_multipart<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<&'a [u8]> {
    split_multipart_closed(body, boundary).0
}

/// [`split_multipart`], and whether the close delimiter `--boundary--` was
/// found (without it, where the last part ends is a guess).
pub(crate) fn split_multipart_closed<'a>(body: &'a [u8], boundary: &[u8]) -> (Vec<&'a [u8]>, bool) {
    let Some(delim) = delimiter(boundary) else {
        return (Vec::new(), false);
    };
    let finder = memmem::Finder::new(&delim);
    split_with(body, &delim, &mut |pos| {
        finder.find(&body[pos..]).map(|i| pos + i)
    })
}

/// [`split_multipart`] for a body whose lines that start with `-` are at
/// `dash_lines` (offsets in `body`, in order, each after a `\n`): the
/// delimiters are looked for only there (and at offset 0). The same parts
/// as [`split_multipart`] when the boundary holds no `\n` — a delimiter
/// occurrence not at a line start is skipped by both, and without a `\n`
/// in it, it cannot hide a line-start one.
pub fn split_multipart_at<'a>(
    body: &'a [u8],
    boundary: &[u8],
    dash_lines: &[usize],
) -> Vec<&'a [u8]> {
    split_multipart_at_closed(body, boundary, dash_lines).0
}

/// [`split_multipart_at`], and whether the close delimiter was found.
fn split_multipart_at_closed<'a>(
    body: &'a [u8],
    boundary: &[u8],
    dash_lines: &[usize],
) -> (Vec<&'a [u8]>, bool) {
    let Some(delim) = delimiter(boundary) else {
        return (Vec::new(), false);
    };
    let mut k = 0;
    split_with(body, &delim, &mut |pos| {
        if pos == 0 && body.starts_with(&delim) {
            return Some(0);
        }
        while let Some(&c) = dash_lines.get(k) {
            k += 1;
            if c >= pos && body[c..].starts_with(&delim) {
                return Some(c);
            }
        }
        None
    })
}

/// The offsets of the lines of `raw` that start with `-` after a newline,
/// as the mbox index gives them to `find_smime_marked` (for a message
/// read alone; messages over 4 GiB get none).
pub fn dash_lines(raw: &[u8]) -> Option<Vec<u32>> {
    if raw.len() > u32::MAX as usize {
        return None;
    }
    let mut out = Vec::new();
    crate::lines::line_marks(raw, &mut |i| {
        if raw[i + 1] == b'-' {
            out.push(i as u32 + 1);
        }
    });
    Some(out)
}

/// `--boundary`, or None for an empty boundary.
fn delimiter(boundary: &[u8]) -> Option<Vec<u8>> {
    if boundary.is_empty() {
        return None;
    }
    let mut delim = Vec::with_capacity(boundary.len() + 2);
    delim.extend_from_slice(b"--");
    delim.extend_from_slice(boundary);
    Some(delim)
}

/// The walk of [`split_multipart`]; `next(pos)` is the first occurrence of
/// `delim` at or after `pos` (or at least every one at a line start).
fn split_with<'a>(
    body: &'a [u8],
    delim: &[u8],
    next: &mut dyn FnMut(usize) -> Option<usize>,
) -> (Vec<&'a [u8]>, bool) {
    let mut parts = Vec::new();
    let mut part_start: Option<usize> = None;
    let mut pos = 0;
    while let Some(at) = next(pos) {
        pos = at + delim.len();
        if at != 0 && body[at - 1] != b'\n' {
            continue;
        }
        let after = &body[at + delim.len()..];
        let is_close = after.starts_with(b"--");
        let rest = if is_close { &after[2..] } else { after };
        let eol = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        if !rest[..eol].iter().all(|b| b.is_ascii_whitespace()) {
            continue; // a longer boundary that starts with this one
        }
        if let Some(s) = part_start {
            let mut end = at;
            if end > s && body[end - 1] == b'\n' {
                end -= 1;
                if end > s && body[end - 1] == b'\r' {
                    end -= 1;
                }
            }
            parts.push(&body[s..end.max(s)]);
        }
        if is_close {
            return (parts, true);
        }
        let line_end = at + delim.len() + eol;
        part_start = Some((line_end + 1).min(body.len()));
        pos = part_start.unwrap_or(body.len()).max(pos);
    }
    if let Some(s) = part_start {
        parts.push(&body[s..]);
    }
    (parts, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_split() {
        let body = b"preamble\r\n--b\r\nA: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue";
        assert_eq!(
            split_multipart(body, b"b"),
            vec![&b"A: 1\r\n\r\none"[..], b"\r\ntwo"]
        );
        // Missing close delimiter; a longer boundary is not ours.
        let body = b"--b\nx\n--bb\ny\n--b\nz\n";
        assert_eq!(
            split_multipart(body, b"b"),
            vec![&b"x\n--bb\ny"[..], b"z\n"]
        );
    }

    #[test]
    fn finds_outermost() {
        let m = b"Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=s\n\n--s\nContent-Type: text/plain\n\nhi\n--s\nContent-Type: application/pkcs7-signature\nContent-Transfer-Encoding: base64\n\naGk=\n--s--\n--o\nContent-Type: text/plain\n\nfooter\n--o--\n";
        let f = find_smime(m, &Limits::default()).unwrap().unwrap();
        assert_eq!(f.part, "1");
        match f.smime {
            Smime::Detached { content, signature } => {
                assert_eq!(content, b"Content-Type: text/plain\n\nhi");
                assert_eq!(signature.unwrap(), b"hi");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn boundaries_per_rfc_2046() {
        assert_eq!(boundary_error("----=_Part_1.2?'(x)+_,-./:= y"), None);
        assert_eq!(boundary_error(&"b".repeat(70)), None);
        assert!(boundary_error(&"b".repeat(71)).is_some());
        assert!(boundary_error("b ").is_some());
        assert!(boundary_error("").is_some());
        assert!(boundary_error("a;b").is_some());
        assert!(boundary_error("a\u{e9}").is_some());
    }

    #[test]
    fn walks_every_structure() {
        // A signed message forwarded inside a signed message's content,
        // and a second signed part beside it: all three are found, the
        // outermost is reported.
        let signed = |b: &str| {
            format!("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary={b}\n\n--{b}\nContent-Type: text/plain\n\nhi\n--{b}\nContent-Type: application/pkcs7-signature\n\naGk=\n--{b}--\n")
        };
        let inner = format!("Content-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: message/rfc822\n\nFrom: a@b\n{}\n--m--\n", signed("i"));
        let m = format!(
            "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=o\n\n--o\n{inner}\n--o\nContent-Type: application/pkcs7-signature\n\naGk=\n--o--\n"
        );
        let w = walk(m.as_bytes(), None, &Limits::default());
        assert_eq!(w.outermost.unwrap().part, "");
        let parts: Vec<&str> = w.others.iter().map(|f| f.part.as_str()).collect();
        assert_eq!(parts, vec!["1.1"]);
        assert_eq!(w.skipped_lines, 0);
        // A top-level message/rfc822 body holds part 1.
        let m = format!(
            "From: x@y\nContent-Type: message/rfc822\n\nFrom: a@b\n{}",
            signed("s")
        );
        let w = walk(m.as_bytes(), None, &Limits::default());
        assert_eq!(w.outermost.unwrap().part, "1");
        // Three body parts, or a bad boundary: malformed.
        let three = signed("s").replace("--s--", "--s\nContent-Type: text/plain\n\nx\n--s--");
        match walk(three.as_bytes(), None, &Limits::default())
            .outermost
            .unwrap()
            .smime
        {
            Smime::Detached {
                signature: Err(e), ..
            } => assert!(
                matches!(&e, MimeError::Signed(t) if t.contains("3 body parts")),
                "{e}"
            ),
            other => panic!("{other:?}"),
        }
        // A skipped line in a part header is counted.
        let m = signed("s").replace(
            "Content-Type: text/plain",
            "Content-Type: text/plain\nno colon here",
        );
        assert_eq!(
            walk(m.as_bytes(), None, &Limits::default()).skipped_lines,
            1
        );
    }

    #[test]
    fn depth_limit_is_an_error() {
        let mut m = Vec::new();
        for i in 0..100 {
            m.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n").as_bytes(),
            );
        }
        let e = find_smime(&m, &Limits::default()).unwrap_err();
        assert_eq!(e, MimeError::TooDeep(Limits::default().max_depth), "{e}");
    }
}
