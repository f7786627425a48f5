//! Inline SVG charts, written through the same `maud` templates as the
//! page (every label escaped by the template). Each chart carries a
//! `<title>` and an `aria-label`, and is always shown next to a table with
//! its numbers.
//!
//! SVG elements are written with explicit end tags (`rect … {}`): in HTML,
//! an SVG element without one would swallow the elements after it.

use maud::{html, Markup};

use super::text::{clip_chars, fmt_count, fmt_pct, Text};

/// The colour class of a value: a fixed set of CSS classes chosen from the
/// report's vocabulary (a value never becomes a class name).
pub(crate) fn tone(value: &str) -> &'static str {
    match value {
        "compliant" | "valid" | "trusted" | "decrypted" | "yes" => "good",
        "violation"
        | "invalid"
        | "revoked"
        | "expired"
        | "not-yet-valid"
        | "untrusted"
        | "malformed"
        | "missing-signer-cert"
        | "failed"
        | "no" => "bad",
        "error" | "unsupported" | "no-key" => "warn",
        "encrypted" | "enveloped" | "auth-enveloped" | "signed" | "signed-opaque"
        | "certs-only" => "info",
        "unsigned" | "plain" | "pgp-signed" | "pgp-encrypted" => "muted",
        v if !v.is_empty() && v.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') => "bad",
        _ => "other",
    }
}

/// A horizontal bar chart: one bar per (label, count), the count and its
/// share of `total` written after each bar.
pub(crate) fn hbars(title: &str, items: &[(&str, u64)], total: u64) -> Markup {
    let row_h = 22u64;
    let label_w = 190u64;
    let bar_w = 250u64;
    let h = row_h * items.len().max(1) as u64 + 8;
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    html! {
        svg.chart role="img" aria-label=(title) viewBox={"0 0 600 " (h)} width="600" height=(h)
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            @for (i, (label, n)) in items.iter().enumerate() {
                @let y = 4 + row_h * i as u64;
                @let w = (bar_w as f64 * *n as f64 / max as f64).round().max(if *n > 0 { 1.0 } else { 0.0 });
                g {
                    title { (Text(label)) ": " (fmt_count(*n)) }
                    text.label x=(label_w - 6) y=(y + 15) text-anchor="end" { (Text(&clip_chars(label, 28))) }
                    rect class=(tone(label)) x=(label_w) y=(y + 3) width=(w) height=(row_h - 6) rx="2" {}
                    text.value x=(label_w as f64 + w + 6.0) y=(y + 15) {
                        (fmt_count(*n)) " (" (fmt_pct(*n, total)) ")"
                    }
                }
            }
        }
    }
}

/// One period's stacked verdict bar.
pub(crate) struct Stack<'a> {
    pub(crate) label: String,
    /// (verdict, count) in stacking order.
    pub(crate) parts: Vec<(&'a str, u64)>,
    pub(crate) total: u64,
}

/// Stacked bars of verdicts per period.
pub(crate) fn stacked(title: &str, periods: &[Stack]) -> Markup {
    let (w, h) = (960.0f64, 260.0f64);
    let (left, bottom, top) = (56.0, 36.0, 10.0);
    let plot_w = w - left - 8.0;
    let plot_h = h - bottom - top;
    let max = periods.iter().map(|p| p.total).max().unwrap_or(0).max(1);
    let n = periods.len().max(1) as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.8).clamp(0.5, 48.0);
    let every = (periods.len() / 24).max(1);
    html! {
        svg.chart.wide role="img" aria-label=(title) viewBox={"0 0 " (w) " " (h)}
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            line.axis x1=(left) y1=(top + plot_h) x2=(w - 8.0) y2=(top + plot_h) {}
            text.value x=(left - 6.0) y=(top + 10.0) text-anchor="end" { (fmt_count(max)) }
            text.value x=(left - 6.0) y=(top + plot_h) text-anchor="end" { "0" }
            @for (i, p) in periods.iter().enumerate() {
                @let x = left + slot * i as f64 + (slot - bar) / 2.0;
                g {
                    title { (p.label) ": " (fmt_count(p.total)) " messages"
                        @for (v, c) in &p.parts { "; " (Text(v)) " " (fmt_count(*c)) } }
                    @for (v, y, bh) in segments(&p.parts, top + plot_h, plot_h / max as f64) {
                        rect class=(tone(v)) x=(fmt2(x)) y=(fmt2(y)) width=(fmt2(bar)) height=(fmt2(bh)) {}
                    }
                    @if i.is_multiple_of(every) {
                        text.tick x=(fmt2(x + bar / 2.0)) y=(top + plot_h + 14.0) text-anchor="middle" { (p.label) }
                    }
                }
            }
        }
    }
}

