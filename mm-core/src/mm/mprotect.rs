//! `mprotect` (mm/mprotect.c `do_mprotect_pkey`, `mprotect_fixup`), and
//! `change_protection`, which rewrites the present entries of a range with
//! its VMA's new protection.

use super::mmap::calc_vm_prot_bits;
use super::vma::vma_modify_flags;
use super::{MmState, MmStruct, Vma, pages, vm_stat_account};
use crate::arch::{Pte, PteFlags};
use crate::errno::{Errno, SysResult};
use crate::fault::FaultCounters;
use crate::flags::{PageFlags, Prot, VmFlags};
use crate::memory::MmuGather;
use crate::types::{PAGE_MASK, page_align};
use crate::{trace_enter, trace_note};

/// `PROT_SEM`: accepted and ignored.
const PROT_SEM: u64 = 0x8;

impl MmStruct {
    /// `do_mprotect_pkey`: gives `[start, start + len)` the protection
    /// `prot` (raw `PROT_*` bits), VMA by VMA.  A hole stops the walk with
    /// `ENOMEM`, leaving the VMAs before it changed, as Linux does.  A
    /// locked private mapping that becomes writable is populated for
    /// writing, its faults counted for `counters`.
    pub fn do_mprotect(&self, counters: &FaultCounters, start: u64, len: u64, prot: u64) -> SysResult<()> {
        let m = &*self.machine;
        let grows = prot & (Prot::GROWSDOWN | Prot::GROWSUP).bits();
        let prot = prot & !grows;
        if grows == (Prot::GROWSDOWN | Prot::GROWSUP).bits() {
            return Err(Errno::EINVAL);
        }
        if start & !PAGE_MASK != 0 {
            return Err(Errno::EINVAL);
        }
        if len == 0 {
            return Ok(());
        }
        let len = page_align(len).unwrap_or(0);
        let end = start.wrapping_add(len);
        if end <= start {
            return Err(Errno::ENOMEM);
        }
        if prot & !(Prot::READ | Prot::WRITE | Prot::EXEC).bits() & !PROT_SEM != 0 {
            return Err(Errno::EINVAL);
        }
        let prot = Prot::from_bits_truncate(prot);
        let mut st = self.mmap_write_lock();
        let _t = trace_enter!(m.trace, "do_mprotect_pkey", "{:#x}-{:#x} {:?}", start, end, prot);
        let first = st.vmas.find_intersection(start, end).ok_or(Errno::ENOMEM)?;
        let mut start = start;
        if grows & Prot::GROWSDOWN.bits() != 0 {
            start = first.start;
            if !first.flags.contains(VmFlags::GROWSDOWN) {
                return Err(Errno::EINVAL);
            }
        } else {
            if first.start > start {
                return Err(Errno::ENOMEM);
            }
            if grows & Prot::GROWSUP.bits() != 0 {
                // x86 has no VM_GROWSUP.
                return Err(Errno::EINVAL);
            }
        }
        let mut tlb = MmuGather::new(self);
        let mut nstart = start;
        let mut tmp = first.start;
        let mut error = Ok(());
        while let Some(v) = st.vmas.find(nstart).filter(|v| v.start < end) {
            if v.start != tmp {
                error = Err(Errno::ENOMEM);
                break;
            }
            let newflags = calc_vm_prot_bits(prot) | (v.flags - VmFlags::ACCESS_FLAGS);
            // VM_MAY* sit four bits above the flags they allow.
            let may = VmFlags::from_bits_retain(newflags.bits() >> 4);
            if (newflags - may).intersects(VmFlags::ACCESS_FLAGS) {
                error = Err(Errno::EACCES);
                break;
            }
            tmp = v.end.min(end);
            let vstart = v.start;
            match self.mprotect_fixup(&mut st, &mut tlb, vstart, nstart, tmp, newflags, counters) {
                Ok(e) => tmp = e,
                Err(e) => {
                    error = Err(e);
                    break;
                }
            }
            nstart = tmp;
        }
        tlb.finish();
        error?;
        if tmp < end {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }

    /// `mprotect_fixup`: `[start, end)` of the VMA at `vma_start` gets
    /// `newflags`; returns the end of the VMA that now covers `start`.
    #[allow(clippy::too_many_arguments)]
    fn mprotect_fixup(
        &self,
        st: &mut MmState,
        tlb: &mut MmuGather<'_>,
        vma_start: u64,
        start: u64,
        end: u64,
        newflags: VmFlags,
        counters: &FaultCounters,
    ) -> SysResult<u64> {
        let m = &*self.machine;
        let vma = st.vmas.get(vma_start).expect("vma exists");
        let oldflags = vma.flags;
        if newflags == oldflags {
            return Ok(vma.end);
        }
        let nrpages = pages(start, end);
        let mut newflags = newflags;
        if newflags.contains(VmFlags::WRITE) {
            if !self.may_expand_vm(st, newflags, nrpages) && self.may_expand_vm(st, oldflags, nrpages) {
                return Err(Errno::ENOMEM);
            }
            if !oldflags
                .intersects(VmFlags::ACCOUNT | VmFlags::WRITE | VmFlags::HUGETLB | VmFlags::SHARED | VmFlags::NORESERVE)
            {
                self.vm_enough_memory(nrpages)?;
                newflags |= VmFlags::ACCOUNT;
            }
        } else if oldflags.contains(VmFlags::ACCOUNT) && vma.is_anonymous() && vma.anon_vma().is_none() {
            newflags -= VmFlags::ACCOUNT;
        }
        let s = vma_modify_flags(m, st, vma_start, start, end, newflags)?;
        let v = st.vmas.get(s).expect("modified vma exists");
        trace_note!(m.trace, "mprotect_fixup", "{:08x}-{:08x} now {}", v.start, v.end, v.perms());
        self.change_protection(tlb, v, start, end);
        let vend = v.end;
        // A private VM_LOCKED VMA becoming writable: break COW now rather
        // than on a later write.
        if oldflags & (VmFlags::WRITE | VmFlags::SHARED | VmFlags::LOCKED) == VmFlags::LOCKED
            && newflags.contains(VmFlags::WRITE)
        {
            let _ = self.populate_vma_page_range(st, v, start, end, counters);
        }
        vm_stat_account(st, oldflags, -(nrpages as i64));
        vm_stat_account(st, newflags, nrpages as i64);
        Ok(vend)
    }
}

/// Rewriting the entries of a range (`change_protection` and
/// `change_pte_range` in mm/mprotect.c).
impl MmStruct {
    /// `change_protection` for `[start, end)` of `vma` (whose flags are the
    /// new ones): rewrites present entries with the new protection.  With
    /// `try_writable`, an exclusive anonymous page becomes writable at once
    /// (`can_change_pte_writable`).  Returns the entries changed.
    pub(crate) fn change_protection(&self, tlb: &mut MmuGather<'_>, vma: &Vma, start: u64, end: u64) -> u64 {
        let m = &*self.machine;
        let newprot = vma.page_prot;
        // vma_wants_manual_pte_write_upgrade
        let try_writable = if vma.flags.contains(VmFlags::SHARED) {
            vma.wants_writenotify()
        } else {
            vma.flags.contains(VmFlags::WRITE)
        };
        let mut changed = 0;
        // change_pmd_range: a leaf inside the range changes whole
        // (`change_huge_pmd`), one the range only covers part of is split.
        let size = self.entry_size(crate::arch::PMD_LEVEL);
        self.for_each_huge_pmd(start, end, |haddr, pmd, _| {
            if haddr < start || haddr + size > end {
                self.__split_huge_pmd(pmd, haddr);
            } else if self.change_huge_pmd(vma, pmd) {
                tlb.remove_pmd_tlb_entry(haddr);
                changed += size >> crate::types::PAGE_SHIFT;
            }
        });
        let mut ptl = crate::pgtable::PtlWalk::new(self);
        self.for_each_pte(start, end, |va, slot, old| {
            let Pte::Page { pfn, flags } = old else {
                return;
            };
            ptl.lock(slot.table);
            let keep = flags & (PteFlags::ACCESSED | PteFlags::DIRTY | PteFlags::SPECIAL | PteFlags::SOFT_DIRTY);
            let mut new = Pte::Page { pfn, flags: newprot | keep };
            if try_writable && !new.is_write() && self.can_change_pte_writable(vma, new) {
                new = new.with(PteFlags::WRITE);
            }
            if new != old {
                self.set_pte(slot, new);
                if m.arch.pte_needs_flush(old, new) {
                    tlb.remove_tlb_entry(va);
                }
                changed += 1;
            }
        });
        trace_note!(
            m.trace,
            "change_protection",
            "{:#x}-{:#x} -> {}: {} entries rewritten",
            start,
            end,
            vma.perms(),
            changed
        );
        changed
    }

    /// `can_change_pte_writable`: in a private mapping only an exclusive
    /// anonymous page may skip the write fault; in a shared one that
    /// tracks writes, only an entry already dirty.
    fn can_change_pte_writable(&self, vma: &Vma, pte: Pte) -> bool {
        if pte.is_protnone() {
            return false;
        }
        if vma.flags.contains(VmFlags::SHARED) {
            return pte.flags().contains(PteFlags::DIRTY);
        }
        match self.vm_normal_page(pte) {
            Some(pfn) => {
                let page = self.machine.phys.page(pfn);
                page.is_anon() && page.test(PageFlags::ANON_EXCLUSIVE)
            }
            None => false,
        }
    }
}
