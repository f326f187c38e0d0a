//! `madvise` (mm/madvise.c: `madvise_walk_vmas`, `madvise_vma_behavior`,
//! `madvise_update_vma`, `madvise_dontneed_free`, `madvise_pageout`).

use super::vma::vma_modify_flags;
use super::{MmState, MmStruct};
use crate::arch::{Pte, PteFlags, PteMarker};
use crate::errno::{Errno, SysResult};
use crate::fault::FaultCounters;
use crate::flags::{Advice, PageFlags, VmFlags};
use crate::memory::MmuGather;
use crate::types::{PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Pfn, page_align};
use crate::{trace_enter, trace_note};
use std::sync::atomic::Ordering;

impl MmStruct {
    /// The `madvise` system call.  `advice` is the raw `MADV_*` number.
    /// Faults `MADV_POPULATE_READ`/`WRITE` makes count for `counters`.
    pub fn do_madvise(&self, counters: &FaultCounters, start: u64, len_in: u64, advice: u64) -> SysResult<()> {
        let m = &*self.machine;
        let advice = Advice::from_syscall_arg(advice).filter(|a| madvise_behavior_valid(*a)).ok_or(Errno::EINVAL)?;
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
        if matches!(advice, Advice::PopulateRead | Advice::PopulateWrite) {
            let st = self.mmap_lock.read();
            let _t = trace_enter!(m.trace, "do_madvise", "{:#x}-{:#x} {}", start, end, advice.name());
            return self.madvise_populate(&st, counters, start, end, advice == Advice::PopulateWrite);
        }
        if matches!(advice, Advice::Cold | Advice::PageOut) {
            // madvise_need_mmap_write: no VMA changes, so the read side,
            // which lets reclaim's reverse-map walk lock this address
            // space too.
            let st = self.mmap_lock.read();
            let _t = trace_enter!(m.trace, "do_madvise", "{:#x}-{:#x} {}", start, end, advice.name());
            return self.madvise_cold_or_pageout(&st, start, end, advice == Advice::PageOut);
        }
        if advice == Advice::Collapse {
            // madvise_collapse works under the read side, as the kernel
            // starts it.
            let st = self.mmap_lock.read();
            let _t = trace_enter!(m.trace, "do_madvise", "{:#x}-{:#x} {}", start, end, advice.name());
            return self.madvise_collapse_walk(&st, start, end);
        }
        if advice == Advice::Remove {
            let _t = trace_enter!(m.trace, "do_madvise", "{:#x}-{:#x} {}", start, end, advice.name());
            return self.madvise_remove_walk(start, end);
        }
        let mut st = self.mmap_write_lock();
        let _t = trace_enter!(m.trace, "do_madvise", "{:#x}-{:#x} {}", start, end, advice.name());
        self.madvise_walk_vmas(&mut st, start, end, advice)
    }

