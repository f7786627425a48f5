//! Memory maps that survive their file being truncated.
//!
//! Reading a page of a mapped file beyond its current end raises SIGBUS,
//! which kills the process: one archive file truncated (or rotated) by
//! another program mid-run would end a twenty-million-message audit. The
//! strategy here:
//!
//! - small files (under [`MAP_MIN`]) are read with `read()` into memory;
//! - larger files are mapped and their range registered; a SIGBUS handler,
//!   installed once, replaces a faulting page *inside a registered map* by
//!   a zero-filled page and lets the access continue (any other SIGBUS
//!   gets the default action, as before);
//! - every fault bumps a counter; when it is non-zero, each message from a
//!   map is checked against the file's current size, and a message that
//!   is no longer wholly in the file becomes an `error` row ("file
//!   truncated while being read") instead of a row computed from zeros.
//!
//! When all registry slots are in use, a file is read instead of mapped.

use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use memmap2::Mmap;

/// Files smaller than this are read, not mapped.
pub const MAP_MIN: u64 = 1 << 20;

const SLOTS: usize = 256;
static STARTS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static ENDS: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static FAULTS: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// Number of pages replaced after a SIGBUS so far in this process.
pub fn faults() -> usize {
    FAULTS.load(Ordering::Relaxed)
}

/// A registered read-only map of a whole file.
pub struct GuardedMap {
    map: Mmap,
    slot: usize,
    file: File,
}

impl GuardedMap {
    /// Maps `file` (of `len` > 0 bytes) and registers it; None when no
    /// slot is free (the caller then reads the file instead).
    pub(crate) fn new(file: File) -> std::io::Result<Option<GuardedMap>> {
        install();
        // SAFETY: read-only map; truncation faults are handled (module doc).
        let map = unsafe { Mmap::map(&file) }?;
        let start = map.as_ptr() as usize;
        let end = start + map.len();
        for slot in 0..SLOTS {
            if STARTS[slot]
                .compare_exchange(0, start, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
            {
                ENDS[slot].store(end, Ordering::Release);
                #[cfg(unix)]
                let _ = map.advise(memmap2::Advice::Sequential);
                return Ok(Some(GuardedMap { map, slot, file }));
            }
        }
        Ok(None)
    }

    /// The file's current size, if it can be read.
    /// Unmaps the pages wholly inside `range` from this process
    /// (MADV_DONTNEED): the scan calls it on bytes it is done with, so that
    /// tearing down a large map is spread over the run instead of being one
    /// long serial step at its end. Reading the bytes again is still safe:
    /// the pages fault back in from the file. Best effort.
    pub(crate) fn release(&self, range: std::ops::Range<usize>) {
        #[cfg(unix)]
        if let Some((off, len)) = self.pages_within(range) {
            // SAFETY: DONTNEED on a read-only shared file mapping only drops
            // page-table entries; a later read faults the same file pages
            // back in, so no reference into the map is invalidated.
            let _ = unsafe {
                self.map
                    .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, off, len)
            };
        }
    }

    /// The whole pages inside `range` (clipped to the map), as offset and
    /// length; None when there are none.
    fn pages_within(&self, range: std::ops::Range<usize>) -> Option<(usize, usize)> {
        const PAGE: usize = 4096;
        let s = range.start.div_ceil(PAGE) * PAGE;
        let e = range.end.min(self.map.len()) / PAGE * PAGE;
        (s < e).then(|| (s, e - s))
    }

    pub(crate) fn current_len(&self) -> Option<u64> {
        self.file.metadata().ok().map(|m| m.len())
    }
}

impl std::ops::Deref for GuardedMap {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.map
    }
}

impl Drop for GuardedMap {
    fn drop(&mut self) {
        ENDS[self.slot].store(0, Ordering::Release);
        STARTS[self.slot].store(0, Ordering::Release);
    }
}

fn registered(addr: usize) -> bool {
    (0..SLOTS).any(|i| {
        let s = STARTS[i].load(Ordering::Acquire);
        s != 0 && addr >= s && addr < ENDS[i].load(Ordering::Acquire)
    })
}

#[cfg(target_os = "linux")]
fn install() {
    INSTALL.call_once(|| {
        // SAFETY: installs a handler that only calls async-signal-safe
        // functions (mmap, sigaction) and reads atomics.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
        }
    });
}

#[cfg(not(target_os = "linux"))]
fn install() {}

#[cfg(target_os = "linux")]
extern "C" fn on_sigbus(_sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: `info` is the kernel's siginfo for this signal.
    let addr = unsafe { (*info).si_addr() } as usize;
    if registered(addr) {
        // SAFETY: sysconf and mmap are async-signal-safe; the page lies
        // inside one of our read-only maps, which nothing writes.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE).max(4096) as usize;
            let base = addr & !(page - 1);
            let r = libc::mmap(
                base as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            );
            if r != libc::MAP_FAILED {
                FAULTS.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
    // Not ours: restore the default action; returning re-raises the fault.
    // SAFETY: async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
    }
}
