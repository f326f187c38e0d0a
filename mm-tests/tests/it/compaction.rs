//! Compaction: the migrate scanner moves anonymous and page-cache pages
//! out of fragmented pageblocks into free pages at the top of the zone,
//! and every entry that mapped a page maps the copy: the parent's and a
//! forked child's anonymous pages, a shared file mapping, reads through
//! `read` and writes after it all see the same bytes; direct compaction
//! and kcompactd make an order-9 block where there was none, with their
//! counters.

use mm_core::alloc::{Gfp, PAGEBLOCK_ORDER};
use mm_core::compaction::{CompactResult, Defrag};
use mm_core::machine::MachineConfig;
use mm_core::vmstat::VmEvent;
use mm_core::{Kernel, PAGE_SIZE, Pid};

const A: u64 = 0x1_0000_0000;
const B: u64 = 0x2_0000_0000;
const F: u64 = 0x3_0000_0000;
const PROT_RW: u64 = 3;
const MAP_ANON_PRIVATE_FIXED: u64 = 0x32;
const MAP_SHARED_FIXED: u64 = 0x11;
/// Pages of each region.
const N: u64 = 2048;

fn check(k: &Kernel) {
    let v = k.check_invariants();
    assert!(v.is_empty(), "{v:?}");
}

/// Byte `page` of region `r` holds.
fn byte(r: u64, page: u64) -> u8 {
    (page.wrapping_mul(7).wrapping_add(r * 31) % 251) as u8 + 1
}

/// Free blocks of a pageblock or more.
fn large_free_blocks(k: &Kernel) -> u64 {
    k.machine().free_area()[PAGEBLOCK_ORDER as usize..].iter().sum()
}

/// Free pageblocks: free blocks of a pageblock or more, in pageblocks.
fn free_pageblocks(k: &Kernel) -> u64 {
    let free = k.machine().free_area();
    (PAGEBLOCK_ORDER..=mm_core::MAX_PAGE_ORDER).map(|o| free[o as usize] << (o - PAGEBLOCK_ORDER)).sum()
}

