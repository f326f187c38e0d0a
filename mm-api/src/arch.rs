//! What the architecture provides: the page-table entry format the kernel
//! writes ([`PageTableFormat`]) and the MMU that reads it ([`Mmu`]): a page
//! walker with a TLB per CPU.
//!
//! The core speaks of entries in neutral terms ([`Pte`], [`PteFlags`],
//! [`TableEntry`]); a format encodes them as the architecture's real words,
//! which live in simulated frames, and describes its tables as data
//! ([`Geometry`]).  No bit position of an architecture appears here: the
//! flags have values of their own.  The MMU is the hardware half: it
//! translates addresses by walking those words, sets accessed and dirty bits
//! the way the hardware does, caches translations, and forgets them only
//! when told to (`flush_tlb_one_user`, a `switch_mm` that flushes), so a
//! missing flush in the core shows up as a stale translation.  The core
//! decides which address space a CPU keeps under which [`Asid`]; the MMU
//! maps ASIDs to its hardware tags.

use crate::flags::{Access, VmFlags};
use crate::phys::PhysMem;
use crate::trace::Tracer;
use crate::types::{Pfn, PhysAddr};
use bitflags::bitflags;

/// Page-table level: 0 is the last level (PTE), 1 the PMD, 2 the PUD, 3 the
/// P4D and 4 the PGD of a five-level format.  A four-level format has no P4D
/// of its own (it is folded into the PGD, level 3).
pub type Level = u32;

/// The PTE level.
pub const PTE_LEVEL: Level = 0;
/// The PMD level.
pub const PMD_LEVEL: Level = 1;
/// The PUD level.
pub const PUD_LEVEL: Level = 2;

/// The kernel's name for the table at `level` of a format with `levels`
/// levels.
pub fn level_name(level: Level, levels: u32) -> &'static str {
    match level {
        0 => "pte",
        1 => "pmd",
        2 => "pud",
        3 if levels == 4 => "pgd",
        3 => "p4d",
        _ => "pgd",
    }
}

bitflags! {
    /// Architecture-neutral attributes of a leaf entry: what the core
    /// means, at bit values of its own.  A format maps each flag to its
    /// entry bits (the x86-64 positions, `_PAGE_PROTNONE`, the saved-dirty
    /// bit... live in mm-x86 alone); a flag a format has no bit for is lost
    /// on the way through it, so formats store every flag here.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct PteFlags: u64 {
        /// The hardware may use the entry (`pte_present` of a mapped page
        /// that is not `PROT_NONE`).
        const PRESENT = 1 << 0;
        /// Writes are allowed (`pte_write`).
        const WRITE = 1 << 1;
        /// User mode may access the page.
        const USER = 1 << 2;
        /// The hardware has used the entry (`pte_young`).
        const ACCESSED = 1 << 3;
        /// The hardware has written through the entry (`pte_dirty`).
        const DIRTY = 1 << 4;
        /// Not tagged with an ASID: the translation is valid in every
        /// address space and survives a switch (`_PAGE_GLOBAL`, the kernel
        /// half).
        const GLOBAL = 1 << 5;
        /// Not a normal page: the zero page (`pte_special`).
        const SPECIAL = 1 << 6;
        /// Soft-dirty tracking bit (`pte_soft_dirty`).
        const SOFT_DIRTY = 1 << 7;
        /// Instruction fetches are forbidden (no `VM_EXEC`).
        const NO_EXEC = 1 << 8;
        /// Mapped but inaccessible (`PROT_NONE`, `pte_protnone`): not
        /// present to the hardware, present to the kernel.
        const PROTNONE = 1 << 9;
    }
}

