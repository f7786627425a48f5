//! Reference measurements for `benches/compare.sh` (not a criterion bench:
//! `harness = false` with its own `main` taking a mode and arguments). Each
//! mode prints one line of `key=value` pairs on stdout.
//!
//! ```text
//! cargo bench --bench limits -- memscan FILE [THREADS]
//!     memmem("\nFrom ") over the memory-mapped file, split in THREADS
//!     (default: all cores) chunks: the first pass, which also maps the
//!     file's pages into the process, as the cold read limit, then a
//!     second one over the mapped pages as the read limit.
//! cargo bench --bench limits -- split FILE
//!     the scan's mbox splitting stage by stage on one thread: the SIMD
//!     line-marks pass, the separator index, the boundary walk.
//! cargo bench --bench limits -- parse FILE [THREADS]
//!     mailbox::split, then mail_parser::MessageParser::new().parse() of
//!     every message on THREADS rayon threads: the parse limit (split_secs
//!     and parse_secs separately; rates use parse_secs only).
//! cargo bench --bench limits -- rawverify rsa|p256 SECS [THREADS]
//!     PublicKey::verify of a corpora/sigs signature (key parsed once) on
//!     THREADS threads for SECS seconds: raw verifications per second.
//! cargo bench --bench limits -- unzstd FILE.zst [PASSES]
//!     zstd decompression of FILE on one thread, output discarded, as
//!     the scan reads a single-frame file (zstd::stream::read::Decoder
//!     over a 128 KiB BufReader, 4 MiB reads into one reused buffer) and
//!     with zstd_safe::DCtx::decompress_stream over the mapped file into
//!     4 MiB buffers: thread CPU time and wall time per pass (best of
//!     PASSES, default 3), and CPU seconds per GiB of output.
//! cargo bench --bench limits -- slice FILE N OUT
//!     the first N messages (mbox spans, byte for byte) of FILE into OUT.
//! cargo bench --bench limits -- extract-signed FILE N DIR
//!     the first N S/MIME signed messages of FILE, mboxrd quoting undone,
//!     as DIR/000000.eml, … (for `openssl cms -verify`).
//! ```
//!
//! `cargo bench` appends `--bench` to the arguments: it is ignored.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use rayon::prelude::*;
use smimescan::mailbox;
use smimescan::pki::key::{DigestAlg, SigAlg};
use smimescan::pki::store::load_certs;

fn usage() -> ! {
    eprintln!(
        "usage: limits memscan FILE [THREADS] | split FILE | parse FILE [THREADS] | \
         rawverify rsa|p256 SECS [THREADS] | unzstd FILE [PASSES] | slice FILE N OUT | extract-signed FILE N DIR"
    );
    std::process::exit(2)
}

fn map(path: &str) -> memmap2::Mmap {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // SAFETY: read-only mapping of a file nobody writes during the run.
    unsafe { memmap2::Mmap::map(&f) }.unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pool(threads: Option<&String>) -> rayon::ThreadPool {
    let n = threads.map(|t| t.parse().expect("THREADS")).unwrap_or(0);
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
}

fn memscan(path: &str, threads: Option<&String>) {
    let m = map(path);
    let data: &[u8] = &m;
    let pool = pool(threads);
    let n = pool.current_num_threads();
    let finder = memchr::memmem::Finder::new(b"\nFrom ");
    // Chunks overlap by the needle length less one so no match is lost or
    // counted twice.
    let chunk = data.len().div_ceil(n).max(1);
    let count = || {
        pool.install(|| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let s = (i * chunk).min(data.len());
                    let e = ((i + 1) * chunk + 5).min(data.len());
                    finder
                        .find_iter(&data[s..e])
                        .filter(|&p| s + p < (i + 1) * chunk)
                        .count()
                })
                .sum::<usize>()
        })
    };
    // The first pass maps every page of the file into the process (a scan
    // pays that too): timed apart as the cold read limit.
    let t = Instant::now();
    black_box(count());
    let cold_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let matches = black_box(count());
    let secs = t.elapsed().as_secs_f64();
    println!(
        "mode=memscan threads={n} bytes={} secs={secs:.6} mb_per_s={:.1} cold_secs={cold_secs:.6} \
         cold_mb_per_s={:.1} matches={matches}",
        data.len(),
        data.len() as f64 / secs / 1e6,
        data.len() as f64 / cold_secs / 1e6
    );
}

