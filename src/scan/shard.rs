//! Shards: which part of the inputs one process of a cluster run reads
//! (`--shard K/N`). The inputs, in order, are one byte stream cut into `N`
//! equal ranges; a plain mbox is cut at message boundaries
//! ([`crate::mailbox::shard_cut`]), other files go whole to one shard.

use crate::input::{self, Source};

/// One shard of a run: `k` of `n`, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which shard, from 0.
    pub k: u64,
    /// How many shards the inputs are cut into.
    pub n: u64,
}

/// Why `--shard` does not name a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardError {
    /// Not `K/N` with 0 <= K < N (the text as given).
    Spec(String),
    /// `--shard auto`: a variable that should hold a number does not.
    NotANumber {
        /// The environment variable.
        name: String,
        /// Its value.
        value: String,
    },
    /// `--shard auto`: the environment does not describe an indexed job
    /// (what is missing).
    Auto(&'static str),
}

impl std::fmt::Display for ShardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ShardError::Spec(s) => {
                write!(f, "--shard {s:?}: expected K/N with 0 <= K < N, or auto")
            }
            ShardError::NotANumber { name, value } => {
                write!(f, "--shard auto: {name}={value:?} is not a number")
            }
            ShardError::Auto(what) => write!(f, "--shard auto: {what}"),
        }
    }
}

impl std::error::Error for ShardError {}

impl Shard {
    /// Parses `K/N`.
    pub(crate) fn parse(s: &str) -> Result<Shard, ShardError> {
        let err = || ShardError::Spec(s.to_owned());
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let k: u64 = k.trim().parse().map_err(|_| err())?;
        let n: u64 = n.trim().parse().map_err(|_| err())?;
        if n == 0 || k >= n {
            return Err(err());
        }
        Ok(Shard { k, n })
    }

    /// `--shard auto`: from a Kubernetes Indexed Job
    /// (`JOB_COMPLETION_INDEX`, with the count in `SMIMESCAN_SHARDS`, which
    /// the manifest sets to the Job's `completions`) or a Slurm job array
    /// (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN`, of
    /// `SLURM_ARRAY_TASK_COUNT`).
    pub fn from_env(get: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let num = |name: &str| -> Result<Option<u64>, ShardError> {
            match get(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| ShardError::NotANumber {
                        name: name.to_owned(),
                        value: v,
                    }),
            }
        };
        if let Some(k) = num("JOB_COMPLETION_INDEX")? {
            let n = num("SMIMESCAN_SHARDS")?.ok_or(ShardError::Auto(
                "JOB_COMPLETION_INDEX is set but SMIMESCAN_SHARDS (the Job's completions) is not",
            ))?;
            return Shard::parse(&format!("{k}/{n}"));
        }
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let n = num("SLURM_ARRAY_TASK_COUNT")?.ok_or(ShardError::Auto(
                "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not",
            ))?;
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let k = id.checked_sub(min).ok_or(ShardError::Auto(
                "SLURM_ARRAY_TASK_ID < SLURM_ARRAY_TASK_MIN",
            ))?;
            return Shard::parse(&format!("{k}/{n}"));
        }
        Err(ShardError::Auto(
            "neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm job array) is set",
        ))
    }

    /// This shard's byte range of the concatenated inputs of `total` bytes.
    fn range(&self, total: u64) -> std::ops::Range<u64> {
        let at = |k: u64| ((total as u128 * k as u128) / self.n as u128) as u64;
        at(self.k)..at(self.k + 1)
    }
}

/// Which part of each source a shard reads. The inputs, in order, are seen
/// as one byte stream; a message (or a whole file, for compressed and
/// single-message files) belongs to the shard whose range holds its first
/// byte. A plain mbox is cut at message boundaries that every shard
/// computes the same way, so the shards tile the input exactly.
pub(super) fn shard_plan(
    sources: &[Source],
    shard: Option<Shard>,
) -> Vec<Option<Option<std::ops::Range<u64>>>> {
    let Some(shard) = shard else {
        return sources.iter().map(|_| Some(None)).collect();
    };
    let total: u64 = sources.iter().map(|s| s.size).sum();
    let r = shard.range(total);
    let mut base = 0u64;
    sources
        .iter()
        .map(|s| {
            let g0 = base;
            base += s.size;
            if s.size == 0 {
                return None;
            }
            match s.codec {
                input::Codec::None => {
                    let lo = r.start.saturating_sub(g0).min(s.size);
                    let hi = r.end.saturating_sub(g0).min(s.size);
                    (hi > 0 && lo < s.size).then_some(Some(lo..hi))
                }
                _ => r.contains(&g0).then_some(None),
            }
        })
        .collect()
}
