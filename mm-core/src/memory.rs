//! Tearing down mappings (mm/memory.c, mm/mmu_gather.c): zapping PTEs and
//! freeing page tables through an `MmuGather` that flushes the TLB
//! before the freed pages and tables can be reused.  `change_protection`
//! (`mm/mprotect.rs`) and `move_page_tables` (`mm/mremap.rs`) flush
//! through it too.

use crate::arch::{Pte, PteFlags};
use crate::flags::PageFlags;
use crate::mm::{MmStruct, Vma};
use crate::rmap::folio_remove_rmap_ptes;
use crate::trace_note;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use std::sync::atomic::Ordering;

/// `struct mmu_gather`: collects the range whose translations must be
/// flushed and the pages and tables to free once they are.  Dropping it
/// (or calling [`finish`](MmuGather::finish)) flushes, then frees.
#[must_use = "the TLB is flushed and pages freed when the gather finishes"]
pub(crate) struct MmuGather<'a> {
    mm: &'a MmStruct,
    start: u64,
    end: u64,
    cleared_ptes: bool,
    cleared_pmds: bool,
    freed_tables: bool,
    pages: Vec<Pfn>,
    tables: Vec<Pfn>,
}

impl<'a> MmuGather<'a> {
    /// `tlb_gather_mmu`.
    pub(crate) fn new(mm: &'a MmStruct) -> MmuGather<'a> {
        MmuGather {
            mm,
            start: u64::MAX,
            end: 0,
            cleared_ptes: false,
            cleared_pmds: false,
            freed_tables: false,
            pages: Vec::new(),
            tables: Vec::new(),
        }
    }

    /// `tlb_remove_tlb_entry`: the translation of `va` must be flushed.
    #[inline]
    pub(crate) fn remove_tlb_entry(&mut self, va: u64) {
        self.start = self.start.min(va);
        self.end = self.end.max(va + PAGE_SIZE);
        self.cleared_ptes = true;
    }

    /// `tlb_remove_pmd_tlb_entry`: the translation of the PMD leaf at
    /// `haddr` must be flushed (one flush for its 2 MiB, unless PTEs were
    /// cleared too).
    pub(crate) fn remove_pmd_tlb_entry(&mut self, haddr: u64) {
        self.start = self.start.min(haddr);
        self.end = self.end.max(haddr + self.mm.entry_size(crate::arch::PMD_LEVEL));
        self.cleared_pmds = true;
    }

    /// `__tlb_remove_page`: drop a reference to `pfn` after the flush.
    #[inline]
    pub(crate) fn remove_page(&mut self, pfn: Pfn) {
        self.pages.push(pfn);
    }

    /// `pte_free_tlb` and friends: free a page-table page after the flush;
    /// `addr` is the start of the range it translated.
    pub(crate) fn free_table(&mut self, pfn: Pfn, addr: u64) {
        self.start = self.start.min(addr);
        self.end = self.end.max(addr + PAGE_SIZE);
        self.freed_tables = true;
        self.tables.push(pfn);
    }

    fn flush(&mut self) {
        if self.cleared_ptes || self.cleared_pmds || self.freed_tables {
            let stride = if self.cleared_ptes { PAGE_SHIFT } else { self.mm.machine.geometry.shifts[1] };
            self.mm.machine.flush_tlb_mm_range(self.mm, self.start, self.end, stride);
        }
        self.start = u64::MAX;
        self.end = 0;
        self.cleared_ptes = false;
        self.cleared_pmds = false;
        self.freed_tables = false;
    }

    /// `tlb_finish_mmu`: flush, then free.
    pub(crate) fn finish(self) {
        // Dropping does the work.
    }

    fn finish_inner(&mut self) {
        if !self.cleared_ptes
            && !self.cleared_pmds
            && !self.freed_tables
            && self.pages.is_empty()
            && self.tables.is_empty()
        {
            return;
        }
        self.flush();
        let m = &self.mm.machine;
        // free_pages_and_swap_cache: a page nobody maps any more leaves the
        // swap cache if no swap entry refers to its slot.
        for &pfn in &self.pages {
            if m.phys.page(pfn).test(PageFlags::SWAPCACHE) && m.phys.page(pfn).mapcount() == 0 {
                m.folio_free_swap(pfn);
            }
        }
        m.release_pages(&self.pages);
        self.pages.clear();
        for pfn in self.tables.drain(..) {
            m.phys.page(pfn).clear_flags(PageFlags::PGTABLE);
            m.put_page(pfn);
        }
    }
}

impl Drop for MmuGather<'_> {
    fn drop(&mut self) {
        self.finish_inner();
    }
}

