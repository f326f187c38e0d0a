//! khugepaged's background collapse scan (mm/khugepaged.c): which address
//! spaces join its list and when, the work of one wakeup
//! (`khugepaged/pages_to_scan`), and the `max_ptes_*` limits the recorded
//! cases (`scenarios/thp/khugepaged`, the reference machine's defaults)
//! cannot change.

use mm_core::machine::MachineConfig;
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, KhugepagedStats, Pid};

const A: u64 = 0x1_0000_0000; // 2 MiB aligned
const HPAGE: u64 = 2 << 20;
const PAGE: u64 = 4096;
const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE_FIXED: u64 = 0x32;
const MAP_ANON_SHARED_FIXED: u64 = 0x31;
const MADV_DONTNEED: u64 = 4;
const MADV_PAGEOUT: u64 = 21;
const MADV_HUGEPAGE: u64 = 14;

fn machine(settings: &[&str]) -> (Kernel, Pid) {
    let mut cfg = MachineConfig::default();
    for s in settings {
        cfg.set_pair(s).expect("setting");
    }
    let mut k = Kernel::new(&cfg).expect("machine");
    let pid = k.spawn().expect("process");
    (k, pid)
}

/// `blocks` 2 MiB blocks at `A`, `pages` pages of each written (4 KiB
/// pages: the advice comes after the writes).
fn written(k: &Kernel, pid: Pid, blocks: u64, pages: u64) {
    k.sys_mmap(pid, A, blocks * HPAGE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    for b in 0..blocks {
        for p in 0..pages {
            k.store(pid, A + b * HPAGE + p * PAGE, 1).expect("store");
        }
    }
}

fn huge_kb(k: &Kernel, pid: Pid) -> u64 {
    let s = k.smaps(pid, A, A + 1).expect("smaps");
    s.first().expect("a vma").2.anonymous_thp >> 10
}

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn the_khugepaged_settings_are_taken_checked_and_listed() {
    let mut cfg = MachineConfig::default();
    for (key, bad) in [
        ("khugepaged_max_ptes_none", "512"),
        ("khugepaged_max_ptes_swap", "512"),
        ("khugepaged_max_ptes_shared", "-1"),
        ("khugepaged_pages_to_scan", "0"),
        ("khugepaged_defrag", "2"),
        ("khugepaged_scan_sleep_millisecs", "4294967296"),
    ] {
        assert!(cfg.set(key, bad).is_err(), "{key}={bad} taken");
    }
    cfg.set("khugepaged-max-ptes-none", "0").expect("max_ptes_none");
    cfg.set("khugepaged_pages_to_scan", "512").expect("pages_to_scan");
    cfg.set("khugepaged_defrag", "0").expect("defrag");
    let s = cfg.settings();
    let get = |k: &str| s.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("khugepaged_max_ptes_none"), Some("0"));
    assert_eq!(get("khugepaged_pages_to_scan"), Some("512"));
    assert_eq!(get("khugepaged_defrag"), Some("0"));
    assert_eq!(get("khugepaged_max_ptes_shared"), Some("256"));
    assert_eq!(get("khugepaged_max_ptes_swap"), Some("64"));
    assert_eq!(get("khugepaged_scan_sleep_millisecs"), Some("10000"));
    assert_eq!(get("khugepaged_alloc_sleep_millisecs"), Some("60000"));
}

