//! Collapsing 4 KiB pages into a transparent huge page (mm/khugepaged.c):
//! `MADV_COLLAPSE` (`madvise_collapse`) scans each 2 MiB-aligned block of
//! the range (`hpage_collapse_scan_pmd`) and copies what it maps into a
//! new folio mapped by one PMD leaf (`collapse_huge_page`), now and
//! whatever the THP settings say (`TVA_FORCED_COLLAPSE`), but not in a
//! `VM_NOHUGEPAGE` VMA.  Unlike khugepaged, it takes any number of empty,
//! zero-page or shared entries, and read-only blocks too; the VMA must
//! have an `anon_vma` (`hugepage_vma_revalidate`).  The PTE table the block
//! had becomes the table deposited with the leaf.
//!
//! A shmem or tmpfs VMA's blocks are collapsed in the page cache instead
//! (`collapse_file`) and mapped by a PMD here (`collapse_pte_mapped_thp`).
//!
//! Each block's scan ends in a `ScanResult`; as 6.18's `madvise_collapse`
//! does, some let the walk go on to the next block (the error of the last
//! one is returned, `madvise_collapse_errno`), the others end it at once.

use crate::alloc::Gfp;
use crate::arch::{PMD_LEVEL, Pte, PteFlags, TableEntry};
use crate::errno::Errno;
use crate::flags::{PageFlags, VmFlags};
use crate::fs::pagecache::CacheEntry;
use crate::memory::MmuGather;
use crate::mm::{MmState, MmStruct, Vma};
use crate::pgtable::Slot;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::vmstat::VmEvent;
use crate::{SysResult, trace_enter, trace_note};

impl MmStruct {
    /// `MADV_COLLAPSE` over `[start, end)`, VMA by VMA as
    /// `madvise_walk_vmas` visits them: the first VMA that fails ends it
    /// with its error; a hole in the range is `ENOMEM` after the rest.
    pub(crate) fn madvise_collapse_walk(&self, st: &MmState, start: u64, end: u64) -> SysResult<()> {
        Self::madvise_walk_vmas_read(st, start, end, |v, range_start, range_end| {
            if v.file().is_some_and(|f| f.inode.mapping.a_ops.is_shmem()) {
                return self.madvise_collapse_file(st, v, range_start, range_end);
            }
            self.madvise_collapse(v, range_start, range_end)
        })
    }

