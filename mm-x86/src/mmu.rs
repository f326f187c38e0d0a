//! One CPU's paging hardware: CR3, the page walker, a PCID-tagged TLB and a
//! paging-structure cache.

use mm_api::arch::{Asid, Exception, Mmu, PageFaultInfo, TlbConfig, TlbEntryView, TlbStats};
use mm_api::flags::Access;
use mm_api::phys::PhysMem;
use mm_api::trace::Tracer;
use mm_api::trace_note;
use mm_api::types::{PAGE_MASK, PAGE_SHIFT, Pfn, PhysAddr};
use std::sync::atomic::Ordering;

use crate::format::bits;

/// Page-fault error code bits (`X86_PF_*`).
pub(crate) mod pf {
    /// The fault was a protection violation (the entry was present).
    pub(crate) const PROT: u32 = 1 << 0;
    /// The access was a write.
    pub(crate) const WRITE: u32 = 1 << 1;
    /// The access came from user mode.
    pub(crate) const USER: u32 = 1 << 2;
    /// A reserved bit was set in an entry.
    pub(crate) const RSVD: u32 = 1 << 3;
    /// The access was an instruction fetch.
    pub(crate) const INSTR: u32 = 1 << 4;
}

/// Address spaces a CPU keeps apart in its TLB, each under its own PCID
/// (`TLB_NR_DYN_ASIDS`, arch/x86/include/asm/tlbflush.h).
pub const TLB_NR_DYN_ASIDS: usize = 6;

/// The hardware PCID of ASID `asid` (`kern_pcid`: PCID 0 is left for the
/// kernel's own context).
#[inline]
pub fn kern_pcid(asid: Asid) -> u16 {
    asid + 1
}

/// The ASID a PCID stands for (`None` for the kernel's PCID 0).
#[inline]
fn pcid_asid(pcid: u16) -> Option<Asid> {
    pcid.checked_sub(1)
}

const E_WRITE: u8 = 1 << 0;
const E_USER: u8 = 1 << 1;
const E_NX: u8 = 1 << 2;
const E_DIRTY: u8 = 1 << 3;
const E_GLOBAL: u8 = 1 << 4;
/// A 2 MiB entry: it translates the 512 pages of a PMD leaf.
const E_HUGE: u8 = 1 << 5;
/// Set in the tag of a 2 MiB entry, whose tag is the 2 MiB page number
/// + 1, so that it never matches a 4 KiB one.
const HUGE_TAG: u64 = 1 << 63;
/// 4 KiB pages in a 2 MiB one.
const PMD_PAGES: u64 = 512;

/// A cached translation in 16 bytes, so that a 4-way set fills one cache
/// line; `tag == 0` is an empty slot.
#[derive(Clone, Copy, Default)]
#[repr(C, align(16))]
struct TlbEntry {
    /// Virtual page number + 1.
    tag: u64,
    /// Frame number (bits 0..40), flags (40..48), PCID (48..60).
    data: u64,
}

impl TlbEntry {
    #[inline]
    fn new(vpn: u64, pfn: u64, pcid: u16, flags: u8) -> TlbEntry {
        TlbEntry { tag: vpn + 1, data: pfn | u64::from(flags) << 40 | u64::from(pcid) << 48 }
    }
    #[inline]
    fn pfn(&self) -> u64 {
        self.data & ((1 << 40) - 1)
    }
    #[inline]
    fn flags(&self) -> u8 {
        (self.data >> 40) as u8
    }
    #[inline]
    fn pcid(&self) -> u16 {
        (self.data >> 48) as u16
    }
}

/// The paging-structure cache: the last PDE used, i.e. which page table
/// serves a 2 MiB region and the permissions of the levels above it.
#[derive(Clone, Copy, Default)]
struct PdeCache {
    /// `va >> 21` + 1; 0 when empty.
    tag: u64,
    pcid: u16,
    table: u64,
    flags: u8,
}

/// x86-64 MMU of one CPU.
pub struct X86Mmu {
    cpu: usize,
    levels: u32,
    root: Pfn,
    pcid: u16,
    ways: usize,
    set_mask: u64,
    entries: Vec<TlbEntry>,
    victim: Vec<u8>,
    pde: PdeCache,
    stats: TlbStats,
    /// Some 2 MiB entry may be cached: lookups that miss their 4 KiB tag
    /// try the 2 MiB one too (cleared by a full flush).
    has_huge: bool,
    /// The slot of the last 2 MiB entry that hit: tried first while
    /// `has_huge`, so that the 512 pages under one leaf hit as cheaply as
    /// a 4 KiB entry does (the hardware looks up its 2 MiB entries
    /// beside its 4 KiB ones, not after them).  Only a hint: the slot's
    /// tag is checked.
    last_huge: usize,
    /// The page of the last walk that reached a 4 KiB page
    /// ([`prefetch_ahead`](Self::prefetch_ahead)).
    last_walk_vpn: u64,
    /// The page of the last access that faulted: the fault dropped any
    /// entry of it, so until the next fill or CR3 load nothing in the TLB
    /// translates it, and its retry misses without looking.
    refault_vpn: u64,
}

