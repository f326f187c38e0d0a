//! Transparent huge pages of anonymous memory (mm/huge_memory.c): a fault
//! in a region THP may back maps a 2 MiB folio with one PMD leaf
//! (`do_huge_pmd_anonymous_page`), or the huge zero folio for a read; the
//! write fault on such a leaf reuses, replaces or splits it
//! (`do_huge_pmd_wp_page`); `fork` shares it (`copy_huge_pmd`); zapping
//! frees it whole (`zap_huge_pmd`), and any operation on part of it first
//! turns the leaf into a PTE table mapping the same pages
//! (`__split_huge_pmd`).
//!
//! A large anonymous folio is `2^HPAGE_PMD_ORDER` frames taken from the
//! allocator as one naturally aligned block (`alloc_pages(gfp, 9)`); the
//! head page carries `PG_head`, the others `TAIL`.  While only PMD leaves
//! map it, the folio is kept whole, as the kernel keeps every folio
//! (`PG_large_rmappable` on the head): one reference count (the head's),
//! the entire mapcount for its leaves and no per-page map counts, one
//! entry on the reclaim lists counting its 512 pages, and freed as one
//! order-9 block; so a fault and a zap cost the same whatever the folio's
//! size.  Anything that works on its pages one by one (splitting a leaf,
//! reclaim, compaction, `MADV_FREE`, `MADV_COLD`, mlock, smaps) first
//! lets the pages live apart ([`Machine::folio_split_pages`]): each
//! page then keeps its own reference and map counts, which a PMD leaf
//! raises on every page of the folio (a page's map count is what the
//! kernel's `folio_mapcount` of a single page reports: its PTE mappings
//! plus the folio's entire mapcount), and its own place on the lists.  So
//! the PTE paths (reclaim, COW, swap) see ordinary pages once the leaf is
//! split.  A folio left partially mapped goes on the deferred-split
//! queue (`deferred_split_folio`), which keeps its unmapped pages
//! allocated until the shrinker splits it (`deferred_split_scan`, run by
//! reclaim) or its last page goes, as the kernel's folio does.  The
//! machine keeps each PMD-mapped folio's entire mapcount
//! (`NR_ANON_THPS`, `AnonHugePages`), and each address space the PTE
//! table deposited with each leaf (`pgtable_trans_huge_deposit`), so that
//! a split never needs to allocate.

use crate::alloc::Gfp;
use crate::arch::{PMD_LEVEL, Pte, PteFlags, TableEntry};
use crate::errno::VmFault;
use crate::fault::{VmFaultCtx, describe_pte};
use crate::flags::{FaultFlags, PageFlags, VmFlags};
use crate::machine::{Machine, ThpDefrag, ThpEnabled};
use crate::memory::MmuGather;
use crate::mm::{MmStruct, Vma};
use crate::mthp::MthpStat;
use crate::pgtable::Slot;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::vmstat::VmEvent;
use crate::{trace_enter, trace_note};
use std::sync::atomic::{AtomicU64, Ordering};

/// The machine's THP state.
#[derive(Debug, Default)]
pub(crate) struct ThpState {
    /// `folio->_entire_mapcount` of each anonymous folio that PMD leaves
    /// map, by head frame; a folio mapped by no leaf is absent.  Its size
    /// is `NR_ANON_THPS`.
    entire: parking_lot::Mutex<ahash::AHashMap<Pfn, u32>>,
    /// The huge zero folio's head frame + 1 (`huge_zero_pfn`), 0 until
    /// the first read fault needs it.
    huge_zero: AtomicU64,
    /// The deferred-split queue (`ds_queue`).
    split_queue: parking_lot::Mutex<SplitQueue>,
}

/// `struct deferred_split`: the partially mapped folios waiting to be
/// split, oldest first, and for each the pages of it nothing references
/// any more, which stay allocated with it (a folio is freed whole, with
/// its last reference, or split by [`Machine::deferred_split_scan`]).
#[derive(Debug, Default)]
struct SplitQueue {
    order: std::collections::VecDeque<Pfn>,
    /// Head -> a bitmap of its pages held with no reference.
    held: ahash::AHashMap<Pfn, Vec<u64>>,
}

impl ThpState {
    /// Every PMD-mapped folio's entire mapcount, for the checks.
    pub(crate) fn entire_mapcounts(&self) -> std::collections::HashMap<Pfn, u32> {
        self.entire.lock().iter().map(|(&p, &n)| (p, n)).collect()
    }
}

impl Machine {
    /// `HPAGE_PMD_ORDER`, if the page-table format maps pages with PMD
    /// leaves and the allocator hands out blocks that large.
    #[inline]
    pub(crate) fn hpage_pmd_order(&self) -> Option<u32> {
        let order = self.geometry.shifts[PMD_LEVEL as usize] - PAGE_SHIFT;
        (self.thp_capable && order <= crate::types::MAX_PAGE_ORDER).then_some(order)
    }

    /// `is_huge_zero_pfn`: `pfn` is a frame of the huge zero folio.
    #[inline]
    pub(crate) fn is_huge_zero_pfn(&self, pfn: Pfn) -> bool {
        let z = self.thp.huge_zero.load(Ordering::Acquire);
        z != 0 && self.hpage_pmd_order().is_some_and(|o| pfn.0.wrapping_sub(z - 1) < 1 << o)
    }

    /// `mm_get_huge_zero_folio`: the huge zero folio, allocated (and
    /// zeroed) by the first caller and kept from then on; `None` if no
    /// block is free.
    fn mm_get_huge_zero_folio(&self) -> Option<Pfn> {
        let z = self.thp.huge_zero.load(Ordering::Acquire);
        if z != 0 {
            return Some(Pfn(z - 1));
        }
        let order = self.hpage_pmd_order()?;
        let _guard = self.thp.entire.lock();
        let z = self.thp.huge_zero.load(Ordering::Acquire);
        if z != 0 {
            return Some(Pfn(z - 1));
        }
        let Some(pfn) = self.alloc_pages(Gfp::ZERO, order) else {
            self.vmstat.count(VmEvent::ThpZeroPageAllocFailed, 1);
            return None;
        };
        self.phys.page(pfn).set_flags(PageFlags::HEAD | PageFlags::RESERVED);
        self.thp.huge_zero.store(pfn.0 + 1, Ordering::Release);
        self.vmstat.count(VmEvent::ThpZeroPageAlloc, 1);
        trace_note!(self.trace, "get_huge_zero_folio", "huge zero folio at pfn {:#x}", pfn.0);
        Some(pfn)
    }

    /// `folio_entire_mapcount` of the folio headed by `head`.
    pub(crate) fn folio_entire_mapcount(&self, head: Pfn) -> u32 {
        self.thp.entire.lock().get(&head).copied().unwrap_or(0)
    }

    /// `NR_ANON_THPS`: anonymous folios mapped by a PMD leaf somewhere.
    pub(crate) fn nr_anon_thps(&self) -> u64 {
        self.thp.entire.lock().keys().filter(|&&p| self.phys.page(p).is_anon()).count() as u64
    }