    /// `madvise_collapse` for `[start, end)` of `vma`: every 2 MiB block
    /// inside is made a THP.  A block whose scan fails in a way the kernel
    /// lets the walk survive (`ScanResult::continues`) is passed over and
    /// its error kept; any other failure ends the walk.  The call fails
    /// with the last error kept (`madvise_collapse_errno`) unless every
    /// block is a THP now.  `EINVAL` for a VMA THP cannot back at all, and
    /// for a range that holds no whole block: the kernel's count of blocks
    /// (`hend - hstart`) is then zero or wraps, and never matches.
    fn madvise_collapse(&self, vma: &Vma, start: u64, end: u64) -> SysResult<()> {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "madvise_collapse", "{:#x}-{:#x}", start, end);
        if !self.thp_vma_collapsible(vma) {
            trace_note!(m.trace, "madvise_collapse", "vma {:08x}-{:08x} not eligible", vma.start, vma.end);
            return Err(Errno::EINVAL);
        }
        let size = self.entry_size(PMD_LEVEL);
        let hstart = start.next_multiple_of(size);
        let hend = end & !(size - 1);
        // A range inside one block that reaches no boundary: the count of
        // blocks wraps and never matches.  A range of no whole block
        // matches its zero blocks, but only in a VMA with an anon_vma (a
        // never-written one is refused, as the real kernel refuses it).
        if hstart > hend || (hstart == hend && vma.anon_vma().is_none()) {
            return Err(Errno::EINVAL); // SCAN_FAIL
        }
        let mut last_fail = None;
        let mut addr = hstart;
        while addr < hend {
            match self.hpage_collapse_scan_pmd(vma, addr) {
                ScanResult::Succeed | ScanResult::PmdMapped => {}
                r => {
                    trace_note!(m.trace, "madvise_collapse", "{:#x}: {:?}", addr, r);
                    last_fail = Some(r);
                    if !r.continues() {
                        break;
                    }
                }
            }
            addr += size;
        }
        match last_fail {
            None => Ok(()),
            Some(r) => Err(r.madvise_collapse_errno()),
        }
    }

    /// `thp_vma_allowable_order(TVA_FORCED_COLLAPSE)`: an anonymous,
    /// private, not special VMA without `VM_NOHUGEPAGE` that holds at
    /// least one aligned 2 MiB block.
    fn thp_vma_collapsible(&self, vma: &Vma) -> bool {
        let m = &*self.machine;
        let Some(order) = m.hpage_pmd_order() else {
            return false;
        };
        if vma.flags.intersects(VmFlags::NOHUGEPAGE | VmFlags::SHARED | VmFlags::SPECIAL)
            || !vma.is_anonymous()
            || vma.special_name().is_some()
        {
            return false;
        }
        let size = PAGE_SIZE << order;
        let first = vma.start.next_multiple_of(size);
        ((vma.start >> PAGE_SHIFT).wrapping_sub(vma.pgoff)).is_multiple_of(1 << order)
            && first.checked_add(size).is_some_and(|e| e <= vma.end)
    }

    /// `hpage_collapse_scan_pmd` and `collapse_huge_page` for the block at
    /// `haddr`: a leaf there is success already; a PTE table whose entries
    /// are empty, the zero page or exclusive-enough anonymous pages is
    /// collapsed (6.18 no longer asks for a writable entry).
    fn hpage_collapse_scan_pmd(&self, vma: &Vma, haddr: u64) -> ScanResult {
        let m = &*self.machine;
        let Some(pmd) = self.pmd_offset(haddr) else {
            return ScanResult::PmdNull;
        };
        let table = match self.read_table(PMD_LEVEL, pmd) {
            TableEntry::Leaf(_) => return ScanResult::PmdMapped,
            TableEntry::Table(t) => t,
            TableEntry::None | TableEntry::Bad(_) => return ScanResult::PmdNone,
        };
        let nr = 1usize << m.hpage_pmd_order().expect("checked by thp_vma_collapsible");
        for i in 0..nr {
            match self.read_pte(Slot { table, idx: i }) {
                Pte::None => {}
                // Swap entries would be swapped in first, markers refuse
                // (the model supports neither here).
                Pte::Swap { .. } | Pte::Marker(_) => return ScanResult::PteNonPresent,
                pte @ Pte::Page { pfn, .. } => {
                    if m.is_zero_pfn(pfn) {
                        continue;
                    }
                    let Some(pfn) = self.vm_normal_page(pte) else {
                        return ScanResult::PageNull;
                    };
                    let page = m.phys.page(pfn);
                    if !page.is_anon() {
                        return ScanResult::PageAnon;
                    }
                    // is_refcount_suitable: no reference but the mappings
                    // and the swap cache's.
                    let expected = page.mapcount() + i32::from(page.test(PageFlags::SWAPCACHE));
                    if page.refcount() != expected {
                        return ScanResult::PageCount;
                    }
                    if !page.test(PageFlags::LRU) {
                        return ScanResult::PageLru;
                    }
                }
            }
        }
        self.collapse_huge_page(vma, haddr, pmd, table)
    }

    /// `collapse_huge_page`: a new folio gets a copy of every page the
    /// table maps (zeroes for the rest), and one PMD leaf maps it in the
    /// table's place; the old pages lose this mapping.
    fn collapse_huge_page(&self, vma: &Vma, haddr: u64, pmd: Slot, table: Pfn) -> ScanResult {
        let m = &*self.machine;
        let order = m.hpage_pmd_order().expect("checked by thp_vma_collapsible");
        let nr = 1u64 << order;
        // alloc_charge_folio
        let Some(new) = m.alloc_pages(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, order) else {
            m.vmstat.count(VmEvent::ThpCollapseAllocFailed, 1);
            return ScanResult::AllocHugePageFail;
        };
        if !m.split_page(new, order) {
            m.free_pages(new, order);
            m.vmstat.count(VmEvent::ThpCollapseAllocFailed, 1);
            return ScanResult::AllocHugePageFail;
        }
        m.vmstat.count(VmEvent::ThpCollapseAlloc, 1);
        // hugepage_vma_revalidate(expect_anon): a VMA no page was ever
        // written to (only zero pages) has no anon_vma and is refused.
        let Some(anon_vma) = vma.anon_vma().cloned() else {
            for i in 0..nr {
                m.free_pages(Pfn(new.0 + i), 0);
            }
            return ScanResult::PageAnon;
        };
        let mut tlb = MmuGather::new(self);
        {
            let _ptl = self.page_table_lock.lock();
            // pmdp_collapse_flush: no walk reaches the table any more.
            m.phys.write_u64(pmd.table, pmd.idx, 0);
            self.pt_freed();
            // flush_tlb_range of the 2 MiB: every page's translation.
            m.flush_tlb_mm_range(self, haddr, haddr + (nr << PAGE_SHIFT), PAGE_SHIFT);
            // __collapse_huge_page_copy
            for i in 0..nr {
                let slot = Slot { table, idx: i as usize };
                let pte = self.ptep_get_and_clear(slot);
                if let Some(old) = self.vm_normal_page(pte) {
                    m.phys.copy_frame(Pfn(new.0 + i), old);
                    self.folio_remove_rmap_pte(old, vma);
                    tlb.remove_page(old);
                }
            }
            self.pgtable_trans_huge_redeposit(pmd, table);
            for i in 0..nr {
                let p = Pfn(new.0 + i);
                m.phys.page(p).set_flags(if i == 0 { PageFlags::HEAD } else { PageFlags::TAIL });
                self.folio_add_new_anon_rmap(p, vma, &anon_vma, haddr + (i << PAGE_SHIFT));
            }
            self.map_collapsed_folio(pmd, new, vma);
        }
        tlb.finish();
        trace_note!(m.trace, "collapse_huge_page", "{:#x}: folio {:#x}", haddr, new.0);
        ScanResult::Succeed
    }

    /// The leaf of a collapsed folio: dirty, writable if the VMA is.
    fn map_collapsed_folio(&self, pmd: Slot, head: Pfn, vma: &Vma) {
        self.machine.folio_mod_entire_mapcount(head, 1);
        let mut entry = Pte::page(head, vma.page_prot).with(PteFlags::DIRTY);
        if vma.flags.contains(VmFlags::WRITE) {
            entry = entry.with(PteFlags::WRITE);
        }
        self.set_pmd_at(pmd, entry);
    }
}

