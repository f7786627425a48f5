//! `docs/slurm-array.sbatch` on a real Slurm: a one-node cluster on
//! localhost (munged, slurmctld, slurmd from Debian's `slurm-wlm`, set up by
//! `ci/slurm-cluster.sh`). The commands run are the ones the script's header
//! and the README show, with only the paths and the shard count changed.
//!
//! The cluster is the one `SMIMESCAN_SLURM_CONF` names (`.ci/run` starts
//! it), or else one this test starts and stops itself when it runs as root
//! with the packages installed. Otherwise the test skips with a notice; with
//! `CI` set it fails instead.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{scratch, smimescan};

/// Array tasks in the test (the docs use 8).
const N: u32 = 3;
/// The task cancelled midway and re-run.
const KILLED: u32 = 1;

/// The documented commands, for a script path, archive, output folder, shard
/// count and re-run shard. The docs show them for
/// `slurm-array.sbatch /shared/archive /shared/out`, 8 shards, shard 5.
struct Commands {
    submit: String,
    merge_inner: String,
    merge: String,
    cancel_merge: String,
    resume: String,
}

fn commands(script: &str, archive: &str, out: &str, n: u32, k: u32) -> Commands {
    let last = n - 1;
    let merge_inner = format!(
        "smimescan merge -o {out}/report.csv --summary {out}/summary.json \
         $(for k in $(seq 0 {last}); do echo {out}/shard-$k.csv {out}/shard-$k.json; done)"
    );
    Commands {
        submit: format!("jobid=$(sbatch --parsable --array=0-{last} {script} {archive} {out})"),
        merge: format!(
            "mergeid=$(sbatch --parsable --dependency=afterok:$jobid --job-name=smimescan-merge \
             --wrap '{merge_inner}')"
        ),
        merge_inner,
        cancel_merge: "scancel $mergeid".into(),
        resume: format!(
            "jobid=$(SMIMESCAN_SHARD={k}/{n} sbatch --parsable --array={k} {script} {archive} {out})"
        ),
    }
}

/// Text with comment markers, line continuations and runs of white space
/// folded away, so that a command reads the same in the script's header, in
/// a README code block and here.
fn normalized(text: &str) -> String {
    let joined: Vec<&str> = text
        .lines()
        .map(|l| l.trim().trim_start_matches('#').trim())
        .map(|l| l.strip_suffix('\\').unwrap_or(l))
        .collect();
    joined
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The docs show exactly the commands this test runs.
#[test]
fn slurm_docs_show_the_commands_the_cluster_test_runs() {
    let c = commands("slurm-array.sbatch", "/shared/archive", "/shared/out", 8, 5);
    let script =
        normalized(&std::fs::read_to_string(common::root("docs/slurm-array.sbatch")).unwrap());
    let readme = normalized(&std::fs::read_to_string(common::root("README.md")).unwrap());
    for (what, cmd) in [
        ("submit", &c.submit),
        ("merge", &c.merge),
        ("cancel", &c.cancel_merge),
        ("resume", &c.resume),
    ] {
        let cmd = normalized(cmd);
        assert!(
            script.contains(&cmd),
            "docs/slurm-array.sbatch lacks the {what} command: {cmd}"
        );
        assert!(
            readme.contains(&cmd),
            "README.md lacks the {what} command: {cmd}"
        );
    }
    for watch in ["squeue --me", "sacct -j $jobid"] {
        assert!(script.contains(watch) && readme.contains(watch), "{watch}");
    }
}

/// A running one-node cluster; stopped on drop when this test started it.
struct Cluster {
    conf: PathBuf,
    owned: Option<PathBuf>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some(dir) = &self.owned {
            let _ = Command::new("bash")
                .arg(common::root("ci/slurm-cluster.sh"))
                .arg("down")
                .arg(dir)
                .stdin(Stdio::null())
                .status();
        }
    }
}

