//! Fuzz targets of mmsim, as plain functions of a byte string that panic
//! when they find a defect:
//!
//! * [`scenario::fuzz`]: arbitrary bytes as a scenario file, parsed and,
//!   if valid, run on a small machine with swap (the first byte picks the
//!   machine); then the same lines are replayed through the library and,
//!   once every process has exited and every file is unlinked, every
//!   frame and swap slot must be free again.
//! * [`structured::fuzz`]: bytes decoded into a sequence of valid
//!   operations (mmap of anonymous, file and shared memory, munmap,
//!   mprotect, mremap, every madvise of the scenario format, brk, msync,
//!   loads and stores, fork, process switch, exit, file creation) run on a
//!   machine of a few dozen frames with swap on zram or on a swap file;
//!   the invariants ([`mm_core::Kernel::check_invariants`]) are checked
//!   after every operation and every load of private anonymous memory
//!   must read what a shadow copy says.
//! * [`ext4::fuzz`]: bytes as an ext4 image: mounted, paths looked up,
//!   files read through the page cache and through a mapping.
//! * [`exec::fuzz`]: bytes as a program (ELF or `#!` script) run by
//!   `execve`; nothing may leak once the process and the file are gone.
//! * [`snapshot::fuzz`]: bytes as a root snapshot of the host filesystem
//!   and as an strace log: scanned for paths, parsed, mounted, paths opened
//!   with every kind of flag, mapped, read and written.
//! * [`bundle::fuzz`]: bytes as a recording: parsed whole, replayed with
//!   its page faults and checked against its recorded outcome.
//!
//! The seed corpus is in `corpus/TARGET/`, inputs that once found a defect
//! in `regressions/`; `cargo test -p mm-fuzz` replays both through the
//! targets (a few seconds).
//!
//! # Running a fuzzer
//!
//! On any toolchain, the mutational driver of this crate (no coverage
//! feedback: it mutates the seeds with bit flips, splices and, for
//! scenarios, line-level edits) runs one target for a bounded time and
//! saves every crashing input under `mm-fuzz/findings/TARGET/`:
//!
//! ```text
//! cargo run --release -p mm-fuzz -- scenario --seconds 60
//! cargo run --release -p mm-fuzz -- structured --seconds 60
//! cargo run --release -p mm-fuzz -- ext4 --seconds 60
//! cargo run --release -p mm-fuzz -- exec --seconds 60
//! cargo run --release -p mm-fuzz -- snapshot --seconds 60
//! cargo run --release -p mm-fuzz -- bundle --seconds 60
//! ```
//!
//! With a nightly toolchain and `cargo install cargo-fuzz`, the
//! coverage-guided harness in `fuzz/` calls the same functions (`-s none`
//! when the address sanitizer is not available).  libFuzzer adds what it
//! finds to its first corpus directory, so give it a scratch one first
//! (`fuzz/corpus/` is not committed) and the seeds second:
//!
//! ```text
//! cd fuzz && cargo +nightly fuzz run -s none -O scenario corpus/scenario ../mm-fuzz/corpus/scenario -- -max_total_time=60
//! ```
//!
//! The seeds of `ext4` need `-max_len=1048576`.
//!
//! A crashing input replays with `cargo run --release -p mm-fuzz -- TARGET
//! --replay FILE`.

#![forbid(unsafe_code)]

// Every backend a machine may be built with.
use first_fit_allocator as _;
use mm_alloc as _;
use mm_fs_ext as _;
use mm_fs_host as _;
use mm_reclaim_clock as _;
use mm_swap as _;
use mm_x86 as _;

pub mod bundle;
pub mod exec;
pub mod ext4;
pub mod scenario;
pub mod snapshot;
pub mod structured;

/// A fuzz target: its name and its body.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub name: &'static str,
    pub fuzz: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target { name: "scenario", fuzz: scenario::fuzz },
    Target { name: "structured", fuzz: structured::fuzz },
    Target { name: "ext4", fuzz: ext4::fuzz },
    Target { name: "exec", fuzz: exec::fuzz },
    Target { name: "snapshot", fuzz: snapshot::fuzz },
    Target { name: "bundle", fuzz: bundle::fuzz },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

/// A fresh directory under the host's temporary directory, removed with
/// everything in it when dropped: the targets put swap files and image
/// copies there and nowhere else.
pub struct TempDir {
    path: std::path::PathBuf,
}

impl TempDir {
    /// Creates `$TMPDIR/mm-fuzz-PID-N` (a new name each time).
    ///
    /// # Panics
    ///
    /// If the directory cannot be created.
    pub fn new() -> TempDir {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!("mm-fuzz-{}-{n}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return TempDir { path },
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("cannot create {}: {e}", path.display()),
            }
        }
    }

    /// Its path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Default for TempDir {
    fn default() -> Self {
        TempDir::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Picks `names[i % len]`.
fn pick<'a>(names: &[&'a str], i: u8) -> &'a str {
    names[i as usize % names.len()]
}
