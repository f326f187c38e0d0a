//! The reverse map (mm/rmap.c): from a page to the page-table entries that
//! map it, for reclaim.
//!
//! An anonymous page's `mapping` word names its anon_vma, whose address
//! spaces are searched for VMAs linking it; the page's `index` gives the
//! address in each (`vma_address`).  A page-cache page's names its inode,
//! whose `i_mmap` lists the address spaces mapping the file.  The walk
//! takes each address space's `mmap_lock` for reading without waiting
//! (`try_read`)
//! (reclaim may run inside a fault that already holds it), and reports an
//! address space it could not lock, so the page is not taken for unmapped.
//! Linux's walk takes no `mmap_lock` at all (the anon_vma and `i_mmap`
//! locks keep the VMAs alive), so reclaim inside `dup_mmap`, which holds
//! the parent's and the child's for writing while it allocates page
//! tables, still unmaps their pages; `RmapWalkable` lets this thread's
//! reclaim read the VMAs of address spaces it has write-locked, for as
//! long as it only reads them.
//!
//! The counts of who maps a page live here too, under the kernel's folio
//! names: `anon_vma_prepare` and `folio_add_new_anon_rmap` for a new
//! anonymous page, `folio_add_anon_rmap_pte` for a page swapped back in,
//! `folio_add_file_rmap_pte` for a page-cache page, the `folio_*dup*`
//! functions for `fork`, and `folio_remove_rmap_pte(s)` for unmapping.

use crate::arch::{Pte, PteFlags};
use crate::flags::{PageFlags, VmFlags};
use crate::machine::Machine;
use crate::mm::{AnonVma, MmState, MmStruct, Vma};
use crate::pgtable::Slot;
use crate::phys::{PAGE_MAPPING_ANON, Page};
use crate::swap::SwpEntry;
use crate::trace_note;
use crate::types::{PAGE_SHIFT, Pfn};
use crate::vmscan::Referenced;
use crate::vmstat::VmEvent;
use std::sync::Arc;
use std::sync::atomic::Ordering;

thread_local! {
    /// The address spaces whose VMAs reclaim on this thread may read
    /// although this thread holds their `mmap_lock` for writing (see
    /// [`RmapWalkable`]).
    static WALKABLE: std::cell::RefCell<Vec<usize>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// While it lives, reclaim running on this thread (inside an allocation)
/// may walk the VMAs of an address space whose `mmap_lock` this thread
/// holds for writing.  It borrows the write guard, so the VMAs cannot be
/// changed through it meanwhile: the walk reads what a reader would.
pub(crate) struct RmapWalkable<'a> {
    mm: usize,
    _guard: std::marker::PhantomData<&'a MmState>,
}

impl MmStruct {
    /// Lets this thread's reclaim walk this address space's VMAs while
    /// `guard` (its `mmap_lock`, held for writing) is only read.
    pub(crate) fn rmap_walkable<'a>(&self, guard: &'a crate::mm::MmapWriteGuard<'_>) -> RmapWalkable<'a> {
        debug_assert!(std::ptr::eq(&**guard.raw(), self.mmap_lock.data_ptr()), "the guard of another address space");
        let mm = self as *const MmStruct as usize;
        WALKABLE.with(|w| w.borrow_mut().push(mm));
        RmapWalkable { mm, _guard: std::marker::PhantomData }
    }

    /// Runs `f` on the VMAs, read-locked without waiting, or unlocked if
    /// this thread write-locked them for reading ([`RmapWalkable`]), or
    /// while another thread holds the `mmap_lock` for writing, on the
    /// published snapshot with every VMA of it read-locked (the kernel's
    /// reverse map needs no `mmap_lock`; a writer excludes walks, as
    /// faults, from the VMAs it changes).  False if none of these: someone
    /// else is changing them.
    pub(crate) fn with_vmas_for_rmap(&self, f: impl FnOnce(&crate::mm::VmaTree)) -> bool {
        if let Some(st) = self.mmap_lock.try_read() {
            f(&st.vmas);
            return true;
        }
        let me = self as *const MmStruct as usize;
        if WALKABLE.with(|w| w.borrow().contains(&me)) {
            // SAFETY: this thread holds the write lock (so no other thread
            // reads or writes the state), and the guard is borrowed shared
            // by the live `RmapWalkable`, so no `&mut MmState` exists until
            // it is dropped; `f` only reads.
            f(unsafe { &(*self.mmap_lock.data_ptr()).vmas });
            return true;
        }
        // Every VMA of the snapshot read-locked, as `lock_vma_under_rcu`
        // locks one: one the writer changed (write-locked) leaves the walk
        // incomplete, and a VMA the writer added maps pages only once it
        // has moved or copied them from one it write-locked.
        let rcu = self.rcu_read_lock();
        let Some(vmas) = rcu.snapshot() else {
            return false;
        };
        let mut locks = Vec::with_capacity(vmas.len());
        for v in vmas.iter() {
            match v.lock.vma_start_read(rcu.seq()) {
                Some(l) => locks.push(l),
                None => return false,
            }
        }
        if self.mm_lock_seq.load(Ordering::SeqCst) != rcu.seq() {
            return false;
        }
        f(vmas);
        true
    }
}

