//! Read-only views of the machine's state, for pictures and dumps
//! (`mmsim run --html`): what the kernel's own debugging interfaces show.
//!
//! - [`Kernel::ptdump_addr`]: the page walk of one user address, level by
//!   level, each entry's raw word and bits as the format names them
//!   (`mm/ptdump.c` for one address);
//! - [`Kernel::pagemap`]: the populated pages of a process (a PTE that is
//!   not none: present, swap or marker, or a huge leaf), with the entries
//!   on each one's path, bounded (`/proc/PID/pagemap` with the walk);
//!   [`Machine::ptdump_decode`] decodes one;
//! - [`Kernel::vmas`]: each VMA with its flags and anon_vma;
//! - [`Kernel::cpu_tlbstate`]: each CPU's loaded root, ASID, task, TLB
//!   entries and counters (`cpu_tlbstate`);
//! - [`Kernel::page_cache`]: each file's cached folios;
//! - [`Machine::lru_lists`]: the reclaim policy's lists;
//! - [`Machine::swap_areas`]: the swap areas and their used slots.
//!
//! Nothing here changes the machine: no accessed bit, no counter, no
//! trace event.

use crate::arch::{Asid, Level, PTE_LEVEL, PteMarker, TableEntry, TlbEntryView, TlbStats};
use crate::errno::SysResult;
use crate::flags::{PageFlags, VmFlags};
use crate::kernel::{Kernel, Pid};
use crate::machine::Machine;
use crate::pgtable::Slot;
use crate::types::Pfn;
use std::collections::BTreeMap;

/// The most levels a walk has.
pub const MAX_PT_LEVELS: usize = 8;

/// The name of the table at `level` of a format with `levels` levels, as
/// pictures label it (`PGD`, `P4D`, `PUD`, `PMD`, `PTE`): the kernel's
/// `pgd_t`... in capitals.
pub fn level_label(level: Level, levels: u32) -> &'static str {
    match crate::arch::level_name(level, levels) {
        "pte" => "PTE",
        "pmd" => "PMD",
        "pud" => "PUD",
        "p4d" => "P4D",
        _ => "PGD",
    }
}

/// One entry on a walk's path, undecoded: which table, which slot, and
/// the word in it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PtEntry {
    /// The table's level (0: PTE).
    pub level: Level,
    /// The entry's index in its table.
    pub index: u16,
    /// The table's frame.
    pub table: Pfn,
    /// The entry's word.
    pub raw: u64,
}

/// A populated page as [`Kernel::pagemap`] finds it: its address and the
/// entries on its path from the root down to the one that maps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PopulatedPage {
    /// The page's address (of a huge leaf: its first address).
    pub va: u64,
    path: [PtEntry; MAX_PT_LEVELS],
    depth: u8,
}

impl PopulatedPage {
    /// The entries from the root down.
    pub fn path(&self) -> &[PtEntry] {
        &self.path[..self.depth as usize]
    }
}

/// A process's populated pages, the lowest `max` of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pagemap {
    /// The pages, ascending.
    pub pages: Vec<PopulatedPage>,
    /// How many populated pages the process has.
    pub total: u64,
}

/// One level of a decoded walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkLevel {
    /// [`level_label`].
    pub name: &'static str,
    /// The level (0: PTE).
    pub level: Level,
    /// The entry's index in its table.
    pub index: u16,
    /// The table's frame.
    pub table: Pfn,
    /// The entry's word.
    pub raw: u64,
    /// The bits set, as the format names them
    /// ([`PageTableFormat::entry_bit_names`](crate::arch::PageTableFormat::entry_bit_names)).
    pub bits: Vec<&'static str>,
    /// The frame the entry points to: the next table, or the page.
    pub next: Option<Pfn>,
}

/// How a walk ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkEnd {
    /// A page-table entry maps the page.
    Page { pfn: Pfn },
    /// An upper-level entry maps a huge page (`pmd_leaf`, `pud_leaf`).
    HugePage { pfn: Pfn, level: Level },
    /// A swap entry (`is_swap_pte`).
    Swap { ty: u32, offset: u64, exclusive: bool },
    /// A PTE marker (a guard page...).
    Marker(PteMarker),
    /// An empty entry (`pte_none`, `pmd_none`...): nothing mapped.
    None,
    /// An upper-level entry that is neither a table nor a leaf (`pmd_bad`).
    Bad,
}

/// The walk of one address ([`Kernel::ptdump_addr`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageWalk {
    /// The address walked.
    pub va: u64,
    /// The entries read, from the root down.
    pub levels: Vec<WalkLevel>,
    /// What the last one says.
    pub end: WalkEnd,
}

