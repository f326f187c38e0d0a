//! `madvise` (mm/madvise.c: `madvise_walk_vmas`, `madvise_vma_behavior`,
//! `madvise_update_vma`, `madvise_dontneed_free`, `madvise_pageout`).

use super::vma::vma_modify_flags;
use super::{MmState, MmStruct};
use crate::arch::{Pte, PteFlags};
use crate::errno::{Errno, SysResult};
use crate::flags::{Advice, PageFlags, VmFlags};
use crate::memory::MmuGather;
use crate::types::{PAGE_MASK, page_align};
use crate::{trace_enter, trace_note};

impl MmStruct {
    /// The `madvise` system call.  `advice` is the raw `MADV_*` number.
    pub fn do_madvise(&self, start: u64, len_in: u64, advice: u64) -> SysResult<()> {
        let m = &*self.machine;
        let advice = Advice::from_raw(advice).filter(|a| madvise_behavior_valid(*a)).ok_or(Errno::EINVAL)?;
        if start & !PAGE_MASK != 0 {
            return Err(Errno::EINVAL);
        }
        let len = page_align(len_in).unwrap_or(0);
        if len_in != 0 && len == 0 {
            return Err(Errno::EINVAL);
        }
        let end = start.checked_add(len).ok_or(Errno::EINVAL)?;
        if end == start {
            return Ok(());
        }
        if matches!(advice, Advice::Cold | Advice::PageOut) {
            // madvise_need_mmap_write: no VMA changes, so the read side,
            // which lets reclaim's reverse-map walk lock this address
            // space too.
            let st = self.mmap_lock.read();
            let _t = trace_enter!(m.trace, "do_madvise", "{:#x}-{:#x} {}", start, end, advice.name());
            return self.madvise_cold_or_pageout(&st, start, end, advice == Advice::PageOut);
        }
        let mut st = self.mmap_lock.write();
        let _t = trace_enter!(m.trace, "do_madvise", "{:#x}-{:#x} {}", start, end, advice.name());
        self.madvise_walk_vmas(&mut st, start, end, advice)
    }

    /// `madvise_walk_vmas`: applies the advice to every VMA in the range;
    /// holes make the call return `ENOMEM` after everything mapped was
    /// advised; an error from one VMA stops the walk.
    fn madvise_walk_vmas(&self, st: &mut MmState, start: u64, last_end: u64, advice: Advice) -> SysResult<()> {
        let mut unmapped_error = Ok(());
        let mut range_start = start;
        let mut vma = st.vmas.find(start).map(|v| v.start);
        loop {
            let Some(vs) = vma else {
                return Err(Errno::ENOMEM);
            };
            let v = st.vmas.get(vs).expect("vma exists");
            if range_start < v.start {
                unmapped_error = Err(Errno::ENOMEM);
                range_start = v.start;
                if range_start >= last_end {
                    break;
                }
            }
            let range_end = v.end.min(last_end);
            let cur = self.madvise_vma_behavior(st, vs, range_start, range_end, advice)?;
            let v = st.vmas.lookup(cur).expect("advised vma exists");
            let range_end = range_end.max(v.end);
            if range_end >= last_end {
                break;
            }
            vma = st.vmas.find(v.end).map(|n| n.start);
            range_start = range_end;
        }
        unmapped_error
    }

