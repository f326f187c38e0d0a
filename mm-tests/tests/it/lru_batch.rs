//! Per-CPU batches of LRU additions (`cpu_fbatches.lru_add`, mm/swap.c):
//! a new page waits in its CPU's batch, with a reference and without
//! `PG_lru`, until the 31st page or a large folio moves the batch to the
//! lists, or the CPU drains it (`lru_add_drain`, `lru_add_drain_all`).

use mm_core::flags::Access;
use mm_core::flags::PageFlags;
use mm_core::machine::{MachineConfig, SwapSpec};
use mm_core::vmscan::FOLIO_BATCH_SIZE;
use mm_core::{Kernel, PAGE_SIZE, Pfn, Pid};

const A: u64 = 0x1_0000_0000; // 2 MiB aligned
const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE_FIXED: u64 = 0x32;
const MADV_DONTNEED: u64 = 4;
const MADV_HUGEPAGE: u64 = 14;
const MADV_PAGEOUT: u64 = 21;
const KB_PER_PAGE: u64 = PAGE_SIZE >> 10;

/// A machine of `nr_cpus` CPUs with swap, every batch empty, and a
/// process with `pages` of anonymous memory at `A`.
fn setup(nr_cpus: usize, pages: u64) -> (Kernel, Pid) {
    let cfg = MachineConfig {
        nr_cpus,
        swap: vec![SwapSpec::parse("zram:64M").expect("a valid swap spec")],
        ..MachineConfig::default()
    };
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    assert_eq!(k.sys_mmap(pid, A, pages * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0), Ok(A));
    k.machine().lru_add_drain_all();
    (k, pid)
}

/// Writes page `i` of `A` on `cpu`.
fn touch(k: &Kernel, pid: Pid, cpu: usize, i: u64) {
    k.task(pid).expect("task").store(cpu, A + i * PAGE_SIZE, 1).expect("store");
}

/// The frame page `i` of `A` maps.
fn pfn(k: &Kernel, pid: Pid, i: u64) -> Pfn {
    k.task(pid).expect("task").translate(0, A + i * PAGE_SIZE, Access::Read).expect("mapped").pfn()
}

fn page_state(k: &Kernel, pfn: Pfn) -> (i32, bool) {
    let page = mm_core::inject::phys(k.machine()).page(pfn);
    (page.refcount(), page.test(PageFlags::LRU))
}

fn inactive_anon_pages(k: &Kernel) -> u64 {
    k.machine().meminfo_lines().into_iter().find(|(l, _)| *l == "Inactive(anon)").expect("meminfo").1 / 4
}

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn a_batch_moves_to_the_lists_when_its_31st_page_arrives() {
    let (k, pid) = setup(1, 64);
    let inactive = inactive_anon_pages(&k);
    for i in 0..FOLIO_BATCH_SIZE as u64 - 1 {
        touch(&k, pid, 0, i);
    }
    let batch = k.machine().lru_add_batch(0);
    assert_eq!(batch.len(), FOLIO_BATCH_SIZE - 1);
    assert_eq!(batch[0], pfn(&k, pid, 0), "in the order added");
    // Mapped once, held once by the batch, on no list yet.
    assert_eq!(page_state(&k, batch[0]), (2, false));
    assert_eq!(inactive_anon_pages(&k), inactive);
    check(&k);
    touch(&k, pid, 0, FOLIO_BATCH_SIZE as u64 - 1);
    assert!(k.machine().lru_add_batch(0).is_empty());
    assert_eq!(inactive_anon_pages(&k), inactive + FOLIO_BATCH_SIZE as u64);
    assert_eq!(page_state(&k, batch[0]), (1, true), "the batch's reference dropped");
    check(&k);
    // The next page starts a new batch.
    touch(&k, pid, 0, FOLIO_BATCH_SIZE as u64);
    assert_eq!(k.machine().lru_add_batch(0), vec![pfn(&k, pid, FOLIO_BATCH_SIZE as u64)]);
}

#[test]
fn a_large_folio_moves_the_batch_at_once() {
    let (k, pid) = setup(1, 1024);
    touch(&k, pid, 0, 600);
    assert_eq!(k.machine().lru_add_batch(0).len(), 1);
    assert_eq!(k.sys_madvise(pid, A, 2 << 20, MADV_HUGEPAGE), Ok(0));
    // A PMD-mapped THP: one folio of 512 pages, which is never cached.
    touch(&k, pid, 0, 0);
    assert_eq!(k.machine().vmstat().get(mm_core::vmstat::VmEvent::ThpFaultAlloc), 1);
    assert!(k.machine().lru_add_batch(0).is_empty());
    let (refs, lru) = page_state(&k, pfn(&k, pid, 0));
    assert!(lru && refs >= 1);
    assert_eq!(page_state(&k, pfn(&k, pid, 600)), (1, true), "the small page before it moved too");
    check(&k);
}

