//! Anonymous multi-size THP (mTHP): large folios below the PMD size,
//! mapped by PTEs (the per-size half of mm/huge_memory.c, and
//! `alloc_anon_folio`'s choice of order in mm/memory.c).
//!
//! `transparent_hugepage/hugepages-NkB/enabled` (`always`, `inherit`,
//! `madvise`, `never`) gives, per order, whether an anonymous write fault
//! may allocate a folio of that size (`huge_anon_orders_always`,
//! `huge_anon_orders_madvise`, `huge_anon_orders_inherit`).  The fault
//! (`do_anonymous_page`) takes the highest order whose naturally aligned
//! range lies inside the VMA and has no PTE yet, falls back order by
//! order when no block is free, and maps the whole folio with one PTE per
//! page in that one fault.
//!
//! A large folio is a naturally aligned block of the allocator's, split
//! into pages that keep their own reference and map counts, as the PMD
//! THP's are (see `huge_memory.rs`): the head page carries `PG_head` and
//! the folio's order, the others `TAIL`.  So the PTE paths (zap, fork,
//! mprotect, mremap) work on its pages as on any; what is the folio's
//! own is the reuse rule of a write fault
//! (`__wp_can_reuse_large_anon_folio`), the split of a folio that
//! `MADV_COLD`, `MADV_PAGEOUT` or `MADV_FREE` covers in part, and the
//! per-size counters (`hugepages-NkB/stats/*`).

use crate::alloc::Gfp;
use crate::flags::{PageFlags, VmFlags};
use crate::machine::{MTHP_MIN_ORDER, MTHP_SIZES_KB, Machine, ThpDefrag, ThpEnabled, Tunables};
use crate::mm::{AnonVma, MmState, MmStruct, Vma};
use crate::pgtable::Slot;
use crate::phys::PAGE_MAPPING_ANON;
use crate::types::{MAX_PAGE_ORDER, PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::{trace_enter, trace_note};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a large folio's order is kept: bits of its head page's flags
/// word above every `PG_*` bit (the kernel keeps it in the low byte of
/// the folio's second flags word).  0 on a head page is the PMD order, so
/// that a folio made before the order was written needs none.
const FOLIO_ORDER_SHIFT: u32 = 56;
const FOLIO_ORDER_MASK: u64 = 0xf << FOLIO_ORDER_SHIFT;

/// The per-size event counters of `hugepages-NkB/stats/` this model
/// counts, in the kernel's order (`enum mthp_stat_item`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MthpStat {
    AnonFaultAlloc,
    AnonFaultFallback,
    AnonFaultFallbackCharge,
    Split,
    SplitFailed,
    SplitDeferred,
}

impl MthpStat {
    /// Every counter, in sysfs order.
    pub const ALL: [MthpStat; 6] = [
        MthpStat::AnonFaultAlloc,
        MthpStat::AnonFaultFallback,
        MthpStat::AnonFaultFallbackCharge,
        MthpStat::Split,
        MthpStat::SplitFailed,
        MthpStat::SplitDeferred,
    ];

    /// The sysfs file's name.
    pub fn name(self) -> &'static str {
        match self {
            MthpStat::AnonFaultAlloc => "anon_fault_alloc",
            MthpStat::AnonFaultFallback => "anon_fault_fallback",
            MthpStat::AnonFaultFallbackCharge => "anon_fault_fallback_charge",
            MthpStat::Split => "split",
            MthpStat::SplitFailed => "split_failed",
            MthpStat::SplitDeferred => "split_deferred",
        }
    }
}

/// The machine's mTHP state: the enabled orders by setting, fixed when
/// the machine is built, and the per-size counters.
#[derive(Debug, Default)]
pub(crate) struct MthpState {
    /// `huge_anon_orders_always`, `_madvise` and `_inherit`: bit `n` set
    /// for an order `n` below the PMD order whose `enabled` says so.
    always: u32,
    madvise: u32,
    inherit: u32,
    /// `mthp_stats`, by order and [`MthpStat`].
    stats: [[AtomicU64; MthpStat::ALL.len()]; MAX_PAGE_ORDER as usize + 1],
}

impl MthpState {
    /// The order masks `tunables` give.
    pub(crate) fn new(tunables: &Tunables) -> MthpState {
        let mut s = MthpState::default();
        for (i, setting) in tunables.thp_enabled_mthp.iter().enumerate() {
            let bit = 1u32 << (MTHP_MIN_ORDER + i as u32);
            match setting {
                Some(ThpEnabled::Always) => s.always |= bit,
                Some(ThpEnabled::Madvise) => s.madvise |= bit,
                None => s.inherit |= bit,
                Some(ThpEnabled::Never) => {}
            }
        }
        s
    }

