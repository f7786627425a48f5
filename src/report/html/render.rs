//! The page: one self-contained HTML document from an [`Aggregate`].
//!
//! Sections (each starting a printed page): the run at a glance, verdicts
//! and outcomes, over time, sender domains, signer certificates,
//! algorithms, recent violations. Every chart sits beside a table with its
//! numbers. Every value from the rows goes through [`Text`].

use std::collections::BTreeMap;

use maud::{html, Markup, PreEscaped};

use super::aggregate::{Aggregate, AlgUse, Cert, Group};
use super::chart::{self, tone, Stack};
use super::text::{fmt_bytes, fmt_count, fmt_pct, Text};
use crate::policy::Policy;

/// Rows shown in the domain and certificate tables (the rest summed).
pub const TOP: usize = 50;
/// Values drawn in one outcome chart (the rest summed as "other values").
const CHART_VALUES: usize = 20;
/// Verdict values stacked per period (the rest summed).
const STACK_VALUES: usize = 7;
/// More distinct months than this: periods are years.
const MAX_PERIODS: u32 = 240;
/// Certificates expiring within this many days of `--at` are marked.
pub const EXPIRY_WARN_DAYS: i64 = 90;

/// What the page needs besides the rows.
#[derive(Debug, Clone)]
pub struct Options {
    /// The page's heading (`--title`).
    pub title: String,
    /// `--at`: Unix seconds at which certificate expiry is judged.
    pub at: i64,
    /// When the page was generated (Unix seconds): the one line that
    /// differs between two renderings of the same rows.
    pub generated: i64,
}

