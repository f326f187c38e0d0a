//! The `scenario` target: arbitrary bytes as a scenario file.
//!
//! Byte 0 picks the machine ([`machine`]), the rest is the scenario.  A
//! scenario that parses is run by [`mm_sim::run()`] (what `mmsim run`
//! prints), then replayed line by line through the library ([`replay`]):
//! the invariants must hold at the end, and once every process has exited
//! and every file is unlinked, every frame and swap slot must be free.
//! Nothing may panic.  Inputs beyond [`Bounds`] are not run, so that one
//! input cannot take unbounded time or memory.

use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::{Kernel, PAGE_SIZE, Pid};
use mm_sim::RunOptions;
use mm_sim::scenario::{Op, Scenario};

/// What one input may ask for.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Bytes of scenario text.
    pub bytes: usize,
    /// Lines that do something.
    pub lines: usize,
    /// Pages touched by all `load`/`store` lines together.
    pub access_pages: u64,
    /// Bytes of all `file` lines together.
    pub file_bytes: u64,
    /// Length of a `MAP_POPULATE` mapping, of an `mlock` or
    /// `MADV_POPULATE_*` range, and, once a scenario locks memory at all
    /// (`mlock`, `mlockall`, `MAP_LOCKED`), of any mapping, `mremap` or
    /// heap growth (they may be populated).
    pub populate_bytes: u64,
}

/// The bounds the fuzzers use.
pub const BOUNDS: Bounds =
    Bounds { bytes: 64 << 10, lines: 4000, access_pages: 1 << 15, file_bytes: 16 << 20, populate_bytes: 64 << 20 };

const MAP_POPULATE: u64 = 0x8000;
const MAP_LOCKED: u64 = 0x2000;
const MADV_POPULATE_READ: u64 = 22;
const MADV_POPULATE_WRITE: u64 = 23;
/// Where the simulated heap starts.
const BRK_BASE: u64 = 0x2_0000_0000;

/// The machine byte 0 picks: RAM (bits 0-1: 256K, 512K, 1M, 2M), reclaim
/// policy (bits 2-3), page allocator (bits 4-5) and a zram swap area
/// (bits 6-7: 1M, 4M, 16M, 64M).
pub fn machine(b: u8) -> MachineConfig {
    let ram = [256u64 << 10, 512 << 10, 1 << 20, 2 << 20][b as usize & 3];
    let zram = ["zram:1M", "zram:4M", "zram:16M", "zram:64M"][(b >> 6) as usize];
    MachineConfig {
        ram,
        reclaim: crate::pick(&mm_core::vmscan::reclaim_policy_names(), b >> 2 & 3).to_string(),
        allocator: crate::pick(&mm_core::machine::allocator_names(), b >> 4 & 3).to_string(),
        swap: vec![SwapSpec::parse(zram).expect("a valid swap spec")],
        ..MachineConfig::default()
    }
}

/// Whether `s` stays within `b`.  A scenario with `machine` lines is not:
/// byte 0 picks the machine, within bounds, and both [`mm_sim::run()`] and
/// [`replay`] must run on it.
pub fn within(s: &Scenario, b: &Bounds) -> bool {
    if !s.machine.is_empty() {
        return false;
    }
    let (mut pages, mut file) = (0u64, 0u64);
    let locks = s.lines.iter().any(|l| match l.op {
        Op::Mlock { .. } | Op::Mlock2 { .. } | Op::Mlockall { .. } => true,
        Op::Mmap { flags, .. } => flags & MAP_LOCKED != 0,
        _ => false,
    });
    for l in &s.lines {
        match l.op {
            Op::Load { addr, len } | Op::Store { addr, len, .. } if len > 0 => {
                pages += (addr.saturating_add(len)).div_ceil(PAGE_SIZE) - addr / PAGE_SIZE;
            }
            // A read or write touches its buffer's pages and the file's
            // (allocating them), fallocate allocates its range.
            Op::Rw { addr, len, .. } if len > 0 => {
                pages += 2 * ((addr.saturating_add(len)).div_ceil(PAGE_SIZE) - addr / PAGE_SIZE);
            }
            Op::Fallocate { len, .. } => pages = pages.saturating_add(len.div_ceil(PAGE_SIZE)),
            Op::File { size, .. } => file = file.saturating_add(size),
            Op::Mmap { len, flags, .. } if (locks || flags & MAP_POPULATE != 0) && len > b.populate_bytes => {
                return false;
            }
            Op::Mremap { new_len, .. } if locks && new_len > b.populate_bytes => return false,
            Op::Brk { addr } if locks && addr > BRK_BASE + b.populate_bytes => return false,
            Op::Mlock { len, .. } | Op::Mlock2 { len, .. } if len > b.populate_bytes => return false,
            Op::Madvise { len, advice, .. }
                if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE) && len > b.populate_bytes =>
            {
                return false;
            }
            _ => {}
        }
    }
    s.lines.len() <= b.lines && pages <= b.access_pages && file <= b.file_bytes
}

/// The target.
pub fn fuzz(data: &[u8]) {
    let Some((&b, text)) = data.split_first() else { return };
    if text.len() > BOUNDS.bytes {
        return;
    }
    let Ok(s) = mm_sim::parse(text) else { return };
    if !within(&s, &BOUNDS) {
        return;
    }
    check(&s, &machine(b));
}

/// Runs `s` on `cfg` as `mmsim run` does, then [`replay`]s it.
pub fn check(s: &Scenario, cfg: &MachineConfig) {
    let opts = RunOptions { machine: cfg.clone(), ..RunOptions::default() };
    // Out of simulated memory for a page table, a process or a file is an
    // error of the run, not a defect.
    let _ = mm_sim::run(s, &opts);
    replay(s, cfg);
}

