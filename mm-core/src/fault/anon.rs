//! `do_anonymous_page`: the first touch of an anonymous page; and
//! `special_mapping_fault`: the first touch of a `[vdso]` or `[vvar]` page.

use super::{VmFaultCtx, describe_pte};
use crate::alloc::Gfp;
use crate::arch::{Pte, PteFlags};
use crate::errno::VmFault;
use crate::flags::VmFlags;
use crate::mm::MmStruct;
use crate::pgtable::Slot;
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
        let anon_vma = self.anon_vma_prepare(vmf.st, vma);
        let Some(pfn) = m.alloc_pages(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, 0) else {
            trace_note!(m.trace, "alloc_anon_folio", "out of memory");
            return VmFault::OOM;
        };
        trace_note!(m.trace, "alloc_anon_folio", "pfn {:#x}, zeroed", pfn.0);
        let mut entry = Pte::page(pfn, vma.page_prot);
        if vma.flags.contains(VmFlags::WRITE) {
            entry = entry.with(PteFlags::WRITE | PteFlags::DIRTY);
        }
        let _ptl = self.page_table_lock.lock();
        if !self.read_pte(slot).is_none() {
            trace_note!(m.trace, "do_anonymous_page", "entry appeared meanwhile: page released");
            m.put_page(pfn);
            return VmFault::empty();
        }
        self.folio_add_new_anon_rmap(pfn, vma, &anon_vma, vmf.address);
        self.set_pte(slot, entry);
        trace_note!(m.trace, "set_pte_at", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
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