const CSS: &str = r#"
:root{--bg:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#d5dae1;--card:#f4f6f9;
--good:#2e7d32;--bad:#c62828;--warn:#e07800;--info:#1565c0;--mutedc:#8a939e;--other:#6a4c93;--accent:#1565c0}
@media (prefers-color-scheme:dark){:root{--bg:#15181c;--fg:#e6e9ed;--muted:#9aa4b0;--line:#343a42;--card:#1f242a;
--good:#66bb6a;--bad:#ef5350;--warn:#ffa726;--info:#64b5f6;--mutedc:#7d8793;--other:#b39ddb;--accent:#64b5f6}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:24px;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:0 0 12px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.meta{color:var(--muted);margin:0}
section{margin-top:32px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:16px 0}
.cards.algs{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-start}
.card{background:var(--card);border-radius:8px;padding:12px 14px;border-left:5px solid var(--accent)}
.card dt{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card dd{margin:2px 0 0;font-size:24px;font-weight:650}
.card .sub{display:block;font-size:12px;font-weight:400;color:var(--muted)}
.card.good{border-color:var(--good)}.card.bad{border-color:var(--bad)}.card.warn{border-color:var(--warn)}.card.info{border-color:var(--info)}
figure{margin:0 0 18px;display:flex;flex-wrap:wrap;gap:12px 24px;align-items:flex-start;break-inside:avoid}
figure.stack{display:block}
figcaption{width:100%;font-weight:600}
svg.chart{max-width:100%;height:auto;overflow:visible}
svg.wide{width:100%}
svg .label,svg .value,svg .tick{fill:var(--fg);font-size:12px}
svg .tick{font-size:10px;fill:var(--muted)}
svg .axis,svg .grid{stroke:var(--line);stroke-width:1}
svg .share{fill:none;stroke:var(--accent);stroke-width:2}
svg circle.share{fill:var(--accent);stroke:none}
.good{fill:var(--good)}.bad{fill:var(--bad)}.warn{fill:var(--warn)}.info{fill:var(--info)}.muted{fill:var(--mutedc)}.other{fill:var(--other)}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:6px 0;padding:0;list-style:none;font-size:12px}
.legend svg{vertical-align:-1px;margin-right:4px}
table{border-collapse:collapse;margin:4px 0 12px;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0;caption-side:top}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
thead th{color:var(--muted);font-weight:600;font-size:12px;border-bottom:2px solid var(--line)}
td.n,th.n{text-align:right;white-space:nowrap}
tr.rest td,tr.rest th{font-style:italic;color:var(--muted)}
.wrap{word-break:break-all;max-width:420px}
.sha{color:var(--muted);font-size:11px;font-family:ui-monospace,monospace}
.mark{font-weight:600;color:var(--bad)}.markw{font-weight:600;color:var(--warn)}
.note{color:var(--muted);font-size:12px;max-width:900px}
em.none{color:var(--muted)}
.scroll{overflow-x:auto}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;padding:0;font-size:10.5px}section{break-before:page;margin-top:0}
.card dd{font-size:18px}table{page-break-inside:auto}tr{break-inside:avoid}thead{display:table-header-group}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

/// Renders the whole page. The generation time is alone on one line
/// (`<p class="generated">…</p>`); every other byte follows from the rows
/// and `opts.title` / `opts.at`.
pub fn render(agg: &Aggregate, opts: &Options) -> String {
    let head = html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'";
            meta name="generator" content={"smimescan " (env!("CARGO_PKG_VERSION"))};
            title { (Text(&opts.title)) }
            style { (PreEscaped(CSS)) }
        }
    }
    .into_string();
    let header = html! {
        header {
            h1 { (Text(&opts.title)) }
            p.meta { "S/MIME audit of " (fmt_count(agg.messages)) " messages · certificate expiry judged at "
                (crate::time::rfc3339(opts.at)) }
        }
    }
    .into_string();
    let generated = html! {
        p.meta.generated { "Generated " (crate::time::rfc3339(opts.generated)) " by smimescan " (env!("CARGO_PKG_VERSION")) }
    }
    .into_string();
    let sections = [
        glance(agg),
        outcomes(agg),
        over_time(agg),
        domains(agg),
        certificates(agg, opts.at),
        anchors(agg, opts.at),
        algorithms(agg),
        recent(agg),
        footer(),
    ];
    let mut out = String::with_capacity(256 << 10);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n");
    out.push_str(&head);
    out.push_str("\n<body>\n");
    out.push_str(&header);
    out.push('\n');
    out.push_str(&generated);
    out.push('\n');
    for s in sections {
        out.push_str(&s.into_string());
        out.push('\n');
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn card(id: &str, label: &str, value: String, sub: String, class: &str) -> Markup {
    html! {
        div.card class=(class) {
            dt { (label) }
            dd id=(id) { (value) span.sub { (sub) } }
        }
    }
}

fn glance(a: &Aggregate) -> Markup {
    let v = a.violations();
    let errors = a.by_verdict.get("error");
    let verdicts = top_values(&a.by_verdict.sorted(), CHART_VALUES);
    html! {
        section #glance aria-labelledby="h-glance" {
            h2 #h-glance { "The run at a glance" }
            dl.cards {
                (card("messages", "Messages", fmt_count(a.messages), fmt_bytes(a.bytes), "info"))
                (card("signed", "Signed", fmt_count(a.signed), format!("{} of messages", fmt_pct(a.signed, a.messages)), "info"))
                (card("valid-trusted", "Valid and trusted", fmt_count(a.valid_trusted),
                    format!("{} of signed · {} of all", fmt_pct(a.valid_trusted, a.signed), fmt_pct(a.valid_trusted, a.messages)), "good"))
                (card("violations", "Violations", fmt_count(v), format!("{} of messages", fmt_pct(v, a.messages)), "bad"))
                (card("errors", "Errors", fmt_count(errors), format!("{} of messages", fmt_pct(errors, a.messages)), "warn"))
                (card("encrypted", "Encrypted", fmt_count(a.encrypted),
                    format!("{} decrypted · {} not", fmt_count(a.decrypted), fmt_count(a.encrypted - a.decrypted)), "info"))
            }
            @if a.messages > 0 {
                figure.stack {
                    figcaption { "Verdicts of all messages" }
                    (chart::composition("Verdicts of all messages (share of messages)", &verdicts))
                    ul.legend {
                        @for (val, n) in &verdicts {
                            li { (swatch(val)) (Text(val)) " " (fmt_count(*n)) " (" (fmt_pct(*n, a.messages)) ")" }
                        }
                    }
                }
            }
        }
    }
}

fn swatch(value: &str) -> Markup {
    html! {
        svg width="10" height="10" aria-hidden="true" xmlns="http://www.w3.org/2000/svg" {
            rect class=(tone(value)) width="10" height="10" rx="2" {}
        }
    }
}

/// The top values of a counter, the rest summed as "other values".
fn top_values<'a>(items: &[(&'a str, u64)], n: usize) -> Vec<(&'a str, u64)> {
    if items.len() <= n {
        return items.to_vec();
    }
    let mut v = items[..n - 1].to_vec();
    v.push(("(other values)", items[n - 1..].iter().map(|i| i.1).sum()));
    v
}