/// Replays the lines of `s` on the library; at the end the invariants must
/// hold and, after every process exited and every file was unlinked, no
/// frame and no swap slot may stay in use.
///
/// # Panics
///
/// On a broken invariant or a leak.
pub fn replay(s: &Scenario, cfg: &MachineConfig) {
    let mut k = Kernel::new(cfg).expect("the machine boots");
    let free = k.machine().nr_free_pages();
    let Ok(first) = k.spawn() else { return };
    let mut procs: Vec<Option<Pid>> = vec![Some(first)];
    let mut files = Vec::new();
    for l in &s.lines {
        let Some(Some(pid)) = procs.get(l.proc).copied() else { continue };
        let stop = match &l.op {
            Op::File { name, size } => {
                let mut fill = |p: u64, page: &mut [u8]| {
                    for (j, b) in page.iter_mut().enumerate() {
                        *b = (p as usize + j) as u8;
                    }
                };
                files.push(name.clone());
                k.create_file(name, *size, &mut fill).is_err()
            }
            Op::Openat { path, flags } => {
                let _ = k.sys_openat(pid, path, *flags);
                false
            }
            Op::Close { fd } => {
                let _ = k.sys_close(pid, *fd);
                false
            }
            Op::Mmap { addr, len, prot, flags, fd, off } => {
                let _ = k.sys_mmap(pid, *addr, *len, *prot, *flags, *fd, *off);
                false
            }
            Op::Munmap { addr, len } => {
                let _ = k.sys_munmap(pid, *addr, *len);
                false
            }
            Op::Mprotect { addr, len, prot } => {
                let _ = k.sys_mprotect(pid, *addr, *len, *prot);
                false
            }
            Op::Mremap { old, old_len, new_len, flags, new_addr } => {
                let _ = k.sys_mremap(pid, *old, *old_len, *new_len, *flags, *new_addr);
                false
            }
            Op::Madvise { addr, len, advice } => {
                let _ = k.sys_madvise(pid, *addr, *len, *advice);
                false
            }
            Op::Brk { addr } => {
                let _ = k.sys_brk(pid, *addr);
                false
            }
            Op::Msync { addr, len, flags } => {
                let _ = k.sys_msync(pid, *addr, *len, *flags);
                false
            }
            Op::Mlock { addr, len } => {
                let _ = k.sys_mlock(pid, *addr, *len);
                false
            }
            Op::Mlock2 { addr, len, flags } => {
                let _ = k.sys_mlock2(pid, *addr, *len, *flags);
                false
            }
            Op::Munlock { addr, len } => {
                let _ = k.sys_munlock(pid, *addr, *len);
                false
            }
            Op::Mlockall { flags } => {
                let _ = k.sys_mlockall(pid, *flags);
                false
            }
            Op::Munlockall => {
                let _ = k.sys_munlockall(pid);
                false
            }
            Op::Khugepaged => {
                k.khugepaged_full_scans(mm_sim::scenario::KHUGEPAGED_FULL_SCANS);
                false
            }
            Op::Mincore { addr, len } => {
                let _ = k.sys_mincore(pid, *addr, *len);
                false
            }
            Op::Ftruncate { fd, len } => {
                let _ = k.sys_ftruncate(pid, *fd, *len);
                false
            }
            Op::Fallocate { fd, mode, off, len } => {
                let _ = k.sys_fallocate(pid, *fd, *mode, *off, *len);
                false
            }
            Op::Rw { write, fd, addr, len, pos } => {
                let _ = match (write, pos) {
                    (false, None) => k.sys_read(pid, *fd, *addr, *len),
                    (false, Some(p)) => k.sys_pread64(pid, *fd, *addr, *len, *p),
                    (true, None) => k.sys_write(pid, *fd, *addr, *len),
                    (true, Some(p)) => k.sys_pwrite64(pid, *fd, *addr, *len, *p),
                };
                false
            }
            Op::Load { addr, len } | Op::Store { addr, len, .. } => {
                let val = if let Op::Store { val, .. } = l.op { Some(val) } else { None };
                let first = addr & !(PAGE_SIZE - 1);
                let n = if *len == 0 { 0 } else { (addr + len).div_ceil(PAGE_SIZE) - first / PAGE_SIZE };
                for i in 0..n {
                    let a = if i == 0 { *addr } else { first + i * PAGE_SIZE };
                    let r = match val {
                        Some(v) => k.store(pid, a, v),
                        None => k.load(pid, a).map(|_| ()),
                    };
                    if r.is_err() {
                        break;
                    }
                }
                false
            }
            Op::Dump { .. } | Op::Process { .. } => false,
            Op::Fork { child } => match k.fork(pid) {
                Ok(c) => {
                    if procs.len() <= *child {
                        procs.resize(*child + 1, None);
                    }
                    procs[*child] = Some(c);
                    false
                }
                Err(_) => true,
            },
            Op::Exit { proc, .. } => {
                k.exit(pid);
                procs[*proc] = None;
                false
            }
        };
        if stop {
            break;
        }
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "invariants broken at the end of the scenario: {v:?}");
    for pid in procs.into_iter().flatten() {
        k.exit(pid);
    }
    for name in files {
        let _ = k.tmpfs().unlink(&name);
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "invariants broken after every process exited: {v:?}");
    k.machine().drain_all_pages();
    assert_eq!(
        k.machine().nr_free_pages(),
        free,
        "frames leaked after every process exited and every file was unlinked"
    );
    let swap = k.machine().swap();
    assert_eq!(swap.nr_swap_pages(), swap.total_swap_pages() as i64, "swap slots leaked");
}
