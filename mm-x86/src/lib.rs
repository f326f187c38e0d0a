//! x86-64 paging for mmsim: the page-table entry format the kernel writes
//! and the MMU that reads it.
//!
//! [`X86Format`] encodes the core's neutral entries with the bits of
//! `arch/x86/include/asm/pgtable_types.h` (P, RW, US, A, D, PS, G,
//! NX; `_PAGE_SPECIAL` and soft-dirty in the software bits; `PROT_NONE` as
//! the global bit on a non-present entry; swap entries with the inverted
//! offset of `pgtable_64.h`).  Four-level paging (48-bit addresses) and
//! five-level paging (LA57, 57-bit) are both registered.
//!
//! [`X86Mmu`] is one CPU's hardware: CR3 with a PCID, a set-associative TLB
//! tagged by PCID and a paging-structure cache of the last PDE.  It walks the
//! tables the kernel built, sets accessed and dirty bits with locked updates,
//! and keeps a translation until an `invlpg`, an `invpcid` or a CR3 load
//! removes it, as the hardware does, so a flush the kernel forgets leaves a
//! stale translation that tests catch.  The core's neutral requests map to
//! those instructions: `switch_mm` is a CR3 load (with `NOFLUSH` when the
//! ASID's entries are current), ASID `n` is PCID `n + 1` ([`kern_pcid`]; the
//! core keeps [`TLB_NR_DYN_ASIDS`] of them per CPU), `flush_tlb_one_user` is
//! `invpcid` type 0, `flush_tlb_asid` type 1, `flush_tlb_one_kernel` is
//! `invlpg`.

#![forbid(unsafe_code)]

mod format;
mod mmu;

pub use format::{X86Format, bits, swp_entry, swp_offset, swp_type};
pub use mmu::{TLB_NR_DYN_ASIDS, X86Mmu, kern_pcid};

use linkme::distributed_slice;
use mm_api::arch::{MM_PAGE_TABLE_FORMATS, PageTableFormat, PageTableFormatDesc};

fn new_4level() -> Box<dyn PageTableFormat> {
    Box::new(X86Format::new(false))
}

fn new_5level() -> Box<dyn PageTableFormat> {
    Box::new(X86Format::new(true))
}

/// Four-level paging, 48-bit virtual addresses: the default.
#[distributed_slice(MM_PAGE_TABLE_FORMATS)]
pub static X86_64_4LEVEL: PageTableFormatDesc = PageTableFormatDesc {
    name: "x86-64-4level",
    description: "x86-64 four-level paging (48-bit addresses), PCID-tagged TLB",
    new: new_4level,
};

/// Five-level paging (LA57), 57-bit virtual addresses.
#[distributed_slice(MM_PAGE_TABLE_FORMATS)]
pub static X86_64_5LEVEL: PageTableFormatDesc = PageTableFormatDesc {
    name: "x86-64-5level",
    description: "x86-64 five-level paging (LA57, 57-bit addresses), PCID-tagged TLB",
    new: new_5level,
};
