//! `mremap` (mm/mremap.c: `do_mremap`, `check_mremap_params`,
//! `check_prep_vma`, `mremap_at`, `mremap_to`, `remap_move`, `move_vma`,
//! and `move_page_tables`, which moves the entries of a range).  The VMA
//! is grown in place by `vma_merge_extend` and copied by `copy_vma`
//! (mm/vma.c, in `vma.rs`).

use super::vma::{VmaCtx, copy_vma, vma_merge_extend};
use super::{MmState, MmStruct, vm_stat_account};
use crate::errno::{Errno, SysResult};
use crate::flags::{MapFlags, MremapFlags, VmFlags};
use crate::memory::MmuGather;
use crate::types::{PAGE_MASK, PAGE_SHIFT, page_align};
use crate::{trace_enter, trace_note};
use std::sync::OnceLock;

/// `enum mremap_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RemapType {
    NoResize,
    Shrink,
    Expand,
}

/// `struct vma_remap_struct`.
#[derive(Clone, Copy, Debug)]
struct VmaRemap {
    addr: u64,
    old_len: u64,
    new_len: u64,
    flags: MremapFlags,
    new_addr: u64,
    delta: u64,
    remap_type: RemapType,
}

impl VmaRemap {
    fn implies_new_addr(&self) -> bool {
        self.flags.intersects(MremapFlags::FIXED | MremapFlags::DONTUNMAP)
    }
    fn set_delta(&mut self) {
        self.delta = self.old_len.abs_diff(self.new_len);
        self.remap_type = if self.delta == 0 {
            RemapType::NoResize
        } else if self.old_len > self.new_len {
            RemapType::Shrink
        } else {
            RemapType::Expand
        };
    }
}

/// `vrm_stat_account`: the VMA's statistics grow by `bytes`, and so does
/// `locked_vm` when it is `VM_LOCKED` (the part a move unmaps is taken off
/// again by `do_vmi_munmap`).
fn vrm_stat_account(st: &mut MmState, flags: VmFlags, bytes: u64) {
    let pages = bytes >> PAGE_SHIFT;
    vm_stat_account(st, flags, pages as i64);
    if flags.contains(VmFlags::LOCKED) {
        st.locked_vm += pages;
    }
}

