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
            Advice::WillNeed | Advice::Cold => return Ok(start),
            Advice::PageOut => {
                if v.flags.intersects(VmFlags::LOCKED | VmFlags::PFNMAP | VmFlags::HUGETLB) {
                    return Err(Errno::EINVAL);
                }
                self.madvise_pageout(st, vma_start, start, end);
                return Ok(start);
            }
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

    /// `MADV_FREE`: exclusive anonymous pages become lazily freeable: their
    /// entries lose the accessed and dirty bits and the pages stop being
    /// swap-backed; a later write re-dirties them, reclaim drops them if
    /// not.
    fn madvise_free(&self, start: u64, end: u64) {
        let m = &*self.machine;
        let mut tlb = MmuGather::new(self);
        let mut n = 0;
        let _ptl = self.page_table_lock.lock();
        self.for_each_pte(start, end, |va, slot, pte| {
            let Some(pfn) = self.vm_normal_page(pte) else {
                return;
            };
            let page = m.phys.page(pfn);
            if !page.is_anon() || page.mapcount() > 1 {
                return;
            }
            page.clear_flags(PageFlags::DIRTY);
            if pte.flags().intersects(PteFlags::ACCESSED | PteFlags::DIRTY) {
                self.set_pte(slot, pte.without(PteFlags::ACCESSED | PteFlags::DIRTY));
                tlb.remove_tlb_entry(va);
            }
            page.clear_flags(PageFlags::SWAPBACKED);
            n += 1;
        });
        drop(_ptl);
        trace_note!(m.trace, "madvise_free_pte_range", "{:#x}-{:#x}: {} pages now lazily freeable", start, end, n);
        tlb.finish();
    }

    /// `MADV_PAGEOUT` without a swap device: lazily freeable pages that
    /// were not written since are discarded; other anonymous pages stay;
    /// page-cache pages mapped only here are unmapped, and freed if clean.
    fn madvise_pageout(&self, st: &MmState, vma_start: u64, start: u64, end: u64) {
        let m = &*self.machine;
        let v = st.vmas.get(vma_start).expect("vma exists");
        let mut tlb = MmuGather::new(self);
        let mut discarded = 0;
        let mut unmapped = 0;
        let mut dropped = Vec::new();
        let _ptl = self.page_table_lock.lock();
        self.for_each_pte(start, end, |va, slot, pte| {
            let Some(pfn) = self.vm_normal_page(pte) else {
                return;
            };
            let page = m.phys.page(pfn);
            if page.mapcount() > 1 {
                // folio_maybe_mapped_shared: left to a later pass.
                return;
            }
            if !page.is_anon() {
                // A page-cache page: try_to_unmap takes it out of the page
                // table.  A tmpfs page cannot be written anywhere without
                // swap, so it stays in the cache, and the next access is a
                // minor fault.
                if pte.flags().contains(PteFlags::DIRTY)
                    && let Some(file) = v.file()
                {
                    let index = page.index.load(std::sync::atomic::Ordering::Relaxed);
                    file.inode.mapping.folio_mark_dirty(&file.inode, index, pfn);
                }
                self.set_pte(slot, Pte::None);
                tlb.remove_tlb_entry(va);
                self.page_remove_rmap(pfn);
                tlb.remove_page(pfn);
                unmapped += 1;
                if let Some(file) = v.file() {
                    dropped.push((file.clone(), page.index.load(std::sync::atomic::Ordering::Relaxed), pfn));
                }
                return;
            }
            if page.test(PageFlags::SWAPBACKED) {
                // No swap space: add_to_swap fails and the page stays.
                return;
            }
            if page.test(PageFlags::DIRTY) || pte.flags().contains(PteFlags::DIRTY) {
                // Written since MADV_FREE: it is needed again.
                page.set_flags(PageFlags::SWAPBACKED);
                return;
            }
            self.set_pte(slot, Pte::None);
            tlb.remove_tlb_entry(va);
            self.page_remove_rmap(pfn);
            tlb.remove_page(pfn);
            discarded += 1;
        });
        drop(_ptl);
        trace_note!(
            m.trace,
            "shrink_folio_list",
            "{:#x}-{:#x} of {:08x}-{:08x}: {} lazily freed pages discarded, {} page-cache pages unmapped",
            start,
            end,
            v.start,
            v.end,
            discarded,
            unmapped
        );
        tlb.finish();
        // shrink_folio_list -> __remove_mapping: a clean page-cache page
        // nobody maps or holds any more leaves the cache (its bytes are
        // the file's, so a later fault reads them again); a dirty one
        // cannot be written anywhere without swap and stays.
        let mut freed = 0;
        for (file, index, pfn) in dropped {
            if file.inode.mapping.remove_clean_page(index, pfn) {
                freed += 1;
            }
        }
        if freed > 0 {
            trace_note!(m.trace, "__remove_mapping", "{} clean page-cache pages freed", freed);
        }
    }
}

/// `madvise_behavior_valid` for the advice this simulator knows.
fn madvise_behavior_valid(a: Advice) -> bool {
    !matches!(a, Advice::Remove | Advice::Mergeable | Advice::Unmergeable)
}
