//! Memory compaction (mm/compaction.c) and the page migration it runs on
//! (mm/migrate.c).
//!
//! [`Machine::compact_zone`] moves movable pages out of the bottom of the
//! zone into free pages at its top, so that free memory gathers into
//! blocks large enough for a high-order request.  Two scanners walk the
//! zone one pageblock at a time: the migrate scanner from the bottom up
//! (`isolate_migratepages`) takes the pages on the reclaim lists off them,
//! at most `COMPACT_CLUSTER_MAX` at a time; the free scanner from the top
//! down (`isolate_freepages`) takes free blocks out of the allocator
//! (`PageAllocator::isolate_free_page`) and splits them into the pages the
//! migrated ones go to.  Compaction ends when the scanners meet
//! (`COMPACT_COMPLETE`) or, at a pageblock boundary of the migrate
//! scanner, when a free block of the order asked for exists
//! (`COMPACT_SUCCESS`).  Each page moves by `Machine::migrate_folio`:
//! its entries are pointed at the new frame (one rmap walk, a TLB flush per
//! entry), its bytes and `struct page` are copied, a page-cache page takes
//! its old page's slot (`folio_migrate_mapping`), an anonymous page keeps
//! its anon_vma and index, which is all its rmap needs.
//!
//! With an allocator that groups pages by mobility, the free scanner takes
//! free pages from movable pageblocks only, and an asynchronous run takes
//! pages to migrate from movable pageblocks only
//! (`suitable_migration_target`, `suitable_migration_source`); without
//! migrate types every pageblock qualifies.  An allocator without
//! `free_block_order` cannot be compacted: the free scanner finds nothing.
//!
//! Entry points: direct compaction, from the allocation slow path of a
//! request above order 0 ([`Machine::alloc_pages_compact`] with
//! [`Defrag::Direct`], and a THP fault as `thp_defrag` says,
//! `Machine::alloc_pages_thp`), kcompactd, woken by such a request that may not
//! wait ([`Defrag::Kcompactd`]) and run where kswapd runs, when the task
//! returns to user space ([`Machine::kswapd_poll`]), and a whole-zone run
//! as `echo 1 > /proc/sys/vm/compact_memory` does
//! ([`Machine::compact_memory`]).
//!
//! What this model leaves out: the cached scanner positions and pageblock
//! skip bits that let a run resume where the last one stopped (every run
//! starts at the zone's ends), compaction deferral after failures, the
//! capture of a freed block by the waiting allocation, and proactive
//! compaction.  It migrates order-0 pages only: a large folio, a page in
//! the swap cache, an unevictable (mlocked) page, one under writeback, a
//! locked one and one with references beyond its mappings and owner (a pin)
//! stay where they are.

use crate::alloc::{Gfp, MigrateType, PAGEBLOCK_NR_PAGES, PAGEBLOCK_ORDER, fragmentation_index};
use crate::arch::Pte;
use crate::flags::PageFlags;
use crate::machine::Machine;
use crate::phys::PAGE_MAPPING_ANON;
use crate::trace_note;
use crate::types::{MAX_PAGE_ORDER, Pfn};
use crate::vmstat::VmEvent;
use std::sync::atomic::{AtomicU32, Ordering};

/// `COMPACT_CLUSTER_MAX`: pages isolated for migration at once.
const COMPACT_CLUSTER_MAX: usize = 32;
/// `PAGE_ALLOC_COSTLY_ORDER`.
const PAGE_ALLOC_COSTLY_ORDER: u32 = 3;
/// `vm.extfrag_threshold`'s default: below this fragmentation index, a
/// failing request of a costly order lacks memory, not contiguity, and
/// compaction is not tried.
pub const EXTFRAG_THRESHOLD: i32 = 500;

/// How hard a run may try (`enum migrate_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrateMode {
    /// `MIGRATE_ASYNC`: direct compaction's first try; pages to migrate
    /// come from movable pageblocks only.
    Async,
    /// `MIGRATE_SYNC_LIGHT`: kcompactd and `compact_memory`; every
    /// pageblock is a source.
    SyncLight,
}

