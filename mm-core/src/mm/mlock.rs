//! `mlock`, `mlock2`, `munlock`, `mlockall`, `munlockall` (mm/mlock.c:
//! `do_mlock`, `apply_vma_lock_flags`, `apply_mlockall_flags`,
//! `mlock_fixup`).
//!
//! Locking sets `VM_LOCKED` (and `VM_LOCKONFAULT` for `MLOCK_ONFAULT`) on
//! the VMAs of the range, splitting and merging them as any flag change
//! does (`vma_modify_flags`), then populates the range (`__mm_populate`)
//! unless it locks on fault.  The pages a locked VMA maps are mlocked
//! (`PG_mlocked`, `NR_MLOCK`) and kept on the unevictable list, out of
//! reclaim's way (see [`crate::vmscan::policy`]): pages mapped already by
//! `mlock_vma_pages_range`, new ones by the fault path
//! (`mlock_new_folio`, `mlock_vma_folio`); unlocking or unmapping the
//! last locked mapping of a page gives it back to reclaim.
//! `MADV_DONTNEED`, `MADV_FREE`, `MADV_COLD` and `MADV_PAGEOUT` refuse a
//! locked VMA, and a child made by `fork` gets its VMAs unlocked
//! (`dup_mmap`).

use super::vma::vma_modify_flags;
use super::{MmState, MmStruct, pages};
use crate::errno::{Errno, SysResult};
use crate::fault::FaultCounters;
use crate::flags::VmFlags;
use crate::types::{PAGE_MASK, PAGE_SHIFT, page_align};
use crate::{trace_enter, trace_note};

/// `MLOCK_ONFAULT`, the one flag of `mlock2`.
pub const MLOCK_ONFAULT: u64 = 0x01;
/// `MCL_CURRENT`.
pub const MCL_CURRENT: u64 = 1;
/// `MCL_FUTURE`.
pub const MCL_FUTURE: u64 = 2;
/// `MCL_ONFAULT`.
pub const MCL_ONFAULT: u64 = 4;

/// `__mlock_posix_error_return`: what `mlock` says of a failed population.
fn __mlock_posix_error_return(e: Errno) -> Errno {
    match e {
        Errno::EFAULT => Errno::ENOMEM,
        Errno::ENOMEM => Errno::EAGAIN,
        e => e,
    }
}

impl MmStruct {
    /// `can_do_mlock`: `CAP_IPC_LOCK`, or a non-zero `RLIMIT_MEMLOCK`.
    pub(crate) fn can_do_mlock(&self) -> bool {
        let t = &self.machine.tunables;
        t.cap_ipc_lock || t.rlimit_memlock != 0
    }

    /// `mlock_future_ok`: `len` more bytes of `VM_LOCKED` memory stay
    /// within `RLIMIT_MEMLOCK` (always, with `CAP_IPC_LOCK`).
    pub(crate) fn mlock_future_ok(&self, st: &MmState, flags: VmFlags, len: u64) -> bool {
        let t = &self.machine.tunables;
        if !flags.contains(VmFlags::LOCKED) || t.cap_ipc_lock {
            return true;
        }
        st.locked_vm.saturating_add(len >> PAGE_SHIFT) <= t.rlimit_memlock >> PAGE_SHIFT
    }

    /// `do_mlock`: `mlock(start, len)` (`flags` `VM_LOCKED`) and
    /// `mlock2` (`VM_LOCKED`, with `VM_LOCKONFAULT` for `MLOCK_ONFAULT`).
    /// The range is widened to whole pages; a hole in it is `ENOMEM`
    /// (the VMAs before it stay locked), more than `RLIMIT_MEMLOCK`
    /// without `CAP_IPC_LOCK` is `ENOMEM`.  The range is then populated;
    /// a page that cannot be (a `PROT_NONE` VMA, a file page past the end)
    /// is `ENOMEM`, memory that runs out `EAGAIN`.
    pub fn do_mlock(&self, counters: &FaultCounters, start: u64, len: u64, flags: VmFlags) -> SysResult<()> {
        let m = &*self.machine;
        if !self.can_do_mlock() {
            return Err(Errno::EPERM);
        }
        // len = PAGE_ALIGN(len + offset_in_page(start)), wrapping as C does.
        let len = page_align_wrapping(len.wrapping_add(start & !PAGE_MASK));
        let start = start & PAGE_MASK;
        {
            let mut st = self.mmap_write_lock();
            let _t = trace_enter!(m.trace, "do_mlock", "{:#x}-{:#x}", start, start.wrapping_add(len));
            let t = &m.tunables;
            let lock_limit = t.rlimit_memlock >> PAGE_SHIFT;
            let mut locked = (len >> PAGE_SHIFT) + st.locked_vm;
            if locked > lock_limit && !t.cap_ipc_lock {
                // What the range has locked already is not counted twice.
                locked -= count_mm_mlocked_page_nr(&st, start, len);
            }
            if locked > lock_limit && !t.cap_ipc_lock {
                return Err(Errno::ENOMEM);
            }
            self.apply_vma_lock_flags(&mut st, start, len, flags)?;
        }
        self.__mm_populate(counters, start, len, false).map_err(__mlock_posix_error_return)
    }