/// A chart of one outcome column with the table of its numbers.
fn outcome(
    id: &str,
    title: &str,
    column: &str,
    items: &[(&str, u64)],
    total: u64,
    of: &str,
) -> Markup {
    let drawn = top_values(items, CHART_VALUES);
    let listed = top_values(items, TOP);
    html! {
        figure #(id) {
            figcaption { (title) }
            @if items.is_empty() {
                p.note { "No row has a " code { (column) } " value." }
            } @else {
                (chart::hbars(title, &drawn, total))
                table data-column=(column) {
                    thead { tr { th scope="col" { (column) } th.n scope="col" { "messages" } th.n scope="col" { "share of " (of) } } }
                    tbody {
                        @for (v, n) in &listed {
                            tr { th scope="row" { (Text(v)) } td.n { (fmt_count(*n)) } td.n { (fmt_pct(*n, total)) } }
                        }
                    }
                }
            }
        }
    }
}

fn outcomes(a: &Aggregate) -> Markup {
    html! {
        section #outcomes aria-labelledby="h-outcomes" {
            h2 #h-outcomes { "Verdicts and outcomes" }
            (outcome("fig-verdict", "Verdicts", "verdict", &a.by_verdict.sorted(), a.messages, "messages"))
            (outcome("fig-kind", "Kinds of message", "kind", &a.by_kind.sorted(), a.messages, "messages"))
            (outcome("fig-signature", "Signature outcomes", "signature", &a.by_signature.sorted(), a.signed, "signed"))
            (outcome("fig-chain", "Chain outcomes", "chain", &a.by_chain.sorted(), a.by_chain.total(), "judged chains"))
            (outcome("fig-finding", "Findings (messages with each finding)", "findings", &a.by_finding.sorted(), a.messages, "messages"))
            @if !a.by_decryption.is_empty() {
                (outcome("fig-decryption", "Decryption", "decryption", &a.by_decryption.sorted(), a.encrypted, "encrypted"))
            }
            @if !a.by_layers.is_empty() {
                (outcome("fig-layers", "S/MIME layers", "layers", &a.by_layers.sorted(), a.messages, "messages"))
            }
        }
    }
}

/// Periods of the time chart: months (gaps filled with zeros), or years
/// when the dates span more than [`MAX_PERIODS`] months; (label, counts).
fn periods(a: &Aggregate) -> Vec<(String, Group)> {
    let dated: Vec<(u32, &Group)> = a
        .months
        .iter()
        .filter_map(|(m, g)| m.map(|m| (m, g)))
        .collect();
    let (Some(first), Some(last)) = (dated.first(), dated.last()) else {
        return Vec::new();
    };
    if last.0 - first.0 < MAX_PERIODS {
        let mut out: Vec<(String, Group)> = (first.0..=last.0)
            .map(|m| (format!("{:04}-{:02}", m / 12, m % 12 + 1), Group::default()))
            .collect();
        for (m, g) in &dated {
            out[(m - first.0) as usize].1.absorb(g);
        }
        return out;
    }
    let mut years: BTreeMap<u32, Group> = BTreeMap::new();
    for (m, g) in &dated {
        years.entry(m / 12).or_default().absorb(g);
    }
    let (y0, y1) = (first.0 / 12, last.0 / 12);
    let start = y0.max((y1 + 1).saturating_sub(MAX_PERIODS - 1));
    let mut out = Vec::new();
    if start > y0 {
        let mut early = Group::default();
        for (_, g) in years.range(..start) {
            early.absorb(g);
        }
        out.push((format!("before {start:04}"), early));
    }
    for y in start..=y1 {
        out.push((
            format!("{y:04}"),
            years.get(&y).cloned().unwrap_or_default(),
        ));
    }
    out
}

