//! The header block of a message or MIME entity, field by field.
//!
//! The block runs from the start to the first empty line (the body
//! follows it), or to the end when there is none. A field starts with a
//! name of printable US-ASCII other than `:`, optional whitespace (the
//! obsolete syntax RFC 5322 4.5 says a reader must accept: `To : Carol`)
//! and a colon; lines starting with a space or tab continue it. Any other
//! line inside the block (no colon, an 8-bit or empty name, a continuation
//! with no field before it) is skipped and counted: parsers disagree on
//! such lines, so the caller can flag the message (`AMBIGUOUS_HEADER`).

use memchr::memchr;

/// One header field: its name and its whole raw text (first line and
/// continuation lines, line endings included).
pub(crate) struct Field<'a> {
    /// The name, without whitespace before the colon.
    pub(crate) name: &'a [u8],
    pub(crate) raw: &'a [u8],
    /// Offset of the value within `raw` (just after the colon).
    pub(crate) value_at: usize,
}

impl<'a> Field<'a> {
    /// The value unfolded: line breaks removed, folding whitespace kept.
    pub(crate) fn value(&self) -> Vec<u8> {
        self.raw[self.value_at..]
            .iter()
            .copied()
            .filter(|&b| b != b'\r' && b != b'\n')
            .collect()
    }

    /// The raw value (after the colon, line endings included).
    pub(crate) fn raw_value(&self) -> &'a [u8] {
        &self.raw[self.value_at..]
    }
}

/// Where a header block ends and what was in it besides fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    /// Offset of the body (after the empty line), or the end of the input.
    pub(crate) body: usize,
    /// Lines inside the block that are not part of a field.
    pub(crate) skipped: usize,
}

/// Whether `line` (without its line ending) starts a field: returns the
/// name's length and the colon's offset. `name WSP* ":"`, the name being
/// one or more printable US-ASCII characters other than `:`.
pub(crate) fn field_start(line: &[u8]) -> Option<(usize, usize)> {
    let name = line
        .iter()
        .position(|&b| !(0x21..=0x7e).contains(&b) || b == b':')?;
    if name == 0 {
        return None;
    }
    let colon = name + line[name..].iter().position(|&b| b != b' ' && b != b'\t')?;
    (line[colon] == b':').then_some((name, colon))
}

/// Walks the header block at the start of `raw`, calling `each` for every
/// field. A block longer than `max` bytes is an error.
pub(crate) fn for_each_field<'a>(
    raw: &'a [u8],
    max: usize,
    mut each: impl FnMut(&Field<'a>),
) -> Result<Block, super::MimeError> {
    let mut p = 0;
    let mut skipped = 0;
    // The field being collected: (start, name length, colon offset).
    let mut open: Option<(usize, usize, usize)> = None;
    let flush =
        |open: &mut Option<(usize, usize, usize)>, end: usize, each: &mut dyn FnMut(&Field<'a>)| {
            if let Some((s, name, colon)) = open.take() {
                each(&Field {
                    name: &raw[s..s + name],
                    raw: &raw[s..end],
                    value_at: colon + 1,
                });
            }
        };
    loop {
        if p >= raw.len() {
            flush(&mut open, raw.len(), &mut each);
            return Ok(Block {
                body: raw.len(),
                skipped,
            });
        }
        if p > max {
            return Err(super::MimeError::HeaderTooLarge(max));
        }
        let e = memchr(b'\n', &raw[p..]).map_or(raw.len(), |i| p + i);
        let line = &raw[p..e];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let next = (e + 1).min(raw.len());
        if line.is_empty() {
            flush(&mut open, p, &mut each);
            return Ok(Block {
                body: next,
                skipped,
            });
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // continuation: stays in the open field
            if open.is_none() {
                skipped += 1;
            }
        } else if let Some((name, colon)) = field_start(line) {
            flush(&mut open, p, &mut each);
            open = Some((p, name, colon));
        } else {
            flush(&mut open, p, &mut each);
            skipped += 1;
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
        let block =
            for_each_field(raw, 1 << 20, |f| seen.push((f.name.to_vec(), f.value()))).unwrap();
        assert_eq!(&raw[block.body..], b"body");
        assert_eq!(block.skipped, 0);
        assert_eq!(
            seen[1],
            (
                b"Content-Type".to_vec(),
                b" multipart/mixed;\tboundary=x".to_vec()
            )
        );
        assert_eq!(seen.len(), 3);
        assert!(for_each_field(&[b'X', b':', b' ', b'a', b'\n'].repeat(100), 10, |_| {}).is_err());
    }

    #[test]
    fn obs_header_space_before_colon() {
        let raw = b"To : Carol\nContent-Type\t: text/plain\n\nbody";
        let mut seen = Vec::new();
        let block =
            for_each_field(raw, 1 << 20, |f| seen.push((f.name.to_vec(), f.value()))).unwrap();
        assert_eq!(block.skipped, 0);
        assert_eq!(seen[0], (b"To".to_vec(), b" Carol".to_vec()));
        assert_eq!(seen[1], (b"Content-Type".to_vec(), b" text/plain".to_vec()));
        assert_eq!(&raw[block.body..], b"body");
    }

    #[test]
    fn header_line_without_colon() {
        // A line that is not a field is skipped and counted; the block
        // still runs to the empty line.
        let raw = b"A: 1\nnot a field\nFr\xabm: x\n: empty name\n\nbody";
        let mut names = Vec::new();
        let block = for_each_field(raw, 1 << 20, |f| names.push(f.name.to_vec())).unwrap();
        assert_eq!(names, vec![b"A".to_vec()]);
        assert_eq!(block.skipped, 3);
        assert_eq!(&raw[block.body..], b"body");
        // No empty line: all of it is the header block.
        let raw = b"A: 1\nmore";
        let block = for_each_field(raw, 1 << 20, |_| {}).unwrap();
        assert_eq!(
            block,
            Block {
                body: raw.len(),
                skipped: 1
            }
        );
        // A continuation with no field before it.
        let block = for_each_field(b" x\nA: 1\n\n", 1 << 20, |_| {}).unwrap();
        assert_eq!(block.skipped, 1);
    }
}