/// A leaf page-table entry in neutral form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Pte {
    /// `pte_none`: nothing mapped.
    #[default]
    None,
    /// A page, present or `PROT_NONE`.
    Page { pfn: Pfn, flags: PteFlags },
    /// A non-present entry that holds a swap entry: the swap device
    /// (`type`), the slot on it (`offset`), and whether the page was
    /// exclusive to this mapping when it was swapped out
    /// (`pte_swp_exclusive`, which lets the swap-in map it writable).
    Swap { ty: u32, offset: u64, exclusive: bool },
    /// A non-present entry that maps nothing but says something about the
    /// page (`make_pte_marker`, include/linux/swapops.h): a guard page
    /// (`MADV_GUARD_INSTALL`) is one.
    Marker(PteMarker),
}

bitflags! {
    /// What a PTE marker says (`PTE_MARKER_*`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct PteMarker: u64 {
        /// `PTE_MARKER_UFFD_WP`.
        const UFFD_WP = 1 << 0;
        /// `PTE_MARKER_POISONED`.
        const POISONED = 1 << 1;
        /// `PTE_MARKER_GUARD`: any access raises `SIGSEGV`.
        const GUARD = 1 << 2;
    }
}

impl Pte {
    /// A page entry.
    #[inline]
    pub fn page(pfn: Pfn, flags: PteFlags) -> Pte {
        Pte::Page { pfn, flags }
    }
    /// `pte_none`.
    #[inline]
    pub fn is_none(&self) -> bool {
        matches!(self, Pte::None)
    }
    /// `pte_present`: present to the hardware, or `PROT_NONE`.
    #[inline]
    pub fn is_present(&self) -> bool {
        matches!(self, Pte::Page { .. })
    }
    /// `is_guard_pte_marker`: a guard-page marker.
    #[inline]
    pub fn is_guard_marker(&self) -> bool {
        matches!(self, Pte::Marker(m) if m.contains(PteMarker::GUARD))
    }
    /// The frame of a page entry.
    #[inline]
    pub fn pfn(&self) -> Option<Pfn> {
        match *self {
            Pte::Page { pfn, .. } => Some(pfn),
            _ => None,
        }
    }
    /// The attributes of a page entry (empty otherwise).
    #[inline]
    pub fn flags(&self) -> PteFlags {
        match *self {
            Pte::Page { flags, .. } => flags,
            _ => PteFlags::empty(),
        }
    }
    /// `pte_write`.
    #[inline]
    pub fn is_write(&self) -> bool {
        self.flags().contains(PteFlags::WRITE)
    }
    /// `pte_special`.
    #[inline]
    pub fn is_special(&self) -> bool {
        self.flags().contains(PteFlags::SPECIAL)
    }
    /// `pte_protnone`.
    #[inline]
    pub fn is_protnone(&self) -> bool {
        self.flags().contains(PteFlags::PROTNONE)
    }
    /// The same entry with `f` added (`pte_mkwrite`, `pte_mkdirty`...).
    #[must_use]
    #[inline]
    pub fn with(self, f: PteFlags) -> Pte {
        match self {
            Pte::Page { pfn, flags } => Pte::Page { pfn, flags: flags | f },
            other => other,
        }
    }
    /// The same entry with `f` removed (`pte_wrprotect`, `pte_mkold`...).
    #[must_use]
    #[inline]
    pub fn without(self, f: PteFlags) -> Pte {
        match self {
            Pte::Page { pfn, flags } => Pte::Page { pfn, flags: flags - f },
            other => other,
        }
    }
}

/// An entry of an upper-level table (PMD, PUD, P4D, PGD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableEntry {
    /// Nothing below.
    None,
    /// Points to the next-level table in this frame.
    Table(Pfn),
    /// Maps a large page directly (`pmd_leaf`): present, or `PROT_NONE`
    /// (present to the kernel, not to the hardware).
    Leaf(Pfn),
    /// Anything else (`pmd_bad`).
    Bad(u64),
}