/// One VMA as [`Kernel::vmas`] shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmaView {
    /// First address.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// `rwxp`... as `/proc/PID/maps` prints them.
    pub perms: String,
    /// File offset in bytes (0 for anonymous memory).
    pub offset: u64,
    /// What `/proc/PID/maps` shows as its name (a path, `[heap]`...).
    pub name: String,
    /// The mapped file's path, if it maps one.
    pub file: Option<String>,
    /// The id of its anon_vma, once it has one.
    pub anon_vma: Option<u64>,
    /// `vm_flags`.
    pub flags: VmFlags,
}

/// One CPU as [`Kernel::cpu_tlbstate`] shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuState {
    /// The CPU's number.
    pub cpu: usize,
    /// The task whose address space it has loaded (the lowest pid of the
    /// tasks sharing it), if any.
    pub pid: Option<Pid>,
    /// The root table it has loaded (CR3 on x86-64).
    pub root: Pfn,
    /// The ASID it runs under (`None`: the kernel's own context).
    pub asid: Option<Asid>,
    /// Its TLB's entries.
    pub tlb: Vec<TlbEntryView>,
    /// Its TLB's counters.
    pub stats: TlbStats,
}

/// One folio of a file's page cache ([`Kernel::page_cache`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolioView {
    /// The offset of its first page in the file, in pages.
    pub index: u64,
    /// Its first frame.
    pub pfn: Pfn,
    /// `folio_order`.
    pub order: u32,
    /// Its `struct page` flags.
    pub flags: PageFlags,
    /// `folio_mapcount`: the page-table entries mapping it.
    pub mapcount: i32,
}

/// A file with pages in the page cache ([`Kernel::page_cache`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedFile {
    /// The machine's inode number ([`Inode::ino`](crate::fs::Inode::ino)).
    pub ino: u64,
    /// A path the file is mapped or open under, if a task has it.
    pub name: Option<String>,
    /// Its size in bytes.
    pub size: u64,
    /// Pages in its page cache (`nrpages`).
    pub nrpages: u64,
    /// Its first folios, ascending.
    pub folios: Vec<FolioView>,
}

/// A used swap slot ([`Machine::swap_areas`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapSlot {
    /// The slot's offset.
    pub offset: u64,
    /// Page-table entries (and shmem indices) that hold it (`swap_count`).
    pub count: u32,
    /// The swap-cache page that holds its data, if any.
    pub cache: Option<Pfn>,
}

/// A swap area ([`Machine::swap_areas`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwapAreaView {
    /// Its type (the index in `swap_info`).
    pub ty: u32,
    /// The device's name.
    pub name: &'static str,
    /// Usable slots.
    pub pages: u64,
    /// Slots in use.
    pub used: u64,
    /// Its priority.
    pub prio: i32,
    /// Its first used slots, ascending.
    pub slots: Vec<SwapSlot>,
}

/// The names of a page's flags, in the kernel's `%pGp` spelling
/// (`pageflag_names`: `uptodate`, `dirty`, `lru`...).  `PG_swapcache`
/// and `PG_readahead` share their bits with others: a page that is not
/// swap-backed shows `owner_priv_1` and `readahead`, one that is shows
/// `swapcache` and `reclaim`.
pub fn pageflag_names(flags: PageFlags) -> Vec<&'static str> {
    let swapbacked = flags.contains(PageFlags::SWAPBACKED);
    let table: [(PageFlags, &'static str); 19] = [
        (PageFlags::LOCKED, "locked"),
        (PageFlags::WRITEBACK, "writeback"),
        (PageFlags::REFERENCED, "referenced"),
        (PageFlags::UPTODATE, "uptodate"),
        (PageFlags::DIRTY, "dirty"),
        (PageFlags::LRU, "lru"),
        (PageFlags::HEAD, "head"),
        (PageFlags::WAITERS, "waiters"),
        (PageFlags::ACTIVE, "active"),
        (PageFlags::WORKINGSET, "workingset"),
        (PageFlags::SWAPCACHE, if swapbacked { "swapcache" } else { "owner_priv_1" }),
        (PageFlags::OWNER_2, "owner_2"),
        (PageFlags::RESERVED, "reserved"),
        (PageFlags::PRIVATE, "private"),
        (PageFlags::PRIVATE_2, "private_2"),
        (PageFlags::RECLAIM, if swapbacked { "reclaim" } else { "readahead" }),
        (PageFlags::SWAPBACKED, "swapbacked"),
        (PageFlags::UNEVICTABLE, "unevictable"),
        (PageFlags::MLOCKED, "mlocked"),
    ];
    table.iter().filter(|(f, _)| flags.contains(*f)).map(|&(_, n)| n).collect()
}