/// No cluster: a notice, or a failure under CI.
fn unavailable(why: &str) -> Option<Cluster> {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("CI is set but no Slurm cluster: {why}");
    }
    eprintln!("NOTICE: no Slurm cluster ({why}); test skipped");
    None
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Cluster {
    fn get() -> Option<Cluster> {
        if let Some(conf) = std::env::var_os("SMIMESCAN_SLURM_CONF") {
            let c = Cluster {
                conf: PathBuf::from(conf),
                owned: None,
            };
            if !c.conf.is_file() {
                // (sinfo would retry for a minute)
                return unavailable(&format!(
                    "SMIMESCAN_SLURM_CONF: no file {}",
                    c.conf.display()
                ));
            }
            let (ok, out) = c.sh(Path::new("."), "sinfo --noheader --format=%t");
            if !ok || !out.contains("idle") && !out.contains("mix") && !out.contains("alloc") {
                return unavailable(&format!("SMIMESCAN_SLURM_CONF set but sinfo says: {out}"));
            }
            return Some(c);
        }
        if !is_root() {
            return unavailable("not root, and SMIMESCAN_SLURM_CONF is not set");
        }
        for tool in ["munged", "slurmctld", "slurmd", "sbatch"] {
            if !on_path(tool) {
                return unavailable(&format!(
                    "{tool} not installed (ci/slurm-cluster.sh install)"
                ));
            }
        }
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slurm-cluster");
        let st = Command::new("bash")
            .arg(common::root("ci/slurm-cluster.sh"))
            .arg("up")
            .arg(&dir)
            .stdin(Stdio::null())
            .status()
            .expect("run ci/slurm-cluster.sh");
        let c = Cluster {
            conf: dir.join("slurm.conf"),
            owned: Some(dir),
        };
        if !st.success() {
            return unavailable("ci/slurm-cluster.sh up failed");
        }
        Some(c)
    }

    /// Runs a bash snippet with the cluster's config and the smimescan under
    /// test first on PATH; returns (success, stdout + stderr).
    fn sh(&self, cwd: &Path, script: &str) -> (bool, String) {
        let exe_dir = Path::new(env!("CARGO_BIN_EXE_smimescan")).parent().unwrap();
        let path = format!("{}:{}", exe_dir.display(), std::env::var("PATH").unwrap());
        let out = Command::new("bash")
            .args(["-c", &format!("set -euo pipefail\n{script}")])
            .current_dir(cwd)
            .env("SLURM_CONF", &self.conf)
            .env("PATH", path)
            .env_remove("SMIMESCAN_SHARD")
            .env_remove("SMIMESCAN_SHARDS")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX")
            .stdin(Stdio::null())
            .output()
            .expect("run bash");
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    /// Runs a snippet that must succeed; returns its stdout's last line.
    fn ok(&self, cwd: &Path, script: &str) -> String {
        let (ok, out) = self.sh(cwd, script);
        assert!(ok, "{script}\n{out}\n{}", self.logs(cwd));
        out.lines().last().unwrap_or("").trim().to_owned()
    }

    /// The daemons' and jobs' logs, for a failure message.
    fn logs(&self, cwd: &Path) -> String {
        let mut s = String::new();
        let dir = self.conf.parent().unwrap();
        for f in ["slurmctld.log", "slurmd.log"] {
            if let Ok(t) = std::fs::read_to_string(dir.join(f)) {
                let tail: Vec<&str> = t.lines().rev().take(20).collect();
                s += &format!(
                    "--- {f}\n{}\n",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
        }
        if let Ok(rd) = std::fs::read_dir(cwd) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".log") || name.starts_with("slurm-") {
                    let t = std::fs::read_to_string(e.path()).unwrap_or_default();
                    let tail: Vec<&str> = t.lines().rev().take(8).collect();
                    s += &format!(
                        "--- {name}\n{}\n",
                        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                    );
                }
            }
        }
        s
    }

    /// Waits (squeue) until none of `jobs` is pending or running; panics
    /// after `limit`.
    fn wait_done(&self, cwd: &Path, jobs: &[&str], limit: Duration) {
        let start = Instant::now();
        loop {
            let (ok, out) = self.sh(
                cwd,
                &format!(
                    "squeue --noheader --array --jobs={} --format=%i:%T",
                    jobs.join(",")
                ),
            );
            // Once gone from the controller's queue, squeue may reject the id.
            if !ok || out.trim().is_empty() {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "jobs {jobs:?} still queued after {limit:?}:\n{out}\n{}",
                self.logs(cwd)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits until only `pending` is left in the queue among `jobs`.
    fn wait_until_only(&self, cwd: &Path, jobs: &[&str], pending: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            let (_, out) = self.sh(
                cwd,
                &format!(
                    "squeue --noheader --array --jobs={} --format=%i",
                    jobs.join(",")
                ),
            );
            let left: Vec<&str> = out.split_whitespace().collect();
            if left == [pending] {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "jobs {jobs:?}: still {left:?} after {limit:?}\n{}",
                self.logs(cwd)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// `JobState` of each array task of `job` (kept by slurmctld for
    /// MinJobAge; sacct needs slurmdbd, which this cluster does not run).
    fn task_states(&self, cwd: &Path, job: &str) -> Vec<(u32, String)> {
        let text = self.ok(
            cwd,
            &format!("scontrol --oneliner show job {job} | tr '\\n' '\\036'"),
        );
        let mut v: Vec<(u32, String)> = text
            .split('\u{1e}')
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| {
                let field = |name: &str| {
                    l.split_whitespace()
                        .find_map(|f| f.strip_prefix(name))
                        .map(str::to_owned)
                };
                Some((field("ArrayTaskId=")?.parse().ok()?, field("JobState=")?))
            })
            .collect();
        v.sort();
        v
    }

    /// State of a plain job (the merge), from the job completion log
    /// through `sacct --completion`, or from squeue while it is queued.
    fn job_state(&self, cwd: &Path, job: &str) -> String {
        let (_, q) = self.sh(
            cwd,
            &format!("squeue --noheader --jobs={job} --format=%T:%r"),
        );
        if !q.trim().is_empty() && !q.contains("Invalid job id") {
            return q.trim().to_owned();
        }
        // Written when the job ends; give the controller a moment.
        for _ in 0..40 {
            let state = self.ok(
                cwd,
                &format!("sacct --completion --jobs={job} --noheader --parsable2 --format=State"),
            );
            if !state.is_empty() {
                return state;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        String::new()
    }
}

/// The archive: several mboxes and a Maildir from the benchmark generator,
/// the sample archive, and one 40 MB mbox of signed messages that every
/// shard cuts.
fn build_archive(dir: &Path) -> bool {
    let gen = |out: &str, args: &[&str]| {
        Command::new("python3")
            .arg(common::root("corpora/gen/generate.py"))
            .args([
                "--out",
                dir.join(out).to_str().unwrap(),
                "--no-manifest-file",
            ])
            .args(args)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    gen("lists/a.mbox", &["--size", "1M", "--seed", "21"])
        && gen("lists/b.mbox", &["--size", "2M", "--seed", "22", "--crlf"])
        && gen("lists/c.mbox", &["--size", "512K", "--seed", "23"])
        && gen(
            "Maildir",
            &["--size", "1M", "--seed", "24", "--format", "maildir"],
        )
        && gen(
            "big.mbox",
            &["--size", "40M", "--seed", "25", "--all-signed"],
        )
        && {
            copy_dir(&common::root("corpora/sample/archive"), &dir.join("sample"));
            true
        }
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
    let mut v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(summary).unwrap_or_else(|e| panic!("{}: {e}", summary.display())),
    )
    .unwrap();
    v.as_object_mut().unwrap().remove("elapsed_seconds");
    v
}

/// Finds the smimescan process of array task `task` of `job` while it is
/// midway: its report's temporary file in `out` and an input file of
/// `archive` both open. Stops it (SIGSTOP) there, so that the cancel hits
/// it unfinished whatever the machine's speed, and returns its pid.
fn stop_midway(job: &str, task: u32, archive: &Path, out: &Path, limit: Duration) -> u32 {
    let want_job = format!("SLURM_ARRAY_JOB_ID={job}");
    let want_task = format!("SLURM_ARRAY_TASK_ID={task}");
    let start = Instant::now();
    while start.elapsed() < limit {
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let p = e.path();
            if !std::fs::read_to_string(p.join("comm")).is_ok_and(|c| c.trim() == "smimescan") {
                continue;
            }
            let Ok(env) = std::fs::read(p.join("environ")) else {
                continue;
            };
            let vars: Vec<String> = env
                .split(|&b| b == 0)
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .collect();
            if !vars.contains(&want_job) || !vars.contains(&want_task) {
                continue;
            }
            let Ok(fds) = std::fs::read_dir(p.join("fd")) else {
                continue;
            };
            let targets: Vec<PathBuf> = fds
                .flatten()
                .filter_map(|fd| std::fs::read_link(fd.path()).ok())
                .collect();
            if targets.iter().any(|t| t.starts_with(out))
                && targets.iter().any(|t| t.starts_with(archive))
            {
                let st = Command::new("kill")
                    .args(["-STOP", &pid.to_string()])
                    .status()
                    .unwrap();
                assert!(st.success());
                // Stopped, not gone: it had not finished.
                let stopped = Instant::now();
                loop {
                    let status = std::fs::read_to_string(p.join("status")).unwrap_or_default();
                    if status.contains("State:\tT") {
                        return pid;
                    }
                    assert!(
                        stopped.elapsed() < Duration::from_secs(5),
                        "pid {pid} not stopped:\n{status}"
                    );
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("array task {job}_{task}: no smimescan process caught midway within {limit:?}");
}

#[test]
fn slurm_job_array_merges_to_the_whole_run_and_resumes_a_cancelled_task() {
    let Some(cluster) = Cluster::get() else {
        return;
    };
    let t0 = Instant::now();
    let phase = |what: &str| {
        eprintln!(
            "slurm_cluster: {what} at {:.1} s",
            t0.elapsed().as_secs_f64()
        )
    };
    let dir = scratch("slurm-cluster-run");
    let archive = dir.join("archive");
    if !build_archive(&archive) {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("corpora/gen/generate.py failed");
        }
        eprintln!("NOTICE: python3 generator not runnable; test skipped");
        return;
    }
    let script = common::root("docs/slurm-array.sbatch");
    let (script, a) = (script.to_str().unwrap(), archive.to_str().unwrap());

    phase("archive generated");
    // One whole run, for comparison.
    let whole = dir.join("whole.csv");
    let whole_sum = dir.join("whole.json");
    let (code, _, err) = smimescan(&[
        "scan",
        a,
        "--at",
        "signing",
        "-o",
        whole.to_str().unwrap(),
        "--summary",
        whole_sum.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let whole_rows = std::fs::read(&whole).unwrap();
    let whole_summary = without_elapsed(&whole_sum);
    assert!(whole_summary["messages"].as_u64().unwrap() > 3000);
    let same_as_whole = |out: &Path| {
        let merged = std::fs::read(out.join("report.csv")).unwrap();
        assert!(
            merged == whole_rows,
            "{}: merged report differs from the whole run",
            out.display()
        );
        assert_eq!(without_elapsed(&out.join("summary.json")), whole_summary);
    };
    let limit = Duration::from_secs(300);

    phase("whole run");
    // 1. The array and the merge job, as documented: merged == whole.
    let out = dir.join("out-a");
    let c = commands(script, a, out.to_str().unwrap(), N, KILLED);
    let job = cluster.ok(&dir, &format!("{}\necho $jobid", c.submit));
    let merge = cluster.ok(&dir, &format!("jobid={job}\n{}\necho $mergeid", c.merge));
    cluster.wait_done(&dir, &[&job, &merge], limit);
    let states = cluster.task_states(&dir, &job);
    assert_eq!(
        states,
        (0..N)
            .map(|k| (k, "COMPLETED".to_owned()))
            .collect::<Vec<_>>(),
        "{}",
        cluster.logs(&dir)
    );
    assert_eq!(
        cluster.job_state(&dir, &merge),
        "COMPLETED",
        "{}",
        cluster.logs(&dir)
    );
    same_as_whole(&out);

    phase("array + merge, merged == whole");
    // 2. Task KILLED is cancelled midway: no files of its shard, the merge
    // job can never start, and merge itself refuses.
    let out = dir.join("out-b");
    let o = out.to_str().unwrap();
    let c = commands(script, a, o, N, KILLED);
    let job = cluster.ok(&dir, &format!("{}\necho $jobid", c.submit));
    let merge = cluster.ok(&dir, &format!("jobid={job}\n{}\necho $mergeid", c.merge));
    let pid = stop_midway(&job, KILLED, &archive, &out, limit);
    cluster.ok(&dir, &format!("scancel {job}_{KILLED}"));
    cluster.wait_until_only(&dir, &[&job, &merge], &merge, limit);
    assert!(
        !Path::new(&format!("/proc/{pid}")).exists() || {
            let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            s.contains("State:\tZ") || s.is_empty()
        },
        "cancelled smimescan {pid} still alive"
    );
    let states = cluster.task_states(&dir, &job);
    let expect: Vec<(u32, String)> = (0..N)
        .map(|k| {
            (
                k,
                if k == KILLED {
                    "CANCELLED"
                } else {
                    "COMPLETED"
                }
                .to_owned(),
            )
        })
        .collect();
    assert_eq!(states, expect, "{}", cluster.logs(&dir));
    for k in 0..N {
        for ext in ["csv", "json"] {
            let f = out.join(format!("shard-{k}.{ext}"));
            assert_eq!(f.exists(), k != KILLED, "{}", f.display());
        }
    }
    phase("task cancelled midway");
    // The scheduler notices on its next pass that afterok cannot be met.
    let start = Instant::now();
    loop {
        let state = cluster.job_state(&dir, &merge);
        if state == "PENDING:DependencyNeverSatisfied" {
            break;
        }
        assert!(
            state == "PENDING:Dependency" && start.elapsed() < limit,
            "merge job {merge}: {state}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let (ok, said) = cluster.sh(&dir, &c.merge_inner);
    assert!(!ok, "merge ran without shard {KILLED}: {said}");
    assert!(said.contains(&format!("shard-{KILLED}.csv")), "{said}");
    // Also when the shard is left out whole, as a glob does.
    let (ok, said) = cluster.sh(
        &dir,
        &format!("smimescan merge -o {o}/report.csv {o}/shard-*.csv {o}/shard-*.json"),
    );
    assert!(!ok, "merge of a glob ran without shard {KILLED}: {said}");
    assert!(said.contains(&format!("missing: shard {KILLED}")), "{said}");
    assert!(!out.join("report.csv").exists() && !out.join("summary.json").exists());

    phase("merge refused");
    // 3. Resume as documented: cancel the merge job, re-run the task alone,
    // submit the merge again: merged == whole.
    cluster.ok(&dir, &format!("mergeid={merge}\n{}", c.cancel_merge));
    let rerun = cluster.ok(&dir, &format!("{}\necho $jobid", c.resume));
    let merge = cluster.ok(&dir, &format!("jobid={rerun}\n{}\necho $mergeid", c.merge));
    cluster.wait_done(&dir, &[&rerun, &merge], limit);
    assert_eq!(
        cluster.task_states(&dir, &rerun),
        vec![(KILLED, "COMPLETED".to_owned())]
    );
    assert_eq!(
        cluster.job_state(&dir, &merge),
        "COMPLETED",
        "{}",
        cluster.logs(&dir)
    );
    same_as_whole(&out);
    phase("resumed, merged == whole");
    drop(cluster);
    // 60 MB of archive and reports: gone once they proved their point.
    let _ = std::fs::remove_dir_all(&dir);
}
