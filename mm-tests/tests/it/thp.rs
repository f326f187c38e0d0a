//! Transparent huge pages of anonymous memory, as Linux 6.18 does them on
//! the reference machine (`enabled=madvise`, `use_zero_page=1`).  The
//! figures were checked there with a small C program: a 4 MiB
//! 2 MiB-aligned private mapping given `MADV_HUGEPAGE`; a read maps the
//! huge zero folio (no Rss, one deposited page table), a write after it
//! allocates a folio without splitting anything (`thp_fault_alloc` +1,
//! `AnonHugePages` 2048 kB); after `fork` the child's write splits its PMD
//! (`thp_split_pmd` +1, the child keeps 2048 kB of `AnonHugePages` for
//! the other folio), and the parent, alone again, writes in place;
//! `munmap` or `MADV_DONTNEED` of one page splits the PMD and queues the
//! folio (`thp_split_pmd` and `thp_deferred_split_page` +1), `mprotect`
//! of a whole folio keeps it.

use mm_core::machine::{MachineConfig, ThpDefrag, ThpEnabled};
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, PAGE_SIZE, Pid};

const A: u64 = 0x1_0000_0000; // 2 MiB aligned
const HPAGE: u64 = 2 << 20;
const PROT_READ: u64 = 1;
const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE_FIXED: u64 = 0x32;
const MADV_DONTNEED: u64 = 4;
const MADV_HUGEPAGE: u64 = 14;
const MADV_NOHUGEPAGE: u64 = 15;
const MADV_COLLAPSE: u64 = 25;

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

fn ev(k: &Kernel, e: VmEvent) -> u64 {
    k.machine().vmstat().get(e)
}

/// `AnonHugePages` and `Rss` of the VMA at `addr`, in kB.
fn smaps(k: &Kernel, pid: Pid, addr: u64) -> (u64, u64) {
    let s = k.smaps(pid, addr, addr + 1).expect("smaps");
    let (_, _, mss) = s.first().expect("a vma");
    (mss.anonymous_thp >> 10, mss.resident >> 10)
}

fn vm_pte_kb(k: &Kernel, pid: Pid) -> i64 {
    k.task(pid).expect("task").mm.vm_pte_kb()
}

/// A machine, a process, and a 4 MiB mapping at `A` with `MADV_HUGEPAGE`.
fn setup(cfg: &MachineConfig) -> (Kernel, Pid) {
    let mut k = Kernel::new(cfg).expect("machine");
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, 2 * HPAGE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    (k, pid)
}

#[test]
fn a_write_fault_maps_a_whole_folio_and_exit_frees_it() {
    let cfg = MachineConfig::default();
    let mut k = Kernel::new(&cfg).expect("machine");
    let free = k.machine().nr_free_pages();
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, 2 * HPAGE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    let pte0 = vm_pte_kb(&k, pid);
    k.store(pid, A + 5, 7).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 1);
    assert_eq!(smaps(&k, pid, A), (2048, 2048));
    // One fault for the whole 2 MiB, and the deposited table counts.
    assert_eq!(k.faults(pid).expect("faults").0, 1);
    for i in 0..512 {
        k.store(pid, A + i * PAGE_SIZE, i as u8).expect("store");
    }
    assert_eq!(k.faults(pid).expect("faults").0, 1);
    // A PUD and a PMD table for the new region, and the deposited table.
    assert_eq!(vm_pte_kb(&k, pid), pte0 + 12);
    assert_eq!(k.load(pid, A + 5), Ok(7));
    assert_eq!(k.load(pid, A + 9 * PAGE_SIZE), Ok(9));
    assert_eq!(k.machine().meminfo_lines().iter().find(|l| l.0 == "AnonHugePages").map(|l| l.1), Some(2048));
    check(&k);
    k.exit(pid);
    check(&k);
    k.machine().drain_all_pages();
    assert_eq!(k.machine().nr_free_pages(), free, "frames leaked");
    assert_eq!(k.machine().meminfo_lines().iter().find(|l| l.0 == "AnonHugePages").map(|l| l.1), Some(0));
}

#[test]
fn a_read_maps_the_huge_zero_folio_and_a_write_replaces_it() {
    let (k, pid) = setup(&MachineConfig::default());
    let pte0 = vm_pte_kb(&k, pid);
    assert_eq!(k.load(pid, A + 3 * PAGE_SIZE), Ok(0));
    assert_eq!(ev(&k, VmEvent::ThpZeroPageAlloc), 1);
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 0);
    assert_eq!(smaps(&k, pid, A), (0, 0));
    assert_eq!(vm_pte_kb(&k, pid), pte0 + 12);
    check(&k);
    k.store(pid, A, 1).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 1);
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 0);
    assert_eq!(smaps(&k, pid, A), (2048, 2048));
    assert_eq!(vm_pte_kb(&k, pid), pte0 + 12, "the deposited table stays");
    // A second region reads the same huge zero folio.
    assert_eq!(k.load(pid, A + HPAGE), Ok(0));
    assert_eq!(ev(&k, VmEvent::ThpZeroPageAlloc), 1);
    check(&k);
}

