//! `smimescan report` / `scan --html`: the page holds every figure the rows
//! give (computed here independently from the rows), hostile values stay
//! text, merged shards give the whole run's page, and a real browser
//! (Chromium headless, when installed; required in CI) renders it.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use common::{scratch, smimescan};
use smimescan::report::{Format, Row, RowWriter};

const AT: &str = "2026-01-01T00:00:00Z";
const GENERATED: &str = "<p class=\"meta generated\">";

/// The page without its generation-time line.
fn without_time(html: &str) -> String {
    html.lines()
        .filter(|l| !l.starts_with(GENERATED))
        .collect::<Vec<_>>()
        .join("\n")
}

fn read(p: &Path) -> String {
    String::from_utf8(std::fs::read(p).unwrap()).unwrap()
}

// ---------------------------------------------------------------- browser

/// Chromium, or None with a notice (outside CI; in CI its absence fails).
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path).chain([PathBuf::from("/usr/bin")]) {
        for name in ["chromium", "chromium-browser"] {
            if dir.join(name).is_file() {
                return Some(dir.join(name));
            }
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!("CI: chromium is not installed (.ci/run installs the Debian package `chromium`)");
    }
    eprintln!("NOTICE: chromium not found; browser checks skipped (apt-get install chromium)");
    None
}

/// Runs headless Chromium on a file with extra flags; returns stdout.
fn run_chromium(bin: &Path, page: &Path, extra: &[&str], dir: &Path) -> String {
    let profile = tempfile::tempdir_in(dir).unwrap();
    let out = std::process::Command::new("timeout")
        .arg("180")
        .arg(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn dump_dom(bin: &Path, page: &Path, dir: &Path) -> String {
    let dom = run_chromium(bin, page, &["--dump-dom"], dir);
    assert!(dom.contains("</html>"), "no DOM dumped: {dom:.200}");
    dom
}

/// Takes a 1280×2000 screenshot and checks it is not blank: the pixels
/// take many values, and a good share of them differ from the background.
fn screenshot_not_blank(bin: &Path, page: &Path, dir: &Path, name: &str) {
    let png = dir.join(name);
    let _ = std::fs::remove_file(&png);
    run_chromium(
        bin,
        page,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
        ],
        dir,
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 2000));
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let mut colors: HashMap<&[u8], usize> = HashMap::new();
    for p in &pixels {
        *colors.entry(p).or_default() += 1;
    }
    let background = colors.values().max().copied().unwrap_or(0);
    assert!(colors.len() > 50, "{name}: only {} colours", colors.len());
    assert!(
        pixels.len() - background > pixels.len() / 50,
        "{name}: nearly all pixels are the background"
    );
}

// ---------------------------------------------------------------- figures

/// Figures computed from CSV rows, independently of the crate's aggregate.
#[derive(Default, Debug)]
struct Expected {
    messages: u64,
    signed: u64,
    valid_trusted: u64,
    violations: u64,
    errors: u64,
    encrypted: u64,
    by_verdict: BTreeMap<String, u64>,
    by_finding: BTreeMap<String, u64>,
    by_kind: BTreeMap<String, u64>,
    by_domain: BTreeMap<String, u64>,
    certs: BTreeMap<String, u64>,
}

fn expected(rows: &[HashMap<String, String>]) -> Expected {
    let mut e = Expected::default();
    for r in rows {
        let g = |k: &str| r.get(k).map(String::as_str).unwrap_or("");
        e.messages += 1;
        e.signed += u64::from(!g("signature").is_empty());
        e.valid_trusted += u64::from(g("signature") == "valid" && g("chain") == "trusted");
        e.violations += u64::from(g("verdict") == "violation");
        e.errors += u64::from(g("verdict") == "error");
        e.encrypted += u64::from(g("kind").contains("enveloped") || !g("decryption").is_empty());
        *e.by_verdict.entry(g("verdict").into()).or_default() += 1;
        *e.by_kind.entry(g("kind").into()).or_default() += 1;
        for f in g("findings").split(';').filter(|f| !f.is_empty()) {
            *e.by_finding.entry(f.into()).or_default() += 1;
        }
        let domain = g("from").rsplit('@').next().unwrap_or("");
        let domain = if g("from").contains('@') { domain } else { "" };
        *e.by_domain.entry(domain.into()).or_default() += 1;
        if !g("signer_sha256").is_empty() {
            *e.certs.entry(g("signer_sha256").into()).or_default() += 1;
        }
    }
    e
}

fn commas(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text of the element with this id (up to the next tag).
fn by_id<'a>(dom: &'a str, id: &str) -> &'a str {
    let key = format!("id=\"{id}\">");
    let at = dom.find(&key).unwrap_or_else(|| panic!("no #{id}")) + key.len();
    let rest = &dom[at..];
    &rest[..rest.find('<').unwrap()]
}

/// The body of the section with this id.
fn section<'a>(dom: &'a str, id: &str) -> &'a str {
    let key = format!("<section id=\"{id}\"");
    let at = dom.find(&key).unwrap_or_else(|| panic!("no section #{id}"));
    let rest = &dom[at..];
    &rest[..rest.find("</section>").unwrap()]
}