/// How many pages ahead of a sweep's walk [`X86Mmu::prefetch_ahead`]
/// fetches.
const PREFETCH_DISTANCE: usize = 4;

impl std::fmt::Debug for X86Mmu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X86Mmu").field("cpu", &self.cpu).field("root", &self.root).field("pcid", &self.pcid).finish()
    }
}

/// Outcome of a page walk.
enum Walk {
    Ok {
        pfn: u64,
        flags: u8,
        /// The translation came from a PMD leaf.
        huge: bool,
    },
    /// `leaf`: the walk reached the last level, so the upper-level entries
    /// it used (and cached) are valid.
    Fault { protection: bool, rsvd: bool, leaf: bool },
}

impl X86Mmu {
    /// The MMU of CPU `cpu` for a format with `levels` levels.
    pub fn new(cpu: usize, levels: u32, tlb: TlbConfig) -> X86Mmu {
        let sets = tlb.sets.max(1).next_power_of_two();
        let ways = tlb.ways.max(1);
        X86Mmu {
            cpu,
            levels,
            root: Pfn(0),
            pcid: 0,
            ways,
            set_mask: sets as u64 - 1,
            entries: vec![TlbEntry::default(); sets * ways],
            victim: vec![0; sets],
            pde: PdeCache::default(),
            stats: TlbStats::default(),
            has_huge: false,
            last_huge: 0,
            last_walk_vpn: u64::MAX - 1,
            refault_vpn: u64::MAX,
        }
    }

    /// Loads CR3 with the root table `root` and `pcid`.  Without `noflush`
    /// the TLB entries of `pcid` (non-global) are dropped.
    pub fn load_cr3(&mut self, root: Pfn, pcid: u16, noflush: bool) {
        self.root = root;
        self.pcid = pcid;
        self.pde = PdeCache::default();
        self.refault_vpn = u64::MAX;
        if !noflush {
            self.invpcid_single(pcid);
        }
    }

    /// The root table and PCID in CR3.
    pub fn cr3(&self) -> (Pfn, u16) {
        (self.root, self.pcid)
    }

    /// Invalidates the translation of `va` for the current PCID, global
    /// ones too, and every cached upper-level entry (`invlpg`).
    pub fn invlpg(&mut self, va: u64) {
        self.stats.invlpg += 1;
        self.drop_vpn(self.pcid, va >> PAGE_SHIFT);
        // INVLPG also drops every paging-structure-cache entry of the PCID.
        self.pde = PdeCache::default();
    }

    /// Invalidates the translation of `va` for `pcid` (`invpcid` type 0).
    pub fn invpcid_addr(&mut self, pcid: u16, va: u64) {
        self.stats.invlpg += 1;
        self.drop_vpn(pcid, va >> PAGE_SHIFT);
        if self.pde.pcid == pcid {
            self.pde = PdeCache::default();
        }
    }

    /// Drops every non-global entry of `pcid` (`invpcid` type 1).
    pub fn invpcid_single(&mut self, pcid: u16) {
        self.stats.flushes += 1;
        for e in &mut self.entries {
            if e.pcid() == pcid && e.flags() & E_GLOBAL == 0 {
                *e = TlbEntry::default();
            }
        }
        if self.pde.pcid == pcid {
            self.pde = PdeCache::default();
        }
    }

    /// Is `va` sign-extended from its top translated bit (bit 47 with four
    /// levels, 56 with five)?  Any other address raises `#GP`.
    #[inline]
    fn is_canonical(&self, va: u64) -> bool {
        let unused = 64 - (PAGE_SHIFT + 9 * self.levels);
        (((va << unused) as i64) >> unused) as u64 == va
    }

    #[inline]
    fn set_of(&self, vpn: u64) -> usize {
        (vpn & self.set_mask) as usize
    }

    /// Caches a translation the TLB does not hold: an empty way of its set,
    /// else the next victim in round-robin order.
    fn fill_set(&mut self, set: usize, entry: TlbEntry) {
        let base = set * self.ways;
        let slots = &mut self.entries[base..base + self.ways];
        let slot = match slots.iter().position(|e| e.tag == 0) {
            Some(i) => i,
            None => {
                let v = self.victim[set] as usize % self.ways;
                self.victim[set] = ((v + 1) % self.ways) as u8;
                v
            }
        };
        slots[slot] = entry;
    }

