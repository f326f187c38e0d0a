//! Faults on file-backed VMAs (mm/memory.c `do_fault` and its callees):
//! a read maps the page cache's page (after fault-around), a write to a
//! private mapping copies it (`do_cow_fault`), a write to a shared one
//! dirties it (`do_shared_fault`, with `page_mkwrite`).

use super::{VmFaultCtx, describe_pte};
use crate::alloc::Gfp;
use crate::arch::{PTE_LEVEL, Pte, PteFlags};
use crate::errno::VmFault;
use crate::flags::VmFlags;
use crate::fs::{FaultPage, VmOperations};
use crate::mm::MmStruct;
use crate::pgtable::Slot;
use crate::spinlock::SpinLockGuard;
use crate::types::Pfn;
use crate::{trace_enter, trace_note};

/// What `finish_fault` maps: the page cache's page, or a private copy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mapped {
    File,
    Anon,
}

impl MmStruct {
    /// `do_fault`: dispatches a fault on an empty entry of a file VMA.
    pub(crate) fn do_fault(&self, vmf: &VmFaultCtx<'_>) -> VmFault {
        let m = &*self.machine;
        // (The VMA outlives the fault: its operations need no reference.)
        let vm_ops = vmf.vma.vm_ops().expect("do_fault on a file VMA").as_ref();
        let file = vmf.vma.file().expect("file VMA");
        let _t = trace_enter!(m.trace, "do_fault", "{} page {} ({})", file.path, vmf.pgoff, vm_ops.name());
        if !vmf.is_write() {
            self.do_read_fault(vmf, vm_ops)
        } else if !vmf.vma.flags.contains(VmFlags::SHARED) {
            self.do_cow_fault(vmf, vm_ops)
        } else {
            self.do_shared_fault(vmf, vm_ops)
        }
    }

    /// `__do_fault`: the VMA's `fault` handler.
    fn __do_fault(&self, vmf: &VmFaultCtx<'_>, vm_ops: &dyn VmOperations) -> Result<FaultPage, VmFault> {
        vm_ops.fault(vmf)
    }

    /// `do_read_fault`: fault-around first; if that did not map the page,
    /// the `fault` handler's page.
    fn do_read_fault(&self, vmf: &VmFaultCtx<'_>, vm_ops: &dyn VmOperations) -> VmFault {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "do_read_fault");
        if self.should_fault_around(vm_ops) {
            let ret = self.do_fault_around(vmf, vm_ops);
            if !ret.is_empty() {
                return ret;
            }
        }
        let page = match self.__do_fault(vmf, vm_ops) {
            Ok(p) => p,
            Err(e) => return e,
        };
        let ret = self.finish_fault(vmf, page.pfn, Mapped::File);
        if ret.intersects(VmFault::ERROR | VmFault::NOPAGE) {
            m.put_page(page.pfn);
        }
        page.ret | ret
    }

    /// `should_fault_around`: the VMA has `map_pages` and the window is
    /// more than one page.
    fn should_fault_around(&self, vm_ops: &dyn VmOperations) -> bool {
        vm_ops.has_map_pages() && self.machine.tunables.fault_around_bytes >> crate::types::PAGE_SHIFT > 1
    }

    /// `do_fault_around`: maps the cached pages of the `fault_around_bytes`
    /// block around the fault, clamped to the VMA and to the page table.
    fn do_fault_around(&self, vmf: &VmFaultCtx<'_>, vm_ops: &dyn VmOperations) -> VmFault {
        let m = &*self.machine;
        let nr_pages = (m.tunables.fault_around_bytes >> crate::types::PAGE_SHIFT).next_power_of_two();
        let pte_off = self.pt_index(PTE_LEVEL, vmf.address) as u64;
        let vma_off = vmf.pgoff - vmf.vma.pgoff;
        let from_pte = (pte_off & !(nr_pages - 1)).max(pte_off - pte_off.min(vma_off));
        let to_pte = (from_pte + nr_pages).min(m.geometry.ptrs as u64).min(pte_off + vmf.vma.pages() - vma_off) - 1;
        let start = vmf.pgoff + from_pte - pte_off;
        let end = vmf.pgoff + to_pte - pte_off;
        let _t = trace_enter!(m.trace, "do_fault_around", "file pages {}..={}", start, end);
        vm_ops.map_pages(vmf, start, end)
    }

