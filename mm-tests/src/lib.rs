//! Shared helpers of the mmsim tests and benchmarks: the scenario corpus,
//! running a case in-process, and comparing outputs as the oracle's
//! `compare` does.

use mm_core::machine::MachineConfig;
use mm_sim::RunOptions;
use mm_sim::check::normalize;
use std::path::{Path, PathBuf};

// Every backend the tests expect to find registered: the built-in ones
// (linked by `mm_sim::backends`) and the example allocators: first fit,
// and the buddy_system_allocator crate adapted.
use bsa_allocator as _;
use first_fit_allocator as _;
use mm_sim as _;

/// Timing work that several host threads do at once.
pub mod parallel {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    /// A barrier whose waiters spin: a thread put to sleep in a futex can
    /// take milliseconds to run again on a virtual machine whose idle
    /// virtual CPU the host descheduled, which a benchmark of a few
    /// milliseconds a round would count as the work's.
    pub struct SpinBarrier {
        n: usize,
        arrived: AtomicUsize,
        generation: AtomicU64,
    }

    impl SpinBarrier {
        /// A barrier for `n` threads.
        pub fn new(n: usize) -> SpinBarrier {
            SpinBarrier { n: n.max(1), arrived: AtomicUsize::new(0), generation: AtomicU64::new(0) }
        }

        /// Returns once all `n` threads have called it.  A waiter yields
        /// its CPU now and then, so that more threads than CPUs still
        /// make progress.
        pub fn wait(&self) {
            let generation = self.generation.load(Ordering::Acquire);
            if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
                // The others spin on the generation, so none arrives for
                // the next round before the count is reset.
                self.arrived.store(0, Ordering::Relaxed);
                self.generation.fetch_add(1, Ordering::Release);
                return;
            }
            let mut spins = 0u32;
            while self.generation.load(Ordering::Acquire) == generation {
                spins += 1;
                if spins.is_multiple_of(1 << 16) {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
            }
        }
    }

