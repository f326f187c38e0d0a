//! The x86-64 entry format (arch/x86/include/asm/pgtable_types.h,
//! pgtable_64.h).

use mm_api::arch::{
    Geometry, KernelLayout, Level, Mmu, PMD_LEVEL, PTE_LEVEL, PUD_LEVEL, PageTableFormat, Pte, PteFlags, PteMarker,
    TableEntry, TableLayout, TlbConfig,
};
use mm_api::types::{PAGE_SHIFT, Pfn};

use crate::mmu::X86Mmu;

/// Entry bits at their hardware positions (`_PAGE_BIT_*`).
pub mod bits {
    pub const PRESENT: u64 = 1 << 0;
    pub const RW: u64 = 1 << 1;
    pub const USER: u64 = 1 << 2;
    pub const PWT: u64 = 1 << 3;
    pub const PCD: u64 = 1 << 4;
    pub const ACCESSED: u64 = 1 << 5;
    pub const DIRTY: u64 = 1 << 6;
    /// Page size (a huge-page leaf at the PMD or PUD level; PAT in a PTE).
    pub const PSE: u64 = 1 << 7;
    pub const GLOBAL: u64 = 1 << 8;
    /// `_PAGE_BIT_SOFTW1`: `_PAGE_SPECIAL`.
    pub const SPECIAL: u64 = 1 << 9;
    /// `_PAGE_BIT_SOFTW2`: `_PAGE_UFFD_WP`.
    pub const UFFD_WP: u64 = 1 << 10;
    /// `_PAGE_BIT_SOFTW3`: `_PAGE_SOFT_DIRTY`.
    pub const SOFT_DIRTY: u64 = 1 << 11;
    /// `_PAGE_BIT_SOFTW5`: `_PAGE_SAVED_DIRTY`.
    pub const SAVED_DIRTY: u64 = 1 << 58;
    pub const NX: u64 = 1 << 63;
    /// `_PAGE_PROTNONE`: the global bit, on a non-present entry.
    pub const PROTNONE: u64 = GLOBAL;
    /// Physical address bits of an entry (`PTE_PFN_MASK`, 52-bit physical).
    pub const PFN_MASK: u64 = ((1u64 << 52) - 1) & !((1u64 << 12) - 1);
    /// `_PAGE_TABLE`: what an upper-level entry pointing to a user page
    /// table carries.
    pub const PAGE_TABLE: u64 = PRESENT | RW | USER | ACCESSED | DIRTY;
    /// `_PAGE_SWP_EXCLUSIVE`: in a swap entry, the page was exclusive to
    /// this mapping (PWT is free in a non-present entry).
    pub const SWP_EXCLUSIVE: u64 = PWT;
    /// Bits a swap entry never uses (`_PAGE_PRESENT | _PAGE_PROTNONE`).
    pub const NOT_SWAP: u64 = PRESENT | PROTNONE;
}

/// The swap type of PTE markers (`SWP_PTE_MARKER`): the last of the 32
/// types, after the three migration types (`MAX_SWAPFILES` is 28 without
/// device-private memory and memory-failure entries).
pub(crate) const SWP_PTE_MARKER: u32 = 31;

/// Bits of the swap type (`SWP_TYPE_BITS`).
const SWP_TYPE_BITS: u32 = 5;
/// First bit of the offset field (`SWP_OFFSET_FIRST_BIT`, after PROTNONE).
const SWP_OFFSET_FIRST_BIT: u32 = 9;
/// `SWP_OFFSET_SHIFT`.
const SWP_OFFSET_SHIFT: u32 = SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS;

/// `__swp_entry(type, offset)`: type in the top bits, the offset stored
/// inverted so that a non-present entry never points at real memory (L1TF).
pub fn swp_entry(ty: u32, offset: u64) -> u64 {
    ((!offset) << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) | (u64::from(ty) << (64 - SWP_TYPE_BITS))
}

