//! `munmap` (mm/vma.c `do_vmi_munmap`, `vms_gather_munmap_vmas`,
//! `vms_complete_munmap_vmas`).

use super::vma::__split_vma;
use super::{MmState, MmStruct, Vma, pages, vm_stat_account};
use crate::errno::{Errno, SysResult};
use crate::flags::VmFlags;
use crate::machine::Machine;
use crate::memory::MmuGather;
use crate::types::page_align;
use crate::{trace_enter, trace_note};
use smallvec::SmallVec;

/// `struct vma_munmap_struct`: the VMAs taken out of the tree for an
/// unmap, with the neighbours that bound the page-table freeing.
#[derive(Default)]
pub(crate) struct MunmapGather {
    /// The detached VMAs, ascending.
    pub vmas: SmallVec<[Vma; 2]>,
    /// End of the VMA below the range (0: none), `unmap_start`.
    pub floor: u64,
    /// Start of the VMA above the range (0: none), `unmap_end`.
    pub ceiling: u64,
    /// Pages detached.
    pub nr_pages: u64,
    /// Pages of `VM_ACCOUNT` VMAs detached.
    pub nr_accounted: u64,
}

impl MunmapGather {
    /// `vms_gather_munmap_vmas`: splits the VMAs at the edges of
    /// `[start, end)` and detaches those inside.  The range must intersect
    /// a VMA.  Fills an empty gather where the caller keeps it, rather
    /// than returning one to be copied there.
    pub(crate) fn gather(&mut self, m: &Machine, st: &mut MmState, start: u64, end: u64) -> SysResult<()> {
        debug_assert!(self.vmas.is_empty(), "gather into a used MunmapGather");
        let first = st.vmas.find_intersection(start, end).expect("gather of an empty range");
        if start > first.start {
            // A middle cut would leave one more VMA than before.
            if end < first.end && st.vmas.len() >= m.tunables.max_map_count {
                return Err(Errno::ENOMEM);
            }
            let s = first.start;
            trace_note!(m.trace, "__split_vma", "at {:#x}", start);
            __split_vma(&mut st.vmas, s, start);
        }
        let floor = st.vmas.prev(start).map_or(0, |p| p.end);
        // The last VMA of the range may reach past its end.
        if let Some(last) = st.vmas.prev(end).filter(|v| v.end > end) {
            let s = last.start;
            trace_note!(m.trace, "__split_vma", "at {:#x}", end);
            __split_vma(&mut st.vmas, s, end);
        }
        // Everything in the range now lies inside it: detach it at once.
        self.floor = floor;
        for v in st.vmas.remove_range(start, end) {
            self.nr_pages += v.pages();
            if v.flags.contains(VmFlags::ACCOUNT) {
                self.nr_accounted += v.pages();
            }
            self.vmas.push(v);
        }
        self.ceiling = st.vmas.next_from(end).map_or(0, |n| n.start);
        Ok(())
    }

    /// `reattach_vmas`: puts the VMAs back (an aborted mmap).
    pub(crate) fn reattach(self, st: &mut MmState) {
        st.vmas.insert_run(self.vmas);
    }

    /// `vms_complete_munmap_vmas`: the statistics of the removed VMAs.
    pub(crate) fn account(&self, st: &mut MmState) {
        for v in &self.vmas {
            vm_stat_account(st, v.flags, -(v.pages() as i64));
            if v.flags.contains(VmFlags::LOCKED) {
                st.locked_vm = st.locked_vm.saturating_sub(v.pages());
            }
        }
    }
}

impl MmStruct {
    /// `vms_clear_ptes`: zaps the detached VMAs and frees the page tables
    /// no remaining VMA needs.
    pub(crate) fn vms_clear_ptes(&self, g: &MunmapGather) {
        #[cfg(feature = "fault-injection")]
        crate::inject::vms_clear_ptes_hook();
        self.machine.lru_add_drain();
        let mut tlb = MmuGather::new(self);
        for v in &g.vmas {
            self.unmap_page_range(&mut tlb, v, v.start, v.end, true);
        }
        self.free_pgtables(&mut tlb, &g.vmas, g.floor, g.ceiling);
        tlb.finish();
    }

    /// `do_vmi_munmap`: removes every mapping in `[start, start + len)`,
    /// all of it under the `mmap_lock` held for writing.
    pub(crate) fn do_vmi_munmap(&self, st: &mut MmState, start: u64, len: u64) -> SysResult<()> {
        let Some(end) = munmap_end(st, start, len)? else {
            return Ok(());
        };
        let _t = trace_enter!(self.machine.trace, "do_vmi_munmap", "{:#x}-{:#x}", start, end);
        let mut g = MunmapGather::default();
        self.munmap_detach(st, start, end, &mut g)?;
        self.vms_clear_ptes(&g);
        Ok(())
    }

    /// The part of `do_vmi_munmap` that needs the `mmap_lock` held for
    /// writing: the VMAs of `[start, end)` detached from the tree
    /// (`vms_gather_munmap_vmas`) and the address space's statistics
    /// (`vms_complete_munmap_vmas` up to its `mmap_write_downgrade`).  The
    /// caller clears the detached VMAs' page tables
    /// ([`MmStruct::vms_clear_ptes`]).
    fn munmap_detach(&self, st: &mut MmState, start: u64, end: u64, g: &mut MunmapGather) -> SysResult<()> {
        let m = &*self.machine;
        g.gather(m, st, start, end)?;
        trace_note!(
            m.trace,
            "vms_gather_munmap_vmas",
            "{} vmas, {} pages",
            g.vmas.len(),
            pages(start, end).min(g.nr_pages)
        );
        g.account(st);
        Ok(())
    }

    /// `vm_munmap`: `do_vmi_munmap` under the `mmap_lock` (the kernel's
    /// own unmaps, such as the ELF loader's).
    pub fn vm_munmap(&self, start: u64, len: u64) -> SysResult<()> {
        let mut st = self.mmap_write_lock();
        self.do_vmi_munmap(&mut st, start, len)
    }

    /// `munmap(2)` (`__vm_munmap` with `unlock`): once the VMAs are out
    /// of the tree, the `mmap_lock` is downgraded
    /// (`vms_complete_munmap_vmas`) and their page tables are cleared
    /// under it held for reading, so that the other threads' faults go on
    /// meanwhile.
    pub fn munmap(&self, start: u64, len: u64) -> SysResult<()> {
        let mut st = self.mmap_write_lock();
        let Some(end) = munmap_end(&st, start, len)? else {
            return Ok(());
        };
        let _t = trace_enter!(self.machine.trace, "do_vmi_munmap", "{:#x}-{:#x}", start, end);
        let mut g = MunmapGather::default();
        self.munmap_detach(&mut st, start, end, &mut g)?;
        let _st = st.downgrade();
        self.vms_clear_ptes(&g);
        Ok(())
    }
}

/// The checks of `do_vmi_munmap`: the end of the range `[start, start +
/// len)` rounded up to pages, `None` if nothing is mapped in it.
fn munmap_end(st: &MmState, start: u64, len: u64) -> SysResult<Option<u64>> {
    let task_size = st.task_size;
    if start & !crate::types::PAGE_MASK != 0 || start > task_size || len > task_size - start {
        return Err(Errno::EINVAL);
    }
    let end = start + page_align(len).ok_or(Errno::EINVAL)?;
    if end == start {
        return Err(Errno::EINVAL);
    }
    Ok(st.vmas.find_intersection(start, end).is_some().then_some(end))
}
