//! Chains built to be expensive (corpora/chains/make-rules.py): 4,096
//! rfc822Names against 4,096 permitted subtrees, once really signed under
//! Root CA and once forged. Before the budgets, one such judgement took 2 s
//! and every message paid it again; now the scan of 100 such messages is
//! bounded (budget, signatures first, per-path cache).

mod common;

use std::time::{Duration, Instant};

use common::{csv_rows, root, smimescan};

#[test]
fn hundred_messages_with_4096_names_vs_4096_constraints_scan_fast() {
    let tmp = tempfile::tempdir().unwrap();
    let msgs = root("corpora/chains/rules/messages");
    for i in 0..100 {
        let src = if i % 2 == 0 { "big" } else { "big_forged" };
        std::fs::copy(
            msgs.join(format!("{src}.eml.gz")),
            tmp.path().join(format!("{i:03}-{src}.eml.gz")),
        )
        .unwrap();
    }
    let trust = root("corpora/chains/certs/root.pem");
    let dir = tmp.path().to_str().unwrap();
    let t = Instant::now();
    let (code, out, err) = smimescan(&[
        "scan",
        dir,
        "--trust",
        trust.to_str().unwrap(),
        "--no-default-trust",
        "--at",
        "2025-06-01T00:00:00Z",
        "-j",
        "2",
    ]);
    let took = t.elapsed();
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 100);
    for r in &rows {
        assert_eq!(r["signature"], "valid", "{}: {}", r["source"], r["error"]);
        assert_eq!(r["chain"], "invalid", "{}", r["source"]);
        assert!(r["findings"].contains("CHAIN_INVALID"), "{}", r["findings"]);
        if r["source"].ends_with("-big.eml.gz") {
            assert!(
                r["error"].contains("name-constraint budget (250000 name comparisons) exceeded"),
                "{}",
                r["error"]
            );
            assert_eq!(r["anchor"], "CN=Root CA,O=smimescan test");
        } else {
            assert!(r["error"].contains("Forged Big CA"), "{}", r["error"]);
            assert!(!r["error"].contains("budget"), "{}", r["error"]);
        }
    }
    let cpu = children_cpu();
    eprintln!("NOTICE: 100 hostile-chain messages scanned in {took:?} wall, {cpu:?} CPU");
    // Asked for explicitly (issue 12): under 2 s. Judged on the CPU time
    // of the scanner (user + system), which a loaded machine does not
    // inflate: ~0.3 s on a debug build (before: 2 s per message). The wall
    // clock only gets a generous sanity bound.
    assert!(cpu < Duration::from_secs(2), "CPU {cpu:?}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

/// User + system CPU time of the finished child processes.
fn children_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    assert_eq!(rc, 0);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}