/// What `zap_pte_range` dropped, for traces.
#[derive(Default)]
struct ZapCount {
    pages: u64,
    zero: u64,
    anon: i64,
    file: i64,
    swap: i64,
    markers: u64,
}

impl MmStruct {
    /// `vm_normal_page`: the page behind a present entry, or `None` for the
    /// zero page (special entries have no refcounted page).
    #[inline]
    pub(crate) fn vm_normal_page(&self, pte: Pte) -> Option<Pfn> {
        match pte {
            Pte::Page { pfn, flags } if !flags.contains(PteFlags::SPECIAL) => Some(pfn),
            _ => None,
        }
    }

    /// `unmap_page_range` / `zap_pte_range`: clears every entry of `vma` in
    /// `[start, end)`, dropping the pages' map counts now and their
    /// references after the TLB flush.  Guard markers go only with
    /// `drop_markers` (`ZAP_FLAG_DROP_MARKER`: `munmap`, `exit`); an
    /// ordinary zap (`MADV_DONTNEED`) keeps them.
    pub(crate) fn unmap_page_range(
        &self,
        tlb: &mut MmuGather<'_>,
        vma: &Vma,
        start: u64,
        end: u64,
        drop_markers: bool,
    ) {
        self.zap_page_range_details(tlb, vma, start, end, drop_markers, true);
    }