/// `__swp_type`.
pub fn swp_type(raw: u64) -> u32 {
    (raw >> (64 - SWP_TYPE_BITS)) as u32
}

/// `__swp_offset`.
pub fn swp_offset(raw: u64) -> u64 {
    (!raw) << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT
}

/// Upper-level entries: present bit, PSE for a huge leaf at the PMD and
/// PUD levels (with `_PAGE_PROTNONE` instead of present for a `PROT_NONE`
/// leaf, as `pmd_modify` leaves it), and the frame number in bits 12..52.
const TABLE_LAYOUT: TableLayout = TableLayout {
    present: bits::PRESENT,
    huge: bits::PSE,
    protnone: bits::PROTNONE,
    pfn_mask: bits::PFN_MASK,
    pfn_shift: PAGE_SHIFT,
};

/// x86-64 paging with four or five levels.
#[derive(Clone, Copy, Debug)]
pub struct X86Format {
    la57: bool,
}

impl X86Format {
    /// Four-level (`la57 == false`) or five-level paging.
    pub fn new(la57: bool) -> X86Format {
        X86Format { la57 }
    }

    /// 512-entry tables at four or five levels, 4 KiB pages, huge leaves
    /// at the PMD (2 MiB) and PUD (1 GiB) levels.
    pub const fn geometry(&self) -> Geometry {
        let levels = if self.la57 { 5 } else { 4 };
        Geometry {
            levels,
            page_shift: PAGE_SHIFT,
            index_bits: 9,
            va_bits: PAGE_SHIFT + 9 * levels,
            leaf_levels: 1 << PTE_LEVEL | 1 << PMD_LEVEL | 1 << PUD_LEVEL,
        }
    }
}

/// Where each neutral flag sits in an x86-64 entry (`PROTNONE` has no
/// bit of its own: it is the global bit on a non-present entry).
/// [`flags_to_bits`] and [`bits_to_flags`] move groups of these with
/// shifts, checked against this table when the crate is compiled.
const FLAG_BITS: [(PteFlags, u64); 9] = [
    (PteFlags::PRESENT, bits::PRESENT),
    (PteFlags::WRITE, bits::RW),
    (PteFlags::USER, bits::USER),
    (PteFlags::ACCESSED, bits::ACCESSED),
    (PteFlags::DIRTY, bits::DIRTY),
    (PteFlags::GLOBAL, bits::GLOBAL),
    (PteFlags::SPECIAL, bits::SPECIAL),
    (PteFlags::SOFT_DIRTY, bits::SOFT_DIRTY),
    (PteFlags::NO_EXEC, bits::NX),
];

// The neutral flags move in groups: P/RW/US in place, A/D up by 2,
// G/SPECIAL up by 3, SOFT_DIRTY up by 4, NX up by 55.
const N_SAME: u64 = PteFlags::PRESENT.bits() | PteFlags::WRITE.bits() | PteFlags::USER.bits();
const N_AD: u64 = PteFlags::ACCESSED.bits() | PteFlags::DIRTY.bits();
const N_GS: u64 = PteFlags::GLOBAL.bits() | PteFlags::SPECIAL.bits();
const N_SD: u64 = PteFlags::SOFT_DIRTY.bits();
const N_NX: u64 = PteFlags::NO_EXEC.bits();

/// The neutral flags at their x86-64 bits (`PROTNONE` aside).
#[inline]
const fn neutral_to_x86(n: u64) -> u64 {
    (n & N_SAME) | ((n & N_AD) << 2) | ((n & N_GS) << 3) | ((n & N_SD) << 4) | ((n & N_NX) << 55)
}

/// The x86-64 bits of the neutral flags back at their neutral values.
#[inline]
const fn x86_to_neutral(raw: u64) -> u64 {
    (raw & N_SAME) | ((raw >> 2) & N_AD) | ((raw >> 3) & N_GS) | ((raw >> 4) & N_SD) | ((raw >> 55) & N_NX)
}