    /// `madvise_vma_behavior` for `[start, end)` of the VMA at `vma_start`;
    /// returns an address inside the VMA that now covers `start`.
    fn madvise_vma_behavior(
        &self,
        st: &mut MmState,
        vma_start: u64,
        start: u64,
        end: u64,
        advice: Advice,
    ) -> SysResult<u64> {
        let m = &*self.machine;
        let v = st.vmas.get(vma_start).expect("vma exists");
        let mut new_flags = v.flags;
        match advice {
            Advice::WillNeed | Advice::Cold | Advice::PageOut => return Ok(start),
            Advice::DontNeed | Advice::Free => {
                if v.flags.intersects(VmFlags::PFNMAP | VmFlags::LOCKED) {
                    return Err(Errno::EINVAL);
                }
                if advice == Advice::Free {
                    if !v.is_anonymous() {
                        return Err(Errno::EINVAL);
                    }
                    self.madvise_free(start, end);
                } else {
                    self.madvise_dontneed(st, vma_start, start, end);
                }
                return Ok(start);
            }
            Advice::Normal => new_flags -= VmFlags::RAND_READ | VmFlags::SEQ_READ,
            Advice::Sequential => new_flags = (new_flags - VmFlags::RAND_READ) | VmFlags::SEQ_READ,
            Advice::Random => new_flags = (new_flags - VmFlags::SEQ_READ) | VmFlags::RAND_READ,
            Advice::DontFork => new_flags |= VmFlags::DONTCOPY,
            Advice::DoFork => {
                if new_flags.contains(VmFlags::IO) {
                    return Err(Errno::EINVAL);
                }
                new_flags -= VmFlags::DONTCOPY;
            }
            Advice::WipeOnFork => {
                if !v.is_anonymous() || new_flags.contains(VmFlags::SHARED) {
                    return Err(Errno::EINVAL);
                }
                new_flags |= VmFlags::WIPEONFORK;
            }
            Advice::KeepOnFork => new_flags -= VmFlags::WIPEONFORK,
            Advice::DontDump => new_flags |= VmFlags::DONTDUMP,
            Advice::DoDump => {
                if new_flags.intersects(VmFlags::SPECIAL) {
                    return Err(Errno::EINVAL);
                }
                new_flags -= VmFlags::DONTDUMP;
            }
            Advice::HugePage => new_flags = (new_flags - VmFlags::NOHUGEPAGE) | VmFlags::HUGEPAGE,
            Advice::NoHugePage => new_flags = (new_flags - VmFlags::HUGEPAGE) | VmFlags::NOHUGEPAGE,
            Advice::Mergeable | Advice::Unmergeable | Advice::Remove | Advice::PopulateRead | Advice::PopulateWrite => {
                return Err(Errno::EINVAL);
            }
        }
        // madvise_update_vma
        if new_flags == v.flags {
            return Ok(start);
        }
        let s = vma_modify_flags(m, st, vma_start, start, end, new_flags).map_err(|e| {
            // Resource shortage is reported as EAGAIN by madvise.
            if e == Errno::ENOMEM { Errno::EAGAIN } else { e }
        })?;
        trace_note!(m.trace, "madvise_update_vma", "{}", advice.name());
        Ok(s.max(start))
    }

    /// `MADV_DONTNEED`: zaps the range; empty page tables of whole 2 MiB
    /// blocks inside it are freed (`CONFIG_PT_RECLAIM`).
    fn madvise_dontneed(&self, st: &MmState, vma_start: u64, start: u64, end: u64) {
        let v = st.vmas.get(vma_start).expect("vma exists");
        let mut tlb = MmuGather::new(self);
        self.unmap_page_range(&mut tlb, v, start, end);
        self.reclaim_empty_pte_tables(&mut tlb, start, end);
        tlb.finish();
    }

    /// `MADV_FREE`: anonymous pages become lazily freeable: their entries
    /// lose the accessed and dirty bits and the pages stop being
    /// swap-backed (moving to the inactive file list); a later write
    /// re-dirties them, reclaim drops them if not.  A page whose own dirty
    /// bit is set, or that is in the swap cache, is skipped when another
    /// entry maps it too (`madvise_free_pte_range`).  Swap entries in the
    /// range are freed.
    fn madvise_free(&self, start: u64, end: u64) {
        let m = &*self.machine;
        let mut tlb = MmuGather::new(self);
        let mut lazy = Vec::new();
        let mut swap = 0;
        {
            let _ptl = self.page_table_lock.lock();
            self.for_each_pte(start, end, |va, slot, pte| {
                if let Pte::Swap { ty, offset, .. } = pte {
                    self.set_pte(slot, Pte::None);
                    m.free_swap_and_cache(crate::swap::SwpEntry { ty, offset });
                    swap += 1;
                    return;
                }
                let Some(pfn) = self.vm_normal_page(pte) else {
                    return;
                };
                let page = m.phys.page(pfn);
                if !page.is_anon() {
                    return;
                }
                // Only a page of this mapping alone may lose its dirty bit
                // or its swap slot.  A clean page that is shared (after
                // fork) goes on: its entry here is cleaned and the page
                // becomes lazily freeable, and reclaim keeps it while
                // another entry is dirty.
                if page.test(PageFlags::SWAPCACHE) || page.test(PageFlags::DIRTY) {
                    if page.mapcount() > 1 {
                        return;
                    }
                    // A page in the swap cache loses its slot: its bytes
                    // need not be kept.  If the slot cannot go (swap entries
                    // of other processes still refer to it, or the page is
                    // locked), the page is left as it is: a lazily freed
                    // page must not stay in the swap cache, where nothing
                    // would ever free it.
                    if page.test(PageFlags::SWAPCACHE) && !m.folio_free_swap(pfn) {
                        return;
                    }
                    page.clear_flags(PageFlags::DIRTY);
                }
                if pte.flags().intersects(PteFlags::ACCESSED | PteFlags::DIRTY) {
                    self.set_pte(slot, pte.without(PteFlags::ACCESSED | PteFlags::DIRTY));
                    tlb.remove_tlb_entry(va);
                }
                if page.test(PageFlags::SWAPBACKED) {
                    m.get_page(pfn);
                    lazy.push(pfn);
                }
            });
        }
        if swap > 0 {
            self.counters.swap_ents.fetch_sub(swap, std::sync::atomic::Ordering::Relaxed);
        }
        tlb.finish();
        // folio_mark_lazyfree: off the anonymous lists, onto the inactive
        // file list.
        for &pfn in &lazy {
            let page = m.phys.page(pfn);
            let on_lru = m.reclaim.isolate_folio(m, pfn);
            page.clear_flags(PageFlags::SWAPBACKED | PageFlags::ACTIVE | PageFlags::REFERENCED);
            if on_lru {
                m.reclaim.putback(m, pfn, false);
                m.put_page(pfn);
            }
            m.put_page(pfn);
        }
        m.vmstat.count(crate::vmstat::VmEvent::PgLazyFree, lazy.len() as u64);
        trace_note!(
            m.trace,
            "madvise_free_pte_range",
            "{:#x}-{:#x}: {} pages now lazily freeable{}",
            start,
            end,
            lazy.len(),
            if swap > 0 { format!(", {swap} swap entries freed") } else { String::new() }
        );
    }

