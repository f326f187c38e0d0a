//! Locked memory and residency through the library API, with swap (the
//! reference machine has none, so the recorded scenarios cannot show it).
//!
//! * Pages of a `VM_LOCKED` mapping stay under memory pressure that swaps
//!   out everything else (`Mlocked` counts them), and can be reclaimed
//!   once unlocked.
//! * `mincore` of anonymous memory on swap: a page counts while it is
//!   mapped or in the swap cache, not once it was written out and freed.

use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::{Kernel, PAGE_SIZE, Pid};

const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE: u64 = 0x22;
const MADV_PAGEOUT: u64 = 21;
const A: u64 = 0x1_0000_0000;
const B: u64 = 0x2_0000_0000;

fn machine(ram: u64, page_cluster: u32) -> (Kernel, Pid) {
    let mut cfg = MachineConfig {
        ram,
        swap: vec![SwapSpec::parse("zram:64M").expect("a valid swap spec")],
        ..MachineConfig::default()
    };
    cfg.tunables.page_cluster = page_cluster;
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    (k, pid)
}

fn map(k: &Kernel, pid: Pid, addr: u64, pages: u64) {
    assert_eq!(k.sys_mmap(pid, addr, pages * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE | 0x10, -1, 0), Ok(addr));
}

/// Pages of `[addr, addr + pages)` that are present.
fn present_pages(k: &Kernel, pid: Pid, addr: u64, pages: u64) -> u64 {
    let end = addr + pages * PAGE_SIZE;
    k.present(pid, addr, end).expect("process").iter().map(|&(s, e)| (e.min(end) - s.max(addr)) / PAGE_SIZE).sum()
}

/// `Mlocked` of `/proc/meminfo`, in kB.
fn mlocked_kb(k: &Kernel) -> u64 {
    k.machine().meminfo_lines().into_iter().find(|(l, _)| *l == "Mlocked").expect("an Mlocked line").1
}

