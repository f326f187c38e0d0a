//! Shared helpers of the mmsim tests and benchmarks: the scenario corpus,
//! running a case in-process, and comparing outputs as the oracle's
//! `compare` does.

use mm_core::machine::MachineConfig;
use mm_sim::RunOptions;
use mm_sim::check::normalize;
use std::path::{Path, PathBuf};

// Every backend the tests expect to find registered: the built-in ones
// (linked by `mm_sim::backends`) and the example allocator.
use first_fit_allocator as _;
use mm_sim as _;

/// What the benchmarks do on both sides: touch every page of a mapping.
pub mod touch {
    use mm_core::{Kernel, PAGE_SIZE, Pid};
    use std::hint::black_box;

    /// One store (or load) per page of `[a, a + len)` in the simulator.
    pub fn sim(k: &Kernel, pid: Pid, a: u64, len: u64, write: bool) {
        let mut sum = 0u8;
        for p in 0..len / PAGE_SIZE {
            if write {
                k.store(pid, a + p * PAGE_SIZE, 1).expect("store");
            } else {
                sum = sum.wrapping_add(k.load(pid, a + p * PAGE_SIZE).expect("load"));
            }
        }
        black_box(sum);
    }

    /// The same on this machine's kernel: maps `len` bytes of `fd` (-1 with
    /// `MAP_ANONYMOUS` in `flags`) read-write, touches every page, unmaps.
    pub fn linux(fd: i32, flags: i32, len: usize, write: bool) {
        let page = PAGE_SIZE as usize;
        // SAFETY: a fresh mapping of `len` bytes (the file, if any, has at
        // least `len` bytes), used only here and unmapped before returning.
        unsafe {
            let p = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, fd, 0);
            assert_ne!(p, libc::MAP_FAILED);
            let base = p.cast::<u8>();
            let mut sum = 0u8;
            for i in 0..len / page {
                let q = base.add(i * page);
                if write {
                    std::ptr::write_volatile(q, 1);
                } else {
                    sum = sum.wrapping_add(std::ptr::read_volatile(q));
                }
            }
            black_box(sum);
            assert_eq!(libc::munmap(p, len), 0);
        }
    }

    /// On this machine's kernel: maps `len` bytes of private anonymous
    /// memory, gives it `advice` (`MADV_HUGEPAGE`: one fault per 2 MiB),
    /// writes one byte per page, unmaps.
    pub fn linux_advised(len: usize, advice: i32) {
        let page = PAGE_SIZE as usize;
        // SAFETY: a fresh mapping of `len` bytes, used only here and
        // unmapped before returning.
        unsafe {
            let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
            let p = libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, -1, 0);
            assert_ne!(p, libc::MAP_FAILED);
            assert_eq!(libc::madvise(p, len, advice), 0);
            let base = p.cast::<u8>();
            for i in 0..len / page {
                std::ptr::write_volatile(base.add(i * page), 1);
            }
            assert_eq!(libc::munmap(p, len), 0);
        }
    }
}

/// xorshift64*: reproducible random numbers for tests and benchmarks.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The directory of the committed scenarios.
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// The `.mms` files of a scenario subdirectory that have an `.expected`
/// next to them, sorted.
pub fn cases(subdir: &str) -> Vec<PathBuf> {
    let dir = scenarios_dir().join(subdir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "mms") && p.with_extension("expected").exists())
        .collect();
    v.sort();
    v
}

/// Compares two outputs line by line (dev and inode ignored); the first
/// difference, if any.
pub fn first_difference(expected: &str, got: &str) -> Option<String> {
    let e: Vec<&str> = expected.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    for i in 0..e.len().max(g.len()) {
        let a = e.get(i).copied().unwrap_or("<end of output>");
        let b = g.get(i).copied().unwrap_or("<end of output>");
        if normalize(a) != normalize(b) {
            return Some(format!("line {}: expected {a:?}, got {b:?}", i + 1));
        }
    }
    None
}

/// Runs a scenario file on a default machine (or `cfg`) changed by the
/// scenario's `machine` lines, and returns its output, or the error
/// `mmsim` would print.
pub fn run_file(path: &Path, cfg: Option<MachineConfig>, trace: bool) -> Result<String, String> {
    let src = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let s = mm_sim::parse(&src).map_err(|e| format!("error: {e}"))?;
    let opts = RunOptions { machine: cfg.unwrap_or_default(), trace, ..RunOptions::default() };
    mm_sim::run(&s, &opts).map_err(|e| format!("error: {e}"))
}

/// Runs every case of `subdir` and returns the failures, one line each.
pub fn differential(subdir: &str, cfg: Option<MachineConfig>) -> (usize, Vec<String>) {
    let cases = cases(subdir);
    let mut failures = Vec::new();
    for c in &cases {
        let expected = std::fs::read_to_string(c.with_extension("expected")).expect("expected output");
        let name = c.file_name().expect("file name").to_string_lossy().into_owned();
        match run_file(c, cfg.clone(), false) {
            Ok(got) => {
                if let Some(d) = first_difference(&expected, &got) {
                    failures.push(format!("{subdir}/{name}: {d}"));
                }
            }
            Err(e) => failures.push(format!("{subdir}/{name}: {e}")),
        }
    }
    (cases.len(), failures)
}

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