impl Drop for RmapWalkable<'_> {
    fn drop(&mut self) {
        WALKABLE.with(|w| {
            let mut w = w.borrow_mut();
            if let Some(i) = w.iter().rposition(|&m| m == self.mm) {
                w.remove(i);
            }
        });
    }
}

/// An entry the walk found mapping the page.
pub(crate) struct Mapping<'a> {
    pub mm: &'a MmStruct,
    pub vma: &'a Vma,
    pub addr: u64,
    pub slot: Slot,
}

/// Why `try_to_unmap` stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnmapResult {
    /// No entry maps the page any more.
    Unmapped,
    /// An entry stays (an address space could not be locked, or swap
    /// references ran out).
    Busy,
    /// A lazily freed page was written since `MADV_FREE`: it is needed.
    Redirtied,
}

/// Adding and removing the mappings of a page: its `_mapcount`, and for
/// a new anonymous page its anon_vma and offset (mm/rmap.c).
impl MmStruct {
    /// `anon_vma_prepare`: gives the VMA an anon_vma, sharing a
    /// neighbour's when they could merge later (`find_mergeable_anon_vma`).
    pub(crate) fn anon_vma_prepare(&self, st: &MmState, vma: &Vma) -> Arc<AnonVma> {
        if let Some(a) = vma.anon_vma() {
            return a.clone();
        }
        let m = &*self.machine;
        let _ptl = self.mm_page_table_lock();
        if let Some(a) = vma.anon_vma() {
            return a.clone();
        }
        let (a, how) = match crate::mm::vma::find_mergeable_anon_vma(st, vma.start) {
            Some(a) => (a, "shared with a neighbour"),
            None => (AnonVma::new(self), "new"),
        };
        trace_note!(m.trace, "anon_vma_prepare", "anon_vma {} ({how})", a.id);
        let _ = vma.anon_vma.set(a.clone());
        // The published snapshot's copy too, under the lock its copying
        // takes (`vma_snapshot_publish`): it never lacks one the tree has.
        if let Some(snap) = &*self.vma_snapshot.read()
            && let Some(copy) = snap.get(vma.start).filter(|c| c.same_vma(vma))
        {
            let _ = copy.anon_vma.set(a.clone());
        }
        a
    }

    /// `folio_add_new_anon_rmap`: a freshly allocated page becomes an
    /// exclusive anonymous page of `anon_vma` at `address`.  A page of
    /// droppable memory is not swap-backed: reclaim drops it, written or
    /// not, instead of swapping it.
    pub(crate) fn folio_add_new_anon_rmap(&self, pfn: Pfn, vma: &Vma, anon_vma: &AnonVma, address: u64) {
        let page = self.machine.phys.page(pfn);
        page.mapping.store(anon_vma.id << 1 | crate::phys::PAGE_MAPPING_ANON, Ordering::Release);
        page.index.store(vma.linear_page_index(address), Ordering::Relaxed);
        let mut flags = PageFlags::ANON_EXCLUSIVE | PageFlags::UPTODATE;
        if !vma.flags.contains(crate::flags::VmFlags::DROPPABLE) {
            flags |= PageFlags::SWAPBACKED;
        }
        page.set_flags(flags);
        page.mapcount.store(1, Ordering::Release);
        self.counters.anon_rss.add(1);
        // folio_add_lru_vma: a new anonymous page starts inactive, or on
        // the unevictable list in a locked VMA (mlock_new_folio).
        if vma.flags & (VmFlags::LOCKED | VmFlags::SPECIAL) == VmFlags::LOCKED {
            self.machine.lru_ctx().mlock_new_folio(pfn);
        } else {
            self.machine.folio_add_lru(pfn, false);
        }
    }

