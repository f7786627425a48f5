//! Command line: flags, their help text, and the glue from flags to a run.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::policy::Policy;
use crate::report::output::{write_atomic, Out, ProgressDraw, ProgressLine};
use crate::report::{Format, RowWriter};
use crate::scan::{self, AtMode, Context, Shard};

/// Scan mail archives, verify every S/MIME signature and certificate chain,
/// and write one report row per message.
#[derive(Parser, Debug)]
#[command(name = "smimescan", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
// Parsed once per process: the size of the scan variant does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Command {
    /// Scan files and folders (mbox, Maildir, .eml, .gz/.zst) and write the report.
    Scan(ScanArgs),
    /// Combine shard reports (given in shard order) into the report of one whole run.
    Merge(MergeArgs),
    /// List the built-in e-mail roots as Mozilla trusted them at a time (CSV on stdout).
    Roots(RootsArgs),
    /// Render report rows (CSV or JSONL, .gz too) as a self-contained HTML audit report.
    Report(ReportArgs),
}

#[derive(Args, Debug)]
pub(crate) struct RootsArgs {
    /// The time: `now` or RFC 3339.
    #[arg(long, default_value = "now")]
    pub(crate) at: String,
}

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    /// Reports (CSV or JSONL, gzip-compressed or not), e.g. the shards of
    /// one run (in shard order, for the whole run's `index` values).
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// HTML file to write; `-` is stdout.
    #[arg(short, long, default_value = "smimescan-report.html")]
    pub(crate) output: String,
    /// Title of the page.
    #[arg(long, default_value = "S/MIME audit report")]
    pub(crate) title: String,
    /// Time (RFC 3339) at which certificate expiry is judged [default: now].
    #[arg(long, value_parser = parse_time)]
    pub(crate) at: Option<i64>,
}

fn parse_time(s: &str) -> Result<i64, String> {
    crate::time::parse_rfc3339(s).ok_or_else(|| format!("--at {s:?}: expected an RFC 3339 time"))
}

#[derive(Args, Debug)]
pub(crate) struct MergeArgs {
    /// Shard reports (CSV or JSONL) in shard order, and optionally the shard
    /// summaries (checked against the rows).
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Merged report path; `-` is stdout.
    #[arg(short, long, default_value = "-")]
    pub(crate) output: String,
    /// Report format [default: from the output file extension, else that of the inputs].
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Write the merged summary JSON to this file.
    #[arg(long)]
    pub(crate) summary: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct ScanArgs {
    /// Files and folders to scan.
    #[arg(required = true)]
    pub(crate) paths: Vec<PathBuf>,
    /// Report path; `-` is stdout.
    #[arg(short, long, default_value = "-")]
    pub(crate) output: String,
    /// Report format [default: from the output file extension, else csv].
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
    /// Write the summary JSON to this file.
    #[arg(long)]
    pub(crate) summary: Option<PathBuf>,
    /// Trust anchors: a PEM/DER file or a folder of them (repeatable).
    #[arg(long)]
    pub(crate) trust: Vec<PathBuf>,
    /// Use only the --trust anchors, not the built-in Mozilla e-mail roots.
    #[arg(long)]
    pub(crate) no_default_trust: bool,
    /// Built-in roots: `asof` = those Mozilla trusted for e-mail at each
    /// chain's validated_at; `current` = today's set for every message.
    #[arg(long, default_value = "asof")]
    pub(crate) builtin_trust: crate::pki::trust::BuiltinTrust,
    /// Extra intermediate certificates for path building, not trusted (repeatable).
    #[arg(long)]
    pub(crate) certs: Vec<PathBuf>,
    /// CRL files (PEM/DER) or folders of them, checked offline (repeatable).
    #[arg(long)]
    pub(crate) crl: Vec<PathBuf>,
    /// Private keys (PEM: PKCS#8, PKCS#1, SEC1; DER; PKCS#12 .p12/.pfx), a
    /// file or a folder (repeatable). Enveloped messages addressed to one of
    /// them are decrypted in memory and what is inside is verified.
    #[arg(long)]
    pub(crate) keys: Vec<PathBuf>,
    /// Password for encrypted PKCS#8 and PKCS#12 key files (its first line).
    #[arg(long)]
    pub(crate) keys_password_file: Option<PathBuf>,
    /// When chains are judged: `signing` (the signer's claimed signingTime, else Date, else now),
    /// `received` (the topmost Received date, written by the archive's server, else as signing),
    /// `now`, or an RFC 3339 time.
    #[arg(long, default_value = "signing")]
    pub(crate) at: AtMode,
    /// Compliance policy file (TOML).
    #[arg(long)]
    pub(crate) policy: Option<PathBuf>,
    /// Worker threads [default: all cores].
    #[arg(short = 'j', long)]
    pub(crate) threads: Option<usize>,
    /// Scan only shard K of N (0-based), or `auto` from JOB_COMPLETION_INDEX
    /// and SMIMESCAN_SHARDS (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID
    /// and SLURM_ARRAY_TASK_COUNT (Slurm job array).
    #[arg(long)]
    pub(crate) shard: Option<String>,
    /// Progress bar on stderr.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) progress: ProgressMode,
    /// Also write the HTML audit report (as `smimescan report`) to this file.
    #[arg(long)]
    pub(crate) html: Option<PathBuf>,
    /// Exit with status 1 when any message has this verdict.
    #[arg(long, value_enum, default_value = "never")]
    pub(crate) fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProgressMode {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Any message with verdict `violation` or `error`.
    Violation,
    /// Any message holding a signature (reported or elsewhere in it) that is not
    /// `valid` with chain `trusted`: unsupported, malformed and missing-signer-cert included.
    Invalid,
    Never,
}

/// Runs a parsed command line; returns the exit status.
pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Scan(args) => run_scan(&args),
        Command::Merge(args) => run_merge(&args),
        Command::Roots(args) => run_roots(&args),
        Command::Report(args) => run_report(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("smimescan: {e}");
            2
        }
    }
}

