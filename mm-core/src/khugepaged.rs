//! Collapsing 4 KiB pages into a transparent huge page (mm/khugepaged.c),
//! on request and in the background.
//!
//! `MADV_COLLAPSE` (`madvise_collapse`) scans each 2 MiB-aligned block of
//! the range (`hpage_collapse_scan_pmd`) and copies what it maps into a
//! new folio mapped by one PMD leaf (`collapse_huge_page`), now and
//! whatever the THP settings say (`TVA_FORCED_COLLAPSE`), but not in a
//! `VM_NOHUGEPAGE` VMA.  Unlike khugepaged, it takes any number of empty,
//! zero-page or shared entries, and read-only blocks too; the VMA must
//! have an `anon_vma` (`hugepage_vma_revalidate`).  The PTE table the block
//! had becomes the table deposited with the leaf.
//!
//! A shmem or tmpfs VMA's blocks are collapsed in the page cache instead
//! (`hpage_collapse_scan_file`, `collapse_file`, whose
//! `retract_page_tables` frees the block's PTE tables in every mapping)
//! and mapped by a PMD here (`collapse_pte_mapped_thp`).
//!
//! Each block's scan ends in a `ScanResult`; as 6.18's `madvise_collapse`
//! does, some let the walk go on to the next block (the error of the last
//! one is returned, `madvise_collapse_errno`), the others end it at once.
//!
//! khugepaged runs the same scan and collapse over the address spaces it
//! was told of (`__khugepaged_enter`: a THP fault, `MADV_HUGEPAGE` on a
//! VMA that THP may back and that has an `anon_vma`, a fork of an address
//! space it knows, the mmap of a shmem file it may collapse), in the
//! order they came, `khugepaged/pages_to_scan`
//! of work per wakeup (`khugepaged_do_scan`: a block counts 512, an
//! address space and each VMA passed over 1), VMA by VMA and block by
//! block from where the last wakeup stopped (`khugepaged_scan_mm_slot`);
//! `full_scans` counts the times it reached the end of the list.  Its
//! scan is stricter than `MADV_COLLAPSE`'s: a VMA the settings let THP
//! back (`enabled`, `VM_HUGEPAGE`), at most `max_ptes_none` empty or
//! zero-page entries, `max_ptes_swap` swap entries and `max_ptes_shared`
//! pages other address spaces map too, and at least one young entry
//! (accessed since it was mapped, or a page marked referenced).  In a
//! shmem or tmpfs VMA the file's settings decide, and the scan looks at
//! the page cache: at least `512 - max_ptes_none` pages cached, at most
//! `max_ptes_swap` out on swap; the collapse maps nothing (the next fault
//! maps the PMD), and a block cached as one 2 MiB folio already only
//! loses the PTE table that maps it.  The
//! simulator keeps no time: [`Kernel::khugepaged_full_scans`] runs
//! wakeups until the list was gone through a given number of times.
//!
//! [`Kernel::khugepaged_full_scans`]: crate::Kernel::khugepaged_full_scans

use crate::alloc::Gfp;
use crate::arch::{PMD_LEVEL, Pte, PteFlags, TableEntry};
use crate::errno::Errno;
use crate::flags::{PageFlags, VmFlags};
use crate::fs::pagecache::CacheEntry;
use crate::memory::MmuGather;
use crate::mm::{MmState, MmStruct, Vma};
use crate::pgtable::Slot;
use crate::types::{PAGE_SHIFT, PAGE_SIZE, Pfn};
use crate::vmstat::VmEvent;
use crate::{Machine, SysResult, trace_enter, trace_note};
use std::sync::Weak;
use std::sync::atomic::Ordering;

/// `struct collapse_control`: who collapses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CollapseControl {
    /// khugepaged (the `max_ptes_*` limits, young entries needed, its
    /// `defrag` setting) rather than `MADV_COLLAPSE`.
    pub is_khugepaged: bool,
}

/// `madvise_collapse`'s control.
const MADVISE_COLLAPSE: CollapseControl = CollapseControl { is_khugepaged: false };
/// `khugepaged_collapse_control`.
const KHUGEPAGED_COLLAPSE: CollapseControl = CollapseControl { is_khugepaged: true };

/// An address space khugepaged scans (`struct khugepaged_mm_slot`).
#[derive(Debug)]
struct MmSlot {
    /// The address space's id.
    id: u64,
    /// The address space; gone once it exited (`hpage_collapse_test_exit`).
    mm: Weak<MmStruct>,
}

/// khugepaged's list of address spaces and cursor (`struct
/// khugepaged_scan`), with its sysfs counters.
#[derive(Debug, Default)]
pub(crate) struct KhugepagedScan(parking_lot::Mutex<ScanCursor>);

#[derive(Debug, Default)]
struct ScanCursor {
    /// `mm_head`: the address spaces, in the order they were registered.
    mm_head: Vec<MmSlot>,
    /// `mm_slot`: the id of the one being scanned; `None` at the head.
    mm_slot: Option<u64>,
    /// `address`: where the scan of that one goes on.
    address: u64,
    /// `khugepaged_full_scans`.
    full_scans: u64,
    /// `khugepaged_pages_collapsed`.
    pages_collapsed: u64,
}

/// khugepaged's counters and list, as
/// `/sys/kernel/mm/transparent_hugepage/khugepaged/` shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KhugepagedStats {
    /// `full_scans`: the times the scan reached the end of its list.
    pub full_scans: u64,
    /// `pages_collapsed`: blocks it made THPs.
    pub pages_collapsed: u64,
    /// Address spaces on its list (`mm_slot`s).
    pub mm_slots: u64,
}

impl Machine {
    /// `alloc_charge_folio`: the new PMD-sized folio of a collapse, as
    /// order-0 pages the copy fills one by one.  It may reclaim and
    /// compact directly (`GFP_TRANSHUGE`), for khugepaged only if
    /// `khugepaged/defrag` says so (`GFP_TRANSHUGE_LIGHT` otherwise).
    fn alloc_charge_folio(&self, order: u32, cc: CollapseControl) -> Result<Pfn, ScanResult> {
        let direct = !cc.is_khugepaged || self.tunables.khugepaged_defrag;
        let new = self.alloc_pages_thp(Gfp::HIGHUSER_MOVABLE | Gfp::ZERO, order, direct, false, false);
        match new {
            Some(new) if self.split_page(new, order) => {
                self.vmstat.count(VmEvent::ThpCollapseAlloc, 1);
                Ok(new)
            }
            new => {
                if let Some(new) = new {
                    self.free_pages(new, order);
                }
                self.vmstat.count(VmEvent::ThpCollapseAllocFailed, 1);
                Err(ScanResult::AllocHugePageFail)
            }
        }
    }