#[test]
fn an_address_space_joins_the_list_as_the_kernel_adds_it_and_leaves_it_at_exit() {
    let (mut k, pid) = machine(&[]);
    let slots = |k: &Kernel| k.khugepaged_stats().mm_slots;
    k.sys_mmap(pid, A, 2 * HPAGE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    // Advice on a VMA never written (no anon_vma) does not add it.
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    assert_eq!(slots(&k), 0);
    // The THP fault does.
    k.store(pid, A, 1).expect("store");
    assert_eq!(slots(&k), 1);
    // A fork of a listed address space is listed too, and leaves at exit.
    let child = k.fork(pid).expect("fork");
    assert_eq!(slots(&k), 2);
    assert!(k.exit(child));
    assert_eq!(slots(&k), 1);
    // Nothing to do with an empty list; with THP off khugepaged sleeps.
    let (k2, _) = machine(&[]);
    assert_eq!(k2.khugepaged_full_scans(2), 0);
    let (k3, p3) = machine(&["thp_enabled=never"]);
    written(&k3, p3, 1, 512);
    k3.sys_madvise(p3, A, HPAGE, MADV_HUGEPAGE).expect("madvise");
    assert_eq!(k3.khugepaged_stats().mm_slots, 0);
    assert_eq!(k3.khugepaged_full_scans(2), 0);
}

#[test]
fn a_wakeup_does_pages_to_scan_of_work_and_stops_after_each_collapse() {
    // pages_to_scan 512: the address space (1) and one block (512) fill a
    // wakeup.  Four blocks: four wakeups collapse one each (each stops
    // after the collapse it tried), the fifth finds the VMA done, counts
    // the first full scan and starts again from the head; the next pass
    // passes over four huge blocks, one per wakeup, and its end is the
    // ninth wakeup's.
    let (k, pid) = machine(&["khugepaged_pages_to_scan=512"]);
    written(&k, pid, 4, 512);
    k.sys_madvise(pid, A, 4 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    assert_eq!(k.khugepaged_full_scans(2), 9);
    assert_eq!(k.khugepaged_stats(), KhugepagedStats { full_scans: 2, pages_collapsed: 4, mm_slots: 1 });
    assert_eq!(huge_kb(&k, pid), 4 * 2048);
    assert_eq!(k.machine().vmstat().get(VmEvent::ThpCollapseAlloc), 4);
    check(&k);
    // With the default 4096 every wakeup is one whole pass here.
    let (k, pid) = machine(&[]);
    written(&k, pid, 4, 512);
    k.sys_madvise(pid, A, 4 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    assert_eq!(k.khugepaged_full_scans(2), 2);
    assert_eq!(huge_kb(&k, pid), 4 * 2048);
}

#[test]
fn max_ptes_none_limits_the_empty_entries_of_a_collapsed_block() {
    for (none, collapsed) in [(511, 2), (256, 1), (0, 0)] {
        let (k, pid) = machine(&[&format!("khugepaged_max_ptes_none={none}")]);
        // Block 0: 100 of 512 pages written (412 empty); block 1: all but
        // one (1 empty).
        written(&k, pid, 2, 100);
        for p in 100..511 {
            k.store(pid, A + HPAGE + p * PAGE, 1).expect("store");
        }
        k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
        k.khugepaged_full_scans(2);
        assert_eq!(k.khugepaged_stats().pages_collapsed, collapsed, "max_ptes_none={none}");
        assert_eq!(huge_kb(&k, pid), collapsed * 2048, "max_ptes_none={none}");
        let exceeded = k.machine().vmstat().get(VmEvent::ThpScanExceedNonePte);
        // Each pass counts each block it refuses again.
        assert_eq!(exceeded, (2 - collapsed) * 2, "max_ptes_none={none}");
        check(&k);
    }
}

#[test]
fn max_ptes_shared_limits_the_pages_another_process_maps_too() {
    for (shared, collapsed) in [(256, 0), (511, 1)] {
        let (mut k, pid) = machine(&[&format!("khugepaged_max_ptes_shared={shared}")]);
        written(&k, pid, 1, 512);
        k.sys_madvise(pid, A, HPAGE, MADV_HUGEPAGE).expect("madvise");
        let child = k.fork(pid).expect("fork");
        // The child's own copies of 200 pages: 312 stay shared.
        for p in 0..200 {
            k.store(child, A + p * PAGE, 2).expect("store");
        }
        k.khugepaged_full_scans(2);
        // The parent comes first; once it collapsed, the child's pages
        // are its own and its block collapses too.
        assert_eq!(huge_kb(&k, pid), collapsed * 2048, "max_ptes_shared={shared}");
        assert_eq!(huge_kb(&k, child), collapsed * 2048, "max_ptes_shared={shared}");
        assert_eq!(k.load(child, A), Ok(2));
        assert_eq!(k.load(pid, A), Ok(1));
        check(&k);
        assert!(k.exit(child));
    }
}

#[test]
fn a_block_whose_table_was_emptied_is_left() {
    let (k, pid) = machine(&[]);
    written(&k, pid, 2, 512);
    // Block 1: every page dropped, its table kept (512 empty entries).
    k.sys_madvise(pid, A + HPAGE, HPAGE, MADV_DONTNEED).expect("dontneed");
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    k.khugepaged_full_scans(2);
    assert_eq!(huge_kb(&k, pid), 2048);
    assert_eq!(k.khugepaged_stats().pages_collapsed, 1);
    check(&k);
}

/// A line of `/proc/meminfo`, in kB.
fn meminfo_kb(k: &Kernel, label: &str) -> u64 {
    k.machine().meminfo_lines().into_iter().find(|(l, _)| *l == label).expect("a meminfo line").1
}

/// Shared anonymous memory whose pages are partly out on swap (the host
/// the cases are recorded on has none): `hpage_collapse_scan_file` counts
/// the swap entries of the page cache against `max_ptes_swap` (64), and
/// `collapse_file` reads them back before it copies the block.
#[test]
fn max_ptes_swap_limits_the_shmem_pages_out_on_swap() {
    for (swapped, collapsed) in [(64u64, true), (65, false)] {
        let (k, pid) = machine(&["swap=zram:8M", "thp_shmem_enabled=advise"]);
        k.sys_mmap(pid, A, HPAGE, PROT_RW, MAP_ANON_SHARED_FIXED, -1, 0).expect("mmap");
        for p in 0..128 {
            k.store(pid, A + p * PAGE, p as u8).expect("store");
        }
        k.sys_madvise(pid, A, swapped * PAGE, MADV_PAGEOUT).expect("pageout");
        assert_eq!(meminfo_kb(&k, "SwapTotal") - meminfo_kb(&k, "SwapFree"), swapped * 4, "swapped={swapped}");
        k.sys_madvise(pid, A, HPAGE, MADV_HUGEPAGE).expect("madvise");
        k.khugepaged_full_scans(2);
        let exceeded = k.machine().vmstat().get(VmEvent::ThpScanExceedSwapPte);
        assert_eq!(k.machine().vmstat().get(VmEvent::ThpCollapseAlloc), u64::from(collapsed), "swapped={swapped}");
        assert_eq!(exceeded == 0, collapsed, "swapped={swapped}");
        assert_eq!(meminfo_kb(&k, "ShmemHugePages"), if collapsed { 2048 } else { 0 });
        if collapsed {
            // Read back: no slot is left, and the bytes are the folio's.
            assert_eq!(meminfo_kb(&k, "SwapTotal"), meminfo_kb(&k, "SwapFree"));
        }
        for p in [0, 63, 64, 127] {
            assert_eq!(k.load(pid, A + p * PAGE), Ok(p as u8), "swapped={swapped}, page {p}");
        }
        check(&k);
    }
}

/// khugepaged's collapse of shmem: the page tables of the block are
/// retracted from every mapping (nothing is mapped until the next fault,
/// which maps one PMD), and the counters move as the kernel's do.
#[test]
fn a_shmem_block_is_collapsed_in_the_page_cache_and_its_tables_retracted() {
    let (k, pid) = machine(&["thp_shmem_enabled=advise"]);
    k.sys_mmap(pid, A, 2 * HPAGE, PROT_RW, MAP_ANON_SHARED_FIXED, -1, 0).expect("mmap");
    for p in 0..16 {
        k.store(pid, A + p * PAGE, 7).expect("store");
    }
    assert_eq!(k.khugepaged_stats().mm_slots, 0);
    k.sys_madvise(pid, A, 2 * HPAGE, MADV_HUGEPAGE).expect("madvise");
    assert_eq!(k.khugepaged_stats().mm_slots, 1);
    k.khugepaged_full_scans(2);
    // Block 1 holds nothing: SCAN_EXCEED_NONE_PTE (512 - 511 pages needed).
    // Block 0 counts in pages_collapsed twice: the second pass finds the
    // 2 MiB folio in the cache and its PMD empty, which
    // collapse_pte_mapped_thp calls a success too.
    assert_eq!(k.khugepaged_stats().pages_collapsed, 2);
    assert_eq!(k.machine().vmstat().get(VmEvent::ThpCollapseAlloc), 1);
    assert_eq!(k.machine().vmstat().get(VmEvent::ThpScanExceedNonePte), 2);
    assert_eq!(meminfo_kb(&k, "ShmemHugePages"), 2048);
    assert!(k.present(pid, A, A + 2 * HPAGE).expect("present").is_empty());
    assert_eq!(k.load(pid, A + 15 * PAGE), Ok(7));
    assert_eq!(k.load(pid, A + 16 * PAGE), Ok(0));
    assert_eq!(meminfo_kb(&k, "ShmemPmdMapped"), 2048);
    // /proc/vmstat counts them in THPs.
    let vmstat = k.machine().vmstat_lines();
    let item = |name: &str| vmstat.iter().find(|(n, _)| *n == name).expect("a vmstat line").1;
    assert_eq!((item("nr_shmem_hugepages"), item("nr_shmem_pmdmapped")), (1, 1));
    assert_eq!((item("nr_file_hugepages"), item("nr_anon_transparent_hugepages")), (0, 0));
    check(&k);
}