    /// [`fill_set`](Self::fill_set) into the set a lookup has just scanned
    /// and found `empty` in (its first empty way, `None`: all taken), with
    /// nothing cached since: the same way, without scanning again.
    fn fill_scanned(&mut self, set: usize, entry: TlbEntry, empty: Option<usize>) {
        let slot = match empty {
            Some(w) => w,
            None => {
                let v = self.victim[set] as usize % self.ways;
                self.victim[set] = ((v + 1) % self.ways) as u8;
                v
            }
        };
        self.entries[set * self.ways + slot] = entry;
    }

    /// Drops the entries of `vpn` for `pcid` (global ones too, as `invlpg`
    /// does).
    fn drop_vpn(&mut self, pcid: u16, vpn: u64) {
        let base = self.set_of(vpn) * self.ways;
        for e in &mut self.entries[base..base + self.ways] {
            if e.tag == vpn + 1 && (e.pcid() == pcid || e.flags() & E_GLOBAL != 0) {
                *e = TlbEntry::default();
            }
        }
        if self.has_huge {
            // invlpg drops the 2 MiB entry that covers the address.
            let hvpn = vpn / PMD_PAGES;
            let base = self.set_of(hvpn) * self.ways;
            for e in &mut self.entries[base..base + self.ways] {
                if e.tag == HUGE_TAG | (hvpn + 1) && (e.pcid() == pcid || e.flags() & E_GLOBAL != 0) {
                    *e = TlbEntry::default();
                }
            }
        }
    }

    /// The slot of a cached translation of `vpn` for the current PCID: a
    /// 4 KiB entry, else a 2 MiB one.  On a miss, also what the scan of
    /// `vpn`'s set saw for a fill there ([`fill_scanned`](Self::fill_scanned)):
    /// its first empty way, or `None` if every way is taken.
    #[inline]
    fn lookup(&self, vpn: u64) -> (Option<usize>, Option<usize>) {
        let pcid = self.pcid;
        if self.has_huge {
            // A valid 2 MiB entry and a 4 KiB one for the same page never
            // coexist: a leaf replaces a table (or the reverse) only with
            // a flush of the range between.
            let e = &self.entries[self.last_huge];
            if e.tag == HUGE_TAG | (vpn / PMD_PAGES + 1) && (e.pcid() == pcid || e.flags() & E_GLOBAL != 0) {
                return (Some(self.last_huge), None);
            }
        }
        let base = self.set_of(vpn) * self.ways;
        let mut empty = None;
        for (w, e) in self.entries[base..base + self.ways].iter().enumerate() {
            if e.tag == vpn + 1 && (e.pcid() == pcid || e.flags() & E_GLOBAL != 0) {
                return (Some(base + w), None);
            }
            if e.tag == 0 && empty.is_none() {
                empty = Some(w);
            }
        }
        if !self.has_huge {
            return (None, empty);
        }
        let hvpn = vpn / PMD_PAGES;
        let base = self.set_of(hvpn) * self.ways;
        let hit = self.entries[base..base + self.ways]
            .iter()
            .position(|e| e.tag == HUGE_TAG | (hvpn + 1) && (e.pcid() == pcid || e.flags() & E_GLOBAL != 0))
            .map(|i| base + i);
        (hit, empty)
    }

    /// [`Mmu::translate`] past the last 2 MiB entry: the TLB lookup, a
    /// hit that allows the access (and, for a write, is dirty already),
    /// else `translate_slow`.
    #[inline(never)]
    fn translate_lookup(&mut self, phys: &PhysMem, va: u64, access: Access, user: bool) -> Result<PhysAddr, Exception> {
        let vpn = va >> PAGE_SHIFT;
        if vpn == self.refault_vpn {
            // The retry of a fault: a miss, the set not scanned.
            return self.translate_slow(phys, va, access, user, None, None, false);
        }
        let (hit, empty) = self.lookup(vpn);
        if let Some(i) = hit {
            let e = self.entries[i];
            let ef = e.flags();
            if !denied(ef, access, user) && (access != Access::Write || ef & E_DIRTY != 0) {
                self.stats.hits += 1;
                let pfn = if ef & E_HUGE != 0 {
                    self.last_huge = i;
                    e.pfn() + vpn % PMD_PAGES
                } else {
                    e.pfn()
                };
                return Ok(PhysAddr((pfn << PAGE_SHIFT) | (va & !PAGE_MASK)));
            }
        }
        self.translate_slow(phys, va, access, user, hit, empty, true)
    }