    /// `zap_page_range_single` with `zap_details`; `unmap_page_range` for
    /// every zap.  Without `even_cows` (a file's truncation,
    /// `unmap_mapping_range`), the anonymous pages of a private mapping
    /// (copies made on write) and its swap entries stay
    /// (`should_zap_cows`, `should_zap_folio`); the file's own pages and
    /// zero-page entries go.
    pub(crate) fn zap_page_range_details(
        &self,
        tlb: &mut MmuGather<'_>,
        vma: &Vma,
        start: u64,
        end: u64,
        drop_markers: bool,
        even_cows: bool,
    ) {
        let mut n = ZapCount::default();
        let m = &*self.machine;
        // zap_pmd_range: a leaf inside the range goes whole, one the range
        // only covers part of is split first (an anonymous VMA's leaves
        // hold cows, which a file's truncation leaves; a file VMA's leaves
        // map the page cache and always go).
        if even_cows || !vma.is_anonymous() {
            let size = self.entry_size(crate::arch::PMD_LEVEL);
            self.for_each_huge_pmd(start, end, |haddr, pmd, _| {
                if haddr >= start && haddr + size <= end {
                    self.zap_huge_pmd(tlb, vma, pmd, haddr);
                } else {
                    self.__split_huge_pmd(pmd, haddr);
                }
            });
        }
        // Pages of large folios that lost their last mapping here.
        let mut large: smallvec::SmallVec<[Pfn; 4]> = smallvec::SmallVec::new();
        // The page-table lock is taken at the first entry found, so that a
        // range without page tables costs only the walk.
        let mut ptl = crate::pgtable::PtlWalk::new(self);
        self.for_each_pte(start, end, |va, slot, pte| {
            if !even_cows {
                let cow = match pte {
                    Pte::Swap { .. } => true,
                    Pte::Page { .. } => self.vm_normal_page(pte).is_some_and(|pfn| m.phys.page(pfn).is_anon()),
                    Pte::None | Pte::Marker(_) => false,
                };
                if cow {
                    return;
                }
            }
            ptl.lock(slot.table);
            if let Pte::Marker(_) = pte {
                // zap_nonpresent_ptes: ordinary zapping keeps guard markers.
                if drop_markers {
                    m.phys.write_u64(slot.table, slot.idx, 0);
                    n.markers += 1;
                }
                return;
            }
            m.phys.write_u64(slot.table, slot.idx, 0);
            match pte {
                Pte::Page { .. } => {
                    tlb.remove_tlb_entry(va);
                    match self.vm_normal_page(pte) {
                        Some(pfn) => {
                            // zap_present_folio_ptes: a file page written
                            // through this entry is dirty in the cache.
                            if pte.flags().contains(PteFlags::DIRTY)
                                && let Some(file) = vma.file()
                                && !m.phys.page(pfn).is_anon()
                            {
                                let index = m.phys.page(pfn).index.load(Ordering::Relaxed);
                                file.inode.mapping.folio_mark_dirty(&file.inode, index, pfn);
                            }
                            // folio_remove_rmap_ptes, the rss counters
                            // adjusted once at the end.
                            let page = m.phys.page(pfn);
                            folio_remove_rmap_ptes(page, pfn, 1);
                            if page.mapcount() == 0
                                && page.flags().intersects(PageFlags::HEAD | PageFlags::TAIL)
                                && let Some(head) = m.large_folio_head(pfn)
                                && large.last() != Some(&head)
                            {
                                large.push(head);
                            }
                            if vma.flags.contains(crate::flags::VmFlags::LOCKED) {
                                m.lru_ctx().munlock_folio(pfn);
                            }
                            if page.is_anon() {
                                n.anon += 1;
                            } else {
                                n.file += 1;
                            }
                            tlb.remove_page(pfn);
                            n.pages += 1;
                        }
                        None => n.zero += 1,
                    }
                }
                Pte::Swap { ty, offset, .. } => {
                    // free_swap_and_cache
                    m.free_swap_and_cache(crate::swap::SwpEntry { ty, offset });
                    n.swap += 1;
                }
                Pte::None | Pte::Marker(_) => {}
            }
        });
        // __folio_remove_rmap: a folio with pages left mapped after the
        // zap is partially mapped.
        drop(ptl);
        for head in large {
            m.deferred_split_folio(head);
        }
        if n.swap > 0 {
            self.counters.swap_ents.fetch_sub(n.swap, Ordering::Relaxed);
        }
        if n.anon > 0 {
            self.counters.anon_rss.add(-n.anon);
        }
        if n.file > 0 {
            self.counters.file_rss.add(-n.file);
        }
        if n.pages + n.zero + n.swap as u64 + n.markers > 0 {
            trace_note!(
                m.trace,
                "zap_pte_range",
                "{:#x}-{:#x} of {:08x}-{:08x}: {} pages, {} zero-page entries{}{}",
                start,
                end,
                vma.start,
                vma.end,
                n.pages,
                n.zero,
                if n.swap > 0 { format!(", {} swap entries", n.swap) } else { String::new() },
                if n.markers > 0 { format!(", {} guard markers", n.markers) } else { String::new() }
            );
        }
    }

    /// `free_pgtables`: frees the page tables of the removed `vmas`
    /// (ascending), grouping VMAs less than a PMD apart; `floor` is the end
    /// of the VMA below them and `ceiling` the start of the VMA above (0:
    /// none).
    pub(crate) fn free_pgtables(&self, tlb: &mut MmuGather<'_>, vmas: &[Vma], floor: u64, ceiling: u64) {
        let pmd_size = self.entry_size(crate::arch::PMD_LEVEL);
        let mut i = 0;
        while i < vmas.len() {
            let addr = vmas[i].start;
            let mut last = i;
            while last + 1 < vmas.len() && vmas[last + 1].start <= vmas[last].end + pmd_size {
                last += 1;
            }
            let group_ceiling = if last + 1 < vmas.len() { vmas[last + 1].start } else { ceiling };
            self.free_pgd_range(tlb, addr, vmas[last].end, floor, group_ceiling);
            i = last + 1;
        }
    }
}