    /// `NR_SHMEM_PMDMAPPED` and `NR_FILE_PMDMAPPED`, in folios: page-cache
    /// folios mapped by a PMD leaf somewhere, of shmem and of other files.
    pub(crate) fn nr_file_pmdmapped(&self) -> (u64, u64) {
        let e = self.thp.entire.lock();
        let (mut shmem, mut file) = (0, 0);
        for &p in e.keys() {
            let page = self.phys.page(p);
            if page.is_anon() {
                continue;
            }
            if page.test(PageFlags::SWAPBACKED) {
                shmem += 1;
            } else {
                file += 1;
            }
        }
        (shmem, file)
    }

    /// `vma_thp_gfp_mask` as `alloc_pages_thp` takes it: whether a THP
    /// allocation may reclaim and compact directly, only wake kswapd, and
    /// gives up after one run of compaction, by `defrag` and whether the
    /// VMA was given `MADV_HUGEPAGE`.
    pub(crate) fn vma_thp_gfp_mask(&self, madvised: bool) -> (bool, bool, bool) {
        match self.tunables.thp_defrag {
            ThpDefrag::Always => (true, false, !madvised),
            ThpDefrag::Defer => (false, true, false),
            ThpDefrag::DeferMadvise => (madvised, !madvised, false),
            ThpDefrag::Madvise => (madvised, false, false),
            ThpDefrag::Never => (false, false, false),
        }
    }

    /// The entire mapcount of `head` moves by `delta` (a leaf mapping the
    /// folio is added or removed).
    pub(crate) fn folio_mod_entire_mapcount(&self, head: Pfn, delta: i32) {
        let mut e = self.thp.entire.lock();
        let n = e.entry(head).or_insert(0);
        *n = n.checked_add_signed(delta).expect("entire mapcount below zero");
        if *n == 0 {
            e.remove(&head);
        }
    }

    /// `prep_compound_page` and `folio_set_large_rmappable`: the block of
    /// `order` at `head`, just allocated, becomes a large folio kept
    /// whole: `PG_head` and `PG_large_rmappable` on the head, `TAIL` on
    /// the others, the order in the second page.  Its one reference is
    /// the head's; freeing it frees the block.
    fn prep_large_folio(&self, head: Pfn, order: u32) {
        for i in 1..1u64 << order {
            let page = self.phys.page(Pfn(head.0 + i));
            debug_assert!(page.is_clean(), "a new folio's page {:#x} is in use", head.0 + i);
            page.flags.store(PageFlags::TAIL.bits(), Ordering::Relaxed);
        }
        self.phys.page(Pfn(head.0 + 1)).private.store(u64::from(order), Ordering::Relaxed);
        self.phys.page(head).set_flags(PageFlags::HEAD | PageFlags::LARGE_RMAPPABLE);
    }

    /// The large folio `head`, kept whole until now, comes to live apart
    /// as its pages (what the kernel's `__split_huge_pmd_locked` hands
    /// out to each page, with the place on the reclaim lists
    /// `lru_add_split_folio` gives each): every page gets the head's
    /// owner, offset and anonymous flags, the entire mapcount as its map
    /// count (each leaf maps each page once), and, but the head, one
    /// reference per leaf (references beyond the leaves stay the
    /// head's); the allocator's block becomes order-0 pages, and the
    /// pages take the folio's place on the lists.  Nothing any output
    /// shows changes.  False if the folio was not kept whole.
    pub(crate) fn folio_split_pages(&self, head: Pfn) -> bool {
        let page = self.phys.page(head);
        if !page.test(PageFlags::LARGE_RMAPPABLE) {
            return false;
        }
        let order = self.phys.folio_order(head);
        let nr = 1u64 << order;
        let maps = self.folio_entire_mapcount(head) as i32;
        let split = self.alloc.split_page(head, order);
        debug_assert!(split, "the allocator split blocks when the folio was made");
        let mapping = page.mapping.load(Ordering::Acquire);
        let index = page.index.load(Ordering::Relaxed);
        let flags =
            page.flags() & (PageFlags::ANON_EXCLUSIVE | PageFlags::UPTODATE | PageFlags::SWAPBACKED | PageFlags::DIRTY);
        for i in 1..nr {
            let tail = self.phys.page(Pfn(head.0 + i));
            tail.mapping.store(mapping, Ordering::Release);
            tail.index.store(index + i, Ordering::Relaxed);
            tail.set_flags(flags);
            tail.mapcount.store(maps, Ordering::Relaxed);
            tail.refcount.store(maps, Ordering::Release);
        }
        self.lru_ctx().lru_split_folio(head, nr);
        self.phys.page(Pfn(head.0 + 1)).private.store(0, Ordering::Relaxed);
        page.mapcount.store(maps, Ordering::Release);
        true
    }

    /// [`folio_split_pages`](Self::folio_split_pages) of every large
    /// folio kept whole, before reclaim or compaction, which take pages
    /// one by one, scan the lists or memory.
    pub(crate) fn folio_split_pages_all(&self) {
        let heads: Vec<Pfn> = self.thp.entire.lock().keys().copied().collect();
        for head in heads {
            self.folio_split_pages(head);
        }
    }

    /// The head of the large anonymous folio `pfn` belongs to, if it
    /// belongs to one (`folio_test_large(page_folio(page))`).
    #[inline]
    pub(crate) fn large_folio_head(&self, pfn: Pfn) -> Option<Pfn> {
        let f = self.phys.page(pfn).flags();
        if f.contains(PageFlags::HEAD) {
            return Some(pfn);
        }
        if !f.contains(PageFlags::TAIL) {
            return None;
        }
        self.tail_folio_head(pfn)
    }

    /// `deferred_split_folio(folio, partially_mapped)`, called when a page
    /// of a large folio lost its last mapping: if other pages of the
    /// folio are still mapped, the folio is queued to be split
    /// (`thp_deferred_split_page`, once per folio).  From then on its
    /// pages that lose their last reference stay allocated with it
    /// ([`deferred_split_hold`](Self::deferred_split_hold)), as the kernel's
    /// folio keeps its unmapped pages until it is split or freed whole:
    /// `MemFree` does not grow on a partial `munmap`, `AnonPages` and `Rss`
    /// shrink.
    pub(crate) fn deferred_split_folio(&self, pfn: Pfn) {
        let Some(head) = self.large_folio_head(pfn) else {
            return;
        };
        let page = self.phys.page(head);
        // A folio in the swap cache is reclaim's already.
        if page.test(PageFlags::OWNER_2) || page.test(PageFlags::SWAPCACHE) {
            return;
        }
        let order = self.folio_order(head);
        if (0..1u64 << order).any(|i| self.phys.page(Pfn(head.0 + i)).mapcount() > 0) {
            // PG_partially_mapped (the kernel keeps it in the folio's
            // second page; the head's PG_owner_2 bit serves here).
            page.set_flags(PageFlags::OWNER_2);
            self.count_mthp_stat(order, crate::mthp::MthpStat::SplitDeferred);
            if Some(order) != self.hpage_pmd_order() {
                // mTHP folios are not queued: their unmapped pages are
                // freed at once.
                trace_note!(self.trace, "deferred_split_folio", "folio {:#x} partially mapped", head.0);
                return;
            }
            let nr = 1u64 << order;
            self.vmstat.count(VmEvent::ThpDeferredSplitPage, 1);
            let mut q = self.thp.split_queue.lock();
            if !q.held.contains_key(&head) {
                q.held.insert(head, vec![0; (nr as usize).div_ceil(64)]);
                q.order.push_back(head);
            }
            trace_note!(
                self.trace,
                "deferred_split_folio",
                "folio {:#x} partially mapped: queued ({} in the queue)",
                head.0,
                q.order.len()
            );
        }
    }