    /// `hugepage_pmd_enabled`: the PMD size may be used at all, so
    /// khugepaged runs: for anonymous memory (its own setting, or the
    /// global one it inherits, is not `never`), or for shared memory
    /// (`shmem_hpage_pmd_enabled`: `shmem_enabled` neither `never` nor
    /// `deny`, which the PMD size's shmem setting inherits).
    pub(crate) fn hugepage_pmd_enabled(&self) -> bool {
        use crate::machine::ShmemHuge;
        let t = &self.tunables;
        self.hpage_pmd_order().is_some()
            && (t.thp_enabled_2048k.unwrap_or(t.thp_enabled) != crate::machine::ThpEnabled::Never
                || !matches!(t.thp_shmem_enabled, ShmemHuge::Never | ShmemHuge::Deny))
    }

    /// `__khugepaged_enter`: `mm` joins the end of khugepaged's list,
    /// once (`MMF_VM_HUGEPAGE`).
    fn __khugepaged_enter(&self, mm: &MmStruct) {
        if mm.mmf_vm_hugepage.swap(true, Ordering::AcqRel) {
            return;
        }
        self.khugepaged.0.lock().mm_head.push(MmSlot { id: mm.id, mm: mm.this.clone() });
    }

    /// `__khugepaged_exit`: the address space `mm_id` is gone; its slot
    /// leaves the list unless the scan is at it (the scan then drops it,
    /// `collect_mm_slot`).
    pub(crate) fn __khugepaged_exit(&self, mm_id: u64) {
        let mut c = self.khugepaged.0.lock();
        if c.mm_slot != Some(mm_id) {
            c.mm_head.retain(|s| s.id != mm_id);
        }
    }

    /// `khugepaged_has_work`.
    fn khugepaged_has_work(&self) -> bool {
        !self.khugepaged.0.lock().mm_head.is_empty() && self.hugepage_pmd_enabled()
    }

    /// khugepaged's counters and list length.
    pub(crate) fn khugepaged_stats(&self) -> KhugepagedStats {
        let c = self.khugepaged.0.lock();
        KhugepagedStats {
            full_scans: c.full_scans,
            pages_collapsed: c.pages_collapsed,
            mm_slots: c.mm_head.len() as u64,
        }
    }

    /// Wakeups (`khugepaged_do_scan`) until the scan reached the end of
    /// its list `n` more times, or has no work; returns the wakeups run.
    pub(crate) fn khugepaged_full_scans(&self, n: u64) -> u64 {
        let target = self.khugepaged.0.lock().full_scans.saturating_add(n);
        let mut wakeups = 0;
        while self.khugepaged_has_work() && self.khugepaged.0.lock().full_scans < target {
            self.khugepaged_do_scan();
            wakeups += 1;
        }
        wakeups
    }

    /// `khugepaged_do_scan`: one wakeup's work, `pages_to_scan` of it,
    /// address space after address space; at most once through the head
    /// of the list.  After a failed allocation khugepaged sleeps
    /// `alloc_sleep_millisecs` (no time passes here) and tries once more;
    /// a second failure ends the wakeup.
    pub(crate) fn khugepaged_do_scan(&self) {
        let _t = trace_enter!(self.trace, "khugepaged_do_scan", "");
        let pages = u64::from(self.tunables.khugepaged_pages_to_scan);
        let (mut progress, mut pass_through_head, mut wait) = (0u64, 0, true);
        self.lru_add_drain_all();
        let mut result = ScanResult::Succeed;
        loop {
            if self.khugepaged.0.lock().mm_slot.is_none() {
                pass_through_head += 1;
            }
            if self.khugepaged_has_work() && pass_through_head < 2 {
                progress += self.khugepaged_scan_mm_slot(pages - progress, &mut result);
            } else {
                progress = pages;
            }
            if progress >= pages {
                break;
            }
            if result == ScanResult::AllocHugePageFail {
                if !wait {
                    break;
                }
                wait = false;
                // khugepaged_alloc_sleep
                trace_note!(
                    self.trace,
                    "khugepaged_alloc_sleep",
                    "{} ms",
                    self.tunables.khugepaged_alloc_sleep_millisecs
                );
            }
        }
    }