/// `PteFlags` for the page protection of `vm_flags`: the generic
/// `protection_map` (mm/mmap.c, arch/x86/mm/pgprot.c).  Private writable
/// mappings map read-only so that writes copy; `PROT_NONE` gets the
/// `PROTNONE` encoding.
pub fn generic_page_prot(vm_flags: VmFlags) -> PteFlags {
    let rwx = vm_flags & (VmFlags::READ | VmFlags::WRITE | VmFlags::EXEC);
    if rwx.is_empty() {
        // PAGE_NONE: PROT_NONE and accessed, nothing else.
        return PteFlags::PROTNONE | PteFlags::ACCESSED;
    }
    let mut f = PteFlags::PRESENT | PteFlags::USER | PteFlags::ACCESSED;
    if !vm_flags.contains(VmFlags::EXEC) {
        f |= PteFlags::NO_EXEC;
    }
    if vm_flags.contains(VmFlags::WRITE) && vm_flags.contains(VmFlags::SHARED) {
        f |= PteFlags::WRITE;
    }
    f
}

/// A page-table format: how entries are laid out at each level.
///
/// Methods are the kernel's arch helpers in neutral form: `decode_pte` /
/// `encode_pte` stand for `pte_present`, `pte_pfn`, `pfn_pte`,
/// `pte_mkwrite`..., `mk_table` for `pmd_populate` and friends.
pub trait PageTableFormat: Send + Sync {
    /// The registered name.
    fn name(&self) -> &'static str;
    /// The shape of the tables.  The core reads it once, when the machine
    /// is built.
    fn geometry(&self) -> Geometry;
    /// One past the highest user address (`TASK_SIZE`).
    fn task_size(&self) -> u64;
    /// `DEFAULT_MAP_WINDOW`: the top of the addresses the kernel picks by
    /// itself (the stack top, where programs load, the top-down search),
    /// unless a hint above it asks for more.  Generic: [`task_size`](Self::task_size);
    /// x86-64 keeps 47-bit addresses the default even with five levels.
    fn default_map_window(&self) -> u64 {
        self.task_size()
    }
    /// `pte_needs_flush`: whether changing a present leaf entry from `old`
    /// to `new` (mprotect's `change_protection`) must flush the translation
    /// a TLB may hold.  Generic: always; an architecture that knows which
    /// changes its TLB cannot be hurt by (a permission granted, a software
    /// bit) says no to those.
    fn pte_needs_flush(&self, _old: Pte, _new: Pte) -> bool {
        true
    }
    /// Bits of the `vm_flags` protection (`vm_get_page_prot`).
    fn vm_get_page_prot(&self, vm_flags: VmFlags) -> PteFlags {
        generic_page_prot(vm_flags)
    }
    /// Decodes a leaf entry.
    fn decode_pte(&self, raw: u64) -> Pte;
    /// Encodes a leaf entry.
    fn encode_pte(&self, pte: Pte) -> u64;
    /// Decodes an upper-level entry.
    fn decode_table(&self, level: Level, raw: u64) -> TableEntry;
    /// The attributes an upper-level entry carries for the walk below it
    /// (present, write, user, accessed, no-execute), for traces and
    /// pictures; a format without such bits keeps the default, none.
    fn table_entry_flags(&self, _level: Level, _raw: u64) -> PteFlags {
        PteFlags::empty()
    }
    /// The names of the bits set in entry `raw` of a table at `level`, as
    /// the architecture's manuals name them, for pictures and dumps
    /// (x86-64: `P RW US PWT PCD A D PS G NX`).  Generic: the neutral
    /// flags [`decode_pte`](Self::decode_pte) or
    /// [`table_entry_flags`](Self::table_entry_flags) find.
    fn entry_bit_names(&self, level: Level, raw: u64) -> Vec<&'static str> {
        let flags = if level == PTE_LEVEL { self.decode_pte(raw).flags() } else { self.table_entry_flags(level, raw) };
        flags.iter_names().map(|(n, _)| n).collect()
    }
    /// How upper-level entries are laid out, if a present bit, a huge bit
    /// and a frame field describe them: the kernel's walks then decode them
    /// with masks instead of calling [`decode_table`](Self::decode_table).
    fn table_layout(&self) -> Option<TableLayout> {
        None
    }
    /// An upper-level entry that points to a user page table in `pfn`
    /// (`_PAGE_TABLE`).
    fn mk_table(&self, level: Level, pfn: Pfn) -> u64;
    /// A CPU's MMU for this format.
    fn new_mmu(&self, cpu: usize, tlb: TlbConfig) -> Box<dyn Mmu>;
    /// An upper-level entry that points to a kernel page table in `pfn`
    /// (`_KERNPG_TABLE`: not user-accessible).
    fn mk_kernel_table(&self, level: Level, pfn: Pfn) -> u64 {
        self.mk_table(level, pfn)
    }
    /// A huge leaf at `level` (1: 2 MiB, 2: 1 GiB) mapping from `pfn` with
    /// `flags`, if the format has them (the kernel's direct map).
    fn mk_huge_leaf(&self, _level: Level, _pfn: Pfn, _flags: PteFlags) -> Option<u64> {
        None
    }
    /// Where the kernel half lays out its areas, if the format has one.
    fn kernel_layout(&self) -> Option<KernelLayout> {
        None
    }
}