    /// The free of page `pfn` (flags `f`, of a large folio), its last
    /// reference gone: if its folio waits on the deferred-split queue, the
    /// page stays allocated with the folio (true), with no reference, until
    /// the folio is split or its last page goes too, which frees the folio
    /// whole.  False (free it now) otherwise.
    pub(crate) fn deferred_split_hold(&self, pfn: Pfn, f: PageFlags) -> bool {
        let Some(order) = self.hpage_pmd_order() else {
            return false;
        };
        let head = Pfn(pfn.0 & !((1 << order) - 1));
        if !f.contains(PageFlags::HEAD) && !self.phys.page(head).test(PageFlags::HEAD) {
            return false;
        }
        let mut q = self.thp.split_queue.lock();
        let Some(held) = q.held.get_mut(&head) else {
            return false;
        };
        let i = (pfn.0 - head.0) as usize;
        held[i / 64] |= 1 << (i % 64);
        let page = self.phys.page(pfn);
        page.reset();
        page.set_flags(f & (PageFlags::HEAD | PageFlags::TAIL | PageFlags::OWNER_2));
        let nr = 1u64 << order;
        if held.iter().map(|w| u64::from(w.count_ones())).sum::<u64>() < nr {
            return true;
        }
        // The last page: folio_unqueue_deferred_split, and the folio is
        // freed whole.
        q.held.remove(&head);
        q.order.retain(|&h| h != head);
        drop(q);
        for i in 0..nr {
            self.free_held_page(Pfn(head.0 + i));
        }
        trace_note!(self.trace, "free_folio", "folio {:#x}: last page gone, off the deferred-split queue", head.0);
        true
    }

    /// A page held with its queued folio goes back to the allocator.
    fn free_held_page(&self, pfn: Pfn) {
        self.phys.page(pfn).reset();
        self.vmstat.count(VmEvent::PgFree, 1);
        self.alloc.free_pages(pfn, 0);
        self.nr_free.add(1);
    }

    /// Folios on the deferred-split queue (`split_queue_len`, what
    /// `deferred_split_count` reports).
    pub fn deferred_split_count(&self) -> u64 {
        self.thp.split_queue.lock().order.len() as u64
    }

    /// Pages held with the folios of the deferred-split queue: unmapped,
    /// unreferenced, not free.
    pub fn deferred_split_held_pages(&self) -> u64 {
        let q = self.thp.split_queue.lock();
        q.held.values().flat_map(|h| h.iter()).map(|w| u64::from(w.count_ones())).sum()
    }

    /// `deferred_split_scan`: the deferred-split shrinker splits up to
    /// `nr_to_scan` folios from the head of the queue (`split_folio`,
    /// `thp_split_page`): the pages nothing references go back to the
    /// allocator, the others become pages of their own.  A folio on the
    /// queue is partially mapped here; the kernel also queues whole
    /// folios at fault time to split the underused ones (`thp_underused`),
    /// which never happens with the default `max_ptes_none` (511).
    /// Returns the pages freed.
    pub fn deferred_split_scan(&self, nr_to_scan: u64) -> u64 {
        let Some(order) = self.hpage_pmd_order() else {
            return 0;
        };
        let nr = 1u64 << order;
        let mut freed = 0;
        for _ in 0..nr_to_scan {
            // The queue's lock is held through the split, so that no page
            // of the folio is held or freed meanwhile.
            let mut q = self.thp.split_queue.lock();
            let Some(head) = q.order.pop_front() else {
                break;
            };
            let held = q.held.remove(&head).expect("a queued folio has a held bitmap");
            let _t = trace_enter!(self.trace, "deferred_split_scan", "folio {:#x}", head.0);
            for i in 0..nr {
                let p = Pfn(head.0 + i);
                if held[i as usize / 64] & (1 << (i % 64)) != 0 {
                    self.free_held_page(p);
                    freed += 1;
                } else {
                    self.phys.page(p).clear_flags(PageFlags::HEAD | PageFlags::TAIL | PageFlags::OWNER_2);
                }
            }
            drop(q);
            self.vmstat.count(VmEvent::ThpSplitPage, 1);
        }
        if freed > 0 {
            trace_note!(self.trace, "deferred_split_scan", "{} unmapped pages freed", freed);
        }
        freed
    }
}

impl MmStruct {
    /// The PMD entry at `slot` if it is a leaf (`pmd_trans_huge`): its
    /// first frame and attributes, as a leaf entry.
    #[inline]
    pub(crate) fn pmd_huge(&self, slot: Slot) -> Option<Pte> {
        let m = &*self.machine;
        let raw = m.phys.read_u64(slot.table, slot.idx);
        let layout = m.arch.table_layout()?;
        match layout.decode(PMD_LEVEL, raw) {
            TableEntry::Leaf(_) => Some(m.arch.decode_pte(raw & !layout.huge)),
            _ => None,
        }
    }

    /// `set_pmd_at`: writes a PMD leaf.
    pub(crate) fn set_pmd_at(&self, slot: Slot, pte: Pte) {
        let m = &*self.machine;
        let raw = m.arch.mk_huge_leaf(PMD_LEVEL, pte.pfn().expect("a leaf maps a page"), pte.flags());
        m.phys.write_u64(slot.table, slot.idx, raw.expect("the format has PMD leaves"));
    }

    /// `pmdp_huge_get_and_clear`.
    fn pmdp_huge_get_and_clear(&self, slot: Slot) -> Option<Pte> {
        let pte = self.pmd_huge(slot)?;
        self.machine.phys.write_u64(slot.table, slot.idx, 0);
        Some(pte)
    }

    /// `pgtable_trans_huge_deposit`: keeps `table` for the leaf at `pmd`.
    pub(crate) fn pgtable_trans_huge_deposit(&self, pmd: Slot, table: Pfn) {
        self.pgtable_trans_huge_redeposit(pmd, table);
        self.counters.nr_ptes.fetch_add(1, Ordering::Relaxed);
    }