    /// `khugepaged_scan_mm_slot`: scans the address space at the cursor
    /// (the list's first at the head) from the cursor's address, until
    /// `pages` of work are done or a collapse was tried (the kernel drops
    /// `mmap_lock` for it); at its end the cursor moves to the next
    /// address space, or back to the head (`full_scans`).  Returns the
    /// work done.
    fn khugepaged_scan_mm_slot(&self, pages: u64, result: &mut ScanResult) -> u64 {
        *result = ScanResult::Fail;
        let (id, weak, mut address) = {
            let mut c = self.khugepaged.0.lock();
            let i = match c.mm_slot.and_then(|id| c.mm_head.iter().position(|s| s.id == id)) {
                Some(i) => i,
                None => {
                    c.address = 0;
                    0
                }
            };
            let Some(slot) = c.mm_head.get(i) else {
                c.mm_slot = None;
                return 0;
            };
            let (id, weak) = (slot.id, slot.mm.clone());
            c.mm_slot = Some(id);
            (id, weak, c.address)
        };
        let mm = weak.upgrade();
        let mut progress = 1u64;
        let mut scanned_all = true;
        if let Some(mm) = &mm {
            let _t = trace_enter!(self.trace, "khugepaged_scan_mm_slot", "mm {} from {:#x}", id, address);
            let size = mm.entry_size(PMD_LEVEL);
            let st = mm.mmap_lock.read();
            'vmas: for vma in st.vmas.above(address) {
                if !mm.thp_vma_allowable_order_khugepaged(vma, vma.flags) {
                    progress += 1;
                    continue;
                }
                let hstart = vma.start.next_multiple_of(size);
                let hend = vma.end & !(size - 1);
                if address > hend {
                    progress += 1;
                    continue;
                }
                address = address.max(hstart);
                while address < hend {
                    let (r, tried) = if vma.file().is_some() {
                        // The kernel drops mmap_lock for the scan of the
                        // page cache, which ends this call.
                        let r = match mm.hpage_collapse_scan_file(&st, vma, address, KHUGEPAGED_COLLAPSE) {
                            ScanResult::PteMappedHugepage => match mm.collapse_pte_mapped_thp(vma, address, false) {
                                ScanResult::PmdMapped => ScanResult::Succeed,
                                r => r,
                            },
                            r => r,
                        };
                        (r, true)
                    } else {
                        mm.hpage_collapse_scan_pmd(vma, address, KHUGEPAGED_COLLAPSE)
                    };
                    *result = r;
                    if r == ScanResult::Succeed {
                        self.khugepaged.0.lock().pages_collapsed += 1;
                    }
                    address += size;
                    progress += size >> PAGE_SHIFT;
                    if tried || progress >= pages {
                        scanned_all = false;
                        break 'vmas;
                    }
                }
            }
        }
        let mut c = self.khugepaged.0.lock();
        c.address = address;
        if mm.is_none() || scanned_all {
            let i = c.mm_head.iter().position(|s| s.id == id);
            match i.and_then(|i| c.mm_head.get(i + 1)).map(|s| s.id) {
                Some(next) => {
                    c.mm_slot = Some(next);
                    c.address = 0;
                }
                None => {
                    c.mm_slot = None;
                    c.full_scans += 1;
                }
            }
            // collect_mm_slot
            if mm.is_none()
                && let Some(i) = i
            {
                c.mm_head.remove(i);
            }
        }
        drop(c);
        drop(mm);
        progress
    }
}

impl MmStruct {
    /// `MADV_COLLAPSE` over `[start, end)`, VMA by VMA as
    /// `madvise_walk_vmas` visits them: the first VMA that fails ends it
    /// with its error; a hole in the range is `ENOMEM` after the rest.
    pub(crate) fn madvise_collapse_walk(&self, st: &MmState, start: u64, end: u64) -> SysResult<()> {
        Self::madvise_walk_vmas_read(st, start, end, |v, range_start, range_end| {
            // madvise_collapse: every CPU's new pages join the lists, where
            // collapse can isolate them.
            self.machine.lru_add_drain_all();
            if v.file().is_some_and(|f| f.inode.mapping.a_ops.is_shmem()) {
                return self.madvise_collapse_file(st, v, range_start, range_end);
            }
            self.madvise_collapse(v, range_start, range_end)
        })
    }