/// The shape of a format's page tables, as data: how many levels, how
/// many address bits each level's tables index, and which levels may map a
/// page directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Number of levels, counting the PTE level (x86-64: 4 or 5).
    pub levels: u32,
    /// The address bits the offset within a page takes (`PAGE_SHIFT`).
    pub page_shift: u32,
    /// The address bits one table indexes, the same at every level
    /// (x86-64: 9, for 512 entries; `PTRS_PER_PTE`, `PTRS_PER_PMD`...).
    pub index_bits: u32,
    /// The virtual-address bits the tables translate (x86-64: 48, or 57
    /// with five levels): `page_shift + levels * index_bits`.
    pub va_bits: u32,
    /// Bit `level` is set if an entry at that level may map a page itself
    /// rather than point to a table (x86-64: the PTE, PMD and PUD levels;
    /// `pmd_leaf`, `pud_leaf`).
    pub leaf_levels: u32,
}

impl Geometry {
    /// The shift of the range one entry of `level` covers
    /// (`PAGE_SHIFT`, `PMD_SHIFT`, `PUD_SHIFT`...).
    #[inline]
    pub const fn level_shift(&self, level: Level) -> u32 {
        self.page_shift + self.index_bits * level
    }
    /// Entries per table (`PTRS_PER_PTE`...).
    #[inline]
    pub const fn ptrs_per_table(&self) -> usize {
        1 << self.index_bits
    }
    /// Whether an entry at `level` may map a page itself.
    #[inline]
    pub const fn may_hold_leaf(&self, level: Level) -> bool {
        level < 32 && self.leaf_levels & (1 << level) != 0
    }
}

/// The kernel half of every address space (`Documentation/arch/x86/x86_64/mm.rst`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelLayout {
    /// Start of the direct map of all RAM (`PAGE_OFFSET`).
    pub page_offset: u64,
    /// Start of the vmalloc area (`VMALLOC_START`).
    pub vmalloc_start: u64,
    /// Its size in the simulator: one top-level entry's worth, whose
    /// next-level table is preallocated at boot.
    pub vmalloc_size: u64,
}

/// The bits of an upper-level entry, for formats whose entries are a
/// present bit, a huge-page bit and a frame number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableLayout {
    /// Set in every entry that points somewhere.
    pub present: u64,
    /// Set in an entry that maps a huge page at the PMD or PUD level.
    pub huge: u64,
    /// Set, with `huge` and without `present`, in a huge leaf that maps
    /// its page `PROT_NONE`: still a leaf to the kernel (x86-64's
    /// `pmd_present` accepts `_PAGE_PROTNONE`), a not-present entry to the
    /// hardware.  0 if the format has no such leaf.
    pub protnone: u64,
    /// The frame-number field.
    pub pfn_mask: u64,
    /// Its shift.
    pub pfn_shift: u32,
}

