//! `do_wp_page`: a write to a present entry that does not allow writing
//! (copy on write).

use super::{VmFaultCtx, describe_pte};
use crate::alloc::Gfp;
use crate::arch::{Pte, PteFlags};
use crate::errno::VmFault;
use crate::flags::{PageFlags, VmFlags};
use crate::mm::{MmStruct, Vma};
use crate::pgtable::Slot;
use crate::spinlock::SpinLockGuard;
use crate::types::Pfn;
use crate::vmstat::VmEvent;
use crate::{trace_enter, trace_note};

/// `maybe_mkwrite`: writable if the VMA is.
fn maybe_mkwrite(pte: Pte, vma: &Vma) -> Pte {
    if vma.flags.contains(VmFlags::WRITE) { pte.with(PteFlags::WRITE) } else { pte }
}

impl MmStruct {
    /// `do_wp_page`, called with the page-table lock held: an exclusive
    /// anonymous page is reused in place, anything else (the zero page, a
    /// page shared after fork) is copied after dropping the lock.
    ///
    /// The old page is pinned (`folio_get`) before the lock goes: the
    /// copy's allocation may reclaim, and reclaim must neither unmap nor
    /// free the page being copied.
    pub(crate) fn do_wp_page(
        &self,
        vmf: &VmFaultCtx<'_>,
        slot: Slot,
        orig: Pte,
        ptl: SpinLockGuard<'_, ()>,
    ) -> VmFault {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "do_wp_page", "{}", describe_pte(m, orig));
        if vmf.vma.flags.intersects(VmFlags::SHARED | VmFlags::MAYSHARE) {
            return self.wp_page_shared(vmf, slot, orig, ptl);
        }
        let old_page = self.vm_normal_page(orig);
        if let Some(pfn) = old_page {
            let page = m.phys.page(pfn);
            if page.is_anon() {
                if page.test(PageFlags::ANON_EXCLUSIVE) {
                    trace_note!(
                        m.trace,
                        "do_wp_page",
                        "pfn {:#x}: PageAnonExclusive (refcount {}, mapcount {}): reuse",
                        pfn.0,
                        page.refcount(),
                        page.mapcount()
                    );
                    return self.wp_page_reuse(vmf, slot, orig);
                }
                if self.wp_can_reuse_anon_folio(pfn) {
                    page.set_flags(PageFlags::ANON_EXCLUSIVE);
                    return self.wp_page_reuse(vmf, slot, orig);
                }
            } else {
                trace_note!(
                    m.trace,
                    "do_wp_page",
                    "pfn {:#x}: not anonymous (a file page in a private mapping): copy",
                    pfn.0
                );
            }
            m.get_page(pfn);
        }
        drop(ptl);
        self.wp_page_copy(vmf, slot, orig, old_page)
    }

    /// `wp_can_reuse_anon_folio`: nobody else holds a reference (a swap
    /// cache reference is dropped first if no swap entry needs the slot);
    /// a page of a large folio follows the folio's rule
    /// (`__wp_can_reuse_large_anon_folio`).
    fn wp_can_reuse_anon_folio(&self, pfn: Pfn) -> bool {
        let m = &*self.machine;
        let page = m.phys.page(pfn);
        if page.flags().intersects(PageFlags::HEAD | PageFlags::TAIL)
            && let Some(head) = m.large_folio_head(pfn)
        {
            return self.__wp_can_reuse_large_anon_folio(head);
        }
        // A page not on the lists may owe a reference to this CPU's batch
        // of LRU additions: drained, that reference goes (another CPU's
        // batch is out of reach).  Not worth it with more than three.
        if page.refcount() <= 3 && !page.test(PageFlags::LRU) {
            m.lru_add_drain();
        }
        let swapcache = page.test(PageFlags::SWAPCACHE);
        let (refs, maps) = (page.refcount(), page.mapcount());
        if refs > 1 + i32::from(swapcache) {
            trace_note!(
                m.trace,
                "wp_can_reuse_anon_folio",
                "pfn {:#x}: refcount {} > 1{} (mapcount {}), shared: copy",
                pfn.0,
                refs,
                if swapcache { " + swapcache" } else { "" },
                maps
            );
            return false;
        }
        if swapcache {
            m.folio_free_swap(pfn);
        }
        let reuse = page.refcount() == 1;
        trace_note!(
            m.trace,
            "wp_can_reuse_anon_folio",
            "pfn {:#x}: refcount {}{}, mapcount {}, not KSM: {}",
            pfn.0,
            page.refcount(),
            match (swapcache, page.test(PageFlags::SWAPCACHE)) {
                (true, false) => " after folio_free_swap",
                (true, true) => " (swap slot still needed)",
                _ => "",
            },
            maps,
            if reuse { "exclusive, reuse" } else { "copy" }
        );
        reuse
    }

    /// `wp_page_reuse`: makes the entry writable and dirty in place.  No
    /// flush: a stale read-only translation only causes a spurious fault.
    fn wp_page_reuse(&self, vmf: &VmFaultCtx<'_>, slot: Slot, orig: Pte) -> VmFault {
        let m = &*self.machine;
        let entry = maybe_mkwrite(orig.with(PteFlags::ACCESSED | PteFlags::DIRTY), vmf.vma);
        self.set_pte(slot, entry);
        m.vmstat.count(VmEvent::PgReuse, 1);
        trace_note!(m.trace, "wp_page_reuse", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
        VmFault::empty()
    }

    /// `wp_page_copy`: a new private copy (zeroed when the old page is the
    /// zero page) replaces the entry; the old translation is flushed first.
    /// `old_page` (none for the zero page) comes with a reference the
    /// caller took for the copy, dropped here.
    fn wp_page_copy(&self, vmf: &VmFaultCtx<'_>, slot: Slot, orig: Pte, old_page: Option<Pfn>) -> VmFault {
        let m = &*self.machine;
        let put_old = || {
            if let Some(old) = old_page {
                m.put_page(old);
            }
        };
        let vma = vmf.vma;
        let old_pfn = orig.pfn().expect("present entry");
        let from_zero = m.is_zero_pfn(old_pfn);
        let anon_vma = match self.vmf_anon_prepare(vmf) {
            Ok(a) => a,
            Err(e) => {
                put_old();
                return e;
            }
        };
        let gfp = if from_zero { Gfp::HIGHUSER_MOVABLE | Gfp::ZERO } else { Gfp::HIGHUSER_MOVABLE };
        let Some(new) = m.alloc_pages(gfp, 0) else {
            trace_note!(m.trace, "wp_page_copy", "out of memory");
            put_old();
            return VmFault::OOM;
        };
        if from_zero {
            trace_note!(m.trace, "wp_page_copy", "zero page: new zeroed pfn {:#x}", new.0);
        } else {
            m.phys.copy_frame(new, old_pfn);
            trace_note!(m.trace, "wp_page_copy", "copied pfn {:#x} to new pfn {:#x}", old_pfn.0, new.0);
        }
        let entry = maybe_mkwrite(Pte::page(new, vma.page_prot).with(PteFlags::DIRTY), vma);
        let ptl = self.pte_offset_map_lock(vmf.pmd, slot.table);
        if ptl.is_none() || self.read_pte(slot) != orig {
            trace_note!(m.trace, "wp_page_copy", "entry changed meanwhile: copy released");
            m.put_page(new);
            put_old();
            return VmFault::empty();
        }
        // ptep_clear_flush
        self.set_pte(slot, Pte::None);
        m.flush_tlb_page(self, vmf.address);
        self.folio_add_new_anon_rmap(new, vma, anon_vma, vmf.address);
        self.set_pte(slot, entry);
        trace_note!(m.trace, "set_pte_at", "{:#x} -> {}", vmf.address, describe_pte(m, entry));
        if let Some(old) = old_page {
            self.folio_remove_rmap_pte(old, vma);
            drop(ptl);
            // free_swap_cache: a copied page nothing maps any more leaves
            // the swap cache if no swap entry refers to its slot (another
            // reference, such as an LRU batch's, kept it from being
            // reused).
            if m.phys.page(old).test(PageFlags::SWAPCACHE) && m.phys.page(old).mapcount() == 0 {
                m.folio_free_swap(old);
            }
            // The entry's reference and the copy's go together.
            m.folio_put_refs(old, 2);
        }
        VmFault::empty()
    }
}