    /// `do_cow_fault`: a write to a private file mapping maps a private
    /// copy of the file's page.
    fn do_cow_fault(&self, vmf: &VmFaultCtx<'_>, vm_ops: &dyn VmOperations) -> VmFault {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "do_cow_fault");
        // anon_vma_prepare, taking no reference when the VMA has one (the
        // VMA holds it for finish_fault).
        if vmf.vma.anon_vma().is_none()
            && let Err(e) = self.vmf_anon_prepare(vmf)
        {
            return e;
        }
        let Some(new) = m.alloc_pages(Gfp::HIGHUSER_MOVABLE, 0) else {
            return VmFault::OOM;
        };
        let page = match self.__do_fault(vmf, vm_ops) {
            Ok(p) => p,
            Err(e) => {
                m.put_page(new);
                return e;
            }
        };
        m.phys.copy_frame(new, page.pfn);
        trace_note!(m.trace, "copy_mc_user_highpage", "file pfn {:#x} -> private pfn {:#x}", page.pfn.0, new.0);
        m.put_page(page.pfn);
        let ret = self.finish_fault(vmf, new, Mapped::Anon);
        if ret.intersects(VmFault::ERROR | VmFault::NOPAGE) {
            m.put_page(new);
        }
        page.ret | ret
    }

    /// `do_shared_fault`: a write to a shared file mapping maps the page
    /// cache's page writable and dirties it, after `page_mkwrite`.
    fn do_shared_fault(&self, vmf: &VmFaultCtx<'_>, vm_ops: &dyn VmOperations) -> VmFault {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "do_shared_fault");
        let page = match self.__do_fault(vmf, vm_ops) {
            Ok(p) => p,
            Err(e) => return e,
        };
        if vm_ops.has_page_mkwrite() {
            let tmp = self.do_page_mkwrite(vmf, vm_ops, page.pfn);
            if tmp.intersects(VmFault::ERROR | VmFault::NOPAGE) {
                m.put_page(page.pfn);
                return tmp;
            }
        }
        let ret = self.finish_fault(vmf, page.pfn, Mapped::File);
        if ret.intersects(VmFault::ERROR | VmFault::NOPAGE) {
            m.put_page(page.pfn);
            return page.ret | ret;
        }
        self.fault_dirty_shared_page(vmf, page.pfn);
        page.ret | ret
    }

    /// `do_page_mkwrite`.
    fn do_page_mkwrite(&self, vmf: &VmFaultCtx<'_>, vm_ops: &dyn VmOperations, pfn: Pfn) -> VmFault {
        let m = &*self.machine;
        let ret = vm_ops.page_mkwrite(vmf, pfn);
        trace_note!(
            m.trace,
            "page_mkwrite",
            "page {}{}",
            vmf.pgoff,
            if ret.intersects(VmFault::ERROR) { ": refused" } else { "" }
        );
        ret
    }

    /// `fault_dirty_shared_page`: the page-cache page is dirty now.
    fn fault_dirty_shared_page(&self, vmf: &VmFaultCtx<'_>, pfn: Pfn) {
        let file = vmf.vma.file().expect("file VMA");
        let index = self.machine.phys.page(pfn).index.load(std::sync::atomic::Ordering::Relaxed);
        file.inode.mapping.folio_mark_dirty(&file.inode, index, pfn);
    }