/// A 64 MiB machine whose process `pid` has interleaved pages of an
/// anonymous region `A`, a shared memfd mapping `F` (page cache) and an
/// anonymous region `B` that is then unmapped, leaving a hole every third
/// page; a child forked before the unmap shares `A` and `F`.  Returns the
/// memfd.
fn fragmented() -> (Kernel, Pid, Pid, i64) {
    let mut k = Kernel::new(&MachineConfig { ram: 64 << 20, ..MachineConfig::default() }).expect("machine");
    let pid = k.spawn().expect("spawn");
    let fd = k.sys_memfd_create(pid, "cache", 0).expect("memfd") as i64;
    k.sys_ftruncate(pid, fd, N * PAGE_SIZE).expect("ftruncate");
    k.sys_mmap(pid, A, N * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap A");
    k.sys_mmap(pid, B, N * PAGE_SIZE, PROT_RW, MAP_ANON_PRIVATE_FIXED, -1, 0).expect("mmap B");
    k.sys_mmap(pid, F, N * PAGE_SIZE, PROT_RW, MAP_SHARED_FIXED, fd, 0).expect("mmap F");
    for p in 0..N {
        for (r, base) in [(0, A), (1, B), (2, F)] {
            k.store(pid, base + p * PAGE_SIZE, byte(r, p)).expect("store");
            k.store(pid, base + p * PAGE_SIZE + PAGE_SIZE - 1, byte(r, p) ^ 0xff).expect("store");
        }
    }
    let child = k.fork(pid).expect("fork");
    k.sys_munmap(pid, B, N * PAGE_SIZE).expect("munmap B");
    k.sys_munmap(child, B, N * PAGE_SIZE).expect("munmap B in the child");
    // Seconds later: the vmstat worker has shrunk the per-CPU page lists
    // that the stores grew, and most of the holes they held are back on
    // the free lists, where compaction's free scanner looks.
    while k.machine().vmstat_update() {}
    check(&k);
    (k, pid, child, fd)
}

/// Every page of `A` and `F` reads back in both processes, and `F`
/// through `read` too.
fn check_data(k: &Kernel, pids: &[Pid], fd: i64) {
    for &pid in pids {
        for p in 0..N {
            for (r, base) in [(0, A), (2, F)] {
                let addr = base + p * PAGE_SIZE;
                assert_eq!(k.load(pid, addr), Ok(byte(r, p)), "pid {pid:?} region {r} page {p}");
                assert_eq!(k.load(pid, addr + PAGE_SIZE - 1), Ok(byte(r, p) ^ 0xff), "pid {pid:?} region {r} page {p}");
            }
        }
    }
    let file = k.task(pids[0]).unwrap().files.lock().get(fd).expect("fd");
    let mut buf = [0u8; PAGE_SIZE as usize];
    for p in (0..N).step_by(97) {
        assert_eq!(file.inode.fops.read(&file, p * PAGE_SIZE, &mut buf), Ok(PAGE_SIZE as usize));
        assert_eq!((buf[0], buf[PAGE_SIZE as usize - 1]), (byte(2, p), byte(2, p) ^ 0xff), "read of page {p}");
    }
}

#[test]
fn compact_memory_moves_pages_and_every_entry_follows() {
    let (k, parent, child, fd) = fragmented();
    let m = k.machine().clone();
    let before = free_pageblocks(&k);
    let free = m.nr_free_pages();
    assert_eq!(m.compact_memory(), CompactResult::Complete);
    check(&k);
    let migrated = m.vmstat().get(VmEvent::PgMigrateSuccess);
    assert!(migrated > 500, "only {migrated} pages migrated");
    assert!(m.vmstat().get(VmEvent::CompactMigrateScanned) > 0);
    assert!(m.vmstat().get(VmEvent::CompactFreeScanned) > 0);
    assert!(m.vmstat().get(VmEvent::CompactIsolated) >= 2 * migrated, "both sides count as isolated");
    assert_eq!(m.nr_free_pages(), free, "compaction neither gains nor loses frames");
    let after = free_pageblocks(&k);
    // A third of the pages in use were freed: at best the top two thirds
    // of the used pageblocks take the bottom third's pages, 4 of 12.
    assert!(after >= before + 3, "free pageblocks {before} before, {after} after");
    check_data(&k, &[parent, child], fd);

    // The pages are still shared copy-on-write, and the file still shared:
    // a write in the child is the child's, one through the file everyone's.
    k.store(child, A, 0xaa).expect("store");
    assert_eq!(k.load(parent, A), Ok(byte(0, 0)));
    assert_eq!(k.load(child, A), Ok(0xaa));
    k.store(child, F + 5 * PAGE_SIZE, 0xbb).expect("store");
    assert_eq!(k.load(parent, F + 5 * PAGE_SIZE), Ok(0xbb));
    check(&k);
}

#[test]
fn direct_compaction_and_kcompactd_make_an_order_9_block() {
    let (k, parent, child, fd) = fragmented();
    let m = k.machine().clone();
    // Take every free block of a pageblock or more, so that none is left.
    let mut held = Vec::new();
    while large_free_blocks(&k) > 0 {
        held.push(m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Never).expect("a free block"));
    }
    assert!(held.len() >= 4, "{} blocks held", held.len());
    assert_eq!(m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Never), None);

    // A request that may not wait wakes kcompactd, which runs when the
    // task returns to user space.
    assert_eq!(m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Kcompactd), None);
    assert_eq!(m.vmstat().get(VmEvent::KcompactdWake), 0);
    m.kswapd_poll();
    assert_eq!(m.vmstat().get(VmEvent::KcompactdWake), 1);
    assert!(m.vmstat().get(VmEvent::KcompactdMigrateScanned) > 0);
    assert!(m.vmstat().get(VmEvent::KcompactdFreeScanned) > 0);
    assert_eq!(m.vmstat().get(VmEvent::CompactStall), 0, "kcompactd is no stall");
    let block =
        m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Never).expect("kcompactd's block");
    held.push(block);
    check(&k);

    // Take what kcompactd made, then compact directly.
    while large_free_blocks(&k) > 0 {
        held.push(m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Never).expect("a free block"));
    }
    let direct = m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Direct);
    assert!(direct.is_some(), "direct compaction found no block");
    assert_eq!(m.vmstat().get(VmEvent::CompactStall), 1);
    assert_eq!(m.vmstat().get(VmEvent::CompactSuccess), 1);
    assert_eq!(m.vmstat().get(VmEvent::CompactFail), 0);
    held.extend(direct);
    check(&k);
    check_data(&k, &[parent, child], fd);
    for pfn in held {
        m.__free_pages(pfn, PAGEBLOCK_ORDER);
    }
    check(&k);
}

