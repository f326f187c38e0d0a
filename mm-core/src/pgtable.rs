//! The kernel's view of page tables: walking them, allocating missing
//! levels (`p4d_alloc`, `pud_alloc`, `pmd_alloc`, `pte_alloc`) and freeing
//! the ones no VMA needs any more (`free_pgd_range`).  Entries are the
//! format's real words in simulated frames.

use crate::alloc::Gfp;
use crate::arch::{Level, PMD_LEVEL, PTE_LEVEL, Pte, TableEntry, level_name};
use crate::errno::VmFault;
use crate::flags::PageFlags;
use crate::memory::MmuGather;
use crate::mm::MmStruct;
use crate::spinlock::{SpinLock, SpinLockGuard};
use crate::types::{PAGE_SHIFT, Pfn};
use crate::{trace_enter, trace_note};
use std::cell::Cell;
use std::sync::atomic::Ordering;

/// The last walk the fault path made on this thread: which PTE table
/// serves a 2 MiB region of an address space.  Valid while no page table
/// of that address space has been freed (`MmStruct::pt_gen`).
#[derive(Clone, Copy, Default)]
struct WalkCache {
    uid: u64,
    generation: u64,
    region: u64,
    pmd: Slot,
    pte: Pfn,
}

thread_local! {
    static WALK_CACHE: Cell<WalkCache> = Cell::new(WalkCache::default());
}

/// An entry slot: the table's frame and the entry's index in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Slot {
    pub table: Pfn,
    pub idx: usize,
}

/// The PTE-table lock of a walk over a range (`pte_offset_map_lock` at
/// each table, `pte_unmap_unlock` at its end): taken at the first entry
/// of a table the walk acts on, and given up before the next table's is
/// taken, so a walk holds one page-table lock at a time.
pub(crate) struct PtlWalk<'a> {
    mm: &'a MmStruct,
    held: Option<(Pfn, SpinLockGuard<'a, ()>)>,
}

impl<'a> PtlWalk<'a> {
    /// A walk of `mm` holding no lock yet.
    pub(crate) fn new(mm: &'a MmStruct) -> PtlWalk<'a> {
        PtlWalk { mm, held: None }
    }

    /// Holds the lock of the PTE table `table`.
    #[inline]
    pub(crate) fn lock(&mut self, table: Pfn) {
        if self.held.as_ref().is_some_and(|(t, _)| *t == table) {
            return;
        }
        self.held = None;
        self.held = Some((table, self.mm.pte_lock(table)));
    }
}

impl MmStruct {
    /// Level of the root table.
    #[inline(always)]
    pub(crate) fn top_level(&self) -> Level {
        self.machine.geometry.levels - 1
    }

    /// Index of `va` in a table of `level`.
    #[inline]
    pub(crate) fn pt_index(&self, level: Level, va: u64) -> usize {
        let g = &self.machine.geometry;
        ((va >> g.shifts[level as usize]) & g.index_mask) as usize
    }

    /// Size of the range one entry of `level` covers.
    #[inline]
    pub(crate) fn entry_size(&self, level: Level) -> u64 {
        1u64 << self.machine.geometry.shifts[level as usize]
    }

    #[inline(always)]
    pub(crate) fn read_table(&self, level: Level, slot: Slot) -> TableEntry {
        self.machine.read_table(level, slot)
    }

    /// The PMD slot for `va` (the entry that points to its PTE table),
    /// without allocating; `None` if a level above is missing.
    pub fn pmd_offset(&self, va: u64) -> Option<Slot> {
        let mut table = self.pgd();
        for level in (PMD_LEVEL + 1..=self.top_level()).rev() {
            let slot = Slot { table, idx: self.pt_index(level, va) };
            match self.read_table(level, slot) {
                TableEntry::Table(t) => table = t,
                _ => return None,
            }
        }
        Some(Slot { table, idx: self.pt_index(PMD_LEVEL, va) })
    }

    /// The PTE slot for `va` without allocating (`pte_offset_map`).
    pub fn pte_offset(&self, va: u64) -> Option<Slot> {
        let pmd = self.pmd_offset(va)?;
        match self.read_table(PMD_LEVEL, pmd) {
            TableEntry::Table(t) => Some(Slot { table: t, idx: self.pt_index(PTE_LEVEL, va) }),
            _ => None,
        }
    }