    /// `madvise_collapse` for `[start, end)` of `vma`: every 2 MiB block
    /// inside is made a THP (`madvise_collapse_blocks`).  `EINVAL` for a
    /// VMA THP cannot back at all, and
    /// for a range that holds no whole block: the kernel's count of blocks
    /// (`hend - hstart`) is then zero or wraps, and never matches.
    fn madvise_collapse(&self, vma: &Vma, start: u64, end: u64) -> SysResult<()> {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "madvise_collapse", "{:#x}-{:#x}", start, end);
        if !self.thp_vma_collapsible(vma) {
            trace_note!(m.trace, "madvise_collapse", "vma {:08x}-{:08x} not eligible", vma.start, vma.end);
            return Err(Errno::EINVAL);
        }
        let size = self.entry_size(PMD_LEVEL);
        let hstart = start.next_multiple_of(size);
        let hend = end & !(size - 1);
        // A range inside one block that reaches no boundary: the count of
        // blocks wraps and never matches.  A range of no whole block
        // matches its zero blocks, but only in a VMA with an anon_vma (a
        // never-written one is refused, as the real kernel refuses it).
        if hstart > hend || (hstart == hend && vma.anon_vma().is_none()) {
            return Err(Errno::EINVAL); // SCAN_FAIL
        }
        self.madvise_collapse_blocks(hstart, hend, size, |addr| {
            self.hpage_collapse_scan_pmd(vma, addr, MADVISE_COLLAPSE).0
        })
    }

    /// `madvise_collapse`'s loop over the blocks `[hstart, hend)` of
    /// `size`: `collapse` makes one a THP.  A block whose result lets the
    /// walk go on (`ScanResult::continues`) is passed over and its error
    /// kept; any other failure ends the walk.  The call fails with the
    /// last error kept (`madvise_collapse_errno`) unless every block is a
    /// THP now.
    fn madvise_collapse_blocks(
        &self,
        hstart: u64,
        hend: u64,
        size: u64,
        mut collapse: impl FnMut(u64) -> ScanResult,
    ) -> SysResult<()> {
        let m = &*self.machine;
        let mut last_fail = None;
        let mut addr = hstart;
        while addr < hend {
            match collapse(addr) {
                ScanResult::Succeed | ScanResult::PmdMapped => {}
                r => {
                    trace_note!(m.trace, "madvise_collapse", "{:#x}: {:?}", addr, r);
                    last_fail = Some(r);
                    if !r.continues() {
                        break;
                    }
                }
            }
            addr += size;
        }
        match last_fail {
            None => Ok(()),
            Some(r) => Err(r.madvise_collapse_errno()),
        }
    }

    /// `thp_vma_allowable_order(TVA_FORCED_COLLAPSE)`: an anonymous,
    /// private, not special VMA without `VM_NOHUGEPAGE` that holds at
    /// least one aligned 2 MiB block.
    fn thp_vma_collapsible(&self, vma: &Vma) -> bool {
        self.thp_vma_collapsible_flags(vma, vma.flags)
    }

    /// [`thp_vma_collapsible`](Self::thp_vma_collapsible) with `vm_flags`
    /// for the VMA's flags.
    fn thp_vma_collapsible_flags(&self, vma: &Vma, vm_flags: VmFlags) -> bool {
        let m = &*self.machine;
        let Some(order) = m.hpage_pmd_order() else {
            return false;
        };
        if vm_flags.intersects(VmFlags::NOHUGEPAGE | VmFlags::SHARED | VmFlags::SPECIAL)
            || !vma.is_anonymous()
            || vma.special_name().is_some()
        {
            return false;
        }
        let size = PAGE_SIZE << order;
        let first = vma.start.next_multiple_of(size);
        ((vma.start >> PAGE_SHIFT).wrapping_sub(vma.pgoff)).is_multiple_of(1 << order)
            && first.checked_add(size).is_some_and(|e| e <= vma.end)
    }

    /// `thp_vma_allowable_order(TVA_KHUGEPAGED)` with `vm_flags` for the
    /// VMA's flags: what [`thp_vma_collapsible`](Self::thp_vma_collapsible)
    /// asks, THP enabled for the VMA by the settings (`always`, or
    /// `madvise` and `VM_HUGEPAGE`), and an `anon_vma` (a VMA never
    /// written to is not scanned); for a file VMA, what
    /// [`file_thp_vma_allowable_order`](Self::file_thp_vma_allowable_order)
    /// says (shmem and tmpfs by their own settings).
    fn thp_vma_allowable_order_khugepaged(&self, vma: &Vma, vm_flags: VmFlags) -> bool {
        let t = &self.machine.tunables;
        let enabled = match t.thp_enabled_2048k.unwrap_or(t.thp_enabled) {
            crate::machine::ThpEnabled::Never => false,
            crate::machine::ThpEnabled::Always => true,
            crate::machine::ThpEnabled::Madvise => vm_flags.contains(VmFlags::HUGEPAGE),
        };
        if vma.file().is_some() {
            return self.file_thp_vma_allowable_order(vma, vm_flags);
        }
        enabled && vma.anon_vma().is_some() && self.thp_vma_collapsible_flags(vma, vm_flags)
    }

    /// `khugepaged_enter_vma`: the address space joins khugepaged's list
    /// if it is not on it, khugepaged runs and `vma` (with `vm_flags`,
    /// the flags it is about to take) is one it would scan.
    pub(crate) fn khugepaged_enter_vma(&self, vma: &Vma, vm_flags: VmFlags) {
        let m = &*self.machine;
        if !self.mmf_vm_hugepage.load(Ordering::Relaxed)
            && m.hugepage_pmd_enabled()
            && self.thp_vma_allowable_order_khugepaged(vma, vm_flags)
        {
            m.__khugepaged_enter(self);
        }
    }

    /// `khugepaged_fork`: the child of an address space on khugepaged's
    /// list joins it too.
    pub(crate) fn khugepaged_fork(&self, oldmm: &MmStruct) {
        if oldmm.mmf_vm_hugepage.load(Ordering::Relaxed) {
            self.machine.__khugepaged_enter(self);
        }
    }

    /// `hpage_collapse_scan_pmd` for the block at `haddr`, and
    /// `collapse_huge_page` if the scan passes: a leaf there is success
    /// already; a PTE table whose entries are empty, the zero page or
    /// exclusive-enough anonymous pages on the LRU is collapsed (6.18 no
    /// longer asks for a writable entry).  khugepaged (`cc`) also holds
    /// the block to its `max_ptes_*` limits and wants a young entry.
    /// The second value says whether a collapse was tried (the kernel
    /// drops `mmap_lock` for it).
    fn hpage_collapse_scan_pmd(&self, vma: &Vma, haddr: u64, cc: CollapseControl) -> (ScanResult, bool) {
        let m = &*self.machine;
        let t = &m.tunables;
        let Some(pmd) = self.pmd_offset(haddr) else {
            return (ScanResult::PmdNull, false);
        };
        let table = match self.read_table(PMD_LEVEL, pmd) {
            TableEntry::Leaf(_) => return (ScanResult::PmdMapped, false),
            TableEntry::Table(t) => t,
            TableEntry::None | TableEntry::Bad(_) => return (ScanResult::PmdNone, false),
        };
        let nr = 1usize << m.hpage_pmd_order().expect("checked by thp_vma_collapsible");
        let (mut none_or_zero, mut unmapped, mut shared, mut referenced) = (0u32, 0u32, 0u32, 0u32);
        // The large folio seen last and whether another mm maps it.
        let mut last_folio: Option<(Pfn, bool)> = None;
        for i in 0..nr {
            let pte = self.read_pte(Slot { table, idx: i });
            let pfn = match pte {
                // is_swap_pte: swap entries and markers.  Swap-in
                // (`__collapse_huge_page_swapin`) is not modelled:
                // MADV_COLLAPSE refuses the block at once, khugepaged
                // after its checks.
                Pte::Swap { .. } | Pte::Marker(_) => {
                    if !cc.is_khugepaged {
                        return (ScanResult::PteNonPresent, false);
                    }
                    unmapped += 1;
                    if unmapped > t.khugepaged_max_ptes_swap {
                        m.vmstat.count(VmEvent::ThpScanExceedSwapPte, 1);
                        return (ScanResult::ExceedSwapPte, false);
                    }
                    continue;
                }
                Pte::None => None,
                Pte::Page { pfn, .. } if m.is_zero_pfn(pfn) => None,
                Pte::Page { .. } => Some(pte),
            };
            let Some(pte) = pfn else {
                none_or_zero += 1;
                if cc.is_khugepaged && none_or_zero > t.khugepaged_max_ptes_none {
                    m.vmstat.count(VmEvent::ThpScanExceedNonePte, 1);
                    return (ScanResult::ExceedNonePte, false);
                }
                continue;
            };
            let Some(pfn) = self.vm_normal_page(pte) else {
                return (ScanResult::PageNull, false);
            };
            let page = m.phys.page(pfn);
            if !page.is_anon() {
                return (ScanResult::PageAnon, false);
            }
            let head = m.large_folio_head(pfn);
            // folio_maybe_mapped_shared: a page of a large folio counts as
            // shared if any page of the folio is.
            let maybe_shared = match head {
                None => page.mapcount() > 1,
                Some(h) => match last_folio {
                    Some((lh, s)) if lh == h => s,
                    _ => {
                        let n = 1u64 << m.hpage_pmd_order().unwrap_or(0);
                        let s = (0..n).any(|j| m.phys.page(Pfn(h.0 + j)).mapcount() > 1);
                        last_folio = Some((h, s));
                        s
                    }
                },
            };
            if maybe_shared {
                shared += 1;
                if cc.is_khugepaged && shared > t.khugepaged_max_ptes_shared {
                    m.vmstat.count(VmEvent::ThpScanExceedSharePte, 1);
                    return (ScanResult::ExceedSharedPte, false);
                }
            }
            let folio = m.phys.page(head.unwrap_or(pfn));
            if !folio.test(PageFlags::LRU) {
                return (ScanResult::PageLru, false);
            }
            // is_refcount_suitable: no reference but the mappings and the
            // swap cache's.
            let expected = page.mapcount() + i32::from(page.test(PageFlags::SWAPCACHE));
            if page.refcount() != expected {
                return (ScanResult::PageCount, false);
            }
            if cc.is_khugepaged && (pte.flags().contains(PteFlags::ACCESSED) || folio.test(PageFlags::REFERENCED)) {
                referenced += 1;
            }
        }
        if cc.is_khugepaged && (referenced == 0 || (unmapped > 0 && (referenced as usize) < nr / 2)) {
            return (ScanResult::LackReferencedPage, false);
        }
        if unmapped > 0 {
            return (ScanResult::PteNonPresent, false);
        }
        (self.collapse_huge_page(vma, haddr, pmd, table, cc), true)
    }

    /// `collapse_huge_page`: a new folio gets a copy of every page the
    /// table maps (zeroes for the rest), and one PMD leaf maps it in the
    /// table's place; the old pages lose this mapping.  Its allocation
    /// (`alloc_charge_folio`) may reclaim and compact directly
    /// (`GFP_TRANSHUGE`), for khugepaged only if `khugepaged/defrag`
    /// says so (`GFP_TRANSHUGE_LIGHT` otherwise); neither wakes kswapd.
    fn collapse_huge_page(&self, vma: &Vma, haddr: u64, pmd: Slot, table: Pfn, cc: CollapseControl) -> ScanResult {
        let m = &*self.machine;
        let order = m.hpage_pmd_order().expect("checked by thp_vma_collapsible");
        let nr = 1u64 << order;
        let new = match m.alloc_charge_folio(order, cc) {
            Ok(new) => new,
            Err(r) => return r,
        };
        // hugepage_vma_revalidate(expect_anon): a VMA no page was ever
        // written to (only zero pages) has no anon_vma and is refused.
        let Some(anon_vma) = vma.anon_vma().cloned() else {
            for i in 0..nr {
                m.free_pages(Pfn(new.0 + i), 0);
            }
            return ScanResult::PageAnon;
        };
        let mut tlb = MmuGather::new(self);
        {
            // The PMD's lock, then the PTE table's (nested, as the kernel).
            let _pml = self.pmd_lock(pmd);
            let _ptl = self.pte_lock(table);
            // pmdp_collapse_flush: no walk reaches the table any more.
            m.phys.write_u64(pmd.table, pmd.idx, 0);
            self.pt_freed();
            // flush_tlb_range of the 2 MiB: every page's translation.
            m.flush_tlb_mm_range(self, haddr, haddr + (nr << PAGE_SHIFT), PAGE_SHIFT);
            // __collapse_huge_page_copy
            for i in 0..nr {
                let slot = Slot { table, idx: i as usize };
                let pte = self.ptep_get_and_clear(slot);
                if let Some(old) = self.vm_normal_page(pte) {
                    m.phys.copy_frame(Pfn(new.0 + i), old);
                    self.folio_remove_rmap_pte(old, vma);
                    tlb.remove_page(old);
                }
            }
            self.pgtable_trans_huge_redeposit(pmd, table);
            for i in 0..nr {
                let p = Pfn(new.0 + i);
                m.phys.page(p).set_flags(if i == 0 { PageFlags::HEAD } else { PageFlags::TAIL });
                self.folio_add_new_anon_rmap(p, vma, &anon_vma, haddr + (i << PAGE_SHIFT));
            }
            self.map_collapsed_folio(pmd, new, vma);
        }
        tlb.finish();
        trace_note!(m.trace, "collapse_huge_page", "{:#x}: folio {:#x}", haddr, new.0);
        ScanResult::Succeed
    }

    /// The leaf of a collapsed folio: dirty, writable if the VMA is.
    fn map_collapsed_folio(&self, pmd: Slot, head: Pfn, vma: &Vma) {
        self.machine.folio_mod_entire_mapcount(head, 1);
        let mut entry = Pte::page(head, vma.page_prot).with(PteFlags::DIRTY);
        if vma.flags.contains(VmFlags::WRITE) {
            entry = entry.with(PteFlags::WRITE);
        }
        self.set_pmd_at(pmd, entry);
    }
}

