//! Consistency checks of an address space against the kernel's invariants,
//! for tests and for anyone prototyping a policy:
//!
//! * every present entry lies inside a VMA and allows no more than it;
//! * each page's map count equals the entries that map it, and its
//!   reference count covers them (and the page cache's, for file pages);
//! * a page-cache page is mapped at its file offset, writable only in a
//!   shared mapping, and the rss counters agree with the entries;
//! * the page-table pages reachable from the root are the ones counted;
//! * no CPU's TLB holds a translation the page tables no longer allow;
//! * the published VMA snapshot, if any, is the VMA tree: the same VMAs,
//!   sharing their locks, with the same bounds, offsets, flags, protection,
//!   mapping and anon_vma.

use crate::arch::{PMD_LEVEL, Pte, PteFlags, TableEntry};
use crate::flags::PageFlags;
use crate::flags::VmFlags;
use crate::fs::Inode;
use crate::fs::pagecache::CacheEntry;
use crate::machine::Machine;
use crate::mm::MmStruct;
use crate::pgtable::Slot;
use crate::swap::{SHADOW_BIT, SwpEntry};
use crate::types::{PAGE_SIZE, Pfn};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// One broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation(pub String);

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl MmStruct {
    /// Checks the invariants above; returns every violation found.
    ///
    /// Map counts are compared with the entries of this address space only:
    /// a page may be mapped in other address spaces too (after `fork`), so
    /// here a map count may exceed the entries; `check_machine` compares
    /// it with the entries of every address space.
    pub fn check_invariants(&self) -> Vec<Violation> {
        let mut out = Vec::new();
        let m = &*self.machine;
        let st = self.mmap_lock.read();
        let mut maps: HashMap<Pfn, i32> = HashMap::new();
        // Leaves mapping each large folio kept whole, by head.
        let mut whole: HashMap<Pfn, i32> = HashMap::new();
        let (mut anon, mut file, mut swap) = (0i64, 0i64, 0i64);
        // Entries against VMAs.
        self.for_each_pte(0, m.arch.task_size(), |va, _, pte| {
            if let Pte::Swap { ty, offset, .. } = pte {
                swap += 1;
                if st.vmas.lookup(va).is_none_or(|v| !v.is_anonymous() && v.flags.contains(VmFlags::SHARED)) {
                    out.push(Violation(format!("{va:#x}: swap entry outside a private VMA")));
                }
                if m.swap.swap_count(crate::swap::SwpEntry { ty, offset }) == 0 {
                    out.push(Violation(format!("{va:#x}: swap entry {ty}:{offset:#x} of a free slot")));
                }
                return;
            }
            if let Pte::Marker(_) = pte {
                // munmap and exit drop markers with the VMA.
                if st.vmas.lookup(va).is_none() {
                    out.push(Violation(format!("{va:#x}: guard marker outside any VMA")));
                }
                return;
            }
            let Pte::Page { pfn, flags } = pte else {
                return;
            };
            let Some(vma) = st.vmas.lookup(va) else {
                out.push(Violation(format!("{va:#x}: present entry outside any VMA")));
                return;
            };
            if flags.contains(PteFlags::WRITE) && !vma.flags.contains(VmFlags::WRITE) {
                out.push(Violation(format!("{va:#x}: writable entry in a VMA without VM_WRITE ({})", vma.perms())));
            }
            if flags.contains(PteFlags::PROTNONE) == vma.is_accessible() {
                out.push(Violation(format!("{va:#x}: PROT_NONE entry does not match VMA {}", vma.perms())));
            }
            if flags.contains(PteFlags::PRESENT)
                && !flags.contains(PteFlags::NO_EXEC)
                && !vma.flags.contains(VmFlags::EXEC)
            {
                out.push(Violation(format!("{va:#x}: executable entry in a non-executable VMA")));
            }
            if m.is_zero_pfn(pfn) {
                if flags.contains(PteFlags::WRITE) {
                    out.push(Violation(format!("{va:#x}: the zero page is mapped writable")));
                }
                return;
            }
            *maps.entry(pfn).or_default() += 1;
            let page = m.phys.page(pfn);
            if page.is_anon() {
                anon += 1;
                return;
            }
            file += 1;
            // A page-cache page is the file's page at this offset.
            let index = vma.linear_page_index(va);
            match vma.file() {
                Some(f) if f.inode.mapping.peek(index) == Some(pfn) => {}
                Some(f) => out.push(Violation(format!(
                    "{va:#x}: pfn {:#x} is not page {index} of {} in the page cache",
                    pfn.0, f.path
                ))),
                None => out.push(Violation(format!("{va:#x}: page-cache pfn {:#x} in an anonymous VMA", pfn.0))),
            }
            if flags.contains(PteFlags::WRITE) && !vma.flags.contains(VmFlags::SHARED) {
                out.push(Violation(format!("{va:#x}: page-cache page writable in a private mapping")));
            }
        });
        // PMD leaves: each maps every page of its folio once.
        let nr = 1u64 << m.hpage_pmd_order().unwrap_or(0);
        self.for_each_huge_pmd(0, m.arch.task_size(), |va, _, leaf| {
            let Pte::Page { pfn, flags } = leaf else {
                return;
            };
            let Some(vma) = st.vmas.lookup(va).filter(|v| v.end >= va + (nr << crate::types::PAGE_SHIFT)) else {
                out.push(Violation(format!("{va:#x}: PMD leaf not inside one VMA")));
                return;
            };
            if flags.contains(PteFlags::WRITE) && !vma.flags.contains(VmFlags::WRITE) {
                out.push(Violation(format!("{va:#x}: writable PMD leaf in a VMA without VM_WRITE")));
            }
            if !pfn.0.is_multiple_of(nr) {
                out.push(Violation(format!("{va:#x}: PMD leaf maps unaligned pfn {:#x}", pfn.0)));
            }
            if m.is_huge_zero_pfn(pfn) {
                if flags.contains(PteFlags::WRITE) {
                    out.push(Violation(format!("{va:#x}: the huge zero folio is mapped writable")));
                }
                return;
            }
            if m.folio_entire_mapcount(pfn) == 0 {
                out.push(Violation(format!("{va:#x}: PMD leaf of folio {:#x} with no entire mapcount", pfn.0)));
            }
            if vma.is_anonymous() && !m.phys.page(pfn).test(PageFlags::HEAD) {
                out.push(Violation(format!("{va:#x}: PMD leaf of pfn {:#x}, which is no folio head", pfn.0)));
            }
            // A file VMA's leaf maps a PMD-sized folio of the page cache at
            // its offset, writable only in a shared mapping.
            let index = vma.linear_page_index(va);
            if let Some(f) = vma.file() {
                let folio = f.inode.mapping.folio(index);
                if folio.is_none_or(|c| c.pfn != pfn || c.index != index || 1 << c.order != nr) {
                    out.push(Violation(format!(
                        "{va:#x}: PMD leaf of pfn {:#x} is not the folio at page {index} of {}",
                        pfn.0, f.path
                    )));
                }
                if flags.contains(PteFlags::WRITE) && !vma.flags.contains(VmFlags::SHARED) {
                    out.push(Violation(format!("{va:#x}: page-cache PMD leaf writable in a private mapping")));
                }
            }
            if m.phys.page(pfn).test(PageFlags::LARGE_RMAPPABLE) {
                // Kept whole: the leaf counts in the entire mapcount and
                // holds a reference on the head only.
                *whole.entry(pfn).or_default() += 1;
                if m.phys.page(pfn).is_anon() {
                    anon += nr as i64;
                } else {
                    out.push(Violation(format!("{va:#x}: PMD leaf maps folio {:#x}, not anonymous", pfn.0)));
                }
                return;
            }
            for i in 0..nr {
                let p = Pfn(pfn.0 + i);
                *maps.entry(p).or_default() += 1;
                if m.phys.page(p).is_anon() {
                    anon += 1;
                } else if vma.file().is_some() {
                    file += 1;
                } else {
                    out.push(Violation(format!("{va:#x}: PMD leaf maps pfn {:#x}, not anonymous", p.0)));
                }
            }
        });
        let c = &self.counters;
        if c.swap_ents.load(Ordering::Relaxed) != swap {
            out.push(Violation(format!(
                "swap entry counter {} but {} swap entries",
                c.swap_ents.load(Ordering::Relaxed),
                swap
            )));
        }
        if c.anon_rss.sum() != anon || c.file_rss.sum() != file {
            out.push(Violation(format!(
                "rss counters anon {} file {}, but {} anonymous and {} page-cache entries",
                c.anon_rss.sum(),
                c.file_rss.sum(),
                anon,
                file
            )));
        }
        for (&pfn, &n) in &maps {
            let page = m.phys.page(pfn);
            // Other address spaces (a fork's) may map it too: the exact
            // count is `check_machine`'s.
            if page.mapcount() < n {
                out.push(Violation(format!("pfn {:#x}: mapcount {} but {} entries map it", pfn.0, page.mapcount(), n)));
            }
            // The page cache and the swap cache hold references of their own.
            let cached = i32::from(!page.is_anon()) + i32::from(page.test(crate::flags::PageFlags::SWAPCACHE));
            if page.refcount() < n + cached {
                out.push(Violation(format!(
                    "pfn {:#x}: refcount {} below its {} mappings{}",
                    pfn.0,
                    page.refcount(),
                    n,
                    if cached > 0 { " and the caches" } else { "" }
                )));
            }
        }
        for (&head, &n) in &whole {
            let (e, refs) = (m.folio_entire_mapcount(head) as i32, m.phys.page(head).refcount());
            if e < n || refs < n {
                out.push(Violation(format!(
                    "folio {:#x}: entire mapcount {e} and refcount {refs}, but {n} leaves map it",
                    head.0
                )));
            }
        }
        // Page-table pages.
        let tables = self.count_tables(self.top_level(), self.pgd()) + self.nr_deposited_tables();
        if tables != self.pgtable_pages() {
            out.push(Violation(format!("{} page-table pages reachable, {} counted", tables, self.pgtable_pages())));
        }
        // TLBs against the tables: every ASID slot a CPU keeps for this
        // address space and considers current (its generation is the
        // address space's) must hold only translations the tables allow.
        let tlb_gen = self.tlb_gen.load(Ordering::Acquire);
        for cpu in &m.cpus {
            let c = cpu.lock();
            let entries = c.mmu.entries();
            for (asid, ctx) in c.ctxs.iter().enumerate() {
                if ctx.ctx_id != self.id || ctx.tlb_gen != tlb_gen {
                    continue;
                }
                let asid = asid as crate::arch::Asid;
                for e in entries.iter().filter(|e| e.asid == Some(asid) && !e.global) {
                    let va = e.vpn * PAGE_SIZE;
                    let pte = self.lookup_pte(va);
                    let ok = match pte {
                        Pte::Page { pfn, flags } => {
                            flags.contains(PteFlags::PRESENT)
                                && pfn == e.pfn
                                && (!e.write || flags.contains(PteFlags::WRITE))
                                && (!e.user || flags.contains(PteFlags::USER))
                        }
                        _ => false,
                    };
                    if !ok {
                        out.push(Violation(format!(
                            "cpu {} asid {asid}: stale TLB entry {va:#x} -> pfn {:#x}{} (page table: {pte:?})",
                            c.id,
                            e.pfn.0,
                            if e.write { " writable" } else { "" }
                        )));
                    }
                }
            }
        }
        self.check_vma_snapshot(&st.vmas, &mut out);
        out
    }

    /// The published VMA snapshot against the tree.
    fn check_vma_snapshot(&self, vmas: &crate::mm::VmaTree, out: &mut Vec<Violation>) {
        let Some(snap) = self.vma_snapshot.read().clone() else {
            return;
        };
        if snap.len() != vmas.len() {
            out.push(Violation(format!("VMA snapshot has {} VMAs, the tree {}", snap.len(), vmas.len())));
        }
        for (c, v) in snap.iter().zip(vmas.iter()) {
            let kind = |v: &crate::mm::Vma| match &v.kind {
                crate::mm::VmaKind::Anonymous => (0, 0),
                crate::mm::VmaKind::File { file, vm_ops } => {
                    (Arc::as_ptr(file) as usize, Arc::as_ptr(vm_ops) as *const () as usize)
                }
                crate::mm::VmaKind::Special { name } => (1, name.as_ptr() as usize),
            };
            let anon = |v: &crate::mm::Vma| v.anon_vma().map(|a| a.id);
            if !c.same_vma(v)
                || (c.start, c.end, c.pgoff, c.flags, c.page_prot) != (v.start, v.end, v.pgoff, v.flags, v.page_prot)
                || kind(c) != kind(v)
                || anon(c) != anon(v)
            {
                out.push(Violation(format!(
                    "VMA snapshot {:08x}-{:08x} {} pgoff {:#x} anon_vma {:?} differs from the tree's {:08x}-{:08x} {} \
                     pgoff {:#x} anon_vma {:?}",
                    c.start,
                    c.end,
                    c.perms(),
                    c.pgoff,
                    anon(c),
                    v.start,
                    v.end,
                    v.perms(),
                    v.pgoff,
                    anon(v)
                )));
            }
        }
    }

    /// The byte at `va` as the process would read it, without a fault or
    /// any other side effect: the frame's byte if an entry maps the page,
    /// the swapped-out copy's for a swap entry, else the page cache's byte
    /// (or its swapped-out copy's) for a file, else 0 (anonymous memory
    /// and file holes read as zeroes).  `None` if no VMA covers `va` or a
    /// marker (a guard page) makes every access fault.
    pub fn peek_byte(&self, va: u64) -> Option<u8> {
        let st = self.mmap_lock.read();
        let vma = st.vmas.lookup(va)?;
        let m = &*self.machine;
        let off = va % PAGE_SIZE;
        Some(match self.lookup_pte(va) {
            Pte::Page { pfn, .. } => m.phys.read_u8(pfn, off),
            Pte::Swap { ty, offset, .. } => m.peek_swap_byte(SwpEntry { ty, offset }, off),
            Pte::Marker(_) => return None,
            Pte::None => match vma.file().and_then(|f| f.inode.mapping.get_entry(vma.linear_page_index(va))) {
                Some(CacheEntry::Page(pfn)) => m.phys.read_u8(pfn, off),
                Some(CacheEntry::Swap(e)) => m.peek_swap_byte(e, off),
                _ => 0,
            },
        })
    }

    fn count_tables(&self, level: u32, table: Pfn) -> i64 {
        let mut n = 1;
        if level == 0 {
            return n;
        }
        // The kernel half of the root table is init_mm's, shared.
        let ptrs = self.machine.geometry.ptrs;
        let end = if level == self.top_level() && self.machine.kernel.is_some() { ptrs / 2 } else { ptrs };
        for idx in 0..end {
            if let TableEntry::Table(t) = self.read_table(level, Slot { table, idx }) {
                n += if level == PMD_LEVEL { 1 } else { self.count_tables(level - 1, t) };
            }
        }
        n
    }
}