/// A line of a share (0–100 %) per period.
pub(crate) fn share_line(title: &str, labels: &[String], shares: &[f64]) -> Markup {
    let (w, h) = (960.0f64, 180.0f64);
    let (left, bottom, top) = (56.0, 30.0, 10.0);
    let plot_w = w - left - 8.0;
    let plot_h = h - bottom - top;
    let n = shares.len().max(1) as f64;
    let slot = plot_w / n;
    let pts: Vec<String> = shares
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "{},{}",
                fmt2(left + slot * (i as f64 + 0.5)),
                fmt2(top + plot_h * (1.0 - s / 100.0))
            )
        })
        .collect();
    let every = (labels.len() / 24).max(1);
    html! {
        svg.chart.wide role="img" aria-label=(title) viewBox={"0 0 " (w) " " (h)}
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            line.axis x1=(left) y1=(top + plot_h) x2=(w - 8.0) y2=(top + plot_h) {}
            line.grid x1=(left) y1=(top) x2=(w - 8.0) y2=(top) {}
            text.value x=(left - 6.0) y=(top + 4.0) text-anchor="end" { "100 %" }
            text.value x=(left - 6.0) y=(top + plot_h) text-anchor="end" { "0 %" }
            polyline.share points=(pts.join(" ")) {}
            @for (i, s) in shares.iter().enumerate() {
                circle.share cx=(fmt2(left + slot * (i as f64 + 0.5))) cy=(fmt2(top + plot_h * (1.0 - s / 100.0))) r="2.5" {
                    title { (labels[i]) ": " (format!("{s:.1} %")) }
                }
                @if i.is_multiple_of(every) {
                    text.tick x=(fmt2(left + slot * (i as f64 + 0.5))) y=(top + plot_h + 14.0) text-anchor="middle" { (labels[i]) }
                }
            }
        }
    }
}

/// One 100 % bar split by (value, count).
pub(crate) fn composition(title: &str, parts: &[(&str, u64)]) -> Markup {
    let total: u64 = parts.iter().map(|p| p.1).sum::<u64>().max(1);
    let w = 960.0f64;
    html! {
        svg.chart.wide.strip role="img" aria-label=(title) viewBox={"0 0 " (w) " 28"}
            xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            @for ((v, c), (_, x, bw)) in parts.iter().zip(segments(parts, w, w / total as f64)) {
                rect class=(tone(v)) x=(fmt2(w - x - bw)) y="0" width=(fmt2(bw)) height="28" {
                    title { (Text(v)) ": " (fmt_count(*c)) " (" (fmt_pct(*c, total)) ")" }
                }
            }
        }
    }
}

/// Stacks `parts` downwards from `base` (`scale` units per count): (value,
/// start, length) of each segment, the first segment at the base.
fn segments<'a>(parts: &[(&'a str, u64)], base: f64, scale: f64) -> Vec<(&'a str, f64, f64)> {
    let mut at = base;
    parts
        .iter()
        .map(|&(v, c)| {
            let len = c as f64 * scale;
            at -= len;
            (v, at, len)
        })
        .collect()
}

/// A coordinate with at most two decimals (deterministic, short).
fn fmt2(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-" {
        "0".into()
    } else {
        s.to_owned()
    }
}