#[test]
fn fork_shares_the_folio_and_the_child_write_splits_its_pmd() {
    let (mut k, parent) = setup(&MachineConfig::default());
    k.store(parent, A, 1).expect("store");
    k.store(parent, A + HPAGE, 2).expect("store");
    let child = k.fork(parent).expect("fork");
    check(&k);
    assert_eq!(smaps(&k, child, A), (4096, 4096));
    k.store(child, A + PAGE_SIZE, 3).expect("child store");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 1);
    assert_eq!(ev(&k, VmEvent::ThpDeferredSplitPage), 0);
    assert_eq!(smaps(&k, child, A), (2048, 4096));
    assert_eq!(smaps(&k, parent, A), (4096, 4096));
    assert_eq!(k.load(parent, A + PAGE_SIZE), Ok(0));
    assert_eq!(k.load(child, A + PAGE_SIZE), Ok(3));
    assert_eq!(k.load(child, A), Ok(1));
    check(&k);
    k.exit(child);
    check(&k);
    // Alone again, the parent writes in place: no split, no new folio.
    let alloc = ev(&k, VmEvent::ThpFaultAlloc);
    k.store(parent, A + 2 * PAGE_SIZE, 4).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 1);
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), alloc);
    assert_eq!(smaps(&k, parent, A), (4096, 4096));
    check(&k);
}

#[test]
fn part_of_a_folio_unmapped_splits_its_pmd_and_queues_the_folio() {
    let (k, pid) = setup(&MachineConfig::default());
    k.store(pid, A, 1).expect("store");
    k.store(pid, A + HPAGE, 2).expect("store");
    k.sys_munmap(pid, A + PAGE_SIZE, PAGE_SIZE).expect("munmap");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 1);
    assert_eq!(ev(&k, VmEvent::ThpDeferredSplitPage), 1);
    assert_eq!(smaps(&k, pid, A), (0, 4));
    assert_eq!(smaps(&k, pid, A + 2 * PAGE_SIZE), (2048, 4088));
    check(&k);
    // mprotect of a whole folio keeps its PMD.
    k.sys_mprotect(pid, A + HPAGE, HPAGE, PROT_READ).expect("mprotect");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 1);
    assert_eq!(smaps(&k, pid, A + HPAGE), (2048, 2048));
    assert!(k.store(pid, A + HPAGE, 3).is_err(), "read-only now");
    check(&k);
    // MADV_DONTNEED of one page: split, and queued.
    k.sys_mprotect(pid, A + HPAGE, HPAGE, PROT_RW).expect("mprotect");
    k.sys_madvise(pid, A + HPAGE, PAGE_SIZE, MADV_DONTNEED).expect("madvise");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 2);
    assert_eq!(ev(&k, VmEvent::ThpDeferredSplitPage), 2);
    // The VMA merged back with the one below: 2040 kB and 2044 kB.
    assert_eq!(smaps(&k, pid, A + HPAGE), (0, 4084));
    assert_eq!(k.load(pid, A + HPAGE), Ok(0));
    assert_eq!(k.load(pid, A + HPAGE + PAGE_SIZE), Ok(0));
    check(&k);
    // Unmapping the rest frees everything, with no further queueing.
    k.sys_munmap(pid, A, 2 * HPAGE).expect("munmap");
    assert_eq!(ev(&k, VmEvent::ThpDeferredSplitPage), 2);
    check(&k);
}

/// `mprotect(PROT_NONE)` of a whole folio keeps its PMD leaf
/// (`change_huge_pmd`): the kernel's walks still find it (`huge`, Rss,
/// `AnonHugePages`), the hardware does not (`_PAGE_PROTNONE | _PAGE_PSE`
/// without `_PAGE_PRESENT`: the TLB forgets it, an access is `SIGSEGV`
/// with no fault counted); `PROT_READ|PROT_WRITE` makes it usable again
/// without a fault.
#[test]
fn mprotect_none_keeps_a_leaf_the_hardware_does_not_see() {
    use mm_core::inspect::WalkEnd;
    let (k, pid) = setup(&MachineConfig::default());
    k.store(pid, A + 5, 7).expect("store");
    assert_eq!(k.load(pid, A + PAGE_SIZE), Ok(0));
    let walk = k.ptdump_addr(pid, A + PAGE_SIZE).expect("walk");
    let WalkEnd::HugePage { pfn: head, level: 1 } = walk.end else { panic!("{:?}", walk.end) };
    let in_folio = |p: mm_core::types::Pfn| p.0 >= head.0 && p.0 < head.0 + 512;
    let cached = |k: &Kernel| k.cpu_tlbstate().iter().flat_map(|c| c.tlb.clone()).filter(|e| in_folio(e.pfn)).count();
    assert!(cached(&k) > 0, "the leaf's translation is cached");
    k.sys_mprotect(pid, A, HPAGE, 0).expect("mprotect");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 0);
    assert_eq!(smaps(&k, pid, A), (2048, 2048));
    assert_eq!(k.huge_ranges(pid, A, A + 2 * HPAGE), Ok(vec![(A, A + HPAGE, false)]));
    let walk = k.ptdump_addr(pid, A + PAGE_SIZE).expect("walk");
    assert_eq!(walk.end, WalkEnd::HugePage { pfn: head, level: 1 });
    let pmd = walk.levels.last().expect("a PMD entry");
    assert!(pmd.bits.contains(&"PROTNONE") && pmd.bits.contains(&"PS") && !pmd.bits.contains(&"P"), "{:?}", pmd.bits);
    assert_eq!(cached(&k), 0, "mprotect flushed the leaf's translation");
    check(&k);
    let faults = k.faults(pid).expect("faults");
    assert!(matches!(k.load(pid, A + 5), Err(mm_core::Signal::Segv { addr, .. }) if addr == A + 5));
    assert!(k.store(pid, A + HPAGE - 1, 1).is_err());
    assert_eq!(k.faults(pid).expect("faults"), faults, "a PROT_NONE access counts no fault");
    assert_eq!(cached(&k), 0);
    // The zero-page read region next to it keeps its huge zero leaf too.
    assert_eq!(k.load(pid, A + HPAGE), Ok(0));
    k.sys_mprotect(pid, A + HPAGE, HPAGE, 0).expect("mprotect");
    assert_eq!(k.huge_ranges(pid, A, A + 2 * HPAGE), Ok(vec![(A, A + HPAGE, false), (A + HPAGE, A + 2 * HPAGE, true)]));
    check(&k);
    k.sys_mprotect(pid, A, 2 * HPAGE, PROT_RW).expect("mprotect");
    assert_eq!(k.load(pid, A + 5), Ok(7));
    k.store(pid, A + 6, 8).expect("store");
    assert_eq!(k.faults(pid).expect("faults").0, faults.0 + 1, "only the huge zero page's read faulted");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 0);
    check(&k);
}