#[test]
fn a_page_in_another_cpus_batch_cannot_be_isolated() {
    let (k, pid) = setup(2, 4);
    touch(&k, pid, 1, 0);
    touch(&k, pid, 0, 1);
    let (on1, on0) = (pfn(&k, pid, 0), pfn(&k, pid, 1));
    assert_eq!(k.machine().lru_add_batch(1), vec![on1]);
    // MADV_PAGEOUT drains this CPU's batch (0) and isolates what is on the
    // lists: CPU 1's page is not, and stays.
    assert_eq!(k.sys_madvise(pid, A, 2 * PAGE_SIZE, MADV_PAGEOUT), Ok(0));
    assert_eq!(k.present(pid, A, A + 2 * PAGE_SIZE).expect("present"), vec![(A, A + PAGE_SIZE)]);
    assert_eq!(page_state(&k, on1), (2, false));
    assert_eq!(page_state(&k, on0).0, 0, "paged out and freed");
    check(&k);
    k.machine().lru_add_drain_all();
    assert_eq!(k.sys_madvise(pid, A, 2 * PAGE_SIZE, MADV_PAGEOUT), Ok(0));
    assert!(k.present(pid, A, A + 2 * PAGE_SIZE).expect("present").is_empty());
    check(&k);
}

#[test]
fn a_zapped_page_in_a_batch_is_freed_when_the_batch_drains() {
    let (k, pid) = setup(2, 4);
    touch(&k, pid, 1, 0);
    let p = pfn(&k, pid, 0);
    let m = k.machine();
    let free = m.nr_free_pages();
    assert_eq!(k.sys_madvise(pid, A, PAGE_SIZE, MADV_DONTNEED), Ok(0));
    // The zap dropped the mapping's reference; the batch still holds one.
    assert_eq!(page_state(&k, p), (1, false));
    assert_eq!(m.nr_free_pages(), free);
    check(&k);
    m.lru_add_drain_cpu(1);
    assert_eq!(page_state(&k, p).0, 0);
    assert_eq!(m.nr_free_pages(), free + 1);
    check(&k);
}

#[test]
fn exit_then_lru_add_drain_all_frees_every_frame() {
    let cfg = MachineConfig { nr_cpus: 2, ..MachineConfig::default() };
    let mut k = Kernel::new(&cfg).expect("machine");
    let m = k.machine().clone();
    m.lru_add_drain_all();
    m.drain_all_pages();
    let free = m.nr_free_pages();
    let pid = k.spawn().expect("process");
    assert_eq!(k.sys_mmap(pid, A, 16 * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0), Ok(A));
    for i in 0..16 {
        touch(&k, pid, (i % 2) as usize, i);
    }
    assert!(k.exit(pid));
    check(&k);
    // exit_mmap drained the CPU it ran on (0); CPU 1's batch still holds
    // its pages.
    assert!(m.lru_add_batch(0).is_empty());
    assert_eq!(m.lru_add_batch(1).len(), 8);
    m.drain_all_pages();
    assert_eq!(m.nr_free_pages(), free - 8);
    m.lru_add_drain_all();
    m.drain_all_pages();
    assert_eq!(m.nr_free_pages(), free, "frames leaked");
}

/// `mlock` does not drain the batch: a page mlocked while it waits is
/// `PG_mlocked` (and counted in `Mlocked`) at once, and goes to the
/// unevictable list (`unevictable_pgs_culled`) when the batch moves.
#[test]
fn a_page_mlocked_in_a_batch_is_culled_when_it_moves() {
    use mm_core::vmstat::VmEvent::UnevictablePgsCulled;
    let (k, pid) = setup(1, 4);
    touch(&k, pid, 0, 0);
    touch(&k, pid, 0, 1);
    let kb = |label: &str| k.machine().meminfo_lines().into_iter().find(|(l, _)| *l == label).expect("meminfo").1;
    assert_eq!(k.sys_mlock(pid, A, 2 * PAGE_SIZE), Ok(0));
    assert_eq!((kb("Unevictable"), kb("Mlocked")), (0, 2 * KB_PER_PAGE));
    assert_eq!(k.machine().vmstat().get(UnevictablePgsCulled), 0);
    check(&k);
    k.machine().lru_add_drain();
    assert_eq!((kb("Unevictable"), kb("Mlocked")), (2 * KB_PER_PAGE, 2 * KB_PER_PAGE));
    assert_eq!(k.machine().vmstat().get(UnevictablePgsCulled), 2);
    check(&k);
    assert_eq!(k.sys_munlock(pid, A, 2 * PAGE_SIZE), Ok(0));
    assert_eq!((kb("Unevictable"), kb("Mlocked")), (0, 0));
    check(&k);
}