/// How a run ended (`enum compact_result`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompactResult {
    /// Not run: too little free memory for the copies, or a failure would
    /// be for lack of memory (`COMPACT_SKIPPED`, `COMPACT_NOT_SUITABLE_ZONE`).
    Skipped,
    /// The scanners met (`COMPACT_COMPLETE`).
    Complete,
    /// A free block of the order asked for exists (`COMPACT_SUCCESS`).
    Success,
    /// Migration stopped for want of free pages (`COMPACT_CONTENDED`'s
    /// place: the run gives up).
    NoFreePages,
}

/// What an allocation above order 0 does when the free lists cannot
/// serve it (the THP fault's own slow path,
/// `Machine::alloc_pages_thp`, takes the gfp bits `defrag` chooses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defrag {
    /// Compact now and try again (`__GFP_DIRECT_RECLAIM`:
    /// `__alloc_pages_direct_compact`).
    Direct,
    /// Fail, and wake kcompactd to compact in the background
    /// (`__GFP_KSWAPD_RECLAIM` without direct reclaim).
    Kcompactd,
    /// Fail.
    Never,
}

/// kcompactd's wakeup: the largest order asked for since it last ran,
/// plus one (0: asleep).
#[derive(Debug, Default)]
pub(crate) struct Kcompactd {
    max_order: AtomicU32,
}

impl Kcompactd {
    /// Whether kcompactd has work (one load, on every return to user
    /// space).
    #[inline]
    pub(crate) fn woken(&self) -> bool {
        self.max_order.load(Ordering::Relaxed) != 0
    }
}

/// `struct compact_control`: one run's state.
struct CompactControl {
    /// `None`: compact the whole zone (`compact_memory`, order -1).
    order: Option<u32>,
    mode: MigrateMode,
    /// Pages isolated for migration (with a reference each, off the LRU).
    migratepages: Vec<Pfn>,
    /// Free pages isolated as targets (one reference each).
    freepages: Vec<Pfn>,
    /// The next pfn the migrate scanner looks at.
    migrate_pfn: u64,
    /// The first pfn of the pageblock the free scanner looks at next.
    free_pfn: u64,
    total_migrate_scanned: u64,
    total_free_scanned: u64,
}

impl CompactControl {
    /// `compact_scanners_met`.
    fn scanners_met(&self) -> bool {
        self.free_pfn >> PAGEBLOCK_ORDER <= self.migrate_pfn >> PAGEBLOCK_ORDER
    }
}

impl Machine {
    /// `zone_watermark_ok` for a request of `order` against `mark`: enough
    /// free pages left after it, and a free block of the order.
    fn zone_watermark_ok(&self, order: u32, mark: u64) -> bool {
        let free = self.nr_free_pages();
        if free < mark + (1 << order) {
            return false;
        }
        self.free_area()[order as usize..].iter().any(|&n| n > 0)
    }

    /// `__compaction_suitable`: enough free pages to hold the copies
    /// (`compact_gap`: twice the request) above the low watermark for a
    /// costly order, the min one otherwise; and `compaction_suitable`: for
    /// a costly order, a failure would be for fragmentation (the index
    /// above [`EXTFRAG_THRESHOLD`]).
    pub fn compaction_suitable(&self, order: u32) -> bool {
        let mark = if order > PAGE_ALLOC_COSTLY_ORDER { self.watermarks.low } else { self.watermarks.min };
        if self.nr_free_pages() < mark + (2 << order) {
            return false;
        }
        if order > PAGE_ALLOC_COSTLY_ORDER {
            let index = fragmentation_index(&self.free_area(), order);
            if (0..=EXTFRAG_THRESHOLD).contains(&index) {
                return false;
            }
        }
        true
    }

    /// `compact_zone`: one run of compaction for a request of `order`
    /// (`None`: the whole zone).  See the module documentation.
    pub fn compact_zone(&self, order: Option<u32>, mode: MigrateMode) -> CompactResult {
        self.compact_zone_scanned(order, mode).0
    }

