//! Lines of raw mail bytes, shared by the mbox splitter ([`crate::mailbox`])
//! and the MIME walk ([`crate::mime`]): what a header field line is, and
//! one pass over the bytes that finds every line starting with `F` or `-`:
//! candidates for mbox separators (`From `) and for MIME boundary
//! delimiters (`--boundary`). The mbox index keeps both, so that the MIME
//! walk looks for delimiters only at these lines instead of searching each
//! multipart body again.

/// A header field line: `name:` with a name of printable non-space ASCII.
pub(crate) fn is_header_line(line: &[u8]) -> bool {
    match memchr::memchr(b':', line) {
        Some(0) | None => false,
        Some(i) => line[..i].iter().all(|&b| (0x21..=0x7e).contains(&b)),
    }
}

/// Calls `mark(i)` for every `i` with `hay[i] == b'\n'` and `hay[i + 1]`
/// either `b'F'` or `b'-'`, in increasing order.
pub fn line_marks(hay: &[u8], mark: &mut dyn FnMut(usize)) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            return unsafe { x86::marks_avx2(hay, mark) };
        }
    }
    marks_scalar(hay, 0, mark)
}

/// The portable version (memchr for each newline), from `from` on: other
/// CPUs, and the vector version's tail.
fn marks_scalar(hay: &[u8], from: usize, mark: &mut dyn FnMut(usize)) {
    let end = hay.len().saturating_sub(1);
    let mut i = from;
    while i < end {
        match memchr::memchr(b'\n', &hay[i..end]) {
            None => return,
            Some(k) => {
                let at = i + k;
                if matches!(hay[at + 1], b'F' | b'-') {
                    mark(at);
                }
                i = at + 1;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// 32 bytes at a time: a newline whose next byte is `F` or `-`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn marks_avx2(hay: &[u8], mark: &mut dyn FnMut(usize)) {
        let nl = _mm256_set1_epi8(b'\n' as i8);
        let f = _mm256_set1_epi8(b'F' as i8);
        let dash = _mm256_set1_epi8(b'-' as i8);
        let p = hay.as_ptr();
        let mut i = 0;
        // Each step reads hay[i..i + 33].
        while i + 33 <= hay.len() {
            // SAFETY: i + 33 <= len: both unaligned loads are in bounds.
            let (a, b) = unsafe {
                (
                    _mm256_loadu_si256(p.add(i) as *const __m256i),
                    _mm256_loadu_si256(p.add(i + 1) as *const __m256i),
                )
            };
            let hit = _mm256_and_si256(
                _mm256_cmpeq_epi8(a, nl),
                _mm256_or_si256(_mm256_cmpeq_epi8(b, f), _mm256_cmpeq_epi8(b, dash)),
            );
            let mut m = _mm256_movemask_epi8(hit) as u32;
            while m != 0 {
                mark(i + m.trailing_zeros() as usize);
                m &= m - 1;
            }
            i += 32;
        }
        super::marks_scalar(hay, i, mark)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(hay: &[u8]) -> Vec<usize> {
        (0..hay.len().saturating_sub(1))
            .filter(|&i| hay[i] == b'\n' && matches!(hay[i + 1], b'F' | b'-'))
            .collect()
    }

    fn all_versions(hay: &[u8]) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        let mut v = Vec::new();
        line_marks(hay, &mut |i| v.push(i));
        out.push(v);
        let mut v = Vec::new();
        marks_scalar(hay, 0, &mut |i| v.push(i));
        out.push(v);
        out
    }

    #[test]
    fn every_version_finds_exactly_the_marks() {
        // Pseudo-random bytes over a small alphabet, every length and
        // offset (vector edges at each position).
        let mut x: u32 = 12345;
        let alphabet = b"\nF-\nx-F\r ";
        let buf: Vec<u8> = (0..600)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                alphabet[(x >> 16) as usize % alphabet.len()]
            })
            .collect();
        for start in 0..40 {
            for len in [0, 1, 2, 15, 16, 17, 31, 32, 33, 34, 64, 65, 100, 559] {
                let hay = &buf[start..start + len];
                let want = naive(hay);
                for got in all_versions(hay) {
                    assert_eq!(got, want, "start {start} len {len}");
                }
            }
        }
    }
}