    /// `folio_add_new_anon_rmap` of a freshly allocated large folio of
    /// `nr` pages kept whole (`PG_large_rmappable`), mapped by one PMD leaf
    /// from `address`: the head becomes an exclusive anonymous page of
    /// `anon_vma`, the entire mapcount counts the leaf (no page's own map
    /// count moves), and the folio goes onto the LRU as one entry of `nr`
    /// pages (`folio_add_lru_vma`); the rss counter rises by `nr`.  In a
    /// locked VMA the pages live apart at once, each mlocked
    /// (`mlock_new_folio`) and on the unevictable list.
    pub(crate) fn folio_add_new_anon_rmap_pmd(&self, head: Pfn, nr: u64, vma: &Vma, anon_vma: &AnonVma, address: u64) {
        let m = &*self.machine;
        let page = m.phys.page(head);
        page.mapping.store(anon_vma.id << 1 | crate::phys::PAGE_MAPPING_ANON, Ordering::Release);
        page.index.store(vma.linear_page_index(address), Ordering::Relaxed);
        let mut flags = PageFlags::ANON_EXCLUSIVE | PageFlags::UPTODATE;
        if !vma.flags.contains(VmFlags::DROPPABLE) {
            flags |= PageFlags::SWAPBACKED;
        }
        page.set_flags(flags);
        m.folio_mod_entire_mapcount(head, 1);
        self.counters.anon_rss.add(nr as i64);
        let ctx = m.lru_ctx();
        if vma.flags & (VmFlags::LOCKED | VmFlags::SPECIAL) == VmFlags::LOCKED {
            m.folio_split_pages(head);
            for i in 0..nr {
                ctx.mlock_new_folio(Pfn(head.0 + i));
            }
        } else {
            m.folio_add_lru_large([head], false);
        }
    }

    /// `folio_add_file_rmap_pte`: one more entry of `vma` maps the
    /// page-cache page `pfn` (whose reference the caller took); a locked
    /// VMA mlocks it (`mlock_vma_folio`).  The caller adds the page to the
    /// rss counter (`add_mm_counter`), once for a batch.
    #[inline]
    pub(crate) fn folio_add_file_rmap_pte(&self, pfn: Pfn, vma: &Vma) {
        self.machine.phys.page(pfn).mapcount.fetch_add(1, Ordering::AcqRel);
        if vma.flags.contains(VmFlags::LOCKED) {
            self.machine.lru_ctx().mlock_vma_folio(pfn, vma.flags);
        }
    }

    /// `folio_remove_rmap_pte`: one fewer entry of `vma` maps the page (a
    /// locked VMA's entry munlocks it).  The rss counter its caller drops
    /// (`dec_mm_counter`) is dropped here too.
    pub(crate) fn folio_remove_rmap_pte(&self, pfn: Pfn, vma: &Vma) {
        let page = self.machine.phys.page(pfn);
        folio_remove_rmap_ptes(page, pfn, 1);
        if vma.flags.contains(VmFlags::LOCKED) {
            self.machine.lru_ctx().munlock_folio(pfn);
        }
        if page.is_anon() {
            self.counters.anon_rss.add(-1);
        } else {
            self.counters.file_rss.add(-1);
        }
    }
}

/// `folio_add_anon_rmap_pte`: one more entry maps the anonymous page
/// `page` (a swapped-in page still in the swap cache).
#[inline]
pub(crate) fn folio_add_anon_rmap_pte(page: &Page) {
    page.mapcount.fetch_add(1, Ordering::AcqRel);
}

/// `folio_try_dup_anon_rmap_pte`: a forked child's entry maps the
/// anonymous page `page` too, which is therefore no longer exclusive.
/// (The kernel's refusal for a pinned page has no counterpart here: no
/// page is pinned.)
#[inline]
pub(crate) fn folio_try_dup_anon_rmap_pte(page: &Page) {
    page.clear_flags(PageFlags::ANON_EXCLUSIVE);
    page.mapcount.fetch_add(1, Ordering::AcqRel);
}

/// `folio_dup_file_rmap_pte`: a forked child's entry maps the page-cache
/// page `page` too.
#[inline]
pub(crate) fn folio_dup_file_rmap_pte(page: &Page) {
    page.mapcount.fetch_add(1, Ordering::AcqRel);
}