    /// [`compact_zone`](Self::compact_zone), and the pfns its migrate and
    /// free scanners looked at.
    fn compact_zone_scanned(&self, order: Option<u32>, mode: MigrateMode) -> (CompactResult, u64, u64) {
        let _t = crate::trace_enter!(self.trace, "compact_zone", "order {order:?}, {mode:?}");
        if let Some(order) = order {
            // compaction_suit_allocation_order: nothing to do, or nothing
            // worth doing.
            if self.zone_watermark_ok(order, self.watermarks.low) {
                return (CompactResult::Success, 0, 0);
            }
            if !self.compaction_suitable(order) {
                trace_note!(self.trace, "compaction_suitable", "order {order}: not suitable, skipped");
                return (CompactResult::Skipped, 0, 0);
            }
        }
        // This CPU's new pages join the lists, where the migrate scanner
        // can isolate them (another CPU's are left: lru_add_drain_all
        // would cost too much here).
        self.lru_add_drain();
        // The migrate scanner takes the pages of large folios one by one.
        self.folio_split_pages_all();
        let zone_end = self.phys.nr_pages();
        let mut cc = CompactControl {
            order,
            mode,
            migratepages: Vec::new(),
            freepages: Vec::new(),
            migrate_pfn: 0,
            free_pfn: zone_end.saturating_sub(1) & !(PAGEBLOCK_NR_PAGES - 1),
            total_migrate_scanned: 0,
            total_free_scanned: 0,
        };
        // The start of the pageblock pages were last migrated from, until
        // the pages they left are drained to the free lists.
        let mut last_migrated_pfn = None;
        let result = loop {
            if let Some(result) = self.compact_finished(&cc) {
                break result;
            }
            self.isolate_migratepages(&mut cc);
            if !cc.migratepages.is_empty() {
                last_migrated_pfn = Some((cc.migrate_pfn - 1) & !(PAGEBLOCK_NR_PAGES - 1));
                if !self.migrate_pages(&mut cc) {
                    break CompactResult::NoFreePages;
                }
            }
            // check_drain: once the migrate scanner has left the block of
            // the request's order that it migrated from, this CPU's freed
            // pages go to the free lists, where they merge and
            // compact_finished can see the block (lru_add_drain_cpu_zone).
            if let (Some(order), Some(last)) = (cc.order, last_migrated_pfn)
                && order > 0
                && last < cc.migrate_pfn & !((1u64 << order) - 1)
            {
                self.lru_add_drain();
                self.alloc.drain_local();
                last_migrated_pfn = None;
            }
        };
        // The pages not migrated go back, the free pages not used too.
        self.putback_movable_pages(std::mem::take(&mut cc.migratepages));
        for pfn in cc.freepages.drain(..) {
            self.free_pages(pfn, 0);
        }
        // Migrated pages were freed to per-CPU lists: let them merge.
        self.alloc.drain();
        trace_note!(
            self.trace,
            "compact_zone",
            "{result:?}: {} scanned to migrate, {} scanned for free pages",
            cc.total_migrate_scanned,
            cc.total_free_scanned
        );
        (result, cc.total_migrate_scanned, cc.total_free_scanned)
    }

    /// `compact_finished`: `Some` when the run ends.
    fn compact_finished(&self, cc: &CompactControl) -> Option<CompactResult> {
        if cc.scanners_met() {
            return Some(CompactResult::Complete);
        }
        let order = cc.order?;
        // Always finish a pageblock, so that it is as free as it gets.
        if !cc.migrate_pfn.is_multiple_of(PAGEBLOCK_NR_PAGES) {
            return None;
        }
        // A free block of the order, of the movable type or of one a
        // movable request may claim (any, at half a pageblock or more).
        let found = match self.alloc.pagetypeinfo() {
            Some(info) if order < PAGEBLOCK_ORDER / 2 => {
                info.free[MigrateType::Movable as usize][order as usize..].iter().any(|&n| n > 0)
            }
            _ => self.free_area()[order as usize..].iter().any(|&n| n > 0),
        };
        found.then_some(CompactResult::Success)
    }

    /// Whether the pageblock at `pfn` may give pages to migrate
    /// (`suitable_migration_source`).
    fn suitable_migration_source(&self, cc: &CompactControl, pfn: u64) -> bool {
        cc.mode != MigrateMode::Async
            || self.alloc.pageblock_migratetype(Pfn(pfn)).is_none_or(|mt| mt == MigrateType::Movable)
    }

