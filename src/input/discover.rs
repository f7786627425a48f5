//! Walking the given paths into an ordered list of files.
//!
//! Order: paths as given; inside a folder, entries sorted by name (byte
//! order), recursively. Maildir folders (with `cur/` and `new/`) are walked
//! the same way but skip `tmp/` and the metadata files of Dovecot, Courier
//! and Maildir++ (`dovecot*`, `courierimap*`, `maildirfolder`, `subscriptions`);
//! Maildir++ subfolders (`.Sent`, …) are ordinary subfolders of that walk.
//! A folder reached twice (symlink loop, or the same folder given twice
//! through a link) is entered once. FIFOs, sockets and devices are skipped.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Compression of a file, from its name (`.gz`, `.zst`, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Read as stored (memory-mapped when large enough).
    None,
    /// gzip (`.gz`), inflated as a stream.
    Gzip,
    /// Zstandard (`.zst`), decompressed as a stream.
    Zstd,
}

/// One input file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The path as reached from the given PATH.
    pub path: PathBuf,
    /// Size on disk (compressed size for compressed files).
    pub size: u64,
    /// How its bytes are decompressed.
    pub codec: Codec,
}

impl Source {
    /// The `source` column: the path as text. Bytes that are not UTF-8 are
    /// written as `\xNN` escapes (and a literal backslash stays itself), so
    /// distinct names stay distinct.
    pub(crate) fn display(&self) -> String {
        path_text(&self.path)
    }
}

/// Lossless text of a path (see [`Source::display`]).
pub(crate) fn path_text(p: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let bytes = p.as_os_str().as_bytes();
        match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => {
                let mut out = String::new();
                for chunk in bytes.utf8_chunks() {
                    out.push_str(chunk.valid());
                    for b in chunk.invalid() {
                        out.push_str(&format!("\\x{b:02X}"));
                    }
                }
                out
            }
        }
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().into_owned()
    }
}

fn codec_of(path: &Path) -> Codec {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("gz") => Codec::Gzip,
        Some(e) if e.eq_ignore_ascii_case("zst") => Codec::Zstd,
        _ => Codec::None,
    }
}

/// Metadata files of Maildir servers that are not messages.
fn is_maildir_meta(name: &str) -> bool {
    name.starts_with("dovecot")
        || name.starts_with("courierimap")
        || name == "maildirfolder"
        || name == "subscriptions"
}

fn is_maildir(dir: &Path) -> bool {
    dir.join("cur").is_dir() && dir.join("new").is_dir()
}

/// Walks `paths` into the ordered list of files to read. Problems (missing
/// paths, unreadable folders, skipped special files) are passed to `warn`
/// and the walk goes on.
pub fn discover(paths: &[PathBuf], warn: &mut dyn FnMut(String)) -> Vec<Source> {
    let mut out = Vec::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        walk(
            p,
            Walk::MESSAGES,
            &mut seen_dirs,
            &mut |path, meta| {
                out.push(Source {
                    path: path.to_path_buf(),
                    size: meta.len(),
                    codec: codec_of(path),
                })
            },
            warn,
        );
    }
    out
}

/// The rules of a folder walk beyond those every walk keeps (sorted
/// entries, regular files only, each folder entered once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Walk {
    /// Maildir folders skip `tmp/` and server metadata files.
    pub(crate) maildir: bool,
    /// Deepest folder nesting entered below the given folder.
    pub(crate) max_depth: usize,
}

impl Walk {
    /// Mail inputs: Maildir rules, no depth limit.
    pub(crate) const MESSAGES: Walk = Walk {
        maildir: true,
        max_depth: usize::MAX,
    };
    /// Certificate, CRL and key files: every file, 32 folders deep at most.
    pub(crate) const FILES: Walk = Walk {
        maildir: false,
        max_depth: 32,
    };
}

/// Walks `path`: a regular file is passed to `file`; a folder is walked
/// recursively in sorted (byte) order under `rules`, unless it is in
/// `seen_dirs` already (by canonical path). Special files and problems go
/// to `warn`.
pub(crate) fn walk(
    path: &Path,
    rules: Walk,
    seen_dirs: &mut HashSet<PathBuf>,
    file: &mut dyn FnMut(&Path, &fs::Metadata),
    warn: &mut dyn FnMut(String),
) {
    visit(path, 0, false, rules, seen_dirs, file, warn);
}

fn visit(
    path: &Path,
    depth: usize,
    in_maildir: bool,
    rules: Walk,
    seen_dirs: &mut HashSet<PathBuf>,
    file: &mut dyn FnMut(&Path, &fs::Metadata),
    warn: &mut dyn FnMut(String),
) {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            warn(format!("{}: {e}", path_text(path)));
            return;
        }
    };
    if meta.is_file() {
        file(path, &meta);
        return;
    }
    if !meta.is_dir() {
        warn(format!(
            "{}: not a regular file or folder, skipped",
            path_text(path)
        ));
        return;
    }
    if depth > rules.max_depth {
        return;
    }
    let canon = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !seen_dirs.insert(canon) {
        warn(format!(
            "{}: folder already scanned (symlink loop?), skipped",
            path_text(path)
        ));
        return;
    }
    let maildir = rules.maildir && is_maildir(path);
    let mut entries: Vec<_> = match fs::read_dir(path) {
        Ok(rd) => rd
            .filter_map(|e| match e {
                Ok(e) => Some(e.file_name()),
                Err(err) => {
                    warn(format!("{}: {err}", path_text(path)));
                    None
                }
            })
            .collect(),
        Err(e) => {
            warn(format!("{}: {e}", path_text(path)));
            return;
        }
    };
    entries.sort();
    for name in entries {
        let text = name.to_string_lossy();
        if (maildir && text == "tmp") || ((maildir || in_maildir) && is_maildir_meta(&text)) {
            continue;
        }
        visit(
            &path.join(&name),
            depth + 1,
            maildir,
            rules,
            seen_dirs,
            file,
            warn,
        );
    }
}