    /// The rest of [`Mmu::translate`]: a hit that denies the access (the
    /// entry is dropped and the access faults), a write through a clean
    /// entry (the hardware walks again to set the dirty bit, and faults if
    /// the entry no longer allows it), or a miss: walk, then cache the
    /// translation or fault.  `hit` is the entry the lookup found, `empty`
    /// what it saw of the page's set on a miss if it `scanned` the set.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn translate_slow(
        &mut self,
        phys: &PhysMem,
        va: u64,
        access: Access,
        user: bool,
        hit: Option<usize>,
        empty: Option<usize>,
        scanned: bool,
    ) -> Result<PhysAddr, Exception> {
        let vpn = va >> PAGE_SHIFT;
        if let Some(i) = hit
            && denied(self.entries[i].flags(), access, user)
        {
            // The TLB's permissions are authoritative until flushed; the
            // fault drops the entry.
            self.entries[i] = TlbEntry::default();
            self.refault_vpn = vpn;
            return Err(Exception::PageFault(self.fault(va, access, user, true, false, true)));
        }
        // Only canonical addresses reach the TLB, so a hit needs no check.
        if !self.is_canonical(va) {
            return Err(Exception::GeneralProtection { addr: va });
        }
        self.stats.misses += 1;
        match self.walk(phys, va, access, user) {
            Walk::Ok { pfn, flags, huge } => {
                // A PMD leaf is cached as one 2 MiB entry.
                let (tag_vpn, tag_pfn, flags) = if huge {
                    self.has_huge = true;
                    (vpn / PMD_PAGES, pfn - vpn % PMD_PAGES, flags | E_HUGE)
                } else {
                    (vpn, pfn, flags)
                };
                let mut entry = TlbEntry::new(tag_vpn, tag_pfn, self.pcid, flags);
                if huge {
                    entry.tag |= HUGE_TAG;
                }
                self.refault_vpn = u64::MAX;
                match hit {
                    Some(i) => self.entries[i] = entry,
                    // A 4 KiB entry goes to the set the lookup scanned.
                    None if !huge && scanned => self.fill_scanned(self.set_of(vpn), entry, empty),
                    None => {
                        let set = self.set_of(tag_vpn);
                        self.fill_set(set, entry);
                    }
                }
                Ok(PhysAddr((pfn << PAGE_SHIFT) | (va & !PAGE_MASK)))
            }
            Walk::Fault { protection, rsvd, leaf } => {
                self.refault_vpn = vpn;
                if let Some(i) = hit {
                    self.entries[i] = TlbEntry::default();
                }
                Err(Exception::PageFault(self.fault(va, access, user, protection, rsvd, leaf)))
            }
        }
    }

    /// Walks the tables for `va`, setting accessed (and, for a write,
    /// dirty) bits with locked updates as the hardware does.
    fn walk(&mut self, phys: &PhysMem, va: u64, access: Access, user: bool) -> Walk {
        let write = access == Access::Write;
        let region = (va >> 21) + 1;
        let (table, flags) = if self.pde.tag == region && self.pde.pcid == self.pcid {
            (self.pde.table, self.pde.flags)
        } else {
            let mut table = self.root.0;
            let mut flags = E_WRITE | E_USER;
            for level in (1..self.levels).rev() {
                let idx = ((va >> (PAGE_SHIFT + 9 * level)) & 511) as usize;
                let raw = phys.read_u64(Pfn(table), idx);
                if raw & bits::PRESENT == 0 {
                    return Walk::Fault { protection: false, rsvd: false, leaf: false };
                }
                if raw & bits::PSE != 0 {
                    // A huge leaf (2 MiB at the PMD level: the kernel's
                    // direct map and transparent huge pages, cached as one
                    // 2 MiB entry; 1 GiB at the PUD level: the direct map,
                    // cached per 4 KiB page).  Anywhere else it is a
                    // reserved bit.
                    if level > 2 {
                        return Walk::Fault { protection: true, rsvd: true, leaf: false };
                    }
                    return self.huge_leaf(phys, Pfn(table), idx, raw, level, flags, va, access, user);
                }
                if raw & bits::RW == 0 {
                    flags &= !E_WRITE;
                }
                if raw & bits::USER == 0 {
                    flags &= !E_USER;
                }
                if raw & bits::NX != 0 {
                    flags |= E_NX;
                }
                if raw & bits::ACCESSED == 0 {
                    phys.fetch_or_u64(Pfn(table), idx, bits::ACCESSED);
                }
                table = (raw & bits::PFN_MASK) >> PAGE_SHIFT;
            }
            self.pde = PdeCache { tag: region, pcid: self.pcid, table, flags };
            (table, flags)
        };
        let idx = ((va >> PAGE_SHIFT) & 511) as usize;
        loop {
            let raw = phys.read_u64(Pfn(table), idx);
            if raw & bits::PRESENT == 0 {
                return Walk::Fault { protection: false, rsvd: false, leaf: true };
            }
            let mut f = leaf_flags(raw, flags);
            if denied(f, access, user) {
                return Walk::Fault { protection: true, rsvd: false, leaf: true };
            }
            let mut set = bits::ACCESSED;
            if write {
                set |= bits::DIRTY;
            }
            if raw & set != set && phys.cmpxchg_u64(Pfn(table), idx, raw, raw | set).is_err() {
                // The entry changed under us: walk it again, as the
                // hardware's locked update would.
                continue;
            }
            if (raw | set) & bits::DIRTY != 0 {
                f |= E_DIRTY;
            }
            let pfn = (raw & bits::PFN_MASK) >> PAGE_SHIFT;
            self.prefetch_ahead(phys, table, idx, va, Pfn(pfn));
            return Walk::Ok { pfn, flags: f, huge: false };
        }
    }

    /// After a walk to the 4 KiB page of `va` (entry `idx` of `table`,
    /// frame `pfn`) that follows a walk to the page before it, hints the
    /// host at the pages the program's sweep reads next
    /// ([`PhysMem::prefetch`]): the page [`PREFETCH_DISTANCE`] further on,
    /// or, if this walk retries a page that has just faulted, the pages
    /// after it up to that distance that the fault mapped too
    /// (fault-around), stopping at the first hole.  Each page's host cache
    /// miss then overlaps the simulation of the accesses before it, as the
    /// hardware overlaps the misses of a sweep on the real kernel.  A
    /// sweep through zero or sparse frames (anonymous memory) has nothing
    /// to fetch and costs one look at the frame.  Only a hint: what the
    /// model does is unchanged.
    #[inline]
    fn prefetch_ahead(&mut self, phys: &PhysMem, table: u64, idx: usize, va: u64, pfn: Pfn) {
        let vpn = va >> PAGE_SHIFT;
        let sweep = vpn == self.last_walk_vpn.wrapping_add(1);
        self.last_walk_vpn = vpn;
        // Sweeps through zero or sparse frames (anonymous memory) have no
        // host bytes to fetch; their entries are not even looked at.
        if !sweep || !phys.frame_is_full(pfn) {
            return;
        }
        // After a fault, every page up to the distance; else the one at it.
        let first = if vpn == self.refault_vpn { idx + 1 } else { idx + PREFETCH_DISTANCE };
        let last = (idx + PREFETCH_DISTANCE).min(511);
        if first > last {
            return;
        }
        if let Some(Some(words)) = phys.table_words(Pfn(table)) {
            for w in &words[first..=last] {
                let raw = w.load(Ordering::Relaxed);
                if raw & bits::PRESENT == 0 {
                    break;
                }
                phys.prefetch(Pfn((raw & bits::PFN_MASK) >> PAGE_SHIFT), va & !PAGE_MASK);
            }
        }
    }

    /// A huge leaf at `level` (1: PMD, 2: PUD) maps `va`: its permissions,
    /// accessed and dirty bits, and the 4 KiB frame inside it.
    #[allow(clippy::too_many_arguments)]
    fn huge_leaf(
        &mut self,
        phys: &PhysMem,
        table: Pfn,
        idx: usize,
        raw: u64,
        level: u32,
        upper: u8,
        va: u64,
        access: Access,
        user: bool,
    ) -> Walk {
        let write = access == Access::Write;
        let mut f = leaf_flags(raw, upper);
        if denied(f, access, user) {
            return Walk::Fault { protection: true, rsvd: false, leaf: false };
        }
        let set = bits::ACCESSED | if write { bits::DIRTY } else { 0 };
        if raw & set != set {
            phys.fetch_or_u64(table, idx, set);
        }
        if (raw | set) & bits::DIRTY != 0 {
            f |= E_DIRTY;
        }
        // The frame field of a huge leaf also holds PAT (bit 12).
        let base = (raw & bits::PFN_MASK & !(1 << PAGE_SHIFT)) >> PAGE_SHIFT;
        let within = (va >> PAGE_SHIFT) & ((1u64 << (9 * level)) - 1);
        Walk::Ok { pfn: base + within, flags: f, huge: level == 1 }
    }

    fn fault(
        &mut self,
        va: u64,
        access: Access,
        user: bool,
        protection: bool,
        rsvd: bool,
        leaf: bool,
    ) -> PageFaultInfo {
        // A page fault invalidates the TLB entry of the faulting address
        // (the caller drops it) and the cached upper-level entries if one of
        // those caused it.  A fault at the last level keeps the PDE cache:
        // its entry was valid, and the kernel flushes whenever it changes
        // one.
        if !leaf {
            self.pde = PdeCache::default();
        }
        let mut code = 0;
        if protection {
            code |= pf::PROT;
        }
        if rsvd {
            code |= pf::RSVD;
        }
        if access == Access::Write {
            code |= pf::WRITE;
        }
        if user {
            code |= pf::USER;
        }
        if access == Access::Exec {
            code |= pf::INSTR;
        }
        PageFaultInfo::new(va, access, user, protection, code)
    }
}