/// What one block's scan and collapse came to (mm/khugepaged.c's
/// `enum scan_result`, the values the model can reach).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScanResult {
    /// Nothing more precise (`SCAN_FAIL`).
    Fail,
    Succeed,
    /// A PMD leaf maps the block already.
    PmdMapped,
    /// No PMD table covers the block.
    PmdNull,
    /// The PMD entry is empty (no PTE table).
    PmdNone,
    /// More empty or zero-page entries than `max_ptes_none`.
    ExceedNonePte,
    /// More swap entries than `max_ptes_swap`.
    ExceedSwapPte,
    /// More shared pages than `max_ptes_shared`.
    ExceedSharedPte,
    /// A swap entry or marker.
    PteNonPresent,
    /// No young entry (khugepaged), or too few with swap entries.
    LackReferencedPage,
    PageNull,
    /// A page that is not anonymous, or a VMA without an `anon_vma`.
    PageAnon,
    /// The page cache's folio for a block to map is not PMD-sized.
    PageCompound,
    PageCount,
    PageLru,
    AllocHugePageFail,
    /// The page cache holds a PMD-sized folio for the block: it is to be
    /// mapped (`collapse_pte_mapped_thp`).
    PteMappedHugepage,
    /// The file holds nothing of the block.
    Truncated,
    /// The new folio could not take the block's place in the cache.
    StoreFailed,
}

impl ScanResult {
    /// Whether `madvise_collapse` goes on to the next block after it.
    fn continues(self) -> bool {
        matches!(
            self,
            Self::PmdNull
                | Self::PteNonPresent
                | Self::LackReferencedPage
                | Self::PageNull
                | Self::PageCount
                | Self::PageCompound
                | Self::PageLru
        )
    }