#[test]
fn a_partial_mprotect_and_mremap_split_the_pmd() {
    let (k, pid) = setup(&MachineConfig::default());
    k.store(pid, A, 1).expect("store");
    k.sys_mprotect(pid, A, PAGE_SIZE, PROT_READ).expect("mprotect");
    assert_eq!(ev(&k, VmEvent::ThpSplitPmd), 1);
    assert_eq!(k.load(pid, A), Ok(1));
    check(&k);
    k.store(pid, A + HPAGE + 7, 9).expect("store");
    let new = k.sys_mremap(pid, A + HPAGE, HPAGE, HPAGE, 3, A + 8 * HPAGE).expect("mremap");
    assert_eq!(k.load(pid, new + 7), Ok(9));
    check(&k);
}

#[test]
fn settings_and_advice_decide_where_thp_is_used() {
    // never: 4 KiB pages even with MADV_HUGEPAGE.
    let mut cfg = MachineConfig::default();
    cfg.tunables.thp_enabled = ThpEnabled::Never;
    let (k, pid) = setup(&cfg);
    k.store(pid, A, 1).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 0);
    assert_eq!(smaps(&k, pid, A), (0, 4));
    // always: without advice, but not under MADV_NOHUGEPAGE.
    cfg.tunables.thp_enabled = ThpEnabled::Always;
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, 2 * HPAGE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.sys_madvise(pid, A + HPAGE, HPAGE, MADV_NOHUGEPAGE).expect("madvise");
    k.store(pid, A, 1).expect("store");
    k.store(pid, A + HPAGE, 1).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 1);
    assert_eq!(smaps(&k, pid, A), (2048, 2048));
    assert_eq!(smaps(&k, pid, A + HPAGE), (0, 4));
    // madvise (the default): a region not 2 MiB inside the VMA falls back.
    let (k, pid) = setup(&MachineConfig::default());
    k.sys_munmap(pid, A + HPAGE + PAGE_SIZE, HPAGE - PAGE_SIZE).expect("munmap");
    k.store(pid, A + HPAGE, 1).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 0);
    check(&k);
}

#[test]
fn no_free_block_falls_back_to_4k_pages() {
    // 8 MiB of RAM, 6 MiB of it taken page by page: fewer than 512 frames
    // are left, so no order-9 block can be had.
    let cfg = MachineConfig { ram: 8 << 20, ..MachineConfig::default() };
    let (k, pid) = setup(&cfg);
    let other = 0x2_0000_0000;
    k.sys_mmap(pid, other, 6 << 20, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    for i in 0..(6 << 20) / PAGE_SIZE {
        k.store(pid, other + i * PAGE_SIZE, 1).expect("store");
    }
    assert!(k.machine().nr_free_pages() < 512);
    k.store(pid, A, 1).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpFaultFallback), 1);
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 0);
    assert_eq!(smaps(&k, pid, A), (0, 4));
    check(&k);
}