    /// `pgtable_trans_huge_deposit` of a table already counted: the PTE
    /// table of a block that a collapse maps with a leaf.
    pub(crate) fn pgtable_trans_huge_redeposit(&self, pmd: Slot, table: Pfn) {
        let mut deposited = self.pmd_huge_pte.lock();
        let old = deposited.insert(pmd, table);
        debug_assert!(old.is_none(), "two tables deposited for one PMD");
        self.nr_pmd_huge_pte.store(deposited.len(), Ordering::Relaxed);
    }

    /// `pgtable_trans_huge_withdraw`: the table deposited for `pmd` (still
    /// counted in `nr_ptes`).
    fn pgtable_trans_huge_withdraw(&self, pmd: Slot) -> Pfn {
        let mut deposited = self.pmd_huge_pte.lock();
        let table = deposited.remove(&pmd).expect("a PMD leaf has a deposited table");
        self.nr_pmd_huge_pte.store(deposited.len(), Ordering::Relaxed);
        table
    }

    /// Page-table pages deposited with PMD leaves.
    pub(crate) fn nr_deposited_tables(&self) -> i64 {
        self.pmd_huge_pte.lock().len() as i64
    }

    /// `pte_alloc_one`: a zeroed PTE table to deposit, not yet counted.
    pub(crate) fn pte_alloc_one(&self) -> Option<Pfn> {
        let pfn = self.machine.alloc_pages(Gfp::PGTABLE_USER, 0)?;
        self.machine.phys.page(pfn).set_flags(PageFlags::PGTABLE);
        Some(pfn)
    }

    /// `pte_free`: a table allocated for a leaf that was not needed.
    pub(crate) fn pte_free(&self, table: Pfn) {
        self.machine.phys.page(table).clear_flags(PageFlags::PGTABLE);
        self.machine.put_page(table);
    }

    /// `thp_vma_allowable_order(vma, PMD_ORDER)` with
    /// `thp_vma_suitable_order`, for a page fault at `address`: THP is
    /// enabled for the VMA (`always`, or `madvise` and `VM_HUGEPAGE`, and
    /// no `VM_NOHUGEPAGE`), the VMA is anonymous, private and not
    /// special, and the aligned 2 MiB around the address lies inside it.
    pub(crate) fn thp_vma_allowable_order(&self, vma: &Vma, address: u64) -> bool {
        let m = &*self.machine;
        let Some(order) = m.hpage_pmd_order() else {
            return false;
        };
        // The PMD size's own setting, unless it inherits the global one.
        let enabled = match m.tunables.thp_enabled_2048k.unwrap_or(m.tunables.thp_enabled) {
            ThpEnabled::Never => false,
            ThpEnabled::Always => true,
            ThpEnabled::Madvise => vma.flags.contains(VmFlags::HUGEPAGE),
        };
        if !enabled
            || vma.flags.intersects(VmFlags::NOHUGEPAGE | VmFlags::SHARED | VmFlags::SPECIAL)
            || !vma.is_anonymous()
            || vma.special_name().is_some()
        {
            return false;
        }
        let size = PAGE_SIZE << order;
        let haddr = address & !(size - 1);
        // thp_vma_suitable_order checks no page offset for anonymous
        // memory: a VMA mremap moved keeps its offset.
        haddr >= vma.start && haddr + size <= vma.end
    }

    /// `vma_alloc_anon_folio_pmd`'s allocation with `vma_thp_gfp_mask`:
    /// `defrag` says whether it may reclaim and compact directly
    /// (`always`; `madvise` and `defer+madvise` on a `VM_HUGEPAGE` VMA),
    /// wake kswapd and with it kcompactd (`defer`; `defer+madvise`
    /// elsewhere) or neither, and whether it gives up after one run of
    /// compaction (`__GFP_NORETRY`: `always` on a VMA not madvised).
    /// See [`Machine::alloc_pages_thp`].  An mTHP fault's allocation
    /// (`vma_alloc_anon_folio`) takes the same mask, at its own order.
    pub(crate) fn vma_alloc_anon_folio_pmd(&self, vma: &Vma, order: u32) -> Option<Pfn> {
        let m = &*self.machine;
        let (direct, kswapd, noretry) = m.vma_thp_gfp_mask(vma.flags.contains(VmFlags::HUGEPAGE));
        let pfn = m.alloc_pages_thp(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, order, direct, kswapd, noretry)?;
        // The pages are freed one by one once the leaf is split.
        if !m.alloc.can_split_page() {
            m.free_pages(pfn, order);
            trace_note!(m.trace, "vma_alloc_anon_folio_pmd", "the allocator cannot split blocks");
            return None;
        }
        m.prep_large_folio(pfn, order);
        Some(pfn)
    }

    /// `create_huge_pmd` for anonymous memory: `do_huge_pmd_anonymous_page`.
    pub(crate) fn do_huge_pmd_anonymous_page(&self, vmf: &VmFaultCtx<'_>) -> VmFault {
        let m = &*self.machine;
        let vma = vmf.vma;
        let order = m.hpage_pmd_order().expect("checked by thp_vma_allowable_order");
        let haddr = vmf.address & !((PAGE_SIZE << order) - 1);
        let _t = trace_enter!(
            m.trace,
            "do_huge_pmd_anonymous_page",
            "{:#x} {}",
            haddr,
            if vmf.is_write() { "write" } else { "read" }
        );
        let anon_vma = match self.vmf_anon_prepare(vmf) {
            Ok(a) => a,
            Err(e) => return e,
        };
        self.khugepaged_enter_vma(vma, vma.flags);
        if !vmf.is_write() && m.tunables.thp_use_zero_page {
            let Some(table) = self.pte_alloc_one() else {
                return VmFault::OOM;
            };
            let Some(zero) = m.mm_get_huge_zero_folio() else {
                self.pte_free(table);
                m.vmstat.count(VmEvent::ThpFaultFallback, 1);
                m.count_mthp_stat(order, MthpStat::AnonFaultFallback);
                trace_note!(m.trace, "do_huge_pmd_anonymous_page", "no huge zero folio: fallback");
                return VmFault::FALLBACK;
            };
            let _ptl = self.pmd_lock(vmf.pmd);
            if m.phys.read_u64(vmf.pmd.table, vmf.pmd.idx) != 0 {
                drop(_ptl);
                self.pte_free(table);
                return VmFault::empty();
            }
            self.set_huge_zero_folio(vmf.pmd, table, vma, zero);
            return VmFault::empty();
        }
        let Some(pfn) = self.vma_alloc_anon_folio_pmd(vma, order) else {
            m.vmstat.count(VmEvent::ThpFaultFallback, 1);
            m.count_mthp_stat(order, MthpStat::AnonFaultFallback);
            trace_note!(m.trace, "vma_alloc_anon_folio_pmd", "no folio of order {order}: fallback");
            return VmFault::FALLBACK;
        };
        trace_note!(m.trace, "vma_alloc_anon_folio_pmd", "folio of order {order} at pfn {:#x}, zeroed", pfn.0);
        let nr = 1u64 << order;
        let Some(table) = self.pte_alloc_one() else {
            m.put_page(pfn);
            return VmFault::OOM;
        };
        let _ptl = self.pmd_lock(vmf.pmd);
        if m.phys.read_u64(vmf.pmd.table, vmf.pmd.idx) != 0 {
            drop(_ptl);
            trace_note!(m.trace, "do_huge_pmd_anonymous_page", "entry appeared meanwhile: folio released");
            self.pte_free(table);
            m.put_page(pfn);
            return VmFault::empty();
        }
        self.pgtable_trans_huge_deposit(vmf.pmd, table);
        // map_anon_folio_pmd
        self.folio_add_new_anon_rmap_pmd(pfn, nr, vma, anon_vma, haddr);
        let mut entry = Pte::page(pfn, vma.page_prot).with(PteFlags::DIRTY);
        if vma.flags.contains(VmFlags::WRITE) {
            entry = entry.with(PteFlags::WRITE);
        }
        self.set_pmd_at(vmf.pmd, entry);
        m.vmstat.count(VmEvent::ThpFaultAlloc, 1);
        m.count_mthp_stat(order, MthpStat::AnonFaultAlloc);
        trace_note!(m.trace, "set_pmd_at", "{:#x} -> huge {}", haddr, describe_pte(m, entry));
        VmFault::empty()
    }

