//! Populating mappings ahead of use (`MAP_POPULATE`): mm/gup.c
//! `__mm_populate`, `populate_vma_page_range`, `__get_user_pages`.

use super::MmStruct;
use crate::errno::VmFault;
use crate::fault::FaultCounters;
use crate::flags::{FaultFlags, VmFlags};
use crate::types::{PAGE_MASK, PAGE_SIZE};
use crate::{trace_enter, trace_note};

impl MmStruct {
    /// `mm_populate`: faults in `[start, start + len)` as the task would,
    /// VMA by VMA, ignoring errors.  Each fault counts for `counters`.
    pub fn mm_populate(&self, counters: &FaultCounters, start: u64, len: u64) {
        let m = &*self.machine;
        let end = start.saturating_add(len);
        let _t = trace_enter!(m.trace, "__mm_populate", "{:#x}-{:#x}", start, end);
        let st = self.mmap_lock.read();
        let mut nstart = start;
        while nstart < end {
            let Some(v) = st.vmas.find(nstart).filter(|v| v.start < end) else {
                break;
            };
            nstart = nstart.max(v.start);
            let nend = end.min(v.end);
            if !v.flags.intersects(VmFlags::IO | VmFlags::PFNMAP) {
                self.populate_vma_page_range(&st, v, nstart, nend, counters);
            }
            nstart = nend;
        }
    }

    /// `populate_vma_page_range`: private writable mappings are faulted for
    /// writing (so that they get their own pages), everything else for
    /// reading; `PROT_NONE` mappings are skipped.
    fn populate_vma_page_range(
        &self,
        st: &super::MmState,
        vma: &super::Vma,
        start: u64,
        end: u64,
        counters: &FaultCounters,
    ) {
        let m = &*self.machine;
        if vma.flags.contains(VmFlags::LOCKONFAULT) || !vma.is_accessible() {
            trace_note!(
                m.trace,
                "populate_vma_page_range",
                "{:08x}-{:08x} not accessible: skipped",
                vma.start,
                vma.end
            );
            return;
        }
        let foll_write = vma.flags & (VmFlags::WRITE | VmFlags::SHARED) == VmFlags::WRITE;
        let mut addr = start & PAGE_MASK;
        let mut tries = 0;
        let mut retried = false;
        while addr < end {
            // follow_page_mask: is a usable entry already there?
            let pte = self.lookup_pte(addr);
            let usable = pte.is_present() && !pte.is_protnone() && (!foll_write || pte.is_write());
            if !usable && tries < 2 {
                tries += 1;
                // faultin_page: no FAULT_FLAG_USER, no regs.
                let mut flags = FaultFlags::ALLOW_RETRY | FaultFlags::KILLABLE;
                if foll_write {
                    flags |= FaultFlags::WRITE;
                }
                if retried {
                    // __get_user_pages_locked: again with FOLL_TRIED.
                    flags |= FaultFlags::TRIED;
                }
                let ret = self.handle_mm_fault(st, vma, addr, flags, Some(counters));
                retried = ret.contains(VmFault::RETRY);
                if ret.intersects(VmFault::ERROR) {
                    return;
                }
                continue;
            }
            addr += PAGE_SIZE;
            tries = 0;
            retried = false;
        }
    }
}