/// The splitting of a plain mbox as `smimescan scan` does it, on one
/// thread, stage by stage (best of 3 each, file paged in first):
/// `marks_secs` the one SIMD pass that finds the lines starting with `F`
/// or `-` (shared with the MIME delimiter search), `index_secs` that pass
/// plus validating the separators and their Content-Length (1 MiB
/// windows), `stitch_secs` walking the message boundaries over the
/// finished index, `memscan_secs` a bare memmem(`\nFrom `) for scale.
fn split(path: &str) {
    let m = map(path);
    let data: &[u8] = &m;
    const W: usize = 1 << 20;
    let best = |f: &dyn Fn() -> usize| -> (f64, usize) {
        let mut out = (f64::MAX, 0);
        for _ in 0..3 {
            let t = Instant::now();
            let n = black_box(f());
            out = (out.0.min(t.elapsed().as_secs_f64()), n);
        }
        out
    };
    let (memscan_secs, _) = best(&|| memchr::memmem::find_iter(data, b"\nFrom ").count());
    let (marks_secs, marks) = best(&|| {
        let mut n = 0;
        smimescan::lines::line_marks(data, &mut |_| n += 1);
        n
    });
    let (index_secs, seps) = best(&|| mailbox::index_windows(data, 0..data.len(), W).seps.len());
    // The walk alone, over a finished index.
    let full = mailbox::index_windows(data, 0..data.len(), W);
    let (mut stitch_secs, mut messages) = (f64::MAX, 0);
    for _ in 0..3 {
        let index = full.clone();
        let t = Instant::now();
        let mut st = mailbox::Stitcher::new(mailbox::bom_len(data), data.len());
        if let Some(r) = st.want(usize::MAX) {
            st.feed(r, index);
        }
        messages = 0;
        while let Some(span) = st.next_span(data) {
            let content = mailbox::message_content(&data[span.clone()], span.end < data.len());
            let start = content.as_ptr() as usize - data.as_ptr() as usize;
            black_box(st.dash_lines(start..start + content.len()));
            messages += 1;
        }
        stitch_secs = stitch_secs.min(t.elapsed().as_secs_f64());
    }
    println!(
        "mode=split bytes={} messages={messages} separators={seps} marks={marks} \
         memscan_secs={memscan_secs:.6} marks_secs={marks_secs:.6} index_secs={index_secs:.6} \
         stitch_secs={stitch_secs:.6}",
        data.len()
    );
}

/// CPU time of the calling thread, in seconds.
fn thread_cpu() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn unzstd(path: &str, passes: Option<&String>) {
    use std::io::Read;
    let passes: usize = passes.map_or(3, |p| p.parse().expect("PASSES"));
    const OUT: usize = 4 << 20;
    let mut buf = vec![0u8; OUT];
    // (cpu, wall, bytes) of the best pass of `f`.
    let mut best = |f: &mut dyn FnMut(&mut [u8]) -> usize| -> (f64, f64, usize) {
        let mut out = (f64::MAX, f64::MAX, 0);
        for _ in 0..passes.max(1) {
            let (c, t) = (thread_cpu(), Instant::now());
            let n = f(&mut buf);
            out = (
                out.0.min(thread_cpu() - c),
                out.1.min(t.elapsed().as_secs_f64()),
                n,
            );
        }
        out
    };
    let (read_cpu, read_wall, bytes) = best(&mut |buf| {
        let f = std::fs::File::open(path).expect("open");
        let input = std::io::BufReader::with_capacity(1 << 17, f);
        let mut dec = zstd::stream::read::Decoder::with_buffer(input).expect("decoder");
        let mut n = 0;
        loop {
            match dec.read(buf).expect("read") {
                0 => return n,
                k => n += black_box(k),
            }
        }
    });
    let m = map(path);
    let data: &[u8] = &m;
    let (dctx_cpu, dctx_wall, _) = best(&mut |buf| {
        let mut dctx = zstd::zstd_safe::DCtx::create();
        let mut input = zstd::zstd_safe::InBuffer::around(data);
        let mut n = 0;
        loop {
            let mut output = zstd::zstd_safe::OutBuffer::around(&mut *buf);
            let hint = dctx
                .decompress_stream(&mut output, &mut input)
                .expect("zstd");
            n += black_box(output.pos());
            if hint == 0 && input.pos() == data.len() {
                return n;
            }
        }
    });
    let gib = bytes as f64 / f64::from(1u32 << 30);
    println!(
        "mode=unzstd bytes={bytes} compressed={} read_cpu={read_cpu:.6} read_wall={read_wall:.6} \
         read_cpu_per_gib={:.4} dctx_cpu={dctx_cpu:.6} dctx_wall={dctx_wall:.6} dctx_cpu_per_gib={:.4}",
        data.len(),
        read_cpu / gib,
        dctx_cpu / gib
    );
}

fn parse(path: &str, threads: Option<&String>) {
    let m = map(path);
    let data: &[u8] = &m;
    let pool = pool(threads);
    let n = pool.current_num_threads();
    let t = Instant::now();
    let spans: Vec<&[u8]> = mailbox::split(data)
        .map(|r| {
            let followed = r.end < data.len();
            mailbox::message_content(&data[r], followed)
        })
        .collect();
    let split_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let parts: usize = pool.install(|| {
        spans
            .par_iter()
            .map(|msg| {
                mail_parser::MessageParser::new()
                    .parse(*msg)
                    .map(|p| black_box(p.parts.len()))
                    .unwrap_or(0)
            })
            .sum()
    });
    let parse_secs = t.elapsed().as_secs_f64();
    println!(
        "mode=parse threads={n} bytes={} messages={} parts={parts} split_secs={split_secs:.6} \
         parse_secs={parse_secs:.6} mb_per_s={:.1} msgs_per_s={:.1}",
        data.len(),
        spans.len(),
        data.len() as f64 / parse_secs / 1e6,
        spans.len() as f64 / parse_secs
    );
}