impl Machine {
    /// Decodes the path of a populated page ([`Kernel::pagemap`]), or
    /// any path of entries from the root down, as
    /// [`Kernel::ptdump_addr`] shows a walk.
    pub fn ptdump_decode(&self, va: u64, path: &[PtEntry]) -> PageWalk {
        let levels = self.geometry.levels;
        let mut out = Vec::with_capacity(path.len());
        let mut end = WalkEnd::None;
        for e in path {
            let (next, this_end) = self.decode_entry(e);
            out.push(WalkLevel {
                name: level_label(e.level, levels),
                level: e.level,
                index: e.index,
                table: e.table,
                raw: e.raw,
                bits: self.arch.entry_bit_names(e.level, e.raw),
                next,
            });
            end = this_end.unwrap_or(WalkEnd::None);
        }
        PageWalk { va, levels: out, end }
    }

    /// What an entry points to, and how the walk ends there (`None`: it
    /// goes on to the next table).
    fn decode_entry(&self, e: &PtEntry) -> (Option<Pfn>, Option<WalkEnd>) {
        if e.level == PTE_LEVEL {
            return match self.arch.decode_pte(e.raw) {
                crate::arch::Pte::None => (None, Some(WalkEnd::None)),
                crate::arch::Pte::Page { pfn, .. } => (Some(pfn), Some(WalkEnd::Page { pfn })),
                crate::arch::Pte::Swap { ty, offset, exclusive } => {
                    (None, Some(WalkEnd::Swap { ty, offset, exclusive }))
                }
                crate::arch::Pte::Marker(m) => (None, Some(WalkEnd::Marker(m))),
            };
        }
        match self.arch.decode_table(e.level, e.raw) {
            TableEntry::Table(t) => (Some(t), None),
            TableEntry::Leaf(pfn) => (Some(pfn), Some(WalkEnd::HugePage { pfn, level: e.level })),
            TableEntry::None => (None, Some(WalkEnd::None)),
            TableEntry::Bad(_) => (None, Some(WalkEnd::Bad)),
        }
    }

    /// The reclaim policy's lists ([`LruLists::views`](crate::vmscan::LruLists::views),
    /// up to `max` pages at each end), then the core's unevictable list
    /// (its length only: its pages are not linked).
    pub fn lru_lists(&self, max: usize) -> Vec<crate::vmscan::LruListView> {
        let mut v = self.reclaim.lists().lock().views(&self.phys, max);
        v.push(crate::vmscan::LruListView {
            name: "unevictable",
            len: self.lruvec.nr_unevictable(),
            head: Vec::new(),
            tail: Vec::new(),
        });
        v
    }

    /// Every swap area with up to `max` of its used slots.  Reads the
    /// slots of an area only if some are in use.
    pub fn swap_areas(&self, max: usize) -> Vec<SwapAreaView> {
        self.swap
            .areas()
            .into_iter()
            .map(|si| SwapAreaView {
                ty: si.ty(),
                name: si.device_name(),
                pages: si.pages(),
                used: si.inuse_pages(),
                prio: si.prio(),
                slots: if si.inuse_pages() > 0 { si.used_slots(max) } else { Vec::new() },
            })
            .collect()
    }
}

/// Collects the populated pages under `table` (of `level`, covering from
/// `base`) into `out`, the entries above in `path[..depth]`.
struct TreeWalk<'a> {
    m: &'a Machine,
    user_end: u64,
    max: usize,
    out: Pagemap,
}

impl TreeWalk<'_> {
    fn walk(&mut self, level: Level, table: Pfn, base: u64, path: &mut [PtEntry; MAX_PT_LEVELS], depth: usize) {
        let g = &self.m.geometry;
        let shift = g.shifts[level as usize];
        for idx in 0..g.ptrs {
            let va = base + ((idx as u64) << shift);
            if va >= self.user_end {
                break;
            }
            let raw = self.m.phys.read_u64(table, idx);
            if raw == 0 {
                continue;
            }
            path[depth] = PtEntry { level, index: idx as u16, table, raw };
            let leaf = if level == PTE_LEVEL {
                true
            } else {
                match self.m.read_table(level, Slot { table, idx }) {
                    TableEntry::Table(next) => {
                        self.walk(level - 1, next, va, path, depth + 1);
                        false
                    }
                    TableEntry::Leaf(_) => true,
                    TableEntry::None | TableEntry::Bad(_) => false,
                }
            };
            if leaf {
                self.out.total += 1;
                if self.out.pages.len() < self.max {
                    self.out.pages.push(PopulatedPage { va, path: *path, depth: depth as u8 + 1 });
                }
            }
        }
    }
}