impl TableLayout {
    /// `decode_table` with the masks.
    #[inline]
    pub fn decode(&self, level: Level, raw: u64) -> TableEntry {
        if raw == 0 {
            TableEntry::None
        } else if raw & self.present == 0 {
            if raw & self.huge != 0 && raw & self.protnone != 0 && (level == 1 || level == 2) {
                TableEntry::Leaf(Pfn((raw & self.pfn_mask) >> self.pfn_shift))
            } else {
                TableEntry::Bad(raw)
            }
        } else if raw & self.huge != 0 && (level == 1 || level == 2) {
            TableEntry::Leaf(Pfn((raw & self.pfn_mask) >> self.pfn_shift))
        } else {
            TableEntry::Table(Pfn((raw & self.pfn_mask) >> self.pfn_shift))
        }
    }
}

/// A page-table format a backend registers in [`MM_PAGE_TABLE_FORMATS`].
pub struct PageTableFormatDesc {
    /// Name used to select it (`--page-table NAME`).
    pub name: &'static str,
    /// One line for `mmsim backends`.
    pub description: &'static str,
    /// Builds the format.
    pub new: fn() -> Box<dyn PageTableFormat>,
}

/// Every linked page-table format.
#[linkme::distributed_slice]
pub static MM_PAGE_TABLE_FORMATS: [PageTableFormatDesc];

/// Shape of a CPU's TLB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbConfig {
    /// Number of sets (a power of two).
    pub sets: usize,
    /// Entries per set.
    pub ways: usize,
}

impl Default for TlbConfig {
    /// 1536 entries, 12 ways: the shape of a recent x86 second-level TLB.
    fn default() -> Self {
        TlbConfig { sets: 128, ways: 12 }
    }
}

/// The exception an access raises instead of completing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// A page fault (`#PF`): the kernel's fault handler may resolve it.
    PageFault(PageFaultInfo),
    /// A general-protection fault (`#GP`) at `addr`, which no page table
    /// can resolve: on x86-64 an address that is not canonical.  The task
    /// gets `SIGSEGV`.
    GeneralProtection {
        /// The address of the access.
        addr: u64,
    },
}

/// What the MMU reports when it cannot translate: the page-fault
/// exception's address and cause.
///
/// Two machine words, each written and read whole: the address, and the
/// cause packed with the architecture's error code.  The MMU builds it
/// with two stores, the fault path reads it with two loads, and it
/// passes by value in two registers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PageFaultInfo {
    /// The faulting address (`CR2`).
    pub addr: u64,
    /// The architecture's error code (bits 0..32), then the access kind
    /// (bits 32..34), user mode (34) and protection (35).
    bits: u64,
}

impl PageFaultInfo {
    const ACCESS_SHIFT: u32 = 32;
    const USER: u64 = 1 << 34;
    const PROTECTION: u64 = 1 << 35;

    /// A fault at `addr` by an `access` (from user mode if `user`) that a
    /// present entry refused (`protection`) or that found no entry;
    /// `error_code` is the architecture's raw code, kept for traces.
    #[inline]
    pub const fn new(addr: u64, access: Access, user: bool, protection: bool, error_code: u32) -> PageFaultInfo {
        let access = match access {
            Access::Read => 0,
            Access::Write => 1,
            Access::Exec => 2,
        };
        let mut bits = error_code as u64 | access << Self::ACCESS_SHIFT;
        if user {
            bits |= Self::USER;
        }
        if protection {
            bits |= Self::PROTECTION;
        }
        PageFaultInfo { addr, bits }
    }

    /// The kind of access.
    #[inline]
    pub const fn access(self) -> Access {
        match (self.bits >> Self::ACCESS_SHIFT) & 3 {
            0 => Access::Read,
            1 => Access::Write,
            _ => Access::Exec,
        }
    }

    /// The access came from user mode.
    #[inline]
    pub const fn user(self) -> bool {
        self.bits & Self::USER != 0
    }

    /// A present entry forbade the access (protection fault), rather than
    /// an entry being absent.
    #[inline]
    pub const fn protection(self) -> bool {
        self.bits & Self::PROTECTION != 0
    }

