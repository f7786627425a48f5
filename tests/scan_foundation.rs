//! The scanner foundation end to end: inputs, ordering, formats, exit codes.

mod common;

use common::{csv_rows, scratch, smimescan};

const SAMPLE: &str = "corpora/sample/archive";
const AT: &str = "2026-01-01T00:00:00Z";

#[test]
fn sample_archive_rows_kinds_and_parts() {
    let (code, out, err) = smimescan(&["scan", SAMPLE, "--at", AT, "--progress", "never"]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    // 7 Maildir (cur+new) + 1 in .Sent + 7 in the mbox; tmp/ and dovecot files skipped.
    assert_eq!(rows.len(), 15);
    let sources: Vec<&str> = rows.iter().map(|r| r["source"].as_str()).collect();
    let mut sorted = sources.clone();
    sorted.sort();
    assert_eq!(sources, sorted, "sorted walk order");
    assert!(sources[0].contains("Maildir/.Sent/cur/"));
    assert!(!sources
        .iter()
        .any(|s| s.contains("/tmp/") || s.contains("dovecot")));
    let mbox: Vec<_> = rows
        .iter()
        .filter(|r| r["source"].ends_with("sample.mbox"))
        .collect();
    let kinds: Vec<(&str, &str, &str)> = mbox
        .iter()
        .map(|r| {
            (
                r["message_id"].as_str(),
                r["kind"].as_str(),
                r["part"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("m1@sample.example", "plain", ""),
            ("m2@sample.example", "signed", ""),
            ("m3@sample.example", "signed-opaque", ""),
            ("m4@sample.example", "enveloped", ""),
            ("m5@sample.example", "signed", ""),
            ("m6@sample.example", "signed", "1"),
            ("m7@sample.example", "signed", ""),
        ]
    );
    // Offsets/lengths tile the mbox; index counts messages.
    let size = std::fs::metadata(common::root("corpora/sample/archive/sample.mbox"))
        .unwrap()
        .len();
    let mut next = 0u64;
    for (i, r) in mbox.iter().enumerate() {
        assert_eq!(r["index"], i.to_string());
        assert_eq!(r["offset"].parse::<u64>().unwrap(), next);
        next += r["length"].parse::<u64>().unwrap();
    }
    assert_eq!(next, size);
    assert_eq!(mbox[0]["date"], "2025-03-03T10:00:00Z");
    assert_eq!(mbox[0]["from"], "alice@example.com");
    assert!(mbox[5]["findings"].contains("PARTIAL_SIGNATURE"));
}

#[test]
fn same_report_at_any_thread_count() {
    let spam = common::peer("spamassassin/corpus");
    let mut args = vec!["scan", SAMPLE, "--at", AT];
    if let Some(p) = &spam {
        args.push(p.to_str().unwrap());
    }
    let one = smimescan(&[&args[..], &["-j", "1"]].concat());
    let four = smimescan(&[&args[..], &["-j", "4"]].concat());
    assert_eq!(one.0, 0);
    assert_eq!(one.1, four.1);
    assert!(one.1.lines().count() > 15);
}

#[test]
fn compressed_inputs_give_the_plain_rows() {
    use std::io::Write;
    let dir = scratch("compressed");
    let plain = std::fs::read(common::root("corpora/sample/archive/sample.mbox")).unwrap();
    std::fs::write(dir.join("a.mbox"), &plain).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    std::fs::write(dir.join("b.mbox.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(
        dir.join("c.mbox.zst"),
        zstd::encode_all(&plain[..], 3).unwrap(),
    )
    .unwrap();
    let eml = std::fs::read(common::root("corpora/sample/msgs/02-signed.eml")).unwrap();
    std::fs::write(dir.join("d.eml.gz"), {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&eml).unwrap();
        gz.finish().unwrap()
    })
    .unwrap();
    let (code, out, err) = smimescan(&["scan", dir.to_str().unwrap(), "--at", AT]);
    assert_eq!(code, 0, "{err}");
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 7 * 3 + 1);
    let strip = |r: &std::collections::HashMap<String, String>| {
        let mut r = r.clone();
        r.remove("source");
        let mut v: Vec<_> = r.into_iter().collect();
        v.sort();
        v
    };
    for i in 0..7 {
        assert_eq!(strip(&rows[i]), strip(&rows[7 + i]), "gz row {i}");
        assert_eq!(strip(&rows[i]), strip(&rows[14 + i]), "zst row {i}");
    }
    assert_eq!(rows[21]["kind"], "signed");
    assert_eq!(rows[21]["message_id"], "m2@sample.example");
}

#[test]
fn csv_injection_is_escaped_and_jsonl_keeps_raw_values() {
    let dir = scratch("injection");
    std::fs::write(
        dir.join("evil.eml"),
        "From: \"x\" <=cmd@evil.example>\r\nMessage-ID: <=HYPERLINK(\"http://evil\")>\r\nSubject: hi\r\n\r\nbody\r\n",
    )
    .unwrap();
    let path = dir.join("evil.eml");
    let (code, out, _) = smimescan(&["scan", path.to_str().unwrap()]);
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    assert_eq!(rows[0]["message_id"], "'=HYPERLINK(\"http://evil\")");
    let report = dir.join("r.jsonl");
    let (code, _, _) = smimescan(&[
        "scan",
        path.to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let line = std::fs::read_to_string(&report).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(v["message_id"], "=HYPERLINK(\"http://evil\")");
    assert_eq!(v["index"], 0);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), smimescan::report::COLUMNS.len());
}

#[test]
fn summary_file_and_exit_codes() {
    let dir = scratch("summary");
    let sum = dir.join("s.json");
    let (code, _, err) = smimescan(&[
        "scan",
        SAMPLE,
        "--at",
        AT,
        "-o",
        dir.join("r.csv").to_str().unwrap(),
        "--summary",
        sum.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("15 messages"), "{err}");
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(&sum).unwrap()).unwrap();
    assert_eq!(s["messages"], 15);
    assert_eq!(s["by_kind"]["plain"], 2);
    assert_eq!(s["by_kind"]["enveloped"], 2);
    let report = std::fs::read_to_string(dir.join("r.csv")).unwrap();
    let bytes: u64 = csv_rows(&report)
        .iter()
        .map(|r| r["length"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(s["bytes"], bytes);
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // Nothing readable: status 2. Bad arguments: 2.
    let (code, _, err) = smimescan(&["scan", "does/not/exist"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does/not/exist"));
    let (code, _, _) = smimescan(&["scan", SAMPLE, "--at", "yesterday"]);
    assert_eq!(code, 2);
    // One unreadable path among readable ones: reported, status 0.
    let (code, out, err) = smimescan(&["scan", "does/not/exist", SAMPLE]);
    assert_eq!(code, 0);
    assert!(err.contains("does/not/exist"));
    assert_eq!(csv_rows(&out).len(), 15);
    // --fail-on violation: the sample has violations.
    let (code, _, _) = smimescan(&["scan", SAMPLE, "--at", AT, "--fail-on", "violation"]);
    assert_eq!(code, 1);
}

#[test]
fn malformed_message_is_an_error_row_and_the_run_goes_on() {
    let dir = scratch("malformed");
    std::fs::write(dir.join("a.eml"), b"\x00\x01\x02 binary junk\n").unwrap();
    std::fs::write(dir.join("b.eml"), b"Subject: fine\n\nok\n").unwrap();
    let (code, out, _) = smimescan(&["scan", dir.to_str().unwrap()]);
    assert_eq!(code, 0);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["kind"], "malformed");
    assert_eq!(rows[0]["verdict"], "error");
    assert_eq!(rows[0]["findings"], "MALFORMED_MESSAGE");
    assert!(!rows[0]["error"].is_empty());
    assert_eq!(rows[1]["verdict"], "unsigned");
}

#[test]
fn progress_always_draws_on_a_pipe() {
    let (code, _, err) = smimescan(&["scan", SAMPLE, "--progress", "always", "-o", "/dev/null"]);
    assert_eq!(code, 0);
    assert!(err.contains("messages"), "{err}");
}
