//! The core of reclaim (mm/vmscan.c, mm/page_alloc.c, mm/workingset.c):
//! the allocator's slow path, direct reclaim and kswapd, and
//! `shrink_folio_list`, which evicts the pages a policy picked.

use super::{DEF_PRIORITY, LruList, SWAP_CLUSTER_MAX, ScanControl};
use crate::flags::PageFlags;
use crate::machine::Machine;
use crate::rmap::UnmapResult;
use crate::swap::SHADOW_BIT;
use crate::types::Pfn;
use crate::vmstat::VmEvent;
use crate::{trace_enter, trace_note};
use std::cell::Cell;
use std::sync::atomic::Ordering;

thread_local! {
    /// `PF_MEMALLOC`: this thread is reclaiming, so its own allocations
    /// neither recurse into reclaim nor stop at the watermarks.
    static PF_MEMALLOC: Cell<bool> = const { Cell::new(false) };
}

/// True while the current thread is reclaiming.
#[inline]
pub fn in_reclaim() -> bool {
    PF_MEMALLOC.with(Cell::get)
}

/// Sets `PF_MEMALLOC` until dropped (`memalloc_noreclaim_save`).
struct MemallocGuard(bool);

impl MemallocGuard {
    fn new() -> MemallocGuard {
        MemallocGuard(PF_MEMALLOC.with(|c| c.replace(true)))
    }
}

impl Drop for MemallocGuard {
    fn drop(&mut self) {
        PF_MEMALLOC.with(|c| c.set(self.0));
    }
}

/// `MAX_RECLAIM_RETRIES`: direct reclaim rounds that make progress but
/// do not reach the min watermark before the allocation fails.
const MAX_RECLAIM_RETRIES: u32 = 16;

/// How `shrink_folio_list` treats the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReclaimMode {
    /// Reclaim by kswapd or direct reclaim: dirty pages are written.
    Reclaim,
    /// `reclaim_pages` for `MADV_PAGEOUT`: references are ignored, and
    /// dirty file pages are left to the flusher (only swap is written).
    PageOut,
}

/// What `shrink_folio_list` counts as it goes: pages freed, and the I/O
/// and rotations `note_cost` weighs.
#[derive(Default)]
struct ShrinkTally {
    freed: u64,
    anon_io: u64,
    file_io: u64,
    anon_rot: u64,
    file_rot: u64,
}

/// What became of one page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Freed,
    Keep,
    Activate,
}

/// Shadow entries (mm/workingset.c): the eviction time, in units of the
/// `nonresident_age` clock, and whether the page was a file page.
fn pack_shadow(eviction: u64, file: bool) -> u64 {
    SHADOW_BIT | ((eviction & ((1 << 61) - 1)) << 1) | u64::from(file)
}

/// The eviction time of a shadow entry.
fn shadow_eviction(shadow: u64) -> u64 {
    (shadow & !SHADOW_BIT) >> 1
}

/// True if an isolated page holds references beyond those reclaim takes
/// apart: one per mapping, the page cache's or the swap cache's, and the
/// isolation's (the count `__remove_mapping` freezes, plus the mappings
/// `try_to_unmap` would drop).  Such a page is pinned by someone using it
/// and cannot be freed now.
fn folio_has_extra_refs(page: &crate::phys::Page, anon: bool) -> bool {
    let cached = i32::from(page.test(PageFlags::SWAPCACHE) || !anon);
    page.refcount() > page.mapcount() + cached + 1
}