    /// `finish_fault`: installs the entry for the page (taking over the
    /// caller's reference); `VM_FAULT_NOPAGE` if an entry appeared
    /// meanwhile.  A page of a large folio of the file brings the whole
    /// folio when it lies inside the VMA and one page table, does not
    /// reach past the end of the file, and none of its entries is set.
    fn finish_fault(&self, vmf: &VmFaultCtx<'_>, pfn: Pfn, what: Mapped) -> VmFault {
        let m = &*self.machine;
        let vma = vmf.vma;
        // A page of a PMD-sized folio, with no table below the PMD yet:
        // one leaf maps the folio if it can (`do_set_pmd`).
        if what == Mapped::File
            && let Some(order) = m.hpage_pmd_order()
            && self.read_table(crate::arch::PMD_LEVEL, vmf.pmd) == crate::arch::TableEntry::None
            && let Some(folio) = vma.file().and_then(|f| f.inode.mapping.folio(vmf.pgoff))
            && folio.order == order
            && Pfn(folio.pfn.0 + (vmf.pgoff - folio.index)) == pfn
        {
            let ret = self.do_set_pmd(vmf, folio.pfn, pfn);
            if ret != VmFault::FALLBACK {
                return ret;
            }
        }
        let slot = match self.pte_alloc(vmf.pmd, vmf.address) {
            Ok(s) => s,
            Err(e) => return e,
        };
        let mut extra = PteFlags::empty();
        if vmf.is_write() {
            extra |= PteFlags::DIRTY;
            if vma.flags.contains(VmFlags::WRITE) {
                extra |= PteFlags::WRITE;
            }
        }
        let entry = Pte::page(pfn, vma.page_prot).with(extra);
        let large = if what == Mapped::File { self.finish_fault_folio(vmf, pfn) } else { None };
        let Some(_ptl) = self.pte_offset_map_lock(vmf.pmd, slot.table) else {
            return VmFault::NOPAGE;
        };
        if let Some((first_addr, head, nr)) = large {
            let slots = |i: u64| Slot {
                table: slot.table,
                idx: self.pt_index(PTE_LEVEL, first_addr + (i << crate::types::PAGE_SHIFT)),
            };
            if (0..nr).all(|i| self.read_pte(slots(i)).is_none()) {
                for i in 0..nr {
                    let p = Pfn(head.0 + i);
                    if p != pfn {
                        m.get_page(p);
                    }
                    self.folio_add_file_rmap_pte(p, vma);
                    self.set_pte(slots(i), Pte::page(p, vma.page_prot).with(extra));
                }
                self.counters.file_rss.add(nr as i64);
                trace_note!(
                    m.trace,
                    "set_pte_range",
                    "{:#x}..{:#x}: the whole folio of {} pages -> pfn {:#x}..",
                    first_addr,
                    first_addr + (nr << crate::types::PAGE_SHIFT),
                    nr,
                    head.0
                );
                return VmFault::empty();
            }
            // needs_fallback: some entry is set; the faulting page alone.
        }
        if !self.read_pte(slot).is_none() {
            trace_note!(m.trace, "finish_fault", "entry appeared meanwhile");
            return VmFault::NOPAGE;
        }
        match what {
            Mapped::Anon => {
                let anon_vma = vma.anon_vma().expect("anon_vma prepared for a copy");
                self.folio_add_new_anon_rmap(pfn, vma, anon_vma, vmf.address);
            }
            Mapped::File => {
                self.folio_add_file_rmap_pte(pfn, vma);
                self.counters.file_rss.add(1);
            }
        }
        self.set_pte(slot, entry);
        trace_note!(m.trace, "set_pte_at", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
        VmFault::empty()
    }

    /// Where `finish_fault` maps the whole large folio of page-cache page
    /// `pfn`: its first address, head frame and pages; `None` for an
    /// order-0 page, a folio reaching past the end of the file or outside
    /// the VMA or the faulting page's page table.
    fn finish_fault_folio(&self, vmf: &VmFaultCtx<'_>, pfn: Pfn) -> Option<(u64, Pfn, u64)> {
        let file = vmf.vma.file()?;
        if !file.inode.mapping.mapping_large_folio_support() {
            return None;
        }
        let folio = file.inode.mapping.folio(vmf.pgoff)?;
        let nr = folio.nr_pages();
        if folio.order == 0 || Pfn(folio.pfn.0 + (vmf.pgoff - folio.index)) != pfn {
            return None;
        }
        if file.inode.size_pages() < folio.next_index() {
            return None;
        }
        let idx = vmf.pgoff - folio.index;
        let vma_off = vmf.pgoff - vmf.vma.pgoff;
        let pte_off = self.pt_index(PTE_LEVEL, vmf.address) as u64;
        if vma_off < idx
            || vma_off + (nr - idx) > vmf.vma.pages()
            || pte_off < idx
            || pte_off + (nr - idx) > self.machine.geometry.ptrs as u64
        {
            return None;
        }
        Some((vmf.address - (idx << crate::types::PAGE_SHIFT), folio.pfn, nr))
    }

    /// `wp_page_shared`: a write to a read-only entry of a shared mapping
    /// (one that tracks writes): `page_mkwrite`, then the entry becomes
    /// writable and the page dirty.  Called with the page-table lock held.
    pub(crate) fn wp_page_shared(
        &self,
        vmf: &VmFaultCtx<'_>,
        slot: Slot,
        orig: Pte,
        ptl: SpinLockGuard<'_, ()>,
    ) -> VmFault {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "wp_page_shared");
        let Some(pfn) = self.vm_normal_page(orig) else {
            return VmFault::SIGBUS;
        };
        let vm_ops = vmf.vma.vm_ops().expect("shared file VMA").clone();
        let mut ptl = Some(ptl);
        if vm_ops.has_page_mkwrite() {
            drop(ptl.take());
            m.get_page(pfn);
            let tmp = self.do_page_mkwrite(vmf, vm_ops.as_ref(), pfn);
            m.put_page(pfn);
            if tmp.intersects(VmFault::ERROR | VmFault::NOPAGE) {
                return tmp;
            }
            ptl = self.pte_offset_map_lock(vmf.pmd, slot.table);
            if ptl.is_none() || self.read_pte(slot) != orig {
                trace_note!(m.trace, "wp_page_shared", "entry changed meanwhile");
                return VmFault::empty();
            }
        }
        let entry = orig.with(PteFlags::ACCESSED | PteFlags::DIRTY | PteFlags::WRITE);
        self.set_pte(slot, entry);
        drop(ptl);
        trace_note!(m.trace, "wp_page_reuse", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
        self.fault_dirty_shared_page(vmf, pfn);
        VmFault::empty()
    }
}
