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
/// first fault that built the page tables: thread `i` writes at
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
    for (cpu, t) in tasks.iter().enumerate() {
        t.store(cpu, base(cpu), 1).expect("first store");
    }
    let barrier = Barrier::new(2);
    let out = std::thread::scope(|s| {
        let handles: Vec<_> = tasks
            .iter()
            .enumerate()
            .map(|(cpu, t)| {
                let (barrier, base) = (&barrier, &base);
                s.spawn(move || {
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
const STILL_SHARED: &[&str] = &["mmap_lock"];
/// Lock classes shared, but taken once per batch of pages.
const PER_BATCH: &[&str] = &["lru_lock", "zone_lock"];

/// Split page-table locks: two threads faulting in page tables of their
/// own (regions 1 GiB apart) take one page-table lock per fault, each
/// its own table's, and share no lock of the fault path but those
/// `STILL_SHARED` names.
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
