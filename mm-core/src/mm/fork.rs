//! `fork`'s half of memory management (kernel/fork.c `dup_mmap`,
//! mm/memory.c `copy_page_range`, mm/rmap.c `anon_vma_fork`).
//!
//! The child gets a copy of every VMA but those marked `VM_DONTCOPY`
//! (`MADV_DONTFORK`).  A VMA with anonymous pages (an `anon_vma`) has its
//! entries copied: anonymous pages become shared between the two
//! processes, write-protected in both when the mapping is private and
//! writable, so that the first write of either copies (`do_wp_page`); swap
//! entries take one more reference on their slot.  A VMA without one
//! (file pages, the zero page of a read-only touch) is left for the child
//! to refault, and a `VM_WIPEONFORK` VMA starts empty.  The child's VMAs
//! link the parent's anon_vmas (`anon_vma_clone`) and get one of their own
//! (`anon_vma_fork`), so the reverse map finds the shared pages in both.

use super::{AnonVma, MmStruct, Vma};
use crate::arch::{Pte, PteFlags, PteMarker};
use crate::errno::{Errno, SysResult};
use crate::fault::is_cow_mapping;
use crate::flags::VmFlags;
use crate::rmap::{folio_dup_file_rmap_pte, folio_try_dup_anon_rmap_pte};
use crate::swap::SwpEntry;
use crate::{trace_enter, trace_note};
use std::sync::Arc;
use std::sync::atomic::Ordering;

impl MmStruct {
    /// `dup_mm` -> `dup_mmap`: a new address space for a child of this
    /// one.  `ENOMEM` if page tables cannot be allocated (the partial copy
    /// is torn down).
    pub fn dup_mmap(self: &Arc<Self>) -> SysResult<Arc<MmStruct>> {
        let m = &*self.machine;
        let child = MmStruct::new(&self.machine).ok_or(Errno::ENOMEM)?;
        let _t = trace_enter!(m.trace, "dup_mmap", "mm {} -> mm {}", self.id, child.id);
        child.khugepaged_fork(self);
        let mut st = self.mmap_write_lock();
        // Faults stay out of every VMA while its private pages are
        // write-protected for copy-on-write.
        st.vmas.vma_start_write_all();
        let mut cst = child.mmap_write_lock();
        cst.mmap_base = st.mmap_base;
        cst.task_size = st.task_size;
        cst.start_brk = st.start_brk;
        cst.brk = st.brk;
        cst.start_stack = st.start_stack;
        cst.vsyscall_gate = st.vsyscall_gate;
        cst.exe_file = st.exe_file.clone();
        cst.total_vm = st.total_vm;
        cst.data_vm = st.data_vm;
        cst.exec_vm = st.exec_vm;
        cst.stack_vm = st.stack_vm;
        cst.def_flags = st.def_flags & VmFlags::INIT_DEF_MASK;
        let mut copied = 0u64;
        let mut failed = None;
        for v in st.vmas.iter() {
            if v.flags.contains(VmFlags::DONTCOPY) {
                super::vm_stat_account(&mut cst, v.flags, -(v.pages() as i64));
                trace_note!(m.trace, "dup_mmap", "{:08x}-{:08x} not copied (VM_DONTCOPY)", v.start, v.end);
                continue;
            }
            let mut nv: Vma = v.clone();
            // The child's mappings are not locked.
            nv.flags -= VmFlags::LOCKED_MASK;
            // anon_vma_fork: the child links the parent's anon_vmas and gets
            // one of its own; a wiped VMA starts without any.
            nv.anon_vma = std::sync::OnceLock::new();
            nv.anon_vma_parents = Vec::new();
            if let Some(parent_av) = v.anon_vma()
                && !v.flags.contains(VmFlags::WIPEONFORK)
            {
                let mut chain = vec![parent_av.clone()];
                chain.extend(v.anon_vma_parents.iter().cloned());
                for a in &chain {
                    a.link_mm(&child);
                }
                let _ = nv.anon_vma.set(AnonVma::new(&child));
                nv.anon_vma_parents = chain;
            }
            if let Some(f) = nv.file() {
                f.inode.mapping.vma_link_file(&child.this);
                if let Some(ops) = nv.vm_ops() {
                    ops.open(f);
                }
            }
            // vma_needs_copy: only a VMA with anonymous pages (or raw page
            // frames) has entries the child cannot refault.
            let needs_copy = v.anon_vma().is_some()
                && !v.flags.contains(VmFlags::WIPEONFORK)
                && !v.flags.intersects(VmFlags::PFNMAP | VmFlags::MIXEDMAP);
            // The VMA goes in first, so that a failed copy is torn down
            // with the child.
            cst.vmas.insert(nv);
            if needs_copy {
                // Reclaim inside the copy's allocations may unmap pages of
                // both address spaces, as Linux's reverse map (which takes
                // no mmap_lock) does.
                let _walk = (self.rmap_walkable(&st), child.rmap_walkable(&cst));
                if let Err(e) = self.copy_page_range(&child, v) {
                    failed = Some(e);
                    break;
                }
            }
            copied += 1;
        }
        drop(cst);
        drop(st);
        // The parent's writable entries became read-only: flush them all
        // (`flush_tlb_mm`).
        m.flush_tlb_mm_range(self, 0, m.arch.task_size(), crate::types::PAGE_SHIFT);
        if let Some(e) = failed {
            // The child is torn down with what it has.
            return Err(e);
        }
        trace_note!(m.trace, "dup_mmap", "{} VMAs copied", copied);
        Ok(child)
    }