    /// The time `n` threads, started once, take for `iters` rounds of
    /// `work(i)` (thread `i`), all of them starting each round together:
    /// a round lasts as long as its slowest thread.  Spawning the threads
    /// is not timed.
    pub fn time_rounds(n: usize, iters: u64, work: impl Fn(usize) + Sync) -> Duration {
        let barrier = SpinBarrier::new(n);
        std::thread::scope(|s| {
            let threads: Vec<_> = (0..n)
                .map(|i| {
                    let (barrier, work) = (&barrier, &work);
                    s.spawn(move || {
                        barrier.wait();
                        let start = Instant::now();
                        for _ in 0..iters {
                            work(i);
                            barrier.wait();
                        }
                        start.elapsed()
                    })
                })
                .collect();
            // Every thread passed the same barriers: thread 0's time is
            // the rounds' (the others' differ by a barrier's exit).
            let mut times = threads.into_iter().map(|t| t.join().expect("benchmark thread panicked"));
            let rounds = times.next().unwrap_or_default();
            times.for_each(drop);
            rounds
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_round_waits_for_every_thread() {
            let rounds = 40;
            let done = AtomicU64::new(0);
            let round = [AtomicU64::new(0), AtomicU64::new(0)];
            time_rounds(2, rounds, |i| {
                // Thread 0 is slow: without the barrier, thread 1 would
                // run rounds ahead of it.
                let r = round[i].fetch_add(1, Ordering::SeqCst);
                let d = done.load(Ordering::SeqCst);
                assert!((2 * r..=2 * r + 1).contains(&d), "round {r} of thread {i} began with {d} works done");
                std::thread::sleep(Duration::from_micros(if i == 0 { 300 } else { 10 }));
                done.fetch_add(1, Ordering::SeqCst);
            });
            assert_eq!(done.load(Ordering::SeqCst), 2 * rounds);
        }
    }
}

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

/// A workload that fragments physical memory, for telling page allocators
/// apart: mappings of mixed lifetimes come and go (mmap, touch, munmap)
/// while a page cache grows beside them, so that the pages still in use
/// at the end lie scattered over all of memory.
pub mod fragment {
    use mm_core::alloc::{Gfp, PAGEBLOCK_ORDER};
    use mm_core::compaction::Defrag;
    use mm_core::machine::MachineConfig;
    use mm_core::{Kernel, PAGE_SIZE, Pfn, Pid};

    /// A machine of `ram` bytes with allocator `allocator`, after the
    /// workload (`mmsim sweep`'s `fragment` set-up,
    /// `mm_sim::sweep::workload::fragment_memory`): one process maps regions of 1 to 32 pages and writes
    /// every page, one in twenty to keep until the end and the others to
    /// unmap, at random, whenever anonymous memory passes 60% of RAM; it
    /// also writes one more page of a shared file mapping every other
    /// step, up to a fifth of RAM.  It runs until three times RAM has
    /// been mapped, then unmaps what it was not keeping: about 15% of
    /// memory stays in anonymous pages and 20% in the page cache, spread
    /// over every pageblock.  Seeded: the same `seed` makes the same
    /// sequence of calls on every allocator.
    pub fn fragmented(ram: u64, allocator: &str, seed: u64) -> (Kernel, Pid) {
        let cfg = MachineConfig { ram, allocator: allocator.into(), ..MachineConfig::default() };
        fragmented_on(&cfg, seed)
    }

    /// [`fragmented`] on a machine of configuration `cfg` (its THP
    /// settings, say).
    pub fn fragmented_on(cfg: &MachineConfig, seed: u64) -> (Kernel, Pid) {
        let mut k = Kernel::new(cfg).expect("machine");
        let pid = k.spawn().expect("process");
        mm_sim::sweep::workload::fragment_memory(&mut k, pid, cfg.ram / PAGE_SIZE, seed).expect("fragmenting");
        (k, pid)
    }

    /// Takes order-9 blocks (movable, as a THP fault does) until one
    /// fails or `max` are held, each through the allocation slow path as
    /// `defrag` says; returns them.
    pub fn take_order9(k: &Kernel, defrag: Defrag, max: usize) -> Vec<Pfn> {
        let m = k.machine();
        let mut held = Vec::new();
        while held.len() < max {
            match m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, defrag) {
                Some(pfn) => held.push(pfn),
                None => break,
            }
        }
        held
    }

    /// One store in each of `blocks` 2 MiB blocks of a new `MADV_HUGEPAGE`
    /// region of `pid` (at 4 GiB): a THP fault each, on whatever memory
    /// [`fragmented_on`] left.  Returns the faults that got a huge page
    /// and those that fell back (`thp_fault_alloc`, `thp_fault_fallback`).
    pub fn thp_faults(k: &Kernel, pid: Pid, blocks: u64) -> (u64, u64) {
        use mm_core::vmstat::VmEvent;
        const HPAGE: u64 = 2 << 20;
        const BASE: u64 = 0x1_0000_0000;
        const MADV_HUGEPAGE: u64 = 14;
        let v = |e| k.machine().vmstat().get(e);
        let (ok, fallback) = (v(VmEvent::ThpFaultAlloc), v(VmEvent::ThpFaultFallback));
        k.sys_mmap(pid, BASE, blocks * HPAGE, 3, 0x32, -1, 0).expect("mmap");
        k.sys_madvise(pid, BASE, blocks * HPAGE, MADV_HUGEPAGE).expect("madvise");
        for b in 0..blocks {
            k.store(pid, BASE + b * HPAGE, 1).expect("store");
        }
        (v(VmEvent::ThpFaultAlloc) - ok, v(VmEvent::ThpFaultFallback) - fallback)
    }

    /// Gives back what [`take_order9`] took.
    pub fn put_order9(k: &Kernel, held: Vec<Pfn>) {
        for pfn in held {
            k.machine().__free_pages(pfn, PAGEBLOCK_ORDER);
        }
    }
}