/// The permissions of a leaf entry `raw` under upper levels that allow
/// `upper`: write and user access need every level's bit, one NX bit
/// forbids fetches, and the leaf says whether it is global.
#[inline]
fn leaf_flags(raw: u64, upper: u8) -> u8 {
    let mut f = upper;
    if raw & bits::RW == 0 {
        f &= !E_WRITE;
    }
    if raw & bits::USER == 0 {
        f &= !E_USER;
    }
    if raw & bits::NX != 0 {
        f |= E_NX;
    }
    if raw & bits::GLOBAL != 0 {
        f |= E_GLOBAL;
    }
    f
}

/// Whether permissions `f` refuse the access.
#[inline]
fn denied(f: u8, access: Access, user: bool) -> bool {
    (user && f & E_USER == 0)
        || (access == Access::Write && f & E_WRITE == 0)
        || (access == Access::Exec && f & E_NX != 0)
}

impl Mmu for X86Mmu {
    fn translate(&mut self, phys: &PhysMem, va: u64, access: Access, user: bool) -> Result<PhysAddr, Exception> {
        // The 2 MiB entry that hit last, checked first (as `lookup` does)
        // in a body small enough to need few registers: the stores through
        // one transparent huge page take this path.
        if self.has_huge
            && let Some(e) = self.entries.get(self.last_huge)
            && e.tag == HUGE_TAG | ((va >> PAGE_SHIFT) / PMD_PAGES + 1)
        {
            let ef = e.flags();
            if (e.pcid() == self.pcid || ef & E_GLOBAL != 0)
                && !denied(ef, access, user)
                && (access != Access::Write || ef & E_DIRTY != 0)
            {
                self.stats.hits += 1;
                let pfn = e.pfn() + (va >> PAGE_SHIFT) % PMD_PAGES;
                return Ok(PhysAddr((pfn << PAGE_SHIFT) | (va & !PAGE_MASK)));
            }
        }
        self.translate_lookup(phys, va, access, user)
    }

