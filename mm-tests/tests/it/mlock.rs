//! Locked memory and residency through the library API, with swap (the
//! reference machine has none, so the recorded scenarios cannot show it).
//!
//! * Pages of a `VM_LOCKED` mapping stay under memory pressure that swaps
//!   out everything else, whatever the reclaim policy (`Mlocked` and
//!   `Unevictable` count them), and can be reclaimed once unlocked.
//! * `Unevictable` and `Mlocked` of `/proc/meminfo`, and the
//!   `unevictable_pgs_*` events, after mlock, munlock, fork, mremap,
//!   munmap, `MAP_LOCKED`, `mlock2(MLOCK_ONFAULT)` and `munlockall`, as
//!   this machine's kernel (6.18) counts them.
//! * `mincore` of anonymous memory on swap: a page counts while it is
//!   mapped or in the swap cache, not once it was written out and freed.

use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::{Kernel, PAGE_SIZE, Pid};

const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE: u64 = 0x22;
const MADV_PAGEOUT: u64 = 21;
const MAP_LOCKED: u64 = 0x2000;
const MLOCK_ONFAULT: u64 = 1;
const MREMAP_MAYMOVE: u64 = 1;
const A: u64 = 0x1_0000_0000;
const B: u64 = 0x2_0000_0000;

fn machine(ram: u64, page_cluster: u32) -> (Kernel, Pid) {
    machine_with(ram, page_cluster, "lru")
}

fn machine_with(ram: u64, page_cluster: u32, reclaim: &str) -> (Kernel, Pid) {
    let mut cfg = MachineConfig {
        ram,
        swap: vec![SwapSpec::parse("zram:64M").expect("a valid swap spec")],
        reclaim: reclaim.to_string(),
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

/// A line of `/proc/meminfo`, in kB.
fn meminfo_kb(k: &Kernel, label: &str) -> u64 {
    k.machine().meminfo_lines().into_iter().find(|(l, _)| *l == label).expect("a meminfo line").1
}

/// `(Unevictable, Mlocked)` of `/proc/meminfo`, in kB.
fn unevictable_mlocked_kb(k: &Kernel) -> (u64, u64) {
    (meminfo_kb(k, "Unevictable"), meminfo_kb(k, "Mlocked"))
}

fn assert_invariants(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn locked_pages_stay_under_pressure() {
    for policy in ["lru", "clock"] {
        locked_pages_stay_under_pressure_with(policy);
    }
}

fn locked_pages_stay_under_pressure_with(policy: &str) {
    let (k, pid) = machine_with(4 << 20, 3, policy);
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
    assert!(present_pages(&k, pid, B, other) < other / 2, "{policy}: the other memory went to swap");
    assert_eq!(present_pages(&k, pid, A, locked), locked, "{policy}: no locked page was reclaimed");
    assert_eq!(unevictable_mlocked_kb(&k), (locked * 4, locked * 4), "{policy}: the locked pages are unevictable");
    assert_invariants(&k);
    let (_, maj_before) = k.faults(pid).expect("process");
    for p in 0..locked {
        k.load(pid, A + p * PAGE_SIZE).expect("load");
    }
    assert_eq!(k.faults(pid).expect("process").1, maj_before, "the locked pages fault no swap-in");
    // Unlocked, they are pages like the others.
    assert_eq!(k.sys_munlock(pid, A, locked * PAGE_SIZE), Ok(0));
    assert_eq!(k.sys_madvise(pid, A, locked * PAGE_SIZE, MADV_PAGEOUT), Ok(0));
    assert_eq!(present_pages(&k, pid, A, locked), 0, "{policy}: unlocked pages can be paged out");
    assert_eq!(unevictable_mlocked_kb(&k), (0, 0));
    assert_invariants(&k);
}

/// What `/proc/meminfo` showed on this machine's kernel (6.18, one CPU,
/// `vm.stat_refresh` written before each reading) around the same calls
/// on 256 pages, as deltas: touched 0/0; mlock 1024/1024 kB; munlock of
/// the first half 512/512; mlock again 1024/1024; `MADV_PAGEOUT`
/// (`EINVAL`) 1024/1024; in a fork child, and after its munmap and exit,
/// 1024/1024 (the child's copy is not locked); mremap to twice the size
/// (the new half is populated) 2048/2048; mremap back to 256 pages
/// 1024/1024; munmap 0/0; `MAP_LOCKED` 1024/1024; `mlock2(MLOCK_ONFAULT)`
/// over it 1024/1024; munlockall 0/0; `mlock2(MLOCK_ONFAULT)` of
/// untouched memory 0/0, then 64 pages touched 256/256; munmap 0/0.  (The
/// kernel's per-CPU mlock batches can lag by up to 15 pages after a
/// munmap or a fault; the model's counters are those of drained batches.)
#[test]
fn unevictable_and_mlocked_follow_the_locked_mappings() {
    const N: u64 = 256;
    const ALL: u64 = N * 4;
    let (mut k, pid) = machine(64 << 20, 0);
    map(&k, pid, A, N);
    for p in 0..N {
        k.store(pid, A + p * PAGE_SIZE, 1).expect("store");
    }
    // The touched pages join the lists first (mlock does not drain the
    // LRU batch; `lru_batch::a_page_mlocked_in_a_batch_is_culled_when_it_moves`).
    k.machine().lru_add_drain_all();
    assert_eq!(unevictable_mlocked_kb(&k), (0, 0), "touched");
    assert_eq!(k.sys_mlock(pid, A, N * PAGE_SIZE), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "mlock");
    assert_eq!(k.sys_munlock(pid, A, N / 2 * PAGE_SIZE), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (ALL / 2, ALL / 2), "munlock of half");
    assert_eq!(k.sys_mlock(pid, A, N * PAGE_SIZE), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "mlock again");
    assert_eq!(k.sys_madvise(pid, A, N * PAGE_SIZE, MADV_PAGEOUT), Err(mm_core::Errno::EINVAL));
    assert_eq!(present_pages(&k, pid, A, N), N, "MADV_PAGEOUT left the locked pages");
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "MADV_PAGEOUT");
    assert_invariants(&k);
    let child = k.fork(pid).expect("fork");
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "fork");
    assert_eq!(k.sys_munmap(child, A, N * PAGE_SIZE), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "the child's munmap");
    k.exit(child);
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "the child's exit");
    assert_invariants(&k);
    let b = k.sys_mremap(pid, A, N * PAGE_SIZE, 2 * N * PAGE_SIZE, MREMAP_MAYMOVE, 0).expect("mremap grows");
    assert_eq!(unevictable_mlocked_kb(&k), (2 * ALL, 2 * ALL), "mremap populates the locked growth");
    let c = k.sys_mremap(pid, b, 2 * N * PAGE_SIZE, N * PAGE_SIZE, 0, 0).expect("mremap shrinks");
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "mremap shrinks");
    assert_eq!(k.sys_munmap(pid, c, N * PAGE_SIZE), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (0, 0), "munmap");
    assert_invariants(&k);
    assert_eq!(k.sys_mmap(pid, B, N * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE | 0x10 | MAP_LOCKED, -1, 0), Ok(B));
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "MAP_LOCKED");
    assert_eq!(k.sys_mlock2(pid, B, N * PAGE_SIZE, MLOCK_ONFAULT), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (ALL, ALL), "mlock2(MLOCK_ONFAULT) of locked memory");
    assert_eq!(k.sys_munlockall(pid), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (0, 0), "munlockall");
    map(&k, pid, A, N);
    assert_eq!(k.sys_mlock2(pid, A, N * PAGE_SIZE, MLOCK_ONFAULT), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (0, 0), "mlock2(MLOCK_ONFAULT) of untouched memory");
    for p in 0..N / 4 {
        k.store(pid, A + p * PAGE_SIZE, 1).expect("store");
    }
    assert_eq!(unevictable_mlocked_kb(&k), (ALL / 4, ALL / 4), "faults in an MLOCK_ONFAULT range");
    assert_eq!(k.sys_munmap(pid, A, N * PAGE_SIZE), Ok(0));
    assert_eq!(k.sys_munmap(pid, B, N * PAGE_SIZE), Ok(0));
    assert_eq!(unevictable_mlocked_kb(&k), (0, 0), "all unmapped");
    assert_invariants(&k);
}

