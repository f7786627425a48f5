//! The header block of a message or MIME entity, field by field.

use memchr::memchr;

use crate::mailbox::is_header_line;

/// One header field: its name and its whole raw text (first line and
/// continuation lines, line endings included).
pub struct Field<'a> {
    pub name: &'a [u8],
    pub raw: &'a [u8],
    /// Offset of the value within `raw` (just after the colon).
    pub value_at: usize,
}

impl<'a> Field<'a> {
    /// The value unfolded: line breaks removed, folding whitespace kept.
    pub fn value(&self) -> Vec<u8> {
        self.raw[self.value_at..]
            .iter()
            .copied()
            .filter(|&b| b != b'\r' && b != b'\n')
            .collect()
    }
}

/// Walks the header block at the start of `raw`, calling `each` for every
/// field; returns where the body starts. Headers end at an empty line (the
/// body follows it) or at the first line that is neither a field nor a
/// continuation (the body starts at that line). A block longer than `max`
/// bytes is an error.
pub fn for_each_field<'a>(
    raw: &'a [u8],
    max: usize,
    mut each: impl FnMut(&Field<'a>),
) -> Result<usize, String> {
    let mut p = 0;
    // The field being collected: (start, colon offset).
    let mut open: Option<(usize, usize)> = None;
    let flush =
        |open: &mut Option<(usize, usize)>, end: usize, each: &mut dyn FnMut(&Field<'a>)| {
            if let Some((s, colon)) = open.take() {
                each(&Field {
                    name: &raw[s..s + colon],
                    raw: &raw[s..end],
                    value_at: colon + 1,
                });
            }
        };
    loop {
        if p >= raw.len() {
            flush(&mut open, raw.len(), &mut each);
            return Ok(raw.len());
        }
        if p > max {
            return Err(format!("header block larger than {max} bytes (limit)"));
        }
        let e = memchr(b'\n', &raw[p..]).map_or(raw.len(), |i| p + i);
        let line = &raw[p..e];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let next = (e + 1).min(raw.len());
        if line.is_empty() {
            flush(&mut open, p, &mut each);
            return Ok(next);
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // continuation: stays in the open field
        } else if is_header_line(line) {
            flush(&mut open, p, &mut each);
            open = Some((p, memchr(b':', line).unwrap_or(0)));
        } else {
            flush(&mut open, p, &mut each);
            return Ok(p);
        }
        p = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_body() {
        let raw = b"A: 1\r\nContent-Type: multipart/mixed;\r\n\tboundary=x\r\nB:2\r\n\r\nbody";
        let mut seen = Vec::new();
        let body =
            for_each_field(raw, 1 << 20, |f| seen.push((f.name.to_vec(), f.value()))).unwrap();
        assert_eq!(&raw[body..], b"body");
        assert_eq!(
            seen[1],
            (
                b"Content-Type".to_vec(),
                b" multipart/mixed;\tboundary=x".to_vec()
            )
        );
        assert_eq!(seen.len(), 3);
        // No blank line: the body starts at the first non-field line.
        let raw = b"A: 1\nnot a field\nmore";
        let body = for_each_field(raw, 1 << 20, |_| {}).unwrap();
        assert_eq!(&raw[body..], b"not a field\nmore");
        assert!(for_each_field(&[b'X', b':', b' ', b'a', b'\n'].repeat(100), 10, |_| {}).is_err());
    }
}
