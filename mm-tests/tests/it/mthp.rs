//! Anonymous mTHP: large folios below 2 MiB mapped by PTEs, as Linux 6.18
//! does them (the recorded cases in `scenarios/thp/mthp` show the
//! kernel's side; these tests check what a dump does not: the folio's
//! frames, the per-size counters, the invariants and that nothing leaks).

use mm_core::machine::{MachineConfig, ThpEnabled};
use mm_core::{Kernel, PAGE_SIZE, Pid};

const A: u64 = 0x1_0000_0000;
const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE_FIXED: u64 = 0x32;
const MADV_COLD: u64 = 20;
const MADV_PAGEOUT: u64 = 21;
const MREMAP_MAYMOVE_FIXED: u64 = 3;

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

/// A machine with the given mTHP sizes (in kB) set to `always`.
fn machine(sizes: &[u64]) -> Kernel {
    let mut cfg = MachineConfig::default();
    for kb in sizes {
        cfg.set(&format!("thp_enabled_{kb}k"), "always").expect("an mTHP size");
    }
    Kernel::new(&cfg).expect("machine")
}

/// The per-size counter `stat` of `hugepages-{kb}kB`.
fn stat(k: &Kernel, kb: u64, stat: &str) -> u64 {
    let dir = format!("hugepages-{kb}kB");
    let all = k.machine().mthp_stats();
    let (_, v) = all.iter().find(|(d, _)| *d == dir).expect("a size");
    v.iter().find(|(n, _)| *n == stat).expect("a counter").1
}

fn rss_kb(k: &Kernel, pid: Pid, addr: u64) -> u64 {
    let s = k.smaps(pid, addr, addr + 1).expect("smaps");
    s.first().expect("a vma").2.resident >> 10
}

/// The last process exits: the invariants hold before and after, and
/// every frame free at the start (`free`) is free again.
fn exit_leaving_nothing(k: &mut Kernel, pid: Pid, free: u64) {
    check(k);
    k.exit(pid);
    check(k);
    k.machine().drain_all_pages();
    assert_eq!(k.machine().nr_free_pages(), free, "frames leaked");
}

fn minflt(k: &Kernel, pid: Pid) -> u64 {
    k.faults(pid).expect("faults").0
}

#[test]
fn settings_read_back_and_refuse_bad_values() {
    let mut cfg = MachineConfig::default();
    assert_eq!(cfg.tunables.thp_enabled_mthp, [Some(ThpEnabled::Never); 7]);
    cfg.set("thp-enabled-64k", "inherit").expect("inherit");
    cfg.set("thp_enabled_1024k", "madvise").expect("madvise");
    let s = cfg.settings();
    let get = |k: &str| s.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    assert_eq!(get("thp_enabled_64k").as_deref(), Some("inherit"));
    assert_eq!(get("thp_enabled_1024k").as_deref(), Some("madvise"));
    assert_eq!(get("thp_enabled_16k").as_deref(), Some("never"));
    let e = cfg.set("thp_enabled_64k", "sometimes").expect_err("a bad value");
    assert!(e.to_string().contains("expected always, inherit, madvise or never"), "{e}");
    assert!(cfg.set("thp_enabled_8k", "always").is_err(), "8 kB is no mTHP size");
}

#[test]
fn one_write_fault_maps_the_whole_folio_and_exit_frees_it() {
    let mut k = machine(&[64]);
    let free = k.machine().nr_free_pages();
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, 0x40000, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.store(pid, A + 0x5000, 7).expect("store");
    assert_eq!(minflt(&k, pid), 1);
    assert_eq!(rss_kb(&k, pid, A), 64);
    for i in 0..16 {
        k.store(pid, A + i * PAGE_SIZE, i as u8).expect("store");
    }
    assert_eq!(minflt(&k, pid), 1, "the folio's 16 pages were mapped by the first fault");
    assert_eq!(k.load(pid, A + 9 * PAGE_SIZE), Ok(9));
    assert_eq!(stat(&k, 64, "anon_fault_alloc"), 1);
    assert_eq!(stat(&k, 2048, "anon_fault_alloc"), 0);
    exit_leaving_nothing(&mut k, pid, free);
}

