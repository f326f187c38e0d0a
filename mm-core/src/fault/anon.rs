//! `do_anonymous_page`: the first touch of an anonymous page; and
//! `special_mapping_fault`: the first touch of a `[vdso]` or `[vvar]` page.

use super::{VmFaultCtx, describe_pte};
use crate::alloc::Gfp;
use crate::arch::{Pte, PteFlags};
use crate::errno::VmFault;
use crate::flags::VmFlags;
use crate::mm::MmStruct;
use crate::mthp::MthpStat;
use crate::pgtable::Slot;
use crate::types::{PAGE_SIZE, Pfn};
use crate::{trace_enter, trace_note};

impl MmStruct {
    /// `do_anonymous_page`: a read maps the shared zero page read-only; a
    /// write allocates a zeroed page, which becomes writable and dirty if
    /// the VMA is writable.
    ///
    /// `slot` is the entry's slot if its page table already exists.
    pub(crate) fn do_anonymous_page(&self, vmf: &VmFaultCtx<'_>, slot: Option<Slot>) -> VmFault {
        let m = &*self.machine;
        let vma = vmf.vma;
        let _t = trace_enter!(m.trace, "do_anonymous_page", "{}", if vmf.is_write() { "write" } else { "read" });
        if vma.flags.contains(VmFlags::SHARED) {
            return VmFault::SIGBUS;
        }
        let slot = match slot.map_or_else(|| self.pte_alloc(vmf.pmd, vmf.address), Ok) {
            Ok(s) => s,
            Err(e) => return e,
        };
        if !vmf.is_write() {
            let entry = Pte::page(m.zero_pfn, vma.page_prot | PteFlags::SPECIAL);
            // The zero page has no rmap or reference to update, so a single
            // compare-and-swap of the empty entry does what the kernel does
            // under the page-table lock.
            if !self.set_pte_if_none(slot, entry) {
                trace_note!(m.trace, "do_anonymous_page", "entry appeared meanwhile");
                return VmFault::empty();
            }
            trace_note!(m.trace, "set_pte_at", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
            return VmFault::empty();
        }
        let anon_vma = match self.vmf_anon_prepare(vmf) {
            Ok(a) => a,
            Err(e) => return e,
        };
        if m.mthp.any()
            && let Some((pfn, order)) = self.alloc_anon_folio(vma, vmf.address, slot)
        {
            return self.map_anon_folio_pte_nr(vmf, slot, anon_vma, pfn, order);
        }
        let Some(pfn) = m.alloc_pages(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, 0) else {
            trace_note!(m.trace, "alloc_anon_folio", "out of memory");
            return VmFault::OOM;
        };
        trace_note!(m.trace, "alloc_anon_folio", "pfn {:#x}, zeroed", pfn.0);
        let mut entry = Pte::page(pfn, vma.page_prot);
        if vma.flags.contains(VmFlags::WRITE) {
            entry = entry.with(PteFlags::WRITE | PteFlags::DIRTY);
        }
        let ptl = self.pte_offset_map_lock(vmf.pmd, slot.table);
        if ptl.is_none() || !self.read_pte(slot).is_none() {
            trace_note!(m.trace, "do_anonymous_page", "entry appeared meanwhile: page released");
            m.put_page(pfn);
            return VmFault::empty();
        }
        self.folio_add_new_anon_rmap(pfn, vma, anon_vma, vmf.address);
        self.set_pte(slot, entry);
        trace_note!(m.trace, "set_pte_at", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
        VmFault::empty()
    }

    /// `alloc_anon_folio`'s large part: the highest order the VMA allows
    /// (`thp_vma_allowable_orders`, `thp_vma_suitable_orders`) whose
    /// aligned range around the address has no entry yet
    /// (`pte_range_none`), then lower ones while no block of that order
    /// can be had (`anon_fault_fallback`).  `None` sends the fault to an
    /// order-0 page.
    fn alloc_anon_folio(&self, vma: &crate::mm::Vma, address: u64, slot: Slot) -> Option<(Pfn, u32)> {
        let m = &*self.machine;
        let mut orders = self.thp_vma_allowable_orders(vma);
        if orders == 0 {
            return None;
        }
        orders = Self::thp_vma_suitable_orders(vma, address, orders);
        // Find the highest order whose aligned range has no entry; every
        // lower order's range lies inside it.
        while orders != 0 {
            let order = 31 - orders.leading_zeros();
            let nr = 1u64 << order;
            let first = Slot { table: slot.table, idx: slot.idx & !(nr as usize - 1) };
            if self.pte_range_none(first, nr) {
                break;
            }
            orders &= !(1 << order);
        }
        while orders != 0 {
            let order = 31 - orders.leading_zeros();
            if let Some(pfn) = self.vma_alloc_anon_folio(vma, order) {
                trace_note!(m.trace, "alloc_anon_folio", "folio of order {order} at pfn {:#x}, zeroed", pfn.0);
                return Some((pfn, order));
            }
            m.count_mthp_stat(order, MthpStat::AnonFaultFallback);
            trace_note!(m.trace, "alloc_anon_folio", "no folio of order {order}: fallback");
            orders &= !(1 << order);
        }
        None
    }

    /// The end of `do_anonymous_page` for a large folio: its `nr` pages
    /// mapped by the `nr` entries of its aligned range in this one fault
    /// (`folio_add_new_anon_rmap`, `set_ptes`), unless one of them
    /// appeared meanwhile.
    fn map_anon_folio_pte_nr(
        &self,
        vmf: &VmFaultCtx<'_>,
        slot: Slot,
        anon_vma: &crate::mm::AnonVma,
        pfn: Pfn,
        order: u32,
    ) -> VmFault {
        let m = &*self.machine;
        let vma = vmf.vma;
        let nr = 1u64 << order;
        let addr = vmf.address & !((PAGE_SIZE << order) - 1);
        let first = Slot { table: slot.table, idx: slot.idx & !(nr as usize - 1) };
        let ptl = self.pte_offset_map_lock(vmf.pmd, slot.table);
        if ptl.is_none() || !self.pte_range_none(first, nr) {
            drop(ptl);
            trace_note!(m.trace, "do_anonymous_page", "entries appeared meanwhile: folio released");
            for i in 0..nr {
                m.put_page(Pfn(pfn.0 + i));
            }
            return VmFault::empty();
        }
        self.folio_add_new_anon_rmap_ptes(pfn, nr, vma, anon_vma, addr);
        m.count_mthp_stat(order, MthpStat::AnonFaultAlloc);
        let mut entry = Pte::page(pfn, vma.page_prot);
        if vma.flags.contains(VmFlags::WRITE) {
            entry = entry.with(PteFlags::WRITE | PteFlags::DIRTY);
        }
        let flags = entry.flags();
        for i in 0..nr {
            self.set_pte(Slot { table: first.table, idx: first.idx + i as usize }, Pte::page(Pfn(pfn.0 + i), flags));
        }
        trace_note!(m.trace, "set_ptes", "{:#x} -> {} pages from {}", addr, nr, describe_pte(m, entry));
        VmFault::empty()
    }

    /// `special_mapping_fault` (`vdso_fault`, `vvar_fault`): the page of a
    /// `[vdso]` or `[vvar]` mapping.  The model keeps no vDSO image or
    /// time data, so the entry maps the shared zero page, read-only and
    /// special, as the kernel's pages of these mappings are never
    /// reclaimed or copied; the fault counts as a minor one.
    pub(crate) fn special_mapping_fault(&self, vmf: &VmFaultCtx<'_>, slot: Option<Slot>) -> VmFault {
        let m = &*self.machine;
        let vma = vmf.vma;
        let _t = trace_enter!(m.trace, "special_mapping_fault", "{}", vma.special_name().unwrap_or(""));
        if vmf.is_write() {
            // The pages are the kernel's: a write (after mprotect) would
            // need FOLL_FORCE-style copying, which the model does not do.
            return VmFault::SIGBUS;
        }
        let slot = match slot.map_or_else(|| self.pte_alloc(vmf.pmd, vmf.address), Ok) {
            Ok(s) => s,
            Err(e) => return e,
        };
        let entry = Pte::page(m.zero_pfn, vma.page_prot | PteFlags::SPECIAL);
        if self.set_pte_if_none(slot, entry) {
            trace_note!(m.trace, "set_pte_at", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
        }
        VmFault::empty()
    }
}