fn write_summary(path: &Path, summary: &crate::report::Summary) -> Result<(), String> {
    write_atomic(path, summary.to_json().as_bytes())
}

fn run_roots(args: &RootsArgs) -> Result<i32, String> {
    let at = match args.at.as_str() {
        "now" => crate::time::now(),
        t => crate::time::parse_rfc3339(t).ok_or(format!("--at: not a time: '{t}'"))?,
    };
    let history = crate::pki::history::TrustHistory::builtin().map_err(|e| e.to_string())?;
    match history.write_roots(at, io::stdout().lock()) {
        Err(e) if e.contains("Broken pipe") => Ok(0),
        r => r.map(|()| 0),
    }
}

fn run_merge(args: &MergeArgs) -> Result<i32, String> {
    let format = args
        .format
        .or_else(|| (args.output != "-").then(|| Format::from_path(&args.output)));
    let out = Out::open(&args.output).map_err(|e| format!("{}: {e}", args.output))?;
    let (summary, out) = crate::report::merge::merge(&args.inputs, format, out)?;
    out.finish()
        .map_err(|e| format!("writing {}: {e}", args.output))?;
    if let Some(path) = &args.summary {
        write_summary(path, &summary)?;
    }
    eprint!("{}", summary.table());
    Ok(0)
}

fn run_report(args: &ReportArgs) -> Result<i32, String> {
    use crate::report::html;
    let mut agg = html::Aggregate::new();
    html::read_reports(&args.inputs, &mut agg)?;
    let now = crate::time::now();
    let opts = html::Options {
        title: args.title.clone(),
        at: args.at.unwrap_or(now),
        generated: now,
    };
    write_html(&args.output, &agg, &opts)?;
    eprint!("{}", agg.summary().table());
    Ok(0)
}

/// Renders the aggregate and writes the page (atomically to a file).
fn write_html(
    path: &str,
    agg: &crate::report::html::Aggregate,
    opts: &crate::report::html::Options,
) -> Result<(), String> {
    let page = crate::report::html::render(agg, opts);
    let mut out = Out::open(path).map_err(|e| format!("{path}: {e}"))?;
    out.write_all(page.as_bytes())
        .and_then(|_| out.finish())
        .map_err(|e| format!("writing {path}: {e}"))
}

