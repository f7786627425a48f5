//! Values from the report as page text: escaped by `maud`, with control
//! characters and bidirectional overrides made visible first.

use std::fmt::Write as _;

/// A value from a report row (attacker-controlled), rendered as text.
///
/// C0 controls and DEL become their Unicode control pictures (`␀`, `␛`,
/// `␡`), other controls and the bidirectional embedding/override/isolate
/// marks (which could make text read backwards) become `�`; then `maud`
/// escapes `& < > "`. The page never holds a byte of a value as markup.
pub(crate) struct Text<'a>(pub &'a str);

/// The visible form of a value (before HTML escaping).
pub(crate) fn visible(s: &str) -> std::borrow::Cow<'_, str> {
    let odd =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(odd) {
        return s.into();
    }
    s.chars()
        .map(|c| match c {
            '\0'..='\x1f' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\x7f' => '\u{2421}',
            c if odd(c) => '\u{fffd}',
            c => c,
        })
        .collect::<String>()
        .into()
}

impl maud::Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        let _ = maud::Escaper::new(buffer).write_str(&visible(self.0));
    }
}

/// At most `n` characters of `s` (then `…`).
pub(crate) fn clip_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// `12,345,678`.
pub(crate) fn fmt_count(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` as a share of `total`: `12.3 %` (`–` when total is 0).
pub(crate) fn fmt_pct(n: u64, total: u64) -> String {
    if total == 0 {
        return "–".into();
    }
    format!("{:.1} %", n as f64 * 100.0 / total as f64)
}

/// Bytes as `1.2 MB` (decimal units).
pub(crate) fn fmt_bytes(n: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_overrides_become_visible() {
        assert_eq!(visible("a\0b\x1bc\x7f"), "a␀b␛c␡");
        assert_eq!(visible("x\u{202e}y\u{85}"), "x\u{fffd}y\u{fffd}");
        assert_eq!(visible("plain"), "plain");
        let mut s = String::new();
        maud::Render::render_to(&Text("<script>\"onload=</svg>&\n"), &mut s);
        assert_eq!(s, "&lt;script&gt;&quot;onload=&lt;/svg&gt;&amp;␊");
    }

    #[test]
    fn numbers() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(1234), "1,234");
        assert_eq!(fmt_count(10_000_000), "10,000,000");
        assert_eq!(fmt_pct(1, 3), "33.3 %");
        assert_eq!(fmt_pct(1, 0), "–");
        assert_eq!(fmt_bytes(999), "999 B");
        assert_eq!(fmt_bytes(1_500_000), "1.5 MB");
        assert_eq!(clip_chars("abcdef", 3), "abc…");
        assert_eq!(clip_chars("abc", 3), "abc");
    }
}