impl MmStruct {
    /// The `mremap` system call.  `flags` are the raw `MREMAP_*` bits.
    pub fn do_mremap(&self, addr: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> SysResult<u64> {
        let m = &*self.machine;
        let Some(mflags) = MremapFlags::from_bits(flags) else {
            return Err(Errno::EINVAL);
        };
        let mut vrm = VmaRemap {
            addr,
            old_len: page_align(old_len).unwrap_or(0),
            new_len: page_align(new_len).unwrap_or(0),
            flags: mflags,
            new_addr,
            delta: 0,
            remap_type: RemapType::NoResize,
        };
        let mut st = self.mmap_write_lock();
        let _t = trace_enter!(
            m.trace,
            "do_mremap",
            "{:#x} {:#x} -> {:#x} {} {:#x}",
            addr,
            vrm.old_len,
            vrm.new_len,
            if mflags.is_empty() {
                "0".to_string()
            } else {
                mflags.iter_names().map(|(n, _)| format!("MREMAP_{n}")).collect::<Vec<_>>().join("|")
            },
            new_addr
        );
        self.check_mremap_params(&st, &vrm)?;
        if vrm.flags.contains(MremapFlags::FIXED) && vrm.old_len == vrm.new_len {
            return self.remap_move(&mut st, vrm);
        }
        let vma_start = st.vmas.lookup(vrm.addr).map(|v| v.start);
        self.check_prep_vma(&st, &mut vrm, vma_start)?;
        if vrm.implies_new_addr() { self.mremap_to(&mut st, vrm) } else { self.mremap_at(&mut st, vrm) }
    }

    /// `check_mremap_params`: argument checks made before any VMA is looked
    /// at.
    fn check_mremap_params(&self, st: &MmState, vrm: &VmaRemap) -> SysResult<()> {
        let task_size = st.task_size;
        if vrm.addr & !PAGE_MASK != 0 || vrm.new_len == 0 || vrm.new_len > task_size {
            return Err(Errno::EINVAL);
        }
        if !vrm.implies_new_addr() {
            return Ok(());
        }
        if vrm.new_addr > task_size - vrm.new_len || vrm.new_addr & !PAGE_MASK != 0 {
            return Err(Errno::EINVAL);
        }
        if !vrm.flags.contains(MremapFlags::MAYMOVE) {
            return Err(Errno::EINVAL);
        }
        if vrm.flags.contains(MremapFlags::DONTUNMAP) && vrm.old_len != vrm.new_len {
            return Err(Errno::EINVAL);
        }
        let (so, eo) = (vrm.addr, vrm.addr.wrapping_add(vrm.old_len));
        let (sn, en) = (vrm.new_addr, vrm.new_addr + vrm.new_len);
        if eo > sn && en > so {
            return Err(Errno::EINVAL);
        }
        // `map_count + 2 >= sysctl_max_map_count - 3` in the kernel's
        // signed arithmetic: true whenever the limit is below 3.
        if st.vmas.len() + 5 >= self.machine.tunables.max_map_count {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }

    /// `check_prep_vma`: checks against the VMA at `vrm.addr`.
    fn check_prep_vma(&self, st: &MmState, vrm: &mut VmaRemap, vma_start: Option<u64>) -> SysResult<()> {
        let vma = st.vmas.get(vma_start.ok_or(Errno::EFAULT)?).ok_or(Errno::EFAULT)?;
        vrm.set_delta();
        if !vrm.implies_new_addr() {
            vrm.new_addr = vrm.addr;
        }
        if vrm.remap_type != RemapType::Expand && !vrm.implies_new_addr() {
            return Ok(());
        }
        let mut old_len = vrm.old_len;
        if old_len == 0 && !vma.flags.intersects(VmFlags::SHARED | VmFlags::MAYSHARE) {
            return Err(Errno::EINVAL);
        }
        if vrm.flags.contains(MremapFlags::DONTUNMAP) && vma.flags.intersects(VmFlags::DONTEXPAND | VmFlags::PFNMAP) {
            return Err(Errno::EINVAL);
        }
        if vrm.remap_type == RemapType::Shrink {
            old_len = vrm.new_len;
        }
        if old_len > vma.end - vrm.addr {
            return Err(Errno::EFAULT);
        }
        if vrm.new_len == old_len {
            return Ok(());
        }
        let pgoff = ((vrm.addr - vma.start) >> PAGE_SHIFT) + vma.pgoff;
        if pgoff.checked_add(vrm.new_len >> PAGE_SHIFT).is_none() {
            return Err(Errno::EINVAL);
        }
        if vma.flags.intersects(VmFlags::DONTEXPAND | VmFlags::PFNMAP) {
            return Err(Errno::EFAULT);
        }
        if !self.mlock_future_ok(st, vma.flags, vrm.delta) {
            return Err(Errno::EAGAIN);
        }
        if !self.may_expand_vm(st, vma.flags, vrm.delta >> PAGE_SHIFT) {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }

    /// `remap_move`: `MREMAP_FIXED` without a size change moves every VMA
    /// in the range, keeping the gaps between them.
    fn remap_move(&self, st: &mut MmState, vrm: VmaRemap) -> SysResult<u64> {
        let start = vrm.addr;
        // Unchecked, as in the kernel: a range that wraps finds no VMA.
        let end = vrm.addr.wrapping_add(vrm.old_len);
        let mut target = vrm.new_addr;
        let mut res = Err(Errno::EFAULT);
        let mut last_end = 0;
        let mut seen = false;
        let mut cursor = start;
        // The kernel's VMA iterator resumes after the last VMA it returned,
        // so a destination that merged backwards is not visited again.
        while cursor < end
            && let Some(v) = st.vmas.find(cursor).filter(|v| v.start < end)
        {
            let (vs, ve) = (v.start, v.end);
            if !seen && start < vs {
                return Err(Errno::EFAULT);
            }
            let addr = vs.max(start);
            let len = end.min(ve) - addr;
            let offset = if seen { vs - last_end } else { 0 };
            last_end = ve;
            let mut piece = VmaRemap { addr, old_len: len, new_len: len, new_addr: target + offset, ..vrm };
            self.check_prep_vma(st, &mut piece, Some(vs))?;
            let r = self.mremap_to(st, piece)?;
            if !seen {
                res = Ok(r);
            }
            seen = true;
            target = r + len;
            cursor = ve;
        }
        res
    }

    /// `mremap_at`: resize without a new address.
    fn mremap_at(&self, st: &mut MmState, vrm: VmaRemap) -> SysResult<u64> {
        match vrm.remap_type {
            RemapType::NoResize => Ok(vrm.addr),
            RemapType::Shrink => {
                self.do_vmi_munmap(st, vrm.addr + vrm.new_len, vrm.delta)?;
                Ok(vrm.addr)
            }
            RemapType::Expand => self.expand_vma(st, vrm),
        }
    }

    /// `expand_vma`: grow in place if the range ends the VMA and the space
    /// after it is free, else move (with `MREMAP_MAYMOVE`).
    fn expand_vma(&self, st: &mut MmState, mut vrm: VmaRemap) -> SysResult<u64> {
        let m = &*self.machine;
        let vma = st.vmas.lookup(vrm.addr).ok_or(Errno::EFAULT)?;
        let (vs, ve) = (vma.start, vma.end);
        let new_end = ve.checked_add(vrm.delta);
        let expandable = ve - vrm.addr == vrm.old_len
            && new_end.is_some_and(|e| {
                st.vmas.find_intersection(ve, e).is_none() && e - vs <= st.task_size && vs <= st.task_size - (e - vs)
            });
        if expandable {
            self.vrm_charge(st, &vrm)?;
            let flags = st.vmas.get(vs).expect("vma exists").flags;
            vma_merge_extend(VmaCtx::new(m), &mut st.vmas, vs, vrm.delta).ok_or(Errno::ENOMEM)?;
            vrm_stat_account(st, flags, vrm.delta);
            trace_note!(m.trace, "expand_vma_in_place", "{:#x}-{:#x}", vrm.addr, vrm.addr + vrm.new_len);
            return Ok(vrm.addr);
        }
        if !vrm.flags.contains(MremapFlags::MAYMOVE) {
            return Err(Errno::ENOMEM);
        }
        vrm.new_addr = self.vrm_set_new_addr(st, &vrm)?;
        self.move_vma(st, vrm)
    }

    /// `mremap_to`: move to `new_addr` (after unmapping it for
    /// `MREMAP_FIXED`), shrinking first if asked to.
    fn mremap_to(&self, st: &mut MmState, mut vrm: VmaRemap) -> SysResult<u64> {
        if vrm.flags.contains(MremapFlags::FIXED) {
            self.do_vmi_munmap(st, vrm.new_addr, vrm.new_len)?;
            st.vmas.lookup(vrm.addr).ok_or(Errno::EFAULT)?;
        }
        if vrm.remap_type == RemapType::Shrink {
            self.do_vmi_munmap(st, vrm.addr + vrm.new_len, vrm.delta)?;
            st.vmas.lookup(vrm.addr).ok_or(Errno::EFAULT)?;
            vrm.old_len = vrm.new_len;
        }
        if vrm.flags.contains(MremapFlags::DONTUNMAP) {
            let flags = st.vmas.lookup(vrm.addr).expect("looked up above").flags;
            if !self.may_expand_vm(st, flags, vrm.old_len >> PAGE_SHIFT) {
                return Err(Errno::ENOMEM);
            }
        }
        vrm.new_addr = self.vrm_set_new_addr(st, &vrm)?;
        self.move_vma(st, vrm)
    }

    /// `vrm_set_new_addr`: `get_unmapped_area` for the destination (fixed,
    /// a hint for `MREMAP_DONTUNMAP`, or anywhere).
    fn vrm_set_new_addr(&self, st: &MmState, vrm: &VmaRemap) -> SysResult<u64> {
        let vma = st.vmas.lookup(vrm.addr).ok_or(Errno::EFAULT)?;
        let mut flags = MapFlags::empty();
        if vrm.flags.contains(MremapFlags::FIXED) {
            flags |= MapFlags::FIXED;
        }
        if vma.flags.contains(VmFlags::MAYSHARE) {
            flags |= MapFlags::SHARED;
        }
        let hint = if vrm.implies_new_addr() { vrm.new_addr } else { 0 };
        let pgoff = vma.linear_page_index(vrm.addr);
        self.get_unmapped_area(st, vma.file(), hint, vrm.new_len, pgoff, flags)
    }

    /// `vrm_calc_charge`: accounted VMAs are charged for what they gain.
    fn vrm_charge(&self, st: &MmState, vrm: &VmaRemap) -> SysResult<()> {
        let vma = st.vmas.lookup(vrm.addr).ok_or(Errno::EFAULT)?;
        if !vma.flags.contains(VmFlags::ACCOUNT) {
            return Ok(());
        }
        let charged = if vrm.flags.contains(MremapFlags::DONTUNMAP) { vrm.new_len } else { vrm.delta };
        self.vm_enough_memory(charged >> PAGE_SHIFT)
    }

    /// `move_vma`: copies the VMA to the destination (merging there if it
    /// can), moves the page-table entries, then unmaps the source (or, for
    /// `MREMAP_DONTUNMAP`, leaves it empty).
    fn move_vma(&self, st: &mut MmState, vrm: VmaRemap) -> SysResult<u64> {
        let m = &*self.machine;
        let _t =
            trace_enter!(m.trace, "move_vma", "{:#x}-{:#x} -> {:#x}", vrm.addr, vrm.addr + vrm.old_len, vrm.new_addr);
        if st.vmas.len() + 3 >= m.tunables.max_map_count {
            return Err(Errno::ENOMEM);
        }
        self.vrm_charge(st, &vrm)?;
        // Faults stay out of the source while its entries move.
        st.vmas.vma_start_write(vrm.addr);
        let src = st.vmas.lookup(vrm.addr).ok_or(Errno::EFAULT)?.clone();
        let new_pgoff = src.pgoff + ((vrm.addr - src.start) >> PAGE_SHIFT);
        let new_vma = copy_vma(VmaCtx::new(m), &mut st.vmas, &src, vrm.new_addr, vrm.new_len, new_pgoff);
        {
            let mut tlb = MmuGather::new(self);
            if !self.move_page_tables(&mut tlb, vrm.addr, vrm.new_addr, vrm.old_len) {
                return Err(Errno::ENOMEM);
            }
            tlb.finish();
        }
        vrm_stat_account(st, src.flags, vrm.new_len);
        if vrm.flags.contains(MremapFlags::DONTUNMAP) {
            // dontunmap_complete: the source is unlocked, but as it is not
            // unmapped its pages stay in `locked_vm`.
            let s = st.vmas.lookup(vrm.addr).map(|v| v.start).expect("source stays");
            let v = st.vmas.get_mut(s).expect("source stays");
            v.flags -= VmFlags::LOCKED | VmFlags::LOCKONFAULT;
            if new_vma != v.start && vrm.addr == v.start && vrm.addr + vrm.old_len == v.end {
                v.anon_vma = OnceLock::new();
                v.anon_vma_parents.clear();
                trace_note!(m.trace, "dontunmap_complete", "source {:08x}-{:08x} drops its anon_vma", v.start, v.end);
            }
        } else {
            self.do_vmi_munmap(st, vrm.addr, vrm.old_len)?;
        }
        Ok(vrm.new_addr)
    }
}

// ---------------------------------------------------------------------------
// Moving the page-table entries of a range (`move_page_tables`, `move_ptes`).
// ---------------------------------------------------------------------------

impl MmStruct {
    /// `move_ptes` / `move_page_tables`: moves every entry of
    /// `[old, old + len)` to `[new, new + len)` as it is (present pages,
    /// zero-page entries and `PROT_NONE` entries alike), allocating
    /// destination tables as needed.  Returns false if a table could not be
    /// allocated.
    ///
    /// Each entry is read under the lock once its destination table exists,
    /// as `move_ptes` does: allocating the table may reclaim.  (The reverse
    /// map cannot reach these entries meanwhile while the caller holds the
    /// `mmap_lock` for writing, but the move does not rely on it.)
    pub(crate) fn move_page_tables(&self, tlb: &mut MmuGather<'_>, old: u64, new: u64, len: u64) -> bool {
        // A PMD leaf that lies whole in the range and lands aligned moves
        // as it is (`move_huge_pmd`); any other is split and moves as PTEs.
        let size = self.entry_size(crate::arch::PMD_LEVEL);
        self.for_each_huge_pmd(old, old + len, |haddr, pmd, _| {
            let dst = haddr.wrapping_sub(old).wrapping_add(new);
            let whole = haddr >= old && haddr + size <= old + len && dst.is_multiple_of(size);
            if !(whole && self.move_huge_pmd(tlb, pmd, haddr, dst)) {
                self.__split_huge_pmd(pmd, haddr);
            }
        });
        let mut moved = Vec::new();
        self.for_each_pte(old, old + len, |va, slot, _| moved.push((va, slot)));
        for (va, slot) in moved {
            let Ok(dst) = self.pte_alloc_walk(va - old + new) else {
                return false;
            };
            // move_ptes: the old table's lock, then the new one's if it is
            // another table.
            let _ptl = self.pte_lock(slot.table);
            let _new_ptl = (dst.table != slot.table).then(|| self.pte_lock(dst.table));
            let pte = self.read_pte(slot);
            if pte.is_none() {
                continue;
            }
            self.machine.phys.write_u64(slot.table, slot.idx, 0);
            if pte.is_present() {
                tlb.remove_tlb_entry(va);
            }
            self.set_pte(dst, pte);
        }
        trace_note!(self.machine.trace, "move_page_tables", "{:#x}-{:#x} -> {:#x}", old, old + len, new);
        true
    }
}