#[test]
fn defrag_decides_whether_a_thp_fault_reclaims() {
    // 16 MiB of RAM and swap; anonymous pages fill it until fewer than
    // min + 512 frames are free: a THP needs reclaim, which `defrag`
    // allows (direct reclaim stalls the allocation) or not (a fallback).
    for (defrag, stalls) in [(ThpDefrag::Never, false), (ThpDefrag::Madvise, true), (ThpDefrag::Always, true)] {
        let mut cfg = MachineConfig {
            ram: 16 << 20,
            swap: vec![mm_core::machine::SwapSpec::parse("zram:64M").expect("swap")],
            ..MachineConfig::default()
        };
        cfg.tunables.thp_defrag = defrag;
        let (k, pid) = setup(&cfg);
        let other = 0x2_0000_0000;
        k.sys_mmap(pid, other, 16 << 20, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
        let mut i = 0;
        while k.machine().nr_free_pages() > 400 {
            k.store(pid, other + i * PAGE_SIZE, 1).expect("store");
            i += 1;
        }
        let stall = ev(&k, VmEvent::AllocStallNormal);
        k.store(pid, A, 1).expect("store");
        assert_eq!(ev(&k, VmEvent::AllocStallNormal) > stall, stalls, "{defrag:?}");
        if !stalls {
            assert_eq!(ev(&k, VmEvent::ThpFaultFallback), 1, "{defrag:?}");
        }
        check(&k);
    }
}

#[test]
fn madv_collapse_copies_4k_pages_into_a_folio() {
    let (k, pid) = setup(&MachineConfig::default());
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_NOHUGEPAGE).expect("madvise");
    for i in [0, 7, 300] {
        k.store(pid, A + i * PAGE_SIZE + 1, i as u8 + 1).expect("store");
    }
    assert_eq!(k.load(pid, A + HPAGE), Ok(0), "a zero-page entry in the second block");
    assert_eq!(smaps(&k, pid, A), (0, 12));
    // VM_NOHUGEPAGE refuses; without it the block collapses.
    assert_eq!(k.sys_madvise(pid, A, HPAGE, MADV_COLLAPSE), Err(mm_core::Errno::EINVAL));
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    k.sys_madvise(pid, A, HPAGE, MADV_COLLAPSE).expect("collapse");
    assert_eq!(ev(&k, VmEvent::ThpCollapseAlloc), 1);
    assert_eq!(smaps(&k, pid, A), (2048, 2048));
    for i in [0, 7, 300] {
        assert_eq!(k.load(pid, A + i * PAGE_SIZE + 1), Ok(i as u8 + 1));
    }
    assert_eq!(k.load(pid, A + 8 * PAGE_SIZE), Ok(0));
    check(&k);
    // A block of only zero-page entries collapses too (6.18 asks for no
    // writable entry), into a folio of zeroes, as the VMA has an anon_vma.
    k.sys_madvise(pid, A + HPAGE, HPAGE, MADV_COLLAPSE).expect("collapse");
    assert_eq!(ev(&k, VmEvent::ThpCollapseAlloc), 2);
    assert_eq!(k.load(pid, A + HPAGE + 5 * PAGE_SIZE), Ok(0));
    check(&k);
    // A range inside one block that reaches no block boundary: EINVAL,
    // as the kernel's block count wraps; one that ends at a boundary
    // collapses nothing and succeeds.
    assert_eq!(k.sys_madvise(pid, A + 0x43000, PAGE_SIZE, MADV_COLLAPSE), Err(mm_core::Errno::EINVAL));
    assert_eq!(k.sys_madvise(pid, A + HPAGE - PAGE_SIZE, PAGE_SIZE, MADV_COLLAPSE), Ok(0));
    // A block mapped by a leaf already counts as collapsed.
    k.sys_madvise(pid, A, HPAGE, MADV_COLLAPSE).expect("collapse");
    assert_eq!(ev(&k, VmEvent::ThpCollapseAlloc), 2);
    check(&k);
}