    /// `madvise_collapse_errno`.
    fn madvise_collapse_errno(self) -> Errno {
        match self {
            Self::AllocHugePageFail => Errno::ENOMEM,
            Self::ExceedNonePte => Errno::EBUSY,
            Self::PageCount | Self::PageLru => Errno::EAGAIN,
            _ => Errno::EINVAL,
        }
    }
}

impl MmStruct {
    /// `madvise_collapse` of a shmem or tmpfs VMA: each 2 MiB block of
    /// `[start, end)` gets its pages in one PMD-sized folio of the page
    /// cache (`hpage_collapse_scan_file`, `collapse_file`) and a PMD leaf
    /// maps it here (`collapse_pte_mapped_thp`), whatever `huge=` says
    /// (only `shmem_enabled=deny` and `VM_NOHUGEPAGE` refuse: `EINVAL`, as
    /// does a VMA with no aligned block at an aligned file offset).  A
    /// block whose result lets the walk go on is passed over, its error
    /// kept; any other failure ends the call.
    fn madvise_collapse_file(&self, st: &MmState, vma: &Vma, start: u64, end: u64) -> SysResult<()> {
        let m = &*self.machine;
        let _t = trace_enter!(m.trace, "madvise_collapse", "{:#x}-{:#x} (file)", start, end);
        let Some(order) = m.hpage_pmd_order() else {
            return Err(Errno::EINVAL);
        };
        let size = PAGE_SIZE << order;
        let first = vma.start.next_multiple_of(size);
        if vma.flags.contains(VmFlags::NOHUGEPAGE)
            || m.tunables.thp_shmem_enabled == crate::machine::ShmemHuge::Deny
            || !((vma.start >> PAGE_SHIFT).wrapping_sub(vma.pgoff)).is_multiple_of(1 << order)
            || first.checked_add(size).is_none_or(|e| e > vma.end)
        {
            return Err(Errno::EINVAL);
        }
        let hstart = start.next_multiple_of(size);
        let hend = end & !(size - 1);
        if hstart > hend {
            return Err(Errno::EINVAL);
        }
        self.madvise_collapse_blocks(hstart, hend, size, |addr| {
            match self.hpage_collapse_scan_file(st, vma, addr, MADVISE_COLLAPSE) {
                ScanResult::PteMappedHugepage => self.collapse_pte_mapped_thp(vma, addr, true),
                r => r,
            }
        })
    }

    /// `thp_vma_allowable_order(TVA_KHUGEPAGED)` of a file VMA, with
    /// `vm_flags` for its flags: only shmem and tmpfs files qualify (this
    /// kernel has no `CONFIG_READ_ONLY_THP_FOR_FS`), in a VMA that is not
    /// `VM_NOHUGEPAGE` or special, that holds an aligned 2 MiB block at an
    /// aligned file offset, and whose file may take PMD-sized folios at the
    /// VMA's offset (`shmem_allowable_huge_orders`: `huge=` or
    /// `shmem_enabled`, `MADV_HUGEPAGE` for `advise`).  The kernel reads the
    /// flags of the VMA itself there; the flags it is about to take are
    /// used here, so that `MADV_HUGEPAGE` puts the address space on the
    /// list (on the real kernel the runner's process is on it from its
    /// start anyway).
    fn file_thp_vma_allowable_order(&self, vma: &Vma, vm_flags: VmFlags) -> bool {
        let m = &*self.machine;
        let (Some(order), Some(file)) = (m.hpage_pmd_order(), vma.file()) else {
            return false;
        };
        let Some(sb) = file.inode.mapping.a_ops.shmem_huge() else {
            return false;
        };
        if vm_flags.intersects(VmFlags::NOHUGEPAGE | VmFlags::SPECIAL) {
            return false;
        }
        let size = PAGE_SIZE << order;
        let first = vma.start.next_multiple_of(size);
        if !((vma.start >> PAGE_SHIFT).wrapping_sub(vma.pgoff)).is_multiple_of(1 << order)
            || first.checked_add(size).is_none_or(|e| e > vma.end)
        {
            return false;
        }
        let orders = crate::fs::shmem::shmem_allowable_huge_orders(m, sb, &file.inode, vma.pgoff, 0, Some(vm_flags));
        orders & (1 << order) != 0
    }

    /// `hpage_collapse_scan_file` for the block at `haddr` of a shmem VMA:
    /// the page cache of the block (not the page tables) is looked at:
    /// each swap entry counts against `max_ptes_swap` (khugepaged), a
    /// PMD-sized folio there already is `SCAN_PTE_MAPPED_HUGEPAGE` (the
    /// caller maps it), a page off the LRU or with a reference besides the
    /// cache's and its mappings' ends the scan, and khugepaged wants at
    /// least `512 - max_ptes_none` pages cached (those of smaller large
    /// folios count too).  Then `collapse_file`.
    /// Neither young entries nor dirty pages matter here.
    fn hpage_collapse_scan_file(&self, st: &MmState, vma: &Vma, haddr: u64, cc: CollapseControl) -> ScanResult {
        let m = &*self.machine;
        let t = &m.tunables;
        let file = vma.file().expect("a file VMA").clone();
        let mapping = &file.inode.mapping;
        let order = m.hpage_pmd_order().expect("checked by the caller");
        let nr = 1u64 << order;
        let start = vma.linear_page_index(haddr);
        let _t = trace_enter!(m.trace, "hpage_collapse_scan_file", "{:#x}: pages {}..{}", haddr, start, start + nr);
        let (mut present, mut swap) = (0u64, 0u32);
        let mut result = ScanResult::Succeed;
        let mut index = start;
        while index < start + nr {
            match mapping.get_entry(index) {
                None => {
                    index += 1;
                    continue;
                }
                Some(CacheEntry::Swap(_) | CacheEntry::Shadow(_)) => {
                    swap += 1;
                    if cc.is_khugepaged && swap > t.khugepaged_max_ptes_swap {
                        m.vmstat.count(VmEvent::ThpScanExceedSwapPte, 1);
                        result = ScanResult::ExceedSwapPte;
                        break;
                    }
                    index += 1;
                    continue;
                }
                Some(CacheEntry::Page(_)) => {}
            }
            let f = mapping.folio(index).expect("a cached page is in a folio");
            if f.order == order && f.index == start {
                // Maybe PMD-mapped: the caller maps it, the cache stays.
                result = ScanResult::PteMappedHugepage;
                break;
            }
            // A smaller large folio is collapsed as its pages are: each
            // lives apart for references, mappings and the LRU.
            let pages = (0..f.nr_pages()).map(|i| m.phys.page(Pfn(f.pfn.0 + i)));
            if pages.clone().any(|p| !p.test(PageFlags::LRU)) {
                result = ScanResult::PageLru;
                break;
            }
            // folio_expected_ref_count: the cache's and the mappings'.
            if pages.clone().any(|p| p.refcount() != 1 + p.mapcount()) {
                result = ScanResult::PageCount;
                break;
            }
            present += f.nr_pages();
            index = f.next_index();
        }
        if result == ScanResult::Succeed {
            if cc.is_khugepaged && present < nr - u64::from(t.khugepaged_max_ptes_none) {
                m.vmstat.count(VmEvent::ThpScanExceedNonePte, 1);
                result = ScanResult::ExceedNonePte;
            } else {
                result = self.collapse_file(st, vma, haddr, cc);
            }
        }
        trace_note!(m.trace, "hpage_collapse_scan_file", "{} present, {} swap: {:?}", present, swap, result);
        result
    }