/// Machine-wide invariants over the address spaces `mms` (every live one)
/// and every live inode:
///
/// * each swap slot's `swap_map` count equals the swap entries referring to
///   it in page tables and shmem page caches, and its `SWAP_HAS_CACHE` bit
///   is set exactly when the swap cache holds a page for it, that page
///   naming the slot back;
/// * frames are conserved: the free count agrees with the allocator, and
///   every frame is free or referenced;
/// * every page that names an owner is held by it: a page in the swap
///   cache by its slot (`SWAP_HAS_CACHE`, the slot naming the page), and
///   swap-backed, since reclaim frees no other swap-cache page; an
///   anonymous page by an entry mapping it or the swap cache, a page-cache
///   page by its live file's cache or an entry mapping it, so that a
///   reference leaked on some path shows up as a page nobody holds;
/// * no frame is both free and mapped, and every page on the reclaim lists
///   is referenced, as many as the policy counts.
pub fn check_machine(m: &Machine, mms: &[Arc<MmStruct>]) -> Vec<Violation> {
    let mut out = Vec::new();
    // References to each slot, and entries mapping each frame.
    let mut refs: HashMap<SwpEntry, u32> = HashMap::new();
    let mut maps: HashMap<Pfn, i32> = HashMap::new();
    let mut leaves: HashMap<Pfn, u32> = HashMap::new();
    for mm in mms {
        let _st = mm.mmap_lock.read();
        mm.for_each_pte(0, m.arch.task_size(), |va, _, pte| match pte {
            Pte::Swap { ty, offset, .. } => *refs.entry(SwpEntry { ty, offset }).or_default() += 1,
            Pte::Page { pfn, .. } if !m.is_zero_pfn(pfn) => {
                if m.phys.page(pfn).refcount() <= 0 {
                    out.push(Violation(format!("{va:#x}: maps free frame {:#x}", pfn.0)));
                }
                *maps.entry(pfn).or_default() += 1;
            }
            _ => {}
        });
        let nr = 1u64 << m.hpage_pmd_order().unwrap_or(0);
        mm.for_each_huge_pmd(0, m.arch.task_size(), |_, _, leaf| {
            if let Some(pfn) = mm.vm_normal_page(leaf) {
                *leaves.entry(pfn).or_default() += 1;
                if m.phys.page(pfn).test(PageFlags::LARGE_RMAPPABLE) {
                    // Kept whole: no page's own map count counts the leaf.
                    return;
                }
                for i in 0..nr {
                    *maps.entry(Pfn(pfn.0 + i)).or_default() += 1;
                }
            }
        });
    }
    let mut entire = m.thp.entire_mapcounts();
    for (head, n) in leaves {
        let e = entire.remove(&head).unwrap_or(0);
        if e != n {
            out.push(Violation(format!("folio {:#x}: entire mapcount {e} but {n} PMD leaves map it", head.0)));
        }
        let page = m.phys.page(head);
        if page.test(PageFlags::LARGE_RMAPPABLE) && page.refcount() < n as i32 {
            out.push(Violation(format!("folio {:#x}: refcount {} below its {n} PMD leaves", head.0, page.refcount())));
        }
    }
    for (head, e) in entire {
        out.push(Violation(format!("folio {:#x}: entire mapcount {e} but no PMD leaf maps it", head.0)));
    }
    for (pfn, n) in maps {
        let page = m.phys.page(pfn);
        if page.mapcount() != n {
            out.push(Violation(format!("pfn {:#x}: mapcount {} but {} entries map it", pfn.0, page.mapcount(), n)));
        }
        if page.is_anon() && n > 1 && page.test(PageFlags::ANON_EXCLUSIVE) {
            out.push(Violation(format!("pfn {:#x}: exclusive, but mapped {n} times", pfn.0)));
        }
    }
    let inodes: Vec<Arc<Inode>> = m.rmap_roots.inodes.lock().values().filter_map(std::sync::Weak::upgrade).collect();
    for inode in &inodes {
        for e in inode.mapping.swap_entries() {
            *refs.entry(e).or_default() += 1;
        }
    }
    for si in m.swap.areas() {
        for offset in 1..=si.pages() {
            let e = SwpEntry { ty: si.ty, offset };
            let (count, has_cache) = si.swap_map(offset);
            let want = refs.remove(&e).unwrap_or(0);
            if count != want {
                out.push(Violation(format!(
                    "swap {}:{offset:#x}: swap_map count {count}, {want} entries refer to it",
                    si.ty
                )));
            }
            let w = si.cache_slot(offset).load(Ordering::Acquire);
            let cached = (w != 0 && w & SHADOW_BIT == 0).then(|| Pfn(w - 1));
            if has_cache != cached.is_some() {
                out.push(Violation(format!(
                    "swap {}:{offset:#x}: SWAP_HAS_CACHE {has_cache}, swap cache {}",
                    si.ty,
                    if cached.is_some() { "holds a page" } else { "empty" }
                )));
            }
            if let Some(pfn) = cached
                && m.page_swap_entry(pfn) != Some(e)
            {
                out.push(Violation(format!("swap {}:{offset:#x}: cached pfn {:#x} names another slot", si.ty, pfn.0)));
            }
        }
    }
    for (e, n) in refs {
        out.push(Violation(format!("{n} entries refer to swap {}:{:#x}, outside any area", e.ty, e.offset)));
    }
    // Frames.
    if m.nr_free_pages() != m.alloc.nr_free_pages() {
        out.push(Violation(format!(
            "free counter {} but the allocator has {} free frames",
            m.nr_free_pages(),
            m.alloc.nr_free_pages()
        )));
    }
    let mut used = 0;
    let mut on_lru = 0;
    let (mut mlocked, mut unevictable) = (0, 0);
    // The per-CPU batches of LRU additions hold a reference on each of
    // their pages, which are not on a list yet.
    let batched = m.lru_add_batch_refs();
    // Frames whose `struct page` was never initialised are zero: free.
    for pfn in m.phys.initialised_pfns() {
        let (i, page) = (pfn.0, m.phys.page(pfn));
        if page.refcount() > 0 {
            used += 1;
        }
        let f = page.flags();
        mlocked += u64::from(f.contains(PageFlags::MLOCKED));
        if f.contains(PageFlags::LRU) && f.contains(PageFlags::MLOCKED) != f.contains(PageFlags::UNEVICTABLE) {
            out.push(Violation(format!("pfn {i:#x}: on an LRU list with flags {f:?}: mlocked is unevictable")));
        }
        if f.contains(PageFlags::LARGE_RMAPPABLE) {
            check_whole_folio(m, pfn, &mut out);
        }
        let batch_refs = batched.get(&pfn).copied().unwrap_or(0);
        if batch_refs > 0 {
            if f.contains(PageFlags::LRU) {
                out.push(Violation(format!("pfn {i:#x}: in a per-CPU LRU batch and on an LRU list")));
            }
            if page.refcount() < batch_refs {
                out.push(Violation(format!(
                    "pfn {i:#x}: refcount {} below the {batch_refs} references of the LRU batches",
                    page.refcount()
                )));
            }
        }
        if page.test(PageFlags::LRU) {
            on_lru += m.phys.folio_nr_pages(pfn);
            unevictable += u64::from(f.contains(PageFlags::UNEVICTABLE));
            if page.refcount() <= 0 {
                out.push(Violation(format!("pfn {i:#x}: on the reclaim lists but free")));
            }
        }
        if page.refcount() <= 0 && page.mapcount() != 0 {
            out.push(Violation(format!("pfn {i:#x}: free but mapped {} times", page.mapcount())));
        }
        let whole_mapped = f.contains(PageFlags::LARGE_RMAPPABLE) && m.folio_entire_mapcount(pfn) > 0;
        if page.refcount() > batch_refs && page.mapcount() == 0 && !whole_mapped && !page.test(PageFlags::SWAPCACHE) {
            // A page that names an owner is held by it: an anonymous page
            // by the entries mapping it (or the swap cache), a page-cache
            // page by its file's cache (a page only an LRU batch holds
            // waits for the batch to free it).  Otherwise its references
            // leaked.
            let w = page.mapping.load(Ordering::Acquire);
            let index = page.index.load(Ordering::Relaxed);
            if w & crate::phys::PAGE_MAPPING_ANON != 0 {
                out.push(Violation(format!(
                    "pfn {i:#x}: anonymous page with {} references, mapped nowhere and not in the swap cache",
                    page.refcount()
                )));
            } else if w != 0 && m.page_inode(Pfn(i)).is_none_or(|inode| inode.mapping.peek(index) != Some(Pfn(i))) {
                out.push(Violation(format!(
                    "pfn {i:#x}: page {index} of inode {} with {} references, in no page cache and mapped nowhere",
                    w >> 1,
                    page.refcount()
                )));
            }
        }
        if page.test(PageFlags::SWAPCACHE) {
            // The swap cache holds it: its slot must say so and name it.
            let e = SwpEntry::from_word(page.private.load(Ordering::Acquire));
            let held =
                m.swap.info(e.ty).filter(|si| e.offset >= 1 && e.offset <= si.pages()).is_some_and(|si| {
                    si.swap_map(e.offset).1 && si.cache_slot(e.offset).load(Ordering::Acquire) == i + 1
                });
            if !held {
                out.push(Violation(format!(
                    "pfn {i:#x}: in the swap cache for swap {}:{:#x}, which does not hold it",
                    e.ty, e.offset
                )));
            }
            // Only reclaim's swap-out path frees a swap-cache page; a lazily
            // freed (not swap-backed) one would stay there for ever.
            if !page.test(PageFlags::SWAPBACKED) {
                out.push(Violation(format!(
                    "pfn {i:#x}: in the swap cache for swap {}:{:#x} but not swap-backed (lazily freed)",
                    e.ty, e.offset
                )));
            }
        }
    }
    // Blocks of order > 0 hold one reference for all their frames.
    if used + m.nr_free_pages() > m.phys.nr_pages() {
        out.push(Violation(format!(
            "{used} frames referenced and {} free, of {}",
            m.nr_free_pages(),
            m.phys.nr_pages()
        )));
    }
    let lru: u64 = m.reclaim.lru_sizes().iter().sum();
    if lru + unevictable != on_lru || unevictable != m.lruvec.nr_unevictable() {
        out.push(Violation(format!(
            "{on_lru} pages have PG_lru ({unevictable} of them PG_unevictable), the policy lists {lru} and the \
             unevictable list {}",
            m.lruvec.nr_unevictable()
        )));
    }
    if mlocked != m.lruvec.nr_mlock() {
        out.push(Violation(format!("{mlocked} pages have PG_mlocked, NR_MLOCK is {}", m.lruvec.nr_mlock())));
    }
    out
}