/// What one block's scan and collapse came to (mm/khugepaged.c's
/// `enum scan_result`, the values the model can reach).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScanResult {
    Succeed,
    /// A PMD leaf maps the block already.
    PmdMapped,
    /// No PMD table covers the block.
    PmdNull,
    /// The PMD entry is empty (no PTE table).
    PmdNone,
    /// A swap entry or marker.
    PteNonPresent,
    PageNull,
    /// A page that is not anonymous, or a VMA without an `anon_vma`.
    PageAnon,
    PageCount,
    PageLru,
    AllocHugePageFail,
}

impl ScanResult {
    /// Whether `madvise_collapse` goes on to the next block after it.
    fn continues(self) -> bool {
        matches!(self, Self::PmdNull | Self::PteNonPresent | Self::PageNull | Self::PageCount | Self::PageLru)
    }

    /// `madvise_collapse_errno`.
    fn madvise_collapse_errno(self) -> Errno {
        match self {
            Self::AllocHugePageFail => Errno::ENOMEM,
            Self::PageCount | Self::PageLru => Errno::EAGAIN,
            _ => Errno::EINVAL,
        }
    }
}

impl MmStruct {
    /// `madvise_collapse` of a shmem or tmpfs VMA: each 2 MiB block of
    /// `[start, end)` gets its pages in one PMD-sized folio of the page
    /// cache (`collapse_file`) and a PMD leaf maps it here
    /// (`collapse_pte_mapped_thp`), whatever `huge=` says (only
    /// `shmem_enabled=deny` and `VM_NOHUGEPAGE` refuse: `EINVAL`, as does
    /// a VMA with no aligned block at an aligned file offset).
    fn madvise_collapse_file(&self, st: &MmState, vma: &Vma, start: u64, end: u64) -> SysResult<()> {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "madvise_collapse", "{:#x}-{:#x} (file)", start, end);
        let Some(order) = m.hpage_pmd_order() else {
            return Err(Errno::EINVAL);
        };
        let size = PAGE_SIZE << order;
        let first = vma.start.next_multiple_of(size);
        if vma.flags.contains(VmFlags::NOHUGEPAGE)
            || m.tunables.thp_shmem_enabled == crate::machine::ShmemHuge::Deny
            || !((vma.start >> PAGE_SHIFT).wrapping_sub(vma.pgoff)).is_multiple_of(1 << order)
            || first.checked_add(size).is_none_or(|e| e > vma.end)
        {
            return Err(Errno::EINVAL);
        }
        let hstart = start.next_multiple_of(size);
        let hend = end & !(size - 1);
        if hstart > hend {
            return Err(Errno::EINVAL);
        }
        let mut addr = hstart;
        while addr < hend {
            self.collapse_file(st, vma, addr)?;
            addr += size;
        }
        Ok(())
    }

    /// `hpage_collapse_scan_file`, `collapse_file` and
    /// `collapse_pte_mapped_thp` for the block at `haddr`: unless the page
    /// cache has a PMD-sized folio there already, the file's pages of the
    /// block leave every mapping (private copies stay), a new folio gets
    /// their bytes (zeroes for holes) and takes their place in the cache,
    /// dirty; then a leaf maps the folio in this address space, in place
    /// of an empty PTE table or one mapping the folio's own pages.
    /// `ENOMEM` if no folio can be had; `EINVAL` if the file holds nothing
    /// of the block (`SCAN_TRUNCATED`), if it is out on swap in part, or if
    /// this address space maps other pages there.
    fn collapse_file(&self, st: &MmState, vma: &Vma, haddr: u64) -> SysResult<()> {
        let m = &*self.machine;
        let file = vma.file().expect("a file VMA").clone();
        let inode = &*file.inode;
        let order = m.hpage_pmd_order().expect("checked by the caller");
        let nr = 1u64 << order;
        let index = vma.linear_page_index(haddr);
        let cached = inode.mapping.folio(index).filter(|f| f.order == order && f.index == index);
        let head = match cached {
            Some(f) => f.pfn,
            None => {
                // SCAN_TRUNCATED: a block the file holds nothing of (a hole
                // throughout) ends the walk.
                if !inode.mapping.any_entry_in(index, index + nr - 1)
                    || (0..nr).any(|i| matches!(inode.mapping.get_entry(index + i), Some(CacheEntry::Swap(_))))
                {
                    return Err(Errno::EINVAL);
                }
                // try_to_unmap of the old pages from every mapping.
                for mm in inode.mapping.mappers() {
                    let own = std::ptr::eq(&*mm, self);
                    let guard = if own { None } else { Some(mm.mmap_lock.read()) };
                    let vmas = match &guard {
                        Some(g) => &g.vmas,
                        None => &st.vmas,
                    };
                    for v in vmas.iter().filter(|v| v.file_ino() == Some(inode.ino)) {
                        let (s, e) = (index.max(v.pgoff), (index + nr).min(v.pgoff + v.pages()));
                        if s >= e {
                            continue;
                        }
                        let mut tlb = MmuGather::new(&mm);
                        let a = v.start + ((s - v.pgoff) << PAGE_SHIFT);
                        mm.zap_page_range_details(&mut tlb, v, a, a + ((e - s) << PAGE_SHIFT), false, false);
                        tlb.finish();
                    }
                }
                let Some(new) = m.alloc_pages(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, order) else {
                    m.vmstat.count(VmEvent::ThpCollapseAllocFailed, 1);
                    return Err(Errno::ENOMEM);
                };
                if !m.split_page(new, order) {
                    m.free_pages(new, order);
                    m.vmstat.count(VmEvent::ThpCollapseAllocFailed, 1);
                    return Err(Errno::ENOMEM);
                }
                m.vmstat.count(VmEvent::ThpCollapseAlloc, 1);
                for (i, old) in inode.mapping.pages_in(index, index + nr - 1) {
                    m.phys.copy_frame(Pfn(new.0 + (i - index)), old);
                }
                for (_, e) in inode.mapping.delete_from_page_cache_range(index, index + nr - 1) {
                    if let CacheEntry::Page(old) = e {
                        m.put_page(old);
                    }
                }
                let flags = PageFlags::UPTODATE | PageFlags::SWAPBACKED | PageFlags::DIRTY;
                if inode.mapping.filemap_add_large_folio(index, new, order, flags).is_err() {
                    return Err(Errno::EAGAIN);
                }
                trace_note!(m.trace, "collapse_file", "pages {}..{}: folio {:#x}", index, index + nr, new.0);
                new
            }
        };
        // collapse_pte_mapped_thp
        let pmd = self.pmd_alloc_walk(haddr).map_err(|_| Errno::ENOMEM)?;
        let table = match self.read_table(PMD_LEVEL, pmd) {
            TableEntry::Leaf(_) => return Ok(()),
            TableEntry::Table(t) => {
                let _ptl = self.page_table_lock.lock();
                for i in 0..nr {
                    match self.read_pte(Slot { table: t, idx: i as usize }) {
                        Pte::None => {}
                        Pte::Page { pfn, .. } if pfn == Pfn(head.0 + i) => {}
                        _ => return Err(Errno::EINVAL),
                    }
                }
                m.phys.write_u64(pmd.table, pmd.idx, 0);
                self.pt_freed();
                m.flush_tlb_mm_range(self, haddr, haddr + (nr << PAGE_SHIFT), PAGE_SHIFT);
                for i in 0..nr {
                    let slot = Slot { table: t, idx: i as usize };
                    if let Some(p) = self.ptep_get_and_clear(slot).pfn() {
                        self.folio_remove_rmap_pte(p, vma);
                        m.put_page(p);
                    }
                }
                self.pgtable_trans_huge_redeposit(pmd, t);
                None
            }
            TableEntry::None | TableEntry::Bad(_) => Some(self.pte_alloc_one().ok_or(Errno::ENOMEM)?),
        };
        let _ptl = self.page_table_lock.lock();
        if let Some(t) = table {
            self.pgtable_trans_huge_deposit(pmd, t);
        }
        for i in 0..nr {
            let p = Pfn(head.0 + i);
            m.get_page(p);
            self.folio_add_file_rmap_pte(p, vma);
        }
        m.folio_mod_entire_mapcount(head, 1);
        self.counters.file_rss.fetch_add(nr as i64, std::sync::atomic::Ordering::Relaxed);
        self.set_pmd_at(pmd, Pte::page(head, vma.page_prot));
        trace_note!(m.trace, "collapse_pte_mapped_thp", "{:#x}: folio {:#x}", haddr, head.0);
        Ok(())
    }
}
