//! Threads of one process fault, map and unmap at once on different CPUs:
//! no lost update (every byte each thread wrote reads back, counters add
//! up) and every invariant holds afterwards.

use mm_core::{Kernel, MachineConfig, PAGE_SIZE};
use std::sync::{Arc, Barrier};

const A: u64 = 0x1_0000_0000;

#[test]
fn threads_fault_disjoint_and_shared_ranges_while_one_remaps() {
    for _ in 0..10 {
        run(MachineConfig { nr_cpus: 4, ..MachineConfig::default() });
    }
}

/// The same with 4 MiB of RAM and swap: reclaim runs on every thread, on
/// pages the others are faulting.
#[test]
fn and_under_memory_pressure() {
    for policy in ["lru", "clock"] {
        for _ in 0..3 {
            run(MachineConfig {
                nr_cpus: 4,
                ram: 4 << 20,
                reclaim: policy.into(),
                swap: vec![mm_core::machine::SwapSpec::parse("zram:64M").expect("swap")],
                ..MachineConfig::default()
            });
        }
    }
}

fn run(cfg: MachineConfig) {
    const THREADS: usize = 4;
    const PAGES: u64 = 512;
    let mut k = Kernel::new(&cfg).expect("machine");
    let leader = k.spawn().expect("process");
    let tids: Vec<u32> = (1..THREADS).map(|_| k.spawn_thread(leader).expect("thread")).collect();
    let all: Vec<u32> = std::iter::once(leader).chain(tids).collect();
    // A region per thread, and one they all write.
    for i in 0..=THREADS as u64 {
        let a = A + i * (1 << 30);
        assert_eq!(k.sys_mmap(leader, a, PAGES * PAGE_SIZE, 3, 0x32, -1, 0), Ok(a));
    }
    let tasks: Vec<_> = all.iter().map(|&t| k.task(t).expect("task").clone()).collect();
    let barrier = Arc::new(Barrier::new(THREADS));
    let shared = A + THREADS as u64 * (1 << 30);
    std::thread::scope(|s| {
        for (cpu, t) in tasks.iter().enumerate() {
            let barrier = barrier.clone();
            s.spawn(move || {
                barrier.wait();
                let own = A + cpu as u64 * (1 << 30);
                for round in 0..4u64 {
                    for p in 0..PAGES {
                        t.store(cpu, own + p * PAGE_SIZE + cpu as u64, (p + round) as u8).expect("own store");
                        // Each thread owns one byte of every shared page.
                        t.store(cpu, shared + p * PAGE_SIZE + cpu as u64, (p * 7 + round) as u8).expect("shared store");
                    }
                    // One thread keeps changing the others' neighbourhood:
                    // a scratch mapping, protected and unmapped.
                    if cpu == 0 {
                        let scratch = A + 7 * (1 << 30);
                        let m = &t.mm;
                        m.vm_mmap_pgoff(
                            t.faults(),
                            None,
                            scratch,
                            64 * PAGE_SIZE,
                            mm_core::flags::Prot::from_bits_retain(3),
                            mm_core::flags::MapFlags::from_bits_retain(0x32),
                            0,
                        )
                        .expect("mmap");
                        for p in 0..64 {
                            t.store(cpu, scratch + p * PAGE_SIZE, 1).expect("scratch");
                        }
                        m.do_mprotect(t.faults(), scratch, 32 * PAGE_SIZE, 1).expect("mprotect");
                        m.vm_munmap(scratch, 64 * PAGE_SIZE).expect("munmap");
                    }
                }
            });
        }
    });
    for (cpu, t) in tasks.iter().enumerate() {
        let own = A + cpu as u64 * (1 << 30);
        for p in 0..PAGES {
            assert_eq!(t.load(cpu, own + p * PAGE_SIZE + cpu as u64), Ok((p + 3) as u8));
            assert_eq!(t.load(cpu, shared + p * PAGE_SIZE + cpu as u64), Ok((p * 7 + 3) as u8));
        }
    }
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
    // Every page of every region was faulted exactly once, by someone.
    let minor: u64 = all.iter().map(|&t| k.faults(t).expect("faults").0).sum();
    let mm = &tasks[0].mm;
    let (anon, swap) = (mm.counters().anon_rss(), mm.counters().swap_ents());
    assert_eq!(anon + swap, ((THREADS as u64 + 1) * PAGES) as i64, "every page resident or on swap");
    assert!(minor >= (THREADS as u64 + 1) * PAGES, "{minor} faults");
}