// The shifts move every flag to its bit of the table and back.
const _: () = {
    let mut i = 0;
    while i < FLAG_BITS.len() {
        let (flag, bit) = FLAG_BITS[i];
        assert!(neutral_to_x86(flag.bits()) == bit && x86_to_neutral(bit) == flag.bits());
        i += 1;
    }
};

/// Neutral leaf flags -> entry bits.  `PROT_NONE` is the global bit on a
/// non-present entry; a dirty read-only entry keeps its dirtiness in
/// `_PAGE_SAVED_DIRTY` (bit 58), as x86-64 Linux does, so that no entry
/// looks like a shadow-stack page (W=0, D=1).
#[inline]
fn flags_to_bits(f: PteFlags) -> u64 {
    let mut raw = neutral_to_x86(f.bits());
    if f.contains(PteFlags::PROTNONE) {
        raw = (raw & !(bits::PRESENT | bits::GLOBAL)) | bits::PROTNONE;
    } else if raw & bits::PRESENT == 0 {
        raw &= !bits::GLOBAL;
    }
    if raw & (bits::DIRTY | bits::RW) == bits::DIRTY {
        raw = (raw & !bits::DIRTY) | bits::SAVED_DIRTY;
    }
    raw
}

/// Entry bits -> neutral leaf flags (for a present or `PROT_NONE` entry).
/// Bits the core has no flag for (PWT, PCD, PAT, the protection key...)
/// are dropped.
#[inline]
fn bits_to_flags(raw: u64) -> PteFlags {
    let mut n = x86_to_neutral(raw);
    if raw & bits::PRESENT == 0 {
        n = (n & !PteFlags::GLOBAL.bits()) | PteFlags::PROTNONE.bits();
    }
    if raw & bits::SAVED_DIRTY != 0 {
        n |= PteFlags::DIRTY.bits();
    }
    PteFlags::from_bits_retain(n)
}

