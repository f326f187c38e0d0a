//! The kernel half of every address space (arch/x86/mm/init_64.c,
//! pgtable.c, mm/vmalloc.c, fault.c's `do_kern_addr_fault`).
//!
//! At boot the machine builds `init_mm`'s kernel page tables: the direct
//! map of all RAM at `PAGE_OFFSET` in 1 GiB leaves, and the vmalloc area,
//! whose next-level table is preallocated (`preallocate_vmalloc_pages`).
//! Every new address space copies the kernel half of the root table
//! (`pgd_alloc` -> `pgd_ctor`), so the tables below are shared: a vmalloc
//! mapping made later is visible in every process at once, with no fault
//! to synchronise it.  Kernel entries lack the user bit: a user access
//! faults and gets `SIGSEGV`.  Their leaves are global (tagged with no
//! ASID), so they survive address-space switches and `vfree` flushes
//! them on every CPU.

use crate::alloc::Gfp;
use crate::arch::{KernelLayout, Level, Pte, PteFlags, TableEntry};
use crate::errno::{Errno, SysResult};
use crate::flags::{Access, PageFlags};
use crate::machine::Machine;
use crate::pgtable::Slot;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::{trace_enter, trace_note};
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// The protection of kernel data (`PAGE_KERNEL`): present, writable,
/// global, not executable, no user access.
const PAGE_KERNEL: PteFlags = PteFlags::PRESENT
    .union(PteFlags::WRITE)
    .union(PteFlags::ACCESSED)
    .union(PteFlags::DIRTY)
    .union(PteFlags::GLOBAL)
    .union(PteFlags::NO_EXEC);

/// The kernel's own page tables and vmalloc bookkeeping.
#[derive(Debug)]
pub struct KernelSpace {
    /// `init_mm.pgd`.
    pub pgd: Pfn,
    /// The layout.
    pub layout: KernelLayout,
    /// vmalloc areas: start -> pages (`vmap_area_root`).
    areas: Mutex<BTreeMap<u64, Vec<Pfn>>>,
}

/// Why a kernel-mode access failed (the kernel would oops).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Oops {
    /// The faulting address.
    pub addr: u64,
}

impl Machine {
    /// The table entry slot for `va` at `level` in the kernel's tables,
    /// allocating missing kernel tables above it if `alloc`.
    fn kernel_slot(&self, pgd: Pfn, va: u64, level: Level, alloc: bool) -> Option<Slot> {
        let g = &self.geometry;
        let idx = |l: Level| ((va >> g.shifts[l as usize]) & g.index_mask) as usize;
        let mut table = pgd;
        let mut l = g.levels - 1;
        while l > level {
            let slot = Slot { table, idx: idx(l) };
            table = match self.read_table(l, slot) {
                TableEntry::Table(t) => t,
                TableEntry::None if alloc => {
                    let t = self.alloc_pages(Gfp::ZERO, 0)?;
                    self.phys.page(t).set_flags(PageFlags::PGTABLE | PageFlags::RESERVED);
                    self.phys.write_u64(table, slot.idx, self.arch.mk_kernel_table(l, t));
                    t
                }
                _ => return None,
            };
            l -= 1;
        }
        Some(Slot { table, idx: idx(level) })
    }

    /// Builds `init_mm`'s kernel half: the direct map and the preallocated
    /// vmalloc table.  Returns the frames it took.
    pub(crate) fn build_kernel_space(&mut self) -> Option<u64> {
        let layout = self.arch.kernel_layout()?;
        let pgd = self.alloc_pages(Gfp::ZERO, 0)?;
        self.phys.page(pgd).set_flags(PageFlags::PGTABLE | PageFlags::RESERVED);
        let before = self.nr_free_pages();
        // The direct map, in 1 GiB leaves.
        let flags = PAGE_KERNEL;
        let gib = 1u64 << 30;
        let ram = self.phys.nr_pages() * PAGE_SIZE;
        let mut off = 0;
        while off < ram {
            let leaf = self.arch.mk_huge_leaf(2, Pfn(off >> PAGE_SHIFT), flags);
            let (Some(leaf), Some(slot)) = (leaf, self.kernel_slot(pgd, layout.page_offset + off, 2, true)) else {
                break;
            };
            self.phys.write_u64(slot.table, slot.idx, leaf);
            off += gib;
        }
        // The vmalloc area's table below the root, preallocated so that
        // every address space shares it.
        let top = self.geometry.levels - 1;
        self.kernel_slot(pgd, layout.vmalloc_start, top - 1, true)?;
        let used = before - self.nr_free_pages() + 1;
        self.kernel = Some(KernelSpace { pgd, layout, areas: Mutex::new(BTreeMap::new()) });
        Some(used)
    }

    /// `pgd_ctor`: copies the kernel half of `init_mm`'s root table into a
    /// new one.
    pub(crate) fn pgd_ctor(&self, pgd: Pfn) {
        if let Some(k) = &self.kernel {
            let ptrs = self.geometry.ptrs;
            for i in ptrs / 2..ptrs {
                let raw = self.phys.read_u64(k.pgd, i);
                if raw != 0 {
                    self.phys.write_u64(pgd, i, raw);
                }
            }
        }
    }

    /// True if `va` is in the vmalloc area.
    pub fn is_vmalloc_addr(&self, va: u64) -> bool {
        self.kernel
            .as_ref()
            .is_some_and(|k| va >= k.layout.vmalloc_start && va - k.layout.vmalloc_start < k.layout.vmalloc_size)
    }