    /// `set_huge_zero_folio`: a read-only, special leaf mapping the huge
    /// zero folio, with its deposited table.
    fn set_huge_zero_folio(&self, pmd: Slot, table: Pfn, vma: &Vma, zero: Pfn) {
        self.pgtable_trans_huge_deposit(pmd, table);
        let entry = Pte::page(zero, vma.page_prot | PteFlags::SPECIAL);
        self.set_pmd_at(pmd, entry);
        trace_note!(
            self.machine.trace,
            "set_huge_zero_folio",
            "huge zero folio {}",
            describe_pte(&self.machine, entry)
        );
    }

    /// The PMD part of `__handle_mm_fault`: a fault on a PMD leaf.  A
    /// write to a read-only leaf goes to `wp_huge_pmd`; any other access
    /// only marks it young (`huge_pmd_set_accessed`).  `FALLBACK` sends the
    /// fault on to the PTE level, the leaf split.
    pub(crate) fn handle_huge_pmd_fault(&self, vmf: &VmFaultCtx<'_>, orig: Pte) -> VmFault {
        let m = &*self.machine;
        if orig.is_protnone() && vmf.vma.is_accessible() {
            // do_huge_pmd_numa_page: the model splits instead.
            self.__split_huge_pmd(vmf.pmd, vmf.address);
            return VmFault::FALLBACK;
        }
        if vmf.flags.intersects(FaultFlags::WRITE | FaultFlags::UNSHARE) && !orig.is_write() {
            if !vmf.vma.is_anonymous() {
                // wp_huge_pmd of a file leaf: copy-on-write and write
                // notification are done at the PTE level, so the leaf goes
                // (`__split_huge_pmd` of a file leaf drops it).
                trace_note!(m.trace, "wp_huge_pmd", "file leaf: split, fault at the PTE level");
                self.__split_huge_pmd(vmf.pmd, vmf.address);
                return VmFault::FALLBACK;
            }
            return self.do_huge_pmd_wp_page(vmf, orig);
        }
        // huge_pmd_set_accessed
        let _ptl = self.pmd_lock(vmf.pmd);
        if self.pmd_huge(vmf.pmd) != Some(orig) {
            return VmFault::empty();
        }
        let mut entry = orig.with(PteFlags::ACCESSED);
        if vmf.is_write() {
            entry = entry.with(PteFlags::DIRTY);
        }
        if entry != orig && vmf.is_write() {
            self.set_pmd_at(vmf.pmd, entry);
            trace_note!(m.trace, "huge_pmd_set_accessed", "{}", describe_pte(m, entry));
        } else {
            trace_note!(m.trace, "huge_pmd_set_accessed", "spurious fault: the leaf already allows the access");
        }
        VmFault::empty()
    }

    /// `do_huge_pmd_wp_page`: a write to a read-only PMD leaf.  The huge
    /// zero folio is replaced by a new folio (`do_huge_zero_wp_pmd`); a
    /// folio this leaf alone holds is reused in place; any other is split
    /// and the write copies one page at the PTE level.
    fn do_huge_pmd_wp_page(&self, vmf: &VmFaultCtx<'_>, orig: Pte) -> VmFault {
        let m = &*self.machine;
        let head = orig.pfn().expect("a leaf maps a page");
        let _t = trace_enter!(m.trace, "do_huge_pmd_wp_page", "{}", describe_pte(m, orig));
        if m.is_huge_zero_pfn(head) {
            let ret = self.do_huge_zero_wp_pmd(vmf);
            if !ret.contains(VmFault::FALLBACK) {
                return ret;
            }
            self.__split_huge_pmd(vmf.pmd, vmf.address);
            return VmFault::FALLBACK;
        }
        let ptl = self.pmd_lock(vmf.pmd);
        if self.pmd_huge(vmf.pmd) != Some(orig) {
            return VmFault::empty();
        }
        let nr = 1u64 << m.hpage_pmd_order().expect("a leaf exists");
        let page = m.phys.page(head);
        let mut reuse = page.test(PageFlags::ANON_EXCLUSIVE);
        if !reuse {
            if page.test(PageFlags::SWAPCACHE) {
                m.folio_free_swap(head);
            }
            // folio_ref_count(folio) == 1: this leaf is the only holder.
            // A folio kept whole has one count for all its pages.
            let pages = if page.test(PageFlags::LARGE_RMAPPABLE) { 1 } else { nr };
            reuse = (0..pages).all(|i| {
                let p = m.phys.page(Pfn(head.0 + i));
                p.refcount() == 1 && !p.test(PageFlags::SWAPCACHE)
            });
            if reuse {
                for i in 0..pages {
                    m.phys.page(Pfn(head.0 + i)).set_flags(PageFlags::ANON_EXCLUSIVE);
                }
            }
        }
        if reuse {
            if vmf.flags.contains(FaultFlags::UNSHARE) {
                return VmFault::empty();
            }
            let mut entry = orig.with(PteFlags::ACCESSED | PteFlags::DIRTY);
            if vmf.vma.flags.contains(VmFlags::WRITE) {
                entry = entry.with(PteFlags::WRITE);
            }
            self.set_pmd_at(vmf.pmd, entry);
            trace_note!(m.trace, "do_huge_pmd_wp_page", "reuse: {}", describe_pte(m, entry));
            return VmFault::empty();
        }
        drop(ptl);
        trace_note!(m.trace, "do_huge_pmd_wp_page", "folio shared: split, copy at the PTE level");
        self.__split_huge_pmd(vmf.pmd, vmf.address);
        VmFault::FALLBACK
    }