/// A large folio kept whole (`PG_large_rmappable` on `head`): a head
/// with `PG_head` and the order of a PMD leaf, no map count of its own
/// (the entire mapcount counts its leaves), and tail pages that hold no
/// count, owner or place on the lists of their own.
fn check_whole_folio(m: &Machine, head: Pfn, out: &mut Vec<Violation>) {
    let order = m.phys.folio_order(head);
    let page = m.phys.page(head);
    if Some(order) != m.hpage_pmd_order() || !page.test(PageFlags::HEAD) || !head.0.is_multiple_of(1 << order) {
        out.push(Violation(format!("folio {:#x}: kept whole with order {order} and flags {:?}", head.0, page.flags())));
        return;
    }
    if page.mapcount() != 0 || page.refcount() <= 0 {
        out.push(Violation(format!(
            "folio {:#x}: kept whole with mapcount {} and refcount {}",
            head.0,
            page.mapcount(),
            page.refcount()
        )));
    }
    for i in 1..1u64 << order {
        let tail = m.phys.page(Pfn(head.0 + i));
        let f = tail.flags();
        if f != PageFlags::TAIL
            || tail.refcount() != 0
            || tail.mapcount() != 0
            || tail.mapping.load(Ordering::Relaxed) != 0
        {
            out.push(Violation(format!(
                "pfn {:#x}: tail of folio {:#x} kept whole, with flags {f:?}, refcount {}, mapcount {}",
                head.0 + i,
                head.0,
                tail.refcount(),
                tail.mapcount()
            )));
            return;
        }
    }
}

impl Machine {
    /// Byte `off` of the page swapped out to `entry`: from the swap cache
    /// if the page is there, else read from the device (0 if unreadable).
    pub fn peek_swap_byte(&self, entry: SwpEntry, off: u64) -> u8 {
        let Some(si) = self.swap.info(entry.ty) else {
            return 0;
        };
        let w = si.cache_slot(entry.offset).load(Ordering::Acquire);
        if w != 0 && w & SHADOW_BIT == 0 {
            return self.phys.read_u8(Pfn(w - 1), off);
        }
        let mut buf = [0u8; PAGE_SIZE as usize];
        match si.device.read_page(entry.offset, &mut buf) {
            Ok(()) => buf[off as usize],
            Err(_) => 0,
        }
    }
}