    /// Whether the pageblock at `pfn` may give free pages as targets
    /// (`suitable_migration_target`): not a free block of a pageblock or
    /// more (the very thing compaction makes), and movable.
    fn suitable_migration_target(&self, pfn: u64) -> bool {
        if self.alloc.free_block_order(Pfn(pfn)).is_some_and(|o| o >= PAGEBLOCK_ORDER) {
            return false;
        }
        self.alloc.pageblock_migratetype(Pfn(pfn)).is_none_or(|mt| mt == MigrateType::Movable)
    }

    /// `isolate_migratepages`: the migrate scanner takes the movable pages
    /// of the next suitable pageblock off the reclaim lists
    /// (`isolate_migratepages_block`), at most `COMPACT_CLUSTER_MAX`.
    fn isolate_migratepages(&self, cc: &mut CompactControl) {
        let zone_end = self.phys.nr_pages();
        while !cc.scanners_met() {
            let low = cc.migrate_pfn;
            let block_end = ((low | (PAGEBLOCK_NR_PAGES - 1)) + 1).min(zone_end);
            if !self.suitable_migration_source(cc, low) {
                cc.migrate_pfn = block_end;
                continue;
            }
            let (mut scanned, mut isolated) = (0, 0);
            let mut pfn = low;
            while pfn < block_end {
                scanned += 1;
                if let Some(order) = self.alloc.free_block_order(Pfn(pfn)) {
                    pfn += 1 << order;
                    continue;
                }
                let p = Pfn(pfn);
                pfn += 1;
                if !self.migratable(p) || !self.lru_ctx().folio_isolate_lru(p) {
                    continue;
                }
                cc.migratepages.push(p);
                isolated += 1;
                if cc.migratepages.len() == COMPACT_CLUSTER_MAX {
                    break;
                }
            }
            cc.migrate_pfn = pfn.min(block_end);
            cc.total_migrate_scanned += scanned;
            self.vmstat.count(VmEvent::CompactMigrateScanned, scanned);
            self.vmstat.count(VmEvent::CompactIsolated, isolated);
            return;
        }
    }

    /// Whether the page at `pfn` is one this model migrates: an order-0
    /// page on the reclaim lists (anonymous or page cache), evictable, not
    /// in the swap cache, not locked, not under writeback, and no page of
    /// an mTHP folio (whose pages must stay together).
    fn migratable(&self, pfn: Pfn) -> bool {
        let f = self.phys.page(pfn).flags();
        if f.contains(PageFlags::TAIL)
            && self.large_folio_head(pfn).is_some_and(|h| Some(self.folio_order(h)) != self.hpage_pmd_order())
        {
            return false;
        }
        f.contains(PageFlags::LRU)
            && !f.intersects(
                PageFlags::HEAD
                    | PageFlags::UNEVICTABLE
                    | PageFlags::MLOCKED
                    | PageFlags::SWAPCACHE
                    | PageFlags::WRITEBACK
                    | PageFlags::LOCKED,
            )
    }

    /// `isolate_freepages`: the free scanner takes the free pages of
    /// pageblocks from the top down, above the migrate scanner, until it
    /// has as many as there are pages to migrate.
    fn isolate_freepages(&self, cc: &mut CompactControl) {
        let zone_end = self.phys.nr_pages();
        // The free scanner stays above the migrate scanner's pageblock.
        let low = (cc.migrate_pfn | (PAGEBLOCK_NR_PAGES - 1)) + 1;
        while cc.free_pfn >= low && cc.freepages.len() < cc.migratepages.len() {
            let start = cc.free_pfn;
            let end = (start + PAGEBLOCK_NR_PAGES).min(zone_end);
            if self.suitable_migration_target(start) {
                self.isolate_freepages_block(cc, start, end);
            }
            if start < PAGEBLOCK_NR_PAGES {
                cc.free_pfn = 0;
                break;
            }
            cc.free_pfn = start - PAGEBLOCK_NR_PAGES;
        }
        if cc.free_pfn < low {
            // Met: nothing above the migrate scanner is left.
            cc.free_pfn = cc.free_pfn.min(cc.migrate_pfn & !(PAGEBLOCK_NR_PAGES - 1));
        }
    }