    /// `MADV_REMOVE` (`madvise_remove`) VMA by VMA, as `madvise_walk_vmas`
    /// walks them: a locked VMA or one without a file is `EINVAL`, one
    /// that is not shared and writable (`vma_is_shared_maywrite`) is
    /// `EACCES`; otherwise the file's bytes behind the range get a hole
    /// punched (`vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)`),
    /// with `mmap_lock` dropped meanwhile, as the kernel drops it.  Holes in
    /// the range make the call return `ENOMEM` after the rest was done.
    fn madvise_remove_walk(&self, start: u64, last_end: u64) -> SysResult<()> {
        use crate::fs::truncate::{FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE};
        let mut unmapped_error = Ok(());
        let mut range_start = start;
        loop {
            let (file, offset, range_end) = {
                let st = self.mmap_lock.read();
                let Some(v) = st.vmas.find(range_start) else {
                    return Err(Errno::ENOMEM);
                };
                if range_start < v.start {
                    unmapped_error = Err(Errno::ENOMEM);
                    range_start = v.start;
                    if range_start >= last_end {
                        break;
                    }
                }
                let range_end = v.end.min(last_end);
                if v.flags.contains(VmFlags::LOCKED) {
                    return Err(Errno::EINVAL);
                }
                let Some(file) = v.file() else {
                    return Err(Errno::EINVAL);
                };
                if !v.flags.contains(VmFlags::SHARED | VmFlags::MAYWRITE) {
                    return Err(Errno::EACCES);
                }
                (file.clone(), (range_start - v.start) + (v.pgoff << PAGE_SHIFT), range_end)
            };
            crate::fs::truncate::vfs_fallocate(
                &file,
                FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                offset,
                range_end - range_start,
            )?;
            if range_end >= last_end {
                break;
            }
            range_start = range_end;
        }
        unmapped_error
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
            Advice::WillNeed | Advice::Cold | Advice::PageOut | Advice::Remove => return Ok(start),
            Advice::GuardInstall => return self.madvise_guard_install(st, vma_start, start, end).map(|()| start),
            Advice::GuardRemove => return self.madvise_guard_remove(st, vma_start, start, end).map(|()| start),
            Advice::DontNeed | Advice::DontNeedLocked | Advice::Free => {
                // madvise_dontneed_free_valid_vma
                let mut forbidden = VmFlags::PFNMAP;
                if advice != Advice::DontNeedLocked {
                    forbidden |= VmFlags::LOCKED;
                }
                if v.flags.intersects(forbidden) {
                    return Err(Errno::EINVAL);
                }
                if advice == Advice::Free {
                    if !v.is_anonymous() {
                        return Err(Errno::EINVAL);
                    }
                    self.madvise_free(st, v, start, end);
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
            Advice::KeepOnFork => {
                if new_flags.contains(VmFlags::DROPPABLE) {
                    return Err(Errno::EINVAL);
                }
                new_flags -= VmFlags::WIPEONFORK;
            }
            Advice::DontDump => new_flags |= VmFlags::DONTDUMP,
            Advice::DoDump => {
                if new_flags.intersects(VmFlags::SPECIAL | VmFlags::DROPPABLE) {
                    return Err(Errno::EINVAL);
                }
                new_flags -= VmFlags::DONTDUMP;
            }
            Advice::HugePage => {
                // hugepage_madvise: the VMA may become one khugepaged scans.
                new_flags = (new_flags - VmFlags::NOHUGEPAGE) | VmFlags::HUGEPAGE;
                self.khugepaged_enter_vma(v, new_flags);
            }
            Advice::NoHugePage => new_flags = (new_flags - VmFlags::HUGEPAGE) | VmFlags::NOHUGEPAGE,
            Advice::Mergeable
            | Advice::Unmergeable
            | Advice::PopulateRead
            | Advice::PopulateWrite
            | Advice::Collapse
            | Advice::HwPoison
            | Advice::SoftOffline => {
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
        // vma_adjust_trans_huge: a leaf across a new VMA boundary is split.
        self.split_huge_pmd_range(start, end, true);
        Ok(s.max(start))
    }

    /// `madvise_populate`: faults in `[start, end)` for reading or writing
    /// with the task's own rights (`faultin_page_range`), across VMAs.
    /// What lies before a problem is populated; the problem is `ENOMEM`
    /// for a hole, `EINVAL` for a VMA that does not allow the access
    /// (`PROT_NONE`, `MADV_POPULATE_WRITE` of a read-only mapping,
    /// `VM_IO`/`VM_PFNMAP`), `EFAULT` for a fault that would signal
    /// (a file page past the end).
    fn madvise_populate(
        &self,
        st: &MmState,
        counters: &FaultCounters,
        start: u64,
        end: u64,
        write: bool,
    ) -> SysResult<()> {
        let mut start = start;
        while start < end {
            let done = self.faultin_page_range(st, start, end, write, counters)?;
            start += done << crate::types::PAGE_SHIFT;
        }
        Ok(())
    }

    /// `madvise_guard_install`: every entry of `[start, end)` becomes a
    /// guard marker, so that any access raises `SIGSEGV`.  Pages mapped
    /// there are zapped first (markers already there stay); missing page
    /// tables are allocated.  The VMA gets an anon_vma (even a file one),
    /// so that `fork` copies its page tables and the markers with them.
    /// `EINVAL` for `VM_SPECIAL`, hugetlb and mlocked VMAs.  The VMA
    /// itself is not changed: guard pages neither split nor merge VMAs.
    fn madvise_guard_install(&self, st: &MmState, vma_start: u64, start: u64, end: u64) -> SysResult<()> {
        let m = &*self.machine;
        let v = st.vmas.get(vma_start).expect("vma exists");
        if !is_valid_guard_vma(v, false) {
            return Err(Errno::EINVAL);
        }
        self.anon_vma_prepare(st, v);
        // guard_install_pte_entry: anything but a marker needs the zap.
        let mut populated = false;
        self.for_each_pte(start, end, |_, _, pte| populated |= !pte.is_guard_marker());
        self.for_each_huge_pmd(start, end, |_, _, _| populated = true);
        if populated {
            // zap_page_range_single, without ZAP_FLAG_DROP_MARKER.
            let mut tlb = MmuGather::new(self);
            self.unmap_page_range(&mut tlb, v, start, end, false);
            tlb.finish();
        }
        // guard_install_set_pte for every empty entry.
        let mut installed = 0u64;
        let mut va = start;
        while va < end {
            let slot = self.pte_alloc_walk(va).map_err(|_| Errno::ENOMEM)?;
            if self.set_pte_if_none(slot, Pte::Marker(PteMarker::GUARD)) {
                installed += 1;
            }
            va += PAGE_SIZE;
        }
        trace_note!(
            m.trace,
            "madvise_guard_install",
            "{:#x}-{:#x}: {} guard markers installed{}",
            start,
            end,
            installed,
            if populated { " after a zap" } else { "" }
        );
        Ok(())
    }

    /// `madvise_guard_remove`: clears the guard markers of `[start, end)`
    /// (allowed in mlocked VMAs too); other entries stay as they are.
    fn madvise_guard_remove(&self, st: &MmState, vma_start: u64, start: u64, end: u64) -> SysResult<()> {
        let m = &*self.machine;
        let v = st.vmas.get(vma_start).expect("vma exists");
        if !is_valid_guard_vma(v, true) {
            return Err(Errno::EINVAL);
        }
        let mut removed = 0u64;
        {
            let mut ptl = crate::pgtable::PtlWalk::new(self);
            self.for_each_pte(start, end, |_, slot, pte| {
                ptl.lock(slot.table);
                if pte.is_guard_marker() {
                    self.set_pte(slot, Pte::None);
                    removed += 1;
                }
            });
        }
        trace_note!(m.trace, "madvise_guard_remove", "{:#x}-{:#x}: {} guard markers removed", start, end, removed);
        Ok(())
    }

    /// `MADV_DONTNEED`: zaps the range; empty page tables of whole 2 MiB
    /// blocks inside it are freed (`CONFIG_PT_RECLAIM`).
    fn madvise_dontneed(&self, st: &MmState, vma_start: u64, start: u64, end: u64) {
        let v = st.vmas.get(vma_start).expect("vma exists");
        let mut tlb = MmuGather::new(self);
        self.unmap_page_range(&mut tlb, v, start, end, false);
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
    fn madvise_free(&self, st: &MmState, v: &super::Vma, start: u64, end: u64) {
        let m = &*self.machine;
        let mut tlb = MmuGather::new(self);
        let mut lazy = Vec::new();
        let mut swap = 0;
        // madvise_free_huge_pmd: a leaf the range covers whole, whose
        // folio only it maps, is cleaned and its pages lazily freed as they
        // are; one covered in part is split first (`split_folio`).  The
        // huge zero page's leaf is left as it is, whole or in part.
        let size = self.entry_size(crate::arch::PMD_LEVEL);
        self.for_each_huge_pmd(start, end, |haddr, pmd, leaf| {
            let Some(head) = self.vm_normal_page(leaf) else {
                return;
            };
            if haddr < start || haddr + size > end {
                self.split_folio(v, pmd, haddr);
                return;
            }
            m.folio_split_pages(head);
            let nr = size >> crate::types::PAGE_SHIFT;
            let pfns = (0..nr).map(|i| crate::types::Pfn(head.0 + i));
            if pfns.clone().any(|p| m.phys.page(p).mapcount() > 1) {
                return;
            }
            let _ptl = self.pmd_lock(pmd);
            for p in pfns {
                let page = m.phys.page(p);
                if page.test(PageFlags::SWAPCACHE) && !m.folio_free_swap(p) {
                    continue;
                }
                page.clear_flags(PageFlags::DIRTY);
                if page.test(PageFlags::SWAPBACKED) {
                    m.get_page(p);
                    lazy.push(p);
                }
            }
            if leaf.flags().intersects(PteFlags::ACCESSED | PteFlags::DIRTY) {
                self.set_pmd_at(pmd, leaf.without(PteFlags::ACCESSED | PteFlags::DIRTY));
                tlb.remove_pmd_tlb_entry(haddr);
            }
        });
        // madvise_free_pte_range: a large folio mapped by PTEs that the
        // range covers in part is split first.
        self.madvise_split_large_folios(st, start, end, false);
        {
            let mut ptl = crate::pgtable::PtlWalk::new(self);
            self.for_each_pte(start, end, |va, slot, pte| {
                ptl.lock(slot.table);
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
            let on_lru = m.lru_ctx().folio_isolate_lru(pfn);
            page.clear_flags(PageFlags::SWAPBACKED | PageFlags::ACTIVE | PageFlags::REFERENCED);
            if on_lru {
                m.lru_ctx().folio_putback_lru(pfn, false);
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
        Self::madvise_walk_vmas_read(st, start, end, |v, range_start, range_end| {
            if v.flags.intersects(VmFlags::LOCKED | VmFlags::PFNMAP | VmFlags::HUGETLB) {
                return Err(Errno::EINVAL);
            }
            // madvise_cold, madvise_pageout: this CPU's new pages first
            // join the lists, where the walk can isolate them.
            self.machine.lru_add_drain();
            self.madvise_cold_or_pageout_pte_range(st, v, range_start, range_end, pageout);
            Ok(())
        })
    }

    /// `madvise_walk_vmas` for advice that changes no VMA, under the read
    /// side of the lock: `f` gets each VMA with the part of `[start, end)`
    /// it holds, in address order; its error ends the walk, and holes in
    /// the range make the call return `ENOMEM` after the rest was done.
    pub(crate) fn madvise_walk_vmas_read(
        st: &MmState,
        start: u64,
        end: u64,
        mut f: impl FnMut(&super::Vma, u64, u64) -> SysResult<()>,
    ) -> SysResult<()> {
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
            let range_end = v.end.min(end);
            f(v, range_start, range_end)?;
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
    fn madvise_cold_or_pageout_pte_range(&self, st: &MmState, v: &super::Vma, start: u64, end: u64, pageout: bool) {
        let m = &*self.machine;
        let mut tlb = MmuGather::new(self);
        let mut pages = Vec::new();
        // A PMD leaf the range covers whole goes cold as it is; one it
        // covers in part, or one to page out (reclaim has no swap slot for
        // a whole folio here), is split first (`split_folio`).  The huge
        // zero page's leaf is left as it is, whole or in part.
        let size = self.entry_size(crate::arch::PMD_LEVEL);
        self.for_each_huge_pmd(start, end, |haddr, pmd, leaf| {
            let Some(head) = self.vm_normal_page(leaf) else {
                return;
            };
            let whole = haddr >= start && haddr + size <= end;
            if !m.phys.page(head).is_anon() {
                // A page-cache folio: left alone if mapped elsewhere too
                // (folio_maybe_mapped_shared); split if the range covers
                // it in part, which unmaps it (a split file folio is not
                // mapped again) and leaves nothing here to advise; else
                // advised whole, reclaim dropping the leaf (try_to_unmap).
                if self.file_folio_maybe_mapped_shared(v, head, size >> PAGE_SHIFT) {
                    return;
                }
                if !whole {
                    self.__split_huge_pmd(pmd, haddr);
                    if let Some(inode) = m.page_inode(head) {
                        inode.mapping.split_folio_to_order0(m.phys.page(head).index.load(Ordering::Relaxed));
                    }
                    trace_note!(m.trace, "split_folio", "file folio {:#x}: unmapped and split", head.0);
                    return;
                }
            } else if pageout || !whole {
                self.split_folio(v, pmd, haddr);
                return;
            }
            m.folio_split_pages(head);
            if m.phys.page(head).is_anon() && m.phys.page(head).mapcount() > 1 {
                return;
            }
            let _ptl = self.pmd_lock(pmd);
            if leaf.flags().contains(PteFlags::ACCESSED) {
                self.set_pmd_at(pmd, leaf.without(PteFlags::ACCESSED));
                tlb.remove_pmd_tlb_entry(haddr);
            }
            for i in 0..size >> crate::types::PAGE_SHIFT {
                let pfn = crate::types::Pfn(head.0 + i);
                m.phys.page(pfn).clear_flags(PageFlags::REFERENCED);
                m.get_page(pfn);
                pages.push(pfn);
            }
        });
        // The same for a large folio mapped by PTEs: split if the range
        // covers it in part, or to page it out.
        self.madvise_split_large_folios(st, start, end, pageout);
        self.madvise_split_file_folios(v, start, end);
        {
            let mut ptl = crate::pgtable::PtlWalk::new(self);
            self.for_each_pte(start, end, |va, slot, pte| {
                ptl.lock(slot.table);
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
                m.lru_ctx().folio_deactivate(pfn);
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
            if m.lru_ctx().folio_isolate_lru(pfn) {
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

impl MmStruct {
    /// `folio_maybe_mapped_shared` of the large page-cache folio of `nr`
    /// pages at `head`, which VMA `v` of this address space maps: another
    /// address space maps a page of it (a large folio counts the address
    /// spaces that map it, not its mappings).
    fn file_folio_maybe_mapped_shared(&self, v: &super::Vma, head: Pfn, nr: u64) -> bool {
        let m = &*self.machine;
        let Some(file) = v.file() else { return false };
        let inode = &file.inode;
        let first = m.phys.page(head).index.load(Ordering::Relaxed);
        let last = first + nr - 1;
        let mut shared = false;
        for mm in inode.mapping.mappers() {
            if std::ptr::eq(&*mm, self) || shared {
                continue;
            }
            let complete = mm.with_vmas_for_rmap(|vmas| {
                for w in vmas.iter().filter(|w| w.file_ino() == Some(inode.ino)) {
                    let (s, e) = (first.max(w.pgoff), last.min(w.pgoff + w.pages() - 1));
                    for index in s..=e.max(s).min(e) {
                        let addr = w.start + ((index - w.pgoff) << PAGE_SHIFT);
                        let pfn = Pfn(head.0 + (index - first));
                        let maps = match mm.pmd_offset(addr).and_then(|p| mm.pmd_huge(p)) {
                            Some(leaf) => leaf.pfn() == Some(head),
                            None => mm.pte_offset(addr).map(|sl| mm.read_pte(sl)).and_then(|p| p.pfn()) == Some(pfn),
                        };
                        if maps {
                            shared = true;
                            return;
                        }
                    }
                }
            });
            // An address space whose VMAs cannot be looked at now may map it.
            shared |= !complete;
        }
        shared
    }

    /// The large page-cache folios that PTEs of `[start, end)` of `v` map
    /// in part (`madvise_folio_pte_batch` shorter than the folio) and no
    /// other mapping holds: `split_folio`, which unmaps each from every
    /// entry of this VMA (a split file folio is not mapped again) and
    /// makes its pages folios of their own in the cache.
    fn madvise_split_file_folios(&self, v: &super::Vma, start: u64, end: u64) {
        let m = &*self.machine;
        let Some(file) = v.file() else { return };
        let mapping = &file.inode.mapping;
        if !mapping.mapping_large_folio_support() || mapping.a_ops.is_shmem() {
            return;
        }
        let mut split = Vec::new();
        let mut skip_to = start;
        self.for_each_pte(start, end, |va, _, pte| {
            if va < skip_to {
                return;
            }
            let Some(pfn) = self.vm_normal_page(pte) else { return };
            let page = m.phys.page(pfn);
            if page.is_anon() {
                return;
            }
            let index = v.linear_page_index(va);
            let Some(f) = mapping.folio(index).filter(|f| f.order > 0 && Pfn(f.pfn.0 + (index - f.index)) == pfn)
            else {
                return;
            };
            // The run of entries mapping the folio's next pages from here.
            let mut nr = 0u64;
            while index + nr < f.next_index() && va + (nr << PAGE_SHIFT) < end {
                let a = va + (nr << PAGE_SHIFT);
                let same = self.pte_offset(a).map(|s| self.read_pte(s)).and_then(|p| p.pfn()) == Some(Pfn(pfn.0 + nr));
                if !same {
                    break;
                }
                nr += 1;
            }
            skip_to = va + (nr.max(1) << PAGE_SHIFT);
            let shared = self.file_folio_maybe_mapped_shared(v, f.pfn, f.nr_pages());
            if nr < f.nr_pages() && !shared && split.last() != Some(&f) {
                split.push(f);
            }
        });
        for f in split {
            // unmap_folio: every entry of the folio in this VMA.
            let first = f.index.max(v.pgoff);
            let last = (f.next_index() - 1).min(v.pgoff + v.pages() - 1);
            if first <= last {
                let a = v.start + ((first - v.pgoff) << PAGE_SHIFT);
                let b = v.start + ((last + 1 - v.pgoff) << PAGE_SHIFT);
                let mut tlb = MmuGather::new(self);
                self.zap_page_range_details(&mut tlb, v, a, b, false, false);
                tlb.finish();
            }
            mapping.split_folio_to_order0(f.index);
            trace_note!(m.trace, "split_folio", "file folio {:#x} of order {}: unmapped and split", f.pfn.0, f.order);
        }
    }
}

/// `madvise_behavior_valid` for the advice this simulator knows.
fn madvise_behavior_valid(a: Advice) -> bool {
    a.valid_on_linux() && !matches!(a, Advice::Mergeable | Advice::Unmergeable)
}

/// `is_valid_guard_vma`: no guard pages in `VM_SPECIAL` or hugetlb VMAs,
/// nor, to install them (which zaps), in mlocked ones.
fn is_valid_guard_vma(v: &super::Vma, allow_locked: bool) -> bool {
    let mut disallowed = VmFlags::SPECIAL | VmFlags::HUGETLB;
    if !allow_locked {
        disallowed |= VmFlags::LOCKED;
    }
    !v.flags.intersects(disallowed)
}