impl Machine {
    /// `__alloc_pages_slowpath` for a request of `order` that would take
    /// free memory below the min watermark: direct reclaim
    /// (`__alloc_pages_direct_reclaim`) until it would not, or, when
    /// reclaim makes no progress, the out-of-memory verdict (false).
    pub(crate) fn __alloc_pages_slowpath(&self, order: u32) -> bool {
        let n = 1u64 << order;
        let ok = |m: &Machine| m.nr_free_pages() >= m.watermarks.min + n;
        let _t = trace_enter!(
            self.trace,
            "__alloc_pages_slowpath",
            "order {order}: {} pages free, min watermark {}",
            self.nr_free_pages(),
            self.watermarks.min
        );
        for _ in 0..MAX_RECLAIM_RETRIES {
            self.vmstat.count(VmEvent::AllocStallNormal, 1);
            let progress = self.try_to_free_pages();
            if ok(self) {
                return true;
            }
            if progress == 0 {
                break;
            }
        }
        if ok(self) {
            return true;
        }
        trace_note!(self.trace, "__alloc_pages_slowpath", "nothing left to reclaim: the allocation fails");
        false
    }

    fn scan_control(&self, nr_to_reclaim: u64, kswapd: bool) -> ScanControl<'_> {
        ScanControl {
            ctx: self.lru_ctx(),
            nr_to_reclaim,
            priority: DEF_PRIORITY,
            may_swap: self.swap.nr_swap_pages() > 0,
            kswapd,
            nr_scanned: 0,
            nr_reclaimed: 0,
            budget: [0; 4],
            budget_priority: None,
        }
    }

    /// `try_to_free_pages` -> `do_try_to_free_pages`: direct reclaim of
    /// `SWAP_CLUSTER_MAX` pages, at rising priority.  Returns the pages
    /// freed.
    pub fn try_to_free_pages(&self) -> u64 {
        let _t = trace_enter!(self.trace, "try_to_free_pages");
        let mut sc = self.scan_control(SWAP_CLUSTER_MAX, false);
        for priority in (0..=DEF_PRIORITY).rev() {
            sc.priority = priority;
            self.shrink_node(&mut sc);
            if sc.nr_reclaimed >= sc.nr_to_reclaim {
                break;
            }
        }
        trace_note!(self.trace, "try_to_free_pages", "{} pages reclaimed", sc.nr_reclaimed);
        sc.nr_reclaimed
    }

    /// `balance_pgdat`: kswapd reclaims until free memory is above the
    /// high watermark, raising the priority whenever a pass falls short.
    pub(crate) fn balance_pgdat(&self) {
        let high = self.watermarks.high;
        if self.nr_free_pages() > high {
            return;
        }
        self.vmstat.count(VmEvent::PageOutRun, 1);
        let _t = trace_enter!(self.trace, "kswapd", "{} pages free, high watermark {}", self.nr_free_pages(), high);
        // set_reclaim_active .. clear_reclaim_active
        self.alloc.set_reclaim_active(true);
        let mut priority = DEF_PRIORITY;
        let mut total = 0;
        loop {
            let free = self.nr_free_pages();
            if free > high {
                break;
            }
            let mut sc = self.scan_control((high + 1 - free).max(SWAP_CLUSTER_MAX), true);
            sc.priority = priority;
            self.shrink_node(&mut sc);
            total += sc.nr_reclaimed;
            if sc.nr_reclaimed < sc.nr_to_reclaim {
                if priority == 0 {
                    break;
                }
                priority -= 1;
            }
        }
        self.alloc.set_reclaim_active(false);
        trace_note!(self.trace, "balance_pgdat", "{} pages reclaimed, {} free", total, self.nr_free_pages());
    }

    /// `shrink_node`: asks the policy for batches of pages and evicts them
    /// until `nr_to_reclaim` are freed or the policy's budget for this
    /// priority is spent.
    fn shrink_node(&self, sc: &mut ScanControl<'_>) {
        let _g = MemallocGuard::new();
        // Reclaim takes the pages of large folios one by one.
        self.folio_split_pages_all();
        self.shrink_slab(sc.priority);
        let mut victims = Vec::with_capacity(SWAP_CLUSTER_MAX as usize);
        while sc.nr_reclaimed < sc.nr_to_reclaim {
            victims.clear();
            // shrink_inactive_list, shrink_active_list: this CPU's new
            // pages join the lists before any are isolated.
            self.lru_add_drain();
            self.reclaim.shrink(sc, &mut victims);
            if victims.is_empty() {
                break;
            }
            let freed = self.shrink_folio_list(&victims, ReclaimMode::Reclaim);
            sc.nr_reclaimed += freed;
            self.vmstat.count(if sc.kswapd { VmEvent::PgStealKswapd } else { VmEvent::PgStealDirect }, freed);
        }
        self.lruvec.file_refaults_snapshot.store(self.vmstat.get(VmEvent::WorkingsetRefaultFile), Ordering::Relaxed);
    }

    /// `shrink_slab`: the shrinkers the model has, the deferred-split
    /// queue's: of its `freeable` folios it scans four times
    /// `freeable >> priority` over `DEFAULT_SEEKS` (2), at most all of
    /// them (`do_shrink_slab` without the work it defers to the next
    /// call), so a short queue is split only as the priority rises.  Its
    /// frees count as free memory, not as reclaimed pages.
    fn shrink_slab(&self, priority: u32) {
        let freeable = self.deferred_split_count();
        if freeable == 0 {
            return;
        }
        let nr_to_scan = ((freeable >> priority) * 2).min(freeable);
        if nr_to_scan > 0 {
            self.deferred_split_scan(nr_to_scan);
        }
    }

    /// `reclaim_pages` (`MADV_PAGEOUT`): evicts the isolated pages
    /// whatever their references.  Returns the pages freed.
    pub(crate) fn reclaim_pages(&self, pages: &[Pfn]) -> u64 {
        let _g = MemallocGuard::new();
        self.shrink_folio_list(pages, ReclaimMode::PageOut)
    }

    /// `shrink_folio_list`: evicts each isolated page if it can, and puts
    /// the others back on the policy's lists.  Every page comes with the
    /// isolation reference, which is dropped here.  Returns the pages
    /// freed.
    pub(crate) fn shrink_folio_list(&self, pages: &[Pfn], mode: ReclaimMode) -> u64 {
        let _t = trace_enter!(self.trace, "shrink_folio_list", "{} pages", pages.len());
        let mut acc = ShrinkTally::default();
        // Pages of a large folio reclaimed with an earlier page of it.
        let mut taken: Vec<Pfn> = Vec::new();
        for (i, &pfn) in pages.iter().enumerate() {
            if taken.contains(&pfn) {
                continue;
            }
            if let Some(members) = self.isolate_anon_thp(pfn, &pages[i + 1..]) {
                taken.extend_from_slice(&members[..]);
                self.shrink_anon_thp(&members, mode, &mut acc);
                continue;
            }
            self.shrink_one(pfn, mode, &mut acc);
        }
        let sizes = self.reclaim.lru_sizes();
        let lru_pages: u64 = sizes.iter().sum();
        if acc.anon_io + acc.anon_rot > 0 {
            self.lruvec.note_cost(false, acc.anon_io, acc.anon_rot, lru_pages);
        }
        if acc.file_io + acc.file_rot > 0 {
            self.lruvec.note_cost(true, acc.file_io, acc.file_rot, lru_pages);
        }
        trace_note!(self.trace, "shrink_folio_list", "{} of {} pages freed", acc.freed, pages.len());
        acc.freed
    }

    /// One isolated page through `shrink_folio_list`: evicted and freed,
    /// or put back.  Returns whether it was freed and whether it took I/O.
    fn shrink_one(&self, pfn: Pfn, mode: ReclaimMode, acc: &mut ShrinkTally) -> (bool, bool) {
        let page = self.phys.page(pfn);
        let file = !page.test(PageFlags::SWAPBACKED);
        if page.test(PageFlags::WRITEBACK) || !page.trylock() {
            // Busy elsewhere: kept for a later pass.
            self.lru_ctx().folio_putback_lru(pfn, false);
            self.put_page(pfn);
            return (false, false);
        }
        let (outcome, io) = self.reclaim_one(pfn, mode);
        match outcome {
            Outcome::Freed => {
                // Its references were frozen to zero: nobody holds it.
                acc.freed += 1;
                self.vmstat.count(if file { VmEvent::PgStealFile } else { VmEvent::PgStealAnon }, 1);
                self.free_pages(pfn, 0);
            }
            Outcome::Keep | Outcome::Activate => {
                if file {
                    acc.file_rot += 1;
                } else {
                    acc.anon_rot += 1;
                }
                page.unlock();
                self.lru_ctx().folio_putback_lru(pfn, outcome == Outcome::Activate);
                self.put_page(pfn);
            }
        }
        if io {
            if file {
                acc.file_io += 1;
            } else {
                acc.anon_io += 1;
            }
        }
        (outcome == Outcome::Freed, io)
    }

    /// If the isolated page `pfn` belongs to a large anonymous folio not
    /// yet in the swap cache, and every other page of the folio is either
    /// among the pages isolated after it (`later`) or can be isolated
    /// now, the folio's pages in order, each holding an isolation
    /// reference: reclaim takes the folio as one (the kernel's LRU holds
    /// it once).  `None`, with nothing isolated, otherwise.
    fn isolate_anon_thp(&self, pfn: Pfn, later: &[Pfn]) -> Option<Vec<Pfn>> {
        let page = self.phys.page(pfn);
        if !page.is_anon() || !page.test(PageFlags::SWAPBACKED) || page.test(PageFlags::SWAPCACHE) {
            return None;
        }
        let head = self.large_folio_head(pfn)?;
        let nr = 1u64 << self.hpage_pmd_order()?;
        let mut members = Vec::with_capacity(nr as usize);
        let mut isolated = Vec::new();
        for i in 0..nr {
            let p = Pfn(head.0 + i);
            let ok = p == pfn
                || later.contains(&p)
                || (self.phys.page(p).is_anon() && self.lru_ctx().folio_isolate_lru(p) && {
                    isolated.push(p);
                    true
                });
            if !ok {
                for &q in &isolated {
                    self.lru_ctx().folio_putback_lru(q, false);
                    self.put_page(q);
                }
                return None;
            }
            members.push(p);
        }
        Some(members)
    }

    /// `shrink_folio_list` of a large anonymous folio (its pages in order,
    /// isolated): a folio some other holder pins (`can_split_folio`) or
    /// with an mlocked page goes back whole; a partially mapped one is
    /// split at once (`split_folio_to_list`), its pages reclaimed one by
    /// one; otherwise it takes contiguous swap slots
    /// (`folio_alloc_swap`) and its pages are unmapped, written and freed
    /// together (`thp_swpout` once all are written), or, without such
    /// slots, it is split and swapped out page by page
    /// (`thp_swpout_fallback`).
    fn shrink_anon_thp(&self, members: &[Pfn], mode: ReclaimMode, acc: &mut ShrinkTally) {
        let head = members[0];
        let nr = members.len() as u64;
        let _t = trace_enter!(self.trace, "shrink_folio_list", "large folio {:#x}, {} pages", head.0, nr);
        let pinned = members.iter().any(|&p| folio_has_extra_refs(self.phys.page(p), true));
        let unevictable = members.iter().any(|&p| !self.lru_ctx().folio_evictable(self.phys.page(p)));
        if pinned || unevictable {
            trace_note!(
                self.trace,
                "shrink_folio_list",
                "folio {:#x}: {}",
                head.0,
                if pinned { "cannot split: kept" } else { "mlocked: to the unevictable list" }
            );
            for &p in members {
                self.lru_ctx().folio_putback_lru(p, unevictable);
                self.put_page(p);
            }
            acc.anon_rot += nr;
            return;
        }
        if self.phys.page(head).test(PageFlags::OWNER_2) {
            // Partially mapped: split right away, the unmapped pages go
            // without I/O.
            self.split_folio_to_list(members);
        } else if self.folio_alloc_swap_large(head, nr) {
            let mut written = 0;
            for &p in members {
                if let (_, true) = self.shrink_one(p, mode, acc) {
                    written += 1;
                }
            }
            if written == nr {
                self.vmstat.count(VmEvent::ThpSwpout, 1);
            }
            trace_note!(self.trace, "swap_writepage", "folio {:#x}: {} of {} pages written", head.0, written, nr);
            return;
        } else {
            self.split_folio_to_list(members);
            self.vmstat.count(VmEvent::ThpSwpoutFallback, 1);
        }
        for &p in members {
            self.shrink_one(p, mode, acc);
        }
    }

    /// `split_folio_to_list` in reclaim: every PMD leaf mapping the folio
    /// is split (the rmap walk's `TTU_SPLIT_HUGE_PMD`), and its pages
    /// become folios of their own (`thp_split_page`), still isolated.
    fn split_folio_to_list(&self, members: &[Pfn]) {
        let head = members[0];
        self.rmap_walk(head, &mut |_, _| {});
        for &p in members {
            self.phys.page(p).clear_flags(PageFlags::HEAD | PageFlags::TAIL | PageFlags::OWNER_2);
        }
        self.vmstat.count(VmEvent::ThpSplitPage, 1);
        trace_note!(self.trace, "split_folio_to_list", "folio {:#x}: {} pages of their own", head.0, members.len());
    }

    /// Evicts one isolated page; says what became of it and whether it
    /// took I/O.  The caller holds the page's lock (`PG_locked` keeps it
    /// from changing hands meanwhile); a freed page comes back with its
    /// reference count frozen at zero.
    fn reclaim_one(&self, pfn: Pfn, mode: ReclaimMode) -> (Outcome, bool) {
        let page = self.phys.page(pfn);
        if !self.lru_ctx().folio_evictable(page) {
            // Mlocked: back to the unevictable list.  Its swap slot, if it
            // has one no entry needs, is not worth keeping.
            if page.test(PageFlags::SWAPCACHE) {
                self.folio_free_swap_locked(pfn);
            }
            trace_note!(self.trace, "shrink_folio_list", "pfn {:#x}: mlocked, to the unevictable list", pfn.0);
            return (Outcome::Activate, false);
        }
        let swapbacked = page.test(PageFlags::SWAPBACKED);
        let anon = page.is_anon() || (page.test(PageFlags::SWAPCACHE) && page.mapping.load(Ordering::Acquire) == 0);
        if folio_has_extra_refs(page, anon) {
            // Somebody is using the page right now (a fault copying it or
            // mapping it, a read(2) or write(2) of it): `__remove_mapping`
            // could not freeze its count, so it is not unmapped either,
            // which would only send that user round again.
            trace_note!(self.trace, "shrink_folio_list", "pfn {:#x}: in use, kept", pfn.0);
            return (Outcome::Keep, false);
        }
        if anon && !swapbacked {
            // MADV_FREE: discarded unless written since.
            return match self.try_to_unmap(pfn) {
                UnmapResult::Unmapped if page.ref_freeze(1) => {
                    trace_note!(self.trace, "try_to_unmap", "pfn {:#x}: lazily freed page discarded", pfn.0);
                    (Outcome::Freed, false)
                }
                UnmapResult::Unmapped => (Outcome::Keep, false),
                _ => (Outcome::Activate, false),
            };
        }
        if anon {
            return self.reclaim_anon(pfn);
        }
        if swapbacked {
            return self.reclaim_shmem(pfn);
        }
        self.reclaim_file(pfn, mode)
    }

    /// An anonymous page: into the swap cache, unmapped (each entry
    /// becoming a swap entry), written, and freed.
    fn reclaim_anon(&self, pfn: Pfn) -> (Outcome, bool) {
        let page = self.phys.page(pfn);
        if !page.test(PageFlags::SWAPCACHE) && !self.add_to_swap(pfn) {
            trace_note!(self.trace, "shrink_folio_list", "pfn {:#x}: anonymous, no free swap slot: activate", pfn.0);
            return (Outcome::Activate, false);
        }
        if page.mapcount() > 0 {
            if self.try_to_unmap(pfn) != UnmapResult::Unmapped {
                trace_note!(self.trace, "shrink_folio_list", "pfn {:#x}: try_to_unmap failed: activate", pfn.0);
                return (Outcome::Activate, false);
            }
            trace_note!(self.trace, "try_to_unmap", "pfn {:#x}: entries now hold its swap entry", pfn.0);
        }
        let entry = self.page_swap_entry(pfn).expect("in the swap cache");
        let mut io = false;
        if page.clear_flags(PageFlags::DIRTY).contains(PageFlags::DIRTY) {
            // pageout -> swap_writepage
            if self.swap_writepage(pfn, entry).is_err() {
                page.set_flags(PageFlags::DIRTY);
                return (Outcome::Activate, false);
            }
            io = true;
        }
        // __remove_mapping: only the cache and the isolation hold it, and
        // once frozen nobody can take it.
        if page.mapcount() != 0 || page.test(PageFlags::DIRTY) || !page.ref_freeze(2) {
            return (Outcome::Keep, io);
        }
        if page.mapcount() != 0 || page.test(PageFlags::DIRTY) {
            page.ref_unfreeze(2);
            return (Outcome::Keep, io);
        }
        let shadow = self.workingset_eviction(false);
        self.__delete_from_swap_cache(pfn, shadow);
        (Outcome::Freed, io)
    }

    /// A shmem page: unmapped, and then, if clean (a hole only read),
    /// dropped from the cache; if dirty, written to a swap slot that
    /// replaces it in the file's page cache (`shmem_writeout`), and freed.
    fn reclaim_shmem(&self, pfn: Pfn) -> (Outcome, bool) {
        let page = self.phys.page(pfn);
        if page.mapcount() > 0 && self.try_to_unmap(pfn) != UnmapResult::Unmapped {
            trace_note!(self.trace, "shrink_folio_list", "pfn {:#x}: try_to_unmap failed: activate", pfn.0);
            return (Outcome::Activate, false);
        }
        let Some(inode) = self.page_inode(pfn) else {
            return (Outcome::Keep, false);
        };
        let index = page.index.load(Ordering::Relaxed);
        if !page.test(PageFlags::DIRTY) {
            // A hole that was only read: its bytes are zeroes, which a later
            // fault makes again, so it just leaves the cache.
            if !inode.mapping.__remove_mapping(index, pfn, 2, 0) {
                return (Outcome::Keep, false);
            }
            trace_note!(
                self.trace,
                "__remove_mapping",
                "inode {} page {}: clean shmem pfn {:#x} freed",
                inode.ino,
                index,
                pfn.0
            );
            return (Outcome::Freed, false);
        }
        let Some(entry) = self.swap.get_swap_page(crate::smp::smp_processor_id()) else {
            // No swap: AOP_WRITEPAGE_ACTIVATE.
            trace_note!(self.trace, "shrink_folio_list", "pfn {:#x}: dirty shmem, no free swap slot: activate", pfn.0);
            return (Outcome::Activate, false);
        };
        // The slot is written before it replaces the page, so that a fault
        // finding the swap entry finds the bytes.
        if self.swap_writepage(pfn, entry).is_err() {
            self.swap.put_swap_folio(entry);
            return (Outcome::Activate, false);
        }
        // The page-cache entry holds the slot (one reference).
        self.swap.swap_duplicate(entry);
        let shadow = self.workingset_eviction(false);
        if !inode.mapping.shmem_replace_with_swap(index, pfn, entry) {
            self.swap.swap_free(entry);
            self.swap.put_swap_folio(entry);
            return (Outcome::Keep, true);
        }
        if let Some(si) = self.swap.info(entry.ty) {
            si.cache_slot(entry.offset).store(shadow, Ordering::Release);
        }
        self.swap.put_swap_folio(entry);
        page.clear_flags(PageFlags::DIRTY);
        trace_note!(
            self.trace,
            "shmem_writeout",
            "inode {} page {}: pfn {:#x} -> swap offset {:#x}",
            inode.ino,
            index,
            pfn.0,
            entry.offset
        );
        (Outcome::Freed, true)
    }

    /// A page-cache page of a regular file: unmapped, written back if
    /// dirty, and dropped from the cache with a shadow entry.
    fn reclaim_file(&self, pfn: Pfn, mode: ReclaimMode) -> (Outcome, bool) {
        let page = self.phys.page(pfn);
        if page.mapcount() > 0 {
            if self.try_to_unmap(pfn) != UnmapResult::Unmapped {
                trace_note!(self.trace, "shrink_folio_list", "pfn {:#x}: try_to_unmap failed: activate", pfn.0);
                return (Outcome::Activate, false);
            }
            trace_note!(self.trace, "try_to_unmap", "pfn {:#x}: page-cache page unmapped", pfn.0);
        }
        let Some(inode) = self.page_inode(pfn) else {
            return (Outcome::Keep, false);
        };
        let index = page.index.load(Ordering::Relaxed);
        let mut io = false;
        if page.test(PageFlags::DIRTY) {
            if mode == ReclaimMode::PageOut || !inode.mapping.a_ops.can_writeback() {
                return (Outcome::Activate, false);
            }
            page.clear_flags(PageFlags::DIRTY);
            if inode.mapping.writepage(&inode, index, pfn).is_err() {
                return (Outcome::Activate, false);
            }
            trace_note!(self.trace, "pageout", "inode {} page {} written back", inode.ino, index);
            io = true;
        }
        let shadow = self.workingset_eviction(true);
        if !inode.mapping.__remove_mapping(index, pfn, 2, shadow) {
            return (Outcome::Keep, io);
        }
        trace_note!(self.trace, "__remove_mapping", "inode {} page {}: pfn {:#x} freed", inode.ino, index, pfn.0);
        (Outcome::Freed, io)
    }

    /// `workingset_eviction`: ticks the eviction clock and returns the
    /// shadow entry the evicted page leaves behind.
    pub(crate) fn workingset_eviction(&self, file: bool) -> u64 {
        let eviction = self.lruvec.nonresident_age.fetch_add(1, Ordering::Relaxed) + 1;
        pack_shadow(eviction, file)
    }

    /// `workingset_refault`: a page comes back `refault_distance`
    /// evictions after it left.  If that is no more than the pages the
    /// working set could have had meanwhile, it goes straight to the
    /// active list (returns true).
    pub(crate) fn workingset_refault(&self, pfn: Pfn, shadow: u64, file: bool) -> bool {
        let eviction = shadow_eviction(shadow);
        let refault = self.lruvec.nonresident_age.load(Ordering::Relaxed);
        let distance = refault.wrapping_sub(eviction) & ((1 << 61) - 1);
        self.vmstat.count(if file { VmEvent::WorkingsetRefaultFile } else { VmEvent::WorkingsetRefaultAnon }, 1);
        let sizes = self.reclaim.lru_sizes();
        let mut workingset = sizes[LruList::ActiveFile as usize];
        if !file {
            workingset += sizes[LruList::InactiveFile as usize];
        }
        if self.swap.nr_swap_pages() > 0 {
            workingset += sizes[LruList::ActiveAnon as usize];
            if file {
                workingset += sizes[LruList::InactiveAnon as usize];
            }
        }
        let lru_pages: u64 = sizes.iter().sum();
        self.lruvec.note_cost(file, 1, 0, lru_pages);
        if distance > workingset {
            return false;
        }
        self.vmstat.count(if file { VmEvent::WorkingsetActivateFile } else { VmEvent::WorkingsetActivateAnon }, 1);
        self.lruvec.nonresident_age.fetch_add(1, Ordering::Relaxed);
        // It belongs to the working set (`folio_set_workingset`).
        self.phys.page(pfn).set_flags(PageFlags::WORKINGSET);
        true
    }
}