    /// `collapse_file`: a new PMD-sized folio (`alloc_charge_folio`, under
    /// khugepaged's `defrag` for khugepaged) takes the place of the
    /// block's pages in the page cache: pages out on swap are read back
    /// first (`shmem_get_folio`), every page leaves every mapping
    /// (`try_to_unmap`: private copies stay, mlocked pages go too), its
    /// bytes are copied (zeroes for holes) and the folio goes in dirty;
    /// then the page tables that mapped the block are retracted
    /// (`retract_page_tables`), so that the next fault maps a PMD.  A block
    /// the file holds nothing of is `SCAN_TRUNCATED`; a page someone else
    /// holds a reference to, `SCAN_PAGE_COUNT` (its mappings are gone).
    /// `MADV_COLLAPSE` gets `SCAN_PTE_MAPPED_HUGEPAGE` on success, to map
    /// the folio in its address space at once.
    fn collapse_file(&self, st: &MmState, vma: &Vma, haddr: u64, cc: CollapseControl) -> ScanResult {
        let m = &*self.machine;
        let file = vma.file().expect("a file VMA").clone();
        let inode = &*file.inode;
        let order = m.hpage_pmd_order().expect("checked by the caller");
        let nr = 1u64 << order;
        let start = vma.linear_page_index(haddr);
        let last = start + nr - 1;
        let new = match m.alloc_charge_folio(order, cc) {
            Ok(new) => new,
            Err(r) => return r,
        };
        let fail = |r: ScanResult| {
            for i in 0..nr {
                m.free_pages(Pfn(new.0 + i), 0);
            }
            trace_note!(m.trace, "collapse_file", "pages {}..{}: {:?}", start, start + nr, r);
            r
        };
        // Stop if the block was truncated or hole-punched throughout.
        if !inode.mapping.any_entry_in(start, last) {
            return fail(ScanResult::Truncated);
        }
        for index in start..=last {
            let uptodate = match inode.mapping.get_entry(index) {
                None | Some(CacheEntry::Shadow(_)) => continue,
                Some(CacheEntry::Swap(_)) => false,
                Some(CacheEntry::Page(p)) => m.phys.page(p).test(PageFlags::UPTODATE),
            };
            if !uptodate {
                // Swap in, or make a page fallocate left up to date.
                match crate::fs::shmem::shmem_get_folio(m, inode, index) {
                    Ok((p, _)) => {
                        m.put_page(p);
                    }
                    Err(_) => return fail(ScanResult::Fail),
                }
                // The page read in waits in this CPU's LRU batch: drained,
                // its reference goes.
                m.lru_add_drain();
            }
            // Truncated and refilled meanwhile: maybe PMD-mapped.
            if inode.mapping.folio(index).is_some_and(|f| f.order == order && f.index == start) {
                return fail(ScanResult::PteMappedHugepage);
            }
        }
        // try_to_unmap of the old pages from every mapping.
        for mm in inode.mapping.mappers() {
            let own = std::ptr::eq(&*mm, self);
            let guard = if own { None } else { Some(mm.mmap_lock.read()) };
            let vmas = match &guard {
                Some(g) => &g.vmas,
                None => &st.vmas,
            };
            for v in vmas.iter().filter(|v| v.file_ino() == Some(inode.ino)) {
                let (s, e) = (start.max(v.pgoff), (start + nr).min(v.pgoff + v.pages()));
                if s >= e {
                    continue;
                }
                let mut tlb = MmuGather::new(&mm);
                let a = v.start + ((s - v.pgoff) << PAGE_SHIFT);
                mm.zap_page_range_details(&mut tlb, v, a, a + ((e - s) << PAGE_SHIFT), false, false);
                tlb.finish();
            }
        }
        let old = inode.mapping.pages_in(start, last);
        // Nobody but the cache may hold the pages now.
        if old.iter().any(|&(_, p)| m.phys.page(p).refcount() != 1) {
            return fail(ScanResult::PageCount);
        }
        for &(i, p) in &old {
            m.phys.copy_frame(Pfn(new.0 + (i - start)), p);
        }
        for (_, e) in inode.mapping.delete_from_page_cache_range(start, last) {
            if let CacheEntry::Page(p) = e {
                m.put_page(p);
            }
        }
        let flags = PageFlags::UPTODATE | PageFlags::SWAPBACKED | PageFlags::DIRTY;
        if inode.mapping.filemap_add_large_folio(start, new, order, flags).is_err() {
            // The frames went back with the error.
            return ScanResult::StoreFailed;
        }
        trace_note!(m.trace, "collapse_file", "pages {}..{}: folio {:#x}", start, start + nr, new.0);
        self.retract_page_tables(st, inode, start);
        if cc.is_khugepaged { ScanResult::Succeed } else { ScanResult::PteMappedHugepage }
    }