    /// `copy_page_range` for `vma`: copies its entries into `child`'s page
    /// tables (`copy_pte_range`, `copy_present_ptes`, `copy_nonpresent_pte`).
    fn copy_page_range(&self, child: &MmStruct, vma: &Vma) -> SysResult<()> {
        let m = &*self.machine;
        let cow = is_cow_mapping(vma.flags);
        // copy_pmd_range: PMD leaves go whole (`copy_huge_pmd`); a file
        // VMA's are left for the child to fault in again.
        let mut leaves = Vec::new();
        if vma.is_anonymous() {
            self.for_each_huge_pmd(vma.start, vma.end, |haddr, slot, _| leaves.push((haddr, slot)));
        }
        for (haddr, slot) in leaves {
            self.copy_huge_pmd(child, slot, haddr).map_err(|_| Errno::ENOMEM)?;
        }
        let mut entries = Vec::new();
        self.for_each_pte(vma.start, vma.end, |va, slot, pte| entries.push((va, slot, pte)));
        let (mut anon, mut file, mut swap) = (0i64, 0i64, 0i64);
        for (va, slot, _) in entries {
            let dst = child.pte_alloc_walk(va).map_err(|_| Errno::ENOMEM)?;
            // copy_pte_range: the child's table lock, then the parent's.
            let _cptl = child.pte_lock(dst.table);
            let _ptl = self.pte_lock(slot.table);
            let pte = self.read_pte(slot);
            match pte {
                Pte::None => {}
                Pte::Marker(marker) => {
                    // copy_pte_marker: guard markers always go with the
                    // copy (uffd-wp ones only to a uffd-wp VMA).
                    let kept = marker & PteMarker::GUARD;
                    if !kept.is_empty() {
                        child.set_pte(dst, Pte::Marker(kept));
                    }
                }
                Pte::Swap { ty, offset, exclusive } => {
                    let entry = SwpEntry { ty, offset };
                    if !m.swap.swap_duplicate(entry) {
                        continue;
                    }
                    if exclusive && cow {
                        // Neither side owns the page alone any more.
                        self.set_pte(slot, Pte::Swap { ty, offset, exclusive: false });
                    }
                    child.set_pte(dst, Pte::Swap { ty, offset, exclusive: false });
                    swap += 1;
                }
                Pte::Page { .. } => {
                    let mut new = pte;
                    if cow && pte.is_write() {
                        self.set_pte(slot, pte.without(PteFlags::WRITE));
                        new = new.without(PteFlags::WRITE);
                    }
                    if vma.flags.contains(VmFlags::SHARED) {
                        new = new.without(PteFlags::DIRTY);
                    }
                    new = new.without(PteFlags::ACCESSED);
                    if let Some(pfn) = self.vm_normal_page(pte) {
                        let page = m.phys.page(pfn);
                        if page.is_anon() {
                            folio_try_dup_anon_rmap_pte(page);
                            anon += 1;
                        } else {
                            folio_dup_file_rmap_pte(page);
                            file += 1;
                        }
                        m.get_page(pfn);
                    }
                    child.set_pte(dst, new);
                }
            }
        }
        let c = &child.counters;
        c.anon_rss.add(anon);
        c.file_rss.add(file);
        c.swap_ents.fetch_add(swap, Ordering::Relaxed);
        trace_note!(
            m.trace,
            "copy_page_range",
            "{:08x}-{:08x} {}: {} anonymous, {} file, {} swap entries shared{}",
            vma.start,
            vma.end,
            vma.perms(),
            anon,
            file,
            swap,
            if cow { ", write-protected" } else { "" }
        );
        Ok(())
    }
}