fn rawverify(alg: &str, secs: &str, threads: Option<&String>) {
    let (blob, pem) = match alg {
        "rsa" => ("rsa2048-sha256.p7s", "rsa2048.pem"),
        "p256" => ("ecdsa-p256-sha256.p7s", "ecp256.pem"),
        _ => usage(),
    };
    let der = common::read(&format!("corpora/sigs/blobs/{blob}"));
    let ci = ContentInfo::from_der(&der).expect("ContentInfo");
    let sd: SignedData = ci.content.decode_as().expect("SignedData");
    let si = sd.signer_infos.0.iter().next().expect("a signer");
    let msg = si
        .signed_attrs
        .as_ref()
        .expect("signed attrs")
        .to_der()
        .unwrap();
    let sig = si.signature.as_bytes().to_vec();
    let sigalg = SigAlg::from_cms(
        &si.signature_algorithm,
        DigestAlg::from_x509(&si.digest_alg).expect("digest"),
    )
    .expect("alg");
    let (certs, _) = load_certs(&[common::repo(&format!("corpora/sigs/pki/{pem}"))]).unwrap();
    let cert = certs[0].clone();
    cert.public_key()
        .unwrap()
        .verify(&sigalg, &msg, &sig)
        .expect("fixture verifies");
    let dur = Duration::from_secs_f64(secs.parse().expect("SECS"));
    let n = threads
        .map(|t| t.parse().expect("THREADS"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..n {
            let (stop, done, cert, msg, sig) = (&stop, &done, &cert, &msg, &sig);
            s.spawn(move || {
                let key = cert.public_key().unwrap();
                let mut k = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..16 {
                        black_box(key.verify(&sigalg, black_box(msg), black_box(sig))).unwrap();
                    }
                    k += 16;
                }
                done.fetch_add(k, Ordering::Relaxed);
            });
        }
        std::thread::sleep(dur);
        stop.store(true, Ordering::Relaxed);
    });
    let secs = t.elapsed().as_secs_f64();
    let ops = done.load(Ordering::Relaxed);
    println!(
        "mode=rawverify alg={alg} threads={n} verifies={ops} secs={secs:.3} per_s={:.0}",
        ops as f64 / secs
    );
}

fn slice(path: &str, n: &str, out: &str) {
    let m = map(path);
    let data: &[u8] = &m;
    let n: usize = n.parse().expect("N");
    let end = mailbox::split(data).take(n).last().map_or(0, |r| r.end);
    std::fs::write(out, &data[..end]).expect("write slice");
    let msgs = mailbox::split(&data[..end]).count();
    println!("mode=slice messages={msgs} bytes={end} out={out}");
}

fn extract_signed(path: &str, n: &str, dir: &str) {
    use smimescan::mime::{find_smime, Limits, Smime};
    let m = map(path);
    let data: &[u8] = &m;
    let n: usize = n.parse().expect("N");
    std::fs::create_dir_all(dir).expect("DIR");
    let limits = Limits::default();
    let mut k = 0usize;
    let mut bytes = 0usize;
    for r in mailbox::split(data) {
        if k >= n {
            break;
        }
        let followed = r.end < data.len();
        let msg = mailbox::message_content(&data[r], followed);
        let signed = match find_smime(msg, &limits) {
            Ok(Some(f)) => match f.smime {
                Smime::Detached { .. } => f.part.is_empty(),
                Smime::Pkcs7Mime { smime_type, .. } => {
                    f.part.is_empty() && smime_type.as_deref() == Some("signed-data")
                }
                _ => false,
            },
            _ => false,
        };
        if !signed {
            continue;
        }
        let unquoted = mailbox::unquote_from(msg);
        let body = unquoted.as_deref().unwrap_or(msg);
        let mut f = std::fs::File::create(format!("{dir}/{k:06}.eml")).expect("create");
        f.write_all(body).expect("write");
        bytes += body.len();
        k += 1;
    }
    println!("mode=extract-signed messages={k} bytes={bytes} dir={dir}");
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let a = |i: usize| args.get(i).map(String::as_str).unwrap_or_else(|| usage());
    match args.first().map(String::as_str) {
        Some("memscan") => memscan(a(1), args.get(2)),
        Some("parse") => parse(a(1), args.get(2)),
        Some("split") => split(a(1)),
        Some("rawverify") => rawverify(a(1), a(2), args.get(3)),
        Some("unzstd") => unzstd(a(1), args.get(2)),
        Some("slice") => slice(a(1), a(2), a(3)),
        Some("extract-signed") => extract_signed(a(1), a(2), a(3)),
        // `cargo bench` with no arguments runs every bench target: do nothing.
        None => eprintln!("limits: no mode given (see benches/limits.rs); nothing to do"),
        Some(_) => usage(),
    }
}