    /// `retract_page_tables`: in every mapping of the file that holds the
    /// block starting at page `pgoff` whole, at an aligned address, and
    /// has no `anon_vma` (a `MAP_PRIVATE` mapping written to keeps its
    /// table), the PTE table of the block, empty since the collapse
    /// unmapped its pages, is freed: the next fault there maps a PMD.
    fn retract_page_tables(&self, st: &MmState, inode: &crate::fs::Inode, pgoff: u64) {
        let m = &*self.machine;
        let size = PAGE_SIZE << m.hpage_pmd_order().expect("checked by the caller");
        for mm in inode.mapping.mappers() {
            let own = std::ptr::eq(&*mm, self);
            let guard = if own { None } else { Some(mm.mmap_lock.read()) };
            let vmas = match &guard {
                Some(g) => &g.vmas,
                None => &st.vmas,
            };
            for v in vmas.iter().filter(|v| {
                v.file_ino() == Some(inode.ino)
                    && v.pgoff <= pgoff
                    && pgoff < v.pgoff + v.pages()
                    && v.anon_vma().is_none()
            }) {
                let addr = v.start + ((pgoff - v.pgoff) << PAGE_SHIFT);
                if !addr.is_multiple_of(size) || v.end < addr + size {
                    continue;
                }
                let Some(pmd) = mm.pmd_offset(addr) else {
                    continue;
                };
                let TableEntry::Table(table) = mm.read_table(PMD_LEVEL, pmd) else {
                    continue;
                };
                if !mm.table_is_empty(table) {
                    continue;
                }
                let mut tlb = MmuGather::new(&mm);
                {
                    let _pml = mm.pmd_lock(pmd);
                    let _ptl = mm.pte_lock(table);
                    m.phys.write_u64(pmd.table, pmd.idx, 0);
                    mm.pt_freed();
                    mm.counters.nr_ptes.fetch_sub(1, Ordering::Relaxed);
                    tlb.free_table(table, addr);
                }
                tlb.finish();
                trace_note!(m.trace, "retract_page_tables", "mm {}: {:#x}: pte table freed", mm.id, addr);
            }
        }
    }

    /// `collapse_pte_mapped_thp` for the block at `haddr`, whose page-cache
    /// folio is PMD-sized: a leaf there already is `SCAN_PMD_MAPPED`; a PTE
    /// table that maps only pages of the folio, each at its place, loses
    /// them and is freed; then, with `install_pmd` (`MADV_COLLAPSE`), a
    /// leaf maps the folio.  A table that maps anything else (a private
    /// copy) is `SCAN_FAIL`, a swap entry `SCAN_PTE_NON_PRESENT`.
    fn collapse_pte_mapped_thp(&self, vma: &Vma, haddr: u64, install_pmd: bool) -> ScanResult {
        let m = &*self.machine;
        let file = vma.file().expect("a file VMA").clone();
        let inode = &*file.inode;
        let order = m.hpage_pmd_order().expect("checked by the caller");
        let nr = 1u64 << order;
        let index = vma.linear_page_index(haddr);
        let Some(head) = inode.mapping.folio(index).filter(|f| f.index == index).map(|f| (f.order, f.pfn)) else {
            return ScanResult::PageNull;
        };
        if head.0 != order {
            return ScanResult::PageCompound;
        }
        let head = head.1;
        let pmd = if install_pmd {
            match self.pmd_alloc_walk(haddr) {
                Ok(p) => p,
                Err(_) => return ScanResult::Fail,
            }
        } else {
            match self.pmd_offset(haddr) {
                Some(p) => p,
                None => return ScanResult::PmdNull,
            }
        };
        let table = match self.read_table(PMD_LEVEL, pmd) {
            TableEntry::Leaf(_) => return ScanResult::PmdMapped,
            TableEntry::Table(t) => {
                {
                    // The PMD's lock, then the PTE table's (nested).
                    let _pml = self.pmd_lock(pmd);
                    let _ptl = self.pte_lock(t);
                    for i in 0..nr {
                        match self.read_pte(Slot { table: t, idx: i as usize }) {
                            Pte::None => {}
                            Pte::Page { pfn, .. } if pfn == Pfn(head.0 + i) => {}
                            Pte::Page { .. } => return ScanResult::Fail,
                            _ => return ScanResult::PteNonPresent,
                        }
                    }
                    m.phys.write_u64(pmd.table, pmd.idx, 0);
                    self.pt_freed();
                    m.flush_tlb_mm_range(self, haddr, haddr + (nr << PAGE_SHIFT), PAGE_SHIFT);
                    for i in 0..nr {
                        let slot = Slot { table: t, idx: i as usize };
                        if let Some(p) = self.ptep_get_and_clear(slot).pfn() {
                            self.folio_remove_rmap_pte(p, vma);
                            m.put_page(p);
                        }
                    }
                    if install_pmd {
                        self.pgtable_trans_huge_redeposit(pmd, t);
                    }
                }
                if !install_pmd {
                    // pte_free_defer, once the locks are dropped.
                    self.counters.nr_ptes.fetch_sub(1, Ordering::Relaxed);
                    self.pte_free(t);
                }
                None
            }
            TableEntry::None | TableEntry::Bad(_) if install_pmd => match self.pte_alloc_one() {
                Some(t) => Some(t),
                None => return ScanResult::Fail,
            },
            TableEntry::None | TableEntry::Bad(_) => None,
        };
        if !install_pmd {
            trace_note!(m.trace, "collapse_pte_mapped_thp", "{:#x}: page table retracted", haddr);
            return ScanResult::Succeed;
        }
        let _ptl = self.pmd_lock(pmd);
        if let Some(t) = table {
            self.pgtable_trans_huge_deposit(pmd, t);
        }
        // set_huge_pmd
        for i in 0..nr {
            let p = Pfn(head.0 + i);
            m.get_page(p);
            self.folio_add_file_rmap_pte(p, vma);
        }
        m.folio_mod_entire_mapcount(head, 1);
        self.counters.file_rss.add(nr as i64);
        self.set_pmd_at(pmd, Pte::page(head, vma.page_prot));
        trace_note!(m.trace, "collapse_pte_mapped_thp", "{:#x}: folio {:#x}", haddr, head.0);
        ScanResult::Succeed
    }
}