impl PageTableFormat for X86Format {
    fn name(&self) -> &'static str {
        if self.la57 { "x86-64-5level" } else { "x86-64-4level" }
    }

    fn geometry(&self) -> Geometry {
        self.geometry()
    }

    fn task_size(&self) -> u64 {
        // TASK_SIZE_MAX: the top page is never mapped.
        if self.la57 { (1 << 56) - (1 << PAGE_SHIFT) } else { (1 << 47) - (1 << PAGE_SHIFT) }
    }

    fn default_map_window(&self) -> u64 {
        // DEFAULT_MAP_WINDOW: 47-bit addresses unless a hint asks higher.
        (1 << 47) - (1 << PAGE_SHIFT)
    }

    /// arch/x86/include/asm/tlbflush.h: a non-present entry is not cached;
    /// a new frame, a cleared present or dirty bit, or any change of the
    /// bits the TLB caches as permissions or memory type needs a flush.
    /// The accessed bit is ignored (`ignore_access`), and so are the
    /// software bits.
    fn pte_needs_flush(&self, old: Pte, new: Pte) -> bool {
        let (old, new) = (self.encode_pte(old), self.encode_pte(new));
        if old & bits::PRESENT == 0 {
            return false;
        }
        if (old & bits::PFN_MASK) != (new & bits::PFN_MASK) {
            return true;
        }
        // pte_flags_need_flush(old, new, ignore_access = true)
        const FLUSH_ON_CLEAR: u64 = bits::DIRTY | bits::PRESENT;
        const FLUSH_ON_CHANGE: u64 =
            bits::RW | bits::USER | bits::PWT | bits::PCD | bits::PSE | bits::GLOBAL | bits::NX;
        let diff = old ^ new;
        diff & old & FLUSH_ON_CLEAR != 0 || diff & FLUSH_ON_CHANGE != 0
    }

    fn decode_pte(&self, raw: u64) -> Pte {
        if raw == 0 {
            Pte::None
        } else if raw & bits::NOT_SWAP != 0 {
            Pte::Page { pfn: Pfn((raw & bits::PFN_MASK) >> PAGE_SHIFT), flags: bits_to_flags(raw) }
        } else if swp_type(raw) == SWP_PTE_MARKER {
            Pte::Marker(PteMarker::from_bits_retain(swp_offset(raw)))
        } else {
            Pte::Swap { ty: swp_type(raw), offset: swp_offset(raw), exclusive: raw & bits::SWP_EXCLUSIVE != 0 }
        }
    }

    fn encode_pte(&self, pte: Pte) -> u64 {
        match pte {
            Pte::None => 0,
            Pte::Page { pfn, flags } => ((pfn.0 << PAGE_SHIFT) & bits::PFN_MASK) | flags_to_bits(flags),
            Pte::Swap { ty, offset, exclusive } => {
                swp_entry(ty, offset) | if exclusive { bits::SWP_EXCLUSIVE } else { 0 }
            }
            Pte::Marker(marker) => swp_entry(SWP_PTE_MARKER, marker.bits()),
        }
    }

    fn decode_table(&self, level: Level, raw: u64) -> TableEntry {
        TABLE_LAYOUT.decode(level, raw)
    }

    fn table_entry_flags(&self, _level: Level, raw: u64) -> PteFlags {
        // The same positions as in a leaf for these five; the dirty and
        // PAT/huge positions mean other things above the last level.  A
        // huge leaf without the present bit is a `PROT_NONE` one.
        let mut keep = PteFlags::PRESENT | PteFlags::WRITE | PteFlags::USER | PteFlags::ACCESSED | PteFlags::NO_EXEC;
        if raw & bits::PSE != 0 {
            keep |= PteFlags::PROTNONE;
        }
        bits_to_flags(raw) & keep
    }

    /// The hardware bits of a present entry (`PS` is `PAT` in a PTE; the
    /// global bit of a `PROT_NONE` PTE or huge leaf is `PROTNONE`), and the
    /// software bits the kernel keeps in a PTE (`SPECIAL`, `UFFD_WP`,
    /// `SOFT_DIRTY`, `SAVED_DIRTY`); of a swap PTE, `SWP_EXCLUSIVE`; of an
    /// empty entry, none.
    fn entry_bit_names(&self, level: Level, raw: u64) -> Vec<&'static str> {
        let pte = level == PTE_LEVEL;
        let protnone_leaf = if pte { bits::PROTNONE } else { bits::PROTNONE | bits::PSE };
        let present = raw & bits::PRESENT != 0 || raw & protnone_leaf == protnone_leaf;
        if !present {
            return if raw != 0 && pte && raw & bits::SWP_EXCLUSIVE != 0 { vec!["SWP_EXCLUSIVE"] } else { Vec::new() };
        }
        let protnone = raw & bits::PRESENT == 0;
        let named: [(u64, &'static str); 15] = [
            (bits::PRESENT, "P"),
            (bits::RW, "RW"),
            (bits::USER, "US"),
            (bits::PWT, "PWT"),
            (bits::PCD, "PCD"),
            (bits::ACCESSED, "A"),
            (bits::DIRTY, "D"),
            (bits::PSE, if pte { "PAT" } else { "PS" }),
            (bits::GLOBAL, if protnone { "PROTNONE" } else { "G" }),
            (if pte { bits::SPECIAL } else { 0 }, "SPECIAL"),
            (if pte { bits::UFFD_WP } else { 0 }, "UFFD_WP"),
            (if pte { bits::SOFT_DIRTY } else { 0 }, "SOFT_DIRTY"),
            (if pte { bits::SAVED_DIRTY } else { 0 }, "SAVED_DIRTY"),
            (bits::NX, "NX"),
            (0, ""),
        ];
        named.iter().filter(|&&(b, _)| b != 0 && raw & b != 0).map(|&(_, n)| n).collect()
    }

    fn table_layout(&self) -> Option<TableLayout> {
        Some(TABLE_LAYOUT)
    }

    fn mk_table(&self, _level: Level, pfn: Pfn) -> u64 {
        (pfn.0 << PAGE_SHIFT) | bits::PAGE_TABLE
    }

    fn new_mmu(&self, cpu: usize, tlb: TlbConfig) -> Box<dyn Mmu> {
        Box::new(X86Mmu::new(cpu, self.geometry().levels, tlb))
    }

    fn mk_kernel_table(&self, _level: Level, pfn: Pfn) -> u64 {
        // _KERNPG_TABLE: no _PAGE_USER.
        (pfn.0 << PAGE_SHIFT) | (bits::PAGE_TABLE & !bits::USER)
    }

    fn mk_huge_leaf(&self, level: Level, pfn: Pfn, flags: PteFlags) -> Option<u64> {
        (level != PTE_LEVEL && self.geometry().may_hold_leaf(level))
            .then(|| ((pfn.0 << PAGE_SHIFT) & bits::PFN_MASK) | flags_to_bits(flags) | bits::PSE)
    }

    fn kernel_layout(&self) -> Option<KernelLayout> {
        Some(if self.la57 {
            KernelLayout {
                page_offset: 0xff11_0000_0000_0000,
                vmalloc_start: 0xffa0_0000_0000_0000,
                vmalloc_size: 1 << 48,
            }
        } else {
            KernelLayout {
                page_offset: 0xffff_8880_0000_0000,
                vmalloc_start: 0xffff_c900_0000_0000,
                vmalloc_size: 1 << 39,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mm_api::flags::VmFlags;

    /// `pte_needs_flush`: only changes a cached translation could be
    /// hurt by.
    #[test]
    fn pte_needs_flush_as_x86_decides() {
        let f = X86Format::new(false);
        let rw = PteFlags::PRESENT | PteFlags::USER | PteFlags::ACCESSED | PteFlags::WRITE | PteFlags::DIRTY;
        let ro = PteFlags::PRESENT | PteFlags::USER | PteFlags::ACCESSED | PteFlags::DIRTY;
        let p = |flags| Pte::page(Pfn(0x42), flags);
        // Revoking write or execute, clearing present or dirty: flush.
        assert!(f.pte_needs_flush(p(rw), p(ro)));
        assert!(f.pte_needs_flush(p(ro), p(ro | PteFlags::NO_EXEC)));
        assert!(f.pte_needs_flush(p(rw), p(PteFlags::PROTNONE | PteFlags::ACCESSED)));
        assert!(f.pte_needs_flush(p(rw), p(rw - PteFlags::DIRTY)));
        // Another frame: flush.
        assert!(f.pte_needs_flush(p(ro), Pte::page(Pfn(0x43), ro)));
        // Granting write changes a cached permission too (RW is in
        // flush_on_change).
        assert!(f.pte_needs_flush(p(ro), p(rw)));
        // Software bits and the accessed bit: no flush.
        assert!(!f.pte_needs_flush(p(ro), p(ro | PteFlags::SOFT_DIRTY | PteFlags::SPECIAL)));
        assert!(!f.pte_needs_flush(p(ro), p(ro - PteFlags::ACCESSED)));
        assert!(!f.pte_needs_flush(p(ro), p(ro)));
        // Nothing of a non-present entry is cached.
        assert!(!f.pte_needs_flush(p(PteFlags::PROTNONE | PteFlags::ACCESSED), p(ro)));
    }

    #[test]
    fn the_default_map_window_is_47_bits_with_four_or_five_levels() {
        for la57 in [false, true] {
            assert_eq!(X86Format::new(la57).default_map_window(), (1 << 47) - 4096);
        }
        assert_eq!(X86Format::new(false).default_map_window(), X86Format::new(false).task_size());
    }

    #[test]
    fn bits_are_where_the_hardware_has_them() {
        let f = X86Format::new(false);
        let pte = Pte::page(
            Pfn(0x1234),
            PteFlags::PRESENT
                | PteFlags::WRITE
                | PteFlags::USER
                | PteFlags::ACCESSED
                | PteFlags::DIRTY
                | PteFlags::NO_EXEC,
        );
        let raw = f.encode_pte(pte);
        assert_eq!(raw, 0x8000_0000_0123_4067);
        assert_eq!(f.decode_pte(raw), pte);
        let special = Pte::page(Pfn(7), PteFlags::PRESENT | PteFlags::USER | PteFlags::SPECIAL);
        assert_eq!(f.encode_pte(special), 0x7205);
    }

    /// The shifts of `flags_to_bits` / `bits_to_flags` agree with the
    /// per-flag table for every combination of flags.
    #[test]
    fn every_flag_lands_on_its_x86_bit() {
        let all = PteFlags::all().bits();
        for n in 0..=all {
            let f = PteFlags::from_bits_retain(n);
            let mut want = 0;
            for (flag, bit) in FLAG_BITS {
                if f.contains(flag) {
                    want |= bit;
                }
            }
            if f.contains(PteFlags::PROTNONE) {
                want = (want & !(bits::PRESENT | bits::GLOBAL)) | bits::PROTNONE;
            } else if want & bits::PRESENT == 0 {
                want &= !bits::GLOBAL;
            }
            if want & (bits::DIRTY | bits::RW) == bits::DIRTY {
                want = (want & !bits::DIRTY) | bits::SAVED_DIRTY;
            }
            assert_eq!(flags_to_bits(f), want, "{f:?}");
            if want & bits::NOT_SWAP != 0 {
                // What reaches the tables decodes back to itself.
                assert_eq!(flags_to_bits(bits_to_flags(want)), want, "{f:?}");
            }
        }
        // Present entries keep every flag but none of the PROT_NONE one.
        let present = PteFlags::all() - PteFlags::PROTNONE;
        assert_eq!(bits_to_flags(flags_to_bits(present)), present);
        // Bits the core has no flag for are not read back.
        assert_eq!(bits_to_flags(bits::PRESENT | bits::PWT | bits::PCD), PteFlags::PRESENT);
    }

    #[test]
    fn dirty_read_only_entries_use_saved_dirty() {
        let f = X86Format::new(false);
        let pte = Pte::page(Pfn(3), PteFlags::PRESENT | PteFlags::USER | PteFlags::DIRTY);
        let raw = f.encode_pte(pte);
        assert_eq!(raw & bits::DIRTY, 0);
        assert_ne!(raw & bits::SAVED_DIRTY, 0);
        assert_eq!(f.decode_pte(raw), pte);
        let w = pte.with(PteFlags::WRITE);
        assert_ne!(f.encode_pte(w) & bits::DIRTY, 0);
    }

    #[test]
    fn prot_none_is_global_bit_without_present() {
        let f = X86Format::new(false);
        let prot = f.vm_get_page_prot(VmFlags::MAYREAD | VmFlags::MAYWRITE);
        let raw = f.encode_pte(Pte::page(Pfn(5), prot));
        assert_eq!(raw & bits::PRESENT, 0);
        assert_ne!(raw & bits::PROTNONE, 0);
        let back = f.decode_pte(raw);
        assert!(back.is_present() && back.is_protnone());
    }

    #[test]
    fn swap_entries_round_trip_with_inverted_offset() {
        let f = X86Format::new(false);
        for (ty, off) in [(0u32, 0u64), (1, 1), (27, 0x1234_5678), (3, (1 << 40) - 1)] {
            let raw = swp_entry(ty, off);
            assert_eq!(raw & bits::NOT_SWAP, 0, "swap entry must look not present");
            assert_eq!((swp_type(raw), swp_offset(raw)), (ty, off));
            assert_eq!(f.decode_pte(raw), Pte::Swap { ty, offset: off, exclusive: false });
            let excl = f.encode_pte(Pte::Swap { ty, offset: off, exclusive: true });
            assert_eq!(excl, raw | bits::PWT, "_PAGE_SWP_EXCLUSIVE is the PWT bit");
            assert_eq!(f.decode_pte(excl), Pte::Swap { ty, offset: off, exclusive: true });
        }
        // The offset is stored inverted: a small offset sets the high bits.
        assert_ne!(swp_entry(0, 1) & (1 << 50), 0);
    }

    #[test]
    fn pte_markers_are_swap_entries_of_their_own_type() {
        let f = X86Format::new(false);
        let guard = Pte::Marker(PteMarker::GUARD);
        let raw = f.encode_pte(guard);
        assert_eq!(raw & bits::NOT_SWAP, 0, "a marker is not present");
        assert_eq!(swp_type(raw), SWP_PTE_MARKER);
        assert_eq!(swp_offset(raw), PteMarker::GUARD.bits());
        assert_eq!(f.decode_pte(raw), guard);
        assert!(f.decode_pte(raw).is_guard_marker());
        assert!(!f.decode_pte(swp_entry(0, 4)).is_guard_marker());
    }

    #[test]
    fn private_writable_maps_read_only() {
        let f = X86Format::new(false);
        let p = f.vm_get_page_prot(VmFlags::READ | VmFlags::WRITE | VmFlags::MAYREAD | VmFlags::MAYWRITE);
        assert!(!p.contains(PteFlags::WRITE));
        let s = f.vm_get_page_prot(VmFlags::READ | VmFlags::WRITE | VmFlags::SHARED | VmFlags::MAYSHARE);
        assert!(s.contains(PteFlags::WRITE));
    }

    #[test]
    fn upper_level_entries() {
        let f = X86Format::new(true);
        let raw = f.mk_table(4, Pfn(9));
        assert_eq!(raw, 0x9067);
        assert_eq!(f.decode_table(4, raw), TableEntry::Table(Pfn(9)));
        assert_eq!(f.decode_table(1, raw | bits::PSE), TableEntry::Leaf(Pfn(9)));
        assert_eq!(f.decode_table(1, 0), TableEntry::None);
        // A PROT_NONE huge leaf (pmd_modify to PAGE_NONE): PSE and
        // PROTNONE without PRESENT is still a leaf; PROTNONE alone is not.
        let none = f.mk_huge_leaf(1, Pfn(0x200), PteFlags::PROTNONE | PteFlags::ACCESSED).unwrap();
        assert_eq!(none & bits::PRESENT, 0);
        assert_eq!(none & (bits::PSE | bits::PROTNONE), bits::PSE | bits::PROTNONE);
        assert_eq!(f.decode_table(1, none), TableEntry::Leaf(Pfn(0x200)));
        assert_eq!(f.decode_table(2, none), TableEntry::Leaf(Pfn(0x200)));
        assert!(matches!(f.decode_table(1, none & !bits::PSE), TableEntry::Bad(_)));
        assert!(f.table_entry_flags(1, none).contains(PteFlags::PROTNONE));
        assert!(!f.table_entry_flags(1, none).contains(PteFlags::PRESENT));
        assert_eq!(f.entry_bit_names(1, none), ["A", "PS", "PROTNONE"]);
        assert_eq!(f.decode_pte(none & !bits::PSE), Pte::page(Pfn(0x200), PteFlags::PROTNONE | PteFlags::ACCESSED));
        let g = PageTableFormat::geometry(&f);
        assert_eq!((g.levels, g.va_bits, g.ptrs_per_table()), (5, 57, 512));
        assert_eq!(g.level_shift(4), 48);
        assert_eq!(X86Format::new(false).geometry().va_bits, 48);
        assert!(g.may_hold_leaf(0) && g.may_hold_leaf(1) && g.may_hold_leaf(2));
        assert!(!g.may_hold_leaf(3) && !g.may_hold_leaf(4) && !g.may_hold_leaf(40));
    }
}