fn run_scan(args: &ScanArgs) -> Result<i32, String> {
    if !args.keys.is_empty() {
        crate::keys::warm_rng();
    }
    let policy = match &args.policy {
        Some(p) => Policy::load(p).map_err(|e| e.to_string())?,
        None => Policy::default(),
    };
    let shard = match args.shard.as_deref() {
        None => None,
        Some("auto") => {
            Some(Shard::from_env(&|k| std::env::var(k).ok()).map_err(|e| e.to_string())?)
        }
        Some(s) => Some(Shard::parse(s).map_err(|e| e.to_string())?),
    };
    let trust = crate::pki::trust::TrustStore::load_with(
        &args.trust,
        (!args.no_default_trust).then_some(args.builtin_trust),
    )
    .map_err(|e| e.to_string())?;
    let pool_certs = crate::pki::store::CertStore::load(&args.certs).map_err(|e| e.to_string())?;
    let crls = crate::pki::crl::Crls::load(&args.crl).map_err(|e| e.to_string())?;
    let verifier = crate::pki::chain::Verifier::new(trust, pool_certs, crls);
    for w in verifier.warnings() {
        eprintln!("smimescan: {w}");
    }
    let warned = verifier.warnings().len();
    let password = match &args.keys_password_file {
        Some(p) => Some(crate::keys::read_password_file(p).map_err(|e| e.to_string())?),
        None => None,
    };
    let keys = crate::keys::KeyStore::load(&args.keys, password.as_deref().map(|p| p.as_str()))
        .map_err(|e| e.to_string())?;
    drop(password);
    for w in keys.warnings() {
        eprintln!("smimescan: {w}");
    }
    let mut ctx = Context::with_verifier(policy, args.at, verifier);
    ctx.keys = keys;
    let threads = args.threads.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("analyze-{i}"))
        .build()
        .map_err(|e| e.to_string())?;
    let format = args
        .format
        .unwrap_or_else(|| Format::from_path(&args.output));
    let out = Out::open(&args.output).map_err(|e| format!("{}: {e}", args.output))?;
    let mut writer = RowWriter::new(out, format).map_err(|e| format!("{}: {e}", args.output))?;

    let progress = ProgressLine::new(match args.progress {
        ProgressMode::Never => ProgressDraw::Off,
        ProgressMode::Auto if !io::stderr().is_terminal() => ProgressDraw::Off,
        ProgressMode::Auto => ProgressDraw::Terminal,
        // Not a terminal (a CI log): plain lines, a few per second at most.
        ProgressMode::Always => ProgressDraw::Lines,
    });
    let mut fail = false;
    let fail_on = args.fail_on;
    let mut html_agg = args
        .html
        .as_ref()
        .map(|_| crate::report::html::Aggregate::new());
    let stats = scan::scan(
        &args.paths,
        shard,
        &ctx,
        &pool,
        &mut |row| {
            fail |= match fail_on {
                FailOn::Never => false,
                FailOn::Violation => crate::policy::fails_violation(&row.verdict),
                FailOn::Invalid => {
                    crate::policy::fails_invalid(&row.signature, &row.chain, &row.findings)
                }
            };
            if let Some(a) = &mut html_agg {
                // The cells as the report holds them, so that the page
                // equals `report` over this run's output.
                a.add_row(&row.one_line());
            }
            writer.write(row)
        },
        &|w: String| progress.warn(&w),
        &|bytes, msgs| progress.update(bytes, msgs),
        &mut |sources| progress.set_total(sources.iter().map(|s| s.size).sum()),
    )
    .map_err(|e| format!("writing {}: {e}", args.output))?;
    progress.finish();
    // Warnings found during the run (e.g. a CRL whose issuer only a
    // message carried, and whose signature failed).
    for w in ctx.verifier.warnings().into_iter().skip(warned) {
        eprintln!("smimescan: {w}");
    }
    let out = writer
        .finish()
        .map_err(|e| format!("writing {}: {e}", args.output))?;
    out.finish()
        .map_err(|e| format!("writing {}: {e}", args.output))?;
    if let Some(path) = &args.summary {
        let mut summary = stats.summary.clone();
        summary.shard = shard.map(|s| format!("{}/{}", s.k, s.n));
        write_summary(path, &summary)?;
    }
    if let (Some(path), Some(agg)) = (&args.html, &html_agg) {
        let now = crate::time::now();
        let at = match args.at {
            AtMode::Fixed(t) => t,
            _ => now,
        };
        let opts = crate::report::html::Options {
            title: "S/MIME audit report".into(),
            at,
            generated: now,
        };
        write_html(&path.to_string_lossy(), agg, &opts)?;
    }
    eprint!("{}", stats.summary.table());
    if stats.summary.messages == 0 && (stats.files == 0 || stats.unreadable == stats.files) {
        eprintln!("smimescan: no input could be read");
        return Ok(2);
    }
    Ok(if fail { 1 } else { 0 })
}