    fn nr_asids(&self) -> usize {
        TLB_NR_DYN_ASIDS
    }

    fn switch_mm(&mut self, trace: &Tracer, root: Pfn, asid: Asid, flush: bool) {
        let pcid = kern_pcid(asid);
        trace_note!(
            trace,
            "load_new_mm_cr3",
            "cr3 = pgd pfn {:#x}, pcid {pcid}, {}",
            root.0,
            if flush { "TLB flushed" } else { "TLB entries kept" }
        );
        self.load_cr3(root, pcid, !flush);
    }

    fn current_mm(&self) -> (Pfn, Option<Asid>) {
        (self.root, pcid_asid(self.pcid))
    }

    fn flush_tlb_one_user(&mut self, asid: Asid, va: u64) {
        self.invpcid_addr(kern_pcid(asid), va);
    }

    fn flush_tlb_one_kernel(&mut self, va: u64) {
        self.invlpg(va);
    }

    fn flush_tlb_asid(&mut self, asid: Asid) {
        self.invpcid_single(kern_pcid(asid));
    }

    fn flush_tlb_all(&mut self) {
        self.stats.flushes += 1;
        self.entries.fill(TlbEntry::default());
        self.has_huge = false;
        self.pde = PdeCache::default();
    }

    fn entries(&self) -> Vec<TlbEntryView> {
        self.entries
            .iter()
            .filter(|e| e.tag != 0)
            .map(|e| TlbEntryView {
                // A 2 MiB entry shows as the translation of its first page.
                vpn: if e.flags() & E_HUGE != 0 { ((e.tag & !HUGE_TAG) - 1) * PMD_PAGES } else { e.tag - 1 },
                asid: pcid_asid(e.pcid()),
                pfn: Pfn(e.pfn()),
                write: e.flags() & E_WRITE != 0,
                user: e.flags() & E_USER != 0,
                dirty: e.flags() & E_DIRTY != 0,
                global: e.flags() & E_GLOBAL != 0,
            })
            .collect()
    }

    fn stats(&self) -> TlbStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::X86Format;
    use mm_api::arch::{PageTableFormat, Pte, PteFlags};

    /// Builds the four-level tables for one page by hand: root in frame 1,
    /// PUD 2, PMD 3, PTE table 4, data page 10.
    fn setup() -> (PhysMem, X86Format, u64) {
        let phys = PhysMem::new(64 * 4096);
        let f = X86Format::new(false);
        let va = 0x1_0000_0000u64;
        phys.write_u64(Pfn(1), ((va >> 39) & 511) as usize, f.mk_table(3, Pfn(2)));
        phys.write_u64(Pfn(2), ((va >> 30) & 511) as usize, f.mk_table(2, Pfn(3)));
        phys.write_u64(Pfn(3), ((va >> 21) & 511) as usize, f.mk_table(1, Pfn(4)));
        (phys, f, va)
    }