    /// `vmalloc`: `size` bytes of kernel memory, page by page, mapped at
    /// the lowest free address of the vmalloc area (with a guard page
    /// after it, as `__get_vm_area_node` leaves).
    pub fn vmalloc(&self, size: u64) -> SysResult<u64> {
        let k = self.kernel.as_ref().ok_or(Errno::ENODEV)?;
        let pages = size.div_ceil(PAGE_SIZE);
        if pages == 0 {
            return Err(Errno::EINVAL);
        }
        let _t = trace_enter!(self.trace, "vmalloc", "{size} bytes");
        let mut areas = k.areas.lock();
        let mut start = k.layout.vmalloc_start;
        for (&s, v) in areas.iter() {
            if start + (pages + 1) * PAGE_SIZE <= s {
                break;
            }
            start = s + (v.len() as u64 + 1) * PAGE_SIZE;
        }
        if start + pages * PAGE_SIZE > k.layout.vmalloc_start + k.layout.vmalloc_size {
            return Err(Errno::ENOMEM);
        }
        let mut frames = Vec::with_capacity(pages as usize);
        let flags = PteFlags::PRESENT
            | PteFlags::WRITE
            | PteFlags::ACCESSED
            | PteFlags::DIRTY
            | PteFlags::GLOBAL
            | PteFlags::NO_EXEC;
        for i in 0..pages {
            let va = start + i * PAGE_SIZE;
            let ok = self.alloc_pages(Gfp::ZERO, 0).and_then(|pfn| {
                frames.push(pfn);
                self.kernel_slot(k.pgd, va, 0, true).map(|slot| (slot, pfn))
            });
            let Some((slot, pfn)) = ok else {
                drop(areas);
                self.unmap_kernel_range(start, &frames);
                return Err(Errno::ENOMEM);
            };
            self.phys.write_u64(slot.table, slot.idx, self.arch.encode_pte(Pte::page(pfn, flags)));
        }
        trace_note!(self.trace, "vmap_pages_range", "{:#x}-{:#x}: {} pages", start, start + pages * PAGE_SIZE, pages);
        areas.insert(start, frames);
        Ok(start)
    }

    /// `vfree`: unmaps the area at `addr`, flushes it from every CPU
    /// (`flush_tlb_kernel_range`) and frees its pages.
    pub fn vfree(&self, addr: u64) -> SysResult<()> {
        let k = self.kernel.as_ref().ok_or(Errno::ENODEV)?;
        let frames = k.areas.lock().remove(&addr).ok_or(Errno::EINVAL)?;
        let _t = trace_enter!(self.trace, "vfree", "{addr:#x}: {} pages", frames.len());
        self.unmap_kernel_range(addr, &frames);
        Ok(())
    }

    fn unmap_kernel_range(&self, start: u64, frames: &[Pfn]) {
        let k = self.kernel.as_ref().expect("a kernel half");
        for i in 0..frames.len() as u64 {
            if let Some(slot) = self.kernel_slot(k.pgd, start + i * PAGE_SIZE, 0, false) {
                self.phys.write_u64(slot.table, slot.idx, 0);
            }
        }
        self.flush_tlb_kernel_range(start, start + frames.len() as u64 * PAGE_SIZE);
        for &pfn in frames {
            self.put_page(pfn);
        }
    }

    /// `flush_tlb_kernel_range`: every CPU drops the (global) entries.
    pub fn flush_tlb_kernel_range(&self, start: u64, end: u64) {
        let pages = (end - start) / PAGE_SIZE;
        for c in &self.cpus {
            let mut c = c.lock();
            if pages > self.tunables.tlb_single_page_flush_ceiling {
                c.mmu.flush_tlb_all();
            } else {
                let mut a = start;
                while a < end {
                    c.mmu.flush_tlb_one_kernel(a);
                    a += PAGE_SIZE;
                }
            }
        }
        trace_note!(self.trace, "flush_tlb_kernel_range", "{:#x}-{:#x}: every CPU", start, end);
    }

    /// `do_kern_addr_fault`: a kernel-mode fault on a kernel address.
    /// x86-64 preallocates the kernel's upper tables, so there is no
    /// vmalloc fault to fix up: a fault whose entry does allow the access
    /// was spurious (a stale TLB entry after a permission upgrade:
    /// `spurious_kernel_fault`) and the access is retried; any other is an
    /// oops.
    pub(crate) fn do_kern_addr_fault(&self, pgd: Pfn, addr: u64, access: Access) -> Result<(), Oops> {
        let _t = trace_enter!(self.trace, "do_kern_addr_fault", "address={addr:#x}");
        if let Some(k) = &self.kernel
            && let Some(slot) =
                self.kernel_slot(k.pgd, addr, 0, false).or_else(|| self.kernel_slot(pgd, addr, 0, false))
        {
            let pte = self.arch.decode_pte(self.phys.read_u64(slot.table, slot.idx));
            let ok = pte.flags().contains(PteFlags::PRESENT) && (access != Access::Write || pte.is_write());
            if ok {
                trace_note!(self.trace, "spurious_kernel_fault", "the entry allows it: retried");
                return Ok(());
            }
        }
        trace_note!(self.trace, "kernelmode_fixup_or_oops", "BUG: unable to handle page fault: Oops");
        Err(Oops { addr })
    }
}