#[test]
fn the_order_is_the_highest_whose_range_fits_and_is_empty() {
    let mut k = machine(&[16, 64, 256]);
    let pid = k.spawn().expect("process");
    // 192 kB: no 256 kB range fits, a 64 kB one does.
    k.sys_mmap(pid, A, 0x30000, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.store(pid, A, 1).expect("store");
    assert_eq!(rss_kb(&k, pid, A), 64);
    // A read maps the zero page at 0x1c000: the 64 kB range around
    // 0x10000 is not empty, the 16 kB one at 0x10000 is.
    assert_eq!(k.load(pid, A + 0x1c000), Ok(0));
    k.store(pid, A + 0x10000, 1).expect("store");
    assert_eq!(rss_kb(&k, pid, A), 64 + 16);
    assert_eq!(stat(&k, 64, "anon_fault_alloc"), 1);
    assert_eq!(stat(&k, 16, "anon_fault_alloc"), 1);
    assert_eq!(stat(&k, 256, "anon_fault_alloc"), 0);
    assert_eq!(minflt(&k, pid), 3);
    check(&k);
}

#[test]
fn fork_cow_copies_one_page_and_nothing_leaks() {
    let mut k = machine(&[64]);
    let free = k.machine().nr_free_pages();
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, 0x10000, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.store(pid, A, 0x11).expect("store");
    let child = k.fork(pid).expect("fork");
    check(&k);
    k.store(child, A, 0x22).expect("store");
    assert_eq!(k.load(pid, A), Ok(0x11));
    assert_eq!(k.load(child, A), Ok(0x22));
    check(&k);
    k.exit(child);
    // Alone again: the parent's writes reuse its pages of the folio.
    let before = k.machine().nr_free_pages();
    for i in 0..16 {
        k.store(pid, A + i * PAGE_SIZE, 3).expect("store");
    }
    assert_eq!(k.machine().nr_free_pages(), before, "a page was copied, not reused");
    exit_leaving_nothing(&mut k, pid, free);
}

#[test]
fn madvise_of_part_splits_the_folio_and_zero_pages_go_even_after_mremap() {
    let mut k = machine(&[64]);
    let free = k.machine().nr_free_pages();
    let pid = k.spawn().expect("process");
    k.sys_mmap(pid, A, 0x10000, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.store(pid, A, 1).expect("store");
    k.store(pid, A + 0x3000, 1).expect("store");
    // Two zero-filled pages of the folio move elsewhere.
    k.sys_mremap(pid, A + 0xe000, 0x2000, 0x2000, MREMAP_MAYMOVE_FIXED, A + 0x100000).expect("mremap");
    // MADV_COLD of all the folio maps here is not the whole folio.
    k.sys_madvise(pid, A, 0xe000, MADV_COLD).expect("cold");
    assert_eq!(stat(&k, 64, "split"), 1, "the range covers the folio only in part");
    assert_eq!(rss_kb(&k, pid, A), 8);
    assert_eq!(rss_kb(&k, pid, A + 0x100000), 0, "the moved zero pages are the zero page now");
    assert_eq!(k.load(pid, A + 0x3000), Ok(1));
    check(&k);
    // A whole folio paged out without swap is split too.
    k.sys_mmap(pid, A + 0x200000, 0x10000, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap");
    k.store(pid, A + 0x200000, 1).expect("store");
    k.sys_madvise(pid, A + 0x200000, 0x10000, MADV_PAGEOUT).expect("pageout");
    assert_eq!(stat(&k, 64, "split"), 2);
    assert_eq!(rss_kb(&k, pid, A + 0x200000), 4);
    exit_leaving_nothing(&mut k, pid, free);
}