    fn page_fault(r: Result<PhysAddr, Exception>) -> PageFaultInfo {
        match r {
            Err(Exception::PageFault(info)) => info,
            other => panic!("expected a page fault, got {other:?}"),
        }
    }

    #[test]
    fn non_canonical_addresses_raise_general_protection() {
        let (phys, f, va) = setup();
        set_pte(&phys, &f, va, Pte::page(Pfn(10), PteFlags::PRESENT | PteFlags::USER));
        let mut mmu = X86Mmu::new(0, 4, TlbConfig::default());
        mmu.load_cr3(Pfn(1), 0, false);
        assert!(mmu.translate(&phys, va, Access::Read, true).is_ok());
        // Bit 48 set, bit 47 clear: indexes like `va` but is not canonical.
        let alias = va | 1 << 48;
        assert_eq!(mmu.translate(&phys, alias, Access::Read, true), Err(Exception::GeneralProtection { addr: alias }));
        // Kernel-half addresses are canonical: they walk and page-fault.
        assert!(page_fault(mmu.translate(&phys, 0xffff_8000_0000_0000, Access::Read, true)).addr != 0);
        // With five levels the same alias is canonical.
        let mut la57 = X86Mmu::new(0, 5, TlbConfig::default());
        la57.load_cr3(Pfn(1), 0, false);
        assert!(matches!(la57.translate(&phys, alias, Access::Read, true), Err(Exception::PageFault(_))));
        assert!(matches!(la57.translate(&phys, 1 << 57, Access::Read, true), Err(Exception::GeneralProtection { .. })));
    }

    fn set_pte(phys: &PhysMem, f: &X86Format, va: u64, pte: Pte) {
        phys.write_u64(Pfn(4), ((va >> 12) & 511) as usize, f.encode_pte(pte));
    }