    /// The architecture's raw error code, for traces (x86-64: the low
    /// bits of the word the CPU pushes, `X86_PF_*`).
    #[inline]
    pub const fn error_code(self) -> u32 {
        self.bits as u32
    }
}

impl std::fmt::Debug for PageFaultInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageFaultInfo")
            .field("addr", &format_args!("{:#x}", self.addr))
            .field("access", &self.access())
            .field("user", &self.user())
            .field("protection", &self.protection())
            .field("error_code", &format_args!("{:#x}", self.error_code()))
            .finish()
    }
}

// A fault's description stays two words.
const _: () = assert!(std::mem::size_of::<PageFaultInfo>() == 16);

/// An address-space id: which of a CPU's tagged TLB contexts a translation
/// belongs to, from 0 to [`Mmu::nr_asids`] - 1.  The core decides which
/// address space a CPU keeps under which ASID; the architecture maps ASIDs
/// to its hardware tags (x86-64: PCIDs).
pub type Asid = u16;

/// A translation cached in a TLB, for coherence checks and dumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlbEntryView {
    /// Virtual page number.
    pub vpn: u64,
    /// The ASID the entry was filled under; `None` for the kernel's own
    /// context, used before any address space is switched to.
    pub asid: Option<Asid>,
    /// Frame it translates to.
    pub pfn: Pfn,
    /// Writable.
    pub write: bool,
    /// User accessible.
    pub user: bool,
    /// Dirty was set when the entry was filled.
    pub dirty: bool,
    /// Global: valid under every ASID, kept across switches.
    pub global: bool,
}

/// Counters of one MMU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlbStats {
    /// Translations served by the TLB.
    pub hits: u64,
    /// Translations that needed a page walk.
    pub misses: u64,
    /// Single-address invalidations.
    pub invlpg: u64,
    /// Whole-TLB (or whole-ASID) flushes.
    pub flushes: u64,
}

/// The hardware half of paging on one CPU: the register that holds the
/// root table and the ASID, the page walker and the TLB.
///
/// Methods carry the kernel's arch-neutral names (`switch_mm`,
/// `flush_tlb_one_user`, `flush_tlb_all`); an architecture maps them to
/// its instructions (x86-64: a CR3 load, `invpcid`, `invlpg`).
pub trait Mmu: Send {
    /// Translates an access, walking the page tables on a TLB miss and
    /// setting accessed / dirty bits as the hardware does.
    fn translate(&mut self, phys: &PhysMem, va: u64, access: Access, user: bool) -> Result<PhysAddr, Exception>;
    /// How many address spaces the TLB keeps apart at once: ASIDs run
    /// from 0 to this minus one.
    fn nr_asids(&self) -> usize;
    /// Makes `root` the current page table under `asid` (the hardware half
    /// of `switch_mm`).  With `flush` the non-global entries `asid` still
    /// holds are dropped first; without, they stay valid.  The
    /// architecture traces the register load on `trace`.
    fn switch_mm(&mut self, trace: &Tracer, root: Pfn, asid: Asid, flush: bool);
    /// The root table in use and its ASID (`None`: the kernel's own
    /// context, before any switch).
    fn current_mm(&self) -> (Pfn, Option<Asid>);
    /// Invalidates the translation of user address `va` under `asid`, and
    /// every cached upper-level entry of that ASID (`flush_tlb_one_user`).
    fn flush_tlb_one_user(&mut self, asid: Asid, va: u64);
    /// Invalidates the translation of kernel address `va`, global ones
    /// included, and every cached upper-level entry
    /// (`flush_tlb_one_kernel`).
    fn flush_tlb_one_kernel(&mut self, va: u64);
    /// Drops every non-global entry of `asid` (`flush_tlb_mm` on one CPU).
    fn flush_tlb_asid(&mut self, asid: Asid);
    /// Drops every entry, global ones too (`flush_tlb_all`).
    fn flush_tlb_all(&mut self);
    /// The cached translations.
    fn entries(&self) -> Vec<TlbEntryView>;
    /// Counters.
    fn stats(&self) -> TlbStats;
}