/// The locks two threads take while faulting `PAGES` pages each, after a
/// first fault of each that built the page tables: thread `i` writes at
/// `base(i) + p * PAGE_SIZE`.
fn fault_locks(base: impl Fn(usize) -> u64 + Sync, pages: u64) -> Vec<(Vec<mm_core::lockstat::Acquisition>, u64)> {
    let mut k = Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine");
    let leader = k.spawn().expect("process");
    let other = k.spawn_thread(leader).expect("thread");
    // Two 2 MiB regions 1 GiB apart: PTE and PMD tables of their own.
    for i in 0..2u64 {
        let a = A + i * (1 << 30);
        assert_eq!(k.sys_mmap(leader, a, 2 << 20, 3, 0x32, -1, 0), Ok(a));
    }
    let tasks: Vec<_> = [leader, other].iter().map(|&t| k.task(t).expect("task").clone()).collect();
    let barrier = Barrier::new(2);
    let out = std::thread::scope(|s| {
        let handles: Vec<_> = tasks
            .iter()
            .enumerate()
            .map(|(cpu, t)| {
                let (barrier, base) = (&barrier, &base);
                s.spawn(move || {
                    // On the thread itself: it also finds the VMA snapshot
                    // its later faults reuse.
                    t.store(cpu, base(cpu), 1).expect("first store");
                    barrier.wait();
                    let before = t.faults().get().0;
                    let ((), seen) = mm_core::lockstat::record(|| {
                        for p in 1..=pages {
                            t.store(cpu, base(cpu) + p * PAGE_SIZE, 1).expect("store");
                        }
                    });
                    (seen, t.faults().get().0 - before)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
    out
}

/// Acquisitions of `class` in `seen`, and the distinct locks of it.
fn count(seen: &[mm_core::lockstat::Acquisition], class: &str) -> (usize, std::collections::HashSet<usize>) {
    let of: Vec<usize> = seen.iter().filter(|a| a.class == class).map(|a| a.addr).collect();
    (of.len(), of.into_iter().collect())
}

/// Lock classes the fault path may still share between threads faulting
/// in different page tables.  Two more are shared but taken once per
/// batch, and are counted apart: the allocator's zone lock, once per
/// batch of pages a CPU's list takes from the zone (`rmqueue_bulk`), and
/// the reclaim lists' lock (one per node, `lruvec->lru_lock`), once per
/// batch of `FOLIO_BATCH_SIZE` new pages a CPU moves to the lists
/// (`folio_batch_move_lru`).
const STILL_SHARED: &[&str] = &[];
/// Lock classes shared, but taken once per batch of pages.
const PER_BATCH: &[&str] = &["lru_lock", "zone_lock"];

/// Split page-table locks and per-VMA locks: two threads faulting in page
/// tables and VMAs of their own (regions 1 GiB apart) take one page-table
/// lock and one VMA lock per fault, each its own, no `mmap_lock`, and
/// share no lock of the fault path but those `STILL_SHARED` names.
#[test]
fn faults_in_different_page_tables_share_no_page_table_lock() {
    const { assert!(mm_core::lockstat::ENABLED, "mm-tests builds mm-core with lock-stat") };
    const PAGES: u64 = 64;
    let runs = fault_locks(|i| A + i as u64 * (1 << 30), PAGES);
    for (seen, faults) in &runs {
        assert_eq!(*faults, PAGES);
        let (ptl, ptls) = count(seen, "ptl");
        assert_eq!(ptl as u64, PAGES, "one page-table lock per fault");
        assert_eq!(ptls.len(), 1, "all in one PTE table");
        assert_eq!(count(seen, "page_table_lock").0, 0, "mm->page_table_lock stays off the fault path");
        assert_eq!(count(seen, "pmd_lock").0, 0, "no table installed");
        assert_eq!(count(seen, "mmap_lock").0, 0, "faults under the VMA lock");
        let (vma, vmas) = count(seen, "vma_lock");
        assert_eq!((vma as u64, vmas.len()), (PAGES, 1), "one VMA lock per fault, the thread's own VMA's");
        let (zone, _) = count(seen, "zone_lock");
        assert!(zone as u64 <= PAGES / 8, "the zone lock once per batch: {zone}");
        // The first fault left one page in the CPU's batch: 64 more fill
        // it twice.
        let (lru, _) = count(seen, "lru_lock");
        assert_eq!(lru, 2, "the lru lock once per {} new pages", mm_core::vmscan::FOLIO_BATCH_SIZE);
        let (fbatch, fbatches) = count(seen, "cpu_fbatches");
        assert_eq!((fbatch as u64, fbatches.len()), (PAGES, 1), "the CPU's own batch, once per fault");
    }
    let addrs = |i: usize| -> std::collections::HashMap<usize, &'static str> {
        runs[i].0.iter().filter(|a| !PER_BATCH.contains(&a.class)).map(|a| (a.addr, a.class)).collect()
    };
    let (a, b) = (addrs(0), addrs(1));
    let mut shared: Vec<&str> = a.iter().filter(|(addr, _)| b.contains_key(addr)).map(|(_, &c)| c).collect();
    shared.sort_unstable();
    shared.dedup();
    assert_eq!(shared, STILL_SHARED, "locks both threads took");
}

/// The other side: two threads faulting in one PTE table share its lock
/// (so the test above would see a shared page-table lock).
#[test]
fn faults_in_one_page_table_share_its_lock() {
    const { assert!(mm_core::lockstat::ENABLED) };
    // Thread 1 faults the upper half of thread 0's 2 MiB region.
    let runs = fault_locks(|i| A + i as u64 * (1 << 20), 32);
    let (_, t0) = count(&runs[0].0, "ptl");
    let (_, t1) = count(&runs[1].0, "ptl");
    assert_eq!(t0.len(), 1);
    assert_eq!(t0, t1, "one PTE table, one lock");
}

/// `pte_offset_map_lock` re-checks the PMD entry under the table's lock:
/// a fault that found a PTE table before `MADV_DONTNEED` freed it
/// (`try_to_free_pte`, under the `mmap_lock`'s read side, as the fault)
/// is refused and retries, instead of writing into a freed frame.
#[test]
fn a_fault_does_not_write_into_a_pte_table_freed_meanwhile() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    assert_eq!(k.sys_mmap(pid, A, 4 << 20, 3, 0x32, -1, 0), Ok(A));
    let t = k.task(pid).expect("task").clone();
    t.store(0, A, 1).expect("store");
    let table = t.mm.pte_offset(A).expect("pte table").table;
    assert!(mm_core::inject::pte_offset_map_lock(&t.mm, A, table), "the table is in place");
    // The whole 2 MiB block, emptied: its table is freed.
    assert_eq!(k.sys_madvise(pid, A, 2 << 20, 4), Ok(0));
    assert!(t.mm.pte_offset(A).is_none(), "MADV_DONTNEED freed the table");
    assert!(!mm_core::inject::pte_offset_map_lock(&t.mm, A, table), "a stale table is refused");
    // The next fault builds a new table.
    t.store(0, A + PAGE_SIZE, 2).expect("store");
    let new = t.mm.pte_offset(A).expect("a new table").table;
    assert!(mm_core::inject::pte_offset_map_lock(&t.mm, A, new));
    assert_eq!(t.load(0, A + PAGE_SIZE), Ok(2));
    assert_eq!(t.load(0, A), Ok(0));
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

/// A writer excludes faults from the VMA it changes: a fault on it while
/// another thread holds the `mmap_lock` for writing and has changed the
/// VMA (write-locked it) does not use the VMA as the published snapshot
/// has it, but takes the `mmap_lock` once the writer is done and sees the
/// VMA as the writer left it (here read-only: `SIGSEGV`).
#[test]
fn a_fault_on_a_vma_being_changed_waits_for_the_writer() {
    let mut k = Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine");
    let leader = k.spawn().expect("process");
    let other = k.spawn_thread(leader).expect("thread");
    assert_eq!(k.sys_mmap(leader, A, 2 * PAGE_SIZE, 3, 0x32, -1, 0), Ok(A));
    let (t0, t1) = (k.task(leader).expect("task").clone(), k.task(other).expect("task").clone());
    // A read: the zero page, mapped read-only, stays allowed.
    assert_eq!(t0.load(0, A), Ok(0));
    assert!(mm_core::inject::vma_snapshot_published(&t0.mm), "the first fault published the VMAs");
    let barrier = Barrier::new(2);
    let (res, seen) = std::thread::scope(|s| {
        let reader = mm_core::inject::with_mmap_write_lock(&t0.mm, |st| {
            // What mprotect(PROT_READ) does to the VMA's flags.
            let m = t0.mm.machine().clone();
            st.vmas.modify(A, |v| {
                v.flags -= mm_core::flags::VmFlags::WRITE;
                v.vma_set_page_prot(&m);
            });
            let reader = s.spawn(|| {
                barrier.wait();
                mm_core::lockstat::record(|| t1.store(1, A + PAGE_SIZE, 2))
            });
            barrier.wait();
            reader
        });
        reader.join().expect("reader")
    });
    assert!(matches!(res, Err(mm_core::Signal::Segv { addr: _, code: mm_core::errno::SegvCode::AccErr })), "{res:?}");
    assert_eq!(count(&seen, "mmap_lock").0, 1, "the fault took the mmap_lock");
    assert_eq!(t0.load(0, A + PAGE_SIZE), Ok(0));
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

/// A writer excludes only the VMAs it changes: a fault in another VMA
/// completes while the writer still holds the `mmap_lock` (it would wait
/// for it forever otherwise), without taking it.
#[test]
fn a_fault_on_another_vma_proceeds_during_a_write() {
    const B: u64 = A + (1 << 30);
    let mut k = Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine");
    let leader = k.spawn().expect("process");
    let other = k.spawn_thread(leader).expect("thread");
    for a in [A, B] {
        assert_eq!(k.sys_mmap(leader, a, 2 * PAGE_SIZE, 3, 0x32, -1, 0), Ok(a));
    }
    let (t0, t1) = (k.task(leader).expect("task").clone(), k.task(other).expect("task").clone());
    t0.store(0, A, 1).expect("first store");
    t0.store(0, B, 1).expect("first store");
    let (res, seen) = std::thread::scope(|s| {
        mm_core::inject::with_mmap_write_lock(&t0.mm, |st| {
            // Write-locks the VMA at A (flags unchanged).
            st.vmas.modify(A, |_| ());
            s.spawn(|| mm_core::lockstat::record(|| t1.store(1, B + PAGE_SIZE, 2))).join().expect("reader")
        })
    });
    assert_eq!(res, Ok(()));
    assert_eq!(count(&seen, "mmap_lock").0, 0, "no mmap_lock");
    assert_eq!(count(&seen, "vma_lock").0, 1, "the VMA lock of B");
    assert!(!mm_core::inject::vma_snapshot_published(&t0.mm), "the writer changed the tree: snapshot withdrawn");
    assert_eq!(t0.load(0, B + PAGE_SIZE), Ok(2));
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

/// A snapshot of the VMAs from before a change is never used: after
/// munmap and an mmap of another kind of VMA at the same address, a fault
/// there sees the new VMA (read-only, empty), and the snapshot published
/// again is the tree.
#[test]
fn a_stale_vma_snapshot_is_never_used() {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let pid = k.spawn().expect("process");
    let t = k.task(pid).expect("task").clone();
    assert_eq!(k.sys_mmap(pid, A, 4 * PAGE_SIZE, 3, 0x32, -1, 0), Ok(A));
    t.store(0, A, 0x11).expect("store");
    t.store(0, A + PAGE_SIZE, 0x11).expect("store");
    assert!(mm_core::inject::vma_snapshot_published(&t.mm));
    assert_eq!(k.sys_munmap(pid, A, 4 * PAGE_SIZE), Ok(0));
    assert!(!mm_core::inject::vma_snapshot_published(&t.mm), "munmap withdrew the snapshot");
    // PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED: a shmem file.
    assert_eq!(k.sys_mmap(pid, A, 2 * PAGE_SIZE, 1, 0x31, -1, 0), Ok(A));
    let (r, seen) = mm_core::lockstat::record(|| t.load(0, A + PAGE_SIZE));
    assert_eq!(r, Ok(0), "the new mapping is empty");
    assert_eq!(count(&seen, "mmap_lock").0, 1, "no snapshot: the mmap_lock");
    let (r, seen) = mm_core::lockstat::record(|| t.store(0, A, 1));
    assert!(matches!(r, Err(mm_core::Signal::Segv { addr: A, code: mm_core::errno::SegvCode::AccErr })), "{r:?}");
    assert_eq!((count(&seen, "mmap_lock").0, count(&seen, "vma_lock").0), (0, 1), "the snapshot published again");
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

/// `munmap` clears the page tables of what it removed with the
/// `mmap_lock` downgraded to a read lock (`vms_complete_munmap_vmas`):
/// another thread's fault that needs the lock (the munmap withdrew the
/// VMA snapshot) completes meanwhile.
#[test]
fn a_fault_needing_the_mmap_lock_completes_while_munmap_clears_page_tables() {
    use std::sync::Mutex;
    use std::sync::mpsc;
    const B: u64 = A + (1 << 30);
    const PAGES: u64 = 64;
    let mut k = Kernel::new(&MachineConfig { nr_cpus: 2, ..MachineConfig::default() }).expect("machine");
    let leader = k.spawn().expect("process");
    let other = k.spawn_thread(leader).expect("thread");
    for a in [A, B] {
        assert_eq!(k.sys_mmap(leader, a, PAGES * PAGE_SIZE, 3, 0x32, -1, 0), Ok(a));
    }
    let (t0, t1) = (k.task(leader).expect("task").clone(), k.task(other).expect("task").clone());
    for p in 0..PAGES {
        t0.store(0, A + p * PAGE_SIZE, 1).expect("store");
    }
    t1.store(1, B, 1).expect("store");
    type Seen = (Result<(), mm_core::Signal>, Vec<mm_core::lockstat::Acquisition>);
    let result: Arc<Mutex<Option<Result<Seen, mpsc::RecvTimeoutError>>>> = Arc::default();
    let (out, t1c) = (result.clone(), t1.clone());
    mm_core::inject::before_vms_clear_ptes(move || {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let (r, seen) = mm_core::lockstat::record(|| t1c.store(1, B + PAGE_SIZE, 2));
            let _ = tx.send((r, seen));
        });
        // Under the write lock the fault would wait for the munmap, which
        // waits here: a timeout, not a hang.
        *out.lock().expect("result") = Some(rx.recv_timeout(std::time::Duration::from_secs(20)));
    });
    assert_eq!(k.sys_munmap(leader, A, PAGES * PAGE_SIZE), Ok(0));
    let got = result.lock().expect("result").take().expect("the munmap cleared page tables");
    let (r, seen) = got.expect("the fault completed while the munmap held the mmap_lock");
    assert_eq!(r, Ok(()));
    assert_eq!(count(&seen, "mmap_lock").0, 1, "the fault took the mmap_lock (for reading)");
    assert!(matches!(t1.load(1, A), Err(mm_core::Signal::Segv { addr: A, code: mm_core::errno::SegvCode::MapErr })));
    assert_eq!(t0.load(0, B + PAGE_SIZE), Ok(2));
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}