#[test]
fn compaction_is_skipped_when_a_failure_would_be_for_lack_of_memory() {
    let k = Kernel::new(&MachineConfig { ram: 64 << 20, ..MachineConfig::default() }).expect("machine");
    let m = k.machine().clone();
    let mut held = Vec::new();
    while let Some(pfn) = m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Never) {
        held.push(pfn);
    }
    // What is left is below the watermarks or too little to matter: the
    // run is skipped and counts no stall.
    assert_eq!(m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Direct), None);
    assert_eq!(m.vmstat().get(VmEvent::CompactStall), 0);
    assert_eq!(m.vmstat().get(VmEvent::PgMigrateSuccess), 0);
    for pfn in held {
        m.__free_pages(pfn, PAGEBLOCK_ORDER);
    }
    check(&k);
}

/// The views print in the kernel's layout: `/proc/buddyinfo`,
/// `/proc/pagetypeinfo` and debugfs `extfrag_index` and `unusable_index`
/// of a fresh 64 MiB machine, whose first kernel allocation claimed an
/// order-10 block (two pageblocks) for the unmovable lists, and whose six
/// kernel pages came from two refills of the per-CPU list, of 3 pages and
/// then 6 (a refill with no free since the last takes twice as many,
/// `nr_pcp_alloc`): nine frames left the block, three of them still on
/// the per-CPU list (the unusable index at order 10: 1015 of the free
/// lists' 16375 pages are in smaller blocks).
#[test]
fn fragmentation_views_print_as_the_kernel_does() {
    let k = Kernel::new(&MachineConfig { ram: 64 << 20, ..MachineConfig::default() }).expect("machine");
    let m = k.machine();
    let views = format!(
        "{}{}{}{}",
        m.buddyinfo(),
        m.pagetypeinfo().expect("buddy has migrate types"),
        m.extfrag_index(),
        m.unusable_index()
    );
    let expected = "\
Node 0, zone   Normal      1      1      1      0      1      1      1      1      1      1     15 
Page block order: 9
Pages per block:  512

Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 
Node    0, zone   Normal, type    Unmovable      1      1      1      0      1      1      1      1      1      1      0 
Node    0, zone   Normal, type      Movable      0      0      0      0      0      0      0      0      0      0     15 
Node    0, zone   Normal, type  Reclaimable      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0      0      0      0      0 
Node    0, zone   Normal, type      Isolate      0      0      0      0      0      0      0      0      0      0      0 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate 
Node 0, zone   Normal            2           30            0            0            0 
Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 
Node 0, zone   Normal 0.000 0.000 0.000 0.000 0.000 0.001 0.003 0.007 0.015 0.030 0.061 
";
    assert_eq!(views, expected);
}