fn over_time(a: &Aggregate) -> Markup {
    let periods = periods(a);
    let undated = a.months.get(&None);
    // Stacking order: the most frequent verdicts overall, the rest summed.
    let order: Vec<&str> = a
        .by_verdict
        .sorted()
        .into_iter()
        .map(|(v, _)| v)
        .take(STACK_VALUES)
        .collect();
    let stacks: Vec<Stack> = periods
        .iter()
        .map(|(label, g)| {
            let mut parts: Vec<(&str, u64)> =
                order.iter().map(|v| (*v, g.verdicts.get(v))).collect();
            let rest = g.messages - parts.iter().map(|p| p.1).sum::<u64>();
            if rest > 0 {
                parts.push(("(other values)", rest));
            }
            Stack {
                label: label.clone(),
                parts,
                total: g.messages,
            }
        })
        .collect();
    let labels: Vec<String> = periods.iter().map(|p| p.0.clone()).collect();
    let shares: Vec<f64> = periods
        .iter()
        .map(|(_, g)| {
            if g.messages == 0 {
                0.0
            } else {
                g.signed as f64 * 100.0 / g.messages as f64
            }
        })
        .collect();
    let unit = if periods.first().is_some_and(|p| p.0.len() == 7) {
        "month"
    } else {
        "year"
    };
    html! {
        section #time aria-labelledby="h-time" {
            h2 #h-time { "Over time (by " (unit) " of the Date header)" }
            @if periods.is_empty() {
                p.note { "No row has a Date." }
            } @else {
                figure.stack {
                    figcaption { "Verdicts per " (unit) }
                    (chart::stacked(&format!("Verdicts per {unit}"), &stacks))
                    ul.legend {
                        @for v in &order { li { (swatch(v)) (Text(v)) } }
                    }
                }
                figure.stack {
                    figcaption { "Share of messages signed, per " (unit) }
                    (chart::share_line(&format!("Share of messages signed per {unit}"), &labels, &shares))
                }
            }
            div.scroll {
                table #periods {
                    caption { "Messages per " (unit) }
                    thead { tr {
                        th scope="col" { (unit) } th.n scope="col" { "messages" } th.n scope="col" { "signed" }
                        th.n scope="col" { "signed %" } th.n scope="col" { "valid and trusted" }
                        th.n scope="col" { "violations" } th.n scope="col" { "errors" }
                    } }
                    tbody {
                        @for (label, g) in &periods {
                            (group_row(html! { (label) }, g, false))
                        }
                        @if let Some(g) = undated {
                            (group_row(html! { em.none { "no Date" } }, g, true))
                        }
                    }
                }
            }
        }
    }
}

fn group_row(label: Markup, g: &Group, rest: bool) -> Markup {
    html! {
        tr class=[rest.then_some("rest")] {
            th scope="row" { (label) }
            td.n { (fmt_count(g.messages)) } td.n { (fmt_count(g.signed)) }
            td.n { (fmt_pct(g.signed, g.messages)) } td.n { (fmt_count(g.valid_trusted)) }
            td.n { (fmt_count(g.violations)) } td.n { (fmt_count(g.errors)) }
        }
    }
}

fn domains(a: &Aggregate) -> Markup {
    let mut all: Vec<(&str, &Group)> = a.domains.iter().map(|(k, g)| (&**k, g)).collect();
    all.sort_by(|x, y| y.1.messages.cmp(&x.1.messages).then_with(|| x.0.cmp(y.0)));
    let shown = &all[..all.len().min(TOP)];
    let mut rest = Group::default();
    for (_, g) in all.iter().skip(TOP) {
        rest.absorb(g);
    }
    let row = |label: Markup, g: &Group, class: Option<&str>| {
        html! {
            tr class=[class] {
                th scope="row" .wrap { (label) }
                td.n { (fmt_count(g.messages)) } td.n { (fmt_count(g.signed)) }
                td.n { (fmt_count(g.valid_trusted)) } td.n { (fmt_count(g.violations)) }
                td.n { (fmt_count(g.sender_mismatch)) }
            }
        }
    };
    html! {
        section #domains aria-labelledby="h-domains" {
            h2 #h-domains { "Sender domains" }
            p.note { "By the domain of the From address; the " (TOP) " with the most messages, the rest summed." }
            table #domain-table {
                caption { "Top " (shown.len()) " of " (fmt_count(all.len() as u64)) " sender domains" }
                thead { tr {
                    th scope="col" { "domain" } th.n scope="col" { "messages" } th.n scope="col" { "signed" }
                    th.n scope="col" { "valid and trusted" } th.n scope="col" { "violations" }
                    th.n scope="col" { "sender mismatches" }
                } }
                tbody {
                    @for (d, g) in shown {
                        @if d.is_empty() {
                            (row(html! { em.none { "no From address" } }, g, None))
                        } @else {
                            (row(html! { (Text(d)) }, g, None))
                        }
                    }
                    @if all.len() > TOP {
                        (row(html! { "the other " (fmt_count((all.len() - TOP) as u64)) " domains" }, &rest, Some("rest")))
                    }
                }
            }
        }
    }
}

fn outcomes_text(c: &super::aggregate::Counter) -> Markup {
    html! {
        @for (i, (v, n)) in c.sorted().iter().enumerate() {
            @if i > 0 { " · " }
            span class=(format!("t-{}", tone(v))) { (Text(v)) " " (fmt_count(*n)) }
        }
    }
}