    #[test]
    fn a_pmd_leaf_is_one_2mib_tlb_entry_that_invlpg_drops() {
        let (phys, f, va) = setup();
        let flags = PteFlags::PRESENT | PteFlags::USER | PteFlags::WRITE;
        let leaf = f.mk_huge_leaf(1, Pfn(512), flags).expect("PMD leaves");
        phys.write_u64(Pfn(3), ((va >> 21) & 511) as usize, leaf);
        let mut mmu = X86Mmu::new(0, 4, TlbConfig::default());
        mmu.load_cr3(Pfn(1), 0, false);
        let at = |i: u64| va + i * 4096 + 5;
        assert_eq!(mmu.translate(&phys, at(3), Access::Write, true), Ok(PhysAddr((515 << 12) + 5)));
        assert_eq!(mmu.stats().misses, 1);
        // Every other page of the 2 MiB hits the same entry.
        for i in [0, 1, 200, 511] {
            assert_eq!(mmu.translate(&phys, at(i), Access::Read, true), Ok(PhysAddr(((512 + i) << 12) + 5)));
        }
        assert_eq!(mmu.stats().misses, 1);
        let e = mmu.entries();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].vpn, e[0].pfn, e[0].dirty), (va >> 12, Pfn(512), true));
        // invlpg of any address inside drops it.
        mmu.invlpg(at(100));
        assert!(mmu.entries().is_empty());
        assert!(mmu.translate(&phys, at(7), Access::Read, true).is_ok());
        assert_eq!(mmu.stats().misses, 2);
        // The entry last hit is another PCID's after a switch: it misses,
        // and hits again back under its own.
        assert!(mmu.translate(&phys, at(8), Access::Read, true).is_ok());
        mmu.load_cr3(Pfn(1), 2, true);
        assert!(mmu.translate(&phys, at(9), Access::Read, true).is_ok());
        assert_eq!(mmu.stats().misses, 3);
        mmu.load_cr3(Pfn(1), 0, true);
        assert!(mmu.translate(&phys, at(10), Access::Read, true).is_ok());
        assert_eq!(mmu.stats().misses, 3);
    }

    #[test]
    fn walk_sets_accessed_and_dirty() {
        let (phys, f, va) = setup();
        set_pte(&phys, &f, va, Pte::page(Pfn(10), PteFlags::PRESENT | PteFlags::USER | PteFlags::WRITE));
        let mut mmu = X86Mmu::new(0, 4, TlbConfig::default());
        mmu.load_cr3(Pfn(1), 0, false);
        let pa = mmu.translate(&phys, va + 5, Access::Read, true).unwrap();
        assert_eq!(pa, PhysAddr(10 * 4096 + 5));
        let raw = phys.read_u64(Pfn(4), 0);
        assert_ne!(raw & bits::ACCESSED, 0);
        assert_eq!(raw & bits::DIRTY, 0, "a read does not dirty");
        // The write hits a clean TLB entry: the hardware walks again.
        mmu.translate(&phys, va, Access::Write, true).unwrap();
        assert_ne!(phys.read_u64(Pfn(4), 0) & bits::DIRTY, 0);
        assert_ne!(phys.read_u64(Pfn(1), 0) & bits::ACCESSED, 0, "upper levels get A too");
    }

    #[test]
    fn missing_invlpg_leaves_a_stale_translation() {
        let (phys, f, va) = setup();
        set_pte(&phys, &f, va, Pte::page(Pfn(10), PteFlags::PRESENT | PteFlags::USER | PteFlags::WRITE));
        let mut mmu = X86Mmu::new(0, 4, TlbConfig::default());
        mmu.load_cr3(Pfn(1), 0, false);
        mmu.translate(&phys, va, Access::Read, true).unwrap();
        // The kernel clears the PTE but forgets the flush.
        set_pte(&phys, &f, va, Pte::None);
        assert_eq!(mmu.translate(&phys, va, Access::Read, true), Ok(PhysAddr(10 * 4096)), "stale");
        mmu.invlpg(va);
        let err = page_fault(mmu.translate(&phys, va, Access::Read, true));
        assert!(!err.protection());
        assert_eq!(err.error_code(), pf::USER);
    }

    #[test]
    fn protection_faults_and_prot_none() {
        let (phys, f, va) = setup();
        set_pte(&phys, &f, va, Pte::page(Pfn(10), PteFlags::PRESENT | PteFlags::USER));
        let mut mmu = X86Mmu::new(0, 4, TlbConfig::default());
        mmu.load_cr3(Pfn(1), 0, false);
        let err = page_fault(mmu.translate(&phys, va, Access::Write, true));
        assert!(err.protection());
        assert_eq!(err.error_code(), pf::PROT | pf::WRITE | pf::USER);
        set_pte(&phys, &f, va, Pte::page(Pfn(10), PteFlags::PROTNONE | PteFlags::USER));
        let err = page_fault(mmu.translate(&phys, va, Access::Read, true));
        assert!(!err.protection(), "PROT_NONE is not present to the hardware");
    }

    #[test]
    fn pcid_keeps_other_address_spaces() {
        let (phys, f, va) = setup();
        set_pte(&phys, &f, va, Pte::page(Pfn(10), PteFlags::PRESENT | PteFlags::USER));
        let mut mmu = X86Mmu::new(0, 4, TlbConfig::default());
        mmu.load_cr3(Pfn(1), 1, false);
        mmu.translate(&phys, va, Access::Read, true).unwrap();
        mmu.load_cr3(Pfn(1), 2, false);
        assert_eq!(mmu.entries().len(), 1, "PCID 1's entry survives a switch to PCID 2");
        mmu.load_cr3(Pfn(1), 1, false);
        assert!(mmu.entries().is_empty(), "loading PCID 1 without noflush drops its entries");
    }

    #[test]
    fn neutral_asids_are_pcids_from_one() {
        let (phys, f, va) = setup();
        set_pte(&phys, &f, va, Pte::page(Pfn(10), PteFlags::PRESENT | PteFlags::USER));
        let trace = Tracer::default();
        let mut mmu = X86Mmu::new(0, 4, TlbConfig::default());
        assert_eq!(mmu.nr_asids(), TLB_NR_DYN_ASIDS);
        assert_eq!(mmu.current_mm(), (Pfn(0), None), "the kernel's PCID 0 before any switch");
        mmu.switch_mm(&trace, Pfn(1), 0, true);
        assert_eq!((mmu.cr3(), mmu.current_mm()), ((Pfn(1), 1), (Pfn(1), Some(0))));
        mmu.translate(&phys, va, Access::Read, true).unwrap();
        assert_eq!(mmu.entries()[0].asid, Some(0));
        mmu.switch_mm(&trace, Pfn(1), 5, true);
        assert_eq!(mmu.cr3().1, 6);
        mmu.flush_tlb_one_user(1, va);
        assert_eq!(mmu.entries().len(), 1, "another ASID's flush leaves ASID 0 alone");
        mmu.flush_tlb_one_user(0, va);
        assert!(mmu.entries().is_empty());
        mmu.switch_mm(&trace, Pfn(1), 0, false);
        mmu.translate(&phys, va, Access::Read, true).unwrap();
        mmu.flush_tlb_asid(0);
        assert!(mmu.entries().is_empty());
    }
}