/// (row header, cells) of every body row of the table with this id.
fn table_rows(dom: &str, marker: &str) -> Vec<(String, Vec<String>)> {
    let at = dom
        .find(marker)
        .unwrap_or_else(|| panic!("no table {marker}"));
    let rest = &dom[at..];
    let body = &rest[rest.find("<tbody>").unwrap()..rest.find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .map(|tr| {
            let cell = |s: &str| {
                let inner = &s[s.find('>').unwrap() + 1..];
                strip_tags(&inner[..inner.find("</t").unwrap_or(inner.len())])
            };
            let head = tr.split("<th").nth(1).map(cell).unwrap_or_default();
            let cells = tr.split("<td").skip(1).map(cell).collect();
            (head, cells)
        })
        .collect()
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Checks the page (raw HTML or Chromium's DOM) against the figures.
fn check_figures(dom: &str, e: &Expected) {
    for id in [
        "glance",
        "outcomes",
        "time",
        "domains",
        "certificates",
        "algorithms",
        "violations",
    ] {
        section(dom, id);
    }
    assert_eq!(by_id(dom, "messages"), commas(e.messages));
    assert_eq!(by_id(dom, "signed"), commas(e.signed));
    assert_eq!(by_id(dom, "valid-trusted"), commas(e.valid_trusted));
    assert_eq!(by_id(dom, "violations"), commas(e.violations));
    assert_eq!(by_id(dom, "errors"), commas(e.errors));
    assert_eq!(by_id(dom, "encrypted"), commas(e.encrypted));
    for (col, map) in [
        ("verdict", &e.by_verdict),
        ("kind", &e.by_kind),
        ("findings", &e.by_finding),
    ] {
        let got: BTreeMap<String, String> = table_rows(dom, &format!("data-column=\"{col}\""))
            .into_iter()
            .map(|(h, c)| (h, c[0].clone()))
            .collect();
        let want: BTreeMap<String, String> = map
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, v)| (k.clone(), commas(*v)))
            .collect();
        assert_eq!(got, want, "{col} table");
    }
    // Sender domains: the top 50 by messages (ties by name), the rest summed.
    let mut domains: Vec<(&String, &u64)> = e.by_domain.iter().collect();
    domains.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let rows = table_rows(dom, "id=\"domain-table\"");
    assert_eq!(
        rows.len(),
        domains.len().min(50) + usize::from(domains.len() > 50)
    );
    for ((d, n), (head, cells)) in domains.iter().take(50).zip(&rows) {
        if !d.is_empty() {
            assert_eq!(&head, d);
        }
        assert_eq!(cells[0], commas(**n), "domain {d}");
    }
    if domains.len() > 50 {
        let rest: u64 = domains[50..].iter().map(|d| *d.1).sum();
        assert_eq!(rows[50].1[0], commas(rest), "the other domains");
    }
    let mut certs: Vec<(&String, &u64)> = e.certs.iter().collect();
    certs.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let rows = table_rows(dom, "id=\"cert-table\"");
    assert_eq!(
        rows.len(),
        certs.len().min(50) + usize::from(certs.len() > 50)
    );
    for ((sha, n), (head, cells)) in certs.iter().take(50).zip(&rows) {
        assert!(head.contains(sha.as_str()), "{head} lacks {sha}");
        assert_eq!(cells[1], commas(**n), "certificate {sha}");
    }
    if e.violations > 0 {
        let rows = table_rows(dom, "id=\"violation-table\"");
        assert_eq!(rows.len() as u64, e.violations.min(100));
    }
}

// ---------------------------------------------------------------- the sample

fn scan_sample(dir: &Path) -> (PathBuf, PathBuf) {
    let csv = dir.join("sample.csv");
    let html = dir.join("scan.html");
    let (code, _, err) = smimescan(&[
        "scan",
        "corpora/sample/archive",
        "--trust",
        "corpora/sample/pki/root.pem",
        "--no-default-trust",
        "--at",
        AT,
        "-o",
        csv.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    (csv, html)
}

#[test]
fn sample_report_shows_the_figures_of_its_rows() {
    let dir = scratch("html-sample");
    let (csv, scan_html) = scan_sample(&dir);
    let page = dir.join("report.html");
    let (code, _, err) = smimescan(&[
        "report",
        "--at",
        AT,
        "-o",
        page.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = read(&page);
    // `scan --html` writes the same page as `report` over its CSV.
    assert_eq!(without_time(&read(&scan_html)), without_time(&html));
    assert_eq!(html.lines().filter(|l| l.starts_with(GENERATED)).count(), 1);
    let e = expected(&common::csv_rows(&read(&csv)));
    assert!(e.messages > 10 && e.violations > 0 && e.signed > 0, "{e:?}");
    check_figures(&html, &e);
    // Self-contained: no external reference of any kind.
    for bad in [
        "src=", "href=", "url(", "<script", "@import", "http://", "https://",
    ] {
        let stray = html.replace("http://www.w3.org/2000/svg", "");
        assert!(!stray.contains(bad), "page references {bad}");
    }
    assert!(html.contains("prefers-color-scheme:dark") && html.contains("@page{size:A4"));
    let Some(bin) = chromium() else { return };
    let dom = dump_dom(&bin, &page, &dir);
    check_figures(&dom, &e);
    screenshot_not_blank(&bin, &page, &dir, "sample.png");
}

// ---------------------------------------------------------------- 100,000 rows

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Rows like a large archive's: 120 domains (skewed), 80 signer
/// certificates, ten years of dates, every verdict and several findings.
fn generated_rows(n: u64, seed: u64) -> Vec<Row> {
    let mut rng = Rng(seed);
    let mut rows = Vec::with_capacity(n as usize);
    let mut index_in = HashMap::new();
    for i in 0..n {
        let src = format!("archive/box{}.mbox", i * 7 / n);
        let idx = index_in.entry(src.clone()).or_insert(0u64);
        let d = (rng.below(120) * rng.below(120)) / 120;
        let month = rng.below(120);
        let mut r = Row {
            source: src,
            index: *idx,
            offset: i * 1000,
            length: 500 + rng.below(5000),
            message_id: format!("{i}@gen.example"),
            date: format!(
                "{:04}-{:02}-{:02}T{:02}:00:00Z",
                2015 + month / 12,
                month % 12 + 1,
                1 + rng.below(28),
                rng.below(24)
            ),
            from: format!("user{}@dom{d}.example", rng.below(50)),
            kind: "plain".into(),
            verdict: "unsigned".into(),
            ..Row::default()
        };
        *idx += 1;
        let kind = rng.below(100);
        if kind < 55 {
            let cert = rng.below(80);
            r.kind = if kind < 50 { "signed" } else { "signed-opaque" }.into();
            r.signers = 1;
            r.signer_sha256 = format!("{cert:064x}");
            r.signer_subject = format!("CN=signer {cert},O=Org {}", cert % 9);
            r.signer_issuer = format!("CN=CA {}", cert % 4);
            r.signature_alg = ["rsa-pkcs1", "ecdsa-p256", "rsa-pss"][(cert % 3) as usize].into();
            r.key_bits = ["2048", "256", "1024"][(cert % 3) as usize].into();
            r.digest_alg = if cert.is_multiple_of(11) {
                "sha1"
            } else {
                "sha256"
            }
            .into();
            let mut findings = Vec::new();
            let roll = rng.below(100);
            r.signature = if roll < 5 { "invalid" } else { "valid" }.into();
            r.chain = match roll {
                0..=84 => "trusted",
                85..=92 => "untrusted",
                _ => "expired",
            }
            .into();
            if r.signature == "invalid" {
                findings.push("SIG_INVALID");
            }
            match r.chain.as_str() {
                "untrusted" => findings.push("CHAIN_UNTRUSTED"),
                "expired" => findings.push("CERT_EXPIRED"),
                _ => {}
            }
            if r.digest_alg == "sha1" {
                findings.push("WEAK_DIGEST");
            }
            if r.key_bits == "1024" {
                findings.push("WEAK_KEY");
            }
            r.sender_match = if rng.below(30) == 0 { "no" } else { "yes" }.into();
            if r.sender_match == "no" {
                findings.push("SENDER_MISMATCH");
            }
            if rng.below(200) == 0 {
                findings.push("AMBIGUOUS_HEADER");
            }
            findings.sort();
            r.findings = findings.join(";");
            r.verdict = if findings.is_empty() {
                "compliant"
            } else {
                "violation"
            }
            .into();
            r.validated_at = r.date.clone();
            r.anchor = format!("CN=Root {}", cert % 2);
            r.layers = if r.kind == "signed" {
                "signed"
            } else {
                "signed-opaque"
            }
            .into();
        } else if kind < 62 {
            r.kind = "enveloped".into();
            r.encryption_alg = if kind < 60 {
                "aes256-cbc"
            } else {
                "des-ede3-cbc"
            }
            .into();
            r.decryption = if kind < 58 { "no-key" } else { "decrypted" }.into();
            r.layers = "enveloped".into();
            r.verdict = "encrypted".into();
            if kind >= 60 {
                r.findings = "WEAK_ENCRYPTION".into();
                r.verdict = "violation".into();
            }
        } else if kind < 63 {
            r.kind = "malformed".into();
            r.verdict = "error".into();
            r.findings = "MALFORMED_MESSAGE".into();
            r.error = "no header block".into();
        }
        rows.push(r);
    }
    rows
}

fn write_report(path: &Path, rows: &[Row], format: Format) {
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    if path.extension().is_some_and(|e| e == "gz") {
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut w = RowWriter::new(gz, format).unwrap();
        for r in rows {
            w.write(r).unwrap();
        }
        w.finish().unwrap().finish().unwrap().flush().unwrap();
    } else {
        let mut w = RowWriter::new(file, format).unwrap();
        for r in rows {
            w.write(r).unwrap();
        }
        w.finish().unwrap().flush().unwrap();
    }
}

#[test]
fn generated_100k_rows_report_in_browser() {
    let dir = scratch("html-100k");
    let rows = generated_rows(100_000, 0x5eed_1234_abcd_ef01);
    let csv = dir.join("gen.csv");
    write_report(&csv, &rows, Format::Csv);
    let gz = dir.join("gen.jsonl.gz");
    write_report(&gz, &rows, Format::Jsonl);
    let page = dir.join("gen.html");
    let page_gz = dir.join("gen-gz.html");
    for (input, out) in [(&csv, &page), (&gz, &page_gz)] {
        let (code, _, err) = smimescan(&[
            "report",
            "--at",
            AT,
            "--title",
            "Generated archive",
            "-o",
            out.to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
    }
    let html = read(&page);
    // CSV and gzip-compressed JSONL of the same rows: the same page.
    assert_eq!(without_time(&html), without_time(&read(&page_gz)));
    assert!(html.len() < 3_000_000, "page is {} bytes", html.len());
    let e = expected(&common::csv_rows(&read(&csv)));
    assert_eq!(e.messages, 100_000);
    assert!(e.by_domain.len() > 50 && e.certs.len() > 50 && e.violations > 100);
    check_figures(&html, &e);
    // Ten years of months, each in the table.
    assert_eq!(table_rows(&html, "id=\"periods\"").len(), 120);
    let Some(bin) = chromium() else { return };
    let dom = dump_dom(&bin, &page, &dir);
    check_figures(&dom, &e);
    screenshot_not_blank(&bin, &page, &dir, "gen.png");
}

// ---------------------------------------------------------------- hostile values

const PAYLOAD: &str = "<script>alert(1)</script>\"onload=alert(2) x='</svg><img src=x onerror=alert(3)>&amp;\u{1}\u{1b}[31m\u{7f}\u{202e}";

/// Every occurrence of `word` in `page` follows `escaped_context` (the
/// payload's own escaped text), so none of them is an attribute.
fn only_as_text(page: &str, word: &str, escaped_context: &str) {
    let lower = page.to_ascii_lowercase();
    let mut n = 0;
    for (at, _) in lower.match_indices(word) {
        assert!(
            lower[..at].ends_with(&escaped_context.to_ascii_lowercase()),
            "{word} outside the escaped payload: {:?}",
            &page[at.saturating_sub(80)..at + word.len()]
        );
        n += 1;
    }
    assert!(n > 0, "{word}: the payload is not shown at all");
}

/// Every column of every row holds the payload (numbers too, in a CSV
/// written by hand): the page shows it as text, never as markup.
#[test]
fn hostile_values_stay_text_in_every_column() {
    let dir = scratch("html-hostile");
    let cols = smimescan::report::COLUMNS;
    let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
    csv.write_record(cols).unwrap();
    // Row 1: the payload everywhere. Row 2: a violation whose locating
    // columns hold it. Row 3: an expired chain whose error names the
    // (payload) subject. Row 4: the payload in a signed row's
    // certificate and algorithm columns.
    let mut fixed: Vec<Vec<String>> = vec![vec![PAYLOAD.to_owned(); cols.len()]];
    let set = |row: &mut Vec<String>, col: &str, v: &str| {
        let i = cols.iter().position(|c| *c == col).unwrap();
        row[i] = v.to_owned();
    };
    let mut r = vec![PAYLOAD.to_owned(); cols.len()];
    set(&mut r, "verdict", "violation");
    set(&mut r, "date", &format!("2025-01-01T00:00:00Z{PAYLOAD}"));
    fixed.push(r);
    let mut r = vec![PAYLOAD.to_owned(); cols.len()];
    set(&mut r, "chain", "expired");
    set(&mut r, "signature", "valid");
    set(&mut r, "signer_subject", PAYLOAD);
    set(
        &mut r,
        "error",
        &format!("'{PAYLOAD}' expired on 2025-12-01T00:00:00Z"),
    );
    set(&mut r, "verdict", "violation");
    fixed.push(r);
    let mut r = vec![PAYLOAD.to_owned(); cols.len()];
    set(&mut r, "key_bits", "1024");
    set(&mut r, "from", &format!("a@{PAYLOAD}"));
    fixed.push(r);
    for r in &fixed {
        csv.write_record(r).unwrap();
    }
    let report = dir.join("hostile.csv");
    std::fs::write(&report, csv.into_inner().unwrap()).unwrap();
    let page = dir.join("hostile.html");
    let (code, _, err) = smimescan(&[
        "report",
        "--at",
        AT,
        "--title",
        PAYLOAD,
        "-o",
        page.to_str().unwrap(),
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let html = read(&page);
    // The raw HTML never holds the payload unescaped: once its escaped
    // form is taken out, nothing of it is left.
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=alert(2) x='&lt;/svg&gt;&lt;img src=x onerror=alert(3)&gt;&amp;amp;␁␛[31m␡\u{fffd}";
    let lower = html.to_ascii_lowercase();
    for bad in ["<script", "<img", "</svg><img"] {
        assert!(!lower.contains(bad), "raw page holds {bad:?}");
    }
    only_as_text(&html, "onload", "&quot;");
    only_as_text(&html, "onerror", "&lt;img src=x ");
    assert!(!html.contains('\u{1}') && !html.contains('\u{1b}') && !html.contains('\u{7f}'));
    assert!(!html.contains('\u{202e}'));
    assert!(
        html.matches(escaped).count() >= 20,
        "payload not shown as text"
    );
    // Every <svg> that opens closes; the structure is that of a clean page.
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    let Some(bin) = chromium() else { return };
    let dom = dump_dom(&bin, &page, &dir);
    // The browser's DOM: no element or attribute from the payload, and the
    // payload as text (serialised: < > & escaped, quotes kept in text).
    let as_text = "&lt;script&gt;alert(1)&lt;/script&gt;\"onload=alert(2) x='&lt;/svg&gt;&lt;img src=x onerror=alert(3)&gt;&amp;amp;␁␛[31m␡\u{fffd}";
    assert!(
        dom.matches(as_text).count() >= 20,
        "payload text missing in the DOM"
    );
    let dom_lower = dom.to_ascii_lowercase();
    for bad in ["<script", "<img"] {
        assert!(!dom_lower.contains(bad), "the DOM holds {bad:?}");
    }
    only_as_text(&dom, "onload", "&lt;/script&gt;\"");
    only_as_text(&dom, "onerror", "&lt;img src=x ");
    // As many svg / table / section elements as the page's own markup.
    for tag in ["<svg", "<table", "<section", "<figure", "<tr"] {
        assert_eq!(dom.matches(tag).count(), html.matches(tag).count(), "{tag}");
    }
    // The title is text too.
    let title = &dom[dom.find("<title>").unwrap()..];
    assert!(title.starts_with("<title>&lt;script&gt;"), "{:.80}", title);
}

// ---------------------------------------------------------------- shards

fn scan_to(args: &[&str]) {
    let (code, _, err) = smimescan(args);
    assert_eq!(code, 0, "{err}");
}

fn report_of(inputs: &[&Path], out: &Path) -> String {
    let mut args = vec!["report", "--at", AT, "-o", out.to_str().unwrap()];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    let (code, _, err) = smimescan(&args);
    assert_eq!(code, 0, "{err}");
    without_time(&read(out))
}

/// A mixed corpus (a split mbox with signed messages, the sample Maildir):
/// the HTML of merged shards, and of the shard reports given in shard
/// order, is the whole run's HTML apart from the generation time.
#[test]
fn merged_shards_give_the_whole_runs_page() {
    let dir = scratch("html-shards");
    // A big mbox: the sample mbox's messages repeated, so shards split it.
    let sample = std::fs::read(common::root("corpora/sample/archive/sample.mbox")).unwrap();
    let mut big = Vec::new();
    for _ in 0..40 {
        big.extend_from_slice(&sample);
        if !big.ends_with(b"\n\n") {
            big.extend_from_slice(b"\n");
        }
    }
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(dir.join("in/big.mbox"), &big).unwrap();
    let maildir = common::root("corpora/sample/archive/Maildir");
    let big_mbox = dir.join("in/big.mbox");
    let inputs = [big_mbox.to_str().unwrap(), maildir.to_str().unwrap()];
    let trust = [
        "--trust",
        "corpora/sample/pki/root.pem",
        "--no-default-trust",
        "--at",
        AT,
    ];
    let whole = dir.join("whole.csv");
    let whole_html = dir.join("whole-scan.html");
    let mut args = vec!["scan", "-o", whole.to_str().unwrap()];
    args.extend(["--html", whole_html.to_str().unwrap()]);
    args.extend(trust);
    args.extend(inputs);
    scan_to(&args);
    let want = report_of(&[&whole], &dir.join("whole.html"));
    assert_eq!(without_time(&read(&whole_html)), want, "scan --html");
    assert!(want.contains("id=\"violation-table\""));
    for n in [2u32, 3, 5] {
        let mut shards = Vec::new();
        for k in 0..n {
            let out = dir.join(format!("s{k}-{n}.jsonl"));
            let shard = format!("{k}/{n}");
            let mut args = vec!["scan", "--shard", &shard, "-o", out.to_str().unwrap()];
            args.extend(trust);
            args.extend(inputs);
            scan_to(&args);
            shards.push(out);
        }
        let merged = dir.join(format!("merged-{n}.csv"));
        let mut args = vec!["merge", "-o", merged.to_str().unwrap()];
        args.extend(shards.iter().map(|p| p.to_str().unwrap()));
        scan_to(&args);
        assert_eq!(
            report_of(&[&merged], &dir.join(format!("merged-{n}.html"))),
            want,
            "N={n}: merged"
        );
        let refs: Vec<&Path> = shards.iter().map(|p| p.as_path()).collect();
        assert_eq!(
            report_of(&refs, &dir.join(format!("shards-{n}.html"))),
            want,
            "N={n}: shard reports in shard order"
        );
        // In another order every figure is the same; only `index` of
        // messages in a split mbox may be shard-local in the violations.
        let mut rev = refs.clone();
        rev.reverse();
        let got = report_of(&rev, &dir.join(format!("rev-{n}.html")));
        let cut = |s: &str| s[..s.find("<section id=\"violations\"").unwrap()].to_owned();
        assert_eq!(cut(&got), cut(&want), "N={n}: shards in reverse order");
    }
}

/// The aggregate rebuilds the run summary (the stderr table's source).
#[test]
fn aggregate_gives_the_summary_of_its_rows() {
    let rows = generated_rows(20_000, 77);
    let mut agg = smimescan::report::html::Aggregate::new();
    let mut summary = smimescan::report::Summary::default();
    for r in &rows {
        agg.add_row(r);
        summary.add(r);
    }
    summary.finish(0.0);
    assert_eq!(agg.summary(), summary);
    assert_eq!(agg.summary().table(), summary.table());
}

/// A report where every row brings new values in every counted column
/// (kinds, verdicts, findings, domains, certificates, anchors, algorithms,
/// years 0000–9999): the page stays small (top lists, "other values"
/// rows, at most 240 periods).
#[test]
fn distinct_values_everywhere_keep_the_page_small() {
    use smimescan::report::html::{render, Aggregate, Options};
    let mut agg = Aggregate::new();
    for i in 0..12_000u64 {
        let v = format!("value-{i}-{}", "x".repeat(40));
        let row = Row {
            source: format!("s{i}"),
            date: format!("{:04}-01-01T00:00:00Z", (i * 7919) % 10_000),
            from: format!("a@{v}"),
            kind: v.clone(),
            signature: v.clone(),
            chain: v.clone(),
            verdict: if i % 2 == 0 {
                "violation".into()
            } else {
                v.clone()
            },
            findings: format!("F{i};G{i}"),
            signer_sha256: v.clone(),
            signer_subject: v.clone(),
            digest_alg: v.clone(),
            signature_alg: v.clone(),
            key_bits: i.to_string(),
            encryption_alg: v.clone(),
            layers: v.clone(),
            anchor: v.clone(),
            decryption: v.clone(),
            ..Row::default()
        };
        agg.add_row(&row);
    }
    let page = render(
        &agg,
        &Options {
            title: "t".into(),
            at: 0,
            generated: 0,
        },
    );
    assert!(page.len() < 3_000_000, "page is {} bytes", page.len());
    assert!(table_rows(&page, "id=\"periods\"").len() <= 241);
    assert_eq!(table_rows(&page, "id=\"violation-table\"").len(), 100);
}

// ---------------------------------------------------------------- signer_not_after

/// The report's header: SPEC's columns in order, then `signer_not_after`.
#[test]
fn header_keeps_spec_columns_and_ends_with_signer_not_after() {
    let spec = "source,index,offset,length,message_id,date,from,kind,part,signers,signature,chain,\
                signer_subject,signer_issuer,signer_serial,signer_sha256,signer_email,sender_match,\
                digest_alg,signature_alg,key_bits,signing_time,validated_at,encryption_alg,verdict,\
                findings,error,layers,anchor,decryption";
    let mut want: Vec<&str> = spec.split(',').collect();
    want.push("signer_not_after");
    assert_eq!(smimescan::report::COLUMNS, &want[..]);
    let dir = scratch("html-header");
    let (csv, _) = scan_sample(&dir);
    let text = read(&csv);
    assert_eq!(text.lines().next().unwrap(), want.join(","));
}

/// Every signed row of the sample carries its signer certificate's
/// notAfter as RFC 3339 UTC, as `openssl x509 -enddate` reads it; rows
/// without a signer certificate leave it empty (CSV and JSONL alike).
#[test]
fn signer_not_after_is_the_signer_certificates_notafter() {
    let dir = scratch("html-notafter");
    let (csv, _) = scan_sample(&dir);
    let jsonl = dir.join("sample.jsonl");
    scan_to(&[
        "scan",
        "corpora/sample/archive",
        "--trust",
        "corpora/sample/pki/root.pem",
        "--no-default-trust",
        "--at",
        AT,
        "-o",
        jsonl.to_str().unwrap(),
    ]);
    let mut want = HashMap::new();
    for pem in ["alice.pem", "bob.pem"] {
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-enddate", "-fingerprint", "-sha256"])
            .args(["-dateopt", "iso_8601", "-in"])
            .arg(common::root(&format!("corpora/sample/pki/{pem}")))
            .output()
            .expect("openssl");
        let text = String::from_utf8(out.stdout).unwrap();
        let field = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k))
                .unwrap_or_else(|| panic!("{pem}: no {k} in {text}"))
                .to_owned()
        };
        // "2045-01-01 00:00:00Z" → "2045-01-01T00:00:00Z"
        let end = field("notAfter=").replacen(' ', "T", 1);
        let sha = field("sha256 Fingerprint=")
            .replace(':', "")
            .to_ascii_lowercase();
        want.insert(sha, end);
    }
    let rows = common::csv_rows(&read(&csv));
    let json: Vec<serde_json::Value> = read(&jsonl)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), json.len());
    let mut matched = 0;
    for (r, j) in rows.iter().zip(&json) {
        let (sha, got) = (&r["signer_sha256"], &r["signer_not_after"]);
        assert_eq!(j["signer_not_after"].as_str(), Some(got.as_str()));
        if sha.is_empty() {
            assert_eq!(got, "", "{r:?}");
        } else {
            assert_eq!(got.len(), 20, "not RFC 3339 UTC: {got}");
            if let Some(end) = want.get(sha) {
                assert_eq!(got, end, "{sha}");
                matched += 1;
            }
        }
    }
    assert!(matched >= 2, "no row signed by alice or bob");
}

/// Days from 1970-01-01 to a civil date (test-side, H. Hinnant's formula).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds of `YYYY-MM-DDTHH:MM:SSZ`.
fn unix(s: &str) -> i64 {
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    days_from_civil(n(0, 4), n(5, 7), n(8, 10)) * 86_400
        + n(11, 13) * 3600
        + n(14, 16) * 60
        + n(17, 19)
}

fn stamp(t: i64) -> String {
    // Inverse of `unix` by search over days (test-side, slow but plain).
    let days = t.div_euclid(86_400);
    let sod = t.rem_euclid(86_400);
    let mut y = 1970 + days / 366;
    while days_from_civil(y + 1, 1, 1) <= days {
        y += 1;
    }
    let mut m = 1;
    while m < 12 && days_from_civil(y, m + 1, 1) <= days {
        m += 1;
    }
    let d = days - days_from_civil(y, m, 1) + 1;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// 70 signer certificates (so some lie outside the top 50) whose notAfter
/// falls on every side of the 90-day window after `--at`: before it
/// (expired), at it, inside, on its last second, one second after, far
/// later, and unknown (no `signer_not_after`). The page marks and lists
/// exactly the ones the rows put inside the window.
#[test]
fn certificates_expiring_within_90_days_are_marked_and_listed() {
    let at = unix(AT);
    let offsets: [Option<i64>; 7] = [
        Some(-1),
        Some(0),
        Some(17 * 86_400 + 5),
        Some(90 * 86_400),
        Some(90 * 86_400 + 1),
        Some(400 * 86_400),
        None,
    ];
    let mut rows = Vec::new();
    for c in 0..70u64 {
        // Certificate c signs 80 - c messages: a strict order by messages.
        for k in 0..(80 - c) {
            let mut r = Row {
                source: "box.mbox".into(),
                index: rows.len() as u64,
                offset: rows.len() as u64 * 100,
                length: 100,
                date: format!("2025-{:02}-01T00:00:00Z", k % 12 + 1),
                from: format!("u{c}@d{}.example", c % 5),
                kind: "signed".into(),
                signers: 1,
                signature: "valid".into(),
                chain: "trusted".into(),
                signer_subject: format!("CN=Signer {c}"),
                signer_issuer: "CN=CA".into(),
                signer_sha256: format!("{c:064x}"),
                verdict: "compliant".into(),
                ..Row::default()
            };
            if let Some(off) = offsets[(c % 7) as usize] {
                r.signer_not_after = stamp(at + off + (c as i64 / 7) * 3600 * i64::from(off > 0));
            }
            if r.signer_not_after.as_str() < AT && !r.signer_not_after.is_empty() {
                r.chain = "expired".into();
                r.findings = "CERT_EXPIRED".into();
                r.verdict = "violation".into();
            }
            rows.push(r);
        }
    }
    let dir = scratch("html-expiring");
    let csv = dir.join("certs.csv");
    write_report(&csv, &rows, Format::Csv);
    let page = dir.join("certs.html");
    scan_to(&[
        "report",
        "--at",
        AT,
        "-o",
        page.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    // Independently from the rows: notAfter and messages per certificate.
    let mut certs: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for r in common::csv_rows(&read(&csv)) {
        let e = certs.entry(r["signer_sha256"].clone()).or_default();
        e.0 += 1;
        e.1 = r["signer_not_after"].clone();
    }
    let window_end = stamp(at + 90 * 86_400);
    assert_eq!(window_end, "2026-04-01T00:00:00Z");
    let mut soon: Vec<(&String, &(u64, String))> = certs
        .iter()
        .filter(|(_, (_, na))| {
            !na.is_empty() && na.as_str() >= AT && na.as_str() <= window_end.as_str()
        })
        .collect();
    soon.sort_by(|a, b| a.1 .1.cmp(&b.1 .1).then_with(|| a.0.cmp(b.0)));
    let expired = certs
        .values()
        .filter(|(_, na)| !na.is_empty() && na.as_str() < AT)
        .count() as u64;
    assert!(
        soon.len() >= 20 && expired >= 10,
        "{} {expired}",
        soon.len()
    );
    let check = |dom: &str| {
        assert_eq!(by_id(dom, "certs-expiring"), commas(soon.len() as u64));
        assert_eq!(by_id(dom, "certs-expired"), commas(expired));
        let msgs: u64 = soon.iter().map(|s| s.1 .0).sum();
        let card = section(dom, "certificates");
        assert!(
            card.contains(&format!("{} messages signed with them", commas(msgs))),
            "expiring messages {msgs}"
        );
        // The list: every expiring certificate (some outside the top 50),
        // soonest first, with its notAfter, whole days left and messages.
        let list = table_rows(dom, "id=\"expiring-table\"");
        assert_eq!(list.len(), soon.len());
        for ((sha, (n, na)), (head, cells)) in soon.iter().zip(&list) {
            assert!(head.contains(sha.as_str()), "{head} lacks {sha}");
            assert_eq!(&cells[0], na);
            assert_eq!(cells[1], ((unix(na) - at) / 86_400).to_string(), "{sha}");
            assert_eq!(cells[2], commas(*n));
        }
        assert!(soon.iter().any(|s| {
            let rank = certs.iter().filter(|c| c.1 .0 > s.1 .0).count();
            rank >= 50
        }));
        // The top-50 table marks each certificate by its own notAfter.
        let top = table_rows(dom, "id=\"cert-table\"");
        let mut by_msgs: Vec<(&String, &(u64, String))> = certs.iter().collect();
        by_msgs.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
        for ((sha, (_, na)), (head, cells)) in by_msgs.iter().zip(top.iter().take(50)) {
            assert!(head.contains(sha.as_str()));
            let cell = &cells[8];
            if na.is_empty() {
                assert_eq!(cell, "not in the rows");
            } else if na.as_str() < AT {
                assert_eq!(cell, &format!("expired {}", &na[..10]));
            } else if na.as_str() <= window_end.as_str() {
                assert_eq!(cell, &format!("expires within 90 days: {}", &na[..10]));
            } else {
                assert_eq!(cell, &format!("until {}", &na[..10]));
            }
        }
    };
    let html = read(&page);
    check(&html);
    let Some(bin) = chromium() else { return };
    check(&dump_dom(&bin, &page, &dir));
}

// ---------------------------------------------------------------- trust anchors

/// Anchors on roots Mozilla removed (AddTrust External CA Root, 2020;
/// Equifax Secure eBusiness CA-1, 2016), roots still in the store and a
/// `--trust` root: the page counts, per anchor, the messages whose chain
/// ended at a removed root, with the chart's numbers in a table. Which
/// roots count as removed is read here from the committed history CSV.
#[test]
fn messages_on_roots_since_removed_are_counted_per_anchor() {
    let anchors = [
        "CN=AddTrust External CA Root,OU=AddTrust External TTP Network,O=AddTrust AB,C=SE",
        "CN=Equifax Secure eBusiness CA-1,O=Equifax Secure Inc.,C=US",
        "CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US",
        "CN=Certum Trusted Network CA,OU=Certum Certification Authority,O=Unizeto Technologies S.A.,C=PL",
        "CN=Sample Root,O=Example",
        "",
    ];
    let mut rows = Vec::new();
    let mut rng = Rng(0xa11c_e5ee_d000_0001);
    for i in 0..3000u64 {
        let a = anchors[(rng.below(6 * 6) as usize) / 6 % 6];
        let a = if rng.below(4) == 0 { anchors[0] } else { a };
        let trusted = rng.below(3) != 0;
        rows.push(Row {
            source: "box.mbox".into(),
            offset: i * 10,
            length: 10,
            date: format!("{}-06-01T00:00:00Z", 2010 + i % 12),
            kind: "signed".into(),
            signature: "valid".into(),
            chain: if a.is_empty() {
                "untrusted"
            } else if trusted {
                "trusted"
            } else {
                "expired"
            }
            .into(),
            anchor: a.into(),
            verdict: if trusted && !a.is_empty() {
                "compliant"
            } else {
                "violation"
            }
            .into(),
            ..Row::default()
        });
    }
    let dir = scratch("html-anchors");
    let csv = dir.join("anchors.csv");
    write_report(&csv, &rows, Format::Csv);
    let page = dir.join("anchors.html");
    scan_to(&[
        "report",
        "--at",
        AT,
        "-o",
        page.to_str().unwrap(),
        csv.to_str().unwrap(),
    ]);
    // The history, read independently: a subject is in the store at AT
    // when one of its intervals holds AT (an empty end is open); removed
    // when it has intervals and none holds AT.
    let history =
        std::fs::read_to_string(common::root("data/trust-history/email-roots-history.csv"))
            .unwrap();
    let mut spans: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for r in common::csv_rows(&history) {
        spans.entry(r["subject"].clone()).or_default().push((
            r["email_trusted_from"].clone(),
            r["email_trusted_until"].clone(),
        ));
    }
    let in_store = |s: &str| {
        spans.get(s).is_some_and(|v| {
            v.iter()
                .any(|(f, u)| f.as_str() <= AT && (u.is_empty() || u.as_str() > AT))
        })
    };
    let removed = |s: &str| spans.contains_key(s) && !in_store(s);
    let mut per: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in common::csv_rows(&read(&csv)) {
        if r["anchor"].is_empty() {
            continue;
        }
        let e = per.entry(r["anchor"].clone()).or_default();
        e.0 += 1;
        e.1 += u64::from(r["chain"] == "trusted");
    }
    assert!(removed(anchors[0]) && removed(anchors[1]));
    assert!(in_store(anchors[2]) && in_store(anchors[3]) && !spans.contains_key(anchors[4]));
    let mut gone: Vec<(&String, &(u64, u64))> = per.iter().filter(|(a, _)| removed(a)).collect();
    gone.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
    let anchored: u64 = per.values().map(|v| v.0).sum();
    let gone_msgs: u64 = gone.iter().map(|g| g.1 .0).sum();
    let gone_trusted: u64 = gone.iter().map(|g| g.1 .1).sum();
    assert_eq!(gone.len(), 2);
    let check = |dom: &str| {
        let sec = section(dom, "anchors");
        assert_eq!(by_id(sec, "anchored"), commas(anchored));
        assert_eq!(by_id(sec, "removed-anchored"), commas(gone_msgs));
        assert!(
            sec.contains(&format!("· 2 roots · {} trusted", commas(gone_trusted))),
            "trusted on removed roots {gone_trusted}"
        );
        // The chart and its numbers.
        assert!(sec.contains("aria-label=\"Messages per root since removed from the store\""));
        let table = table_rows(sec, "id=\"removed-anchor-table\"");
        assert_eq!(table.len(), gone.len());
        for ((a, (n, t)), (head, cells)) in gone.iter().zip(&table) {
            assert_eq!(&head, a);
            assert!(cells[0].starts_with("removed "), "{a}: {}", cells[0]);
            assert_eq!(cells[1], commas(*n), "{a}");
            assert_eq!(cells[2], commas(*t), "{a}");
        }
        for (a, (n, _)) in &gone {
            let bar = format!("<title>{}: {}</title>", a, commas(*n));
            assert!(sec.contains(&bar), "no bar {bar}");
        }
        // Every anchor with its status.
        let all = table_rows(sec, "id=\"anchor-table\"");
        assert_eq!(all.len(), per.len());
        for (head, cells) in &all {
            let (n, t) = per[head];
            assert_eq!(
                (cells[1].clone(), cells[2].clone()),
                (commas(n), commas(t)),
                "{head}"
            );
            let want = if removed(head) {
                "removed "
            } else if in_store(head) {
                "in the store"
            } else {
                "not a built-in root"
            };
            assert!(cells[0].starts_with(want), "{head}: {}", cells[0]);
        }
    };
    let html = read(&page);
    check(&html);
    let Some(bin) = chromium() else { return };
    check(&dump_dom(&bin, &page, &dir));
}