    /// `do_huge_zero_wp_pmd`: a write to the huge zero folio maps a new
    /// zeroed folio in its place; `FALLBACK` if none can be had.
    fn do_huge_zero_wp_pmd(&self, vmf: &VmFaultCtx<'_>) -> VmFault {
        let m = &*self.machine;
        let vma = vmf.vma;
        let order = m.hpage_pmd_order().expect("a leaf exists");
        let haddr = vmf.address & !((PAGE_SIZE << order) - 1);
        // vmf_anon_prepare before the folio is allocated (a VMA that
        // maps the huge zero page has its anon_vma already).
        let anon_vma = match self.vmf_anon_prepare(vmf) {
            Ok(a) => a,
            Err(e) => return e,
        };
        let Some(pfn) = self.vma_alloc_anon_folio_pmd(vma, order) else {
            m.vmstat.count(VmEvent::ThpFaultFallback, 1);
            m.count_mthp_stat(order, MthpStat::AnonFaultFallback);
            return VmFault::FALLBACK;
        };
        let nr = 1u64 << order;
        let ptl = self.pmd_lock(vmf.pmd);
        let still_zero = self.pmd_huge(vmf.pmd).and_then(|p| p.pfn()).is_some_and(|p| m.is_huge_zero_pfn(p));
        if !still_zero {
            drop(ptl);
            m.put_page(pfn);
            return VmFault::empty();
        }
        // pmdp_huge_clear_flush, then map_anon_folio_pmd over the
        // deposited table that stays.
        self.pmdp_huge_get_and_clear(vmf.pmd);
        m.flush_tlb_mm_range(self, haddr, haddr + (PAGE_SIZE << order), PAGE_SHIFT + order);
        self.folio_add_new_anon_rmap_pmd(pfn, nr, vma, anon_vma, haddr);
        let mut entry = Pte::page(pfn, vma.page_prot).with(PteFlags::DIRTY | PteFlags::ACCESSED);
        if vma.flags.contains(VmFlags::WRITE) {
            entry = entry.with(PteFlags::WRITE);
        }
        self.set_pmd_at(vmf.pmd, entry);
        m.vmstat.count(VmEvent::ThpFaultAlloc, 1);
        m.count_mthp_stat(order, MthpStat::AnonFaultAlloc);
        trace_note!(m.trace, "do_huge_zero_wp_pmd", "{:#x} -> huge {}", haddr, describe_pte(m, entry));
        VmFault::empty()
    }

    /// `__split_huge_pmd`: the leaf at `pmd` becomes its deposited PTE
    /// table, mapping the same pages with the leaf's attributes (the huge
    /// zero folio becomes 512 entries of the zero page).  The pages keep
    /// their counts: each was mapped once by the leaf and is now mapped
    /// once by its entry, with the leaf's attributes (dirty and young
    /// included).  False if the entry is no leaf.
    pub(crate) fn __split_huge_pmd(&self, pmd: Slot, address: u64) -> bool {
        let m = &*self.machine;
        let Some(order) = m.hpage_pmd_order() else {
            return false;
        };
        let size = PAGE_SIZE << order;
        let haddr = address & !(size - 1);
        let _ptl = self.pmd_lock(pmd);
        let Some(orig) = self.pmd_huge(pmd) else {
            return false;
        };
        let _t = trace_enter!(m.trace, "__split_huge_pmd", "{:#x}: {}", haddr, describe_pte(m, orig));
        m.vmstat.count(VmEvent::ThpSplitPmd, 1);
        let table = self.pgtable_trans_huge_withdraw(pmd);
        let first = orig.pfn().expect("a leaf maps a page");
        let nr = 1u64 << order;
        if !m.is_huge_zero_pfn(first) && !m.phys.page(first).is_anon() {
            // A file leaf is not split into PTEs: it is dropped, and the
            // next access faults the pages in again from the page cache.
            m.phys.write_u64(pmd.table, pmd.idx, 0);
            drop(_ptl);
            m.flush_tlb_mm_range(self, haddr, haddr + size, PAGE_SHIFT + order);
            if orig.flags().contains(PteFlags::DIRTY) {
                m.folio_mark_dirty_file(first, nr);
            }
            self.zap_file_pmd_folio(first, nr);
            self.counters.nr_ptes.fetch_sub(1, Ordering::Relaxed);
            self.pte_free(table);
            trace_note!(m.trace, "__split_huge_pmd", "{:#x}: file leaf dropped", haddr);
            return true;
        }
        // The PTEs map the pages one by one: they live apart from now on.
        m.folio_split_pages(first);
        if m.is_huge_zero_pfn(first) {
            // __split_huge_zero_page_pmd
            let raw = m.arch.encode_pte(Pte::page(m.zero_pfn, orig.flags()));
            for i in 0..nr as usize {
                m.phys.write_u64(table, i, raw);
            }
        } else {
            let flags = orig.flags();
            for i in 0..nr {
                m.phys.write_u64(table, i as usize, m.arch.encode_pte(Pte::page(Pfn(first.0 + i), flags)));
            }
            m.folio_mod_entire_mapcount(first, -1);
        }
        // pmdp_invalidate, then pmd_populate with the filled table.
        m.phys.write_u64(pmd.table, pmd.idx, m.arch.mk_table(PMD_LEVEL, table));
        drop(_ptl);
        // flush_pmd_tlb_range: one flush for the 2 MiB.
        m.flush_tlb_mm_range(self, haddr, haddr + size, PAGE_SHIFT + order);
        true
    }

    /// `split_folio` of the anonymous folio the leaf at `pmd` maps, when
    /// this leaf alone holds it (`can_split_folio`): the leaf is split,
    /// the folio becomes pages of its own (`thp_split_page`), and those
    /// that hold only zeroes are remapped to the shared zero page and
    /// freed (`remap_page` with `RMP_USE_SHARED_ZEROPAGE`:
    /// `try_to_map_unused_to_zeropage`), unless the VMA or the page is
    /// mlocked.  False, and nothing changed, if the folio is held
    /// elsewhere too; the huge zero folio's leaf is just split.
    pub(crate) fn split_folio(&self, vma: &Vma, pmd: Slot, haddr: u64) -> bool {
        let m = &*self.machine;
        let Some(head) = self.pmd_huge(pmd).and_then(|l| l.pfn()) else {
            return false;
        };
        if m.is_huge_zero_pfn(head) {
            return self.__split_huge_pmd(pmd, haddr);
        }
        let nr = 1u64 << m.hpage_pmd_order().expect("a leaf exists");
        m.folio_split_pages(head);
        let alone = (0..nr).all(|i| {
            let p = m.phys.page(Pfn(head.0 + i));
            p.mapcount() == 1 && p.refcount() == 1
        });
        if !alone || !self.__split_huge_pmd(pmd, haddr) {
            return false;
        }
        let _t = trace_enter!(m.trace, "split_folio", "folio {:#x}", head.0);
        let TableEntry::Table(table) = self.read_table(PMD_LEVEL, pmd) else {
            return false;
        };
        let zero = Pte::page(m.zero_pfn, vma.page_prot | PteFlags::SPECIAL);
        let locked = vma.flags.contains(VmFlags::LOCKED);
        let mut freed = Vec::new();
        {
            let _ptl = self.pte_lock(table);
            for i in 0..nr {
                let p = Pfn(head.0 + i);
                let page = m.phys.page(p);
                page.clear_flags(PageFlags::HEAD | PageFlags::TAIL | PageFlags::OWNER_2);
                if locked || page.test(PageFlags::MLOCKED) || !m.phys.frame_is_zero(p) {
                    continue;
                }
                self.set_pte(Slot { table, idx: i as usize }, zero);
                self.folio_remove_rmap_pte(p, vma);
                freed.push(p);
            }
        }
        m.vmstat.count(VmEvent::ThpSplitPage, 1);
        if !freed.is_empty() {
            m.flush_tlb_mm_range(self, haddr, haddr + (nr << PAGE_SHIFT), PAGE_SHIFT);
            trace_note!(m.trace, "remap_page", "{} zero-filled pages remapped to the zero page", freed.len());
            m.release_pages(&freed);
        }
        true
    }