/// `folio_remove_rmap_ptes`: `nr` fewer entries map `page` (frame `pfn`).
/// The callers adjust the rss counters, once for a batch.
#[inline]
pub(crate) fn folio_remove_rmap_ptes(page: &Page, pfn: Pfn, nr: i32) {
    let prev = page.mapcount.fetch_sub(nr, Ordering::AcqRel);
    debug_assert!(prev >= nr, "unmapping an unmapped page {pfn:?}");
}

impl Machine {
    /// The owner of a page-cache page, from its `mapping` word.
    pub(crate) fn page_inode(&self, pfn: Pfn) -> Option<Arc<crate::fs::Inode>> {
        let w = self.phys.page(pfn).mapping.load(Ordering::Acquire);
        if w == 0 || w & PAGE_MAPPING_ANON != 0 {
            return None;
        }
        self.rmap_roots.inodes.lock().get(&(w >> 1))?.upgrade()
    }

    /// `rmap_walk`: calls `f` for each present entry mapping `pfn` (with
    /// the page-table lock held).  Returns false if an address space that
    /// may map it could not be locked.
    pub(crate) fn rmap_walk(&self, pfn: Pfn, f: &mut dyn FnMut(&Mapping<'_>, Pte)) -> bool {
        let page = self.phys.page(pfn);
        let w = page.mapping.load(Ordering::Acquire);
        if w == 0 || page.mapcount() == 0 {
            return true;
        }
        let index = page.index.load(Ordering::Relaxed);
        let mut complete = true;
        if w & PAGE_MAPPING_ANON != 0 {
            let id = w >> 1;
            let Some(av) = self.rmap_roots.anon_vmas.lock().get(&id).and_then(std::sync::Weak::upgrade) else {
                return true;
            };
            let links =
                |v: &Vma| v.anon_vma().is_some_and(|a| a.id == id) || v.anon_vma_parents.iter().any(|a| a.id == id);
            av.for_each_mm(|mm| {
                complete &= mm.with_vmas_for_rmap(|vmas| {
                    // An anonymous page is mapped at most once per address
                    // space, and a VMA that was never moved maps page
                    // `index` at `index << PAGE_SHIFT`: try that VMA first.
                    let guess = index.checked_mul(1 << PAGE_SHIFT).and_then(|a| vmas.lookup(a));
                    match guess {
                        Some(v) if links(v) && v.linear_page_index(index << PAGE_SHIFT) == index => {
                            Self::rmap_one(mm, v, index, pfn, f);
                        }
                        _ => {
                            for v in vmas.iter().filter(|v| links(v)) {
                                Self::rmap_one(mm, v, index, pfn, f);
                            }
                        }
                    }
                });
            });
        } else {
            let Some(inode) = self.page_inode(pfn) else {
                return true;
            };
            for mm in inode.mapping.mappers() {
                complete &= mm.with_vmas_for_rmap(|vmas| {
                    for v in vmas.iter().filter(|v| v.file_ino() == Some(inode.ino)) {
                        Self::rmap_one(&mm, v, index, pfn, f);
                    }
                });
            }
        }
        complete
    }

    /// The entry of VMA `v` for page `index`, if it maps `pfn`
    /// (`page_vma_mapped_walk`).
    fn rmap_one(mm: &MmStruct, v: &Vma, index: u64, pfn: Pfn, f: &mut dyn FnMut(&Mapping<'_>, Pte)) {
        if index < v.pgoff || index - v.pgoff >= v.pages() {
            return;
        }
        let addr = v.start + ((index - v.pgoff) << PAGE_SHIFT);
        // A PMD leaf is split first (`TTU_SPLIT_HUGE_PMD`): reclaim takes
        // the pages of a large folio one by one.
        if let Some(pmd) = mm.pmd_offset(addr)
            && mm.pmd_huge(pmd).is_some()
        {
            mm.__split_huge_pmd(pmd, addr);
        }
        let Some(slot) = mm.pte_offset(addr) else {
            return;
        };
        let _ptl = mm.pte_lock(slot.table);
        let pte = mm.read_pte(slot);
        if pte.pfn() == Some(pfn) && !pte.is_special() {
            f(&Mapping { mm, vma: v, addr, slot }, pte);
        }
    }

    /// `folio_referenced`: counts the entries mapping `pfn` whose accessed
    /// bit is set, clearing it (x86 clears it without a TLB flush:
    /// `ptep_clear_flush_young`), and collects their VMAs' flags.  An
    /// entry of a `VM_LOCKED` VMA ends the walk: the page is mlocked
    /// (`mlock_vma_folio`, "restore the mlock which got missed") and
    /// reclaim sends it to the unevictable list.
    pub(crate) fn folio_referenced(&self, pfn: Pfn) -> Referenced {
        let mut r = Referenced::default();
        self.rmap_walk(pfn, &mut |mp, pte| {
            if r.vm_flags.contains(VmFlags::LOCKED) {
                return;
            }
            if mp.vma.flags.contains(VmFlags::LOCKED) {
                self.lru_ctx().mlock_vma_folio(pfn, mp.vma.flags);
                r.vm_flags |= VmFlags::LOCKED;
                return;
            }
            r.vm_flags |= mp.vma.flags;
            if pte.flags().contains(PteFlags::ACCESSED) {
                mp.mm.set_pte(mp.slot, pte.without(PteFlags::ACCESSED));
                r.ptes += 1;
            }
        });
        r
    }

    /// `try_to_unmap`: removes every entry mapping the isolated page
    /// `pfn`.  An anonymous page in the swap cache leaves a swap entry in
    /// each; a lazily freed one is discarded unless written since; a
    /// page-cache page just goes (a dirty entry dirties the page).
    pub(crate) fn try_to_unmap(&self, pfn: Pfn) -> UnmapResult {
        let page = self.phys.page(pfn);
        let mut result = UnmapResult::Unmapped;
        let complete = self.rmap_walk(pfn, &mut |mp, pte| {
            if result != UnmapResult::Unmapped {
                return;
            }
            if mp.vma.flags.contains(VmFlags::LOCKED) {
                // The page must not go: restore the mlock that got missed.
                self.lru_ctx().mlock_vma_folio(pfn, mp.vma.flags);
                result = UnmapResult::Busy;
                return;
            }
            let mm = mp.mm;
            // ptep_clear_flush: the entry as it was when cleared, dirty bit
            // included.
            let pte = match mm.ptep_get_and_clear(mp.slot) {
                Pte::None => pte,
                now => now,
            };
            self.flush_tlb_page(mm, mp.addr);
            let dirty = pte.flags().contains(PteFlags::DIRTY);
            if page.is_anon() {
                if !page.test(PageFlags::SWAPBACKED) {
                    // MADV_FREE: discard unless written since; droppable
                    // memory is dropped written or not.
                    if (dirty || page.test(PageFlags::DIRTY)) && !mp.vma.flags.contains(VmFlags::DROPPABLE) {
                        mm.set_pte(mp.slot, pte);
                        page.set_flags(PageFlags::SWAPBACKED);
                        result = UnmapResult::Redirtied;
                        return;
                    }
                    self.vmstat.count(VmEvent::PgLazyFreed, 1);
                } else {
                    if dirty {
                        page.set_flags(PageFlags::DIRTY);
                    }
                    let entry = SwpEntry::from_word(page.private.load(Ordering::Acquire));
                    if !page.test(PageFlags::SWAPCACHE) || !self.swap.swap_duplicate(entry) {
                        mm.set_pte(mp.slot, pte);
                        result = UnmapResult::Busy;
                        return;
                    }
                    // folio_try_share_anon_rmap_pte: the entry remembers
                    // whether the page was exclusive.
                    let exclusive = page.clear_flags(PageFlags::ANON_EXCLUSIVE).contains(PageFlags::ANON_EXCLUSIVE);
                    mm.set_pte(mp.slot, Pte::Swap { ty: entry.ty, offset: entry.offset, exclusive });
                    mm.counters.swap_ents.fetch_add(1, Ordering::Relaxed);
                }
                mm.counters.anon_rss.add(-1);
            } else {
                if dirty && let Some(f) = mp.vma.file() {
                    f.inode.mapping.folio_mark_dirty(&f.inode, page.index.load(Ordering::Relaxed), pfn);
                }
                mm.counters.file_rss.add(-1);
            }
            folio_remove_rmap_ptes(page, pfn, 1);
            self.put_page(pfn);
        });
        if result == UnmapResult::Unmapped && (!complete || page.mapcount() > 0) {
            result = UnmapResult::Busy;
        }
        result
    }
}