    /// `munlock(start, len)`.
    pub fn do_munlock(&self, start: u64, len: u64) -> SysResult<()> {
        let m = &*self.machine;
        let len = page_align_wrapping(len.wrapping_add(start & !PAGE_MASK));
        let start = start & PAGE_MASK;
        let mut st = self.mmap_write_lock();
        let _t = trace_enter!(m.trace, "munlock", "{:#x}-{:#x}", start, start.wrapping_add(len));
        self.apply_vma_lock_flags(&mut st, start, len, VmFlags::empty())
    }

    /// `apply_vma_lock_flags`: every VMA of `[start, start + len)` gets
    /// `flags` in place of its `VM_LOCKED_MASK` bits.  The range must
    /// start inside a VMA and have no holes (`ENOMEM`).
    fn apply_vma_lock_flags(&self, st: &mut MmState, start: u64, len: u64, flags: VmFlags) -> SysResult<()> {
        let end = start.checked_add(len).ok_or(Errno::EINVAL)?;
        if end == start {
            return Ok(());
        }
        let first = st.vmas.lookup(start).ok_or(Errno::ENOMEM)?;
        let mut tmp = first.start;
        let mut nstart = start;
        let mut cur = Some(first.start);
        while let Some(vs) = cur {
            let v = st.vmas.get(vs).expect("vma exists");
            if v.start != tmp {
                return Err(Errno::ENOMEM);
            }
            let newflags = (v.flags - VmFlags::LOCKED_MASK) | flags;
            tmp = v.end.min(end);
            tmp = self.mlock_fixup(st, vs, nstart, tmp, newflags)?;
            nstart = tmp;
            cur = st.vmas.find(tmp).filter(|n| n.start < end).map(|n| n.start);
        }
        if tmp < end {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }

    /// `mlock_fixup`: `[start, end)` of the VMA at `vma_start` gets
    /// `newflags`, merged with a neighbour or split off.  Special
    /// mappings (`VM_SPECIAL`, hugetlb) and droppable memory are left as
    /// they are: never locked, not counted.  Returns the
    /// end of the VMA that now covers `start`.
    fn mlock_fixup(&self, st: &mut MmState, vma_start: u64, start: u64, end: u64, newflags: VmFlags) -> SysResult<u64> {
        let m = &*self.machine;
        let v = st.vmas.get(vma_start).expect("vma exists");
        let oldflags = v.flags;
        if newflags == oldflags || oldflags.intersects(VmFlags::SPECIAL | VmFlags::HUGETLB | VmFlags::DROPPABLE) {
            return Ok(v.end);
        }
        let s = vma_modify_flags(m, st, vma_start, start, end, newflags)?;
        // vma_adjust_trans_huge: a leaf across a new VMA boundary is split.
        self.split_huge_pmd_range(start, end, true);
        let nr_pages = pages(start, end);
        if !newflags.contains(VmFlags::LOCKED) {
            st.locked_vm = st.locked_vm.saturating_sub(nr_pages);
        } else if !oldflags.contains(VmFlags::LOCKED) {
            st.locked_vm += nr_pages;
        }
        let v = st.vmas.get(s).expect("modified vma exists");
        trace_note!(
            m.trace,
            "mlock_fixup",
            "{:#x}-{:#x} of {:08x}-{:08x} {}",
            start,
            end,
            v.start,
            v.end,
            if newflags.contains(VmFlags::LOCKONFAULT) {
                "VM_LOCKED|VM_LOCKONFAULT"
            } else if newflags.contains(VmFlags::LOCKED) {
                "VM_LOCKED"
            } else {
                "unlocked"
            }
        );
        let end_of_vma = v.end;
        // Locked to locked (MLOCK_ONFAULT added or dropped): the pages
        // stay as they are; mlocking them twice would be wrong.
        if !(newflags.contains(VmFlags::LOCKED) && oldflags.contains(VmFlags::LOCKED)) {
            self.mlock_vma_pages_range(start, end, newflags);
        }
        Ok(end_of_vma)
    }

    /// `mlock_vma_pages_range` -> `mlock_pte_range`: the pages already
    /// mapped in `[start, end)`, whose VMA just became locked
    /// (`newflags` has `VM_LOCKED`) or unlocked, are mlocked or munlocked
    /// (the zero page and special mappings are not pages to lock).
    fn mlock_vma_pages_range(&self, start: u64, end: u64, newflags: VmFlags) {
        let m = &*self.machine;
        let ctx = m.lru_ctx();
        let lock = newflags.contains(VmFlags::LOCKED);
        let mut n = 0u64;
        {
            // mlock_pte_range: a PMD leaf's folio is locked whole.
            let mut leaves = Vec::new();
            self.for_each_huge_pmd(start, end, |_, _, leaf| leaves.push(leaf));
            for leaf in leaves {
                let Some(first) = self.vm_normal_page(leaf) else {
                    continue;
                };
                m.folio_split_pages(first);
                for i in 0..1u64 << m.hpage_pmd_order().unwrap_or(0) {
                    let pfn = crate::types::Pfn(first.0 + i);
                    if lock {
                        ctx.mlock_folio(pfn);
                    } else {
                        ctx.munlock_folio(pfn);
                    }
                    n += 1;
                }
            }
            let mut ptl = crate::pgtable::PtlWalk::new(self);
            self.for_each_pte(start, end, |_, slot, pte| {
                ptl.lock(slot.table);
                let Some(pfn) = self.vm_normal_page(pte) else {
                    return;
                };
                if lock {
                    ctx.mlock_folio(pfn);
                } else {
                    ctx.munlock_folio(pfn);
                }
                n += 1;
            });
        }
        if n > 0 {
            trace_note!(
                m.trace,
                "mlock_vma_pages_range",
                "{:#x}-{:#x}: {} pages {}",
                start,
                end,
                n,
                if lock { "mlocked" } else { "munlocked" }
            );
        }
    }

    /// `mlockall(flags)`: `MCL_CURRENT` locks every VMA and populates
    /// them, `MCL_FUTURE` makes later mappings locked (`def_flags`),
    /// `MCL_ONFAULT` makes either lock on fault.  `MCL_ONFAULT` alone or an
    /// unknown bit is `EINVAL`.
    pub fn do_mlockall(&self, counters: &FaultCounters, flags: u64) -> SysResult<()> {
        let m = &*self.machine;
        if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
            return Err(Errno::EINVAL);
        }
        if !self.can_do_mlock() {
            return Err(Errno::EPERM);
        }
        {
            let mut st = self.mmap_write_lock();
            let _t = trace_enter!(m.trace, "mlockall", "{:#x}", flags);
            let t = &m.tunables;
            if flags & MCL_CURRENT != 0 && st.total_vm > t.rlimit_memlock >> PAGE_SHIFT && !t.cap_ipc_lock {
                return Err(Errno::ENOMEM);
            }
            self.apply_mlockall_flags(&mut st, flags);
        }
        if flags & MCL_CURRENT != 0 {
            let task_size = self.mmap_lock.read().task_size;
            self.mm_populate(counters, 0, task_size);
        }
        Ok(())
    }