/// The `unevictable_pgs_*` events of `/proc/vmstat` on this machine's
/// kernel around the same calls on 64 touched pages (deltas since the
/// start, one CPU): mlock: culled 64, mlocked 64; munlock of half:
/// rescued 32, munlocked 32; munmap: rescued 64, munlocked 64 (63 read at
/// once, one still in a per-CPU batch); `MAP_LOCKED` of 64 more: culled
/// 128, mlocked 128; mlock of it again: nothing; munmap: rescued and
/// munlocked 128 (126 read at once).  No page was cleared or stranded.
#[test]
fn unevictable_events_follow_the_kernel() {
    use mm_core::vmstat::VmEvent::{
        UnevictablePgsCleared, UnevictablePgsCulled, UnevictablePgsMlocked, UnevictablePgsMunlocked,
        UnevictablePgsRescued, UnevictablePgsStranded,
    };
    const N: u64 = 64;
    let (k, pid) = machine(64 << 20, 0);
    let events = |k: &Kernel| {
        let v = k.machine().vmstat();
        [UnevictablePgsCulled, UnevictablePgsRescued, UnevictablePgsMlocked, UnevictablePgsMunlocked].map(|e| v.get(e))
    };
    map(&k, pid, A, N);
    for p in 0..N {
        k.store(pid, A + p * PAGE_SIZE, 1).expect("store");
    }
    k.machine().lru_add_drain_all();
    assert_eq!(events(&k), [0, 0, 0, 0], "touched");
    assert_eq!(k.sys_mlock(pid, A, N * PAGE_SIZE), Ok(0));
    assert_eq!(events(&k), [64, 0, 64, 0], "mlock");
    assert_eq!(k.sys_munlock(pid, A, N / 2 * PAGE_SIZE), Ok(0));
    assert_eq!(events(&k), [64, 32, 64, 32], "munlock of half");
    assert_eq!(k.sys_munmap(pid, A, N * PAGE_SIZE), Ok(0));
    assert_eq!(events(&k), [64, 64, 64, 64], "munmap");
    assert_eq!(k.sys_mmap(pid, B, N * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE | 0x10 | MAP_LOCKED, -1, 0), Ok(B));
    assert_eq!(events(&k), [128, 64, 128, 64], "MAP_LOCKED");
    assert_eq!(k.sys_mlock(pid, B, N * PAGE_SIZE), Ok(0));
    assert_eq!(events(&k), [128, 64, 128, 64], "mlock of locked memory");
    assert_eq!(k.sys_munmap(pid, B, N * PAGE_SIZE), Ok(0));
    assert_eq!(events(&k), [128, 128, 128, 128], "munmap");
    let v = k.machine().vmstat();
    assert_eq!((v.get(UnevictablePgsCleared), v.get(UnevictablePgsStranded)), (0, 0));
    assert_invariants(&k);
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