    /// `split_huge_pmd_address` for each PMD leaf over `[start, end)`,
    /// leaving the leaves that lie whole inside it when `keep_whole`.
    pub(crate) fn split_huge_pmd_range(&self, start: u64, end: u64, keep_whole: bool) {
        self.for_each_huge_pmd(start, end, |haddr, pmd, _| {
            let size = self.entry_size(PMD_LEVEL);
            if keep_whole && haddr >= start && haddr + size <= end {
                return;
            }
            self.__split_huge_pmd(pmd, haddr);
        });
    }

    /// Calls `f(haddr, slot, leaf)` for each PMD leaf overlapping
    /// `[start, end)`; `f` may split or clear the leaf it is given.
    pub(crate) fn for_each_huge_pmd(&self, start: u64, end: u64, mut f: impl FnMut(u64, Slot, Pte)) {
        // Leaves in the range are installed and removed by holders of the
        // locks the caller holds (the `mmap_lock` or the VMA's), so the
        // count read here is exact for them.
        if self.machine.hpage_pmd_order().is_none() || self.nr_pmd_huge_pte.load(Ordering::Relaxed) == 0 {
            return;
        }
        let size = self.entry_size(PMD_LEVEL);
        let mut a = start & !(size - 1);
        while a < end {
            if let Some(pmd) = self.pmd_offset(a)
                && let Some(leaf) = self.pmd_huge(pmd)
            {
                f(a, pmd, leaf);
            }
            a = match a.checked_add(size) {
                Some(n) => n,
                None => break,
            };
        }
    }

    /// `zap_huge_pmd`: clears a leaf that lies whole in the zapped range;
    /// its pages lose a mapping and a reference, and its deposited table
    /// is freed.
    pub(crate) fn zap_huge_pmd(&self, tlb: &mut MmuGather<'_>, vma: &Vma, pmd: Slot, haddr: u64) {
        let m = &*self.machine;
        let _ptl = self.pmd_lock(pmd);
        let Some(orig) = self.pmdp_huge_get_and_clear(pmd) else {
            return;
        };
        let order = m.hpage_pmd_order().expect("a leaf exists");
        let nr = 1u64 << order;
        tlb.remove_pmd_tlb_entry(haddr);
        let table = self.pgtable_trans_huge_withdraw(pmd);
        self.counters.nr_ptes.fetch_sub(1, Ordering::Relaxed);
        tlb.free_table(table, haddr);
        let first = orig.pfn().expect("a leaf maps a page");
        if m.is_huge_zero_pfn(first) {
            trace_note!(m.trace, "zap_huge_pmd", "{:#x}: huge zero folio", haddr);
            return;
        }
        if vma.flags.contains(VmFlags::LOCKED) {
            // munlock_folio works page by page here.
            m.folio_split_pages(first);
        }
        m.folio_mod_entire_mapcount(first, -1);
        let anon = m.phys.page(first).is_anon();
        if !anon && orig.flags().contains(PteFlags::DIRTY) {
            m.folio_mark_dirty_file(first, nr);
        }
        if m.phys.page(first).test(PageFlags::LARGE_RMAPPABLE) {
            // folio_remove_rmap_pmd, tlb_remove_page_size: the folio's one
            // reference, freed with the block.
            tlb.remove_page(first);
        } else {
            for i in 0..nr {
                let p = Pfn(first.0 + i);
                crate::rmap::folio_remove_rmap_ptes(m.phys.page(p), p, 1);
                if vma.flags.contains(VmFlags::LOCKED) {
                    m.lru_ctx().munlock_folio(p);
                }
                tlb.remove_page(p);
            }
        }
        let rss = if anon { &self.counters.anon_rss } else { &self.counters.file_rss };
        rss.add(-(nr as i64));
        trace_note!(m.trace, "zap_huge_pmd", "{:#x}: folio {:#x}, {} pages", haddr, first.0, nr);
    }
}

impl Machine {
    /// `folio_mark_dirty` of the page-cache folio of `nr` pages at `head`
    /// whose PMD leaf was dirty when it went (`pmd_dirty`).
    pub(crate) fn folio_mark_dirty_file(&self, head: Pfn, nr: u64) {
        let Some(inode) = self.page_inode(head) else { return };
        for i in 0..nr {
            let p = Pfn(head.0 + i);
            let index = self.phys.page(p).index.load(Ordering::Relaxed);
            inode.mapping.folio_mark_dirty(&inode, index, p);
        }
    }
}

impl MmStruct {
    /// The rmap side of dropping a file leaf that mapped the page-cache
    /// folio at `head` (`folio_remove_rmap_pmd`, `folio_put`): each page
    /// loses the leaf's mapping and reference.  A page mlocked stays so
    /// only through other locked mappings (the leaf's VMA is not at hand
    /// here: an mlocked page is taken as locked by it).
    fn zap_file_pmd_folio(&self, head: Pfn, nr: u64) {
        let m = &*self.machine;
        m.folio_mod_entire_mapcount(head, -1);
        for i in 0..nr {
            let p = Pfn(head.0 + i);
            let page = m.phys.page(p);
            crate::rmap::folio_remove_rmap_ptes(page, p, 1);
            if page.test(PageFlags::MLOCKED) {
                m.lru_ctx().munlock_folio(p);
            }
            m.put_page(p);
        }
        self.counters.file_rss.add(-(nr as i64));
    }

    /// `thp_vma_suitable_order` of a file VMA: the aligned block of
    /// `order` around `address` lies inside the VMA, at a file offset
    /// that keeps a folio of that order aligned.
    pub(crate) fn thp_vma_suitable_order(vma: &Vma, address: u64, order: u32) -> bool {
        let size = PAGE_SIZE << order;
        let haddr = address & !(size - 1);
        ((vma.start >> PAGE_SHIFT).wrapping_sub(vma.pgoff)).is_multiple_of(1 << order)
            && haddr >= vma.start
            && haddr.checked_add(size).is_some_and(|e| e <= vma.end)
    }