    /// `isolate_freepages_block`: every free block of `[start, end)` comes
    /// out of the allocator (`__isolate_free_page`, which keeps the low
    /// watermark) and is split into order-0 pages.
    fn isolate_freepages_block(&self, cc: &mut CompactControl, start: u64, end: u64) {
        let (mut scanned, mut isolated) = (0, 0);
        let mut pfn = start;
        while pfn < end {
            scanned += 1;
            let Some(order) = self.alloc.free_block_order(Pfn(pfn)) else {
                pfn += 1;
                continue;
            };
            if self.nr_free_pages() < self.watermarks.low + (1 << order) {
                break;
            }
            let Some(order) = self.alloc.isolate_free_page(Pfn(pfn)) else {
                pfn += 1;
                continue;
            };
            self.nr_free.add(-(1 << order));
            self.phys.init_deferred_page(Pfn(pfn));
            if order > 0 && !self.alloc.split_page(Pfn(pfn), order) {
                // An allocator that cannot split gives the block back.
                self.alloc.free_pages(Pfn(pfn), order);
                self.nr_free.add(1 << order);
                pfn += 1 << order;
                continue;
            }
            for i in 0..1u64 << order {
                let p = Pfn(pfn + i);
                self.phys.page(p).refcount.store(1, Ordering::Release);
                cc.freepages.push(p);
            }
            isolated += 1 << order;
            pfn += 1 << order;
        }
        cc.total_free_scanned += scanned;
        self.vmstat.count(VmEvent::CompactFreeScanned, scanned);
        self.vmstat.count(VmEvent::CompactIsolated, isolated);
    }

    /// `migrate_pages` with `compaction_alloc`: moves each isolated page to
    /// a free page the free scanner found.  False when the free pages ran
    /// out (the pages left go back to the reclaim lists).
    fn migrate_pages(&self, cc: &mut CompactControl) -> bool {
        let pages = std::mem::take(&mut cc.migratepages);
        let (mut succeeded, mut failed) = (0, 0);
        let mut enough = true;
        let mut back = Vec::new();
        for (i, &old) in pages.iter().enumerate() {
            if cc.freepages.is_empty() {
                cc.migratepages = pages[i..].to_vec();
                self.isolate_freepages(cc);
                cc.migratepages.clear();
            }
            let Some(new) = cc.freepages.pop() else {
                back.extend_from_slice(&pages[i..]);
                enough = false;
                break;
            };
            if self.migrate_folio(old, new) {
                succeeded += 1;
            } else {
                failed += 1;
                // compaction_free: the target goes back to the list.
                cc.freepages.push(new);
                back.push(old);
            }
        }
        self.putback_movable_pages(back);
        self.vmstat.count(VmEvent::PgMigrateSuccess, succeeded);
        self.vmstat.count(VmEvent::PgMigrateFail, failed);
        enough
    }

    /// `putback_movable_pages`: isolated pages go back to the reclaim
    /// lists and lose the isolation reference.
    fn putback_movable_pages(&self, pages: Vec<Pfn>) {
        for pfn in pages {
            self.lru_ctx().folio_putback_lru(pfn, false);
            self.put_page(pfn);
        }
    }

    /// `migrate_folio` for an isolated order-0 page `old` (off the LRU, one
    /// reference from the isolation) and a free page `new` (one
    /// reference): every entry mapping `old` maps `new` instead, with the
    /// same attributes, its TLB entry flushed; `new` gets the bytes, the
    /// flags, the owner and index and the references; a page-cache page
    /// takes `old`'s slot.  `new` goes on the reclaim lists where `old`
    /// was, and `old` is freed.  False (nothing changed) if the page is
    /// locked, mapped where the walk cannot see, or held by more than its
    /// mappings, its owner and the isolation (a pin).
    pub(crate) fn migrate_folio(&self, old: Pfn, new: Pfn) -> bool {
        let page = self.phys.page(old);
        if !page.trylock() {
            return false;
        }
        let moved = self.migrate_folio_locked(old, new);
        page.unlock();
        if moved {
            self.lru_ctx().folio_putback_lru(new, false);
            self.put_page(new);
            self.put_page(old);
        }
        moved
    }