#[test]
fn locked_pages_stay_under_pressure() {
    let (k, pid) = machine(4 << 20, 3);
    let locked = 128;
    map(&k, pid, A, locked);
    assert_eq!(k.sys_mlock(pid, A, locked * PAGE_SIZE), Ok(0));
    assert_eq!(present_pages(&k, pid, A, locked), locked, "mlock populates");
    // Three times RAM of other anonymous memory, written twice over.
    let other = 3 * (4 << 20) / PAGE_SIZE;
    map(&k, pid, B, other);
    for _ in 0..2 {
        for p in 0..other {
            k.store(pid, B + p * PAGE_SIZE, p as u8).expect("store");
        }
    }
    assert!(present_pages(&k, pid, B, other) < other / 2, "the other memory went to swap");
    assert_eq!(present_pages(&k, pid, A, locked), locked, "no locked page was reclaimed");
    assert_eq!(mlocked_kb(&k), locked * 4, "Mlocked counts the locked pages");
    let (_, maj_before) = k.faults(pid).expect("process");
    for p in 0..locked {
        k.load(pid, A + p * PAGE_SIZE).expect("load");
    }
    assert_eq!(k.faults(pid).expect("process").1, maj_before, "the locked pages fault no swap-in");
    // Unlocked, they are pages like the others.
    assert_eq!(k.sys_munlock(pid, A, locked * PAGE_SIZE), Ok(0));
    assert_eq!(k.sys_madvise(pid, A, locked * PAGE_SIZE, MADV_PAGEOUT), Ok(0));
    assert_eq!(present_pages(&k, pid, A, locked), 0, "unlocked pages can be paged out");
    assert_eq!(mlocked_kb(&k), 0);
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn mincore_follows_swap_out_and_swap_in() {
    let (k, pid) = machine(16 << 20, 0);
    map(&k, pid, A, 16);
    for p in 0..16 {
        k.store(pid, A + p * PAGE_SIZE, 1).expect("store");
    }
    assert_eq!(k.sys_mincore(pid, A, 16 * PAGE_SIZE), Ok(vec![1; 16]));
    // Written out and freed: not resident.
    assert_eq!(k.sys_madvise(pid, A, 16 * PAGE_SIZE, MADV_PAGEOUT), Ok(0));
    assert_eq!(k.sys_mincore(pid, A, 16 * PAGE_SIZE), Ok(vec![0; 16]));
    // Read back (no readahead with page-cluster 0): that page only.
    k.load(pid, A + 5 * PAGE_SIZE).expect("load");
    let mut want = vec![0; 16];
    want[5] = 1;
    assert_eq!(k.sys_mincore(pid, A, 16 * PAGE_SIZE), Ok(want));
    // A locked range cannot be paged out.
    assert_eq!(k.sys_mlock(pid, A, 16 * PAGE_SIZE), Ok(0));
    assert_eq!(k.sys_mincore(pid, A, 16 * PAGE_SIZE), Ok(vec![1; 16]));
    assert_eq!(k.sys_madvise(pid, A, 16 * PAGE_SIZE, MADV_PAGEOUT), Err(mm_core::Errno::EINVAL));
    assert_eq!(k.sys_mincore(pid, A + 1, PAGE_SIZE), Err(mm_core::Errno::EINVAL));
}

/// Without `CAP_IPC_LOCK`, `RLIMIT_MEMLOCK` holds: what this machine's
/// kernel answered to the same calls made by an unprivileged process
/// with a limit of 64 KiB (and then 0).
#[test]
fn rlimit_memlock_without_cap_ipc_lock() {
    use mm_core::Errno::{EAGAIN, ENOMEM, EPERM};
    let mut cfg = MachineConfig::default();
    cfg.tunables.cap_ipc_lock = false;
    cfg.tunables.rlimit_memlock = 64 << 10;
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    map(&k, pid, A, 32);
    assert_eq!(k.sys_mlock(pid, A, 16 * PAGE_SIZE), Ok(0));
    assert_eq!(k.sys_mlock(pid, A, 17 * PAGE_SIZE), Err(ENOMEM));
    // Pages locked already are not counted twice.
    assert_eq!(k.sys_mlock(pid, A, 8 * PAGE_SIZE), Ok(0));
    assert_eq!(k.sys_mlock(pid, A + 16 * PAGE_SIZE, 4 * PAGE_SIZE), Err(ENOMEM));
    assert_eq!(k.sys_mmap(pid, 0, PAGE_SIZE, 1, MAP_ANON_PRIVATE | 0x2000, -1, 0), Err(EAGAIN));
    assert_eq!(k.sys_mlockall(pid, 1), Err(ENOMEM));
    assert_eq!(k.sys_mlockall(pid, 2), Ok(0));
    assert_eq!(k.sys_mmap(pid, 0, PAGE_SIZE, 1, MAP_ANON_PRIVATE, -1, 0), Err(EAGAIN));
    assert_eq!(k.sys_munlockall(pid), Ok(0));
    let mut cfg = MachineConfig::default();
    cfg.tunables.cap_ipc_lock = false;
    cfg.tunables.rlimit_memlock = 0;
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    map(&k, pid, A, 1);
    assert_eq!(k.sys_mlock(pid, A, PAGE_SIZE), Err(EPERM));
}

/// `mremap` keeps `locked_vm` (`VmLck`) right, so `RLIMIT_MEMLOCK` holds
/// across it: growing a `VM_LOCKED` mapping counts the new pages and is
/// refused with `EAGAIN` past the limit (`mlock_future_ok`), a move counts
/// the new length and unmaps the old one, `MREMAP_DONTUNMAP` unlocks the
/// source without giving its pages back.  The answers (and, in the
/// comments, `VmLck` in kB) of this machine's kernel to the same calls
/// made by an unprivileged process with a limit of 64 KiB.
#[test]
fn mremap_of_locked_memory_counts_in_rlimit_memlock() {
    use mm_core::Errno::{EAGAIN, ENOMEM};
    const MREMAP_MAYMOVE: u64 = 1;
    const MREMAP_FIXED: u64 = 2;
    const MREMAP_DONTUNMAP: u64 = 4;
    const MAP_LOCKED: u64 = 0x2000;
    let mut cfg = MachineConfig::default();
    cfg.tunables.cap_ipc_lock = false;
    cfg.tunables.rlimit_memlock = 64 << 10;
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    let p = PAGE_SIZE;
    let (c, d, e, f, g) = (A + 0x10_0000, A + 0x20_0000, A + 0x30_0000, A + 0x40_0000, A + 0x50_0000);
    // 32
    assert_eq!(k.sys_mmap(pid, A, 8 * p, PROT_RW, MAP_ANON_PRIVATE | 0x10 | MAP_LOCKED, -1, 0), Ok(A));
    assert_eq!(k.sys_mremap(pid, A, 8 * p, 12 * p, 0, 0), Ok(A)); // 48
    assert_eq!(k.sys_mremap(pid, A, 12 * p, 16 * p, 0, 0), Ok(A)); // 64
    assert_eq!(k.sys_mremap(pid, A, 16 * p, 17 * p, 0, 0), Err(EAGAIN));
    assert_eq!(present_pages(&k, pid, A, 16), 16, "the grown part is populated");
    map(&k, pid, c, 1);
    assert_eq!(k.sys_mlock(pid, c, p), Err(ENOMEM));
    assert_eq!(k.sys_mremap(pid, A, 16 * p, 16 * p, MREMAP_MAYMOVE | MREMAP_FIXED, d), Ok(d)); // 64
    assert_eq!(k.sys_mremap(pid, d, 16 * p, 8 * p, MREMAP_MAYMOVE | MREMAP_FIXED, e), Ok(e)); // 32
    assert_eq!(k.sys_mlock(pid, c, p), Ok(0)); // 36
    let dontunmap = MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP;
    assert_eq!(k.sys_mremap(pid, e, 8 * p, 8 * p, dontunmap, f), Ok(f)); // 68
    assert_eq!(k.sys_munlock(pid, e, 8 * p), Ok(0)); // 68
    assert_eq!(k.sys_munmap(pid, e, 8 * p), Ok(0)); // 68
    assert_eq!(k.sys_mremap(pid, f, 8 * p, 12 * p, MREMAP_MAYMOVE | MREMAP_FIXED, g), Err(EAGAIN));
    assert_eq!(k.sys_mlock(pid, c, p), Err(ENOMEM));
}
