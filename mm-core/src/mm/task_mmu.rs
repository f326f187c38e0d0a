//! What `/proc/PID/smaps` shows of each VMA (fs/proc/task_mmu.c:
//! `show_smap`, `smap_gather_stats`, `smaps_pte_entry`, `smaps_account`).

use super::MmStruct;
use crate::arch::Pte;
use crate::flags::{PageFlags, VmFlags};
use crate::types::PAGE_SIZE;

/// `PSS_SHIFT`: proportional sizes are kept in 1/4096ths of a byte.
pub const PSS_SHIFT: u32 = 12;

/// `struct mem_size_stats`: sizes in bytes, `pss` and `pss_locked` in
/// bytes << [`PSS_SHIFT`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemSizeStats {
    pub resident: u64,
    pub shared_clean: u64,
    pub shared_dirty: u64,
    pub private_clean: u64,
    pub private_dirty: u64,
    pub anonymous: u64,
    pub swap: u64,
    /// `AnonHugePages`: anonymous memory mapped by PMD leaves.
    pub anonymous_thp: u64,
    /// `ShmemPmdMapped`: shmem and tmpfs memory mapped by PMD leaves.
    pub shmem_thp: u64,
    /// `FilePmdMapped`: other files' memory mapped by PMD leaves.
    pub file_thp: u64,
    pub pss: u64,
    pub pss_locked: u64,
}

impl MemSizeStats {
    /// The fields as `show_smap` prints them, in kB: `Rss`, `Pss`,
    /// `Shared_Clean`, `Shared_Dirty`, `Private_Clean`, `Private_Dirty`,
    /// `Anonymous`, `Swap`, `Locked`.
    pub fn fields_kb(&self) -> [(&'static str, u64); 9] {
        [
            ("Rss", self.resident >> 10),
            ("Pss", self.pss >> (PSS_SHIFT + 10)),
            ("Shared_Clean", self.shared_clean >> 10),
            ("Shared_Dirty", self.shared_dirty >> 10),
            ("Private_Clean", self.private_clean >> 10),
            ("Private_Dirty", self.private_dirty >> 10),
            ("Anonymous", self.anonymous >> 10),
            ("Swap", self.swap >> 10),
            ("Locked", self.pss_locked >> (PSS_SHIFT + 10)),
        ]
    }

    /// `smaps_page_accumulate`.
    fn page_accumulate(&mut self, size: u64, pss: u64, dirty: bool, locked: bool, private: bool) {
        self.pss += pss;
        if locked {
            self.pss_locked += pss;
        }
        match (dirty, private) {
            (true, true) => self.private_dirty += size,
            (true, false) => self.shared_dirty += size,
            (false, true) => self.private_clean += size,
            (false, false) => self.shared_clean += size,
        }
    }
}

impl MmStruct {
    /// `smap_gather_stats` of every VMA that overlaps `[lo, hi)` (each
    /// whole, as smaps shows it): `(start, end, stats)` in address order.
    pub fn smaps(&self, lo: u64, hi: u64) -> Vec<(u64, u64, MemSizeStats)> {
        let m = &*self.machine;
        let st = self.mmap_lock.read();
        let mut out = Vec::new();
        for v in st.vmas.overlapping(lo, hi) {
            let mut mss = MemSizeStats::default();
            // walk_page_test: a VM_PFNMAP VMA is not walked.
            if !v.flags.contains(VmFlags::PFNMAP) {
                let locked = v.flags.contains(VmFlags::LOCKED);
                self.for_each_pte(v.start, v.end, |_, _, pte| smaps_pte_entry(m, &mut mss, pte, locked));
                self.for_each_huge_pmd(v.start, v.end, |_, _, leaf| smaps_pmd_entry(m, &mut mss, leaf, locked));
            }
            out.push((v.start, v.end, mss));
        }
        out
    }
}

/// `smaps_pte_entry`: a present entry's normal page (not the zero page)
/// is accounted; a swap entry counts in `Swap`.
fn smaps_pte_entry(m: &crate::machine::Machine, mss: &mut MemSizeStats, pte: Pte, locked: bool) {
    match pte {
        Pte::Page { pfn, flags } if !flags.contains(crate::arch::PteFlags::SPECIAL) && !m.is_zero_pfn(pfn) => {
            let dirty = flags.contains(crate::arch::PteFlags::DIRTY);
            smaps_account(m, mss, pfn, dirty, locked);
        }
        Pte::Swap { .. } => mss.swap += PAGE_SIZE,
        _ => {}
    }
}

/// `smaps_pmd_entry`: a PMD leaf's folio counts whole (in
/// `AnonHugePages`, `ShmemPmdMapped` or `FilePmdMapped` too); the huge
/// zero folio is no normal page.
fn smaps_pmd_entry(m: &crate::machine::Machine, mss: &mut MemSizeStats, leaf: Pte, locked: bool) {
    let Pte::Page { pfn, flags } = leaf else {
        return;
    };
    if flags.contains(crate::arch::PteFlags::SPECIAL) || m.is_huge_zero_pfn(pfn) {
        return;
    }
    let nr = 1u64 << m.hpage_pmd_order().unwrap_or(0);
    let head = m.phys.page(pfn);
    if head.is_anon() {
        mss.anonymous_thp += nr * PAGE_SIZE;
    } else if head.test(PageFlags::SWAPBACKED) {
        mss.shmem_thp += nr * PAGE_SIZE;
    } else {
        mss.file_thp += nr * PAGE_SIZE;
    }
    let dirty = flags.contains(crate::arch::PteFlags::DIRTY);
    if m.phys.page(pfn).test(crate::flags::PageFlags::LARGE_RMAPPABLE) {
        // A folio kept whole: every page is as the head, mapped by the
        // folio's leaves.
        let maps = m.folio_entire_mapcount(pfn) as i32;
        for _ in 0..nr {
            smaps_account_page(mss, m.phys.page(pfn), maps, dirty, locked);
        }
        return;
    }
    for i in 0..nr {
        smaps_account(m, mss, crate::types::Pfn(pfn.0 + i), dirty, locked);
    }
}

/// `smaps_account` for one page: resident and anonymous sizes, then, by
/// the page's map count, its share of PSS (a page mapped `n >= 2` times
/// adds `PAGE_SIZE << PSS_SHIFT` / `n`) and whether it is shared or
/// private, dirty (the entry's or the page's dirty bit) or clean.  (The
/// kernel's shortcut for a page whose reference count is 1 gives the same
/// result: such a page is mapped once.)
fn smaps_account(
    m: &crate::machine::Machine,
    mss: &mut MemSizeStats,
    pfn: crate::types::Pfn,
    dirty: bool,
    locked: bool,
) {
    let page = m.phys.page(pfn);
    smaps_account_page(mss, page, page.mapcount(), dirty, locked);
}

/// [`smaps_account`] of `page` mapped `mapcount` times.
fn smaps_account_page(mss: &mut MemSizeStats, page: &crate::phys::Page, mapcount: i32, dirty: bool, locked: bool) {
    if page.is_anon() {
        mss.anonymous += PAGE_SIZE;
    }
    mss.resident += PAGE_SIZE;
    let mapcount = mapcount.max(1) as u64;
    let mut pss = PAGE_SIZE << PSS_SHIFT;
    if mapcount >= 2 {
        pss /= mapcount;
    }
    let dirty = dirty || page.test(PageFlags::DIRTY);
    mss.page_accumulate(PAGE_SIZE, pss, dirty, locked, mapcount < 2);
}