    fn migrate_folio_locked(&self, old: Pfn, new: Pfn) -> bool {
        let page = self.phys.page(old);
        let w = page.mapping.load(Ordering::Acquire);
        let anon = w & PAGE_MAPPING_ANON != 0;
        let inode = if anon || w == 0 { None } else { self.page_inode(old) };
        if !anon && inode.is_none() {
            return false;
        }
        // folio_expected_ref_count + the isolation's reference.
        let mapcount = page.mapcount();
        let expected = 1 + mapcount + i32::from(inode.is_some());
        if page.refcount() != expected {
            return false;
        }
        // The walk must see every entry before any is changed.
        let mut seen = 0;
        if !self.rmap_walk(old, &mut |_, _| seen += 1) || seen != mapcount {
            return false;
        }
        if !page.ref_freeze(expected) {
            return false;
        }
        let index = page.index.load(Ordering::Relaxed);
        if let Some(inode) = &inode
            && !inode.mapping.folio_migrate_mapping(index, old, new)
        {
            page.ref_unfreeze(expected);
            return false;
        }
        // The new page is the old one, bytes and `struct page`.
        self.phys.copy_frame(new, old);
        let np = self.phys.page(new);
        np.flags.store((page.flags() - PageFlags::LOCKED - PageFlags::LRU).bits(), Ordering::Relaxed);
        np.mapping.store(w, Ordering::Relaxed);
        np.index.store(index, Ordering::Relaxed);
        np.private.store(page.private.load(Ordering::Relaxed), Ordering::Relaxed);
        np.mapcount.store(mapcount, Ordering::Relaxed);
        np.refcount.store(expected, Ordering::Release);
        // remove_migration_ptes: each entry now maps the new page.
        self.rmap_walk(old, &mut |mp, pte| {
            mp.mm.set_pte(mp.slot, Pte::page(new, pte.flags()));
            self.flush_tlb_page(mp.mm, mp.addr);
        });
        page.mapcount.store(0, Ordering::Relaxed);
        page.mapping.store(0, Ordering::Relaxed);
        page.flags.store(PageFlags::LOCKED.bits(), Ordering::Relaxed);
        // Only the isolation's reference is left on the old page.
        page.ref_unfreeze(1);
        true
    }

    /// `__alloc_pages_direct_compact` behind an allocation of `order`:
    /// the allocation as `alloc_pages` makes it, then,
    /// for an order above 0 that failed, what `defrag` says.
    /// [`Defrag::Direct`] runs an asynchronous compaction and tries again:
    /// `compact_stall` counts the runs that were not skipped,
    /// `compact_success` and `compact_fail` whether the second try got a
    /// block.  [`Defrag::Kcompactd`] wakes kcompactd for the order.
    pub fn alloc_pages_compact(&self, gfp: Gfp, order: u32, defrag: Defrag) -> Option<Pfn> {
        if let Some(pfn) = self.alloc_pages(gfp, order) {
            return Some(pfn);
        }
        if order == 0 || order > MAX_PAGE_ORDER {
            return None;
        }
        match defrag {
            Defrag::Never => None,
            Defrag::Kcompactd => {
                self.wakeup_kcompactd(order);
                None
            }
            Defrag::Direct => self.__alloc_pages_direct_compact(gfp, order, MigrateMode::Async, true, true).0,
        }
    }