    /// `munlockall()`.
    pub fn do_munlockall(&self) -> SysResult<()> {
        let mut st = self.mmap_write_lock();
        let _t = trace_enter!(self.machine.trace, "munlockall", "");
        self.apply_mlockall_flags(&mut st, 0);
        Ok(())
    }

    /// `apply_mlockall_flags`: sets `def_flags` for `MCL_FUTURE`, and gives
    /// every VMA the lock bits `MCL_CURRENT` asks for (none for
    /// `munlockall`), ignoring errors.
    fn apply_mlockall_flags(&self, st: &mut MmState, flags: u64) {
        st.def_flags -= VmFlags::LOCKED_MASK;
        if flags & MCL_FUTURE != 0 {
            st.def_flags |= VmFlags::LOCKED;
            if flags & MCL_ONFAULT != 0 {
                st.def_flags |= VmFlags::LOCKONFAULT;
            }
            if flags & MCL_CURRENT == 0 {
                return;
            }
        }
        let mut to_add = VmFlags::empty();
        if flags & MCL_CURRENT != 0 {
            to_add |= VmFlags::LOCKED;
            if flags & MCL_ONFAULT != 0 {
                to_add |= VmFlags::LOCKONFAULT;
            }
        }
        let mut cur = st.vmas.find(0).map(|v| v.start);
        while let Some(vs) = cur {
            let v = st.vmas.get(vs).expect("vma exists");
            let (start, end) = (v.start, v.end);
            let newflags = (v.flags - VmFlags::LOCKED_MASK) | to_add;
            let next_from = match self.mlock_fixup(st, vs, start, end, newflags) {
                Ok(e) => e,
                Err(_) => end,
            };
            cur = st.vmas.find(next_from).map(|n| n.start);
        }
    }
}

/// `PAGE_ALIGN` as C computes it: a length within a page of `u64::MAX`
/// wraps to 0.
fn page_align_wrapping(len: u64) -> u64 {
    page_align(len).unwrap_or(0)
}

/// `count_mm_mlocked_page_nr`: pages of `[start, start + len)` in
/// `VM_LOCKED` VMAs.
fn count_mm_mlocked_page_nr(st: &MmState, start: u64, len: u64) -> u64 {
    let end = start.saturating_add(len);
    st.vmas
        .overlapping(start, end)
        .filter(|v| v.flags.contains(VmFlags::LOCKED))
        .map(|v| pages(v.start.max(start), v.end.min(end)))
        .sum()
}