/// Where a certificate's notAfter falls relative to `--at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    Unknown,
    /// notAfter before `--at`.
    Expired(i64),
    /// notAfter at or after `--at` and at most [`EXPIRY_WARN_DAYS`] later.
    Soon(i64),
    Later(i64),
}

fn expiry_of(c: &Cert, at: i64) -> Expiry {
    match c.not_after() {
        None => Expiry::Unknown,
        Some(t) if t < at => Expiry::Expired(t),
        Some(t) if t <= at.saturating_add(EXPIRY_WARN_DAYS * 86_400) => Expiry::Soon(t),
        Some(t) => Expiry::Later(t),
    }
}

fn day(t: i64) -> String {
    crate::time::rfc3339(t).get(..10).unwrap_or("").to_owned()
}

fn expiry(c: &Cert, at: i64) -> Markup {
    match expiry_of(c, at) {
        Expiry::Unknown => html! { em.none { "not in the rows" } },
        Expiry::Expired(t) => html! { span.mark { "expired " (day(t)) } },
        Expiry::Soon(t) => {
            html! { span.markw data-expiring="" { "expires within " (EXPIRY_WARN_DAYS) " days: " (day(t)) } }
        }
        Expiry::Later(t) => html! { "until " (day(t)) },
    }
}

/// Whole days from `at` to `t` (rounded down).
fn days_left(at: i64, t: i64) -> i64 {
    t.saturating_sub(at).div_euclid(86_400)
}

fn certificates(a: &Aggregate, at: i64) -> Markup {
    let mut all: Vec<(&str, &Cert)> = a.certs.iter().map(|(k, c)| (&**k, c)).collect();
    all.sort_by(|x, y| y.1.messages.cmp(&x.1.messages).then_with(|| x.0.cmp(y.0)));
    let shown = &all[..all.len().min(TOP)];
    let rest_msgs: u64 = all.iter().skip(TOP).map(|c| c.1.messages).sum();
    // Every certificate expiring within the window, not only the top ones:
    // soonest first, then by SHA-256.
    let mut expiring: Vec<(&str, &Cert, i64)> = all
        .iter()
        .filter_map(|(sha, c)| match expiry_of(c, at) {
            Expiry::Soon(t) => Some((*sha, *c, t)),
            _ => None,
        })
        .collect();
    expiring.sort_by(|x, y| x.2.cmp(&y.2).then_with(|| x.0.cmp(y.0)));
    let expiring_msgs: u64 = expiring.iter().map(|e| e.1.messages).sum();
    let expired = all
        .iter()
        .filter(|(_, c)| matches!(expiry_of(c, at), Expiry::Expired(_)))
        .count() as u64;
    let unknown = all
        .iter()
        .filter(|(_, c)| expiry_of(c, at) == Expiry::Unknown)
        .count() as u64;
    let window_end = at.saturating_add(EXPIRY_WARN_DAYS * 86_400);
    html! {
        section #certificates aria-labelledby="h-certs" {
            h2 #h-certs { "Signer certificates" }
            p.note { "By SHA-256 of the signer certificate; the " (TOP) " with the most messages. "
                "“After expiry”: messages judged after the certificate (or its chain) expired (CERT_EXPIRED). "
                "Expiry is the certificate's notAfter (" code { "signer_not_after" } "; in older reports without that column, "
                "known only when a message was judged after it), marked when it falls before "
                (crate::time::rfc3339(at)) " (expired) or within " (EXPIRY_WARN_DAYS) " days after it." }
            dl.cards {
                (card("certs-expiring", &format!("Expiring within {EXPIRY_WARN_DAYS} days"), fmt_count(expiring.len() as u64),
                    format!("certificates · {} messages signed with them", fmt_count(expiring_msgs)), "warn"))
                (card("certs-expired", "Expired at the reference time", fmt_count(expired),
                    format!("of {} certificates", fmt_count(all.len() as u64)), "bad"))
                (card("certs-unknown", "Expiry not in the rows", fmt_count(unknown),
                    "certificates".to_owned(), "info"))
            }
            div.scroll {
                table #cert-table {
                    caption { "Top " (shown.len()) " of " (fmt_count(all.len() as u64)) " signer certificates" }
                    thead { tr {
                        th scope="col" { "subject / issuer" } th scope="col" { "key" }
                        th.n scope="col" { "messages" } th scope="col" { "signature" } th scope="col" { "chain" }
                        th.n scope="col" { "after expiry" } th.n scope="col" { "weak digest" } th.n scope="col" { "weak key" }
                        th scope="col" { "Date range" } th scope="col" { "expiry" }
                    } }
                    tbody {
                        @for (sha, c) in shown {
                            tr {
                                th scope="row" .wrap {
                                    (Text(&c.subject)) br; span.sha { "issuer: " (Text(&c.issuer)) } br;
                                    span.sha { "sha256 " (Text(sha)) }
                                }
                                td { (Text(&c.signature_alg)) " " (Text(&c.key_bits)) }
                                td.n { (fmt_count(c.messages)) }
                                td { (outcomes_text(&c.signature)) }
                                td { (outcomes_text(&c.chain)) }
                                td.n { (fmt_count(c.after_expiry)) }
                                td.n { (fmt_count(c.weak_digest)) }
                                td.n { (fmt_count(c.weak_key)) }
                                td { (Text(c.first_date.get(..10).unwrap_or(&c.first_date))) " – " (Text(c.last_date.get(..10).unwrap_or(&c.last_date))) }
                                td { (expiry(c, at)) }
                            }
                        }
                        @if all.len() > TOP {
                            tr.rest { th scope="row" { "the other " (fmt_count((all.len() - TOP) as u64)) " certificates" }
                                td {} td.n { (fmt_count(rest_msgs)) } td {} td {} td {} td {} td {} td {} td {} }
                        }
                    }
                }
            }
            div.scroll {
                table #expiring-table {
                    caption { (fmt_count(expiring.len() as u64)) " certificates expire within " (EXPIRY_WARN_DAYS)
                        " days of " (crate::time::rfc3339(at)) " (by " (day(window_end)) ")"
                        @if expiring.len() > TOP { "; the " (TOP) " soonest" } }
                    thead { tr {
                        th scope="col" { "subject / issuer" } th scope="col" { "notAfter" }
                        th.n scope="col" { "days left" } th.n scope="col" { "messages" }
                        th scope="col" { "chain" }
                    } }
                    tbody {
                        @for (sha, c, t) in expiring.iter().take(TOP) {
                            tr {
                                th scope="row" .wrap {
                                    (Text(&c.subject)) br; span.sha { "issuer: " (Text(&c.issuer)) } br;
                                    span.sha { "sha256 " (Text(sha)) }
                                }
                                td { span.markw { (crate::time::rfc3339(*t)) } }
                                td.n { (days_left(at, *t)) }
                                td.n { (fmt_count(c.messages)) }
                                td { (outcomes_text(&c.chain)) }
                            }
                        }
                        @if expiring.is_empty() {
                            tr { th scope="row" colspan="5" { em.none { "none" } } }
                        }
                    }
                }
            }
        }
    }
}