    /// `madvise_walk_vmas` for `MADV_COLD` and `MADV_PAGEOUT`, under the
    /// read side of the lock: every VMA in the range must allow LRU
    /// advice (`can_madv_lru_vma`); holes give `ENOMEM` after the rest is
    /// done.
    fn madvise_cold_or_pageout(&self, st: &MmState, start: u64, end: u64, pageout: bool) -> SysResult<()> {
        let mut unmapped_error = Ok(());
        let mut range_start = start;
        let mut cur = st.vmas.find(start);
        loop {
            let Some(v) = cur else {
                return Err(Errno::ENOMEM);
            };
            if range_start < v.start {
                unmapped_error = Err(Errno::ENOMEM);
                range_start = v.start;
                if range_start >= end {
                    break;
                }
            }
            if v.flags.intersects(VmFlags::LOCKED | VmFlags::PFNMAP | VmFlags::HUGETLB) {
                return Err(Errno::EINVAL);
            }
            let range_end = v.end.min(end);
            self.madvise_cold_or_pageout_pte_range(v, range_start, range_end, pageout);
            if range_end >= end {
                break;
            }
            cur = st.vmas.find(v.end);
            range_start = range_end;
        }
        unmapped_error
    }

    /// `madvise_cold_or_pageout_pte_range`: the pages mapped only here
    /// lose their accessed bits and `PG_referenced`; `MADV_COLD` moves them
    /// to the inactive side, `MADV_PAGEOUT` reclaims them at once
    /// (`reclaim_pages`): anonymous pages go to swap if there is any (they
    /// stay otherwise), lazily freed ones that were not written since are
    /// discarded, page-cache pages are unmapped and dropped if clean.
    fn madvise_cold_or_pageout_pte_range(&self, v: &super::Vma, start: u64, end: u64, pageout: bool) {
        let m = &*self.machine;
        let mut tlb = MmuGather::new(self);
        let mut pages = Vec::new();
        {
            let _ptl = self.page_table_lock.lock();
            self.for_each_pte(start, end, |va, slot, pte| {
                let Some(pfn) = self.vm_normal_page(pte) else {
                    return;
                };
                let page = m.phys.page(pfn);
                if page.mapcount() > 1 {
                    // folio_maybe_mapped_shared: other mappings decide.
                    return;
                }
                if pte.flags().contains(PteFlags::ACCESSED) {
                    self.set_pte(slot, pte.without(PteFlags::ACCESSED));
                    tlb.remove_tlb_entry(va);
                }
                page.clear_flags(PageFlags::REFERENCED);
                m.get_page(pfn);
                pages.push(pfn);
            });
        }
        tlb.finish();
        let n = pages.len();
        if !pageout {
            for pfn in pages {
                m.reclaim.folio_deactivate(m, pfn);
                m.put_page(pfn);
            }
            trace_note!(
                m.trace,
                "madvise_cold",
                "{:#x}-{:#x} of {:08x}-{:08x}: {} pages deactivated",
                start,
                end,
                v.start,
                v.end,
                n
            );
            return;
        }
        let mut isolated = Vec::with_capacity(n);
        for pfn in pages {
            if m.reclaim.isolate_folio(m, pfn) {
                isolated.push(pfn);
            }
            m.put_page(pfn);
        }
        let _t = trace_enter!(
            m.trace,
            "madvise_pageout",
            "{:#x}-{:#x} of {:08x}-{:08x}: {} pages",
            start,
            end,
            v.start,
            v.end,
            isolated.len()
        );
        m.reclaim_pages(&isolated);
    }
}

/// `madvise_behavior_valid` for the advice this simulator knows.
fn madvise_behavior_valid(a: Advice) -> bool {
    !matches!(a, Advice::Remove | Advice::Mergeable | Advice::Unmergeable)
}
