//! Where reports go: standard output, a file written atomically (a
//! temporary name in its folder, renamed only when complete), or a device
//! written in place; and the progress line on stderr.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// An output file written to a temporary name in its folder and renamed
/// only when complete, so a half-written report never looks finished.
pub(crate) struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `dest` (through a hidden `.NAME.PID.partial` file
    /// beside it). `dest` must not exist or be a regular file.
    pub(crate) fn create(dest: &Path) -> io::Result<AtomicFile> {
        if std::fs::metadata(dest).is_ok_and(|m| !m.is_file()) {
            return Err(io::Error::other("exists and is not a regular file"));
        }
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
        let file = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            file: Some(file),
        })
    }

    /// Flushes, syncs and renames the file into place. Dropped without a
    /// commit, the temporary file is removed.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        if let Some(w) = self.file.take() {
            let f = w.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            std::fs::rename(&self.tmp, &self.dest)?;
        }
        Ok(())
    }

    fn inner(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("report already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner()?.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically ([`AtomicFile`]).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = AtomicFile::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.commit())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A report's destination (`-o`).
pub(crate) enum Out {
    /// `-`: standard output.
    Stdout(BufWriter<io::Stdout>),
    /// A regular file (or a new one), written atomically.
    File(AtomicFile),
    /// An existing non-regular file (a device, a FIFO): written in place.
    Special(BufWriter<File>),
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Out::Stdout(w) => w.write(buf),
            Out::File(w) => w.write(buf),
            Out::Special(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Out::Stdout(w) => w.flush(),
            Out::File(w) => w.flush(),
            Out::Special(w) => w.flush(),
        }
    }
}

impl Out {
    /// Opens `path` (`-` = standard output).
    pub(crate) fn open(path: &str) -> io::Result<Out> {
        if path == "-" {
            Ok(Out::Stdout(BufWriter::with_capacity(1 << 20, io::stdout())))
        } else if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
            let f = std::fs::OpenOptions::new().write(true).open(path)?;
            Ok(Out::Special(BufWriter::with_capacity(1 << 20, f)))
        } else {
            Ok(Out::File(AtomicFile::create(Path::new(path))?))
        }
    }

    /// Flushes, and puts a file in place ([`AtomicFile::commit`]).
    pub(crate) fn finish(self) -> io::Result<()> {
        match self {
            Out::Stdout(mut w) => w.flush(),
            Out::Special(mut w) => w.flush(),
            Out::File(f) => f.commit(),
        }
    }
}

/// How the progress line is drawn on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProgressDraw {
    /// No progress line.
    Off,
    /// A line redrawn in place (a terminal), four times a second at most.
    Terminal,
    /// Plain lines, one a second at most (a CI log).
    Lines,
}

/// The progress line of a scan on stderr (bytes read, messages), and the
/// warnings printed around it.
pub(crate) struct ProgressLine {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressLine {
    /// A progress line drawn as `draw` says.
    pub(crate) fn new(draw: ProgressDraw) -> ProgressLine {
        let bar = match draw {
            ProgressDraw::Off => None,
            ProgressDraw::Terminal => Some(indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr_with_hz(4),
            )),
            ProgressDraw::Lines => Some(indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(LineTerm), 1),
            )),
        };
        if let Some(b) = &bar {
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {bytes}/{total_bytes} {bytes_per_sec} {msg} [{elapsed_precise}, ETA {eta}]",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
        }
        ProgressLine { bar }
    }

    /// Bytes read so far and messages found.
    pub(crate) fn update(&self, bytes: u64, msgs: u64) {
        if let Some(b) = &self.bar {
            b.set_position(bytes);
            b.set_message(format!("{msgs} messages"));
        }
    }

    /// The total bytes to read.
    pub(crate) fn set_total(&self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.set_length(bytes);
        }
    }

    /// Prints `smimescan: {w}` on stderr without tearing the line.
    pub(crate) fn warn(&self, w: &str) {
        if let Some(b) = &self.bar {
            b.suspend(|| eprintln!("smimescan: {w}"));
        } else {
            eprintln!("smimescan: {w}");
        }
    }

    /// Removes the line.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A progress target for stderr that is not a terminal: each update is one
/// plain line, no cursor movement.
#[derive(Debug)]
struct LineTerm;

impl indicatif::TermLike for LineTerm {
    fn width(&self) -> u16 {
        120
    }
    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        if s.trim().is_empty() {
            return Ok(());
        }
        writeln!(io::stderr(), "{s}")
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.write_line(s)
    }
    fn clear_line(&self) -> io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}