/// What Mozilla's store (the built-in trust history) says of an anchor at
/// the reference time.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AnchorStatus {
    /// A built-in root with this subject is trusted for e-mail then.
    InStore,
    /// Built-in roots with this subject were trusted, and the last of them
    /// was removed at `until` (by release `label`) before then.
    Removed { until: i64, label: String },
    /// Built-in, but first trusted after the reference time.
    NotYet,
    /// No built-in root has this subject (a `--trust` anchor).
    NotBuiltin,
}

/// The status of each anchor subject at `at`, from the built-in history.
fn anchor_statuses<'a>(anchors: &[(&'a str, u64)], at: i64) -> Vec<(&'a str, u64, AnchorStatus)> {
    use crate::pki::history::TrustHistory;
    let history = TrustHistory::builtin().ok();
    let mut by_subject: std::collections::HashMap<String, Vec<usize>> = Default::default();
    if let Some(h) = &history {
        for (i, r) in h.roots().iter().enumerate() {
            by_subject
                .entry(crate::report::one_line(&r.cert.subject))
                .or_default()
                .push(i);
        }
    }
    anchors
        .iter()
        .map(|&(subject, n)| {
            let status = match (history.as_deref(), by_subject.get(subject)) {
                (Some(h), Some(roots)) => {
                    let spans = || roots.iter().flat_map(|&i| &h.roots()[i].spans);
                    if spans().any(|s| s.from <= at && at < s.until) {
                        AnchorStatus::InStore
                    } else {
                        match spans().filter(|s| s.until <= at).max_by_key(|s| s.until) {
                            Some(s) => AnchorStatus::Removed {
                                until: s.until,
                                label: s.until_label.clone(),
                            },
                            None => AnchorStatus::NotYet,
                        }
                    }
                }
                _ => AnchorStatus::NotBuiltin,
            };
            (subject, n, status)
        })
        .collect()
}