/// The THP faults of `blocks` 2 MiB blocks (one store each, in a
/// `MADV_HUGEPAGE` region) on a 64 MiB machine fragmented by
/// `mm_tests::fragment`, with `defrag`: the vmstat counters afterwards.
fn thp_faults_on_fragmented(defrag: ThpDefrag, blocks: u64) -> (Kernel, [u64; 5]) {
    let mut cfg = MachineConfig { ram: 64 << 20, ..MachineConfig::default() };
    cfg.tunables.thp_defrag = defrag;
    let (k, pid) = mm_tests::fragment::fragmented_on(&cfg, 1);
    let base = 0x40_0000_0000;
    k.sys_mmap(pid, base, blocks * HPAGE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.sys_madvise(pid, base, blocks * HPAGE, MADV_HUGEPAGE).expect("madvise");
    for b in 0..blocks {
        k.store(pid, base + b * HPAGE, 1).expect("store");
    }
    check(&k);
    let counters = [
        ev(&k, VmEvent::ThpFaultAlloc),
        ev(&k, VmEvent::ThpFaultFallback),
        ev(&k, VmEvent::CompactStall),
        ev(&k, VmEvent::KcompactdWake),
        ev(&k, VmEvent::PgMigrateSuccess),
    ];
    (k, counters)
}

#[test]
fn defrag_decides_whether_a_thp_fault_compacts() {
    // More blocks than the fragmented machine has free 2 MiB blocks:
    // `never` gets the free ones and falls back for the rest; `madvise`
    // (the region is madvised) and `always` compact directly and get
    // more, counted in compact_stall; `defer` fails at once and wakes
    // kcompactd, whose runs let later faults succeed without a stall.
    let blocks = 16;
    let (_, never) = thp_faults_on_fragmented(ThpDefrag::Never, blocks);
    let [alloc, fallback, stall, wake, migrated] = never;
    assert!(fallback > 0, "{never:?}");
    assert_eq!(alloc + fallback, blocks);
    assert_eq!((stall, wake, migrated), (0, 0, 0), "never compacts: {never:?}");
    for defrag in [ThpDefrag::Always, ThpDefrag::Madvise, ThpDefrag::DeferMadvise] {
        let (_, c) = thp_faults_on_fragmented(defrag, blocks);
        assert!(c[0] > alloc, "{defrag:?}: {c:?} against never's {never:?}");
        assert_eq!(c[0] + c[1], blocks);
        assert!(c[2] > 0 && c[4] > 0, "{defrag:?} compacts directly: {c:?}");
        assert_eq!(c[3], 0, "{defrag:?} wakes no kcompactd: {c:?}");
    }
    let (_, defer) = thp_faults_on_fragmented(ThpDefrag::Defer, blocks);
    assert!(defer[0] > alloc, "defer: {defer:?} against never's {never:?}");
    assert_eq!(defer[2], 0, "defer never stalls: {defer:?}");
    assert!(defer[3] > 0 && defer[4] > 0, "defer wakes kcompactd: {defer:?}");
}

#[test]
fn defrag_defer_madvise_defers_outside_madvised_regions() {
    // enabled=always: a region not madvised takes THP faults too, and
    // defer+madvise only wakes kcompactd for it; always on it gives up
    // after one (asynchronous) run, madvise does not compact at all.
    for (defrag, stalls, wakes) in
        [(ThpDefrag::DeferMadvise, false, true), (ThpDefrag::Always, true, false), (ThpDefrag::Madvise, false, false)]
    {
        let mut cfg = MachineConfig { ram: 64 << 20, ..MachineConfig::default() };
        cfg.tunables.thp_defrag = defrag;
        cfg.tunables.thp_enabled = ThpEnabled::Always;
        let (k, pid) = mm_tests::fragment::fragmented_on(&cfg, 1);
        let (stall0, wake0) = (ev(&k, VmEvent::CompactStall), ev(&k, VmEvent::KcompactdWake));
        let base = 0x40_0000_0000;
        let blocks = 24;
        k.sys_mmap(pid, base, blocks * HPAGE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
        for b in 0..blocks {
            k.store(pid, base + b * HPAGE, 1).expect("store");
        }
        assert!(ev(&k, VmEvent::ThpFaultFallback) > 0, "{defrag:?}");
        assert_eq!(ev(&k, VmEvent::CompactStall) > stall0, stalls, "{defrag:?}");
        assert_eq!(ev(&k, VmEvent::KcompactdWake) > wake0, wakes, "{defrag:?}");
        check(&k);
    }
}

/// `(pages, entries)` on the inactive anonymous list.
fn inactive_anon(k: &Kernel) -> (u64, usize) {
    let lists = k.machine().lru_lists(1 << 20);
    let l = lists.iter().find(|l| l.name == "inactive_anon").expect("inactive_anon");
    (l.len, l.head.len() + l.tail.len())
}

/// Free pages in blocks of at least `HPAGE` on the allocator's lists
/// (not counting its per-CPU caches).
fn free_in_huge_blocks(k: &Kernel) -> u64 {
    k.machine().free_area().iter().enumerate().skip(9).map(|(order, &n)| n << order).sum()
}

#[test]
fn a_folio_kept_whole_is_one_lru_entry_freed_as_one_block() {
    // While only its leaf maps it, a THP is one entry of 512 pages on the
    // reclaim lists, counted as 512 pages everywhere, and goes back to
    // the allocator as one order-9 block, not page by page through the
    // per-CPU lists.
    let (mut k, pid) = setup(&MachineConfig::default());
    let meminfo = |k: &Kernel, key: &str| k.machine().meminfo_lines().iter().find(|l| l.0 == key).map(|l| l.1);
    let (pages0, entries0) = inactive_anon(&k);
    let anon0 = meminfo(&k, "AnonPages").expect("AnonPages");
    k.store(pid, A, 1).expect("store");
    k.store(pid, A + HPAGE, 2).expect("store");
    assert_eq!(inactive_anon(&k), (pages0 + 1024, entries0 + 2));
    assert_eq!(meminfo(&k, "AnonPages"), Some(anon0 + 4096));
    assert_eq!(meminfo(&k, "Inactive(anon)"), Some((pages0 + 1024) * 4));
    check(&k);
    let huge = free_in_huge_blocks(&k);
    k.sys_munmap(pid, A, HPAGE).expect("munmap");
    assert_eq!(free_in_huge_blocks(&k), huge + 512, "the folio is freed as one block");
    assert_eq!(inactive_anon(&k), (pages0 + 512, entries0 + 1));
    check(&k);
    // MADV_COLD of the whole leaf works page by page: the pages come to
    // live apart first, each on the list where the folio was, and keep
    // their counts.
    k.sys_madvise(pid, A + HPAGE, HPAGE, 20).expect("MADV_COLD");
    assert_eq!(inactive_anon(&k), (pages0 + 512, entries0 + 512));
    assert_eq!(meminfo(&k, "AnonPages"), Some(anon0 + 2048));
    assert_eq!(smaps(&k, pid, A + HPAGE), (2048, 2048));
    check(&k);
    assert_eq!(k.load(pid, A + HPAGE), Ok(2));
    k.exit(pid);
    check(&k);
}

/// A machine of `ram` bytes with a swap area on `device` (`zram`, or a
/// `file` in the temporary directory) of `swap` bytes, and a process
/// with a 4 MiB `MADV_HUGEPAGE` mapping at `A` whose two THPs hold a
/// byte of their own in every page.
fn thp_with_swap(device: &str, swap: u64) -> (Kernel, Pid) {
    use mm_core::machine::SwapSpec;
    use mm_core::swap::SwapDeviceConfig;
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let path = if device == "file" {
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::env::temp_dir().join(format!("mmsim-thp-swap-{}-{n}", std::process::id())).display().to_string()
    } else {
        String::new()
    };
    let spec = SwapSpec {
        device: device.to_string(),
        config: SwapDeviceConfig { path, size: Some(swap), ..Default::default() },
        prio: -1,
    };
    let cfg = MachineConfig { ram: 32 << 20, swap: vec![spec], ..MachineConfig::default() };
    let (k, pid) = setup(&cfg);
    for i in 0..1024 {
        k.store(pid, A + i * PAGE_SIZE, (i % 251) as u8 + 1).expect("store");
    }
    assert_eq!(ev(&k, VmEvent::ThpFaultAlloc), 2);
    (k, pid)
}

/// Reclaim until a THP went to swap whole or split (at most 64 rounds).
fn reclaim_a_thp(k: &Kernel) {
    for _ in 0..64 {
        if ev(k, VmEvent::ThpSwpout) + ev(k, VmEvent::ThpSwpoutFallback) + ev(k, VmEvent::ThpSplitPage) > 0 {
            return;
        }
        k.machine().try_to_free_pages();
    }
    panic!("reclaim never took a THP");
}

/// Every page comes back from swap with its byte, 4 KiB at a time.
fn every_byte_back(k: &Kernel, pid: Pid) {
    for i in 0..1024 {
        assert_eq!(k.load(pid, A + i * PAGE_SIZE), Ok((i % 251) as u8 + 1), "page {i}");
    }
}

/// Reclaim of a PMD-mapped THP with a block-device swap area (zram): the
/// folio takes a free cluster's 512 contiguous slots (`folio_alloc_swap`),
/// its PMD is split by `try_to_unmap` and every page written and freed
/// (`thp_swpout` once, `pswpout` 512, no split of the folio); swap-in
/// brings it back 4 KiB at a time (6.18's large-folio swap-in is for
/// orders below the PMD's only).
#[test]
fn reclaim_swaps_out_a_whole_thp_to_a_free_cluster() {
    use mm_core::inspect::WalkEnd;
    let (k, pid) = thp_with_swap("zram", 64 << 20);
    reclaim_a_thp(&k);
    assert!(ev(&k, VmEvent::ThpSwpout) >= 1);
    assert_eq!(ev(&k, VmEvent::ThpSwpoutFallback), 0);
    assert_eq!(ev(&k, VmEvent::ThpSplitPage), 0);
    assert!(ev(&k, VmEvent::ThpSplitPmd) >= 1);
    assert!(ev(&k, VmEvent::PswpOut) >= 512 * ev(&k, VmEvent::ThpSwpout));
    assert_eq!(ev(&k, VmEvent::ThpDeferredSplitPage), 0, "a folio in the swap cache is not queued");
    // Some 2 MiB block is wholly in swap, in one cluster, page i in slot
    // first + i.
    let swapped = (0..2u64).find(|&b| {
        let slot = |i: u64| match k.ptdump_addr(pid, A + b * HPAGE + i * PAGE_SIZE).expect("walk").end {
            WalkEnd::Swap { offset, .. } => Some(offset),
            _ => None,
        };
        slot(0).is_some_and(|first| first % 512 == 0 && (0..512).all(|i| slot(i) == Some(first + i)))
    });
    assert!(swapped.is_some(), "no block went to one cluster whole");
    check(&k);
    let maj0 = k.faults(pid).expect("faults").1;
    every_byte_back(&k, pid);
    assert!(k.faults(pid).expect("faults").1 > maj0, "swap-in takes major faults");
    check(&k);
}

/// Without a free cluster of a block device (a swap file; a zram area of
/// one cluster, whose first slot is the header), reclaim splits the THP
/// (`thp_split_page`, `thp_swpout_fallback`) and swaps its pages out one
/// by one.
#[test]
fn reclaim_splits_a_thp_it_cannot_swap_out_whole() {
    for (device, size) in [("file", 64u64 << 20), ("zram", 2 << 20)] {
        let (k, pid) = thp_with_swap(device, size);
        reclaim_a_thp(&k);
        assert_eq!(ev(&k, VmEvent::ThpSwpout), 0, "{device}");
        assert!(ev(&k, VmEvent::ThpSwpoutFallback) >= 1, "{device}");
        assert_eq!(ev(&k, VmEvent::ThpSplitPage), ev(&k, VmEvent::ThpSwpoutFallback), "{device}");
        assert!(ev(&k, VmEvent::PswpOut) > 0, "{device}");
        check(&k);
        every_byte_back(&k, pid);
        check(&k);
    }
}

/// `AnonPages` of `/proc/meminfo`, in kB.
fn anon_pages_kb(k: &Kernel) -> u64 {
    k.machine().meminfo_lines().iter().find(|l| l.0 == "AnonPages").map(|l| l.1).expect("AnonPages")
}

/// A partial `munmap` of a THP queues the folio (`deferred_split_folio`):
/// the unmapped pages leave `Rss` and `AnonPages` but stay allocated with
/// the folio (`MemFree` unchanged) until the deferred-split shrinker
/// splits it (`thp_split_page`) and frees them, or until the rest of the
/// folio is unmapped too, which frees it whole with no split.
#[test]
fn a_partially_unmapped_folio_waits_on_the_deferred_split_queue() {
    let m = |k: &Kernel| k.machine().nr_free_pages();
    let (k, pid) = setup(&MachineConfig::default());
    k.store(pid, A, 1).expect("store");
    k.store(pid, A + HPAGE, 2).expect("store");
    let (free, anon) = (m(&k), anon_pages_kb(&k));
    k.sys_munmap(pid, A + PAGE_SIZE, 16 * PAGE_SIZE).expect("munmap");
    assert_eq!(ev(&k, VmEvent::ThpDeferredSplitPage), 1);
    assert_eq!(k.machine().deferred_split_count(), 1);
    assert_eq!(k.machine().deferred_split_held_pages(), 16);
    assert_eq!(m(&k), free, "the unmapped pages stay with their folio");
    assert_eq!(anon_pages_kb(&k), anon - 64);
    assert_eq!(smaps(&k, pid, A + 17 * PAGE_SIZE).1, 4096 - 68);
    check(&k);
    // More of the same folio unmapped: still one folio queued, counted once.
    k.sys_madvise(pid, A + 100 * PAGE_SIZE, 4 * PAGE_SIZE, MADV_DONTNEED).expect("madvise");
    assert_eq!(ev(&k, VmEvent::ThpDeferredSplitPage), 1);
    assert_eq!(k.machine().deferred_split_held_pages(), 20);
    assert_eq!(m(&k), free);
    // The shrinker splits it: the 20 pages are freed, the rest stay mapped.
    assert_eq!(k.machine().deferred_split_scan(8), 20);
    assert_eq!(ev(&k, VmEvent::ThpSplitPage), 1);
    assert_eq!(k.machine().deferred_split_count(), 0);
    assert_eq!(m(&k), free + 20);
    assert_eq!(k.load(pid, A), Ok(1));
    assert_eq!(k.load(pid, A + 100 * PAGE_SIZE), Ok(0));
    check(&k);
    // The second folio: part unmapped, then the rest: freed whole, never
    // split.
    let free = m(&k);
    k.sys_munmap(pid, A + HPAGE, PAGE_SIZE).expect("munmap");
    assert_eq!(k.machine().deferred_split_count(), 1);
    assert_eq!(m(&k), free);
    k.sys_munmap(pid, A + HPAGE, HPAGE).expect("munmap");
    assert_eq!(k.machine().deferred_split_count(), 0);
    assert_eq!(k.machine().deferred_split_held_pages(), 0);
    assert_eq!(ev(&k, VmEvent::ThpSplitPage), 1);
    assert!(m(&k) >= free + 512, "the folio went back whole");
    check(&k);
}

/// Reclaim runs the deferred-split shrinker: a queued folio is split once
/// reclaim's priority has risen far enough for a queue of one.
#[test]
fn reclaim_runs_the_deferred_split_shrinker() {
    let (mut k, pid) = setup(&MachineConfig::default());
    let free_at_start = k.machine().nr_free_pages();
    k.store(pid, A, 1).expect("store");
    k.sys_munmap(pid, A + HPAGE - PAGE_SIZE, PAGE_SIZE).expect("munmap");
    assert_eq!(k.machine().deferred_split_count(), 1);
    let free = k.machine().nr_free_pages();
    k.machine().try_to_free_pages();
    assert_eq!(k.machine().deferred_split_count(), 0);
    assert_eq!(ev(&k, VmEvent::ThpSplitPage), 1);
    assert!(k.machine().nr_free_pages() > free);
    check(&k);
    k.exit(pid);
    k.machine().drain_all_pages();
    assert!(k.machine().nr_free_pages() >= free_at_start, "frames leaked");
    check(&k);
}

/// `/proc/meminfo`'s line `label`, in kB.
fn meminfo_kb(k: &Kernel, label: &str) -> u64 {
    k.machine().meminfo_lines().iter().find(|l| l.0 == label).map(|l| l.1).expect("a meminfo line")
}

/// (v1.7) Shared anonymous memory under `shmem_enabled=always`: a fault
/// allocates a 2 MiB folio (`thp_file_alloc`) and maps it with a PMD
/// (`thp_file_mapped`), which `ShmemHugePages` and `ShmemPmdMapped`
/// count; a partial munmap drops the PMD (the folio stays cached), the
/// last munmap frees it, and no frame leaks.
#[test]
fn shared_memory_takes_pmd_mapped_huge_folios_under_shmem_enabled_always() {
    let mut cfg = MachineConfig::default();
    cfg.set("thp_shmem_enabled", "always").expect("setting");
    let mut k = Kernel::new(&cfg).expect("machine");
    let free = k.machine().nr_free_pages();
    let pid = k.spawn().expect("process");
    // mmap(A, 4 MiB, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED)
    k.sys_mmap(pid, A, 2 * HPAGE, PROT_RW, 0x31, -1, 0).expect("mmap");
    assert_eq!(k.load(pid, A + 5), Ok(0));
    k.store(pid, A + HPAGE + 9, 7).expect("store");
    assert_eq!(k.faults(pid).expect("faults").0, 2);
    assert_eq!(ev(&k, VmEvent::ThpFileAlloc), 2);
    assert_eq!(ev(&k, VmEvent::ThpFileMapped), 2);
    assert_eq!(meminfo_kb(&k, "ShmemHugePages"), 4096);
    assert_eq!(meminfo_kb(&k, "ShmemPmdMapped"), 4096);
    assert_eq!(meminfo_kb(&k, "AnonHugePages"), 0);
    check(&k);
    // A page of the first block goes: its PMD is dropped, not split.
    k.sys_munmap(pid, A + PAGE_SIZE, PAGE_SIZE).expect("munmap");
    assert_eq!(meminfo_kb(&k, "ShmemPmdMapped"), 2048);
    assert_eq!(meminfo_kb(&k, "ShmemHugePages"), 4096);
    assert_eq!(k.load(pid, A + HPAGE + 9), Ok(7));
    check(&k);
    k.sys_munmap(pid, A, 2 * HPAGE).expect("munmap");
    assert_eq!(meminfo_kb(&k, "ShmemHugePages"), 0);
    assert_eq!(meminfo_kb(&k, "ShmemPmdMapped"), 0);
    k.exit(pid);
    check(&k);
    k.machine().drain_all_pages();
    assert_eq!(k.machine().nr_free_pages(), free, "frames leaked");
}

/// (v1.7) `shmem_enabled=deny` keeps shared memory in 4 KiB pages.
#[test]
fn shmem_enabled_deny_takes_no_huge_folio() {
    let mut cfg = MachineConfig::default();
    cfg.set("thp_shmem_enabled", "deny").expect("setting");
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, HPAGE, PROT_RW, 0x31, -1, 0).expect("mmap");
    k.store(pid, A, 1).expect("store");
    assert_eq!(ev(&k, VmEvent::ThpFileAlloc), 0);
    assert_eq!(meminfo_kb(&k, "ShmemHugePages"), 0);
    check(&k);
}

/// (v1.8) The scenario file of `files_on=ext4` `name`, of `size` bytes:
/// page `p`'s byte `j` is `(p + j) & 0xff`, nothing cached.
fn disk_file(k: &Kernel, name: &str, size: u64) {
    let fill = std::sync::Arc::new(|p: u64, page: &mut [u8]| {
        for (j, b) in page.iter_mut().enumerate() {
            *b = (p as usize + j) as u8;
        }
    });
    k.create_scenario_file(name, size, fill).expect("file");
}

/// (v1.8) A file on a disk filesystem read through a `MADV_HUGEPAGE`
/// mapping, as Linux 6.18 counts it (checked on the reference machine):
/// the first fault reads two 2 MiB folios (`FileHugePages` 4096 kB, no
/// `thp_file_alloc`) and maps one by a PMD (`thp_file_mapped`,
/// `FilePmdMapped`); `MADV_PAGEOUT` of a whole block reclaims its folio
/// (the PMD dropped); the last unmap leaves the other cached, unmapped.
#[test]
fn disk_file_folios_are_read_pmd_mapped_counted_and_reclaimed() {
    let mut cfg = MachineConfig::default();
    cfg.set("files_on", "ext4").expect("setting");
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    disk_file(&k, "f", 2 * HPAGE);
    assert_eq!(meminfo_kb(&k, "FileHugePages"), 0);
    let fd = k.sys_openat(pid, "f", 0).expect("openat") as i64;
    k.sys_mmap(pid, A, 2 * HPAGE, PROT_READ, 0x12, fd, 0).expect("mmap");
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    assert_eq!(k.load(pid, A + 5), Ok(5));
    assert_eq!(k.faults(pid).expect("faults"), (0, 1));
    assert_eq!(meminfo_kb(&k, "FileHugePages"), 4096);
    assert_eq!(meminfo_kb(&k, "FilePmdMapped"), 2048);
    assert_eq!(ev(&k, VmEvent::ThpFileMapped), 1);
    check(&k);
    assert_eq!(k.load(pid, A + HPAGE + 3), Ok(3));
    assert_eq!(meminfo_kb(&k, "FilePmdMapped"), 4096);
    assert_eq!(ev(&k, VmEvent::ThpFileMapped), 2);
    assert_eq!(ev(&k, VmEvent::ThpFileAlloc), 0);
    check(&k);
    k.sys_madvise(pid, A, HPAGE, 21).expect("MADV_PAGEOUT");
    assert_eq!(meminfo_kb(&k, "FileHugePages"), 2048);
    assert_eq!(meminfo_kb(&k, "FilePmdMapped"), 2048);
    check(&k);
    k.sys_munmap(pid, A, 2 * HPAGE).expect("munmap");
    assert_eq!(meminfo_kb(&k, "FilePmdMapped"), 0);
    assert_eq!(meminfo_kb(&k, "FileHugePages"), 2048);
    check(&k);
}

/// (v1.8) Memory pressure on PMD-mapped disk-file folios: reclaim
/// unmaps them (the PMDs dropped) and frees them; every byte reads back
/// right afterwards and the invariants hold throughout.
#[test]
fn reclaim_takes_pmd_mapped_disk_file_folios() {
    let mut cfg = MachineConfig::default();
    cfg.set("files_on", "ext4").expect("setting");
    cfg.set("ram", "12M").expect("setting");
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    let size = 8 * HPAGE;
    disk_file(&k, "f", size);
    let fd = k.sys_openat(pid, "f", 0).expect("openat") as i64;
    k.sys_mmap(pid, A, size, PROT_READ, 0x12, fd, 0).expect("mmap");
    k.sys_madvise(pid, A, size, MADV_HUGEPAGE).expect("madvise");
    for round in 0..2 {
        for b in 0..size / HPAGE {
            let p = b * (HPAGE / PAGE_SIZE) + 7;
            assert_eq!(k.load(pid, A + p * PAGE_SIZE + 1), Ok((p + 1) as u8), "round {round} block {b}");
        }
        check(&k);
    }
    // 16 MiB through 12 MiB of memory: folios were reclaimed on the way.
    assert!(meminfo_kb(&k, "FileHugePages") < 16384);
    assert!(k.faults(pid).expect("faults").1 > 4);
    k.sys_munmap(pid, A, size).expect("munmap");
    check(&k);
}