    /// Some size below the PMD size is not `never`: the only test a 4 KiB
    /// write fault pays when none is.
    #[inline(always)]
    pub(crate) fn any(&self) -> bool {
        self.always | self.madvise | self.inherit != 0
    }
}

impl Machine {
    /// `count_mthp_stat`.
    #[inline]
    pub(crate) fn count_mthp_stat(&self, order: u32, stat: MthpStat) {
        if let Some(row) = self.mthp.stats.get(order as usize) {
            row[stat as usize].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The per-size counters as sysfs shows them, for each size from
    /// 16 kB to the PMD size: `("hugepages-64kB", [("anon_fault_alloc",
    /// 3), ...])`.
    pub fn mthp_stats(&self) -> Vec<(String, Vec<(&'static str, u64)>)> {
        let top = self.hpage_pmd_order().unwrap_or(MTHP_MIN_ORDER + MTHP_SIZES_KB.len() as u32 - 1);
        (MTHP_MIN_ORDER..=top)
            .map(|order| {
                let row = &self.mthp.stats[order as usize];
                let kb = (PAGE_SIZE << order) >> 10;
                let v = MthpStat::ALL.iter().map(|&s| (s.name(), row[s as usize].load(Ordering::Relaxed))).collect();
                (format!("hugepages-{kb}kB"), v)
            })
            .collect()
    }

    /// Marks the `1 << order` pages at `head` as one large folio
    /// (`prep_compound_page`): `PG_head` and the order on the head, `TAIL`
    /// on the others.
    pub(crate) fn prep_compound_page(&self, head: Pfn, order: u32) {
        let page = self.phys.page(head);
        page.set_flags(PageFlags::HEAD);
        if Some(order) != self.hpage_pmd_order() {
            page.flags.fetch_or(u64::from(order) << FOLIO_ORDER_SHIFT, Ordering::AcqRel);
        }
        for i in 1..1u64 << order {
            self.phys.page(Pfn(head.0 + i)).set_flags(PageFlags::TAIL);
        }
    }

    /// `folio_order` of the large folio headed by `head`.
    #[inline]
    pub(crate) fn folio_order(&self, head: Pfn) -> u32 {
        match (self.phys.page(head).flags.load(Ordering::Acquire) & FOLIO_ORDER_MASK) >> FOLIO_ORDER_SHIFT {
            0 => self.hpage_pmd_order().unwrap_or(0),
            o => o as u32,
        }
    }

    /// `folio_nr_pages` of the large folio headed by `head`.
    #[inline]
    pub(crate) fn folio_nr_pages(&self, head: Pfn) -> u64 {
        1 << self.folio_order(head)
    }

    /// The folio headed by `head` becomes `1 << order` pages of their own
    /// (the end of `__split_folio_to_order`).
    pub(crate) fn clear_compound_page(&self, head: Pfn, nr: u64) {
        self.phys.page(head).flags.fetch_and(!FOLIO_ORDER_MASK, Ordering::AcqRel);
        for i in 0..nr {
            self.phys.page(Pfn(head.0 + i)).clear_flags(PageFlags::HEAD | PageFlags::TAIL | PageFlags::OWNER_2);
        }
    }

    /// The head of the large folio a `TAIL` page belongs to: the nearest
    /// head page at a natural alignment below it (folios are naturally
    /// aligned and do not overlap, so the first one found holds it).
    pub(crate) fn tail_folio_head(&self, pfn: Pfn) -> Option<Pfn> {
        (1..=MAX_PAGE_ORDER).find_map(|o| {
            let c = Pfn(pfn.0 & !((1u64 << o) - 1));
            (c != pfn && self.phys.page(c).test(PageFlags::HEAD) && pfn.0 - c.0 < self.folio_nr_pages(c)).then_some(c)
        })
    }

    /// `folio_large_mapcount` and `folio_ref_count` of a large folio (the
    /// sums over its pages), and whether some page is mapped more than
    /// once (`folio_maybe_mapped_shared`: the model has no per-folio MM
    /// ids, so a folio whose pages two processes map apart counts as
    /// exclusive).
    pub(crate) fn folio_large_counts(&self, head: Pfn) -> (i64, i64, bool) {
        let (mut maps, mut refs, mut shared) = (0i64, 0i64, false);
        for i in 0..self.folio_nr_pages(head) {
            let p = self.phys.page(Pfn(head.0 + i));
            let m = p.mapcount();
            maps += i64::from(m);
            refs += i64::from(p.refcount());
            shared |= m > 1;
        }
        (maps, refs, shared)
    }
}

impl MmStruct {
    /// `thp_vma_allowable_orders` for a page fault, for the orders below
    /// the PMD order: the sizes `enabled` allows in this VMA (`always`;
    /// `madvise` with `VM_HUGEPAGE`; `inherit` as the global setting says),
    /// in an anonymous, private, not special VMA without `VM_NOHUGEPAGE`.
    /// A bit mask of orders.
    pub(crate) fn thp_vma_allowable_orders(&self, vma: &Vma) -> u32 {
        let m = &*self.machine;
        let s = &m.mthp;
        let hugepage = vma.flags.contains(VmFlags::HUGEPAGE);
        let mut mask = s.always;
        if hugepage {
            mask |= s.madvise;
        }
        let global = m.tunables.thp_enabled;
        if global == ThpEnabled::Always || (hugepage && global != ThpEnabled::Never) {
            mask |= s.inherit;
        }
        if mask == 0
            || m.hpage_pmd_order().is_none()
            || vma.flags.intersects(VmFlags::NOHUGEPAGE | VmFlags::SHARED | VmFlags::SPECIAL)
            || !vma.is_anonymous()
            || vma.special_name().is_some()
        {
            return 0;
        }
        mask
    }

    /// `thp_vma_suitable_orders`: the orders of `orders` whose naturally
    /// aligned range around `address` lies inside the VMA (an anonymous
    /// VMA's offset is not checked: mremap may have moved it anywhere).
    pub(crate) fn thp_vma_suitable_orders(vma: &Vma, address: u64, orders: u32) -> u32 {
        let mut out = 0;
        let mut left = orders;
        while left != 0 {
            let order = left.trailing_zeros();
            left &= left - 1;
            let size = PAGE_SIZE << order;
            let haddr = address & !(size - 1);
            if haddr >= vma.start && haddr + size <= vma.end {
                out |= 1 << order;
            }
        }
        out
    }

    /// `vma_alloc_folio` with `vma_thp_gfp_mask` for an mTHP fault: a
    /// zeroed block of `order`, which `defrag` lets reclaim and compact
    /// as it lets a PMD THP fault's (see `vma_alloc_anon_folio_pmd`),
    /// split into pages with a reference each, marked as one folio.
    pub(crate) fn vma_alloc_anon_folio(&self, vma: &Vma, order: u32) -> Option<Pfn> {
        let m = &*self.machine;
        let madvised = vma.flags.contains(VmFlags::HUGEPAGE);
        let (direct, kswapd, noretry) = match m.tunables.thp_defrag {
            ThpDefrag::Always => (true, false, !madvised),
            ThpDefrag::Defer => (false, true, false),
            ThpDefrag::DeferMadvise => (madvised, !madvised, false),
            ThpDefrag::Madvise => (madvised, false, false),
            ThpDefrag::Never => (false, false, false),
        };
        let pfn = m.alloc_pages_thp(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, order, direct, kswapd, noretry)?;
        if !m.split_page(pfn, order) {
            m.free_pages(pfn, order);
            trace_note!(m.trace, "alloc_anon_folio", "the allocator cannot split blocks");
            return None;
        }
        m.prep_compound_page(pfn, order);
        Some(pfn)
    }

    /// `folio_add_new_anon_rmap` of a large folio mapped by PTEs: each of
    /// its `nr` pages gets the anon_vma, its offset, `PageAnonExclusive`
    /// and one mapping, and goes onto the LRU (or is mlocked in a locked
    /// VMA); the rss counter rises once by `nr`.
    pub(crate) fn folio_add_new_anon_rmap_ptes(&self, head: Pfn, nr: u64, vma: &Vma, anon_vma: &AnonVma, address: u64) {
        let m = &*self.machine;
        let mapping = anon_vma.id << 1 | PAGE_MAPPING_ANON;
        let index = vma.linear_page_index(address);
        let mut flags = PageFlags::ANON_EXCLUSIVE | PageFlags::UPTODATE;
        if !vma.flags.contains(VmFlags::DROPPABLE) {
            flags |= PageFlags::SWAPBACKED;
        }
        let mlock = vma.flags & (VmFlags::LOCKED | VmFlags::SPECIAL) == VmFlags::LOCKED;
        let ctx = m.lru_ctx();
        for i in 0..nr {
            let pfn = Pfn(head.0 + i);
            let page = m.phys.page(pfn);
            page.mapping.store(mapping, Ordering::Release);
            page.index.store(index + i, Ordering::Relaxed);
            page.set_flags(flags);
            page.mapcount.store(1, Ordering::Release);
            if mlock {
                ctx.mlock_new_folio(pfn);
            }
        }
        if !mlock {
            m.folio_add_lru_large((0..nr).map(|i| Pfn(head.0 + i)), false);
        }
        self.counters.anon_rss.add(nr as i64);
    }

    /// `pte_range_none`: the `nr` entries from `first` are all empty.
    pub(crate) fn pte_range_none(&self, first: Slot, nr: u64) -> bool {
        (0..nr as usize).all(|i| self.read_pte(Slot { table: first.table, idx: first.idx + i }).is_none())
    }

    /// `__wp_can_reuse_large_anon_folio`: a write to a page of the large
    /// folio at `head` that is not `PageAnonExclusive` reuses it when every
    /// reference to the folio is a mapping of this process: more than one
    /// page mapped (a folio mapped by one page only is copied, to let it
    /// go), no page mapped twice, and as many references as mappings once
    /// a swap-cache reference is dropped.
    pub(crate) fn __wp_can_reuse_large_anon_folio(&self, head: Pfn) -> bool {
        let m = &*self.machine;
        let (maps, _, shared) = m.folio_large_counts(head);
        if maps <= 1 || shared {
            trace_note!(
                m.trace,
                "__wp_can_reuse_large_anon_folio",
                "folio {:#x}: large mapcount {maps}{}: copy",
                head.0,
                if shared { ", mapped shared" } else { "" }
            );
            return false;
        }
        for i in 0..m.folio_nr_pages(head) {
            let p = Pfn(head.0 + i);
            if m.phys.page(p).test(PageFlags::SWAPCACHE) {
                m.folio_free_swap(p);
            }
        }
        let (maps, refs, _) = m.folio_large_counts(head);
        let reuse = maps == refs;
        trace_note!(
            m.trace,
            "__wp_can_reuse_large_anon_folio",
            "folio {:#x}: large mapcount {maps}, refcount {refs}: {}",
            head.0,
            if reuse { "exclusive, reuse" } else { "copy" }
        );
        reuse
    }

    /// `madvise_folio_pte_batch`: from the entry at `va` (mapping page
    /// `pfn` of the folio at `head`), how many entries up to `end` map the
    /// folio's following pages in order.
    pub(crate) fn folio_pte_batch(&self, va: u64, end: u64, pfn: Pfn, head: Pfn) -> u64 {
        let m = &*self.machine;
        let last = head.0 + m.folio_nr_pages(head);
        let mut n = 1;
        while pfn.0 + n < last && va + (n << PAGE_SHIFT) < end {
            let next = self.pte_offset(va + (n << PAGE_SHIFT)).map(|s| self.read_pte(s));
            match next.and_then(|p| self.vm_normal_page(p)) {
                Some(p) if p.0 == pfn.0 + n => n += 1,
                _ => break,
            }
        }
        n
    }

    /// The large folios of `[start, end)` of `vma` mapped by PTEs that the
    /// range covers only in part (`madvise_folio_pte_batch` shorter than
    /// the folio), mapped by no page twice, for `MADV_COLD`,
    /// `MADV_PAGEOUT` (`whole_too`: every large folio, since reclaim
    /// without a swap slot for the whole folio splits it) and
    /// `MADV_FREE` to split first.  Each is split with
    /// [`split_folio_ptes`](Self::split_folio_ptes).
    pub(crate) fn madvise_split_large_folios(&self, st: &MmState, start: u64, end: u64, whole_too: bool) {
        let m = &*self.machine;
        let mut heads: Vec<Pfn> = Vec::new();
        let mut skip_to = start;
        self.for_each_pte(start, end, |va, _, pte| {
            if va < skip_to {
                return;
            }
            let Some(pfn) = self.vm_normal_page(pte) else {
                return;
            };
            let page = m.phys.page(pfn);
            if !page.flags().intersects(PageFlags::HEAD | PageFlags::TAIL) || !page.is_anon() {
                return;
            }
            let Some(head) = m.large_folio_head(pfn) else {
                return;
            };
            let nr = self.folio_pte_batch(va, end, pfn, head);
            skip_to = va + (nr << PAGE_SHIFT);
            if (whole_too || nr < m.folio_nr_pages(head)) && heads.last() != Some(&head) {
                heads.push(head);
            }
        });
        for head in heads {
            if m.folio_large_counts(head).2 {
                trace_note!(m.trace, "madvise", "folio {:#x} maybe mapped shared: not split", head.0);
                continue;
            }
            self.split_folio_ptes(st, head);
        }
    }

    /// `split_folio` of a large anonymous folio mapped by PTEs of this
    /// process only: refused (`split_failed`) if the folio holds a
    /// reference that is no mapping (`can_split_folio`); otherwise its
    /// pages become folios of their own, and those mapped that hold only
    /// zeroes are remapped to the shared zero page and freed (`remap_page`
    /// with `RMP_USE_SHARED_ZEROPAGE`), wherever in the address space
    /// they are mapped (mremap may have moved some), unless mlocked.
    pub(crate) fn split_folio_ptes(&self, st: &MmState, head: Pfn) -> bool {
        let m = &*self.machine;
        let order = m.folio_order(head);
        let nr = 1u64 << order;
        let _t = trace_enter!(m.trace, "split_folio", "folio {:#x}, order {order}", head.0);
        let (maps, refs, _) = m.folio_large_counts(head);
        if maps != refs {
            m.count_mthp_stat(order, MthpStat::SplitFailed);
            if Some(order) == m.hpage_pmd_order() {
                m.vmstat.count(crate::vmstat::VmEvent::ThpSplitPageFailed, 1);
            }
            trace_note!(m.trace, "can_split_folio", "mapcount {maps}, refcount {refs}: extra references");
            return false;
        }
        m.clear_compound_page(head, nr);
        let mut freed = Vec::new();
        let mut flush: Option<(u64, u64)> = None;
        for i in 0..nr {
            let p = Pfn(head.0 + i);
            let page = m.phys.page(p);
            if page.mapcount() != 1 || page.test(PageFlags::MLOCKED) || !m.phys.frame_is_zero(p) {
                continue;
            }
            let Some((va, slot, vma)) = self.anon_page_vma_address(st, p) else {
                continue;
            };
            // Under the table's lock, the entry still maps the page.
            let _ptl = self.pte_lock(slot.table);
            if vma.flags.contains(VmFlags::LOCKED) || self.read_pte(slot).pfn() != Some(p) {
                continue;
            }
            let zero = crate::arch::Pte::page(m.zero_pfn, vma.page_prot | crate::arch::PteFlags::SPECIAL);
            self.set_pte(slot, zero);
            self.folio_remove_rmap_pte(p, vma);
            freed.push(p);
            flush = Some(flush.map_or((va, va + PAGE_SIZE), |(a, b)| (a.min(va), b.max(va + PAGE_SIZE))));
        }
        m.count_mthp_stat(order, MthpStat::Split);
        if Some(order) == m.hpage_pmd_order() {
            m.vmstat.count(crate::vmstat::VmEvent::ThpSplitPage, 1);
        }
        if let Some((a, b)) = flush {
            m.flush_tlb_mm_range(self, a, b, PAGE_SHIFT);
            trace_note!(m.trace, "remap_page", "{} zero-filled pages remapped to the zero page", freed.len());
            m.release_pages(&freed);
        }
        true
    }

    /// Where this address space maps the anonymous page `pfn`: the VMA
    /// of its anon_vma whose offsets hold the page's index and whose entry
    /// at that address maps it (`page_vma_mapped_walk`), the address and
    /// the entry's slot.
    fn anon_page_vma_address<'a>(&self, st: &'a MmState, pfn: Pfn) -> Option<(u64, Slot, &'a Vma)> {
        let page = self.machine.phys.page(pfn);
        let w = page.mapping.load(Ordering::Acquire);
        if w & PAGE_MAPPING_ANON == 0 {
            return None;
        }
        let id = w >> 1;
        let index = page.index.load(Ordering::Relaxed);
        st.vmas
            .iter()
            .filter(|v| index >= v.pgoff && index - v.pgoff < v.pages())
            .filter(|v| v.anon_vma().is_some_and(|a| a.id == id) || v.anon_vma_parents.iter().any(|a| a.id == id))
            .find_map(|v| {
                let va = v.start + ((index - v.pgoff) << PAGE_SHIFT);
                let slot = self.pte_offset(va)?;
                (self.vm_normal_page(self.read_pte(slot)) == Some(pfn)).then_some((va, slot, v))
            })
    }
}