    /// `pte_lockptr`: the lock of the PTE table `table`, kept in its
    /// `struct page` (split page-table locks, one per page-table page),
    /// so faults in different tables do not serialise.
    #[inline(always)]
    pub(crate) fn pte_lockptr(&self, table: Pfn) -> &SpinLock<()> {
        &self.machine.phys.page(table).ptl
    }

    /// `pte_offset_map_lock`'s lock: takes the lock of the PTE table
    /// `table`.
    #[inline(always)]
    pub(crate) fn pte_lock(&self, table: Pfn) -> SpinLockGuard<'_, ()> {
        let ptl = self.pte_lockptr(table);
        crate::lockstat::lock_acquired("ptl", ptl);
        ptl.lock()
    }

    /// `pte_offset_map_lock`: takes the lock of the PTE table `table`
    /// that the fault found below the PMD entry `pmd`, and checks under
    /// it that the entry still points at that table (`pmd_same`).  A
    /// table freed meanwhile (`try_to_free_pte` after `MADV_DONTNEED`, a
    /// collapse) is emptied from the PMD under its own lock, so once this
    /// lock is held the answer stays true until it is dropped.  `None`:
    /// the table is gone, and the fault is retried from the top.
    #[inline(always)]
    pub(crate) fn pte_offset_map_lock(&self, pmd: Slot, table: Pfn) -> Option<SpinLockGuard<'_, ()>> {
        let ptl = self.pte_lock(table);
        if self.read_table(PMD_LEVEL, pmd) == TableEntry::Table(table) {
            Some(ptl)
        } else {
            trace_note!(
                self.machine.trace,
                "pte_offset_map_lock",
                "pmd changed under us: pte table {:#x} gone",
                table.0
            );
            None
        }
    }

    /// `pmd_lock`: the lock of the PMD table that holds the entry `pmd`
    /// (`CONFIG_SPLIT_PMD_PTLOCKS`: that table's own lock), which guards
    /// the entry (a PMD leaf, or the table pointer `pmd_install` writes).
    #[inline(always)]
    pub(crate) fn pmd_lock(&self, pmd: Slot) -> SpinLockGuard<'_, ()> {
        let ptl = &self.machine.phys.page(pmd.table).ptl;
        crate::lockstat::lock_acquired("pmd_lock", ptl);
        ptl.lock()
    }

    /// `spin_lock(&mm->page_table_lock)`: the address space's own lock,
    /// kept where the kernel keeps it (the PUD and upper levels'
    /// population, `anon_vma_prepare`).
    #[inline]
    pub(crate) fn mm_page_table_lock(&self) -> SpinLockGuard<'_, ()> {
        crate::lockstat::lock_acquired("page_table_lock", &self.page_table_lock);
        self.page_table_lock.lock()
    }

    /// Reads a leaf entry (`ptep_get`).
    #[inline]
    pub fn read_pte(&self, slot: Slot) -> Pte {
        self.machine.arch.decode_pte(self.machine.phys.read_u64(slot.table, slot.idx))
    }

    /// Writes a leaf entry (`set_pte_at`).  Flushing the TLB, if the old
    /// entry was present, is the caller's job.  Core code only: a page
    /// table written from outside would break the invariants the core
    /// keeps (rmap, counters, TLB).
    #[inline]
    pub(crate) fn set_pte(&self, slot: Slot, pte: Pte) {
        self.machine.phys.write_u64(slot.table, slot.idx, self.machine.arch.encode_pte(pte));
    }

    /// Clears the entry and returns what it held, atomically, so that
    /// accessed and dirty bits the hardware sets meanwhile are not lost
    /// (`ptep_get_and_clear`).
    #[inline]
    pub(crate) fn ptep_get_and_clear(&self, slot: Slot) -> Pte {
        self.machine.arch.decode_pte(self.machine.phys.xchg_u64(slot.table, slot.idx, 0))
    }

    /// Installs `pte` if the slot is still empty; false if it was not.
    #[inline]
    pub(crate) fn set_pte_if_none(&self, slot: Slot, pte: Pte) -> bool {
        let raw = self.machine.arch.encode_pte(pte);
        self.machine.phys.cmpxchg_u64(slot.table, slot.idx, 0, raw).is_ok()
    }

    /// The entry mapping `va`, if its table exists; under a PMD leaf, the
    /// leaf's attributes with the frame of `va`'s page.
    pub fn lookup_pte(&self, va: u64) -> Pte {
        let Some(pmd) = self.pmd_offset(va) else {
            return Pte::None;
        };
        match self.read_table(PMD_LEVEL, pmd) {
            TableEntry::Table(t) => self.read_pte(Slot { table: t, idx: self.pt_index(PTE_LEVEL, va) }),
            TableEntry::Leaf(_) => match self.pmd_huge(pmd) {
                Some(Pte::Page { pfn, flags }) => {
                    let within = (va & (self.entry_size(PMD_LEVEL) - 1)) >> PAGE_SHIFT;
                    Pte::Page { pfn: Pfn(pfn.0 + within), flags }
                }
                _ => Pte::None,
            },
            _ => Pte::None,
        }
    }

    /// Allocates a zeroed page-table page and counts it.
    fn alloc_table(&self, level: Level) -> Result<Pfn, VmFault> {
        let pfn = self.machine.alloc_pages(Gfp::PGTABLE_USER, 0).ok_or(VmFault::OOM)?;
        self.machine.phys.page(pfn).set_flags(PageFlags::PGTABLE);
        self.table_counter(level).fetch_add(1, Ordering::Relaxed);
        Ok(pfn)
    }

    fn table_counter(&self, level: Level) -> &std::sync::atomic::AtomicI64 {
        let c = &self.counters;
        match level {
            0 => &c.nr_ptes,
            1 => &c.nr_pmds,
            2 => &c.nr_puds,
            _ => &c.nr_p4ds,
        }
    }

    /// Makes sure the entry at `slot` (in a table of `level`) points to a
    /// table, allocating one (`__pmd_alloc` and friends, `pmd_install`).
    fn ensure_table(&self, level: Level, slot: Slot) -> Result<Pfn, VmFault> {
        if let TableEntry::Table(t) = self.read_table(level, slot) {
            return Ok(t);
        }
        let child = level - 1;
        let new = self.alloc_table(child)?;
        // pmd_install takes the PMD table's lock; a PMD, PUD or P4D table
        // is installed under the address space's lock (`__pmd_alloc`
        // under `pud_lock`, which has no split lock).
        let _ptl = if level == PMD_LEVEL { self.pmd_lock(slot) } else { self.mm_page_table_lock() };
        if let TableEntry::Table(t) = self.read_table(level, slot) {
            // Someone else populated it first: give ours back.
            self.machine.phys.page(new).clear_flags(PageFlags::PGTABLE);
            self.table_counter(child).fetch_sub(1, Ordering::Relaxed);
            self.machine.put_page(new);
            return Ok(t);
        }
        self.machine.phys.write_u64(slot.table, slot.idx, self.machine.arch.mk_table(level, new));
        trace_note!(
            self.machine.trace,
            match child {
                0 => "pte_alloc",
                1 => "pmd_alloc",
                2 => "pud_alloc",
                _ => "p4d_alloc",
            },
            "new {} table at pfn {:#x}",
            level_name(child, self.machine.geometry.levels),
            new.0
        );
        Ok(new)
    }

    /// Walks from the root to the PMD entry of `va`, allocating missing
    /// upper tables as `__handle_mm_fault` does (`p4d_alloc`, `pud_alloc`,
    /// `pmd_alloc`); the PTE table itself is left to the handler.
    pub(crate) fn pmd_alloc_walk(&self, va: u64) -> Result<Slot, VmFault> {
        let mut table = self.pgd();
        for level in (PMD_LEVEL + 1..=self.top_level()).rev() {
            let slot = Slot { table, idx: self.pt_index(level, va) };
            table = self.ensure_table(level, slot)?;
        }
        Ok(Slot { table, idx: self.pt_index(PMD_LEVEL, va) })
    }

    /// `pte_alloc`: the PTE slot for `va` under the PMD entry `pmd`,
    /// allocating the PTE table if there is none.
    pub(crate) fn pte_alloc(&self, pmd: Slot, va: u64) -> Result<Slot, VmFault> {
        let table = self.ensure_table(PMD_LEVEL, pmd)?;
        Ok(Slot { table, idx: self.pt_index(PTE_LEVEL, va) })
    }

    /// The walk of `__handle_mm_fault`: the PMD entry of `va` (allocating
    /// missing upper tables) and the PTE table below it, if there is one.
    /// The result is remembered per thread until a page table of this
    /// address space is freed, so faults in the same 2 MiB do not walk from
    /// the root again.
    pub(crate) fn fault_walk(&self, va: u64) -> Result<(Slot, Option<Slot>), VmFault> {
        let region = va >> self.machine.geometry.shifts[PMD_LEVEL as usize];
        let generation = self.pt_gen.load(Ordering::Acquire);
        let c = WALK_CACHE.with(|c| c.get());
        let pte_idx = self.pt_index(PTE_LEVEL, va);
        if c.uid == self.uid && c.generation == generation && c.region == region {
            return Ok((c.pmd, Some(Slot { table: c.pte, idx: pte_idx })));
        }
        let pmd = self.pmd_alloc_walk(va)?;
        match self.read_table(PMD_LEVEL, pmd) {
            TableEntry::Table(t) => {
                WALK_CACHE.with(|c| c.set(WalkCache { uid: self.uid, generation, region, pmd, pte: t }));
                Ok((pmd, Some(Slot { table: t, idx: pte_idx })))
            }
            _ => Ok((pmd, None)),
        }
    }

    /// Marks every cached walk of this address space stale.
    pub(crate) fn pt_freed(&self) {
        self.pt_gen.fetch_add(1, Ordering::AcqRel);
    }

    /// The PTE slot for `va`, allocating every missing level.
    pub(crate) fn pte_alloc_walk(&self, va: u64) -> Result<Slot, VmFault> {
        let pmd = self.pmd_alloc_walk(va)?;
        self.pte_alloc(pmd, va)
    }

    /// The PTE table that covers `va`, or, if there is none, the end of
    /// the empty range around `va` (the span of the missing entry).
    #[inline]
    fn pte_table_or_hole(&self, va: u64) -> Result<Pfn, u64> {
        let mut table = self.pgd();
        for level in (PMD_LEVEL..=self.top_level()).rev() {
            let slot = Slot { table, idx: self.pt_index(level, va) };
            match self.read_table(level, slot) {
                TableEntry::Table(t) => table = t,
                _ => {
                    let size = self.entry_size(level);
                    return Err((va & !(size - 1)).saturating_add(size));
                }
            }
        }
        Ok(table)
    }

    /// Calls `f(va, slot, pte)` for every entry in `[start, end)` that is
    /// not none, skipping the ranges whose tables are missing.
    pub(crate) fn for_each_pte(&self, start: u64, end: u64, mut f: impl FnMut(u64, Slot, Pte)) {
        let pmd_size = self.entry_size(PMD_LEVEL);
        let mut a = start & !((1 << crate::types::PAGE_SHIFT) - 1);
        while a < end {
            match self.pte_table_or_hole(a) {
                Err(hole_end) => a = hole_end,
                Ok(table) => {
                    let region_end = (a & !(pmd_size - 1)).saturating_add(pmd_size).min(end);
                    match self.machine.phys.table_words(table) {
                        // A table never written: every entry none.
                        Some(None) => a = region_end,
                        // One look at the table's state for all its
                        // entries (the words read are those `read_u64`
                        // reads; `f` may rewrite the one it is given).
                        Some(Some(words)) => {
                            while a < region_end {
                                let idx = self.pt_index(PTE_LEVEL, a);
                                let raw = words[idx % crate::phys::WORDS_PER_PAGE].load(Ordering::Acquire);
                                if raw != 0 {
                                    f(a, Slot { table, idx }, self.machine.arch.decode_pte(raw));
                                }
                                a += 1 << crate::types::PAGE_SHIFT;
                            }
                        }
                        None => {
                            while a < region_end {
                                let idx = self.pt_index(PTE_LEVEL, a);
                                let raw = self.machine.phys.read_u64(table, idx);
                                if raw != 0 {
                                    f(a, Slot { table, idx }, self.machine.arch.decode_pte(raw));
                                }
                                a += 1 << crate::types::PAGE_SHIFT;
                            }
                        }
                    }
                }
            }
        }
    }

    /// `free_pgd_range`: frees the page tables over `[addr, end)` that no
    /// VMA can use, given that the nearest remaining VMAs end at `floor`
    /// below and start at `ceiling` above (0 meaning none).  A table is
    /// kept if its span reaches below `floor` or above `ceiling`.
    pub(crate) fn free_pgd_range(&self, tlb: &mut MmuGather<'_>, addr: u64, end: u64, floor: u64, ceiling: u64) {
        let pmd_size = self.entry_size(PMD_LEVEL);
        let pmd_mask = !(pmd_size - 1);
        let mut addr = addr & pmd_mask;
        if addr < floor {
            addr = addr.wrapping_add(pmd_size);
            if addr == 0 {
                return;
            }
        }
        let mut ceiling = ceiling;
        if ceiling != 0 {
            ceiling &= pmd_mask;
            if ceiling == 0 {
                return;
            }
        }
        let mut end = end;
        if end.wrapping_sub(1) > ceiling.wrapping_sub(1) {
            end = end.wrapping_sub(pmd_size);
        }
        if addr > end.wrapping_sub(1) {
            return;
        }
        let _t = trace_enter!(
            self.machine.trace,
            "free_pgd_range",
            "{:#x}-{:#x} floor {:#x} ceiling {:#x}",
            addr,
            end,
            floor,
            ceiling
        );
        self.free_level(tlb, self.top_level(), self.pgd(), addr, end, floor, ceiling);
    }

    /// Frees the tables below the table at `level` over `[addr, end)`;
    /// returns true if this table itself can be freed by its parent
    /// (`free_pmd_range`, `free_pud_range`, `free_p4d_range`).
    #[allow(clippy::too_many_arguments)]
    fn free_level(
        &self,
        tlb: &mut MmuGather<'_>,
        level: Level,
        table: Pfn,
        addr: u64,
        end: u64,
        floor: u64,
        ceiling: u64,
    ) -> bool {
        let size = self.entry_size(level);
        let mut a = addr;
        loop {
            let boundary = (a & !(size - 1)).wrapping_add(size);
            let next = if boundary.wrapping_sub(1) < end.wrapping_sub(1) { boundary } else { end };
            let slot = Slot { table, idx: self.pt_index(level, a) };
            if let TableEntry::Table(child) = self.read_table(level, slot) {
                let free_child = level == PMD_LEVEL || self.free_level(tlb, level - 1, child, a, next, floor, ceiling);
                if free_child {
                    if level == PMD_LEVEL {
                        debug_assert!(self.table_is_empty(child), "freeing a PTE table that still maps pages");
                    }
                    self.machine.phys.write_u64(slot.table, slot.idx, 0);
                    self.pt_freed();
                    self.table_counter(level - 1).fetch_sub(1, Ordering::Relaxed);
                    trace_note!(
                        self.machine.trace,
                        "free_pgtables",
                        "{} table at pfn {:#x} ({:#x}) freed",
                        level_name(level - 1, self.machine.geometry.levels),
                        child.0,
                        a & !(size - 1)
                    );
                    tlb.free_table(child, a & !(size - 1));
                }
            }
            a = next;
            if a == end {
                break;
            }
        }
        if level == self.top_level() {
            return false;
        }
        let mask = !(self.entry_size(level + 1) - 1);
        let start = addr & mask;
        if start < floor {
            return false;
        }
        let mut ceiling = ceiling;
        if ceiling != 0 {
            ceiling &= mask;
            if ceiling == 0 {
                return false;
            }
        }
        end.wrapping_sub(1) <= ceiling.wrapping_sub(1)
    }

    pub(crate) fn table_is_empty(&self, table: Pfn) -> bool {
        (0..self.machine.geometry.ptrs).all(|i| self.machine.phys.read_u64(table, i) == 0)
    }

    /// Frees the PTE tables of whole, now empty, 2 MiB blocks inside
    /// `[start, end)` (`try_to_free_pte`, `CONFIG_PT_RECLAIM`, after
    /// `MADV_DONTNEED`).
    pub(crate) fn reclaim_empty_pte_tables(&self, tlb: &mut MmuGather<'_>, start: u64, end: u64) {
        let size = self.entry_size(PMD_LEVEL);
        let mut a = (start + size - 1) & !(size - 1);
        while a.checked_add(size).is_some_and(|e| e <= end) {
            if let Some(pmd) = self.pmd_offset(a)
                && let TableEntry::Table(t) = self.read_table(PMD_LEVEL, pmd)
                && self.table_is_empty(t)
            {
                // Under the PMD's lock and then the table's, still the
                // same table and still empty (a fault may have filled it).
                let _pml = self.pmd_lock(pmd);
                let _ptl = self.pte_lock(t);
                if self.read_table(PMD_LEVEL, pmd) != TableEntry::Table(t) || !self.table_is_empty(t) {
                    a += size;
                    continue;
                }
                self.machine.phys.write_u64(pmd.table, pmd.idx, 0);
                self.pt_freed();
                self.counters.nr_ptes.fetch_sub(1, Ordering::Relaxed);
                trace_note!(
                    self.machine.trace,
                    "try_to_free_pte",
                    "empty pte table at pfn {:#x} ({:#x}) freed",
                    t.0,
                    a
                );
                tlb.free_table(t, a);
            }
            a += size;
        }
    }

    /// Present pages in `[start, end)` as merged `(start, end)` ranges
    /// (`pagemap` bit 63: present or `PROT_NONE`).  As `pagemap`'s page
    /// walk (`walk_page_test`), a `VM_PFNMAP` VMA (the vDSO's `[vvar]`) is
    /// a hole: none of its pages shows present.
    pub fn present_ranges(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        let st = self.mmap_lock.read();
        for v in st.vmas.overlapping(start, end).filter(|v| !v.flags.contains(crate::flags::VmFlags::PFNMAP)) {
            let s = v.start.max(start) & !((1 << PAGE_SHIFT) - 1);
            let e = v.end.min(end);
            self.for_each_pte(s, e, |va, _, pte| {
                if pte.is_present() {
                    match out.last_mut() {
                        Some(last) if last.1 == va => last.1 = va + (1 << PAGE_SHIFT),
                        _ => out.push((va, va + (1 << PAGE_SHIFT))),
                    }
                }
            });
            let size = self.entry_size(PMD_LEVEL);
            self.for_each_huge_pmd(s, e, |haddr, _, _| out.push((haddr.max(s), (haddr + size).min(e))));
        }
        // Merge what the PMD leaves added.
        out.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(out.len());
        for (a, b) in out {
            match merged.last_mut() {
                Some(last) if last.1 >= a => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        merged
    }

    /// The parts of `[start, end)` that present PMD leaves map, as merged
    /// `(start, end, zero)` ranges, `zero` for a leaf that maps the huge zero
    /// folio (`is_huge_zero_pfn` of its frame) rather than a THP: what
    /// `PAGEMAP_SCAN` reports as `PAGE_IS_HUGE` (with `PAGE_IS_PFNZERO`).
    /// Page-table levels are only read, never allocated; a `VM_PFNMAP`
    /// VMA is a hole, as for [`present_ranges`](Self::present_ranges).
    pub fn pmd_leaf_ranges(&self, start: u64, end: u64) -> Vec<(u64, u64, bool)> {
        let mut out: Vec<(u64, u64, bool)> = Vec::new();
        let size = self.entry_size(PMD_LEVEL);
        let st = self.mmap_lock.read();
        for v in st.vmas.overlapping(start, end).filter(|v| !v.flags.contains(crate::flags::VmFlags::PFNMAP)) {
            let (s, e) = (v.start.max(start), v.end.min(end));
            let mut a = s & !(size - 1);
            while a < e {
                // Without a PMD table here, the next one is a PUD away.
                let mut step = size;
                match self.pmd_offset(a) {
                    None => step = self.entry_size(PMD_LEVEL + 1) - (a & (self.entry_size(PMD_LEVEL + 1) - 1)),
                    Some(pmd) => {
                        if let TableEntry::Leaf(pfn) = self.read_table(PMD_LEVEL, pmd) {
                            let zero = self.machine.is_huge_zero_pfn(pfn);
                            let (rs, re) = (a.max(s), a.saturating_add(size).min(e));
                            match out.last_mut() {
                                Some(last) if last.1 == rs && last.2 == zero => last.1 = re,
                                _ => out.push((rs, re, zero)),
                            }
                        }
                    }
                }
                match a.checked_add(step) {
                    Some(n) => a = n,
                    None => break,
                }
            }
        }
        out
    }
}

impl crate::machine::Machine {
    /// `mmsim run --trace-walk`: an access that the MMU of `cpu` translated
    /// without a fault, as the hardware did it: a TLB hit, or a miss and the
    /// walk from the root table, one line per level with the entry's word
    /// and what its bits say.  Called only when the tracer asks for walks.
    pub(crate) fn trace_tlb_access(
        &self,
        cpu: usize,
        root: Pfn,
        va: u64,
        access: crate::flags::Access,
        hit: bool,
        pa_pfn: Pfn,
    ) {
        let access = match access {
            crate::flags::Access::Read => "read",
            crate::flags::Access::Write => "write",
            crate::flags::Access::Exec => "exec",
        };
        if hit {
            trace_note!(self.trace, "tlb_hit", "cpu {} {} {:#x} -> pfn {:#x}", cpu, access, va, pa_pfn.0);
            return;
        }
        let _t = trace_enter!(
            self.trace,
            "tlb_miss",
            "cpu {} {} {:#x}: page walk from root pfn {:#x}",
            cpu,
            access,
            va,
            root.0
        );
        let g = &self.geometry;
        let mut table = root;
        for level in (PTE_LEVEL..g.levels).rev() {
            let idx = ((va >> g.shifts[level as usize]) & g.index_mask) as usize;
            let raw = self.phys.read_u64(table, idx);
            let name = level_name(level, g.levels);
            if level == PTE_LEVEL {
                let pte = self.arch.decode_pte(raw);
                let what = match pte.pfn() {
                    Some(pfn) if self.is_zero_pfn(pfn) => "zero page".to_string(),
                    Some(pfn) => format!("page pfn {:#x}", pfn.0),
                    None => crate::fault::describe_pte(self, pte),
                };
                trace_note!(self.trace, name, "[{}] = {:#018x}: {}{}", idx, raw, what, describe_flags(pte.flags()));
                break;
            }
            let flags = self.arch.table_entry_flags(level, raw);
            match self.read_table(level, Slot { table, idx }) {
                TableEntry::Table(next) => {
                    trace_note!(
                        self.trace,
                        name,
                        "[{}] = {:#018x}: table pfn {:#x}{}",
                        idx,
                        raw,
                        next.0,
                        describe_flags(flags)
                    );
                    table = next;
                }
                TableEntry::Leaf(pfn) => {
                    trace_note!(
                        self.trace,
                        name,
                        "[{}] = {:#018x}: huge leaf pfn {:#x}{}",
                        idx,
                        raw,
                        pfn.0,
                        describe_flags(flags)
                    );
                    break;
                }
                TableEntry::None | TableEntry::Bad(_) => {
                    trace_note!(self.trace, name, "[{}] = {:#018x}: not a table", idx, raw);
                    break;
                }
            }
        }
    }
}

/// The attribute names of an entry, for a walk trace: ` [present write
/// user accessed]`.
fn describe_flags(flags: crate::arch::PteFlags) -> String {
    if flags.is_empty() {
        return String::new();
    }
    let names: Vec<String> = flags.iter_names().map(|(n, _)| n.to_ascii_lowercase()).collect();
    format!(" <{}>", names.join(" "))
}