    /// `__alloc_pages_direct_compact`: one run of compaction for `order`
    /// in `mode`, then the allocation tried again (with direct reclaim
    /// and kswapd's wakeup as `direct` and `kswapd` say).  `compact_stall`
    /// counts the runs that were not skipped, `compact_success` and
    /// `compact_fail` whether the second try got a block.
    fn __alloc_pages_direct_compact(
        &self,
        gfp: Gfp,
        order: u32,
        mode: MigrateMode,
        direct: bool,
        kswapd: bool,
    ) -> (Option<Pfn>, CompactResult) {
        let _t = crate::trace_enter!(self.trace, "__alloc_pages_direct_compact", "order {order}, {mode:?}");
        let result = self.compact_zone(Some(order), mode);
        if result == CompactResult::Skipped {
            return (None, result);
        }
        self.vmstat.count(VmEvent::CompactStall, 1);
        let pfn = self.alloc_pages_reclaim(gfp, order, direct, kswapd);
        self.vmstat.count(if pfn.is_some() { VmEvent::CompactSuccess } else { VmEvent::CompactFail }, 1);
        (pfn, result)
    }

    /// `__alloc_pages_slowpath` for a transparent huge page of `order`
    /// under the gfp mask `vma_thp_gfp_mask` chose: `direct`
    /// (`__GFP_DIRECT_RECLAIM`), `kswapd` (`__GFP_KSWAPD_RECLAIM`) and
    /// `noretry` (`__GFP_NORETRY`).  The free lists first (with direct
    /// reclaim below the min watermark as `direct` allows); on failure a
    /// request that may wake kswapd wakes kcompactd (kswapd, finding the
    /// order-0 watermarks met, hands a high-order request to kcompactd
    /// and sleeps) and fails; one that may reclaim directly compacts
    /// first, as a costly order does: an asynchronous run, then, unless
    /// `noretry`, a synchronous one (`should_compact_retry` raising the
    /// priority: every run starts at the zone's ends, so one more run of
    /// each kind is all a retry can add).  A request with neither fails.
    pub(crate) fn alloc_pages_thp(
        &self,
        gfp: Gfp,
        order: u32,
        direct: bool,
        kswapd: bool,
        noretry: bool,
    ) -> Option<Pfn> {
        if let Some(pfn) = self.alloc_pages_reclaim(gfp, order, direct, kswapd) {
            return Some(pfn);
        }
        if order == 0 || order > MAX_PAGE_ORDER {
            return None;
        }
        if kswapd {
            self.wakeup_kcompactd(order);
        }
        if !direct {
            return None;
        }
        let (pfn, result) = self.__alloc_pages_direct_compact(gfp, order, MigrateMode::Async, direct, kswapd);
        if pfn.is_some() || noretry || result == CompactResult::Skipped {
            return pfn;
        }
        self.__alloc_pages_direct_compact(gfp, order, MigrateMode::SyncLight, direct, kswapd).0
    }

    /// `__free_pages` for a block obtained from
    /// [`alloc_pages_compact`](Self::alloc_pages_compact) and not used.
    pub fn __free_pages(&self, pfn: Pfn, order: u32) {
        self.free_pages(pfn, order);
    }

    /// `wakeup_kcompactd`: kcompactd will compact for `order` (the largest
    /// asked for) when the task returns to user space.
    pub fn wakeup_kcompactd(&self, order: u32) {
        self.kcompactd.max_order.fetch_max(order + 1, Ordering::Relaxed);
    }

    /// `kcompactd_do_work`, once kcompactd was woken: a synchronous run
    /// for the largest order asked for, counted in `compact_daemon_*`.
    #[cold]
    pub(crate) fn kcompactd_do_work(&self) {
        let woken = self.kcompactd.max_order.swap(0, Ordering::AcqRel);
        if woken == 0 {
            return;
        }
        let order = woken - 1;
        let _t = crate::trace_enter!(self.trace, "kcompactd_do_work", "order {order}");
        self.vmstat.count(VmEvent::KcompactdWake, 1);
        let (_, migrate, free) = self.compact_zone_scanned(Some(order), MigrateMode::SyncLight);
        self.vmstat.count(VmEvent::KcompactdMigrateScanned, migrate);
        self.vmstat.count(VmEvent::KcompactdFreeScanned, free);
    }

    /// `echo 1 > /proc/sys/vm/compact_memory`: compacts the whole zone
    /// (`compact_node`, order -1), until the scanners meet.
    pub fn compact_memory(&self) -> CompactResult {
        self.compact_zone(None, MigrateMode::SyncLight)
    }
}