/// The fragmenting workload leaves every allocator short of order-9
/// blocks it could have, and direct compaction gets more out of each: the
/// allocators differ in how many (`cargo bench -p mm-tests --bench
/// fragmentation` prints the table).
#[test]
fn the_fragmenting_workload_and_compaction_on_every_allocator() {
    for name in mm_core::machine::allocator_names() {
        let (k, pid) = mm_tests::fragment::fragmented(64 << 20, name, 1);
        check(&k);
        let m = k.machine().clone();
        let free_pageblocks = m.nr_free_pages() >> PAGEBLOCK_ORDER;
        let without = mm_tests::fragment::take_order9(&k, Defrag::Never, usize::MAX);
        assert!(
            (without.len() as u64) < free_pageblocks / 2,
            "{name}: {} order-9 blocks of {free_pageblocks} pageblocks' worth free: not fragmented",
            without.len()
        );
        let with = mm_tests::fragment::take_order9(&k, Defrag::Direct, usize::MAX);
        // Buddy keeps page tables and kernel pages in their own
        // pageblocks, so compaction can empty movable ones; the others
        // scatter them, and compaction may run without emptying one.
        let (stall, success) = (m.vmstat().get(VmEvent::CompactStall), m.vmstat().get(VmEvent::CompactSuccess));
        if name == "buddy" {
            assert!(!with.is_empty(), "{name}: compaction made no order-9 block");
            assert!(success > 0, "{name}");
        }
        // A run may free more than one block: later requests find one
        // without stalling.
        assert!(success <= stall && success <= with.len() as u64, "{name}: {success} of {stall}");
        if name == "buddy-system-allocator" {
            // Its free lists are private (no `free_block_order` or
            // `isolate_free_page`): compaction finds no free page to
            // migrate to, so it moves nothing and makes no block.
            assert!(stall > 0, "{name}: no compaction stall");
            assert_eq!(m.vmstat().get(VmEvent::PgMigrateSuccess), 0, "{name}");
            assert!(with.is_empty(), "{name}: {} blocks", with.len());
        } else if stall > 0 {
            assert!(m.vmstat().get(VmEvent::PgMigrateSuccess) > 0, "{name}: compaction ran and migrated nothing");
        }
        check(&k);
        // The regions kept (one VMA each, with a gap between) read back.
        let maps = k.maps(pid, 0x10_0000_0000, u64::MAX).expect("maps");
        assert!(maps.len() > 10, "{name}: {} mappings kept", maps.len());
        for e in &maps {
            for (p, addr) in (e.start..e.end).step_by(PAGE_SIZE as usize).enumerate() {
                assert_eq!(k.load(pid, addr), Ok((p as u8) | 1), "{name}: {addr:#x}");
            }
        }
        mm_tests::fragment::put_order9(&k, without);
        mm_tests::fragment::put_order9(&k, with);
        check(&k);
    }
}

/// Direct compaction for a 2 MiB block gives this CPU's cached pages back
/// to the free lists each time its migrate scanner leaves a pageblock it
/// migrated pages out of (`lru_add_drain_cpu_zone` in `compact_zone`), so
/// the freed pages merge at once and it stops at the first free block:
/// it migrates no more than one pageblock's pages.  Without the drain,
/// pages the per-CPU list kept would leave the block short and the scanner
/// would go on to the next.
#[test]
fn direct_compaction_stops_at_the_first_block_it_frees() {
    let (k, ..) = fragmented();
    let m = k.machine().clone();
    let mut held = Vec::new();
    while large_free_blocks(&k) > 0 {
        held.push(m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Never).expect("a free block"));
    }
    let before = m.vmstat().get(VmEvent::PgMigrateSuccess);
    let block = m.alloc_pages_compact(Gfp::HIGHUSER_MOVABLE, PAGEBLOCK_ORDER, Defrag::Direct);
    assert!(block.is_some(), "direct compaction found no block");
    let migrated = m.vmstat().get(VmEvent::PgMigrateSuccess) - before;
    assert!(migrated > 0 && migrated <= 1 << PAGEBLOCK_ORDER, "{migrated} pages migrated for one block");
    held.extend(block);
    for pfn in held {
        m.__free_pages(pfn, PAGEBLOCK_ORDER);
    }
    check(&k);
}