impl Kernel {
    /// The walk of user address `va` of process `pid`, from its root
    /// table down to the entry that ends it (a page, a huge page, a swap
    /// entry or marker, or an empty entry), each entry decoded.
    pub fn ptdump_addr(&self, pid: Pid, va: u64) -> SysResult<PageWalk> {
        let mm = &self.task(pid)?.mm;
        let m = self.machine();
        let _st = mm.mmap_lock.read();
        let g = &m.geometry;
        let mut path = Vec::new();
        let mut table = mm.pgd();
        for level in (PTE_LEVEL..g.levels).rev() {
            let idx = ((va >> g.shifts[level as usize]) & g.index_mask) as usize;
            let e = PtEntry { level, index: idx as u16, table, raw: m.phys.read_u64(table, idx) };
            path.push(e);
            match m.decode_entry(&e) {
                (Some(next), None) => table = next,
                _ => break,
            }
        }
        Ok(m.ptdump_decode(va, &path))
    }

    /// The populated user pages of process `pid` (a PTE that is not none,
    /// or a huge leaf), the lowest `max` with their paths, and how many
    /// there are: `/proc/PID/pagemap` with the walk of each page.  Reads
    /// every user page-table page once.
    pub fn pagemap(&self, pid: Pid, max: usize) -> SysResult<Pagemap> {
        let mm = &self.task(pid)?.mm;
        let m = self.machine();
        let _st = mm.mmap_lock.read();
        let mut w = TreeWalk { m, user_end: m.arch.task_size(), max, out: Pagemap::default() };
        let mut path = [PtEntry::default(); MAX_PT_LEVELS];
        w.walk(m.geometry.levels - 1, mm.pgd(), 0, &mut path, 0);
        Ok(w.out)
    }

    /// The VMAs of process `pid`, ascending.
    pub fn vmas(&self, pid: Pid) -> SysResult<Vec<VmaView>> {
        let t = self.task(pid)?;
        let st = t.mm.mmap_lock.read();
        Ok(st
            .vmas
            .iter()
            .map(|v| {
                let e = crate::kernel::maps_entry(v, &st);
                VmaView {
                    start: v.start,
                    end: v.end,
                    perms: e.perms,
                    offset: e.offset,
                    name: e.path,
                    file: v.file().map(|f| f.path.clone()),
                    anon_vma: v.anon_vma.get().map(|a| a.id),
                    flags: v.flags,
                }
            })
            .collect())
    }

    /// Each CPU: the address space it has loaded, under which ASID, and
    /// its TLB (`cpu_tlbstate` and the hardware's entries).
    pub fn cpu_tlbstate(&self) -> Vec<CpuState> {
        let mut by_mm: BTreeMap<u64, Pid> = BTreeMap::new();
        for (&pid, t) in &self.tasks {
            by_mm.entry(t.mm.id).and_modify(|p| *p = (*p).min(pid)).or_insert(pid);
        }
        self.machine()
            .cpus
            .iter()
            .enumerate()
            .map(|(cpu, c)| {
                let c = c.lock();
                let (root, asid) = c.mmu.current_mm();
                CpuState {
                    cpu,
                    pid: by_mm.get(&c.active_mm).copied(),
                    root,
                    asid,
                    tlb: c.mmu.entries(),
                    stats: c.mmu.stats(),
                }
            })
            .collect()
    }

    /// Every file with pages in the page cache, by inode number, with up
    /// to `max` of its folios; its name is the path a task maps it or has
    /// it open under (the lowest pid's, the lowest address's or
    /// descriptor's first).
    pub fn page_cache(&self, max: usize) -> Vec<CachedFile> {
        let m = self.machine();
        let mut inodes: Vec<std::sync::Arc<crate::fs::Inode>> =
            m.rmap_roots.inodes.lock().values().filter_map(std::sync::Weak::upgrade).collect();
        inodes.retain(|i| i.mapping.nrpages() > 0);
        inodes.sort_by_key(|i| i.ino);
        if inodes.is_empty() {
            return Vec::new();
        }
        let mut names: BTreeMap<u64, String> = BTreeMap::new();
        for t in self.tasks.values() {
            for v in t.mm.mmap_lock.read().vmas.iter() {
                if let Some(f) = v.file() {
                    names.entry(f.inode.ino).or_insert_with(|| f.path.clone());
                }
            }
            for f in t.files.lock().files() {
                names.entry(f.inode.ino).or_insert_with(|| f.path.clone());
            }
        }
        inodes
            .iter()
            .map(|i| {
                let mut folios = Vec::new();
                for f in i.mapping.folios_in(0, u64::MAX >> 1) {
                    if folios.len() >= max {
                        break;
                    }
                    let page = m.phys.page(f.pfn);
                    folios.push(FolioView {
                        index: f.index,
                        pfn: f.pfn,
                        order: f.order,
                        flags: page.flags(),
                        mapcount: page.mapcount(),
                    });
                }
                CachedFile {
                    ino: i.ino,
                    name: names.get(&i.ino).cloned(),
                    size: i.size(),
                    nrpages: i.mapping.nrpages(),
                    folios,
                }
            })
            .collect()
    }
}
