//! Populating mappings ahead of use (`MAP_POPULATE`, `MAP_LOCKED`, `mlock`,
//! `MADV_POPULATE_READ`/`WRITE`): mm/gup.c `__mm_populate`,
//! `populate_vma_page_range`, `faultin_page_range`, `__get_user_pages`.

use super::{MmState, MmStruct, Vma};
use crate::errno::{Errno, SysResult, VmFault};
use crate::fault::FaultCounters;
use crate::flags::{FaultFlags, VmFlags};
use crate::types::{PAGE_MASK, PAGE_SHIFT, PAGE_SIZE};
use crate::{trace_enter, trace_note};

/// The `FOLL_*` flags of `__get_user_pages` that change what it does here.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Foll {
    /// `FOLL_WRITE`: fault for writing (break COW, dirty).
    pub write: bool,
    /// `FOLL_FORCE`: a read of a VMA that is not readable (but may be) is
    /// allowed.
    pub force: bool,
    /// `FOLL_MADV_POPULATE`: a hole is `ENOMEM`, a VMA whose flags refuse
    /// the access `EINVAL`.
    pub madv_populate: bool,
}

/// `check_vma_flags` for the flags above: `EFAULT` when the VMA cannot be
/// accessed so.
fn check_vma_flags(vma: &Vma, foll: Foll) -> SysResult<()> {
    let f = vma.flags;
    if f.intersects(VmFlags::IO | VmFlags::PFNMAP) {
        return Err(Errno::EFAULT);
    }
    if foll.write {
        if !f.contains(VmFlags::WRITE) {
            // FOLL_FORCE writes only into private (COW) mappings that may
            // be written.
            if !foll.force || !f.contains(VmFlags::MAYWRITE) || f.contains(VmFlags::SHARED) {
                return Err(Errno::EFAULT);
            }
        }
    } else if !f.contains(VmFlags::READ) && (!foll.force || !f.contains(VmFlags::MAYREAD)) {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

impl MmStruct {
    /// `mm_populate`: faults in `[start, start + len)` as the task would,
    /// VMA by VMA, ignoring errors.  Each fault counts for `counters`.
    pub fn mm_populate(&self, counters: &FaultCounters, start: u64, len: u64) {
        let _ = self.__mm_populate(counters, start, len, true);
    }

    /// `__mm_populate`: `populate_vma_page_range` over every VMA that
    /// overlaps `[start, start + len)` (`VM_IO`/`VM_PFNMAP` ones skipped).
    /// The first error stops it unless `ignore_errors`.
    pub(crate) fn __mm_populate(
        &self,
        counters: &FaultCounters,
        start: u64,
        len: u64,
        ignore_errors: bool,
    ) -> SysResult<()> {
        let m = &*self.machine;
        let end = start.saturating_add(len);
        let _t = trace_enter!(m.trace, "__mm_populate", "{:#x}-{:#x}", start, end);
        let st = self.mmap_lock.read();
        let mut nstart = start;
        while nstart < end {
            let Some(v) = st.vmas.find_intersection(nstart, end) else {
                break;
            };
            let nend = end.min(v.end);
            if v.flags.intersects(VmFlags::IO | VmFlags::PFNMAP) {
                nstart = nend;
                continue;
            }
            nstart = nstart.max(v.start);
            match self.populate_vma_page_range(&st, v, nstart, nend, counters) {
                Ok(done) => nstart += done << PAGE_SHIFT,
                Err(_) if ignore_errors => nstart = nend,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// `populate_vma_page_range`: private writable mappings are faulted for
    /// writing (so that they get their own pages), everything else for
    /// reading, with `FOLL_FORCE` unless the VMA is `PROT_NONE` (which then
    /// fails with `EFAULT`).  A `VM_LOCKONFAULT` VMA is left as it is.
    /// Returns the pages done.
    pub(crate) fn populate_vma_page_range(
        &self,
        st: &MmState,
        vma: &Vma,
        start: u64,
        end: u64,
        counters: &FaultCounters,
    ) -> SysResult<u64> {
        let m = &*self.machine;
        let nr_pages = (end - start) >> PAGE_SHIFT;
        if vma.flags.contains(VmFlags::LOCKONFAULT) {
            trace_note!(m.trace, "populate_vma_page_range", "{:08x}-{:08x} VM_LOCKONFAULT: left", vma.start, vma.end);
            return Ok(nr_pages);
        }
        let foll = Foll {
            write: vma.flags & (VmFlags::WRITE | VmFlags::SHARED) == VmFlags::WRITE,
            force: vma.is_accessible(),
            madv_populate: false,
        };
        self.__get_user_pages(st, start, nr_pages, foll, counters)
    }

    /// `faultin_page_range` (`MADV_POPULATE_READ`/`WRITE`): faults in
    /// `[start, end)` across VMAs with the task's own access rights (no
    /// `FOLL_FORCE`).  Returns the pages done before the first problem,
    /// or the problem when it is at `start`.
    pub(crate) fn faultin_page_range(
        &self,
        st: &MmState,
        start: u64,
        end: u64,
        write: bool,
        counters: &FaultCounters,
    ) -> SysResult<u64> {
        let foll = Foll { write, force: false, madv_populate: true };
        self.__get_user_pages(st, start, (end - start) >> PAGE_SHIFT, foll, counters)
    }

    /// `__get_user_pages` without pages to return: for each page, an entry
    /// that allows the access (`follow_page_mask`), else a fault
    /// (`faultin_page`, with `FAULT_FLAG_ALLOW_RETRY|KILLABLE`, no
    /// `FAULT_FLAG_USER`).  Returns the pages done, or the error if none
    /// was.
    fn __get_user_pages(
        &self,
        st: &MmState,
        start: u64,
        nr_pages: u64,
        foll: Foll,
        counters: &FaultCounters,
    ) -> SysResult<u64> {
        let mut addr = start & PAGE_MASK;
        let mut done = 0;
        let mut vma: Option<&Vma> = None;
        let mut tries = 0;
        let mut retried = false;
        let partial = |done: u64, e: Errno| if done > 0 { Ok(done) } else { Err(e) };
        while done < nr_pages {
            if vma.is_none_or(|v| addr >= v.end) {
                // first iteration or crossing into the next VMA
                let Some(v) = st.vmas.lookup(addr) else {
                    return partial(done, if foll.madv_populate { Errno::ENOMEM } else { Errno::EFAULT });
                };
                if let Err(e) = check_vma_flags(v, foll) {
                    return partial(done, if foll.madv_populate { Errno::EINVAL } else { e });
                }
                vma = Some(v);
            }
            let v = vma.expect("looked up above");
            // follow_page_mask: is a usable entry already there?
            let pte = self.lookup_pte(addr);
            let usable = pte.is_present() && !pte.is_protnone() && (!foll.write || pte.is_write());
            if !usable && tries < 2 {
                tries += 1;
                // faultin_page: no FAULT_FLAG_USER, no regs.
                let mut flags = FaultFlags::ALLOW_RETRY | FaultFlags::KILLABLE;
                if foll.write {
                    flags |= FaultFlags::WRITE;
                }
                if retried {
                    // __get_user_pages_locked: again with FOLL_TRIED.
                    flags |= FaultFlags::TRIED;
                }
                let ret = self.handle_mm_fault(Some(st), v, addr, flags, Some(counters));
                retried = ret.contains(VmFault::RETRY);
                if ret.intersects(VmFault::ERROR) {
                    // vm_fault_to_errno
                    let e = if ret.contains(VmFault::OOM) { Errno::ENOMEM } else { Errno::EFAULT };
                    trace_note!(self.machine.trace, "faultin_page", "{:#x}: {}", addr, e.name());
                    return partial(done, e);
                }
                continue;
            }
            addr += PAGE_SIZE;
            done += 1;
            tries = 0;
            retried = false;
        }
        Ok(done)
    }
}
