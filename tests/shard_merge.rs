//! `--shard K/N` + `merge` == one whole run, byte for byte, for N = 1..=7.

mod common;

use std::path::Path;

use common::{scratch, smimescan};

const AT: &str = "2026-01-01T00:00:00Z";

/// A mixed corpus: a big mbox with awkward bodies (unquoted and quoted
/// `From ` lines, Content-Length messages, CRLF), a Maildir, .eml and .gz
/// files, an empty file.
fn build_corpus(dir: &Path) {
    use std::fmt::Write as _;
    use std::io::Write as _;
    let mut mbox = String::new();
    for i in 0..600 {
        let body_lines = 1 + (i * 7919) % 40;
        let mut body = String::new();
        for l in 0..body_lines {
            match (i + l) % 13 {
                0 => body.push_str("\nFrom Russia with love\n"),
                1 => body.push_str(">From the archive\n"),
                _ => {
                    let _ = writeln!(body, "line {l} of message {i} {}", "x".repeat((i * l) % 90));
                }
            }
        }
        let _ = writeln!(
            mbox,
            "From sender{i}@example.com Mon Jan  1 00:00:{:02} 2024",
            i % 60
        );
        if i % 17 == 0 {
            // mboxcl2: a Content-Length body holding a separator-looking message.
            let inner = format!("{body}\nFrom x@y Mon Jan  1 00:00:00 2024\nSubject: inner\n\nz\n");
            let _ = write!(
                mbox,
                "From: s{i}@example.com\nSubject: cl {i}\nContent-Length: {}\n\n{inner}\n",
                inner.len()
            );
        } else {
            let _ = write!(
                mbox,
                "From: s{i}@example.com\nSubject: m {i}\nMessage-ID: <{i}@x>\n\n{body}\n"
            );
        }
    }
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("a/big.mbox"), &mbox).unwrap();
    std::fs::write(
        dir.join("a/big-crlf.mbox"),
        common::to_crlf(mbox.as_bytes()),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&mbox.as_bytes()[..mbox.len() / 3]).unwrap();
    std::fs::write(dir.join("a/part.mbox.gz"), gz.finish().unwrap()).unwrap();
    std::fs::write(dir.join("a/empty.mbox"), b"").unwrap();
    let md = dir.join("b/Maildir");
    for sub in ["cur", "new", "tmp", ".Sent/cur", ".Sent/new"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    for i in 0..40 {
        let sub = if i % 3 == 0 {
            "new"
        } else if i % 5 == 0 {
            ".Sent/cur"
        } else {
            "cur"
        };
        std::fs::write(
            md.join(sub).join(format!("17000000{i:02}.M1P1.host:2,S")),
            format!(
                "From: m{i}@example.com\nSubject: md {i}\n\n{}\n",
                "body ".repeat(i * 30)
            ),
        )
        .unwrap();
    }
    let sample = common::root("corpora/sample/archive");
    copy_dir(&sample, &dir.join("c"));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

fn without_elapsed(summary: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(summary).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("elapsed_seconds");
    v
}

fn check(dir: &Path, inputs: &[&str], ext: &str) {
    let whole = dir.join(format!("whole.{ext}"));
    let whole_sum = dir.join("whole.json");
    let mut args = vec!["scan", "--at", AT, "-o", whole.to_str().unwrap()];
    args.extend(["--summary", whole_sum.to_str().unwrap()]);
    args.extend(inputs);
    let (code, _, err) = smimescan(&args);
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read(&whole).unwrap();
    for n in 1..=7u32 {
        let mut parts = Vec::new();
        for k in 0..n {
            let out = dir.join(format!("shard-{k}-of-{n}.{ext}"));
            let sum = dir.join(format!("shard-{k}-of-{n}.json"));
            let shard = format!("{k}/{n}");
            let mut args = vec![
                "scan",
                "--at",
                AT,
                "--shard",
                &shard,
                "-o",
                out.to_str().unwrap(),
            ];
            args.extend(["--summary", sum.to_str().unwrap()]);
            args.extend(inputs);
            let (code, _, err) = smimescan(&args);
            assert_eq!(code, 0, "{err}");
            parts.push(out.to_str().unwrap().to_owned());
            parts.push(sum.to_str().unwrap().to_owned());
        }
        let merged = dir.join(format!("merged-{n}.{ext}"));
        let merged_sum = dir.join(format!("merged-{n}.json"));
        let mut args = vec![
            "merge",
            "-o",
            merged.to_str().unwrap(),
            "--summary",
            merged_sum.to_str().unwrap(),
        ];
        args.extend(parts.iter().map(|s| s.as_str()));
        let (code, _, err) = smimescan(&args);
        assert_eq!(code, 0, "{err}");
        let got = std::fs::read(&merged).unwrap();
        assert!(
            got == expected,
            "N={n}: merged report differs from the whole run ({ext})"
        );
        assert_eq!(
            without_elapsed(&merged_sum),
            without_elapsed(&whole_sum),
            "N={n}: summary"
        );
    }
}

#[test]
fn shards_merge_to_the_whole_run() {
    let dir = scratch("shards");
    build_corpus(&dir);
    let d = dir.to_str().unwrap().to_owned();
    let a = format!("{d}/a");
    let b = format!("{d}/b/Maildir");
    let c = format!("{d}/c");
    check(&dir, &[&a, &b, &c], "csv");
    check(&dir, &[&format!("{d}/a/big.mbox")], "jsonl");
    check(&dir, &[&b], "csv");
}

/// Archives from the benchmark generator (corpora/gen): an mbox and a
/// Maildir, 10% signed by a handful of signers, judged with the pool's root.
#[test]
fn generated_archives_shard_and_merge() {
    let dir = scratch("shards-gen");
    for (out, fmt, seed) in [("gen.mbox", "mbox", "3"), ("gen-maildir", "maildir", "4")] {
        let st = std::process::Command::new("python3")
            .arg(common::root("corpora/gen/generate.py"))
            .args([
                "--out",
                dir.join(out).to_str().unwrap(),
                "--size",
                "3M",
                "--format",
                fmt,
                "--seed",
                seed,
                "--no-manifest-file",
            ])
            .stdout(std::process::Stdio::null())
            .status();
        match st {
            Ok(s) if s.success() => {}
            _ => {
                eprintln!("NOTICE: python3 generator not runnable; test skipped");
                return;
            }
        }
    }
    let d = dir.to_str().unwrap().to_owned();
    check(
        &dir,
        &[&format!("{d}/gen.mbox"), &format!("{d}/gen-maildir")],
        "csv",
    );
}

#[test]
fn merge_detects_a_missing_shard() {
    let dir = scratch("shards-missing");
    let sample = common::root("corpora/sample/archive");
    let s = sample.to_str().unwrap();
    let mut parts = Vec::new();
    for k in 0..3 {
        let out = dir.join(format!("s{k}.csv"));
        let sum = dir.join(format!("s{k}.json"));
        let shard = format!("{k}/3");
        let (code, _, _) = smimescan(&[
            "scan",
            s,
            "--shard",
            &shard,
            "-o",
            out.to_str().unwrap(),
            "--summary",
            sum.to_str().unwrap(),
        ]);
        assert_eq!(code, 0);
        parts.push((out, sum));
    }
    // Report 1 missing but its summary given: an error.
    let (code, _, err) = smimescan(&[
        "merge",
        parts[0].0.to_str().unwrap(),
        parts[2].0.to_str().unwrap(),
        parts[0].1.to_str().unwrap(),
        parts[1].1.to_str().unwrap(),
        parts[2].1.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("incomplete"), "{err}");
}

/// Shards 0..3 of a generated mbox, each with report and summary.
fn three_shards(dir: &Path) -> Vec<(String, String)> {
    let mbox = dir.join("in.mbox");
    let mut text = String::new();
    for i in 0..90 {
        text += &format!(
            "From a@b Mon Jan  1 00:00:00 2024\nFrom: m{i}@example.com\nSubject: {i}\n\n{}\n",
            "body line\n".repeat(1 + (i * i) % 23)
        );
    }
    std::fs::write(&mbox, text).unwrap();
    (0..3)
        .map(|k| {
            let out = dir.join(format!("shard-{k}.csv"));
            let sum = dir.join(format!("shard-{k}.json"));
            let shard = format!("{k}/3");
            let (code, _, err) = smimescan(&[
                "scan",
                mbox.to_str().unwrap(),
                "--shard",
                &shard,
                "-o",
                out.to_str().unwrap(),
                "--summary",
                sum.to_str().unwrap(),
            ]);
            assert_eq!(code, 0, "{err}");
            (
                out.to_str().unwrap().to_owned(),
                sum.to_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A shard left out whole, report and summary (a glob that missed it, a
/// task that never finished), used to merge into a report that silently
/// lacked its messages: each shard summary now names its `K/N`, and merge
/// wants all N.
#[test]
fn merge_refuses_a_shard_left_out_whole() {
    let dir = scratch("shards-left-out");
    let p = three_shards(&dir);
    let merged = dir.join("merged.csv");
    let m = merged.to_str().unwrap();
    let (code, _, err) = smimescan(&["merge", "-o", m, &p[0].0, &p[2].0, &p[0].1, &p[2].1]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("2 of 3 shards given; missing: shard 1"),
        "{err}"
    );
    assert!(!merged.exists());
    // The same shard given twice instead.
    let (code, _, err) = smimescan(&[
        "merge", "-o", m, &p[0].0, &p[1].0, &p[1].0, &p[0].1, &p[1].1, &p[1].1,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("shard 1/3 is given twice"), "{err}");
    // Shard summaries of another run in 2 shards mixed in.
    let other = dir.join("other.json");
    let text = std::fs::read_to_string(&p[2].1).unwrap();
    std::fs::write(&other, text.replace("\"2/3\"", "\"1/2\"")).unwrap();
    let (code, _, err) = smimescan(&[
        "merge",
        "-o",
        m,
        &p[0].0,
        &p[1].0,
        &p[2].0,
        &p[0].1,
        &p[1].1,
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not the shards of one run"), "{err}");
    // All three, summaries in any order: merged, and the merged summary
    // has no shard.
    let sum = dir.join("merged.json");
    let (code, _, err) = smimescan(&[
        "merge",
        "-o",
        m,
        "--summary",
        sum.to_str().unwrap(),
        &p[0].0,
        &p[1].0,
        &p[2].0,
        &p[2].1,
        &p[0].1,
        &p[1].1,
    ]);
    assert_eq!(code, 0, "{err}");
    let shard0: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&p[0].1).unwrap()).unwrap();
    assert_eq!(shard0["shard"], "0/3");
    let merged_sum: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sum).unwrap()).unwrap();
    assert!(merged_sum.get("shard").is_none(), "{merged_sum}");
}

/// Reports given out of shard order (shard-10 sorts before shard-2 in a
/// glob) would merge into rows in another order than the whole run's: with
/// the summaries, merge sees each report's row count disagree.
#[test]
fn merge_refuses_reports_out_of_shard_order() {
    let dir = scratch("shards-out-of-order");
    let p = three_shards(&dir);
    let counts: Vec<usize> = p
        .iter()
        .map(|(csv, _)| common::csv_rows(&std::fs::read_to_string(csv).unwrap()).len())
        .collect();
    assert_ne!(counts[0], counts[1], "{counts:?}");
    let merged = dir.join("merged.csv");
    let (code, _, err) = smimescan(&[
        "merge",
        "-o",
        merged.to_str().unwrap(),
        &p[1].0,
        &p[0].0,
        &p[2].0,
        &p[0].1,
        &p[1].1,
        &p[2].1,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not in shard order"), "{err}");
    assert!(!merged.exists());
}

#[test]
fn shard_auto_from_scheduler_environment() {
    use smimescan::scan::Shard;
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        Shard::from_env(&env(&[
            ("JOB_COMPLETION_INDEX", "3"),
            ("SMIMESCAN_SHARDS", "8")
        ])),
        Ok(Shard { k: 3, n: 8 })
    );
    assert_eq!(
        Shard::from_env(&env(&[
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "8")
        ])),
        Ok(Shard { k: 4, n: 8 })
    );
    assert!(Shard::from_env(&env(&[("JOB_COMPLETION_INDEX", "3")])).is_err());
    assert!(Shard::from_env(&env(&[]))
        .unwrap_err()
        .to_string()
        .contains("neither"));
    assert!(Shard::from_env(&env(&[
        ("SLURM_ARRAY_TASK_ID", "9"),
        ("SLURM_ARRAY_TASK_COUNT", "8")
    ]))
    .is_err());
    // Through the binary: a clear error when no scheduler variable is set.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smimescan"))
        .args(["scan", "--shard", "auto", "corpora/sample/archive"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smimescan"))
        .args(["scan", "--shard", "auto", "corpora/sample/archive"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("JOB_COMPLETION_INDEX", "0")
        .env("SMIMESCAN_SHARDS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 16);
}

/// docs/: the Kubernetes manifest parses and runs `--shard auto` with a
/// shard count equal to the Job's completions, then a merge of all shards.
#[test]
fn kubernetes_manifest_parses_and_names_the_flags() {
    let text = std::fs::read_to_string(common::root("docs/kubernetes-indexed-job.yaml")).unwrap();
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    let job = &docs[0];
    assert_eq!(job["kind"], "Job");
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let completions = job["spec"]["completions"].as_u64().unwrap();
    let c = &job["spec"]["template"]["spec"]["containers"][0];
    let env = c["env"].as_sequence().unwrap();
    let shards = env
        .iter()
        .find(|e| e["name"] == "SMIMESCAN_SHARDS")
        .unwrap();
    assert_eq!(
        shards["value"].as_str().unwrap().parse::<u64>().unwrap(),
        completions
    );
    let args = c["args"][0].as_str().unwrap();
    for flag in [
        "smimescan scan",
        "--shard auto",
        "--summary",
        "-o /out/shard-$(JOB_COMPLETION_INDEX).csv",
    ] {
        assert!(args.contains(flag), "{flag} in {args}");
    }
    let merge = docs[1]["spec"]["template"]["spec"]["containers"][0]["args"][0]
        .as_str()
        .unwrap();
    assert!(merge.contains("smimescan merge"));
    assert!(
        merge.contains(&format!("seq 0 {}", completions - 1)) || merge.contains("0 1 2 3 4 5 6 7")
    );
}

/// docs/: the Kubernetes manifest is two valid `batch/v1` Jobs by the
/// schema that `kubernetes-validate` (PyPI) bundles, strict (no unknown
/// field), for Kubernetes 1.33 (`backoffLimitPerIndex` is GA there); a
/// misspelt field fails, so the validator does look. Skips with a notice
/// when the validator is not installed, fails instead under CI.
#[test]
fn kubernetes_manifest_validates_against_the_job_schema() {
    let validate = |path: &Path| {
        std::process::Command::new("python3")
            .args([
                "-m",
                "kubernetes_validate",
                "--strict",
                "--kubernetes-version",
                "1.33.0",
            ])
            .arg(path)
            .stdin(std::process::Stdio::null())
            .output()
    };
    let have = std::process::Command::new("python3")
        .args(["-c", "import kubernetes_validate"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "CI: python3 -m pip install kubernetes-validate (see .ci/run)"
        );
        eprintln!("NOTICE: kubernetes-validate not installed; test skipped");
        return;
    }
    let manifest = common::root("docs/kubernetes-indexed-job.yaml");
    let out = validate(&manifest).unwrap();
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    for job in ["job/smimescan-shards", "job/smimescan-merge"] {
        assert!(
            said.contains(&format!("passed for resource {job}")),
            "{said}"
        );
    }
    let text = std::fs::read_to_string(&manifest).unwrap();
    let dir = scratch("k8s-validate");
    for (from, to) in [
        ("backoffLimitPerIndex:", "backoffLimitPerIndx:"),
        ("completions: 8", "completions: \"8\""),
        ("restartPolicy: Never", "restartPolicy: [Never]"),
    ] {
        assert!(text.contains(from), "{from}");
        let bad = dir.join("bad.yaml");
        std::fs::write(&bad, text.replacen(from, to, 1)).unwrap();
        let out = validate(&bad).unwrap();
        assert!(
            !out.status.success(),
            "{to} passed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// docs/: the Slurm script, run as a job array through a stand-in `srun`,
/// gives shards that merge into the whole run.
#[test]
fn slurm_script_runs_shards_that_merge_to_the_whole_run() {
    let dir = scratch("slurm");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let srun = bin.join("srun");
    std::fs::write(&srun, "#!/bin/sh\nexec \"$@\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&srun, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let exe_dir = Path::new(env!("CARGO_BIN_EXE_smimescan")).parent().unwrap();
    let path = format!(
        "{}:{}:{}",
        bin.display(),
        exe_dir.display(),
        std::env::var("PATH").unwrap()
    );
    let script = common::root("docs/slurm-array.sbatch");
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("#SBATCH --array=0-7"));
    let archive = common::root("corpora/sample/archive");
    let out = dir.join("out");
    let mut parts = Vec::new();
    for k in 0..8 {
        let st = std::process::Command::new("bash")
            .arg(&script)
            .arg(&archive)
            .arg(&out)
            .env("PATH", &path)
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_ARRAY_TASK_MIN", "0")
            .env("SLURM_ARRAY_TASK_COUNT", "8")
            .env_remove("JOB_COMPLETION_INDEX")
            .status()
            .unwrap();
        assert!(st.success());
        parts.push(
            out.join(format!("shard-{k}.csv"))
                .to_str()
                .unwrap()
                .to_owned(),
        );
        parts.push(
            out.join(format!("shard-{k}.json"))
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    // A re-run whose SMIMESCAN_SHARD names another shard than the array
    // task would write shard 2's rows as shard-1.csv: refused.
    let st = std::process::Command::new("bash")
        .arg(&script)
        .arg(&archive)
        .arg(dir.join("misnamed"))
        .env("PATH", &path)
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SMIMESCAN_SHARD", "2/8")
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(2));
    assert!(!dir.join("misnamed/shard-1.csv").exists());
    let merged = dir.join("merged.csv");
    let mut args = vec!["merge", "-o", merged.to_str().unwrap()];
    args.extend(parts.iter().map(|s| s.as_str()));
    assert_eq!(smimescan(&args).0, 0);
    let (code, whole, _) = smimescan(&["scan", "--at", "signing", archive.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&merged).unwrap(), whole);
}