    /// `do_set_pmd`: maps the PMD-sized page-cache folio at `head` with
    /// one leaf at the fault's 2 MiB block, taking over the caller's
    /// reference on `page` (a page of it) and one more on each other page.
    /// `FALLBACK` (nothing done) if the VMA takes no THP (`VM_NOHUGEPAGE`),
    /// does not hold the whole block at the folio's offset, or the PMD
    /// entry is not empty.  A write fault maps it dirty, and writable in a
    /// writable VMA.  The leaf gets a table deposited, as anonymous ones
    /// do, so that every leaf is alike to the page-table code.
    pub(crate) fn do_set_pmd(&self, vmf: &VmFaultCtx<'_>, head: Pfn, page: Pfn) -> VmFault {
        let m = &*self.machine;
        let vma = vmf.vma;
        let Some(order) = m.hpage_pmd_order() else {
            return VmFault::FALLBACK;
        };
        let haddr = vmf.address & !((PAGE_SIZE << order) - 1);
        if vma.flags.contains(VmFlags::NOHUGEPAGE) || !Self::thp_vma_suitable_order(vma, haddr, order) {
            return VmFault::FALLBACK;
        }
        let Some(table) = self.pte_alloc_one() else {
            return VmFault::OOM;
        };
        let _ptl = self.pmd_lock(vmf.pmd);
        if m.phys.read_u64(vmf.pmd.table, vmf.pmd.idx) != 0 {
            drop(_ptl);
            self.pte_free(table);
            return VmFault::FALLBACK;
        }
        let nr = 1u64 << order;
        for i in 0..nr {
            let p = Pfn(head.0 + i);
            if p != page {
                m.get_page(p);
            }
            self.folio_add_file_rmap_pte(p, vma);
        }
        m.folio_mod_entire_mapcount(head, 1);
        self.counters.file_rss.add(nr as i64);
        self.pgtable_trans_huge_deposit(vmf.pmd, table);
        let mut entry = Pte::page(head, vma.page_prot);
        if vmf.is_write() {
            entry = entry.with(PteFlags::DIRTY);
            if vma.flags.contains(VmFlags::WRITE) {
                entry = entry.with(PteFlags::WRITE);
            }
        }
        self.set_pmd_at(vmf.pmd, entry);
        m.vmstat.count(VmEvent::ThpFileMapped, 1);
        trace_note!(m.trace, "do_set_pmd", "{:#x} -> huge {}", haddr, describe_pte(m, entry));
        VmFault::empty()
    }

    /// `copy_huge_pmd`: `fork` shares the folio of the leaf at `src`
    /// (`folio_try_dup_anon_rmap_pmd`) and write-protects both leaves; the
    /// child gets a table of its own to deposit.  The huge zero folio is
    /// shared as it is.
    pub(crate) fn copy_huge_pmd(&self, child: &MmStruct, src: Slot, addr: u64) -> Result<(), VmFault> {
        let m = &*self.machine;
        let table = child.pte_alloc_one().ok_or(VmFault::OOM)?;
        let dst = match child.pmd_alloc_walk(addr) {
            Ok(s) => s,
            Err(e) => {
                child.pte_free(table);
                return Err(e);
            }
        };
        // The child's PMD lock, then the parent's (`copy_huge_pmd`).
        let _cptl = child.pmd_lock(dst);
        let _ptl = self.pmd_lock(src);
        let Some(mut pmd) = self.pmd_huge(src) else {
            child.pte_free(table);
            return Ok(());
        };
        let first = pmd.pfn().expect("a leaf maps a page");
        child.pgtable_trans_huge_deposit(dst, table);
        if !m.is_huge_zero_pfn(first) {
            let nr = 1u64 << m.hpage_pmd_order().expect("a leaf exists");
            if m.phys.page(first).test(PageFlags::LARGE_RMAPPABLE) {
                // folio_try_dup_anon_rmap_pmd of a folio kept whole: the
                // entire mapcount below, the head's flag and reference.
                m.phys.page(first).clear_flags(PageFlags::ANON_EXCLUSIVE);
                m.get_page(first);
            } else {
                for i in 0..nr {
                    let p = Pfn(first.0 + i);
                    crate::rmap::folio_try_dup_anon_rmap_pte(m.phys.page(p));
                    m.get_page(p);
                }
            }
            m.folio_mod_entire_mapcount(first, 1);
            child.counters.anon_rss.add(nr as i64);
            if pmd.is_write() {
                pmd = pmd.without(PteFlags::WRITE);
                self.set_pmd_at(src, pmd);
            }
        }
        child.set_pmd_at(dst, pmd.without(PteFlags::ACCESSED));
        Ok(())
    }

    /// `move_huge_pmd`: mremap moves the leaf at `src` (mapping `old`) to
    /// `new`, with its deposited table; false (nothing moved) if the
    /// destination's PMD entry is not empty.
    pub(crate) fn move_huge_pmd(&self, tlb: &mut MmuGather<'_>, src: Slot, old: u64, new: u64) -> bool {
        let Ok(dst) = self.pmd_alloc_walk(new) else {
            return false;
        };
        // The old PMD's lock, then the new one's if another table holds it.
        let _ptl = self.pmd_lock(src);
        let _new_ptl = (dst.table != src.table).then(|| self.pmd_lock(dst));
        if self.machine.phys.read_u64(dst.table, dst.idx) != 0 {
            return false;
        }
        let Some(leaf) = self.pmdp_huge_get_and_clear(src) else {
            return false;
        };
        let table = self.pgtable_trans_huge_withdraw(src);
        self.pgtable_trans_huge_redeposit(dst, table);
        self.set_pmd_at(dst, leaf);
        tlb.remove_pmd_tlb_entry(old);
        trace_note!(self.machine.trace, "move_huge_pmd", "{:#x} -> {:#x}", old, new);
        true
    }

    /// `change_huge_pmd`: mprotect of a whole leaf rewrites its
    /// protection (`pmd_modify`); true if it changed.  `PROT_NONE` keeps
    /// the leaf too, the huge zero folio's as well: a leaf the hardware
    /// does not see and the kernel still counts as mapped.
    pub(crate) fn change_huge_pmd(&self, vma: &Vma, pmd: Slot) -> bool {
        let m = &*self.machine;
        let newprot = vma.page_prot;
        let _ptl = self.pmd_lock(pmd);
        let Some(old) = self.pmd_huge(pmd) else {
            return false;
        };
        let first = old.pfn().expect("a leaf maps a page");
        let keep = old.flags() & (PteFlags::DIRTY | PteFlags::ACCESSED | PteFlags::SOFT_DIRTY | PteFlags::SPECIAL);
        let mut new = Pte::page(first, newprot | keep);
        // can_change_pmd_writable: an exclusive anonymous folio's dirty
        // leaf may become writable at once in a writable private VMA.
        if vma.flags.contains(VmFlags::WRITE)
            && !m.is_huge_zero_pfn(first)
            && m.phys.page(first).test(PageFlags::ANON_EXCLUSIVE)
            && keep.contains(PteFlags::DIRTY)
        {
            new = new.with(PteFlags::WRITE);
        }
        if new == old {
            return false;
        }
        self.set_pmd_at(pmd, new);
        true
    }
}
