//! `do_swap_page`: a fault on an entry that holds a swap entry.

use super::{VmFaultCtx, describe_pte};
use crate::arch::{Pte, PteFlags};
use crate::errno::VmFault;
use crate::flags::{FaultFlags, PageFlags, VmFlags};
use crate::mm::MmStruct;
use crate::pgtable::Slot;
use crate::rmap::folio_add_anon_rmap_pte;
use crate::swap::SwpEntry;
use crate::{trace_enter, trace_note};
use std::sync::atomic::Ordering;

impl MmStruct {
    /// `do_swap_page`: finds the page in the swap cache or reads it (with
    /// readahead, a major fault), maps it, and drops the entry's
    /// reference on the slot.  A page exclusive to this mapping is mapped
    /// writable at once (and dirty on a write), as `do_wp_page` would
    /// reuse it; a write to a page still shared goes on to `do_wp_page`.
    pub(crate) fn do_swap_page(&self, vmf: &VmFaultCtx<'_>, slot: Slot, orig: Pte) -> VmFault {
        let m = &*self.machine;
        let Pte::Swap { ty, offset, exclusive } = orig else {
            return VmFault::empty();
        };
        let entry = SwpEntry { ty, offset };
        let _t = trace_enter!(m.trace, "do_swap_page", "swap type {ty} offset {offset:#x}");
        if m.swap.info(ty).is_none() {
            trace_note!(m.trace, "do_swap_page", "no such swap area: SIGBUS");
            return VmFault::SIGBUS;
        }
        let mut ret = VmFault::empty();
        let pfn = match m.swap_cache_get_folio(entry) {
            Some(p) => {
                trace_note!(m.trace, "swap_cache_get_folio", "swap cache hit: pfn {:#x}", p.0);
                p
            }
            None => {
                let Some(p) = m.swapin_readahead(entry) else {
                    // The entry may have been dealt with meanwhile.
                    let ptl = self.pte_offset_map_lock(vmf.pmd, slot.table);
                    return if ptl.is_some() && self.read_pte(slot) == orig { VmFault::OOM } else { VmFault::empty() };
                };
                ret |= VmFault::MAJOR;
                p
            }
        };
        let page = m.phys.page(pfn);
        // folio_lock: a page still being read in, or being reclaimed, is
        // waited for.
        page.lock();
        let Some(ptl) = self.pte_offset_map_lock(vmf.pmd, slot.table).filter(|_| {
            self.read_pte(slot) == orig && m.page_swap_entry(pfn) == Some(entry) && page.test(PageFlags::UPTODATE)
        }) else {
            page.unlock();
            trace_note!(m.trace, "do_swap_page", "entry changed meanwhile");
            m.put_page(pfn);
            return ret;
        };
        // swap_free_nr: this entry no longer holds the slot.
        m.swap.swap_free(entry);
        // should_try_to_free_swap: a write to a page only we hold frees the
        // slot now (so the page can be reused), as does swap filling up.
        let write = vmf.is_write();
        if m.swap.vm_swap_full() || (write && page.refcount() == 2) {
            m.folio_free_swap_locked(pfn);
        }
        self.counters.anon_rss.add(1);
        self.counters.swap_ents.fetch_sub(1, Ordering::Relaxed);
        let mut pte = Pte::page(pfn, vmf.vma.page_prot);
        let mut flags = vmf.flags;
        let reuse = exclusive || page.refcount() == 1;
        if reuse && vmf.vma.flags.contains(VmFlags::WRITE) {
            pte = pte.with(PteFlags::WRITE);
            if write {
                pte = pte.with(PteFlags::DIRTY);
                flags -= FaultFlags::WRITE;
            }
        }
        // folio_add_new_anon_rmap for a page fresh from swap, else
        // folio_add_anon_rmap_pte.
        if !page.is_anon()
            && let Some(av) = vmf.vma.anon_vma()
        {
            page.mapping.store(av.id << 1 | crate::phys::PAGE_MAPPING_ANON, Ordering::Release);
            page.index.store(vmf.pgoff, Ordering::Relaxed);
        }
        folio_add_anon_rmap_pte(page);
        if reuse {
            page.set_flags(PageFlags::ANON_EXCLUSIVE);
        }
        if vmf.vma.flags.contains(VmFlags::LOCKED) {
            m.lru_ctx().mlock_vma_folio(pfn, vmf.vma.flags);
        }
        self.set_pte(slot, pte);
        page.unlock();
        trace_note!(m.trace, "set_pte_at", "{:#x} -> {}", vmf.address, describe_pte(m, pte));
        if flags.contains(FaultFlags::WRITE) {
            // do_wp_page with the lock held: the page is shared.
            let vmf2 = VmFaultCtx { flags, ..*vmf };
            return ret | self.do_wp_page(&vmf2, slot, pte, ptl);
        }
        ret
    }
}