fn anchors(a: &Aggregate, at: i64) -> Markup {
    let all = anchor_statuses(&a.by_anchor.sorted(), at);
    let with_anchor = a.by_anchor.total();
    let removed: Vec<&(&str, u64, AnchorStatus)> = all
        .iter()
        .filter(|x| matches!(x.2, AnchorStatus::Removed { .. }))
        .collect();
    let removed_msgs: u64 = removed.iter().map(|x| x.1).sum();
    let removed_trusted: u64 = removed.iter().map(|x| a.by_anchor_trusted.get(x.0)).sum();
    let bars: Vec<(&str, u64)> = top_values(
        &removed.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(),
        CHART_VALUES,
    );
    let status = |s: &AnchorStatus| match s {
        AnchorStatus::InStore => html! { "in the store" },
        AnchorStatus::Removed { until, label } => html! {
            span.mark { "removed " (day(*until)) } @if !label.is_empty() { " (" (Text(label)) ")" }
        },
        AnchorStatus::NotYet => html! { "added after the reference time" },
        AnchorStatus::NotBuiltin => html! { em.none { "not a built-in root" } },
    };
    html! {
        section #anchors aria-labelledby="h-anchors" {
            h2 #h-anchors { "Trust anchors" }
            p.note { "The anchor ending each judged path (" code { "anchor" } "), against Mozilla's e-mail root store "
                "as of " (crate::time::rfc3339(at)) " (the built-in trust history): messages whose chain ended at a root "
                "since removed from the store were judged against the roots of their time (" code { "--builtin-trust asof" }
                "); “trusted” counts those whose chain was judged trusted." }
            dl.cards {
                (card("anchored", "Messages with an anchor", fmt_count(with_anchor),
                    format!("{} distinct anchors", fmt_count(all.len() as u64)), "info"))
                (card("removed-anchored", "On roots since removed", fmt_count(removed_msgs),
                    format!("{} of anchored · {} roots · {} trusted", fmt_pct(removed_msgs, with_anchor),
                        fmt_count(removed.len() as u64), fmt_count(removed_trusted)), "warn"))
            }
            @if removed.is_empty() {
                p.note #no-removed { "No message rests on a root removed from the store by then." }
            } @else {
                figure #fig-removed {
                    figcaption { "Messages per root since removed" }
                    (chart::hbars("Messages per root since removed from the store", &bars, with_anchor))
                    table #removed-anchor-table {
                        caption { "Roots since removed: messages whose chain ended there" }
                        thead { tr {
                            th scope="col" { "anchor" } th scope="col" { "removed" }
                            th.n scope="col" { "messages" } th.n scope="col" { "trusted" }
                        } }
                        tbody {
                            @for (subject, n, st) in removed.iter().take(TOP).copied() {
                                tr {
                                    th scope="row" .wrap { (Text(subject)) }
                                    td { (status(st)) }
                                    td.n { (fmt_count(*n)) }
                                    td.n { (fmt_count(a.by_anchor_trusted.get(subject))) }
                                }
                            }
                        }
                    }
                }
            }
            @if !all.is_empty() {
                div.scroll {
                    table #anchor-table {
                        caption { "Top " (all.len().min(TOP)) " of " (fmt_count(all.len() as u64)) " trust anchors ending the judged paths" }
                        thead { tr {
                            th scope="col" { "anchor" } th scope="col" { "in Mozilla's store" }
                            th.n scope="col" { "messages" } th.n scope="col" { "trusted" }
                        } }
                        tbody {
                            @for (subject, n, st) in all.iter().take(TOP) {
                                tr {
                                    th scope="row" .wrap { (Text(subject)) }
                                    td { (status(st)) }
                                    td.n { (fmt_count(*n)) }
                                    td.n { (fmt_count(a.by_anchor_trusted.get(subject))) }
                                }
                            }
                            @if all.len() > TOP {
                                tr.rest {
                                    th scope="row" { "the other " (fmt_count((all.len() - TOP) as u64)) " anchors" }
                                    td {}
                                    td.n { (fmt_count(all[TOP..].iter().map(|x| x.1).sum())) }
                                    td.n { (fmt_count(all[TOP..].iter().map(|x| a.by_anchor_trusted.get(x.0)).sum())) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn alg_table(id: &str, caption: &str, finding: &str, rows: Vec<(String, &AlgUse, bool)>) -> Markup {
    html! {
        table #(id) {
            caption { (caption) }
            thead { tr {
                th scope="col" { "algorithm" } th.n scope="col" { "messages" }
                th.n scope="col" { "rows with " (finding) } th scope="col" { "built-in policy" }
            } }
            tbody {
                @for (name, u, weak) in &rows {
                    tr {
                        th scope="row" { (Text(name)) }
                        td.n { (fmt_count(u.messages)) }
                        td.n { (fmt_count(u.flagged)) }
                        td { @if *weak { span.mark { "weak" } } @else { "ok" } }
                    }
                }
            }
        }
    }
}

fn sorted_algs(m: &super::aggregate::HashMap<String, AlgUse>) -> Vec<(&str, &AlgUse)> {
    let mut v: Vec<(&str, &AlgUse)> = m.iter().map(|(k, u)| (&**k, u)).collect();
    v.sort_by(|a, b| b.1.messages.cmp(&a.1.messages).then_with(|| a.0.cmp(b.0)));
    v.truncate(TOP);
    v
}

fn algorithms(a: &Aggregate) -> Markup {
    let p = Policy::default();
    let digests = sorted_algs(&a.digests)
        .into_iter()
        .map(|(k, u)| (k.to_owned(), u, p.is_weak_digest(k)))
        .collect();
    let sigs = sorted_algs(&a.signature_algs)
        .into_iter()
        .map(|(k, u)| (k.to_owned(), u, false))
        .collect();
    let mut keys: Vec<(String, &AlgUse, bool)> = Vec::new();
    let mut algs: Vec<&String> = a.key_sizes.keys().collect();
    algs.sort();
    for alg in algs {
        for (bits, u) in &a.key_sizes[alg] {
            let weak = u32::try_from(*bits).is_ok_and(|b| b > 0 && p.is_weak_key(alg, b));
            let label = if *bits == 0 {
                format!("{alg} (size unknown)")
            } else {
                format!("{alg} {bits}")
            };
            keys.push((label, u, weak));
        }
    }
    keys.sort_by(|x, y| y.1.messages.cmp(&x.1.messages).then_with(|| x.0.cmp(&y.0)));
    keys.truncate(TOP);
    let enc = sorted_algs(&a.encryption_algs)
        .into_iter()
        .map(|(k, u)| (k.to_owned(), u, p.is_weak_encryption(k)))
        .collect();
    html! {
        section #algorithms aria-labelledby="h-algs" {
            h2 #h-algs { "Algorithms in use" }
            p.note { "“weak” per the built-in policy (MD5/SHA-1 digests; RSA/DSA keys under "
                (p.min_rsa_bits) " bits, EC keys under " (p.min_ec_bits) "; DES, 3DES, RC2, RC4). "
                "The finding columns count rows that carry the finding under the policy of the scan "
                "(WEAK_DIGEST also fires for a SHA-1-signed chain certificate)." }
            div.cards.algs {
                (alg_table("digest-table", "Digest algorithms", "WEAK_DIGEST", digests))
                (alg_table("sigalg-table", "Signature algorithms", "—", sigs))
                (alg_table("key-table", "Signer keys", "WEAK_KEY", keys))
                (alg_table("enc-table", "Content encryption", "WEAK_ENCRYPTION", enc))
            }
        }
    }
}

fn recent(a: &Aggregate) -> Markup {
    let list = a.recent_violations();
    html! {
        section #violations aria-labelledby="h-viol" {
            h2 #h-viol { "Most recent violations" }
            @if list.is_empty() {
                p.note { "No violations." }
            } @else {
                div.scroll {
                    table #violation-table {
                        caption { "The " (list.len()) " most recent of " (fmt_count(a.violations()))
                            " violations (by Date header; source, index and offset locate the message)" }
                        thead { tr {
                            th scope="col" { "date" } th scope="col" { "source" } th.n scope="col" { "index" }
                            th.n scope="col" { "offset" } th scope="col" { "message_id" } th scope="col" { "from" }
                            th scope="col" { "findings" }
                        } }
                        tbody {
                            @for v in &list {
                                tr {
                                    td { (Text(&v.date)) }
                                    th scope="row" .wrap { (Text(&v.source)) }
                                    td.n { (v.index) } td.n { (v.offset) }
                                    td.wrap { (Text(&v.message_id)) }
                                    td.wrap { (Text(&v.from)) }
                                    td.wrap { (Text(&v.findings.replace(';', "; "))) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn footer() -> Markup {
    html! {
        footer.note {
            p { "Every figure on this page follows from the report rows (the report of merged shards gives the same page as one whole run). "
                "Values from the rows are shown as text; control characters appear as control pictures (␀, ␛)." }
        }
    }
}
